"""Validation: every problem names the file, the JSON path as spelled, the value and the fix."""

from __future__ import annotations

from typing import Any

from build_runner.generate.problems import Problems
from build_runner.generate.validate import validate

EVENT = {"id": 1, "name": "Camp", "starts-at": "2024-05-01T09:00:00",
         "ends-at": "2024-05-02T18:00:00", "timezone": "Europe/Berlin"}


def session(ident: Any = 1, **fields: Any) -> dict[str, Any]:
    base = {"id": ident, "title": "Talk", "starts-at": "2024-05-01T10:00:00",
            "ends-at": "2024-05-01T11:00:00"}
    base.update(fields)
    return {k: v for k, v in base.items() if v is not ...}


def check(docs: dict[str, Any]) -> tuple[list[str], list[str]]:
    problems = Problems()
    validate(docs, problems)
    return [str(p) for p in problems.errors], [str(p) for p in problems.warnings]


def test_a_valid_export_has_no_problems() -> None:
    assert check({"event": EVENT, "sessions": [session()]}) == ([], [])


def test_a_missing_event_name_start_and_end_are_three_errors_in_the_uploads_key_style() -> None:
    errors, _ = check({"event": {"id": 1, "time_zone": "x", "location_name": "Hall"},
                       "sessions": []})
    assert errors == [
        "event.name: the event's name is missing (add the event's name)",
        "event.start_time: the event's start is missing (add it, expected e.g. "
        "2017-06-15T10:00:00+08:00)",
        "event.end_time: the event's end is missing (add it, expected e.g. "
        "2017-06-15T10:00:00+08:00)",
    ]


def test_an_unknown_time_zone_is_an_error_with_an_example() -> None:
    errors, _ = check({"event": {**EVENT, "timezone": "Mars/Olympus"}, "sessions": []})
    assert errors == ['event.timezone: "Mars/Olympus" is not a known time zone (use an IANA time '
                      "zone name such as Europe/Berlin or America/Los_Angeles)"]


def test_an_unparseable_session_date_names_the_index_key_and_value() -> None:
    errors, _ = check({"event": EVENT, "sessions": [
        session(1), session(2, **{"starts-at": "2017-13-40T10:00"}),
        session(3, **{"ends-at": 20240501})]})
    assert errors == [
        'sessions[1].starts-at: "2017-13-40T10:00" is not an ISO 8601 date-time (expected e.g. '
        "2017-06-15T10:00:00+08:00)",
        "sessions[2].ends-at: 20240501 is not an ISO 8601 date-time (expected e.g. "
        "2017-06-15T10:00:00+08:00)",
    ]


def test_underscore_keys_are_quoted_as_spelled() -> None:
    errors, _ = check({"event": EVENT, "sessions": [
        {"id": 1, "title": "T", "start_time": "soon", "end_time": "2024-05-01T11:00:00"}]})
    assert errors == ['sessions[0].start_time: "soon" is not an ISO 8601 date-time (expected e.g. '
                      "2017-06-15T10:00:00+08:00)"]


def test_a_session_ending_before_it_starts_is_an_error() -> None:
    errors, _ = check({"event": EVENT, "sessions": [
        session(1, **{"starts-at": "2024-05-01T10:00:00+02:00",
                      "ends-at": "2024-05-01T09:00:00+02:00"}),
        session(2, **{"starts-at": "2024-05-01T10:00:00", "ends-at": "2024-05-01T10:00:00"})]})
    assert errors == ['sessions[0].ends-at: "2024-05-01T09:00:00+02:00" is before the start '
                      "2024-05-01T10:00:00+02:00 (make ends-at later than starts-at)"]


def test_duplicate_and_missing_ids_and_names_are_errors() -> None:
    errors, _ = check({"event": EVENT, "sessions": [session(1), session("1"), session(None)],
                       "speakers": [{"id": 5, "name": ""}, {"id": True, "name": "B"}]})
    assert errors == [
        'sessions[1].id: "1" is used by sessions[0] too (give every session its own id)',
        "sessions[2].id: the session's id is missing or not a number or string (give every "
        "session its own id)",
        "speakers[0].name: the speaker's name is missing (add a name to the speaker)",
        "speakers[1].id: true the speaker's id is missing or not a number or string (give every "
        "speaker its own id)",
    ]


def test_items_and_top_levels_of_the_wrong_type_are_errors() -> None:
    errors, _ = check({"event": [EVENT], "sessions": ["talk"], "tracks": {"id": 1},
                       "config.json": []})
    assert errors == [
        'event: expected an object at the top level, found an array (the file must look like '
        '{"name": ..., ...})',
        'tracks: expected an array of track objects at the top level, found an object (the file '
        'must look like [{"id": 1, ...}, ...])',
        'config.json: expected an object at the top level, found an array (the file must look '
        'like {"name": ..., ...})',
        'sessions[0]: expected a session object, found a string (each session must look like '
        '{"id": 1, ...})',
    ]


def test_relationships_of_the_wrong_type_are_errors() -> None:
    errors, _ = check({"event": EVENT, "sessions": [
        session(1, track=[1, 2], speakers={"id": 3}), session(2, track=4, speakers=[{"id": 1}])]})
    assert errors == [
        "sessions[0].track: [1, 2] expected an object with an id, or an id, found an array (use "
        "the id of the item it refers to)",
        "sessions[0].speakers: expected an array of speakers, found an object (list the "
        "speakers' objects or ids)",
    ]


def test_an_unscheduled_session_is_a_warning_not_an_error() -> None:
    errors, warnings = check({"event": EVENT, "sessions": [session(1, **{"starts-at": None})]})
    assert errors == []
    assert warnings == ["sessions[0].starts-at: is not set, so the session is not scheduled yet; "
                        "it is left out of the app (schedule the session to show it)"]


def test_unknown_and_odd_fields_are_ignored_quietly() -> None:
    assert check({"event": {**EVENT, "x-custom": {"deep": [1]}, "version": None},
                  "sessions": [session(1, **{"is-mail-sent": "maybe", "state": 7})],
                  "forms": "anything", "meta": {"root_url": ""}}) == ([], [])


def test_naive_and_aware_times_are_compared_in_the_events_zone() -> None:
    # 10:30 in Berlin is 08:30Z, so a session from 10:30 (naive) to 09:00Z ends after it starts.
    ok = session(1, **{"starts-at": "2024-05-01T10:30:00", "ends-at": "2024-05-01T09:00:00Z"})
    bad = session(2, **{"starts-at": "2024-05-01T10:30:00", "ends-at": "2024-05-01T08:00:00Z"})
    errors, _ = check({"event": EVENT, "sessions": [ok, bad]})
    assert errors == ['sessions[1].ends-at: "2024-05-01T08:00:00Z" is before the start '
                      "2024-05-01T10:30:00 (make ends-at later than starts-at)"]
