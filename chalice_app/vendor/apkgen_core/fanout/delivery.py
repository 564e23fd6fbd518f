"""What a failed post means, and how long to wait before trying again. Pure: no I/O.

``post_to_connection`` fails in three ways that matter (API Gateway's error codes):

* ``GoneException`` (410): the viewer disconnected. Its registration is stale: remove it and
  stop posting to it (:attr:`Outcome.GONE`).
* throttling (``TooManyRequestsException``, ``LimitExceededException``, ``ThrottlingException``,
  429) or a 5xx: transient, retried with exponential backoff and full jitter, a bounded number
  of times (:attr:`Outcome.RETRY`).
* anything else (``PayloadTooLargeException``, ``ForbiddenException``, …): this message to this
  viewer is skipped and logged; the other viewers and the next messages go on
  (:attr:`Outcome.SKIP`).

A post that is still not delivered after its retries, or after ``post_timeout_s`` (tries and
waits together), means the viewer is not keeping up: API Gateway answers
``LimitExceededException`` when "the WebSocket client side buffer is full", and a POST that
gets no answer holds a worker. Such a connection is **stalled** (:attr:`Outcome.STALLED`): it is
dropped like a gone one (and closed, so the viewer reconnects and resumes from the stored log)
rather than let it hold a worker, the end of its build, or a flush.

Waiting for viewers (:func:`posts_to_wait_for`): a flush waits for each connection's post in
flight only while it is younger than ``stall_after_s``; a post older than that is a slow
connection's, which the flush leaves to its deadline. Nobody waits for a stuck viewer.
"""

from __future__ import annotations

import enum
import random
from collections.abc import Callable, Iterable
from dataclasses import dataclass

GONE_CODES = frozenset({"GoneException"})
THROTTLE_CODES = frozenset(
    {
        "TooManyRequestsException",
        "LimitExceededException",
        "ThrottlingException",
        "Throttling",
        "RequestLimitExceeded",
        "ProvisionedThroughputExceededException",
        "ServiceUnavailable",
        "InternalServerError",
        "InternalFailure",
    }
)


# The longest one post to one connection may take, its retries and their waits included; then
# the connection is stalled and dropped. API Gateway answers a post in milliseconds.
DEFAULT_POST_TIMEOUT_S = 3.0
# How long a flush (and so the end of a build) waits for one connection's post in flight.
DEFAULT_STALL_AFTER_S = 0.5


class Outcome(enum.Enum):
    DELIVERED = "delivered"
    GONE = "gone"
    RETRY = "retry"
    SKIP = "skip"
    STALLED = "stalled"


def classify(code: str | None, http_status: int | None) -> Outcome:
    """What to do after a post failed with AWS error ``code`` and HTTP status ``http_status``.

    ``code`` None and status None mean the request never got an answer (connection refused or
    reset, timeout): transient, so :attr:`Outcome.RETRY`.
    """
    if code in GONE_CODES or http_status == 410:
        return Outcome.GONE
    if code in THROTTLE_CODES or http_status == 429:
        return Outcome.RETRY
    if http_status is not None and http_status >= 500:
        return Outcome.RETRY
    if code is None and http_status is None:
        return Outcome.RETRY
    return Outcome.SKIP


@dataclass(frozen=True)
class RetryPolicy:
    """Bounded exponential backoff with full jitter (AWS's recommendation).

    Attempt ``n`` (from 1) waits a uniform random time in ``[0, min(cap_s, base_s * 2**(n-1))]``
    before the next try; at most ``max_attempts`` tries in all.
    """

    max_attempts: int = 5
    base_s: float = 0.05
    cap_s: float = 1.0

    def __post_init__(self) -> None:
        if self.max_attempts < 1:
            raise ValueError("max_attempts must be at least 1 (the first try)")
        if self.base_s < 0 or self.cap_s < 0:
            raise ValueError("backoff times cannot be negative")

    def ceilings(self) -> list[float]:
        """The upper bound of each wait, one per retry (``max_attempts - 1`` of them)."""
        return [min(self.cap_s, self.base_s * 2**n) for n in range(self.max_attempts - 1)]

    def delays(self, rand: Callable[[], float] = random.random) -> Iterable[float]:
        """The waits between tries: each ceiling times ``rand()`` (a number in [0, 1))."""
        return (ceiling * rand() for ceiling in self.ceilings())


def deliverable(listed: Iterable[str], gone: set[str]) -> list[str]:
    """The connections to post to: those listed for the build, minus those known to be gone.

    A connection reported gone is removed from the store, but a listing read just before the
    removal may still hold it; ``gone`` keeps it out until the store forgets it too. Order and
    duplicates of ``listed`` are normalized (first occurrence wins).
    """
    seen: dict[str, None] = {}
    for connection_id in listed:
        if connection_id not in gone:
            seen.setdefault(connection_id, None)
    return list(seen)


def posts_to_wait_for(
    started_at: Iterable[float], now: float, stall_after_s: float
) -> tuple[int, float | None]:
    """Of the posts in flight (their start times), how many a flush still waits for at ``now``
    — those younger than ``stall_after_s`` — and when the first of them stops counting (None
    when there is none)."""
    young = [started + stall_after_s for started in started_at if now - started < stall_after_s]
    return len(young), min(young, default=None)
