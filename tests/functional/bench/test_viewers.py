"""Viewer processes of the benchmark report trouble at once instead of at the timeout."""

from __future__ import annotations

import asyncio
import socket

import pytest

from bench.measure import ViewerTally
from bench.viewers import wait_for_lines, watch


def test_a_viewer_that_cannot_connect_fails_the_run_at_once() -> None:
    with socket.socket() as closed:  # bound, never listening: connections are refused
        closed.bind(("127.0.0.1", 0))
        port = closed.getsockname()[1]
        with pytest.raises(RuntimeError, match="could not connect"):
            asyncio.run(watch("apkgen", f"ws://127.0.0.1:{port}", ["b000abcdef12"], 2, 10,
                              timeout=30))


def test_viewers_stop_waiting_once_lines_stop_arriving() -> None:
    async def scenario() -> int:
        never = asyncio.Event()

        async def silent_viewer() -> None:
            await never.wait()

        tasks = [asyncio.create_task(silent_viewer()) for _ in range(2)]
        tallies = [ViewerTally("b", 10), ViewerTally("b", 10)]
        pending = await wait_for_lines(tasks, tallies, timeout=30, idle_s=0.05)
        for task in tasks:
            task.cancel()
        return len(pending)

    assert asyncio.run(scenario()) == 2
