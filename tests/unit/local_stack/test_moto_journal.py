"""The bookkeeping that answers a change once it is saved, and the lock snapshots take first."""

from __future__ import annotations

import threading
from collections.abc import Callable
from contextlib import AbstractContextManager

from local_stack.moto_journal import Journal, SharedExclusiveLock


def test_a_change_is_durable_once_a_snapshot_taken_after_it_is_committed() -> None:
    journal = Journal()
    first = journal.mark({"sqs"})
    second = journal.mark({"s3"})
    assert journal.wait_pending(0)
    generation, services = journal.take()
    assert (generation, services) == (second, frozenset({"sqs", "s3"}))
    assert not journal.wait_durable(first, 0)
    journal.committed(generation)
    assert journal.wait_durable(first, 0) and journal.wait_durable(second, 0)
    assert not journal.wait_pending(0)


def test_a_failed_snapshot_keeps_its_services_for_the_next_one() -> None:
    journal = Journal()
    journal.mark({"dynamodb"})
    _, services = journal.take()
    journal.failed(services)
    journal.mark({"s3"})
    assert journal.take()[1] == {"dynamodb", "s3"}


SAFETY_S = 30.0  # far longer than any of these waits should take; the waits ask for longer


def returns_in_a_thread(call: Callable[[], object]) -> list[object]:
    """Run ``call`` in a thread; its result, or [] if it is still waiting after SAFETY_S."""
    result: list[object] = []
    thread = threading.Thread(target=lambda: result.append(call()), daemon=True)
    thread.start()
    thread.join(SAFETY_S)
    return result


def test_a_long_poll_waiting_for_a_change_is_woken_when_waiting_ends() -> None:
    journal = Journal()
    waiting = threading.Thread(target=journal.wait_change, args=(0, 10 * SAFETY_S), daemon=True)
    waiting.start()
    journal.end_waiting()
    waiting.join(SAFETY_S)
    assert not waiting.is_alive()
    # And later ones do not wait at all.
    assert returns_in_a_thread(lambda: journal.wait_change(0, 10 * SAFETY_S)) == [0]


def test_closing_wakes_the_snapshot_thread_and_still_reports_a_pending_change() -> None:
    journal = Journal()
    journal.mark({"sqs"})
    journal.close()
    assert returns_in_a_thread(lambda: journal.wait_pending(None)) == [True]
    journal.committed(journal.take()[0])
    assert returns_in_a_thread(lambda: journal.wait_pending(None)) == [False]
    assert journal.wait_closed(0)


def test_a_waiting_snapshot_goes_before_new_requests() -> None:
    lock = SharedExclusiveLock()
    order: list[str] = []
    with lock.shared():
        writer = threading.Thread(target=lambda: _hold(lock.exclusive(), order, "snapshot"))
        writer.start()
        # The writer is now queued behind this holder; a new request must queue behind it.
        reader = threading.Thread(target=lambda: _hold(lock.shared(), order, "request"))
        _wait_waiting(lock)
        reader.start()
    writer.join(10)
    reader.join(10)
    assert order == ["snapshot", "request"]


def _hold(context: AbstractContextManager[None], order: list[str], name: str) -> None:
    with context:
        order.append(name)


def _wait_waiting(lock: SharedExclusiveLock) -> None:
    with lock._cond:
        assert lock._cond.wait_for(lambda: lock._waiting == 1, 10)
