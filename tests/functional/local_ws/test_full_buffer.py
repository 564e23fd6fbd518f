"""A viewer that stops reading: @connections answers as API Gateway documents, never hangs.

API Gateway's ``PostToConnection`` lists ``LimitExceededException`` (HTTP 429) for "the
WebSocket client side buffer is full" (botocore's service model). local_ws answers the same,
at once, instead of holding the POST until the viewer reads (which held the caller until its
read timeout, 10 s for the runner, then again on every retry).
"""

from __future__ import annotations

import contextlib
import socket
import threading
import time
from collections.abc import Callable
from typing import Any

import boto3
import pytest
from botocore.config import Config

from local_ws import RunningLocalWs
from tests.functional.local_ws.wsapp import WAIT_S, Recorder
from tests.raw_websocket import connect_without_reading

BUFFER_BYTES = 256 * 1024
MESSAGE = b'{"type": "log", "pad": "' + b"x" * 60_000 + b'"}'
# Far below the read timeout a POST waiting for the viewer would hit.
PROMPT_S = 1.0


def single_try_client(server: RunningLocalWs) -> Any:
    """The runner's settings that matter here: one try per call, a read timeout."""
    return boto3.session.Session(
        aws_access_key_id="testing", aws_secret_access_key="testing", region_name="us-east-1"
    ).client(
        "apigatewaymanagementapi",
        endpoint_url=server.management_url,
        config=Config(retries={"total_max_attempts": 1}, read_timeout=5, connect_timeout=5),
    )


def established(server: RunningLocalWs, recorder: Recorder) -> str:
    """The id of the first connection, once local_ws registered it (after the handshake)."""
    [event] = recorder.wait_for("$connect")
    connection_id: str = event["requestContext"]["connectionId"]
    deadline = time.monotonic() + WAIT_S
    while not server.call(lambda: connection_id in {c.connection_id for c in server.api.registry}):
        assert time.monotonic() < deadline, f"{connection_id} never got established"
        time.sleep(0.01)  # polling state only visible by asking the server's loop
    return connection_id


def post_until_refused(client: Any, connection_id: str) -> tuple[int, Any, float]:
    """Post ``MESSAGE`` until a post fails; (bytes accepted, the error, longest post in s)."""
    accepted = 0
    longest = 0.0
    for _ in range(10_000):
        started = time.monotonic()
        try:
            client.post_to_connection(ConnectionId=connection_id, Data=MESSAGE)
        except client.exceptions.LimitExceededException as exc:
            return accepted, exc, max(longest, time.monotonic() - started)
        longest = max(longest, time.monotonic() - started)
        accepted += len(MESSAGE)
    raise AssertionError(f"{accepted} bytes posted to a viewer that never reads, none refused")


@pytest.fixture
def small_buffer(serve: Callable[..., RunningLocalWs]) -> RunningLocalWs:
    return serve(write_buffer_bytes=BUFFER_BYTES)


def test_a_post_to_a_viewer_whose_buffer_is_full_is_refused_at_once_with_limit_exceeded(
    small_buffer: RunningLocalWs, recorder: Recorder
) -> None:
    client = single_try_client(small_buffer)
    sock = connect_without_reading(f"ws://127.0.0.1:{small_buffer.ws_port}", "b1")
    try:
        connection_id = established(small_buffer, recorder)
        accepted, refused, longest = post_until_refused(client, connection_id)
        assert accepted >= BUFFER_BYTES  # the kernel's buffers take some before local_ws's
        assert longest < PROMPT_S, f"a post waited {longest:.1f} s for the viewer to read"
        assert refused.response["Error"]["Code"] == "LimitExceededException"
        assert refused.response["ResponseMetadata"]["HTTPStatusCode"] == 429
        assert "buffer is full" in refused.response["Error"]["Message"]
        # As on AWS the connection stays open: it is only full.
        assert client.get_connection(ConnectionId=connection_id)["Identity"]
    finally:
        sock.close()


def test_posts_succeed_again_once_the_viewer_reads_what_was_buffered(
    small_buffer: RunningLocalWs, recorder: Recorder
) -> None:
    client = single_try_client(small_buffer)
    sock = connect_without_reading(f"ws://127.0.0.1:{small_buffer.ws_port}", "b1")
    try:
        connection_id = established(small_buffer, recorder)
        accepted, _, _ = post_until_refused(client, connection_id)
        received = [0]
        drained = threading.Event()

        def read_everything() -> None:
            with contextlib.suppress(OSError):  # the socket is shut down at the end
                while chunk := sock.recv(1 << 16):
                    received[0] += len(chunk)
                    if received[0] >= accepted:  # every payload byte (+ handshake, headers)
                        drained.set()

        reader = threading.Thread(target=read_everything, daemon=True)
        reader.start()
        assert drained.wait(WAIT_S), f"read {received[0]} of {accepted} bytes"
        # What is left in local_ws's buffer is at most the frame headers: room again.
        client.post_to_connection(ConnectionId=connection_id, Data=MESSAGE)
        sock.shutdown(socket.SHUT_RDWR)  # ends the reader's recv
        reader.join(WAIT_S)
    finally:
        sock.close()
