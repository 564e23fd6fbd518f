"""Real Open Event data in the web app, in headless Chromium opened from file:// (issue #13).

Sponsors by level and type, one tap from the tabs; times with their zone label ("GMT+8"),
right across a DST change; sessions without an end and midnight placeholders; room floors;
Markdown bios and abstracts rendered through a safe subset; mailto: links; entities decoded
once. The models are built with ``EventModel``.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Browser, ConsoleMessage, Page, Request, expect

from build_runner.generate.model import (
    Event,
    EventModel,
    Link,
    Room,
    Session,
    Speaker,
    Sponsor,
    Track,
)
from build_runner.generate.webapp import write_webapp

pytestmark = pytest.mark.browser

WAIT_MS = 10_000
BERLIN = "Europe/Berlin"


@pytest.fixture
def phone(chromium_browser: Browser) -> Iterator[Page]:
    """A phone-sized page that fails the test on any page error, console error (a CSP report
    included: Markdown is never parsed as HTML) or request for anything but a local file."""
    context = chromium_browser.new_context(
        viewport={"width": 390, "height": 844}, is_mobile=True, has_touch=True, locale="en-US"
    )
    page = context.new_page()
    problems: list[str] = []
    page.on("pageerror", lambda exc: problems.append(f"page error: {exc}"))

    def on_console(message: ConsoleMessage) -> None:
        if message.type == "error":
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


def event(timezone: str = BERLIN, **fields: Any) -> Event:
    return Event(
        "ev",
        "Data Days",
        "2026-03-28T09:00:00+01:00",
        "2026-03-29T18:00:00+02:00",
        timezone=timezone,
        **fields,
    )


def app(tmp_path: Path, **parts: Any) -> Path:
    """Writes the web app of an event made of ``parts`` (EventModel fields) into tmp_path."""
    parts.setdefault("event", event())
    write_webapp(EventModel(**parts), tmp_path)
    return tmp_path


# ---------------------------------------------------------------- sponsors


def sponsor(sid: str, name: str, level: int, type_: str = "") -> Sponsor:
    return Sponsor(sid, name, f"https://{sid}.example", level=level, type=type_)


# As Droidcon17 has them: the largest level is the highest; a level can hold two types.
DROIDCON_SPONSORS = (
    sponsor("b1", "Zeta Bronze", 1, "Bronze sponsors"),
    sponsor("g1", "Gamma", 3, "Gold sponsors"),
    sponsor("s1", "Sigma", 2, "Silver sponsors"),
    sponsor("p1", "Pi", 4, "Platinum Sponsor"),
    sponsor("s2", "Alpha Silver", 1, "Silver sponsors"),
    sponsor("b2", "Beta Bronze", 1, "Bronze sponsors"),
    sponsor("g2", "Delta", 3, "Gold Sponser"),
)


def test_sponsors_are_one_tap_from_the_tabs_when_the_event_has_any(
    phone: Page, tmp_path: Path
) -> None:
    open_app(phone, app(tmp_path / "with", sponsors=DROIDCON_SPONSORS))
    phone.locator(".tab[data-tab=sponsors]").click()
    expect(phone.locator("#page-title")).to_have_text("Sponsors")
    expect(phone.locator(".tab[data-tab=sponsors]")).to_have_attribute("aria-current", "page")
    expect(phone.locator("#back")).to_be_hidden()
    open_app(phone, app(tmp_path / "without"))
    expect(phone.locator(".tab[data-tab=sponsors]")).to_be_hidden()
    expect(phone.locator(".tab:visible")).to_have_count(4)


def test_sponsors_are_grouped_by_type_with_the_highest_level_first(
    phone: Page, tmp_path: Path
) -> None:
    open_app(phone, app(tmp_path, sponsors=DROIDCON_SPONSORS), "#/sponsors")
    # "Gold Sponser" is the same tier as "Gold sponsors"; Silver sits at its highest level.
    expect(phone.locator("#main h3")).to_have_text(
        ["Platinum Sponsor", "Gold sponsors", "Silver sponsors", "Bronze sponsors"]
    )
    expect(phone.locator(".sponsor")).to_have_text(
        ["Pi", "Delta", "Gamma", "Sigma", "Alpha Silver", "Beta Bronze", "Zeta Bronze"]
    )
    expect(phone.get_by_role("link", name="Pi")).to_have_attribute("href", "https://p1.example/")


def test_sponsors_without_a_type_are_grouped_by_level_under_one_plain_heading(
    phone: Page, tmp_path: Path
) -> None:
    sponsors = (
        sponsor("a", "Low", 1),
        sponsor("b", "High", 5),
        sponsor("c", "Gold one", 3, "Gold"),
    )
    open_app(phone, app(tmp_path / "mixed", sponsors=sponsors), "#/sponsors")
    expect(phone.locator("#main h3")).to_have_text(["Other sponsors", "Gold", "Other sponsors"])
    expect(phone.locator(".sponsor")).to_have_text(["High", "Gold one", "Low"])
    untyped = (sponsor("a", "Low", 1), sponsor("b", "High", 5), sponsor("c", "Mid", 5))
    open_app(phone, app(tmp_path / "untyped", sponsors=untyped), "#/sponsors")
    expect(phone.locator("#main h3")).to_have_text(["Sponsors"])
    expect(phone.locator(".sponsors")).to_have_count(2)
    expect(phone.locator(".sponsor")).to_have_text(["High", "Mid", "Low"])


def test_search_opens_from_the_app_bar_and_goes_back(phone: Page, tmp_path: Path) -> None:
    sessions = (Session("1", "Opening", "2026-03-28T09:00:00+01:00", "2026-03-28T10:00:00+01:00"),)
    open_app(phone, app(tmp_path, sessions=sessions))
    phone.get_by_role("link", name="Search").click()
    expect(phone.get_by_role("searchbox")).to_be_focused()
    expect(phone.get_by_role("link", name="Search")).to_be_hidden()
    phone.get_by_role("searchbox").fill("open")
    expect(phone.locator(".card-title")).to_have_text(["Opening"])
    phone.locator("#back").click()
    expect(phone.locator("#page-title")).to_have_text("Data Days")


# ---------------------------------------------------------------- times


@pytest.mark.parametrize(
    ("timezone", "offset", "label"),
    [
        ("Asia/Singapore", "+08:00", "GMT+8"),
        ("America/Los_Angeles", "-07:00", "GMT-7"),
        ("Asia/Kolkata", "+05:30", "GMT+5:30"),
        ("UTC", "+00:00", "GMT"),
        ("Not/AZone", "-03:00", "GMT-3"),  # a zone the WebView lacks: the offset tells
    ],
)
def test_times_carry_the_zone_label_of_their_offset(
    phone: Page, tmp_path: Path, timezone: str, offset: str, label: str
) -> None:
    talk = Session("1", "Talk", f"2026-06-10T09:00:00{offset}", f"2026-06-10T09:30:00{offset}")
    open_app(phone, app(tmp_path, event=event(timezone), sessions=(talk,)))
    expect(phone.locator(".zone-note")).to_have_text(f"Times in {label}")
    expect(phone.locator("#main h3")).to_have_text(["9:00 AM"])
    expect(phone.locator(".card-meta").first).to_have_text("9:00 AM – 9:30 AM")
    phone.get_by_role("link", name="Talk").click()
    expect(phone.locator(".facts li").first).to_have_text(
        f"Wed, Jun 10 · 9:00 AM – 9:30 AM {label}"
    )


# Europe/Berlin moves from GMT+1 to GMT+2 at 2:00 on Sunday 29 March 2026.
DST_SESSIONS = (
    Session(
        "sat",
        "Saturday talk",
        "2026-03-28T09:00:00+01:00",
        "2026-03-28T09:45:00+01:00",
        speaker_ids=("s1",),
    ),
    Session(
        "night",
        "Night hack",
        "2026-03-29T01:30:00+01:00",
        "2026-03-29T03:30:00+02:00",
        speaker_ids=("s1",),
    ),
    Session(
        "sun",
        "Sunday talk",
        "2026-03-29T09:00:00+02:00",
        "2026-03-29T10:00:00+02:00",
        speaker_ids=("s1",),
    ),
)


def test_zone_labels_follow_a_dst_change_within_a_day(phone: Page, tmp_path: Path) -> None:
    assets = app(tmp_path, sessions=DST_SESSIONS, speakers=(Speaker("s1", "Ada"),))
    open_app(phone, assets, "#/schedule?day=2026-03-29")
    expect(phone.locator(".zone-note")).to_have_count(0)
    expect(phone.locator("#main h3")).to_have_text(["1:30 AM GMT+1", "9:00 AM GMT+2"])
    expect(phone.locator(".card-meta").first).to_have_text("1:30 AM GMT+1 – 3:30 AM GMT+2")
    open_app(phone, assets, "#/speaker/s1")
    expect(phone.locator("#main h3")).to_have_text(
        ["Sessions", "Sat, Mar 28 · GMT+1", "Sun, Mar 29"]
    )
    expect(phone.locator(".card-meta")).to_have_text(
        ["9:00 AM – 9:45 AM", "1:30 AM GMT+1 – 3:30 AM GMT+2", "9:00 AM – 10:00 AM GMT+2"]
    )


def test_a_session_without_an_end_shows_its_start_only(phone: Page, tmp_path: Path) -> None:
    sessions = (
        Session("late", "Later talk", "2026-03-28T11:30:00+01:00", "2026-03-28T12:00:00+01:00"),
        Session("open", "Open end", "2026-03-28T11:00:00+01:00", "", room_id="r2"),
        Session("first", "First talk", "2026-03-28T09:00:00+01:00", "2026-03-28T09:30:00+01:00"),
    )
    assets = app(tmp_path, sessions=sessions, rooms=(Room("r2", "Room 2"),))
    open_app(phone, assets)
    expect(phone.locator(".card-title")).to_have_text(["First talk", "Open end", "Later talk"])
    expect(phone.locator(".card-meta").nth(1)).to_have_text("11:00 AM · Room 2")
    phone.get_by_role("button", name="Star Open end").click()
    phone.locator(".tab[data-tab=starred]").click()
    expect(phone.locator("#main h3")).to_have_text(["Sat, Mar 28 · GMT+1"])
    expect(phone.locator(".card-meta").first).to_have_text("11:00 AM · Room 2")
    phone.get_by_role("link", name="Open end").click()
    expect(phone.locator(".facts li").first).to_have_text("Sat, Mar 28 · 11:00 AM GMT+1")
    open_app(phone, assets, "#/search?q=open")
    expect(phone.locator(".card-title")).to_have_text(["Open end"])


def test_midnight_placeholders_are_listed_last_as_time_to_be_announced(
    phone: Page, tmp_path: Path
) -> None:
    midnight = "2026-03-28T00:00:00+01:00"
    sessions = (
        Session("tba", "Lightning talks", midnight, midnight, room_id="hall"),
        Session("talk", "Keynote", "2026-03-28T09:00:00+01:00", "2026-03-28T10:00:00+01:00"),
        Session("noon", "Lunch", "2026-03-28T12:00:00+01:00", "2026-03-28T12:00:00+01:00"),
    )
    assets = app(tmp_path, sessions=sessions, rooms=(Room("hall", "Main hall"),))
    open_app(phone, assets)
    expect(phone.locator("#main h3")).to_have_text(["9:00 AM", "12:00 PM", "Time to be announced"])
    expect(phone.locator(".card-title")).to_have_text(["Keynote", "Lunch", "Lightning talks"])
    expect(phone.locator(".card-meta")).to_have_text(
        ["9:00 AM – 10:00 AM", "12:00 PM", "Main hall"]
    )
    phone.get_by_role("link", name="Lightning talks").click()
    expect(phone.locator(".facts li").first).to_have_text("Sat, Mar 28 · Time to be announced")


# ---------------------------------------------------------------- rooms


def test_a_rooms_floor_is_shown_when_known_and_0_is_the_ground_floor(
    phone: Page, tmp_path: Path
) -> None:
    rooms = (Room("g", "Hall", floor=0), Room("u", "Lab", floor=2), Room("n", "Annex"))
    sessions = tuple(
        Session(
            r.id,
            f"Talk in {r.name}",
            "2026-03-28T09:00:00+01:00",
            "2026-03-28T10:00:00+01:00",
            room_id=r.id,
        )
        for r in rooms
    )
    assets = app(tmp_path, rooms=rooms, sessions=sessions)
    open_app(phone, assets, "#/session/g")
    expect(phone.locator(".facts li").nth(1)).to_have_text("Hall · Ground floor")
    open_app(phone, assets, "#/session/n")
    expect(phone.locator(".facts li").nth(1)).to_have_text("Annex")
    open_app(phone, assets, "#/rooms")
    expect(phone.locator(".row-sub")).to_have_text(
        ["Ground floor · 1 session", "Floor 2 · 1 session", "1 session"]
    )
    open_app(phone, assets, "#/room/u")
    expect(phone.locator(".page-note")).to_have_text("Floor 2")


# ---------------------------------------------------------------- rich text

# The rendered rich text, serialized with only the attributes that carry meaning.
SERIALIZE = """text => {
  const box = EventApp.safe.richText(text);
  const keep = ['href', 'start'];
  const ser = n => n.nodeType === 3 ? n.nodeValue : '<' + n.localName +
    Array.from(n.attributes).filter(a => keep.includes(a.name))
      .map(a => ' ' + a.name + '="' + a.value + '"').join('') + '>' +
    Array.from(n.childNodes).map(ser).join('') +
    (n.localName === 'br' ? '' : '</' + n.localName + '>');
  return box ? Array.from(box.childNodes).map(ser).join('') : null;
}"""


@pytest.fixture(scope="module")
def blank_app(tmp_path_factory: pytest.TempPathFactory) -> Path:
    assets = tmp_path_factory.mktemp("blank")
    write_webapp(EventModel(event=event()), assets)
    return assets


def mismatches(page: Page, assets: Path, cases: list[tuple[str, str]]) -> dict[str, Any]:
    """The cases whose rich text does not render as expected: {text: (got, expected)}."""
    open_app(page, assets, "#/about")
    rendered = page.evaluate(f"texts => texts.map({SERIALIZE})", [text for text, _ in cases])
    pairs = zip(cases, rendered, strict=True)
    return {text: (got, want) for (text, want), got in pairs if got != want}


MARKDOWN_CASES = [
    (
        "**bold**, *em*, __strong__, _it_ and `x < y`",
        "<p><strong>bold</strong>, <em>em</em>, <strong>strong</strong>, <em>it</em> and "
        "<code>x < y</code></p>",
    ),
    ("one\ntwo\n\nthree", "<p>one<br>two</p><p>three</p>"),
    (
        "Likes:\n- tea\n* cake\n  with cream",
        "<p>Likes:</p><ul><li>tea</li><li>cake<br>with cream</li></ul>",
    ),
    ("1. first\n2. second", "<ol><li>first</li><li>second</li></ol>"),
    ("3. third\n4. fourth", '<ol start="3"><li>third</li><li>fourth</li></ol>'),
    ("## About me\nHi", "<p><strong>About me</strong></p><p>Hi</p>"),
    (
        "[Tony Ojeda](https://www.linkedin.com/in/tonyojeda) is",
        '<p><a href="https://www.linkedin.com/in/tonyojeda">Tony Ojeda</a> is</p>',
    ),
    ("[q](https://x.example/?a=1&amp;b=2)", '<p><a href="https://x.example/?a=1&b=2">q</a></p>'),
    (
        "blog: [zepworks.com](http://zepworks.com).",
        '<p>blog: <a href="http://zepworks.com/">zepworks.com</a>.</p>',
    ),
    (
        "see https://example.org/a_b. or <https://x.example>",
        '<p>see <a href="https://example.org/a_b">https://example.org/a_b</a>. or '
        '<a href="https://x.example/">https://x.example</a></p>',
    ),
    (
        "mail [me](mailto:me@example.org) or <mailto:us@example.org>",
        '<p>mail <a href="mailto:me@example.org">me</a> or '
        '<a href="mailto:us@example.org">us@example.org</a></p>',
    ),
    ("reach sep_at_zepworks_dot_com, 2*3*4", "<p>reach sep_at_zepworks_dot_com, 2<em>3</em>4</p>"),
    ("\\*not em\\* in\n2017. was a year", "<p>*not em* in<br>2017. was a year</p>"),
    ("Vol 1 &amp; 2, &amp;amp; &lt;b&gt; &#169;", "<p>Vol 1 & 2, &amp; <b> ©</p>"),
]

HOSTILE_CASES = [
    ("[x](javascript:alert(1))", "<p>x</p>"),
    ("[x]( JaVaScRiPt:window.__pwned=1 )", "<p>x</p>"),
    (
        "[x](data:text/html,<script>window.__pwned=1</script>)",
        "<p>[x](data:text/html,<script>window.__pwned=1</script>)</p>",
    ),
    (
        "**[x](vbscript:y)** <javascript:window.__pwned=1>",
        "<p><strong>x</strong> <javascript:window.__pwned=1></p>",
    ),
    (
        "<img src=x onerror=window.__pwned=1> **b**",
        "<p><img src=x onerror=window.__pwned=1> <strong>b</strong></p>",
    ),
    ("- <script>window.__pwned=1</script>", "<ul><li><script>window.__pwned=1</script></li></ul>"),
    (
        "[a [b](https://in.example)](https://out.example)",
        '<p><a href="https://out.example/">a [b](https://in.example)</a></p>',
    ),
    (
        "[![i](https://i.example/x.png)](https://o.example)",
        '<p><a href="https://o.example/">![i](https://i.example/x.png)</a></p>',
    ),
]


def test_markdown_is_rendered_as_a_safe_subset(phone: Page, blank_app: Path) -> None:
    assert mismatches(phone, blank_app, MARKDOWN_CASES) == {}


def test_hostile_markdown_stays_text_and_links_only_to_safe_urls(
    phone: Page, blank_app: Path
) -> None:
    assert mismatches(phone, blank_app, HOSTILE_CASES) == {}
    attributes = phone.evaluate(
        """texts => texts.flatMap(text =>
            Array.from(EventApp.safe.richText(text).querySelectorAll('*')).flatMap(e =>
              Array.from(e.attributes).map(a => a.name + '=' + a.value)))""",
        [text for text, _ in HOSTILE_CASES],
    )
    for attribute in attributes:
        name, _, value = attribute.partition("=")
        assert name in {"href", "target", "rel", "start"}, attribute
        if name == "href":
            assert value.startswith(("https:", "http:", "mailto:")), attribute
    assert phone.evaluate("typeof window.__pwned") == "undefined"


def test_long_markdown_renders_without_stalling(phone: Page, blank_app: Path) -> None:
    # Lines just under the length beyond which a line is shown as plain text.
    text = ("**a " * 4900 + "\n") * 3 + "_b " * 6500 + "\n" + "[c](" * 4900 + "\n" + "`" * 19000
    open_app(phone, blank_app, "#/about")
    took = phone.evaluate(
        """text => {
            const start = performance.now();
            EventApp.safe.richText(text);
            return performance.now() - start;
        }""",
        text,
    )
    assert took < 2000, f"{took:.0f} ms"


def test_html_rich_text_keeps_mailto_links_without_a_new_window(
    phone: Page, blank_app: Path
) -> None:
    html = '<p><a href="mailto:a@example.org">mail</a> <a href="ftp://x.example">ftp</a></p>'
    expected = '<p><a href="mailto:a@example.org">mail</a> <a>ftp</a></p>'
    assert mismatches(phone, blank_app, [(html, expected)]) == {}
    target = phone.evaluate(
        "t => EventApp.safe.richText(t).querySelector('a').getAttribute('target')", html
    )
    assert target is None


# ---------------------------------------------------------------- whole pages


def test_speaker_page_shows_a_markdown_bio_and_a_mailto_website(
    phone: Page, tmp_path: Path
) -> None:
    bio = (
        "**Tony** founded [District Data Labs](https://www.districtdatalabs.com).\n\n"
        "Talks:\n- Text analytics\n- Data products"
    )
    speakers = (Speaker("s1", "Tony Ojeda", long_biography=bio, website="mailto:tony@example.org"),)
    open_app(phone, app(tmp_path, speakers=speakers), "#/speaker/s1")
    rich = phone.locator("section.detail .rich")
    expect(rich.locator("strong")).to_have_text("Tony")
    expect(rich.get_by_role("link", name="District Data Labs")).to_have_attribute(
        "href", "https://www.districtdatalabs.com/"
    )
    expect(rich.locator("li")).to_have_text(["Text analytics", "Data products"])
    expect(phone.get_by_role("link", name="Email")).to_have_attribute(
        "href", "mailto:tony@example.org"
    )


def test_mailto_links_of_the_model_are_links(phone: Page, tmp_path: Path) -> None:
    sessions = (
        Session(
            "1",
            "Workshop",
            "2026-03-28T09:00:00+01:00",
            "2026-03-28T10:00:00+01:00",
            signup_url="mailto:signup@example.org",
            video_url="javascript:alert(1)",
        ),
    )
    links = (Link("Write to us", "mailto:team@example.org"), Link("Bad", "mailto:"))
    assets = app(tmp_path, event=event(links=links), sessions=sessions)
    open_app(phone, assets, "#/about")
    expect(phone.get_by_role("link", name="Write to us")).to_have_attribute(
        "href", "mailto:team@example.org"
    )
    expect(phone.get_by_role("link", name="Bad")).to_have_count(0)
    open_app(phone, assets, "#/session/1")
    expect(phone.get_by_role("link", name="Sign up")).to_have_attribute(
        "href", "mailto:signup@example.org"
    )
    expect(phone.get_by_role("link", name="Video")).to_have_count(0)


def test_decoded_entities_in_plain_fields_show_literally(phone: Page, tmp_path: Path) -> None:
    sessions = (
        Session(
            "1",
            "Fish & Chips <b>not bold</b> &amp;",
            "2026-03-28T09:00:00+01:00",
            "2026-03-28T10:00:00+01:00",
            track_id="t1",
        ),
    )
    tracks = (Track("t1", "Q&A"),)
    open_app(phone, app(tmp_path, sessions=sessions, tracks=tracks))
    expect(phone.locator(".card-title")).to_have_text("Fish & Chips <b>not bold</b> &amp;")
    expect(phone.locator(".card-meta").nth(1)).to_have_text("Q&A")
    assert phone.locator(".card b").count() == 0
