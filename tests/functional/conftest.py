"""Fixtures for the functional tests: AWS in-process with moto's ``mock_aws``.

``aws`` yields ``(settings, clients)``: every resource of docs/contracts.md created, boto3
clients on fake credentials, ``settings.queue_url`` filled in. Each test gets fresh resources.
``connections_endpoint`` is a recording ``@connections`` stand-in on a loopback port; ``api``
is the Chalice app wired to both (see ``app_helpers.Api``).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator
from typing import Any

import boto3
import pytest
from chalice.test import Client
from moto import mock_aws

from apkgen_core.settings import Settings
from chalicelib import context
from chalicelib.aws import AwsClients
from local_stack.resources import create_resources
from tests.functional.app_helpers import CHALICE_DIR, NOW, Api
from tests.functional.connections_recorder import ConnectionsRecorder, running_recorder

_SESSIONS: dict[str, boto3.session.Session] = {}


def fake_session(region: str) -> boto3.session.Session:
    """A boto3 session with fake credentials: nothing can reach real AWS by accident.

    One session per region for the whole run, so service models load once rather than once per
    test (moto's interception is global, so clients of a shared session are mocked as well)."""
    if region not in _SESSIONS:
        _SESSIONS[region] = boto3.session.Session(
            region_name=region,
            aws_access_key_id="testing",
            aws_secret_access_key="testing",
            aws_session_token="testing",
        )
    return _SESSIONS[region]


_CLIENTS: dict[tuple[str, str], Any] = {}


def shared_clients(settings: Settings) -> dict[str, Any]:
    """S3, SQS, DynamoDB and SES clients reused by every test (building clients is most of a
    test's set-up; moto intercepts them whichever ``mock_aws`` is active)."""
    services = ("s3", "sqs", "dynamodb", "ses")
    for service in services:
        if (settings.region, service) not in _CLIENTS:
            built = AwsClients(settings, session=fake_session(settings.region)).client(service)
            _CLIENTS[(settings.region, service)] = built
    return {service: _CLIENTS[(settings.region, service)] for service in services}


@pytest.fixture
def aws() -> Iterator[tuple[Settings, AwsClients]]:
    """moto's ``mock_aws`` with apkgen's bucket, queues and tables; yields (settings, clients)."""
    with mock_aws():
        settings = Settings(
            region="us-east-1",
            bucket="apkgen-test",
            public_url="https://apkgen.test",
            ws_url="wss://ws.apkgen.test/test",
            ses_sender="builds@apkgen.test",
        )
        clients = AwsClients(settings, session=fake_session(settings.region),
                             overrides=shared_clients(settings))
        created = create_resources(settings, clients)
        settings = dataclasses.replace(settings, queue_url=created["queue_url"])
        clients.settings = settings
        yield settings, clients


@pytest.fixture
def connections_endpoint() -> Iterator[ConnectionsRecorder]:
    """A recording ``@connections`` stand-in on a loopback port; ``.url`` is its endpoint."""
    with running_recorder() as recorder:
        yield recorder


@pytest.fixture
def api(
    aws: tuple[Settings, AwsClients], connections_endpoint: ConnectionsRecorder
) -> Iterator[Api]:
    """The Chalice app (``chalice_app/app.py``) over moto, posting WebSocket messages to the
    recording ``@connections`` stand-in, with the clock fixed at ``NOW``."""
    import app as chalice_app

    settings, _ = aws
    settings = dataclasses.replace(settings, ws_management_url=connections_endpoint.url)
    clients = AwsClients(settings, session=fake_session(settings.region),
                         overrides=shared_clients(settings))
    installed = context.configure(settings, clients, clock=lambda: NOW)
    try:
        with Client(chalice_app.app, project_dir=str(CHALICE_DIR)) as client:
            yield Api(client, settings, clients, installed.service, connections_endpoint)
    finally:
        context.reset()
