"""Which WebSocket connections watch which build: the connections table.

``$connect`` adds (build, connection); ``$disconnect`` only knows the connection id, so it goes
through the ``by_connection`` index. Items expire (TTL ``expires_at``); since DynamoDB deletes
expired items lazily, ``list`` also skips items past their expiry.
"""

from __future__ import annotations

import builtins
import time
from collections.abc import Callable
from typing import Any

from botocore.exceptions import BotoCoreError, ClientError

from chalicelib import dynamo
from chalicelib.errors import StoreError

BY_CONNECTION_INDEX = "by_connection"


class ConnectionStore:
    """Registrations of viewers. Raises StoreError (with the AWS code) when DynamoDB fails."""

    def __init__(
        self,
        dynamodb_client: Any,
        table: str,
        ttl_s: int,
        *,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self._db = dynamodb_client
        self._table = table
        self._ttl_s = ttl_s
        self._clock = clock

    def add(self, build_id: str, connection_id: str, now: float) -> None:
        """Register ``connection_id`` as a viewer of ``build_id`` until ``now + ttl_s``."""
        item = dynamo.to_item(
            {
                "build_id": build_id,
                "connection_id": connection_id,
                "connected_at": now,
                "expires_at": int(now) + self._ttl_s,
            }
        )
        try:
            self._db.put_item(TableName=self._table, Item=item)
        except (ClientError, BotoCoreError) as exc:
            raise StoreError.from_boto(f"register connection {connection_id}", exc) from exc

    def remove(self, build_id: str, connection_id: str) -> None:
        """Forget one registration (no error if it is already gone)."""
        try:
            self._db.delete_item(
                TableName=self._table,
                Key=dynamo.to_item({"build_id": build_id, "connection_id": connection_id}),
            )
        except (ClientError, BotoCoreError) as exc:
            raise StoreError.from_boto(f"remove connection {connection_id}", exc) from exc

    def builds_of(self, connection_id: str) -> builtins.list[str]:
        """The builds ``connection_id`` is registered for (normally one), via the index."""
        kwargs: dict[str, Any] = {
            "TableName": self._table,
            "IndexName": BY_CONNECTION_INDEX,
            "KeyConditionExpression": "connection_id = :c",
            "ExpressionAttributeValues": dynamo.values({":c": connection_id}),
        }
        builds: builtins.list[str] = []
        while True:
            try:
                answer = self._db.query(**kwargs)
            except (ClientError, BotoCoreError) as exc:
                raise StoreError.from_boto(f"look up connection {connection_id}", exc) from exc
            builds.extend(item["build_id"]["S"] for item in answer.get("Items", []))
            if "LastEvaluatedKey" not in answer:
                return builds
            kwargs["ExclusiveStartKey"] = answer["LastEvaluatedKey"]

    def remove_connection(self, connection_id: str) -> builtins.list[str]:
        """Forget every registration of ``connection_id``; returns the builds it watched."""
        builds = self.builds_of(connection_id)
        for build_id in builds:
            self.remove(build_id, connection_id)
        return builds

    def list(self, build_id: str, now: float | None = None) -> builtins.list[str]:
        """The connection ids watching ``build_id`` whose registration has not expired."""
        return [connection_id for connection_id, _ in self.registrations(build_id, now)]

    def registrations(
        self, build_id: str, now: float | None = None
    ) -> builtins.list[tuple[str, float]]:
        """:meth:`list` with each connection's ``connected_at`` (the ``now`` given to
        :meth:`add`; 0.0 for an item written without it), in one strongly consistent Query."""
        now = self._clock() if now is None else now
        kwargs: dict[str, Any] = {
            "TableName": self._table,
            "KeyConditionExpression": "build_id = :b",
            "ExpressionAttributeValues": dynamo.values({":b": build_id}),
            "ProjectionExpression": "connection_id, expires_at, connected_at",
            "ConsistentRead": True,
        }
        out: builtins.list[tuple[str, float]] = []
        while True:
            try:
                answer = self._db.query(**kwargs)
            except (ClientError, BotoCoreError) as exc:
                raise StoreError.from_boto(f"list connections of build {build_id}", exc) from exc
            for item in answer.get("Items", []):
                expires = item.get("expires_at")
                if expires is None or float(expires["N"]) > now:
                    connected = item.get("connected_at")
                    out.append(
                        (item["connection_id"]["S"], float(connected["N"]) if connected else 0.0)
                    )
            if "LastEvaluatedKey" not in answer:
                return out
            kwargs["ExclusiveStartKey"] = answer["LastEvaluatedKey"]
