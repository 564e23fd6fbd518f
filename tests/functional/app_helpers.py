"""Helpers for the Chalice app tests (the ``api`` fixture itself is in conftest.py)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from chalice.test import Client

from apkgen_core.settings import Settings
from chalicelib.aws import AwsClients
from chalicelib.service import BuildService
from tests.functional.connections_recorder import ConnectionsRecorder

CHALICE_DIR = Path(__file__).resolve().parents[2] / "chalice_app"
SAMPLES = Path(__file__).resolve().parents[2] / ".." / "shared" / "samples" / "open-event"
NOW = 1_750_000_000.0


@dataclass
class Api:
    client: Client
    settings: Settings
    clients: AwsClients
    service: BuildService
    connections: ConnectionsRecorder


def ws_event(kind: str, connection_id: str, *, body: str | None = None,
             query: dict[str, str] | None = None) -> dict[str, Any]:
    """An API Gateway WebSocket event (``CONNECT``, ``MESSAGE`` or ``DISCONNECT``)."""
    route = {"CONNECT": "$connect", "MESSAGE": "$default", "DISCONNECT": "$disconnect"}[kind]
    return {
        "requestContext": {
            "routeKey": route,
            "eventType": kind,
            "connectionId": connection_id,
            "domainName": "abc123.execute-api.us-east-1.amazonaws.com",
            "stage": "test",
            "apiId": "abc123",
            "requestId": "req-1",
            "connectedAt": 1_750_000_000_000,
        },
        "queryStringParameters": query,
        "body": body,
        "isBase64Encoded": False,
    }
