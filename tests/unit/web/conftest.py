"""A blank Chromium page with the web page's pure scripts (qr.js, logmodel.js) loaded."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page

WEB_DIR = Path(__file__).resolve().parents[3] / "chalice_app" / "chalicelib" / "web"


@pytest.fixture
def js_page(chromium_browser: Browser) -> Iterator[Page]:
    """A page (no network, no server) where ``ApkgenQr`` and ``ApkgenLog`` are defined."""
    context = chromium_browser.new_context()
    try:
        page = context.new_page()
        page.set_content("<!doctype html><html><body></body></html>")
        for name in ("qr.js", "logmodel.js"):
            page.add_script_tag(content=(WEB_DIR / name).read_text())
        yield page
    finally:
        context.close()
