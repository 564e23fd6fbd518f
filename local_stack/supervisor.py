"""Keeps the local stack running: a part that dies is started again, with backoff.

``python -m local_stack`` runs :func:`wait_for_signal`, which calls :meth:`Supervisor.check`
twice a second until SIGINT/SIGTERM. A dead part (moto, local_ws, the app server, a runner) is
logged on the stack's output with its exit status and started again after
:func:`restart_delay_s` (0.5 s, doubling up to 30 s while it keeps dying; back to 0.5 s once it
stayed up for :data:`STABLE_S`). Starting again uses the same port and settings
(:meth:`LocalStack.restart`); after moto, the resources are created again where they vanished.

Viewers reconnect by themselves (the page and ``apkgen`` resume after their last seq); runners
wait for moto (``build_runner.runner.store_wait``).
"""

from __future__ import annotations

import signal
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass

from local_stack.child import Child
from local_stack.errors import StackError
from local_stack.output import STACK_NAME
from local_stack.stack import LocalStack

FIRST_DELAY_S = 0.5
MAX_DELAY_S = 30.0
STABLE_S = 30.0
CHECK_S = 0.5


def restart_delay_s(restarts: int) -> float:
    """How long to wait before restart number ``restarts + 1`` of a part in a row. Pure."""
    return float(min(MAX_DELAY_S, FIRST_DELAY_S * 2 ** max(0, restarts)))


@dataclass
class _Pending:
    due: float
    restarts: int


class Supervisor:
    """Restarts the dead parts of ``stack``; call :meth:`check` periodically from one thread."""

    def __init__(
        self,
        stack: LocalStack,
        *,
        output: Callable[[str, str], None],
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.stack = stack
        self.output = output
        self.clock = clock
        self._restarts: dict[str, int] = {}
        self._pending: dict[str, _Pending] = {}

    def parts(self) -> list[Child]:
        """The parts in the order they depend on each other (moto first)."""
        stack = self.stack
        return [c for c in (stack.moto, stack.local_ws, stack.http, *stack.runners) if c]

    def check(self) -> None:
        """Notice parts that died; start again those whose delay is over."""
        now = self.clock()
        for child in self.parts():
            if child.alive:
                if now - child.started_at > STABLE_S:
                    self._restarts.pop(child.name, None)
                continue
            pending = self._pending.get(child.name)
            if pending is None:
                restarts = self._restarts.get(child.name, 0)
                delay = restart_delay_s(restarts)
                self._pending[child.name] = _Pending(now + delay, restarts + 1)
                self.output(
                    STACK_NAME,
                    f"{child.name} exited with status {child.process.returncode}; "
                    f"starting it again in {delay:.1f} s (restart {restarts + 1})",
                )
            elif now >= pending.due:
                del self._pending[child.name]
                self._restarts[child.name] = pending.restarts
                self._restart(child)
                return  # one restart per check: the parts after it see the new one next time

    def _restart(self, child: Child) -> None:
        started = self.clock()
        try:
            self.stack.restart(child)
        except StackError as exc:
            self.output(STACK_NAME, f"{child.name} did not start again: {exc}")
            return
        self.output(STACK_NAME, f"{child.name} is back ({self.clock() - started:.1f} s to start)")


def wait_for_signal(
    stack: LocalStack, on_ready: Callable[[], None], output: Callable[[str, str], None]
) -> int:
    """Start the stack, keep it running (restarting parts that die) until SIGINT/SIGTERM, then
    stop every part. Returns the exit status (0)."""
    stop = threading.Event()
    previous = {
        sig: signal.signal(sig, lambda *_: stop.set()) for sig in (signal.SIGINT, signal.SIGTERM)
    }
    try:
        stack.start()
        on_ready()
        supervisor = Supervisor(stack, output=output)
        while not stop.wait(CHECK_S):
            supervisor.check()
    finally:
        stack.stop()
        for sig, handler in previous.items():
            signal.signal(sig, handler)
    return 0
