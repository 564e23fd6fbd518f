"""A log sink that keeps what it is given, for tests that read a build's log back."""

from __future__ import annotations

from build_runner.logs import LogRecord


class ListSink:
    """Keeps records in memory, in order."""

    def __init__(self) -> None:
        self.records: list[LogRecord] = []

    def emit(self, record: LogRecord) -> None:
        self.records.append(record)
