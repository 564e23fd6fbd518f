"""The rules of one build's fan-out (apkgen_core.fanout.state), event by event: no threads,
no AWS, no clock but the numbers passed in."""

from __future__ import annotations

import json

from apkgen_core.fanout.delivery import Outcome
from apkgen_core.fanout.state import BuildFanout, FanoutRules, PostEnd
from apkgen_core.records import LogRecord
from apkgen_core.registrations import Registration

BUILD = "b" * 32
T0 = 1_000.0


def record(n: int, text: str = "") -> LogRecord:
    return LogRecord("package", "info", text or f"line {n}", ts=1.0)


def fanout(**rules: int | float) -> BuildFanout:
    return BuildFanout(BUILD, rules=FanoutRules(**rules))  # type: ignore[arg-type]


def seqs(message: bytes | None) -> list[int]:
    assert message is not None
    body = json.loads(message)
    return [line["seq"] for line in body["lines"]] if body["type"] == "log" else []


def run_round(state: BuildFanout, registered: list[Registration] | None, now: float = T0,
              stored: bool = True) -> list[str]:
    """One round: take, persist (``stored``), read the listing when asked, deliver."""
    taken = state.take_round()
    out = state.persisted(taken, stored)
    listing = registered if state.needs_listing(taken.relist, now, age_limit=1.0) else None
    delivery = state.deliver(out, now, listing, now)
    state.round_finished()
    return delivery.start


def post(state: BuildFanout, connection_id: str, outcome: Outcome = Outcome.DELIVERED,
         now: float = T0) -> tuple[bytes | None, str]:
    viewer, message = state.begin_post(connection_id, now)
    end = state.settle_post(connection_id, viewer, outcome, now)
    return message, "again" if state.finish_post(connection_id, viewer) else end


def test_lines_are_numbered_after_the_last_persisted_one() -> None:
    state = BuildFanout(BUILD, after_seq=41)
    assert state.emit(record(1)).seq == 42
    assert state.last_seq == 42


def test_the_first_line_starts_a_round_and_later_ones_wait_for_it() -> None:
    state = fanout()
    assert state.emit(record(1)).start_round
    assert [seq for seq, _ in state.take_round().lines] == [1]
    assert not state.emit(record(2)).start_round  # the round in flight is not finished
    assert state.round_finished()  # line 2 arrived meanwhile: the next round starts at once


def test_backpressure_makes_the_build_wait_once_the_bound_of_unpersisted_lines_is_reached() -> None:
    state = fanout(max_pending_lines=3)
    state.emit(record(1))  # starts a round, which has not taken it yet
    waits = [state.emit(record(n)).wait_for_room for n in range(2, 6)]
    assert waits == [False, True, True, True]  # from the third line waiting on
    assert not state.has_room()
    state.take_round()
    assert state.has_room()


def test_a_slow_viewer_never_makes_the_build_wait() -> None:
    state = fanout(max_pending_lines=3, max_backlog_bytes=2_000)
    viewers = [Registration("slow", T0)]
    for n in range(1, 200):
        assert not state.emit(record(n)).wait_for_room
        run_round(state, viewers)  # "slow" never finishes a post: its queue only grows
    _, message = state.begin_post("slow", T0)
    # Its backlog was bounded by dropping its oldest lines (it resumes them), not by waiting.
    assert seqs(message)[-1] == 199 and seqs(message)[0] > 1


def test_lines_the_store_did_not_take_are_never_posted_but_statuses_are() -> None:
    state = fanout()
    state.emit(record(1))
    state.push_status(b'{"type":"status"}')
    assert run_round(state, [Registration("v1", T0)], stored=False) == ["v1"]
    assert post(state, "v1")[0] == b'{"type":"status"}'
    assert (state.persist_failures, state.lines_unpersisted) == (1, 1)


def test_the_lease_fence_drops_the_rounds_lines_from_then_on() -> None:
    state = fanout()
    state.emit(record(1))
    taken = state.take_round()
    assert state.fence(taken)  # the first time: the caller says so
    state.round_finished()
    state.emit(record(2))
    assert not state.fence(state.take_round())
    assert (state.fenced, state.fenced_lines) == (True, 2)


def test_each_viewer_gets_every_line_in_order_with_one_post_in_flight() -> None:
    state = fanout()
    for n in (1, 2):
        state.emit(record(n))
    assert run_round(state, [Registration("v1", T0), Registration("v2", T0)]) == ["v1", "v2"]
    state.emit(record(3))
    assert run_round(state, None) == []  # both already posting: nothing new to start
    for viewer in ("v1", "v2"):
        message, end = post(state, viewer)
        assert (seqs(message), end) == ([1, 2, 3], PostEnd.DONE)
    assert state.idle


def test_a_gone_viewer_is_forgotten_and_never_posted_to_again() -> None:
    state = fanout()
    state.emit(record(1))
    run_round(state, [Registration("left", T0 - 60, resumed=True)])
    assert post(state, "left", Outcome.GONE)[1] == PostEnd.FORGET
    state.emit(record(2))
    # Still listed (its registration is being removed): not posted to again.
    assert run_round(state, [Registration("left", T0 - 60, resumed=True)], now=T0 + 2) == []


def test_a_young_connection_that_has_not_resumed_is_only_skipped_when_gone() -> None:
    # API Gateway answers Gone until $connect returns, and $connect registers first.
    state = fanout()
    state.emit(record(1))
    run_round(state, [Registration("connecting", T0 - 0.01)])
    assert post(state, "connecting", Outcome.GONE)[1] == PostEnd.SKIPPED_CONNECTING
    state.emit(record(2))
    assert run_round(state, None) == ["connecting"]  # posted to again with the next line
    assert seqs(post(state, "connecting")[0]) == [2]


def test_a_young_connection_that_resumed_is_removed_when_gone() -> None:
    state = fanout()
    state.emit(record(1))
    run_round(state, [Registration("left", T0 - 0.01, resumed=True)])
    assert post(state, "left", Outcome.GONE)[1] == PostEnd.FORGET


def test_a_connection_gone_after_the_grace_is_removed_even_without_a_resume() -> None:
    state = fanout(connect_grace_s=30.0)
    state.emit(record(1))
    run_round(state, [Registration("left", T0 - 31)])
    assert post(state, "left", Outcome.GONE)[1] == PostEnd.FORGET


def test_a_throttled_viewer_is_dropped_closed_and_repaired_when_it_comes_back() -> None:
    state = fanout()
    state.emit(record(1))
    run_round(state, [Registration("stuck", T0, resumed=True)])
    # The poster retried the throttled post (LimitExceeded) until its deadline: STALLED.
    assert post(state, "stuck", Outcome.STALLED)[1] == PostEnd.FORGET_AND_CLOSE
    # It reconnects as a new connection, resumes what it missed from the store, and the next
    # listing gives it the lines persisted since it registered that the reused listing lacked.
    state.emit(record(2))
    run_round(state, None, now=T0 + 0.2)  # listing reused: line 2 kept for viewers it lacks
    state.emit(record(3))
    start = run_round(state, [Registration("stuck-again", T0 + 0.1)], now=T0 + 2)
    assert start == ["stuck-again"]
    assert seqs(post(state, "stuck-again", now=T0 + 2)[0]) == [2, 3]


def test_a_flush_does_not_wait_for_a_post_in_flight_longer_than_the_stall_bound() -> None:
    state = fanout()
    state.emit(record(1))
    run_round(state, [Registration("v1", T0)])
    state.begin_post("v1", 10.0)
    assert state.waiting_for(10.5, stall_after_s=3.0) == (True, 13.0)
    assert state.waiting_for(13.5, stall_after_s=3.0)[0] is False
    assert not state.idle  # the hub still waits for it before stopping its workers
