"""A stand-in for API Gateway's ``@connections`` endpoint that records what is posted.

A real HTTP server on loopback, port 0. ``POST {stage}/@connections/{id}`` is recorded and
answered 200, or 410 ``GoneException`` (as AWS answers) for ids in ``gone``. Tests wait on
``wait_for(count)`` instead of sleeping.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import unquote


class Recorder:
    def __init__(self) -> None:
        self.posts: list[tuple[str, str]] = []
        self.gone: set[str] = set()
        self._changed = threading.Condition()
        self.url = ""

    def record(self, connection_id: str, body: str) -> bool:
        with self._changed:
            if connection_id in self.gone:
                return False
            self.posts.append((connection_id, body))
            self._changed.notify_all()
            return True

    def sent_to(self, connection_id: str) -> list[str]:
        with self._changed:
            return [body for cid, body in self.posts if cid == connection_id]


def _handler(recorder: Recorder) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            length = int(self.headers.get("Content-Length", "0"))
            body = self.rfile.read(length).decode("utf-8")
            path = unquote(self.path)
            marker = "/@connections/"
            if marker not in path:
                self.send_response(404)
                self.end_headers()
                return
            connection_id = path.split(marker, 1)[1]
            if recorder.record(connection_id, body):
                self.send_response(200)
                self.send_header("Content-Length", "0")
                self.end_headers()
                return
            payload = b'{"message": "Gone"}'
            self.send_response(410)
            self.send_header("x-amzn-ErrorType", "GoneException")
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(payload)))
            self.end_headers()
            self.wfile.write(payload)

        def log_message(self, format: str, *args: object) -> None:
            return  # keep test output clean

    return Handler


@contextmanager
def recording_connections(stage: str = "test") -> Iterator[Recorder]:
    """Runs the stand-in; yields its recorder, whose ``url`` is the management endpoint."""
    recorder = Recorder()
    server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(recorder))
    thread = threading.Thread(
        target=server.serve_forever, kwargs={"poll_interval": 0.05}, name="connections",
        daemon=True,
    )
    thread.start()
    recorder.url = f"http://127.0.0.1:{server.server_address[1]}/{stage}"
    try:
        yield recorder
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=10)
