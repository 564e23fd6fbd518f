"""A wall-clock deadline that also listens for a cancel: what bounds every download.

A :class:`Deadline` is a moment on a clock, the sentence to say when it passes, and the build's
``cancelled()`` check. Blocking work is done in slices no longer than :data:`POLL_S`: before
each slice :meth:`Deadline.slice` raises :class:`BuildCancelled` once the build is cancelled,
:class:`TimeUp` once the moment has passed, and otherwise says how long the slice may be. So a
cancel is seen within a slice, and a server that sends one byte every few seconds cannot hold a
download past its deadline: no socket operation waits longer than the time that is left.

Deadlines nest: :meth:`Deadline.within` gives the sooner of the one it is called on (the API's
whole budget) and a new one (this download's own limit), keeping the sentence of whichever
comes first. Pure apart from the clock and the sleep, both injectable.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field

from build_runner.errors import ApkgenError, BuildCancelled

# Longest a blocking operation runs between two looks at the clock and at ``cancelled()``.
POLL_S = 0.25
# Shortest slice handed out: a zero or negative socket timeout would mean "never" or fail.
MIN_SLICE_S = 0.005

Clock = Callable[[], float]
Cancelled = Callable[[], bool]


def never_cancelled() -> bool:
    """The default ``cancelled``: nobody cancels."""
    return False


class TimeUp(ApkgenError):
    """A deadline passed; the text is the deadline's sentence (``the download took longer…``)."""


@dataclass(frozen=True)
class Deadline:
    """``at`` on ``clock``; ``message`` is what :class:`TimeUp` says when it has passed."""

    at: float
    message: str
    cancelled: Cancelled = never_cancelled
    clock: Clock = field(default=time.monotonic, repr=False)

    @classmethod
    def after(cls, seconds: float, message: str, cancelled: Cancelled = never_cancelled,
              clock: Clock = time.monotonic) -> Deadline:
        """The deadline ``seconds`` from now."""
        return cls(clock() + seconds, message, cancelled, clock)

    def within(self, seconds: float, message: str) -> Deadline:
        """The sooner of this deadline and ``seconds`` from now (with the sooner's message)."""
        at = self.clock() + seconds
        if at < self.at:
            return Deadline(at, message, self.cancelled, self.clock)
        return self

    def remaining(self) -> float:
        """Seconds left (negative once passed)."""
        return self.at - self.clock()

    def check(self) -> None:
        """Raise BuildCancelled if the build was cancelled, TimeUp if the deadline passed."""
        if self.cancelled():
            raise BuildCancelled("build cancelled while downloading the event data")
        if self.clock() >= self.at:
            raise TimeUp(self.message)

    def slice(self, longest: float = POLL_S) -> float:
        """After :meth:`check`: how long the next blocking operation may wait, in seconds."""
        self.check()
        return max(MIN_SLICE_S, min(longest, POLL_S, self.remaining()))

    def pause(self, seconds: float, sleep: Callable[[float], None] = time.sleep) -> None:
        """Wait ``seconds`` (a retry's back-off), in slices; raises as :meth:`check` does,
        and TimeUp at once when the pause would outlast the deadline."""
        if seconds >= self.remaining():
            self.check()
            raise TimeUp(self.message)
        until = self.clock() + seconds
        while (left := until - self.clock()) > 0:
            sleep(self.slice(left))
        self.check()
