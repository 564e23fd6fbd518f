"""A download connects to the address that was checked: DNS rebinding cannot steer it inside."""

from __future__ import annotations

from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from threading import Thread
from typing import Any

import pytest

from build_runner.generate.fetch import Fetcher, FetchError
from build_runner.generate.limits import Limits


@pytest.fixture
def server() -> Iterator[tuple[int, list[str]]]:
    hosts: list[str] = []

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            hosts.append(self.headers["Host"])
            body = b"logo bytes"
            self.send_response(200)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, format: str, *args: Any) -> None:
            return None

    httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield httpd.server_address[1], hosts
    httpd.shutdown()
    httpd.server_close()


class Rebinding:
    """A DNS that answers a public address first, then the address the attacker wants."""

    def __init__(self, *answers: list[str]) -> None:
        self.answers = list(answers)
        self.asked: list[str] = []

    def __call__(self, host: str) -> list[str]:
        self.asked.append(host)
        return self.answers.pop(0) if len(self.answers) > 1 else self.answers[0]


def test_connects_to_the_address_the_resolver_gave_and_sends_the_real_host_name(
    server: tuple[int, list[str]],
) -> None:
    port, hosts = server
    fetcher = Fetcher(Limits(allow_private_hosts=True), resolver=lambda host: ["127.0.0.1"])
    # images.example.invalid resolves nowhere but through the fetcher's own resolver.
    assert fetcher.get(f"http://images.example.invalid:{port}/logo.png") == b"logo bytes"
    assert hosts == [f"images.example.invalid:{port}"]


def test_a_host_that_rebinds_to_an_inner_address_after_the_check_is_refused(
    server: tuple[int, list[str]],
) -> None:
    port, hosts = server
    dns = Rebinding(["93.184.216.34"], ["127.0.0.1"])
    fetcher = Fetcher(Limits(allow_private_hosts=False), resolver=dns)
    with pytest.raises(FetchError) as caught:
        fetcher.get(f"http://rebind.invalid:{port}/latest/meta-data")
    assert str(caught.value) == "rebind.invalid is refused: the address 127.0.0.1 is private"
    assert len(dns.asked) == 2  # checked, then resolved again by the connection itself
    assert hosts == []  # nothing reached the inner server
