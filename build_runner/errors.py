"""Exceptions raised by the build runner. One root, so callers can catch everything of ours.

Tree::

    ApkgenError
    ├── InputError            the event data is wrong; carries the list of problems
    ├── ToolchainError        aapt, zipalign, apksigner, apktool or keytool failed
    ├── BuildCancelled        the organizer cancelled the build
    ├── WorkDiskFull          the runner's own disk is full: not the build's fault, retried
    └── RunnerError           SQS/DynamoDB/S3 bookkeeping failed (keeps the AWS error code)
"""

from __future__ import annotations

import errno
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from build_runner.generate.problems import Problem


class ApkgenError(Exception):
    """Root of every error the build runner raises on purpose."""


class InputError(ApkgenError):
    """The upload cannot be built. ``problems`` says what is wrong, where, and how to fix it."""

    def __init__(self, summary: str, problems: list[Problem] | None = None) -> None:
        super().__init__(summary)
        self.summary = summary
        self.problems: list[Problem] = list(problems or [])


class ToolchainError(ApkgenError):
    """An Android tool failed. ``tool`` is its name, ``output`` the tail of what it printed."""

    def __init__(self, tool: str, message: str, output: str = "") -> None:
        super().__init__(f"{tool}: {message}")
        self.tool = tool
        self.output = output


class BuildCancelled(ApkgenError):
    """The build was cancelled at a step boundary or while a tool ran."""


class WorkDiskFull(ApkgenError):
    """Writing under the work folder failed for lack of space (or quota) on the runner.

    Never the organizer's fault: the generation must not report it as a problem of the upload
    or of a tool. The runner hands the build back to be tried again, on a runner with space.
    """


DISK_FULL_ERRNOS = frozenset({errno.ENOSPC, errno.EDQUOT})
DISK_FULL_TEXTS = ("No space left on device", "Disk quota exceeded")


def is_disk_full(exc: BaseException) -> bool:
    """Whether ``exc`` (an OSError, or a tool's error quoting its output) means a full disk."""
    if isinstance(exc, OSError) and exc.errno in DISK_FULL_ERRNOS:
        return True
    if isinstance(exc, ToolchainError):
        return any(text in f"{exc} {exc.output}" for text in DISK_FULL_TEXTS)
    return False


def disk_full(exc: BaseException, doing: str) -> WorkDiskFull:
    """The :class:`WorkDiskFull` to raise (``from exc``) for ``exc`` while ``doing`` something."""
    return WorkDiskFull(
        f"the runner's work disk is full while {doing} ({exc}); the build goes back to the "
        "queue and is tried again, on a runner with free space (operators: free or grow the "
        "runner's disk)"
    )


class RunnerError(ApkgenError):
    """Bookkeeping around a build failed. ``code`` keeps the AWS error code when there is one."""

    def __init__(self, message: str, code: str | None = None) -> None:
        super().__init__(message)
        self.code = code
