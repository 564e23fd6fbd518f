"""The tiny Chalice app the local_ws tests serve, built inline, and what records its events."""

from __future__ import annotations

import threading
from typing import Any

import boto3
from chalice import Chalice, Response, WebsocketDisconnectedError

from local_ws import RunningLocalWs

WAIT_S = 10.0
SUBPROTOCOL = "chat.v1"


class Recorder:
    """The events the app's handlers saw, with a way to wait for one."""

    def __init__(self) -> None:
        self.events: list[dict[str, Any]] = []
        self._changed = threading.Condition()
        # Set by the message "release"; the message "hold" waits for it.
        self.released = threading.Event()

    def mark(self, name: str) -> None:
        """Record a point in a handler (``of(name)`` finds it) next to the events."""
        self.add({"requestContext": {"routeKey": name}})

    def order(self) -> list[str]:
        """Every route key and mark, in the order they were recorded."""
        with self._changed:
            return [e["requestContext"]["routeKey"] for e in self.events]

    def add(self, event: dict[str, Any]) -> None:
        with self._changed:
            self.events.append(event)
            self._changed.notify_all()

    def of(self, route_key: str) -> list[dict[str, Any]]:
        with self._changed:
            return [e for e in self.events if e["requestContext"]["routeKey"] == route_key]

    def wait_for(self, route_key: str, count: int = 1) -> list[dict[str, Any]]:
        with self._changed:
            ok = self._changed.wait_for(lambda: len(self.of(route_key)) >= count, WAIT_S)
        assert ok, f"{route_key} ran {len(self.of(route_key))} times, expected {count}"
        return self.of(route_key)


def boto3_session() -> boto3.session.Session:
    return boto3.session.Session(
        aws_access_key_id="testing", aws_secret_access_key="testing", region_name="us-east-1"
    )


def make_app(recorder: Recorder) -> Chalice:
    """$connect refuses ``?build=unknown`` (404) and ``?status=N`` (N), fails on
    ``?build=boom``, and picks the subprotocol ``chat.v1`` when the client offers it (as the
    developer guide's example picks ``myprotocol``); $default echoes through
    ``app.websocket_api.send``, raises on ``boom``, and on ``hold`` waits until a ``release``
    message arrives; every event is recorded."""
    app = Chalice(app_name="local-ws-test")
    app.experimental_feature_flags.update(["WEBSOCKETS"])
    app.websocket_api.session = boto3_session()

    @app.on_ws_connect()
    def connect(event: Any) -> Response | dict[str, Any]:
        recorder.add(event.to_dict())
        query = event.to_dict().get("queryStringParameters") or {}
        if query.get("build") == "unknown":
            return {"statusCode": 404, "body": "no such build"}
        if query.get("build") == "boom":
            raise RuntimeError("connect handler bug")
        if "status" in query:
            return Response(body={"message": "refused"}, status_code=int(query["status"]))
        headers = {k.lower(): v for k, v in event.to_dict()["headers"].items()}
        offered = [p.strip() for p in headers.get("sec-websocket-protocol", "").split(",")]
        if SUBPROTOCOL in offered:
            return Response(
                body="", headers={"Sec-WebSocket-Protocol": SUBPROTOCOL, "X-Chosen-By": "app"}
            )
        return {"statusCode": 200}

    @app.on_ws_message()
    def message(event: Any) -> None:
        recorder.add(event.to_dict())
        if event.body == "boom":
            raise RuntimeError("message handler bug")
        if event.body == "hold":
            recorder.mark("hold-start")
            recorder.mark("hold-end" if recorder.released.wait(WAIT_S) else "hold-timeout")
        if event.body == "release":
            recorder.released.set()
        try:
            app.websocket_api.send(event.connection_id, "echo:" + event.body)
        except WebsocketDisconnectedError:
            recorder.mark("gone")

    @app.on_ws_disconnect()
    def disconnect(event: Any) -> None:
        recorder.add(event.to_dict())

    return app


def management_client(server: RunningLocalWs) -> Any:
    """A boto3 ``apigatewaymanagementapi`` client for ``server``, configured as the runner does."""
    return management_client_for(server.management_url)


def management_client_for(endpoint_url: str) -> Any:
    return boto3_session().client("apigatewaymanagementapi", endpoint_url=endpoint_url)
