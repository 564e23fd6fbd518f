"""Time zones as real exports spell them become IANA zones; else the times' own offsets count."""

from __future__ import annotations

from datetime import timedelta

import pytest

from build_runner.generate.zones import map_spelling, offset_zone, resolve_zone

PACIFIC = [timedelta(hours=-7)]


@pytest.mark.parametrize(("spelled", "zone"), [
    ("US / Pacific", "America/Los_Angeles"),
    ("US / Eastern", "America/New_York"),
    ("us/central", "America/Chicago"),
    ("Hawaii-Aleutian", "Pacific/Honolulu"),
    ("America / New York", "America/New_York"),
    ("europe/berlin", "Europe/Berlin"),
    ("(GMT-08:00) Pacific Time (US & Canada)", "America/Los_Angeles"),
    ("Pacific Standard Time", "America/Los_Angeles"),
    ("Asia/Calcutta", "Asia/Kolkata"),
])
def test_old_spellings_map_to_their_iana_zone(spelled: str, zone: str) -> None:
    assert map_spelling(spelled) == zone


def test_a_valid_name_is_used_without_a_warning_and_an_old_alias_by_its_current_name() -> None:
    berlin = resolve_zone("Europe/Berlin", [])
    assert berlin is not None and (berlin.name, berlin.how) == ("Europe/Berlin", None)
    pacific = resolve_zone("US/Pacific", PACIFIC)
    assert pacific is not None and (pacific.name, pacific.how) == ("America/Los_Angeles", None)


def test_a_mapped_spelling_says_what_it_was_read_as() -> None:
    resolved = resolve_zone("US / Pacific", PACIFIC)
    assert resolved is not None
    assert resolved.name == "America/Los_Angeles"
    assert resolved.how == "is not an IANA time zone name; it is read as America/Los_Angeles"


def test_an_offset_spelled_as_a_zone_becomes_that_fixed_offset() -> None:
    resolved = resolve_zone("GMT+8", [])
    assert resolved is not None
    assert resolved.name == "Etc/GMT-8"  # IANA's Etc signs are reversed
    assert resolved.tz.utcoffset(None) == timedelta(hours=8)


def test_an_unknown_zone_uses_the_offset_the_times_carry() -> None:
    resolved = resolve_zone("Mars/Olympus", PACIFIC)
    assert resolved is not None
    assert resolved.name == "Etc/GMT+7"
    assert resolved.how == "is not a time zone; the times' own UTC offset -07:00 is used"


def test_no_zone_and_naive_times_mean_utc_without_a_word() -> None:
    assert resolve_zone(None, []) is None
    unknown = resolve_zone("Nowhere", [])
    assert unknown is not None and unknown.name == "UTC"
    assert unknown.how == ("is not a time zone and the times carry no UTC offset; UTC is used")


def test_an_offset_that_is_not_whole_hours_is_a_fixed_offset_the_app_formats_itself() -> None:
    zone = offset_zone(timedelta(hours=5, minutes=30))
    assert zone.name == ""
    assert zone.tz.utcoffset(None) == timedelta(hours=5, minutes=30)
