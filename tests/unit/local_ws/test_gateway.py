"""The gateway invokes a Chalice app's WebSocket handlers in-process (no sockets)."""

from __future__ import annotations

import json
from typing import Any

import pytest
from chalice import Chalice, Response

from local_ws.events import ApiContext, ConnectionInfo
from local_ws.gateway import Gateway, answer_headers, connect_outcome

API = ApiContext(stage="local", domain_name="127.0.0.1:1", api_id="api")
CONN = ConnectionInfo("L0SM9cOFvHcCIhw=", 1000, "127.0.0.1", "ua")


def app_with(seen: list[Any], connect_answer: Any = None, fail: bool = False) -> Chalice:
    app = Chalice(app_name="gateway-test")
    app.experimental_feature_flags.update(["WEBSOCKETS"])

    @app.on_ws_connect()
    def connect(event: Any) -> Any:
        seen.append(event)
        if fail:
            raise RuntimeError("bug")
        return connect_answer

    @app.on_ws_message()
    def message(event: Any) -> None:
        seen.append(event)
        if event.body == "boom":
            raise RuntimeError("bug")

    @app.on_ws_disconnect()
    def disconnect(event: Any) -> None:
        seen.append(event)
        raise RuntimeError("disconnect errors are only logged")

    return app


def connect(gateway: Gateway) -> Any:
    return gateway.connect(CONN, headers=[], query_string="build=x", now_ms=2000)


def test_handlers_get_chalice_websocket_events() -> None:
    seen: list[Any] = []
    gateway = Gateway(app_with(seen), API)
    assert connect(gateway).accepted
    assert gateway.message(CONN, "hello", now_ms=3000) is None
    assert [e.connection_id for e in seen] == [CONN.connection_id] * 2
    assert seen[1].body == "hello"
    assert seen[1].domain_name == "127.0.0.1:1"
    assert seen[1].stage == "local"


@pytest.mark.parametrize("answer", [None, {"statusCode": 200}, {"statusCode": 204}, {}])
def test_2xx_or_no_status_accepts_the_connection(answer: Any) -> None:
    assert connect(Gateway(app_with([], answer), API)).accepted


@pytest.mark.parametrize("status", [301, 400, 401, 404, 500, 503])
def test_non_2xx_refuses_with_the_handlers_own_status_and_body(status: int) -> None:
    answer = {"statusCode": status, "body": '{"message": "no"}'}
    outcome = connect(Gateway(app_with([], answer), API))
    assert (outcome.accepted, outcome.status, outcome.body) == (False, status, '{"message": "no"}')


def test_a_failing_connect_refuses_with_502_as_a_failed_integration() -> None:
    outcome = connect(Gateway(app_with([], fail=True), API))
    assert (outcome.accepted, outcome.status) == (False, 502)
    assert json.loads(outcome.body) == {"message": "Internal server error"}


@pytest.mark.parametrize("status", ["abc", None, 99, 600])
def test_a_status_that_is_not_an_http_one_is_a_failed_integration(status: object) -> None:
    outcome = connect_outcome({"statusCode": status})
    assert (outcome.accepted, outcome.status) == (False, 502)


def test_a_chalice_response_headers_go_into_the_handshake() -> None:
    response = Response(
        body="",
        headers={"Sec-WebSocket-Protocol": "myprotocol", "Set-Cookie": ["a=1", "b=2"]},
    )
    outcome = connect(Gateway(app_with([], response), API))
    assert outcome.accepted
    assert outcome.headers == (
        ("Sec-WebSocket-Protocol", "myprotocol"),
        ("Set-Cookie", "a=1"),
        ("Set-Cookie", "b=2"),
    )


def test_headers_the_handshake_owns_are_dropped() -> None:
    answer = {
        "statusCode": 200,
        "headers": {"Upgrade": "h2c", "Sec-WebSocket-Accept": "x", "X-A": "1"},
    }
    assert answer_headers(answer) == (("X-A", "1"),)


def test_a_failing_message_handler_yields_the_internal_server_error_frame() -> None:
    frame = Gateway(app_with([]), API).message(CONN, "boom", now_ms=1)
    assert frame is not None
    payload = json.loads(frame)
    assert payload["message"] == "Internal server error"
    assert payload["connectionId"] == CONN.connection_id
    assert payload["requestId"]


def test_a_failing_disconnect_is_logged_not_raised(caplog: pytest.LogCaptureFixture) -> None:
    seen: list[Any] = []
    Gateway(app_with(seen), API).disconnect(CONN, code=1000, reason="", now_ms=1)
    assert len(seen) == 1
    assert "$disconnect handler failed" in caplog.text


def test_an_app_without_default_route_answers_forbidden() -> None:
    app = Chalice(app_name="no-default")
    frame = Gateway(app, API).message(CONN, "x", now_ms=1)
    assert frame is not None and json.loads(frame)["message"] == "Forbidden"


def test_the_apps_management_endpoint_is_set_only_when_unset() -> None:
    app = app_with([])
    Gateway(app, API, management_url="http://127.0.0.1:9/local/")
    assert app.websocket_api._endpoint == "http://127.0.0.1:9/local"
    Gateway(app, API, management_url="http://elsewhere/x")
    assert app.websocket_api._endpoint == "http://127.0.0.1:9/local"


def test_something_that_is_not_a_chalice_app_is_refused() -> None:
    with pytest.raises(TypeError, match="not a Chalice app"):
        Gateway(object(), API)
