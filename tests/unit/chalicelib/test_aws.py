"""The boto3 clients are built from the settings, with the pool the caller asks for."""

from __future__ import annotations

import boto3
import pytest

from apkgen_core.settings import Settings
from chalicelib.aws import AwsClients


def clients(**kwargs: int) -> AwsClients:
    settings = Settings.from_env({"APKGEN_AWS_ENDPOINT_URL": "http://127.0.0.1:9"})
    session = boto3.session.Session(
        aws_access_key_id="testing", aws_secret_access_key="testing", region_name="us-east-1"
    )
    return AwsClients(settings, session=session, **kwargs)


def test_every_client_gets_the_connection_pool_size_asked_for() -> None:
    built = clients(max_pool_connections=32)
    for client in (built.dynamodb, built.s3, built.apigatewaymanagementapi):
        assert client.meta.config.max_pool_connections == 32


def test_the_pool_keeps_botocores_default_of_ten_unless_asked() -> None:
    assert clients().dynamodb.meta.config.max_pool_connections == 10


def test_the_pool_size_keeps_the_services_own_settings() -> None:
    built = clients(max_pool_connections=4)
    assert built.s3.meta.config.s3 == {"addressing_style": "path"}
    assert built.apigatewaymanagementapi.meta.config.read_timeout == 5


def test_a_pool_of_no_connections_is_refused() -> None:
    with pytest.raises(ValueError, match="max_pool_connections must be at least 1"):
        clients(max_pool_connections=0)
