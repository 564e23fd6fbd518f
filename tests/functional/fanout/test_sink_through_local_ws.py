"""The fan-out through ``local_ws`` serving the real app: what a browser viewer would receive.

moto holds the tables, ``local_ws`` runs ``chalice_app/app.py``'s WebSocket handlers (``$connect``
registers the viewer in the connections table), and a real WebSocket client is the viewer.
"""

from __future__ import annotations

import dataclasses
import json
import secrets
import time
from collections.abc import Iterator
from typing import Any

import pytest
from websockets.sync.client import ClientConnection, connect

from apkgen_core.fanout.state import CONNECT_GRACE_S
from apkgen_core.limits import MESSAGE_BYTES as MAX_MESSAGE_BYTES
from apkgen_core.settings import Settings
from build_runner.fanout.poster import management_client
from build_runner.fanout.sink import FanoutHub
from build_runner.logs import LogRecord
from chalicelib import context
from chalicelib.aws import AwsClients
from chalicelib.builds import Build, BuildStore
from chalicelib.connections import ConnectionStore
from chalicelib.logstore import LogStore
from local_ws import start
from tests.functional.conftest import fake_session
from tests.functional.fanout.conftest import FAST_RETRIES
from tests.functional.viewers import watching

WAIT_S = 20.0


@dataclasses.dataclass
class Local:
    settings: Settings
    hub: FanoutHub
    builds: BuildStore
    logs: LogStore
    connections: ConnectionStore

    def new_build(self) -> str:
        build_id = secrets.token_urlsafe(24)  # the app accepts only ids of this shape
        self.builds.create(Build(build_id, 1.0, 1.0, {"kind": "url", "url": "https://x"}))
        return build_id

    def viewer(self, build_id: str) -> ClientConnection:
        return connect(f"{self.settings.ws_url}?build={build_id}", open_timeout=WAIT_S)


@pytest.fixture
def local(aws: tuple[Settings, AwsClients]) -> Iterator[Local]:
    import app as chalice_app

    settings, _ = aws
    with start(chalice_app.app, "127.0.0.1") as server:
        settings = dataclasses.replace(
            settings, ws_url=server.ws_url, ws_management_url=server.management_url
        )
        clients = AwsClients(settings, session=fake_session(settings.region))
        context.configure(settings, clients)
        logs = LogStore(clients.dynamodb, settings.logs_table, settings.log_ttl_days)
        connections = ConnectionStore(
            clients.dynamodb, settings.connections_table, settings.connection_ttl_s
        )
        client = management_client(settings, max_pool_connections=4,
                                   session=fake_session(settings.region))
        try:
            with FanoutHub(logs, connections, client, workers=4, policy=FAST_RETRIES) as hub:
                yield Local(settings, hub, BuildStore(clients.dynamodb, settings.builds_table),
                            logs, connections)
        finally:
            context.reset()


def receive_until_status(viewer: ClientConnection, status: str) -> list[dict[str, Any]]:
    """Every message up to and including the status message with ``status``."""
    messages: list[dict[str, Any]] = []
    deadline = time.monotonic() + WAIT_S
    while True:
        frame = viewer.recv(timeout=max(0.0, deadline - time.monotonic()))
        assert isinstance(frame, str)
        assert len(frame.encode()) <= MAX_MESSAGE_BYTES
        message = json.loads(frame)
        messages.append(message)
        if message["type"] == "status" and message["status"] == status:
            return messages


def test_viewers_connected_through_local_ws_receive_the_live_log_in_order(local: Local) -> None:
    build_id = local.new_build()
    with local.viewer(build_id) as first, local.viewer(build_id) as second:
        assert len(watching(local.connections, build_id)) == 2
        sink = local.hub.open(build_id)
        for n in range(1, 1201):
            sink.emit(LogRecord("package", "info", f"line {n} " + "·" * 40))
        sink.push_status({"status": "succeeded", "step": "done"})
        assert sink.close(WAIT_S)
        for viewer in (first, second):
            messages = receive_until_status(viewer, "succeeded")
            seqs = [line["seq"] for m in messages if m["type"] == "log" for line in m["lines"]]
            assert seqs == list(range(1, 1201))
            assert messages[-1]["last_seq"] == 1200
            assert len(messages) < 100  # batched into full frames, not one post per line


def test_a_connection_gone_in_its_first_seconds_is_kept_and_posted_to_again(
    local: Local,
) -> None:
    # API Gateway answers Gone until $connect returns, and $connect registers first: a young
    # registration that answers Gone may be a viewer still connecting, not one that left.
    build_id = local.new_build()
    sink = local.hub.open(build_id)
    local.connections.add(build_id, "still-connecting", time.time())
    sink.emit(LogRecord("extract", "info", "first"))
    assert sink.flush(WAIT_S)
    assert watching(local.connections, build_id) == ["still-connecting"]
    gone_before = local.hub.poster.stats.gone
    sink.emit(LogRecord("extract", "info", "second"))
    assert sink.flush(WAIT_S)
    assert local.hub.poster.stats.gone > gone_before  # the next line was posted to it again
    assert watching(local.connections, build_id) == ["still-connecting"]
    sink.close(WAIT_S)


def test_a_viewer_that_left_is_removed_and_a_late_one_resumes_the_backlog(local: Local) -> None:
    build_id = local.new_build()
    sink = local.hub.open(build_id)
    # A registration whose socket is already gone: local_ws answers GoneException.
    local.connections.add(build_id, "vanished-connection", time.time() - CONNECT_GRACE_S - 1)
    for n in range(1, 51):
        sink.emit(LogRecord("extract", "info", f"early {n}"))
    assert sink.flush(WAIT_S)
    assert watching(local.connections, build_id) == []
    with local.viewer(build_id) as late:
        late.send(json.dumps({"action": "resume", "after": 0}))
        backlog: list[int] = []
        while True:
            message = json.loads(late.recv(timeout=WAIT_S))
            if message["type"] == "resumed":
                break
            if message["type"] == "log":
                backlog.extend(line["seq"] for line in message["lines"])
        assert backlog == list(range(1, 51))
        for n in range(51, 61):
            sink.emit(LogRecord("validate", "info", f"late {n}"))
        sink.push_status({"status": "failed", "step": "validate"})
        assert sink.close(WAIT_S)
        messages = receive_until_status(late, "failed")
        live = [line["seq"] for m in messages if m["type"] == "log" for line in m["lines"]]
        assert live == list(range(51, 61))
