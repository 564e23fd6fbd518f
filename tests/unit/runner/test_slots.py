"""The runner's build slots (build_runner.runner.slots): how many messages a receive asks for,
and build threads that share the slots, crash alone and are waited for."""

from __future__ import annotations

import threading

import pytest

from build_runner.runner.slots import BuildSlots, SlotsFull, receive_batch

WAIT_S = 10.0


@pytest.mark.parametrize(("free", "asked"), [(0, 0), (1, 1), (3, 3), (10, 10), (16, 10)])
def test_a_receive_asks_for_no_more_messages_than_free_slots_nor_than_sqs_hands_out(
    free: int, asked: int
) -> None:
    assert receive_batch(free) == asked


def test_slots_refuse_a_build_beyond_their_capacity() -> None:
    slots = BuildSlots(2)
    release = threading.Event()
    for name in ("a", "b"):
        slots.start(name, release.wait)
    assert (slots.running, slots.free()) == (2, 0)
    with pytest.raises(SlotsFull, match="all 2 build slots are taken"):
        slots.start("c", release.wait)
    release.set()
    assert slots.wait_idle(WAIT_S)
    assert (slots.running, slots.free(), slots.started) == (0, 2, 2)


def test_a_crashing_build_frees_its_slot_and_the_others_run_on() -> None:
    slots = BuildSlots(3)
    others_go = threading.Event()
    finished: list[str] = []

    def crash() -> None:
        raise ZeroDivisionError("a bug in one build")

    def build(name: str) -> None:
        others_go.wait(WAIT_S)
        finished.append(name)

    slots.start("one", lambda: build("one"))
    slots.start("crashing", crash)
    slots.start("two", lambda: build("two"))
    # The crashed thread's slot comes back while the two others still run.
    assert slots.wait_free(threading.Event(), WAIT_S) == 1
    assert slots.crashed == 1
    others_go.set()
    assert slots.wait_idle(WAIT_S)
    assert sorted(finished) == ["one", "two"]


def test_waiting_for_a_free_slot_ends_with_none_once_the_runner_stops() -> None:
    slots = BuildSlots(1)
    release = threading.Event()
    slots.start("busy", release.wait)
    stopping = threading.Event()
    answers: list[int] = []
    waiter = threading.Thread(target=lambda: answers.append(slots.wait_free(stopping)))
    waiter.start()
    stopping.set()
    slots.interrupt()  # what Runner.request_stop does
    waiter.join(WAIT_S)
    assert answers == [0]
    release.set()
    assert slots.wait_idle(WAIT_S)


def test_a_free_slot_is_reported_at_once() -> None:
    assert BuildSlots(4).wait_free(threading.Event()) == 4


def test_slots_need_a_capacity_of_at_least_one() -> None:
    with pytest.raises(ValueError, match="at least one build slot"):
        BuildSlots(0)
