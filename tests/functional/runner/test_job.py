"""The runner against moto (S3, SQS, DynamoDB, SES) and a real HTTP ``@connections`` endpoint."""

from __future__ import annotations

import dataclasses
import errno
import json
import threading
import time
from pathlib import Path

import pytest

from build_runner.errors import InputError, ToolchainError
from build_runner.generate.problems import Problem
from build_runner.runner.config import RunnerConfig
from build_runner.runner.loop import Runner
from chalicelib.errors import StoreError
from chalicelib.jobs import Job, JobQueue
from tests.functional.log_lines import store_lines
from tests.functional.runner.conftest import Stack


def test_runs_a_queued_build_to_success_and_streams_it_to_the_viewers(stack: Stack) -> None:
    stack.new_build("b-ok", options={"app_name": "Sample Fest", "email": "org@example.com"})
    stack.watch("b-ok", "v1", "v2")
    assert stack.runner().poll_once(0) == 1

    build = stack.services.builds.get("b-ok")
    assert build.status == "succeeded"
    assert build.step == "done"
    artifact = build.artifact or {}
    assert artifact["key"] == "artifacts/b-ok/org.apkgen.sample.apk"
    assert artifact["label"] == "Sample Fest"
    assert (artifact["version_code"], artifact["version_name"]) == (7, "1.0.7")
    apk = stack.clients.s3.get_object(Bucket=stack.settings.bucket, Key=artifact["key"])
    body = apk["Body"].read()
    assert len(body) == artifact["size"]
    assert body.endswith(b"event zip")
    report = stack.services.objects.get_json("artifacts/b-ok/report.json")
    assert report["error_count"] == 0
    assert stack.queued_jobs() == 0
    assert stack.generator.calls[0]["options"].app_name == "Sample Fest"

    for viewer in ("v1", "v2"):
        seqs = stack.recorder.seqs(viewer)
        assert seqs == list(range(1, len(seqs) + 1))
        statuses = stack.recorder.statuses(viewer)
        assert statuses[0]["status"] == "running"
        assert [s["step"] for s in statuses[1:-1]] == [*stack.generator.STEPS, "upload"]
        final = statuses[-1]
        assert final["status"] == "succeeded"
        assert final["last_seq"] == seqs[-1]
        assert final["artifact"]["download_url"].startswith("https://")
        assert stack.recorder.decoded(viewer)[-1] == final  # nothing after the final status
    assert stack.services.logs.last_seq("b-ok") == stack.recorder.seqs("v1")[-1]
    stored, _ = stack.services.logs.read("b-ok", 0, 1000)
    assert [line["seq"] for line in stored] == stack.recorder.seqs("v1")
    assert stack.clients.ses.get_send_quota()["SentLast24Hours"] == 1


def test_duplicate_delivery_of_a_job_runs_the_build_once(stack: Stack) -> None:
    stack.new_build("b-dup")
    stack.services.queue.send("b-dup")  # the same job delivered twice
    runner = stack.runner()
    assert runner.poll_once(0) == 1
    assert runner.poll_once(0) == 1
    assert len(stack.generator.calls) == 1
    assert stack.services.builds.get("b-dup").status == "succeeded"
    assert stack.queued_jobs() == 0


def test_a_build_held_by_another_runners_live_lease_is_not_run_twice(stack: Stack) -> None:
    stack.new_build("b-held")
    stack.services.builds.claim("b-held", "runner-elsewhere", time.time(), 60)
    [job] = stack.services.queue.receive(0, 1, 30)
    assert stack.runner().handle(job) == "held"
    assert stack.generator.calls == []
    build = stack.services.builds.get("b-held")
    assert (build.status, build.runner_id) == ("running", "runner-elsewhere")
    assert stack.queued_jobs() == 1  # kept: it may be the other runner's own message


def test_takes_over_a_build_whose_runner_died_and_continues_the_seq_numbers(
    stack: Stack,
) -> None:
    stack.new_build("b-dead")
    stack.services.builds.claim("b-dead", "runner-killed", time.time() - 100, 10)
    old = [{"seq": n, "ts": 1.0, "level": "info", "step": "extract", "text": f"old {n}"}
           for n in range(1, 6)]
    store_lines(stack.services.logs, "b-dead", old)
    stack.watch("b-dead", "v1")
    assert stack.runner("runner-2").poll_once(0) == 1

    build = stack.services.builds.get("b-dead")
    assert (build.status, build.runner_id, build.attempts) == ("succeeded", "runner-2", 2)
    stored, _ = stack.services.logs.read("b-dead", 0, 1000)
    seqs = [line["seq"] for line in stored]
    assert seqs == list(range(1, len(seqs) + 1))
    assert stored[5]["text"] == (
        "resuming build after an interrupted attempt by another runner; "
        "starting over from the upload"
    )
    assert stack.recorder.seqs("v1")[0] == 6


def test_cancel_requested_during_a_build_stops_it_at_the_next_step(stack: Stack) -> None:
    stack.new_build("b-cancel")
    stack.watch("b-cancel", "v1")
    stack.generator.hooks["validate"] = lambda: stack.services.builds.request_cancel(
        "b-cancel", time.time()
    )
    assert stack.runner().poll_once(0) == 1
    build = stack.services.builds.get("b-cancel")
    assert (build.status, build.error, build.artifact) == (
        "cancelled", "cancelled by the organizer", None
    )
    texts = [line["text"] for m in stack.recorder.decoded("v1") if m["type"] == "log"
             for line in m["lines"]]
    assert "▶ package" not in texts
    assert stack.recorder.statuses("v1")[-1]["status"] == "cancelled"
    assert stack.queued_jobs() == 0


def test_bad_upload_ends_failed_with_its_problems(stack: Stack) -> None:
    stack.new_build("b-input", options={"email": "org@example.com"})
    problem = Problem("error", "sessions", "sessions[3].starts-at", "is not a date", "soon",
                      "write it as 2024-05-01T10:00:00+02:00")
    stack.generator.error = InputError("1 error in the upload", [problem])
    assert stack.runner().poll_once(0) == 1
    build = stack.services.builds.get("b-input")
    assert (build.status, build.error) == ("failed", "1 error in the upload")
    problems = json.loads(build.problems or "{}")
    assert problems["errors"][0]["path"] == "sessions[3].starts-at"
    assert problems["errors"][0]["hint"].startswith("write it as")
    assert stack.services.objects.get_json("artifacts/b-input/report.json") == problems
    assert stack.queued_jobs() == 0
    assert stack.clients.ses.get_send_quota()["SentLast24Hours"] == 1


def test_failing_tool_ends_failed_with_the_tool_and_its_output_tail(stack: Stack) -> None:
    stack.new_build("b-tool")
    stack.generator.error = ToolchainError("aapt", "exit status 1", "noise\n" * 2000 + "the end")
    assert stack.runner().poll_once(0) == 1
    build = stack.services.builds.get("b-tool")
    assert (build.status, build.error) == ("failed", "aapt: exit status 1")
    problems = json.loads(build.problems or "{}")
    assert problems["tool"] == "aapt"
    assert problems["output"].endswith("the end")
    assert len(problems["output"]) <= 4000


def test_the_organizer_reads_no_runner_path_endpoint_or_runner_name(stack: Stack,
                                                                    tmp_path: Path) -> None:
    settings = dataclasses.replace(stack.settings, work_dir=str(tmp_path),
                                   queue_url=stack.services.queue.queue_url)
    redact = RunnerConfig.from_settings(settings).redact
    scratch = tmp_path / "runner" / "b-paths" / "build-k3y" / "app"
    endpoint = stack.services.queue.queue_url
    stack.new_build("b-paths")
    stack.generator.error = ToolchainError(
        "aapt", f"exited with status 1 in {scratch}",
        f"{scratch}/res/values/strings.xml:3: error: bad\n/usr/bin/aapt package -M "
        f"{scratch}/AndroidManifest.xml\ncould not reach {endpoint}/x")
    stack.watch("b-paths", "viewer")
    assert stack.runner("runner-on-host-7", redact=redact).poll_once(0) == 1

    build = stack.services.builds.get("b-paths")
    stored, _ = stack.services.logs.read("b-paths", 0, 1000)
    shown = "\n".join([build.error or "", build.problems or "",
                       *(line["text"] for line in stored),
                       *(m.get("error") or "" for m in stack.recorder.statuses("viewer"))])
    for secret in (str(tmp_path), endpoint, "runner-on-host-7", "/usr/bin"):
        assert secret not in shown
    problems = json.loads(build.problems or "{}")
    assert problems["output"].startswith("app/res/values/strings.xml:3: error: bad")
    assert "could not reach <internal>/x" in problems["output"]


def test_unexpected_generator_error_ends_failed_as_an_internal_error(stack: Stack) -> None:
    stack.new_build("b-bug")
    stack.generator.error = ZeroDivisionError("secret internals")
    assert stack.runner().poll_once(0) == 1
    build = stack.services.builds.get("b-bug")
    assert build.status == "failed"
    assert (build.error or "").startswith("internal error")
    assert "secret" not in (build.error or "") + (build.problems or "")
    assert stack.queued_jobs() == 0


def deliver_every_time(stack: Stack) -> list[str]:
    """Hand the one queued job to a runner as often as SQS would deliver it; the outcomes."""
    runner = stack.runner()
    outcomes = []
    for _ in range(stack.config.max_receive_count):
        [job] = stack.services.queue.receive(0, 1, 30)
        outcomes.append(runner.handle(job))
    return outcomes


def test_runner_crashes_are_retried_then_the_build_fails_after_max_receives(
    stack: Stack,
) -> None:
    stack.new_build("b-crash", source={"kind": "upload", "key": "uploads/missing.zip"})
    stack.watch("b-crash", "v1")
    assert deliver_every_time(stack) == ["retry", "retry", "gave-up"]
    build = stack.services.builds.get("b-crash")
    assert build.status == "failed"
    assert (build.error or "").startswith("gave up after 3 attempts: StoreError: download")
    assert build.attempts == 3
    assert stack.queued_jobs() == 0
    assert stack.recorder.statuses("v1")[-1]["status"] == "failed"


def test_a_job_in_the_dead_letter_queue_ends_its_build_failed(stack: Stack) -> None:
    stack.new_build("b-dlq", queue=False)
    stack.services.builds.claim("b-dlq", "runner-killed", time.time() - 100, 10)
    assert stack.services.dlq is not None
    stack.services.dlq.send("b-dlq")
    assert stack.runner().drain_dlq() == 1
    build = stack.services.builds.get("b-dlq")
    assert build.status == "failed"
    assert "dead-letter queue" in (build.error or "")
    assert "runner-killed" in (build.error or "")
    assert stack.services.dlq.receive(0, 10, 30) == []


def test_dead_letter_queue_leaves_a_build_that_a_live_runner_still_holds(stack: Stack) -> None:
    stack.new_build("b-dlq-live", queue=False)
    stack.services.builds.claim("b-dlq-live", "runner-alive", time.time(), 60)
    assert stack.services.dlq is not None
    stack.services.dlq.send("b-dlq-live")
    assert stack.runner().drain_dlq() == 0
    assert stack.services.builds.get("b-dlq-live").status == "running"


def test_stopping_runner_releases_its_build_for_another_runner_to_resume(stack: Stack) -> None:
    stack.new_build("b-stop")
    first = stack.runner("runner-stopping")
    stack.generator.hooks["validate"] = first.request_stop
    first.run()  # returns once stopped
    build = stack.services.builds.get("b-stop")
    assert (build.status, build.runner_id) == ("running", "runner-stopping")
    assert (build.lease_until or 0) < time.time()
    del stack.generator.hooks["validate"]
    [job] = stack.services.queue.receive(0, 1, 30)  # visible again at once
    assert stack.runner("runner-next").handle(job) == "succeeded"
    stored, _ = stack.services.logs.read("b-stop", 0, 1000)
    assert any("interrupted attempt by another runner" in line["text"] for line in stored)


def test_malformed_job_is_deleted_with_a_logged_reason(stack: Stack) -> None:
    stack.clients.sqs.send_message(QueueUrl=stack.services.queue.queue_url, MessageBody="{}")
    [job] = stack.services.queue.receive(0, 1, 30)
    assert stack.runner().handle(job) == "malformed"
    assert stack.queued_jobs() == 0


def test_job_of_an_unknown_build_is_deleted(stack: Stack) -> None:
    stack.services.queue.send("no-such-build")
    [job] = stack.services.queue.receive(0, 1, 30)
    assert stack.runner().handle(job) == "unknown"
    assert stack.queued_jobs() == 0


def test_an_unreachable_queue_is_reported_with_its_aws_code(stack: Stack) -> None:
    stack.services.queue = JobQueue(stack.clients.sqs, stack.services.queue.queue_url + "-gone")
    with pytest.raises(StoreError, match="receive jobs failed") as caught:
        stack.runner().run(once=True)
    assert caught.value.code == "AWS.SimpleQueueService.NonExistentQueue"


def test_a_runner_that_cannot_receive_keeps_trying_until_stopped(stack: Stack) -> None:
    stack.services.queue = JobQueue(stack.clients.sqs, stack.services.queue.queue_url + "-gone")
    runner = stack.runner(error_backoff_s=0.01)
    attempts = threading.Semaphore(0)
    original = stack.services.queue.receive

    class CountingQueue(JobQueue):
        def receive(self, wait_s: int, max_messages: int, visibility_s: int) -> list[Job]:
            attempts.release()
            return original(wait_s, max_messages, visibility_s)

    stack.services.queue = CountingQueue(stack.clients.sqs, stack.services.queue.queue_url)
    thread = threading.Thread(target=runner.run)
    thread.start()
    assert attempts.acquire(timeout=10)
    assert attempts.acquire(timeout=10)  # it tried again after the failure
    runner.request_stop()
    thread.join(timeout=10)
    assert not thread.is_alive()


def test_a_runner_that_lost_its_lease_records_nothing_and_leaves_the_job(stack: Stack) -> None:
    stack.new_build("b-stolen")

    def steal() -> None:  # the lease lapses (a long pause) and another runner claims the build
        stack.services.builds.renew_lease("b-stolen", "runner-slow", time.time(), -1)
        stack.services.builds.claim("b-stolen", "runner-thief", time.time(), 60)

    stack.generator.hooks["validate"] = steal
    [job] = stack.services.queue.receive(0, 1, 30)
    # No heartbeat during the pause: a renewal racing the steal would keep the lease alive.
    assert stack.runner("runner-slow", heartbeat_s=3600).handle(job) == "lost"
    build = stack.services.builds.get("b-stolen")
    assert (build.status, build.runner_id, build.artifact) == ("running", "runner-thief", None)
    assert stack.queued_jobs() == 1


def test_a_runner_whose_lease_ran_out_writes_no_more_of_the_log_for_the_next_runner(
    stack: Stack,
) -> None:
    stack.new_build("b-paused")
    stack.watch("b-paused", "viewer")
    offset = [0.0]

    def clock() -> float:
        return time.time() + offset[0]

    def pause() -> None:  # the runner stalls past its lease; another runner then claims it
        offset[0] += stack.config.lease_s
        stack.services.builds.claim("b-paused", "runner-next", clock(), 60)

    stack.generator.hooks["validate"] = pause
    config = dataclasses.replace(stack.config, runner_id="runner-slow", heartbeat_s=3600)
    [job] = stack.services.queue.receive(0, 1, 30)
    assert Runner(stack.services, stack.generator, stack.hub, config, clock=clock).handle(job) \
        == "lost"
    stored, _ = stack.services.logs.read("b-paused", 0, 1000)
    texts = [line["text"] for line in stored]
    assert texts and not any("another runner took this build over" in t for t in texts)
    assert [line["seq"] for line in stored] == list(range(1, len(stored) + 1))
    # What was posted live was stored first: the next runner's seqs cannot collide with it.
    assert max(stack.recorder.seqs("viewer")) == stored[-1]["seq"]
    build = stack.services.builds.get("b-paused")
    assert (build.status, build.runner_id) == ("running", "runner-next")


@pytest.mark.parametrize(
    "error",
    [OSError(errno.ENOSPC, "No space left on device", "/work/b/res/icon.png"),
     ToolchainError("zipalign", "exited with 1", "write failed: No space left on device")],
)
def test_a_full_work_disk_is_retried_and_never_blamed_on_the_upload(
    stack: Stack, error: Exception
) -> None:
    stack.new_build("b-full")
    stack.watch("b-full", "v1")
    stack.generator.error = error
    assert deliver_every_time(stack) == ["retry", "retry", "gave-up"]
    build = stack.services.builds.get("b-full")
    assert build.status == "failed"
    assert (build.error or "").startswith(
        "gave up after 3 attempts: WorkDiskFull: the runner's work disk is full"
    )
    report = json.loads(build.problems or "{}")
    assert (report["errors"], report["warnings"]) == ([], [])  # nothing blamed on the event data
    logged = [line["text"] for line in stack.services.logs.read("b-full", 0, 1000)[0]]
    assert any("the runner's work disk is full" in text for text in logged)
