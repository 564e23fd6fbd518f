"""Downloads: the documents of an Open Event API, and images an export links to.

:class:`Fetcher` does one bounded GET with ``urllib``: http(s) only, a timeout on every socket
operation and on the whole download, a size cap counted while reading, at most a few redirects,
never to a link-local address (the cloud metadata service), and not to loopback or private
addresses unless ``Limits.allow_private_hosts``. The address checked is the address connected
to: each connection resolves the host itself, checks every address and connects to the first
(TLS still verifies the host name), so a DNS answer that changes between the check and the
connection (rebinding) cannot steer a download inside the network. No proxy is used: through
one, the address of the real host could not be checked. Failures raise :class:`FetchError`
whose text says what went wrong; after a few failures from one host the rest are refused at
once, so a dead image host cannot hold a build for minutes.

:func:`flatten_jsonapi` (pure) turns a JSON:API document into the plain shapes of an export, and
:func:`fetch_api` reads every document of an event from an API base URL.
"""

from __future__ import annotations

import functools
import http.client
import ipaddress
import socket
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Callable
from typing import Any

from build_runner.errors import ApkgenError
from build_runner.generate.jsonload import INVALID, parse_json
from build_runner.generate.limits import (
    MAX_API_PAGES,
    MAX_HOST_FAILURES,
    MAX_REDIRECTS,
    Limits,
    human_size,
)
from build_runner.generate.problems import Problems

USER_AGENT = "apkgen/0.1 (+Open Event app generator)"
# The whole download may take this many times the per-operation timeout.
TOTAL_TIMEOUT_FACTOR = 3
_CHUNK = 64 * 1024

Resolver = Callable[[str], list[str]]


class FetchError(ApkgenError):
    """A download failed; the text says why (``timed out after 10s``, ``HTTP 404``…).

    Never leaves the input side: it becomes a problem about the file or field that needed it.
    """

    def __init__(self, message: str, status: int | None = None) -> None:
        super().__init__(message)
        self.status = status


def resolve_host(host: str) -> list[str]:
    """Every address ``host`` resolves to (the default resolver)."""
    try:
        infos = socket.getaddrinfo(host, None, proto=socket.IPPROTO_TCP)
    except (socket.gaierror, UnicodeError) as exc:
        raise FetchError(f"the host {host} cannot be resolved") from exc
    return sorted({str(info[4][0]) for info in infos})


def refusal(address: str, allow_private: bool) -> str | None:
    """Why an address must not be fetched from, or None when it may be."""
    ip = ipaddress.ip_address(address.split("%", 1)[0])
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    if ip.is_link_local or ip.is_multicast or ip.is_unspecified or ip.is_reserved:
        return f"the address {ip} is not a public web server"
    if not allow_private and (ip.is_loopback or ip.is_private):
        return f"the address {ip} is private"
    return None


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

    def __init__(self, *args: Any, pick: Pick, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._pick = pick

    def connect(self) -> None:
        self.sock = socket.create_connection(
            (self._pick(self.host), self.port), self.timeout, self.source_address
        )
        self.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)


class _PinnedHTTPSConnection(http.client.HTTPSConnection):
    """:class:`_PinnedHTTPConnection` for https: the certificate is checked for the host name."""

    def __init__(self, *args: Any, pick: Pick, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._pick = pick

    def connect(self) -> None:
        sock = socket.create_connection(
            (self._pick(self.host), self.port), self.timeout, self.source_address
        )
        self.sock = self._context.wrap_socket(sock, server_hostname=self.host)


class _PinnedHTTPHandler(urllib.request.HTTPHandler):
    def __init__(self, pick: Pick) -> None:
        super().__init__()
        self._pick = pick

    def http_open(self, req: urllib.request.Request) -> http.client.HTTPResponse:
        return self.do_open(functools.partial(_PinnedHTTPConnection, pick=self._pick), req)


class _PinnedHTTPSHandler(urllib.request.HTTPSHandler):
    def __init__(self, pick: Pick) -> None:
        super().__init__()
        self._pick = pick

    def https_open(self, req: urllib.request.Request) -> http.client.HTTPResponse:
        return self.do_open(functools.partial(_PinnedHTTPSConnection, pick=self._pick), req,
                            context=self._context)


class Fetcher:
    """Bounded GETs. ``resolver`` is injectable so tests can point names at loopback."""

    def __init__(self, limits: Limits, resolver: Resolver = resolve_host,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self._limits = limits
        self._resolver = resolver
        self._clock = clock
        self._failures: dict[str, int] = {}
        self._opener = urllib.request.build_opener(
            urllib.request.ProxyHandler({}),
            _PinnedHTTPHandler(self.address_for),
            _PinnedHTTPSHandler(self.address_for),
            _CheckedRedirects(self.check_url),
        )

    def check_url(self, url: str) -> None:
        """Refuse what may not be fetched: other schemes, hosts that resolve to inner addresses."""
        parts = urllib.parse.urlsplit(url)
        if parts.scheme not in ("http", "https"):
            raise FetchError(f"only http and https addresses can be fetched, not {parts.scheme}:")
        if not parts.hostname:
            raise FetchError("the address has no host name")
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
                raise FetchError(f"{host} is refused: {reason}")
        return addresses[0]

    def get(self, url: str, max_bytes: int | None = None, accept: str = "*/*") -> bytes:
        """Download ``url`` (at most ``max_bytes``); raises :class:`FetchError` saying why not."""
        cap = min(max_bytes or self._limits.max_fetch_bytes, self._limits.max_fetch_bytes)
        host = urllib.parse.urlsplit(url).hostname or ""
        if self._failures.get(host, 0) >= MAX_HOST_FAILURES:
            raise FetchError(f"skipped: {MAX_HOST_FAILURES} earlier downloads from {host} failed")
        try:
            data = self._get(url, cap, accept)
        except FetchError as exc:
            if exc.status is None or exc.status >= 500:
                self._failures[host] = self._failures.get(host, 0) + 1
            raise
        self._failures[host] = 0
        return data

    def _get(self, url: str, cap: int, accept: str) -> bytes:
        timeout = self._limits.fetch_timeout_s
        self.check_url(url)
        request = urllib.request.Request(url, headers={"User-Agent": USER_AGENT,
                                                       "Accept": accept})
        deadline = self._clock() + timeout * TOTAL_TIMEOUT_FACTOR
        try:
            with self._opener.open(request, timeout=timeout) as response:
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
                    if self._clock() > deadline:
                        raise FetchError(f"the download took longer than "
                                         f"{timeout * TOTAL_TIMEOUT_FACTOR:g}s")
                    chunks.append(chunk)
                return b"".join(chunks)
        except urllib.error.HTTPError as exc:
            exc.close()
            raise FetchError(f"the server answered HTTP {exc.code} {exc.reason}",
                             status=exc.code) from exc
        except urllib.error.URLError as exc:
            if isinstance(exc.reason, FetchError):
                raise exc.reason from exc
            reason = exc.reason
            if isinstance(reason, TimeoutError | socket.timeout):
                raise FetchError(f"timed out after {timeout:g}s") from exc
            raise FetchError(f"cannot connect: {reason}") from exc
        except TimeoutError as exc:
            raise FetchError(f"timed out after {timeout:g}s") from exc
        except (OSError, ValueError) as exc:
            raise FetchError(f"the download failed: {exc}") from exc


# JSON:API ------------------------------------------------------------------------------------


def _flatten_resource(resource: dict[str, Any],
                      included: dict[tuple[str, str], dict[str, Any]]) -> dict[str, Any]:
    attributes = resource.get("attributes")
    flat: dict[str, Any] = dict(attributes) if isinstance(attributes, dict) else {}
    if "id" in resource:
        flat["id"] = resource["id"]
    relationships = resource.get("relationships")
    for name, rel in (relationships.items() if isinstance(relationships, dict) else ()):
        if not isinstance(rel, dict) or "data" not in rel:
            continue  # only links: the relationship is not in this document
        data = rel["data"]

        def one(ref: Any) -> Any:
            if not isinstance(ref, dict):
                return ref
            key = (str(ref.get("type")), str(ref.get("id")))
            return included.get(key) or {"id": ref.get("id")}

        flat[name] = [one(r) for r in data] if isinstance(data, list) else one(data)
    return flat


def is_jsonapi(document: Any) -> bool:
    """A JSON:API document has a top-level ``data`` member (and no plain export fields)."""
    return isinstance(document, dict) and "data" in document and (
        isinstance(document["data"], list | dict) or document["data"] is None)


def flatten_jsonapi(document: dict[str, Any]) -> Any:
    """``{"data": [{"id", "type", "attributes", "relationships"}]}`` → ``[{"id", ...attrs}]``.

    A relationship becomes a nested ``{"id": ...}`` (or the ``included`` resource, flattened),
    a to-many relationship a list of them; a single resource becomes one object.
    """
    included: dict[tuple[str, str], dict[str, Any]] = {}
    for resource in document.get("included") or []:
        if isinstance(resource, dict):
            included[(str(resource.get("type")), str(resource.get("id")))] = \
                _flatten_resource(resource, {})
    data = document.get("data")
    if isinstance(data, list):
        return [_flatten_resource(r, included) if isinstance(r, dict) else r for r in data]
    if isinstance(data, dict):
        return _flatten_resource(data, included)
    return data


def _next_link(document: Any) -> str | None:
    links = document.get("links") if isinstance(document, dict) else None
    nxt = links.get("next") if isinstance(links, dict) else None
    return nxt if isinstance(nxt, str) and nxt else None


# Where each document is, relative to the base URL, in the order tried.
API_DOCUMENTS: dict[str, tuple[str, ...]] = {
    "event": ("event", ""),
    "sessions": ("sessions",),
    "speakers": ("speakers",),
    "tracks": ("tracks",),
    "microlocations": ("microlocations",),
    "sponsors": ("sponsors",),
    "session_types": ("session_types", "session-types"),
}
REQUIRED_DOCUMENTS = ("event", "sessions")


def api_url(base: str, name: str) -> str:
    """``https://host/v1/events/7`` + ``sessions`` → ``https://host/v1/events/7/sessions``."""
    parts = urllib.parse.urlsplit(base)
    path = parts.path.rstrip("/")
    path = f"{path}/{name}" if name else path or "/"
    return urllib.parse.urlunsplit((parts.scheme, parts.netloc, path, parts.query, ""))


def _fetch_document(fetcher: Fetcher, url: str, name: str, limits: Limits,
                    problems: Problems) -> Any:
    """One document, following JSON:API pagination; INVALID after reporting a problem."""
    scratch = Problems()
    pages: list[Any] = []
    next_url: str | None = url
    while next_url and len(pages) < MAX_API_PAGES:
        data = fetcher.get(next_url, limits.max_json_bytes, "application/vnd.api+json, "
                           "application/json")
        document = parse_json(data, name, limits, scratch)
        if document is INVALID:
            for problem in scratch.errors:
                problems.error(name, "", f"{problem.message} (from {next_url})",
                               hint="check that the address is an Open Event API base URL")
            return INVALID
        pages.append(document)
        next_url = _next_link(document) if is_jsonapi(document) else None
        if next_url:
            next_url = urllib.parse.urljoin(url, next_url)
    if not all(is_jsonapi(p) for p in pages):
        return pages[0]
    flat = [flatten_jsonapi(p) for p in pages]
    if isinstance(flat[0], list):
        return [item for page in flat if isinstance(page, list) for item in page]
    return flat[0]


def fetch_api(base_url: str, fetcher: Fetcher, limits: Limits,
              problems: Problems) -> dict[str, Any]:
    """Every document of the event at ``base_url``, in the shapes of a zip export.

    A missing optional document (HTTP 404) is simply absent; a failing one is a warning; a
    failing ``event`` or ``sessions`` is an error.
    """
    docs: dict[str, Any] = {}
    for name, paths in API_DOCUMENTS.items():
        failure: FetchError | None = None
        tried: list[str] = []
        for path in paths:
            url = api_url(base_url, path)
            tried.append(url)
            try:
                value = _fetch_document(fetcher, url, name, limits, problems)
            except FetchError as exc:
                failure = exc
                if exc.status == 404:
                    continue
                break
            failure = None
            if value is not INVALID:
                docs[name] = value
            break
        if failure is None:
            continue
        where = " or ".join(tried)
        if name in REQUIRED_DOCUMENTS:
            problems.error(name, "", f"cannot be fetched from {where}: {failure}",
                           hint="check the API base URL, e.g. https://api.example.org/v1/events/1")
        elif failure.status != 404:
            problems.warning(name, "", f"cannot be fetched from {where}: {failure}; the app is "
                             f"built without {name}", hint="check that the API is reachable")
    return docs
