"""The registry's view of a websockets connection: send (or refuse at once), start closing.

API Gateway answers a POST to ``@connections`` once the message is on its way, without waiting
for the client to read. :class:`WebSocketSocket` does the same: a message is buffered for the
viewer, and once ``write_buffer_bytes`` wait for a viewer that does not read (beyond what the
kernel's socket buffers hold), a POST to it is answered at once with 429
``LimitExceededException``, API Gateway's documented answer when "the WebSocket client side
buffer is full"; the connection stays open and later POSTs succeed once it reads again.
"""

from __future__ import annotations

import asyncio

from websockets.asyncio.server import ServerConnection
from websockets.exceptions import ConnectionClosed

from local_ws.errors import GoneException, LimitExceededException
from local_ws.models import Frames

WRITE_BUFFER_BYTES = 4 * 1024 * 1024


def message_bytes(data: str | bytes | Frames) -> int:
    """How many payload bytes a message (one frame or a list of fragments) puts in the buffer."""
    pieces = [data] if isinstance(data, (str, bytes)) else data
    return sum(len(p.encode("utf-8")) if isinstance(p, str) else len(p) for p in pieces)


class WebSocketSocket:
    """A :class:`local_ws.models.Socket` over a websockets server connection.

    ``tasks`` holds the closing handshakes :meth:`close` starts, so the server can keep them
    alive until they end."""

    def __init__(
        self, ws: ServerConnection, tasks: set[asyncio.Task[None]], write_buffer_bytes: int
    ) -> None:
        self._ws = ws
        self._tasks = tasks
        self._write_buffer_bytes = write_buffer_bytes

    async def send(self, data: str | bytes | Frames) -> None:
        """Send one message. Raises :class:`LimitExceededException` when the viewer's buffer
        is full and :class:`GoneException` when the socket has closed."""
        # Refused before anything is written, so an accepted message never fills the buffer
        # past its limit and ``send`` never waits for the client to read (the POST answers now).
        buffered = self._ws.transport.get_write_buffer_size()
        if buffered + message_bytes(data) > self._write_buffer_bytes:
            raise LimitExceededException(
                f"The client's buffer is full ({buffered} bytes wait for it to read); "
                "retry later, or treat the connection as stalled."
            )
        try:
            await self._ws.send(data)
        except ConnectionClosed as exc:
            raise GoneException(
                f"Connection is gone: the socket closed ({exc}). Remove it from your store."
            ) from exc

    async def close(self, code: int = 1000, reason: str = "") -> None:
        """Start the closing handshake and return (the management call answers now); the
        handshake finishes in the background."""
        task = asyncio.get_running_loop().create_task(self._ws.close(code, reason))
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)
