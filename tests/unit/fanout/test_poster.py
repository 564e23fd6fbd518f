"""The poster's retry loop, with a stand-in for API Gateway's client (no network)."""

from __future__ import annotations

from typing import Any

import pytest
from botocore.exceptions import ClientError, EndpointConnectionError, ReadTimeoutError

from apkgen_core.fanout.delivery import Outcome, RetryPolicy
from build_runner.fanout.poster import Poster


def error(code: str, status: int) -> ClientError:
    return ClientError(
        {"Error": {"Code": code, "Message": "no"}, "ResponseMetadata": {"HTTPStatusCode": status}},
        "PostToConnection",
    )


class ScriptedClient:
    """Answers each post with the next scripted exception, then succeeds."""

    def __init__(self, *failures: Exception) -> None:
        self.failures = list(failures)
        self.posts: list[tuple[str, bytes]] = []

    def post_to_connection(self, *, ConnectionId: str, Data: bytes) -> dict[str, Any]:
        self.posts.append((ConnectionId, Data))
        if self.failures:
            raise self.failures.pop(0)
        return {}


def poster(client: ScriptedClient, sleeps: list[float], attempts: int = 4) -> Poster:
    return Poster(client, policy=RetryPolicy(max_attempts=attempts, base_s=1.0, cap_s=3.0),
                  sleep=sleeps.append, rand=lambda: 0.5)


def test_delivers_on_the_first_try_without_sleeping() -> None:
    sleeps: list[float] = []
    client = ScriptedClient()
    assert poster(client, sleeps).post("c1", b"hi") is Outcome.DELIVERED
    assert client.posts == [("c1", b"hi")]
    assert sleeps == []


def test_retries_throttling_with_growing_jittered_waits() -> None:
    sleeps: list[float] = []
    client = ScriptedClient(error("LimitExceededException", 429), error("InternalServerError", 500))
    post = poster(client, sleeps)
    assert post.post("c1", b"hi") is Outcome.DELIVERED
    assert sleeps == [0.5, 1.0]
    assert post.stats.retries == 2
    assert len(client.posts) == 3


def test_retries_a_lost_connection_to_the_endpoint() -> None:
    sleeps: list[float] = []
    client = ScriptedClient(EndpointConnectionError(endpoint_url="http://127.0.0.1:1"))
    assert poster(client, sleeps).post("c1", b"hi") is Outcome.DELIVERED
    assert sleeps == [0.5]


def test_gives_up_after_the_last_attempt_and_reports_the_connection_stalled() -> None:
    sleeps: list[float] = []
    client = ScriptedClient(*[error("LimitExceededException", 429)] * 10)
    post = poster(client, sleeps, attempts=3)
    assert post.post("c1", b"hi") is Outcome.STALLED
    assert len(client.posts) == 3
    assert sleeps == [0.5, 1.0]
    assert (post.stats.stalled, post.stats.skipped) == (1, 0)


class Clock:
    """Monotonic seconds that move only when the poster sleeps or a try takes time."""

    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.now += seconds


class SlowClient(ScriptedClient):
    """Every try takes ``seconds`` of the clock, then fails as a read timeout would."""

    def __init__(self, clock: Clock, seconds: float) -> None:
        super().__init__()
        self.clock = clock
        self.seconds = seconds

    def post_to_connection(self, *, ConnectionId: str, Data: bytes) -> dict[str, Any]:
        self.posts.append((ConnectionId, Data))
        self.clock.now += self.seconds
        raise ReadTimeoutError(endpoint_url="http://127.0.0.1:1")


def test_a_post_that_would_outlast_its_timeout_stops_retrying_and_reports_stalled() -> None:
    clock = Clock()
    client = SlowClient(clock, 1.2)
    post = Poster(client, policy=RetryPolicy(max_attempts=10, base_s=0.1, cap_s=0.1),
                  sleep=clock.sleep, rand=lambda: 1.0, timeout_s=3.0, clock=clock)
    assert post.post("c1", b"hi") is Outcome.STALLED
    # A retry starts only while its wait ends before the deadline: tries at 0, 1.3 and 2.6 s;
    # the one in flight at the deadline ends by the client's read timeout (= the timeout).
    assert len(client.posts) == 3
    assert clock.now - 100.0 == pytest.approx(3.8)


def test_a_timeout_that_is_not_positive_is_refused() -> None:
    with pytest.raises(ValueError, match="positive timeout"):
        Poster(ScriptedClient(), timeout_s=0)


class ClosingClient(ScriptedClient):
    def __init__(self, *failures: Exception) -> None:
        super().__init__()
        self.closing_failures = list(failures)
        self.deleted: list[str] = []

    def delete_connection(self, *, ConnectionId: str) -> dict[str, Any]:
        self.deleted.append(ConnectionId)
        if self.closing_failures:
            raise self.closing_failures.pop(0)
        return {}


def test_closing_a_stalled_connection_deletes_it_and_tolerates_one_already_gone() -> None:
    client = ClosingClient(error("GoneException", 410), EndpointConnectionError(endpoint_url="x"))
    post = poster(client, [])
    post.close_connection("c1")
    post.close_connection("c2")
    post.close_connection("c3")
    assert client.deleted == ["c1", "c2", "c3"]


def test_reports_a_gone_connection_at_once() -> None:
    sleeps: list[float] = []
    client = ScriptedClient(error("GoneException", 410))
    post = poster(client, sleeps)
    assert post.post("c1", b"hi") is Outcome.GONE
    assert (len(client.posts), sleeps, post.stats.gone) == (1, [], 1)


def test_skips_a_refused_message_without_retrying() -> None:
    sleeps: list[float] = []
    client = ScriptedClient(error("PayloadTooLargeException", 413))
    assert poster(client, sleeps).post("c1", b"x") is Outcome.SKIP
    assert (len(client.posts), sleeps) == (1, [])
