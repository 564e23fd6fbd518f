"""Exceptions raised by the build runner. One root, so callers can catch everything of ours.

Tree::

    ApkgenError
    ├── InputError            the event data is wrong; carries the list of problems
    ├── ToolchainError        aapt, zipalign, apksigner, apktool or keytool failed
    ├── BuildCancelled        the organizer cancelled the build
    └── RunnerError           SQS/DynamoDB/S3 bookkeeping failed (keeps the AWS error code)
"""

from __future__ import annotations

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


class RunnerError(ApkgenError):
    """Bookkeeping around a build failed. ``code`` keeps the AWS error code when there is one."""

    def __init__(self, message: str, code: str | None = None) -> None:
        super().__init__(message)
        self.code = code
