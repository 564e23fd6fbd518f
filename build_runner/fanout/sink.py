"""The fan-out log sink: persists every line, then posts it to every viewer of the build.

:class:`.hub.FanoutHub` (importable from here too) is shared by every build a runner (or the
benchmark) runs: one worker pool, one :class:`.poster.Poster`. :meth:`FanoutHub.open` gives the
per-build :class:`FanoutSink`, a :class:`build_runner.logs.LogSink`.

Why a thread pool (``concurrent.futures.ThreadPoolExecutor``) and not an asyncio loop: boto3 is
synchronous (and its clients are thread-safe); an asyncio loop would have to hand every call to
an executor anyway, adding a hop. The pool's threads only ever block on I/O (DynamoDB, the
``@connections`` endpoint, a bounded backoff), so a few dozen of them serve many builds on two
cores.

The rules are :class:`.state.BuildFanout`'s (pure, unit-tested without threads or AWS); this
module carries out what it answers. Flow of one build (every call to the state machine under
the sink's lock; no I/O under it):

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
   other. ``GoneException`` removes the registration and the viewer, except in the first
   ``CONNECT_GRACE_S`` after it registered while it has not resumed: API Gateway answers Gone
   until the ``$connect`` handler has returned, and the handler registers first, so such a
   connection is only skipped (its resume, sent once it is open, reads what it missed from
   the stored log) and posted to again with the next round. Transient errors are retried
   (bounded); other errors skip that message for that viewer only.

A slow viewer never slows the build nor the other viewers: its own queue grows up to a bound,
then its oldest lines are dropped and it resumes the gap from the persisted log (see
:mod:`.batching`). A viewer that does not take a post at all (its buffer is full: API Gateway
answers ``LimitExceededException``; or no answer) is dropped at the post's deadline, closed and
unregistered, and ``flush``/``close`` never wait long for its post (:mod:`.delivery`).

When the log store fails (after the retries), the round's lines are neither stored nor posted:
every line a viewer gets is in the stored log (``persist_failures``, ``lines_unpersisted``).
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Mapping
from typing import Any

from apkgen_core import messages as wire
from apkgen_core.fanout.delivery import Outcome
from apkgen_core.fanout.state import BuildFanout, FanoutRules, PostEnd, Round
from apkgen_core.registrations import Registration
from build_runner.fanout import SinkClosed
from build_runner.fanout.hub import (
    DEFAULT_WORKERS,
    ConnectionRegistry,
    FanoutHub,
    LogAppender,
)
from build_runner.logs import LogRecord

logger = logging.getLogger(__name__)

__all__ = ["DEFAULT_WORKERS", "ConnectionRegistry", "FanoutHub", "FanoutSink", "LogAppender"]


class FanoutSink:
    """The live log of one build: ``emit`` lines, ``push_status``, ``flush``, ``close``."""

    def __init__(self, hub: FanoutHub, build_id: str, after_seq: int = 0,
                 fence: Callable[[], bool] | None = None) -> None:
        self.build_id = build_id
        self._state = BuildFanout(build_id, after_seq, FanoutRules(
            max_pending_lines=hub.max_pending_lines, max_message_bytes=hub.max_message_bytes,
            max_backlog_bytes=hub.max_backlog_bytes,
        ))
        self._fence = fence
        self._hub = hub
        self._lock = threading.Lock()
        self._changed = threading.Condition(self._lock)
        # Signalled when a round takes pending lines, for an emit waiting for room.
        self._room = threading.Condition(self._lock)
        self._emits_waiting = 0
        self.emit_waits = 0

    # -- counters (read by the runner, the tests and the benchmark) -------------------------

    @property
    def last_seq(self) -> int:
        """The seq of the last line emitted."""
        return self._state.last_seq

    @property
    def listed_at(self) -> float:
        """When the connection listing in use was read (hub clock; 0 before the first read)."""
        return self._state.listed_at

    @property
    def fenced(self) -> bool:
        return self._state.fenced

    @property
    def fenced_lines(self) -> int:
        return self._state.fenced_lines

    @property
    def persist_failures(self) -> int:
        return self._state.persist_failures

    @property
    def lines_persisted(self) -> int:
        return self._state.lines_persisted

    @property
    def lines_unpersisted(self) -> int:
        """Lines lost to store failures: neither stored nor posted."""
        return self._state.lines_unpersisted

    # -- the build's side -------------------------------------------------------------------

    def request_refresh(self) -> None:
        """Read the connection listing again in a round of its own (see
        :meth:`FanoutHub.refresh_stale`); nothing happens once the sink is closed."""
        with self._lock:
            start = self._state.request_refresh()
        if start:
            self._hub.submit(self._round)

    def emit(self, record: LogRecord) -> None:
        """Queue ``record`` with the next seq and return at once; ``SinkClosed`` after close.
        Waits (at most the hub's ``max_emit_wait_s``) while the build's lines pour in faster
        than the store takes them."""
        with self._lock:
            if self._state.closed:
                raise SinkClosed(f"log line emitted after build {self.build_id}'s sink was closed")
            emitted = self._state.emit(record)
            if emitted.wait_for_room:
                self._wait_for_room()
        if emitted.start_round:
            self._hub.submit(self._round)

    def _wait_for_room(self) -> None:
        """Backpressure (the lock held): wait until a round takes the pending lines, bounded."""
        self.emit_waits += 1
        self._emits_waiting += 1
        try:
            if not self._room.wait_for(self._state.has_room, self._hub.max_emit_wait_s):
                logger.warning(
                    "build %s: %d log lines still wait to be persisted after %.1fs; going on",
                    self.build_id, self._state.pending, self._hub.max_emit_wait_s,
                )
        finally:
            self._emits_waiting -= 1

    def push_status(self, message: Mapping[str, Any]) -> None:
        """Post a status message to the viewers, after every line emitted before it.

        ``build`` and ``last_seq`` are filled in when absent (``last_seq`` = the last line
        emitted so far).
        """
        with self._lock:
            if self._state.closed:
                raise SinkClosed(f"status pushed after build {self.build_id}'s sink was closed")
            body = dict(message)
            body.setdefault("type", "status")
            body.setdefault("build", self.build_id)
            body.setdefault("last_seq", self._state.last_seq)
            data = wire.encode(body).encode("utf-8")
            if len(data) > self._hub.max_message_bytes:
                logger.warning(
                    "status message for build %s is %d bytes, over one message; shorten its error",
                    self.build_id, len(data),
                )
            start = self._state.push_status(data)
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
                waiting, recheck = self._state.waiting_for(now, self._hub.stall_after_s)
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
            first = self._state.close()
        if first:
            self._hub.sink_closed(self)
        drained = self.flush(timeout)
        if not drained:
            logger.warning("build %s: log fan-out not drained when closing", self.build_id)
        return drained

    def wait_idle(self, timeout: float | None = None) -> bool:
        """Wait until nothing is pending nor in flight at all, stalled posts included (the hub
        waits so before stopping its workers). False when ``timeout`` passed first."""
        with self._changed:
            return self._changed.wait_for(lambda: self._state.idle, timeout)

    # -- the workers' side ------------------------------------------------------------------

    def _round(self) -> None:
        try:
            with self._lock:
                taken = self._state.take_round()
                if self._emits_waiting:
                    self._room.notify_all()
            if self._fenced_off(taken):
                return
            stored = not taken.lines or self._append(taken.lines)
            with self._lock:
                out = self._state.persisted(taken, stored)
            self._deliver(out, self._hub.clock(), relist=taken.relist)
        except Exception:
            logger.exception("build %s: a log fan-out round failed", self.build_id)
        finally:
            with self._lock:
                again = self._state.round_finished()
                if not again:
                    self._changed.notify_all()
            if again:
                self._hub.submit(self._round)

    def _fenced_off(self, taken: Round) -> bool:
        """Whether this runner may no longer write the log (checked before every round, and
        latched): then the round's lines are dropped, neither stored nor posted. Another runner
        that took the build over continues the seqs after the last stored line; lines written
        by both would collide."""
        if not self._state.fenced and (self._fence is None or self._fence()):
            return False
        with self._lock:
            first = self._state.fence(taken)
        if first:
            logger.error(
                "build %s: this runner's lease ran out; from seq %s on, its log lines are not "
                "written (another runner may hold the build and continue its log)",
                self.build_id, taken.lines[0][0] if taken.lines else "-",
            )
        return True

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
                logger.error(
                    "build %s: lines %d..%d could not be persisted, so they are not posted "
                    "either (every line is stored before it is posted): %s",
                    self.build_id, lines[0][0], lines[-1][0], exc,
                )
                return False
            return True

    def _deliver(self, out: list[Any], persisted_at: float, *, relist: bool) -> None:
        """Queue ``out`` (persisted at ``persisted_at``) for every viewer of the build, reading
        the listing first when the state machine says so (:meth:`.state.BuildFanout.deliver`)."""
        hub = self._hub
        with self._lock:
            fresh = self._state.needs_listing(relist, hub.clock(), hub.listing_age_limit())
        registered: list[Registration] | None = None
        listed_at = hub.clock()
        if fresh:
            try:
                hub.listing_reads += 1
                registered = list(hub.connection_store.registrations(self.build_id))
            except Exception:
                logger.exception(
                    "build %s: could not list connections; posting to the ones known",
                    self.build_id,
                )
        with self._lock:
            delivery = self._state.deliver(out, persisted_at, registered, listed_at)
        if delivery.stale:
            hub.mark_stale(self)
        for connection_id, dropped in delivery.dropped:
            logger.warning(
                "build %s: viewer %s is slow; dropped %d queued lines (it resumes them)",
                self.build_id, connection_id, dropped,
            )
        for connection_id in delivery.start:
            self._submit_post(connection_id)

    def _submit_post(self, connection_id: str) -> None:
        self._hub.submit(lambda: self._post(connection_id))

    def _post(self, connection_id: str) -> None:
        with self._lock:
            viewer, data = self._state.begin_post(connection_id, time.monotonic())
        outcome: Outcome | None = None
        try:
            if data is not None:
                outcome = self._hub.poster.post(connection_id, data)
        except Exception:
            logger.exception("build %s: posting to %s failed", self.build_id, connection_id)
        with self._lock:
            end = self._state.settle_post(connection_id, viewer, outcome, self._hub.clock())
        if end == PostEnd.SKIPPED_CONNECTING:
            logger.info(
                "build %s: connection %s is not open yet (Gone during its $connect); posting "
                "to it again with the next lines", self.build_id, connection_id,
            )
        elif end in (PostEnd.FORGET, PostEnd.FORGET_AND_CLOSE):
            # Before the post counts as finished: a flush waits for the registration's removal.
            self._forget(connection_id, close=end == PostEnd.FORGET_AND_CLOSE)
        with self._lock:
            again = self._state.finish_post(connection_id, viewer)
            if not again:
                self._changed.notify_all()
        if again:
            self._submit_post(connection_id)

    def _forget(self, connection_id: str, *, close: bool) -> None:
        """Remove the registration of a gone viewer; ``close`` (a stalled connection, still
        open) also closes it, so the viewer reconnects and resumes."""
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
