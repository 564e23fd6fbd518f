"""The poster's retry loop, with a stand-in for API Gateway's client (no network)."""

from __future__ import annotations

from typing import Any

from botocore.exceptions import ClientError, EndpointConnectionError

from build_runner.fanout.delivery import Outcome, RetryPolicy
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


def test_gives_up_after_the_last_attempt_and_skips_the_message() -> None:
    sleeps: list[float] = []
    client = ScriptedClient(*[error("TooManyRequestsException", 429)] * 10)
    post = poster(client, sleeps, attempts=3)
    assert post.post("c1", b"hi") is Outcome.SKIP
    assert len(client.posts) == 3
    assert sleeps == [0.5, 1.0]
    assert post.stats.skipped == 1


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
