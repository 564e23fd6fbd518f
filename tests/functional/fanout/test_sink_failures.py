"""The fan-out when something fails: the log store goes away, a viewer takes no post at all.

The store is moto's real server on a loopback port, stopped mid-build (its clients get
connection refused, as when DynamoDB cannot be reached) and started again on the same port.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator

import pytest
from botocore.config import Config
from moto.server import ThreadedMotoServer

from apkgen_core.settings import Settings
from build_runner.fanout.poster import management_client
from build_runner.fanout.sink import FanoutHub, FanoutSink
from build_runner.logs import LogRecord
from chalicelib.aws import AwsClients
from chalicelib.connections import ConnectionStore
from chalicelib.logstore import LogStore
from tests.functional.conftest import fake_session
from tests.functional.connections_recorder import ConnectionsRecorder
from tests.functional.fanout.conftest import FAST_RETRIES
from tests.functional.viewers import watching

WAIT_S = 20.0


def emit_lines(sink: FanoutSink, first: int, last: int) -> None:
    for n in range(first, last + 1):
        sink.emit(LogRecord("package", "info", f"line {n}"))


class MotoServer:
    """moto's server on a free loopback port that can be stopped and started again on it.
    It serves the same in-process state as ``mock_aws`` (the ``aws`` fixture's tables)."""

    def __init__(self) -> None:
        self.port = 0
        self._server: ThreadedMotoServer | None = None

    def start(self) -> None:
        self._server = ThreadedMotoServer(ip_address="127.0.0.1", port=self.port, verbose=False)
        self._server.start()
        self.port = self._server.get_host_and_port()[1]

    def stop(self) -> None:
        if self._server is not None:
            self._server.stop()
            self._server = None

    def log_store(self, settings: Settings) -> LogStore:
        """A LogStore on this server; one try per call, so an outage fails fast."""
        client = fake_session(settings.region).client(
            "dynamodb",
            endpoint_url=f"http://127.0.0.1:{self.port}",
            config=Config(retries={"total_max_attempts": 1}, connect_timeout=1, read_timeout=5),
        )
        return LogStore(client, settings.logs_table, settings.log_ttl_days)


@pytest.fixture
def moto_server() -> Iterator[MotoServer]:
    server = MotoServer()
    server.start()
    try:
        yield server
    finally:
        server.stop()


def test_lines_logged_while_the_store_is_down_are_never_posted(
    aws: tuple[Settings, AwsClients],
    stores: tuple[LogStore, ConnectionStore],
    recorder: ConnectionsRecorder,
    moto_server: MotoServer,
) -> None:
    settings, _ = aws
    in_process_logs, connections = stores
    connections.add("outage", "v1", time.time())
    client = management_client(Settings(ws_management_url=recorder.url))
    hub = FanoutHub(moto_server.log_store(settings), connections, client, workers=2,
                    policy=FAST_RETRIES, sleep=lambda _: None)
    with hub:
        sink = hub.open("outage")
        emit_lines(sink, 1, 3)
        assert sink.flush(WAIT_S)
        moto_server.stop()  # the store goes away mid-build
        emit_lines(sink, 4, 6)
        sink.push_status({"status": "running", "step": "sign"})
        assert sink.flush(WAIT_S)
        moto_server.start()  # and comes back
        emit_lines(sink, 7, 8)
        assert sink.close(WAIT_S)
    stored = [line["seq"] for line in in_process_logs.read("outage", 0, 100)[0]]
    assert stored == [1, 2, 3, 7, 8]
    # What the viewer got is exactly what the store holds: nothing it could not resume.
    assert recorder.seqs("v1") == stored
    assert [m["status"] for m in recorder.statuses("v1")] == ["running"]
    assert (sink.persist_failures, sink.lines_unpersisted, sink.lines_persisted) == (1, 3, 5)


def test_a_viewer_that_takes_no_post_delays_neither_the_others_nor_the_end_of_the_build(
    stores: tuple[LogStore, ConnectionStore], recorder: ConnectionsRecorder
) -> None:
    logs, connections = stores
    for connection_id in ("frozen", "v2"):
        connections.add("frozen", connection_id, time.time())
    gate = recorder.held["frozen"] = threading.Event()  # its posts get no answer
    settings = Settings(ws_management_url=recorder.url)
    hub = FanoutHub(logs, connections, management_client(settings, timeout_s=1.0), workers=4,
                    policy=FAST_RETRIES, post_timeout_s=1.0, stall_after_s=0.2)
    try:
        with hub:
            sink = hub.open("frozen")
            emit_lines(sink, 1, 20)
            recorder.wait_for(lambda: "frozen" in recorder.waiting, WAIT_S)
            started = time.monotonic()
            assert sink.flush(WAIT_S)
            sink.push_status({"status": "succeeded", "step": "upload"})
            assert sink.close(WAIT_S)
            took = time.monotonic() - started
            # The frozen viewer's post is still in flight: nobody waited for its deadline.
            assert took < hub.poster.timeout_s, f"flush and close took {took:.2f} s"
            assert recorder.seqs("v2") == list(range(1, 21))
            assert [m["status"] for m in recorder.statuses("v2")] == ["succeeded"]
        # The hub stops only once that post ended: by its deadline, dropping the viewer.
        assert hub.poster.stats.stalled == 1
        assert watching(connections, "frozen") == ["v2"]
    finally:
        gate.set()
