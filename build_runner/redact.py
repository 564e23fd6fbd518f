"""What the organizer must not read: the runner's file system paths and internal addresses.

Pure. A :class:`Redactor` rewrites text meant for the organizer (log lines, the error summary,
the problems report): the runner's known folders become short labels (``<work>``, ``<cache>``),
a build's own work folder disappears (``res/values/strings.xml:3: error`` reads as the tool
meant it), any other absolute path keeps only its last part (``…/app.apk``), and internal
endpoints (moto, the ``@connections`` API, the metadata service) become ``<internal>``. The
operators keep the raw text in the runner's own log.
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from build_runner.logs import LogRecord, LogSink

# Top-level folders of a Unix file system, as they start an absolute path in tool output.
_ROOTS = ("tmp", "root", "home", "var", "usr", "opt", "etc", "proc", "srv", "run", "mnt",
          "private", "Users", "work", "app", "build", "data", "dev", "sys", "lib", "bin")
_ABSOLUTE = re.compile(r"(?<![\w.:/~-])/(?:" + "|".join(_ROOTS) + r")(?:/[^\s'\"`,;:()<>\[\]]+)+")
# A build's own scratch folder inside a work folder: what follows it is the tool's own path.
_SCRATCH = re.compile(r"<work>/(?:[\w.-]+/)*?(?:build|upload|input)-[\w-]+/")


@dataclass(frozen=True)
class Redactor:
    """Rewrites text for the organizer; ``places`` maps a folder to its label, ``hosts`` are
    internal base URLs or host names to hide."""

    places: Mapping[str, str] = field(default_factory=dict)
    hosts: tuple[str, ...] = ()

    @classmethod
    def of(cls, places: Mapping[str, str], hosts: Iterable[str | None] = ()) -> Redactor:
        """A redactor for these folders and internal endpoints (None and "" are skipped)."""
        cleaned = {p.rstrip("/"): label for p, label in places.items() if p and p.rstrip("/")}
        return cls(cleaned, tuple(sorted({h.rstrip("/") for h in hosts if h}, key=len,
                                         reverse=True)))

    def __call__(self, text: str) -> str:
        out = text
        for host in self.hosts:
            out = out.replace(host, "<internal>")
        for place in sorted(self.places, key=len, reverse=True):
            out = out.replace(place, self.places[place])
        out = _SCRATCH.sub("", out)
        return _ABSOLUTE.sub(lambda m: "…/" + m.group(0).rsplit("/", 1)[-1], out)

    def value(self, value: Any) -> Any:
        """Every string inside a JSON-like value, redacted (for reports)."""
        if isinstance(value, str):
            return self(value)
        if isinstance(value, list):
            return [self.value(v) for v in value]
        if isinstance(value, dict):
            return {k: self.value(v) for k, v in value.items()}
        return value


NOTHING = Redactor()


class RedactingSink:
    """A log sink for the organizer's eyes: each record's text redacted, then passed on."""

    def __init__(self, sink: LogSink, redact: Redactor) -> None:
        self._sink = sink
        self._redact = redact

    def emit(self, record: LogRecord) -> None:
        self._sink.emit(dataclasses.replace(record, text=self._redact(record.text)))
