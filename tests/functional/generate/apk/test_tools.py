"""Running tools: output reaches the log while the tool runs; failures and cancels are typed."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from build_runner.errors import BuildCancelled, ToolchainError
from build_runner.generate.apk.tools import require_tool, run_tool
from build_runner.logs import BuildLog, LogRecord
from tests.list_sink import ListSink

# Prints a line, then waits until the file named by argv[1] exists (created by the test's sink
# when it sees that line): only a runner that streams lines can ever let it finish.
WAITS_FOR_ITS_FIRST_LINE_TO_BE_SEEN = """
import os, sys, time
print("first line", flush=True)
deadline = time.monotonic() + 20
while not os.path.exists(sys.argv[1]):
    if time.monotonic() > deadline:
        sys.exit(3)
    time.sleep(0.01)
print("second line", flush=True)
"""


class TouchOnLine:
    """A sink that creates a file when a given line arrives."""

    def __init__(self, marker: Path, text: str) -> None:
        self.marker = marker
        self.text = text

    def emit(self, record: LogRecord) -> None:
        if record.text.endswith(self.text):
            self.marker.touch()


def test_streams_each_line_to_the_log_while_the_tool_runs(tmp_path: Path) -> None:
    marker = tmp_path / "seen"
    records = ListSink()
    log = BuildLog(records, TouchOnLine(marker, "first line"))
    lines = run_tool("demo", [sys.executable, "-c", WAITS_FOR_ITS_FIRST_LINE_TO_BE_SEEN,
                              str(marker)], log, timeout_s=30)
    assert lines == ["first line", "second line"]
    assert [r.text for r in records.records] == ["demo: first line", "demo: second line"]


def test_failing_tool_raises_toolchain_error_with_the_tail_of_its_output() -> None:
    script = "import sys\nfor i in range(100): print(f'line {i}')\nsys.exit(4)"
    with pytest.raises(ToolchainError) as caught:
        run_tool("demo", [sys.executable, "-c", script], None)
    assert caught.value.tool == "demo"
    assert "exited with status 4" in str(caught.value)
    tail = caught.value.output.splitlines()
    assert tail[-1] == "line 99" and "line 0" not in tail


def test_tool_that_cannot_start_is_a_toolchain_error(tmp_path: Path) -> None:
    with pytest.raises(ToolchainError, match="could not start"):
        run_tool("ghost", [str(tmp_path / "no-such-tool")], None)


def test_missing_tool_names_the_debian_package() -> None:
    with pytest.raises(ToolchainError, match="install the Debian package 'apkgen-nothing'"):
        require_tool("apkgen-no-such-tool", "apkgen-nothing")


def test_cancel_kills_a_running_tool(tmp_path: Path) -> None:
    records = ListSink()
    log = BuildLog(records)
    script = "import time\nprint('started', flush=True)\ntime.sleep(120)"
    with pytest.raises(BuildCancelled, match="while demo was running"):
        run_tool("demo", [sys.executable, "-c", script], log,
                 lambda: any(r.text == "demo: started" for r in records.records),
                 timeout_s=60)


def test_tool_that_runs_too_long_is_stopped_with_a_toolchain_error() -> None:
    script = "import time\nprint('working', flush=True)\ntime.sleep(120)"
    with pytest.raises(ToolchainError, match="did not finish within 1s") as caught:
        run_tool("demo", [sys.executable, "-c", script], None, timeout_s=1)
    assert caught.value.output == "working"
