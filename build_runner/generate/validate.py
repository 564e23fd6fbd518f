"""Step ``validate``: is the export's JSON something an app can be built from?

Pure: the parsed documents in (``{"event": {...}, "sessions": [...], ...}``; a file that could
not be read is simply absent, its error already reported), problems out. Every problem names
the file, the JSON path with the key as spelled in the upload, the offending value, and how to
fix it. Errors (the build stops): wrong top-level type, an item that is not an object, a missing
event name/start/end, a missing id or name, an unparseable date, an end before its start, an
unknown time zone, a duplicate id, a relationship of the wrong type. Warnings: a session that is
not scheduled yet (it is left out). Unknown or odd fields are ignored quietly.
"""

from __future__ import annotations

from datetime import datetime, tzinfo
from typing import Any
from zoneinfo import ZoneInfo

from build_runner.generate.normalize import (
    DATE_EXAMPLE,
    ident,
    localize,
    lookup,
    parse_datetime,
    text,
    zone,
)
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
# The field that names each kind of item.
_NAME_FIELD: dict[str, str] = {"sessions": "title"}
_UTC = ZoneInfo("UTC")
_ZONE_EXAMPLE = "use an IANA time zone name such as Europe/Berlin or America/Los_Angeles"


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


def check_top_level(docs: dict[str, Any], problems: Problems) -> None:
    """Each file must have the right type at the top; wrong ones are removed from ``docs``."""
    for name in list(docs):
        value = docs[name]
        if name in LIST_FILES and not isinstance(value, list):
            problems.error(name, name, f"expected an array of {LIST_FILES[name]} objects at the "
                           f"top level, found {json_type(value)}", has_value=False,
                           hint='the file must look like [{"id": 1, ...}, ...]')
            del docs[name]
        elif name in OBJECT_FILES and not isinstance(value, dict):
            problems.error(name, name, f"expected an object at the top level, found "
                           f"{json_type(value)}", has_value=False,
                           hint='the file must look like {"name": ..., ...}')
            del docs[name]


def _date(obj: dict[str, Any], field: str, file: str, where: str,
          problems: Problems) -> datetime | None:
    key, value = lookup(obj, field)
    if value is None or value == "":
        return None
    moment = parse_datetime(value)
    if moment is None:
        problems.error(file, f"{where}.{key}", "is not an ISO 8601 date-time", value,
                       hint=DATE_EXAMPLE)
    return moment


def check_event(event: dict[str, Any], problems: Problems) -> None:
    """The event needs a name, a start, an end (not before the start) and a known zone."""
    key, name = lookup(event, "name")
    if not text(name):
        problems.error("event", f"event.{key}", "the event's name is missing", has_value=False,
                       hint="add the event's name")
    tz_key, tz_name = lookup(event, "timezone")
    tz = zone(tz_name)
    if tz_name not in (None, "") and tz is None:
        problems.error("event", f"event.{tz_key}", "is not a known time zone", tz_name,
                       hint=_ZONE_EXAMPLE)
    moments: list[datetime | None] = []
    for field, what in (("starts_at", "start"), ("ends_at", "end")):
        key, value = lookup(event, field)
        if value is None or value == "":
            problems.error("event", f"event.{key}", f"the event's {what} is missing",
                           has_value=False, hint=f"add it, {DATE_EXAMPLE}")
        moments.append(_date(event, field, "event", "event", problems))
    start, end = moments
    if start and end:
        _check_order(event, start, end, "event", "event", problems, tz or _UTC)


def _check_order(obj: dict[str, Any], start: datetime, end: datetime, file: str, where: str,
                 problems: Problems, tz: tzinfo) -> None:
    """Naive times are in the event's zone ``tz``, as ``normalize`` reads them."""
    if localize(end, tz) < localize(start, tz):
        key = lookup(obj, "ends_at")[0]
        start_key = lookup(obj, "starts_at")[0]
        problems.error(file, f"{where}.{key}", f"is before the start "
                       f"{lookup(obj, 'starts_at')[1]}", lookup(obj, "ends_at")[1],
                       hint=f"make {key} later than {start_key}")


def _check_relation(obj: dict[str, Any], field: str, where: str, problems: Problems) -> None:
    key, value = lookup(obj, field)
    if value is None or value == "" or isinstance(value, dict) or ident(value) is not None:
        return
    problems.error("sessions", f"{where}.{key}", f"expected an object with an id, or an id, "
                   f"found {json_type(value)}", value, hint="use the id of the item it refers to")


def check_items(name: str, items: list[Any], problems: Problems, tz: tzinfo = _UTC) -> None:
    """Every item is an object with a unique id and a name (a title for sessions)."""
    noun = LIST_FILES[name]
    seen: dict[str, str] = {}
    for i, item in enumerate(items):
        where = f"{name}[{i}]"
        if not isinstance(item, dict):
            problems.error(name, where, f"expected a {noun} object, found {json_type(item)}",
                           has_value=False, hint=f'each {noun} must look like {{"id": 1, ...}}')
            continue
        id_key, raw_id = lookup(item, "id")
        item_id = ident(raw_id)
        if item_id is None:
            problems.error(name, f"{where}.{id_key}", f"the {noun}'s id is missing or not a "
                           "number or string", raw_id, hint=f"give every {noun} its own id")
        elif item_id in seen:
            problems.error(name, f"{where}.{id_key}", f"is used by {seen[item_id]} too", raw_id,
                           hint=f"give every {noun} its own id")
        else:
            seen[item_id] = where
        name_field = _NAME_FIELD.get(name, "name")
        key, value = lookup(item, name_field)
        if not text(value):
            problems.error(name, f"{where}.{key}", f"the {noun}'s {name_field} is missing",
                           has_value=False, hint=f"add a {name_field} to the {noun}")
        if name == "sessions":
            check_session(item, where, problems, tz)


def check_session(session: dict[str, Any], where: str, problems: Problems,
                  tz: tzinfo = _UTC) -> None:
    """Dates that parse and are in order; relationships of the right type."""
    start = _date(session, "starts_at", "sessions", where, problems)
    end = _date(session, "ends_at", "sessions", where, problems)
    start_key, start_value = lookup(session, "starts_at")
    end_key, end_value = lookup(session, "ends_at")
    if start and end:
        _check_order(session, start, end, "sessions", where, problems, tz)
    elif start_value in (None, "") or end_value in (None, ""):
        missing = start_key if start_value in (None, "") else end_key
        problems.warning("sessions", f"{where}.{missing}", "is not set, so the session is not "
                         "scheduled yet; it is left out of the app", has_value=False,
                         hint="schedule the session to show it")
    for field in ("track", "room", "session_type"):
        _check_relation(session, field, where, problems)
    key, speakers = lookup(session, "speakers")
    if speakers is not None and not isinstance(speakers, list):
        problems.error("sessions", f"{where}.{key}", f"expected an array of speakers, found "
                       f"{json_type(speakers)}", has_value=False,
                       hint="list the speakers' objects or ids")


def validate(docs: dict[str, Any], problems: Problems) -> None:
    """Check the documents, reporting every problem found; drops files of the wrong type."""
    check_top_level(docs, problems)
    event = docs.get("event")
    tz: tzinfo = _UTC
    if isinstance(event, dict):
        check_event(event, problems)
        tz = zone(lookup(event, "timezone")[1]) or _UTC
    for name in LIST_FILES:
        items = docs.get(name)
        if isinstance(items, list):
            check_items(name, items, problems, tz)

