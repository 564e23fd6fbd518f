"""One post to one viewer through API Gateway's ``@connections`` API, with bounded retries.

The decisions (gone / retry / skip, the backoff schedule) are :mod:`.delivery`'s; this module
only calls ``post_to_connection`` and sleeps between tries. botocore's own retries are switched
off on the client (:func:`management_client`) so that this is the only retry loop and its bound
is the one documented here.
"""

from __future__ import annotations

import logging
import random
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

import boto3
from botocore.config import Config
from botocore.exceptions import BotoCoreError, ClientError

from apkgen_core.fanout.delivery import DEFAULT_POST_TIMEOUT_S, Outcome, RetryPolicy, classify
from apkgen_core.settings import Settings

logger = logging.getLogger(__name__)


def management_client(
    settings: Settings,
    *,
    max_pool_connections: int = 32,
    session: boto3.session.Session | None = None,
    timeout_s: float = DEFAULT_POST_TIMEOUT_S,
) -> Any:
    """The ``apigatewaymanagementapi`` client for ``settings.ws_management_url``.

    botocore's retries are off (the :class:`Poster` retries), the HTTP pool is as large as
    the fan-out's worker pool so concurrent posts do not queue for a connection, and one try
    waits no longer than a whole post may take (``timeout_s``): a POST that gets no answer
    holds a worker, and that connection is dropped anyway (:attr:`Outcome.STALLED`).
    """
    config = Config(
        retries={"total_max_attempts": 1},
        max_pool_connections=max_pool_connections,
        connect_timeout=timeout_s,
        read_timeout=timeout_s,
    )
    return (session or boto3.session.Session()).client(
        "apigatewaymanagementapi",
        endpoint_url=settings.ws_management_url,
        region_name=settings.region,
        config=config,
    )


@dataclass
class PostStats:
    """Counters for the benchmark and the logs (updated without a lock: approximate under load)."""

    posts: int = 0
    delivered: int = 0
    retries: int = 0
    gone: int = 0
    skipped: int = 0
    stalled: int = 0


class Poster:
    """Posts bytes to a connection; says what happened as an :class:`Outcome`.

    ``post`` never raises for an AWS or network error: it returns ``DELIVERED``, ``GONE``,
    ``SKIP`` (a message the endpoint refuses) or ``STALLED`` (transient failures until the
    retries of ``policy`` or ``timeout_s`` ran out: the viewer is not keeping up), after
    logging why. ``sleep``, ``rand`` and ``clock`` (monotonic seconds) are injectable so tests
    need not wait for real backoff.
    """

    def __init__(
        self,
        client: Any,
        *,
        policy: RetryPolicy | None = None,
        sleep: Callable[[float], None] = time.sleep,
        rand: Callable[[], float] = random.random,
        timeout_s: float = DEFAULT_POST_TIMEOUT_S,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        if timeout_s <= 0:
            raise ValueError(f"a post needs a positive timeout, not {timeout_s}")
        self._client = client
        self._policy = policy or RetryPolicy()
        self._sleep = sleep
        self._rand = rand
        self.timeout_s = timeout_s
        self._clock = clock
        self.stats = PostStats()

    def post(self, connection_id: str, data: bytes) -> Outcome:
        """Post ``data`` to ``connection_id``; retry transient failures until the attempts or
        ``timeout_s`` run out; never raise AWS errors."""
        stats = self.stats
        delays: Iterator[float] | None = None  # made on the first failure: most posts succeed
        deadline = self._clock() + self.timeout_s
        attempt = 0
        while True:
            attempt += 1
            stats.posts += 1
            try:
                self._client.post_to_connection(ConnectionId=connection_id, Data=data)
            except ClientError as exc:
                error = exc.response.get("Error", {})
                code = error.get("Code")
                status = exc.response.get("ResponseMetadata", {}).get("HTTPStatusCode")
                reason = f"{code} (HTTP {status}): {error.get('Message', '')}"
                outcome = classify(code, status)
            except BotoCoreError as exc:
                reason = f"{type(exc).__name__}: {exc}"
                outcome = classify(None, None)
            else:
                stats.delivered += 1
                return Outcome.DELIVERED
            if outcome is Outcome.GONE:
                stats.gone += 1
                return Outcome.GONE
            if outcome is Outcome.RETRY:
                if delays is None:
                    delays = iter(self._policy.delays(self._rand))
                delay = next(delays, None)
                if delay is not None and self._clock() + delay < deadline:
                    stats.retries += 1
                    self._sleep(delay)
                    continue
                logger.warning(
                    "connection %s is stalled: %d bytes not taken after %d attempts (%s); "
                    "dropping it (it reconnects and resumes)",
                    connection_id, len(data), attempt, reason,
                )
                stats.stalled += 1
                return Outcome.STALLED
            else:
                logger.warning(
                    "skipping a %d-byte message to connection %s: %s",
                    len(data), connection_id, reason,
                )
            stats.skipped += 1
            return Outcome.SKIP

    def close_connection(self, connection_id: str) -> None:
        """Close ``connection_id`` (``DELETE @connections/{id}``) so the viewer sees its socket
        end, reconnects and resumes; an already gone connection is fine. Never raises for an AWS
        or network error (logged): the registration is removed either way."""
        try:
            self._client.delete_connection(ConnectionId=connection_id)
        except ClientError as exc:
            if classify(exc.response.get("Error", {}).get("Code"), None) is not Outcome.GONE:
                logger.warning("could not close stalled connection %s: %s", connection_id, exc)
        except BotoCoreError as exc:
            logger.warning("could not close stalled connection %s: %s", connection_id, exc)
