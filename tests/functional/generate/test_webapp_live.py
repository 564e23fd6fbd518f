"""The web app's live schedule, offline first, in headless Chromium opened from file://.

An app built from an eventyay API (a loopback fake that answers as open-event-server does)
refreshes its sessions from it at start and every 15 minutes, publishes them by the generator's
rule, marks what changed since the attendee last looked, and keeps its last good data when the
server is down or answers wrongly. An app without an API makes no request at all.
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Iterator
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Browser, Page, expect

from build_runner.generate.model import AppConfig, Event, EventModel, Session
from build_runner.generate.webapp import write_webapp
from tests.functional.generate.eventyay_fake import Answer, Failing, Resource, sample_event
from tests.functional.generate.webapp_harness import (
    WAIT_MS,
    LiveApi,
    Watched,
    live_api,
    load_from_api,
    open_app,
    watched_page,
)

pytestmark = pytest.mark.browser

REFUSED = ("Failed to load resource",)
SESSIONS_PATH = "/v1/events/7/sessions"


@pytest.fixture
def api() -> Iterator[LiveApi]:
    # 12 sessions, 2 rooms; states cycle accepted, confirmed, pending, rejected, draft.
    with live_api(sample_event(12)) as server:
        yield server


@pytest.fixture
def watched(chromium_browser: Browser) -> Iterator[Watched]:
    with watched_page(chromium_browser, expected_console=REFUSED) as found:
        yield found
    assert not found.problems, found.problems


def built_from(api: LiveApi, tmp_path: Path) -> Path:
    """The app the generator builds from ``api``, told to refresh from it (as it is when the
    build's source is an API URL)."""
    loaded = load_from_api(api, tmp_path)
    model = loaded.model
    model = dataclasses.replace(model, config=dataclasses.replace(model.config,
                                                                  api_link=api.base))
    write_webapp(model, tmp_path / "assets")
    api.fake.requests.clear()  # the build's own requests
    return tmp_path / "assets"


def session(api: LiveApi, ident: str) -> Resource:
    return next(s for s in api.event.lists["sessions"] if s.id == ident)


def move(resource: Resource, minutes: int) -> None:
    for key in ("starts-at", "ends-at"):
        moment = datetime.fromisoformat(resource.attributes[key]) + timedelta(minutes=minutes)
        resource.attributes[key] = moment.isoformat()


def change_the_schedule(api: LiveApi) -> None:
    """Session 1000 an hour later, 1001 in the other room, 1005 gone, 1003 accepted (new)."""
    move(session(api, "1000"), 60)
    moved = session(api, "1001")
    moved.links["microlocation"] = "40" if moved.links["microlocation"] == "41" else "41"
    api.event.lists["sessions"].remove(session(api, "1005"))
    session(api, "1003").attributes["state"] = "accepted"


def card(page: Page, title: str) -> Any:
    return page.locator(".card", has=page.locator(".card-title", has_text=re.compile(f"^{title}$")))


def try_to_fetch(watched: Watched, url: str) -> str:
    """What happens when a script of the page fetches ``url``: 'sent' or 'blocked'. The
    policy's report of a blocked fetch is expected, not a problem."""
    outcome: str = watched.page.evaluate(
        "url => fetch(url).then(() => 'sent', () => 'blocked')", url
    )
    watched.problems[:] = [p for p in watched.problems
                           if url not in p or "Content Security Policy" not in p]
    return outcome


def wait_for_update(page: Page) -> None:
    expect(page.locator("#status")).to_contain_text("Schedule updated", timeout=WAIT_MS)


def test_an_app_without_an_api_makes_no_network_request(
    watched: Watched, tmp_path: Path, api: LiveApi
) -> None:
    model = EventModel(
        event=Event("e", "Offline Fest", "2026-03-14T09:00:00+01:00", "2026-03-14T18:00:00+01:00",
                    timezone="Europe/Berlin", latitude=52.5, longitude=13.4),
        sessions=(Session("1", "Talk", "2026-03-14T09:00:00+01:00", "2026-03-14T10:00:00+01:00"),),
    )
    write_webapp(model, tmp_path)
    page = watched.page
    for route in ("#/schedule", "#/session/1", "#/starred", "#/speakers", "#/about"):
        open_app(page, tmp_path, route)
    expect(page.locator("#status")).to_be_empty()
    # Even a script that tries is stopped by the page's policy before anything is sent.
    assert try_to_fetch(watched, api.base + "/sessions") == "blocked"
    assert watched.off_device() == []
    assert api.fake.requests == []


def test_an_app_from_the_api_refreshes_at_start_and_marks_what_changed(
    watched: Watched, tmp_path: Path, api: LiveApi
) -> None:
    assets = built_from(api, tmp_path / "before")
    change_the_schedule(api)
    page = watched.page
    open_app(page, assets)
    wait_for_update(page)
    expect(page.locator(".changes")).to_contain_text(
        "1 new session, 1 new time, 1 new room, 1 cancelled"
    )
    expect(card(page, "Session 0").locator(".mark")).to_have_text(["New time"])
    expect(card(page, "Session 0").locator(".card-meta").first).to_contain_text("1:00 AM")
    expect(card(page, "Session 1").locator(".mark")).to_have_text(["New room"])
    expect(card(page, "Session 3").locator(".mark")).to_have_text(["New"])
    expect(card(page, "Session 5").locator(".mark")).to_have_text(["Cancelled"])
    card(page, "Session 0").locator(".card-link").click()
    expect(page.locator(".facts .was")).to_have_text(["Was Sat, Jun 1 · 12:00 AM – 12:25 AM GMT"])
    # Only the API's origin was asked, and for the sessions as the generator asks for them.
    assert {re.sub(r"(https?://[^/]+).*", r"\1", u) for u in watched.off_device()} == {
        api.fake.origin
    }
    assert api.session_requests()[0] == (
        SESSIONS_PATH + "?include=track%2Cmicrolocation%2Csession-type%2Cspeakers"
        "&page%5Bsize%5D=500&sort=id"
    )


def test_the_refreshed_schedule_is_what_the_generator_would_publish(
    watched: Watched, tmp_path: Path, api: LiveApi
) -> None:
    assets = built_from(api, tmp_path / "before")
    change_the_schedule(api)
    expected = load_from_api(api, tmp_path / "after").model
    page = watched.page
    open_app(page, assets)
    wait_for_update(page)
    expect(page.locator("#main")).not_to_have_attribute("aria-busy", "true")
    shown = page.evaluate(
        """() => Array.from(document.querySelectorAll('.card:not(.card-cancelled)'))
             .map(c => c.getAttribute('data-id'))"""
    )
    by_time = sorted(expected.sessions, key=lambda s: datetime.fromisoformat(s.starts_at))
    assert shown == [s.id for s in by_time]
    rooms = {r.id: r.name for r in expected.rooms}
    for s in expected.sessions:
        meta = card(page, s.title).locator(".card-meta").first
        expect(meta).to_contain_text(rooms[s.room_id] if s.room_id else "")


def test_marking_the_changes_as_seen_clears_them_for_good(
    watched: Watched, tmp_path: Path, api: LiveApi
) -> None:
    assets = built_from(api, tmp_path)
    change_the_schedule(api)
    page = watched.page
    open_app(page, assets)
    wait_for_update(page)
    page.get_by_role("button", name="Mark as seen").click()
    expect(page.locator(".mark")).to_have_count(0)
    expect(page.locator(".changes")).to_have_count(0)
    page.reload()
    wait_for_update(page)
    expect(page.locator(".mark")).to_have_count(0)
    expect(card(page, "Session 5")).to_have_count(0)


def test_with_the_server_down_the_app_keeps_its_last_good_data_and_says_so(
    watched: Watched, tmp_path: Path, api: LiveApi
) -> None:
    assets = built_from(api, tmp_path)
    change_the_schedule(api)
    page = watched.page
    open_app(page, assets)
    wait_for_update(page)
    api.stop()
    page.reload()
    status = page.locator("#status")
    expect(status).to_contain_text(
        re.compile(r"Could not update the schedule: the server could not be reached\. "
                   r"Last updated at \d{1,2}:\d\d"), timeout=WAIT_MS)
    expect(card(page, "Session 0").locator(".card-meta").first).to_contain_text("1:00 AM")
    expect(card(page, "Session 3")).to_be_visible()
    page.get_by_role("button", name="Retry").click()
    expect(status).to_contain_text("Could not update the schedule", timeout=WAIT_MS)


@pytest.mark.parametrize(
    ("fault", "said"),
    [
        (Failing(), "the server answered 500"),
        (Answer(200, b"<!doctype html><title>Maintenance</title>", "text/html"),
         "the server did not send JSON"),
        (Answer(200, b'{"meta": {"count": 3}, "data": [], "jsonapi": {}}'),
         "the server sent 0 of its 3 sessions"),
        (Answer(200, b'{"data": {"type": "event", "id": "7"}}'),
         "the server sent no list of sessions"),
    ],
    ids=["500", "html", "short", "not-a-list"],
)
def test_a_wrong_answer_changes_nothing_and_is_said(
    watched: Watched, tmp_path: Path, api: LiveApi, fault: Any, said: str
) -> None:
    assets = built_from(api, tmp_path)
    api.fake.faults[SESSIONS_PATH] = fault
    change_the_schedule(api)
    page = watched.page
    open_app(page, assets)
    expect(page.locator("#status")).to_contain_text(
        f"Could not update the schedule: {said}. Showing the schedule the app was built with.",
        timeout=WAIT_MS,
    )
    expect(page.locator(".mark")).to_have_count(0)
    expect(card(page, "Session 0").locator(".card-meta").first).to_contain_text("12:00 AM")


def test_the_open_app_refreshes_every_15_minutes(
    watched: Watched, tmp_path: Path, api: LiveApi
) -> None:
    assets = built_from(api, tmp_path)
    page = watched.page
    page.clock.install()
    open_app(page, assets)
    wait_for_update(page)
    assert len(api.session_requests()) == 1
    change_the_schedule(api)
    page.clock.run_for("14:00")
    assert len(api.session_requests()) == 1
    expect(page.locator(".mark")).to_have_count(0)
    page.clock.run_for("01:00")
    expect(card(page, "Session 0").locator(".mark")).to_have_text(["New time"], timeout=WAIT_MS)
    assert len(api.session_requests()) == 2


def test_an_api_event_of_several_pages_is_read_page_by_page(
    watched: Watched, tmp_path: Path
) -> None:
    # 1,100 sessions: three pages of 500 by links.next, as the real server pages them.
    with live_api(sample_event(1100)) as api:
        assets = built_from(api, tmp_path)
        session(api, "1095").attributes["title"] = "Renamed late session"
        page = watched.page
        open_app(page, assets, "#/search?q=renamed")
        wait_for_update(page)
        page.get_by_role("searchbox").fill("renamed late")
        expect(page.locator(".card-title")).to_have_text(["Renamed late session"])
        pages = api.session_requests()
        assert len(pages) == 3
        assert "page%5Bnumber%5D=3" in pages[-1]


def test_the_policy_lets_the_app_reach_its_api_origin_only(
    watched: Watched, tmp_path: Path, api: LiveApi
) -> None:
    assets = built_from(api, tmp_path)
    page = watched.page
    open_app(page, assets)
    wait_for_update(page)
    other = api.fake.origin.replace("127.0.0.1", "localhost")
    assert try_to_fetch(watched, other + "/v1/events/7") == "blocked"
    assert all(u.startswith(api.fake.origin) for u in watched.off_device())


def test_an_app_config_api_link_that_is_not_a_web_address_stays_offline(
    watched: Watched, tmp_path: Path
) -> None:
    model = EventModel(
        event=Event("e", "Fest", "2026-03-14T09:00:00+01:00", "2026-03-14T18:00:00+01:00"),
        sessions=(Session("1", "Talk", "2026-03-14T09:00:00+01:00", "2026-03-14T10:00:00+01:00"),),
        config=AppConfig(api_link="javascript:alert(1)"),
    )
    write_webapp(model, tmp_path)
    open_app(watched.page, tmp_path)
    expect(watched.page.locator(".card-title")).to_have_text(["Talk"])
    assert watched.off_device() == []
    assert 'name="apkgen-api"' not in (tmp_path / "index.html").read_text(encoding="utf-8")
