"""The ``@connections`` management API over HTTP: parse, call the registry, serialize.

Like a moto ``responses.py``: HTTP only. Paths are ``/{stage}/@connections/{connectionId}``
with the methods ``POST`` (send data), ``GET`` (connection info) and ``DELETE`` (close). botocore
URL-encodes the path (``@`` as ``%40``; ``=``, ``+`` and ``/`` of connection ids as ``%3D``,
``%2B``, ``%2F``), so the path is split on ``/`` *before* each segment is unquoted. SigV4
``Authorization`` headers are accepted and not verified.

Answers are exactly AWS's (``rest-json`` protocol): ``200`` with an empty body for POST,
``200`` with ``{"connectedAt", "lastActiveAt", "identity": {"sourceIp", "userAgent"}}`` for
GET, ``204`` for DELETE; errors carry ``x-amzn-ErrorType: <Code>`` and ``{"message": ...}`` so
botocore raises ``client.exceptions.<Code>`` (``GoneException`` 410,
``PayloadTooLargeException`` 413, ``LimitExceededException`` 429, ``ForbiddenException`` 403).
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from urllib.parse import unquote, urlsplit

from local_ws.errors import (
    BadRequestException,
    ForbiddenException,
    GoneException,
    ManagementError,
)
from local_ws.models import ConnectionRegistry, frames_of

REASONS = {
    100: "Continue",
    200: "OK",
    204: "No Content",
    400: "Bad Request",
    403: "Forbidden",
    404: "Not Found",
    410: "Gone",
    413: "Payload Too Large",
    429: "Too Many Requests",
    500: "Internal Server Error",
    501: "Not Implemented",
}
CONNECTIONS_SEGMENT = "@connections"


@dataclass(frozen=True)
class HttpRequest:
    """One parsed request. Header names are lower-cased."""

    method: str
    target: str
    version: str
    headers: dict[str, str]
    body: bytes = b""

    @property
    def keep_alive(self) -> bool:
        connection = self.headers.get("connection", "").lower()
        if self.version == "HTTP/1.0":
            return connection == "keep-alive"
        return connection != "close"


@dataclass
class HttpResponse:
    """One response, serialized by :func:`serialize`."""

    status: int
    body: bytes = b""
    headers: dict[str, str] = field(default_factory=dict)


class HttpProtocolError(Exception):
    """The bytes are not an HTTP/1.1 request we accept; the connection is answered and closed."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.message = message


def parse_head(head: bytes) -> tuple[str, str, str, dict[str, str]]:
    """Parse a request line and headers (``head`` ends with the blank line)."""
    try:
        text = head.decode("latin-1")
    except UnicodeDecodeError as exc:  # pragma: no cover - latin-1 decodes every byte
        raise HttpProtocolError(400, "request head is not latin-1") from exc
    lines = text.split("\r\n")
    parts = lines[0].split(" ")
    if len(parts) != 3 or not parts[2].startswith("HTTP/1."):
        raise HttpProtocolError(
            400, f"bad request line {lines[0][:80]!r}; expected 'METHOD /path HTTP/1.1'"
        )
    method, target, version = parts
    headers: dict[str, str] = {}
    for line in lines[1:]:
        if not line:
            continue
        name, sep, value = line.partition(":")
        if not sep or not name or name != name.strip():
            raise HttpProtocolError(400, f"bad header line {line[:80]!r}; expected 'Name: value'")
        headers[name.lower()] = value.strip()
    return method, target, version, headers


def content_length(headers: dict[str, str], max_body: int) -> int:
    """The body length the headers announce; chunked bodies are refused (botocore never sends
    them for this API)."""
    if "transfer-encoding" in headers:
        raise HttpProtocolError(501, "Transfer-Encoding is not supported; send Content-Length")
    raw = headers.get("content-length", "0")
    if not raw.isdigit():
        raise HttpProtocolError(400, f"Content-Length {raw!r} is not a whole number")
    length = int(raw)
    if length > max_body:
        raise HttpProtocolError(
            413, f"body of {length} bytes is over this server's limit of {max_body} bytes"
        )
    return length


def connection_id_of(target: str, stage: str) -> str:
    """The connection id in ``/{stage}/@connections/{id}``, or :class:`ForbiddenException`."""
    path = urlsplit(target).path
    segments = [unquote(s) for s in path.split("/")[1:]]
    if len(segments) == 3 and segments[1] == CONNECTIONS_SEGMENT and segments[2]:
        if segments[0] != stage:
            raise ForbiddenException(
                f"Stage {segments[0]!r} does not exist; this API serves stage {stage!r} "
                f"(endpoint_url should end in /{stage})."
            )
        return segments[2]
    raise ForbiddenException(
        f"No route for {path!r}: the management API serves "
        f"/{stage}/@connections/{{connectionId}} only."
    )


def json_response(status: int, payload: object) -> HttpResponse:
    return HttpResponse(status, json.dumps(payload).encode(), {"Content-Type": "application/json"})


def error_response(error: ManagementError) -> HttpResponse:
    """AWS's error answer: status, ``x-amzn-ErrorType`` and ``{"message": ...}``."""
    response = json_response(error.status, {"message": error.message})
    response.headers["x-amzn-ErrorType"] = error.code
    return response


def serialize(response: HttpResponse, *, keep_alive: bool) -> bytes:
    """The bytes of ``response`` with ``Content-Length`` and ``Connection`` set."""
    reason = REASONS.get(response.status, "Unknown")
    lines = [f"HTTP/1.1 {response.status} {reason}"]
    headers = dict(response.headers)
    headers["Content-Length"] = str(len(response.body))
    headers["Connection"] = "keep-alive" if keep_alive else "close"
    lines.extend(f"{name}: {value}" for name, value in headers.items())
    return ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1") + response.body


class ManagementAPI:
    """Serves one request at a time against the registry; the HTTP server owns the sockets."""

    def __init__(self, registry: ConnectionRegistry, stage: str) -> None:
        self.registry = registry
        self.stage = stage

    async def handle(self, request: HttpRequest) -> HttpResponse:
        """Answer one request; every failure becomes AWS's error answer."""
        try:
            connection_id = connection_id_of(request.target, self.stage)
            if request.method == "POST":
                await self.post(connection_id, request.body)
                return HttpResponse(200)
            if request.method == "GET":
                return json_response(200, self.registry.info(connection_id))
            if request.method == "DELETE":
                await self.delete(connection_id)
                return HttpResponse(204)
            raise ForbiddenException(
                f"Method {request.method} is not allowed on @connections; use POST, GET or DELETE."
            )
        except ManagementError as error:
            return error_response(error)

    async def post(self, connection_id: str, data: bytes) -> None:
        """Deliver ``data`` as one message, text if it is UTF-8, binary otherwise, in frames
        of at most 32 KB as API Gateway sends it (:func:`local_ws.models.frames_of`)."""
        self.registry.check_payload(data)
        conn = self.registry.live(connection_id)
        frames = frames_of(data)
        await conn.socket.send(frames[0] if len(frames) == 1 else frames)

    async def delete(self, connection_id: str) -> None:
        """Close the connection; ``$disconnect`` runs when the close completes."""
        conn = self.registry.live(connection_id)
        conn.closing = True
        await conn.socket.close(1000, "")


def bad_request(message: str) -> HttpResponse:
    """A ``400 BadRequestException`` answer."""
    return error_response(BadRequestException(message))


__all__ = [
    "GoneException",
    "HttpProtocolError",
    "HttpRequest",
    "HttpResponse",
    "ManagementAPI",
    "bad_request",
    "connection_id_of",
    "content_length",
    "error_response",
    "parse_head",
    "serialize",
]
