"""Each class of flaw real exports have, in a small export of its own, becomes an app.

For each repair: the export builds into a verified APK, the warning names the flaw (file, JSON
path, value), and the app's data (``assets/data.js`` read back from the APK) holds the repaired
data. What cannot be repaired is refused naming what to fix. The attendee sees only what the
organizer published.
"""

from __future__ import annotations

import json
import zipfile
from pathlib import Path
from typing import Any

import pytest
from androguard.core.apk import APK

from build_runner.errors import InputError
from build_runner.generate.pipeline import GenerateOptions, Generator
from build_runner.generate.webapp import parse_data_js
from build_runner.logs import BuildLog
from tests.list_sink import ListSink

pytestmark = pytest.mark.toolchain

EVENT = {"id": 7, "name": "Repair Camp", "starts-at": "2017-05-17T09:00:00-07:00",
         "ends-at": "2017-05-18T18:00:00-07:00", "timezone": "America/Los_Angeles"}


def talk(ident: Any, title: str = "Talk", start: str = "2017-05-17T10:00:00-07:00",
         end: str = "2017-05-17T11:00:00-07:00", **fields: Any) -> dict[str, Any]:
    return {"id": ident, "title": title, "starts-at": start, "ends-at": end,
            "state": "accepted", **fields}


class Built:
    """One build's app data, warnings and log."""

    def __init__(self, data: dict[str, Any], warnings: list[str], log: list[str]) -> None:
        self.data = data
        self.warnings = warnings
        self.log = log

    def warning(self, starts: str) -> str:
        found = [w for w in self.warnings if w.startswith(starts)]
        assert found, f"no warning starts with {starts!r} in {self.warnings}"
        return found[0]


def export(tmp_path: Path, files: dict[str, Any]) -> Path:
    """A zip of ``files``: values are JSON-encoded, bytes are written as they are."""
    path = tmp_path / "export.zip"
    with zipfile.ZipFile(path, "w") as archive:
        for name, value in {"event": EVENT, **files}.items():
            archive.writestr(name, value if isinstance(value, bytes) else json.dumps(value))
    return path


def build(generator: Generator, tmp_path: Path, files: dict[str, Any]) -> Built:
    sink = ListSink()
    out = tmp_path / "app.apk"
    result = generator.generate(export(tmp_path, files), out, GenerateOptions(), BuildLog(sink))
    data = parse_data_js(APK(str(out)).get_file("assets/data.js").decode("utf-8"))
    warnings = [w["text"] for w in result.report["warnings"]]
    assert warnings == [r.text for r in sink.records if r.level == "warning"]
    return Built(data, warnings, [r.text for r in sink.records])


def test_a_record_that_appears_twice_byte_for_byte_is_kept_once(generator: Generator,
                                                                 tmp_path: Path) -> None:
    built = build(generator, tmp_path, {"sessions": [talk(1, "Opening"), talk(32, "CI"),
                                                     talk(32, "CI")]})
    assert [s["title"] for s in built.data["sessions"]] == ["Opening", "CI"]
    assert built.warning('sessions[2]: "CI" is the same record as sessions[1], byte for byte')


def test_two_speakers_sharing_an_id_are_both_kept_and_linked_by_name(generator: Generator,
                                                                     tmp_path: Path) -> None:
    built = build(generator, tmp_path, {
        "speakers": [{"id": 78, "name": "Jiaqi Liu"}, {"id": 78, "name": "Eleanor Stribling"},
                     {"id": 9, "name": "Solo"}],
        "sessions": [talk(64, "Fuzzy Search", speakers=[{"id": 78, "name": "Jiaqi Liu"}]),
                     talk(65, "Gothic Colors", speakers=[{"id": 78, "name": "Eleanor Stribling"}]),
                     talk(66, "Bare", speakers=[78, 9])]})
    names = {s["id"]: s["name"] for s in built.data["speakers"]}
    assert sorted(names.values()) == ["Eleanor Stribling", "Jiaqi Liu", "Solo"]
    linked = {s["title"]: [names[i] for i in s["speaker_ids"]] for s in built.data["sessions"]}
    assert linked == {"Fuzzy Search": ["Jiaqi Liu"], "Gothic Colors": ["Eleanor Stribling"],
                      "Bare": ["Jiaqi Liu", "Solo"]}
    assert built.warning('speakers[1].id: 78 is also the id of speakers[0] ("Jiaqi Liu")')
    assert built.warning('sessions[2].speakers[0]: "78" refers to the id that 2 speakers share')


@pytest.mark.parametrize(("spelled", "zone"), [
    ("US / Pacific", "America/Los_Angeles"), ("US / Eastern", "America/New_York"),
    ("Hawaii-Aleutian", "Pacific/Honolulu")])
def test_an_old_time_zone_spelling_is_mapped_to_its_iana_zone(generator: Generator,
                                                              tmp_path: Path, spelled: str,
                                                              zone: str) -> None:
    built = build(generator, tmp_path, {"event": {**EVENT, "timezone": spelled},
                                        "sessions": [talk(1)]})
    assert built.data["event"]["timezone"] == zone
    assert built.warning(f"event.timezone: {json.dumps(spelled)} is not an IANA time zone name; "
                         f"it is read as {zone}")


def test_when_no_zone_fits_the_times_own_offsets_are_used(generator: Generator,
                                                          tmp_path: Path) -> None:
    event = {**EVENT, "timezone": "Singapore Standardish", "starts-at": "2017-05-17T09:00:00+08:00",
             "ends-at": "2017-05-17T18:00:00+08:00"}
    built = build(generator, tmp_path, {"event": event, "sessions": [
        talk(1, start="2017-05-17T10:00:00+08:00", end="2017-05-17T11:00:00+08:00")]})
    assert built.data["event"]["timezone"] == "Etc/GMT-8"
    assert built.data["sessions"][0]["starts_at"] == "2017-05-17T10:00:00+08:00"
    assert built.warning('event.timezone: "Singapore Standardish" is not a time zone; the times\' '
                         "own UTC offset +08:00 is used")


def test_a_session_that_ends_before_it_starts_keeps_its_start_only(generator: Generator,
                                                                   tmp_path: Path) -> None:
    built = build(generator, tmp_path, {"sessions": [
        talk(18, "Faster Python", start="2017-05-18T09:00:00-07:00",
             end="2017-05-17T12:20:00-07:00")]})
    session = built.data["sessions"][0]
    assert (session["starts_at"], session["ends_at"]) == ("2017-05-18T09:00:00-07:00", "")
    assert built.warning('sessions[0].ends-at: "2017-05-17T12:20:00-07:00" is before the start '
                         "2017-05-18T09:00:00-07:00; the session is shown with its start time "
                         "only")


def test_a_public_session_without_a_title_is_an_untitled_session(generator: Generator,
                                                                 tmp_path: Path) -> None:
    built = build(generator, tmp_path, {"sessions": [talk(1, "  "), talk(2, "", state="draft")]})
    assert [s["title"] for s in built.data["sessions"]] == ["Untitled session"]
    assert built.warning('sessions[0].title: the session has no title; it is shown as "Untitled '
                         'session"')
    assert len(built.warnings) == 1  # the draft is not published, so not warned about


def test_zero_length_sessions_at_midnight_stay_in_the_app_as_placeholders(generator: Generator,
                                                                         tmp_path: Path) -> None:
    built = build(generator, tmp_path, {"sessions": [
        talk(1, "Keynote"), talk(2, "Lightning talks", start="2017-05-17T00:00:00-07:00",
                                 end="2017-05-17T00:00:00-07:00")]})
    placeholder = built.data["sessions"][1]
    assert placeholder["starts_at"] == placeholder["ends_at"] == "2017-05-17T00:00:00-07:00"


@pytest.mark.parametrize(("name", "content", "lacks"), [
    ("tracks", b"[{'id': 1}]", "the app shows only the tracks named inside sessions"),
    ("microlocations", {"id": 1}, "the app shows only the rooms named inside sessions"),
    ("sponsors", b"\xff\xfe", "the app has no sponsors"),
    ("session_types", "types", "the app shows only the session types named inside sessions"),
    ("speakers", b"", "the app shows only the speakers named inside sessions"),
    ("forms", b"{", "the app does not use it"),
    ("meta", [], "the app does not use it"),
    ("config.json", b"null null", "the app is named after the event"),
])
def test_an_invalid_optional_file_is_ignored_saying_what_the_app_lacks(
        generator: Generator, tmp_path: Path, name: str, content: Any, lacks: str) -> None:
    built = build(generator, tmp_path, {"sessions": [
        talk(1, track={"id": 3, "name": "Web"}, speakers=[{"id": 4, "name": "Ann"}]), ],
        name: content})
    assert built.warning(f"{name}: ")
    assert lacks in built.warning(f"{name}: ")
    assert [s["title"] for s in built.data["sessions"]] == ["Talk"]
    assert [s["name"] for s in built.data["speakers"]] == ["Ann"]


def test_html_entities_are_decoded_and_mailto_links_and_markdown_kept(generator: Generator,
                                                                      tmp_path: Path) -> None:
    bio = "Trey is a Python &amp;amp; Django mentor.\n\n**Loves** _teaching_."
    built = build(generator, tmp_path, {
        "speakers": [{"id": 1, "name": "Trey &amp; Co", "short-biography": bio,
                      "website": "mailto:trey@example.org"}],
        "sessions": [talk(1, "Q&amp;amp;A", speakers=[1])]})
    speaker = built.data["speakers"][0]
    assert speaker["name"] == "Trey & Co"
    assert speaker["short_biography"] == ("Trey is a Python & Django mentor.\n\n**Loves** "
                                          "_teaching_.")
    assert speaker["website"] == "mailto:trey@example.org"
    assert built.data["sessions"][0]["title"] == "Q&A"
    assert built.warning('speakers[0].name: "Trey &amp; Co" holds HTML entities such as &amp; '
                         "in plain text; they are decoded")
    assert built.warning('sessions[0].title: "Q&amp;amp;A" holds HTML entities')


def test_only_what_the_organizer_published_reaches_the_app(generator: Generator,
                                                           tmp_path: Path) -> None:
    sessions = [talk(1, "Accepted", speakers=[1], microlocation={"id": 1}),
                talk(2, "Confirmed", state="confirmed", speakers=[2],
                     microlocation={"id": 2}),
                *[talk(10 + i, f"Rejected {i}", state="rejected", speakers=[3])
                  for i in range(3)],
                talk(20, "Pending", state="pending", speakers=[3]),
                talk(21, "Draft", state="draft"), talk(22, "Withdrawn", state="withdrawn"),
                talk(23, "Unscheduled", start="", end="")]
    built = build(generator, tmp_path, {
        "sessions": sessions,
        "speakers": [{"id": 1, "name": "Ann"}, {"id": 2, "name": "Bo"},
                     {"id": 3, "name": "Rejected Ray", "sessions": [10]}],
        "microlocations": [{"id": 1, "name": "Hall", "floor": 0},
                           {"id": 2, "name": "Backstage", "floor": 1,
                            "hidden-in-scheduler": True}]})
    assert [s["title"] for s in built.data["sessions"]] == ["Accepted", "Confirmed"]
    assert [s["name"] for s in built.data["speakers"]] == ["Ann", "Bo"]
    assert [r["name"] for r in built.data["rooms"]] == ["Hall"]
    assert built.data["sessions"][1]["room_id"] is None
    assert ("not published: 3 rejected, 1 pending, 1 draft, 1 withdrawn sessions; 1 session "
            "without a start time; 1 speaker without a public session; 1 room hidden in the "
            "scheduler") in built.log


def test_an_export_without_states_publishes_every_scheduled_session(generator: Generator,
                                                                    tmp_path: Path) -> None:
    sessions = [{k: v for k, v in talk(i, f"Talk {i}").items() if k != "state"} for i in (1, 2)]
    built = build(generator, tmp_path, {"sessions": sessions})
    assert [s["title"] for s in built.data["sessions"]] == ["Talk 1", "Talk 2"]
    assert not [line for line in built.log if line.startswith("not published")]


def test_a_floor_is_kept_only_when_rooms_are_on_different_floors(generator: Generator,
                                                                 tmp_path: Path) -> None:
    same = build(generator, tmp_path, {
        "sessions": [talk(1, microlocation={"id": 1}), talk(2, microlocation={"id": 2})],
        "microlocations": [{"id": 1, "name": "A", "floor": 0}, {"id": 2, "name": "B",
                                                                 "floor": 0}]})
    assert [r["floor"] for r in same.data["rooms"]] == [None, None]
    differ = build(generator, tmp_path, {
        "sessions": [talk(1, microlocation={"id": 1}), talk(2, microlocation={"id": 2})],
        "microlocations": [{"id": 1, "name": "A", "floor": 0}, {"id": 2, "name": "B",
                                                                 "floor": 2}]})
    assert [r["floor"] for r in differ.data["rooms"]] == [0, 2]


def test_an_event_without_dates_takes_them_from_its_sessions(generator: Generator,
                                                             tmp_path: Path) -> None:
    event = {k: v for k, v in EVENT.items() if k not in ("starts-at", "ends-at")}
    built = build(generator, tmp_path, {"event": event, "sessions": [
        talk(1, start="2017-05-18T10:00:00-07:00", end="2017-05-18T11:00:00-07:00"),
        talk(2, start="2017-05-17T09:30:00-07:00", end="2017-05-17T10:00:00-07:00")]})
    assert (built.data["event"]["starts_at"], built.data["event"]["ends_at"]) == (
        "2017-05-17T09:30:00-07:00", "2017-05-18T11:00:00-07:00")
    assert built.warning("event.starts-at: is missing; the first session's start, "
                         "2017-05-17T09:30:00-07:00, is used")


@pytest.mark.parametrize(("files", "error"), [
    ({"event": b"{not json"}, "event: is not valid JSON"),
    ({"event": {**EVENT, "name": " "}}, "event.name: the event's name is missing"),
    ({"sessions": b"[{]"}, "sessions: is not valid JSON"),
    ({"sessions": {"id": 1}}, "sessions: expected an array of session objects"),
])
def test_what_cannot_be_repaired_is_refused_naming_what_to_fix(
        generator: Generator, tmp_path: Path, files: dict[str, Any], error: str) -> None:
    with pytest.raises(InputError) as caught:
        build(generator, tmp_path, {"sessions": [talk(1)], **files})
    assert str(caught.value.problems[0]).startswith(error)
    assert not (tmp_path / "app.apk").exists()


def test_an_export_without_an_event_file_is_refused(generator: Generator, tmp_path: Path) -> None:
    path = tmp_path / "export.zip"
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("sessions", json.dumps([talk(1)]))
    with pytest.raises(InputError, match="event: the file is missing from the upload"):
        generator.generate(path, tmp_path / "app.apk", GenerateOptions(), BuildLog())


def test_an_image_path_with_an_over_long_name_is_a_warning_and_the_build_goes_on(
        generator: Generator, tmp_path: Path) -> None:
    long_path = "/images/speakers/" + "é" * 200 + ".jpg"  # 400 bytes: more than NAME_MAX
    built = build(generator, tmp_path, {
        "speakers": [{"id": 1, "name": "Ann", "photo-url": long_path}],
        "sessions": [talk(1, speakers=[1])]})
    assert built.data["speakers"][0]["photo"] is None
    assert "has a folder or file name longer than 255 bytes" in built.warning(
        "speakers[0].photo-url: ")
