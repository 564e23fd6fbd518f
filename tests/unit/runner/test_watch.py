"""The cancel check, the heartbeat thread and the step tracker, with fake clocks and callbacks."""

from __future__ import annotations

import threading
from dataclasses import dataclass

import pytest

from build_runner.logs import LogRecord
from build_runner.runner.watch import (
    CANCELLED,
    LOST,
    STOPPING,
    CancelCheck,
    Heartbeat,
    StepTracker,
)

WAIT_S = 10.0


class Clock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


@dataclass
class FakeBuild:
    cancel_requested: bool = False


class Conflict(Exception):
    pass


def test_cancel_check_reads_the_store_at_most_once_per_ttl() -> None:
    reads: list[bool] = []
    answer = [False]

    def read() -> bool:
        reads.append(answer[0])
        return answer[0]

    clock = Clock()
    check = CancelCheck(read, stopping=threading.Event(), ttl_s=1.0, clock=clock)
    assert check() is False
    assert check() is False
    assert len(reads) == 1
    answer[0] = True
    clock.now += 0.5
    assert check() is False  # cached
    clock.now += 0.6
    assert check() is True
    assert check.reason == CANCELLED
    assert len(reads) == 2


def test_cancel_check_counts_a_noted_answer_as_a_fresh_read() -> None:
    reads: list[int] = []
    clock = Clock()
    check = CancelCheck(lambda: bool(reads.append(1)), stopping=threading.Event(), clock=clock)
    check.note(False)
    assert check() is False
    assert reads == []
    check.note(True)
    assert check() is True


def test_cancel_check_survives_a_failed_read() -> None:
    def read() -> bool:
        raise RuntimeError("DynamoDB is down")

    check = CancelCheck(read, stopping=threading.Event(), ttl_s=0)
    assert check() is False


def test_stopping_and_lost_take_precedence_over_a_cancel() -> None:
    stopping = threading.Event()
    check = CancelCheck(lambda: True, stopping=stopping, ttl_s=0)
    assert check() is True
    assert check.reason == CANCELLED
    stopping.set()
    assert check.reason == STOPPING
    check.lost.set()
    assert check.reason == LOST
    assert CancelCheck(lambda: False, stopping=threading.Event()).reason is None


def make_heartbeat(
    *, renew: object = None, interval_s: float = 0.01
) -> tuple[Heartbeat, CancelCheck, dict[str, list[object]], threading.Semaphore]:
    """A heartbeat on recording callbacks; the semaphore is released once per write."""
    calls: dict[str, list[object]] = {"extend": [], "renew": [], "step": []}
    beat = threading.Semaphore(0)
    check = CancelCheck(lambda: False, stopping=threading.Event(), ttl_s=3600)

    def extend() -> None:
        calls["extend"].append(1)

    def do_renew() -> FakeBuild:
        calls["renew"].append(1)
        beat.release()
        if isinstance(renew, Exception):
            raise renew
        return FakeBuild(cancel_requested=bool(renew))

    def write_step(step: str) -> FakeBuild:
        calls["step"].append(step)
        beat.release()
        return FakeBuild()

    heartbeat = Heartbeat(
        interval_s=interval_s, extend_message=extend, renew_lease=do_renew,
        write_step=write_step, cancel=check, is_conflict=lambda e: isinstance(e, Conflict),
    )
    return heartbeat, check, calls, beat


def test_heartbeat_extends_the_job_and_the_lease_together() -> None:
    heartbeat, check, calls, beat = make_heartbeat()
    heartbeat.start()
    try:
        assert beat.acquire(timeout=WAIT_S)
    finally:
        heartbeat.stop()
    assert calls["extend"] and len(calls["extend"]) == len(calls["renew"])
    assert check() is False


def test_heartbeat_notices_a_cancel_in_the_renewed_build() -> None:
    heartbeat, check, _, beat = make_heartbeat(renew=True)
    heartbeat.start()
    try:
        assert beat.acquire(timeout=WAIT_S)
    finally:
        heartbeat.stop()
    assert check() is True
    assert check.reason == CANCELLED


def test_heartbeat_marks_the_build_lost_when_another_runner_holds_it() -> None:
    heartbeat, check, calls, _ = make_heartbeat(renew=Conflict("held by runner-2"))
    heartbeat.start()
    assert check.lost.wait(WAIT_S)
    heartbeat.stop()
    assert len(calls["renew"]) == 1  # it stopped beating
    assert check.reason == LOST


def test_heartbeat_keeps_beating_through_a_transient_error() -> None:
    heartbeat, check, calls, beat = make_heartbeat(renew=RuntimeError("throttled"))
    heartbeat.start()
    try:
        assert beat.acquire(timeout=WAIT_S)
        assert beat.acquire(timeout=WAIT_S)  # a second beat after the failed one
    finally:
        heartbeat.stop()
    assert len(calls["renew"]) >= 2
    assert not check.lost.is_set()


def test_heartbeat_writes_a_step_change_without_waiting_for_the_next_beat() -> None:
    heartbeat, _, calls, beat = make_heartbeat(interval_s=3600)
    heartbeat.start()
    try:
        heartbeat.step_changed("sign")
        assert beat.acquire(timeout=WAIT_S)
    finally:
        heartbeat.stop()
    assert calls["step"] == ["sign"]
    assert calls["renew"] == []


def test_heartbeat_refuses_a_zero_interval() -> None:
    with pytest.raises(ValueError, match="must be positive"):
        make_heartbeat(interval_s=0)


def test_step_tracker_reports_each_new_step_once_and_ignores_the_outer_step() -> None:
    seen: list[str] = []
    tracker = StepTracker(seen.append)
    for step in ("extract", "extract", "queue", "validate", "validate", "queue", "package"):
        tracker.emit(LogRecord(step, "info", "x"))
    assert seen == ["extract", "validate", "package"]
