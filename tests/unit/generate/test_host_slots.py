"""Which downloads start: never more than the bounds, and a busy host never blocks another."""

from __future__ import annotations

import pytest

from build_runner.generate.host_slots import HostSlots


def queued(total: int, per_host: int, hosts: dict[str, int]) -> HostSlots[str]:
    slots: HostSlots[str] = HostSlots(total, per_host)
    for host, count in hosts.items():
        for n in range(count):
            slots.add(f"{host}/{n}", host)
    return slots


def test_starts_no_more_than_the_per_host_bound_to_one_host() -> None:
    slots = queued(16, 8, {"a": 20})
    assert slots.start() == [f"a/{n}" for n in range(8)]
    assert slots.start() == []
    assert (slots.in_flight, slots.waiting) == (8, 12)


def test_starts_no_more_than_the_overall_bound_and_hosts_take_turns() -> None:
    slots = queued(4, 8, {"a": 5, "b": 5})
    assert slots.start() == ["a/0", "b/0", "a/1", "b/1"]
    assert (slots.busy("a"), slots.busy("b")) == (2, 2)


def test_a_host_at_its_bound_leaves_the_free_slots_to_other_hosts() -> None:
    slots = queued(16, 3, {"busy": 10, "other": 2})
    assert sorted(slots.start()) == ["busy/0", "busy/1", "busy/2", "other/0", "other/1"]
    slots.done("other/0")
    assert slots.start() == []  # the free slot is other's, and busy is at its bound


def test_a_finished_download_frees_its_slot_for_the_next_of_its_host() -> None:
    slots = queued(16, 1, {"a": 3})
    assert slots.start() == ["a/0"]
    slots.done("a/0")
    assert slots.start() == ["a/1"]
    slots.done("a/1")
    assert slots.start() == ["a/2"]
    slots.done("a/2")
    assert (slots.in_flight, slots.waiting, slots.start()) == (0, 0, [])


def test_every_download_starts_once_and_the_bounds_always_hold() -> None:
    slots = queued(5, 2, {"a": 7, "b": 1, "c": 4})
    started: list[str] = []
    in_flight: list[str] = []
    while True:
        batch = slots.start()
        started += batch
        in_flight += batch
        assert len(in_flight) == slots.in_flight <= 5
        assert all(slots.busy(host) <= 2 for host in "abc")
        if not in_flight:
            break
        slots.done(in_flight.pop(0))
    assert sorted(started) == sorted(f"{host}/{n}" for host, count in (("a", 7), ("b", 1),
                                                                        ("c", 4))
                                     for n in range(count))


def test_a_download_is_queued_once_and_bounds_are_at_least_one() -> None:
    slots = queued(2, 2, {"a": 1})
    with pytest.raises(ValueError, match="queued already"):
        slots.add("a/0", "a")
    with pytest.raises(ValueError, match="at least 1"):
        HostSlots(0, 1)
