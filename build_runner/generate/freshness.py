"""Whether a cached image answer may be reused, and how to ask the host whether it still holds.

Pure: response headers and the time in, :class:`Validators` out (a subset of RFC 9111 for a
shared cache that never serves a stale answer). An answer is stored unless the host forbids it
(``Cache-Control: no-store`` or ``private``: the runner's cache serves every organizer). It is
fresh, and reused without a request, until ``max-age`` / ``s-maxage`` (or ``Expires``, taken
relative to the host's ``Date``) says, never longer than ``max_fresh_s``; ``no-cache`` or no
expiry at all means it is asked again on every use. Asking again sends ``If-None-Match`` (the
``ETag``) and ``If-Modified-Since`` (the ``Last-Modified``) as the host sent them; a 304 keeps
the stored bytes, with whatever new validators and freshness the 304 carries.
"""

from __future__ import annotations

import email.utils
from collections.abc import Sequence
from dataclasses import dataclass

Headers = Sequence[tuple[str, str]]


@dataclass(frozen=True)
class Validators:
    """What a stored answer carries: its ``etag`` and ``last_modified`` as the host sent them
    (None when it sent none), and until when (seconds since the epoch) it is fresh."""

    etag: str | None = None
    last_modified: str | None = None
    fresh_until: float = 0.0

    @property
    def revalidatable(self) -> bool:
        """Whether the host can be asked whether the answer still holds (it sent a validator)."""
        return bool(self.etag or self.last_modified)

    def fresh(self, now: float) -> bool:
        """Whether the answer may be reused at ``now`` without asking the host."""
        return now < self.fresh_until

    def worth_storing(self, now: float) -> bool:
        """Whether a later build can reuse it at all: fresh for a while, or revalidatable."""
        return self.revalidatable or self.fresh(now)


def header(headers: Headers, name: str) -> str | None:
    """The first value of header ``name`` (any case), stripped; None when absent or empty."""
    lowered = name.lower()
    for key, value in headers:
        if key.lower() == lowered and value.strip():
            return value.strip()
    return None


def directives(headers: Headers) -> dict[str, str]:
    """Every ``Cache-Control`` directive, lower-cased name → value (``""`` without one)."""
    found: dict[str, str] = {}
    for key, value in headers:
        if key.lower() != "cache-control":
            continue
        for part in value.split(","):
            name, _, argument = part.strip().partition("=")
            if name:
                found.setdefault(name.strip().lower(), argument.strip().strip('"'))
    return found


def _seconds(value: str | None) -> float | None:
    if value is None or not value.isdigit():
        return None
    return float(value)


def _http_date(value: str | None) -> float | None:
    if value is None:
        return None
    try:
        return email.utils.parsedate_to_datetime(value).timestamp()
    except (TypeError, ValueError, IndexError, OverflowError):
        return None


def lifetime(headers: Headers) -> float:
    """How many seconds from now the answer is fresh by its headers (0: ask again each time)."""
    control = directives(headers)
    if "no-cache" in control:
        return 0.0
    for name in ("s-maxage", "max-age"):
        if name in control:
            return _seconds(control[name]) or 0.0
    expires = _http_date(header(headers, "Expires"))
    if expires is None:
        return 0.0  # no expiry, or an invalid one ("0", "-1"): already stale
    sent = _http_date(header(headers, "Date"))
    return max(0.0, expires - sent) if sent is not None else 0.0


def from_answer(headers: Headers, now: float, max_fresh_s: float) -> Validators | None:
    """The validators of a 200 answer received at ``now``; None when it must not be stored."""
    control = directives(headers)
    if "no-store" in control or "private" in control:
        return None
    return Validators(header(headers, "ETag"), header(headers, "Last-Modified"),
                      now + min(lifetime(headers), max_fresh_s))


def after_not_modified(stored: Validators, headers: Headers, now: float,
                       max_fresh_s: float) -> Validators | None:
    """The stored answer's validators after a 304 at ``now`` (which may update them); None
    when the 304 says the answer must not be stored any more."""
    control = directives(headers)
    if "no-store" in control or "private" in control:
        return None
    return Validators(header(headers, "ETag") or stored.etag,
                      header(headers, "Last-Modified") or stored.last_modified,
                      now + min(lifetime(headers), max_fresh_s))


def conditional_headers(stored: Validators) -> dict[str, str]:
    """The request headers that ask whether ``stored`` still holds (empty: it cannot be asked)."""
    asked: dict[str, str] = {}
    if stored.etag:
        asked["If-None-Match"] = stored.etag
    if stored.last_modified:
        asked["If-Modified-Since"] = stored.last_modified
    return asked
