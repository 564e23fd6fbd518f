"""The bounded summary of a build's problems report that the builds item keeps. Pure: no I/O.

A report (``{"summary", "errors", "warnings", "error_count", "warning_count", ...}``, see
``build_runner.generate.problems``) can be any size: an export whose 60 speakers' photos are
8 KB ``data:`` URIs gives 60 warnings that each quote their value, 430 KB in all, beyond
DynamoDB's 400 KB item limit. The whole report is stored in S3 (``report.json`` beside the
artifact) and linked from ``GET /builds/{id}``; the item keeps :func:`summarize`'s answer:

* the first :data:`MAX_LISTED` errors and warnings, each text field cut to
  :data:`MAX_TEXT_CHARS` and each value to :data:`MAX_VALUE_CHARS`;
* the counts (``error_count``, ``warning_count``) of the whole report;
* ``"complete": false`` when anything was cut or left out (then only the whole report has
  it); a report small enough to keep whole is kept as it is.

Its encoded JSON never exceeds :data:`MAX_SUMMARY_BYTES`, whatever the report.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

MAX_LISTED = 20  # problems of each severity kept in the item
MAX_TEXT_CHARS = 500  # message, hint, text, path of one problem
MAX_VALUE_CHARS = 200  # the offending value a problem quotes
MAX_SUMMARY_CHARS = 1000  # the report's ``summary`` (the error's long form)
MAX_OUTPUT_CHARS = 2000  # the tail of a failing tool's output
MAX_SUMMARY_BYTES = 24 * 1024  # the whole summary, encoded
MAX_ERROR_CHARS = 1000  # the build's ``error`` attribute

_LISTS = ("errors", "warnings")
_COUNTS = {"errors": "error_count", "warnings": "warning_count"}
_PROBLEM_TEXT = ("file", "path", "message", "hint", "text", "severity")


def clip(text: str, limit: int) -> str:
    """``text`` cut to ``limit`` characters, with an ellipsis when cut."""
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _tail(text: str, limit: int) -> str:
    return text if len(text) <= limit else "…" + text[-(limit - 1):]


def encoded_size(value: Any) -> int:
    """Bytes of ``value`` as the compact UTF-8 JSON the item stores."""
    return len(json.dumps(value, ensure_ascii=False, separators=(",", ":")).encode("utf-8",
                                                                                 "replace"))


def _value(value: Any) -> tuple[Any, bool]:
    """A problem's value, or its JSON cut to :data:`MAX_VALUE_CHARS`; and whether it was cut."""
    if value is None or isinstance(value, bool | int | float):
        return value, False
    if isinstance(value, str):
        return clip(value, MAX_VALUE_CHARS), len(value) > MAX_VALUE_CHARS
    text = json.dumps(value, ensure_ascii=False, default=str)
    if len(text) <= MAX_VALUE_CHARS:
        return value, False
    return clip(text, MAX_VALUE_CHARS), True


def _problem(problem: Any) -> tuple[dict[str, Any], bool]:
    """One problem with every field bounded; and whether anything was cut."""
    if not isinstance(problem, Mapping):
        text = str(problem)
        return {"text": clip(text, MAX_TEXT_CHARS)}, len(text) > MAX_TEXT_CHARS
    out: dict[str, Any] = {}
    cut = False
    for name in _PROBLEM_TEXT:
        if name in problem and problem[name] is not None:
            text = str(problem[name])
            out[name] = clip(text, MAX_TEXT_CHARS)
            cut = cut or len(text) > MAX_TEXT_CHARS
    if "value" in problem:
        out["value"], value_cut = _value(problem["value"])
        cut = cut or value_cut
    return out, cut or any(k not in _PROBLEM_TEXT and k != "value" for k in problem)


def _count(report: Mapping[str, Any], name: str, listed: int) -> int:
    count = report.get(_COUNTS[name])
    if isinstance(count, int) and not isinstance(count, bool) and count >= listed:
        return count
    return listed


def summarize(report: Mapping[str, Any] | str | None) -> dict[str, Any] | None:
    """The summary of ``report`` (a dict, or its JSON text) the builds item keeps.

    None stays None; text that is not a JSON object becomes ``{"text": ...}`` (cut). Keys
    other than the known ones are kept only when small. See the module docstring."""
    if report is None:
        return None
    if isinstance(report, str):
        try:
            parsed = json.loads(report)
        except (ValueError, RecursionError):
            parsed = None
        if not isinstance(parsed, Mapping):
            text = {"text": clip(report, MAX_TEXT_CHARS)}
            return text if len(report) <= MAX_TEXT_CHARS else {**text, "complete": False}
        report = parsed
    out: dict[str, Any] = {}
    complete = True
    lists: dict[str, list[dict[str, Any]]] = {}
    for name in _LISTS:
        raw = report.get(name)
        items = list(raw) if isinstance(raw, list) else []
        bounded = []
        for problem in items[:MAX_LISTED]:
            kept, cut = _problem(problem)
            complete = complete and not cut
            bounded.append(kept)
        lists[name] = bounded
        count = _count(report, name, len(items))
        out[_COUNTS[name]] = count
        complete = complete and len(bounded) == count
    for name, value in report.items():
        if name in _LISTS or name in _COUNTS.values() or name == "complete":
            continue
        if name == "summary" and isinstance(value, str):
            out[name] = clip(value, MAX_SUMMARY_CHARS)
            complete = complete and len(value) <= MAX_SUMMARY_CHARS
        elif name == "output" and isinstance(value, str):
            out[name] = _tail(value, MAX_OUTPUT_CHARS)
            complete = complete and len(value) <= MAX_OUTPUT_CHARS
        elif len(str(name)) <= 100 and encoded_size(value) <= MAX_TEXT_CHARS:
            out[str(name)] = value
        else:
            complete = False
    out.update(lists)
    # Each field is bounded, so only many listed problems can still be too big: list fewer.
    while encoded_size({**out, "complete": complete}) > MAX_SUMMARY_BYTES and any(
        out[name] for name in _LISTS
    ):
        for name in _LISTS:
            out[name] = out[name][: len(out[name]) // 2]
        complete = False
    if not complete:
        out["complete"] = False
    return out
