"""Child processes of the benchmark: start, wait for a line, measure CPU and memory, stop."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Sequence

import psutil


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class Child:
    """A child process whose CPU seconds and peak RSS are sampled until it stops."""

    def __init__(self, name: str, argv: Sequence[str], env: dict[str, str] | None = None,
                 stdin: int | None = None) -> None:
        self.name = name
        self.proc = subprocess.Popen(
            list(argv), stdout=subprocess.PIPE, stderr=subprocess.PIPE, stdin=stdin,
            env={**os.environ, **(env or {})}, text=True, start_new_session=True,
        )
        self._ps = psutil.Process(self.proc.pid)
        self.peak_rss = 0
        self.cpu_s = 0.0
        self._cpu_base = 0.0
        self._stop = threading.Event()
        self._sampler = threading.Thread(target=self._sample, daemon=True)
        self._sampler.start()
        self.stderr_lines: list[str] = []
        self._err = threading.Thread(target=self._drain_stderr, daemon=True)
        self._err.start()

    def _drain_stderr(self) -> None:
        assert self.proc.stderr is not None
        for line in self.proc.stderr:
            self.stderr_lines.append(line.rstrip())
            del self.stderr_lines[:-200]

    def _sample(self) -> None:
        while not self._stop.wait(0.05):
            self._read()

    def _read(self) -> None:
        try:
            with self._ps.oneshot():
                times = self._ps.cpu_times()
                self.cpu_s = times.user + times.system
                self.peak_rss = max(self.peak_rss, self._ps.memory_info().rss)
        except psutil.Error:
            self._stop.set()

    def reset_cpu(self) -> None:
        """Count CPU from now on (so start-up is not charged to the workload)."""
        self._read()
        self._cpu_base = self.cpu_s

    def workload_cpu_s(self) -> float:
        self._read()
        return round(self.cpu_s - self._cpu_base, 3)

    def wait_for_line(self, marker: str, timeout: float) -> str:
        """Read stdout until a line containing ``marker``; raise with stderr's tail if it dies."""
        assert self.proc.stdout is not None
        deadline = time.monotonic() + timeout
        result: list[str] = []

        def reader() -> None:
            assert self.proc.stdout is not None
            for line in self.proc.stdout:
                if marker in line:
                    result.append(line)
                    return

        thread = threading.Thread(target=reader, daemon=True)
        thread.start()
        thread.join(max(0.0, deadline - time.monotonic()))
        if not result:
            tail = "\n".join(self.stderr_lines[-20:])
            raise RuntimeError(f"{self.name} did not print {marker!r} in {timeout}s:\n{tail}")
        return result[0]

    def read_rest(self, timeout: float) -> str:
        try:
            out, _ = self.proc.communicate(timeout=timeout)
        except subprocess.TimeoutExpired:
            self.stop()
            raise RuntimeError(f"{self.name} did not finish in {timeout}s") from None
        return out or ""

    def stop(self) -> None:
        self._stop.set()
        if self.proc.poll() is None:
            try:
                os.killpg(self.proc.pid, signal.SIGTERM)
                self.proc.wait(5)
            except ProcessLookupError:
                return  # it ended by itself between poll() and killpg()
            except subprocess.TimeoutExpired:
                os.killpg(self.proc.pid, signal.SIGKILL)
                self.proc.wait(5)


def python(*args: str) -> list[str]:
    return [sys.executable, *args]
