"""Pure builders for the Lambda proxy events API Gateway's WebSocket API sends.

Shapes follow the events API Gateway delivers to a Lambda integration (see the "WebSocket API
Lambda proxy integration" examples in the API Gateway developer guide):

* ``$connect``: ``headers``/``multiValueHeaders`` of the upgrade request (plus the
  ``X-Forwarded-*`` headers API Gateway adds), ``queryStringParameters``/
  ``multiValueQueryStringParameters`` (absent when the URL has no query string, as on AWS),
  ``requestContext`` with ``eventType: CONNECT`` and ``isBase64Encoded: false``.
* ``$default``: ``requestContext`` with ``eventType: MESSAGE`` and a ``messageId``; ``body`` is
  the message's text. (A binary frame never gets here: API Gateway closes the connection with
  1003, see :mod:`local_ws.server`; :func:`message_event` still encodes bytes as base64 with
  ``isBase64Encoded: true`` for callers that build such events.)
* ``$disconnect``: the fixed headers API Gateway sends, ``disconnectStatusCode`` and
  ``disconnectReason`` in ``requestContext``.

No sockets, no clocks: the caller passes the times (epoch milliseconds) and ids, so every shape is
tested without a network.
"""

from __future__ import annotations

import base64
import secrets
import time
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qsl

# AWS ids (connection, request, message) are 16 characters of URL-safe base64 ending in "=",
# e.g. "JC1dgf9yoAMCK-g=" or "L0SM9cOFvHcCIhw=": 11 bytes, alphabet A-Z a-z 0-9 "-" "_". The
# "=" still has to be URL-encoded in an @connections path (botocore does it); ids with "+" or
# "/" (``connection_id_factory``) are decoded too.
_ID_BYTES = 11


def new_aws_id() -> str:
    """A fresh id shaped like API Gateway's connection/request ids (16 chars, URL-safe base64)."""
    return base64.urlsafe_b64encode(secrets.token_bytes(_ID_BYTES)).decode("ascii")


def identity_of(source_ip: str, user_agent: str | None) -> dict[str, str]:
    """``requestContext.identity``: ``userAgent`` only when the client sent a ``User-Agent``
    header: absent, not null, when it sent none (a JSON null reaches handlers as ``None`` and
    breaks code that reads it as text)."""
    identity = {"sourceIp": source_ip}
    if user_agent is not None:
        identity["userAgent"] = user_agent
    return identity


@dataclass(frozen=True)
class ApiContext:
    """What identifies the API: the same for every event of one gateway."""

    stage: str
    domain_name: str
    api_id: str


@dataclass(frozen=True)
class ConnectionInfo:
    """What API Gateway remembers about a connection and repeats in every event."""

    connection_id: str
    connected_at_ms: int
    source_ip: str
    user_agent: str | None


def request_time(epoch_ms: int) -> str:
    """API Gateway's ``requestTime`` format: ``09/Feb/2019:22:50:49 +0000``."""
    return time.strftime("%d/%b/%Y:%H:%M:%S +0000", time.gmtime(epoch_ms / 1000))


def _request_context(
    api: ApiContext,
    conn: ConnectionInfo,
    *,
    route_key: str,
    event_type: str,
    request_id: str,
    now_ms: int,
) -> dict[str, Any]:
    return {
        "routeKey": route_key,
        "eventType": event_type,
        "extendedRequestId": request_id,
        "requestTime": request_time(now_ms),
        "messageDirection": "IN",
        "stage": api.stage,
        "connectedAt": conn.connected_at_ms,
        "requestTimeEpoch": now_ms,
        "identity": identity_of(conn.source_ip, conn.user_agent),
        "requestId": request_id,
        "domainName": api.domain_name,
        "connectionId": conn.connection_id,
        "apiId": api.api_id,
    }


def _single_and_multi(
    pairs: Iterable[tuple[str, str]],
) -> tuple[dict[str, str], dict[str, list[str]]]:
    """API Gateway's two views of repeated keys: the last value, and every value in order."""
    single: dict[str, str] = {}
    multi: dict[str, list[str]] = {}
    for key, value in pairs:
        single[key] = value
        multi.setdefault(key, []).append(value)
    return single, multi


def connect_event(
    api: ApiContext,
    conn: ConnectionInfo,
    *,
    headers: Iterable[tuple[str, str]],
    query_string: str,
    request_id: str,
    now_ms: int,
    forwarded_port: int = 80,
) -> dict[str, Any]:
    """The ``$connect`` event for an upgrade request with these headers and query string."""
    header_pairs = [(k, v) for k, v in headers]
    present = {k.lower() for k, _ in header_pairs}
    # API Gateway adds the X-Forwarded-* headers of its load balancer.
    if "x-forwarded-for" not in present:
        header_pairs.append(("X-Forwarded-For", conn.source_ip))
    if "x-forwarded-port" not in present:
        header_pairs.append(("X-Forwarded-Port", str(forwarded_port)))
    if "x-forwarded-proto" not in present:
        header_pairs.append(("X-Forwarded-Proto", "http"))
    single_headers, multi_headers = _single_and_multi(header_pairs)
    event: dict[str, Any] = {
        "headers": single_headers,
        "multiValueHeaders": multi_headers,
        "requestContext": _request_context(
            api,
            conn,
            route_key="$connect",
            event_type="CONNECT",
            request_id=request_id,
            now_ms=now_ms,
        ),
        "isBase64Encoded": False,
    }
    query_pairs = parse_qsl(query_string, keep_blank_values=True)
    if query_pairs:
        single_query, multi_query = _single_and_multi(query_pairs)
        event["queryStringParameters"] = single_query
        event["multiValueQueryStringParameters"] = multi_query
    return event


def message_event(
    api: ApiContext,
    conn: ConnectionInfo,
    *,
    body: str | bytes,
    request_id: str,
    message_id: str,
    now_ms: int,
    route_key: str = "$default",
) -> dict[str, Any]:
    """The ``$default`` (or custom route) event for one frame from the client."""
    context = _request_context(
        api,
        conn,
        route_key=route_key,
        event_type="MESSAGE",
        request_id=request_id,
        now_ms=now_ms,
    )
    context["messageId"] = message_id
    if isinstance(body, bytes):
        return {
            "requestContext": context,
            "body": base64.b64encode(body).decode("ascii"),
            "isBase64Encoded": True,
        }
    return {"requestContext": context, "body": body, "isBase64Encoded": False}


def disconnect_event(
    api: ApiContext,
    conn: ConnectionInfo,
    *,
    status_code: int,
    reason: str,
    request_id: str,
    now_ms: int,
) -> dict[str, Any]:
    """The ``$disconnect`` event; ``status_code``/``reason`` are the WebSocket close code/reason."""
    # API Gateway sends these fixed headers on $disconnect, not the client's.
    headers = [
        ("Host", api.domain_name),
        ("x-api-key", ""),
        ("X-Forwarded-For", ""),
        ("x-restapi", ""),
    ]
    single_headers, multi_headers = _single_and_multi(headers)
    context = _request_context(
        api,
        conn,
        route_key="$disconnect",
        event_type="DISCONNECT",
        request_id=request_id,
        now_ms=now_ms,
    )
    context["disconnectStatusCode"] = status_code
    context["disconnectReason"] = reason
    return {
        "headers": single_headers,
        "multiValueHeaders": multi_headers,
        "requestContext": context,
        "isBase64Encoded": False,
    }


# What API Gateway puts in disconnectReason for the close codes it sees most.
CLOSE_REASONS: dict[int, str] = {
    1000: "Client-side close frame status set to 1000",
    1001: "Going away",
    1005: "Client-side close frame status not set",
    1006: "Connection closed abnormally",
}


def disconnect_reason(code: int, reason: str) -> str:
    """The ``disconnectReason`` for a close: the peer's reason if it gave one, else AWS's text."""
    if reason:
        return reason
    return CLOSE_REASONS.get(code, f"Close code {code}")
