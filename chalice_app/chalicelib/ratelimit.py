"""How often one WebSocket connection may resume: a token bucket. Pure: no I/O, no clock.

A resume costs the server a Query of the build's log and one ``@connections`` post per 32 KB
of backlog: 500 resumes in a row on one connection made local_ws and moto spend 19 s of CPU
sending 18.8 MB. Each connection may resume :data:`RESUME_BURST` times at once, then once
every ``1 / RESUME_PER_S`` seconds; a resume beyond that is refused with the time to wait.
A viewer resumes on each (re)connect (a new connection, a new budget), on a gap in the seqs
and after 15 s without a message, far below the limit.

The bucket's state (tokens left, when they were counted) lives in the connection's item of the
connections table (:meth:`chalicelib.connections.ConnectionStore.take_resume`).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

RESUME_BURST = 10
RESUME_PER_S = 0.5


@dataclass(frozen=True)
class Taken:
    """What :meth:`TokenBucket.take` decided: ``allowed``, the ``tokens`` left to store, and
    how long to wait before the next token (``retry_after_s``, 0 when allowed)."""

    allowed: bool
    tokens: float
    retry_after_s: float


@dataclass(frozen=True)
class TokenBucket:
    """``capacity`` tokens at most, refilled at ``per_s`` tokens a second; each use takes one."""

    capacity: float = RESUME_BURST
    per_s: float = RESUME_PER_S

    def __post_init__(self) -> None:
        if self.capacity < 1 or self.per_s <= 0:
            raise ValueError("a bucket needs a capacity of at least 1 and a positive rate")

    def take(self, tokens: float | None, counted_at: float | None, now: float) -> Taken:
        """Take one token from a bucket that held ``tokens`` at ``counted_at`` (None for a
        bucket never used: full). A clock that went back refills nothing."""
        if tokens is None or counted_at is None:
            available = float(self.capacity)
        else:
            refill = max(0.0, now - counted_at) * self.per_s
            available = min(float(self.capacity), max(0.0, tokens) + refill)
        if available >= 1.0:
            return Taken(True, available - 1.0, 0.0)
        return Taken(False, available, (1.0 - available) / self.per_s)

    def describe(self) -> str:
        """The limit in words, for error messages and docs."""
        return f"at most {self.capacity:g} at once, then one every {1 / self.per_s:g} s"


def wait_text(seconds: float) -> str:
    """``seconds`` rounded up to a tenth, as told to a viewer (``"1.5 s"``)."""
    return f"{math.ceil(seconds * 10) / 10:g} s"


RESUME_BUDGET = TokenBucket()  # what every connection gets
