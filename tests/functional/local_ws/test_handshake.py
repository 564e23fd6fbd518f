"""The opening handshake over real sockets: what $connect answers is what the client gets.

AWS ("Set up a $connect route that requires a WebSocket subprotocol"): the $connect function
picks the subprotocol by returning a ``Sec-WebSocket-Protocol`` header, and the client gets
that one; a client that asked for one the function does not return gets none (``wscat -s`` and
Node's ``ws`` then give up: "Server sent no subprotocol").
"""

from __future__ import annotations

import re
from typing import Any

from websockets.sync.client import connect
from websockets.typing import Subprotocol

from local_ws import RunningLocalWs
from tests.functional.local_ws.wsapp import SUBPROTOCOL, Recorder


def test_a_client_offering_a_subprotocol_gets_the_one_connect_returns(
    local_ws: RunningLocalWs, recorder: Recorder
) -> None:
    offered = [Subprotocol(SUBPROTOCOL), Subprotocol("chat.v0")]
    with connect(local_ws.ws_url, subprotocols=offered) as ws:
        assert ws.subprotocol == SUBPROTOCOL
        assert ws.response.headers["Sec-WebSocket-Protocol"] == SUBPROTOCOL
    event = recorder.wait_for("$connect")[0]
    assert event["headers"]["Sec-WebSocket-Protocol"] == "chat.v1, chat.v0"


def test_other_headers_connect_returns_reach_the_client_in_the_101(
    local_ws: RunningLocalWs,
) -> None:
    with connect(local_ws.ws_url, subprotocols=[Subprotocol(SUBPROTOCOL)]) as ws:
        assert ws.response.status_code == 101
        assert ws.response.headers["X-Chosen-By"] == "app"


def test_a_subprotocol_connect_does_not_return_is_not_granted(local_ws: RunningLocalWs) -> None:
    with connect(local_ws.ws_url, subprotocols=[Subprotocol("graphql-ws")]) as ws:
        assert ws.subprotocol is None
        assert "Sec-WebSocket-Protocol" not in ws.response.headers


def test_a_client_without_a_user_agent_has_none_in_its_identity(
    local_ws: RunningLocalWs, recorder: Recorder, client: Any
) -> None:
    with connect(local_ws.ws_url, user_agent_header=None):
        event = recorder.wait_for("$connect")[0]
        connection_id = event["requestContext"]["connectionId"]
        identity = client.get_connection(ConnectionId=connection_id)["Identity"]
    assert "User-Agent" not in event["headers"]
    assert event["requestContext"]["identity"] == {"sourceIp": "127.0.0.1"}
    assert identity == {"SourceIp": "127.0.0.1"}


def test_connection_ids_are_in_aws_alphabet_and_work_with_boto3(
    local_ws: RunningLocalWs, recorder: Recorder, client: Any
) -> None:
    for index in range(20):
        with connect(local_ws.ws_url) as ws:
            event = recorder.wait_for("$connect", index + 1)[index]
            connection_id = event["requestContext"]["connectionId"]
            assert re.fullmatch(r"[A-Za-z0-9_-]{15}=", connection_id), connection_id
            client.post_to_connection(ConnectionId=connection_id, Data=b"ok")
            assert ws.recv(timeout=10) == "ok"
