"""local_ws runs the app's $connect/$default/$disconnect handlers as API Gateway does."""

from __future__ import annotations

import json
import socket
from typing import Any

import pytest
from websockets.exceptions import ConnectionClosed, InvalidStatus
from websockets.sync.client import connect

from local_ws import RunningLocalWs
from tests.functional.local_ws.wsapp import WAIT_S, Recorder, management_client


# AWS: a Lambda proxy $connect answering a non-2xx status refuses the upgrade with that status
# (the developer guide's subprotocol example: "Unexpected server response: 400").
def test_a_non_2xx_connect_refuses_the_handshake_with_the_handlers_status(
    local_ws: RunningLocalWs, recorder: Recorder
) -> None:
    with pytest.raises(InvalidStatus) as caught:
        connect(local_ws.ws_url + "/?build=unknown")
    assert caught.value.response.status_code == 404
    assert caught.value.response.body == b"no such build"
    recorder.wait_for("$connect")
    assert recorder.of("$disconnect") == []
    assert local_ws.call(lambda: len(local_ws.api.registry)) == 0


@pytest.mark.parametrize("status", [400, 401, 403, 429, 503])
def test_the_client_sees_exactly_the_status_connect_returned(
    local_ws: RunningLocalWs, status: int
) -> None:
    with pytest.raises(InvalidStatus) as caught:
        connect(local_ws.ws_url + f"/?status={status}")
    assert caught.value.response.status_code == status
    assert json.loads(caught.value.response.body) == {"message": "refused"}


# AWS: an integration that fails (the Lambda function raises) is a 502 Bad Gateway.
def test_a_failing_connect_handler_refuses_the_handshake_with_502(
    local_ws: RunningLocalWs, recorder: Recorder
) -> None:
    with pytest.raises(InvalidStatus) as caught:
        connect(local_ws.ws_url + "/?build=boom")
    assert caught.value.response.status_code == 502
    assert json.loads(caught.value.response.body) == {"message": "Internal server error"}
    recorder.wait_for("$connect")
    assert recorder.of("$disconnect") == []


def test_connect_event_carries_query_headers_and_identity(
    local_ws: RunningLocalWs, recorder: Recorder
) -> None:
    with connect(local_ws.ws_url + "/?build=b1&tag=x&tag=y", user_agent_header="ua/1"):
        event = recorder.wait_for("$connect")[0]
    assert event["queryStringParameters"] == {"build": "b1", "tag": "y"}
    assert event["multiValueQueryStringParameters"] == {"build": ["b1"], "tag": ["x", "y"]}
    assert event["headers"]["User-Agent"] == "ua/1"
    assert event["multiValueHeaders"]["User-Agent"] == ["ua/1"]
    context = event["requestContext"]
    assert context["eventType"] == "CONNECT"
    assert context["stage"] == "local"
    assert context["identity"] == {"sourceIp": "127.0.0.1", "userAgent": "ua/1"}


def test_chalice_websocket_api_send_reaches_the_socket_by_configuration_alone(
    local_ws: RunningLocalWs, recorder: Recorder
) -> None:
    with connect(local_ws.ws_url) as ws:
        ws.send("ping")
        assert ws.recv(timeout=WAIT_S) == "echo:ping"
    message = recorder.wait_for("$default")[0]
    assert message["body"] == "ping"
    assert message["isBase64Encoded"] is False
    assert message["requestContext"]["eventType"] == "MESSAGE"


def test_a_failing_message_handler_sends_api_gateways_error_frame(
    local_ws: RunningLocalWs, recorder: Recorder
) -> None:
    with connect(local_ws.ws_url) as ws:
        ws.send("boom")
        frame = json.loads(ws.recv(timeout=WAIT_S))
        connection_id = recorder.wait_for("$connect")[0]["requestContext"]["connectionId"]
        assert frame["message"] == "Internal server error"
        assert frame["connectionId"] == connection_id
        # The connection survives the failure.
        ws.send("again")
        assert ws.recv(timeout=WAIT_S) == "echo:again"


def test_a_client_close_runs_disconnect_with_its_status_code(
    local_ws: RunningLocalWs, recorder: Recorder
) -> None:
    with connect(local_ws.ws_url) as ws:
        connection_id = recorder.wait_for("$connect")[0]["requestContext"]["connectionId"]
        ws.close(code=4000, reason="viewer left")
    event = recorder.wait_for("$disconnect")[0]
    context = event["requestContext"]
    assert context["connectionId"] == connection_id
    assert context["eventType"] == "DISCONNECT"
    assert context["disconnectStatusCode"] == 4000
    assert context["disconnectReason"] == "viewer left"


def _abort(ws: Any) -> None:
    """Drop the TCP connection without a close frame (RST), as a killed viewer does."""
    sock = ws.socket
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, b"\x01\x00\x00\x00\x00\x00\x00\x00")
    sock.close()


def test_a_vanished_client_runs_disconnect_with_1006(
    local_ws: RunningLocalWs, recorder: Recorder
) -> None:
    ws = connect(local_ws.ws_url).__enter__()  # closed by _abort, not by a with block
    recorder.wait_for("$connect")
    _abort(ws)
    event = recorder.wait_for("$disconnect")[0]
    assert event["requestContext"]["disconnectStatusCode"] == 1006


def test_a_vanished_client_can_skip_disconnect_and_is_gone_for_posts(
    serve: Any, recorder: Recorder
) -> None:
    server: RunningLocalWs = serve(invoke_disconnect_on_abnormal_close=False)
    ws = connect(server.ws_url).__enter__()  # closed by _abort, not by a with block
    connection_id = recorder.wait_for("$connect")[0]["requestContext"]["connectionId"]
    _abort(ws)
    assert server.api.wait_finished(connection_id, WAIT_S)
    assert recorder.of("$disconnect") == []
    client = management_client(server)
    with pytest.raises(client.exceptions.GoneException):
        client.post_to_connection(ConnectionId=connection_id, Data=b"late")


def test_the_idle_timeout_closes_the_connection_and_runs_disconnect(
    serve: Any, recorder: Recorder
) -> None:
    server: RunningLocalWs = serve(idle_timeout_s=0.2)
    with connect(server.ws_url) as ws:
        with pytest.raises(ConnectionClosed) as caught:
            ws.recv(timeout=WAIT_S)
        assert caught.value.rcvd is not None and caught.value.rcvd.code == 1001
    event = recorder.wait_for("$disconnect")[0]
    assert event["requestContext"]["disconnectStatusCode"] == 1001


def test_the_maximum_duration_closes_even_a_busy_connection(serve: Any, recorder: Recorder) -> None:
    server: RunningLocalWs = serve(idle_timeout_s=60, max_duration_s=0.3)
    with connect(server.ws_url) as ws:
        with pytest.raises(ConnectionClosed) as caught:
            while True:  # keep the connection active until the server closes it
                ws.send("busy")
                ws.recv(timeout=WAIT_S)
        assert caught.value.rcvd is not None
        assert "maximum connection duration" in caught.value.rcvd.reason
    recorder.wait_for("$disconnect")
