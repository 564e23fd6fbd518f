"""The connections a download runs on: pinned to the checked address, waiting in slices.

:func:`build_opener` gives a ``urllib`` opener whose connections do not resolve the host
themselves: they connect to the address ``pick(host)`` returns (the fetcher resolves, checks
every address and picks one), while TLS still verifies the certificate for the host name, so a
DNS answer that changes between the check and the connection (rebinding) cannot steer a
download inside the network. No proxy is used: through one, the address of the real host could
not be checked. Every redirect's URL is checked before it is followed, at most
``MAX_REDIRECTS`` of them.

Every blocking socket call (connect, TLS handshake, read) waits in slices of at most a quarter
second under a :class:`Guard`: no call waits more than ``idle_s`` for the server, and between
slices the guard's :class:`~build_runner.generate.deadline.Deadline` is checked, so a server
sending one byte every few seconds cannot stretch a download past it, and a cancel raises
:class:`BuildCancelled` within a slice. (Writing the request is not sliced: a few hundred bytes
to a fresh connection never wait.)
"""

from __future__ import annotations

import errno
import functools
import http.client
import os
import selectors
import socket
import ssl
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, TypeVar

from build_runner.generate.deadline import Deadline
from build_runner.generate.limits import MAX_REDIRECTS

# The address to connect to for a host name (raising to refuse the host).
Pick = Callable[[str], str]
T = TypeVar("T")


@dataclass(frozen=True)
class Guard:
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

    guard: Guard | None = None

    def recv_into(self, buffer: Any, nbytes: int = 0, flags: int = 0) -> int:
        read = super().recv_into
        if self.guard is None:
            return read(buffer, nbytes, flags)
        return self.guard.run(self, lambda: read(buffer, nbytes, flags))


class _GuardedSSLSocket(ssl.SSLSocket):
    """:class:`_GuardedSocket` over TLS (the TLS layer keeps partial records across slices)."""

    guard: Guard | None = None

    def recv_into(self, buffer: Any, nbytes: int | None = None, flags: int = 0) -> int:
        read = super().recv_into
        if self.guard is None:
            return read(buffer, nbytes, flags)
        return self.guard.run(self, lambda: read(buffer, nbytes, flags))


def _connect(address: str, port: int, guard: Guard) -> _GuardedSocket:
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
    """Follows at most ``MAX_REDIRECTS`` redirects, each new URL checked first."""

    max_redirections = MAX_REDIRECTS

    def __init__(self, check: Callable[[str], None]) -> None:
        super().__init__()
        self._check = check

    def redirect_request(self, req: urllib.request.Request, fp: Any, code: int, msg: str,
                         headers: Any, newurl: str) -> urllib.request.Request | None:
        self._check(newurl)
        return super().redirect_request(req, fp, code, msg, headers, newurl)


class _PinnedHTTPConnection(http.client.HTTPConnection):
    """Connects to the address ``pick(host)`` checked, not to what the host resolves to later."""

    def __init__(self, *args: Any, pick: Pick, guard: Guard, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._pick = pick
        self._guard = guard

    def connect(self) -> None:
        self.sock = _connect(self._pick(self.host), self.port, self._guard)


class _PinnedHTTPSConnection(http.client.HTTPSConnection):
    """:class:`_PinnedHTTPConnection` for https: the certificate is checked for the host name."""

    def __init__(self, *args: Any, pick: Pick, guard: Guard, tls: ssl.SSLContext,
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
    """http URLs over :class:`_PinnedHTTPConnection`."""

    def __init__(self, pick: Pick, guard: Guard) -> None:
        super().__init__()
        self._connection = functools.partial(_PinnedHTTPConnection, pick=pick, guard=guard)

    def http_open(self, req: urllib.request.Request) -> http.client.HTTPResponse:
        return self.do_open(self._connection, req)


class _PinnedHTTPSHandler(urllib.request.HTTPSHandler):
    """https URLs over :class:`_PinnedHTTPSConnection`."""

    def __init__(self, pick: Pick, guard: Guard, context: ssl.SSLContext) -> None:
        super().__init__()
        self._connection = functools.partial(_PinnedHTTPSConnection, pick=pick, guard=guard,
                                             tls=context)

    def https_open(self, req: urllib.request.Request) -> http.client.HTTPResponse:
        return self.do_open(self._connection, req)


def tls_context(context: ssl.SSLContext | None = None) -> ssl.SSLContext:
    """``context`` (default: the system's trust, host names checked) set up for downloads: its
    sockets wait in slices, and it speaks HTTP/1.1 only."""
    context = context or ssl.create_default_context()
    context.sslsocket_class = _GuardedSSLSocket
    context.set_alpn_protocols(["http/1.1"])
    return context


def build_opener(pick: Pick, check_redirect: Callable[[str], None], guard: Guard,
                 tls: ssl.SSLContext) -> urllib.request.OpenerDirector:
    """An opener for one download: no proxy, connections to ``pick(host)`` under ``guard``,
    https with ``tls`` (made by :func:`tls_context`), each redirect's URL passed to
    ``check_redirect`` (which raises to refuse it) before it is followed."""
    return urllib.request.build_opener(
        urllib.request.ProxyHandler({}),
        _PinnedHTTPHandler(pick, guard),
        _PinnedHTTPSHandler(pick, guard, tls),
        _CheckedRedirects(check_redirect),
    )
