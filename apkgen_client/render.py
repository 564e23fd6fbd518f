"""How the terminal client shows things: log lines, step headers, problems, status, progress.

Pure functions over the JSON the API sends; no I/O. Colors are ANSI escapes, used only when the
caller says the stream is a terminal.
"""

from __future__ import annotations

import json
import time
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

RESET = "\033[0m"
LEVEL_COLORS = {"debug": "\033[2m", "info": "", "warning": "\033[33m", "error": "\033[31;1m"}
HEADER_COLOR = "\033[1;36m"
STATUS_COLORS = {"succeeded": "\033[32;1m", "failed": "\033[31;1m", "cancelled": "\033[33;1m"}

# The longest run of characters shown of one log line before it is cut (a runaway tool output
# line must not flood the terminal).
MAX_LINE_CHARS = 4000


def _paint(text: str, color: str, enabled: bool) -> str:
    return f"{color}{text}{RESET}" if enabled and color else text


def _shown(ch: str) -> str:
    code = ord(ch)
    if ch == "\t" or (code >= 0x20 and not 0x7F <= code <= 0x9F and not _is_bidi(code)
                      and code not in (0x2028, 0x2029)):
        return ch
    return "\ufffd"


def _is_bidi(code: int) -> bool:
    return 0x202A <= code <= 0x202E or 0x2066 <= code <= 0x2069 or code in (0x200E, 0x200F,
                                                                             0x061C)


def clean(text: str) -> str:
    """Neutralise C0 and C1 controls, line separators and bidi controls: a log line must not
    move the cursor, recolor the terminal, break into two or read in another order."""
    out = "".join(_shown(ch) for ch in text)
    return out if len(out) <= MAX_LINE_CHARS else out[: MAX_LINE_CHARS - 1] + "…"


def format_line(line: dict[str, Any], *, color: bool = False, timestamps: bool = False) -> str:
    """One log line: ``seq  level  text`` (with the UTC time of day when asked)."""
    seq = line.get("seq", "?")
    level = str(line.get("level", "info"))
    text = clean(str(line.get("text", "")))
    prefix = f"{seq:>5} "
    if timestamps and isinstance(line.get("ts"), int | float):
        prefix += time.strftime("%H:%M:%S", time.gmtime(line["ts"])) + " "
    marker = {"warning": "WARN  ", "error": "ERROR "}.get(level, "")
    return _paint(prefix + marker + text, LEVEL_COLORS.get(level, ""), color)


def step_header(step: str, *, color: bool = False) -> str:
    """The line printed when the log enters a new step."""
    return _paint(f"── {clean(step)} " + "─" * max(3, 40 - len(step)), HEADER_COLOR, color)


@dataclass
class LogPrinter:
    """Renders lines in order, with a header each time the step changes."""

    color: bool = False
    timestamps: bool = False
    _step: str | None = None

    def render(self, lines: Iterable[dict[str, Any]]) -> list[str]:
        """The output lines for ``lines`` (already deduplicated and in seq order)."""
        out: list[str] = []
        for line in lines:
            step = str(line.get("step", ""))
            if step != self._step:
                self._step = step
                out.append(step_header(step, color=self.color))
            out.append(format_line(line, color=self.color, timestamps=self.timestamps))
        return out


def parse_problems(problems: Any) -> dict[str, Any]:
    """The problems report as a dict, whether the API sent it as JSON text or as an object."""
    if isinstance(problems, str) and problems.strip():
        try:
            problems = json.loads(problems)
        except ValueError:
            return {"errors": [{"text": problems}], "warnings": []}
    return problems if isinstance(problems, dict) else {}


def _problem_text(problem: dict[str, Any]) -> str:
    if problem.get("text"):
        return clean(str(problem["text"]))
    where = problem.get("path") or problem.get("file") or "?"
    value = problem.get("value")
    shown = f" {json.dumps(value, ensure_ascii=False)}" if value is not None else ""
    hint = f" ({problem['hint']})" if problem.get("hint") else ""
    return clean(f"{where}:{shown} {problem.get('message', '')}{hint}")


def format_failure(status: dict[str, Any], *, color: bool = False) -> list[str]:
    """The error summary of a failed build: its error, then each problem with its JSON path."""
    out = [_paint(f"Build {status.get('status', 'failed')}: "
                  f"{clean(str(status.get('error') or 'no reason given'))}",
                  STATUS_COLORS.get(str(status.get("status")), ""), color)]
    report = parse_problems(status.get("problems"))
    errors = report.get("errors") or []
    for problem in errors:
        if isinstance(problem, dict):
            out.append("  ✗ " + _problem_text(problem))
    more = int(report.get("error_count") or len(errors)) - len(errors)
    if more > 0:
        out.append(f"  … and {more} more errors")
    return out


def format_status(status: dict[str, Any], *, color: bool = False,
                  now: float | None = None) -> list[str]:
    """``apkgen status``: the build's state, step, times and artifact or failure."""
    now = time.time() if now is None else now
    state = str(status.get("status", "?"))
    out = [f"build     {status.get('build_id', '?')}",
           "status    " + _paint(state, STATUS_COLORS.get(state, ""), color)]
    if status.get("step"):
        out.append(f"step      {status['step']}")
    started, finished = status.get("started_at"), status.get("finished_at")
    if isinstance(started, int | float):
        end = finished if isinstance(finished, int | float) else now
        out.append(f"elapsed   {format_duration(end - started)}")
    artifact = status.get("artifact")
    if isinstance(artifact, dict) and artifact:
        out.append(f"app       {artifact.get('label', '?')} ({artifact.get('package', '?')}) "
                   f"version {artifact.get('version_name', '?')}")
        if isinstance(artifact.get("size"), int):
            out.append(f"size      {format_bytes(artifact['size'])}")
        if artifact.get("sha256"):
            out.append(f"sha256    {artifact['sha256']}")
        if artifact.get("download_url"):
            out.append(f"download  {artifact['download_url']}")
        if artifact.get("preview_url"):
            out.append(f"preview   {artifact['preview_url']}")
    if state in ("failed", "cancelled"):
        out.extend(format_failure(status, color=color))
    return out


def format_duration(seconds: float) -> str:
    """``42.1s``, ``3m05s``."""
    seconds = max(0.0, seconds)
    if seconds < 60:
        return f"{seconds:.1f}s"
    minutes, rest = divmod(int(seconds), 60)
    return f"{minutes}m{rest:02d}s"


def format_bytes(size: int) -> str:
    """``812 B``, ``1.4 MB``."""
    if size < 1024:
        return f"{size} B"
    if size < 1024 * 1024:
        return f"{size / 1024:.1f} KB"
    return f"{size / (1024 * 1024):.1f} MB"


def progress_bar(done: int, total: int, width: int = 30, label: str = "upload") -> str:
    """``upload [#########.........]  30%  1.2 MB / 4.0 MB``."""
    fraction = 1.0 if total <= 0 else min(1.0, done / total)
    filled = round(fraction * width)
    return (f"{label} [{'#' * filled}{'.' * (width - filled)}] {fraction * 100:3.0f}%  "
            f"{format_bytes(done)} / {format_bytes(total)}")
