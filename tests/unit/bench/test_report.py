"""The benchmark's table and JSON: one row and one object per system and workload."""

from __future__ import annotations

import datetime as dt

from bench.measure import RunFigures
from bench.report import results_document, speedups, table, workload_label


def figures(name: str, per_s: float, rate: float | None = None) -> RunFigures:
    return RunFigures(
        name=name, builds=50, viewers=2, lines=2000, rate=rate, deliveries=200_000,
        elapsed_s=1.0, deliveries_per_s=per_s, p50_ms=1.0, p90_ms=2.0, p99_ms=3.0, max_ms=4.0,
        lost=0, misrouted=0, duplicates=0, out_of_order=0,
        api_calls_per_1000_lines=5.5 if name == "apkgen" else None,
        frames_per_1000_lines=5.5, cpu_s={"a": 1.25, "b": 0.5}, peak_rss_mb={"a": 10.0},
    )


def test_workload_label_names_the_rate_only_when_limited() -> None:
    assert workload_label(figures("x", 1)) == "B=50 V=2 L=2000"
    assert workload_label(figures("x", 1, rate=200)) == "B=50 V=2 L=2000 @200/s"


def test_table_has_a_header_a_rule_and_one_aligned_row_per_run() -> None:
    text = table([figures("apkgen", 123_456.0), figures("flask-socketio-eventlet", 1000.0)])
    lines = text.splitlines()
    assert len(lines) == 4
    assert len({len(line) for line in lines}) == 1
    assert "123,456" in lines[2] and "5.5" in lines[2] and "1.8" in lines[2]
    assert "| - " in lines[3]  # the baseline makes no management-API calls


def test_speedups_compare_apkgen_with_each_baseline_on_the_same_workload_only() -> None:
    runs = [figures("apkgen", 80_000.0), figures("flask-socketio-eventlet", 20_000.0),
            figures("flask-socketio-threading", 10_000.0, rate=200)]
    assert speedups(runs) == {"B=50 V=2 L=2000/flask-socketio-eventlet": 4.0}


def test_results_document_carries_date_machine_targets_and_every_run() -> None:
    document = results_document([figures("apkgen", 1.0)],
                                when=dt.datetime(2026, 11, 25, 18, 0, tzinfo=dt.UTC))
    assert document["date"] == "2026-11-25T18:00:00+00:00"
    assert document["machine"]["cores"] >= 1
    assert document["targets"]["saturated"]["deliveries_per_s"] == 200_000
    assert document["results"][0]["name"] == "apkgen"
