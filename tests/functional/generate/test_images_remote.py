"""Remote images share one wall-clock budget: a dripping image host cannot hold a build."""

from __future__ import annotations

import json
import threading
import time
import zipfile
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest

from build_runner.generate.fetch import Fetcher
from build_runner.generate.limits import Limits
from build_runner.generate.source import load_event
from build_runner.logs import BuildLog


@pytest.fixture
def drip() -> Iterator[tuple[int, threading.Event]]:
    """Answers 200 with a large Content-Length, then one byte every half second."""
    stop = threading.Event()

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            self.send_response(200)
            self.send_header("Content-Type", "image/png")
            self.send_header("Content-Length", "100000")
            self.end_headers()
            while not stop.wait(0.5):
                try:
                    self.wfile.write(b"\x89")
                    self.wfile.flush()
                except OSError:
                    return

        def log_message(self, format: str, *args: Any) -> None:
            return None

    httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    httpd.daemon_threads = True
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield httpd.server_address[1], stop
    stop.set()
    httpd.shutdown()
    httpd.server_close()


def test_dripping_image_hosts_stop_at_the_images_budget(drip: tuple[int, threading.Event],
                                                        tmp_path: Path) -> None:
    port, _ = drip
    speakers = [{"id": i, "name": f"Speaker {i}",
                 "photo-url": f"http://host{i}.example.invalid:{port}/p.png"} for i in range(4)]
    event = {"id": 1, "name": "Drip Camp", "starts-at": "2024-05-01T09:00:00+00:00",
             "ends-at": "2024-05-01T18:00:00+00:00", "timezone": "UTC"}
    sessions = [{"id": 1, "title": "Talk", "starts-at": "2024-05-01T10:00:00+00:00",
                 "ends-at": "2024-05-01T11:00:00+00:00", "speakers": [0, 1, 2, 3]}]
    upload = tmp_path / "export.zip"
    with zipfile.ZipFile(upload, "w") as archive:
        for name, doc in (("event", event), ("sessions", sessions), ("speakers", speakers)):
            archive.writestr(name, json.dumps(doc))
    limits = Limits(fetch_timeout_s=20, images_budget_s=1.5)
    fetcher = Fetcher(limits, resolver=lambda host: ["127.0.0.1"])
    started = time.monotonic()
    loaded = load_event(upload, tmp_path / "w", tmp_path / "w" / "a", BuildLog(), limits,
                        fetcher=fetcher)
    took = time.monotonic() - started
    assert took < 1.5 + 1.0  # without the budget: 4 images × 60 s each
    assert [s.photo for s in loaded.model.speakers] == [None] * 4
    assert all("took longer than 1.5s" in w.message for w in loaded.problems.warnings)
    assert len(loaded.problems.warnings) == 4
