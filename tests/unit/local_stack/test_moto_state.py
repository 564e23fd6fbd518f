"""The guard in front of moto: a change is answered once saved; long polls end when told to."""

from __future__ import annotations

import io
import json
import threading
from collections.abc import Callable, Iterable
from typing import Any

from local_stack.moto_journal import Journal, SharedExclusiveLock
from local_stack.moto_state import StateGuard

SAFETY_S = 30.0  # far longer than any of these waits should take; the waits ask for longer


class Moto:
    """Stands in for moto's WSGI app: an empty queue, a table that takes any write."""

    def __init__(self) -> None:
        self.calls: list[str] = []
        self.called = threading.Event()

    def __call__(
        self, environ: dict[str, Any], start_response: Callable[..., Any]
    ) -> Iterable[bytes]:
        self.calls.append(environ["HTTP_X_AMZ_TARGET"])
        self.called.set()
        start_response("200 OK", [("Content-Type", "application/x-amz-json-1.0")])
        return [b"{}"]


def request(target: str, body: dict[str, Any]) -> dict[str, Any]:
    data = json.dumps(body).encode()
    return {
        "REQUEST_METHOD": "POST",
        "PATH_INFO": "/",
        "QUERY_STRING": "",
        "HTTP_X_AMZ_TARGET": target,
        "CONTENT_LENGTH": str(len(data)),
        "wsgi.input": io.BytesIO(data),
    }


def long_poll() -> dict[str, Any]:
    return request("AmazonSQS.ReceiveMessage", {"QueueUrl": "q", "WaitTimeSeconds": 20})


def answer_in_a_thread(
    guard: StateGuard, environ: dict[str, Any]
) -> tuple[threading.Thread, list[str]]:
    statuses: list[str] = []

    def call() -> None:
        guard(environ, lambda status, headers: statuses.append(status))

    thread = threading.Thread(target=call, daemon=True)
    thread.start()
    return thread, statuses


def test_a_waiting_long_poll_is_answered_once_long_polls_end() -> None:
    moto = Moto()
    guard = StateGuard(moto, Journal(), SharedExclusiveLock(), durable=False)
    thread, statuses = answer_in_a_thread(guard, long_poll())
    assert moto.called.wait(SAFETY_S)  # it asked the empty queue, and now waits for a change
    guard.end_long_polls()
    thread.join(SAFETY_S)
    assert not thread.is_alive()
    assert statuses == ["200 OK"]


def test_once_long_polls_ended_a_new_one_asks_the_queue_once_and_is_answered() -> None:
    moto = Moto()
    guard = StateGuard(moto, Journal(), SharedExclusiveLock(), durable=False)
    guard.end_long_polls()
    thread, statuses = answer_in_a_thread(guard, long_poll())
    thread.join(SAFETY_S)
    assert not thread.is_alive()
    assert statuses == ["200 OK"]
    assert moto.calls == ["AmazonSQS.ReceiveMessage"]


def test_a_change_is_answered_only_once_a_snapshot_holding_it_is_committed() -> None:
    moto, journal = Moto(), Journal()
    guard = StateGuard(moto, journal, SharedExclusiveLock(), durable_timeout_s=10 * SAFETY_S)
    put = request("DynamoDB_20120810.PutItem", {"TableName": "builds", "Item": {}})
    thread, statuses = answer_in_a_thread(guard, put)
    assert journal.wait_pending(SAFETY_S)
    generation, services = journal.take()
    assert services == {"dynamodb"}
    assert thread.is_alive() and statuses == []  # not answered: its change is not on disk
    journal.committed(generation)
    thread.join(SAFETY_S)
    assert statuses == ["200 OK"]


def test_without_a_state_dir_a_change_is_answered_at_once() -> None:
    guard = StateGuard(Moto(), Journal(), SharedExclusiveLock(), durable=False)
    put = request("DynamoDB_20120810.PutItem", {"TableName": "builds", "Item": {}})
    thread, statuses = answer_in_a_thread(guard, put)
    thread.join(SAFETY_S)
    assert statuses == ["200 OK"]
