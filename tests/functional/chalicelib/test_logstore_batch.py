"""Several builds' encoded lines in shared BatchWriteItem calls (moto), and what is left over."""

from __future__ import annotations

from typing import Any

import pytest

from apkgen_core.settings import Settings
from chalicelib.aws import AwsClients
from chalicelib.errors import InvalidRequest, StoreError
from chalicelib.logstore import BATCH_ATTEMPTS, LogStore


@pytest.fixture
def logs(aws: tuple[Settings, AwsClients]) -> LogStore:
    settings, clients = aws
    return LogStore(clients.dynamodb, settings.logs_table, 30, clock=lambda: 1_000_000.0)


def encoded(first: int, last: int, text: str = "x") -> list[tuple[int, bytes]]:
    return [(s, f'{{"seq":{s},"text":"{text}{s}"}}'.encode()) for s in range(first, last + 1)]


def test_stores_the_lines_of_several_builds_each_readable_in_order(logs: LogStore) -> None:
    logs.append_encoded_batch([("b1", encoded(1, 3)), ("b2", encoded(1, 2, "y"))])
    logs.append_encoded_batch([("b1", encoded(4, 5))])
    assert [line["seq"] for line in logs.read("b1", 0, 100)[0]] == [1, 2, 3, 4, 5]
    assert logs.read("b2", 0, 100)[0] == [{"seq": 1, "text": "y1"}, {"seq": 2, "text": "y2"}]


def test_more_than_25_chunks_go_out_in_several_batches(logs: LogStore) -> None:
    appends = [(f"build-{n}", encoded(1, 2)) for n in range(60)]
    logs.append_encoded_batch(appends)
    assert all(logs.last_seq(f"build-{n}") == 2 for n in range(60))


def test_refuses_a_build_whose_seqs_do_not_grow_before_writing_any(logs: LogStore) -> None:
    with pytest.raises(InvalidRequest, match="has seq 1 after seq 2"):
        logs.append_encoded_batch([("ok", encoded(1, 2)), ("bad", [(2, b"{}"), (1, b"{}")])])
    assert logs.last_seq("ok") == 0


class AlwaysThrottled:
    """A DynamoDB client that leaves every item unprocessed, as a throttled table does."""

    def __init__(self) -> None:
        self.calls = 0

    def batch_write_item(self, RequestItems: dict[str, Any]) -> dict[str, Any]:
        self.calls += 1
        return {"UnprocessedItems": RequestItems}


def test_items_left_unprocessed_are_retried_then_reported_with_what_to_do() -> None:
    client = AlwaysThrottled()
    logs = LogStore(client, "logs", 30)
    with pytest.raises(StoreError, match=r"1 chunk\(s\) unprocessed .* write them again") as err:
        logs.append_encoded_batch([("b1", encoded(1, 2))])
    assert err.value.code == "UnprocessedItems"
    assert client.calls == BATCH_ATTEMPTS
