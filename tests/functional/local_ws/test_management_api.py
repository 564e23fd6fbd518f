"""The @connections API answers boto3 exactly as API Gateway does."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

import pytest
from botocore.exceptions import ClientError
from websockets.exceptions import ConnectionClosed
from websockets.sync.client import connect

from local_ws import RunningLocalWs
from tests.functional.local_ws.wsapp import (
    WAIT_S,
    Recorder,
    management_client,
    management_client_for,
)


def connection_id(recorder: Recorder, index: int = 0) -> str:
    return recorder.wait_for("$connect", index + 1)[index]["requestContext"]["connectionId"]


def test_post_delivers_the_data_as_one_text_frame(
    local_ws: RunningLocalWs, client: Any, recorder: Recorder
) -> None:
    with connect(local_ws.ws_url + "/?build=b1") as ws:
        client.post_to_connection(ConnectionId=connection_id(recorder), Data=b'{"type": "log"}')
        assert ws.recv(timeout=WAIT_S) == '{"type": "log"}'


def test_post_of_bytes_that_are_not_utf8_arrives_as_a_binary_frame(
    local_ws: RunningLocalWs, client: Any, recorder: Recorder
) -> None:
    with connect(local_ws.ws_url) as ws:
        client.post_to_connection(ConnectionId=connection_id(recorder), Data=b"\xff\x00\xfe")
        assert ws.recv(timeout=WAIT_S) == b"\xff\x00\xfe"


def test_post_to_an_unknown_connection_raises_gone_exception(client: Any) -> None:
    with pytest.raises(client.exceptions.GoneException) as caught:
        client.post_to_connection(ConnectionId="L0SM9cOFvHcCIhw=", Data=b"x")
    assert caught.value.response["Error"]["Code"] == "GoneException"
    assert caught.value.response["ResponseMetadata"]["HTTPStatusCode"] == 410
    assert "L0SM9cOFvHcCIhw=" in caught.value.response["Error"]["Message"]


def test_post_to_a_closed_connection_raises_gone_exception(
    local_ws: RunningLocalWs, client: Any, recorder: Recorder
) -> None:
    with connect(local_ws.ws_url):
        conn_id = connection_id(recorder)
    recorder.wait_for("$disconnect")
    with pytest.raises(client.exceptions.GoneException):
        client.post_to_connection(ConnectionId=conn_id, Data=b"late")


def test_post_over_128_kb_raises_payload_too_large(
    local_ws: RunningLocalWs, client: Any, recorder: Recorder
) -> None:
    with connect(local_ws.ws_url) as ws:
        conn_id = connection_id(recorder)
        with pytest.raises(client.exceptions.PayloadTooLargeException) as caught:
            client.post_to_connection(ConnectionId=conn_id, Data=b"x" * (129 * 1024))
        assert caught.value.response["Error"]["Code"] == "PayloadTooLargeException"
        assert caught.value.response["ResponseMetadata"]["HTTPStatusCode"] == 413
        # Exactly 128 KB is still allowed, and the connection still works.
        client.post_to_connection(ConnectionId=conn_id, Data=b"y" * (128 * 1024))
        assert ws.recv(timeout=WAIT_S) == "y" * (128 * 1024)


def test_a_message_over_32_kb_arrives_in_32_kb_frames_of_one_message(
    local_ws: RunningLocalWs, client: Any, recorder: Recorder
) -> None:
    message = ("é" * 20_000 + "x" * 30_000).encode()  # 70 000 bytes, 2-byte characters first
    with connect(local_ws.ws_url) as ws:
        client.post_to_connection(ConnectionId=connection_id(recorder), Data=message)
        frames = [frame for frame in ws.recv_streaming() if frame]  # see frames_of's note
    assert [len(frame.encode()) for frame in frames] == [32 * 1024, 32 * 1024, 4464]
    assert "".join(frames).encode() == message


def test_get_returns_connected_at_last_active_at_and_identity(
    local_ws: RunningLocalWs, client: Any, recorder: Recorder
) -> None:
    with connect(local_ws.ws_url, user_agent_header="viewer-test/1.0"):
        info = client.get_connection(ConnectionId=connection_id(recorder))
    assert info["Identity"] == {"SourceIp": "127.0.0.1", "UserAgent": "viewer-test/1.0"}
    now = datetime.now(tz=UTC)
    assert abs((now - info["ConnectedAt"]).total_seconds()) < 60
    assert info["LastActiveAt"] >= info["ConnectedAt"]


def test_last_active_at_moves_when_the_client_sends(
    local_ws: RunningLocalWs, client: Any, recorder: Recorder
) -> None:
    with connect(local_ws.ws_url) as ws:
        conn_id = connection_id(recorder)
        before = client.get_connection(ConnectionId=conn_id)["LastActiveAt"]
        ws.send("hello")
        assert ws.recv(timeout=WAIT_S) == "echo:hello"
        after = client.get_connection(ConnectionId=conn_id)["LastActiveAt"]
    assert after >= before


def test_delete_closes_the_socket_and_runs_disconnect(
    local_ws: RunningLocalWs, client: Any, recorder: Recorder
) -> None:
    with connect(local_ws.ws_url) as ws:
        conn_id = connection_id(recorder)
        client.delete_connection(ConnectionId=conn_id)
        with pytest.raises(ConnectionClosed):
            ws.recv(timeout=WAIT_S)
    event = recorder.wait_for("$disconnect")[0]
    assert event["requestContext"]["connectionId"] == conn_id
    with pytest.raises(client.exceptions.GoneException):
        client.delete_connection(ConnectionId=conn_id)


def test_connection_ids_with_plus_slash_and_equals_survive_url_encoding(
    serve: Any, recorder: Recorder
) -> None:
    server = serve(connection_id_factory=lambda: "a+b/c=d/E+F/g==")
    client = management_client(server)
    with connect(server.ws_url) as ws:
        assert connection_id(recorder) == "a+b/c=d/E+F/g=="
        client.post_to_connection(ConnectionId="a+b/c=d/E+F/g==", Data=b"ok")
        assert ws.recv(timeout=WAIT_S) == "ok"
        assert client.get_connection(ConnectionId="a+b/c=d/E+F/g==")["Identity"]


def test_a_wrong_stage_is_forbidden_with_a_hint(local_ws: RunningLocalWs) -> None:
    wrong = management_client_for(local_ws.management_url.rsplit("/", 1)[0] + "/prod")
    with pytest.raises(ClientError) as caught:
        wrong.post_to_connection(ConnectionId="L0SM9cOFvHcCIhw=", Data=b"x")
    assert caught.value.response["Error"]["Code"] == "ForbiddenException"
    assert "/local" in caught.value.response["Error"]["Message"]


def test_many_posts_over_keep_alive_arrive_in_order(
    local_ws: RunningLocalWs, client: Any, recorder: Recorder
) -> None:
    with connect(local_ws.ws_url) as ws:
        conn_id = connection_id(recorder)
        for seq in range(300):
            client.post_to_connection(ConnectionId=conn_id, Data=json.dumps({"seq": seq}))
        received = [json.loads(ws.recv(timeout=WAIT_S))["seq"] for _ in range(300)]
    assert received == list(range(300))


class SettableClock:
    """Epoch seconds that move only when the test says so."""

    def __init__(self, now: float) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now


def test_a_message_posted_to_the_client_counts_as_activity_like_one_from_it(
    serve: Any, recorder: Recorder
) -> None:
    # The idle timer restarts on messages either way (a server-side keep-alive every 9.5 min
    # keeps an API Gateway connection open until its 2-hour limit); GET shows it as lastActiveAt.
    clock = SettableClock(1_000.0)
    server = serve(clock=clock)
    client = management_client(server)
    with connect(server.ws_url) as ws:
        conn_id = connection_id(recorder)
        clock.now = 1_300.0  # 5 minutes of silence
        client.post_to_connection(ConnectionId=conn_id, Data=b"keep-alive")
        assert ws.recv(timeout=WAIT_S) == "keep-alive"
        info = client.get_connection(ConnectionId=conn_id)
    assert info["ConnectedAt"] == datetime.fromtimestamp(1_000, tz=UTC)
    assert info["LastActiveAt"] == datetime.fromtimestamp(1_300, tz=UTC)
