"""When log lines go out, and in which messages. Pure: no I/O, no threads.

Two small state machines, driven by :mod:`.sink`'s workers:

* :class:`RoundQueue` (one per build) feeds the persistence rounds. The first item after a quiet
  period starts a round at once (**flush immediately when idle**); while a round is in flight,
  items accumulate and the next round takes them all at once, up to a size cap (**batch while
  lines pour in**). One round at a time per build keeps the handoff to viewers in seq order.
* :class:`ViewerQueue` (one per connection) feeds the posts to that connection: at most one post
  in flight, and each post carries every queued line that fits in one message (128 KB, which
  API Gateway delivers in 32 KB frames). A slow viewer
  only lets its own queue grow, up to ``max_backlog_bytes``; beyond it the oldest lines are
  dropped (**drop-and-let-resume**): everything is persisted before it is posted, so the viewer
  sees a gap in the seq numbers and fills it with ``{"action": "resume", "after": SEQ}``.
  Standalone messages (status) are never dropped.

Messages are assembled from lines encoded once (:func:`apkgen_core.lines.encode_record`) in the
envelope of :func:`apkgen_core.messages.log_envelope`, the same as a resume: joining bytes, no
JSON encoding of the whole batch.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Generic, TypeVar

from apkgen_core.limits import MESSAGE_BYTES
from apkgen_core.messages import assemble, log_envelope

T = TypeVar("T")

# A persistence round takes at most this many lines (the log store splits them into chunk
# items that fit DynamoDB's 400 KB).
MAX_ROUND_ITEMS = 5000
# What a viewer may have queued before its oldest lines are dropped (it resumes the gap).
MAX_BACKLOG_BYTES = 4 * 1024 * 1024


@dataclass(frozen=True, slots=True)
class Standalone:
    """A whole message (a status) posted alone, in order with the lines around it."""

    data: bytes


ViewerItem = bytes | Standalone


class RoundQueue(Generic[T]):
    """Pending items of one build and whether a round is in flight.

    Call order: ``add`` (returns True when the caller must start a round), then in the round
    ``take`` … ``finish`` (returns True when another round must start right away).
    """

    def __init__(self, max_round_items: int = MAX_ROUND_ITEMS) -> None:
        if max_round_items < 1:
            raise ValueError("a round must be allowed at least one item")
        self._pending: deque[T] = deque()
        self._max = max_round_items
        self.in_flight = False

    def __len__(self) -> int:
        return len(self._pending)

    @property
    def idle(self) -> bool:
        """Nothing pending and no round in flight."""
        return not self.in_flight and not self._pending

    def add(self, item: T) -> bool:
        """Queue ``item``; True when no round is in flight, so one must start now."""
        self._pending.append(item)
        if self.in_flight:
            return False
        self.in_flight = True
        return True

    def take(self) -> list[T]:
        """The items of the round in flight: everything pending, up to the round cap."""
        if not self.in_flight:
            raise RuntimeError("take() outside a round: add() must have returned True first")
        pending = self._pending
        if len(pending) <= self._max:
            items = list(pending)
            pending.clear()
            return items
        return [pending.popleft() for _ in range(self._max)]

    def finish(self) -> bool:
        """End the round in flight; True when items arrived meanwhile and a new round must start."""
        if self._pending:
            return True
        self.in_flight = False
        return False


class ViewerQueue:
    """What is queued for one connection, and whether a post to it is in flight.

    Call order: ``offer`` (True when the caller must start posting), then per post
    ``next_message`` … ``finish`` (True when the caller must post again).
    """

    def __init__(
        self,
        build_id: str,
        *,
        max_message_bytes: int = MESSAGE_BYTES,
        max_backlog_bytes: int = MAX_BACKLOG_BYTES,
    ) -> None:
        self._prefix, self._suffix = log_envelope(build_id)
        self._max_lines_bytes = max_message_bytes - len(self._prefix) - len(self._suffix)
        if self._max_lines_bytes <= 0:
            raise ValueError(f"a {max_message_bytes}-byte message cannot hold a log message")
        self._max_backlog = max_backlog_bytes
        self._items: deque[ViewerItem] = deque()
        self._bytes = 0
        self.busy = False
        self.gone = False
        self.dropped_lines = 0

    def __len__(self) -> int:
        return len(self._items)

    @property
    def queued_bytes(self) -> int:
        return self._bytes

    @property
    def idle(self) -> bool:
        """Nothing queued and no post in flight."""
        return not self.busy and not self._items

    def offer(self, items: Iterable[ViewerItem]) -> bool:
        """Queue ``items`` (ignored once gone); True when the caller must start posting now."""
        if self.gone:
            return False
        for item in items:
            self._items.append(item)
            self._bytes += len(item) if isinstance(item, bytes) else len(item.data)
        if self._bytes > self._max_backlog:
            self._drop_oldest_lines()
        if self.busy or not self._items:
            return False
        self.busy = True
        return True

    def _drop_oldest_lines(self) -> None:
        kept: deque[ViewerItem] = deque()
        items = self._items
        while items and self._bytes > self._max_backlog:
            item = items.popleft()
            if isinstance(item, Standalone):
                kept.append(item)
            else:
                self._bytes -= len(item)
                self.dropped_lines += 1
        kept.extend(items)
        self._items = kept

    def next_message(self) -> bytes | None:
        """The next message to post: a standalone message, or as many lines as fit one message."""
        items = self._items
        if not items:
            return None
        first = items[0]
        if isinstance(first, Standalone):
            items.popleft()
            self._bytes -= len(first.data)
            return first.data
        batch: list[bytes] = []
        budget = self._max_lines_bytes + 1  # n lines need n - 1 commas
        while items:
            item = items[0]
            if isinstance(item, Standalone):
                break
            cost = len(item) + 1
            if batch and cost > budget:
                break
            batch.append(item)
            budget -= cost
            items.popleft()
            self._bytes -= len(item)
        return assemble(self._prefix, self._suffix, batch)

    def finish(self) -> bool:
        """End the post in flight; True when more is queued and the caller must post again."""
        if self._items and not self.gone:
            return True
        self.busy = False
        return False

    def mark_gone(self) -> None:
        """The connection is gone: forget what is queued and accept nothing more."""
        self.gone = True
        self._items.clear()
        self._bytes = 0
