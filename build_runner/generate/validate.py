"""Step ``validate``: is the export's JSON something an app can be built from?

Pure: the parsed documents in (``{"event": {...}, "sessions": [...], ...}``; a file that could
not be read is simply absent, its problem already reported), problems out. Only what would make
the app wrong is an error (the build stops): an ``event`` that is not an object or has no
name, a ``sessions`` file that is not an array. An optional file of the wrong shape is ignored
with a warning that says what the app lacks. Everything else real exports get wrong is mended
by :mod:`build_runner.generate.repair` and :mod:`build_runner.generate.normalize`, each with
a warning that names file, JSON path, value and what was done. Unknown or odd fields are
ignored quietly.
"""

from __future__ import annotations

from typing import Any

from build_runner.generate.extract import REQUIRED_FILES
from build_runner.generate.fields import lookup, text
from build_runner.generate.problems import Problems

# The files that hold a list of things, and what one of them is called in messages.
LIST_FILES: dict[str, str] = {
    "sessions": "session",
    "speakers": "speaker",
    "tracks": "track",
    "microlocations": "room (microlocation)",
    "sponsors": "sponsor",
    "session_types": "session type",
}
OBJECT_FILES: tuple[str, ...] = ("event", "config.json", "meta")
LIST_LIKE_FILES: tuple[str, ...] = ("forms",)
__all__ = ["LIST_FILES", "REQUIRED_FILES", "check_top_level", "ignored", "json_type", "validate"]
# What the app lacks when an optional file is ignored.
WITHOUT: dict[str, str] = {
    "speakers": "the app shows only the speakers named inside sessions, without their bios",
    "tracks": "the app shows only the tracks named inside sessions",
    "microlocations": "the app shows only the rooms named inside sessions",
    "sponsors": "the app has no sponsors",
    "session_types": "the app shows only the session types named inside sessions",
    "forms": "the app does not use it, so nothing is missing",
    "meta": "the app does not use it, so nothing is missing",
    "config.json": "the app is named after the event and has no API link",
}


def json_type(value: Any) -> str:
    """The JSON name of a value's type, for messages."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, int | float):
        return "a number"
    if isinstance(value, str):
        return "a string"
    if isinstance(value, list):
        return "an array"
    return "an object"


def ignored(name: str) -> str:
    """``it is ignored; the app has no sponsors``: what an ignored optional file costs."""
    return f"it is ignored; {WITHOUT.get(name, 'the app is built without it')}"


def check_top_level(docs: dict[str, Any], problems: Problems) -> None:
    """Each file must have the right type at the top; wrong ones are removed from ``docs``.

    A required file of the wrong type is an error, an optional one a warning.
    """
    for name in list(docs):
        value = docs[name]
        if name in LIST_FILES or name in LIST_LIKE_FILES:
            noun = LIST_FILES.get(name, name[:-1])
            expected, ok = f"an array of {noun} objects", isinstance(value, list)
            hint = 'the file must look like [{"id": 1, ...}, ...]'
        elif name in OBJECT_FILES:
            expected, ok = "an object", isinstance(value, dict)
            hint = 'the file must look like {"name": ..., ...}'
        else:
            continue
        if ok:
            continue
        message = f"expected {expected} at the top level, found {json_type(value)}"
        if name in REQUIRED_FILES:
            problems.error(name, name, message, has_value=False, hint=hint)
        else:
            problems.warning(name, name, f"{message}; {ignored(name)}", has_value=False,
                             hint=hint)
        del docs[name]


def check_event(event: dict[str, Any], problems: Problems) -> None:
    """The event needs a name: an app cannot be titled without one."""
    key, name = lookup(event, "name")
    if not text(name):
        problems.error("event", f"event.{key}", "the event's name is missing", has_value=False,
                       hint="add the event's name")


def validate(docs: dict[str, Any], problems: Problems) -> None:
    """Check the documents, reporting every problem found; drops files of the wrong type."""
    check_top_level(docs, problems)
    event = docs.get("event")
    if isinstance(event, dict):
        check_event(event, problems)
