"""Dedup, gap detection and completion of a followed log (apkgen_client.logstream)."""

from __future__ import annotations

from typing import Any

from apkgen_client.logstream import MAX_TAIL_RESUMES, FollowState, LogTracker


def lines(*seqs: int) -> list[dict[str, Any]]:
    return [{"seq": s, "level": "info", "step": "extract", "text": f"line {s}"} for s in seqs]


def seqs(out: list[dict[str, Any]]) -> list[int]:
    return [line["seq"] for line in out]


def test_passes_contiguous_lines_through_in_order() -> None:
    tracker = LogTracker()
    assert seqs(tracker.add(lines(1, 2, 3))) == [1, 2, 3]
    assert tracker.last_seq == 3
    assert not tracker.has_gap


def test_drops_lines_already_seen_when_a_backlog_overlaps_live_lines() -> None:
    tracker = LogTracker()
    tracker.add(lines(1, 2, 3))
    assert seqs(tracker.add(lines(2, 3, 4))) == [4]
    assert seqs(tracker.add(lines(4))) == []


def test_holds_lines_after_a_hole_and_asks_once_for_a_resume_from_the_last_contiguous_seq() -> None:
    tracker = LogTracker()
    tracker.add(lines(1, 2))
    assert tracker.add(lines(5, 6)) == []
    assert tracker.has_gap
    assert tracker.resume_after() == 2
    assert tracker.resume_after() is None  # asked already
    assert seqs(tracker.add(lines(3, 4))) == [3, 4, 5, 6]
    assert not tracker.has_gap


def test_asks_again_for_a_hole_that_a_finished_resume_did_not_fill() -> None:
    tracker = LogTracker()
    tracker.add(lines(1, 4))
    assert tracker.resume_after() == 1
    tracker.mark_resumed()
    assert tracker.resume_after() == 1


def test_ignores_lines_without_an_integer_seq() -> None:
    tracker = LogTracker()
    assert tracker.add([{"seq": "1", "text": "x"}, {"text": "y"}]) == []
    assert tracker.last_seq == 0


def test_resumes_after_the_last_shown_seq_on_every_reconnect() -> None:
    state = FollowState("b1")
    assert state.on_open() == 0
    state.on_message({"type": "log", "lines": lines(1, 2, 3)})
    assert state.on_open() == 3


def test_is_done_only_when_the_build_is_finished_and_every_line_is_shown() -> None:
    state = FollowState("b1")
    state.on_message({"type": "log", "lines": lines(1, 2)})
    actions = state.on_message({"type": "status", "status": "succeeded", "last_seq": 3})
    assert actions.status is not None and not actions.done
    actions = state.on_message({"type": "log", "lines": lines(3)})
    assert seqs(actions.lines) == [3]
    assert actions.done


def test_is_not_done_while_the_build_runs() -> None:
    state = FollowState("b1")
    state.on_message({"type": "log", "lines": lines(1)})
    assert not state.on_message({"type": "status", "status": "running", "last_seq": 1}).done


def test_a_gap_inside_a_log_message_asks_for_a_resume() -> None:
    state = FollowState("b1")
    state.on_open()
    actions = state.on_message({"type": "log", "lines": lines(1, 2, 7)})
    assert seqs(actions.lines) == [1, 2]
    assert actions.resume_after == 2


def test_asks_for_a_finished_builds_missing_tail_a_bounded_number_of_times() -> None:
    state = FollowState("b1")
    state.on_message({"type": "log", "lines": lines(1)})
    state.on_message({"type": "status", "status": "failed", "last_seq": 5})
    asked = []
    for _ in range(MAX_TAIL_RESUMES + 2):
        actions = state.on_message({"type": "resumed", "after": 1, "last_seq": 5})
        if actions.resume_after is not None:
            asked.append(actions.resume_after)
    assert asked == [1] * MAX_TAIL_RESUMES
    assert state.done and state.missing_tail


def test_ignores_messages_that_are_not_objects_or_of_unknown_type() -> None:
    state = FollowState("b1")
    assert state.on_message(["log"]).lines == []
    assert state.on_message({"type": "hello"}).lines == []
    assert not state.done


def test_a_resume_over_its_budget_is_sent_again_after_the_wait_the_server_names() -> None:
    state = FollowState("b1")
    state.on_open()
    actions = state.on_message({"type": "error", "message": "too many resumes",
                                "retry_after": 1.5})
    assert actions.retry_resume_s == 1.5
    assert not actions.reconnect


def test_a_connection_the_server_no_longer_knows_is_replaced_by_a_new_one() -> None:
    # The protocol's answer to a resume on a connection that watches no build (contracts.md).
    state = FollowState("b1")
    state.on_open()
    actions = state.on_message({"type": "error", "message": "this connection watches no build: "
                                "reconnect with ?build=<build id>"})
    assert actions.reconnect
    assert actions.retry_resume_s is None
    assert actions.error is not None and "watches no build" in actions.error
    assert not actions.done
