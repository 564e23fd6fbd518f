"""One line of a build's log before it has a seq: what the generation emits, what every sink
(terminal, fan-out, store) receives."""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Literal

Level = Literal["debug", "info", "warning", "error"]
LEVELS: tuple[Level, ...] = ("debug", "info", "warning", "error")


@dataclass(frozen=True)
class LogRecord:
    """One line of the build log, before the runner gives it a sequence number."""

    step: str
    level: Level
    text: str
    ts: float = field(default_factory=time.time)
