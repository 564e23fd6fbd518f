"""The fan-out log sink: persists every line, then posts it to every viewer of the build.

:class:`.hub.FanoutHub` (importable from here too) is shared by every build a runner (or the
benchmark) runs: one worker pool, one :class:`.poster.Poster`. :meth:`FanoutHub.open` gives the
per-build :class:`FanoutSink`, a :class:`build_runner.logs.LogSink`.

Why a thread pool (``concurrent.futures.ThreadPoolExecutor``) and not an asyncio loop: boto3 is
synchronous (and its clients are thread-safe); an asyncio loop would have to hand every call to
an executor anyway, adding a hop. The pool's threads only ever block on I/O (DynamoDB, the
``@connections`` endpoint, a bounded backoff), so a few dozen of them serve many builds on two
cores.

Flow of one build (all state changes under the sink's lock; no I/O under it):

1. ``emit(record)`` (the build's thread): give it the next seq, append it to the build's
   :class:`.batching.RoundQueue`; only when no round is in flight, submit one. Never blocks on
   the network: a lock, a deque append, at most one ``submit``. **Backpressure**: when
   ``max_pending_lines`` lines of the build wait to be persisted (a build logging faster than
   the store takes its lines), ``emit`` waits until a round takes them, at most
   ``max_emit_wait_s``. That bounds the runner's memory and how far the live log lags behind
   a flooding build; viewers' queues are not counted, so a slow viewer never slows the build.
2. a **round** (a worker): take everything pending (up to a cap), encode each line once, persist
   the lines **first** (``LogStore.append_encoded_batch``, shared with the other builds' rounds
   in flight: :mod:`.commit`), then take the build's connections
   (``ConnectionStore.registrations``, read again when older than ``listing_ttl_s`` or before
   a status) and queue the encoded lines on each connection's :class:`.batching.ViewerQueue`.
   Persisting first means a viewer that connects after the listing finds those lines with
   ``resume``; one that registered while the listing was reused gets the lines persisted
   since it registered at the next read (:meth:`FanoutSink._deliver`). That next read comes
   with the next round once the listing is older than ``listing_ttl_s``, before a status, or,
   when the build has gone quiet, from the hub's refresher (:meth:`FanoutHub.refresh_stale`):
   a late viewer never waits for the build's next line to get the ones it missed. When lines arrived
   meanwhile, the next round starts at once: that is the batching under load.
3. a **post** (a worker, per connection): at most one in flight per connection, so each viewer
   receives its messages in seq order; each post carries every queued line that fits one
   message (128 KB: API Gateway's limit; it delivers it in 32 KB frames), so a busy viewer
   costs a few billed messages per thousand lines. Connections post concurrently with each
   other. ``GoneException`` removes the registration and the viewer; transient errors are
   retried (bounded); other errors skip that message for that viewer only.

A slow viewer never slows the build nor the other viewers: its own queue grows up to a bound,
then its oldest lines are dropped and it resumes the gap from the persisted log (see
:mod:`.batching`). A viewer that does not take a post at all (its buffer is full: API Gateway
answers ``LimitExceededException``; or no answer) is dropped at the post's deadline, closed and
unregistered, and ``flush``/``close`` never wait long for its post (:mod:`.delivery`).

When the log store fails (after the retries), the round's lines are neither stored nor posted:
every line a viewer gets is in the stored log (``persist_failures``, ``lines_unpersisted``).
"""

from __future__ import annotations

import json
import logging
import threading
import time
from collections import deque
from collections.abc import Callable, Mapping
from typing import Any

from build_runner.fanout import SinkClosed
from build_runner.fanout.batching import (
    MAX_ROUND_ITEMS,
    RoundQueue,
    Standalone,
    ViewerItem,
    ViewerQueue,
)
from build_runner.fanout.delivery import Outcome, deliverable, posts_to_wait_for
from build_runner.fanout.hub import (
    DEFAULT_WORKERS,
    ConnectionRegistry,
    FanoutHub,
    LogAppender,
)
from build_runner.fanout.lines import encode_record
from build_runner.logs import LogRecord

logger = logging.getLogger(__name__)

__all__ = ["DEFAULT_WORKERS", "ConnectionRegistry", "FanoutHub", "FanoutSink", "LogAppender"]


class _Refresh:
    """The round item that makes a round read the listing again (and post nothing itself)."""


REFRESH = _Refresh()
RoundItem = tuple[int, LogRecord] | Standalone | _Refresh


class FanoutSink:
    """The live log of one build: ``emit`` lines, ``push_status``, ``flush``, ``close``."""

    def __init__(self, hub: FanoutHub, build_id: str, after_seq: int = 0,
                 fence: Callable[[], bool] | None = None) -> None:
        if after_seq < 0:
            raise ValueError(f"after_seq must be 0 or a persisted seq, not {after_seq}")
        self.build_id = build_id
        self._fence = fence
        self.fenced = False
        self.fenced_lines = 0
        self._hub = hub
        self._seq = after_seq
        self._lock = threading.Lock()
        self._changed = threading.Condition(self._lock)
        # Signalled when a round takes pending lines, for an emit waiting for room.
        self._room = threading.Condition(self._lock)
        self._emits_waiting = 0
        self.emit_waits = 0
        self._queue: RoundQueue[RoundItem] = RoundQueue(MAX_ROUND_ITEMS)
        self._viewers: dict[str, ViewerQueue] = {}
        self._busy_viewers = 0
        # When the post in flight to each connection started (time.monotonic()).
        self._post_started: dict[str, float] = {}
        self._gone: set[str] = set()
        # The connection listing reused between reads, when it was read, and the lines of the
        # rounds that reused it (with the time they were persisted) for viewers it lacked.
        self._listing: list[str] | None = None
        self._listed_at = 0.0
        self._unlisted_rounds: deque[tuple[float, list[bytes]]] = deque()
        self._unlisted_bytes = 0
        self._closed = False
        self.persist_failures = 0
        self.lines_persisted = 0
        self.lines_unpersisted = 0  # lines lost to store failures: neither stored nor posted

    # -- the build's side -------------------------------------------------------------------

    @property
    def last_seq(self) -> int:
        """The seq of the last line emitted."""
        return self._seq

    @property
    def listed_at(self) -> float:
        """When the connection listing in use was read (hub clock; 0 before the first read)."""
        return self._listed_at

    def request_refresh(self) -> None:
        """Read the connection listing again in a round of its own (see
        :meth:`FanoutHub.refresh_stale`); nothing happens once the sink is closed."""
        with self._lock:
            if self._closed:
                return
            start = self._queue.add(REFRESH)
        if start:
            self._hub.submit(self._round)

    def emit(self, record: LogRecord) -> None:
        """Queue ``record`` with the next seq and return at once; ``SinkClosed`` after close."""
        with self._lock:
            if self._closed:
                raise SinkClosed(f"log line emitted after build {self.build_id}'s sink was closed")
            self._seq += 1
            start = self._queue.add((self._seq, record))
            if not start and len(self._queue) >= self._hub.max_pending_lines:
                self._wait_for_room()
        if start:
            self._hub.submit(self._round)

    def _wait_for_room(self) -> None:
        """Backpressure (the lock held): wait until a round takes the pending lines, bounded."""
        self.emit_waits += 1
        self._emits_waiting += 1
        try:
            limit = self._hub.max_pending_lines
            if not self._room.wait_for(lambda: len(self._queue) < limit,
                                       self._hub.max_emit_wait_s):
                logger.warning(
                    "build %s: %d log lines still wait to be persisted after %.1fs; going on",
                    self.build_id, len(self._queue), self._hub.max_emit_wait_s,
                )
        finally:
            self._emits_waiting -= 1

    def push_status(self, message: Mapping[str, Any]) -> None:
        """Post a status message to the viewers, after every line emitted before it.

        ``build`` and ``last_seq`` are filled in when absent (``last_seq`` = the last line
        emitted so far).
        """
        with self._lock:
            if self._closed:
                raise SinkClosed(f"status pushed after build {self.build_id}'s sink was closed")
            body = dict(message)
            body.setdefault("type", "status")
            body.setdefault("build", self.build_id)
            body.setdefault("last_seq", self._seq)
            data = json.dumps(body, ensure_ascii=False, separators=(",", ":")).encode("utf-8")
            if len(data) > self._hub.max_message_bytes:
                logger.warning(
                    "status message for build %s is %d bytes, over one message; shorten its error",
                    self.build_id, len(data),
                )
            start = self._queue.add(Standalone(data))
        if start:
            self._hub.submit(self._round)

    def flush(self, timeout: float | None = None) -> bool:
        """Wait until everything emitted so far is persisted and posted (or given up), except
        posts to connections that are not keeping up: a post in flight for longer than the
        hub's ``stall_after_s`` is not waited for (it ends by its own deadline, delivered, or
        with its connection dropped). So a viewer that stopped reading holds nobody.

        Returns False when ``timeout`` seconds passed first.
        """
        deadline = None if timeout is None else time.monotonic() + timeout
        with self._changed:
            while True:
                now = time.monotonic()
                waiting, recheck = self._waiting_for(now)
                if not waiting:
                    return True
                if deadline is not None and now >= deadline:
                    return False
                until = deadline if recheck is None else (
                    recheck if deadline is None else min(deadline, recheck)
                )
                self._changed.wait(None if until is None else max(0.0, until - now))

    def close(self, timeout: float | None = None) -> bool:
        """Refuse further records, then flush. Returns whether everything was drained (posts
        to stalled connections aside, see :meth:`flush`)."""
        with self._lock:
            if not self._closed:
                self._hub.sink_closed(self)
            self._closed = True
        drained = self.flush(timeout)
        if not drained:
            logger.warning("build %s: log fan-out not drained when closing", self.build_id)
        return drained

    def wait_idle(self, timeout: float | None = None) -> bool:
        """Wait until nothing is pending nor in flight at all, stalled posts included (the hub
        waits so before stopping its workers). False when ``timeout`` passed first."""
        with self._changed:
            return self._changed.wait_for(
                lambda: self._queue.idle and self._busy_viewers == 0, timeout
            )

    def _waiting_for(self, now: float) -> tuple[bool, float | None]:
        """(the lock held) Whether a flush still waits at ``now``, and when to look again
        without being woken (a post in flight turning stalled)."""
        if not self._queue.idle:
            return True, None
        if self._busy_viewers == 0:
            return False, None
        started: list[float] = []
        for connection_id, viewer in self._viewers.items():
            if not viewer.busy:
                continue
            at = self._post_started.get(connection_id)
            if at is None:
                return True, None  # between two posts of a viewer that keeps up
            started.append(at)
        young, recheck = posts_to_wait_for(started, now, self._hub.stall_after_s)
        return young > 0, recheck

    # -- the workers' side ------------------------------------------------------------------

    def _round(self) -> None:
        try:
            with self._lock:
                items = self._queue.take()
                if self._emits_waiting:
                    self._room.notify_all()
            if self._fenced_off(items):
                return
            out = self._persist(items)
            relist = any(isinstance(item, (Standalone, _Refresh)) for item in items)
            self._deliver(out, self._hub.clock(), relist=relist)
        except Exception:
            logger.exception("build %s: a log fan-out round failed", self.build_id)
        finally:
            with self._lock:
                again = self._queue.finish()
                if not again:
                    self._changed.notify_all()
            if again:
                self._hub.submit(self._round)

    def _fenced_off(self, items: list[RoundItem]) -> bool:
        """Whether this runner may no longer write the log (checked before every round, and
        latched): then the round's lines are dropped, neither stored nor posted. Another runner
        that took the build over continues the seqs after the last stored line; lines written
        by both would collide."""
        if not self.fenced and (self._fence is None or self._fence()):
            return False
        lines = sum(1 for item in items if isinstance(item, tuple))
        if not self.fenced:
            self.fenced = True
            logger.error(
                "build %s: this runner's lease ran out; from seq %s on, its log lines are not "
                "written (another runner may hold the build and continue its log)",
                self.build_id, next((i[0] for i in items if isinstance(i, tuple)), "-"),
            )
        self.fenced_lines += lines
        return True

    def _persist(self, items: list[RoundItem]) -> list[ViewerItem]:
        """Encode the lines once, store them, and return what the viewers get, in order."""
        out: list[ViewerItem] = []
        lines: list[tuple[int, bytes]] = []
        for item in items:
            if isinstance(item, Standalone):
                out.append(item)
                continue
            if isinstance(item, _Refresh):
                continue
            line, data = encode_record(item[0], item[1])
            lines.append((line["seq"], data))
            out.append(data)
        if lines and not self._append(lines):
            # Never posted unless stored: a viewer's log is always the stored one (it sees the
            # gap in seqs, and its resume finds what the store holds). The statuses still go.
            return [item for item in out if isinstance(item, Standalone)]
        return out

    def _append(self, lines: list[tuple[int, bytes]]) -> bool:
        """Store ``lines`` (retried with the hub's policy); whether they were stored."""
        delays = iter(self._hub.policy.delays())
        while True:
            try:
                self._hub.commit.append(self.build_id, lines)
            except Exception as exc:
                delay = next(delays, None)
                if delay is not None:
                    logger.info("build %s: retrying log persistence: %s", self.build_id, exc)
                    self._hub._sleep(delay)
                    continue
                self.persist_failures += 1
                self.lines_unpersisted += len(lines)
                logger.error(
                    "build %s: lines %d..%d could not be persisted, so they are not posted "
                    "either (every line is stored before it is posted): %s",
                    self.build_id, lines[0][0], lines[-1][0], exc,
                )
                return False
            self.lines_persisted += len(lines)
            return True

    def _deliver(self, items: list[ViewerItem], persisted_at: float, *, relist: bool) -> None:
        """Queue ``items`` (persisted at ``persisted_at``) for every viewer of the build.

        The listing is read again when it is older than ``listing_ttl_s`` and when ``relist``
        (a status or a refresh is in the round); in between it is reused, which spares one
        DynamoDB Query per round. A viewer that registered after the listing in use was read
        misses the rounds that reused it, so the next read gives each viewer it did not hold
        the lines of those rounds persisted after that viewer's ``connected_at`` (what its
        resume may not have found), before the round's own; a viewer dedups by seq, and one
        that still sees a gap resumes it.
        """
        hub = self._hub
        with self._lock:
            fresh = (
                self._listing is None
                or relist
                or hub.clock() - self._listed_at >= hub.listing_age_limit()
            )
        registered: list[tuple[str, float]] | None = None
        if fresh:
            listed_at = hub.clock()
            try:
                hub.listing_reads += 1
                registered = list(hub.connection_store.registrations(self.build_id))
            except Exception:
                logger.exception(
                    "build %s: could not list connections; posting to the ones known",
                    self.build_id,
                )
        start: list[str] = []
        with self._lock:
            offers: dict[str, list[ViewerItem]] = {}
            if registered is None:
                listing = self._listing
                if listing is None:
                    listing = [c for c, v in self._viewers.items() if not v.gone]
                targets = deliverable(listing, self._gone)
                if self._remember_unlisted(persisted_at, items):
                    hub.mark_stale(self)
            else:
                targets = deliverable((c for c, _ in registered), self._gone)
                if self._listing is not None:
                    held = set(self._listing)
                    connected = dict(registered)
                    for connection_id in targets:
                        if connection_id not in held:
                            offers[connection_id] = [
                                line
                                for at, lines in self._unlisted_rounds
                                if at >= connected[connection_id]
                                for line in lines
                            ]
                self._listing = targets
                self._listed_at = listed_at
                self._unlisted_rounds.clear()
                self._unlisted_bytes = 0
            for connection_id in targets:
                viewer = self._viewers.get(connection_id)
                if viewer is None:
                    viewer = self._viewers[connection_id] = ViewerQueue(
                        self.build_id,
                        max_message_bytes=hub.max_message_bytes,
                        max_backlog_bytes=hub.max_backlog_bytes,
                    )
                dropped = viewer.dropped_lines
                missed = offers.get(connection_id)
                if viewer.offer(missed + items if missed else items):
                    self._busy_viewers += 1
                    start.append(connection_id)
                if viewer.dropped_lines != dropped:
                    logger.warning(
                        "build %s: viewer %s is slow; dropped %d queued lines (it resumes them)",
                        self.build_id, connection_id, viewer.dropped_lines - dropped,
                    )
            if registered is not None:
                # Forget viewers no longer registered once they have nothing left to post.
                listed_now = set(targets)
                for connection_id in [c for c, v in self._viewers.items() if c not in listed_now]:
                    if self._viewers[connection_id].idle:
                        del self._viewers[connection_id]
        for connection_id in start:
            self._submit_post(connection_id)

    def _remember_unlisted(self, persisted_at: float, items: list[ViewerItem]) -> bool:
        """Keep the lines of a round that reused the listing, up to the backlog bound (older
        rounds beyond it are dropped: a viewer that missed them sees the gap and resumes).
        Returns whether there were lines to keep."""
        lines = [item for item in items if isinstance(item, bytes)]
        if not lines:
            return False
        self._unlisted_rounds.append((persisted_at, lines))
        self._unlisted_bytes += sum(len(line) for line in lines)
        while self._unlisted_bytes > self._hub.max_backlog_bytes and self._unlisted_rounds:
            _, old = self._unlisted_rounds.popleft()
            self._unlisted_bytes -= sum(len(line) for line in old)
        return True

    def _submit_post(self, connection_id: str) -> None:
        self._hub.submit(lambda: self._post(connection_id))

    def _post(self, connection_id: str) -> None:
        viewer = self._viewers[connection_id]
        try:
            with self._lock:
                data = viewer.next_message()
                self._post_started[connection_id] = time.monotonic()
            if data is not None:
                outcome = self._hub.poster.post(connection_id, data)
                if outcome is Outcome.GONE or outcome is Outcome.STALLED:
                    self._forget(connection_id, viewer, close=outcome is Outcome.STALLED)
        except Exception:
            logger.exception("build %s: posting to %s failed", self.build_id, connection_id)
        finally:
            with self._lock:
                self._post_started.pop(connection_id, None)
                again = viewer.finish()
                if not again:
                    self._busy_viewers -= 1
                    self._changed.notify_all()
            if again:
                self._submit_post(connection_id)

    def _forget(self, connection_id: str, viewer: ViewerQueue, *, close: bool = False) -> None:
        """Stop posting to ``connection_id`` and remove its registration; ``close`` (a stalled
        connection, still open) also closes it, so the viewer reconnects and resumes."""
        with self._lock:
            viewer.mark_gone()
            self._gone.add(connection_id)
        if close:
            logger.warning(
                "build %s: connection %s does not keep up; closing and removing it (it resumes "
                "from the stored log when it reconnects)", self.build_id, connection_id,
            )
            self._hub.poster.close_connection(connection_id)
        else:
            logger.info(
                "build %s: connection %s is gone; removing it", self.build_id, connection_id
            )
        try:
            self._hub.connection_store.remove(self.build_id, connection_id)
        except Exception:
            logger.exception(
                "build %s: could not remove gone connection %s", self.build_id, connection_id
            )
