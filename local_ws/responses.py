"""The ``@connections`` management API's HTTP answers: route, call the registry, serialize.

Like a moto ``responses.py``: HTTP semantics only, no sockets and no HTTP framework (the server
in :mod:`local_ws.management_server` parses the bytes and hands over an :class:`HttpRequest`).
Paths are ``/{stage}/@connections/{connectionId}`` with the methods ``POST`` (send data),
``GET`` (connection info) and ``DELETE`` (close). botocore URL-encodes the path (``@`` as
``%40``; ``=``, ``+`` and ``/`` of connection ids as ``%3D``, ``%2B``, ``%2F``), so the raw
request target is split on ``/`` *before* each segment is unquoted. Requests must carry a SigV4
signature, as on AWS (:mod:`local_ws.signing`: its shape is checked, not its value), unless the
API was built with ``require_signature=False``; an unsigned one is ``ForbiddenException`` (403).

Answers are exactly AWS's (``rest-json`` protocol): ``200`` with an empty body for POST,
``200`` with ``{"connectedAt", "lastActiveAt", "identity": {"sourceIp", "userAgent"}}`` for
GET, ``204`` for DELETE; errors carry ``x-amzn-ErrorType: <Code>`` and ``{"message": ...}`` so
botocore raises ``client.exceptions.<Code>`` (``GoneException`` 410,
``PayloadTooLargeException`` 413, ``LimitExceededException`` 429, ``ForbiddenException`` 403).

Before a body is read, :func:`body_refusal` decides whether the server takes it at all: a
chunked body (501) or one over the server's limit (413) is refused with ``{"message": ...}``
and no error type, as a plain HTTP server refuses it, and never reaches the registry.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from urllib.parse import unquote, urlsplit

from local_ws.errors import ForbiddenException, ManagementError
from local_ws.models import ConnectionRegistry, frames_of
from local_ws.signing import header, signature_refusal

CONNECTIONS_SEGMENT = "@connections"
JSON_HEADERS = {"Content-Type": "application/json"}


@dataclass(frozen=True)
class HttpRequest:
    """One request as the API needs it: ``target`` is the raw request target (still encoded);
    ``headers`` in any letter case (only ``Authorization`` is read)."""

    method: str
    target: str
    body: bytes = b""
    headers: Mapping[str, str] = field(default_factory=dict)


@dataclass
class HttpResponse:
    """One answer; the server adds the framing headers (length, date, connection)."""

    status: int
    body: bytes = b""
    headers: dict[str, str] = field(default_factory=dict)


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
    return HttpResponse(status, json.dumps(payload).encode(), dict(JSON_HEADERS))


def error_response(error: ManagementError) -> HttpResponse:
    """AWS's error answer: status, ``x-amzn-ErrorType`` and ``{"message": ...}``."""
    response = json_response(error.status, {"message": error.message})
    response.headers["x-amzn-ErrorType"] = error.code
    return response


def internal_error_response() -> HttpResponse:
    """API Gateway's answer when something behind it failed."""
    return json_response(500, {"message": "Internal server error"})


def body_refusal(
    content_length: int | None, *, chunked: bool, max_body_bytes: int
) -> HttpResponse | None:
    """The answer refusing a request's body before it is read, or None to read it. Pure.

    Chunked bodies are refused (botocore sends ``Content-Length`` for this API), and so are
    bodies over ``max_body_bytes``; smaller ones are read and judged by the registry (over
    128 KB is ``PayloadTooLargeException``)."""
    if chunked:
        return json_response(
            501, {"message": "Transfer-Encoding is not supported; send Content-Length"}
        )
    if content_length is not None and content_length > max_body_bytes:
        return json_response(
            413,
            {
                "message": f"body of {content_length} bytes is over this server's limit of "
                f"{max_body_bytes} bytes"
            },
        )
    return None


class ManagementAPI:
    """Answers one request at a time against the registry; the HTTP server owns the sockets.

    ``require_signature`` (default, as on AWS): a request that is not SigV4-signed is
    ``ForbiddenException`` before anything else is looked at."""

    def __init__(
        self, registry: ConnectionRegistry, stage: str, *, require_signature: bool = True
    ) -> None:
        self.registry = registry
        self.stage = stage
        self.require_signature = require_signature

    async def handle(self, request: HttpRequest) -> HttpResponse:
        """Answer one request; every :class:`ManagementError` becomes AWS's error answer."""
        try:
            if self.require_signature:
                refusal = signature_refusal(
                    header(request.headers, "Authorization"), request.target
                )
                if refusal is not None:
                    raise refusal
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
        # A message to the client restarts the idle timer too (see local_ws.models).
        self.registry.touch(connection_id)

    async def delete(self, connection_id: str) -> None:
        """Close the connection; ``$disconnect`` runs when the close completes."""
        conn = self.registry.live(connection_id)
        conn.closing = True
        await conn.socket.close(1000, "")
