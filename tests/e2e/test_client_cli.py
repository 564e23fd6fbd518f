"""The terminal client ``apkgen`` against the whole local stack, run as a real process."""

from __future__ import annotations

import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any

import pytest

from local_stack.stack import REPO
from tests.e2e.harness import E2EStack, drop_connections, edited_zip, wait_until

pytestmark = pytest.mark.e2e

CLIENT_TIMEOUT_S = 120.0


class ClientProcess:
    """``python -m apkgen_client ARGS`` with its stdout and stderr read line by line as they come,
    each line stamped with the time it arrived."""

    def __init__(self, *args: str, cwd: Path) -> None:
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "apkgen_client", *args],
            cwd=cwd,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            encoding="utf-8",
            env={"PATH": "/usr/bin:/bin", "PYTHONPATH": str(REPO)},
        )
        self.out: list[tuple[float, str]] = []
        self.err: list[str] = []
        self.changed = threading.Condition()
        self.closed = 0
        assert self.proc.stdout is not None and self.proc.stderr is not None
        self._threads = [
            threading.Thread(
                target=self._read, args=(self.proc.stdout, self.out, True), daemon=True
            ),
            threading.Thread(
                target=self._read, args=(self.proc.stderr, self.err, False), daemon=True
            ),
        ]
        for thread in self._threads:
            thread.start()

    def _read(self, stream: Any, into: list[Any], stamp: bool) -> None:
        for line in stream:
            with self.changed:
                into.append((time.time(), line.rstrip("\n")) if stamp else line.rstrip("\n"))
                self.changed.notify_all()
        with self.changed:
            self.closed += 1  # end of a stream: waiters re-check
            self.changed.notify_all()

    def wait_for_err(self, needle: str, timeout: float = 30.0) -> str:
        """Wait until a stderr line contains ``needle``; return that line."""

        def found() -> str | None:
            return next((line for line in self.err if needle in line), None)

        with self.changed:
            done = self.changed.wait_for(lambda: found() is not None or self.closed == 2, timeout)
            if not done:
                raise AssertionError(f"no {needle!r} on stderr within {timeout} s: {self.err}")
        line = found()
        assert line is not None, f"the client exited without {needle!r}: {self.err}"
        return line

    def finish(self, timeout: float = CLIENT_TIMEOUT_S) -> int:
        code = self.proc.wait(timeout=timeout)
        for thread in self._threads:
            thread.join(timeout=10)
        return code

    @property
    def stdout_lines(self) -> list[str]:
        return [line for _, line in self.out]


def log_seqs(lines: list[str]) -> list[int]:
    """The seq numbers of the printed log lines (step headers and notes are skipped)."""
    return [int(line.split()[0]) for line in lines if line[:5].strip().isdigit()]


def test_builds_an_export_printing_the_log_live_and_writes_an_apk_that_verifies(
    local_stack: E2EStack, samples_dir: Path, tmp_path: Path
) -> None:
    apk = tmp_path / "spark.apk"
    local_stack.pause_runners()
    try:
        client = ClientProcess(
            "build",
            str(samples_dir / "SparkSummit17.zip"),
            "--api",
            local_stack.http_url,
            "-o",
            str(apk),
            cwd=tmp_path,
        )
        build_id = client.wait_for_err(" queued").split()[1]
        wait_until(lambda: local_stack.connection_ids(build_id), 30, "the client's WebSocket")
        # The build drops the client's connection while it waits: the client comes back.
        drop_connections(local_stack, build_id)
    finally:
        local_stack.resume_runners()
    code = client.finish()
    assert code == 0, "\n".join(client.err)
    final = local_stack.status(build_id)
    assert final["status"] == "succeeded"
    assert log_seqs(client.stdout_lines) == list(range(1, final["last_seq"] + 1))
    first_line_at = next(t for t, line in client.out if line[:5].strip().isdigit())
    assert first_line_at < final["finished_at"], "no line was printed before the build ended"
    assert any("reconnecting" in line for line in client.err), client.err
    assert any(line.startswith("── extract") for line in client.stdout_lines)
    assert any("upload [" in line and "100%" in line for line in client.err)
    assert any(line.startswith("Build succeeded") for line in client.err)
    verify = subprocess.run(
        ["apksigner", "verify", str(apk)], capture_output=True, text=True, timeout=120, check=False
    )
    assert verify.returncode == 0, verify.stderr

    # The finished build: its whole log again, and its status.
    logs = ClientProcess("logs", build_id, "--api", local_stack.http_url, cwd=tmp_path)
    assert logs.finish() == 0, logs.err
    assert log_seqs(logs.stdout_lines) == list(range(1, final["last_seq"] + 1))
    status = ClientProcess("status", build_id, "--api", local_stack.http_url, cwd=tmp_path)
    assert status.finish() == 0, status.err
    assert "status    succeeded" in status.stdout_lines
    assert f"sha256    {final['artifact']['sha256']}" in status.stdout_lines


def test_an_export_that_cannot_be_built_exits_1_printing_the_error_with_its_json_path(
    local_stack: E2EStack, samples_dir: Path, tmp_path: Path
) -> None:
    # A date that cannot be read only leaves its session out (a warning); an event without a
    # name cannot become an app.
    def bad_date(name: str, data: Any) -> Any:
        if name == "event":
            data["name"] = "   "
        return data

    bad = edited_zip(samples_dir / "SparkSummit17.zip", tmp_path / "bad.zip", bad_date)
    client = ClientProcess("build", str(bad), "--api", local_stack.http_url, cwd=tmp_path)
    assert client.finish() == 1
    summary = [line for line in client.err if line.startswith("  ✗ ")]
    assert summary and "event.name: the event's name is missing" in summary[0]
    assert any(line.startswith("Build failed:") for line in client.err)
    assert not list(tmp_path.glob("*.apk"))


def test_a_file_that_is_not_a_zip_exits_2_before_uploading(
    local_stack: E2EStack, tmp_path: Path
) -> None:
    fake = tmp_path / "event.zip"
    fake.write_text("not a zip")
    client = ClientProcess("build", str(fake), "--api", local_stack.http_url, cwd=tmp_path)
    assert client.finish() == 2
    assert any("is not a zip file" in line for line in client.err), client.err


def test_status_of_an_unknown_build_exits_1_saying_so(
    local_stack: E2EStack, tmp_path: Path
) -> None:
    client = ClientProcess(
        "status", "NoSuchBuild_0123456789", "--api", local_stack.http_url, cwd=tmp_path
    )
    assert client.finish() == 1
    assert any("HTTP 404" in line for line in client.err), client.err
