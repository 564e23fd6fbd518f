"""The benchmark counts loss, misrouting, duplicates, disorder and latency the same for all."""

from __future__ import annotations

import json

from bench.measure import (
    RunFigures,
    ViewerTally,
    make_line,
    median_run,
    merge,
    parse_line,
    percentile,
)


def test_lines_carry_build_seq_and_send_time_at_the_requested_size() -> None:
    line = make_line("b7", 42, 123456789)
    assert len(line) == 100
    assert parse_line(line) == ("b7", 42, 123456789)


def test_tally_counts_each_kind_of_fault_once() -> None:
    tally = ViewerTally("a", expected=4)
    tally.receive(make_line("a", 1, 0), 1_000_000)
    tally.receive(make_line("a", 3, 0), 2_000_000)
    tally.receive(make_line("a", 2, 0), 3_000_000)  # late: out of order
    tally.receive(make_line("a", 3, 0), 4_000_000)  # again: duplicate
    tally.receive(make_line("b", 4, 0), 5_000_000)  # another build's line
    assert (tally.out_of_order, tally.duplicates, tally.misrouted, tally.lost) == (1, 1, 1, 1)
    assert tally.latencies_ns == [1_000_000, 2_000_000, 3_000_000]


def test_percentile_is_nearest_rank() -> None:
    values = list(range(1, 101))
    assert (percentile(values, 50), percentile(values, 99), percentile([], 50)) == (50, 99, 0)


def test_merge_counts_missing_viewers_as_lost_and_rates_api_calls() -> None:
    tally = ViewerTally("a", expected=2)
    tally.receive(make_line("a", 1, 0), 2_000_000)
    tally.receive(make_line("a", 2, 0), 4_000_000)
    figures = merge("x", [tally], builds=1, viewers=2, lines=2, rate=None, elapsed_s=0.5,
                    api_calls=2)
    assert figures.deliveries == 2
    assert figures.lost == 2  # the second viewer never reported
    assert figures.deliveries_per_s == 4.0
    assert figures.p99_ms == 4.0
    assert figures.api_calls_per_1000_lines == 500.0


def test_median_run_reports_the_middle_run_with_the_faults_of_every_run() -> None:
    def run(per_s: float, lost: int = 0) -> RunFigures:
        tally = ViewerTally("a", expected=1)
        tally.receive(make_line("a", 1, 0), 1_000_000)
        figures = merge("x", [tally], builds=1, viewers=1, lines=1, rate=None, elapsed_s=1.0)
        figures.deliveries_per_s = per_s
        figures.lost = lost
        return figures

    chosen = median_run([run(300.0), run(100.0, lost=2), run(200.0), run(400.0, lost=1)])
    assert chosen.deliveries_per_s == 200.0  # the lower middle of four
    assert (chosen.lost, chosen.repeats) == (3, 4)


def test_a_tally_survives_its_trip_between_processes_as_json() -> None:
    tally = ViewerTally("a", expected=3)
    tally.receive(make_line("a", 2, 0), 5)
    tally.receive(make_line("a", 1, 0), 7)
    tally.receive(make_line("b", 3, 0), 9)
    copy = ViewerTally.from_json(json.loads(json.dumps(tally.to_json())))
    assert copy == tally
    assert (copy.lost, copy.out_of_order, copy.misrouted) == (1, 1, 1)
