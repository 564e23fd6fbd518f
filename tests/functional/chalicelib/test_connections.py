"""Viewer registrations: by build for the fan-out, by connection for $disconnect (moto)."""

from __future__ import annotations

import pytest

from apkgen_core.settings import Settings
from chalicelib.aws import AwsClients
from chalicelib.connections import ConnectionStore
from chalicelib.ratelimit import RESUME_BUDGET
from tests.functional.viewers import watching

NOW = 1_000_000.0


@pytest.fixture
def connections(aws: tuple[Settings, AwsClients]) -> ConnectionStore:
    settings, clients = aws
    return ConnectionStore(clients.dynamodb, settings.connections_table, 3600, clock=lambda: NOW)


def test_lists_the_viewers_of_a_build(connections: ConnectionStore) -> None:
    connections.add("build-a", "conn-1", NOW)
    connections.add("build-a", "conn-2", NOW)
    connections.add("build-b", "conn-3", NOW)
    assert sorted(watching(connections, "build-a")) == ["conn-1", "conn-2"]
    assert watching(connections, "build-c") == []


def test_removes_one_registration(connections: ConnectionStore) -> None:
    connections.add("build-a", "conn-1", NOW)
    connections.add("build-a", "conn-2", NOW)
    connections.remove("build-a", "conn-1")
    connections.remove("build-a", "conn-1")  # already gone: fine
    assert watching(connections, "build-a") == ["conn-2"]


def test_disconnect_finds_the_builds_of_a_connection_through_the_index(
    connections: ConnectionStore,
) -> None:
    connections.add("build-a", "conn-1", NOW)
    connections.add("build-b", "conn-1", NOW)
    connections.add("build-a", "conn-2", NOW)
    assert sorted(connections.remove_connection("conn-1")) == ["build-a", "build-b"]
    assert watching(connections, "build-a") == ["conn-2"]
    assert watching(connections, "build-b") == []
    assert connections.remove_connection("conn-1") == []


def test_skips_registrations_past_their_expiry(connections: ConnectionStore) -> None:
    connections.add("build-a", "old", NOW - 7200)
    connections.add("build-a", "fresh", NOW)
    assert watching(connections, "build-a") == ["fresh"]
    assert sorted(watching(connections, "build-a", now=NOW - 7000)) == ["fresh", "old"]


def test_registrations_say_when_each_viewer_connected(connections: ConnectionStore) -> None:
    connections.add("build-a", "conn-1", NOW - 5.5)
    connections.add("build-a", "conn-2", NOW)
    assert sorted(connections.registrations("build-a")) == [("conn-1", NOW - 5.5, False),
                                                             ("conn-2", NOW, False)]


def test_registrations_say_which_viewers_have_resumed(connections: ConnectionStore) -> None:
    # A viewer resumes once its connection is open: until then its $connect may still run.
    connections.add("build-a", "conn-1", NOW)
    connections.add("build-a", "conn-2", NOW)
    assert connections.take_resume("build-a", "conn-2", NOW, RESUME_BUDGET) is not None
    assert sorted(connections.registrations("build-a")) == [("conn-1", NOW, False),
                                                             ("conn-2", NOW, True)]
