"""Running the Android tools: output streamed into the build log line by line, cancellable.

Every external tool (aapt, zipalign, apktool, apksigner, keytool, javac) runs through
:func:`run_tool`. Its stdout and stderr are read as they are produced and each line goes to the
log at once, so the organizer sees a slow tool working instead of a silent pause. A non-zero exit
raises :class:`ToolchainError` with the tail of the output; ``cancelled()`` is polled while the
tool runs and kills it (→ :class:`BuildCancelled`).
"""

from __future__ import annotations

import os
import selectors
import shutil
import subprocess
import time
from collections import deque
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path

from build_runner.errors import BuildCancelled, ToolchainError
from build_runner.logs import BuildLog, Level

# How many of the last output lines a ToolchainError carries.
TAIL_LINES = 40
# How often ``cancelled()`` is polled while a tool runs quietly, in seconds.
POLL_S = 0.05
# Longest a tool may run before it is killed, in seconds (apktool's first run is the slowest).
DEFAULT_TIMEOUT_S = 300.0

Cancelled = Callable[[], bool]


def never_cancelled() -> bool:
    """The default ``cancelled`` callback: a build nobody cancels."""
    return False


def require_tool(name: str, package: str) -> str:
    """The absolute path of tool ``name``; ToolchainError saying which Debian package to install."""
    found = shutil.which(name)
    if not found:
        raise ToolchainError(
            name,
            f"{name} is not installed or not on PATH; install the Debian package {package!r} "
            "(scripts/setup.sh does it)",
        )
    return found


def check_cancelled(cancelled: Cancelled, where: str) -> None:
    """Raise BuildCancelled if the build was cancelled; called at every step boundary."""
    if cancelled():
        raise BuildCancelled(f"build cancelled {where}")


def run_tool(
    tool: str,
    argv: Sequence[str],
    log: BuildLog | None,
    cancelled: Cancelled = never_cancelled,
    *,
    cwd: Path | None = None,
    env: Mapping[str, str] | None = None,
    level: Level = "info",
    timeout_s: float = DEFAULT_TIMEOUT_S,
) -> list[str]:
    """Run ``argv`` to completion, logging each output line as it arrives; return all lines.

    ``tool`` names the tool in log lines and errors. ``env`` entries are added to the current
    environment (secrets go there, never into ``argv``). Raises ToolchainError on a non-zero exit,
    a timeout or a tool that cannot start, BuildCancelled when ``cancelled()`` turns true.
    """
    full_env = dict(os.environ)
    if env:
        full_env.update(env)
    try:
        proc = subprocess.Popen(
            list(argv),
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            cwd=cwd,
            env=full_env,
        )
    except OSError as exc:
        raise ToolchainError(tool, f"could not start {argv[0]}: {exc.strerror or exc}") from exc
    lines: list[str] = []
    tail: deque[str] = deque(maxlen=TAIL_LINES)
    deadline = time.monotonic() + timeout_s
    assert proc.stdout is not None
    fd = proc.stdout.fileno()
    pending = b""
    with selectors.DefaultSelector() as selector:
        selector.register(fd, selectors.EVENT_READ)
        try:
            while True:
                if cancelled():
                    raise BuildCancelled(f"build cancelled while {tool} was running")
                if time.monotonic() > deadline:
                    raise ToolchainError(
                        tool, f"did not finish within {timeout_s:.0f}s and was stopped",
                        "\n".join(tail),
                    )
                if not selector.select(POLL_S):
                    continue
                chunk = os.read(fd, 65536)
                if not chunk:
                    break
                pending += chunk
                *complete, pending = pending.split(b"\n")
                for raw in complete:
                    _take_line(tool, raw, log, level, lines, tail)
        except BaseException:
            proc.kill()
            proc.wait()
            proc.stdout.close()
            raise
    if pending:
        _take_line(tool, pending, log, level, lines, tail)
    proc.stdout.close()
    code = proc.wait()
    if code != 0:
        raise ToolchainError(tool, f"exited with status {code}", "\n".join(tail))
    return lines


def _take_line(
    tool: str, raw: bytes, log: BuildLog | None, level: Level, lines: list[str], tail: deque[str]
) -> None:
    text = raw.decode("utf-8", errors="replace").rstrip("\r")
    lines.append(text)
    tail.append(text)
    if log is not None and text.strip():
        log.log(level, f"{tool}: {text}")
