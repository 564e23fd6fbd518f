"""The fan-out hub: one worker pool, one poster and one group commit for every build.

:class:`FanoutHub` is shared by every build a runner (or the benchmark) runs; :meth:`FanoutHub.open`
gives the per-build :class:`.sink.FanoutSink`. It also owns the listing refresher (a build that
went quiet after reusing its connection listing has it read again, see
:meth:`FanoutHub.refresh_stale`). The flow of one build is described in :mod:`.sink`.
"""

from __future__ import annotations

import logging
import threading
import time
import weakref
from collections.abc import Callable, Iterable, Sequence
from concurrent.futures import ThreadPoolExecutor
from typing import TYPE_CHECKING, Any, Protocol

from apkgen_core.fanout.batching import MAX_BACKLOG_BYTES
from apkgen_core.fanout.delivery import (
    DEFAULT_POST_TIMEOUT_S,
    DEFAULT_STALL_AFTER_S,
    RetryPolicy,
)
from apkgen_core.fanout.state import DEFAULT_MAX_PENDING_LINES
from apkgen_core.limits import MESSAGE_BYTES
from apkgen_core.registrations import Registration
from build_runner.fanout import SinkClosed
from build_runner.fanout.commit import GroupCommit
from build_runner.fanout.poster import Poster

if TYPE_CHECKING:
    from build_runner.fanout.sink import FanoutSink

logger = logging.getLogger(__name__)

DEFAULT_WORKERS = 32
# How long FanoutHub.close waits for posts still in flight (each ends by its own deadline).
CLOSE_TIMEOUT_S = 30.0
# The longest one ``emit`` waits for room; then the line is queued anyway (never lost).
DEFAULT_MAX_EMIT_WAIT_S = 1.0
# How long a build's connection listing is reused before it is read again (see _deliver).
DEFAULT_LISTING_TTL_S = 1.0
# The listing reads (DynamoDB Queries) a hub makes per second at most: with many builds open,
# each build's listing is reused longer (see FanoutHub.listing_age_limit).
DEFAULT_LISTING_READS_PER_S = 25.0


class LogAppender(Protocol):
    """The part of ``chalicelib.logstore.LogStore`` the sink uses."""

    def append_encoded_batch(
        self, appends: Sequence[tuple[str, Sequence[tuple[int, bytes]]]]
    ) -> Any: ...


class ConnectionRegistry(Protocol):
    """The part of ``chalicelib.connections.ConnectionStore`` the sink uses."""

    def registrations(self, build_id: str) -> Iterable[Registration]: ...

    def remove(self, build_id: str, connection_id: str) -> Any: ...


class FanoutHub:
    """The worker pool and poster shared by every build's :class:`FanoutSink`.

    Call order: ``open`` a sink per build, ``close`` each sink when its build ends, ``close``
    the hub when the process stops.

    Slow connections (see :mod:`.delivery`): a post to one connection that is not delivered
    within ``post_timeout_s`` (retries included) drops that connection; a sink's ``flush`` and
    ``close`` wait for a post in flight at most ``stall_after_s``, so a viewer that stopped
    reading delays neither the other viewers, nor the end of its build, nor the runner's next
    job.
    """

    def __init__(
        self,
        log_store: LogAppender,
        connection_store: ConnectionRegistry,
        management_client: Any,
        *,
        workers: int = DEFAULT_WORKERS,
        policy: RetryPolicy | None = None,
        sleep: Callable[[float], None] = time.sleep,
        max_backlog_bytes: int = MAX_BACKLOG_BYTES,
        max_message_bytes: int = MESSAGE_BYTES,
        listing_ttl_s: float = DEFAULT_LISTING_TTL_S,
        clock: Callable[[], float] = time.time,
        max_pending_lines: int = DEFAULT_MAX_PENDING_LINES,
        max_emit_wait_s: float = DEFAULT_MAX_EMIT_WAIT_S,
        listing_reads_per_s: float = DEFAULT_LISTING_READS_PER_S,
        post_timeout_s: float = DEFAULT_POST_TIMEOUT_S,
        stall_after_s: float = DEFAULT_STALL_AFTER_S,
    ) -> None:
        if stall_after_s < 0:
            raise ValueError(f"stall_after_s cannot be negative, not {stall_after_s}")
        self.stall_after_s = stall_after_s
        if workers < 1:
            raise ValueError("the fan-out needs at least one worker thread")
        if max_pending_lines < 1:
            raise ValueError(f"max_pending_lines must be at least 1, not {max_pending_lines}")
        if max_emit_wait_s < 0:
            raise ValueError(f"max_emit_wait_s cannot be negative, not {max_emit_wait_s}")
        self.max_pending_lines = max_pending_lines
        self.max_emit_wait_s = max_emit_wait_s
        if listing_ttl_s < 0:
            raise ValueError(f"listing_ttl_s must be 0 (always list) or more, not {listing_ttl_s}")
        if listing_reads_per_s <= 0:
            raise ValueError(
                f"listing_reads_per_s must be a positive rate, not {listing_reads_per_s}"
            )
        self.listing_ttl_s = listing_ttl_s
        self.listing_reads_per_s = listing_reads_per_s
        self.listing_reads = 0  # connection listings read (DynamoDB Queries), for the bench
        self._open_sinks = 0
        self.clock = clock
        self.log_store = log_store
        # Concurrent rounds of all builds are stored in shared batched writes.
        self.commit = GroupCommit(log_store.append_encoded_batch)
        self.connection_store = connection_store
        self.policy = policy or RetryPolicy()
        # A post not delivered within post_timeout_s drops its connection (see .delivery).
        self.poster = Poster(
            management_client, policy=self.policy, sleep=sleep, timeout_s=post_timeout_s
        )
        self.max_backlog_bytes = max_backlog_bytes
        self.max_message_bytes = max_message_bytes
        self._sleep = sleep
        self._pool = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="fanout")
        self._closed = False
        # Every sink opened and not yet collected: close() waits for their posts in flight.
        self._sinks: weakref.WeakSet[FanoutSink] = weakref.WeakSet()
        # Sinks whose rounds reused the listing since it was last read (see refresh_stale).
        self._stale: dict[FanoutSink, None] = {}
        self._stale_lock = threading.Lock()
        self._stop = threading.Event()
        self._refresher: threading.Thread | None = None
        if listing_ttl_s > 0:
            self._refresher = threading.Thread(
                target=self._refresh_loop, args=(min(listing_ttl_s, 1.0) / 2,),
                name="fanout-refresher", daemon=True,
            )
            self._refresher.start()

    def open(
        self, build_id: str, *, after_seq: int = 0, fence: Callable[[], bool] | None = None
    ) -> FanoutSink:
        """A sink for ``build_id`` whose first line gets seq ``after_seq + 1``.

        Pass ``LogStore.last_seq(build_id)`` as ``after_seq`` when resuming a build. ``fence``
        says whether this runner may still write the build's log (its lease has not run out);
        once it says no, nothing more is stored or posted (see :meth:`FanoutSink._round`).
        """
        if self._closed:
            raise SinkClosed("the fan-out hub is closed; open sinks before closing it")
        from build_runner.fanout.sink import FanoutSink  # the sink module imports this one

        sink = FanoutSink(self, build_id, after_seq, fence)
        with self._stale_lock:
            self._open_sinks += 1
            self._sinks.add(sink)
        return sink

    def sink_closed(self, sink: FanoutSink) -> None:
        """``sink`` was closed: it no longer counts in :meth:`listing_age_limit`."""
        with self._stale_lock:
            self._open_sinks -= 1
            self._stale.pop(sink, None)

    def listing_age_limit(self) -> float:
        """How old a build's listing may get before it is read again: ``listing_ttl_s``, or
        longer when more builds are open than ``listing_reads_per_s`` allows reading each
        second. The connections table gets a bounded read load from a runner however many
        builds it serves (on moto's server, whose Query sorts the whole table, 200 builds
        reading every second took most of its CPU); a late viewer of a busy runner waits that
        much longer for the lines it missed (its resume has the ones before it registered)."""
        if self.listing_ttl_s == 0:
            return 0.0
        return max(self.listing_ttl_s, self._open_sinks / self.listing_reads_per_s)

    def submit(self, fn: Callable[[], None]) -> None:
        try:
            self._pool.submit(fn)
        except RuntimeError:  # the pool stopped: only after close() gave up waiting
            logger.warning("the fan-out hub is stopped; a log post or round is dropped")

    def mark_stale(self, sink: FanoutSink) -> None:
        """``sink`` posted with a reused listing: read it again once it is old enough."""
        with self._stale_lock:
            self._stale[sink] = None

    def refresh_stale(self) -> int:
        """Make every build whose reused listing is older than :meth:`listing_age_limit` read
        it again (a round of its own, posting only to viewers it lacked); returns how many
        were asked.

        The refresher thread calls this every half TTL (at most every 0.5 s), so a viewer that
        registered just before a build went quiet gets the lines it missed without waiting
        for the build's next line or status."""
        now = self.clock()
        limit = self.listing_age_limit()
        with self._stale_lock:
            due = [s for s in self._stale if now - s.listed_at >= limit]
            for sink in due:
                del self._stale[sink]
        for sink in due:
            sink.request_refresh()
        return len(due)

    def _refresh_loop(self, interval: float) -> None:
        while not self._stop.wait(interval):
            try:
                self.refresh_stale()
            except Exception:
                logger.exception("the fan-out's listing refresher failed; it goes on")

    def close(self, timeout: float = CLOSE_TIMEOUT_S) -> None:
        """Stop the workers once the sinks' work is done, posts to stalled connections
        included (each ends by its deadline), waiting at most ``timeout`` s for them; close the
        sinks first."""
        self._closed = True
        self._stop.set()
        if self._refresher is not None:
            self._refresher.join()
        deadline = time.monotonic() + timeout
        with self._stale_lock:
            sinks = list(self._sinks)
        for sink in sinks:
            if not sink.wait_idle(max(0.0, deadline - time.monotonic())):
                logger.warning("build %s: log posts still in flight as the hub stops",
                               sink.build_id)
        self._pool.shutdown(wait=True)

    def __enter__(self) -> FanoutHub:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
