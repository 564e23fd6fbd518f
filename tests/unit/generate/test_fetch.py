"""The pure parts of fetching: address checks, URL schemes."""

from __future__ import annotations

import pytest

from build_runner.errors import BuildCancelled
from build_runner.generate.fetch import Fetcher, FetchError, refusal
from build_runner.generate.limits import Limits


@pytest.mark.parametrize(("address", "allow_private", "reason"), [
    ("93.184.216.34", False, None),
    ("2606:2800:220:1:248:1893:25c8:1946", False, None),
    ("169.254.169.254", True, "the address 169.254.169.254 is a cloud metadata service"),
    ("fd00:ec2::254", True, "the address fd00:ec2::254 is a cloud metadata service"),
    ("100.100.100.200", True, "the address 100.100.100.200 is a cloud metadata service"),
    ("169.254.170.2", True, "the address 169.254.170.2 is not a public web server"),
    ("100.64.0.1", False, "the address 100.64.0.1 is private"),
    ("100.127.255.254", False, "the address 100.127.255.254 is private"),
    ("fd12:3456::1", False, "the address fd12:3456::1 is private"),
    ("100.64.0.1", True, None),
    ("fe80::1%eth0", True, "the address fe80::1 is not a public web server"),
    ("::ffff:169.254.169.254", True, "the address 169.254.169.254 is a cloud metadata service"),
    ("0.0.0.0", True, "the address 0.0.0.0 is not a public web server"),
    ("127.0.0.1", False, "the address 127.0.0.1 is private"),
    ("10.1.2.3", False, "the address 10.1.2.3 is private"),
    ("127.0.0.1", True, None),
    ("192.168.1.10", True, None),
])
def test_refuses_metadata_and_inner_addresses(address: str, allow_private: bool,
                                              reason: str | None) -> None:
    assert refusal(address, allow_private) == reason


def test_checks_every_address_a_host_resolves_to() -> None:
    fetcher = Fetcher(Limits(allow_private_hosts=False),
                      resolver=lambda host: ["93.184.216.34", "10.0.0.5"])
    with pytest.raises(FetchError) as caught:
        fetcher.check_url("https://example.org/logo.png")
    assert str(caught.value) == "example.org is refused: the address 10.0.0.5 is private"


@pytest.mark.parametrize(("url", "message"), [
    ("file:///etc/passwd", "only http and https addresses can be fetched, not file:"),
    ("ftp://example.org/x", "only http and https addresses can be fetched, not ftp:"),
    ("http:///nohost", "the address has no host name"),
])
def test_only_http_and_https_with_a_host_are_fetched(url: str, message: str) -> None:
    fetcher = Fetcher(Limits(), resolver=lambda host: ["93.184.216.34"])
    with pytest.raises(FetchError) as caught:
        fetcher.get(url)
    assert str(caught.value) == message


def test_a_cancelled_build_downloads_nothing() -> None:
    fetcher = Fetcher(Limits(), resolver=lambda host: ["93.184.216.34"], cancelled=lambda: True)
    with pytest.raises(BuildCancelled):
        fetcher.get("https://example.org/logo.png")
