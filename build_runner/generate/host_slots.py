"""Which downloads may start now: a bound on all of them and a bound per host.

Pure bookkeeping, no threads: :meth:`HostSlots.add` queues a download under its host,
:meth:`HostSlots.start` hands out the ones that may start now (marking them in flight) and
:meth:`HostSlots.done` frees a download's slot. A host at its bound never holds a slot that a
download to another host could use: the queue of a busy host simply waits its turn. Hosts take
turns in the order they were first queued; one host's downloads start in the order queued.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Hashable
from typing import Generic, TypeVar

K = TypeVar("K", bound=Hashable)


class HostSlots(Generic[K]):
    """At most ``total`` downloads in flight, at most ``per_host`` of them to one host."""

    def __init__(self, total: int, per_host: int) -> None:
        if total < 1 or per_host < 1:
            raise ValueError(f"bounds must be at least 1, not {total} and {per_host}")
        self.total = total
        self.per_host = per_host
        self._waiting: dict[str, deque[K]] = {}
        self._busy: dict[str, int] = {}
        self._host_of: dict[K, str] = {}

    def add(self, key: K, host: str) -> None:
        """Queue the download ``key`` (not queued yet) to ``host``."""
        if key in self._host_of:
            raise ValueError(f"{key!r} is queued already")
        self._host_of[key] = host
        self._waiting.setdefault(host, deque()).append(key)

    def start(self) -> list[K]:
        """The downloads that may start now, each now counted in flight."""
        started: list[K] = []
        progress = True
        while progress and self.in_flight < self.total:
            progress = False
            for host in list(self._waiting):
                if self.in_flight >= self.total:
                    break
                if self._busy.get(host, 0) >= self.per_host:
                    continue
                queue = self._waiting[host]
                started.append(queue.popleft())
                self._busy[host] = self._busy.get(host, 0) + 1
                progress = True
                if not queue:
                    del self._waiting[host]
        return started

    def done(self, key: K) -> None:
        """The download ``key`` (started) ended, however: its slot is free."""
        host = self._host_of.pop(key)
        self._busy[host] -= 1
        if not self._busy[host]:
            del self._busy[host]

    @property
    def in_flight(self) -> int:
        """Downloads started and not done."""
        return sum(self._busy.values())

    @property
    def waiting(self) -> int:
        """Downloads queued and not started."""
        return sum(len(queue) for queue in self._waiting.values())

    def busy(self, host: str) -> int:
        """Downloads to ``host`` in flight."""
        return self._busy.get(host, 0)
