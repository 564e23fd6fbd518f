"""The tiny Chalice app the local_ws tests serve, built inline, and what records its events."""

from __future__ import annotations

import threading
from typing import Any

import boto3
from chalice import Chalice, WebsocketDisconnectedError

from local_ws import RunningLocalWs

WAIT_S = 10.0


class Recorder:
    """The events the app's handlers saw, with a way to wait for one."""

    def __init__(self) -> None:
        self.events: list[dict[str, Any]] = []
        self._changed = threading.Condition()

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
    """$connect refuses ``?build=unknown`` (403) and fails on ``?build=boom``; $default echoes
    through ``app.websocket_api.send`` and raises on ``boom``; every event is recorded."""
    app = Chalice(app_name="local-ws-test")
    app.experimental_feature_flags.update(["WEBSOCKETS"])
    app.websocket_api.session = boto3_session()

    @app.on_ws_connect()
    def connect(event: Any) -> dict[str, Any]:
        recorder.add(event.to_dict())
        build = (event.to_dict().get("queryStringParameters") or {}).get("build")
        if build == "unknown":
            return {"statusCode": 404, "body": "no such build"}
        if build == "boom":
            raise RuntimeError("connect handler bug")
        return {"statusCode": 200}

    @app.on_ws_message()
    def message(event: Any) -> None:
        recorder.add(event.to_dict())
        if event.body == "boom":
            raise RuntimeError("message handler bug")
        try:
            app.websocket_api.send(event.connection_id, "echo:" + event.body)
        except WebsocketDisconnectedError:
            recorder.add({"requestContext": {"routeKey": "gone"}})

    @app.on_ws_disconnect()
    def disconnect(event: Any) -> None:
        recorder.add(event.to_dict())

    return app


def management_client(server: RunningLocalWs) -> Any:
    """A boto3 ``apigatewaymanagementapi`` client for ``server``, configured as the runner does."""
    return management_client_for(server.management_url)


def management_client_for(endpoint_url: str) -> Any:
    return boto3_session().client("apigatewaymanagementapi", endpoint_url=endpoint_url)
