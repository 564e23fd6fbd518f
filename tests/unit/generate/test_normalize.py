"""Normalization: key styles, relationships in every shape, times in the event's zone."""

from __future__ import annotations

from typing import Any

from build_runner.generate.normalize import ImageRef, lookup, normalize
from build_runner.generate.problems import Problems

EVENT = {"id": 1, "name": "Camp", "starts-at": "2024-05-01T09:00:00",
         "ends-at": "2024-05-02T18:00:00", "timezone": "America/New_York",
         "logo-url": "/images/logo.png"}


def session(ident: int, **fields: Any) -> dict[str, Any]:
    return {"id": ident, "title": f"Talk {ident}", "starts-at": "2024-05-01T10:00:00",
            "ends-at": "2024-05-01T11:00:00", **fields}


def run(docs: dict[str, Any]) -> tuple[Any, list[str], tuple[ImageRef, ...]]:
    problems = Problems()
    normalized = normalize({"event": EVENT, **docs}, problems)
    assert problems.error_count == 0
    return normalized.model, [str(p) for p in problems.warnings], normalized.images


def test_lookup_prefers_the_first_non_empty_spelling_and_names_missing_keys_in_style() -> None:
    assert lookup({"photo-url": "", "thumbnail-image-url": "/t.jpg"}, "photo") == (
        "thumbnail-image-url", "/t.jpg")
    assert lookup({"photo-url": None}, "photo") == ("photo-url", None)
    assert lookup({"short_biography": "x"}, "starts_at") == ("start_time", None)
    assert lookup({"short-biography": "x"}, "starts_at") == ("starts-at", None)


def test_naive_times_are_in_the_events_zone_and_aware_ones_are_converted_to_it() -> None:
    model, _, _ = run({"sessions": [
        session(1), session(2, **{"starts-at": "2024-05-01T14:00:00Z",
                                  "ends-at": "2024-05-01T15:00:00.250+00:00"})]})
    assert model.event.starts_at == "2024-05-01T09:00:00-04:00"
    assert model.event.timezone == "America/New_York"
    assert [(s.starts_at, s.ends_at) for s in model.sessions] == [
        ("2024-05-01T10:00:00-04:00", "2024-05-01T11:00:00-04:00"),
        ("2024-05-01T10:00:00-04:00", "2024-05-01T11:00:00-04:00")]


def test_references_to_unknown_items_are_warnings_and_are_dropped() -> None:
    model, warnings, _ = run({
        "tracks": [{"id": 1, "name": "Main"}],
        "speakers": [{"id": 5, "name": "Ann"}],
        "sessions": [session(1, track=9, microlocation={"id": 3}, speakers=[5, 6])]})
    assert warnings == [
        "sessions[0].track: 9 refers to an unknown track; the session is shown without it (add "
        "the track to the export or remove the reference)",
        "sessions[0].speakers[1]: 6 refers to an unknown speaker; the session is shown without "
        "them (add the speaker to speakers or remove the reference)",
        'sessions[0].microlocation: {"id": 3} refers to an unknown room (microlocation); the '
        "session is shown without it (add the room (microlocation) to the export or remove the "
        "reference)",
    ]
    assert (model.sessions[0].track_id, model.sessions[0].room_id) == (None, None)
    assert model.sessions[0].speaker_ids == ("5",)


def test_items_known_only_from_nested_objects_are_taken_from_there() -> None:
    model, warnings, images = run({"sessions": [
        session(1, **{"session-type": {"id": 4, "name": "Lightning", "length": "00:05"},
                      "track": {"id": 2, "name": "Web", "color": "#abc"},
                      "speakers": [{"id": 8, "name": "Eve", "photo-url": "/images/eve.jpg"}]})]})
    assert warnings == []
    assert [(t.id, t.name, t.color) for t in model.tracks] == [("2", "Web", "#abc")]
    assert [(t.id, t.name, t.length) for t in model.session_types] == [("4", "Lightning", "00:05")]
    assert [(s.id, s.name) for s in model.speakers] == [("8", "Eve")]
    assert ImageRef("speaker", "8", "sessions", "sessions[0].speakers[0].photo-url",
                    "/images/eve.jpg") in images


def test_relationships_listed_the_other_way_round_are_followed() -> None:
    model, _, _ = run({"tracks": [{"id": 1, "name": "Main", "sessions": [{"id": 1}]}],
                       "speakers": [{"id": 5, "name": "Ann", "sessions": [{"id": 1}, 2]}],
                       "sessions": [session(1), session(2)]})
    assert [(s.track_id, s.speaker_ids) for s in model.sessions] == [
        ("1", ("5",)), (None, ("5",))]


def test_a_session_outside_the_events_dates_is_a_warning() -> None:
    _, warnings, _ = run({"sessions": [
        session(1, **{"starts-at": "2024-05-03T10:00:00", "ends-at": "2024-05-03T11:00:00"})]})
    assert warnings == [
        'sessions[0]: "2024-05-03T10:00:00-04:00 to 2024-05-03T11:00:00-04:00" takes place '
        "outside the event's dates (2024-05-01 to 2024-05-02) (check the session's date or the "
        "event's dates)"]


def test_unscheduled_sessions_are_left_out() -> None:
    model, _, _ = run({"sessions": [session(1, **{"starts-at": None}), session(2)]})
    assert [s.id for s in model.sessions] == ["2"]


def test_links_keep_http_and_mailto_fix_bare_domains_and_drop_other_schemes_with_a_warning(
        ) -> None:
    model, warnings, _ = run({"sessions": [session(1, speakers=[1])], "speakers": [{
        "id": 1, "name": "Ann", "website": "ann.example.org/blog", "twitter": "@ann_b",
        "github": "javascript:alert(1)", "linkedin": "mailto:ann@example.org"}]})
    ann = model.speakers[0]
    assert (ann.website, ann.twitter, ann.github, ann.linkedin) == (
        "https://ann.example.org/blog", "https://twitter.com/ann_b", "",
        "mailto:ann@example.org")
    assert warnings == ['speakers[0].github: "javascript:alert(1)" is not an http(s) or mailto: '
                        "link; it is left out (use a full address starting with https://)"]


def test_a_track_color_that_is_not_a_color_falls_back_with_a_warning() -> None:
    model, warnings, _ = run({"tracks": [{"id": 1, "name": "A", "color": "red;}body{"},
                                         {"id": 2, "name": "B", "color": "#C62828"}],
                              "sessions": [session(1, track=1), session(2, track=2)]})
    assert [t.color for t in model.tracks] == ["#607d8b", "#C62828"]
    assert warnings == ['tracks[0].color: "red;}body{" is not a color; the default is used (use a '
                        "hex color such as #2E7D32)"]


def test_config_in_either_style_and_null_strings_mean_empty() -> None:
    model, _, _ = run({"config.json": {"App_Name": "My App", "Api_Link": "https://api.x/v1",
                                       "Email": "null"}})
    assert (model.config.app_name, model.config.api_link, model.config.email) == (
        "My App", "https://api.x/v1", "")


def test_the_image_references_name_where_they_came_from() -> None:
    _, _, images = run({"sponsors": [{"id": 3, "name": "Acme", "logo": "https://x/acme.png"}]})
    assert images == (
        ImageRef("logo", "event", "event", "event.logo-url", "/images/logo.png"),
        ImageRef("sponsor", "3", "sponsors", "sponsors[0].logo", "https://x/acme.png"))
