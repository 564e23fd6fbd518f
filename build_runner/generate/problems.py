"""Problems found in an upload: what is wrong, where (file, JSON path, value), how to fix it.

Errors stop the build; warnings are reported and the build goes on. Pure data, no I/O.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from typing import Any, Literal

Severity = Literal["error", "warning"]

# Beyond this many problems the list says "and N more" instead of growing without end.
MAX_PROBLEMS_LISTED = 50


def _short(value: Any, limit: int = 80) -> str:
    text = json.dumps(value) if isinstance(value, str) else json.dumps(value, ensure_ascii=False)
    return text if len(text) <= limit else text[: limit - 1] + "…"


@dataclass(frozen=True)
class Problem:
    """One thing wrong with the upload.

    ``file`` is the file inside the zip (``sessions``), ``path`` the JSON path inside it
    (``sessions[12].starts-at``), ``value`` the offending value (or None when something is
    missing), ``message`` what is wrong and ``hint`` how to fix it.
    """

    severity: Severity
    file: str
    path: str
    message: str
    value: Any = None
    hint: str = ""
    has_value: bool = True

    def __str__(self) -> str:
        where = self.path or self.file
        shown = f" {_short(self.value)}" if self.has_value and self.value is not None else ""
        text = f"{where}:{shown} {self.message}" if shown else f"{where}: {self.message}"
        if self.hint:
            text += f" ({self.hint})"
        return text

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data.pop("has_value")
        data["text"] = str(self)
        return data


@dataclass
class Problems:
    """Collects every problem, keeps the first ``limit`` of each severity, counts the rest."""

    limit: int = MAX_PROBLEMS_LISTED
    errors: list[Problem] = field(default_factory=list)
    warnings: list[Problem] = field(default_factory=list)
    more_errors: int = 0
    more_warnings: int = 0

    def add(self, problem: Problem) -> None:
        if problem.severity == "error":
            if len(self.errors) < self.limit:
                self.errors.append(problem)
            else:
                self.more_errors += 1
        elif len(self.warnings) < self.limit:
            self.warnings.append(problem)
        else:
            self.more_warnings += 1

    def error(self, file: str, path: str, message: str, value: Any = None, hint: str = "",
              *, has_value: bool = True) -> None:
        self.add(Problem("error", file, path, message, value, hint, has_value))

    def warning(self, file: str, path: str, message: str, value: Any = None, hint: str = "",
                *, has_value: bool = True) -> None:
        self.add(Problem("warning", file, path, message, value, hint, has_value))

    @property
    def error_count(self) -> int:
        return len(self.errors) + self.more_errors

    @property
    def warning_count(self) -> int:
        return len(self.warnings) + self.more_warnings

    def report(self) -> dict[str, Any]:
        """The machine-readable report stored beside the APK and shown by the clients."""
        return {
            "errors": [p.to_dict() for p in self.errors],
            "warnings": [p.to_dict() for p in self.warnings],
            "error_count": self.error_count,
            "warning_count": self.warning_count,
        }
