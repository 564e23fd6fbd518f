"""A part as a process: SIGTERM for all of a group before any is waited for, SIGKILL after."""

from __future__ import annotations

import sys
from pathlib import Path

from local_stack.child import Child, stop_together

SAFETY_S = 30.0  # a grace period far longer than these children need

# On SIGTERM: leave a mark, wait for the partner's mark, exit 0. Stopped one after the other,
# the first would wait for a partner that is not told to stop until the first is gone.
PARTNER = """
import pathlib, signal, sys, time
me, partner = pathlib.Path(sys.argv[1]), pathlib.Path(sys.argv[2])
def stop(*_):
    me.touch()
    while not partner.exists():
        time.sleep(0.05)
    sys.exit(0)
signal.signal(signal.SIGTERM, stop)
print("up", flush=True)
while True:
    time.sleep(1)
"""
STUBBORN = """
import signal, time
signal.signal(signal.SIGTERM, signal.SIG_IGN)
print("READY {}", flush=True)
while True:
    time.sleep(1)
"""


def child(name: str, script: str, *args: str, ready: str | None = None) -> Child:
    return Child(name, [sys.executable, "-c", script, *args], {}, lambda _name, _line: None, ready)


def test_children_stopped_together_are_all_told_to_stop_before_any_is_waited_for(
    tmp_path: Path,
) -> None:
    a, b = tmp_path / "a", tmp_path / "b"
    first = child("first", PARTNER, str(a), str(b), ready="up")
    second = child("second", PARTNER, str(b), str(a), ready="up")
    first.wait_ready(SAFETY_S)
    second.wait_ready(SAFETY_S)
    stop_together([first, None, second], grace_s=SAFETY_S)
    assert (first.process.returncode, second.process.returncode) == (0, 0)


def test_a_child_that_ignores_sigterm_is_killed_after_its_grace_period() -> None:
    stubborn = child("stubborn", STUBBORN, ready="READY ")
    stubborn.wait_ready(SAFETY_S)
    assert stubborn.stop(grace_s=0.2) == -9
    assert not stubborn.alive
