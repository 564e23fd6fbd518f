"""Settings are read once from a mapping; bad numbers are named; passwords never shown."""

from __future__ import annotations

import pytest

from apkgen_core.settings import Settings


def test_defaults_need_no_environment() -> None:
    settings = Settings.from_env({})
    assert settings.bucket == "apkgen-local"
    assert settings.aws_endpoint_url is None
    assert settings.client_kwargs() == {"region_name": "us-east-1"}


def test_reads_prefixed_variables_and_converts_numbers() -> None:
    settings = Settings.from_env(
        {"APKGEN_BUCKET": "b", "APKGEN_MAX_UPLOAD_BYTES": "1024",
         "APKGEN_AWS_ENDPOINT_URL": "http://127.0.0.1:5000", "BUCKET": "ignored"}
    )
    assert (settings.bucket, settings.max_upload_bytes) == ("b", 1024)
    assert settings.client_kwargs()["endpoint_url"] == "http://127.0.0.1:5000"


def test_a_bad_number_names_the_variable() -> None:
    with pytest.raises(ValueError, match=r"APKGEN_HEARTBEAT_S='soon' is not a whole number"):
        Settings.from_env({"APKGEN_HEARTBEAT_S": "soon"})


def test_redacted_hides_passwords() -> None:
    settings = Settings.from_env({"APKGEN_KEYSTORE_PASSWORD": "hunter2"})
    assert settings.redacted()["keystore_password"] == "***"
    assert "hunter2" not in repr(settings.redacted())


@pytest.mark.parametrize(("raw", "expected"), [("false", False), ("0", False), ("Yes", True)])
def test_reads_yes_no_settings(raw: str, expected: bool) -> None:
    assert Settings.from_env({"APKGEN_FETCH_PRIVATE_HOSTS": raw}).fetch_private_hosts is expected


def test_a_bad_yes_no_value_names_the_variable() -> None:
    with pytest.raises(ValueError, match=r"APKGEN_FETCH_PRIVATE_HOSTS='maybe' is not a yes/no"):
        Settings.from_env({"APKGEN_FETCH_PRIVATE_HOSTS": "maybe"})
