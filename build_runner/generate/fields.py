"""The fields of an export, in every key style, and how their values are read.

Pure. Every field has a dashed name (``starts-at``), an underscore name (``start_time``) and
sometimes older spellings; :data:`FIELDS` lists them and :func:`lookup` finds the one the upload
uses, so problems quote the key as spelled in the upload. :func:`text`, :func:`ident`,
:func:`number` and :func:`parse_datetime` read a value the way real exports write it;
:func:`plain` and :func:`rich` also decode the HTML entities exports double-encode.
"""

from __future__ import annotations

import html
import re
from datetime import datetime, tzinfo
from typing import Any

# Every field: (dashed name, underscore name, older spellings…). The first two name a missing
# field in the upload's own style.
FIELDS: dict[str, tuple[str, ...]] = {
    "id": ("id", "id"),
    "name": ("name", "name"),
    "title": ("title", "title"),
    "subtitle": ("subtitle", "subtitle"),
    "description": ("description", "description"),
    "starts_at": ("starts-at", "start_time", "starts_at", "start-time"),
    "ends_at": ("ends-at", "end_time", "ends_at", "end-time"),
    "timezone": ("timezone", "timezone"),
    "location_name": ("location-name", "location_name"),
    "latitude": ("latitude", "latitude"),
    "longitude": ("longitude", "longitude"),
    "logo": ("logo-url", "logo", "logo_url"),
    "background": ("original-image-url", "background_image", "background-image",
                   "background-url", "background_url", "original_image_url"),
    "email": ("email", "email", "Email"),
    "organizer_name": ("organizer-name", "organizer_name", "owner-name", "owner_name"),
    "organizer_description": ("organizer-description", "organizer_description",
                              "owner-description", "owner_description"),
    "code_of_conduct": ("code-of-conduct", "code_of_conduct"),
    "ticket_url": ("ticket-url", "ticket_url"),
    "event_url": ("event-url", "event_url", "external-event-url", "external_event_url"),
    "social_links": ("social-links", "social_links"),
    "color": ("color", "color"),
    "floor": ("floor", "floor"),
    "length": ("length", "length"),
    "organisation": ("organisation", "organisation", "organization"),
    "position": ("position", "position"),
    "short_biography": ("short-biography", "short_biography"),
    "long_biography": ("long-biography", "long_biography"),
    "photo": ("photo-url", "photo", "photo_url", "thumbnail-image-url", "thumbnail"),
    "website": ("website", "website"),
    "twitter": ("twitter", "twitter"),
    "linkedin": ("linkedin", "linkedin"),
    "github": ("github", "github"),
    "country": ("country", "country"),
    "short_abstract": ("short-abstract", "short_abstract"),
    "long_abstract": ("long-abstract", "long_abstract"),
    "track": ("track", "track", "track-id", "track_id"),
    "room": ("microlocation", "microlocation", "microlocation-id", "microlocation_id"),
    "session_type": ("session-type", "session_type", "session-type-id", "session_type_id"),
    "speakers": ("speakers", "speakers"),
    "sessions": ("sessions", "sessions"),
    "level": ("level", "level"),
    "language": ("language", "language"),
    "slides_url": ("slides-url", "slides", "slides_url"),
    "video_url": ("video-url", "video", "video_url"),
    "audio_url": ("audio-url", "audio", "audio_url"),
    "signup_url": ("signup-url", "signup_url"),
    "url": ("url", "url"),
    "sponsor_type": ("type", "type", "sponsor-type", "sponsor_type"),
    "app_name": ("app-name", "app_name", "App_Name"),
    "api_link": ("api-link", "api_link", "Api_Link"),
    "link": ("link", "link", "url"),
    "state": ("state", "state"),
    "deleted_at": ("deleted-at", "deleted_at"),
    "hidden_in_scheduler": ("hidden-in-scheduler", "hidden_in_scheduler"),
}

def is_dashed(obj: dict[str, Any]) -> bool:
    """Whether an object uses the dashed key style (the default when it shows neither)."""
    return any("-" in k for k in obj) or not any("_" in k for k in obj)


def lookup(obj: dict[str, Any], name: str) -> tuple[str, Any]:
    """``(key as spelled in the upload, value)`` of field ``name``; the first non-empty wins.

    A missing field gives the key of the object's own style and None.
    """
    keys = FIELDS[name]
    present = [k for k in keys if k in obj]
    for key in present:
        if obj[key] not in (None, ""):
            return key, obj[key]
    if present:
        return present[0], obj[present[0]]
    return (keys[0] if is_dashed(obj) else keys[1]), None


def value_of(obj: dict[str, Any], name: str) -> Any:
    """Just the value of field ``name`` (None when missing)."""
    return lookup(obj, name)[1]


def text(value: Any) -> str:
    """A text field: strings stripped, numbers as written, anything else empty."""
    if isinstance(value, str):
        return value.strip()
    if isinstance(value, bool) or value is None:
        return ""
    if isinstance(value, int | float):
        return str(value)
    return ""


def ident(value: Any) -> str | None:
    """An id as a string (``12`` and ``"12"`` are the same id); None when it is not an id."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return str(value)
    if isinstance(value, str) and value.strip():
        return value.strip()
    return None


def number(value: Any) -> float | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int | float):
        return float(value)
    if isinstance(value, str):
        try:
            return float(value)
        except ValueError:
            return None
    return None


def whole(value: Any) -> int | None:
    parsed = number(value)
    return int(parsed) if parsed is not None and parsed == int(parsed) else None


def parse_datetime(value: Any) -> datetime | None:
    """An ISO 8601 date-time (naive or with offset), or None when ``value`` is not one."""
    if not isinstance(value, str) or not value.strip():
        return None
    try:
        return datetime.fromisoformat(value.strip())
    except ValueError:
        return None


def localize(moment: datetime, tz: tzinfo) -> datetime:
    """Naive times are in the event's zone; aware ones are converted to it."""
    return moment.replace(tzinfo=tz) if moment.tzinfo is None else moment.astimezone(tz)


def iso(moment: datetime, tz: tzinfo) -> str:
    return localize(moment, tz).isoformat(timespec="seconds")


_TAG = re.compile(r"</?[A-Za-z][^<>]*>|<!--")
_ENTITY = re.compile(r"&(?:#[0-9]+|#[xX][0-9a-fA-F]+|[A-Za-z][A-Za-z0-9]{1,31});?")
_DOUBLE_ENTITY = re.compile(r"&amp;((?:#[0-9]+|#[xX][0-9a-fA-F]+|[A-Za-z][A-Za-z0-9]{1,31});)")
# ``&amp;amp;amp;`` is as deep as real exports go; a bound keeps hostile input cheap.
_MAX_DECODES = 4


def has_markup(value: str) -> bool:
    """Whether a text holds HTML tags (the app then shows it as sanitized HTML)."""
    return bool(_TAG.search(value))


def plain(value: Any) -> str:
    """A plain-text field with its HTML entities decoded, however often they were encoded:
    ``Python &amp;amp; Django`` → ``Python & Django``."""
    shown = text(value)
    for _ in range(_MAX_DECODES):
        if not _ENTITY.search(shown):
            break
        shown = html.unescape(shown)
    return shown


def rich(value: Any) -> str:
    """A field that may hold HTML (abstracts, bios, descriptions).

    HTML keeps its one level of entities (the app's sanitizer decodes them) but loses the extra
    ones (``&amp;amp;`` → ``&amp;``); text without tags is decoded like :func:`plain`.
    """
    shown = text(value)
    if not has_markup(shown):
        return plain(shown)
    for _ in range(_MAX_DECODES):
        undone = _DOUBLE_ENTITY.sub(r"&\1", shown)
        if undone == shown:
            break
        shown = undone
    return shown

