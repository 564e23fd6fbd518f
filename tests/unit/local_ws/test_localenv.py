"""The environment ``python -m local_ws`` fills in for an app: only what is missing."""

from __future__ import annotations

from pathlib import Path

from local_ws.localenv import (
    app_environment,
    configured_region,
    credentials_file_exists,
    management_environment,
)


def defaults(
    environ: dict[str, str],
    *,
    aws_endpoint: str | None = None,
    region_configured: bool = False,
    credentials_file: bool = False,
) -> dict[str, str]:
    return app_environment(
        environ,
        aws_endpoint=aws_endpoint,
        region_configured=region_configured,
        credentials_file=credentials_file,
    )


def test_an_empty_environment_gets_a_region_and_dummy_credentials() -> None:
    assert defaults({}) == {
        "AWS_REGION": "us-east-1",
        "AWS_DEFAULT_REGION": "us-east-1",
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
    }


def test_a_region_or_credentials_the_developer_set_are_kept() -> None:
    environ = {"AWS_DEFAULT_REGION": "eu-west-1", "AWS_PROFILE": "dev"}
    assert defaults(environ) == {}


def test_a_region_in_the_config_file_and_a_credentials_file_count_as_set() -> None:
    assert defaults({}, region_configured=True, credentials_file=True) == {}


def test_aws_endpoint_points_every_client_there() -> None:
    added = defaults({"AWS_REGION": "x", "AWS_ACCESS_KEY_ID": "k"}, aws_endpoint="http://m:5")
    assert added == {"AWS_ENDPOINT_URL": "http://m:5"}


def test_management_clients_go_to_local_ws_unless_the_developer_said_otherwise() -> None:
    url = "http://127.0.0.1:9/local"
    assert management_environment({}, url) == {"AWS_ENDPOINT_URL_APIGATEWAYMANAGEMENTAPI": url}
    mine = {"AWS_ENDPOINT_URL_APIGATEWAYMANAGEMENTAPI": "http://elsewhere"}
    assert management_environment(mine, url) == {}


def test_the_config_file_is_read_for_a_region(tmp_path: Path) -> None:
    (tmp_path / ".aws").mkdir()
    assert not configured_region({}, tmp_path)
    (tmp_path / ".aws" / "config").write_text("[default]\noutput = json\n")
    assert not configured_region({}, tmp_path)
    (tmp_path / ".aws" / "config").write_text("[default]\nregion = eu-west-3\n")
    assert configured_region({}, tmp_path)


def test_the_credentials_file_may_live_where_the_environment_says(tmp_path: Path) -> None:
    assert not credentials_file_exists({}, tmp_path)
    (tmp_path / "creds").write_text("[default]\n")
    environ = {"AWS_SHARED_CREDENTIALS_FILE": str(tmp_path / "creds")}
    assert credentials_file_exists(environ, tmp_path)
