"""Runner processes (``python -m build_runner run``) against moto's server: a runner killed with
SIGKILL mid-build is taken over by another one, a runner stops cleanly on SIGTERM, and a runner
running two builds at once finishes or gives back each of them on SIGTERM."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
from collections import deque
from collections.abc import Iterator
from pathlib import Path

import boto3
import pytest
from moto.server import ThreadedMotoServer

from apkgen_core.settings import Settings
from build_runner.runner.config import Services
from chalicelib.aws import AwsClients
from chalicelib.builds import Build
from local_stack.resources import create_resources
from tests.functional.connections_recorder import ConnectionsRecorder, running_recorder

pytestmark = pytest.mark.toolchain

REPO = Path(__file__).resolve().parents[3]
SAMPLE = REPO / ".." / "shared" / "samples" / "open-event" / "OpenTechSummit2018.zip"
WAIT_S = 120.0
FAKE_AWS = {
    "AWS_ACCESS_KEY_ID": "testing",
    "AWS_SECRET_ACCESS_KEY": "testing",
    "AWS_DEFAULT_REGION": "us-east-1",
    "AWS_EC2_METADATA_DISABLED": "true",
    "NO_PROXY": "127.0.0.1,localhost",
}


class RunnerProcess:
    """``python -m build_runner run`` as a child; its output is drained and kept for errors."""

    def __init__(self, env: dict[str, str], runner_id: str, *extra: str) -> None:
        self.runner_id = runner_id
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "build_runner", "run", "--runner-id", runner_id,
             "--wait", "1", *extra],
            cwd=REPO, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
            start_new_session=True,
        )
        self.tail: deque[str] = deque(maxlen=80)
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()

    def _read(self) -> None:
        assert self.proc.stdout is not None
        for line in self.proc.stdout:
            self.tail.append(line.rstrip())

    def output(self) -> str:
        return "\n".join(self.tail)

    def stop(self, sig: int, timeout: float = 60.0) -> int:
        if self.proc.poll() is None:
            os.kill(self.proc.pid, sig)
        code = self.proc.wait(timeout=timeout)
        self._reader.join(timeout=10)
        return code


@pytest.fixture
def moto_url() -> Iterator[str]:
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    try:
        yield f"http://{host}:{port}"
    finally:
        server.stop()


@pytest.fixture
def recorder() -> Iterator[ConnectionsRecorder]:
    with running_recorder() as recorder:
        yield recorder


def runner_env(moto_url: str, recorder: ConnectionsRecorder, tmp_path: Path) -> dict[str, str]:
    return {
        **{k: v for k, v in os.environ.items() if not k.startswith(("APKGEN_", "AWS_"))},
        **FAKE_AWS,
        "APKGEN_AWS_ENDPOINT_URL": moto_url,
        "APKGEN_WS_MANAGEMENT_URL": recorder.url,
        "APKGEN_VISIBILITY_TIMEOUT_S": "4",
        "APKGEN_HEARTBEAT_S": "1",
        "APKGEN_WORK_DIR": str(tmp_path / "work"),  # shared: the second runner reuses the cache
    }


def create_stores(env: dict[str, str]) -> Services:
    """Create the resources on moto (the queue's URL goes into ``env``); the runner's stores."""
    settings = Settings.from_env(env)
    session = boto3.session.Session(
        aws_access_key_id="testing", aws_secret_access_key="testing", region_name="us-east-1"
    )
    clients = AwsClients(settings, session=session)
    env["APKGEN_QUEUE_URL"] = create_resources(settings, clients)["queue_url"]
    return Services.from_clients(Settings.from_env(env), clients)


def test_a_killed_runners_build_is_taken_over_and_a_stopped_runner_exits_cleanly(
    moto_url: str, recorder: ConnectionsRecorder, tmp_path: Path
) -> None:
    env = runner_env(moto_url, recorder, tmp_path)
    services = create_stores(env)
    key = services.objects.put_upload(SAMPLE.read_bytes())
    build_id = "b-killed"
    services.builds.create(Build(build_id, 1.0, 1.0, {"kind": "upload", "key": key}))
    services.connections.add(build_id, "viewer", time.time())
    services.queue.send(build_id)

    first = RunnerProcess(env, "runner-doomed")
    try:
        recorder.wait_for(lambda: len(recorder.seqs("viewer")) >= 3, WAIT_S)
    except AssertionError:
        first.stop(signal.SIGKILL)
        raise AssertionError(f"the first runner built nothing:\n{first.output()}") from None
    assert first.stop(signal.SIGKILL) == -signal.SIGKILL
    seen_before = recorder.seqs("viewer")
    assert services.builds.get(build_id).status == "running"

    second = RunnerProcess(env, "runner-heir")
    try:
        recorder.wait_for(
            lambda: any(s["status"] == "succeeded" for s in recorder.statuses("viewer")), WAIT_S
        )
    except AssertionError:
        second.stop(signal.SIGKILL)
        raise AssertionError(f"the build was not taken over:\n{second.output()}") from None
    assert second.stop(signal.SIGTERM) == 0, second.output()
    assert "stopped" in second.output()

    build = services.builds.get(build_id)
    assert (build.status, build.runner_id, build.attempts) == ("succeeded", "runner-heir", 2)
    stored, _ = services.logs.read(build_id, 0, 10_000)
    seqs = [line["seq"] for line in stored]
    assert seqs == list(range(1, len(seqs) + 1))
    resumed = [line for line in stored
               if "interrupted attempt by another runner" in line["text"]]
    assert len(resumed) == 1 and resumed[0]["seq"] > seen_before[-1]
    live = recorder.seqs("viewer")
    assert live[: len(seen_before)] == seen_before
    assert live == sorted(set(live))  # the viewer never got a seq twice
    assert services.queue.receive(0, 1, 30) == []


def test_a_runner_with_two_builds_in_flight_finishes_or_gives_back_each_on_sigterm(
    moto_url: str, recorder: ConnectionsRecorder, tmp_path: Path
) -> None:
    env = runner_env(moto_url, recorder, tmp_path)
    services = create_stores(env)
    key = services.objects.put_upload(SAMPLE.read_bytes())
    builds = ("b-first", "b-second")
    for build_id in builds:
        services.builds.create(Build(build_id, 1.0, 1.0, {"kind": "upload", "key": key}))
        services.connections.add(build_id, f"viewer-{build_id}", time.time())
        services.queue.send(build_id)

    runner = RunnerProcess(env, "runner-two-at-once", "--concurrency", "2")
    try:  # both claimed: each has said that a runner took it
        recorder.wait_for(lambda: all(recorder.seqs(f"viewer-{b}") for b in builds), WAIT_S)
    except AssertionError:
        runner.stop(signal.SIGKILL)
        raise AssertionError(f"the runner did not take both builds:\n{runner.output()}") \
            from None
    assert runner.stop(signal.SIGTERM) == 0, runner.output()
    assert "(2 build(s) at once)" in runner.output()

    given_back = 0
    for build_id in builds:
        build = services.builds.get(build_id)
        if build.status == "running":  # released: the lease ended, the job is visible again
            assert (build.runner_id, build.lease_until is not None) == (
                "runner-two-at-once", True)
            assert (build.lease_until or 0) < time.time()
            given_back += 1
        else:
            assert build.status == "succeeded", build_id
        stored, _ = services.logs.read(build_id, 0, 10_000)
        seqs = [line["seq"] for line in stored]
        assert seqs == list(range(1, len(seqs) + 1))
    assert len(services.queue.receive(0, 10, 30)) == given_back
