"""Fixtures shared by every test directory.

``chromium_browser``: a Playwright ``Browser`` on Debian's headless Chromium (never a downloaded
browser). One Chromium process serves the whole session (``chromium_cdp_url``); each test gets
its own short Playwright connection to it over CDP. The connection is per test on purpose: the
sync Playwright API marks its asyncio loop as running in the main thread for as long as it is
started, so a session-long Playwright would make ``asyncio.run`` fail in every later test.
"""

from __future__ import annotations

import re
import shutil
import subprocess
import threading
from collections import deque
from collections.abc import Iterator
from pathlib import Path
from typing import IO

import pytest
from playwright.sync_api import Browser, sync_playwright

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--remote-debugging-address=127.0.0.1",
    "--remote-debugging-port=0",
)
CHROMIUM_START_TIMEOUT_S = 30.0
_DEVTOOLS_LINE = re.compile(r"DevTools listening on (ws://\S+)")


class _StderrWatcher:
    """Drains Chromium's stderr (so it never blocks on a full pipe) and spots the CDP URL."""

    def __init__(self, stream: IO[str]) -> None:
        self._stream = stream
        self.tail: deque[str] = deque(maxlen=30)
        self.url: str | None = None
        self.ready = threading.Event()
        self._thread = threading.Thread(target=self._run, name="chromium-stderr", daemon=True)
        self._thread.start()

    def _run(self) -> None:
        for line in self._stream:
            self.tail.append(line.rstrip())
            match = _DEVTOOLS_LINE.search(line)
            if match and self.url is None:
                self.url = match.group(1)
                self.ready.set()
        self.ready.set()  # Chromium exited: wake the waiter, which sees url is None

    def join(self) -> None:
        self._thread.join(timeout=10)


@pytest.fixture(scope="session")
def chromium_cdp_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """Starts one headless Chromium for the session; yields its DevTools WebSocket URL."""
    if not CHROMIUM.exists() or shutil.which(str(CHROMIUM)) is None:
        pytest.fail(f"{CHROMIUM} is missing: install it with `bash scripts/setup.sh`")
    profile = tmp_path_factory.mktemp("chromium-profile")
    proc = subprocess.Popen(
        [str(CHROMIUM), *CHROMIUM_ARGS, f"--user-data-dir={profile}", "about:blank"],
        stdin=subprocess.DEVNULL,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    assert proc.stderr is not None
    watcher = _StderrWatcher(proc.stderr)
    try:
        if not watcher.ready.wait(CHROMIUM_START_TIMEOUT_S) or watcher.url is None:
            tail = "\n".join(watcher.tail)
            pytest.fail(f"Chromium did not open its DevTools port; its stderr ended with:\n{tail}")
        yield watcher.url
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(timeout=10)
        watcher.join()
        proc.stderr.close()


@pytest.fixture
def chromium_browser(chromium_cdp_url: str) -> Iterator[Browser]:
    """A Playwright ``Browser`` on the session's Chromium. Open pages in ``new_context()``."""
    with sync_playwright() as playwright:
        browser = playwright.chromium.connect_over_cdp(chromium_cdp_url)
        try:
            yield browser
        finally:
            browser.close()
