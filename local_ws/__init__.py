"""Local stand-in for API Gateway's WebSocket API and its ``@connections`` management API.

Layers, innermost first: :mod:`~local_ws.events` (pure Lambda event builders),
:mod:`~local_ws.gateway` (invokes a Chalice app's handlers, decides what ``$connect``'s answer
does to the handshake), :mod:`~local_ws.models` (connection registry and expiry),
:mod:`~local_ws.signing` (is a request SigV4-signed), :mod:`~local_ws.responses` (the
management API's HTTP answers), :mod:`~local_ws.localenv` (the defaults ``python -m local_ws``
gives an app), then the sockets: :mod:`~local_ws.management_server` (``@connections`` on aiohttp),
:mod:`~local_ws.sockets` (sending to a viewer), :mod:`~local_ws.server` (the WebSocket server
and expiry) and :mod:`~local_ws.background` (all of it on a thread of its own).

``start(app)`` for tests, ``python -m local_ws --app path/to/app.py:app`` on the command line
(README: "Run any Chalice WebSocket app locally").
"""

from local_ws.background import RunningLocalWs, start
from local_ws.errors import (
    AppLoadError,
    BadRequestException,
    ForbiddenException,
    GoneException,
    LimitExceededException,
    LocalWsError,
    ManagementError,
    PayloadTooLargeException,
)
from local_ws.server import LocalWebSocketAPI

__all__ = [
    "AppLoadError",
    "BadRequestException",
    "ForbiddenException",
    "GoneException",
    "LimitExceededException",
    "LocalWebSocketAPI",
    "LocalWsError",
    "ManagementError",
    "PayloadTooLargeException",
    "RunningLocalWs",
    "start",
]
