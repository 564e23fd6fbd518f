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

* ``$connect`` answering a non-2xx ``statusCode`` refuses the handshake with that status, as
  a Lambda proxy integration does (the developer guide's subprotocol example returns 400 and
  ``wscat`` reports "Unexpected server response: 400"; a 2xx answer lets the connection be
  made). A handler that raises, or answers something that is not a status code, refuses it with
  502, API Gateway's answer for a failed or malformed Lambda integration.
* The headers ``$connect`` answers go into the handshake's answer (the 101, or the refusal):
  that is how an API picks a subprotocol ("Set up a $connect route that requires a WebSocket
  subprotocol": the function returns ``headers: {"Sec-WebSocket-Protocol": "myprotocol"}``).
  A client that asked for a subprotocol gets one only when ``$connect`` returns it; clients
  such as Node's ``ws`` or ``wscat -s`` then refuse the connection, as they do on AWS. Headers
  that belong to the handshake itself (``Upgrade``, ``Sec-WebSocket-Accept``, ...) are dropped.
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
# What API Gateway answers when the $connect integration fails (raises, times out, answers
# something that is not a Lambda proxy response).
FAILED_STATUS = 502
FAILED_BODY = '{"message": "Internal server error"}'
# Headers the WebSocket handshake owns: a $connect answer cannot replace them.
HANDSHAKE_HEADERS = frozenset(
    {
        "connection",
        "upgrade",
        "sec-websocket-accept",
        "sec-websocket-extensions",
        "sec-websocket-version",
        "content-length",
        "transfer-encoding",
    }
)
LAMBDA_MEMORY_MB = 128
LAMBDA_TIMEOUT_MS = 29_000  # API Gateway's integration timeout


@dataclass(frozen=True)
class ConnectOutcome:
    """What ``$connect`` decided: accept the handshake, or refuse it with ``status`` and
    ``body``; ``headers`` go into the handshake's answer either way."""

    accepted: bool
    status: int
    body: str = ""
    headers: tuple[tuple[str, str], ...] = ()


def answer_headers(response: dict[str, Any]) -> tuple[tuple[str, str], ...]:
    """The headers of a Lambda proxy answer (``headers`` and ``multiValueHeaders``, as Chalice's
    ``Response.to_dict`` splits them), without the handshake's own. Pure."""
    single = response.get("headers")
    multi = response.get("multiValueHeaders")
    single = single if isinstance(single, dict) else {}
    multi = multi if isinstance(multi, dict) else {}
    pairs = [(str(k), str(v)) for k, v in single.items() if k not in multi]
    pairs += [(str(k), str(v)) for k, values in multi.items() for v in values or []]
    return tuple((k, v) for k, v in pairs if k.lower() not in HANDSHAKE_HEADERS)


def connect_outcome(response: Any) -> ConnectOutcome:
    """What API Gateway does with the answer of a ``$connect`` Lambda proxy integration. Pure.

    No answer (or one without ``statusCode``) accepts with 200; a 2xx accepts; any other valid
    status refuses with that status; a status that is not an HTTP one is a failed integration
    (502)."""
    if not isinstance(response, dict):
        return ConnectOutcome(True, 200)
    try:
        status = int(response.get("statusCode", 200))
    except (TypeError, ValueError):
        return ConnectOutcome(False, FAILED_STATUS, FAILED_BODY)
    if not 200 <= status <= 599:
        return ConnectOutcome(False, FAILED_STATUS, FAILED_BODY)
    body = response.get("body")
    text = "" if body is None else body if isinstance(body, str) else json.dumps(body)
    return ConnectOutcome(200 <= status < 300, status, text, answer_headers(response))


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
        """Run ``$connect``; accept on a 2xx ``statusCode`` (or without a handler), refuse with
        the handler's status otherwise, or with 502 if it raised (:func:`connect_outcome`)."""
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
            return ConnectOutcome(False, FAILED_STATUS, FAILED_BODY)
        outcome = connect_outcome(response)
        if not outcome.accepted:
            logger.info(
                "$connect refused connection %s with %s: %s",
                conn.connection_id,
                outcome.status,
                outcome.body[:200],
            )
        return outcome

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


def _error_frame(message: str, connection_id: str, request_id: str) -> str:
    return json.dumps({"message": message, "connectionId": connection_id, "requestId": request_id})
