"""The generated web app in real headless Chromium, opened from file:// as the WebView does.

The models are built here with ``EventModel`` directly (the loader is tested on its own).
Screenshots of a phone-sized screen go to ``test-artifacts/webapp/`` for people to look at.
"""

from __future__ import annotations

import json
import re
import zipfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Browser, ConsoleMessage, Page, Request, ViewportSize, expect

from build_runner.generate.model import (
    AppConfig,
    Event,
    EventModel,
    Link,
    Room,
    Session,
    Speaker,
    Sponsor,
    Track,
)
from build_runner.generate.webapp import Theme, write_webapp

pytestmark = pytest.mark.browser

REPO = Path(__file__).parents[3]
SPARK_ZIP = REPO / ".." / "shared" / "samples" / "open-event" / "SparkSummit17.zip"
ARTIFACTS = REPO / "test-artifacts" / "webapp"
PHONE: ViewportSize = {"width": 390, "height": 844}
WAIT_MS = 10_000
CSP_INLINE_REPORTS = (
    "Executing inline event handler violates the following Content Security Policy",
    "Applying inline style violates the following Content Security Policy",
)

SCRIPT_TAG = "<script>window.__pwned=1</script>"
IMG_TAG = '<img src=x onerror="window.__pwned=1">'


def hostile_model() -> EventModel:
    """A small event whose texts try to run script in every way an export could."""
    return EventModel(
        event=Event(
            id="ev-1",
            name="FOSS Days 2026",
            starts_at="2026-03-14T09:00:00+01:00",
            ends_at="2026-03-15T18:00:00+01:00",
            timezone="Europe/Berlin",
            description=f"<p>Two days of <b>free software</b>.</p>{SCRIPT_TAG}{IMG_TAG}",
            location_name="Hall 7, Berlin",
            email="team@fossdays.example",
            links=(Link("Website", "https://fossdays.example"), Link("Bad", "javascript:alert(1)")),
        ),
        tracks=(Track("t1", "Kernel", "#2e7d32"), Track("t2", "Web", "#c62828")),
        rooms=(Room("r1", "Room A", floor=1), Room("r2", "Room B")),
        speakers=(
            Speaker(
                "s1", "Ada Lovelace", organisation="Analytical Engines", short_biography="Math."
            ),
            Speaker("s2", f"Mallory {IMG_TAG}"),
        ),
        sessions=(
            Session(
                "1",
                "Opening keynote",
                "2026-03-14T09:00:00+01:00",
                "2026-03-14T09:45:00+01:00",
                long_abstract=(
                    '<p>Welcome <a href="https://fossdays.example/map">map</a> '
                    '<a href="javascript:window.__pwned=1">click</a></p>' + SCRIPT_TAG + IMG_TAG
                ),
                track_id="t1",
                room_id="r1",
                speaker_ids=("s1",),
                slides_url="https://fossdays.example/slides.pdf",
            ),
            Session(
                "2",
                f"Hostile title {SCRIPT_TAG}",
                "2026-03-14T10:00:00+01:00",
                "2026-03-14T10:30:00+01:00",
                short_abstract=IMG_TAG,
                track_id="t2",
                room_id="r2",
                speaker_ids=("s2",),
            ),
            Session(
                "3",
                "Rust in the kernel",
                "2026-03-15T11:00:00+01:00",
                "2026-03-15T11:30:00+01:00",
                long_abstract="Ownership for drivers, in detail.",
                track_id="t1",
                room_id="r2",
                speaker_ids=("s1",),
            ),
        ),
        sponsors=(Sponsor("sp1", "Acme", "https://acme.example", level=1, type="Gold"),),
    )


def _id(value: Any) -> str:
    return "" if value is None else str(value)


def _asset(assets_dir: Path, url: str | None) -> str | None:
    """The image's path in the app, or None when the zip lacks it (as the loader does)."""
    path = url.lstrip("/") if url else None
    return path if path and (assets_dir / path).is_file() else None


def spark_model(assets_dir: Path) -> EventModel:
    """SparkSummit17 (dashed keys) as an ``EventModel``, its images copied into ``assets_dir``."""
    with zipfile.ZipFile(SPARK_ZIP) as archive:
        data = {
            name: json.loads(archive.read(name))
            for name in ("event", "tracks", "microlocations", "speakers", "sessions", "sponsors")
        }
        for member in archive.namelist():
            if member.startswith("images/") and not member.endswith("/"):
                target = assets_dir / member
                target.parent.mkdir(parents=True, exist_ok=True)
                target.write_bytes(archive.read(member))
    e = data["event"]
    return EventModel(
        event=Event(
            id=_id(e["id"]),
            name=e["name"],
            starts_at=e["starts-at"],
            ends_at=e["ends-at"],
            timezone=e["timezone"],
            description=e["description"],
            location_name=e["location-name"],
            logo=_asset(assets_dir, e["logo-url"]),
            organizer_name=e["organizer-name"],
            ticket_url=e["ticket-url"],
            links=tuple(Link(x["name"], x["link"]) for x in e["social-links"]),
        ),
        tracks=tuple(Track(_id(t["id"]), t["name"], t["color"]) for t in data["tracks"]),
        rooms=tuple(Room(_id(r["id"]), r["name"], r["floor"]) for r in data["microlocations"]),
        speakers=tuple(
            Speaker(
                _id(s["id"]),
                s["name"],
                organisation=s["organisation"] or "",
                position=s["position"] or "",
                short_biography=s["short-biography"] or "",
                photo=_asset(assets_dir, s["photo-url"]),
                website=s["website"] or "",
            )
            for s in data["speakers"]
        ),
        sessions=tuple(
            Session(
                _id(s["id"]),
                s["title"],
                s["starts-at"],
                s["ends-at"],
                short_abstract=s["short-abstract"] or "",
                long_abstract=s["long-abstract"] or "",
                track_id=_id(s["track"]["id"]),
                room_id=_id(s["microlocation"]["id"]),
                speaker_ids=tuple(_id(p["id"]) for p in s["speakers"]),
                level=s["level"] or "",
                language=s["language"] or "",
            )
            for s in data["sessions"]
        ),
        sponsors=tuple(
            Sponsor(
                _id(s["id"]),
                s["name"],
                s["url"],
                int(s["level"]),
                s["type"],
                logo=_asset(assets_dir, s["logo-url"]),
            )
            for s in data["sponsors"]
        ),
        config=AppConfig(app_name="Spark Summit 2017"),
    )


@pytest.fixture
def csp_reports() -> list[str]:
    """CSP reports of blocked inline handlers/styles seen by ``phone`` (see there)."""
    return []


@pytest.fixture
def phone(chromium_browser: Browser, csp_reports: list[str]) -> Iterator[Page]:
    """A phone-sized page; fails the test on a page error, a console error or a request for
    anything but a local file (the app runs offline).

    Parsing hostile rich text with DOMParser makes Chromium check its ``onerror=`` and
    ``style=`` attributes against the page's CSP and report them as blocked, although the inert
    document never runs them (the tests assert ``window.__pwned`` stays undefined). Those
    reports go to ``csp_reports``; tests on clean data assert that list is empty.
    """
    context = chromium_browser.new_context(
        viewport=PHONE, device_scale_factor=2, is_mobile=True, has_touch=True, locale="en-US"
    )
    page = context.new_page()
    problems: list[str] = []
    page.on("pageerror", lambda exc: problems.append(f"page error: {exc}"))

    def on_console(message: ConsoleMessage) -> None:
        if message.type != "error":
            return
        if message.text.startswith(CSP_INLINE_REPORTS):
            csp_reports.append(message.text)
        else:
            problems.append(f"console error: {message.text}")

    def on_request(request: Request) -> None:
        if not request.url.startswith(("file://", "data:")):
            problems.append(f"request off the device: {request.url}")

    page.on("console", on_console)
    page.on("request", on_request)
    try:
        yield page
    finally:
        context.close()
    assert not problems, problems


def open_app(page: Page, assets_dir: Path, route: str = "#/schedule") -> None:
    page.goto((assets_dir / "index.html").as_uri() + route)
    expect(page.locator("#main")).not_to_be_empty(timeout=WAIT_MS)


def pwned(page: Page) -> Any:
    return page.evaluate("typeof window.__pwned")


def test_shows_event_and_sessions_with_hostile_text_as_text(phone: Page, tmp_path: Path) -> None:
    write_webapp(hostile_model(), tmp_path)
    open_app(phone, tmp_path)
    expect(phone.locator("#page-title")).to_have_text("FOSS Days 2026")
    expect(phone.get_by_text("Opening keynote")).to_be_visible()
    expect(phone.get_by_text(f"Hostile title {SCRIPT_TAG}")).to_be_visible()
    expect(phone.get_by_text(f"Mallory {IMG_TAG}")).to_be_visible()
    assert phone.locator("#main script, #main img").count() == 0
    assert pwned(phone) == "undefined"


def test_schedule_days_and_times_use_the_event_timezone(phone: Page, tmp_path: Path) -> None:
    write_webapp(hostile_model(), tmp_path)
    open_app(phone, tmp_path)
    expect(phone.locator(".chip")).to_have_text(["Sat, Mar 14", "Sun, Mar 15"])
    expect(phone.locator("#main h3").first).to_have_text("9:00 AM")
    phone.get_by_role("link", name="Sun, Mar 15").click()
    expect(phone.get_by_text("Rust in the kernel")).to_be_visible()
    expect(phone.get_by_text("Opening keynote")).to_have_count(0)


def timed_model(timezone: str, starts_at: str, ends_at: str) -> EventModel:
    return EventModel(
        event=Event("tz", "Zones", starts_at, ends_at, timezone=timezone),
        sessions=(Session("1", "Late talk", starts_at, ends_at),),
    )


def test_converts_utc_times_to_the_event_timezone(phone: Page, tmp_path: Path) -> None:
    write_webapp(
        timed_model("Asia/Kolkata", "2026-03-14T20:00:00Z", "2026-03-14T20:30:00Z"), tmp_path
    )
    open_app(phone, tmp_path)
    expect(phone.locator(".chip")).to_have_text(["Sun, Mar 15"])
    expect(phone.locator(".card-meta").first).to_have_text("1:30 AM – 2:00 AM")


def test_falls_back_to_the_offset_in_the_time_for_an_unknown_timezone(
    phone: Page, tmp_path: Path
) -> None:
    model = timed_model("Not/AZone", "2026-03-14T23:30:00-05:00", "2026-03-15T00:15:00-05:00")
    write_webapp(model, tmp_path)
    open_app(phone, tmp_path)
    expect(phone.locator(".chip")).to_have_text(["Sat, Mar 14"])
    expect(phone.locator(".card-meta").first).to_have_text("11:30 PM – 12:15 AM")


def test_event_without_sessions_says_so(phone: Page, tmp_path: Path) -> None:
    write_webapp(
        EventModel(event=Event("e", "Soon", "2026-01-01T09:00:00Z", "2026-01-01T10:00:00Z")),
        tmp_path,
    )
    open_app(phone, tmp_path)
    expect(phone.get_by_text("No sessions have been published yet.")).to_be_visible()
    phone.locator(".tab[data-tab=speakers]").click()
    expect(phone.get_by_text("No speakers have been published yet.")).to_be_visible()


def test_unknown_session_link_shows_not_found(phone: Page, tmp_path: Path) -> None:
    write_webapp(hostile_model(), tmp_path)
    open_app(phone, tmp_path, "#/session/nope")
    expect(phone.get_by_text("This session is not in the event data.")).to_be_visible()


def test_filters_schedule_by_track_and_room(phone: Page, tmp_path: Path) -> None:
    write_webapp(hostile_model(), tmp_path)
    open_app(phone, tmp_path)
    phone.locator("select[data-filter=track]").select_option("t2")
    expect(phone.locator(".card-title")).to_have_text([f"Hostile title {SCRIPT_TAG}"])
    phone.locator("select[data-filter=track]").select_option("")
    phone.locator("select[data-filter=room]").select_option("r1")
    expect(phone.locator(".card-title")).to_have_text(["Opening keynote"])


def test_session_page_sanitizes_abstract_and_links_speakers(phone: Page, tmp_path: Path) -> None:
    write_webapp(hostile_model(), tmp_path)
    open_app(phone, tmp_path, "#/session/1")
    detail = phone.locator("section.detail")
    expect(detail.locator("h2")).to_have_text("Opening keynote")
    expect(detail.locator(".badge")).to_have_text("Kernel")
    expect(detail.locator(".rich a")).to_have_count(2)
    assert detail.locator(".rich a").nth(0).get_attribute("href") == "https://fossdays.example/map"
    assert detail.locator(".rich a").nth(1).get_attribute("href") is None
    assert detail.locator("script, img, [onerror]").count() == 0
    expect(detail.get_by_role("link", name="Slides")).to_have_attribute(
        "href", "https://fossdays.example/slides.pdf"
    )
    phone.get_by_role("link", name="Ada Lovelace").click()
    expect(phone).to_have_url((tmp_path / "index.html").as_uri() + "#/speaker/s1")
    expect(phone.locator("section.detail h2")).to_have_text("Ada Lovelace")
    expect(phone.locator(".avatar")).to_have_text("AL")
    expect(phone.locator(".card-title")).to_have_text(["Opening keynote", "Rust in the kernel"])
    phone.go_back()
    expect(phone.locator("section.detail h2")).to_have_text("Opening keynote")
    assert pwned(phone) == "undefined"


RICH_ABSTRACT = (
    '<div class="x" style="color:red"><h2 onclick="window.__pwned=1">Plan</h2>'
    "<ul><li><strong>one</strong></li><li><em>two</em><br></li></ul>"
    '<p>See <a href="https://example.org/a" onclick="x()" style="x">docs</a>, '
    '<a href="  JaVaScRiPt:window.__pwned=1">bad</a>, <a href="data:text/html,x">data</a>.</p>'
    '<iframe src="javascript:window.__pwned=1"></iframe><style>body{display:none}</style>'
    "<svg><script>window.__pwned=1</script></svg><table><tr><td>cell</td></tr></table></div>"
)


def test_rich_text_keeps_only_allowed_tags_and_http_links(phone: Page, tmp_path: Path) -> None:
    model = EventModel(
        event=Event("r", "Rich", "2026-01-01T09:00:00Z", "2026-01-01T10:00:00Z"),
        sessions=(
            Session(
                "1",
                "Rich",
                "2026-01-01T09:00:00Z",
                "2026-01-01T10:00:00Z",
                long_abstract=RICH_ABSTRACT,
            ),
        ),
    )
    write_webapp(model, tmp_path)
    open_app(phone, tmp_path, "#/session/1")
    rich = phone.locator(".rich")
    expect(rich).to_contain_text("Plan")
    elements = rich.evaluate(
        """box => Array.from(box.querySelectorAll('*')).map(e =>
            [e.localName, Array.from(e.attributes).map(a => a.name + '=' + a.value).sort()])"""
    )
    tags = {tag for tag, _ in elements}
    assert tags <= {"p", "br", "b", "i", "em", "strong", "ul", "ol", "li", "a"}, tags
    assert {"ul", "li", "strong", "em", "br", "a"} <= tags
    attributes = [attrs for tag, attrs in elements if attrs]
    assert attributes == [
        ["href=https://example.org/a", "rel=noopener noreferrer", "target=_blank"]
    ]
    expect(rich).to_contain_text("cell")
    expect(rich).not_to_contain_text("display:none")
    assert pwned(phone) == "undefined"


def test_starred_session_stays_starred_after_reload(phone: Page, tmp_path: Path) -> None:
    write_webapp(hostile_model(), tmp_path)
    open_app(phone, tmp_path)
    phone.get_by_role("button", name="Star Opening keynote").click()
    phone.reload()
    expect(phone.get_by_role("button", name="Star Opening keynote")).to_have_attribute(
        "aria-pressed", "true"
    )
    phone.locator(".tab[data-tab=starred]").click()
    expect(phone.locator(".card-title")).to_have_text(["Opening keynote"])
    stored = phone.evaluate("localStorage.getItem('apkgen.ev-1.starred')")
    assert json.loads(stored) == ["1"]


def test_search_finds_sessions_by_abstract_and_speaker_name(phone: Page, tmp_path: Path) -> None:
    write_webapp(hostile_model(), tmp_path)
    open_app(phone, tmp_path, "#/search")
    phone.get_by_role("searchbox").fill("ownership")
    expect(phone.locator(".card-title")).to_have_text(["Rust in the kernel"])
    phone.get_by_role("searchbox").fill("lovelace")
    expect(phone.locator(".row-title")).to_have_text(["Ada Lovelace"])
    expect(phone.locator(".card-title")).to_have_text(["Opening keynote", "Rust in the kernel"])
    phone.get_by_role("searchbox").press("Enter")
    expect(phone.locator(".row-title")).to_have_text(["Ada Lovelace"])
    phone.get_by_role("searchbox").fill("no such thing")
    expect(phone.get_by_text("Nothing matches")).to_be_visible()


def test_about_page_shows_details_and_only_safe_links(phone: Page, tmp_path: Path) -> None:
    write_webapp(hostile_model(), tmp_path)
    open_app(phone, tmp_path, "#/about")
    expect(phone.get_by_text("Hall 7, Berlin")).to_be_visible()
    expect(phone.get_by_role("link", name="team@fossdays.example")).to_have_attribute(
        "href", "mailto:team@fossdays.example"
    )
    expect(phone.get_by_role("link", name="Website")).to_be_visible()
    expect(phone.get_by_role("link", name="Bad")).to_have_count(0)
    expect(phone.locator("#main .rows")).not_to_contain_text("Sponsors")  # they have a tab
    phone.locator(".tab[data-tab=sponsors]").click()
    expect(phone.locator("#main h3")).to_have_text(["Gold"])
    assert pwned(phone) == "undefined"


def test_tracks_and_rooms_list_their_sessions(phone: Page, tmp_path: Path) -> None:
    write_webapp(hostile_model(), tmp_path)
    open_app(phone, tmp_path, "#/about")
    phone.get_by_role("link", name="Tracks").click()
    expect(phone.locator(".row-sub")).to_have_text(["2 sessions", "1 session"])
    phone.get_by_role("link", name=re.compile("Kernel")).click()
    expect(phone.locator(".card-title")).to_have_text(["Opening keynote", "Rust in the kernel"])
    open_app(phone, tmp_path, "#/rooms")
    expect(phone.locator(".row-sub")).to_have_text(["Floor 1 · 1 session", "2 sessions"])
    phone.get_by_role("link", name=re.compile("Room B")).click()
    expect(phone.locator("#page-title")).to_have_text("Room B")
    expect(phone.locator(".card-title")).to_have_text(
        [f"Hostile title {SCRIPT_TAG}", "Rust in the kernel"]
    )


def test_theme_colors_reach_the_page(phone: Page, tmp_path: Path, csp_reports: list[str]) -> None:
    write_webapp(hostile_model(), tmp_path, Theme(primary_color="#6a1b9a", accent_color="#ffca28"))
    open_app(phone, tmp_path)
    bar = phone.evaluate("getComputedStyle(document.querySelector('.appbar')).backgroundColor")
    assert bar == "rgb(106, 27, 154)"
    assert csp_reports == []


@pytest.mark.skipif(not SPARK_ZIP.exists(), reason=f"sample {SPARK_ZIP} is missing")
def test_spark_summit_screens_on_a_phone(
    phone: Page, tmp_path: Path, csp_reports: list[str]
) -> None:
    model = spark_model(tmp_path)
    write_webapp(model, tmp_path)
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    open_app(phone, tmp_path)
    expect(phone.locator(".chip")).to_have_text(["Mon, Jun 5", "Tue, Jun 6", "Wed, Jun 7"])
    expect(phone.locator(".card").first).to_be_visible()
    phone.screenshot(path=str(ARTIFACTS / "spark-schedule.png"))
    phone.get_by_role("link", name="Tue, Jun 6").click()
    phone.get_by_role("link", name=re.compile("Scaling Genetic Data Analysis")).click()
    expect(phone.locator("section.detail h2")).to_have_text(
        "Scaling Genetic Data Analysis with Apache Spark"
    )
    expect(phone.locator("section.detail .rich")).to_contain_text("Hail project")
    phone.locator(".star-wide").click()
    expect(phone.locator(".star-wide")).to_have_text("★ In my schedule")
    phone.screenshot(path=str(ARTIFACTS / "spark-session.png"))
    phone.get_by_role("link", name=re.compile("Jonathan Bloom")).click()
    # His photo in the sample is a "404: Not Found" text file: initials take its place.
    expect(phone.locator("span.avatar-large")).to_have_text("JB")
    open_app(phone, tmp_path, "#/speakers")
    phone.get_by_role("link", name=re.compile("Gwen Shapira")).click()
    expect(phone.locator("img.avatar-large")).to_be_visible()
    phone.wait_for_function(
        "document.querySelector('img.avatar-large').naturalWidth > 0", timeout=WAIT_MS
    )
    phone.screenshot(path=str(ARTIFACTS / "spark-speaker.png"))
    open_app(phone, tmp_path, "#/about")
    expect(phone.locator("img.logo")).to_be_visible()
    phone.screenshot(path=str(ARTIFACTS / "spark-about.png"))
    open_app(phone, tmp_path, "#/sponsors")
    phone.screenshot(path=str(ARTIFACTS / "spark-sponsors.png"))
    assert csp_reports == []
