"""A download's failures are counted per host, except refusals, which say nothing of the host."""

from __future__ import annotations

from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from threading import Thread
from typing import Any

import pytest

from build_runner.generate.fetch import Fetcher, FetchError
from build_runner.generate.limits import Limits


@pytest.fixture
def redirecting() -> Iterator[int]:
    """/bad redirects to the metadata service; /logo.png is a good answer."""

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            if self.path.startswith("/bad"):
                self.send_response(302)
                self.send_header("Location", "http://169.254.169.254/latest/meta-data/")
                self.send_header("Content-Length", "0")
                self.end_headers()
                return
            self.send_response(200)
            self.send_header("Content-Length", "4")
            self.end_headers()
            self.wfile.write(b"logo")

        def log_message(self, format: str, *args: Any) -> None:
            return None

    httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield httpd.server_address[1]
    httpd.shutdown()
    httpd.server_close()


def test_refused_redirects_count_against_their_url_not_their_host(redirecting: int) -> None:
    def resolve(host: str) -> list[str]:
        return ["169.254.169.254"] if host == "169.254.169.254" else ["127.0.0.1"]

    fetcher = Fetcher(Limits(allow_private_hosts=True), resolver=resolve)
    base = f"http://images.example.invalid:{redirecting}"
    for n in range(5):
        with pytest.raises(FetchError, match="is a cloud metadata service"):
            fetcher.get(f"{base}/bad{n}.png")
    assert fetcher.get(f"{base}/logo.png") == b"logo"
