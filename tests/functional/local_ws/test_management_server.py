"""The management server (aiohttp) on raw sockets: keep-alive, 100-continue, refusals, 500s.

What botocore never sends but a real client could: pipelined requests, ``Expect``, chunked or
oversized bodies, garbage. The answers are the ones an HTTP/1.1 server gives, in AWS's JSON
shape wherever the management API itself answers.
"""

from __future__ import annotations

import asyncio
import json
import logging
import socket
import time
from typing import Any

import pytest
from websockets.sync.client import connect

from local_ws import RunningLocalWs
from local_ws.management_server import MAX_BODY_BYTES, ManagementServer
from local_ws.models import ConnectionRegistry
from local_ws.responses import HttpRequest, HttpResponse, ManagementAPI
from tests.functional.local_ws.wsapp import WAIT_S, Recorder


class RawClient:
    """A plain socket to the management port that reads responses one at a time."""

    def __init__(self, server: RunningLocalWs) -> None:
        self.sock = socket.create_connection(("127.0.0.1", server.mgmt_port), timeout=WAIT_S)
        self.buffered = bytearray()

    def __enter__(self) -> RawClient:
        return self

    def __exit__(self, *exc: object) -> None:
        self.sock.close()

    def send(self, data: bytes) -> None:
        self.sock.sendall(data)

    def _fill(self, what: str) -> None:
        chunk = self.sock.recv(65536)
        assert chunk, f"connection closed before {what}: {bytes(self.buffered)!r}"
        self.buffered += chunk

    def response(self) -> tuple[int, dict[str, str], bytes]:
        """One response; bytes after it stay buffered for the next call."""
        while b"\r\n\r\n" not in self.buffered:
            self._fill("a full response head")
        end = self.buffered.index(b"\r\n\r\n")
        lines = self.buffered[:end].decode("latin-1").split("\r\n")
        del self.buffered[: end + 4]
        status = int(lines[0].split(" ")[1])
        headers = {k.lower(): v.strip() for k, _, v in (ln.partition(":") for ln in lines[1:])}
        length = int(headers.get("content-length", "0"))
        while len(self.buffered) < length:
            self._fill("the end of a body")
        body = bytes(self.buffered[:length])
        del self.buffered[:length]
        return status, headers, body

    def interim(self) -> bytes:
        """A ``100 Continue`` line and its blank line."""
        while b"\r\n\r\n" not in self.buffered:
            self._fill("an interim response")
        end = self.buffered.index(b"\r\n\r\n") + 4
        head = bytes(self.buffered[:end])
        del self.buffered[:end]
        return head

    def closed_by_server(self) -> bool:
        return not self.buffered and self.sock.recv(1) == b""


def connection_id(recorder: Recorder) -> str:
    return str(recorder.wait_for("$connect")[0]["requestContext"]["connectionId"])


# What boto3 sends, in shape: local_ws checks that requests are SigV4-signed, not the signature.
SIGNED = (
    "Authorization: AWS4-HMAC-SHA256 Credential=testing/20240101/us-east-1/execute-api/"
    "aws4_request, SignedHeaders=host;x-amz-date, Signature=0123abcd\r\n"
    "X-Amz-Date: 20240101T000000Z\r\n"
)


def post(conn_id: str, body: bytes, extra: str = "") -> bytes:
    path = "/local/%40connections/" + conn_id.replace("+", "%2B").replace("/", "%2F")
    return (
        f"POST {path} HTTP/1.1\r\nHost: x\r\n{SIGNED}Content-Length: {len(body)}\r\n"
        f"{extra}\r\n"
    ).encode() + body


def test_pipelined_requests_on_one_keep_alive_connection_are_answered_in_order(
    local_ws: RunningLocalWs, recorder: Recorder
) -> None:
    with connect(local_ws.ws_url) as ws, RawClient(local_ws) as raw:
        conn_id = connection_id(recorder)
        raw.send(post(conn_id, b"one") + post(conn_id, b"two") + post("nope", b"three"))
        answers = [raw.response() for _ in range(3)]
        assert [status for status, _, _ in answers] == [200, 200, 410]
        assert answers[2][1]["x-amzn-errortype"] == "GoneException"
        assert all(headers["connection"] == "keep-alive" for _, headers, _ in answers)
        assert [ws.recv(timeout=WAIT_S), ws.recv(timeout=WAIT_S)] == ["one", "two"]


def test_expect_100_continue_is_honoured(local_ws: RunningLocalWs, recorder: Recorder) -> None:
    with connect(local_ws.ws_url) as ws, RawClient(local_ws) as raw:
        conn_id = connection_id(recorder)
        head = post(conn_id, b"", "Expect: 100-continue\r\n").replace(
            b"Content-Length: 0", b"Content-Length: 4"
        )
        raw.send(head)
        assert raw.interim() == b"HTTP/1.1 100 Continue\r\n\r\n"
        raw.send(b"body")
        assert raw.response()[0] == 200
        assert ws.recv(timeout=WAIT_S) == "body"


def test_a_malformed_request_gets_400_and_the_connection_is_closed(
    local_ws: RunningLocalWs,
) -> None:
    with RawClient(local_ws) as raw:
        raw.send(b"HELLO\r\n\r\n")
        status, _, _ = raw.response()
        assert status == 400
        assert raw.closed_by_server()


def test_chunked_bodies_are_refused_with_a_hint(local_ws: RunningLocalWs) -> None:
    with RawClient(local_ws) as raw:
        raw.send(
            b"POST /local/%40connections/x HTTP/1.1\r\nHost: x\r\n"
            b"Transfer-Encoding: chunked\r\n\r\n"
        )
        status, headers, body = raw.response()
        assert status == 501
        assert "Content-Length" in json.loads(body)["message"]
        assert headers["connection"] == "close"
        assert raw.closed_by_server()


def test_a_body_over_the_limit_is_refused_before_it_is_sent(local_ws: RunningLocalWs) -> None:
    with RawClient(local_ws) as raw:
        # Only the head goes out: the answer cannot wait for the body.
        raw.send(post("x", b"").replace(b"Content-Length: 0", b"Content-Length: 2000000"))
        status, headers, body = raw.response()
        assert status == 413
        assert headers["content-type"] == "application/json"
        assert headers["connection"] == "close"
        assert f"limit of {MAX_BODY_BYTES} bytes" in json.loads(body)["message"]
        assert raw.closed_by_server()


def test_a_body_over_the_limit_gets_413_instead_of_100_continue(local_ws: RunningLocalWs) -> None:
    with RawClient(local_ws) as raw:
        head = post("x", b"", "Expect: 100-continue\r\n")
        raw.send(head.replace(b"Content-Length: 0", b"Content-Length: 2000000"))
        assert raw.response()[0] == 413
        assert raw.closed_by_server()


def test_http_1_0_without_keep_alive_is_closed_after_the_answer(local_ws: Any) -> None:
    with RawClient(local_ws) as raw:
        raw.send(f"GET /local/%40connections/nope HTTP/1.0\r\n{SIGNED}\r\n".encode())
        status, headers, _ = raw.response()
        assert (status, headers["connection"]) == (410, "close")
        assert raw.closed_by_server()


def test_closing_the_server_ends_idle_keep_alive_connections(local_ws: RunningLocalWs) -> None:
    with RawClient(local_ws) as raw:
        raw.send(f"GET /local/%40connections/nope HTTP/1.1\r\nHost: x\r\n{SIGNED}\r\n".encode())
        assert raw.response()[0] == 410
        local_ws.close()
        assert raw.closed_by_server()


class FailingAPI(ManagementAPI):
    async def handle(self, request: HttpRequest) -> HttpResponse:
        raise RuntimeError("a bug behind the API")


async def answer_of(server: ManagementServer, request: bytes) -> bytes:
    """Everything ``server`` sends back to ``request`` until it closes the connection."""
    port = await server.start("127.0.0.1", 0)
    try:
        reader, writer = await asyncio.open_connection("127.0.0.1", port)
        writer.write(request)
        data = await asyncio.wait_for(reader.read(), WAIT_S)
        writer.close()
        await writer.wait_closed()
        return data
    finally:
        await server.close()


def test_a_failing_api_is_logged_and_answered_with_api_gateways_500(
    caplog: pytest.LogCaptureFixture,
) -> None:
    api = FailingAPI(ConnectionRegistry(clock=time.time), "local")
    request = b"GET /local/%40connections/x HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"
    with caplog.at_level(logging.ERROR, logger="local_ws.http"):
        data = asyncio.run(answer_of(ManagementServer(api), request))
    head, _, body = data.partition(b"\r\n\r\n")
    assert head.startswith(b"HTTP/1.1 500 ")
    assert b"Content-Type: application/json" in head
    assert json.loads(body) == {"message": "Internal server error"}
    assert "management API failed on GET" in caplog.text
