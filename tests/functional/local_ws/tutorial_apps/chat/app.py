"""A chat server in the style of Chalice's WebSocket chat tutorial: rooms kept in DynamoDB.

Commands: ``/name NAME``, ``/join ROOM``; any other text goes to everyone else in the sender's
room, and the sender gets ``(delivered to N)``. Each connection is one item of the table named
by ``CHAT_TABLE`` (key ``connection_id``; ``name``, ``room``), created on ``$connect`` in the
room ``lobby`` and deleted on ``$disconnect`` or when a post finds the connection gone.

The DynamoDB client is plain boto3: ``python -m local_ws --aws-endpoint URL`` points it at moto.
"""

from __future__ import annotations

import os
from typing import Any

import boto3
from boto3.dynamodb.conditions import Attr
from chalice import Chalice, WebsocketDisconnectedError
from chalice.app import WebsocketEvent

app = Chalice(app_name="chat-server")
app.websocket_api.session = boto3.session.Session()
app.experimental_feature_flags.update(["WEBSOCKETS"])

LOBBY = "lobby"


class Storage:
    """The connections of the chat, by id, in one DynamoDB table."""

    def __init__(self, table: Any) -> None:
        self._table = table

    def add(self, connection_id: str) -> None:
        self._table.put_item(Item={"connection_id": connection_id, "name": "anon", "room": LOBBY})

    def get(self, connection_id: str) -> dict[str, str]:
        item: dict[str, str] = self._table.get_item(Key={"connection_id": connection_id})["Item"]
        return item

    def set(self, connection_id: str, field: str, value: str) -> None:
        self._table.update_item(
            Key={"connection_id": connection_id},
            UpdateExpression="SET #f = :v",
            ExpressionAttributeNames={"#f": field},
            ExpressionAttributeValues={":v": value},
        )

    def in_room(self, room: str) -> list[str]:
        items = self._table.scan(FilterExpression=Attr("room").eq(room))["Items"]
        return [str(item["connection_id"]) for item in items]

    def remove(self, connection_id: str) -> None:
        self._table.delete_item(Key={"connection_id": connection_id})


def storage() -> Storage:
    table_name = os.environ.get("CHAT_TABLE", "chat-rooms")
    return Storage(app.websocket_api.session.resource("dynamodb").Table(table_name))


def send(connection_id: str, text: str) -> bool:
    """Send ``text``; a connection that is gone is forgotten. Returns whether it was sent."""
    try:
        app.websocket_api.send(connection_id=connection_id, message=text)
    except WebsocketDisconnectedError:
        storage().remove(connection_id)
        return False
    return True


@app.on_ws_connect()
def connect(event: WebsocketEvent) -> None:
    storage().add(event.connection_id)


@app.on_ws_message()
def message(event: WebsocketEvent) -> None:
    me = event.connection_id
    command, _, argument = event.body.partition(" ")
    if command == "/name":
        storage().set(me, "name", argument)
        send(me, f"Using name {argument}")
    elif command == "/join":
        storage().set(me, "room", argument)
        send(me, f"Joined {argument}")
    else:
        sender = storage().get(me)
        others = [c for c in storage().in_room(sender["room"]) if c != me]
        delivered = sum(send(other, f"{sender['name']}: {event.body}") for other in others)
        send(me, f"(delivered to {delivered})")


@app.on_ws_disconnect()
def disconnect(event: WebsocketEvent) -> None:
    storage().remove(event.connection_id)
