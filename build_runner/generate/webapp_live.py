"""Where the web app may reach on the network: its event's API and that API's image hosts, or
nowhere.

Pure. An app built from an Open Event (eventyay) API knows the API's address (the model's
``config.api_link``); it refreshes its sessions from there while it is open, so its page's
Content-Security-Policy lets it connect to that one origin and load images from it (and from
the image hosts it is told), and nothing else. An app without an API gets a policy with no
``connect-src`` at all: it makes no network request whatever its data says.

:func:`live_source` reads and checks the address (None for an empty or unusable one: the app is
then offline only); :func:`content_security_policy` writes the policy for it.
"""

from __future__ import annotations

import ipaddress
import re
import urllib.parse
from collections.abc import Iterable
from dataclasses import dataclass

# The page's policy without a network: scripts and styles from the app's own files only.
BASE_POLICY = (
    "default-src 'none'",
    "script-src 'self'",
    "style-src 'self'",
)
TAIL_POLICY = ("base-uri 'none'", "form-action 'none'")
_HOST_LABEL = re.compile(r"(?!-)[A-Za-z0-9-]{1,63}(?<!-)")
MAX_URL_LENGTH = 2000


@dataclass(frozen=True)
class LiveSource:
    """The event's API (``https://api.eventyay.com/v1/events/b8324ae2``, no query or trailing
    slash), its origin, and the other origins its images may come from."""

    api: str
    origin: str
    image_origins: tuple[str, ...] = ()


def origin_of(url: str) -> str | None:
    """``https://api.example.org:8443`` of an absolute http(s) URL; None for anything else.

    A URL with a user name or password, an empty or malformed host, or characters that could
    end an HTML attribute or a CSP directive (quotes, spaces, ``;``, ``,``) has no origin here.
    """
    text = url.strip()
    if not text or len(text) > MAX_URL_LENGTH or re.search(r"[\s\"'<>;,\\`]", text):
        return None
    try:
        parts = urllib.parse.urlsplit(text)
        port = parts.port
    except ValueError:
        return None
    scheme = parts.scheme.lower()
    host = (parts.hostname or "").lower()
    if scheme not in ("http", "https") or not host or "@" in parts.netloc:
        return None
    try:
        address = ipaddress.ip_address(host)
    except ValueError:
        labels = host.rstrip(".").split(".")
        if not all(_HOST_LABEL.fullmatch(label) for label in labels):
            return None
        shown = host.rstrip(".")
    else:
        shown = f"[{address}]" if address.version == 6 else str(address)
    default = {"http": 80, "https": 443}[scheme]
    return f"{scheme}://{shown}" + (f":{port}" if port is not None and port != default else "")


def live_source(api_link: str, image_origins: Iterable[str] = ()) -> LiveSource | None:
    """The API the app refreshes from, or None when ``api_link`` is empty or not an http(s)
    URL (the app is then offline only). ``image_origins`` that are not http(s) origins are
    dropped; the API's own origin is always one."""
    origin = origin_of(api_link)
    if origin is None:
        return None
    parts = urllib.parse.urlsplit(api_link.strip())
    api = origin + parts.path.rstrip("/")
    images = [origin]
    for candidate in image_origins:
        found = origin_of(candidate)
        if found is not None and found not in images:
            images.append(found)
    return LiveSource(api=api, origin=origin, image_origins=tuple(images))


def content_security_policy(live: LiveSource | None) -> str:
    """The page's policy: its own files only, plus the API's origin when it has one."""
    images = ["img-src 'self' data:", *(live.image_origins if live else ())]
    directives = [*BASE_POLICY, " ".join(images)]
    if live is not None:
        directives.append(f"connect-src {live.origin}")
    return "; ".join([*directives, *TAIL_POLICY])
