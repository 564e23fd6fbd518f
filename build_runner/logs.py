"""The build log: one record type and one sink interface for every destination.

The generation emits records through a :class:`BuildLog`; the same records reach the terminal
(:class:`TerminalSink`), the WebSocket fan-out and the persisted log (the runner's sink), so what
the organizer reads in the browser is exactly what the CLI prints.
"""

from __future__ import annotations

import re
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Protocol, TextIO

# The record is the core's (apkgen_core.records), shared with the handlers; imported from here too.
from apkgen_core.records import LEVELS as LEVELS
from apkgen_core.records import Level as Level
from apkgen_core.records import LogRecord as LogRecord

# The steps of a build, in order. The runner reports the current one as the build's status.
STEPS: tuple[str, ...] = (
    "queue",
    "extract",
    "validate",
    "normalize",
    "images",
    "webapp",
    "package",
    "align",
    "sign",
    "verify",
    "upload",
    "done",
)


_LINE_BREAK = re.compile(r"\r\n|\n|\r")
# C0 controls but tab, DEL, C1 controls (NEL is U+0085), line/paragraph separators, and the
# bidi embeddings, overrides and isolates that could make a line read in another order.
_CONTROLS = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069]")


def _escaped(match: re.Match[str]) -> str:
    return f"\\u{ord(match.group(0)):04x}"


class LogSink(Protocol):
    """Where log records go. ``emit`` must not block for long: a slow viewer never slows a build."""

    def emit(self, record: LogRecord) -> None: ...


class BuildLog:
    """What the generation writes to: knows the current step, hands records to the sinks."""

    def __init__(self, *sinks: LogSink, clock: Callable[[], float] = time.time) -> None:
        self._sinks = list(sinks)
        self._clock = clock
        self.step_name = "queue"
        self.warnings = 0
        self.errors = 0

    def add_sink(self, sink: LogSink) -> None:
        self._sinks.append(sink)

    def log(self, level: Level, text: str, step: str | None = None) -> None:
        if level == "warning":
            self.warnings += 1
        elif level == "error":
            self.errors += 1
        # One record per line: a multi-line message stays readable line by line in the viewer.
        # Only \n (or \r\n, \r) ends a line; anything else that could break or reorder one
        # (NEL, U+2028, C0/C1 controls, bidi overrides) is shown escaped inside it.
        lines = _LINE_BREAK.split(text)
        if len(lines) > 1 and not lines[-1]:
            lines.pop()  # a final line break ends the last line, it starts no new one
        for line in lines:
            line = _CONTROLS.sub(_escaped, line)
            record = LogRecord(step or self.step_name, level, line, self._clock())
            for sink in self._sinks:
                sink.emit(record)

    def debug(self, text: str) -> None:
        self.log("debug", text)

    def info(self, text: str) -> None:
        self.log("info", text)

    def warning(self, text: str) -> None:
        self.log("warning", text)

    def error(self, text: str) -> None:
        self.log("error", text)

    @contextmanager
    def step(self, name: str) -> Iterator[None]:
        """Run a block as step ``name``: logs its start and its duration."""
        previous, self.step_name = self.step_name, name
        started = self._clock()
        self.info(f"▶ {name}")
        try:
            yield
        except BaseException:
            self.error(f"✗ {name} failed after {self._clock() - started:.2f}s")
            raise
        else:
            self.info(f"✓ {name} done in {self._clock() - started:.2f}s")
        finally:
            self.step_name = previous


_COLORS = {"debug": "\033[2m", "info": "", "warning": "\033[33m", "error": "\033[31;1m"}


class TerminalSink:
    """Prints records as they come, colored by level when the stream is a terminal."""

    def __init__(self, stream: TextIO | None = None, min_level: Level = "info") -> None:
        self._stream = stream or sys.stderr
        self._min = LEVELS.index(min_level)
        self._color = self._stream.isatty()

    def emit(self, record: LogRecord) -> None:
        if LEVELS.index(record.level) < self._min:
            return
        line = f"[{record.step:>9}] {record.level:<7} {record.text}"
        if self._color and _COLORS[record.level]:
            line = f"{_COLORS[record.level]}{line}\033[0m"
        print(line, file=self._stream, flush=True)
