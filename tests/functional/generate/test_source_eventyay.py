"""An eventyay API URL as the source, served by a faithful fake Open Event server on loopback.

The fake (``eventyay_fake.py``) follows the server's blueprints and flask-rest-jsonapi: pages of
20 unless ``page[size]`` says otherwise, relative URL-encoded ``links.next``, relationships with
``data`` only when included, JSON:API error documents.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from build_runner.errors import BuildCancelled, InputError
from build_runner.generate.eventyay import PAGE_SIZE
from build_runner.generate.fetch import Fetcher, fetch_api
from build_runner.generate.limits import API_ATTEMPTS, Limits
from build_runner.generate.model import Link
from build_runner.generate.problems import Problems
from build_runner.generate.source import load_event
from build_runner.logs import BuildLog, ListSink
from tests.functional.generate.eventyay_fake import (
    Answer,
    Dripping,
    Event,
    Failing,
    FakeEventyay,
    sample_event,
    serving,
)

LIMITS = Limits(fetch_timeout_s=5)
SESSIONS = "/v1/events/7/sessions"
SPEAKERS = "/v1/events/7/speakers"
# What the eventyay web frontend serves at an event's public page (an Ember app shell).
FRONTEND_PAGE = (b"<!DOCTYPE html>\n<html>\n<head>\n<meta charset=\"utf-8\">\n<title>eventyay"
                 b"</title>\n</head>\n<body>\n<script src=\"/assets/vendor.js\"></script>\n"
                 b"</body>\n</html>\n")


@pytest.fixture
def fake() -> Iterator[FakeEventyay]:
    with serving(sample_event(45)) as server:
        yield server


def fetched(fake: FakeEventyay, limits: Limits = LIMITS,
            base: str | None = None) -> tuple[dict, Problems]:
    problems = Problems()
    docs = fetch_api(base or fake.base, Fetcher(limits), limits, problems)
    return docs, problems


def links_of(event: Event) -> dict[str, tuple[str | None, str | None, list[str]]]:
    """session id → (track id, room id, speaker ids) as the server's database has them."""
    out = {}
    for session in event.lists["sessions"]:
        speakers = session.links["speakers"]
        out[session.id] = (session.links["track"], session.links["microlocation"],
                           list(speakers) if isinstance(speakers, list) else [])
    return out


def load(fake: FakeEventyay, tmp_path: Path, limits: Limits = LIMITS, **kwargs: object):
    work = tmp_path / "work"
    return load_event(fake.base, work, work / "assets", BuildLog(ListSink()), limits,
                      **kwargs)  # type: ignore[arg-type]


def test_every_session_of_a_multi_page_event_comes_linked_to_its_track_room_and_speakers(
        tmp_path: Path) -> None:
    with serving(sample_event(2 * PAGE_SIZE + 7, speakers=40, tracks=3, rooms=4)) as fake:
        docs, problems = fetched(fake, LIMITS)
        expected = links_of(fake.event)
        assert problems.errors == [] and problems.warnings == []
        pages = [p for p in fake.requests if p.startswith(SESSIONS)]
        assert len(pages) == 3 and pages[2].endswith("&page%5Bnumber%5D=3")
        assert [s["id"] for s in docs["sessions"]] == list(expected)
        for session in docs["sessions"]:
            track, room, speakers = expected[session["id"]]
            assert session["track"]["id"] == track and session["track"]["name"].startswith("Track")
            assert session["microlocation"]["id"] == room
            assert session["microlocation"]["name"].startswith("Room")
            assert session["session-type"]["name"].startswith("Type")
            assert [s["id"] for s in session["speakers"]] == speakers
            assert all(s["name"].startswith("Speaker") for s in session["speakers"])
        assert {s["state"] for s in docs["sessions"]} == {
            "accepted", "confirmed", "pending", "rejected", "draft"}  # kept, not filtered here

        model = load(fake, tmp_path).model
        assert model.sessions and {s.id for s in model.sessions} <= set(expected)
        for session in model.sessions:
            track, room, speakers = expected[session.id]
            assert (session.track_id, session.room_id, list(session.speaker_ids)) == (
                track, room, speakers)
            assert session.session_type_id is not None
        assert {t.id for t in model.tracks} == {"30", "31", "32"}
        assert {r.id for r in model.rooms} == {"40", "41", "42", "43"}


def test_sessions_are_asked_for_with_their_relationships_in_large_pages(
        fake: FakeEventyay) -> None:
    fetched(fake)
    asked = [p for p in fake.requests if p.startswith(SESSIONS)]
    assert asked == [f"{SESSIONS}?include=track%2Cmicrolocation%2Csession-type%2Cspeakers"
                     f"&page%5Bsize%5D={PAGE_SIZE}&sort=id"]
    assert "/v1/events/7/event" not in fake.requests
    assert not any("session_types" in p for p in fake.requests)


def test_an_event_of_1100_sessions_arrives_complete() -> None:
    with serving(sample_event(1100, speakers=300)) as fake:
        docs, problems = fetched(fake)
    assert problems.errors == []
    assert [s["id"] for s in docs["sessions"]] == [str(1000 + i) for i in range(1100)]
    assert all(s["track"] and s["microlocation"] and s["speakers"] for s in docs["sessions"])
    assert len(docs["speakers"]) == 300


def test_more_sessions_than_the_cap_is_an_error_and_no_app(tmp_path: Path) -> None:
    with serving(sample_event(30)) as fake:
        limits = Limits(fetch_timeout_s=5, max_api_items=25)
        docs, problems = fetched(fake, limits)
        assert "sessions" not in docs
        assert [str(p) for p in problems.errors] == [
            f"sessions: cannot be read from {fake.base}/sessions?include=track%2Cmicrolocation"
            f"%2Csession-type%2Cspeakers&page%5Bsize%5D={PAGE_SIZE}&sort=id: the event has 30 "
            "sessions, more than the 25 an app is built with; the app would be incomplete, so "
            "it is not built"]
        with pytest.raises(InputError):
            load(fake, tmp_path, limits)
        assert not (tmp_path / "work").exists()


def test_a_server_dripping_one_byte_at_a_time_is_stopped_within_the_budget(
        fake: FakeEventyay) -> None:
    fake.faults[SESSIONS] = Dripping(every_s=0.2)
    limits = Limits(fetch_timeout_s=5, api_budget_s=2)
    began = time.monotonic()
    docs, problems = fetched(fake, limits)
    took = time.monotonic() - began
    assert took < 2 + 1.0
    assert "sessions" not in docs
    assert [p.file for p in problems.errors] == ["sessions", "speakers"]
    assert problems.errors[0].message.endswith(
        "reading the event from its API took longer than the 2s allowed")
    assert problems.errors[1].message == (
        "not read (speakers, tracks, microlocations): reading the event from its API took "
        "longer than the 2s allowed")


def test_a_dripping_image_is_stopped_by_its_own_deadline(tmp_path: Path) -> None:
    with serving(sample_event(3)) as fake:
        fake.event.attributes["logo-url"] = f"{fake.origin}/media/logo.png"
        fake.faults["/media/logo.png"] = Dripping(every_s=0.1)
        limits = Limits(fetch_timeout_s=0.5)  # each download: 1.5 s at most
        began = time.monotonic()
        loaded = load(fake, tmp_path, limits)
        assert time.monotonic() - began < 1.5 + 1.5
    assert loaded.model.event.logo is None
    assert any("the download took longer than 1.5s" in str(p) for p in loaded.problems.warnings)


def test_a_cancel_during_the_fetch_ends_it_within_a_second(
        fake: FakeEventyay, tmp_path: Path) -> None:
    cancelled_at: list[float] = []
    # The cancel comes once the sessions' headers went out and the body hangs.
    fake.faults[SESSIONS] = Dripping(every_s=5.0,
                                     on_start=lambda: cancelled_at.append(time.monotonic()))
    with pytest.raises(BuildCancelled):
        load(fake, tmp_path, cancelled=lambda: bool(cancelled_at))
    assert time.monotonic() - cancelled_at[0] < 1.0
    assert not (tmp_path / "work").exists()


def test_a_5xx_on_speakers_is_retried_then_fails_the_build_with_the_url_and_status(
        fake: FakeEventyay, tmp_path: Path) -> None:
    fake.faults[SPEAKERS] = Failing(detail="database is down")
    with pytest.raises(InputError) as caught:
        load(fake, tmp_path)
    assert len([p for p in fake.requests if p.startswith(SPEAKERS)]) == API_ATTEMPTS
    assert [str(p) for p in caught.value.problems] == [
        f"speakers: cannot be read from {fake.base}/speakers?page%5Bsize%5D={PAGE_SIZE}&sort=id: "
        f"the server answered HTTP 500 Internal Server Error ({API_ATTEMPTS} tries); the server "
        "says: database is down (check that the API is reachable, then try the build again)"]


def test_a_5xx_that_passes_is_retried_into_a_complete_event(fake: FakeEventyay) -> None:
    fake.faults[SPEAKERS] = Failing(times=API_ATTEMPTS - 1)
    docs, problems = fetched(fake)
    assert problems.errors == [] and len(docs["speakers"]) == 4


def test_failing_sponsors_are_a_warning_saying_what_the_app_lacks(fake: FakeEventyay) -> None:
    fake.faults["/v1/events/7/sponsors"] = Failing()
    docs, problems = fetched(fake)
    assert problems.errors == [] and "sponsors" not in docs
    assert [p.message.rsplit("; ", 1)[-1] for p in problems.warnings] == [
        "the app is built without sponsors"]


def test_an_unknown_event_shows_the_servers_own_detail(fake: FakeEventyay) -> None:
    docs, problems = fetched(fake, base=f"{fake.origin}/v1/events/nope42")
    assert docs == {}
    assert [str(p) for p in problems.errors] == [
        f"event: cannot be read from {fake.origin}/v1/events/nope42: the server answered HTTP "
        "404 Not Found; the server says: Event: nope42 not found (check the event's id or "
        "identifier in the API URL, e.g. https://api.eventyay.com/v1/events/b8324ae2)"]
    assert fake.requests == ["/v1/events/nope42"]  # nothing more once the event is missing


def test_the_event_is_found_by_its_identifier_too(fake: FakeEventyay) -> None:
    docs, problems = fetched(fake, base=f"{fake.origin}/v1/events/b8324ae2/")
    assert problems.errors == []
    assert docs["event"]["identifier"] == "b8324ae2" and len(docs["sessions"]) == 45


def test_the_events_public_page_is_an_error_naming_the_api_url_to_use(
        fake: FakeEventyay) -> None:
    fake.files["/e/abc123"] = ("text/html", FRONTEND_PAGE)
    port = fake.origin.rsplit(":", 1)[1]
    page = f"http://eventyay.com:{port}/e/abc123"
    problems = Problems()
    docs = fetch_api(page, Fetcher(LIMITS, resolver=lambda host: ["127.0.0.1"]), LIMITS,
                     problems)
    assert docs == {}
    assert [str(p) for p in problems.errors] == [
        f"event: cannot be read from {page}: it sent a web page (HTML) where a JSON:API "
        "document was expected (this is the event's web page; use its API URL "
        "https://api.eventyay.com/v1/events/abc123)"]


def test_an_html_page_from_another_server_says_what_an_api_url_looks_like(
        fake: FakeEventyay) -> None:
    fake.faults[SESSIONS] = Answer(502, b"<html><body><h1>502 Bad Gateway</h1></body></html>",
                                   "text/html")
    _, problems = fetched(fake)
    assert [p.file for p in problems.errors] == ["sessions"]
    assert problems.errors[0].message.endswith(
        f"the server answered HTTP 502 Bad Gateway ({API_ATTEMPTS} tries)")
    fake.faults[SESSIONS] = Answer(200, b"<html><body>maintenance</body></html>", "text/html")
    _, problems = fetched(fake)
    assert str(problems.errors[0]).endswith(
        "it sent a web page (HTML) where a JSON:API document was expected (use the event's API "
        "URL, such as https://api.eventyay.com/v1/events/b8324ae2, not a web page)")


def test_the_organizer_and_the_social_links_come_as_the_server_spells_them(
        fake: FakeEventyay, tmp_path: Path) -> None:
    docs, _ = fetched(fake)
    event = docs["event"]
    assert (event["id"], event["owner-name"], event["owner-description"]) == (
        "7", "FOSSASIA", "An open source organisation")
    assert event["social-links"] == [
        {"name": "Twitter", "link": "https://twitter.com/eventyay"},
        {"name": "Website", "link": "https://eventyay.com"}]
    assert docs["sponsors"] == [{"name": "FOSSASIA", "description": "", "url":
                                 "https://fossasia.org", "level": 1, "type": "Gold",
                                 "logo-url": None, "deleted-at": None, "id": "60"}]
    model = load(fake, tmp_path).model
    assert Link("Twitter", "https://twitter.com/eventyay") in model.event.links
