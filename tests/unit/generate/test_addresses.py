"""Which addresses a download may reach: never the metadata services, inner ones on request."""

from __future__ import annotations

import pytest

from build_runner.generate.addresses import refusal


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
