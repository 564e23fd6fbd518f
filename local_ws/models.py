"""The connection registry: state and behaviour of ``@connections`` with Python arguments.

Like a moto ``models.py``: no HTTP here. The registry knows every live connection, answers the
three management calls by raising the errors AWS raises (:class:`GoneException`,
:class:`PayloadTooLargeException`), and decides — as a pure function of the clock — which
connections API Gateway would close now for being idle or too old.

Limits, as on API Gateway ("Quotas for configuring and running a WebSocket API": idle
connection timeout 10 minutes, connection duration 2 hours, message payload 128 KB, frame
32 KB, none of them adjustable on AWS; configurable here so tests can use tiny values):

* the idle timer (``IDLE_TIMEOUT_S``) restarts on every data message, in either direction: a
  message from the client (:meth:`ConnectionRegistry.touch` from the server) and a message
  posted to it through ``@connections`` (from :class:`~local_ws.responses.ManagementAPI`).
  AWS's quota table only says "Idle Connection Timeout: 10 minutes"; that server-to-client
  messages count too is what services on API Gateway observe (Hotsock's keep-alive docs: a
  message posted every 9.5 minutes keeps a silent client connected until the 2-hour mark).
  Control frames (ping/pong) do not count: WebSocket pings do not keep an API Gateway
  connection alive either, so apps send a heartbeat message instead;
* the 2-hour limit (``MAX_DURATION_S``) counts from the handshake and nothing resets it;
* a message (``@connections`` POST data) is at most ``MAX_MESSAGE_BYTES`` (128 KB).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Protocol

from apkgen_core.limits import FRAME_BYTES, MESSAGE_BYTES
from local_ws.errors import GoneException, PayloadTooLargeException
from local_ws.events import ConnectionInfo, identity_of

IDLE_TIMEOUT_S = 10 * 60.0
MAX_DURATION_S = 2 * 3600.0
# API Gateway's message and frame sizes (one set with the runner and the handlers): a posted
# message larger than a frame reaches the client in several frames (fragments of one WebSocket
# message), as :func:`frames_of` cuts it.
MAX_MESSAGE_BYTES = MESSAGE_BYTES
MAX_FRAME_BYTES = FRAME_BYTES

# The close code API Gateway uses when it ends a connection for idleness or age.
GOING_AWAY = 1001
IDLE_REASON = "Going away: idle timeout"
MAX_DURATION_REASON = "Going away: maximum connection duration"


Frames = list[str] | list[bytes]


def frames_of(data: bytes, max_frame_bytes: int = MAX_FRAME_BYTES) -> Frames:
    """The frames API Gateway sends for a posted message: text if ``data`` is UTF-8, binary
    otherwise, cut into pieces of at most ``max_frame_bytes`` bytes (one piece for a small
    message). Text is cut between characters, so every piece is itself valid UTF-8. Pure.

    One difference remains on the wire: websockets ends a fragmented message with an empty
    final frame, where API Gateway's last data frame is the final one; clients see the same
    message either way."""
    if max_frame_bytes < 4:
        raise ValueError(
            f"a frame must hold at least one character (4 bytes), not {max_frame_bytes}"
        )
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        return [data[i:i + max_frame_bytes] for i in range(0, len(data), max_frame_bytes)] or [b""]
    if len(data) <= max_frame_bytes:
        return [text]
    pieces: list[str] = []
    start = 0
    while start < len(data):
        end = min(start + max_frame_bytes, len(data))
        while end < len(data) and data[end] & 0xC0 == 0x80:  # inside a multi-byte character
            end -= 1
        pieces.append(data[start:end].decode("utf-8"))
        start = end
    return pieces


class Socket(Protocol):
    """What the registry needs from a live socket; the server supplies the real one."""

    async def send(self, data: str | bytes | Frames) -> None:
        """Send one message: a string or bytes as one frame, a list as fragments of one."""

    async def close(self, code: int = 1000, reason: str = "") -> None: ...


@dataclass
class Connection:
    """One established connection. Times are epoch seconds."""

    info: ConnectionInfo
    socket: Socket
    connected_at: float
    last_active_at: float
    closing: bool = field(default=False)

    @property
    def connection_id(self) -> str:
        return self.info.connection_id


@dataclass(frozen=True)
class Expiry:
    """A connection the gateway must close now, and why."""

    connection: Connection
    code: int
    reason: str


def iso8601(epoch_s: float) -> str:
    """``2024-05-01T12:00:00.123Z``: how ``@connections`` GET writes its times."""
    moment = datetime.fromtimestamp(epoch_s, tz=UTC)
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"


def expiry_of(
    conn: Connection, now: float, *, idle_timeout_s: float, max_duration_s: float
) -> Expiry | None:
    """Whether API Gateway would close ``conn`` at ``now``; the older limit wins."""
    if now - conn.connected_at >= max_duration_s:
        return Expiry(conn, GOING_AWAY, MAX_DURATION_REASON)
    if now - conn.last_active_at >= idle_timeout_s:
        return Expiry(conn, GOING_AWAY, IDLE_REASON)
    return None


def next_deadline(conn: Connection, *, idle_timeout_s: float, max_duration_s: float) -> float:
    """The epoch second at which ``conn`` expires if nothing happens before."""
    return min(conn.connected_at + max_duration_s, conn.last_active_at + idle_timeout_s)


class ConnectionRegistry:
    """Every established connection by id. Not thread-safe: the server's event loop owns it.

    Order of calls for a connection: :meth:`add` once the handshake succeeded (so a POST during
    ``$connect`` is ``Gone``, as on AWS), :meth:`touch` on every data message either way,
    :meth:`remove` when the socket closed. :meth:`live` is the lookup every management call
    starts with.
    """

    def __init__(
        self,
        *,
        idle_timeout_s: float = IDLE_TIMEOUT_S,
        max_duration_s: float = MAX_DURATION_S,
        max_message_bytes: int = MAX_MESSAGE_BYTES,
        clock: Callable[[], float],
    ) -> None:
        if idle_timeout_s <= 0 or max_duration_s <= 0:
            raise ValueError(
                "idle_timeout_s and max_duration_s must be positive numbers of seconds "
                f"(got {idle_timeout_s!r} and {max_duration_s!r})"
            )
        self.idle_timeout_s = idle_timeout_s
        self.max_duration_s = max_duration_s
        self.max_message_bytes = max_message_bytes
        self._clock = clock
        self._connections: dict[str, Connection] = {}

    def __len__(self) -> int:
        return len(self._connections)

    def __iter__(self) -> Iterator[Connection]:
        return iter(list(self._connections.values()))

    def add(self, info: ConnectionInfo, socket: Socket) -> Connection:
        """Record an established connection; its activity clock starts now."""
        if info.connection_id in self._connections:
            raise ValueError(f"connection id {info.connection_id!r} is already registered")
        now = self._clock()
        conn = Connection(
            info=info, socket=socket, connected_at=info.connected_at_ms / 1000, last_active_at=now
        )
        self._connections[info.connection_id] = conn
        return conn

    def remove(self, connection_id: str) -> Connection | None:
        """Forget a closed connection. Returns it, or None if it was not registered."""
        return self._connections.pop(connection_id, None)

    def live(self, connection_id: str) -> Connection:
        """The open connection with this id, or :class:`GoneException` as AWS answers."""
        conn = self._connections.get(connection_id)
        if conn is None or conn.closing:
            raise GoneException(
                f"Connection {connection_id!r} is gone: it never existed, is not established "
                "yet, or has closed. Remove it from your connection store."
            )
        return conn

    def touch(self, connection_id: str) -> None:
        """A data message went over the connection (either way): restart the idle timer."""
        conn = self._connections.get(connection_id)
        if conn is not None:
            conn.last_active_at = self._clock()

    def check_payload(self, data: bytes) -> None:
        """Raise :class:`PayloadTooLargeException` for data over the message limit."""
        if len(data) > self.max_message_bytes:
            raise PayloadTooLargeException(
                f"Message of {len(data)} bytes is over API Gateway's limit of "
                f"{self.max_message_bytes} bytes; split it into smaller messages."
            )

    def info(self, connection_id: str) -> dict[str, object]:
        """The GET ``@connections/{id}`` answer for a live connection."""
        conn = self.live(connection_id)
        return {
            "connectedAt": iso8601(conn.connected_at),
            "lastActiveAt": iso8601(conn.last_active_at),
            "identity": identity_of(conn.info.source_ip, conn.info.user_agent),
        }

    def expired(self) -> list[Expiry]:
        """Connections over the idle timeout or the maximum duration, as of now."""
        now = self._clock()
        out: list[Expiry] = []
        for conn in self._connections.values():
            if conn.closing:
                continue
            expiry = expiry_of(
                conn, now, idle_timeout_s=self.idle_timeout_s, max_duration_s=self.max_duration_s
            )
            if expiry is not None:
                out.append(expiry)
        return out

    def seconds_to_next_expiry(self) -> float | None:
        """How long until the earliest expiry (never negative), None with no connections."""
        deadlines = [
            next_deadline(c, idle_timeout_s=self.idle_timeout_s, max_duration_s=self.max_duration_s)
            for c in self._connections.values()
            if not c.closing
        ]
        if not deadlines:
            return None
        return max(0.0, min(deadlines) - self._clock())
