"""Invokes a Chalice app's WebSocket handlers in-process, the way API Gateway invokes Lambda.

No sockets: the server calls :meth:`Gateway.connect`, :meth:`Gateway.message` and
:meth:`Gateway.disconnect` (blocking; the server runs them on worker threads, as Lambda runs
concurrent invocations) and acts on what they return.

How Chalice wires WebSocket handlers: ``@app.on_ws_connect()`` etc. register a
``WebsocketConnectConfig`` under ``app.websocket_handlers[route_key]`` and the wrapped Lambda
handler — a ``WebsocketEventSourceHandler`` — under ``app.handler_map[config.name]``. That
wrapper calls ``app.websocket_api.configure_from_api_id(apiId, stage)`` and then the user's
function with a ``WebsocketEvent``. ``configure*`` keeps the first endpoint it is given, and it
can only build ``https://`` endpoints; so when the app has not configured one itself, the
gateway sets ``app.websocket_api``'s endpoint to the local management URL before the first
invocation (the one private attribute we touch), and ``app.websocket_api.send`` reaches
local_ws by configuration alone.

API Gateway parity:

* ``$connect`` answering a non-2xx ``statusCode`` refuses the handshake with HTTP 403 (the status
  API Gateway gives the client); a handler that raises refuses it with 500.
* An error in ``$default`` is logged and the client gets API Gateway's frame
  ``{"message": "Internal server error", "connectionId": ..., "requestId": ...}``; without a
  ``$default`` handler it gets ``{"message": "Forbidden", ...}``.
* The return value of ``$default`` is not sent back (Chalice configures no route responses).
* ``$disconnect`` errors are only logged: the socket is already gone.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from local_ws.events import (
    ApiContext,
    ConnectionInfo,
    connect_event,
    disconnect_event,
    disconnect_reason,
    message_event,
    new_aws_id,
)

logger = logging.getLogger("local_ws.gateway")

CONNECT, DEFAULT, DISCONNECT = "$connect", "$default", "$disconnect"
REFUSED_STATUS = 403
FAILED_STATUS = 500
LAMBDA_MEMORY_MB = 128
LAMBDA_TIMEOUT_MS = 29_000  # API Gateway's integration timeout


@dataclass(frozen=True)
class ConnectOutcome:
    """What ``$connect`` decided: accept the handshake, or refuse it with ``status``."""

    accepted: bool
    status: int
    detail: str


class _LambdaContext:
    """The parts of Lambda's context object handlers use."""

    def __init__(self, function_name: str, request_id: str) -> None:
        self.function_name = function_name
        self.function_version = "$LATEST"
        self.memory_limit_in_mb = LAMBDA_MEMORY_MB
        self.aws_request_id = request_id
        self.invoked_function_arn = f"arn:aws:lambda:local:000000000000:function:{function_name}"
        self.log_group_name = f"/aws/lambda/{function_name}"
        self.log_stream_name = "local_ws"

    def get_remaining_time_in_millis(self) -> int:
        return LAMBDA_TIMEOUT_MS


class Gateway:
    """One Chalice app behind one WebSocket API stage."""

    def __init__(
        self,
        app: Any,
        api: ApiContext,
        *,
        management_url: str | None = None,
        id_factory: Callable[[], str] = new_aws_id,
    ) -> None:
        handlers = getattr(app, "websocket_handlers", None)
        if handlers is None or not hasattr(app, "handler_map"):
            raise TypeError(
                f"{app!r} is not a Chalice app: it has no websocket_handlers/handler_map. "
                "Pass the object created by chalice.Chalice(app_name=...)."
            )
        self.app = app
        self.api = api
        self._new_id = id_factory
        websocket_api = getattr(app, "websocket_api", None)
        if websocket_api is not None and websocket_api._endpoint is None:
            if management_url:
                websocket_api._endpoint = management_url.rstrip("/")
            else:
                # What Chalice's wrapper would do, minus the region lookup it needs for it.
                websocket_api.configure(api.domain_name, api.stage)

    def _handler(self, route_key: str) -> tuple[str, Callable[..., Any]] | None:
        config = self.app.websocket_handlers.get(route_key)
        if config is None:
            return None
        return config.name, self.app.handler_map[config.name]

    def _invoke(self, route_key: str, event: dict[str, Any]) -> Any:
        found = self._handler(route_key)
        if found is None:
            return None
        name, handler = found
        context = _LambdaContext(name, event["requestContext"]["requestId"])
        return handler(event, context)

    def connect(
        self,
        conn: ConnectionInfo,
        *,
        headers: Iterable[tuple[str, str]],
        query_string: str,
        now_ms: int,
    ) -> ConnectOutcome:
        """Run ``$connect``; accept on a 2xx ``statusCode`` (or without a handler)."""
        event = connect_event(
            self.api,
            conn,
            headers=headers,
            query_string=query_string,
            request_id=self._new_id(),
            now_ms=now_ms,
        )
        try:
            response = self._invoke(CONNECT, event)
        except Exception:
            logger.exception("$connect handler failed for connection %s", conn.connection_id)
            return ConnectOutcome(False, FAILED_STATUS, "Internal server error")
        if response is None:
            return ConnectOutcome(True, 200, "")
        status = _status_of(response)
        if 200 <= status < 300:
            return ConnectOutcome(True, status, "")
        body = response.get("body") if isinstance(response, dict) else None
        logger.info("$connect refused connection %s with %s: %s", conn.connection_id, status, body)
        return ConnectOutcome(False, REFUSED_STATUS, "Forbidden")

    def message(self, conn: ConnectionInfo, body: str | bytes, *, now_ms: int) -> str | None:
        """Run ``$default`` for one frame. Returns the error frame to send back, if any."""
        request_id = self._new_id()
        event = message_event(
            self.api,
            conn,
            body=body,
            request_id=request_id,
            message_id=self._new_id(),
            now_ms=now_ms,
        )
        if self._handler(DEFAULT) is None:
            return _error_frame("Forbidden", conn.connection_id, request_id)
        try:
            self._invoke(DEFAULT, event)
        except Exception:
            logger.exception("$default handler failed for connection %s", conn.connection_id)
            return _error_frame("Internal server error", conn.connection_id, request_id)
        return None

    def disconnect(self, conn: ConnectionInfo, *, code: int, reason: str, now_ms: int) -> None:
        """Run ``$disconnect``; errors are logged, never raised (the socket is gone anyway)."""
        event = disconnect_event(
            self.api,
            conn,
            status_code=code,
            reason=disconnect_reason(code, reason),
            request_id=self._new_id(),
            now_ms=now_ms,
        )
        try:
            self._invoke(DISCONNECT, event)
        except Exception:
            logger.exception("$disconnect handler failed for connection %s", conn.connection_id)


def _status_of(response: Any) -> int:
    if isinstance(response, dict):
        try:
            return int(response.get("statusCode", 200))
        except (TypeError, ValueError):
            return FAILED_STATUS
    return 200


def _error_frame(message: str, connection_id: str, request_id: str) -> str:
    return json.dumps({"message": message, "connectionId": connection_id, "requestId": request_id})
