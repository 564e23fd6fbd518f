"""What the web app's browser tests share: a phone-sized page that records every request and
problem, the app opened from file:// as the WebView does, a loopback eventyay API the app may
fetch from, axe-core, and the shared Open Event samples' apps.

The API is :class:`~tests.functional.generate.eventyay_fake.FakeEventyay` (the server's
documents, pages and errors as open-event-server writes them) behind a handler that adds the
``Access-Control-Allow-Origin: *`` header the real API sends (flask-cors), which a page loaded
from ``file://`` needs to read an answer.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Browser, BrowserContext, ConsoleMessage, Page, Request, expect

from build_runner.generate.limits import Limits
from build_runner.generate.source import LoadedEvent, load_event
from build_runner.logs import BuildLog
from tests.functional.generate.eventyay_fake import Event, FakeEventyay
from tests.list_sink import ListSink

REPO = Path(__file__).parents[3]
AXE_JS = REPO / "node_modules" / "axe-core" / "axe.min.js"
AXE_INSTALL = "npm install --no-save --no-package-lock axe-core@4.14.1 (in the repository root)"
PHONE = {"width": 390, "height": 844}
WAIT_MS = 10_000
SHELL_USER_AGENT = (
    "Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Version/4.0 Chrome/124.0.0.0 Mobile Safari/537.36 apkgen-shell"
)


@dataclass
class Watched:
    """A page and what it did: every request's URL, page errors and console errors."""

    page: Page
    context: BrowserContext
    requests: list[str] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)

    def off_device(self) -> list[str]:
        """The requests for anything but the app's own files."""
        return [url for url in self.requests if not url.startswith(("file://", "data:", "blob:"))]


@contextmanager
def watched_page(browser: Browser, *, expected_console: tuple[str, ...] = (),
                 **context_options: Any) -> Iterator[Watched]:
    """A phone-sized page in a context of its own; console errors that start with one of
    ``expected_console`` (a refused connection the test causes) are not problems."""
    options: dict[str, Any] = {"viewport": PHONE, "is_mobile": True, "has_touch": True,
                               "locale": "en-US"}
    options.update(context_options)
    context = browser.new_context(**options)
    page = context.new_page()
    watched = Watched(page, context)
    page.on("pageerror", lambda exc: watched.problems.append(f"page error: {exc}"))

    def on_console(message: ConsoleMessage) -> None:
        if message.type == "error" and not message.text.startswith(expected_console):
            watched.problems.append(f"console error: {message.text}")

    def on_request(request: Request) -> None:
        watched.requests.append(request.url)

    page.on("console", on_console)
    page.on("request", on_request)
    try:
        yield watched
    finally:
        context.close()


def open_app(page: Page, assets_dir: Path, route: str = "#/schedule") -> None:
    page.goto((assets_dir / "index.html").as_uri() + route)
    expect(page.locator("#main")).not_to_be_empty(timeout=WAIT_MS)


# ---------------------------------------------------------------- a loopback API


class LiveApi:
    """The fake eventyay server on 127.0.0.1 port 0, answering with CORS headers."""

    def __init__(self, event: Event) -> None:
        self.fake = FakeEventyay(event)
        fake = self.fake

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def do_GET(self) -> None:
                fake.answer(self)

            def end_headers(self) -> None:
                self.send_header("Access-Control-Allow-Origin", "*")
                # One request a connection: once stopped, the server answers nothing more.
                self.send_header("Connection", "close")
                self.close_connection = True
                super().end_headers()

            def log_message(self, format: str, *args: Any) -> None:
                """Quiet: tests read ``fake.requests``."""

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        fake.origin = f"http://127.0.0.1:{self._server.server_address[1]}"
        self._thread = threading.Thread(target=self._server.serve_forever,
                                        kwargs={"poll_interval": 0.05}, daemon=True)
        self._thread.start()
        self.running = True

    @property
    def base(self) -> str:
        return self.fake.base

    @property
    def event(self) -> Event:
        return self.fake.event

    def stop(self) -> None:
        """Stop answering: the port refuses connections from now on."""
        if self.running:
            self.running = False
            self._server.shutdown()
            self._server.server_close()
            self._thread.join(timeout=10)

    def session_requests(self) -> list[str]:
        return [path for path in self.fake.requests if "/sessions" in path]


@contextmanager
def live_api(event: Event) -> Iterator[LiveApi]:
    api = LiveApi(event)
    try:
        yield api
    finally:
        api.stop()


def load_from_api(api: LiveApi, tmp_path: Path) -> LoadedEvent:
    """The event as the generator reads it from ``api`` (its images placed under
    ``tmp_path/assets``)."""
    return load_event(api.base, tmp_path / "work", tmp_path / "assets", BuildLog(ListSink()),
                      Limits(fetch_timeout_s=5))


# ---------------------------------------------------------------- axe-core


def axe_source() -> str:
    if not AXE_JS.is_file():
        pytest.fail(f"axe-core is missing at {AXE_JS}: install it with {AXE_INSTALL}")
    return AXE_JS.read_text(encoding="utf-8")


def serious_violations(page: Page, source: str) -> list[str]:
    """The serious and critical axe-core violations of the page as it is drawn now.

    axe is evaluated through the DevTools protocol, which the page's CSP does not govern (the
    app's own policy allows no inline script)."""
    if not page.evaluate("typeof window.axe !== 'undefined'"):
        page.evaluate(source)
    found: list[dict[str, Any]] = page.evaluate(
        """async () => {
            const result = await axe.run(document, { resultTypes: ['violations'], preload: false });
            return result.violations.filter(v => v.impact === 'serious' || v.impact === 'critical')
              .map(v => ({ id: v.id, impact: v.impact, help: v.help,
                           nodes: v.nodes.slice(0, 3).map(n => n.target.join(' ') + ': ' +
                             (n.failureSummary || '').split('\\n').slice(0, 2).join(' ')) }));
        }"""
    )
    return [f"{v['impact']} {v['id']} ({v['help']}): {'; '.join(v['nodes'])}" for v in found]
