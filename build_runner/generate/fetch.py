"""Downloads: the documents of an Open Event API, and images an export links to.

:class:`Fetcher` does bounded GETs with ``urllib``: http(s) only, a size cap counted while
reading, at most a few redirects, never to a link-local address (the cloud metadata service),
and not to loopback or private addresses unless ``Limits.allow_private_hosts``. The address
checked is the address connected to: each connection resolves the host itself, checks every
address and connects to the first (TLS still verifies the host name), so a DNS answer that
changes between the check and the connection (rebinding) cannot steer a download inside the
network. No proxy is used: through one, the address of the real host could not be checked.

Time is bounded twice. No socket operation (connect, TLS handshake, read) waits more than
``Limits.fetch_timeout_s`` for the server, and each download as a whole ends by a wall-clock
:class:`~build_runner.generate.deadline.Deadline` (``TOTAL_TIMEOUT_FACTOR`` times that, or
sooner when the caller's deadline, the API's budget, comes first). Every blocking socket call
waits in slices of at most a quarter second; between slices the clock and ``cancelled()`` are
read, so a server sending one byte every few seconds cannot stretch a download past its
deadline, and a cancel raises :class:`BuildCancelled` within a slice. (Writing the request is
not sliced: a few hundred bytes to a fresh connection never wait.)

Failures raise :class:`FetchError` whose text says what went wrong, with the HTTP status and the
body of an error answer; 5xx, 429, timeouts and dropped connections may be retried with a
growing pause. After a few failures from one host the rest are refused at once, so a dead image
host cannot hold a build for minutes. :func:`fetch_api` reads every document of an event from
its API (:mod:`~build_runner.generate.eventyay` says which, :mod:`~build_runner.generate.jsonapi`
how they are flattened and paged).
"""

from __future__ import annotations

import errno
import functools
import http.client
import ipaddress
import math
import os
import selectors
import socket
import ssl
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, TypeVar

from build_runner.errors import ApkgenError
from build_runner.generate.deadline import Deadline, TimeUp, never_cancelled
from build_runner.generate.eventyay import (
    DOCUMENTS,
    EXAMPLE_API_URL,
    ApiDocument,
    api_base,
    document_url,
    public_page_api_url,
)
from build_runner.generate.jsonapi import (
    Collection,
    DocumentError,
    error_detail,
    flatten_jsonapi,
    is_jsonapi,
    looks_like_html,
)
from build_runner.generate.jsonload import INVALID, parse_json
from build_runner.generate.limits import (
    API_ATTEMPTS,
    API_RETRY_PAUSE_S,
    MAX_HOST_FAILURES,
    MAX_REDIRECTS,
    Limits,
    human_size,
)
from build_runner.generate.problems import Problems

USER_AGENT = "apkgen/0.1 (+Open Event app generator)"
# The whole download may take this many times the per-operation timeout.
TOTAL_TIMEOUT_FACTOR = 3
# How much of an error answer's body is kept (for the server's JSON:API error document).
ERROR_BODY_BYTES = 64 * 1024
JSON_ACCEPT = "application/vnd.api+json, application/json"
_CHUNK = 64 * 1024

Resolver = Callable[[str], list[str]]
T = TypeVar("T")


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


# The cloud metadata services (AWS IPv4 and IPv6, Alibaba), never fetched from, even where
# private addresses are allowed (a local stack).
METADATA_ADDRESSES = frozenset(ipaddress.ip_address(a) for a in (
    "169.254.169.254", "fd00:ec2::254", "100.100.100.200"))


def refusal(address: str, allow_private: bool) -> str | None:
    """Why an address must not be fetched from, or None when it may be.

    Always refused: the metadata services, link-local, multicast, unspecified and reserved
    addresses. Without ``allow_private`` also every address that is not globally reachable:
    loopback, private (RFC 1918, unique local), and the shared address space 100.64.0.0/10.
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


# Sockets that wait in slices --------------------------------------------------------------


@dataclass(frozen=True)
class _Guard:
    """How long one download's socket calls may wait: ``idle_s`` each, until ``deadline``."""

    deadline: Deadline
    idle_s: float

    def run(self, sock: socket.socket, call: Callable[[], T]) -> T:
        """``call()`` (a blocking call on ``sock``) in slices; TimeoutError after ``idle_s``
        without progress, TimeUp or BuildCancelled (from the deadline) between slices."""
        clock = self.deadline.clock
        quiet_until = clock() + self.idle_s
        while (left := quiet_until - clock()) > 0:
            sock.settimeout(self.deadline.slice(left))
            try:
                return call()
            except TimeoutError:
                continue
        raise TimeoutError("timed out")


class _GuardedSocket(socket.socket):
    """A TCP socket whose reads wait in slices under its ``guard``."""

    guard: _Guard | None = None

    def recv_into(self, buffer: Any, nbytes: int = 0, flags: int = 0) -> int:
        read = super().recv_into
        if self.guard is None:
            return read(buffer, nbytes, flags)
        return self.guard.run(self, lambda: read(buffer, nbytes, flags))


class _GuardedSSLSocket(ssl.SSLSocket):
    """:class:`_GuardedSocket` over TLS (the TLS layer keeps partial records across slices)."""

    guard: _Guard | None = None

    def recv_into(self, buffer: Any, nbytes: int | None = None, flags: int = 0) -> int:
        read = super().recv_into
        if self.guard is None:
            return read(buffer, nbytes, flags)
        return self.guard.run(self, lambda: read(buffer, nbytes, flags))


def _connect(address: str, port: int, guard: _Guard) -> _GuardedSocket:
    """A connected TCP socket to ``address`` (an IP literal), the connect itself sliced."""
    family = socket.AF_INET6 if ":" in address else socket.AF_INET
    sock = _GuardedSocket(family, socket.SOCK_STREAM)
    try:
        sock.setblocking(False)
        error = sock.connect_ex((address, port))
        if error in (errno.EINPROGRESS, errno.EWOULDBLOCK, errno.EALREADY):
            with selectors.DefaultSelector() as selector:
                selector.register(sock, selectors.EVENT_WRITE)

                def writable() -> None:
                    if not selector.select(sock.gettimeout()):
                        raise TimeoutError("timed out")

                guard.run(sock, writable)
            error = sock.getsockopt(socket.SOL_SOCKET, socket.SO_ERROR)
        if error:
            raise OSError(error, os.strerror(error))
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        sock.settimeout(max(0.01, min(guard.idle_s, guard.deadline.remaining())))
        sock.guard = guard
        return sock
    except BaseException:
        sock.close()
        raise


class _CheckedRedirects(urllib.request.HTTPRedirectHandler):
    max_redirections = MAX_REDIRECTS

    def __init__(self, check: Callable[[str], None]) -> None:
        super().__init__()
        self._check = check

    def redirect_request(self, req: urllib.request.Request, fp: Any, code: int, msg: str,
                         headers: Any, newurl: str) -> urllib.request.Request | None:
        self._check(newurl)
        return super().redirect_request(req, fp, code, msg, headers, newurl)


Pick = Callable[[str], str]


class _PinnedHTTPConnection(http.client.HTTPConnection):
    """Connects to the address ``pick(host)`` checked, not to what the host resolves to later."""

    def __init__(self, *args: Any, pick: Pick, guard: _Guard, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._pick = pick
        self._guard = guard

    def connect(self) -> None:
        self.sock = _connect(self._pick(self.host), self.port, self._guard)


class _PinnedHTTPSConnection(http.client.HTTPSConnection):
    """:class:`_PinnedHTTPConnection` for https: the certificate is checked for the host name."""

    def __init__(self, *args: Any, pick: Pick, guard: _Guard, tls: ssl.SSLContext,
                 **kwargs: Any) -> None:
        super().__init__(*args, context=tls, **kwargs)
        self._pick = pick
        self._guard = guard
        self._tls = tls

    def connect(self) -> None:
        sock = _connect(self._pick(self.host), self.port, self._guard)
        try:
            tls = self._tls.wrap_socket(sock, server_hostname=self.host,
                                            do_handshake_on_connect=False)
        except BaseException:
            sock.close()
            raise
        try:
            self._guard.run(tls, tls.do_handshake)
            if isinstance(tls, _GuardedSSLSocket):
                tls.guard = self._guard
            tls.settimeout(max(0.01, min(self._guard.idle_s, self._guard.deadline.remaining())))
        except BaseException:
            tls.close()
            raise
        self.sock = tls


class _PinnedHTTPHandler(urllib.request.HTTPHandler):
    def __init__(self, pick: Pick, guard: _Guard) -> None:
        super().__init__()
        self._connection = functools.partial(_PinnedHTTPConnection, pick=pick, guard=guard)

    def http_open(self, req: urllib.request.Request) -> http.client.HTTPResponse:
        return self.do_open(self._connection, req)


class _PinnedHTTPSHandler(urllib.request.HTTPSHandler):
    def __init__(self, pick: Pick, guard: _Guard, context: ssl.SSLContext) -> None:
        super().__init__()
        self._connection = functools.partial(_PinnedHTTPSConnection, pick=pick, guard=guard,
                                             tls=context)

    def https_open(self, req: urllib.request.Request) -> http.client.HTTPResponse:
        return self.do_open(self._connection, req)


def _tls_context(context: ssl.SSLContext | None) -> ssl.SSLContext:
    context = context or ssl.create_default_context()
    context.sslsocket_class = _GuardedSSLSocket
    context.set_alpn_protocols(["http/1.1"])
    return context


# The fetcher -------------------------------------------------------------------------------


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
        self._tls = _tls_context(tls)
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
        guard = _Guard(limit, timeout)
        opener = urllib.request.build_opener(
            urllib.request.ProxyHandler({}),
            _PinnedHTTPHandler(self.address_for, guard),
            _PinnedHTTPSHandler(self.address_for, guard, self._tls),
            _CheckedRedirects(self.check_url),
        )
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


# The event's API -----------------------------------------------------------------------------


class _Unreadable(Exception):
    """One document failed at ``url``; ``reason`` says why, ``cause`` is the error."""

    def __init__(self, url: str, reason: str, cause: Exception, html: bool = False) -> None:
        super().__init__(reason)
        self.url = url
        self.reason = reason
        self.cause = cause
        self.html = html


def _page(fetcher: Fetcher, url: str, budget: Deadline, limits: Limits) -> Any:
    """One JSON document; :class:`_Unreadable` saying why not."""
    try:
        download = fetcher.fetch(url, limits.max_json_bytes, JSON_ACCEPT, deadline=budget,
                                 attempts=API_ATTEMPTS)
    except FetchError as exc:
        reason = str(exc)
        if exc.attempts > 1:
            reason += f" ({exc.attempts} tries)"
        if detail := error_detail(exc.body):
            reason += f"; the server says: {detail}"
        raise _Unreadable(url, reason, exc) from exc
    if looks_like_html(download.data, download.content_type):
        raise _Unreadable(url, "it sent a web page (HTML) where a JSON:API document was "
                          "expected", DocumentError("HTML"), html=True)
    scratch = Problems()
    value = parse_json(download.data, "", limits, scratch)
    if value is INVALID:
        message = scratch.errors[0].message if scratch.errors else "is not JSON"
        raise _Unreadable(url, f"the document {message}", DocumentError(message))
    return value


def _read(fetcher: Fetcher, document: ApiDocument, url: str, budget: Deadline,
          limits: Limits) -> Any:
    """The flattened document: the event's object, or every item of a list."""
    if not document.collection:
        page = _page(fetcher, url, budget, limits)
        if not is_jsonapi(page) or not isinstance(page["data"], dict):
            error = DocumentError("it is not a JSON:API resource (no \"data\" object)")
            raise _Unreadable(url, str(error), error)
        return flatten_jsonapi(page)
    pages = Collection(url, document.what, limits.max_api_items)
    while pages.next_url:
        at = pages.next_url
        try:
            pages.add(_page(fetcher, at, budget, limits))
        except DocumentError as exc:
            raise _Unreadable(at, str(exc), exc) from exc
    try:
        pages.check_complete()
    except DocumentError as exc:
        raise _Unreadable(url, str(exc), exc) from exc
    return pages.items


def _hint(document: ApiDocument, failure: _Unreadable, base: str) -> str:
    if failure.html:
        suggestion = public_page_api_url(base)
        if suggestion:
            return f"this is the event's web page; use its API URL {suggestion}"
        return f"use the event's API URL, such as {EXAMPLE_API_URL}, not a web page"
    cause = failure.cause
    if isinstance(cause, FetchError) and cause.status == 404 and document.name == "event":
        return f"check the event's id or identifier in the API URL, e.g. {EXAMPLE_API_URL}"
    if isinstance(cause, FetchError) and cause.retryable:
        return "check that the API is reachable, then try the build again"
    if isinstance(cause, FetchError) and cause.status is None:
        return f"check the API URL, e.g. {EXAMPLE_API_URL}"
    return ""


def _report_unread(documents: tuple[ApiDocument, ...], budget: Deadline,
                   problems: Problems) -> None:
    """Once the budget is spent: one error for the required documents never asked for, one
    warning for the optional ones."""
    required = [d for d in documents if d.required]
    optional = [d for d in documents if not d.required]
    if required:
        problems.error(required[0].name, "", f"not read ({', '.join(d.name for d in required)}): "
                       f"{budget.message}", hint="the server is slow or stalled; try the build "
                       "again later")
    if optional:
        problems.warning(optional[0].name, "", f"not read ({', '.join(d.name for d in optional)})"
                         f": {budget.message}; {'; '.join(d.lacks for d in optional)}")


def fetch_api(base_url: str, fetcher: Fetcher, limits: Limits,
              problems: Problems) -> dict[str, Any]:
    """Every document of the event at ``base_url``, in the shapes of a dashed-key zip export.

    ``base_url`` is ``https://host/v1/events/{id or identifier}``. The result has ``event``
    (its social links under ``social-links`` as ``{"name", "link"}``), ``sessions`` (each with
    its ``track``, ``microlocation``, ``session-type`` and ``speakers`` nested), ``speakers``,
    ``tracks``, ``microlocations``, ``session_types`` and ``sponsors``; every resource is
    ``{"id", ...attributes as the server spells them}``. Every page of every list is read
    within ``limits.api_budget_s`` in all; a list longer than ``limits.max_api_items`` is an
    error. A document that cannot be read is an error in ``problems`` naming its URL, the
    HTTP status and the server's own detail, or a warning for what the app can do without
    (sponsors, social links, session types); after the event itself fails nothing else is
    read. Raises only :class:`BuildCancelled`.
    """
    base = api_base(base_url)
    budget = fetcher.deadline(limits.api_budget_s, "reading the event from its API took "
                              f"longer than the {limits.api_budget_s:g}s allowed")
    docs: dict[str, Any] = {}
    for at, document in enumerate(DOCUMENTS):
        url = document_url(base, document)
        try:
            docs[document.name] = _read(fetcher, document, url, budget, limits)
        except _Unreadable as failure:
            message = f"cannot be read from {failure.url}: {failure.reason}"
            if document.required:
                hint = _hint(document, failure, base_url) if budget.remaining() > 0 else (
                    "the server is slow or stalled; try the build again later")
                problems.error(document.name, "", message, hint=hint)
            else:
                problems.warning(document.name, "", f"{message}; {document.lacks}")
            if document.name == "event":
                break
            if budget.remaining() <= 0:
                _report_unread(DOCUMENTS[at + 1:], budget, problems)
                break
    links = docs.pop("social-links", None)
    event = docs.get("event")
    if isinstance(event, dict) and isinstance(links, list):
        event["social-links"] = [{"name": link.get("name"), "link": link.get("link")}
                                 for link in links if isinstance(link, dict)]
    return docs
