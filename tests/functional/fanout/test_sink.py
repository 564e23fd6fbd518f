"""The fan-out sink against moto's DynamoDB and a real HTTP ``@connections`` endpoint."""

from __future__ import annotations

import json
import threading
import time

import pytest

from apkgen_core.fanout.state import CONNECT_GRACE_S
from apkgen_core.limits import FRAME_BYTES as MAX_FRAME_BYTES
from apkgen_core.limits import MESSAGE_BYTES as MAX_MESSAGE_BYTES
from apkgen_core.settings import Settings
from build_runner.fanout import SinkClosed
from build_runner.fanout.poster import management_client
from build_runner.fanout.sink import FanoutHub, FanoutSink
from build_runner.logs import BuildLog, LogRecord
from chalicelib.connections import ConnectionStore
from chalicelib.errors import StoreError
from chalicelib.logstore import LogStore
from tests.functional.connections_recorder import ConnectionsRecorder
from tests.functional.fanout.conftest import FAST_RETRIES
from tests.functional.viewers import watching

WAIT_S = 20.0


def record(n: int, step: str = "package") -> LogRecord:
    return LogRecord(step, "info", f"line {n}")


def register(connections: ConnectionStore, build_id: str, *connection_ids: str) -> None:
    for connection_id in connection_ids:
        connections.add(build_id, connection_id, time.time())


def emit_lines(sink: FanoutSink, first: int, last: int) -> None:
    for n in range(first, last + 1):
        sink.emit(record(n))


def test_two_builds_with_two_viewers_each_get_exactly_their_own_lines_in_order(
    hub: FanoutHub, stores: tuple[LogStore, ConnectionStore], recorder: ConnectionsRecorder
) -> None:
    logs, connections = stores
    register(connections, "build-a", "a1", "a2")
    register(connections, "build-b", "b1", "b2")
    sinks = {"a": hub.open("build-a"), "b": hub.open("build-b")}
    threads = [threading.Thread(target=emit_lines, args=(s, 1, 300)) for s in sinks.values()]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    for sink in sinks.values():
        assert sink.flush(WAIT_S)
    for name in "ab":
        for viewer in (f"{name}1", f"{name}2"):
            messages = recorder.decoded(viewer)
            assert {m["build"] for m in messages} == {f"build-{name}"}
            assert recorder.seqs(viewer) == list(range(1, 301))
            texts = [line["text"] for m in messages for line in m["lines"]]
            assert texts == [f"line {n}" for n in range(1, 301)]
            assert recorder.max_in_flight[viewer] == 1
        stored, more = logs.read(f"build-{name}", 0, 1000)
        assert [line["seq"] for line in stored] == list(range(1, 301))
        assert not more


def test_first_line_after_a_quiet_period_goes_out_without_a_flush(
    hub: FanoutHub, stores: tuple[LogStore, ConnectionStore], recorder: ConnectionsRecorder
) -> None:
    _, connections = stores
    register(connections, "quiet", "v1")
    sink = hub.open("quiet")
    sink.emit(record(1))
    recorder.wait_for(lambda: len(recorder.messages["v1"]) == 1, WAIT_S)
    sink.emit(record(2))
    recorder.wait_for(lambda: len(recorder.messages["v1"]) == 2, WAIT_S)
    assert recorder.seqs("v1") == [1, 2]


def test_lines_pouring_in_during_a_post_are_batched_into_full_messages(
    hub: FanoutHub, stores: tuple[LogStore, ConnectionStore], recorder: ConnectionsRecorder
) -> None:
    _, connections = stores
    register(connections, "busy", "v1")
    gate = recorder.held["v1"] = threading.Event()
    sink = hub.open("busy")
    sink.emit(record(1))
    recorder.wait_for(lambda: "v1" in recorder.waiting, WAIT_S)  # the first post is in flight
    emit_lines(sink, 2, 2001)
    gate.set()
    assert sink.flush(WAIT_S)
    messages = recorder.messages["v1"]
    assert recorder.seqs("v1") == list(range(1, 2002))
    assert all(len(m) <= MAX_MESSAGE_BYTES for m in messages)
    # 2000 lines of ~70 bytes queued during one post: a few full messages, not 2000 posts.
    payload = sum(len(m) for m in messages[1:])
    full_messages = -(-payload // MAX_MESSAGE_BYTES)
    assert full_messages <= 3
    assert len(messages) - 1 <= full_messages + 1  # + 1: a round may land after the release


def test_drops_connection_that_aws_reports_gone_and_keeps_serving_the_others(
    hub: FanoutHub, stores: tuple[LogStore, ConnectionStore], recorder: ConnectionsRecorder
) -> None:
    _, connections = stores
    register(connections, "gone", "alive1")
    connections.add("gone", "dead", time.time() - CONNECT_GRACE_S - 1)  # left a while ago
    register(connections, "gone", "alive2")
    recorder.gone.add("dead")
    sink = hub.open("gone")
    sink.emit(record(1))
    assert sink.flush(WAIT_S)
    assert watching(connections, "gone") == ["alive1", "alive2"]
    emit_lines(sink, 2, 50)
    assert sink.flush(WAIT_S)
    assert recorder.gone_answers["dead"] == 1
    assert recorder.seqs("alive1") == list(range(1, 51))
    assert recorder.seqs("alive2") == list(range(1, 51))


def test_throttled_posts_are_retried_until_delivered(
    hub: FanoutHub, stores: tuple[LogStore, ConnectionStore], recorder: ConnectionsRecorder
) -> None:
    _, connections = stores
    register(connections, "throttled", "v1", "v2")
    recorder.throttle["v1"] = 3
    sink = hub.open("throttled")
    emit_lines(sink, 1, 20)
    assert sink.flush(WAIT_S)
    assert recorder.throttled_answers["v1"] == 3
    assert recorder.seqs("v1") == list(range(1, 21))
    assert recorder.seqs("v2") == list(range(1, 21))
    assert hub.poster.stats.retries >= 3


def test_a_viewer_throttled_past_its_retries_is_dropped_and_the_others_go_on(
    hub: FanoutHub, stores: tuple[LogStore, ConnectionStore], recorder: ConnectionsRecorder
) -> None:
    _, connections = stores
    register(connections, "stuck", "full", "v2")
    # API Gateway's answer while a viewer's buffer is full, on every try of the first post.
    recorder.throttle["full"] = hub.policy.max_attempts
    sink = hub.open("stuck")
    sink.emit(record(1))
    assert sink.flush(WAIT_S)
    sink.emit(record(2))
    assert sink.close(WAIT_S)
    assert recorder.throttled_answers["full"] == hub.policy.max_attempts
    assert recorder.seqs("full") == []  # dropped: it resumes from the store when it reconnects
    assert watching(connections, "stuck") == ["v2"]
    assert recorder.seqs("v2") == [1, 2]
    assert hub.poster.stats.stalled == 1


def test_a_slow_viewer_never_holds_back_the_build_or_the_other_viewers(
    stores: tuple[LogStore, ConnectionStore], recorder: ConnectionsRecorder
) -> None:
    logs, connections = stores
    register(connections, "slow", "slow", "fast")
    gate = recorder.held["slow"] = threading.Event()
    client = management_client(Settings(ws_management_url=recorder.url))
    small = FanoutHub(logs, connections, client, workers=4, policy=FAST_RETRIES,
                      max_backlog_bytes=4096)
    try:
        sink = small.open("slow")
        sink.emit(record(1))
        recorder.wait_for(lambda: "slow" in recorder.waiting, WAIT_S)
        emit_lines(sink, 2, 500)
        recorder.wait_for(lambda: recorder.seqs("fast")[-1:] == [500], WAIT_S)
        assert not sink.flush(0.0)  # the slow viewer still has its post in flight
        gate.set()
        assert sink.flush(WAIT_S)
    finally:
        small.close()
    slow = recorder.seqs("slow")
    assert slow[0] == 1 and slow[-1] == 500
    assert slow == sorted(set(slow))
    assert len(slow) < 500  # its oldest queued lines were dropped; it resumes the gap
    stored, _ = logs.read("slow", 0, 1000)
    assert len(stored) == 500


def test_a_resumed_build_continues_the_seq_numbers_after_the_persisted_ones(
    hub: FanoutHub, stores: tuple[LogStore, ConnectionStore], recorder: ConnectionsRecorder
) -> None:
    logs, connections = stores
    register(connections, "again", "v1")
    first = hub.open("again")
    emit_lines(first, 1, 7)
    assert first.close(WAIT_S)
    second = hub.open("again", after_seq=logs.last_seq("again"))
    emit_lines(second, 8, 10)
    assert second.close(WAIT_S)
    assert recorder.seqs("v1") == list(range(1, 11))
    stored, _ = logs.read("again", 0, 100)
    assert [line["seq"] for line in stored] == list(range(1, 11))


def test_status_is_posted_after_every_line_emitted_before_it(
    hub: FanoutHub, stores: tuple[LogStore, ConnectionStore], recorder: ConnectionsRecorder
) -> None:
    _, connections = stores
    register(connections, "status", "v1")
    sink = hub.open("status")
    log = BuildLog(sink)
    with log.step("sign"):
        log.info("signing")
    sink.push_status({"status": "succeeded", "step": "done", "artifact": {"key": "k"}})
    assert sink.close(WAIT_S)
    messages = recorder.decoded("v1")
    assert messages[-1] == {
        "type": "status", "build": "status", "status": "succeeded", "step": "done",
        "artifact": {"key": "k"}, "last_seq": 3,
    }
    assert recorder.seqs("v1") == [1, 2, 3]


def test_a_huge_line_is_cut_to_fit_one_frame_live_and_in_the_stored_log(
    hub: FanoutHub, stores: tuple[LogStore, ConnectionStore], recorder: ConnectionsRecorder
) -> None:
    logs, connections = stores
    register(connections, "huge", "v1")
    sink = hub.open("huge")
    sink.emit(LogRecord("package", "error", "x" * 200_000))
    assert sink.close(WAIT_S)
    [message] = recorder.messages["v1"]
    assert len(message) <= MAX_FRAME_BYTES
    live = json.loads(message)["lines"][0]
    stored, _ = logs.read("huge", 0, 10)
    assert stored == [live]
    assert "line cut:" in live["text"]


def test_emitting_after_close_is_refused_with_a_clear_error(hub: FanoutHub) -> None:
    sink = hub.open("closed")
    assert sink.close(WAIT_S)
    with pytest.raises(SinkClosed, match="after build closed's sink was closed"):
        sink.emit(record(1))


class HeldLogStore:
    """The real log store, holding each batched write until the test lets it through."""

    def __init__(self, store: LogStore) -> None:
        self.store = store
        self.release = threading.Event()
        self.writing = threading.Event()

    def append_encoded_batch(self, appends: list[tuple[str, list[tuple[int, bytes]]]]) -> None:
        self.writing.set()
        assert self.release.wait(WAIT_S), "the test never released the held write"
        self.store.append_encoded_batch(appends)


def held_hub(
    stores: tuple[LogStore, ConnectionStore], recorder: ConnectionsRecorder, **options: float
) -> tuple[FanoutHub, HeldLogStore]:
    logs, connections = stores
    held = HeldLogStore(logs)
    settings = Settings(ws_management_url=recorder.url)
    hub = FanoutHub(held, connections, management_client(settings), workers=4,
                    policy=FAST_RETRIES, **options)
    return hub, held


def test_emit_waits_while_the_builds_pending_lines_reach_the_bound_then_goes_on(
    stores: tuple[LogStore, ConnectionStore], recorder: ConnectionsRecorder
) -> None:
    hub, held = held_hub(stores, recorder, max_pending_lines=3, max_emit_wait_s=WAIT_S)
    with hub:
        sink = hub.open("flood")
        sink.emit(record(1))  # a round takes it and waits in the held write
        assert held.writing.wait(WAIT_S)
        emit_lines(sink, 2, 3)  # two lines pending: room left
        assert sink.emit_waits == 0
        fourth = threading.Thread(target=sink.emit, args=(record(4),))
        fourth.start()
        recorder.wait_for(lambda: sink.emit_waits == 1, WAIT_S)
        assert fourth.is_alive()  # the third pending line: emit waits for room
        held.release.set()
        fourth.join(WAIT_S)
        assert not fourth.is_alive()
        assert sink.close(WAIT_S)
    stored, _ = stores[0].read("flood", 0, 10)
    assert [line["seq"] for line in stored] == [1, 2, 3, 4]


def test_emit_goes_on_after_its_longest_wait_and_the_line_is_not_lost(
    stores: tuple[LogStore, ConnectionStore], recorder: ConnectionsRecorder
) -> None:
    hub, held = held_hub(stores, recorder, max_pending_lines=1, max_emit_wait_s=0.01)
    with hub:
        sink = hub.open("stuck")
        sink.emit(record(1))
        assert held.writing.wait(WAIT_S)
        emit_lines(sink, 2, 4)  # each waits 10 ms for a round that is held, then goes on
        assert sink.emit_waits == 3
        held.release.set()
        assert sink.close(WAIT_S)
    stored, _ = stores[0].read("stuck", 0, 10)
    assert [line["seq"] for line in stored] == [1, 2, 3, 4]


def test_a_slow_viewer_never_holds_emit(
    stores: tuple[LogStore, ConnectionStore], recorder: ConnectionsRecorder
) -> None:
    logs, connections = stores
    register(connections, "slowviewer", "v1")
    hub, held = held_hub(stores, recorder, max_pending_lines=5, max_emit_wait_s=WAIT_S)
    held.release.set()  # persistence runs freely; only the viewer is stuck
    gate = recorder.held["v1"] = threading.Event()
    with hub:
        sink = hub.open("slowviewer")
        sink.emit(record(1))
        recorder.wait_for(lambda: "v1" in recorder.waiting, WAIT_S)  # its post hangs
        # Twelve times the bound queues up behind that viewer; emit waits only for the store.
        emitter = threading.Thread(target=emit_lines, args=(sink, 2, 60), daemon=True)
        emitter.start()
        try:
            emitter.join(WAIT_S / 4)  # well before the stuck post's 10 s read timeout
            assert not emitter.is_alive(), "emit waited for the stuck viewer"
            assert "v1" in recorder.waiting
        finally:
            gate.set()
        assert sink.close(WAIT_S)
    assert recorder.seqs("v1") == list(range(1, 61))
    stored, _ = logs.read("slowviewer", 0, 100)
    assert [line["seq"] for line in stored] == list(range(1, 61))


def test_the_hub_refuses_a_pending_bound_below_one_line(
    stores: tuple[LogStore, ConnectionStore], recorder: ConnectionsRecorder
) -> None:
    with pytest.raises(ValueError, match="max_pending_lines must be at least 1"):
        held_hub(stores, recorder, max_pending_lines=0)


class FailingLogStore:
    """The real log store behind a fault: the first ``failures`` batched writes raise."""

    def __init__(self, store: LogStore, failures: int) -> None:
        self.store = store
        self.failures = failures
        self.calls = 0

    def append_encoded_batch(self, appends: list[tuple[str, list[tuple[int, bytes]]]]) -> None:
        self.calls += 1
        if self.calls <= self.failures:
            raise StoreError("append log lines: throttled", "ThrottlingException")
        self.store.append_encoded_batch(appends)


def failing_hub(
    stores: tuple[LogStore, ConnectionStore], recorder: ConnectionsRecorder, failures: int
) -> tuple[FanoutHub, FailingLogStore]:
    logs, connections = stores
    failing = FailingLogStore(logs, failures)
    settings = Settings(ws_management_url=recorder.url)
    hub = FanoutHub(failing, connections, management_client(settings), workers=2,
                    policy=FAST_RETRIES, sleep=lambda _: None)
    return hub, failing


def test_a_failed_write_of_the_log_is_retried_before_the_lines_are_posted(
    stores: tuple[LogStore, ConnectionStore], recorder: ConnectionsRecorder
) -> None:
    logs, connections = stores
    register(connections, "retry", "v1")
    hub, failing = failing_hub(stores, recorder, failures=2)
    with hub:
        sink = hub.open("retry")
        emit_lines(sink, 1, 3)
        assert sink.close(WAIT_S)
    assert failing.calls >= 3
    assert (sink.lines_persisted, sink.persist_failures) == (3, 0)
    assert [line["seq"] for line in logs.read("retry", 0, 10)[0]] == [1, 2, 3]
    assert recorder.seqs("v1") == [1, 2, 3]


def test_lines_the_store_never_takes_are_not_posted_but_the_status_is(
    stores: tuple[LogStore, ConnectionStore],
    recorder: ConnectionsRecorder,
    caplog: pytest.LogCaptureFixture,
) -> None:
    logs, connections = stores
    register(connections, "down", "v1")
    hub, _ = failing_hub(stores, recorder, failures=1_000)
    with hub:
        sink = hub.open("down")
        sink.emit(record(1))
        sink.push_status({"status": "failed", "step": "package"})
        assert sink.close(WAIT_S)
    assert (sink.lines_persisted, sink.persist_failures, sink.lines_unpersisted) == (0, 1, 1)
    assert logs.read("down", 0, 10)[0] == []
    assert recorder.seqs("v1") == []
    assert [m["status"] for m in recorder.statuses("v1")] == ["failed"]
    assert "lines 1..1 could not be persisted, so they are not posted" in caplog.text


def test_once_the_fence_closes_no_more_lines_are_stored_or_posted_even_if_it_reopens(
    hub: FanoutHub, stores: tuple[LogStore, ConnectionStore], recorder: ConnectionsRecorder
) -> None:
    logs, connections = stores
    register(connections, "fenced", "v1")
    holds = [True]
    sink = hub.open("fenced", fence=lambda: holds[0])
    emit_lines(sink, 1, 3)
    assert sink.flush(WAIT_S)
    holds[0] = False  # the lease ran out
    emit_lines(sink, 4, 5)
    sink.push_status({"status": "running", "step": "sign"})
    assert sink.flush(WAIT_S)
    holds[0] = True  # a late renewal must not reopen it: another runner may hold the build
    emit_lines(sink, 6, 6)
    assert sink.close(WAIT_S)
    assert [line["seq"] for line in logs.read("fenced", 0, 10)[0]] == [1, 2, 3]
    assert recorder.seqs("v1") == [1, 2, 3]
    assert all(m["type"] == "log" for m in recorder.decoded("v1"))
    assert (sink.fenced, sink.fenced_lines) == (True, 3)
