"""The fan-out reuses a build's connection listing for a while, and repairs what that costs.

A viewer that registers while the listing is reused misses those rounds live; the next read of
the listing gives it the lines persisted after it registered (its resume read the ones before),
then the round's own. The hub's clock is injected: the listing's age is not waited for.
"""

from __future__ import annotations

import dataclasses
import time
from collections.abc import Iterator

import pytest

from apkgen_core.settings import Settings
from build_runner.fanout.poster import management_client
from build_runner.fanout.sink import FanoutHub, FanoutSink
from build_runner.logs import LogRecord
from chalicelib.aws import AwsClients
from chalicelib.connections import ConnectionStore
from chalicelib.logstore import LogStore
from tests.functional.connections_recorder import ConnectionsRecorder
from tests.functional.fanout.conftest import FAST_RETRIES

WAIT_S = 20.0
TTL_S = 60.0


class ManualClock:
    """Wall-clock seconds that only move when told (starts at the real time)."""

    def __init__(self) -> None:
        self.now = time.time()

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock()


@pytest.fixture
def reusing_hub(
    aws: tuple[Settings, AwsClients],
    stores: tuple[LogStore, ConnectionStore],
    recorder: ConnectionsRecorder,
    clock: ManualClock,
) -> Iterator[FanoutHub]:
    settings, _ = aws
    settings = dataclasses.replace(settings, ws_management_url=recorder.url)
    client = management_client(settings, max_pool_connections=4)
    with FanoutHub(*stores, client, workers=4, policy=FAST_RETRIES, listing_ttl_s=TTL_S,
                   clock=clock) as hub:
        yield hub


def emit_lines(sink: FanoutSink, first: int, last: int) -> None:
    for n in range(first, last + 1):
        sink.emit(LogRecord("package", "info", f"line {n}"))
    assert sink.flush(WAIT_S)


def with_a_late_viewer(hub: FanoutHub, connections: ConnectionStore, clock: ManualClock,
                       build_id: str, first: int, missed: int) -> FanoutSink:
    """"early" watches from line 1; "late" registers after line ``first``, while the listing
    read for line 1 is reused, so it misses the ``missed`` lines emitted next."""
    connections.add(build_id, "early", clock.now)
    sink = hub.open(build_id)
    emit_lines(sink, 1, first)
    connections.add(build_id, "late", clock.now + 0.5)
    clock.now += 1.0
    emit_lines(sink, first + 1, first + missed)
    return sink


def test_a_viewer_registered_while_the_listing_is_reused_gets_the_lines_it_missed_with_the_status(
    reusing_hub: FanoutHub,
    stores: tuple[LogStore, ConnectionStore],
    recorder: ConnectionsRecorder,
    clock: ManualClock,
) -> None:
    sink = with_a_late_viewer(reusing_hub, stores[1], clock, "reuse", first=3, missed=3)
    assert recorder.seqs("late") == []  # the listing read for line 1 is still in use
    sink.push_status({"status": "succeeded", "step": "done"})
    assert sink.close(WAIT_S)
    assert recorder.seqs("early") == [1, 2, 3, 4, 5, 6]
    # Lines 1-3 were persisted before "late" registered: its resume has them, not the posts.
    assert recorder.seqs("late") == [4, 5, 6]
    assert recorder.decoded("late")[-1]["status"] == "succeeded"
    assert recorder.max_in_flight["late"] == 1


def test_the_listing_is_read_again_once_it_is_older_than_its_ttl(
    reusing_hub: FanoutHub,
    stores: tuple[LogStore, ConnectionStore],
    recorder: ConnectionsRecorder,
    clock: ManualClock,
) -> None:
    _, connections = stores
    connections.add("aging", "early", clock.now)
    sink = reusing_hub.open("aging")
    emit_lines(sink, 1, 2)
    connections.add("aging", "late", clock.now + 1.0)
    clock.now += 2.0
    emit_lines(sink, 3, 4)
    clock.now += TTL_S
    emit_lines(sink, 5, 5)
    assert recorder.seqs("late") == [3, 4, 5]
    assert recorder.seqs("early") == [1, 2, 3, 4, 5]
    assert sink.close(WAIT_S)


def test_a_listing_ttl_of_zero_reads_the_listing_for_every_round(
    aws: tuple[Settings, AwsClients],
    stores: tuple[LogStore, ConnectionStore],
    recorder: ConnectionsRecorder,
    clock: ManualClock,
) -> None:
    settings, _ = aws
    _, connections = stores
    client = management_client(dataclasses.replace(settings, ws_management_url=recorder.url))
    with FanoutHub(*stores, client, workers=2, listing_ttl_s=0, clock=clock) as hub:
        connections.add("always", "early", clock.now)
        sink = hub.open("always")
        emit_lines(sink, 1, 1)
        connections.add("always", "late", clock.now)
        emit_lines(sink, 2, 2)
        assert recorder.seqs("late") == [2]
        assert sink.close(WAIT_S)


def test_a_negative_listing_ttl_is_refused_with_what_to_pass(
    stores: tuple[LogStore, ConnectionStore],
) -> None:
    with pytest.raises(ValueError, match="listing_ttl_s must be 0"):
        FanoutHub(*stores, object(), listing_ttl_s=-1.0)


def test_a_quiet_build_reads_its_listing_again_so_a_late_viewer_gets_the_lines_it_missed(
    reusing_hub: FanoutHub,
    stores: tuple[LogStore, ConnectionStore],
    recorder: ConnectionsRecorder,
    clock: ManualClock,
) -> None:
    sink = with_a_late_viewer(reusing_hub, stores[1], clock, "quiet", first=1, missed=2)
    # ... and then the build says nothing for a long time.
    assert reusing_hub.refresh_stale() == 0  # the listing is younger than its TTL
    assert recorder.seqs("late") == []
    clock.now += TTL_S
    assert reusing_hub.refresh_stale() == 1
    assert sink.flush(WAIT_S)
    assert recorder.seqs("late") == [2, 3]
    assert recorder.seqs("early") == [1, 2, 3]
    assert reusing_hub.refresh_stale() == 0  # read again: nothing left to repair
    assert sink.close(WAIT_S)


def test_the_hubs_refresher_repairs_a_late_viewer_without_being_asked(
    aws: tuple[Settings, AwsClients],
    stores: tuple[LogStore, ConnectionStore],
    recorder: ConnectionsRecorder,
) -> None:
    settings, _ = aws
    _, connections = stores
    client = management_client(dataclasses.replace(settings, ws_management_url=recorder.url))
    with FanoutHub(*stores, client, workers=2, listing_ttl_s=0.2) as hub:
        connections.add("idle", "early", time.time())
        sink = hub.open("idle")
        emit_lines(sink, 1, 1)
        connections.add("idle", "late", time.time())
        emit_lines(sink, 2, 2)  # the listing read for line 1 is reused: "late" misses line 2
        recorder.wait_for(lambda: recorder.seqs("late") == [2], WAIT_S)
        assert sink.close(WAIT_S)
    assert recorder.seqs("early") == [1, 2]


def test_with_many_builds_open_each_listing_is_reused_longer_to_bound_the_reads(
    stores: tuple[LogStore, ConnectionStore],
) -> None:
    with FanoutHub(*stores, object(), workers=1, listing_ttl_s=1.0,
                   listing_reads_per_s=2.0) as hub:
        sinks = [hub.open(f"many-{n}") for n in range(6)]
        assert hub.listing_age_limit() == 3.0  # 6 builds, 2 reads a second: each every 3 s
        assert sinks[0].close(WAIT_S)
        assert sinks[0].close(WAIT_S)  # closing twice counts once
        assert hub.listing_age_limit() == 2.5
        for sink in sinks[1:5]:
            assert sink.close(WAIT_S)
        assert hub.listing_age_limit() == 1.0  # one build open: never below the TTL
        assert sinks[5].close(WAIT_S)


def test_a_listing_ttl_of_zero_stays_zero_however_many_builds_are_open(
    stores: tuple[LogStore, ConnectionStore],
) -> None:
    with FanoutHub(*stores, object(), workers=1, listing_ttl_s=0,
                   listing_reads_per_s=1.0) as hub:
        sinks = [hub.open(f"zero-{n}") for n in range(3)]
        assert hub.listing_age_limit() == 0.0
        for sink in sinks:
            assert sink.close(WAIT_S)


def test_a_listing_read_rate_that_is_not_positive_is_refused(
    stores: tuple[LogStore, ConnectionStore],
) -> None:
    with pytest.raises(ValueError, match="listing_reads_per_s must be a positive rate"):
        FanoutHub(*stores, object(), listing_reads_per_s=0)
