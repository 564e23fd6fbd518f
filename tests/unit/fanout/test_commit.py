"""Group commit: rounds that arrive during a write share the next one; errors reach each."""

from __future__ import annotations

import threading
from collections.abc import Sequence

import pytest

from build_runner.fanout.commit import GroupCommit, PersistFailed

WAIT_S = 10.0
Batch = list[tuple[str, Sequence[tuple[int, bytes]]]]


class GatedWriter:
    """Records each batch; the first write waits until the test opens the gate."""

    def __init__(self) -> None:
        self.batches: list[Batch] = []
        self.first_started = threading.Event()
        self.gate = threading.Event()
        self.fail_with: Exception | None = None

    def __call__(self, batch: Batch) -> None:
        self.batches.append(batch)
        if len(self.batches) == 1:
            self.first_started.set()
            assert self.gate.wait(WAIT_S)
        if self.fail_with is not None:
            raise self.fail_with


def line(seq: int) -> tuple[int, bytes]:
    return (seq, b'{"seq":%d}' % seq)


def test_a_lone_append_is_written_at_once() -> None:
    writer = GatedWriter()
    writer.gate.set()
    GroupCommit(writer).append("b1", [line(1)])
    assert writer.batches == [[("b1", [line(1)])]]


def test_appends_arriving_during_a_write_share_the_next_write() -> None:
    writer = GatedWriter()
    commit = GroupCommit(writer)
    first = threading.Thread(target=commit.append, args=("b1", [line(1)]))
    first.start()
    assert writer.first_started.wait(WAIT_S)
    waiting = [threading.Thread(target=commit.append, args=(f"b{n}", [line(n)]))
               for n in (2, 3, 4)]
    for thread in waiting:
        thread.start()
    with commit._changed:  # the three have queued their lines before the first write ends
        assert commit._changed.wait_for(lambda: len(commit._pending) == 3, WAIT_S)
    writer.gate.set()
    for thread in (first, *waiting):
        thread.join(WAIT_S)
        assert not thread.is_alive()
    assert len(writer.batches) == 2
    assert sorted(build for build, _ in writer.batches[1]) == ["b2", "b3", "b4"]
    assert commit.writes == 2


def test_every_append_of_a_failed_write_gets_an_error_naming_its_lines() -> None:
    writer = GatedWriter()
    writer.gate.set()
    writer.fail_with = RuntimeError("table gone")
    with pytest.raises(PersistFailed, match=r"lines 3\.\.4 of build b1 failed: table gone"):
        GroupCommit(writer).append("b1", [line(3), line(4)])


def test_a_batch_holds_at_most_max_requests_builds() -> None:
    writer = GatedWriter()
    commit = GroupCommit(writer, max_requests=2)
    first = threading.Thread(target=commit.append, args=("b1", [line(1)]))
    first.start()
    assert writer.first_started.wait(WAIT_S)
    waiting = [threading.Thread(target=commit.append, args=(f"b{n}", [line(n)]))
               for n in (2, 3, 4)]
    for thread in waiting:
        thread.start()
    with commit._changed:
        assert commit._changed.wait_for(lambda: len(commit._pending) == 3, WAIT_S)
    writer.gate.set()
    for thread in (first, *waiting):
        thread.join(WAIT_S)
    assert [len(batch) for batch in writer.batches] == [1, 2, 1]


def test_a_batch_must_hold_at_least_one_build() -> None:
    with pytest.raises(ValueError, match="at least one"):
        GroupCommit(GatedWriter(), max_requests=0)
