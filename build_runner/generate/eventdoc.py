"""The event's own document: its name, links, time zone and dates.

Pure. :func:`event_zone` reads the zone the way old exports spell it (a mended spelling is a
warning), :func:`read_event` the event's fields, :func:`event_dates` its start and end (taken from
its public sessions when missing, unreadable or reversed, with a warning), :func:`app_config`
the ``config.json`` of the app.
"""

from __future__ import annotations

from datetime import datetime, timedelta, tzinfo
from typing import Any
from zoneinfo import ZoneInfo

from build_runner.generate.entities import Reader
from build_runner.generate.fields import (
    ident,
    localize,
    lookup,
    number,
    parse_datetime,
    text,
    value_of,
)
from build_runner.generate.model import AppConfig, Event, Link, Session
from build_runner.generate.problems import Problems
from build_runner.generate.zones import resolve_zone

DATE_EXAMPLE = "expected e.g. 2017-06-15T10:00:00+08:00"


def read_event(reader: Reader, obj: dict[str, Any], config: AppConfig, zone_name: str) -> Event:
    """The event from its document; its dates are filled in by :func:`event_dates`."""
    links: list[Link] = []
    social_key, social = lookup(obj, "social_links")
    for i, item in enumerate(social if isinstance(social, list) else []):
        if isinstance(item, dict):
            url = reader.link(item, "link", "event", f"event.{social_key}[{i}]")
            if url:
                label = reader.plain(item, "name", "event", f"event.{social_key}[{i}]")
                links.append(Link(label=label or url, url=url))
    website = reader.link(obj, "event_url", "event", "event")
    if website and all(link.url != website for link in links):
        links.insert(0, Link(label="Website", url=website))
    reader.image("logo", "event", obj, "event", "event")
    reader.image("background", "event", obj, "event", "event")
    email = text(value_of(obj, "email"))
    return Event(
        id=ident(value_of(obj, "id")) or "event",
        name=reader.plain(obj, "name", "event", "event"),
        starts_at="",
        ends_at="",
        timezone=zone_name,
        description=reader.rich(obj, "description", "event", "event"),
        location_name=reader.plain(obj, "location_name", "event", "event"),
        latitude=number(value_of(obj, "latitude")),
        longitude=number(value_of(obj, "longitude")),
        email=email if "@" in email else config.email,
        organizer_name=reader.plain(obj, "organizer_name", "event", "event"),
        organizer_description=reader.rich(obj, "organizer_description", "event", "event"),
        code_of_conduct=reader.rich(obj, "code_of_conduct", "event", "event"),
        ticket_url=reader.link(obj, "ticket_url", "event", "event"),
        links=tuple(links),
    )

def event_dates(obj: dict[str, Any], sessions: list[Session], tz: tzinfo,
            problems: Problems) -> tuple[str, str]:
    """The event's start and end; missing, unreadable or reversed ones come from its
    sessions, with a warning."""
    starts = [datetime.fromisoformat(s.starts_at) for s in sessions]
    ends = [datetime.fromisoformat(s.ends_at or s.starts_at) for s in sessions]
    found: list[datetime | None] = []
    for name, fallback, what in (("starts_at", min(starts, default=None), "first session's "
                                  "start"), ("ends_at", max(ends, default=None),
                                             "last session's end")):
        key, value = lookup(obj, name)
        moment = parse_datetime(value)
        if moment is not None:
            found.append(localize(moment, tz))
            continue
        problem = ("is missing" if value in (None, "") else
                   "is not an ISO 8601 date-time")
        done = (f"the {what}, {fallback.isoformat()}, is used" if fallback else
                "the app shows no date for the event")
        problems.warning("event", f"event.{key}", f"{problem}; {done}", value,
                              has_value=value not in (None, ""), hint=DATE_EXAMPLE)
        found.append(fallback)
    start, end = found
    if start and end and end < start:
        key = lookup(obj, "ends_at")[0]
        later = max([start, *ends])
        problems.warning("event", f"event.{key}", f"is before the event's start "
                              f"{start.isoformat()}; {later.isoformat()} is used",
                              lookup(obj, "ends_at")[1], hint="check the event's dates")
        end = later
    return (start.isoformat(timespec="seconds") if start else "",
            end.isoformat(timespec="seconds") if end else "")


def app_config(value: Any) -> AppConfig:
    """``config.json`` in either style (``App_Name`` or ``app-name``); ``"null"`` means empty."""
    if not isinstance(value, dict):
        return AppConfig()

    def clean(name: str) -> str:
        found = text(value_of(value, name))
        return "" if found.lower() in ("null", "none") else found

    email = clean("email")
    return AppConfig(app_name=clean("app_name"), api_link=clean("api_link"),
                     email=email if "@" in email else "")


def _offsets(docs: dict[str, Any], event_obj: dict[str, Any]) -> list[timedelta]:
    """The UTC offsets the event's own times carry: the event's first, then its sessions'."""
    offsets: list[timedelta] = []
    sessions = docs.get("sessions")
    candidates = [event_obj, *(s for s in (sessions if isinstance(sessions, list) else [])
                               if isinstance(s, dict))]
    for obj in candidates:
        for name in ("starts_at", "ends_at"):
            moment = parse_datetime(value_of(obj, name))
            if moment is not None and (offset := moment.utcoffset()) is not None:
                offsets.append(offset)
        if offsets:
            break
    return offsets


def event_zone(docs: dict[str, Any], event_obj: dict[str, Any],
               problems: Problems) -> tuple[tzinfo, str]:
    """The event's zone and the name the app is told; a mended spelling is a warning."""
    key, spelled = lookup(event_obj, "timezone")
    resolved = resolve_zone(spelled if isinstance(spelled, str) else None,
                            _offsets(docs, event_obj))
    if resolved is None:
        return ZoneInfo("UTC"), "UTC"
    if resolved.how:
        problems.warning("event", f"event.{key}", resolved.how, spelled,
                         has_value=spelled not in (None, ""),
                         hint="use an IANA time zone name such as Europe/Berlin or "
                         "America/Los_Angeles")
    return resolved.tz, resolved.name
