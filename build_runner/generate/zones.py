"""Time zones as real exports spell them, mapped to IANA zones.

Pure. Open Event exports name the event's zone in several ways over the years: IANA names
(``Europe/Berlin``), IANA's old aliases (``US/Pacific``), the spaced spelling of an old
picker (``US / Pacific``, ``America / New York``), display names (``Pacific Time (US &
Canada)``, ``Hawaii-Aleutian``) and offsets (``GMT+8``, ``(UTC-07:00) …``). :func:`resolve_zone`
maps each to an IANA zone; when no zone fits, the UTC offset the event's own times carry is
used (``Etc/GMT-8`` for +08:00; a fixed offset when it is not a whole hour).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import timedelta, timezone, tzinfo
from functools import cache
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError, available_timezones

# IANA's old aliases (the "backward" file) that real exports use, by their current zone, so
# the app names a zone every WebView knows.
_ALIASES: dict[str, str] = {
    "us/pacific": "America/Los_Angeles",
    "us/pacific-new": "America/Los_Angeles",
    "us/mountain": "America/Denver",
    "us/arizona": "America/Phoenix",
    "us/central": "America/Chicago",
    "us/eastern": "America/New_York",
    "us/east-indiana": "America/Indiana/Indianapolis",
    "us/michigan": "America/Detroit",
    "us/alaska": "America/Anchorage",
    "us/aleutian": "America/Adak",
    "us/hawaii": "Pacific/Honolulu",
    "us/samoa": "Pacific/Pago_Pago",
    "canada/pacific": "America/Vancouver",
    "canada/mountain": "America/Edmonton",
    "canada/central": "America/Winnipeg",
    "canada/eastern": "America/Toronto",
    "canada/atlantic": "America/Halifax",
    "canada/newfoundland": "America/St_Johns",
    "asia/calcutta": "Asia/Kolkata",
    "asia/saigon": "Asia/Ho_Chi_Minh",
    "asia/katmandu": "Asia/Kathmandu",
    "asia/rangoon": "Asia/Yangon",
    "europe/kiev": "Europe/Kyiv",
    "gb": "Europe/London",
    "singapore": "Asia/Singapore",
    "japan": "Asia/Tokyo",
    "prc": "Asia/Shanghai",
    "hongkong": "Asia/Hong_Kong",
    "gmt": "UTC",
    "utc": "UTC",
    "z": "UTC",
    "zulu": "UTC",
    "universal": "UTC",
}

# Display names of zones (as pickers and other calendars show them), lower case, without
# "time", "standard", "daylight" and punctuation: see :func:`_words`.
_DISPLAY_NAMES: dict[str, str] = {
    "pacific": "America/Los_Angeles",
    "pacific us canada": "America/Los_Angeles",
    "us pacific": "America/Los_Angeles",
    "mountain": "America/Denver",
    "mountain us canada": "America/Denver",
    "us mountain": "America/Denver",
    "arizona": "America/Phoenix",
    "central": "America/Chicago",
    "central us canada": "America/Chicago",
    "us central": "America/Chicago",
    "eastern": "America/New_York",
    "eastern us canada": "America/New_York",
    "us eastern": "America/New_York",
    "atlantic": "America/Halifax",
    "atlantic canada": "America/Halifax",
    "newfoundland": "America/St_Johns",
    "alaska": "America/Anchorage",
    "alaskan": "America/Anchorage",
    "hawaii": "Pacific/Honolulu",
    "hawaiian": "Pacific/Honolulu",
    "hawaii aleutian": "Pacific/Honolulu",
    "us hawaii aleutian": "Pacific/Honolulu",
    "aleutian": "America/Adak",
    "greenwich mean": "UTC",
    "coordinated universal": "UTC",
    "british summer": "Europe/London",
    "london": "Europe/London",
    "central european": "Europe/Berlin",
    "central europe": "Europe/Berlin",
    "w europe": "Europe/Berlin",
    "western european": "Europe/Lisbon",
    "eastern european": "Europe/Athens",
    "e europe": "Europe/Bucharest",
    "india": "Asia/Kolkata",
    "indian": "Asia/Kolkata",
    "chennai kolkata mumbai new delhi": "Asia/Kolkata",
    "china": "Asia/Shanghai",
    "singapore": "Asia/Singapore",
    "japan": "Asia/Tokyo",
    "tokyo": "Asia/Tokyo",
    "korea": "Asia/Seoul",
    "aus eastern": "Australia/Sydney",
    "australian eastern": "Australia/Sydney",
    "aus central": "Australia/Darwin",
    "w australia": "Australia/Perth",
    "new zealand": "Pacific/Auckland",
}

_OFFSET = re.compile(r"^\(?\s*(?:utc|gmt)?\s*([+-])\s*(\d{1,2})(?::?(\d{2}))?\s*\)?")
_NOISE = re.compile(r"\b(?:time|standard|daylight|zone|std|dst)\b")


@dataclass(frozen=True)
class ResolvedZone:
    """The zone to use: ``tz`` converts times, ``name`` is what the app is told (an IANA name,
    or "" when only a fixed offset is known), ``how`` says what was done when the export's own
    spelling was not used as it is (None when it was)."""

    tz: tzinfo
    name: str
    how: str | None = None


@cache
def _zones_by_lower() -> dict[str, str]:
    return {name.lower(): name for name in available_timezones()}


def _known(name: str) -> str | None:
    """The canonical IANA name for ``name`` (any case, an old alias), or None."""
    lowered = name.lower()
    if lowered in _ALIASES:
        return _ALIASES[lowered]
    return _zones_by_lower().get(lowered)


def _words(name: str) -> str:
    cleaned = re.sub(r"\(.*?\)", lambda m: " " + m.group(0)[1:-1] + " ", name.lower())
    cleaned = _NOISE.sub(" ", re.sub(r"[^a-z]+", " ", cleaned.replace("&", " ")))
    return " ".join(cleaned.split())


def offset_zone(offset: timedelta) -> ResolvedZone:
    """The zone for a fixed UTC offset: ``Etc/GMT-8`` for +08:00 (IANA's signs are reversed)."""
    minutes = int(offset.total_seconds() // 60)
    if minutes == 0:
        return ResolvedZone(ZoneInfo("UTC"), "UTC")
    if minutes % 60 == 0 and -14 <= minutes // 60 <= 12:
        name = f"Etc/GMT{-minutes // 60:+d}"
        return ResolvedZone(ZoneInfo(name), name)
    return ResolvedZone(timezone(timedelta(minutes=minutes)), "")


def describe_offset(offset: timedelta) -> str:
    """``+08:00`` for eight hours east of UTC."""
    minutes = int(offset.total_seconds() // 60)
    sign = "-" if minutes < 0 else "+"
    return f"{sign}{abs(minutes) // 60:02d}:{abs(minutes) % 60:02d}"


def _spelled_offset(name: str) -> timedelta | None:
    match = _OFFSET.match(name.strip().lower())
    if not match:
        return None
    hours, minutes = int(match.group(2)), int(match.group(3) or 0)
    if hours > 14 or minutes >= 60:
        return None
    total = timedelta(hours=hours, minutes=minutes)
    return -total if match.group(1) == "-" else total


def map_spelling(name: str) -> str | None:
    """The IANA zone an export's spelling means, or None when it names none we know.

    ``US / Pacific`` → ``America/Los_Angeles``; ``Europe/Berlin`` → itself; ``(GMT-08:00)
    Pacific Time (US & Canada)`` → ``America/Los_Angeles``; ``GMT+8`` → None (an offset, not a
    zone: see :func:`resolve_zone`).
    """
    stripped = name.strip()
    if not stripped:
        return None
    compact = re.sub(r"\s*/\s*", "/", stripped)
    for candidate in (compact, compact.replace(" ", "_"), re.sub(r"[\s_]*-[\s_]*", "-", compact)):
        if found := _known(candidate):
            return found
    without_offset = re.sub(r"^\(?\s*(?:utc|gmt)\s*[+-]?[\d:]*\s*\)?\s*", "", stripped,
                            flags=re.IGNORECASE)
    if without_offset and without_offset != stripped and (found := map_spelling(without_offset)):
        return found
    words = _words(stripped)
    if words in _DISPLAY_NAMES:
        return _DISPLAY_NAMES[words]
    return None


def resolve_zone(spelled: str | None, offsets: list[timedelta]) -> ResolvedZone | None:
    """The event's zone from its spelling and the UTC offsets its own times carry.

    ``offsets`` are the offsets of the event's times that have one (first the event's start).
    Returns None when neither says anything (naive times and no zone): the caller uses UTC.
    """
    text = spelled.strip() if isinstance(spelled, str) else ""
    if text:
        try:
            tz: tzinfo | None = ZoneInfo(text)
        except (ZoneInfoNotFoundError, ValueError):
            tz = None
        if tz is not None:  # a valid name; an old alias is told to the app by its current name
            current = _ALIASES.get(text.lower(), text)
            return ResolvedZone(ZoneInfo(current) if current != text else tz, current)
        mapped = map_spelling(text)
        if mapped:
            return ResolvedZone(ZoneInfo(mapped), mapped, "is not an IANA time zone name; it is "
                                f"read as {mapped}")
        spelled_offset = _spelled_offset(text)
        if spelled_offset is not None:
            zone = offset_zone(spelled_offset)
            return ResolvedZone(zone.tz, zone.name, "is not an IANA time zone name; it is read "
                                f"as the fixed UTC offset {describe_offset(spelled_offset)}")
    if offsets:
        zone = offset_zone(offsets[0])
        offset = describe_offset(offsets[0])
        how = f"no time zone is named; the times' own UTC offset {offset} is used"
        if text:
            how = f"is not a time zone; the times' own UTC offset {offset} is used"
        return ResolvedZone(zone.tz, zone.name, how)
    if text:
        return ResolvedZone(ZoneInfo("UTC"), "UTC", "is not a time zone and the times carry no "
                            "UTC offset; UTC is used")
    return None
