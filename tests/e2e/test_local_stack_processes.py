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

from local_stack.stack import READY_PREFIX, REPO, LocalStack, StackOptions

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
        assert caught.value.response.status_code == 403
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


def test_python_m_local_stack_prints_the_urls_and_stops_its_children_on_sigterm(
    tmp_path: Path,
) -> None:
    argv = [
        sys.executable, "-m", "local_stack", "--http-port", "0", "--ws-port", "0",
        "--mgmt-port", "0", "--moto-port", "0", "--runners", "0", "--json",
        "--state-dir", str(tmp_path),
    ]  # fmt: skip
    proc = subprocess.Popen(
        argv, cwd=REPO, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True
    )
    output: list[str] = []
    ready = threading.Event()

    def read() -> None:
        assert proc.stdout is not None
        for line in proc.stdout:
            output.append(line)
            if line.startswith(READY_PREFIX):
                ready.set()
        ready.set()

    reader = threading.Thread(target=read, daemon=True)
    reader.start()
    try:
        assert ready.wait(START_S), "no READY line; output:\n" + "".join(output)
        ready_lines = [line for line in output if line.startswith(READY_PREFIX)]
        assert ready_lines, "exited before READY; output:\n" + "".join(output)
        urls = json.loads(ready_lines[0][len(READY_PREFIX) :])
        assert http_status(urls["http_url"] + "/") == 200
        children_file = Path(f"/proc/{proc.pid}/task/{proc.pid}/children")
        children = [int(p) for p in children_file.read_text().split()]
        assert len(children) == 3
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(START_S) == 0, "".join(output)
        reader.join(START_S)
        assert any("open" in line and urls["http_url"] in line for line in output)
        assert not [pid for pid in children if process_exists(pid)]
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
