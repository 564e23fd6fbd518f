"""The WebSocket server, wired to the management server, and the expiry of connections.

Layering (like ``chalice/local.py``): :mod:`local_ws.events` builds the Lambda events,
:mod:`local_ws.gateway` invokes the app, :mod:`local_ws.models` keeps the connections,
:mod:`local_ws.responses` answers ``@connections`` and :mod:`local_ws.management_server` serves
it over HTTP, :mod:`local_ws.sockets` lets the registry send on a WebSocket; this module only
moves bytes between them. Everything runs on one asyncio event loop; the app's handlers
run on a thread pool (as Lambda runs concurrent invocations), so a handler that calls
``@connections`` on this very server does not deadlock.

Per connection: the ``$connect`` handler runs inside the opening handshake (``process_request``);
a refusal is answered with the handler's status (502 if it raised, :mod:`local_ws.gateway`) and
no WebSocket, and the headers it returns go into the answer (the 101 included: that is how a
subprotocol is chosen). After the handshake the connection is registered (POSTs before that are
``Gone``, as on AWS); each message from the client runs ``$default``, and when the socket
closes — by the client, by ``DELETE @connections``, by the idle timeout or the maximum duration
(close code 1001) — it is unregistered and ``$disconnect`` runs, after the ``$default``
invocations still running.

Messages of one connection are handled concurrently, as API Gateway invokes Lambda once per
message with no ordering between invocations (up to ``workers`` at a time per connection; the
next message is not read while that many run). ``serial_messages=True`` (``--serial-messages``)
runs them one at a time in arrival order, which is easier to follow in a debugger but hides
races the app would meet on AWS.

Frames, as API Gateway's WebSocket quotas (frame size 32 KB, message payload 128 KB; a larger
frame or message closes the connection with code 1009): a client frame over 32 KB or a message
over 128 KB (in frames of up to 32 KB) closes the connection with 1009. A binary frame from the
client closes it with 1003, as API Gateway does ("Binary media types for WebSocket APIs":
incoming binary frames are not supported and the client is disconnected with 1003);
``$default`` is not invoked. On the way out, a posted message of up to 128 KB leaves in 32 KB
fragments, as API Gateway sends it. Pings from websockets (every 20 s) detect dead peers; they
do not count as activity for the idle timeout (:mod:`local_ws.models`).

Use :func:`local_ws.start` in tests (a background thread, ports chosen by the OS,
:mod:`local_ws.background`) and ``python -m local_ws`` on the command line.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import threading
import time
import weakref
from collections import OrderedDict
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from websockets.asyncio.server import Server, ServerConnection, serve
from websockets.datastructures import Headers
from websockets.exceptions import ConnectionClosed
from websockets.http11 import Request, Response

from local_ws.events import ApiContext, ConnectionInfo, new_aws_id
from local_ws.gateway import Gateway
from local_ws.management_server import ManagementServer
from local_ws.models import (
    IDLE_TIMEOUT_S,
    MAX_DURATION_S,
    MAX_FRAME_BYTES,
    MAX_MESSAGE_BYTES,
    ConnectionRegistry,
)
from local_ws.responses import ManagementAPI
from local_ws.sockets import WRITE_BUFFER_BYTES, WebSocketSocket

logger = logging.getLogger("local_ws")

DEFAULT_STAGE = "local"
DEFAULT_WORKERS = 32
ABNORMAL_CLOSE = 1006
UNSUPPORTED_DATA = 1003
BINARY_REASON = "Binary frames are not supported"
# The reaper re-checks at least this often even when no deadline is near.
MAX_REAPER_SLEEP_S = 5.0
MAX_REMEMBERED_CLOSES = 10_000


def _headers(headers: Headers) -> list[tuple[str, str]]:
    return list(headers.raw_items())


def _how_it_closed(ws: ServerConnection) -> tuple[int, str]:
    """The close code and reason ``$disconnect`` reports: the peer's close frame, else the one
    local_ws sent when it failed the connection (1009 for a frame or message too large, 1003
    for binary: websockets does not wait for the peer's answer then), else 1006."""
    frame = ws.protocol.close_rcvd or ws.protocol.close_sent
    if frame is None:
        return ABNORMAL_CLOSE, ""
    return int(frame.code), frame.reason


def _put_headers(headers: Headers, pairs: tuple[tuple[str, str], ...]) -> None:
    """Set ``pairs`` in ``headers``, replacing what websockets put under those names."""
    for name in {name.lower() for name, _ in pairs}:
        if name in headers:
            del headers[name]
    for name, value in pairs:
        headers[name] = value  # Headers appends: repeated names (Set-Cookie) all go out


class LocalWebSocketAPI:
    """API Gateway's WebSocket API for one Chalice app and stage, on loopback ports.

    Call :meth:`start` (binds both ports), then run the loop until :meth:`aclose`.
    Keyword options:

    * timeouts — ``idle_timeout_s`` (10 min), ``max_duration_s`` (2 h);
    * limits — ``max_message_bytes`` (128 KB), ``max_frame_bytes`` (32 KB, client frames),
      ``write_buffer_bytes`` (4 MB: what may wait for a viewer that does not read before POSTs
      to it get ``LimitExceededException``);
    * parity — ``invoke_disconnect_on_abnormal_close``: AWS delivers ``$disconnect`` on a best
      effort basis; ``False`` skips it when the peer vanished without a close frame (code 1006),
      so tests can exercise the ``GoneException`` clean-up path; ``allow_unsigned``: accept
      ``@connections`` requests without a SigV4 signature (AWS refuses them with 403);
    * debugging — ``serial_messages``: one ``$default`` at a time per connection;
    * ``workers`` — threads running handlers; ``clock`` — epoch seconds, and
      ``connection_id_factory`` — AWS-shaped ids, both injectable.
    """

    def __init__(
        self,
        app: Any,
        *,
        host: str = "127.0.0.1",
        stage: str = DEFAULT_STAGE,
        api_id: str = "local",
        idle_timeout_s: float = IDLE_TIMEOUT_S,
        max_duration_s: float = MAX_DURATION_S,
        max_message_bytes: int = MAX_MESSAGE_BYTES,
        max_frame_bytes: int = MAX_FRAME_BYTES,
        write_buffer_bytes: int = WRITE_BUFFER_BYTES,
        invoke_disconnect_on_abnormal_close: bool = True,
        allow_unsigned: bool = False,
        serial_messages: bool = False,
        configure_app_endpoint: bool = True,
        workers: int = DEFAULT_WORKERS,
        clock: Callable[[], float] = time.time,
        connection_id_factory: Callable[[], str] = new_aws_id,
    ) -> None:
        self.app = app
        self.host = host
        self.stage = stage
        self.api_id = api_id
        self.invoke_disconnect_on_abnormal_close = invoke_disconnect_on_abnormal_close
        if write_buffer_bytes < max_message_bytes:
            raise ValueError(
                f"write_buffer_bytes ({write_buffer_bytes}) must hold at least one message "
                f"({max_message_bytes} bytes)"
            )
        self.write_buffer_bytes = write_buffer_bytes
        self.max_frame_bytes = max_frame_bytes
        self.configure_app_endpoint = configure_app_endpoint
        self.message_concurrency = 1 if serial_messages else workers
        self._clock = clock
        self._new_connection_id = connection_id_factory
        self.registry = ConnectionRegistry(
            idle_timeout_s=idle_timeout_s,
            max_duration_s=max_duration_s,
            max_message_bytes=max_message_bytes,
            clock=clock,
        )
        self._executor = ThreadPoolExecutor(
            max_workers=workers, thread_name_prefix="local_ws-lambda"
        )
        self._management = ManagementServer(
            ManagementAPI(self.registry, stage, require_signature=not allow_unsigned)
        )
        # Accepted handshakes, until _handle registers them: who, and $connect's headers.
        self._pending: weakref.WeakKeyDictionary[
            ServerConnection, tuple[ConnectionInfo, tuple[tuple[str, str], ...]]
        ] = weakref.WeakKeyDictionary()
        self._close_tasks: set[asyncio.Task[None]] = set()
        self._ws_server: Server | None = None
        self._reaper: asyncio.Task[None] | None = None
        self._wake: asyncio.Event | None = None
        self.gateway: Gateway | None = None
        # Ids of connections whose life is over ($disconnect done or skipped), newest last;
        # lets tests and the local stack wait for a close instead of sleeping.
        self._finished: OrderedDict[str, None] = OrderedDict()
        self._finished_changed = threading.Condition()
        self.ws_port = 0
        self.mgmt_port = 0

    @property
    def ws_url(self) -> str:
        """Where viewers connect (``settings.ws_url``)."""
        return f"ws://{self.host}:{self.ws_port}"

    @property
    def management_url(self) -> str:
        """The ``@connections`` endpoint (``settings.ws_management_url``)."""
        return f"http://{self.host}:{self.mgmt_port}/{self.stage}"

    async def start(self, ws_port: int = 0, mgmt_port: int = 0) -> None:
        """Bind both servers (0 = a free port) and start expiring connections."""
        self.mgmt_port = await self._management.start(self.host, mgmt_port)
        try:
            self._ws_server = await serve(
                self._handle,
                self.host,
                ws_port,
                process_request=self._process_request,
                process_response=self._process_response,
                compression=None,  # API Gateway negotiates no extensions
                # (message, frame): over either, websockets closes with 1009, as AWS does.
                max_size=(self.registry.max_message_bytes, self.max_frame_bytes),
                write_limit=self.write_buffer_bytes,
            )
        except BaseException:
            await self._management.close()  # the WebSocket port failed: free the other one
            raise
        self.ws_port = int(next(iter(self._ws_server.sockets)).getsockname()[1])
        self.gateway = Gateway(
            self.app,
            ApiContext(
                stage=self.stage, domain_name=f"{self.host}:{self.ws_port}", api_id=self.api_id
            ),
            management_url=self.management_url if self.configure_app_endpoint else None,
        )
        self._wake = asyncio.Event()
        self._reaper = asyncio.get_running_loop().create_task(self._reap())
        logger.info("local_ws: WebSocket %s, @connections %s", self.ws_url, self.management_url)

    async def aclose(self) -> None:
        """Close every connection (``$disconnect`` runs), stop both servers and the workers."""
        if self._reaper is not None:
            self._reaper.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._reaper
        if self._ws_server is not None:
            self._ws_server.close()
            await self._ws_server.wait_closed()
        await self._management.close()
        self._executor.shutdown(wait=True)

    def _now_ms(self) -> int:
        return int(self._clock() * 1000)

    async def _run(self, func: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(self._executor, lambda: func(*args, **kwargs))

    async def _process_request(
        self, connection: ServerConnection, request: Request
    ) -> Response | None:
        assert self.gateway is not None
        remote = connection.remote_address
        info = ConnectionInfo(
            connection_id=self._new_connection_id(),
            connected_at_ms=self._now_ms(),
            source_ip=str(remote[0]) if remote else "127.0.0.1",
            user_agent=request.headers.get("User-Agent"),
        )
        _, _, query = request.path.partition("?")
        outcome = await self._run(
            self.gateway.connect,
            info,
            headers=_headers(request.headers),
            query_string=query,
            now_ms=self._now_ms(),
        )
        if not outcome.accepted:
            refusal = connection.respond(outcome.status, outcome.body)
            _put_headers(refusal.headers, outcome.headers)
            return refusal
        self._pending[connection] = (info, outcome.headers)
        return None

    def _process_response(
        self, connection: ServerConnection, request: Request, response: Response
    ) -> None:
        """Put ``$connect``'s headers (``Sec-WebSocket-Protocol``, ...) into the 101."""
        pending = self._pending.get(connection)
        if pending is not None and response.status_code == 101:
            _put_headers(response.headers, pending[1])

    async def _handle(self, ws: ServerConnection) -> None:
        assert self.gateway is not None and self._wake is not None
        info, _ = self._pending.pop(ws)
        conn = self.registry.add(
            info, WebSocketSocket(ws, self._close_tasks, self.write_buffer_bytes)
        )
        self._wake.set()
        slots = asyncio.Semaphore(self.message_concurrency)
        in_flight: set[asyncio.Task[None]] = set()
        loop = asyncio.get_running_loop()
        try:
            async for message in ws:
                if isinstance(message, bytes):
                    # API Gateway rejects binary frames from clients with close code 1003.
                    conn.closing = True
                    await ws.close(UNSUPPORTED_DATA, BINARY_REASON)
                    break
                self.registry.touch(info.connection_id)
                await slots.acquire()  # the next message waits while this many run
                task = loop.create_task(self._message(ws, info, message))
                in_flight.add(task)
                task.add_done_callback(in_flight.discard)
                task.add_done_callback(lambda _: slots.release())
        except ConnectionClosed:
            pass  # how it closed is read by _how_it_closed below
        finally:
            self.registry.remove(info.connection_id)  # gone for POSTs from now on
            if in_flight:  # $disconnect comes after the invocations still running
                await asyncio.gather(*in_flight, return_exceptions=True)
            code, reason = _how_it_closed(ws)
            if code != ABNORMAL_CLOSE or self.invoke_disconnect_on_abnormal_close:
                await self._run(
                    self.gateway.disconnect, info, code=code, reason=reason, now_ms=self._now_ms()
                )
            self._mark_finished(info.connection_id)

    async def _message(self, ws: ServerConnection, info: ConnectionInfo, message: str) -> None:
        """One ``$default`` invocation; a failure answers API Gateway's error frame."""
        assert self.gateway is not None
        error_frame = await self._run(self.gateway.message, info, message, now_ms=self._now_ms())
        if error_frame is not None:
            with contextlib.suppress(ConnectionClosed):
                await ws.send(error_frame)

    def _mark_finished(self, connection_id: str) -> None:
        with self._finished_changed:
            self._finished[connection_id] = None
            while len(self._finished) > MAX_REMEMBERED_CLOSES:
                self._finished.popitem(last=False)
            self._finished_changed.notify_all()

    def wait_finished(self, connection_id: str, timeout: float) -> bool:
        """Block (from another thread) until ``connection_id`` closed and its ``$disconnect``
        ran or was skipped. Returns False on timeout."""
        with self._finished_changed:
            return self._finished_changed.wait_for(lambda: connection_id in self._finished, timeout)

    async def _reap(self) -> None:
        """Close connections over the idle timeout or the maximum duration."""
        assert self._wake is not None
        while True:
            for expiry in self.registry.expired():
                expiry.connection.closing = True
                logger.info("closing %s: %s", expiry.connection.connection_id, expiry.reason)
                await expiry.connection.socket.close(expiry.code, expiry.reason)
            delay = self.registry.seconds_to_next_expiry()
            timeout = MAX_REAPER_SLEEP_S if delay is None else min(delay, MAX_REAPER_SLEEP_S)
            self._wake.clear()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wake.wait(), timeout=max(timeout, 0.001))
