"""Each WebSocket connection may resume a bounded number of times: beyond its budget a resume
gets only an error saying when to resume again (the handlers, moto, a real ``@connections``
endpoint)."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from apkgen_core import messages as wire
from chalicelib import context
from chalicelib.connections import ConnectionStore
from chalicelib.ratelimit import RESUME_BUDGET, Taken, TokenBucket
from tests.functional.app_helpers import NOW, Api, ws_event
from tests.functional.log_lines import store_lines

RESUME = '{"action": "resume", "after": 0}'


class Clock:
    def __init__(self) -> None:
        self.now = NOW

    def __call__(self) -> float:
        return self.now


def with_clock(api: Api) -> Clock:
    clock = Clock()
    context.configure(api.settings, api.clients, clock=clock)
    return clock


def watching(api: Api, *connection_ids: str, lines: int = 0) -> str:
    created = api.client.http.post("/builds", headers={"Content-Type": "application/json"},
                                   body=json.dumps({"api_url": "https://e.org/api"}).encode())
    build_id = str(created.json_body["build_id"])
    if lines:
        store_lines(api.service.logs, build_id, [
            {"seq": s, "ts": NOW, "level": "info", "step": "images", "text": "x" * 1000}
            for s in range(1, lines + 1)])
    for connection_id in connection_ids:
        api.client.lambda_.invoke(
            "websocket_connect", ws_event("CONNECT", connection_id, query={"build": build_id}))
    return build_id


def resume(api: Api, connection_id: str) -> list[dict]:
    before = len(api.connections.sent_to(connection_id))
    api.client.lambda_.invoke("websocket_message",
                              ws_event("MESSAGE", connection_id, body=RESUME))
    return [json.loads(text) for text in api.connections.sent_to(connection_id)[before:]]


def test_a_connection_that_resumes_too_often_gets_only_an_error_saying_when_to_resume(
    api: Api,
) -> None:
    with_clock(api)
    watching(api, "conn-1", lines=100)
    answers = [resume(api, "conn-1") for _ in range(RESUME_BUDGET.capacity + 1)]
    assert all(a[-1]["type"] == "resumed" for a in answers[:-1])
    assert answers[-1] == [{
        "type": "error", "retry_after": 2.0,
        "message": "too many resumes on this connection (at most 10 at once, then one every "
                   "2 s): send the resume again in 2 s"}]


def test_the_budget_refills_with_time(api: Api) -> None:
    clock = with_clock(api)
    watching(api, "conn-1")
    for _ in range(int(RESUME_BUDGET.capacity)):
        assert resume(api, "conn-1")[-1]["type"] == "resumed"
    clock.now += 1.0
    [error] = resume(api, "conn-1")
    assert (error["type"], error["retry_after"]) == ("error", 1.0)
    assert error["message"].endswith("send the resume again in 1 s")
    clock.now += 1.0
    assert [m["type"] for m in resume(api, "conn-1")] == ["status", "resumed"]


def test_500_resumes_in_a_row_send_ten_backlogs_and_short_errors(api: Api) -> None:
    with_clock(api)
    watching(api, "conn-1", lines=300)  # a backlog of about 300 KB
    for _ in range(500):
        api.client.lambda_.invoke("websocket_message",
                                  ws_event("MESSAGE", "conn-1", body=RESUME))
    sent = api.connections.sent_to("conn-1")
    received = [json.loads(text) for text in sent]
    assert sum(m["type"] == "resumed" for m in received) == 10
    errors = [m for m in received if m["type"] == "error"]
    assert len(errors) == 490
    sizes = [(m["type"], wire.size_of(t)) for m, t in zip(received, sent, strict=True)]
    first = [kind for kind, _ in sizes].index("resumed")
    one_backlog = sum(size for kind, size in sizes[:first] if kind == "log")
    assert one_backlog > 300_000
    assert sum(size for kind, size in sizes if kind == "log") == 10 * one_backlog
    assert max(size for kind, size in sizes if kind == "error") < 200


def test_each_connection_has_its_own_budget(api: Api) -> None:
    with_clock(api)
    watching(api, "conn-1", "conn-2")
    for _ in range(int(RESUME_BUDGET.capacity)):
        resume(api, "conn-1")
    assert resume(api, "conn-1")[0]["type"] == "error"
    assert resume(api, "conn-2")[-1]["type"] == "resumed"


def test_a_reconnected_viewer_starts_with_a_full_budget(api: Api) -> None:
    with_clock(api)
    build_id = watching(api, "conn-1")
    for _ in range(int(RESUME_BUDGET.capacity) + 1):
        resume(api, "conn-1")
    api.client.lambda_.invoke("websocket_disconnect", ws_event("DISCONNECT", "conn-1"))
    api.client.lambda_.invoke(
        "websocket_connect", ws_event("CONNECT", "conn-9", query={"build": build_id}))
    assert resume(api, "conn-9")[-1]["type"] == "resumed"


class RacingDynamoDB:
    """The real client; just before the first budget write, another resume of the same
    connection spends a token through a second store."""

    def __init__(self, client: Any, race: Callable[[], object]) -> None:
        self._client = client
        self._race = race
        self.raced = False

    def __getattr__(self, name: str) -> Any:
        return getattr(self._client, name)

    def update_item(self, **kwargs: Any) -> Any:
        if not self.raced:
            self.raced = True
            self._race()
        return self._client.update_item(**kwargs)


def test_two_resumes_that_race_are_each_counted(api: Api) -> None:
    build_id = watching(api, "conn-1")
    table = api.settings.connections_table
    bucket = TokenBucket(capacity=2, per_s=0.001)
    other = ConnectionStore(api.clients.dynamodb, table, 60)
    racing = RacingDynamoDB(api.clients.dynamodb,
                            lambda: other.take_resume(build_id, "conn-1", NOW, bucket))
    store = ConnectionStore(racing, table, 60)
    assert store.take_resume(build_id, "conn-1", NOW, bucket) == Taken(True, 0.0, 0.0)
    assert racing.raced
    third = other.take_resume(build_id, "conn-1", NOW, bucket)
    assert third is not None and not third.allowed


def test_an_unregistered_connection_has_no_budget(api: Api) -> None:
    build_id = watching(api)
    assert api.service.connections.take_resume(build_id, "nobody", NOW, RESUME_BUDGET) is None
