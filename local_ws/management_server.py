"""The ``@connections`` management API served over HTTP by ``aiohttp.web``.

aiohttp speaks HTTP/1.1 — keep-alive, pipelining, ``Expect: 100-continue``, 400 and a closed
connection for malformed requests — on the event loop the WebSocket server runs on (a POST ends
in ``await websocket.send``), serving requests concurrently without a thread per request. This
module only adapts it to :class:`~local_ws.responses.ManagementAPI`:

* every method on every path reaches the API, which answers what AWS does not serve with
  ``ForbiddenException``; the raw request target goes in (still URL-encoded);
* before a body is read, :func:`~local_ws.responses.body_refusal` may refuse it (chunked: 501;
  over ``max_body_bytes``: 413). A refusal answers an ``Expect: 100-continue`` request instead
  of the ``100 Continue``, and the connection is closed without reading the body;
* bodies are taken as sent (no ``Content-Encoding`` decompression), as API Gateway delivers them;
* an unexpected failure of the API is logged and answered with API Gateway's 500;
* every answer says ``Connection: keep-alive`` or ``Connection: close``, whichever aiohttp does.
"""

from __future__ import annotations

import logging

from aiohttp import hdrs, web
from aiohttp.http import HttpVersion11

from local_ws.responses import (
    HttpRequest,
    HttpResponse,
    ManagementAPI,
    body_refusal,
    internal_error_response,
)

logger = logging.getLogger("local_ws.http")

# Bodies up to this size are read and judged by the API (128 KB → PayloadTooLargeException);
# larger ones are refused before reading.
MAX_BODY_BYTES = 1024 * 1024
# How long closing waits for requests in flight before cutting them off.
SHUTDOWN_TIMEOUT_S = 5.0
CONTINUE = b"HTTP/1.1 100 Continue\r\n\r\n"


def aiohttp_response(answer: HttpResponse) -> web.Response:
    """``answer`` as aiohttp sends it; aiohttp adds ``Content-Length``, ``Date`` and ``Server``."""
    return web.Response(status=answer.status, body=answer.body, headers=answer.headers)


async def _say_connection(request: web.Request, response: web.StreamResponse) -> None:
    # aiohttp has decided by now (``keep_alive`` is set before this signal); it only writes the
    # header when it departs from the HTTP version's default.
    response.headers[hdrs.CONNECTION] = "keep-alive" if response.keep_alive else "close"


class ManagementServer:
    """Serves a :class:`ManagementAPI` on a TCP socket: :meth:`start`, then :meth:`close`."""

    def __init__(self, api: ManagementAPI, *, max_body_bytes: int = MAX_BODY_BYTES) -> None:
        self.api = api
        self.max_body_bytes = max_body_bytes
        self._runner: web.AppRunner | None = None

    def _app(self) -> web.Application:
        app = web.Application(client_max_size=self.max_body_bytes)
        app.router.add_route("*", "/{tail:.*}", self._handle, expect_handler=self._expect)
        app.on_response_prepare.append(_say_connection)
        return app

    async def start(self, host: str, port: int) -> int:
        """Listen on ``host:port`` (0 = a free port); returns the bound port. Raises ``OSError``
        if the port is taken."""
        runner = web.AppRunner(
            self._app(),
            access_log=None,
            # A refused body is not read, not even for a while to let the client see the answer.
            lingering_time=0,
            auto_decompress=False,
            shutdown_timeout=SHUTDOWN_TIMEOUT_S,
        )
        await runner.setup()
        try:
            await web.TCPSite(runner, host, port).start()
        except BaseException:
            await runner.cleanup()
            raise
        self._runner = runner
        return int(runner.addresses[0][1])

    async def close(self) -> None:
        """Stop listening, drop idle keep-alive connections, let requests in flight finish."""
        if self._runner is not None:
            runner, self._runner = self._runner, None
            await runner.cleanup()

    def _refusal(self, request: web.Request) -> web.Response | None:
        answer = body_refusal(
            request.content_length,
            chunked=hdrs.TRANSFER_ENCODING in request.headers,
            max_body_bytes=self.max_body_bytes,
        )
        if answer is None:
            return None
        response = aiohttp_response(answer)
        response.force_close()  # the body stays unread: the connection cannot carry on
        return response

    async def _expect(self, request: web.Request) -> web.StreamResponse | None:
        """Runs before :meth:`_handle` when the request has an ``Expect`` header."""
        refused = self._refusal(request)
        if refused is not None:
            return refused
        expects_continue = request.headers[hdrs.EXPECT].lower() == "100-continue"
        if expects_continue and request.version >= HttpVersion11 and request.content_length:
            await request.writer.write(CONTINUE)
            # As aiohttp's own expect handler: the final response has not started yet.
            request.writer.output_size = 0
        return None  # other Expect values are ignored (aiohttp's default answers them 417)

    async def _handle(self, request: web.Request) -> web.StreamResponse:
        refused = self._refusal(request)
        if refused is not None:
            return refused
        body = await request.read()
        try:
            answer = await self.api.handle(
                HttpRequest(request.method, request.raw_path, body, request.headers)
            )
        except Exception:
            logger.exception("management API failed on %s %s", request.method, request.raw_path)
            answer = internal_error_response()
        return aiohttp_response(answer)
