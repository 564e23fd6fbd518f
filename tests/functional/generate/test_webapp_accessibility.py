"""Every screen of the shared Open Event samples' apps passes axe-core with no serious or
critical violation, in the light and the dark scheme, in headless Chromium.

The apps are built as the generator builds them (``load_event`` then ``write_webapp``). axe-core
comes from npm (see ``webapp_harness.AXE_INSTALL``); a missing axe fails the test, saying how to
install it. The live parts (status line, change marks, a cancelled session) are checked on an
app refreshed from a loopback API, as the Android shell shows them.
"""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, expect

from build_runner.generate.model import EventModel
from build_runner.generate.source import load_event
from build_runner.generate.webapp import Theme, write_webapp
from build_runner.logs import BuildLog
from tests.functional.generate.eventyay_fake import sample_event
from tests.functional.generate.webapp_harness import (
    SHELL_USER_AGENT,
    WAIT_MS,
    axe_source,
    live_api,
    load_from_api,
    open_app,
    serious_violations,
    watched_page,
)
from tests.list_sink import ListSink
from tests.open_event_samples import SAMPLE_ZIPS

pytestmark = pytest.mark.browser


def screens(model: EventModel) -> list[str]:
    """A route for every kind of screen the event has."""
    routes = ["#/schedule", "#/starred", "#/speakers", "#/tracks", "#/rooms", "#/sponsors",
              "#/about", "#/search?q=a", "#/search", "#/session/nope"]
    for kind, items in (("session", model.sessions), ("speaker", model.speakers),
                        ("track", model.tracks), ("room", model.rooms)):
        if items:
            routes.append(f"#/{kind}/{items[0].id}")
    return routes


def check(page: Page, assets: Path, routes: list[str], source: str) -> list[str]:
    found: list[str] = []
    for scheme in ("light", "dark"):
        page.emulate_media(color_scheme=scheme)
        for route in routes:
            open_app(page, assets, route)
            expect(page.locator("#main")).not_to_have_attribute("aria-busy", "true")
            found += [f"{route} ({scheme}): {v}" for v in serious_violations(page, source)]
    return found


def star_the_first(page: Page, count: int) -> None:
    """Stars the schedule's first sessions (overlapping ones make My schedule show conflicts)."""
    stars = page.locator(".card .star")
    for i in range(min(count, stars.count())):
        stars.nth(i).click()


@pytest.mark.parametrize("sample", SAMPLE_ZIPS, ids=[p.stem for p in SAMPLE_ZIPS])
def test_every_screen_of_a_sample_app_has_no_serious_axe_violation(
    chromium_browser: Browser, tmp_path: Path, sample: Path
) -> None:
    source = axe_source()
    loaded = load_event(sample, tmp_path / "work", tmp_path / "assets", BuildLog(ListSink()))
    write_webapp(loaded.model, tmp_path / "assets")
    with watched_page(chromium_browser) as watched:
        page = watched.page
        open_app(page, tmp_path / "assets")
        star_the_first(page, 4)
        violations = check(page, tmp_path / "assets", screens(loaded.model), source)
        assert not watched.problems, watched.problems
    assert violations == []


def test_the_live_screens_have_no_serious_axe_violation(
    chromium_browser: Browser, tmp_path: Path
) -> None:
    source = axe_source()
    with live_api(sample_event(12)) as api:
        model = load_from_api(api, tmp_path).model
        model = dataclasses.replace(model, config=dataclasses.replace(model.config,
                                                                      api_link=api.base))
        write_webapp(model, tmp_path / "assets")
        sessions = api.event.lists["sessions"]
        sessions[0].attributes["starts-at"] = "2024-06-01T02:00:00+00:00"
        sessions[0].attributes["ends-at"] = "2024-06-01T02:25:00+00:00"
        sessions.remove(next(s for s in sessions if s.id == "1005"))
        with watched_page(chromium_browser, user_agent=SHELL_USER_AGENT) as watched:
            page = watched.page
            open_app(page, tmp_path / "assets")
            expect(page.locator(".changes")).to_be_visible(timeout=WAIT_MS)
            star_the_first(page, 3)
            routes = ["#/schedule", "#/starred", "#/session/1000", "#/session/1005", "#/about"]
            violations = check(page, tmp_path / "assets", routes, source)
            api.stop()
            page.reload()
            expect(page.locator("#status")).to_contain_text("Could not update", timeout=WAIT_MS)
            violations += [f"offline: {v}" for v in serious_violations(page, source)]
            assert not [p for p in watched.problems if "Failed to load resource" not in p]
    assert violations == []


@pytest.mark.parametrize(("primary", "accent"), [("#ffeb3b", "#00e5ff"), ("#212121", "#ffca28"),
                                                 ("#1e88e5", "#ff7043")])
def test_any_theme_keeps_the_screens_readable(
    chromium_browser: Browser, tmp_path: Path, primary: str, accent: str
) -> None:
    source = axe_source()
    sample = next((p for p in SAMPLE_ZIPS if p.stem == "SparkSummit17"), None)
    if sample is None:
        pytest.fail(f"SparkSummit17.zip is missing among the shared samples: {SAMPLE_ZIPS}")
    loaded = load_event(sample, tmp_path / "work", tmp_path / "assets", BuildLog(ListSink()))
    write_webapp(loaded.model, tmp_path / "assets", Theme(primary, accent))
    with watched_page(chromium_browser) as watched:
        page = watched.page
        open_app(page, tmp_path / "assets")
        star_the_first(page, 2)
        routes = ["#/schedule", "#/starred", f"#/session/{loaded.model.sessions[0].id}",
                  "#/speakers", "#/about"]
        violations = check(page, tmp_path / "assets", routes, source)
    assert violations == []


def test_axe_reports_what_it_should(chromium_browser: Browser, tmp_path: Path) -> None:
    """The check itself works: a picture without a text alternative is a critical violation."""
    source = axe_source()
    sample = SAMPLE_ZIPS[0]
    loaded = load_event(sample, tmp_path / "work", tmp_path / "assets", BuildLog(ListSink()))
    write_webapp(loaded.model, tmp_path / "assets")
    with watched_page(chromium_browser) as watched:
        open_app(watched.page, tmp_path / "assets", "#/about")
        watched.page.evaluate(
            "() => document.getElementById('main').appendChild(document.createElement('img'))")
        assert any(" image-alt " in v for v in serious_violations(watched.page, source))
