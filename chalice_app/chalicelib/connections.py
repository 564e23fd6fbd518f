"""Which WebSocket connections watch which build: the connections table.

``$connect`` adds (build, connection); ``$disconnect`` only knows the connection id, so it goes
through the ``by_connection`` index. Items expire (TTL ``expires_at``); since DynamoDB deletes
expired items lazily, ``registrations`` also skips items past their expiry. A connection's item also
holds its resume budget (``resume_tokens``, ``resume_at``, ``resume_uses``: see
:mod:`chalicelib.ratelimit`).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

from botocore.exceptions import BotoCoreError, ClientError

from apkgen_core.registrations import Registration
from chalicelib import dynamo
from chalicelib.errors import StoreError, error_code
from chalicelib.ratelimit import Taken, TokenBucket

BY_CONNECTION_INDEX = "by_connection"
# Tries of the read-then-conditional-write of a resume budget when resumes race.
_TAKE_TRIES = 3


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

    def builds_of(self, connection_id: str) -> list[str]:
        """The builds ``connection_id`` is registered for (normally one), via the index."""
        kwargs: dict[str, Any] = {
            "TableName": self._table,
            "IndexName": BY_CONNECTION_INDEX,
            "KeyConditionExpression": "connection_id = :c",
            "ExpressionAttributeValues": dynamo.values({":c": connection_id}),
        }
        builds: list[str] = []
        while True:
            try:
                answer = self._db.query(**kwargs)
            except (ClientError, BotoCoreError) as exc:
                raise StoreError.from_boto(f"look up connection {connection_id}", exc) from exc
            builds.extend(item["build_id"]["S"] for item in answer.get("Items", []))
            if "LastEvaluatedKey" not in answer:
                return builds
            kwargs["ExclusiveStartKey"] = answer["LastEvaluatedKey"]

    def take_resume(
        self, build_id: str, connection_id: str, now: float, bucket: TokenBucket
    ) -> Taken | None:
        """Take one resume from the connection's budget: read the item (strongly consistent),
        decide with ``bucket``, and when allowed store the tokens left with a write that holds
        only if nobody else spent them meanwhile (else read again). Returns None when the
        connection is not registered for ``build_id``. Raises StoreError."""
        key = dynamo.to_item({"build_id": build_id, "connection_id": connection_id})
        for _ in range(_TAKE_TRIES):
            try:
                item = self._db.get_item(
                    TableName=self._table, Key=key, ConsistentRead=True,
                    ProjectionExpression="connection_id, resume_tokens, resume_at, resume_uses",
                ).get("Item")
            except (ClientError, BotoCoreError) as exc:
                raise StoreError.from_boto(f"read the budget of {connection_id}", exc) from exc
            if item is None:
                return None
            state = dynamo.from_item(item)
            taken = bucket.take(state.get("resume_tokens"), state.get("resume_at"), now)
            if not taken.allowed:
                return taken
            # ``resume_uses`` counts the resumes taken: the write holds only if it is unchanged.
            uses = state.get("resume_uses")
            condition = "attribute_exists(connection_id) AND " + (
                "attribute_not_exists(resume_uses)" if uses is None else "resume_uses = :before")
            values = {":tokens": round(taken.tokens, 3), ":now": now, ":after": (uses or 0) + 1}
            if uses is not None:
                values[":before"] = uses
            try:
                self._db.update_item(
                    TableName=self._table, Key=key,
                    UpdateExpression="SET resume_tokens = :tokens, resume_at = :now, "
                                     "resume_uses = :after",
                    ConditionExpression=condition,
                    ExpressionAttributeValues=dynamo.values(values),
                )
            except ClientError as exc:
                if error_code(exc) == "ConditionalCheckFailedException":
                    continue  # another resume of this connection spent tokens: count again
                raise StoreError.from_boto(f"spend the budget of {connection_id}", exc) from exc
            except BotoCoreError as exc:
                raise StoreError.from_boto(f"spend the budget of {connection_id}", exc) from exc
            return taken
        return Taken(False, 0.0, 1.0 / bucket.per_s)  # resumes race: this one waits a token

    def remove_connection(self, connection_id: str) -> list[str]:
        """Forget every registration of ``connection_id``; returns the builds it watched."""
        builds = self.builds_of(connection_id)
        for build_id in builds:
            self.remove(build_id, connection_id)
        return builds

    def registrations(
        self, build_id: str, now: float | None = None
    ) -> list[Registration]:
        """The viewers of ``build_id`` whose registration has not expired, each with its
        ``connected_at`` (the ``now`` given to :meth:`add`; 0.0 for an item written without it)
        and whether it has resumed, in one strongly consistent Query."""
        now = self._clock() if now is None else now
        kwargs: dict[str, Any] = {
            "TableName": self._table,
            "KeyConditionExpression": "build_id = :b",
            "ExpressionAttributeValues": dynamo.values({":b": build_id}),
            "ProjectionExpression": "connection_id, expires_at, connected_at, resume_uses",
            "ConsistentRead": True,
        }
        out: list[Registration] = []
        while True:
            try:
                answer = self._db.query(**kwargs)
            except (ClientError, BotoCoreError) as exc:
                raise StoreError.from_boto(f"list connections of build {build_id}", exc) from exc
            for item in answer.get("Items", []):
                expires = item.get("expires_at")
                if expires is None or float(expires["N"]) > now:
                    connected = item.get("connected_at")
                    out.append(Registration(
                        item["connection_id"]["S"],
                        float(connected["N"]) if connected else 0.0,
                        "resume_uses" in item,
                    ))
            if "LastEvaluatedKey" not in answer:
                return out
            kwargs["ExclusiveStartKey"] = answer["LastEvaluatedKey"]
