"""What a download checks before it connects: every address, the scheme, the build's cancel."""

from __future__ import annotations

import pytest

from build_runner.errors import BuildCancelled
from build_runner.generate.fetch import Fetcher, FetchError
from build_runner.generate.limits import Limits


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
