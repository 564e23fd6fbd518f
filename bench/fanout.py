"""Workload W1 "build log fan-out": apkgen's log path against the Flask-SocketIO baseline.

B builds, V viewers per build, L lines per build (about 100 bytes each, carrying build, seq
and send time). Viewers connect first (in separate processes, counted by :mod:`bench.measure`),
then the producers start. Each system is a small class that starts its servers, knows where
viewers connect, and starts the producers.
"""

from __future__ import annotations

import json
import secrets
import time
import urllib.request
from dataclasses import dataclass
from typing import Protocol

from bench.measure import RunFigures, ViewerTally, merge
from bench.procs import Child, free_port, python

VIEWER_PROCESSES = 2


@dataclass(frozen=True)
class Workload:
    builds: int = 50
    viewers: int = 2
    lines: int = 2000
    rate: float | None = None

    @property
    def label(self) -> str:
        rate = f" rate={self.rate:g}/s" if self.rate else ""
        return f"B={self.builds} V={self.viewers} L={self.lines}{rate}"


class System(Protocol):
    name: str
    viewer_protocol: str  # "apkgen" or "socketio", see bench.viewers

    def start(self) -> None: ...
    def viewer_url(self) -> str: ...
    def prepare(self, builds: list[str]) -> None: ...
    def produce(self, builds: list[str], lines: int, rate: float | None) -> None: ...
    def wait_produced(self, timeout: float) -> None: ...
    def children(self) -> list[Child]: ...
    def api_calls(self) -> int | None: ...
    def stop(self) -> None: ...


class FlaskSocketIOBaseline:
    """The seed's design: per-line ``send`` to a per-build namespace (bench/baseline/)."""

    viewer_protocol = "socketio"

    def __init__(self, mode: str = "eventlet") -> None:
        self.name = f"flask-socketio-{mode}"
        self.mode = mode
        self.port = free_port()
        self._server: Child | None = None

    def start(self) -> None:
        self._server = Child(
            self.name,
            python("-W", "ignore", "-m", "bench.baseline.server", "--mode", self.mode,
                   "--port", str(self.port)),
        )
        self._server.wait_for_line("listening", 30)

    def viewer_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def prepare(self, builds: list[str]) -> None:
        return None  # namespaces need no set-up

    def produce(self, builds: list[str], lines: int, rate: float | None) -> None:
        body = json.dumps({"builds": builds, "lines": lines, "rate": rate}).encode()
        request = urllib.request.Request(f"{self.viewer_url()}/start", body,
                                         {"content-type": "application/json"})
        with urllib.request.urlopen(request, timeout=30) as answer:
            answer.read()

    def wait_produced(self, timeout: float) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            with urllib.request.urlopen(f"{self.viewer_url()}/done", timeout=10) as answer:
                if json.load(answer)["running"] == 0:
                    return
            time.sleep(0.05)
        raise RuntimeError(f"{self.name}: producers still running after {timeout}s")

    def children(self) -> list[Child]:
        return [self._server] if self._server else []

    def api_calls(self) -> int | None:
        return None

    def stop(self) -> None:
        if self._server:
            self._server.stop()


def run_workload(system: System, workload: Workload, timeout: float = 300.0) -> RunFigures:
    """Connect the viewers, start the producers, wait for every line, and count."""
    builds = [f"b{i:03d}{secrets.token_hex(4)}" for i in range(workload.builds)]
    system.prepare(builds)
    groups = [builds[i::VIEWER_PROCESSES] for i in range(VIEWER_PROCESSES)]
    viewers = [
        Child(
            f"viewers-{i}",
            python("-m", "bench.viewers", "--system", system.viewer_protocol,
                   "--url", system.viewer_url(), "--builds", ",".join(group),
                   "--viewers", str(workload.viewers), "--lines", str(workload.lines),
                   "--timeout", str(timeout)),
        )
        for i, group in enumerate(groups) if group
    ]
    try:
        for viewer in viewers:
            viewer.wait_for_line("READY", 120)
        for child in [*system.children(), *viewers]:
            child.reset_cpu()
        calls_before = system.api_calls()
        started_ns = time.time_ns()
        system.produce(builds, workload.lines, workload.rate)
        tallies: list[ViewerTally] = []
        for viewer in viewers:
            for item in json.loads(viewer.read_rest(timeout + 30).strip().splitlines()[-1]):
                tally = ViewerTally(item["build"], item["expected"])
                tally.seen = set(range(item["seen"]))  # only the count matters from here on
                tally.received = item["received"]
                tally.duplicates = item["duplicates"]
                tally.out_of_order = item["out_of_order"]
                tally.misrouted = item["misrouted"]
                tally.latencies_ns = item["latencies_ns"]
                tally.last_receive_ns = item["last_receive_ns"]
                tallies.append(tally)
        ended_ns = max((t.last_receive_ns for t in tallies), default=time.time_ns())
        calls_after = system.api_calls()
        calls = (
            None if calls_before is None or calls_after is None else calls_after - calls_before
        )
        figures = merge(
            system.name, tallies, builds=workload.builds, viewers=workload.viewers,
            lines=workload.lines, rate=workload.rate,
            elapsed_s=(ended_ns - started_ns) / 1e9, api_calls=calls,
        )
        for child in [*system.children(), *viewers]:
            figures.cpu_s[child.name] = child.workload_cpu_s()
            figures.peak_rss_mb[child.name] = round(child.peak_rss / 2**20, 1)
        return figures
    finally:
        for viewer in viewers:
            viewer.stop()
