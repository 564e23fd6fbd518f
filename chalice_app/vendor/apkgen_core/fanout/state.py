"""The fan-out of one build as a plain state machine. Pure: no I/O, no threads, no clock.

:class:`BuildFanout` holds every rule of a build's live log; :class:`.sink.FanoutSink` holds the
lock, the worker pool, the store and the ``@connections`` client, and only carries out what the
state machine answers. Each event is a method; each answer says what to do next:

* the build **emits** a line → it gets the next seq; :attr:`Emitted.start_round` (no round is in
  flight: start one), :attr:`Emitted.wait_for_room` (**backpressure**: ``max_pending_lines``
  lines wait to be persisted; the build waits, bounded, until a round takes them). Viewers'
  queues never count: a slow viewer cannot slow the build.
* a round **takes** what is pending (:meth:`BuildFanout.take_round`): each line encoded once
  (:func:`apkgen_core.lines.encode_record`), the statuses as they are.
* the **lease fence** says this runner may no longer write (:meth:`BuildFanout.fence`): the
  round's lines are dropped, and every later round's (latched).
* the round was **persisted**, or the store failed (:meth:`BuildFanout.persisted`): what was
  not stored is never posted (a viewer's log is always the stored one); statuses still go.
* the **listing** (who watches the build) is read again when it is older than the age limit or
  the round carries a status or a refresh (:meth:`BuildFanout.needs_listing`); otherwise the old
  one is reused and the round's lines are kept for viewers the listing lacks.
* **deliver** (:meth:`BuildFanout.deliver`): queue the round on each listed viewer's
  :class:`.batching.ViewerQueue` (a viewer new to the listing first gets the kept lines
  persisted since it registered); the answer names the viewers whose posting must start.
* a **post** begins (:meth:`BuildFanout.begin_post`: the next message of that viewer, at most
  one in flight per viewer), is settled (:meth:`BuildFanout.settle_post`) delivered, **gone**
  (the viewer is forgotten and its registration removed, unless it registered less than
  ``connect_grace_s`` ago and has not resumed: then it may still be in ``$connect``, which API
  Gateway answers Gone; it is only skipped and posted to again with the next round),
  **stalled** (throttled until the poster's retries ran out: forgotten, removed and closed, so
  it reconnects and resumes what it missed) or skipped, and finishes
  (:meth:`BuildFanout.finish_post`: post again when more is queued).
* **flush** waits for :meth:`BuildFanout.waiting_for`, which does not wait for a post in flight
  longer than ``stall_after_s``.
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass, field

from apkgen_core.fanout.batching import (
    MAX_BACKLOG_BYTES,
    MAX_ROUND_ITEMS,
    RoundQueue,
    Standalone,
    ViewerItem,
    ViewerQueue,
)
from apkgen_core.fanout.delivery import Outcome, deliverable, posts_to_wait_for
from apkgen_core.limits import MESSAGE_BYTES
from apkgen_core.lines import encode_record
from apkgen_core.records import LogRecord
from apkgen_core.registrations import Registration

# How long after registering a connection may answer Gone only because its $connect handler
# has not returned yet (API Gateway's integration timeout is 29 s).
CONNECT_GRACE_S = 30.0
# Lines of one build waiting for persistence before ``emit`` waits (~75 KB of log). Measured
# (bench, saturated W1): 250 halves the batches and costs a third of the throughput; 2000 lets
# the live log lag by seconds behind a flooding build; 500 keeps both.
DEFAULT_MAX_PENDING_LINES = 500


class _Refresh:
    """The round item that makes a round read the listing again (and post nothing itself)."""


REFRESH = _Refresh()
RoundItem = tuple[int, LogRecord] | Standalone | _Refresh


@dataclass(frozen=True)
class FanoutRules:
    """The bounds of one build's fan-out (the hub's settings)."""

    max_pending_lines: int = DEFAULT_MAX_PENDING_LINES
    max_message_bytes: int = MESSAGE_BYTES
    max_backlog_bytes: int = MAX_BACKLOG_BYTES
    max_round_items: int = MAX_ROUND_ITEMS
    connect_grace_s: float = CONNECT_GRACE_S


@dataclass(frozen=True)
class Emitted:
    seq: int
    start_round: bool
    wait_for_room: bool


@dataclass
class Round:
    """What one round took: the encoded lines to store and what the viewers get, in order."""

    lines: list[tuple[int, bytes]] = field(default_factory=list)
    out: list[ViewerItem] = field(default_factory=list)
    relist: bool = False


@dataclass(frozen=True)
class Delivery:
    """What :meth:`BuildFanout.deliver` asks: start posting to ``start``; ``dropped`` says how
    many queued lines each slow viewer lost (it resumes them); ``stale`` that the listing was
    reused for lines, so it should be read again once old enough."""

    start: list[str]
    dropped: list[tuple[str, int]]
    stale: bool


class PostEnd:
    """What to do once a post ended (:meth:`BuildFanout.settle_post`)."""

    DONE = "done"  # delivered, skipped, or nothing was posted
    SKIPPED_CONNECTING = "connecting"  # Gone while maybe still in $connect: kept, not removed
    FORGET = "forget"  # gone: remove its registration
    FORGET_AND_CLOSE = "close"  # not keeping up: remove its registration and close it


class BuildFanout:
    """Every rule of one build's fan-out; see the module docstring for the events."""

    def __init__(self, build_id: str, after_seq: int = 0,
                 rules: FanoutRules | None = None) -> None:
        if after_seq < 0:
            raise ValueError(f"after_seq must be 0 or a persisted seq, not {after_seq}")
        self.build_id = build_id
        self.rules = rules or FanoutRules()
        self.last_seq = after_seq
        self.closed = False
        self.fenced = False
        self.fenced_lines = 0
        self.persist_failures = 0
        self.lines_persisted = 0
        self.lines_unpersisted = 0  # lines lost to store failures: neither stored nor posted
        self._queue: RoundQueue[RoundItem] = RoundQueue(self.rules.max_round_items)
        self._viewers: dict[str, ViewerQueue] = {}
        self.busy_viewers = 0
        # When the post in flight to each connection started (the poster's clock).
        self._post_started: dict[str, float] = {}
        self._gone: set[str] = set()
        # When each listed connection that has not resumed yet registered (the hub's clock).
        self._connecting: dict[str, float] = {}
        # The listing reused between reads, when it was read, and the lines of the rounds that
        # reused it (with the time they were persisted) for viewers it lacked.
        self._listing: list[str] | None = None
        self.listed_at = 0.0
        self._unlisted_rounds: deque[tuple[float, list[bytes]]] = deque()
        self._unlisted_bytes = 0

    # -- the build's side -------------------------------------------------------------------

    def emit(self, record: LogRecord) -> Emitted:
        """A line: its seq, whether to start a round, whether the build must wait for room."""
        self.last_seq += 1
        start = self._queue.add((self.last_seq, record))
        wait = not start and len(self._queue) >= self.rules.max_pending_lines
        return Emitted(self.last_seq, start, wait)

    def has_room(self) -> bool:
        """Whether fewer than ``max_pending_lines`` lines wait to be persisted."""
        return len(self._queue) < self.rules.max_pending_lines

    @property
    def pending(self) -> int:
        return len(self._queue)

    def push_status(self, data: bytes) -> bool:
        """A status message (encoded), after every line before it; True: start a round."""
        return self._queue.add(Standalone(data))

    def request_refresh(self) -> bool:
        """Read the listing again in a round of its own; True: start a round."""
        return False if self.closed else self._queue.add(REFRESH)

    def close(self) -> bool:
        """Refuse further lines; True the first time."""
        first, self.closed = not self.closed, True
        return first

    # -- rounds -----------------------------------------------------------------------------

    def take_round(self) -> Round:
        """Take everything pending (up to the cap), each line encoded once."""
        taken = Round()
        for item in self._queue.take():
            if isinstance(item, Standalone):
                taken.out.append(item)
                taken.relist = True
            elif isinstance(item, _Refresh):
                taken.relist = True
            else:
                line, data = encode_record(item[0], item[1])
                taken.lines.append((line["seq"], data))
                taken.out.append(data)
        return taken

    def fence(self, taken: Round) -> bool:
        """This runner's lease ran out: drop the round's lines (and latch). True the first
        time, when the caller should say so."""
        first = not self.fenced
        self.fenced = True
        self.fenced_lines += len(taken.lines)
        return first

    def persisted(self, taken: Round, stored: bool) -> list[ViewerItem]:
        """The round's lines were stored (or not): what the viewers get. Lines not stored are
        never posted; the statuses still go."""
        if not taken.lines:
            return taken.out
        if stored:
            self.lines_persisted += len(taken.lines)
            return taken.out
        self.persist_failures += 1
        self.lines_unpersisted += len(taken.lines)
        return [item for item in taken.out if isinstance(item, Standalone)]

    def round_finished(self) -> bool:
        """End the round in flight; True when another must start at once."""
        return self._queue.finish()

    # -- the listing and delivery -----------------------------------------------------------

    def needs_listing(self, relist: bool, now: float, age_limit: float) -> bool:
        """Whether this round reads the listing again (else the old one is reused)."""
        return self._listing is None or relist or now - self.listed_at >= age_limit

    def deliver(self, out: list[ViewerItem], persisted_at: float,
                registered: list[Registration] | None, now: float) -> Delivery:
        """Queue ``out`` for every viewer: of ``registered`` (the listing just read, at ``now``)
        or, when None (not read, or the read failed), of the listing in use."""
        offers: dict[str, list[bytes]] = {}
        stale = False
        if registered is None:
            listing = self._listing
            if listing is None:
                listing = [c for c, v in self._viewers.items() if not v.gone]
            targets = deliverable(listing, self._gone)
            stale = self._remember_unlisted(persisted_at, out)
        else:
            targets = deliverable((r.connection_id for r in registered), self._gone)
            if self._listing is not None:
                held = set(self._listing)
                connected = {r.connection_id: r.connected_at for r in registered}
                for connection_id in targets:
                    if connection_id not in held:
                        offers[connection_id] = [
                            line for at, lines in self._unlisted_rounds
                            if at >= connected[connection_id] for line in lines
                        ]
            self._listing = targets
            self.listed_at = now
            self._connecting = {r.connection_id: r.connected_at for r in registered
                                if not r.resumed}
            self._unlisted_rounds.clear()
            self._unlisted_bytes = 0
        start: list[str] = []
        dropped: list[tuple[str, int]] = []
        for connection_id in targets:
            viewer = self._viewers.get(connection_id)
            if viewer is None:
                viewer = self._viewers[connection_id] = ViewerQueue(
                    self.build_id, max_message_bytes=self.rules.max_message_bytes,
                    max_backlog_bytes=self.rules.max_backlog_bytes,
                )
            before = viewer.dropped_lines
            missed = offers.get(connection_id)
            if viewer.offer([*missed, *out] if missed else out):
                self.busy_viewers += 1
                start.append(connection_id)
            if viewer.dropped_lines != before:
                dropped.append((connection_id, viewer.dropped_lines - before))
        if registered is not None:
            # Forget viewers no longer registered once they have nothing left to post.
            listed_now = set(targets)
            for connection_id in [c for c in self._viewers if c not in listed_now]:
                if self._viewers[connection_id].idle:
                    del self._viewers[connection_id]
        return Delivery(start, dropped, stale)

    def _remember_unlisted(self, persisted_at: float, out: list[ViewerItem]) -> bool:
        """Keep the lines of a round that reused the listing, up to the backlog bound (older
        rounds beyond it are dropped: a viewer that missed them sees the gap and resumes).
        Returns whether there were lines to keep."""
        lines = [item for item in out if isinstance(item, bytes)]
        if not lines:
            return False
        self._unlisted_rounds.append((persisted_at, lines))
        self._unlisted_bytes += sum(len(line) for line in lines)
        while self._unlisted_bytes > self.rules.max_backlog_bytes and self._unlisted_rounds:
            _, old = self._unlisted_rounds.popleft()
            self._unlisted_bytes -= sum(len(line) for line in old)
        return True

    # -- posts ------------------------------------------------------------------------------

    def begin_post(self, connection_id: str, now: float) -> tuple[ViewerQueue, bytes | None]:
        """The viewer posting and its next message (None: nothing left), started at ``now``."""
        viewer = self._viewers[connection_id]
        self._post_started[connection_id] = now
        return viewer, viewer.next_message()

    def settle_post(self, connection_id: str, viewer: ViewerQueue, outcome: Outcome | None,
                    now: float) -> str:
        """A post to ``viewer`` ended with ``outcome`` (None: nothing was posted, or the post
        raised) at ``now`` (the hub's clock). Returns a :class:`PostEnd` value: what the
        caller does before :meth:`finish_post`."""
        if outcome is Outcome.GONE and self._still_connecting(connection_id, now):
            viewer.mark_gone()
            if self._viewers.get(connection_id) is viewer:
                del self._viewers[connection_id]  # a fresh queue with the next round
            return PostEnd.SKIPPED_CONNECTING
        if outcome is Outcome.GONE or outcome is Outcome.STALLED:
            viewer.mark_gone()
            self._gone.add(connection_id)
            return PostEnd.FORGET if outcome is Outcome.GONE else PostEnd.FORGET_AND_CLOSE
        return PostEnd.DONE

    def finish_post(self, connection_id: str, viewer: ViewerQueue) -> bool:
        """The post is over (and what :meth:`settle_post` asked is done); True when more is
        queued for this viewer and the caller must post again."""
        self._post_started.pop(connection_id, None)
        if viewer.finish():
            return True
        self.busy_viewers -= 1
        return False

    def _still_connecting(self, connection_id: str, now: float) -> bool:
        connected = self._connecting.get(connection_id)
        return connected is not None and now - connected < self.rules.connect_grace_s

    # -- flush ------------------------------------------------------------------------------

    @property
    def idle(self) -> bool:
        """Nothing pending nor in flight at all, stalled posts included."""
        return self._queue.idle and self.busy_viewers == 0

    def waiting_for(self, now: float, stall_after_s: float) -> tuple[bool, float | None]:
        """Whether a flush still waits at ``now`` (the poster's clock), and when to look again
        without being woken (a post in flight turning stalled)."""
        if not self._queue.idle:
            return True, None
        if self.busy_viewers == 0:
            return False, None
        started: list[float] = []
        for connection_id, viewer in self._viewers.items():
            if not viewer.busy:
                continue
            at = self._post_started.get(connection_id)
            if at is None:
                return True, None  # between two posts of a viewer that keeps up
            started.append(at)
        young, recheck = posts_to_wait_for(started, now, stall_after_s)
        return young > 0, recheck
