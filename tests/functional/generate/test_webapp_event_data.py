"""Real Open Event data in the web app, in headless Chromium opened from file:// (issue #13).

Markdown bios and abstracts rendered through a safe subset; mailto: links; entities decoded
once. The models are built here with ``EventModel`` directly.
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
