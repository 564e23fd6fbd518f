"""The runner's build slots: up to ``capacity`` builds at once, each in a thread of its own.

:class:`BuildSlots` counts the builds running and starts each one in its own thread. A build
whose thread raises frees its slot like any other (the exception is logged): one build's crash
never takes the others or the loop down. Call order::

    slots = BuildSlots(capacity)
    free = slots.wait_free(stopping)          # blocks while every slot is taken
    for job in queue.receive(..., receive_batch(free), ...):
        slots.start(name, lambda: handle(job))    # at most ``free`` times
    ...
    slots.wait_idle()                         # every build thread ended

:meth:`interrupt` wakes a :meth:`wait_free` (the runner was asked to stop). :func:`receive_batch`
is pure: how many messages to ask SQS for.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable

from chalicelib.jobs import MAX_MESSAGES

logger = logging.getLogger(__name__)


def receive_batch(free: int, max_messages: int = MAX_MESSAGES) -> int:
    """Messages to take in one receive with ``free`` slots: never more than the free slots,
    never more than SQS hands out at once (10); 0 when no slot is free."""
    return max(0, min(free, max_messages))


class SlotsFull(RuntimeError):
    """:meth:`BuildSlots.start` was called with every slot taken (a bug in the caller)."""


class BuildSlots:
    """Counts the running builds; starts each in a thread. Thread-safe."""

    def __init__(self, capacity: int) -> None:
        if capacity < 1:
            raise ValueError(f"at least one build slot is needed, not {capacity}")
        self.capacity = capacity
        # Reentrant: ``interrupt`` runs from a signal handler, maybe in a thread that holds it.
        self._changed = threading.Condition(threading.RLock())
        self._threads: set[threading.Thread] = set()
        self._interrupted = False
        self.started = 0
        self.crashed = 0  # threads that ended with an exception (logged)

    @property
    def running(self) -> int:
        with self._changed:
            return len(self._threads)

    def free(self) -> int:
        with self._changed:
            return self.capacity - len(self._threads)

    def wait_free(self, stopping: threading.Event, timeout: float | None = None) -> int:
        """Wait until a slot is free; the number free (0 when ``stopping`` was set, when
        :meth:`interrupt` was called or after ``timeout``)."""
        with self._changed:
            self._changed.wait_for(
                lambda: self._interrupted or stopping.is_set()
                or len(self._threads) < self.capacity,
                timeout,
            )
            self._interrupted = False
            if stopping.is_set():
                return 0
            return self.capacity - len(self._threads)

    def interrupt(self) -> None:
        """Wake :meth:`wait_free` now (it returns what is free, or 0 when stopping)."""
        with self._changed:
            self._interrupted = True
            self._changed.notify_all()

    def start(self, name: str, work: Callable[[], object]) -> threading.Thread:
        """Run ``work()`` in a new thread called ``name``, in a free slot; raises
        :class:`SlotsFull` when there is none."""
        thread = threading.Thread(target=self._run, args=(work,), name=name, daemon=True)
        with self._changed:
            if len(self._threads) >= self.capacity:
                raise SlotsFull(f"all {self.capacity} build slots are taken")
            self._threads.add(thread)
            self.started += 1
        try:
            thread.start()
        except BaseException:
            self._ended(thread)
            raise
        return thread

    def _run(self, work: Callable[[], object]) -> None:
        try:
            work()
        except BaseException:  # a build's crash ends its thread, not the process
            with self._changed:
                self.crashed += 1
            logger.exception("build thread %s crashed", threading.current_thread().name)
        finally:
            self._ended(threading.current_thread())

    def _ended(self, thread: threading.Thread) -> None:
        with self._changed:
            self._threads.discard(thread)
            self._changed.notify_all()

    def wait_idle(self, timeout: float | None = None) -> bool:
        """Wait until no build runs; False when ``timeout`` passed first."""
        with self._changed:
            return self._changed.wait_for(lambda: not self._threads, timeout)
