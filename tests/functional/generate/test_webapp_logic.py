"""The web app's pure logic (live.js, actions.js, model.js), case by case, run in Chromium.

The rule that publishes a session and the reading of its times are checked against the
generator's own Python (``publish.why_not_public``, ``fields.parse_datetime``), the URL of the
sessions against ``eventyay.document_url``, and the reading of a page against the fake server's
documents (open-event-server's shapes).
"""

from __future__ import annotations

import itertools
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from playwright.sync_api import Browser, Page

from build_runner.generate.eventyay import DOCUMENTS, document_url
from build_runner.generate.fields import localize, parse_datetime
from build_runner.generate.model import Event, EventModel
from build_runner.generate.publish import has_states, why_not_public
from build_runner.generate.webapp import write_webapp
from tests.functional.generate.eventyay_fake import Resource, collection, sample_event
from tests.functional.generate.webapp_harness import open_app, watched_page

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def blank(tmp_path_factory: pytest.TempPathFactory) -> Path:
    assets = tmp_path_factory.mktemp("blank")
    write_webapp(EventModel(event=Event("e", "Blank", "2026-03-14T09:00:00+01:00",
                                        "2026-03-14T18:00:00+01:00")), assets)
    return assets


@pytest.fixture
def page(chromium_browser: Browser, blank: Path) -> Iterator[Page]:
    with watched_page(chromium_browser) as watched:
        open_app(watched.page, blank, "#/about")
        yield watched.page
        assert not watched.problems, watched.problems


# ---------------------------------------------------------------- what is published

STATES = [None, "", "accepted", "Confirmed", "ACCEPTED", "pending", "rejected", "draft",
          "withdrawn", "cancelled", "canceled"]
DELETED = [None, "", "2024-01-02T00:00:00+00:00"]
STARTS = [None, "", "2024-06-01T10:00:00+00:00", "2024-06-01T10:00:00Z", "2024-06-01T10:00:00",
          "2024-06-01", "2024-06-01 10:00", "soon", "2024-13-01T10:00:00+00:00", 1717236000]


def test_a_session_is_published_by_the_generators_rule(page: Page) -> None:
    cases = [{"state": s, "deleted-at": d, "starts-at": t}
             for s, d, t in itertools.product(STATES, DELETED, STARTS)]
    for with_states in (True, False):
        public = page.evaluate(
            """([cases, withStates]) => cases.map(c =>
                 EventApp.live.whyNotPublic({ attributes: c }, withStates) === null)""",
            [cases, with_states])
        expected = [why_not_public(c, with_states) is None for c in cases]
        wrong = [c for c, got, want in zip(cases, public, expected, strict=True) if got != want]
        assert wrong == [], f"with states={with_states}"
    assert has_states([{"state": "pending"}]) and not has_states([{"state": ""}])


TIMES = ["2024-06-01T10:00:00+00:00", "2024-06-01T10:00:00Z", "2024-06-01T10:00:00+05:30",
         "2024-06-01T10:00:00-0700", "2024-06-01T10:00:00", "2024-06-01T10:00",
         "2024-06-01 10:00:00", "2024-06-01", "2024-03-31T02:30:00", "2024-10-27T02:30:00",
         "2024-06-01T10:00:00.250+02:00", "2024-06-31T10:00:00", "noon", ""]


@pytest.mark.parametrize("zone", ["Europe/Berlin", "Asia/Kolkata", "UTC"])
def test_times_are_read_as_the_generator_reads_them(page: Page, zone: str) -> None:
    got = page.evaluate(
        """([times, zone]) => times.map(t => {
             const n = EventApp.live.normalizeTime(t, zone);
             return n === null ? null : Date.parse(n);
           })""", [TIMES, zone])
    for text, ms in zip(TIMES, got, strict=True):
        moment = parse_datetime(text)
        if moment is None:
            assert ms is None, text
            continue
        assert ms == round(localize(moment, ZoneInfo(zone)).timestamp() * 1000), text


# ---------------------------------------------------------------- reading the API


def test_the_sessions_are_asked_for_as_the_generator_asks_for_them(page: Page) -> None:
    base = "https://api.eventyay.com/v1/events/b8324ae2"
    sessions = next(d for d in DOCUMENTS if d.name == "sessions")
    assert page.evaluate("base => EventApp.live.sessionsUrl(base + '/')", base) == \
        document_url(base, sessions)


def read(page: Page, pages: list[dict[str, Any]], zone: str = "UTC") -> Any:
    return page.evaluate(
        """([pages, zone]) => { try { return EventApp.live.readSessions(pages, zone); }
                                catch (e) { return { error: String(e.message || e) }; } }""",
        [pages, zone])


def test_a_page_of_the_server_becomes_the_apps_sessions_with_what_they_point_to(
    page: Page,
) -> None:
    event = sample_event(10, rooms=3)
    event.lists["microlocations"][2].attributes["hidden-in-scheduler"] = True
    event.lists["sessions"][0].attributes["deleted-at"] = "2024-01-01T00:00:00+00:00"
    event.lists["sessions"][1].attributes["ends-at"] = "2024-05-01T00:00:00+00:00"
    query = {"include": "track,microlocation,session-type,speakers", "page[size]": "500"}
    document = collection(event, "/v1/events/7/sessions", "sessions", query)
    found = read(page, [document])
    # States cycle accepted, confirmed, pending, rejected, draft; 1000 is deleted.
    assert [s["id"] for s in found["sessions"]] == ["1001", "1005", "1006"]
    first = found["sessions"][0]
    assert first["ends_at"] == ""  # it ended before it started
    assert first["starts_at"] == "2024-06-01T00:30:00+00:00"
    assert (first["track_id"], first["room_id"], first["session_type_id"]) == ("31", "41", "51")
    assert first["speaker_ids"] == ["101"]
    rooms = {r["id"]: r for r in found["rooms"]}
    assert set(rooms) == {"40", "41"}  # 42 is hidden: its session is shown without a room
    assert next(s for s in found["sessions"] if s["id"] == "1005")["room_id"] is None
    assert {r["floor"] for r in rooms.values()} == {0, 1}
    assert {t["id"]: t["name"] for t in found["tracks"]} == {"30": "Track 0", "31": "Track 1"}
    # Session i has speaker i % 4, and the next one when i % 3 == 0.
    assert sorted(p["id"] for p in found["speakers"]) == ["101", "102", "103"]


@pytest.mark.parametrize(
    ("pages", "error"),
    [
        ([], "the server sent nothing"),
        ([{"data": [], "meta": {"count": 25}}], "the server sent 0 of its 25 sessions"),
        ([{"errors": [{"status": 404, "detail": "Event: 9 not found"}]}],
         "the server said: Event: 9 not found"),
        ([["not", "a", "document"]], "the server did not send a JSON:API document"),
        ([{"data": {"type": "session", "id": "1"}}], "the server sent no list of sessions"),
    ],
    ids=["nothing", "short", "error", "array", "object"],
)
def test_a_wrong_answer_is_an_error_that_says_what_is_wrong(
    page: Page, pages: list[Any], error: str
) -> None:
    assert read(page, pages) == {"error": error}


def test_next_pages_stay_on_the_apis_origin(page: Page) -> None:
    current = "https://api.example.org/v1/events/7/sessions?page%5Bsize%5D=2"
    outcomes = page.evaluate(
        """([current, nexts]) => nexts.map(next => {
             try { return EventApp.live.nextPageUrl({ links: { next } }, current); }
             catch (e) { return 'error: ' + e.message; } })""",
        [current, ["/v1/events/7/sessions?page%5Bnumber%5D=2", "https://evil.example/x", None]])
    assert outcomes == [
        "https://api.example.org/v1/events/7/sessions?page%5Bnumber%5D=2",
        "error: the server sent a next page on another site",
        None,
    ]


def test_merging_keeps_the_builds_photos_and_drops_what_no_session_uses(page: Page) -> None:
    base = {"event": {"id": "e"}, "sessions": [],
            "tracks": [{"id": "t1", "name": "Old", "color": "#111111", "description": "Kept"},
                       {"id": "t9", "name": "Unused"}],
            "rooms": [{"id": "r1", "name": "Hall", "floor": None, "latitude": 1.5,
                       "longitude": 2.5}],
            "session_types": [], "speakers": [{"id": "p1", "name": "Ada", "photo":
                                               "images/speakers/p1.jpg", "organisation": "X"}]}
    fetched = {"sessions": [{"id": "1", "track_id": "t1", "room_id": "r1",
                             "session_type_id": None, "speaker_ids": ["p1", "p2"]}],
               "tracks": [{"id": "t1", "name": "New", "color": "#222222", "description": ""}],
               "rooms": [{"id": "r1", "name": "Hall A", "floor": None, "latitude": None,
                          "longitude": None}],
               "session_types": [],
               "speakers": [{"id": "p1", "name": "Ada L.", "photo": "https://x/p1.jpg",
                             "organisation": ""},
                            {"id": "p2", "name": "Bob", "photo": "https://x/p2.jpg"}]}
    merged = page.evaluate("([b, f]) => EventApp.live.merge(b, f)", [base, fetched])
    assert merged["tracks"] == [{"id": "t1", "name": "New", "color": "#222222",
                                 "description": "Kept"}]
    assert merged["rooms"] == [{"id": "r1", "name": "Hall A", "floor": None, "latitude": 1.5,
                                "longitude": 2.5}]
    assert merged["speakers"] == [
        {"id": "p1", "name": "Ada L.", "photo": "images/speakers/p1.jpg", "organisation": "X"},
        {"id": "p2", "name": "Bob", "photo": "https://x/p2.jpg"}]


# ---------------------------------------------------------------- changes


def s(ident: str, start: str, room: str = "r1", end: str = "") -> dict[str, Any]:
    return {"id": ident, "title": f"T{ident}", "starts_at": start, "ends_at": end,
            "room_id": room, "track_id": None}


def test_changes_since_the_attendee_last_looked(page: Page) -> None:
    before = {"rooms": [{"id": "r1", "name": "Hall"}],
              "sessions": [s("1", "2024-06-01T10:00:00+00:00"),
                           s("2", "2024-06-01T11:00:00+00:00"),
                           s("3", "2024-06-01T12:00:00+00:00"),
                           s("4", "2024-06-01T13:00:00+00:00")]}
    after = {"rooms": [{"id": "r2", "name": "Annex"}],
             "sessions": [s("1", "2024-06-01T12:00:00+02:00"),  # the same instant
                          s("2", "2024-06-01T11:30:00+00:00"),
                          s("3", "2024-06-01T12:00:00+00:00", room="r2"),
                          s("5", "2024-06-01T14:00:00+00:00")]}
    found = page.evaluate(
        """([a, b]) => { const c = EventApp.live.changes(EventApp.live.snapshot(a), b);
             return [c.byId, c.removed.map(r => [r.id, r.t, r.rn]), c.counts, c.total,
                     EventApp.live.changeSummary(c.counts)]; }""", [before, after])
    by_id, removed, counts, total, summary = found
    assert set(by_id) == {"2", "3", "5"}
    assert (by_id["2"]["time"], by_id["2"]["room"]) == (True, False)
    assert (by_id["3"]["time"], by_id["3"]["room"], by_id["3"]["was"]["rn"]) == (False, True,
                                                                                  "Hall")
    assert by_id["5"]["added"] is True
    assert removed == [["4", "T4", "Hall"]]
    assert counts == {"added": 1, "time": 1, "room": 1, "removed": 1} and total == 4
    assert summary == "1 new session, 1 new time, 1 new room, 1 cancelled"


# ---------------------------------------------------------------- conflicts, actions


def test_overlapping_sessions_are_found_and_touching_ones_are_not(page: Page) -> None:
    spans = {"a": [0, 60], "b": [30, 90], "c": [90, 120], "d": [45, 45], "e": [200, 200],
             "f": [200, 200], "g": [300, 400], "h": None}
    found = page.evaluate(
        """spans => { const list = Object.keys(spans).map(id => ({ id, title: id }));
             const m = EventApp.conflicts(list, s => spans[s.id]);
             const out = {}; m.forEach((v, k) => { out[k] = v.map(x => x.id); }); return out; }""",
        spans)
    assert found == {"a": ["b", "d"], "b": ["a", "d"], "d": ["a", "b"], "e": ["f"], "f": ["e"]}


def test_icalendar_text_is_escaped_and_folded_at_75_octets(page: Page) -> None:
    text = "Café; a, b\\c\nnext " + "é" * 80
    escaped, folded = page.evaluate(
        """t => { const a = EventApp.actions; const e = a.icsText(t);
                  return [e, a.fold('DESCRIPTION:' + e)]; }""", text)
    assert escaped == "Café\\; a\\, b\\\\c\\nnext " + "é" * 80
    lines = folded.split("\r\n")
    assert all(len(line.encode()) <= 75 for line in lines)
    assert all(line.startswith(" ") for line in lines[1:])
    assert "".join([lines[0], *(line[1:] for line in lines[1:])]) == "DESCRIPTION:" + escaped


def test_the_shell_is_known_by_its_user_agent_token(page: Page) -> None:
    agents = ["Mozilla/5.0 (Linux; Android 14) Chrome/124 Mobile Safari/537.36 apkgen-shell",
              "Mozilla/5.0 apkgen-shell/1.2 (Linux)", "Mozilla/5.0 Chrome/124",
              "Mozilla/5.0 not-apkgen-shellfish"]
    assert page.evaluate("a => a.map(EventApp.actions.inShell)", agents) == [
        True, True, False, False]


def test_data_js_stays_plain_json_for_the_scripts(blank: Path) -> None:
    text = (blank / "data.js").read_text(encoding="utf-8")
    assert json.loads(text.split("=", 1)[1].strip().rstrip(";"))["event"]["id"] == "e"


def test_a_resource_is_only_a_session_when_its_type_says_so(page: Page) -> None:
    other = Resource("track", "1", {"name": "x"})
    document = {"data": [{"type": other.type, "id": other.id, "attributes": other.attributes}]}
    assert read(page, [document])["sessions"] == []
