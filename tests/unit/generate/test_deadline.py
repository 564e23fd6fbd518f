"""Deadlines on a test clock: slices, nesting, pauses, cancels."""

from __future__ import annotations

import pytest

from build_runner.errors import BuildCancelled
from build_runner.generate.deadline import POLL_S, Deadline, TimeUp


class Clock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.now += seconds


def test_slices_are_never_longer_than_the_poll_interval_or_the_time_left() -> None:
    clock = Clock()
    deadline = Deadline.after(1.0, "too slow", clock=clock)
    assert deadline.slice(10.0) == POLL_S
    assert deadline.slice(0.1) == 0.1
    clock.now += 0.9
    assert deadline.slice(10.0) == pytest.approx(0.1)


def test_a_passed_deadline_says_its_sentence() -> None:
    clock = Clock()
    deadline = Deadline.after(1.0, "the API took longer than 1s", clock=clock)
    clock.now += 1.0
    with pytest.raises(TimeUp, match="the API took longer than 1s"):
        deadline.slice()


def test_a_cancel_wins_over_time() -> None:
    deadline = Deadline.after(10.0, "x", cancelled=lambda: True, clock=Clock())
    with pytest.raises(BuildCancelled):
        deadline.check()


def test_within_keeps_the_sooner_deadline_and_its_sentence() -> None:
    clock = Clock()
    budget = Deadline.after(60.0, "budget", clock=clock)
    assert budget.within(30.0, "download").message == "download"
    clock.now += 45.0
    assert budget.within(30.0, "download") is budget


def test_a_pause_sleeps_in_slices_and_refuses_to_outlast_the_deadline() -> None:
    clock = Clock()
    deadline = Deadline.after(2.0, "budget", clock=clock)
    deadline.pause(1.0, clock.sleep)
    assert clock.now == pytest.approx(101.0)
    with pytest.raises(TimeUp, match="budget"):
        deadline.pause(1.5, clock.sleep)
    assert clock.now == pytest.approx(101.0)  # gave up at once


def test_a_pause_ends_with_a_cancel() -> None:
    clock = Clock()
    calls: list[float] = []

    def cancelled() -> bool:
        calls.append(clock.now)
        return clock.now >= 100.5

    deadline = Deadline.after(10.0, "x", cancelled=cancelled, clock=clock)
    with pytest.raises(BuildCancelled):
        deadline.pause(5.0, clock.sleep)
    assert clock.now == pytest.approx(100.5)
