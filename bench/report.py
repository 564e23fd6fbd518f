"""The fan-out benchmark's output: one table for both systems and ``bench/results/latest.json``.

Pure formatting (:func:`table`, :func:`results_document`) apart from writing the file
(:func:`write_results`). The JSON holds one object per system and workload with the fields of
:class:`bench.measure.RunFigures` (name, builds, viewers, lines, rate, deliveries_per_s, p50_ms,
p99_ms, lost, misrouted, duplicates, out_of_order, api_calls_per_1000_lines, …), plus the date,
the machine and the targets.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import platform
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from bench.measure import RunFigures

RESULTS_DIR = Path(__file__).resolve().parent / "results"
LATEST = RESULTS_DIR / "latest.json"
QUICK = RESULTS_DIR / "quick.json"  # --quick runs prove the benchmark works; they keep latest

# The targets, reported beside the figures (never asserted by tests).
TARGETS = {
    "saturated": {"deliveries_per_s": 200_000, "p99_ms": 100, "vs_eventlet": 4.0,
                  "api_calls_per_1000_lines": 10},
    "unsaturated": {"p50_ms": 5, "p99_ms": 20},
    "every_run": {"lost": 0, "misrouted": 0, "duplicates": 0, "out_of_order": 0},
}

COLUMNS: tuple[tuple[str, str], ...] = (
    ("system", "{name}"),
    ("workload", "{workload}"),
    ("deliv/s", "{deliveries_per_s:,.0f}"),
    ("p50 ms", "{p50_ms:.1f}"),
    ("p90 ms", "{p90_ms:.1f}"),
    ("p99 ms", "{p99_ms:.1f}"),
    ("max ms", "{max_ms:.1f}"),
    ("lost", "{lost}"),
    ("misr", "{misrouted}"),
    ("dup", "{duplicates}"),
    ("ooo", "{out_of_order}"),
    ("calls/1k", "{calls}"),
    ("frames/1k", "{frames}"),
    ("CPU s", "{cpu}"),
    ("peak MB", "{rss}"),
)


def workload_label(figures: RunFigures) -> str:
    """``B=50 V=2 L=2000`` (with ``@200/s`` when rate-limited)."""
    rate = f" @{figures.rate:g}/s" if figures.rate else ""
    return f"B={figures.builds} V={figures.viewers} L={figures.lines}{rate}"


def _optional(value: float | None) -> str:
    return "-" if value is None else f"{value:.1f}"


def row(figures: RunFigures) -> list[str]:
    """One table row: the figures formatted by :data:`COLUMNS`."""
    values = figures.to_dict()
    values["workload"] = workload_label(figures)
    values["calls"] = _optional(figures.api_calls_per_1000_lines)
    values["frames"] = _optional(figures.frames_per_1000_lines)
    values["cpu"] = f"{sum(figures.cpu_s.values()):.1f}"
    values["rss"] = f"{sum(figures.peak_rss_mb.values()):.0f}"
    return [template.format(**values) for _, template in COLUMNS]


def table(results: Sequence[RunFigures]) -> str:
    """A Markdown table of every run, in order (readable on a terminal too)."""
    header = [name for name, _ in COLUMNS]
    rows = [row(figures) for figures in results]
    widths = [max(len(cell) for cell in column) for column in zip(header, *rows, strict=True)]

    def line(cells: Sequence[str]) -> str:
        return "| " + " | ".join(c.ljust(w) for c, w in zip(cells, widths, strict=True)) + " |"

    rule = "|" + "|".join("-" * (w + 2) for w in widths) + "|"
    return "\n".join([line(header), rule, *(line(r) for r in rows)])


def speedups(results: Sequence[RunFigures]) -> dict[str, float]:
    """apkgen's deliveries/s over each baseline's on the same workload, by ``workload/system``."""
    out: dict[str, float] = {}
    for ours in (r for r in results if r.name == "apkgen"):
        for theirs in results:
            same = (theirs.builds, theirs.viewers, theirs.lines, theirs.rate) == (
                ours.builds, ours.viewers, ours.lines, ours.rate)
            if theirs.name != "apkgen" and same and theirs.deliveries_per_s > 0:
                key = f"{workload_label(ours)}/{theirs.name}"
                out[key] = round(ours.deliveries_per_s / theirs.deliveries_per_s, 2)
    return out


def machine() -> dict[str, Any]:
    """What the figures were measured on."""
    cpu = platform.processor() or platform.machine()
    try:
        for text_line in Path("/proc/cpuinfo").read_text().splitlines():
            if text_line.startswith("model name"):
                cpu = text_line.split(":", 1)[1].strip()
                break
    except OSError:
        pass  # not Linux: platform's answer stays
    return {"cpu": cpu, "cores": os.cpu_count(), "python": platform.python_version(),
            "system": f"{platform.system()} {platform.release()}"}


def results_document(results: Sequence[RunFigures], *, when: dt.datetime,
                     extra: dict[str, Any] | None = None) -> dict[str, Any]:
    """The JSON document written to ``latest.json``."""
    return {
        "date": when.isoformat(timespec="seconds"),
        "machine": machine(),
        "targets": TARGETS,
        "speedups": speedups(results),
        "results": [figures.to_dict() for figures in results],
        **(extra or {}),
    }


def write_results(document: dict[str, Any], path: Path = LATEST) -> Path:
    """Write ``document`` as indented JSON; returns the path."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(document, indent=2) + "\n", encoding="utf-8")
    return path
