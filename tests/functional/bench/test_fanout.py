"""The fan-out benchmark works end to end on tiny workloads, for both systems.

Real processes on loopback: moto's server, local_ws with the real Chalice app, the producer
driving the runner's FanoutHub, the Flask-SocketIO baseline (eventlet), viewer processes.
Correctness only: every line arrives once, in order, at the right viewer, and every figure
is filled in. No timing assertions (speed is ``make bench``'s business).
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from bench import fanout, report
from bench.measure import RunFigures

TIMEOUT_S = 60.0


@pytest.fixture(scope="module")
def results() -> list[RunFigures]:
    chosen: list[fanout.System] = [fanout.ApkgenSystem(workers=8),
                                   fanout.FlaskSocketIOBaseline("eventlet")]
    return fanout.run_suite(fanout.suite(quick=True), chosen, timeout=TIMEOUT_S,
                            progress=lambda line: None)


def test_both_systems_ran_every_quick_workload(results: list[RunFigures]) -> None:
    runs = {(f.name, f.builds, f.viewers, f.lines, f.rate) for f in results}
    expected = {
        (name, w.builds, w.viewers, w.lines, w.rate)
        for name in ("apkgen", "flask-socketio-eventlet")
        for w in fanout.QUICK
    }
    assert runs == expected


def test_every_viewer_gets_every_line_once_in_order_at_the_right_build(
    results: list[RunFigures],
) -> None:
    for figures in results:
        faults = (figures.lost, figures.misrouted, figures.duplicates, figures.out_of_order)
        assert faults == (0, 0, 0, 0), figures.summary()
        assert figures.deliveries == figures.builds * figures.viewers * figures.lines


def test_latency_throughput_cpu_and_memory_are_reported(results: list[RunFigures]) -> None:
    for figures in results:
        assert figures.deliveries_per_s > 0
        assert 0 < figures.p50_ms <= figures.p90_ms <= figures.p99_ms <= figures.max_ms
        assert figures.cpu_s and all(seconds >= 0 for seconds in figures.cpu_s.values())
        assert figures.peak_rss_mb and all(mb > 0 for mb in figures.peak_rss_mb.values())


def test_apkgen_counts_management_calls_and_frames_and_batches_lines(
    results: list[RunFigures],
) -> None:
    flat_out = next(f for f in results if f.name == "apkgen" and f.rate is None)
    processes = set(flat_out.cpu_s)
    assert {"moto", "local_ws", "producer-0", "producer-1", "viewers-0"} <= processes
    assert flat_out.api_calls_per_1000_lines is not None
    assert flat_out.frames_per_1000_lines is not None
    # Each small post is one frame at one viewer, and a post carries many lines.
    assert flat_out.api_calls_per_1000_lines == flat_out.frames_per_1000_lines
    assert flat_out.frames_per_1000_lines < 1000
    # The producers' own counters come along: every line stored, in fewer writes than lines.
    counters = flat_out.counters
    assert counters["lines_persisted"] == flat_out.builds * flat_out.lines
    assert 0 < counters["store_writes"] < counters["lines_persisted"]
    assert counters["listing_reads"] >= flat_out.builds


def test_baseline_sends_one_socketio_message_per_line(results: list[RunFigures]) -> None:
    for figures in (f for f in results if f.name.startswith("flask-socketio")):
        assert figures.api_calls_per_1000_lines is None
        assert figures.frames_per_1000_lines == 1000.0


def test_report_writes_one_object_per_system_and_workload(
    results: list[RunFigures], tmp_path: Path
) -> None:
    import datetime as dt

    document = report.results_document(results, when=dt.datetime(2026, 1, 1, tzinfo=dt.UTC))
    path = report.write_results(document, tmp_path / "latest.json")
    written = json.loads(path.read_text())
    assert len(written["results"]) == len(results)
    for item in written["results"]:
        for key in ("name", "builds", "viewers", "lines", "rate", "deliveries_per_s", "p50_ms",
                    "p99_ms", "lost", "misrouted", "duplicates", "out_of_order",
                    "api_calls_per_1000_lines"):
            assert key in item
    assert set(written["speedups"]) == {
        f"{report.workload_label(f)}/flask-socketio-eventlet" for f in results
        if f.name == "apkgen"
    }
    assert "apkgen" in report.table(results)
