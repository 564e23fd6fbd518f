"""Counting a fan-out run the same way for every system: pure, no sockets.

A bench line is ``"<build>|<seq>|<send time ns>|<padding>"`` (about 100 bytes). Each viewer
hands every line it receives to its :class:`ViewerTally` together with the receive time; the
tallies are then merged into one :class:`RunFigures`. Both systems (apkgen's path and the
Flask-SocketIO baseline) are measured by these same functions.
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass, field, fields, replace
from typing import Any

LINE_BYTES = 100


def make_line(build: str, seq: int, sent_ns: int, size: int = LINE_BYTES) -> str:
    """A line of about ``size`` characters carrying its build, seq and send time."""
    head = f"{build}|{seq}|{sent_ns}|"
    return head + "x" * max(0, size - len(head))


def parse_line(line: str) -> tuple[str, int, int]:
    """``(build, seq, sent_ns)`` of a bench line; raises ValueError on anything else."""
    build, seq, sent, _ = line.split("|", 3)
    return build, int(seq), int(sent)


@dataclass
class ViewerTally:
    """What one viewer of one build saw."""

    build: str
    expected: int
    seen: set[int] = field(default_factory=set)
    last_seq: int = 0
    received: int = 0
    duplicates: int = 0
    out_of_order: int = 0
    misrouted: int = 0
    latencies_ns: list[int] = field(default_factory=list)
    last_receive_ns: int = 0
    frames: int = 0  # WebSocket messages (apkgen) or Socket.IO message events that arrived
    disconnects: int = 0  # the server closed the connection before every line arrived

    def receive(self, line: str, received_ns: int) -> None:
        build, seq, sent_ns = parse_line(line)
        self.received += 1
        self.last_receive_ns = max(self.last_receive_ns, received_ns)
        if build != self.build:
            self.misrouted += 1
            return
        if seq in self.seen:
            self.duplicates += 1
            return
        if seq < self.last_seq:
            self.out_of_order += 1
        self.seen.add(seq)
        self.last_seq = max(self.last_seq, seq)
        self.latencies_ns.append(received_ns - sent_ns)

    @property
    def complete(self) -> bool:
        return len(self.seen) >= self.expected

    def to_json(self) -> dict[str, Any]:
        """Everything counted, as JSON data (viewer processes hand their tallies over so)."""
        # Not ``asdict``: it deep-copies every latency, the slowest part of a viewer process.
        data = {f.name: getattr(self, f.name) for f in fields(self)}
        data["seen"] = sorted(self.seen)
        return data

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> ViewerTally:
        """The tally :meth:`to_json` described."""
        return cls(**{**data, "seen": set(data["seen"])})

    @property
    def lost(self) -> int:
        return self.expected - len(self.seen)


def percentile(sorted_values: list[int], q: float) -> float:
    """Nearest-rank percentile of already sorted values (0 for none)."""
    if not sorted_values:
        return 0.0
    rank = max(1, math.ceil(q / 100 * len(sorted_values)))
    return float(sorted_values[rank - 1])


@dataclass
class RunFigures:
    """The figures of one system on one workload, as written to bench/results/latest.json."""

    name: str
    builds: int
    viewers: int
    lines: int
    rate: float | None
    deliveries: int
    elapsed_s: float
    deliveries_per_s: float
    p50_ms: float
    p90_ms: float
    p99_ms: float
    max_ms: float
    lost: int
    misrouted: int
    duplicates: int
    out_of_order: int
    api_calls_per_1000_lines: float | None = None
    frames_per_1000_lines: float | None = None
    disconnects: int = 0
    repeats: int = 1
    cpu_s: dict[str, float] = field(default_factory=dict)
    peak_rss_mb: dict[str, float] = field(default_factory=dict)
    # What the system's own counters say (apkgen: the producers' DONE line: store writes,
    # listing reads, retries …); empty for the baseline.
    counters: dict[str, Any] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    def summary(self) -> str:
        calls = (
            f" calls/1000={self.api_calls_per_1000_lines:.1f}"
            if self.api_calls_per_1000_lines is not None
            else ""
        )
        return (
            f"{self.name}: B={self.builds} V={self.viewers} L={self.lines} "
            f"{self.deliveries_per_s:,.0f} deliveries/s p50={self.p50_ms:.1f}ms "
            f"p99={self.p99_ms:.1f}ms lost={self.lost} misrouted={self.misrouted} "
            f"dup={self.duplicates} ooo={self.out_of_order}{calls}"
            + (f" disconnects={self.disconnects}" if self.disconnects else "")
        )


def merge(
    name: str,
    tallies: list[ViewerTally],
    *,
    builds: int,
    viewers: int,
    lines: int,
    rate: float | None,
    elapsed_s: float,
    frames: int | None = None,
    api_calls: int | None = None,
) -> RunFigures:
    """Merge the viewers' tallies; ``elapsed_s`` runs from the producers' start to the last line."""
    latencies = sorted(ns for t in tallies for ns in t.latencies_ns)
    delivered = len(latencies)
    line_viewers = builds * viewers * lines

    def per_1000(count: int | None) -> float | None:
        return None if count is None or not line_viewers else count * 1000 / line_viewers

    return RunFigures(
        name=name,
        builds=builds,
        viewers=viewers,
        lines=lines,
        rate=rate,
        deliveries=delivered,
        elapsed_s=round(elapsed_s, 4),
        deliveries_per_s=round(delivered / elapsed_s, 1) if elapsed_s > 0 else 0.0,
        p50_ms=percentile(latencies, 50) / 1e6,
        p90_ms=percentile(latencies, 90) / 1e6,
        p99_ms=percentile(latencies, 99) / 1e6,
        max_ms=(latencies[-1] / 1e6) if latencies else 0.0,
        lost=sum(t.lost for t in tallies) + (builds * viewers - len(tallies)) * lines,
        misrouted=sum(t.misrouted for t in tallies),
        duplicates=sum(t.duplicates for t in tallies),
        out_of_order=sum(t.out_of_order for t in tallies),
        api_calls_per_1000_lines=per_1000(api_calls),
        frames_per_1000_lines=per_1000(
            sum(t.frames for t in tallies) if frames is None else frames
        ),
        disconnects=sum(t.disconnects for t in tallies),
    )


def median_run(runs: list[RunFigures]) -> RunFigures:
    """Of repeated runs of one system on one workload, the one with the median deliveries/s
    (the lower middle one for an even count), carrying the lost, misrouted, duplicate and
    out-of-order lines and disconnects summed over *all* runs, and ``repeats``."""
    if not runs:
        raise ValueError("median_run needs at least one run")
    ordered = sorted(runs, key=lambda figures: figures.deliveries_per_s)
    chosen = replace(ordered[(len(ordered) - 1) // 2])
    chosen.lost = sum(r.lost for r in runs)
    chosen.misrouted = sum(r.misrouted for r in runs)
    chosen.duplicates = sum(r.duplicates for r in runs)
    chosen.out_of_order = sum(r.out_of_order for r in runs)
    chosen.disconnects = sum(r.disconnects for r in runs)
    chosen.repeats = len(runs)
    return chosen
