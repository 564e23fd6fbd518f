"""Acceptance: organizers watch their builds live over the real local stack.

Every part is its own process (moto, the app over HTTP, local_ws, two runners). Runners are
paused with SIGSTOP where a test needs a build frozen at a known point — never a sleep.
"""

from __future__ import annotations

import secrets
from pathlib import Path
from typing import Any

import pytest
from websockets.exceptions import InvalidStatus

from tests.e2e.harness import E2EStack, Viewer, wait_until

pytestmark = pytest.mark.e2e

BUILD_S = 90.0


def comparable(lines: list[dict[str, Any]]) -> list[tuple[Any, ...]]:
    return [(ln["seq"], ln["level"], ln["step"], ln["text"]) for ln in lines]


def assert_exact_log(viewer: Viewer, stack: E2EStack) -> None:
    """The viewer's deduplicated log is exactly the persisted one: none missing, none extra."""
    persisted = stack.all_logs(viewer.build_id)
    assert persisted, f"build {viewer.build_id} has no log lines"
    assert [ln["seq"] for ln in persisted] == list(range(1, len(persisted) + 1))
    assert comparable(viewer.log()) == comparable(persisted), viewer.name
    assert viewer.foreign == [], f"{viewer.name} got another build's messages"
    assert viewer.conflicts == [], f"{viewer.name} got different lines with the same seq"
    for message in viewer.messages:
        if message["type"] == "log":
            seqs = [ln["seq"] for ln in message["lines"]]
            assert seqs == sorted(seqs), f"{viewer.name}: lines out of order in one message"


def test_two_builds_at_once_reach_exactly_their_own_viewers_in_order(
    local_stack: E2EStack, samples_dir: Path
) -> None:
    local_stack.pause_runners()
    try:
        spark = local_stack.create_build(samples_dir / "SparkSummit17.zip")["build_id"]
        ots = local_stack.create_build(samples_dir / "OpenTechSummit2018.zip")["build_id"]
        viewers = [
            Viewer(local_stack.ws_url, build, name=f"{label}-{n}")
            for build, label in ((spark, "spark"), (ots, "ots"))
            for n in (1, 2)
        ]
        # Both builds are still queued: every viewer is registered before the first line.
        for viewer in viewers:
            viewer.wait_resumed(BUILD_S)
    finally:
        local_stack.resume_runners()
    for viewer in viewers:
        viewer.wait_complete(BUILD_S)
    for viewer in viewers:
        assert_exact_log(viewer, local_stack)
        # Connected before the build started: every line arrived live, in seq order. (A line
        # may come twice — a retried post — which the viewer drops by seq, as the protocol says.)
        firsts = list(dict.fromkeys(viewer.arrivals))
        assert firsts == sorted(firsts), (viewer.name, viewer.arrivals)
        assert viewer.repairs == [], f"{viewer.name} lost lines in flight and had to resume"
        viewer.close()
    assert local_stack.status(spark)["status"] == "succeeded"
    assert local_stack.status(ots)["status"] == "succeeded"


def test_late_and_reconnecting_viewers_end_with_the_complete_log(
    local_stack: E2EStack, samples_dir: Path
) -> None:
    local_stack.pause_runners()
    build = local_stack.create_build(samples_dir / "SparkSummit17.zip")["build_id"]
    early = Viewer(local_stack.ws_url, build, name="early")
    reconnecting = Viewer(local_stack.ws_url, build, name="reconnecting")
    wait_until(lambda: len(local_stack.connection_ids(build)) == 2, BUILD_S, "two viewers")
    local_stack.resume_runners()
    reconnecting.wait_lines(1, BUILD_S)
    # Freeze the build mid-way, then join late and reconnect.
    local_stack.pause_runners()
    try:
        assert local_stack.status(build)["status"] == "running"
        reconnecting.close()
        seen = reconnecting.max_seq
        again = Viewer(local_stack.ws_url, build, after=seen, name="reconnected")
        late = Viewer(local_stack.ws_url, build, name="late")
    finally:
        local_stack.resume_runners()
    for viewer in (early, again, late):
        viewer.wait_complete(BUILD_S)
    assert early.repairs == [], "the early viewer lost lines in flight"
    assert_exact_log(early, local_stack)
    assert_exact_log(late, local_stack)
    # The reconnected viewer asked only for what it had not seen; with the first connection's
    # lines it has the whole log.
    assert min(again.lines) > seen
    combined = {**reconnecting.lines, **again.lines}
    assert comparable([combined[s] for s in sorted(combined)]) == comparable(
        local_stack.all_logs(build)
    )
    for viewer in (early, again, late):
        viewer.close()


def test_a_vanished_viewer_is_removed_after_the_first_gone_and_the_build_finishes(
    local_stack: E2EStack, samples_dir: Path
) -> None:
    local_stack.pause_runners()
    try:
        build = local_stack.create_build(samples_dir / "OpenTechSummit2018.zip")["build_id"]
        vanishing = Viewer(local_stack.ws_url, build, name="vanishing")
        [vanished_id] = wait_until(
            lambda: local_stack.connection_ids(build), BUILD_S, "the first viewer's registration"
        )
        staying = Viewer(local_stack.ws_url, build, name="staying")
        wait_until(lambda: len(local_stack.connection_ids(build)) == 2, BUILD_S, "two viewers")
        # Vanish only once the answer to its resume was delivered: a send that finds it gone
        # would (rightly) remove it before the build starts.
        vanishing.wait_resumed(BUILD_S)
        vanishing.abort()
        # local_ws runs no $disconnect for a vanished peer: the record is still there.
        assert vanished_id in local_stack.connection_ids(build)
    finally:
        local_stack.resume_runners()
    staying.wait_complete(BUILD_S)
    assert local_stack.wait_finished(build)["status"] == "succeeded"
    wait_until(
        lambda: vanished_id not in local_stack.connection_ids(build),
        BUILD_S,
        "the vanished viewer to be removed",
    )
    assert_exact_log(staying, local_stack)
    staying.close()


def test_the_same_job_delivered_twice_runs_the_build_once(
    local_stack: E2EStack, samples_dir: Path
) -> None:
    local_stack.pause_runners()
    try:
        build = local_stack.create_build(samples_dir / "SparkSummit17.zip")["build_id"]
        local_stack.send_job(build)
        viewer = Viewer(local_stack.ws_url, build, name="viewer")
    finally:
        local_stack.resume_runners()
    viewer.wait_complete(BUILD_S)
    wait_until(local_stack.queue_drained, BUILD_S, "both deliveries to be consumed")
    status = local_stack.wait_finished(build)
    assert status["status"] == "succeeded"
    assert local_stack.build_item(build)["attempts"]["N"] == "1"
    persisted = local_stack.all_logs(build)
    assert len(persisted) == status["last_seq"]
    # One run walks through the steps once; a second run would start over at the first step.
    blocks = [
        step
        for i, step in enumerate(ln["step"] for ln in persisted)
        if i == 0 or persisted[i - 1]["step"] != step
    ]
    assert len(blocks) == len(set(blocks)), blocks
    assert_exact_log(viewer, local_stack)
    viewer.close()


def test_a_runner_killed_mid_build_hands_the_build_to_another(
    local_stack: E2EStack, samples_dir: Path
) -> None:
    local_stack.pause_runners()
    build = local_stack.create_build(samples_dir / "SparkSummit17.zip")["build_id"]
    viewer = Viewer(local_stack.ws_url, build, name="viewer")
    wait_until(lambda: local_stack.connection_ids(build), BUILD_S, "the viewer's registration")
    local_stack.resume_runners()
    viewer.wait_lines(1, BUILD_S)
    local_stack.pause_runners()  # freeze the build mid-way, whichever runner has it
    assert local_stack.status(build)["status"] == "running"
    local_stack.kill_runners()
    local_stack.ensure_runners(2)
    # The job comes back after the visibility timeout (10 s here) and another runner takes it.
    # Lines the dead runner persisted but never posted reach the viewer by its gap repair.
    status = local_stack.wait_finished(build, BUILD_S)
    if status["status"] == "failed":
        assert status["error"], "a build given up after a runner crash must say why"
    else:
        assert status["status"] == "succeeded"
        assert local_stack.build_item(build)["attempts"]["N"] == "2"  # taken over, not rerun twice
        viewer.wait_complete(BUILD_S)
        assert_exact_log(viewer, local_stack)
    viewer.close()


def test_unknown_builds_are_refused_with_404_on_connect_and_over_http(
    local_stack: E2EStack,
) -> None:
    unknown = secrets.token_urlsafe(24)
    with pytest.raises(InvalidStatus) as caught:
        Viewer(local_stack.ws_url, unknown, name="intruder")
    # API Gateway answers the handshake with the status $connect returned (the app's 404).
    assert caught.value.response.status_code == 404
    answer = local_stack.request("GET", f"/builds/{unknown}")
    assert answer.status == 404
    assert answer.body["Code"] == "NotFoundError"
