"""``python -m local_stack`` keeps going when one of its processes dies, and keeps moto's state.

These tests start ``python -m local_stack`` itself (as ``make dev`` does) on free ports with a
state dir of their own, kill its parts with SIGKILL and check that nothing recorded is lost.
The caller's ``APKGEN_*`` settings reach every part: the module's stack refuses private hosts.
"""

from __future__ import annotations

import json
import os
import signal
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, expect

from local_stack.config import REPO
from tests.e2e.harness import StackProcess, Viewer

pytestmark = pytest.mark.e2e

SETTINGS = {
    "APKGEN_FETCH_PRIVATE_HOSTS": "false",
    "APKGEN_VISIBILITY_TIMEOUT_S": "10",
    "APKGEN_HEARTBEAT_S": "2",
}
BUILD_S = 120.0
LOG_DIR = REPO / "test-artifacts" / "e2e"


@pytest.fixture(scope="module")
def supervised(tmp_path_factory: pytest.TempPathFactory) -> Iterator[StackProcess]:
    LOG_DIR.mkdir(parents=True, exist_ok=True)
    log = LOG_DIR / "local_stack_supervised.log"
    log.write_text("")
    stack = StackProcess(
        tmp_path_factory.mktemp("supervised"), runners=1, env=SETTINGS, log_path=log
    )
    try:
        yield stack
    finally:
        assert stack.stop() == 0


def built(stack: StackProcess, samples_dir: Path) -> dict[str, object]:
    build_id = stack.create_build(samples_dir / "SparkSummit17.zip")["build_id"]
    final = stack.wait_finished(build_id, BUILD_S)
    assert final["status"] == "succeeded", final
    return final


def apk_bytes(final: dict[str, object]) -> bytes:
    artifact = final["artifact"]
    assert isinstance(artifact, dict)
    with urllib.request.urlopen(artifact["download_url"], timeout=30) as resp:
        return bytes(resp.read())


def test_a_build_from_an_api_url_on_a_private_address_is_refused_when_the_caller_says_so(
    supervised: StackProcess,
) -> None:
    body = json.dumps({"api_url": supervised.moto_url + "/v1/events/1"}).encode()
    answer = supervised.request(
        "POST", "/builds", body, {"Content-Type": "application/json"}
    )
    assert answer.status == 201, answer.body
    final = supervised.wait_finished(answer.body["build_id"], BUILD_S)
    assert final["status"] == "failed"
    said = json.dumps(final) + json.dumps(supervised.all_logs(final["build_id"]))
    assert "is private" in said


def test_a_killed_moto_comes_back_with_every_build_and_the_next_build_succeeds(
    supervised: StackProcess, samples_dir: Path
) -> None:
    before = built(supervised, samples_dir)
    lines_before = supervised.all_logs(str(before["build_id"]))
    apk_before = apk_bytes(before)

    supervised.kill("moto")

    after = supervised.status(str(before["build_id"]))
    assert after["status"] == "succeeded"
    assert supervised.all_logs(str(before["build_id"])) == lines_before
    assert apk_bytes(after) == apk_before
    built(supervised, samples_dir)
    assert not any("ResourceNotFoundException" in line for line in supervised.lines)


def test_a_killed_app_server_and_a_killed_runner_come_back(
    supervised: StackProcess, samples_dir: Path
) -> None:
    before = built(supervised, samples_dir)
    supervised.kill("http")
    assert supervised.status(str(before["build_id"]))["status"] == "succeeded"
    supervised.kill("runner-1")
    built(supervised, samples_dir)


def test_a_viewer_reconnects_to_a_restarted_local_ws_and_resumes(
    supervised: StackProcess, samples_dir: Path
) -> None:
    final = built(supervised, samples_dir)
    build_id = str(final["build_id"])
    supervised.kill("local_ws")
    viewer = Viewer(supervised.ws_url, build_id, after=3)
    try:
        viewer.wait_complete()
    finally:
        viewer.close()
    assert [line["seq"] for line in viewer.log()] == list(range(4, int(final["last_seq"]) + 1))


@pytest.mark.browser
def test_the_page_says_it_reconnected_after_local_ws_died_and_draws_every_line(
    supervised: StackProcess, samples_dir: Path, chromium_browser: Browser
) -> None:
    runner = supervised.pid("runner-1")
    os.killpg(runner, signal.SIGSTOP)  # the build stays queued while the page watches
    context = chromium_browser.new_context()
    try:
        build_id = supervised.create_build(samples_dir / "SparkSummit17.zip")["build_id"]
        page = context.new_page()
        page.set_default_timeout(30_000)
        page.goto(f"{supervised.http_url}/b/{build_id}")
        page.wait_for_function(
            "() => window.apkgenView && apkgenView.ws && apkgenView.ws.readyState === 1"
            " && apkgenView.follow.status !== null"
        )
        supervised.kill("local_ws")
        expect(page.locator("#connection")).to_contain_text("reconnected; resumed after line")
        os.killpg(runner, signal.SIGCONT)
        expect(page.locator("#status")).to_have_attribute(
            "data-status", "succeeded", timeout=BUILD_S * 1000
        )
        last_seq = supervised.status(build_id)["last_seq"]
        page.wait_for_function(
            f"() => document.querySelectorAll('#log .line').length >= {last_seq}"
        )
        drawn = page.eval_on_selector_all(
            "#log .line", "els => els.map(e => Number(e.id.slice(1)))"
        )
        assert drawn == list(range(1, last_seq + 1))
    finally:
        os.killpg(runner, signal.SIGCONT)
        context.close()


def test_builds_survive_stopping_and_starting_the_whole_stack(
    tmp_path: Path, samples_dir: Path
) -> None:
    log = LOG_DIR / "local_stack_restarted.log"
    LOG_DIR.mkdir(parents=True, exist_ok=True)
    log.write_text("")
    first = StackProcess(tmp_path, runners=1, env=SETTINGS, log_path=log)
    try:
        done = built(first, samples_dir)
        lines = first.all_logs(str(done["build_id"]))
    finally:
        assert first.stop() == 0
    # No runner: this build's job waits in the queue while the stack is stopped.
    second = StackProcess(tmp_path, runners=0, env=SETTINGS, log_path=log)
    try:
        queued = second.create_build(samples_dir / "SparkSummit17.zip")["build_id"]
        assert second.status(str(done["build_id"]))["status"] == "succeeded"
    finally:
        assert second.stop() == 0
    third = StackProcess(tmp_path, runners=1, env=SETTINGS, log_path=log)
    try:
        third.wait_line(r"\[moto\] restored .*dynamodb.*s3.*sqs")
        assert third.all_logs(str(done["build_id"])) == lines
        assert third.wait_finished(queued, BUILD_S)["status"] == "succeeded"
    finally:
        assert third.stop() == 0
