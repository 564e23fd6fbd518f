"""Fixtures for the functional tests: AWS in-process with moto's ``mock_aws``.

``aws`` yields ``(settings, clients)``: every resource of docs/contracts.md created, boto3
clients on fake credentials, ``settings.queue_url`` filled in. Each test gets fresh resources.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator

import boto3
import pytest
from chalicelib.aws import AwsClients
from chalicelib.settings import Settings
from moto import mock_aws

from local_stack.resources import create_resources
from tests.functional.recording_connections import Recorder, recording_connections

FAKE_CREDENTIALS = {
    "aws_access_key_id": "testing",
    "aws_secret_access_key": "testing",
    "aws_session_token": "testing",
}


def fake_session(region: str) -> boto3.session.Session:
    """A boto3 session with fake credentials: nothing can reach real AWS by accident."""
    return boto3.session.Session(region_name=region, **FAKE_CREDENTIALS)


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
        clients = AwsClients(settings, session=fake_session(settings.region))
        created = create_resources(settings, clients)
        settings = dataclasses.replace(settings, queue_url=created["queue_url"])
        clients.settings = settings
        yield settings, clients


@pytest.fixture
def connections_endpoint() -> Iterator[Recorder]:
    """A recording ``@connections`` stand-in on a loopback port; ``.url`` is its endpoint."""
    with recording_connections() as recorder:
        yield recorder
