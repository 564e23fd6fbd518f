"""A local image host for the images step's tests: answers for any host name, counting.

Every request is recorded (host, path, headers) and counted in flight per host while it is
answered. Paths:

- ``/photo/…`` a PNG, with this host's validators (``etag``, ``last_modified``,
  ``cache_control``); a conditional request whose validator matches gets a 304.
- ``/page/…`` an HTML page (not an image), with an ETag.
- ``/meta/…`` a redirect to the cloud metadata service.
- ``/chain/N/COUNT`` a 404, sent only after ``/chain/N+1/COUNT`` was (answers end in
  reverse order).

A request to a host in ``failing`` gets a 503. A request waits before it is answered until its
host has ``hold_host_at`` requests in flight, or all hosts together ``hold_total_at``, or
``release`` is set, or ``hold_s`` passes: that is how the tests see downloads overlap.
"""

from __future__ import annotations

import io
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from PIL import Image

from build_runner.generate.normalize import Normalized, normalize
from build_runner.generate.problems import Problems


def png(color: tuple[int, int, int] = (200, 30, 30), side: int = 64) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (side, side), color).save(out, format="PNG")
    return out.getvalue()


@dataclass
class ImageHost:
    port: int = 0
    body: bytes = field(default_factory=png)
    etag: str | None = None
    last_modified: str | None = None
    cache_control: str | None = None
    failing: set[str] = field(default_factory=set)
    hold_host_at: int = 0
    hold_total_at: int = 0
    hold_s: float = 0.0
    release: threading.Event = field(default_factory=threading.Event)
    requests: list[tuple[str, str, dict[str, str]]] = field(default_factory=list)
    statuses: list[int] = field(default_factory=list)
    in_flight: dict[str, int] = field(default_factory=dict)
    peak: dict[str, int] = field(default_factory=dict)
    peak_total: int = 0
    changed: threading.Condition = field(default_factory=threading.Condition)
    chain_done: dict[int, threading.Event] = field(default_factory=dict)

    def url(self, host: str, path: str) -> str:
        return f"http://{host}:{self.port}{path}"

    def hosts_asked(self) -> list[str]:
        return [host for host, _, _ in self.requests]

    def wait_for_in_flight(self, count: int, timeout: float = 10.0) -> bool:
        with self.changed:
            return self.changed.wait_for(lambda: sum(self.in_flight.values()) >= count, timeout)

    def _chain(self, number: int) -> threading.Event:
        with self.changed:
            return self.chain_done.setdefault(number, threading.Event())

    def answer(self, handler: BaseHTTPRequestHandler) -> None:
        host = (handler.headers.get("Host") or "").rsplit(":", 1)[0]
        with self.changed:
            self.requests.append((host, handler.path, dict(handler.headers.items())))
            self.in_flight[host] = self.in_flight.get(host, 0) + 1
            self.peak[host] = max(self.peak.get(host, 0), self.in_flight[host])
            self.peak_total = max(self.peak_total, sum(self.in_flight.values()))
            self.changed.notify_all()
            self.changed.wait_for(lambda: self.release.is_set() or (
                self.hold_host_at and self.in_flight[host] >= self.hold_host_at) or (
                self.hold_total_at and sum(self.in_flight.values()) >= self.hold_total_at),
                self.hold_s)
        try:
            self._respond(handler, host)
        finally:
            with self.changed:
                self.in_flight[host] -= 1
                self.changed.notify_all()

    def _respond(self, handler: BaseHTTPRequestHandler, host: str) -> None:
        path = handler.path
        if host in self.failing:
            return self._send(handler, 503, b"down", "text/plain", {})
        if path.startswith("/meta/"):
            return self._send(handler, 302, b"", "text/plain",
                              {"Location": "http://169.254.169.254/latest/meta-data/"})
        if path.startswith("/page/"):
            return self._send(handler, 200, b"<html>not an image</html>", "text/html",
                              {"ETag": '"page"'})
        if path.startswith("/chain/"):
            number, count = (int(part) for part in path.split("/")[2:4])
            if number + 1 < count:
                self._chain(number + 1).wait(10)
            self._send(handler, 404, b"gone", "text/plain", {})
            self._chain(number).set()
            return None
        validators = {name: value for name, value in (
            ("ETag", self.etag), ("Last-Modified", self.last_modified),
            ("Cache-Control", self.cache_control)) if value}
        asked_etag = handler.headers.get("If-None-Match")
        asked_date = handler.headers.get("If-Modified-Since")
        if (self.etag and asked_etag == self.etag) or (
                self.last_modified and asked_date == self.last_modified):
            return self._send(handler, 304, b"", "", validators)
        return self._send(handler, 200, self.body, "image/png", validators)

    def _send(self, handler: BaseHTTPRequestHandler, status: int, body: bytes,
              content_type: str, headers: dict[str, str]) -> None:
        with self.changed:
            self.statuses.append(status)
        handler.send_response(status)
        for name, value in headers.items():
            handler.send_header(name, value)
        if content_type:
            handler.send_header("Content-Type", content_type)
        if status != 304:
            handler.send_header("Content-Length", str(len(body)))
        handler.end_headers()
        handler.wfile.write(body)


@contextmanager
def serving(host: ImageHost | None = None) -> Iterator[ImageHost]:
    """``host`` (a new one by default) answering on 127.0.0.1, its port set."""
    image_host = host or ImageHost()

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            image_host.answer(self)

        def log_message(self, format: str, *args: Any) -> None:
            return None

    httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    httpd.daemon_threads = True
    image_host.port = httpd.server_address[1]
    # A short poll: shutting the server down at the end of a test waits for one.
    thread = threading.Thread(target=httpd.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    try:
        yield image_host
    finally:
        image_host.release.set()
        with image_host.changed:
            image_host.changed.notify_all()
        httpd.shutdown()
        httpd.server_close()


def with_photos(urls: list[str]) -> Normalized:
    """An event whose speakers ``0…n-1`` have these photo URLs, normalized."""
    docs: dict[str, Any] = {
        "event": {"id": 1, "name": "Photo Camp", "starts-at": "2024-05-01T09:00:00+00:00",
                  "ends-at": "2024-05-01T18:00:00+00:00", "timezone": "UTC"},
        "sessions": [{"id": 1, "title": "All", "starts-at": "2024-05-01T10:00:00+00:00",
                      "ends-at": "2024-05-01T11:00:00+00:00",
                      "speakers": list(range(len(urls)))}],
        "speakers": [{"id": n, "name": f"Speaker {n}", "photo-url": url}
                     for n, url in enumerate(urls)],
    }
    problems = Problems()
    normalized = normalize(docs, problems)
    assert not problems.errors and len(normalized.images) == len(urls)
    return normalized
