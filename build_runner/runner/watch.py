"""What runs beside a build: the heartbeat, the cancel check and the step tracker.

* :class:`CancelCheck` is the ``cancelled`` callable handed to the generator. True when the
  organizer asked to cancel (the build item's ``cancel_requested``, read at most once per
  ``ttl_s``: the generator asks at every step boundary and while tools run), when the runner is
  stopping (SIGTERM/SIGINT: the build is released, not cancelled) or when the lease was lost.
* :class:`Heartbeat` is a thread that, every ``interval_s``, extends the SQS message's
  visibility and the build's DynamoDB lease, and records step changes in the build item as they
  happen (so ``GET /builds/{id}`` shows the step). Each answer refreshes the cancel check for free.
* :class:`StepTracker` is a :class:`build_runner.logs.LogSink` that notices when the log enters
  a new step and says so (the runner pushes a status message and wakes the heartbeat).
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from functools import partial
from typing import Any

from build_runner.logs import LogRecord

logger = logging.getLogger(__name__)

OUTER_STEP = "queue"
LOST = "lost"
STOPPING = "stopping"
CANCELLED = "cancelled"


class CancelCheck:
    """``cancelled()`` for the generator; ``reason`` says why it became true."""

    def __init__(
        self,
        read_cancel_requested: Callable[[], bool],
        *,
        stopping: threading.Event,
        ttl_s: float = 1.0,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._read = read_cancel_requested
        self._stopping = stopping
        self._ttl_s = ttl_s
        self._clock = clock
        self._checked_at: float | None = None
        self._requested = False
        self.lost = threading.Event()

    def note(self, cancel_requested: bool) -> None:
        """Record ``cancel_requested`` as just read elsewhere (heartbeat, step write)."""
        if cancel_requested:
            self._requested = True
        self._checked_at = self._clock()

    @property
    def reason(self) -> str | None:
        """``"lost"``, ``"stopping"``, ``"cancelled"`` or None, in that order of precedence."""
        if self.lost.is_set():
            return LOST
        if self._stopping.is_set():
            return STOPPING
        return CANCELLED if self._requested else None

    def __call__(self) -> bool:
        if self.lost.is_set() or self._stopping.is_set() or self._requested:
            return True
        now = self._clock()
        if self._checked_at is None or now - self._checked_at >= self._ttl_s:
            self._checked_at = now
            try:
                self._requested = bool(self._read())
            except Exception as exc:
                # A failed read must not fail the build; the next check reads again.
                logger.warning("could not read whether the build was cancelled: %s", exc)
        return self._requested


class Heartbeat:
    """A thread keeping the job's message hidden and the build's lease alive while it runs.

    Call order: ``start``, then ``step_changed`` as often as needed, then ``stop`` (joins).
    ``renew_lease`` and ``write_step`` return the build item (``cancel_requested`` is read from
    it); ``is_conflict(exc)`` says whether their error means "another runner holds the build",
    which sets ``cancel.lost`` and ends the heartbeat.
    """

    def __init__(
        self,
        *,
        interval_s: float,
        extend_message: Callable[[], None],
        renew_lease: Callable[[], Any],
        write_step: Callable[[str], Any],
        cancel: CancelCheck,
        is_conflict: Callable[[Exception], bool],
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        if interval_s <= 0:
            raise ValueError("the heartbeat interval must be positive")
        self._interval_s = interval_s
        self._extend_message = extend_message
        self._renew_lease = renew_lease
        self._write_step = write_step
        self._cancel = cancel
        self._is_conflict = is_conflict
        self._clock = clock
        self._wake = threading.Event()
        self._stop = threading.Event()
        self._lock = threading.Lock()
        self._pending_step: str | None = None
        self._thread = threading.Thread(target=self._run, name="heartbeat", daemon=True)
        self.beats = 0

    def start(self) -> None:
        self._thread.start()

    def step_changed(self, step: str) -> None:
        """Record ``step`` in the build item soon (from the heartbeat thread, not the caller's)."""
        with self._lock:
            self._pending_step = step
        self._wake.set()

    def stop(self) -> None:
        """Stop beating (writing a pending step first) and wait for the thread."""
        self._stop.set()
        self._wake.set()
        if self._thread.is_alive():
            self._thread.join(timeout=30)

    def _run(self) -> None:
        next_beat = self._clock() + self._interval_s
        while True:
            self._wake.wait(timeout=max(0.0, next_beat - self._clock()))
            self._wake.clear()
            with self._lock:
                step, self._pending_step = self._pending_step, None
            if step is not None and not self._call(partial(self._write_step, step), "step"):
                return
            if self._stop.is_set():
                return
            if self._clock() >= next_beat:
                next_beat = self._clock() + self._interval_s
                self.beats += 1
                try:
                    self._extend_message()
                except Exception as exc:
                    logger.warning("heartbeat: could not extend the job's visibility: %s", exc)
                if not self._call(self._renew_lease, "lease"):
                    return

    def _call(self, write: Callable[[], Any], what: str) -> bool:
        """Run one write; False when the build was lost (the heartbeat ends)."""
        try:
            build = write()
        except Exception as exc:
            if self._is_conflict(exc):
                logger.error("heartbeat: the build was lost to another runner: %s", exc)
                self._cancel.lost.set()
                return False
            logger.warning("heartbeat: could not write the %s: %s", what, exc)
            return True
        self._cancel.note(bool(getattr(build, "cancel_requested", False)))
        return True


class StepTracker:
    """A log sink that calls ``on_step(name)`` when records enter a new step.

    Records of the outer ``queue`` step (logged between steps, outside any ``log.step``) do not
    count as a change: the build stays in the step it was last in.
    """

    def __init__(self, on_step: Callable[[str], None], current: str = "queue") -> None:
        self._on_step = on_step
        self.current = current

    def emit(self, record: LogRecord) -> None:
        if record.step != self.current and record.step != OUTER_STEP:
            self.current = record.step
            self._on_step(record.step)
