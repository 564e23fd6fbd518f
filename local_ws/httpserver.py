"""A small, strict asyncio HTTP/1.1 server for the ``@connections`` management API.

Why hand-written on ``asyncio.start_server`` and not aiohttp or http.server: the API is three
methods on one path with ``Content-Length`` bodies from botocore, and it must run in the same
event loop as the WebSocket server (a POST ends in ``await websocket.send``), keep connections
alive, and serve many requests concurrently without a thread per request — ``http.server``
spawns threads and cannot share the loop, aiohttp would be a dependency for ~100 lines.
websockets' own ``process_request`` only answers GET upgrades, so it cannot take POSTs.

Each TCP connection is one coroutine reading requests in turn (HTTP/1.1 keep-alive, pipelining
tolerated); ``Expect: 100-continue`` is honoured; a malformed request is answered with 400 and
the connection closed.
"""

from __future__ import annotations

import asyncio
import json
import logging

from local_ws.responses import (
    HttpProtocolError,
    HttpRequest,
    HttpResponse,
    ManagementAPI,
    content_length,
    parse_head,
    serialize,
)

logger = logging.getLogger("local_ws.http")

MAX_HEAD_BYTES = 64 * 1024
# Bodies up to this size are read and judged by the API (128 KB → PayloadTooLargeException);
# larger ones are refused before reading.
MAX_BODY_BYTES = 1024 * 1024


class ManagementServer:
    """Serves a :class:`ManagementAPI` on a TCP socket. Create with :meth:`start`."""

    def __init__(self, api: ManagementAPI) -> None:
        self.api = api
        self._server: asyncio.Server | None = None
        self._clients: dict[asyncio.StreamWriter, asyncio.Task[None] | None] = {}

    async def start(self, host: str, port: int) -> int:
        """Listen on ``host:port`` (0 = a free port); returns the bound port."""
        self._server = await asyncio.start_server(
            self._serve_client, host, port, limit=MAX_HEAD_BYTES
        )
        return int(self._server.sockets[0].getsockname()[1])

    async def close(self) -> None:
        """Stop listening and drop open keep-alive connections."""
        if self._server is not None:
            self._server.close()
        # Closing the transports ends each client loop at its next read (EOF); cancelling the
        # tasks instead trips asyncio 3.11's start_server callback into logging an error.
        tasks = [task for task in self._clients.values() if task is not None]
        for writer in list(self._clients):
            writer.close()
        await asyncio.gather(*tasks, return_exceptions=True)
        if self._server is not None:
            await self._server.wait_closed()

    async def _serve_client(
        self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter
    ) -> None:
        self._clients[writer] = asyncio.current_task()
        try:
            while True:
                keep_alive = await self._serve_one(reader, writer)
                if not keep_alive:
                    break
        except (ConnectionError, asyncio.IncompleteReadError):
            pass  # the client went away between or during requests: nothing to answer
        finally:
            self._clients.pop(writer, None)
            writer.close()

    async def _serve_one(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> bool:
        try:
            head = await reader.readuntil(b"\r\n\r\n")
        except asyncio.IncompleteReadError as exc:
            if exc.partial:
                logger.warning("client closed in the middle of a request head")
            return False
        except asyncio.LimitOverrunError:
            await self._refuse(writer, HttpProtocolError(400, "request head over 64 KB"))
            return False
        try:
            method, target, version, headers = parse_head(head[:-4])
            length = content_length(headers, MAX_BODY_BYTES)
        except HttpProtocolError as error:
            await self._refuse(writer, error)
            return False
        if length and headers.get("expect", "").lower() == "100-continue":
            writer.write(b"HTTP/1.1 100 Continue\r\n\r\n")
        body = await reader.readexactly(length) if length else b""
        request = HttpRequest(method, target, version, headers, body)
        try:
            response = await self.api.handle(request)
        except Exception:
            logger.exception("management API failed on %s %s", method, target)
            response = HttpResponse(
                500, b'{"message": "Internal server error"}', {"Content-Type": "application/json"}
            )
        writer.write(serialize(response, keep_alive=request.keep_alive))
        await writer.drain()
        return request.keep_alive

    async def _refuse(self, writer: asyncio.StreamWriter, error: HttpProtocolError) -> None:
        response = HttpResponse(
            error.status,
            json.dumps({"message": error.message}).encode(),
            {"Content-Type": "application/json"},
        )
        writer.write(serialize(response, keep_alive=False))
        await writer.drain()
