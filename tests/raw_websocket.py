"""A WebSocket viewer that never reads, for tests of what a frozen tab on a dead link does."""

from __future__ import annotations

import base64
import os
import socket


def connect_without_reading(ws_url: str, build_id: str) -> socket.socket:
    """A viewer that completes the WebSocket handshake and then never reads (a frozen tab on a
    dead link): raw TCP with a small receive buffer, so its TCP window fills."""
    host, _, port = ws_url.removeprefix("ws://").partition(":")
    sock = socket.socket()
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
    sock.connect((host, int(port)))
    key = base64.b64encode(os.urandom(16)).decode()
    sock.sendall(
        f"GET /?build={build_id} HTTP/1.1\r\nHost: {host}\r\nUpgrade: websocket\r\n"
        f"Connection: Upgrade\r\nSec-WebSocket-Key: {key}\r\nSec-WebSocket-Version: 13\r\n\r\n"
        .encode()
    )
    answer = b""
    while not answer.endswith(b"\r\n\r\n"):  # the 101 only, byte by byte: nothing more
        answer += sock.recv(1)
    assert answer.startswith(b"HTTP/1.1 101"), answer
    return sock
