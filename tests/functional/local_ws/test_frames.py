"""What a client may send, by API Gateway's quotas and its binary-frame rule, on real sockets.

AWS's WebSocket quotas: frames of at most 32 KB, messages of at most 128 KB, and a larger frame
or message closes the connection with code 1009. "Binary media types for WebSocket APIs":
API Gateway takes no binary frames from clients and disconnects one that sends them with 1003.
"""

from __future__ import annotations

import pytest
from websockets.exceptions import ConnectionClosed
from websockets.sync.client import ClientConnection, connect

from local_ws import RunningLocalWs
from tests.functional.local_ws.wsapp import WAIT_S, Recorder

KB = 1024


def closed_with(ws: ClientConnection) -> int:
    """The close code the server sent, once it closed the connection."""
    with pytest.raises(ConnectionClosed) as caught:
        ws.recv(timeout=WAIT_S)
    assert caught.value.rcvd is not None
    return caught.value.rcvd.code


def disconnect_code(recorder: Recorder) -> int:
    return int(recorder.wait_for("$disconnect")[0]["requestContext"]["disconnectStatusCode"])


def test_a_binary_frame_closes_the_connection_with_1003_without_invoking_default(
    local_ws: RunningLocalWs, recorder: Recorder
) -> None:
    with connect(local_ws.ws_url) as ws:
        ws.send(b"\x00\x01\x02")
        assert closed_with(ws) == 1003
    assert disconnect_code(recorder) == 1003
    assert recorder.of("$default") == []


def test_a_frame_over_32_kb_closes_the_connection_with_1009(
    local_ws: RunningLocalWs, recorder: Recorder
) -> None:
    with connect(local_ws.ws_url) as ws:
        ws.send("x" * (32 * KB + 1))  # one frame: websockets does not fragment by itself
        assert closed_with(ws) == 1009
    assert disconnect_code(recorder) == 1009
    assert recorder.of("$default") == []


def test_a_frame_of_exactly_32_kb_is_delivered(
    local_ws: RunningLocalWs, recorder: Recorder
) -> None:
    with connect(local_ws.ws_url) as ws:
        ws.send("y" * 32 * KB)
        assert ws.recv(timeout=WAIT_S) == "echo:" + "y" * 32 * KB
    assert len(recorder.wait_for("$default")[0]["body"]) == 32 * KB


def test_a_128_kb_message_in_32_kb_fragments_reaches_default_whole(
    local_ws: RunningLocalWs, recorder: Recorder
) -> None:
    with connect(local_ws.ws_url) as ws:
        ws.send(["z" * 32 * KB] * 4)  # fragments of one message
        [event] = recorder.wait_for("$default")
    assert event["body"] == "z" * 128 * KB
    assert event["isBase64Encoded"] is False


def test_a_message_over_128_kb_closes_the_connection_with_1009_even_in_small_frames(
    local_ws: RunningLocalWs, recorder: Recorder
) -> None:
    with connect(local_ws.ws_url) as ws:
        ws.send(["z" * 32 * KB] * 4 + ["z"])
        assert closed_with(ws) == 1009
    assert disconnect_code(recorder) == 1009
    assert recorder.of("$default") == []
