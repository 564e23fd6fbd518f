"""What moto's request threads and its snapshot thread share: the journal of changes, the lock.

A request that may change moto's state runs under the shared side of the
:class:`SharedExclusiveLock`, then :meth:`Journal.mark` s the services it changed and waits
(:meth:`Journal.wait_durable`) until a snapshot taken after its change is on disk. The snapshot
thread waits for changes (:meth:`Journal.wait_pending`), takes them (:meth:`Journal.take`, under
the exclusive side of the lock, so moto's objects hold still while they are pickled) and reports
:meth:`Journal.committed` or :meth:`Journal.failed`.

Two ends, both for stopping: :meth:`Journal.end_waiting` (the stack is stopping: SQS long polls
stop waiting for changes and are answered at once) and :meth:`Journal.close` (moto is stopping:
the snapshot thread writes what is still pending, then returns).

Thread-safe; no I/O.
"""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Iterable, Iterator


class Journal:
    """Which services changed since the last snapshot, and which changes are on disk.

    Requests call :meth:`mark` (under the shared lock) and then :meth:`wait_durable`; long
    polls wait between tries with :meth:`wait_change`; the snapshot thread calls
    :meth:`wait_pending`, :meth:`take` (under the exclusive lock), then :meth:`committed` or
    :meth:`failed`. Generations count changes: ``durable >= g`` means change ``g`` is on disk.
    """

    def __init__(self) -> None:
        # An RLock: end_waiting may run in a signal handler, on a thread that already holds it.
        self._cond = threading.Condition(threading.RLock())
        self.generation = 0
        self.durable = 0
        self.waiting_ended = False
        self.closed = False
        self._dirty: set[str] = set()

    def mark(self, services: Iterable[str]) -> int:
        """Record a change of ``services``; returns its generation."""
        with self._cond:
            self.generation += 1
            self._dirty.update(services)
            self._cond.notify_all()
            return self.generation

    def wait_change(self, seen: int, timeout: float) -> int:
        """Wait until a change after generation ``seen``, :meth:`end_waiting` or ``timeout``;
        returns the generation."""
        with self._cond:
            self._cond.wait_for(lambda: self.generation > seen or self.waiting_ended, timeout)
            return self.generation

    def end_waiting(self) -> None:
        """From now on :meth:`wait_change` returns at once (long polls are answered now)."""
        with self._cond:
            self.waiting_ended = True
            self._cond.notify_all()

    def wait_pending(self, timeout: float | None) -> bool:
        """Wait until a change is not on disk yet, or :meth:`close`, or ``timeout`` (None: no
        limit); whether a change is pending."""
        with self._cond:
            self._cond.wait_for(lambda: self.generation > self.durable or self.closed, timeout)
            return self.generation > self.durable

    def take(self) -> tuple[int, frozenset[str]]:
        """The generation a snapshot taken now holds, and the services changed since the last."""
        with self._cond:
            services, self._dirty = frozenset(self._dirty), set()
            return self.generation, services

    def committed(self, generation: int) -> None:
        """The snapshot holding changes up to ``generation`` is on disk."""
        with self._cond:
            self.durable = max(self.durable, generation)
            self._cond.notify_all()

    def failed(self, services: Iterable[str]) -> None:
        """The snapshot of ``services`` is not on disk: the next one takes them again."""
        with self._cond:
            self._dirty.update(services)

    def wait_durable(self, generation: int, timeout: float) -> bool:
        """Wait until change ``generation`` is on disk (or ``timeout``); whether it is."""
        with self._cond:
            return self._cond.wait_for(lambda: self.durable >= generation, timeout)

    def close(self) -> None:
        """No more requests: :meth:`wait_pending` returns at once from now on."""
        with self._cond:
            self.closed = True
            self._cond.notify_all()

    def wait_closed(self, timeout: float) -> bool:
        """Wait until :meth:`close` (or ``timeout``); whether it was called."""
        with self._cond:
            return self._cond.wait_for(lambda: self.closed, timeout)


class SharedExclusiveLock:
    """Many holders of the shared side, or one of the exclusive side; a waiting exclusive
    holder goes first (new shared holders wait), so snapshots are not starved."""

    def __init__(self) -> None:
        self._cond = threading.Condition()
        self._shared = 0
        self._exclusive = False
        self._waiting = 0

    @contextlib.contextmanager
    def shared(self) -> Iterator[None]:
        with self._cond:
            self._cond.wait_for(lambda: not self._exclusive and not self._waiting)
            self._shared += 1
        try:
            yield
        finally:
            with self._cond:
                self._shared -= 1
                self._cond.notify_all()

    @contextlib.contextmanager
    def exclusive(self) -> Iterator[None]:
        with self._cond:
            self._waiting += 1
            self._cond.wait_for(lambda: not self._exclusive and not self._shared)
            self._waiting -= 1
            self._exclusive = True
        try:
            yield
        finally:
            with self._cond:
                self._exclusive = False
                self._cond.notify_all()
