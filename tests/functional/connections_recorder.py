"""A real HTTP ``@connections`` endpoint on a free loopback port that records what it gets.

It answers like API Gateway's management API: 200 for a delivered post, 410 with
``x-amzn-ErrorType: GoneException`` for a gone connection, 429 with ``LimitExceededException``
while a connection is being throttled, so botocore raises the same errors as on AWS. It also
notes the most posts it ever saw in flight at once per connection.
"""

from __future__ import annotations

import json
import threading
import urllib.parse
from collections import defaultdict
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

STAGE = "local"


class ConnectionsRecorder:
    """State and behaviour of the fake endpoint (what each connection got, and how to answer)."""

    def __init__(self) -> None:
        self.messages: dict[str, list[bytes]] = defaultdict(list)
        self.gone: set[str] = set()
        self.throttle: dict[str, int] = {}
        self.gone_answers: dict[str, int] = defaultdict(int)
        self.throttled_answers: dict[str, int] = defaultdict(int)
        self.max_in_flight: dict[str, int] = defaultdict(int)
        self._in_flight: dict[str, int] = defaultdict(int)
        # Posts to a connection in ``held`` wait until its event is set (a slow viewer).
        self.held: dict[str, threading.Event] = {}
        self._changed = threading.Condition()
        self.waiting: set[str] = set()
        self.url = ""

    def answer(self, connection_id: str, body: bytes) -> tuple[int, dict[str, str], bytes]:
        with self._changed:
            self._in_flight[connection_id] += 1
            self.max_in_flight[connection_id] = max(
                self.max_in_flight[connection_id], self._in_flight[connection_id]
            )
            gate = self.held.get(connection_id)
            if gate is not None:
                self.waiting.add(connection_id)
                self._changed.notify_all()
        try:
            if gate is not None:
                gate.wait(timeout=30)
            with self._changed:
                if connection_id in self.gone:
                    self.gone_answers[connection_id] += 1
                    return _error(410, "GoneException", f"connection {connection_id} is gone")
                if self.throttle.get(connection_id, 0) > 0:
                    self.throttle[connection_id] -= 1
                    self.throttled_answers[connection_id] += 1
                    return _error(429, "LimitExceededException", "slow down")
                self.messages[connection_id].append(body)
                return 200, {}, b""
        finally:
            with self._changed:
                self._in_flight[connection_id] -= 1
                self.waiting.discard(connection_id)
                self._changed.notify_all()

    def wait_for(self, predicate: Callable[[], bool], timeout: float = 10.0) -> None:
        """Wait until ``predicate()`` holds (checked on every post); fail after ``timeout``."""
        with self._changed:
            if not self._changed.wait_for(predicate, timeout):
                raise AssertionError(f"timed out after {timeout}s; received: {self.summary()}")

    def decoded(self, connection_id: str) -> list[dict[str, Any]]:
        """The messages ``connection_id`` received, parsed."""
        with self._changed:
            return [json.loads(m) for m in self.messages.get(connection_id, [])]

    def sent_to(self, connection_id: str) -> list[str]:
        """The messages ``connection_id`` received, as text."""
        with self._changed:
            return [m.decode("utf-8") for m in self.messages.get(connection_id, [])]

    def seqs(self, connection_id: str) -> list[int]:
        """Every seq ``connection_id`` received in log messages, in arrival order."""
        return [
            line["seq"]
            for message in self.decoded(connection_id)
            if message["type"] == "log"
            for line in message["lines"]
        ]

    def statuses(self, connection_id: str) -> list[dict[str, Any]]:
        return [m for m in self.decoded(connection_id) if m["type"] == "status"]

    def summary(self) -> dict[str, int]:
        return {cid: len(messages) for cid, messages in self.messages.items()}


def _error(status: int, code: str, message: str) -> tuple[int, dict[str, str], bytes]:
    return status, {"x-amzn-ErrorType": code}, json.dumps({"message": message}).encode()


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server: _Server

    def do_POST(self) -> None:
        path = urllib.parse.urlsplit(self.path).path
        prefix = f"/{STAGE}/@connections/"
        length = int(self.headers.get("Content-Length", "0"))
        body = self.rfile.read(length)
        if not path.startswith(prefix):
            status, headers, payload = _error(404, "NotFoundException", f"no route {path}")
        else:
            connection_id = urllib.parse.unquote(path[len(prefix):])
            status, headers, payload = self.server.recorder.answer(connection_id, body)
        self.send_response(status)
        for name, value in headers.items():
            self.send_header(name, value)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        self.wfile.write(payload)

    def log_message(self, format: str, *args: Any) -> None:
        return None


class _Server(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, recorder: ConnectionsRecorder) -> None:
        super().__init__(("127.0.0.1", 0), _Handler)
        self.recorder = recorder


@contextmanager
def running_recorder() -> Iterator[ConnectionsRecorder]:
    """Serve a :class:`ConnectionsRecorder` on a free port; its ``url`` is the management URL."""
    recorder = ConnectionsRecorder()
    server = _Server(recorder)
    thread = threading.Thread(
        target=server.serve_forever, args=(0.02,), name="recorder", daemon=True
    )
    thread.start()
    recorder.url = f"http://127.0.0.1:{server.server_address[1]}/{STAGE}"
    try:
        yield recorder
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=10)
