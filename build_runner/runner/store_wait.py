"""When the store (SQS, DynamoDB, S3: moto locally) cannot be reached, wait for it quietly.

:func:`unreachable_reason` tells an outage (connection refused or reset, a timeout, or the
queue/table missing, as right after moto restarted without its state) from a real error; the
loop then waits with one :class:`StoreWait` message instead of a traceback per try, and says
once when the store is back. Recreating missing resources is not the runner's job (the local
stack's supervisor, or the deployment, does it). Pure, except for the ``log`` it is given.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from urllib.parse import urlsplit

from botocore.exceptions import ConnectionError as BotoConnectionError
from botocore.exceptions import HTTPClientError

from chalicelib.errors import StoreError

STORE_POLL_S = 1.0  # how often the loop tries again while it waits for the store
MISSING_CODES = frozenset(
    {
        "ResourceNotFoundException",
        "AWS.SimpleQueueService.NonExistentQueue",
        "QueueDoesNotExist",
        "NoSuchBucket",
    }
)


def unreachable_reason(exc: BaseException) -> str | None:
    """Why the store is unreachable (``"connection refused"`` …), or None for another error.

    Looks through the exception's causes: a ``StoreError`` wraps botocore's error.
    """
    seen: set[int] = set()
    current: BaseException | None = exc
    reason: str | None = None
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        if isinstance(current, ConnectionRefusedError):
            return "connection refused"
        if isinstance(current, ConnectionResetError):
            return "connection reset"
        if isinstance(current, StoreError) and current.code in MISSING_CODES:
            return f"{current.code} (its resources are being created again?)"
        if reason is None and isinstance(current, BotoConnectionError | HTTPClientError):
            reason = str(current)
        current = current.__cause__ or current.__context__
    return reason


def store_origin(url: str) -> str:
    """``http://127.0.0.1:5000`` of a queue URL ``http://127.0.0.1:5000/123/q``. Pure."""
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}" if parts.netloc else url


class StoreWait:
    """Says once that the store is waited for, and once that it is back."""

    def __init__(
        self,
        what: str,
        log: Callable[[str], None],
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.what = what
        self.log = log
        self.clock = clock
        self.since: float | None = None

    @property
    def waiting(self) -> bool:
        return self.since is not None

    def unreachable(self, reason: str) -> None:
        if self.since is None:
            self.since = self.clock()
            self.log(f"waiting for {self.what}: {reason}")

    def reached(self) -> None:
        if self.since is not None:
            self.log(f"{self.what} is back after {self.clock() - self.since:.1f} s; carrying on")
            self.since = None
