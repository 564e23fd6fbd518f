"""Which network addresses a download may reach.

Pure: an IP address in, the reason it is refused (or None) out. Never reached: the cloud
metadata services, link-local, multicast, unspecified and reserved addresses. Loopback, private
(RFC 1918, unique local) and shared (100.64.0.0/10) addresses are reached only where
``Limits.allow_private_hosts`` says so (a local stack). The
:class:`~build_runner.generate.fetch.Fetcher` applies this to every address a host resolves to,
and so to the address each connection is made to.
"""

from __future__ import annotations

import ipaddress

# The cloud metadata services (AWS IPv4 and IPv6, Alibaba), never fetched from, even where
# private addresses are allowed (a local stack).
METADATA_ADDRESSES = frozenset(ipaddress.ip_address(a) for a in (
    "169.254.169.254", "fd00:ec2::254", "100.100.100.200"))


def refusal(address: str, allow_private: bool) -> str | None:
    """Why an address must not be fetched from, or None when it may be.

    Always refused: the metadata services, link-local, multicast, unspecified and reserved
    addresses. Without ``allow_private`` also every address that is not globally reachable:
    loopback, private (RFC 1918, unique local), and the shared address space 100.64.0.0/10.
    An IPv4-mapped IPv6 address is judged as the IPv4 address it carries; a zone
    (``fe80::1%eth0``) is ignored.
    """
    ip = ipaddress.ip_address(address.split("%", 1)[0])
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    if ip in METADATA_ADDRESSES:
        return f"the address {ip} is a cloud metadata service"
    if ip.is_link_local or ip.is_multicast or ip.is_unspecified or ip.is_reserved:
        return f"the address {ip} is not a public web server"
    if not allow_private and (ip.is_loopback or ip.is_private or not ip.is_global):
        return f"the address {ip} is private"
    return None
