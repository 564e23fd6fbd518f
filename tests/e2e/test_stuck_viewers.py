"""Acceptance: viewers that stop reading delay nobody, over the real local stack.

Three viewers complete the handshake and never read again (raw sockets: their TCP windows and
local_ws's buffer for them fill up, as for a frozen tab on a dead link). A fourth viewer reads
normally. The build's end must reach the normal viewer within a second, and the runner must let
go of the job (and so take its next one) just as fast; the stuck viewers are dropped from the
connections table, to reconnect and resume from the stored log if they ever wake up.
"""

from __future__ import annotations

import socket
import time
from pathlib import Path

import pytest

from tests.e2e.harness import (
    E2EStack,
    Viewer,
    fill_until_refused,
    wait_until,
)
from tests.e2e.test_live_logs import BUILD_S, assert_exact_log
from tests.raw_websocket import connect_without_reading

pytestmark = pytest.mark.e2e

STUCK = 3
# "Stuck viewers delay nobody by more than a second."
MAX_DELAY_S = 1.0


def test_viewers_that_never_read_delay_neither_the_others_nor_the_runners_next_job(
    local_stack: E2EStack, samples_dir: Path
) -> None:
    wait_until(local_stack.queue_drained, BUILD_S, "the queue to be empty before the build")
    local_stack.pause_runners()
    stuck: list[socket.socket] = []
    try:
        build = local_stack.create_build(samples_dir / "SparkSummit17.zip")["build_id"]
        stuck = [connect_without_reading(local_stack.ws_url, build) for _ in range(STUCK)]
        stuck_ids = wait_until(
            lambda: ids if len(ids := local_stack.connection_ids(build)) == STUCK else None,
            BUILD_S, "the stuck viewers' registrations",
        )
        for connection_id in stuck_ids:
            assert fill_until_refused(local_stack, connection_id) > 0
        normal = Viewer(local_stack.ws_url, build, name="normal")
        normal.wait_resumed(BUILD_S)
    finally:
        local_stack.resume_runners()
    try:
        normal.wait_complete(BUILD_S)
        drained_at = wait_until(
            lambda: local_stack.queue_drained() and time.time(), BUILD_S, "the job to be deleted"
        )
        status = local_stack.wait_finished(build)
        assert status["status"] == "succeeded"
        finished_at = float(status["finished_at"])
        assert normal.final_status_at is not None
        delay = normal.final_status_at - finished_at
        assert delay < MAX_DELAY_S, f"the final status reached the normal viewer {delay:.1f} s late"
        # The job is deleted right after the final status is handed to the fan-out; then the
        # runner polls for the next one. (0.1 s: how often the queue is looked at here.)
        held = drained_at - finished_at
        assert held < MAX_DELAY_S + 0.1, f"the runner held the finished job {held:.1f} s"
        assert_exact_log(normal, local_stack)
        # The stuck viewers were dropped: they reconnect and resume when they wake up.
        wait_until(
            lambda: set(local_stack.connection_ids(build)).isdisjoint(stuck_ids),
            BUILD_S, "the stuck viewers to be dropped",
        )
    finally:
        normal.close()
        for sock in stuck:
            sock.close()
