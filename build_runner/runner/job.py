"""One attempt at one claimed build: from the upload to the final status.

Order: open the build's fan-out sink (seqs continue after the persisted ones), push the
``running`` status, start the heartbeat, fetch the source, run the generator with the build log
and the cancel check, upload the APK and the report, record the final status (``finish``),
flush the log, push the final status, email the organizer, delete the job.

How an attempt ends (the value :meth:`BuildAttempt.run` returns):

* ``succeeded`` / ``failed`` / ``cancelled``: recorded in the build item, job deleted;
* ``released``: the runner is stopping (SIGTERM/SIGINT); the lease is given back and the job made
  visible again at once, so another runner resumes the build;
* ``lost``: another runner took the build over, or may have (our lease ran out before it was
  renewed); nothing is recorded and the job is left to that runner. From the moment the lease
  may have run out (:data:`LEASE_MARGIN_S` before its end, by this runner's clock), the
  attempt's log lines are no longer written: the next runner continues the seqs after the last
  stored line, and both writing would make two different lines with one seq.

Recording the final status (:meth:`BuildAttempt._record`) never fails on the report's size:
the item keeps a bounded summary and the whole report is ``report.json`` beside the artifact.
A write DynamoDB refuses anyway (``ValidationException``) is made again with only the
problems' counts; one that fails otherwise (throttled, unreachable) is tried again after each
of :data:`RECORD_RETRY_DELAYS_S`. When every try failed the runner logs it, the build's log
says so, the viewers get a final ``failed`` status saying the result could not be recorded,
and :class:`build_runner.errors.RunnerError` (with the AWS code) is raised: a crash, so the
build is retried like any other.

Anything else raised here is a crash of the runner itself; :mod:`.loop` decides whether to
retry or give up. A full work disk is one (:class:`build_runner.errors.WorkDiskFull`, raised
for ``ENOSPC``/``EDQUOT`` or a tool that says so): the runner's fault, never reported as a
problem of the upload; the build is handed back and retried, and fails only after the last
delivery, saying the runner's disk was full.
"""

from __future__ import annotations

import dataclasses
import logging
import shutil
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any, Protocol

from apkgen_core import messages as wire
from build_runner.errors import (
    BuildCancelled,
    InputError,
    RunnerError,
    ToolchainError,
    WorkDiskFull,
    disk_full,
    is_disk_full,
)
from build_runner.fanout.sink import FanoutHub, FanoutSink
from build_runner.generate.pipeline import GenerateOptions, GenerateResult
from build_runner.logs import BuildLog, LogSink
from build_runner.redact import RedactingSink
from build_runner.runner import outcome
from build_runner.runner.config import RunnerConfig, Services
from build_runner.runner.watch import LOST, STOPPING, CancelCheck, Heartbeat, StepTracker
from chalicelib.builds import CANCELLED, FAILED, SUCCEEDED, Build
from chalicelib.errors import ClaimConflict, StoreError
from chalicelib.jobs import Job

logger = logging.getLogger(__name__)

# The attempt stops writing its log this long before its lease ends (at most a quarter of the
# lease): room for the clocks of two runners to differ and for a write already started to end.
LEASE_MARGIN_S = 10.0

CANCELLED_BY_ORGANIZER = "cancelled by the organizer"

# Waits before each new try at recording the final status when DynamoDB refused it.
RECORD_RETRY_DELAYS_S = (0.1, 0.5, 2.0)


class GeneratorLike(Protocol):
    """What the runner needs of :class:`build_runner.generate.pipeline.Generator`."""

    def generate(
        self,
        source: str | Path,
        out_apk: Path,
        options: GenerateOptions,
        log: BuildLog,
        cancelled: Callable[[], bool] = ...,
    ) -> GenerateResult: ...


class BuildAttempt:
    """Runs one claimed build. Create one per attempt; call :meth:`run` once."""

    def __init__(
        self,
        *,
        services: Services,
        generator: GeneratorLike,
        hub: FanoutHub,
        config: RunnerConfig,
        job: Job,
        build: Build,
        previous_runner: str | None,
        stopping: threading.Event,
        clock: Callable[[], float] = time.time,
        extra_sinks: tuple[LogSink, ...] = (),
        record_retry_delays_s: tuple[float, ...] = RECORD_RETRY_DELAYS_S,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.s = services
        self.record_retry_delays_s = record_retry_delays_s
        self.sleep = sleep
        self.generator = generator
        self.hub = hub
        self.config = config
        self.job = job
        self.build = build
        self.previous_runner = previous_runner
        self.stopping = stopping
        self.clock = clock
        self.extra_sinks = extra_sinks
        self.build_id = build.build_id
        self.sink: FanoutSink | None = None
        self.heartbeat: Heartbeat | None = None
        # Until when this runner holds the build: from the claim, moved by every renewal.
        self.lease_until = build.lease_until or (clock() + config.lease_s)

    # -- the attempt ----------------------------------------------------------------------------

    def run(self) -> str:
        """Run the build to its end; see the module docstring for the values returned."""
        s, build_id = self.s, self.build_id
        cancel = CancelCheck(
            lambda: s.builds.get(build_id).cancel_requested,
            stopping=self.stopping,
            ttl_s=self.config.cancel_check_s,
        )

        def holds_lease() -> bool:
            if self.clock() < self.lease_until - min(LEASE_MARGIN_S, self.config.lease_s / 4):
                return True
            cancel.lost.set()  # stop at the next step boundary, as when another runner took it
            return False

        def renew_lease() -> Build:
            renewed = s.builds.renew_lease(
                build_id, self.config.runner_id, self.clock(), self.config.lease_s
            )
            if renewed.lease_until and not cancel.lost.is_set():
                self.lease_until = renewed.lease_until
            return renewed

        sink = self.sink = self.hub.open(
            build_id, after_seq=s.logs.last_seq(build_id), fence=holds_lease
        )
        cancel.note(self.build.cancel_requested)
        heartbeat = self.heartbeat = Heartbeat(
            interval_s=self.config.heartbeat_s,
            extend_message=lambda: s.queue.extend(
                self.job.receipt_handle, self.config.visibility_s
            ),
            renew_lease=renew_lease,
            write_step=lambda step: s.builds.set_step(
                build_id, self.config.runner_id, step, self.clock()
            ),
            cancel=cancel,
            is_conflict=lambda exc: isinstance(exc, ClaimConflict),
        )

        def on_step(step: str) -> None:
            self.build = dataclasses.replace(self.build, step=step, updated_at=self.clock())
            sink.push_status(wire.status_message(self.build, last_seq=sink.last_seq))
            heartbeat.step_changed(step)

        # The organizer's sink reads no runner path, host or endpoint; extra sinks (the
        # operators') get the raw text.
        log = BuildLog(RedactingSink(sink, self.config.redact),
                       StepTracker(on_step, self.build.step), *self.extra_sinks)
        if self.previous_runner:
            logger.info("build %s: resuming after an interrupted attempt by runner %s",
                        build_id, self.previous_runner)
            log.warning("resuming build after an interrupted attempt by another runner; "
                        "starting over from the upload")
        logger.info("build %s: runner %s took it", build_id, self.config.runner_id)
        log.info(f"a runner took the build (attempt {self.build.attempts}, delivery "
                 f"{self.job.receive_count})")
        sink.push_status(wire.status_message(self.build, last_seq=sink.last_seq))
        heartbeat.start()
        work = self.config.work_dir / build_id
        try:
            return self._build(log, cancel, work)
        except (OSError, ToolchainError) as exc:
            if not is_disk_full(exc):
                raise
            full = disk_full(exc, "running the build")
            log.error(str(full))
            raise full from exc
        except WorkDiskFull as exc:
            log.error(str(exc))
            raise
        finally:
            heartbeat.stop()
            sink.close(self.config.flush_timeout_s)
            shutil.rmtree(work, ignore_errors=True)

    def _build(self, log: BuildLog, cancel: CancelCheck, work: Path) -> str:
        shutil.rmtree(work, ignore_errors=True)
        work.mkdir(parents=True)
        source = self._source(work)
        options = outcome.generate_options(self.build.options)
        try:
            result = self.generator.generate(source, work / "app.apk", options, log, cancel)
        except BuildCancelled as exc:
            return self._cancelled(log, cancel, str(exc))
        except InputError as exc:
            failure = outcome.input_failure(exc)
        except ToolchainError as exc:
            if is_disk_full(exc):  # the runner's disk, not the tool: retried, not failed
                raise
            failure = outcome.toolchain_failure(exc)
        except Exception as exc:
            if isinstance(exc, WorkDiskFull) or is_disk_full(exc):
                raise  # handed back by run(), see the module docstring
            logger.exception("build %s: the generator failed unexpectedly", self.build_id)
            failure = outcome.internal_failure()
        else:
            if cancel.reason in (LOST, STOPPING):
                return self._cancelled(log, cancel, "finished while stopping")
            return self._succeeded(log, result)
        failure = outcome.Failure(self.config.redact(failure.error),
                                  self.config.redact.value(failure.problems))
        log.error(f"build failed: {failure.error}")
        report_key = self.s.objects.put_report(self.build_id, failure.problems)
        return self._finish(log, FAILED, error=failure.error, problems=failure.problems,
                            report_key=report_key)

    def _source(self, work: Path) -> str | Path:
        source = self.build.source
        kind = source.get("kind")
        if kind == "upload":
            return self.s.objects.download(source["key"], work / "upload.zip")
        if kind == "url":
            return source["url"]
        raise ValueError(
            f"build {self.build_id} has source {source!r}; expected "
            '{"kind": "upload", "key": ...} or {"kind": "url", "url": ...}'
        )

    def _succeeded(self, log: BuildLog, result: GenerateResult) -> str:
        with log.step("upload"):
            key = self.s.objects.put_artifact(
                self.build_id, result.apk_path, f"{result.package}.apk"
            )
            report_key = self.s.objects.put_report(self.build_id, result.report)
            log.info(f"uploaded {result.package}.apk ({result.size} bytes, sha256 {result.sha256})")
        return self._finish(
            log, SUCCEEDED, artifact=outcome.artifact_of(result, key), problems=result.report,
            report_key=report_key,
        )

    def _cancelled(self, log: BuildLog, cancel: CancelCheck, detail: str) -> str:
        reason = cancel.reason
        if reason == LOST:
            log.warning("another runner took this build over; this attempt stops here")
            return "lost"
        if reason == STOPPING:
            log.warning("the runner is stopping; another runner will resume this build")
            self.release()
            return "released"
        log.warning(f"build cancelled ({detail})")
        return self._finish(log, CANCELLED, error=CANCELLED_BY_ORGANIZER)

    # -- bookkeeping ----------------------------------------------------------------------------

    def _finish(
        self,
        log: BuildLog,
        status: str,
        *,
        error: str | None = None,
        problems: dict[str, Any] | None = None,
        artifact: dict[str, Any] | None = None,
        report_key: str | None = None,
    ) -> str:
        s, sink = self.s, self.sink
        assert sink is not None and self.heartbeat is not None
        self.heartbeat.stop()  # no lease renewal may land after the final write
        now = self.clock()
        try:
            final = self._record(status, now, error=error, problems=problems,
                                 artifact=artifact, report_key=report_key)
        except ClaimConflict as exc:
            logger.warning("build %s: lost before it could be recorded: %s", self.build_id, exc)
            return "lost"
        except StoreError as exc:
            self._unrecorded(log, status, exc)
            raise RunnerError(
                f"the {status} result of build {self.build_id} could not be recorded: {exc}",
                exc.code,
            ) from exc
        download_url = s.objects.artifact_url(final.artifact)
        sink.flush(self.config.flush_timeout_s)
        sink.push_status(
            wire.status_message(final, last_seq=sink.last_seq, download_url=download_url)
        )
        sink.close(self.config.flush_timeout_s)
        email = final.options.get("email")
        if s.mailer is not None and email and status in (SUCCEEDED, FAILED):
            s.mailer.notify(
                str(email), self.build_id, status,
                label=(final.artifact or {}).get("label") or final.options.get("app_name"),
                error=final.error, download_url=download_url,
            )
        s.queue.delete(self.job.receipt_handle)
        logger.info("build %s %s", self.build_id, status)
        return status

    def _record(
        self,
        status: str,
        now: float,
        *,
        error: str | None,
        problems: dict[str, Any] | None,
        artifact: dict[str, Any] | None,
        report_key: str | None,
    ) -> Build:
        """Write the final status; see the module docstring for the tries.

        Raises ClaimConflict when another runner holds the build, StoreError (the last one)
        when every try failed."""
        s, runner_id = self.s, self.config.runner_id
        delays = iter(self.record_retry_delays_s)
        tries = 0
        while True:
            tries += 1
            try:
                return s.builds.finish(self.build_id, runner_id, status, now, error=error,
                                       problems=problems, artifact=artifact,
                                       report_key=report_key)
            except ClaimConflict:
                if tries == 1:
                    raise
                # An earlier try may have been written though its answer was lost.
                current = s.builds.get(self.build_id)
                if (current.status, current.runner_id, current.artifact) == (
                    status, runner_id, artifact
                ):
                    return current
                raise
            except StoreError as exc:
                if exc.code == "ValidationException" and problems is not None and (
                    problems != outcome.counts_only(problems)
                ):
                    logger.warning("build %s: the final status was refused (%s); recording it "
                                   "with the problems' counts only", self.build_id, exc)
                    problems = outcome.counts_only(problems)
                    continue
                delay = next(delays, None)
                if delay is None:
                    raise
                logger.warning("build %s: could not record its %s status (%s); trying again "
                               "in %.1f s", self.build_id, status, exc, delay)
                self.sleep(delay)

    def _unrecorded(self, log: BuildLog, status: str, exc: StoreError) -> None:
        """Say everywhere that the final status could not be written (the build is retried)."""
        assert self.sink is not None
        message = outcome.unrecorded(status, exc.code)
        logger.error("build %s: %s: %s", self.build_id, message, exc)
        log.error(message)
        self.sink.flush(self.config.flush_timeout_s)
        shown = dataclasses.replace(self.build, status=FAILED, error=message,
                                    updated_at=self.clock())
        self.sink.push_status(wire.status_message(shown, last_seq=self.sink.last_seq))
        self.sink.flush(self.config.flush_timeout_s)

    def release(self) -> None:
        """Give the build back: its lease ends now and its job is visible again at once."""
        if self.heartbeat is not None:
            self.heartbeat.stop()  # or it would renew the lease given back
        release(self.s, self.config, self.build_id, self.job, self.clock())


def release(services: Services, config: RunnerConfig, build_id: str, job: Job, now: float) -> None:
    """End our lease on ``build_id`` (a lease in the past) and make ``job`` visible now.

    Best effort: a failure is logged; the lease and the visibility timeout expire anyway.
    """
    try:
        services.builds.renew_lease(build_id, config.runner_id, now, -1.0)
    except Exception as exc:
        logger.warning("build %s: could not end the lease: %s", build_id, exc)
    try:
        services.queue.extend(job.receipt_handle, 0)
    except Exception as exc:
        logger.warning("build %s: could not make the job visible again: %s", build_id, exc)
