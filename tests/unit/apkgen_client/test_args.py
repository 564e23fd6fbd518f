"""The ``apkgen`` command line (apkgen_client.args)."""

from __future__ import annotations

from pathlib import Path

import pytest

from apkgen_client.args import (
    DEFAULT_API,
    BuildCommand,
    LogsCommand,
    StatusCommand,
    parse_args,
)
from apkgen_client.errors import UsageError

BUILD_ID = "Abc_def-0123456789abcdefghij"


def test_build_defaults_to_the_local_stack_and_following() -> None:
    cmd = parse_args(["build", "event.zip"], {})
    assert cmd == BuildCommand(api=DEFAULT_API, source="event.zip", is_url=False)


def test_api_url_comes_from_the_environment_unless_given() -> None:
    env = {"APKGEN_API_URL": "https://api.example.org/"}
    assert parse_args(["status", BUILD_ID], env) == StatusCommand(
        "https://api.example.org", BUILD_ID)
    assert parse_args(["status", BUILD_ID, "--api", "http://127.0.0.1:9"], env).api == (
        "http://127.0.0.1:9")


def test_build_takes_every_option() -> None:
    cmd = parse_args(["build", "https://eventyay.com/api/v1/events/1", "--email", "o@e.org",
                      "--name", "My Event", "--package", "org.e.app", "--primary-color",
                      "#112233", "--accent-color", "#AABBCC", "--no-follow", "-o", "x.apk",
                      "--timestamps"], {})
    assert isinstance(cmd, BuildCommand)
    assert cmd.is_url and not cmd.follow and cmd.output == Path("x.apk")
    assert (cmd.app_name, cmd.package_name, cmd.primary_color) == (
        "My Event", "org.e.app", "#112233")


def test_logs_command() -> None:
    assert parse_args(["logs", BUILD_ID, "--timestamps"], {}) == LogsCommand(
        DEFAULT_API, BUILD_ID, True)


@pytest.mark.parametrize(("argv", "says"), [
    (["build", "event.tar.gz"], "neither a .zip file nor an http(s):// URL"),
    (["build", "e.zip", "--primary-color", "blue"], "write it as #RRGGBB"),
    (["build", "e.zip", "--package", "app"], "dot-separated"),
    (["build", "e.zip", "--email", "nobody"], "not an email address"),
    (["build", "e.zip", "--api", "127.0.0.1:8000"], "must be an http:// or https:// URL"),
    (["status", "../etc"], "not a build id"),
    (["frobnicate"], "invalid choice"),
    ([], "required"),
])
def test_rejects_bad_command_lines_saying_what_to_fix(argv: list[str], says: str) -> None:
    with pytest.raises(UsageError, match=None) as info:
        parse_args(argv, {})
    assert says in str(info.value)
