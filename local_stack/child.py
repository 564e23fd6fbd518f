"""One part of the local stack as a process: started, its output pumped, its READY awaited, stopped.

A :class:`Child` runs in its own process group and gets SIGKILL if the stack's process dies
(``PR_SET_PDEATHSIG``): no orphans. It prints a ``READY {json}`` line when it listens;
:meth:`Child.wait_ready` waits for it (or for the child's death, and then raises
:class:`~local_stack.errors.StackError` with the tail of its output).

Stopping is SIGTERM, then SIGKILL after a grace period, then SIGKILL to whatever the child left
in its group. :func:`stop_together` stops several children in one grace period: each is sent
SIGTERM first, then all are waited for, so the stop takes as long as the slowest, not the sum.
"""

from __future__ import annotations

import contextlib
import ctypes
import json
import os
import signal
import subprocess
import threading
import time
from collections import deque
from collections.abc import Callable, Iterable, Mapping
from typing import Any

from local_stack.config import REPO
from local_stack.errors import StackError
from local_stack.servers import READY_PREFIX

START_TIMEOUT_S = 60.0
STOP_GRACE_S = 10.0
KILL_WAIT_S = 10.0
TAIL_LINES = 60
_PR_SET_PDEATHSIG = 1


def _die_with_parent() -> None:  # pragma: no cover - runs in the child between fork and exec
    """In the child: get SIGKILL when the parent dies, so no part outlives the stack."""
    with contextlib.suppress(OSError, AttributeError):
        libc = ctypes.CDLL("libc.so.6", use_errno=True)
        libc.prctl(_PR_SET_PDEATHSIG, signal.SIGKILL)


class Child:
    """One part of the stack as a process: its output is pumped, its READY line awaited.

    Order of calls: construct (starts the process), ``wait_ready`` unless ``ready_prefix`` is
    None, then ``terminate`` and/or ``stop`` once; ``respawn`` makes a new one like it.
    """

    def __init__(
        self,
        name: str,
        argv: list[str],
        env: Mapping[str, str],
        output: Callable[[str, str], None],
        ready_prefix: str | None = READY_PREFIX,
    ) -> None:
        self.name = name
        self.argv = argv
        self.env = dict(env)
        self.started_at = time.monotonic()
        self.ready_info: dict[str, Any] | None = None
        self._ready_prefix = ready_prefix
        self._ready = threading.Event()
        self._terminated = False
        self._tail: deque[str] = deque(maxlen=TAIL_LINES)
        self._output = output
        self.process = subprocess.Popen(
            argv,
            env=dict(env),
            cwd=str(REPO),
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            bufsize=1,
            start_new_session=True,
            preexec_fn=_die_with_parent,
        )
        self._pump = threading.Thread(target=self._read, name=f"stack-{name}", daemon=True)
        self._pump.start()

    def respawn(self) -> Child:
        """The same part started again: same command, environment and output."""
        return Child(self.name, self.argv, self.env, self._output, self._ready_prefix)

    @property
    def ready_prefix(self) -> str | None:
        return self._ready_prefix

    @property
    def pid(self) -> int:
        return self.process.pid

    @property
    def alive(self) -> bool:
        return self.process.poll() is None

    def tail(self) -> str:
        """The last lines the process printed."""
        return "\n".join(self._tail)

    def _read(self) -> None:
        assert self.process.stdout is not None
        for raw in self.process.stdout:
            line = raw.rstrip("\n")
            self._tail.append(line)
            if (
                self._ready_prefix
                and not self._ready.is_set()
                and line.startswith(self._ready_prefix)
            ):
                try:
                    self.ready_info = json.loads(line[len(self._ready_prefix) :])
                except ValueError:
                    self.ready_info = {}
                self._ready.set()
            self._output(self.name, line)
        self._ready.set()  # EOF: wake a waiter, who then sees the process died

    def wait_ready(self, timeout: float = START_TIMEOUT_S) -> dict[str, Any]:
        """Wait for the READY line; :class:`StackError` if the process dies or times out."""
        if not self._ready.wait(timeout):
            raise StackError(
                f"{self.name} did not become ready within {timeout:.0f} s; "
                f"its output ends with:\n{self.tail()}"
            )
        if self.ready_info is None:
            self.process.wait(5)
            raise StackError(
                f"{self.name} exited with status {self.process.returncode} before it was "
                f"ready ({' '.join(self.argv)}); its output ends with:\n{self.tail()}"
            )
        return self.ready_info

    def signal(self, sig: int) -> None:
        """Send ``sig`` to the child's whole process group (its tools die with it)."""
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(self.process.pid, sig)

    def terminate(self) -> None:
        """Ask the child to stop (SIGTERM to its group), once; returns at once."""
        if not self._terminated and self.alive:
            self._terminated = True
            self.signal(signal.SIGTERM)

    def stop(self, grace_s: float = STOP_GRACE_S) -> int | None:
        """:meth:`terminate`, wait up to ``grace_s`` (0: not at all), then SIGKILL whatever is
        left in the group; returns the exit status."""
        self.terminate()
        if self.alive:
            try:
                self.process.wait(grace_s)
            except subprocess.TimeoutExpired:
                self.signal(signal.SIGKILL)
                self.process.wait(KILL_WAIT_S)
        # Grandchildren left in the group (a tool the child started) go too.
        self.signal(signal.SIGKILL)
        self._pump.join(KILL_WAIT_S)
        if self.process.stdout is not None:
            self.process.stdout.close()
        return self.process.returncode


def stop_together(children: Iterable[Child | None], grace_s: float = STOP_GRACE_S) -> None:
    """Stop ``children`` (None: not started) in one grace period: SIGTERM to each, then wait for
    each until the common deadline, SIGKILL for those still running then."""
    started = [child for child in children if child is not None]
    for child in started:
        child.terminate()
    deadline = time.monotonic() + grace_s
    for child in started:
        child.stop(grace_s=max(0.0, deadline - time.monotonic()))
