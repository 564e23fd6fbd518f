"""Downloads: bounded GETs for an event's API documents and the images an export links to.

:class:`Fetcher` does bounded GETs with ``urllib``: http(s) only, a size cap counted while
reading, at most a few redirects, never to an address :mod:`~build_runner.generate.addresses`
refuses (the cloud metadata service always; loopback and private addresses unless
``Limits.allow_private_hosts``). The address checked is the address connected to: the
connections of :mod:`~build_runner.generate.transport` ask the fetcher for the address, which
resolves the host, checks every address and hands back the first (TLS still verifies the host
name), so a DNS answer that changes between the check and the connection cannot steer a
download inside the network.

Time is bounded twice. No socket operation (connect, TLS handshake, read) waits more than
``Limits.fetch_timeout_s`` for the server, and each download as a whole ends by a wall-clock
:class:`~build_runner.generate.deadline.Deadline` (``TOTAL_TIMEOUT_FACTOR`` times that, or
sooner when the caller's deadline, the API's budget, comes first); a cancel raises
:class:`BuildCancelled` within a quarter second (see :mod:`~build_runner.generate.transport`).

Failures raise :class:`FetchError` whose text says what went wrong, with the HTTP status and the
body of an error answer; 5xx, 429, timeouts and dropped connections may be retried with a
growing pause. After a few failures from one host the rest are refused at once, so a dead image
host cannot hold a build for minutes. :mod:`~build_runner.generate.eventapi` reads an event's
documents with it.
"""

from __future__ import annotations

import http.client
import math
import socket
import ssl
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass

from build_runner.errors import ApkgenError
from build_runner.generate.addresses import refusal
from build_runner.generate.deadline import Deadline, TimeUp, never_cancelled
from build_runner.generate.limits import (
    API_RETRY_PAUSE_S,
    MAX_HOST_FAILURES,
    Limits,
    human_size,
)
from build_runner.generate.transport import Guard, build_opener, tls_context

USER_AGENT = "apkgen/0.1 (+Open Event app generator)"
# The whole download may take this many times the per-operation timeout.
TOTAL_TIMEOUT_FACTOR = 3
# How much of an error answer's body is kept (for the server's JSON:API error document).
ERROR_BODY_BYTES = 64 * 1024
_CHUNK = 64 * 1024

Resolver = Callable[[str], list[str]]


class FetchError(ApkgenError):
    """A download failed; the text says why (``timed out after 10s``, ``HTTP 404``…).

    ``status`` is the HTTP status of an error answer and ``body`` the start of its body;
    ``retryable`` says whether trying again may help (5xx, 429, timeouts, dropped connections);
    ``attempts`` how many tries were made; ``refused`` that the address itself may not be
    fetched (it says nothing about the host's health). Never leaves the input side: it becomes a
    problem about the file or field that needed it.
    """

    def __init__(self, message: str, status: int | None = None, *, retryable: bool = False,
                 body: bytes = b"", refused: bool = False) -> None:
        super().__init__(message)
        self.status = status
        self.retryable = retryable
        self.body = body
        self.refused = refused
        self.attempts = 1


def resolve_host(host: str) -> list[str]:
    """Every address ``host`` resolves to (the default resolver)."""
    try:
        infos = socket.getaddrinfo(host, None, proto=socket.IPPROTO_TCP)
    except (socket.gaierror, UnicodeError) as exc:
        raise FetchError(f"the host {host} cannot be resolved") from exc
    return sorted({str(info[4][0]) for info in infos})


@dataclass(frozen=True)
class Download:
    """What a GET brought: the final ``url`` (after redirects), the content type, the body."""

    url: str
    content_type: str
    data: bytes


class Fetcher:
    """Bounded GETs, one at a time (not thread-safe).

    ``resolver`` is injectable so tests can point names at loopback; ``cancelled`` is the
    build's cancel check, polled while downloads wait; ``clock`` and ``sleep`` drive deadlines
    and retry pauses; ``tls`` replaces the default TLS context (tests trust their own CA).
    """

    def __init__(self, limits: Limits, resolver: Resolver = resolve_host,
                 clock: Callable[[], float] = time.monotonic, *,
                 cancelled: Callable[[], bool] = never_cancelled,
                 sleep: Callable[[float], None] = time.sleep,
                 tls: ssl.SSLContext | None = None) -> None:
        self._limits = limits
        self._resolver = resolver
        self._clock = clock
        self._cancelled = cancelled
        self._sleep = sleep
        self._tls = tls_context(tls)
        self._failures: dict[str, int] = {}

    def check_url(self, url: str) -> None:
        """Refuse what may not be fetched: other schemes, hosts that resolve to inner addresses."""
        parts = urllib.parse.urlsplit(url)
        if parts.scheme not in ("http", "https"):
            raise FetchError(f"only http and https addresses can be fetched, not {parts.scheme}:",
                             refused=True)
        if not parts.hostname:
            raise FetchError("the address has no host name", refused=True)
        self.address_for(parts.hostname)

    def address_for(self, host: str) -> str:
        """The address to connect to for ``host``: it resolves now, every address it resolves
        to must be allowed (else :class:`FetchError` says which is not), the first is used."""
        addresses = self._resolver(host.strip("[]"))
        if not addresses:
            raise FetchError(f"the host {host} cannot be resolved")
        for address in addresses:
            reason = refusal(address, self._limits.allow_private_hosts)
            if reason:
                raise FetchError(f"{host} is refused: {reason}", refused=True)
        return addresses[0]

    def deadline(self, seconds: float, message: str) -> Deadline:
        """A deadline ``seconds`` from now on this fetcher's clock, with its cancel check."""
        return Deadline.after(seconds, message, self._cancelled, self._clock)

    def get(self, url: str, max_bytes: int | None = None, accept: str = "*/*", *,
            deadline: Deadline | None = None) -> bytes:
        """The body of ``url`` (at most ``max_bytes``); see :meth:`fetch`."""
        return self.fetch(url, max_bytes, accept, deadline=deadline).data

    def fetch(self, url: str, max_bytes: int | None = None, accept: str = "*/*", *,
              deadline: Deadline | None = None, attempts: int = 1) -> Download:
        """Download ``url`` (at most ``max_bytes``), trying up to ``attempts`` times.

        Each try ends by its own wall-clock limit or ``deadline``, whichever comes first; a
        retryable failure is tried again after a pause (0.5 s, doubling) while ``deadline``
        leaves time for it. Raises :class:`FetchError` saying why not (``attempts`` set),
        :class:`BuildCancelled` as soon as ``cancelled()`` says so.
        """
        cap = min(max_bytes or self._limits.max_fetch_bytes, self._limits.max_fetch_bytes)
        host = urllib.parse.urlsplit(url).hostname or ""
        if self._failures.get(host, 0) >= MAX_HOST_FAILURES:
            raise FetchError(f"skipped: {MAX_HOST_FAILURES} earlier downloads from {host} failed")
        outer = deadline or self.deadline(math.inf, "")
        tries = 0
        while True:
            tries += 1
            try:
                download = self._once(url, cap, accept, outer)
            except FetchError as exc:
                exc.attempts = tries
                if exc.retryable and tries < attempts:
                    try:
                        outer.pause(API_RETRY_PAUSE_S * 2 ** (tries - 1), self._sleep)
                        continue
                    except TimeUp:
                        pass  # no time left for another try: this failure is the answer
                if not exc.refused and (exc.status is None or exc.status >= 500):
                    self._failures[host] = self._failures.get(host, 0) + 1
                raise
            self._failures[host] = 0
            return download

    def _once(self, url: str, cap: int, accept: str, outer: Deadline) -> Download:
        timeout = self._limits.fetch_timeout_s
        try:
            outer.check()
        except TimeUp as exc:
            raise FetchError(str(exc)) from exc
        self.check_url(url)
        limit = outer.within(timeout * TOTAL_TIMEOUT_FACTOR, f"the download took longer than "
                             f"{timeout * TOTAL_TIMEOUT_FACTOR:g}s")
        opener = build_opener(self.address_for, self.check_url, Guard(limit, timeout),
                              self._tls)
        request = urllib.request.Request(url, headers={"User-Agent": USER_AGENT,
                                                       "Accept": accept})
        try:
            with opener.open(request, timeout=timeout) as response:
                declared = response.headers.get("Content-Length")
                if declared and declared.isdigit() and int(declared) > cap:
                    raise FetchError(f"the server sends {human_size(int(declared))}, more than "
                                     f"the {human_size(cap)} allowed")
                chunks: list[bytes] = []
                size = 0
                while chunk := response.read(_CHUNK):
                    size += len(chunk)
                    if size > cap:
                        raise FetchError(f"the download is larger than the {human_size(cap)} "
                                         "allowed")
                    chunks.append(chunk)
                return Download(response.geturl(), response.headers.get_content_type(),
                                b"".join(chunks))
        except urllib.error.HTTPError as exc:
            body = _error_body(exc)
            raise FetchError(f"the server answered HTTP {exc.code} {exc.reason}",
                             status=exc.code, retryable=exc.code >= 500 or exc.code == 429,
                             body=body) from exc
        except TimeUp as exc:
            # The download's own limit may be tried again; the caller's deadline may not.
            raise FetchError(str(exc), retryable=outer.remaining() > 0) from exc
        except urllib.error.URLError as exc:
            reason = exc.reason
            if isinstance(reason, FetchError):
                raise reason from exc
            if isinstance(reason, TimeoutError):
                raise FetchError(f"timed out after {timeout:g}s", retryable=True) from exc
            raise FetchError(f"cannot connect: {reason}", retryable=True) from exc
        except TimeoutError as exc:
            raise FetchError(f"timed out after {timeout:g}s", retryable=True) from exc
        except (OSError, http.client.HTTPException) as exc:
            raise FetchError(f"the download failed: {exc or type(exc).__name__}",
                             retryable=True) from exc
        except ValueError as exc:
            raise FetchError(f"the download failed: {exc}") from exc


def _error_body(answer: urllib.error.HTTPError) -> bytes:
    """The start of an error answer's body (where a JSON:API server explains itself)."""
    try:
        return answer.read(ERROR_BODY_BYTES) or b""
    except (OSError, http.client.HTTPException, ValueError):
        return b""
    finally:
        answer.close()
