"""The organizer's web page against the whole local stack, in headless Chromium.

Each test drives the real page (``GET /``, ``/b/{id}``) served by the app, uploading through the
presigned S3 POST on moto, following the live log over local_ws, with real runners building
real APKs. Runners are paused (SIGSTOP) where a test needs the build to wait for the page.
"""

from __future__ import annotations

import re
import socket
import subprocess
import urllib.request
import zipfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Browser, Page, expect

from local_stack.stack import REPO
from tests.e2e.harness import E2EStack, drop_connections, edited_zip, wait_until
from tests.qr_svg import encodes, symbol_of

pytestmark = [pytest.mark.e2e, pytest.mark.browser]

BUILD_TIMEOUT_MS = 90_000
ARTIFACTS = REPO / "test-artifacts" / "web"

# Installed before the page's own scripts: notes when the first log line is drawn (and what the
# status badge said then) and whether the Generate button was ever disabled.
OBSERVER = """
window.__seen = {firstLine: null, generateDisabled: false};
new MutationObserver(() => {
  const button = document.getElementById('generate');
  if (button && button.disabled) window.__seen.generateDisabled = true;
  if (!window.__seen.firstLine && document.querySelector('#log .line')) {
    window.__seen.firstLine = {t: Date.now() / 1000,
                               status: document.getElementById('status').dataset.status};
  }
}).observe(document, {subtree: true, childList: true, attributes: true});
"""


@pytest.fixture
def page(chromium_browser: Browser) -> Iterator[Page]:
    context = chromium_browser.new_context(viewport={"width": 1280, "height": 900})
    context.add_init_script(OBSERVER)
    page = context.new_page()
    page.set_default_timeout(30_000)
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.on("dialog", lambda dialog: errors.append(f"dialog: {dialog.message}") or dialog.dismiss())
    try:
        yield page
        assert errors == [], f"the page raised or opened dialogs: {errors}"
    finally:
        context.close()


def drawn_seqs(page: Page) -> list[int]:
    return page.eval_on_selector_all("#log .line", "els => els.map(e => Number(e.id.slice(1)))")


def wait_live(page: Page) -> None:
    """Wait until the page's WebSocket is open and its first resume was answered."""
    page.wait_for_function(
        "() => window.apkgenView && apkgenView.ws && apkgenView.ws.readyState === 1"
        " && apkgenView.follow.status !== null"
    )


def wait_status(page: Page, status: str) -> None:
    expect(page.locator("#status")).to_have_attribute(
        "data-status", status, timeout=BUILD_TIMEOUT_MS
    )


def upload_through_page(page: Page, stack: E2EStack, zip_path: Path) -> str:
    """Open the upload form, pick ``zip_path``, press Generate; return the new build's id."""
    page.goto(stack.http_url + "/")
    page.set_input_files("#file-input", str(zip_path))
    expect(page.locator("#file-name")).to_contain_text(zip_path.name)
    page.click("#generate")
    page.wait_for_url("**/b/*")
    return page.url.rsplit("/", 1)[1].split("#")[0]


def test_uploads_an_export_and_shows_its_log_live_until_a_verified_apk_is_downloadable(
    page: Page, local_stack: E2EStack, samples_dir: Path, tmp_path: Path
) -> None:
    local_stack.pause_runners()
    try:
        build_id = upload_through_page(page, local_stack, samples_dir / "SparkSummit17.zip")
        wait_live(page)
        expect(page.locator("#status")).to_have_attribute("data-status", "queued")
        assert drawn_seqs(page) == []
    finally:
        local_stack.resume_runners()
    wait_status(page, "succeeded")
    final = local_stack.status(build_id)
    seen = page.evaluate("window.__seen")
    assert seen["generateDisabled"], "Generate stayed enabled while the build was created"
    assert seen["firstLine"]["status"] in ("queued", "running")
    assert seen["firstLine"]["t"] < final["finished_at"], "no line was shown before the end"
    assert drawn_seqs(page) == list(range(1, final["last_seq"] + 1))
    expect(page.locator("#app-details")).to_contain_text(final["artifact"]["package"])
    expect(page.locator("#app-details")).to_contain_text(final["artifact"]["sha256"])
    # The QR code is the server's SVG of the build's stable link, which leads to the same APK.
    qr = page.locator("#qr")
    expect(qr).to_be_visible()
    expect(qr).to_have_attribute("src", re.compile(rf"/builds/{build_id}/qr\.svg$"))
    expect(qr).to_have_attribute("alt", re.compile("QR code"))
    page.wait_for_function("() => { const q = document.getElementById('qr');"
                           " return q.complete && q.naturalWidth > 0; }")
    assert qr.evaluate("q => q.getBoundingClientRect().width") > 100
    with urllib.request.urlopen(qr.evaluate("q => q.src"), timeout=30) as resp:
        svg = resp.read().decode()
    scanned = f"{local_stack.http_url}/builds/{build_id}/apk"
    assert encodes(symbol_of(svg), scanned)

    href = page.get_attribute("#download-apk", "href")
    assert href and href.startswith("http")
    apk = tmp_path / "app.apk"
    with urllib.request.urlopen(href, timeout=30) as resp:  # the link the page shows
        apk.write_bytes(resp.read())
    with urllib.request.urlopen(scanned, timeout=30) as resp:  # what a phone scanning gets
        assert resp.read() == apk.read_bytes()
    verify = subprocess.run(
        ["apksigner", "verify", str(apk)], capture_output=True, text=True, timeout=120, check=False
    )
    assert verify.returncode == 0, verify.stderr

    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.locator("#log").evaluate("box => box.scrollTop = 0")
    page.screenshot(path=str(ARTIFACTS / "build-succeeded.png"), full_page=True)
    page.set_viewport_size({"width": 390, "height": 844})
    # The page redraws the log for the new width (data-laid-out-width says it has).
    page.wait_for_function(
        "() => document.getElementById('log').dataset.laidOutWidth"
        " === String(document.getElementById('log').clientWidth)"
    )
    page.screenshot(path=str(ARTIFACTS / "build-succeeded-phone.png"))
    page.locator("#log").scroll_into_view_if_needed()
    page.screenshot(path=str(ARTIFACTS / "build-succeeded-phone-log.png"))


def test_the_build_page_shows_the_built_app_live_and_a_session_opens_in_it(
    page: Page, local_stack: E2EStack, samples_dir: Path, tmp_path: Path
) -> None:
    build_id = local_stack.create_build(samples_dir / "SparkSummit17.zip")["build_id"]
    final = local_stack.wait_finished(build_id)
    assert final["status"] == "succeeded", final.get("error")
    refused: list[str] = []  # the app's own policy blocking the app would show here
    page.on("console", lambda m: refused.append(m.text)
            if m.type == "error" and "Content Security Policy" in m.text else None)
    page.goto(f"{local_stack.http_url}/b/{build_id}")
    wait_status(page, "succeeded")
    frame = page.locator("#preview")
    expect(frame).to_have_attribute("sandbox", "allow-scripts")
    expect(frame).to_have_attribute("src", re.compile(rf"/builds/{build_id}/preview/index\.html$"))
    app = page.frame_locator("#preview")
    card = app.locator(".card-link").first
    expect(card).to_be_visible()
    title = (card.locator(".card-title").text_content() or "").strip()
    assert title
    inner = page.frame(url=re.compile(r"/preview/index\.html"))
    assert inner is not None and inner.evaluate("window.origin") == "null"  # opaque: sandboxed
    card.click()
    expect(app.locator("#page-title")).to_have_text(title)
    expect(app.locator(".detail h2")).to_have_text(title)
    assert "#/session/" in inner.url
    # What it shows is the artifact itself: the data the APK holds, byte for byte.
    apk = tmp_path / "app.apk"
    with urllib.request.urlopen(final["artifact"]["download_url"], timeout=30) as resp:
        apk.write_bytes(resp.read())
    with zipfile.ZipFile(apk) as zf, urllib.request.urlopen(
            f"{local_stack.http_url}/builds/{build_id}/preview/data.js", timeout=30) as resp:
        assert resp.read() == zf.read("assets/data.js")
    device = page.locator("#preview-device")
    phone_width = device.evaluate("d => d.getBoundingClientRect().width")
    page.get_by_role("button", name="Tablet").click()
    expect(device).to_have_attribute("data-device", "tablet")
    assert device.evaluate("d => d.getBoundingClientRect().width") > phone_width
    expect(app.locator("#page-title")).to_have_text(title)  # a new size, the same app state
    assert refused == []
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.get_by_role("button", name="Phone").click()
    page.locator("#preview-box").scroll_into_view_if_needed()
    page.screenshot(path=str(ARTIFACTS / "build-preview.png"), full_page=True)


def test_shows_a_failed_build_with_the_json_path_of_what_to_fix(
    page: Page, local_stack: E2EStack, samples_dir: Path, tmp_path: Path
) -> None:
    # A date that cannot be read only leaves its session out (a warning); an event without a
    # name cannot become an app.
    def bad_date(name: str, data: Any) -> Any:
        if name == "event":
            data["name"] = "   "
        return data

    bad = edited_zip(samples_dir / "SparkSummit17.zip", tmp_path / "bad-date.zip", bad_date)
    upload_through_page(page, local_stack, bad)
    wait_status(page, "failed")
    failure = page.locator("#failure")
    expect(failure).to_be_visible()
    expect(failure).to_contain_text("event.name")
    expect(failure).to_contain_text("the event's name is missing")
    link = page.locator("#first-error-link")
    expect(link).to_have_attribute("href", re.compile(r"^#L\d+$"))
    link.click()
    target = page.locator(f"#log {link.get_attribute('href')}")
    expect(target).to_have_class(re.compile(r"\berror\b"))
    expect(target).to_be_in_viewport()
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "build-failed.png"), full_page=True)


def test_a_reload_in_the_middle_of_a_build_shows_every_line_exactly_once(
    page: Page, local_stack: E2EStack, samples_dir: Path
) -> None:
    local_stack.pause_runners()
    try:
        build_id = local_stack.create_build(samples_dir / "SparkSummit17.zip")["build_id"]
        page.goto(f"{local_stack.http_url}/b/{build_id}")
        wait_live(page)
    finally:
        local_stack.resume_runners()
    page.wait_for_selector("#log .line")
    local_stack.pause_runners()
    try:
        shown = len(drawn_seqs(page))
        page.reload()
        wait_live(page)
        page.wait_for_function(f"() => document.querySelectorAll('#log .line').length >= {shown}")
    finally:
        local_stack.resume_runners()
    wait_status(page, "succeeded")
    final = local_stack.status(build_id)
    assert drawn_seqs(page) == list(range(1, final["last_seq"] + 1))


def test_reconnects_after_a_dropped_connection_without_gap_or_duplicate(
    page: Page, local_stack: E2EStack, samples_dir: Path
) -> None:
    sockets: list[str] = []
    page.on("websocket", lambda ws: sockets.append(ws.url))
    local_stack.pause_runners()
    try:
        build_id = local_stack.create_build(samples_dir / "SparkSummit17.zip")["build_id"]
        page.goto(f"{local_stack.http_url}/b/{build_id}")
        wait_live(page)
        # The server drops the page's connection (DELETE @connections) while the build waits.
        wait_until(lambda: local_stack.connection_ids(build_id), 30, "the page's WebSocket")
        drop_connections(local_stack, build_id)
        expect(page.locator("#connection")).to_contain_text("reconnecting")
        wait_live(page)
        expect(page.locator("#connection")).to_contain_text("reconnected; resumed after line")
    finally:
        local_stack.resume_runners()
    wait_status(page, "succeeded")
    final = local_stack.status(build_id)
    assert drawn_seqs(page) == list(range(1, final["last_seq"] + 1))
    assert len(sockets) >= 2 and all(f"build={build_id}" in url for url in sockets)


def test_cancels_a_queued_build_from_the_page(
    page: Page, local_stack: E2EStack, samples_dir: Path
) -> None:
    local_stack.pause_runners()
    try:
        build_id = local_stack.create_build(samples_dir / "SparkSummit17.zip")["build_id"]
        page.goto(f"{local_stack.http_url}/b/{build_id}")
        wait_live(page)
        cancel = page.get_by_role("button", name="Cancel build")
        expect(cancel).to_be_visible()
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(ARTIFACTS / "build-queued.png"))
        cancel.focus()
        page.keyboard.press("Enter")
        wait_status(page, "cancelled")
        expect(page.locator("#failure")).to_contain_text("cancelled")
        expect(cancel).to_be_hidden()
        assert local_stack.status(build_id)["status"] == "cancelled"
    finally:
        local_stack.resume_runners()


def test_shows_markup_in_log_lines_as_text(
    page: Page, local_stack: E2EStack, samples_dir: Path, tmp_path: Path
) -> None:
    payload = "<script>alert(1)</script><img src=x onerror=alert(2)>"

    def evil_name(name: str, data: Any) -> Any:
        if name == "event":
            data["name"] = payload + " Summit"
        return data

    evil = edited_zip(samples_dir / "SparkSummit17.zip", tmp_path / "evil.zip", evil_name)
    build_id = local_stack.create_build(evil)["build_id"]
    page.goto(f"{local_stack.http_url}/b/{build_id}")
    expect(page.locator("#status")).to_have_attribute(
        "data-status", re.compile("succeeded|failed"), timeout=BUILD_TIMEOUT_MS
    )
    lines = page.locator("#log .line .msg", has_text=payload)
    expect(lines.first).to_be_visible()
    # The page's own QR code is the one image the success panel has.
    injected = "#log script, #log img, #success script, #success img:not(#qr)"
    assert page.locator(injected).count() == 0
    # The page's own dialog check (fixture) fails the test if alert() ever ran.


def test_finds_text_in_the_log_and_downloads_the_raw_log(
    page: Page, local_stack: E2EStack, samples_dir: Path
) -> None:
    build_id = local_stack.create_build(samples_dir / "SparkSummit17.zip")["build_id"]
    final = local_stack.wait_finished(build_id)
    page.goto(f"{local_stack.http_url}/b/{build_id}#L3")
    wait_status(page, final["status"])
    expect(page.locator("#L3")).to_have_class(re.compile(r"\btarget\b"))

    page.fill("#search", "done in")
    marks = page.locator("#log .line.match")
    expect(marks.first).to_be_visible()
    count = marks.count()
    assert count >= 5
    expect(page.locator("#search-count")).to_have_text(str(count))
    page.press("#search", "Enter")
    expect(page.locator("#search-count")).to_have_text(f"1/{count}")
    expect(page.locator("#log .line.current")).to_be_in_viewport()

    page.check("#show-ts")
    expect(page.locator("#L1 .ts")).to_be_visible()

    with page.expect_download() as info:
        page.click("#download-log")
    text = Path(info.value.path()).read_text(encoding="utf-8")
    rows = text.splitlines()
    assert [int(r.split("\t")[0]) for r in rows] == list(range(1, final["last_seq"] + 1))
    assert info.value.suggested_filename == f"apkgen-{build_id}.log"


def test_builds_from_a_pasted_api_url_with_the_chosen_options(
    page: Page, local_stack: E2EStack
) -> None:
    with socket.socket() as sock:  # a loopback port nobody listens on
        sock.bind(("127.0.0.1", 0))
        url = f"http://127.0.0.1:{sock.getsockname()[1]}/v1/events/1"
    page.goto(local_stack.http_url + "/")
    page.fill("#api-url", url)
    page.click(".options summary")
    page.fill("#app-name", "My Event")
    page.fill("#package-name", "org.example.myevent")
    page.click("#generate")
    page.wait_for_url("**/b/*")
    build_id = page.url.rsplit("/", 1)[1]
    item = local_stack.build_item(build_id)
    assert item["source"]["M"]["url"]["S"] == url
    assert item["options"]["M"]["package_name"]["S"] == "org.example.myevent"
    wait_status(page, "failed")
    expect(page.locator("#failure-error")).not_to_be_empty()


def test_explains_a_package_name_android_would_refuse_before_sending(
    page: Page, local_stack: E2EStack
) -> None:
    page.goto(local_stack.http_url + "/")
    page.fill("#api-url", "https://api.example.org/v1/events/1")
    page.click(".options summary")
    page.fill("#package-name", "myevent")
    page.click("#generate")
    expect(page.locator("#upload-error")).to_contain_text("is not an Android package name")
    assert "/b/" not in page.url


def test_explains_a_file_that_is_not_a_zip_before_uploading(
    page: Page, local_stack: E2EStack, tmp_path: Path
) -> None:
    fake = tmp_path / "event.zip"
    fake.write_text("this is not a zip")
    page.goto(local_stack.http_url + "/")
    page.set_input_files("#file-input", str(fake))
    expect(page.locator("#upload-error")).to_contain_text("is not a zip archive")
    page.click("#generate")
    expect(page.locator("#upload-error")).to_contain_text("is not a zip archive")
    assert page.url.rstrip("/") == local_stack.http_url
