"""The schedule as an attendee of a big conference uses it, in headless Chromium from file://.

My schedule shows which starred sessions overlap; at 500 sessions the day chips and the time
headings stay in view while scrolling and "Now" jumps to the session on now or next; the
schedule filters by track, room (typed, when there are many) and session type; speakers are
searchable and sortable; tracks and sponsors are tabs; times switch between the event's zone and
the device's; the colors follow the system's dark scheme and the text its font size.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, expect

from bench.webapp import synthetic_model
from build_runner.generate.model import (
    Event,
    EventModel,
    Session,
    Speaker,
    Sponsor,
    Track,
)
from build_runner.generate.webapp import write_webapp
from tests.functional.generate.webapp_harness import Watched, open_app, watched_page

pytestmark = pytest.mark.browser

BERLIN_WINTER = timezone(timedelta(hours=1))


@pytest.fixture
def watched(chromium_browser: Browser) -> Iterator[Watched]:
    with watched_page(chromium_browser) as found:
        yield found
    assert not found.problems, found.problems
    assert found.off_device() == []


@pytest.fixture(scope="module")
def big_app(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, EventModel]:
    model = synthetic_model(500)
    assets = tmp_path_factory.mktemp("big")
    write_webapp(model, assets)
    return assets, model


def drawn(page: Page) -> None:
    """Waits until the page's long lists are drawn whole (the app draws them in steps)."""
    expect(page.locator("#main")).not_to_have_attribute("aria-busy", "true")


def at(hour: int, minute: int = 0, day: int = 14) -> str:
    return datetime(2026, 3, day, hour, minute, tzinfo=BERLIN_WINTER).isoformat()


def event(**fields: object) -> Event:
    values: dict[str, object] = {"id": "ev", "name": "FOSS Days", "starts_at": at(9),
                                 "ends_at": at(18, day=15), "timezone": "Europe/Berlin"}
    values.update(fields)
    return Event(**values)  # type: ignore[arg-type]


# ---------------------------------------------------------------- my schedule


def test_my_schedule_says_which_starred_sessions_overlap(watched: Watched, tmp_path: Path) -> None:
    sessions = (
        Session("a", "Keynote", at(9), at(10)),
        Session("b", "Rust workshop", at(9, 30), at(10, 30)),
        Session("c", "Lunch talk", at(10, 30), at(11)),  # starts as the workshop ends
        Session("d", "Other day", at(9, day=15), at(10, day=15)),
    )
    write_webapp(EventModel(event=event(), sessions=sessions), tmp_path)
    page = watched.page
    open_app(page, tmp_path)
    for title in ("Keynote", "Rust workshop", "Lunch talk"):
        page.get_by_role("button", name=f"Star {title}").click()
    page.locator(".tab[data-tab=starred]").click()
    expect(page.locator(".conflicts")).to_have_text(
        "2 of your sessions overlap: each says with which.")
    expect(page.locator(".card-conflict")).to_have_text(
        ["Overlaps with Rust workshop", "Overlaps with Keynote"])
    expect(page.locator(".card", has_text="Lunch talk").locator(".card-conflict")).to_have_count(0)
    page.reload()
    expect(page.locator(".card-title")).to_have_text(["Keynote", "Rust workshop", "Lunch talk"])
    page.locator(".card[data-id=a] .card-link").click()
    expect(page.locator(".detail .card-conflict")).to_have_text(
        "Overlaps with Rust workshop in your schedule")
    page.go_back()
    page.get_by_role("button", name="Star Rust workshop").click()
    expect(page.locator(".conflicts")).to_have_count(0)
    expect(page.locator(".card-title")).to_have_text(["Keynote", "Lunch talk"])


# ---------------------------------------------------------------- 500 sessions


def test_day_chips_and_time_headings_stay_in_view_while_scrolling(
    watched: Watched, big_app: tuple[Path, EventModel]
) -> None:
    assets, _ = big_app
    page = watched.page
    open_app(page, assets)
    drawn(page)
    assert page.locator(".card").count() > 150
    page.mouse.wheel(0, 6000)
    page.wait_for_function("window.scrollY > 5000")
    bar = page.locator(".appbar").bounding_box()
    chips = page.locator(".days").bounding_box()
    assert bar is not None and chips is not None
    assert chips["y"] == pytest.approx(bar["y"] + bar["height"], abs=1)
    assert bar["y"] == pytest.approx(0, abs=1)
    below = chips["y"] + chips["height"] + 4
    heading = page.evaluate(
        "y => { const e = document.elementFromPoint(100, y); return e && e.closest('.slot-heading')"
        " ? e.closest('.slot-heading').textContent : null; }", below)
    assert heading is not None and heading.endswith(("AM", "PM")), heading


def test_now_jumps_to_the_session_on_now_or_next_on_a_day_of_the_event(
    watched: Watched, big_app: tuple[Path, EventModel]
) -> None:
    assets, _ = big_app
    page = watched.page
    now = datetime(2026, 6, 10, 12, 10, tzinfo=timezone(timedelta(hours=2)))
    page.clock.install(time=now)
    open_app(page, assets, "#/schedule?day=2026-06-12")
    page.get_by_role("link", name="Now").click()
    focused = page.locator(".card-link:focus")
    expect(focused).to_be_visible()
    meta = focused.locator(".card-meta").first.inner_text()
    start, end = (datetime.strptime(f"2026-06-10 {t.strip()}", "%Y-%m-%d %I:%M %p")
                  for t in meta.split("·")[0].split("–"))
    assert start.time() <= now.time() < end.time()
    box = focused.bounding_box()
    chips = page.locator(".days").bounding_box()
    assert box is not None and chips is not None
    assert chips["y"] + chips["height"] <= box["y"] < 844
    expect(page.locator(".chip[aria-current=true]")).to_have_text("Wed, Jun 10")


def test_now_is_offered_only_on_the_days_of_the_event(
    watched: Watched, big_app: tuple[Path, EventModel]
) -> None:
    assets, _ = big_app
    page = watched.page
    page.clock.install(time=datetime(2026, 7, 1, 10, tzinfo=UTC))
    open_app(page, assets)
    expect(page.locator(".chip")).to_have_count(3)
    expect(page.get_by_role("link", name="Now")).to_have_count(0)


def test_filters_by_session_type_and_a_typed_room_among_many(
    watched: Watched, big_app: tuple[Path, EventModel]
) -> None:
    assets, model = big_app
    page = watched.page
    open_app(page, assets)
    drawn(page)
    first_day = [s for s in model.sessions if s.starts_at.startswith("2026-06-10")]
    page.locator("select[data-filter=type]").select_option("k1")
    drawn(page)
    expect(page.locator(".card")).to_have_count(
        sum(1 for s in first_day if s.session_type_id == "k1"))
    page.locator("select[data-filter=type]").select_option("")
    rooms = page.locator("input[data-filter=room-search]")
    expect(rooms).to_have_attribute("list", "room-options")
    assert page.locator("#room-options option").count() == 24
    rooms.fill("Hall 2, room 3")
    rooms.press("Enter")
    expect(page).to_have_url(re.compile(r"[?&]room=r6\b"))
    drawn(page)
    in_room = [s for s in first_day if s.room_id == "r6"]
    expect(page.locator(".card")).to_have_count(len(in_room))
    expect(page.locator(".card-meta").first).to_contain_text("Hall 2, room 3")
    expect(page.locator("input[data-filter=room-search]")).to_have_value("Hall 2, room 3")
    rooms = page.locator("input[data-filter=room-search]")
    rooms.fill("")
    rooms.press("Enter")
    drawn(page)
    expect(page.locator(".card")).to_have_count(len(first_day))


# ---------------------------------------------------------------- speakers, tabs


def test_speakers_are_searchable_and_sortable_by_name_or_organisation(
    watched: Watched, tmp_path: Path
) -> None:
    speakers = (Speaker("z", "Zoe Adams", organisation="Acme"),
                Speaker("b", "Bob Brown", organisation="Zeta Labs"),
                Speaker("a", "Ann Clark"))
    sessions = (Session("1", "Talk", at(9), at(10), speaker_ids=("z", "b", "a")),)
    write_webapp(EventModel(event=event(), speakers=speakers, sessions=sessions), tmp_path)
    page = watched.page
    open_app(page, tmp_path, "#/speakers")
    expect(page.locator(".row-title")).to_have_text(["Ann Clark", "Bob Brown", "Zoe Adams"])
    page.locator("select[data-sort=speakers]").select_option("organisation")
    expect(page.locator(".row-title")).to_have_text(["Zoe Adams", "Bob Brown", "Ann Clark"])
    search = page.get_by_role("searchbox", name="Search speakers by name or organisation")
    search.fill("zeta")
    expect(page.locator(".row-title:visible")).to_have_text(["Bob Brown"])
    page.reload()
    expect(page.get_by_role("searchbox")).to_have_value("zeta")
    expect(page.locator(".row-title:visible")).to_have_text(["Bob Brown"])
    search = page.get_by_role("searchbox")
    search.fill("nobody")
    expect(page.get_by_text("No speaker matches “nobody”.")).to_be_visible()


def test_tracks_and_sponsors_are_tabs_when_the_event_has_them(
    watched: Watched, tmp_path: Path
) -> None:
    model = EventModel(
        event=event(),
        tracks=(Track("t1", "Kernel", "#2e7d32"), Track("t2", "Web", "#c62828")),
        sessions=(Session("1", "Talk", at(9), at(10), track_id="t1"),
                  Session("2", "Page", at(10), at(11), track_id="t2")),
        sponsors=(Sponsor("s", "Acme", "https://acme.example", level=1),),
    )
    write_webapp(model, tmp_path)
    page = watched.page
    open_app(page, tmp_path)
    expect(page.locator(".tab:visible")).to_have_count(6)
    page.locator(".tab[data-tab=tracks]").click()
    expect(page.locator("#page-title")).to_have_text("Tracks")
    expect(page.locator("#back")).to_be_hidden()
    page.get_by_role("link", name="Kernel").click()
    expect(page.locator(".tab[data-tab=tracks]")).to_have_attribute("aria-current", "page")
    expect(page.locator(".card-title")).to_have_text(["Talk"])
    page.locator(".tab[data-tab=sponsors]").click()
    expect(page.locator(".sponsor")).to_have_text(["Acme"])


# ---------------------------------------------------------------- zones, colors, text


def test_times_switch_between_the_events_zone_and_the_devices(
    chromium_browser: Browser, tmp_path: Path
) -> None:
    sessions = (Session("1", "Keynote", at(9), at(10)),)
    write_webapp(EventModel(event=event(), sessions=sessions), tmp_path)
    with watched_page(chromium_browser, timezone_id="America/New_York") as watched:
        page = watched.page
        open_app(page, tmp_path)
        expect(page.locator(".zone-note")).to_have_text("Times in GMT+1")
        page.get_by_role("button", name="Show my time (GMT-4)").click()
        expect(page.locator("#main h3")).to_have_text(["4:00 AM"])
        expect(page.locator(".zone-note")).to_have_text("Times in GMT-4, your time")
        page.reload()
        expect(page.locator(".card-meta").first).to_have_text("4:00 AM – 5:00 AM")
        page.get_by_role("link", name="Keynote").click()
        expect(page.locator(".facts li").first).to_have_text(
            "Sat, Mar 14 · 4:00 AM – 5:00 AM GMT-4")
        page.go_back()
        page.get_by_role("button", name="Show event time (GMT+1)").click()
        expect(page.locator("#main h3")).to_have_text(["9:00 AM"])
        assert not watched.problems, watched.problems


def test_the_dark_scheme_follows_the_system(chromium_browser: Browser, tmp_path: Path) -> None:
    write_webapp(EventModel(event=event(), sessions=(Session("1", "Talk", at(9), at(10)),)),
                 tmp_path)
    colors = "() => [getComputedStyle(document.body).backgroundColor, " \
             "getComputedStyle(document.querySelector('.card')).backgroundColor]"
    with watched_page(chromium_browser, color_scheme="dark") as dark:
        open_app(dark.page, tmp_path)
        assert dark.page.evaluate(colors) == ["rgb(18, 19, 22)", "rgb(31, 33, 38)"]
    with watched_page(chromium_browser, color_scheme="light") as light:
        open_app(light.page, tmp_path)
        assert light.page.evaluate(colors) == ["rgb(243, 244, 246)", "rgb(255, 255, 255)"]


def test_text_follows_the_system_font_size_without_overflowing(
    watched: Watched, big_app: tuple[Path, EventModel]
) -> None:
    assets, _ = big_app
    page = watched.page
    for route in ("#/schedule", "#/session/10000", "#/speakers", "#/about"):
        open_app(page, assets, route)
        # The WebView scales the root font size with Android's font size setting.
        page.evaluate("document.documentElement.style.fontSize = '200%'")
        sizes = page.evaluate(
            """() => [getComputedStyle(document.body).fontSize,
                      getComputedStyle(document.querySelector('.tab-label')).fontSize]""")
        assert sizes == ["32px", "24px"]
        overflow = page.evaluate(
            "() => document.documentElement.scrollWidth - document.documentElement.clientWidth")
        assert overflow <= 0, route
