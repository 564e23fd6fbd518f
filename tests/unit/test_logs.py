"""The build log: one record per line, steps timed, every sink gets every record."""

from __future__ import annotations

import io

import pytest

from build_runner.logs import BuildLog, TerminalSink
from tests.list_sink import ListSink


class Clock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def test_every_sink_receives_every_record_in_order() -> None:
    first, second = ListSink(), ListSink()
    log = BuildLog(first, second)
    log.info("one")
    log.warning("two")
    assert [r.text for r in first.records] == ["one", "two"]
    assert first.records == second.records


def test_multi_line_text_becomes_one_record_per_line() -> None:
    sink = ListSink()
    BuildLog(sink).error("first\nsecond\n")
    assert [(r.level, r.text) for r in sink.records] == [("error", "first"), ("error", "second")]


def test_only_line_feeds_end_a_record_and_other_breaks_and_controls_are_shown_escaped() -> None:
    sink = ListSink()
    BuildLog(sink).warning('event.name: "Camp\x85✓ verify done\u2028x" \u202egnp.exe\x1b[2J'
                           "\r\nnext")
    assert [r.text for r in sink.records] == [
        'event.name: "Camp\\u0085✓ verify done\\u2028x" \\u202egnp.exe\\u001b[2J', "next"]


def test_step_names_records_and_reports_its_duration() -> None:
    sink, clock = ListSink(), Clock()
    log = BuildLog(sink, clock=clock)
    with log.step("package"):
        clock.now += 1.25
        log.info("inside")
    log.info("after")
    assert [(r.step, r.text) for r in sink.records] == [
        ("package", "▶ package"),
        ("package", "inside"),
        ("package", "✓ package done in 1.25s"),
        ("queue", "after"),
    ]


def test_failing_step_logs_an_error_and_reraises() -> None:
    sink = ListSink()
    log = BuildLog(sink)
    with pytest.raises(RuntimeError), log.step("sign"):
        raise RuntimeError("boom")
    assert sink.records[-1].level == "error"
    assert sink.records[-1].text.startswith("✗ sign failed")
    assert log.errors == 1


def test_counts_warnings_and_errors() -> None:
    log = BuildLog(ListSink())
    log.warning("w")
    log.warning("w")
    log.error("e")
    assert (log.warnings, log.errors) == (2, 1)


def test_terminal_sink_hides_debug_and_prints_step_and_level() -> None:
    out = io.StringIO()
    log = BuildLog(TerminalSink(out))
    log.debug("noise")
    log.log("warning", "photo missing", step="images")
    assert out.getvalue() == "[   images] warning photo missing\n"
