"""``python -m local_stack`` starts every part as its own process and stops them all, cleanly.

These tests start their own small stacks (no runners), independent of the session fixture.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import threading
import urllib.error
import urllib.request
from pathlib import Path

import pytest
from websockets.exceptions import InvalidStatus
from websockets.sync.client import connect

from local_stack.config import REPO, StackOptions
from local_stack.servers import READY_PREFIX
from local_stack.stack import LocalStack

pytestmark = pytest.mark.e2e

START_S = 60.0


def process_exists(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    # A zombie still "exists" until reaped; only a running process counts.
    stat = Path(f"/proc/{pid}/stat")
    return stat.exists() and stat.read_text().split()[2] != "Z"


def http_status(url: str) -> int:
    try:
        with urllib.request.urlopen(url, timeout=10) as resp:
            return int(resp.status)
    except urllib.error.HTTPError as err:
        return int(err.code)


def test_the_stack_serves_http_websocket_and_moto_then_stops_every_process(
    tmp_path: Path,
) -> None:
    lines: list[str] = []
    stack = LocalStack(
        StackOptions(
            http_port=0, ws_port=0, mgmt_port=0, moto_port=0, runners=0, state_dir=tmp_path
        ),
        output=lambda name, line: lines.append(f"[{name}] {line}"),
    )
    with stack:
        urls = stack.urls
        assert http_status(urls.http_url + "/builds/" + "x" * 32) == 404
        assert http_status(urls.http_url + "/") == 200
        with pytest.raises(InvalidStatus) as caught:
            connect(urls.ws_url + "?build=unknown", open_timeout=30)
        assert caught.value.response.status_code == 404  # what the app's $connect returned
        settings = stack.settings()
        assert settings.aws_endpoint_url == urls.moto_url
        assert settings.queue_url and settings.queue_url.startswith(urls.moto_url)
        pids = [c.pid for c in (stack.moto, stack.local_ws, stack.http) if c is not None]
        assert len(set(pids)) == 3
    assert not [pid for pid in pids if process_exists(pid)]


def test_a_part_that_cannot_start_fails_the_stack_with_its_output(tmp_path: Path) -> None:
    with LocalStack(
        StackOptions(
            http_port=0, ws_port=0, mgmt_port=0, moto_port=0, runners=0, state_dir=tmp_path
        ),
        output=lambda name, line: None,
    ) as stack:
        taken = stack.options.http_port
        busy = LocalStack(
            StackOptions(
                http_port=taken, ws_port=0, mgmt_port=0, moto_port=0, runners=0, state_dir=tmp_path
            ),
            output=lambda name, line: None,
        )
        with pytest.raises(Exception, match="http") as caught:
            busy.start()
        assert "Address already in use" in str(caught.value)
        assert busy.moto is not None and not busy.moto.alive


class ModuleStack:
    """``python -m local_stack --json`` on free ports, its output collected line by line."""

    def __init__(self, state_dir: Path, runners: int) -> None:
        argv = [
            sys.executable, "-m", "local_stack", "--http-port", "0", "--ws-port", "0",
            "--mgmt-port", "0", "--moto-port", "0", "--runners", str(runners), "--json",
            "--state-dir", str(state_dir),
        ]  # fmt: skip
        self.proc = subprocess.Popen(
            argv, cwd=REPO, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True
        )
        self.output: list[str] = []
        self._changed = threading.Condition()
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()

    def _read(self) -> None:
        assert self.proc.stdout is not None
        for line in self.proc.stdout:
            with self._changed:
                self.output.append(line)
                self._changed.notify_all()
        with self._changed:
            self.output.append("")  # EOF
            self._changed.notify_all()

    def wait_line(self, start: str = "", containing: str = "") -> str:
        """The first line starting with ``start`` and containing ``containing`` (or fail)."""

        def found() -> tuple[str] | None:  # ("",) once the output ended without it
            for line in self.output:
                if line.startswith(start) and containing in line:
                    return (line,)
            return ("",) if self.output[-1:] == [""] else None

        with self._changed:
            (line,) = self._changed.wait_for(found, START_S) or ("",)
        assert line, f"no line {start!r}…{containing!r}; output:\n" + "".join(self.output)
        return line

    def urls(self) -> dict[str, str]:
        line = self.wait_line(READY_PREFIX)
        return dict(json.loads(line[len(READY_PREFIX) :]))

    def children(self) -> list[int]:
        pid = self.proc.pid
        return [int(p) for p in Path(f"/proc/{pid}/task/{pid}/children").read_text().split()]

    def stop(self, sig: int) -> int:
        """Send ``sig``; the exit status (within a generous safety timeout)."""
        self.proc.send_signal(sig)
        status = self.proc.wait(START_S)
        self._reader.join(START_S)
        return status

    def close(self) -> None:
        if self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait()


def test_python_m_local_stack_prints_the_urls_and_stops_its_children_on_sigterm(
    tmp_path: Path,
) -> None:
    stack = ModuleStack(tmp_path, runners=0)
    try:
        urls = stack.urls()
        assert http_status(urls["http_url"] + "/") == 200
        children = stack.children()
        assert len(children) == 3
        assert stack.stop(signal.SIGTERM) == 0, "".join(stack.output)
        assert any("open" in line and urls["http_url"] in line for line in stack.output)
        assert not [pid for pid in children if process_exists(pid)]
    finally:
        stack.close()


def test_ctrl_c_stops_an_idle_stack_and_its_runner_cleanly_and_keeps_the_moto_state(
    tmp_path: Path,
) -> None:
    stack = ModuleStack(tmp_path, runners=1)
    try:
        stack.urls()
        stack.wait_line("[runner-1]", " polling ")  # idle: in its SQS long poll
        children = stack.children()
        assert len(children) == 4
        assert stack.stop(signal.SIGINT) == 0, "".join(stack.output)
        assert not [pid for pid in children if process_exists(pid)]
        # The runner stopped by itself (it says so) rather than being killed after the grace.
        stack.wait_line("[runner-1]", "runner local-runner-1 stopped")
        stack.wait_line("[local_stack] stopped (")
        saved = {path.name for path in (tmp_path / "moto").iterdir()}
        assert {"meta.json", "sqs.pickle", "dynamodb.pickle", "s3.pickle"} <= saved
    finally:
        stack.close()
