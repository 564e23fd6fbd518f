"""Runner processes (``python -m build_runner run``) against moto's server: a runner killed with
SIGKILL mid-build is taken over by another one, and a runner stops cleanly on SIGTERM."""

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

    def __init__(self, env: dict[str, str], runner_id: str) -> None:
        self.runner_id = runner_id
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "build_runner", "run", "--runner-id", runner_id,
             "--wait", "1"],
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


def test_a_killed_runners_build_is_taken_over_and_a_stopped_runner_exits_cleanly(
    moto_url: str, recorder: ConnectionsRecorder, tmp_path: Path
) -> None:
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith(("APKGEN_", "AWS_"))},
        **FAKE_AWS,
        "APKGEN_AWS_ENDPOINT_URL": moto_url,
        "APKGEN_WS_MANAGEMENT_URL": recorder.url,
        "APKGEN_VISIBILITY_TIMEOUT_S": "4",
        "APKGEN_HEARTBEAT_S": "1",
        "APKGEN_WORK_DIR": str(tmp_path / "work"),  # shared: the second runner reuses the cache
    }
    settings = Settings.from_env(env)
    session = boto3.session.Session(
        aws_access_key_id="testing", aws_secret_access_key="testing", region_name="us-east-1"
    )
    clients = AwsClients(settings, session=session)
    env["APKGEN_QUEUE_URL"] = create_resources(settings, clients)["queue_url"]
    services = Services.from_clients(Settings.from_env(env), clients)
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
