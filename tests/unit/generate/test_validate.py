"""Validation refuses only what would make the app wrong; an optional file of the wrong shape is
ignored with a warning that says what the app lacks."""

from __future__ import annotations

from typing import Any

from build_runner.generate.problems import Problems
from build_runner.generate.validate import validate

EVENT = {"id": 1, "name": "Camp", "starts-at": "2024-05-01T09:00:00",
         "ends-at": "2024-05-02T18:00:00", "timezone": "Europe/Berlin"}
SESSION = {"id": 1, "title": "Talk", "starts-at": "2024-05-01T10:00:00",
           "ends-at": "2024-05-01T11:00:00"}


def check(docs: dict[str, Any]) -> tuple[list[str], list[str]]:
    problems = Problems()
    validate(docs, problems)
    return [str(p) for p in problems.errors], [str(p) for p in problems.warnings]


def test_a_valid_export_has_no_problems() -> None:
    assert check({"event": EVENT, "sessions": [SESSION]}) == ([], [])


def test_an_event_without_a_name_is_the_one_error_in_the_uploads_key_style() -> None:
    errors, _ = check({"event": {"id": 1, "time_zone": "x", "location_name": "Hall"},
                       "sessions": []})
    assert errors == ["event.name: the event's name is missing (add the event's name)"]


def test_an_event_or_sessions_of_the_wrong_type_are_errors() -> None:
    docs: dict[str, Any] = {"event": [EVENT], "sessions": {"id": 1}}
    errors, warnings = check(docs)
    assert errors == [
        'event: expected an object at the top level, found an array (the file must look like '
        '{"name": ..., ...})',
        'sessions: expected an array of session objects at the top level, found an object (the '
        'file must look like [{"id": 1, ...}, ...])',
    ]
    assert warnings == []
    assert docs == {}


def test_an_optional_file_of_the_wrong_type_is_ignored_saying_what_the_app_lacks() -> None:
    docs: dict[str, Any] = {"event": EVENT, "sessions": [SESSION], "tracks": {"id": 1},
                            "sponsors": "none", "config.json": [], "forms": {"x": 1}}
    errors, warnings = check(docs)
    assert errors == []
    assert warnings == [
        'tracks: expected an array of track objects at the top level, found an object; it is '
        'ignored; the app shows only the tracks named inside sessions (the file must look like '
        '[{"id": 1, ...}, ...])',
        'sponsors: expected an array of sponsor objects at the top level, found a string; it is '
        'ignored; the app has no sponsors (the file must look like [{"id": 1, ...}, ...])',
        'config.json: expected an object at the top level, found an array; it is ignored; the '
        'app is named after the event and has no API link (the file must look like {"name": '
        '..., ...})',
        'forms: expected an array of form objects at the top level, found an object; it is '
        'ignored; the app does not use it, so nothing is missing (the file must look like '
        '[{"id": 1, ...}, ...])',
    ]
    assert sorted(docs) == ["event", "sessions"]


def test_unknown_and_odd_fields_are_ignored_quietly() -> None:
    assert check({"event": {**EVENT, "x-custom": {"deep": [1]}, "version": None},
                  "sessions": [{**SESSION, "is-mail-sent": "maybe", "state": 7}],
                  "forms": [], "meta": {"root_url": ""}}) == ([], [])
