"""A session's "Add to calendar", "Share" and "Directions", in headless Chromium.

Inside the Android shell (its user agent carries ``apkgen-shell``) they are links to the
intent: and geo: URLs the shell hands to Android, written exactly as the contract with the
shell says; in a plain browser they are an iCalendar file (RFC 5545, UTC times), a copied text
(Linux Chromium has no Web Share API) and an OpenStreetMap link.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from urllib.parse import quote

import pytest
from playwright.sync_api import Browser, Page, expect

from build_runner.generate.model import Event, EventModel, Room, Session, Speaker
from build_runner.generate.webapp import write_webapp
from tests.functional.generate.webapp_harness import (
    SHELL_USER_AGENT,
    Watched,
    open_app,
    watched_page,
)

pytestmark = pytest.mark.browser

TITLE = "Rust, C; and you: 100% safe?"
START = "2026-03-14T09:00:00+01:00"
END = "2026-03-14T09:45:00+01:00"
ABSTRACT = "<p>Ownership &amp; borrowing,\nin <b>detail</b>.</p>"
LOCATION = "Room A, Hall 7, Berlin"


def event(**fields: object) -> Event:
    values: dict[str, object] = {
        "id": "ev-1", "name": "FOSS Days", "starts_at": START,
        "ends_at": "2026-03-15T18:00:00+01:00", "timezone": "Europe/Berlin",
        "location_name": "Hall 7, Berlin", "latitude": 52.5, "longitude": 13.4,
    }
    values.update(fields)
    return Event(**values)  # type: ignore[arg-type]


def model(room: Room | None = None, **event_fields: object) -> EventModel:
    room = room or Room("r1", "Room A", latitude=52.52, longitude=13.405)
    return EventModel(
        event=event(**event_fields),
        rooms=(room,),
        speakers=(Speaker("s1", "Ada Lovelace"),),
        sessions=(
            Session("1", TITLE, START, END, short_abstract=ABSTRACT, room_id=room.id,
                    speaker_ids=("s1",)),
            Session("2", "Open end", START, "", room_id=room.id),
            Session("3", "Lightning talks", "2026-03-14T00:00:00+01:00",
                    "2026-03-14T00:00:00+01:00"),
        ),
    )


def ms(iso: str) -> int:
    return int(datetime.fromisoformat(iso).timestamp() * 1000)


def pct(text: str) -> str:
    return quote(text, safe="")


DESCRIPTION = "With Ada Lovelace\n\nOwnership & borrowing, in detail.\n\nFOSS Days"


@pytest.fixture
def shell(chromium_browser: Browser) -> Iterator[Watched]:
    with watched_page(chromium_browser, user_agent=SHELL_USER_AGENT) as found:
        yield found
    assert not found.problems, found.problems


@pytest.fixture
def browser_page(chromium_browser: Browser) -> Iterator[Watched]:
    with watched_page(chromium_browser) as found:
        found.context.grant_permissions(["clipboard-read", "clipboard-write"])
        yield found
    assert not found.problems, found.problems


def actions(page: Page) -> dict[str, str | None]:
    links = page.locator(".actions a.action")
    return {links.nth(i).inner_text(): links.nth(i).get_attribute("href")
            for i in range(links.count())}


def test_in_the_shell_add_to_calendar_is_the_calendar_insert_intent(
    shell: Watched, tmp_path: Path
) -> None:
    write_webapp(model(), tmp_path)
    open_app(shell.page, tmp_path, "#/session/1")
    description = shell.page.evaluate("() => document.querySelector('.rich').textContent")
    assert "borrowing" in description
    found = actions(shell.page)["Add to calendar"]
    assert found == (
        "intent:#Intent;action=android.intent.action.INSERT;type=vnd.android.cursor.dir/event;"
        f"S.title={pct(TITLE)};l.beginTime={ms(START)};l.endTime={ms(END)};"
        f"S.eventLocation={pct(LOCATION)};S.description={pct(DESCRIPTION)};end"
    )


def test_in_the_shell_share_is_the_send_intent_with_the_sessions_time_and_place(
    shell: Watched, tmp_path: Path
) -> None:
    write_webapp(model(), tmp_path)
    open_app(shell.page, tmp_path, "#/session/1")
    text = f"{TITLE}\nSat, Mar 14 · 9:00 AM – 9:45 AM GMT+1 · Room A\nFOSS Days"
    assert actions(shell.page)["Share"] == (
        "intent:#Intent;action=android.intent.action.SEND;type=text/plain;"
        f"S.android.intent.extra.SUBJECT={pct(TITLE)};S.android.intent.extra.TEXT={pct(text)};end"
    )


def test_in_the_shell_directions_use_the_rooms_coordinates_then_the_events_then_the_address(
    shell: Watched, tmp_path: Path
) -> None:
    write_webapp(model(), tmp_path / "room")
    open_app(shell.page, tmp_path / "room", "#/session/1")
    assert actions(shell.page)["Directions"] == (
        f"geo:52.52,13.405?q=52.52,13.405({pct(LOCATION)})"
    )
    write_webapp(model(Room("r1", "Room A")), tmp_path / "event")
    open_app(shell.page, tmp_path / "event", "#/session/1")
    assert actions(shell.page)["Directions"] == f"geo:52.5,13.4?q=52.5,13.4({pct(LOCATION)})"
    write_webapp(model(Room("r1", "Room A"), latitude=None, longitude=None), tmp_path / "none")
    open_app(shell.page, tmp_path / "none", "#/session/1")
    assert actions(shell.page)["Directions"] == f"geo:0,0?q={pct('Hall 7, Berlin')}"


def test_in_the_shell_a_session_without_an_end_ends_at_its_start_and_tba_has_no_calendar(
    shell: Watched, tmp_path: Path
) -> None:
    write_webapp(model(), tmp_path)
    open_app(shell.page, tmp_path, "#/session/2")
    assert f"l.beginTime={ms(START)};l.endTime={ms(START)};" in str(
        actions(shell.page)["Add to calendar"])
    open_app(shell.page, tmp_path, "#/session/3")
    assert list(actions(shell.page)) == ["Share", "Directions"]
    assert shell.page.locator(".actions button").count() == 0


def unfold(text: str) -> list[str]:
    return text.replace("\r\n ", "").split("\r\n")


def test_in_a_browser_add_to_calendar_downloads_an_icalendar_file_in_utc(
    browser_page: Watched, tmp_path: Path
) -> None:
    long_title = TITLE + " — " + "a very long title " * 6
    m = model()
    m = EventModel(event=m.event, rooms=m.rooms, speakers=m.speakers,
                   sessions=(Session("1", long_title, START, END, short_abstract=ABSTRACT,
                                     room_id="r1", speaker_ids=("s1",)),))
    write_webapp(m, tmp_path / "app")
    page = browser_page.page
    open_app(page, tmp_path / "app", "#/session/1")
    with page.expect_download() as info:
        page.get_by_role("button", name="Add to calendar").click()
    download = info.value
    assert download.suggested_filename.endswith(".ics")
    raw = Path(download.path()).read_bytes()
    text = raw.decode("utf-8")
    assert text.endswith("\r\n") and "\n" not in text.replace("\r\n", "")
    assert all(len(line.encode()) <= 75 for line in text.split("\r\n"))
    lines = unfold(text)
    assert lines[:2] == ["BEGIN:VCALENDAR", "VERSION:2.0"]
    assert "DTSTART:20260314T080000Z" in lines
    assert "DTEND:20260314T084500Z" in lines
    summary = long_title.replace(",", "\\,").replace(";", "\\;")
    assert f"SUMMARY:{summary}" in lines
    assert "LOCATION:Room A\\, Hall 7\\, Berlin" in lines
    assert "GEO:52.52;13.405" in lines
    description = DESCRIPTION.replace(",", "\\,").replace("\n", "\\n")
    assert f"DESCRIPTION:{description}" in lines
    assert any(re.fullmatch(r"DTSTAMP:\d{8}T\d{6}Z", line) for line in lines)
    assert lines[-2:] == ["END:VCALENDAR", ""]
    expect(page.locator("#toast")).to_have_text("Calendar file downloaded")


def test_in_a_browser_share_copies_the_sessions_details(
    browser_page: Watched, tmp_path: Path
) -> None:
    write_webapp(model(), tmp_path)
    page = browser_page.page
    open_app(page, tmp_path, "#/session/1")
    page.get_by_role("button", name="Share").click()
    expect(page.locator("#toast")).to_have_text("Copied the session’s details")
    copied = page.evaluate("() => navigator.clipboard.readText()")
    assert copied == f"{TITLE}\nSat, Mar 14 · 9:00 AM – 9:45 AM GMT+1 · Room A\nFOSS Days"


def test_in_a_browser_directions_open_openstreetmap(browser_page: Watched, tmp_path: Path) -> None:
    write_webapp(model(), tmp_path / "coordinates")
    page = browser_page.page
    open_app(page, tmp_path / "coordinates", "#/session/1")
    link = page.get_by_role("link", name="Directions")
    expect(link).to_have_attribute(
        "href", "https://www.openstreetmap.org/?mlat=52.52&mlon=13.405#map=18/52.52/13.405")
    expect(link).to_have_attribute("target", "_blank")
    write_webapp(model(Room("r1", "Room A"), latitude=None, longitude=None), tmp_path / "address")
    open_app(page, tmp_path / "address", "#/session/1")
    expect(page.get_by_role("link", name="Directions")).to_have_attribute(
        "href", "https://www.openstreetmap.org/search?query=Hall%207%2C%20Berlin")
    assert browser_page.off_device() == []


def test_the_about_page_gives_directions_to_the_venue(
    shell: Watched, tmp_path: Path
) -> None:
    write_webapp(model(), tmp_path)
    open_app(shell.page, tmp_path, "#/about")
    assert actions(shell.page) == {
        "Directions": f"geo:52.5,13.4?q=52.5,13.4({pct('Hall 7, Berlin')})"
    }


def test_every_link_the_app_shows_in_the_shell_is_one_the_shell_starts(
    shell: Watched, tmp_path: Path
) -> None:
    """The contract, both ways: the shell's own rule (intent_rule.decide, what its smali does)
    starts each action link with the session's text intact."""
    from build_runner.generate.apk.intent_rule import INSERT, SEND, VIEW, Launch, decide

    write_webapp(model(), tmp_path)
    open_app(shell.page, tmp_path, "#/session/1")
    found = actions(shell.page)
    calendar = decide(found["Add to calendar"])
    assert isinstance(calendar, Launch) and calendar.action == INSERT
    assert dict(calendar.extras) == {"title": TITLE, "beginTime": ms(START), "endTime": ms(END),
                                     "eventLocation": LOCATION, "description": DESCRIPTION}
    share = decide(found["Share"])
    assert isinstance(share, Launch) and share.action == SEND
    assert dict(share.extras)["android.intent.extra.SUBJECT"] == TITLE
    directions = decide(found["Directions"])
    assert isinstance(directions, Launch) and directions.action == VIEW
