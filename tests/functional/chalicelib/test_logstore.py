"""The persisted log: chunks in, lines after SEQ out, in order, paged (moto)."""

from __future__ import annotations

import json

import pytest

from apkgen_core.settings import Settings
from chalicelib.aws import AwsClients
from chalicelib.errors import InvalidRequest
from chalicelib.logstore import LogStore, chunk_encoded
from tests.functional.log_lines import store_lines

BUILD = "build-logs-1"


@pytest.fixture
def logs(aws: tuple[Settings, AwsClients]) -> LogStore:
    settings, clients = aws
    return LogStore(clients.dynamodb, settings.logs_table, 30, clock=lambda: 1_000_000.0)


def lines(first: int, last: int) -> list[dict]:
    return [{"seq": s, "ts": 1.5, "level": "info", "step": "package", "text": f"line {s}"}
            for s in range(first, last + 1)]


def test_reads_lines_after_a_seq_across_chunks_in_order(logs: LogStore) -> None:
    store_lines(logs, BUILD, lines(1, 5))
    store_lines(logs, BUILD, lines(6, 8))
    store_lines(logs, BUILD, lines(9, 12))
    got, more = logs.read(BUILD, 3, 100)
    assert [ln["seq"] for ln in got] == list(range(4, 13))
    assert not more


def test_pages_with_a_limit_and_says_whether_more_exist(logs: LogStore) -> None:
    store_lines(logs, BUILD, lines(1, 5))
    store_lines(logs, BUILD, lines(6, 10))
    first, more = logs.read(BUILD, 0, 4)
    assert [ln["seq"] for ln in first] == [1, 2, 3, 4] and more
    second, more = logs.read(BUILD, 4, 6)
    assert [ln["seq"] for ln in second] == [5, 6, 7, 8, 9, 10] and not more
    assert logs.read(BUILD, 10, 5) == ([], False)


def test_knows_the_last_seq_and_zero_for_an_empty_log(logs: LogStore) -> None:
    assert logs.last_seq(BUILD) == 0
    store_lines(logs, BUILD, lines(1, 3))
    store_lines(logs, BUILD, lines(4, 7))
    assert logs.last_seq(BUILD) == 7
    assert logs.last_seq("other-build") == 0


def test_keeps_builds_apart(logs: LogStore) -> None:
    store_lines(logs, BUILD, lines(1, 3))
    store_lines(logs, "other-build", lines(1, 9))
    assert [ln["seq"] for ln in logs.read(BUILD, 0, 100)[0]] == [1, 2, 3]


def test_stores_one_chunk_item_keyed_by_its_last_seq_with_an_expiry(
    aws: tuple[Settings, AwsClients], logs: LogStore
) -> None:
    settings, clients = aws
    store_lines(logs, BUILD, lines(1, 4))
    items = clients.dynamodb.scan(TableName=settings.logs_table)["Items"]
    assert len(items) == 1
    item = items[0]
    assert (item["last_seq"]["N"], item["first_seq"]["N"]) == ("4", "1")
    assert item["expires_at"]["N"] == str(1_000_000 + 30 * 86400)
    assert [ln["seq"] for ln in json.loads(item["lines"]["S"])] == [1, 2, 3, 4]


def test_splits_a_very_large_append_into_several_items(logs: LogStore) -> None:
    big = [{"seq": s, "text": "x" * 30_000} for s in range(1, 31)]
    store_lines(logs, BUILD, big)
    got, _ = logs.read(BUILD, 0, 100)
    assert [ln["seq"] for ln in got] == list(range(1, 31))
    assert len(chunk_encoded([(ln["seq"], json.dumps(ln).encode()) for ln in big])) > 1


def test_refuses_a_negative_after_or_a_zero_limit(logs: LogStore) -> None:
    with pytest.raises(InvalidRequest, match="after must be 0 or more"):
        logs.read(BUILD, -1, 10)
    with pytest.raises(InvalidRequest, match="limit must be 1 or more"):
        logs.read(BUILD, 0, 0)


def test_stores_lines_the_fan_out_already_encoded_as_they_are(logs: LogStore) -> None:
    encoded = [(s, json.dumps({"seq": s, "text": f"é{s}"}, ensure_ascii=False).encode())
               for s in (1, 2, 3)]
    logs.append_encoded_batch([(BUILD, encoded)])
    got, more = logs.read(BUILD, 1, 10)
    assert (got, more) == ([{"seq": 2, "text": "é2"}, {"seq": 3, "text": "é3"}], False)


@pytest.mark.parametrize(
    ("bad", "why"),
    [
        ([(2, b'{"seq":2}'), (1, b'{"seq":1}')], "has seq 1 after seq 2"),
        ([(2, b'{"seq":2}'), (2, b'{"seq":2}')], "has seq 2 after seq 2"),
        ([(0, b'{"seq":0}')], "has seq 0 after seq 0"),
        ([("1", b'{"seq":1}')], "has seq '1' after seq 0"),
    ],
)
def test_refuses_lines_whose_seqs_are_not_whole_numbers_that_grow(
    logs: LogStore, bad: list, why: str
) -> None:
    with pytest.raises(InvalidRequest, match=why):
        logs.append_encoded_batch([(BUILD, bad)])
    assert logs.last_seq(BUILD) == 0  # nothing of a refused append is stored
