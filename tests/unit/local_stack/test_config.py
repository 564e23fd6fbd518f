"""The local stack's configuration is pure: ports, URLs and every child's environment."""

from __future__ import annotations

from pathlib import Path

from apkgen_core.settings import Settings
from local_stack.config import (
    STACK_OWNED_SETTINGS,
    StackOptions,
    child_environment,
    resolve_ports,
    urls_of,
)


def test_zero_ports_become_distinct_free_ports_and_fixed_ones_stay() -> None:
    options = resolve_ports(StackOptions(http_port=0, ws_port=0, mgmt_port=0, moto_port=5999))
    ports = [options.http_port, options.ws_port, options.mgmt_port]
    assert all(port > 0 for port in ports)
    assert len({*ports, options.moto_port}) == 4
    assert options.moto_port == 5999


def test_urls_follow_the_ports_and_the_stage() -> None:
    urls = urls_of(StackOptions(http_port=1, ws_port=2, mgmt_port=3, moto_port=4, stage="dev"))
    assert urls.as_dict() == {
        "http_url": "http://127.0.0.1:1",
        "ws_url": "ws://127.0.0.1:2",
        "management_url": "http://127.0.0.1:3/dev",
        "moto_url": "http://127.0.0.1:4",
    }


def test_children_get_fake_credentials_every_endpoint_and_the_overrides() -> None:
    options = StackOptions(
        http_port=1,
        ws_port=2,
        mgmt_port=3,
        moto_port=4,
        state_dir=Path("/state"),
        env={"APKGEN_VISIBILITY_TIMEOUT_S": "7"},
    )
    base = {"PATH": "/bin", "AWS_PROFILE": "real-account", "APKGEN_VISIBILITY_TIMEOUT_S": "99"}
    env = child_environment(options, urls_of(options), base)
    assert env["PATH"] == "/bin"
    # Nothing from the caller's AWS configuration leaks into the local stack.
    assert "AWS_PROFILE" not in env
    assert env["AWS_ACCESS_KEY_ID"] == "testing"
    settings = Settings.from_env(env)
    assert settings.bucket == Settings().bucket
    assert settings.aws_endpoint_url == "http://127.0.0.1:4"
    assert settings.ws_url == "ws://127.0.0.1:2"
    assert settings.ws_management_url == "http://127.0.0.1:3/local"
    assert settings.public_url == "http://127.0.0.1:1"
    assert settings.work_dir == "/state/work"
    assert settings.visibility_timeout_s == 7


def test_the_callers_apkgen_settings_reach_every_child() -> None:
    options = StackOptions(moto_port=4)
    base = {"APKGEN_FETCH_PRIVATE_HOSTS": "false", "APKGEN_MAX_RECEIVE_COUNT": "9"}
    settings = Settings.from_env(child_environment(options, urls_of(options), base))
    assert settings.fetch_private_hosts is False
    assert settings.max_receive_count == 9


def test_where_the_parts_are_is_decided_by_the_stack_not_by_the_caller() -> None:
    options = StackOptions(moto_port=4, state_dir=Path("/state"))
    base = {name: "https://real.example" for name in STACK_OWNED_SETTINGS}
    env = child_environment(options, urls_of(options), base)
    assert env["APKGEN_AWS_ENDPOINT_URL"] == "http://127.0.0.1:4"
    assert env["APKGEN_WORK_DIR"] == "/state/work"
    assert "APKGEN_QUEUE_URL" not in env and "APKGEN_RUNNER_ID" not in env


def test_the_stacks_own_settings_override_the_callers() -> None:
    options = StackOptions(env={"APKGEN_FETCH_PRIVATE_HOSTS": "true"})
    base = {"APKGEN_FETCH_PRIVATE_HOSTS": "false"}
    env = child_environment(options, urls_of(options), base)
    assert Settings.from_env(env).fetch_private_hosts is True
