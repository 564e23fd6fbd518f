"""A download connects to the address that was checked: DNS rebinding cannot steer it inside.

Over TLS too, where the certificate is still checked and the deadline still holds."""

from __future__ import annotations

import ssl
import threading
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from threading import Thread
from typing import Any

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

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


# Over TLS: the pinned connection still checks the certificate for the host name, and its
# sliced reads still hold the deadline.

TLS_HOST = "api.eventyay.test"


def self_signed(directory: Path) -> tuple[Path, Path]:
    """A certificate for TLS_HOST and its key, as PEM files."""
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, TLS_HOST)])
    now = datetime.now(UTC)
    cert = (x509.CertificateBuilder().subject_name(name).issuer_name(name)
            .public_key(key.public_key()).serial_number(x509.random_serial_number())
            .not_valid_before(now - timedelta(days=1)).not_valid_after(now + timedelta(days=1))
            .add_extension(x509.SubjectAlternativeName([x509.DNSName(TLS_HOST)]), critical=False)
            .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
            .sign(key, hashes.SHA256()))
    cert_path, key_path = directory / "cert.pem", directory / "key.pem"
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(key.private_bytes(serialization.Encoding.PEM,
                                           serialization.PrivateFormat.PKCS8,
                                           serialization.NoEncryption()))
    return cert_path, key_path


@pytest.fixture
def tls_server(tmp_path: Path) -> Iterator[tuple[int, Path, threading.Event]]:
    """``/logo.png`` answers at once, ``/drip`` sends a byte every 0.2 s until told to stop."""
    cert_path, key_path = self_signed(tmp_path)
    stop = threading.Event()

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            body = b"logo over tls"
            self.send_response(200)
            self.send_header("Content-Length", str(1_000_000 if self.path == "/drip" else
                                                   len(body)))
            self.end_headers()
            if self.path != "/drip":
                self.wfile.write(body)
                return
            try:
                while not stop.wait(0.2):
                    self.wfile.write(b" ")
                    self.wfile.flush()
            except OSError:
                return

        def log_message(self, format: str, *args: Any) -> None:
            return None

    httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    httpd.daemon_threads = True
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(cert_path, key_path)
    httpd.socket = context.wrap_socket(httpd.socket, server_side=True)
    thread = Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield httpd.server_address[1], cert_path, stop
    stop.set()
    httpd.shutdown()
    httpd.server_close()


def test_downloads_over_tls_checking_the_certificate_for_the_host_name(
    tls_server: tuple[int, Path, threading.Event],
) -> None:
    port, cert_path, _ = tls_server
    trusting = ssl.create_default_context(cafile=str(cert_path))
    fetcher = Fetcher(Limits(), resolver=lambda host: ["127.0.0.1"], tls=trusting)
    assert fetcher.get(f"https://{TLS_HOST}:{port}/logo.png") == b"logo over tls"
    with pytest.raises(FetchError, match="CERTIFICATE_VERIFY_FAILED"):
        Fetcher(Limits(), resolver=lambda host: ["127.0.0.1"]).get(
            f"https://{TLS_HOST}:{port}/logo.png")


def test_a_dripping_tls_server_is_stopped_by_the_download_deadline(
    tls_server: tuple[int, Path, threading.Event],
) -> None:
    port, cert_path, _ = tls_server
    fetcher = Fetcher(Limits(fetch_timeout_s=0.5), resolver=lambda host: ["127.0.0.1"],
                      tls=ssl.create_default_context(cafile=str(cert_path)))
    began = time.monotonic()
    with pytest.raises(FetchError) as caught:
        fetcher.get(f"https://{TLS_HOST}:{port}/drip")
    assert str(caught.value) == "the download took longer than 1.5s"
    assert time.monotonic() - began < 1.5 + 1.0
