"""An eventyay API URL as the source: the server's documents become the event's model.

Served by a faithful fake Open Event server on loopback; reading the API by itself
(``eventapi.fetch_api``) is tested in ``test_eventapi.py``.

The fake (``eventyay_fake.py``) follows the server's blueprints and flask-rest-jsonapi: pages of
20 unless ``page[size]`` says otherwise, relative URL-encoded ``links.next``, relationships with
``data`` only when included, JSON:API error documents.
"""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from build_runner.errors import BuildCancelled, InputError
from build_runner.generate.eventyay import PAGE_SIZE
from build_runner.generate.limits import API_ATTEMPTS, Limits
from build_runner.generate.model import Link
from build_runner.generate.source import load_event
from build_runner.logs import BuildLog
from tests.functional.generate.eventyay_fake import (
    LIMITS,
    SESSIONS,
    SPEAKERS,
    Dripping,
    Event,
    Failing,
    FakeEventyay,
    fetched,
    sample_event,
    serving,
)
from tests.list_sink import ListSink


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


def test_an_event_read_from_its_api_remembers_where_so_its_app_can_refresh(
        fake: FakeEventyay, tmp_path: Path) -> None:
    model = load(fake, tmp_path).model
    assert model.config.api_link == fake.base.rstrip("/")
