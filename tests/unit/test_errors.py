"""Which failures mean the runner's disk is full, and what the runner says then."""

from __future__ import annotations

import errno

import pytest

from build_runner.errors import (
    InputError,
    ToolchainError,
    WorkDiskFull,
    disk_full,
    is_disk_full,
)


@pytest.mark.parametrize("error", [
    OSError(errno.ENOSPC, "No space left on device"),
    OSError(errno.EDQUOT, "Disk quota exceeded"),
    ToolchainError("aapt", "exited with 1", "ERROR: write failed: No space left on device"),
    ToolchainError("apksigner", "java.io.IOException: Disk quota exceeded"),
])
def test_a_full_disk_is_recognised_from_the_errno_or_the_tools_words(error: Exception) -> None:
    assert is_disk_full(error)


@pytest.mark.parametrize("error", [
    OSError(errno.EACCES, "Permission denied"),
    FileNotFoundError(errno.ENOENT, "No such file or directory"),
    ToolchainError("aapt", "exited with 1", "res/values/strings.xml:3: error: bad resource"),
    InputError("sessions[3].starts-at is not a date"),
])
def test_other_failures_are_not_a_full_disk(error: Exception) -> None:
    assert not is_disk_full(error)


def test_the_disk_full_error_says_what_was_written_and_that_the_build_is_retried() -> None:
    error = disk_full(OSError(errno.ENOSPC, "No space left on device"), "extracting speakers")
    assert isinstance(error, WorkDiskFull)
    text = str(error)
    assert "while extracting speakers" in text and "No space left on device" in text
    assert "tried again" in text and "free or grow the runner's disk" in text
