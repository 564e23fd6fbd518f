"""The persisted build log: chunks of consecutive lines in the logs table.

One item per chunk (sort key ``last_seq``, plus ``first_seq`` and the lines as JSON text), so
reading "everything after SEQ" is one Query on ``last_seq > SEQ`` that drops the lines of the
first chunk that are ``<= SEQ``. A line is a dict with at least ``seq`` (int, from 1, growing).
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Iterator, Sequence
from typing import Any

from botocore.exceptions import BotoCoreError, ClientError

from chalicelib import dynamo
from chalicelib.errors import InvalidRequest, StoreError

# DynamoDB items are at most 400 KB; chunks stay well below so attribute names and numbers fit.
MAX_CHUNK_BYTES = 300 * 1024
# BatchWriteItem takes at most 25 items (25 chunks of 300 KB stay under its 16 MB).
BATCH_ITEMS = 25
BATCH_ATTEMPTS = 3


def chunk_encoded(
    lines: Sequence[tuple[int, bytes]], max_bytes: int = MAX_CHUNK_BYTES
) -> list[list[tuple[int, bytes]]]:
    """Split ``(seq, compact JSON bytes)`` lines into runs whose JSON array stays under
    ``max_bytes`` (a lone bigger line stays alone: the fan-out already truncates lines far
    below this). Pure."""
    chunks: list[list[tuple[int, bytes]]] = []
    current: list[tuple[int, bytes]] = []
    size = 2
    for entry in lines:
        line_size = len(entry[1]) + 1
        if current and size + line_size > max_bytes:
            chunks.append(current)
            current, size = [], 2
        current.append(entry)
        size += line_size
    if current:
        chunks.append(current)
    return chunks


def _check_encoded(lines: Sequence[tuple[int, bytes]]) -> None:
    """Raise InvalidRequest unless the seqs of ``(seq, bytes)`` lines are ints that grow."""
    previous = 0
    for index, (seq, _) in enumerate(lines):
        if type(seq) is not int or seq <= previous:
            raise InvalidRequest(
                f"log line {index} has seq {seq!r} after seq {previous}: seqs must grow"
            )
        previous = seq


def _chunk_item(
    build_id: str, first_seq: int, last_seq: int, lines_json: bytes, expires_at: int
) -> dict[str, Any]:
    return {
        "build_id": {"S": build_id},
        "last_seq": {"N": str(last_seq)},
        "first_seq": {"N": str(first_seq)},
        "lines": {"S": lines_json.decode("utf-8")},
        "expires_at": {"N": str(expires_at)},
    }


class LogStore:
    """Appends and reads a build's log lines. Raises StoreError (with the AWS code)."""

    def __init__(
        self,
        dynamodb_client: Any,
        table: str,
        ttl_days: int,
        *,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self._db = dynamodb_client
        self._table = table
        self._ttl_s = ttl_days * 86400
        self._clock = clock

    def append_encoded_batch(
        self, appends: Sequence[tuple[str, Sequence[tuple[int, bytes]]]]
    ) -> None:
        """Store each build's ``(seq, compact JSON bytes)`` lines (in seq order, all after what
        is stored: the bytes the fan-out encoded once, stored as they are) as chunk items, for
        several builds at once in as few ``BatchWriteItem`` calls as DynamoDB allows (25 chunk
        items each). Items DynamoDB leaves unprocessed are
        sent again (at most :data:`BATCH_ATTEMPTS` tries); raises StoreError if any is left,
        in which case some of the builds' chunks may be stored and some not (rewriting a chunk
        is harmless: same key, same lines)."""
        expires_at = int(self._clock()) + self._ttl_s
        requests: list[dict[str, Any]] = []
        for build_id, lines in appends:
            _check_encoded(lines)
            for chunk in chunk_encoded(lines):
                requests.append({"PutRequest": {"Item": _chunk_item(
                    build_id, chunk[0][0], chunk[-1][0],
                    b"[" + b",".join(data for _, data in chunk) + b"]", expires_at,
                )}})
        for start in range(0, len(requests), BATCH_ITEMS):
            self._write_batch(requests[start:start + BATCH_ITEMS])

    def _write_batch(self, requests: list[dict[str, Any]]) -> None:
        pending = {self._table: requests}
        for _ in range(BATCH_ATTEMPTS):
            try:
                answer = self._db.batch_write_item(RequestItems=pending)
            except (ClientError, BotoCoreError) as exc:
                raise StoreError.from_boto("append log lines of several builds", exc) from exc
            pending = answer.get("UnprocessedItems") or {}
            if not pending:
                return
        left = sum(len(items) for items in pending.values())
        raise StoreError(
            f"append log lines of several builds: DynamoDB left {left} chunk(s) unprocessed "
            f"after {BATCH_ATTEMPTS} tries (throttled); write them again later",
            "UnprocessedItems",
        )

    def _chunks_after(self, build_id: str, after: int) -> Iterator[list[dict[str, Any]]]:
        kwargs: dict[str, Any] = {
            "TableName": self._table,
            "KeyConditionExpression": "build_id = :b AND last_seq > :after",
            "ExpressionAttributeValues": dynamo.values({":b": build_id, ":after": after}),
            "ProjectionExpression": "#lines",
            "ExpressionAttributeNames": {"#lines": "lines"},
            "ScanIndexForward": True,
            "ConsistentRead": True,
        }
        while True:
            try:
                answer = self._db.query(**kwargs)
            except (ClientError, BotoCoreError) as exc:
                raise StoreError.from_boto(f"read log of build {build_id}", exc) from exc
            for item in answer.get("Items", []):
                yield json.loads(item["lines"]["S"])
            if "LastEvaluatedKey" not in answer:
                return
            kwargs["ExclusiveStartKey"] = answer["LastEvaluatedKey"]

    def read(self, build_id: str, after: int, limit: int) -> tuple[list[dict[str, Any]], bool]:
        """Lines with ``seq > after`` in order, at most ``limit`` of them, and whether more
        exist. Raises InvalidRequest for a negative ``after`` or a ``limit`` below 1."""
        if after < 0:
            raise InvalidRequest(f"after must be 0 or more, not {after}")
        if limit < 1:
            raise InvalidRequest(f"limit must be 1 or more, not {limit}")
        out: list[dict[str, Any]] = []
        for chunk in self._chunks_after(build_id, after):
            out.extend(line for line in chunk if line["seq"] > after)
            if len(out) > limit:
                break
        return out[:limit], len(out) > limit

    def last_seq(self, build_id: str) -> int:
        """The highest stored seq of the build, 0 if nothing is stored."""
        try:
            answer = self._db.query(
                TableName=self._table,
                KeyConditionExpression="build_id = :b",
                ExpressionAttributeValues=dynamo.values({":b": build_id}),
                ProjectionExpression="last_seq",
                ScanIndexForward=False,
                Limit=1,
                ConsistentRead=True,
            )
        except (ClientError, BotoCoreError) as exc:
            raise StoreError.from_boto(f"read last seq of build {build_id}", exc) from exc
        items = answer.get("Items", [])
        return int(items[0]["last_seq"]["N"]) if items else 0
