"""An echo server written like the one in Chalice's WebSocket tutorial.

Nothing local_ws-specific: the session is a plain ``boto3`` one and the app reads no settings,
so ``python -m local_ws --app echo/app.py:app`` must supply the region, the credentials and the
``@connections`` endpoint by itself.
"""

from __future__ import annotations

import contextlib

from boto3.session import Session
from chalice import Chalice, WebsocketDisconnectedError
from chalice.app import WebsocketEvent

app = Chalice(app_name="echo-server")
app.websocket_api.session = Session()
app.experimental_feature_flags.update(["WEBSOCKETS"])


@app.on_ws_message()
def message(event: WebsocketEvent) -> None:
    # A client that left before its echo could be sent needs nothing more.
    with contextlib.suppress(WebsocketDisconnectedError):
        app.websocket_api.send(connection_id=event.connection_id, message=event.body)
