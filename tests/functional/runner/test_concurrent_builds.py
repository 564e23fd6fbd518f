"""A runner running several builds at once (``RunnerConfig.concurrency``) against moto: each
build keeps its own complete, ordered log when another one crashes, and a stop releases or
finishes every build in flight."""

from __future__ import annotations

import errno
import threading
import time
from collections import Counter
from collections.abc import Callable
from pathlib import Path

from build_runner.generate.pipeline import GenerateOptions, GenerateResult
from build_runner.logs import BuildLog
from build_runner.runner.loop import Runner
from tests.functional.runner.conftest import ScriptedGenerator, Stack

WAIT_S = 30.0


class BuildsAtOnce(ScriptedGenerator):
    """The scripted generator, with every first attempt held in a step ``together`` until
    ``together`` builds are there at once (a barrier: they do run at the same time;
    ``when_together`` runs then), and the first attempt of ``crash_build`` ending in a full
    work disk: a crash of the runner, retried through the queue."""

    def __init__(self, together: int, *, crash_build: str | None = None,
                 when_together: Callable[[], None] | None = None,
                 alone: frozenset[str] = frozenset()) -> None:
        super().__init__()
        self.barrier = threading.Barrier(together, action=when_together, timeout=WAIT_S)
        self.crash_build = crash_build
        self.alone = alone  # builds that do not wait for the others
        self.attempts: Counter[str] = Counter()
        self._lock = threading.Lock()

    def generate(self, source: str | Path, out_apk: Path, options: GenerateOptions,
                 log: BuildLog, cancelled: Callable[[], bool] = lambda: False) -> GenerateResult:
        build_id = out_apk.parent.name  # the runner's work folder of the build
        with self._lock:
            self.attempts[build_id] += 1
            first = self.attempts[build_id] == 1
        if first and build_id not in self.alone:
            with log.step("together"):
                log.info("waiting for the other builds")
                self.barrier.wait()
        if first and build_id == self.crash_build:
            with log.step("validate"):
                raise OSError(errno.ENOSPC, "No space left on device", str(out_apk))
        return super().generate(source, out_apk, options, log, cancelled)


def run_in_thread(runner: Runner) -> threading.Thread:
    thread = threading.Thread(target=runner.run, name="runner-loop", daemon=True)
    thread.start()
    return thread


def final_status(stack: Stack, viewer: str) -> str | None:
    statuses = stack.recorder.statuses(viewer)
    last = statuses[-1]["status"] if statuses else None
    return last if last in ("succeeded", "failed", "cancelled") else None


def test_builds_run_at_once_and_each_finishes_with_its_whole_log_when_one_crashes(
    stack: Stack,
) -> None:
    builds = [f"b-{n}" for n in range(4)]
    stack.generator = BuildsAtOnce(len(builds), crash_build="b-2")
    for build_id in builds:
        stack.new_build(build_id)
        stack.watch(build_id, f"viewer-{build_id}")
    runner = stack.runner(concurrency=len(builds), wait_s=1, stop_check_s=1)
    loop = run_in_thread(runner)
    try:
        stack.recorder.wait_for(
            lambda: all(final_status(stack, f"viewer-{b}") for b in builds), WAIT_S
        )
    finally:
        runner.request_stop()
        loop.join(WAIT_S)
    assert not loop.is_alive()

    for build_id in builds:
        build = stack.services.builds.get(build_id)
        assert (build.status, build.runner_id) == ("succeeded", "runner-1"), build_id
        assert build.attempts == (2 if build_id == "b-2" else 1)
        stored, _ = stack.services.logs.read(build_id, 0, 1000)
        seqs = [line["seq"] for line in stored]
        assert seqs == list(range(1, len(seqs) + 1)), build_id  # none lost, none twice
        viewer = f"viewer-{build_id}"
        assert stack.recorder.seqs(viewer) == seqs  # what was stored was posted, in order
        assert stack.recorder.decoded(viewer)[-1]["status"] == "succeeded"
        last_attempt = stored[max(i for i, line in enumerate(stored)
                                  if line["text"].startswith("a runner took the build")):]
        started = [line["step"] for line in last_attempt if line["text"].startswith("▶ ")]
        held = [] if build_id == "b-2" else ["together"]  # b-2's last attempt ran alone
        assert started == [*held, *ScriptedGenerator.STEPS, "upload"], build_id
    texts = [line["text"] for line in stack.services.logs.read("b-2", 0, 1000)[0]]
    assert any("the runner's work disk is full" in text for text in texts)
    assert any(text.startswith("resuming build after an interrupted attempt") for text in texts)
    assert runner.slots.crashed == 0  # the crash was the build's, handled: not the thread's
    assert stack.queued_jobs() == 0


def test_a_stop_releases_every_build_in_flight_and_lets_a_finished_one_end(
    stack: Stack,
) -> None:
    holder: list[Runner] = []

    def stop_once_the_quick_one_ended() -> None:
        stack.recorder.wait_for(lambda: final_status(stack, "viewer-b-quick") is not None,
                                WAIT_S)
        holder[0].request_stop()  # what SIGTERM does

    stack.generator = BuildsAtOnce(2, when_together=stop_once_the_quick_one_ended,
                                   alone=frozenset({"b-quick"}))
    for build_id in ("b-quick", "b-held-1", "b-held-2"):
        stack.new_build(build_id)
        stack.watch(build_id, f"viewer-{build_id}")
    runner = stack.runner("runner-stopping", concurrency=3, wait_s=1, stop_check_s=1)
    holder.append(runner)
    loop = run_in_thread(runner)
    loop.join(WAIT_S)  # it returns by itself once every build ended or was released
    assert not loop.is_alive()

    assert stack.services.builds.get("b-quick").status == "succeeded"
    for build_id in ("b-held-1", "b-held-2"):
        build = stack.services.builds.get(build_id)
        assert (build.status, build.runner_id) == ("running", "runner-stopping")
        assert (build.lease_until or 0) < time.time()  # given back
        stored, _ = stack.services.logs.read(build_id, 0, 1000)
        assert stored[-1]["text"] == (
            "the runner is stopping; another runner will resume this build"
        )
    # Both jobs are visible again at once, and another runner finishes both builds.
    next_runner = stack.runner("runner-next", concurrency=3)
    assert next_runner.poll_once(0) == 2
    for build_id in ("b-held-1", "b-held-2"):
        assert stack.services.builds.get(build_id).status == "succeeded"
    assert stack.queued_jobs() == 0


def test_one_receive_takes_no_more_jobs_than_the_runner_has_free_slots(stack: Stack) -> None:
    for n in range(5):
        stack.new_build(f"b-{n}")
    runner = stack.runner(concurrency=3)
    assert runner.poll_once(0) == 3  # three run at once; two stay in the queue
    assert stack.queued_jobs() == 2
    assert runner.poll_once(0) == 2
    assert all(stack.services.builds.get(f"b-{n}").status == "succeeded" for n in range(5))
