"""Fixtures for the fan-out's functional tests: moto's stores and a recording endpoint."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator

import pytest

from apkgen_core.fanout.delivery import RetryPolicy
from apkgen_core.settings import Settings
from build_runner.fanout.poster import management_client
from build_runner.fanout.sink import FanoutHub
from chalicelib.aws import AwsClients
from chalicelib.connections import ConnectionStore
from chalicelib.logstore import LogStore
from tests.functional.connections_recorder import ConnectionsRecorder, running_recorder

# Real backoff shape, tiny times: the retries happen, the tests do not wait for them.
FAST_RETRIES = RetryPolicy(max_attempts=5, base_s=0.001, cap_s=0.004)


@pytest.fixture
def recorder() -> Iterator[ConnectionsRecorder]:
    with running_recorder() as recorder:
        yield recorder


@pytest.fixture
def stores(aws: tuple[Settings, AwsClients]) -> tuple[LogStore, ConnectionStore]:
    settings, clients = aws
    return (
        LogStore(clients.dynamodb, settings.logs_table, settings.log_ttl_days),
        ConnectionStore(clients.dynamodb, settings.connections_table, settings.connection_ttl_s),
    )


@pytest.fixture
def hub(
    aws: tuple[Settings, AwsClients],
    stores: tuple[LogStore, ConnectionStore],
    recorder: ConnectionsRecorder,
) -> Iterator[FanoutHub]:
    settings, _ = aws
    settings = dataclasses.replace(settings, ws_management_url=recorder.url)
    client = management_client(settings, max_pool_connections=8)
    with FanoutHub(*stores, client, workers=8, policy=FAST_RETRIES) as hub:
        yield hub
