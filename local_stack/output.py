"""The stack's terminal output: every child's lines, prefixed with its name, never torn.

The stack's own lines carry the name :data:`STACK_NAME` (``[local_stack] moto started (pid
…)``); tests and ``tests/e2e/harness.py`` read them.
"""

from __future__ import annotations

import sys
import threading

STACK_NAME = "local_stack"
_output_lock = threading.Lock()


def say(text: str) -> None:
    """Write ``text`` and a newline to stdout in one piece (children's lines interleave)."""
    with _output_lock:
        sys.stdout.write(text + "\n")
        sys.stdout.flush()


def print_output(name: str, line: str) -> None:
    """The default output: every child's lines, prefixed with its name."""
    say(f"[{name}] {line}")
