"""The WebSocket handlers: $connect registers, resume sends the backlog, gone viewers leave.

Handlers are invoked as Lambda would (``client.lambda_.invoke`` with API Gateway's event); what
they send goes over real HTTP to the recording ``@connections`` stand-in.
"""

from __future__ import annotations

import dataclasses
import json
import secrets

from apkgen_core import messages as wire
from apkgen_core.limits import FRAME_BYTES
from chalicelib import context
from tests.functional.app_helpers import NOW, Api, ws_event
from tests.functional.log_lines import store_lines
from tests.functional.viewers import watching


def create(api: Api) -> str:
    response = api.client.http.post("/builds", headers={"Content-Type": "application/json"},
                                    body=json.dumps({"api_url": "https://e.org/api"}).encode())
    return str(response.json_body["build_id"])


def connect(api: Api, connection_id: str, query: dict[str, str] | None) -> int:
    answer = api.client.lambda_.invoke(
        "websocket_connect", ws_event("CONNECT", connection_id, query=query)).payload
    return int(answer["statusCode"])


def say(api: Api, connection_id: str, body: str | None) -> list[dict]:
    api.client.lambda_.invoke("websocket_message", ws_event("MESSAGE", connection_id, body=body))
    return [json.loads(text) for text in api.connections.sent_to(connection_id)]


def registered(api: Api, build_id: str) -> list[str]:
    return sorted(watching(api.service.connections, build_id, now=NOW))


def test_refuses_the_handshake_for_an_unknown_build(api: Api) -> None:
    unknown = secrets.token_urlsafe(24)
    assert connect(api, "conn-1", {"build": unknown}) == 404
    assert registered(api, unknown) == []


def test_refuses_the_handshake_without_a_build(api: Api) -> None:
    assert connect(api, "conn-1", None) == 400
    assert connect(api, "conn-2", {"other": "x"}) == 400


def test_registers_a_viewer_on_connect_and_forgets_it_on_disconnect(api: Api) -> None:
    build_id = create(api)
    assert connect(api, "conn-1", {"build": build_id}) == 200
    assert connect(api, "conn-2", {"build": build_id}) == 200
    assert registered(api, build_id) == ["conn-1", "conn-2"]
    api.client.lambda_.invoke("websocket_disconnect", ws_event("DISCONNECT", "conn-1"))
    assert registered(api, build_id) == ["conn-2"]


def test_resume_sends_the_backlog_in_order_then_the_status_then_resumed(api: Api) -> None:
    build_id = create(api)
    lines = [{"seq": s, "ts": NOW + s, "level": "info", "step": "package",
              "text": f"line {s} " + "✓" * 200} for s in range(1, 1201)]
    for start in range(0, len(lines), 100):
        store_lines(api.service.logs, build_id, lines[start:start + 100])
    connect(api, "conn-1", {"build": build_id})
    received = say(api, "conn-1", '{"action": "resume", "after": 5}')
    logs, status, resumed = received[:-2], received[-2], received[-1]
    assert len(logs) > 1 and all(m["type"] == "log" and m["build"] == build_id for m in logs)
    assert [ln["seq"] for m in logs for ln in m["lines"]] == list(range(6, 1201))
    assert all(wire.size_of(text) <= FRAME_BYTES
               for text in api.connections.sent_to("conn-1"))
    assert (status["type"], status["status"], status["last_seq"]) == ("status", "queued", 1200)
    assert resumed == {"type": "resumed", "build": build_id, "after": 5, "last_seq": 1200}


def test_resume_with_nothing_new_sends_only_status_and_resumed(api: Api) -> None:
    build_id = create(api)
    store_lines(api.service.logs, build_id, [{"seq": 1, "text": "a"}, {"seq": 2, "text": "b"}])
    connect(api, "conn-1", {"build": build_id})
    received = say(api, "conn-1", '{"action": "resume", "after": 2}')
    assert [m["type"] for m in received] == ["status", "resumed"]
    assert received[1]["last_seq"] == 2


def test_answers_a_bad_message_with_an_error_saying_what_to_send(api: Api) -> None:
    build_id = create(api)
    connect(api, "conn-1", {"build": build_id})
    [error] = say(api, "conn-1", '{"action": "subscribe"}')
    assert error == {"type": "error", "message": "unknown action 'subscribe': send "
                     '{"action": "resume", "after": <last seq you have, 0 for all>}'}


def test_answers_resume_from_an_unregistered_connection_with_an_error(api: Api) -> None:
    [error] = say(api, "stranger", '{"action": "resume", "after": 0}')
    assert error["type"] == "error"
    assert error["message"].startswith("this connection watches no build")


def test_forgets_a_viewer_that_aws_reports_gone(api: Api) -> None:
    build_id = create(api)
    connect(api, "conn-gone", {"build": build_id})
    connect(api, "conn-ok", {"build": build_id})
    api.connections.gone.add("conn-gone")
    assert say(api, "conn-gone", '{"action": "resume", "after": 0}') == []
    assert registered(api, build_id) == ["conn-ok"]


def test_refuses_the_handshake_while_storage_is_unavailable(api: Api) -> None:
    build_id = create(api)
    context.configure(dataclasses.replace(api.settings, connections_table="gone"), api.clients)
    assert connect(api, "conn-1", {"build": build_id}) == 503


def test_tells_the_viewer_to_retry_a_resume_while_storage_is_unavailable(api: Api) -> None:
    build_id = create(api)
    connect(api, "conn-1", {"build": build_id})
    context.configure(dataclasses.replace(api.settings, logs_table="gone"), api.clients)
    [error] = say(api, "conn-1", '{"action": "resume", "after": 0}')
    assert error == {"type": "error", "message": "storage is unavailable "
                     "(ResourceNotFoundException); send the resume again in a moment"}
