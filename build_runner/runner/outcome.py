"""What a build records when it ends, and a few other runner decisions. Pure: no I/O.

* a succeeded build: the artifact map of docs/contracts.md (key, size, sha256, package, label,
  version code and name);
* a failed build: a short error summary (the ``error`` attribute, shown everywhere) and the
  problems report (``problems``): the problems of an ``InputError``, the tool and the tail of its
  output for a ``ToolchainError``, only "internal error" for anything unexpected (the traceback
  goes to the runner's log, not to the organizer);
* a build given up after repeated runner crashes, or found in the dead-letter queue;
* a build whose final status could not be recorded (the item keeps only the problems' counts
  when even their bounded summary is refused; viewers are told when nothing could be written).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from build_runner.errors import InputError, ToolchainError
from build_runner.generate.pipeline import GenerateOptions, GenerateResult
from build_runner.generate.problems import Problems

# The ``error`` attribute is a summary, the status message must fit one 32 KB frame.
MAX_ERROR_CHARS = 1000
# How much of a failing tool's output the report keeps.
MAX_TOOL_OUTPUT_CHARS = 4000
INTERNAL_ERROR = (
    "internal error: the build runner failed unexpectedly; the operators have the details"
)


@dataclass(frozen=True)
class Failure:
    """How a failed build is recorded: ``error`` (summary) and ``problems`` (the report)."""

    error: str
    problems: dict[str, Any]


def clip(text: str, limit: int) -> str:
    """``text`` cut to ``limit`` characters, with an ellipsis when cut."""
    return text if len(text) <= limit else text[: limit - 1] + "…"


def tail(text: str, limit: int = MAX_TOOL_OUTPUT_CHARS) -> str:
    """The last ``limit`` characters of ``text`` (a tool's output ends with the useful part)."""
    return text if len(text) <= limit else "…" + text[-(limit - 1):]


def input_failure(exc: InputError) -> Failure:
    """An upload that cannot be built: its summary and its problems."""
    problems = Problems()
    for problem in exc.problems:
        problems.add(problem)
    report = problems.report()
    report["summary"] = exc.summary
    return Failure(clip(exc.summary, MAX_ERROR_CHARS), report)


def toolchain_failure(exc: ToolchainError) -> Failure:
    """An Android tool failed: which tool, its message, the tail of its output."""
    report = Problems().report()
    report.update({"summary": str(exc), "tool": exc.tool, "output": tail(exc.output)})
    return Failure(clip(str(exc), MAX_ERROR_CHARS), report)


def internal_failure() -> Failure:
    """Something unexpected broke: the organizer learns only that (the traceback is logged)."""
    report = Problems().report()
    report["summary"] = INTERNAL_ERROR
    return Failure(INTERNAL_ERROR, report)


def counts_only(report: Mapping[str, Any]) -> dict[str, Any]:
    """The smallest record of a report: its counts, its summary cut short, nothing listed
    (the whole report is ``report.json``). What is kept when even the bounded one is refused."""
    kept: dict[str, Any] = {
        "error_count": report.get("error_count", len(report.get("errors") or [])),
        "warning_count": report.get("warning_count", len(report.get("warnings") or [])),
        "complete": False,
    }
    if isinstance(report.get("summary"), str):
        kept["summary"] = clip(report["summary"], 200)
    return kept


def unrecorded(status: str, code: str | None) -> str:
    """What viewers and the log are told when a build's final status cannot be written."""
    return clip(
        f"the build {status}, but its result could not be recorded ({code or 'unknown error'}); "
        "it is handed back and will be built again: reload this page in a minute",
        MAX_ERROR_CHARS,
    )


def gave_up(attempts: int, reason: str) -> str:
    """The error of a build abandoned after ``attempts`` runner attempts that crashed."""
    return clip(f"gave up after {attempts} attempts: {reason}", MAX_ERROR_CHARS)


def dead_lettered(receive_count: int, runner_id: str | None) -> str:
    """The error of a build whose job reached the dead-letter queue."""
    who = f" (last held by runner {runner_id})" if runner_id else ""
    return clip(
        f"gave up after {receive_count} attempts: the job reached the dead-letter queue; "
        f"every runner that took it stopped before finishing{who}. Start a new build; if it "
        "fails the same way, report the build id",
        MAX_ERROR_CHARS,
    )


def artifact_of(result: GenerateResult, key: str) -> dict[str, Any]:
    """The ``artifact`` map of a succeeded build (docs/contracts.md)."""
    return {
        "key": key,
        "size": result.size,
        "sha256": result.sha256,
        "package": result.package,
        "label": result.label,
        "version_code": result.version_code,
        "version_name": result.version_name,
    }


def generate_options(options: Mapping[str, Any]) -> GenerateOptions:
    """The generator's options from the build's ``options`` map (``email`` is not one)."""

    def text(name: str) -> str | None:
        value = options.get(name)
        return str(value) if value not in (None, "") else None

    return GenerateOptions(
        package_name=text("package_name"),
        app_name=text("app_name"),
        primary_color=text("primary_color"),
        accent_color=text("accent_color"),
    )


def lease_seconds(visibility_timeout_s: int, heartbeat_s: int) -> float:
    """How long a claim lasts without a heartbeat.

    Longer than two heartbeats (one missed beat is not fatal) and shorter than the message's
    visibility timeout by one heartbeat, so that when a dead runner's message reappears its
    lease has already expired and the next runner can take the build over.
    """
    if heartbeat_s <= 0 or visibility_timeout_s <= 0:
        raise ValueError("the heartbeat and the visibility timeout must be positive")
    return float(max(2 * heartbeat_s, visibility_timeout_s - heartbeat_s))
