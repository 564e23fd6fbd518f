"""Workload W1 "build log fan-out": apkgen's log path against the Flask-SocketIO baseline.

B builds, V viewers per build, L lines per build (about 100 bytes each, carrying build, seq
and send time). Viewers connect first (in separate processes, counted by :mod:`bench.measure`),
then the producers start. Each system is a small class that starts its servers, knows where
viewers connect, and starts the producers.
"""

from __future__ import annotations

import json
import secrets
import shutil
import subprocess
import tempfile
import time
import urllib.request
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

from bench.measure import RunFigures, ViewerTally, median_run, merge
from bench.procs import Child, free_port, python

VIEWER_PROCESSES = 2
REPO = Path(__file__).resolve().parents[1]
APP_SPEC = str(REPO / "chalice_app" / "app.py") + ":app"
START_TIMEOUT_S = 60.0
# Runner processes sharing the builds (each its own FanoutHub), one per core here.
DEFAULT_PRODUCERS = 2


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
    def prepare(self, builds: list[str], lines: int, rate: float | None) -> None: ...
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

    def prepare(self, builds: list[str], lines: int, rate: float | None) -> None:
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


class ApkgenSystem:
    """apkgen's real log path on loopback.

    Processes: moto's server (DynamoDB: the builds, connections and logs tables, created by
    ``local_stack.resources``), ``local_ws`` serving the real Chalice app (``$connect`` registers
    each viewer in the connections table and refuses unknown builds) and its ``@connections``
    API, and per run ``producers`` producer processes (:mod:`bench.apkgen_producer`), each
    driving its share of the builds through the runner's ``FanoutHub``/``FanoutSink`` and boto3
    — as builds are spread over runner processes in production. The management-API calls are
    the producers' ``post_to_connection`` attempts.
    """

    name = "apkgen"
    viewer_protocol = "apkgen"

    def __init__(self, *, producers: int = DEFAULT_PRODUCERS, workers: int | None = None) -> None:
        if producers < 1:
            raise ValueError(f"producers must be at least 1, not {producers}")
        self.producers = producers
        self.workers = workers
        self._state = Path(tempfile.mkdtemp(prefix="apkgen-bench-"))
        self._moto: Child | None = None
        self._ws: Child | None = None
        self._producers: list[Child] = []
        self._done: dict[str, Any] | None = None
        self._next_run: tuple[int, float | None] = (0, None)
        self.env: dict[str, str] = {}
        self.ws_url = ""

    def start(self) -> None:
        import os

        from local_stack.stack import StackOptions, child_environment, resolve_ports, urls_of

        options = resolve_ports(StackOptions(
            http_port=0, ws_port=0, mgmt_port=0, moto_port=0, runners=0, state_dir=self._state,
        ))
        urls = urls_of(options)
        self.env = child_environment(options, urls, os.environ)
        self.ws_url = urls.ws_url
        self._moto = Child("moto", python("-m", "local_stack", "_moto", "--host", options.host,
                                          "--port", str(options.moto_port)), self.env)
        self._moto.wait_for_line("READY", START_TIMEOUT_S)
        self._create_resources()
        self._ws = Child("local_ws", python(
            "-m", "local_ws", "--app", APP_SPEC, "--host", options.host,
            "--ws-port", str(options.ws_port), "--mgmt-port", str(options.mgmt_port),
            "--stage", options.stage,
        ), self.env)
        self._ws.wait_for_line("LOCAL_WS READY", START_TIMEOUT_S)

    def _clients(self) -> Any:
        import boto3

        from apkgen_core.settings import Settings
        from chalicelib.aws import AwsClients

        settings = Settings.from_env(self.env)
        session = boto3.session.Session(
            aws_access_key_id=self.env["AWS_ACCESS_KEY_ID"],
            aws_secret_access_key=self.env["AWS_SECRET_ACCESS_KEY"],
            aws_session_token=self.env["AWS_SESSION_TOKEN"],
            region_name=settings.region,
        )
        return settings, AwsClients(settings, session=session)

    def _create_resources(self) -> None:
        from local_stack.resources import create_resources

        settings, clients = self._clients()
        create_resources(settings, clients)

    def _create_builds(self, builds: list[str]) -> None:
        from chalicelib.builds import RUNNING, Build, BuildStore

        settings, clients = self._clients()
        store = BuildStore(clients.dynamodb, settings.builds_table)
        now = time.time()
        for build in builds:
            store.create(Build(build_id=build, created_at=now, updated_at=now, status=RUNNING,
                               step="package", source={"kind": "upload", "key": "bench.zip"}))

    def viewer_url(self) -> str:
        return self.ws_url

    def prepare(self, builds: list[str], lines: int, rate: float | None) -> None:
        """Create the builds (``$connect`` refuses unknown ones); start the producer, which
        opens a sink per build and waits for :meth:`produce`."""
        self._create_builds(builds)
        self._done = None
        self._next_run = (lines, rate)
        self._start_producer(builds)

    def _start_producer(self, builds: list[str]) -> None:
        lines, rate = self._next_run
        for child in self._producers:
            child.stop()
        self._producers = []
        shares = [builds[i::self.producers] for i in range(self.producers)]
        for index, share in enumerate(s for s in shares if s):
            argv = ["-m", "bench.apkgen_producer", "--builds", ",".join(share),
                    "--lines", str(lines)]
            if rate:
                argv += ["--rate", str(rate)]
            if self.workers:
                argv += ["--workers", str(self.workers)]
            self._producers.append(
                Child(f"producer-{index}", python(*argv), self.env, stdin=subprocess.PIPE)
            )
        for child in self._producers:
            child.wait_for_line("READY", START_TIMEOUT_S)

    def produce(self, builds: list[str], lines: int, rate: float | None) -> None:
        """Tell the waiting producers to go (they were started by :meth:`prepare`)."""
        if not self._producers or self._next_run != (lines, rate):
            raise RuntimeError("apkgen: produce() must follow prepare() for the same workload")
        for child in self._producers:
            assert child.proc.stdin is not None
            child.proc.stdin.write("GO\n")
            child.proc.stdin.flush()

    def wait_produced(self, timeout: float) -> None:
        if not self._producers:
            raise RuntimeError("apkgen: wait_produced() before produce()")
        done = []
        for child in self._producers:
            line = child.wait_for_line("DONE ", timeout)
            done.append(json.loads(line.partition("DONE ")[2]))
        self._done = {
            key: (all(d[key] for d in done) if key == "drained"
                  else max(d[key] for d in done) if key.endswith("_s")
                  else sum(d[key] for d in done))
            for key in done[0]
        }
        if not self._done["drained"] or self._done["persist_failures"]:
            raise RuntimeError(f"apkgen producers did not drain cleanly: {done}")

    def produced(self) -> dict[str, Any] | None:
        """The producers' counters of the last run (their ``DONE`` lines, summed), once ended."""
        return self._done

    def children(self) -> list[Child]:
        return [c for c in (self._moto, self._ws, *self._producers) if c is not None]

    def api_calls(self) -> int | None:
        return None if self._done is None else int(self._done["api_calls"])

    def stop(self) -> None:
        for child in (*self._producers, self._ws, self._moto):
            if child is not None:
                child.stop()
        shutil.rmtree(self._state, ignore_errors=True)


def run_workload(system: System, workload: Workload, timeout: float = 300.0) -> RunFigures:
    """Connect the viewers, start the producers, wait for every line, and count."""
    builds = [f"b{i:03d}{secrets.token_hex(4)}" for i in range(workload.builds)]
    system.prepare(builds, workload.lines, workload.rate)
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
        started_ns = time.time_ns()
        system.produce(builds, workload.lines, workload.rate)
        tallies: list[ViewerTally] = []
        for viewer in viewers:
            for item in json.loads(viewer.read_rest(timeout + 30).strip().splitlines()[-1]):
                tallies.append(ViewerTally.from_json(item))
        ended_ns = max((t.last_receive_ns for t in tallies), default=time.time_ns())
        system.wait_produced(timeout)
        figures = merge(
            system.name, tallies, builds=workload.builds, viewers=workload.viewers,
            lines=workload.lines, rate=workload.rate,
            elapsed_s=(ended_ns - started_ns) / 1e9, api_calls=system.api_calls(),
        )
        produced = getattr(system, "produced", None)
        figures.counters = dict(produced() or {}) if produced else {}
        for child in [*system.children(), *viewers]:
            figures.cpu_s[child.name] = child.workload_cpu_s()
            figures.peak_rss_mb[child.name] = round(child.peak_rss / 2**20, 1)
        return figures
    finally:
        for viewer in viewers:
            viewer.stop()


# -- the suite: which workloads, which systems, and the command line ------------------------------

SATURATED = Workload(builds=50, viewers=2, lines=2000)
UNSATURATED = Workload(builds=10, viewers=1, lines=1000, rate=200.0)
SCALING = (Workload(builds=200, viewers=1, lines=2000), Workload(builds=10, viewers=20, lines=2000))
QUICK = (Workload(builds=3, viewers=2, lines=100), Workload(builds=2, viewers=1, lines=40,
                                                             rate=200.0))
BASELINE_MODES = ("eventlet", "threading")


def suite(*, builds: int | None = None, viewers: int | None = None, lines: int | None = None,
          rate: float | None = None, quick: bool = False) -> list[Workload]:
    """The workloads to run: the issue's four by default (saturated W1, unsaturated, two
    scaling runs), a tiny pair with ``quick``, or the one workload the options describe."""
    if quick:
        return list(QUICK)
    if builds is None and viewers is None and lines is None and rate is None:
        return [SATURATED, UNSATURATED, *SCALING]
    return [Workload(builds=builds or SATURATED.builds, viewers=viewers or SATURATED.viewers,
                     lines=lines or SATURATED.lines, rate=rate)]


def systems(baselines: tuple[str, ...] = BASELINE_MODES) -> list[System]:
    """apkgen and the Flask-SocketIO baseline in each of ``baselines``' modes."""
    return [ApkgenSystem(), *(FlaskSocketIOBaseline(mode) for mode in baselines)]


def run_suite(workloads: list[Workload], chosen: list[System], *, timeout: float = 300.0,
              repeat: int = 1, progress: Any = print) -> list[RunFigures]:
    """Every workload on every system, ``repeat`` times; returns per workload and system the
    median run (by deliveries/s) with the faults of all its runs (:func:`median_run`).

    All systems are started first and take turns on each workload, so a change of load on the
    machine hits them alike. Prints one summary line per run through ``progress``.
    """
    if repeat < 1:
        raise ValueError(f"repeat must be at least 1, not {repeat}")
    results: list[RunFigures] = []
    started: list[System] = []
    try:
        for system in chosen:
            system.start()
            started.append(system)
        for workload in workloads:
            runs: dict[str, list[RunFigures]] = {system.name: [] for system in chosen}
            for _ in range(repeat):
                for system in chosen:
                    figures = run_workload(system, workload, timeout)
                    progress(figures.summary())
                    runs[system.name].append(figures)
            results.extend(median_run(each) for each in runs.values())
    finally:
        for system in started:
            system.stop()
    return results
