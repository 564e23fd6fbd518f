"""The runner's loop: receive a job, claim its build, run it, and handle what goes wrong.

For each job (one SQS message ``{"build_id": ...}``):

* malformed body or unknown build: logged and deleted (there is nothing to build);
* the build is finished (succeeded, failed, cancelled): the job is a duplicate; deleted;
* the build is running under another runner's live lease (duplicate delivery while it builds):
  not run; the job is hidden for another visibility timeout and comes back later, when the build
  is either finished (then deleted) or abandoned (then taken over). It is not deleted because it
  may be the very message the other runner holds: if that runner died, nothing else would
  bring the build back;
* otherwise the build is claimed (a conditional write: two runners never both win) and run by
  :class:`.job.BuildAttempt`. A claim that takes over an expired lease logs
  "resuming build after an interrupted attempt by runner X" and starts over; the log's seqs
  continue after the last persisted one.

A crash of the runner itself (an unexpected exception outside the generator) leaves the job in
the queue, hidden for ``retry_delay_s``, so it is retried; the lease is given back first. On
the delivery numbered ``max_receive_count`` the build is marked ``failed`` with "gave up after N
attempts: <reason>" and the job deleted. A job that still reaches the dead-letter queue (every
runner holding it was killed) is handled by :meth:`Runner.drain_dlq`, called every loop: its
build ends ``failed`` with a reason saying so.

Several builds at once: the runner runs up to ``config.concurrency`` jobs, each in a thread of
its own (:mod:`.slots`) with its own work folder, lease and heartbeat; the generator and the
fan-out hub are shared. A receive takes at most as many messages as slots are free (and at most
10), so no job waits unwatched in the runner. A build thread that crashes is handled as above
and frees its slot; the other builds go on.

Shutdown: :meth:`Runner.request_stop` (SIGTERM/SIGINT) stops receiving at once (the long poll is
made of receives of at most ``stop_check_s``; a job received after the stop is given back
unclaimed) and makes every running build stop at its next step boundary and be released (lease
ended, job visible again); the loop returns when every build thread has ended.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from functools import partial

from apkgen_core import messages as wire
from build_runner.fanout.sink import FanoutHub
from build_runner.logs import BuildLog, LogSink
from build_runner.runner import outcome
from build_runner.runner.config import RunnerConfig, Services
from build_runner.runner.job import BuildAttempt, GeneratorLike, release
from build_runner.runner.slots import BuildSlots, receive_batch
from build_runner.runner.store_wait import STORE_POLL_S, StoreWait, store_origin, unreachable_reason
from chalicelib.builds import FAILED, RUNNING, TERMINAL, Build
from chalicelib.errors import BuildNotFound, ClaimConflict
from chalicelib.jobs import Job

logger = logging.getLogger(__name__)

DLQ_BATCH = 10


class Runner:
    """Takes jobs from the queue and runs up to ``config.concurrency`` of them at once, each in
    a thread of its own. Thread-safe ``request_stop``."""

    def __init__(
        self,
        services: Services,
        generator: GeneratorLike,
        hub: FanoutHub,
        config: RunnerConfig,
        *,
        clock: Callable[[], float] = time.time,
        extra_sinks: tuple[LogSink, ...] = (),
    ) -> None:
        self.s = services
        self.generator = generator
        self.hub = hub
        self.config = config
        self.clock = clock
        self.extra_sinks = extra_sinks
        self.stopping = threading.Event()
        self.slots = BuildSlots(config.concurrency)
        # Per build thread: the build id it holds a claim on, during an attempt.
        self._local = threading.local()

    @property
    def _holding(self) -> str | None:
        holding: str | None = getattr(self._local, "holding", None)
        return holding

    @_holding.setter
    def _holding(self, build_id: str | None) -> None:
        self._local.holding = build_id

    def request_stop(self) -> None:
        """Receive no more jobs; every build running stops at its next step boundary and is
        released (or ends, when it already had)."""
        self.stopping.set()
        self.slots.interrupt()

    def run(self, *, once: bool = False) -> int:
        """Loop until stopped (or, with ``once``, after one receive); returns the jobs handled.

        Receives whenever a build slot is free and returns once every build thread has ended.
        When the store cannot be reached (moto down or restarting) the loop says once that it
        waits for it and tries again every ``STORE_POLL_S`` (see ``store_wait``); after other
        errors it logs them and tries again after ``config.error_backoff_s``. With ``once``
        the error is raised instead.
        """
        handled = 0
        wait = StoreWait(f"the job queue at {self._store_origin()}", logger.warning)
        try:
            while not self.stopping.is_set():
                free = self.slots.wait_free(self.stopping)
                if free == 0:
                    continue  # stopping, or woken for nothing
                try:
                    handled += self._dispatch(self.config.wait_s, free)
                    wait.reached()
                except Exception as exc:
                    if once:
                        raise
                    reason = unreachable_reason(exc)
                    if reason is not None:
                        wait.unreachable(reason)
                        self.stopping.wait(STORE_POLL_S)
                        continue
                    logger.exception(
                        "runner %s: receiving jobs failed; trying again in %.0f s",
                        self.config.runner_id, self.config.error_backoff_s,
                    )
                    self.stopping.wait(self.config.error_backoff_s)
                if once:
                    break
        finally:
            self.slots.wait_idle()
        return handled

    def _store_origin(self) -> str:
        try:
            return store_origin(self.s.queue.queue_url)
        except Exception:
            return "(queue URL unknown)"

    def poll_once(self, wait_s: int | None = None) -> int:
        """Drain the dead-letter queue, receive (long poll) as many jobs as slots are free, run
        them at once and return when they have ended; returns the jobs received."""
        try:
            return self._dispatch(self.config.wait_s if wait_s is None else wait_s,
                                  self.slots.free())
        finally:
            self.slots.wait_idle()

    def _dispatch(self, wait_s: int, free: int) -> int:
        """Drain the dead-letter queue, receive up to ``free`` jobs and start each in a slot;
        returns the jobs received (a job received once stopping is given back unclaimed)."""
        self.drain_dlq()
        batch = receive_batch(free)
        if batch == 0:
            return 0
        jobs = self._receive(wait_s, batch)
        for job in jobs:
            if self.stopping.is_set():
                self._give_back(job)
            else:
                self.slots.start(f"build-{(job.build_id or job.message_id)[:12]}",
                                 partial(self.handle, job))
        return len(jobs)

    def _receive(self, wait_s: int, max_messages: int) -> list[Job]:
        """Long-poll for up to ``wait_s`` seconds in receives of at most ``stop_check_s``, until
        a job comes or the runner is asked to stop."""
        left = wait_s
        while True:
            part = min(left, self.config.stop_check_s) if self.config.stop_check_s > 0 else left
            jobs = self.s.queue.receive(part, max_messages, self.config.visibility_s)
            left -= part
            if jobs or left <= 0 or self.stopping.is_set():
                return jobs

    def _give_back(self, job: Job) -> None:
        """Make a job received while stopping visible again at once (best effort)."""
        try:
            self.s.queue.extend(job.receipt_handle, 0)
        except Exception as exc:
            logger.warning("job %s: could not give it back: %s", job.message_id, exc)

    # -- one job -----------------------------------------------------------------------------

    def handle(self, job: Job) -> str:
        """Handle one received job; returns what happened (for logs and tests).

        ``succeeded``, ``failed``, ``cancelled``, ``released``, ``lost`` (from the attempt),
        ``malformed``, ``unknown``, ``duplicate`` (build already finished), ``held`` (another
        runner holds a live lease), ``retry`` (crashed, will be retried), ``gave-up``.
        """
        if job.error:
            logger.error("deleting a job that names no build: %s", job.error)
            self.s.queue.delete(job.receipt_handle)
            return "malformed"
        try:
            return self._handle(job)
        except Exception as exc:
            return self._crashed(job, exc)
        finally:
            self._holding = None

    def _handle(self, job: Job) -> str:
        s, build_id = self.s, job.build_id
        try:
            before = s.builds.get(build_id)
        except BuildNotFound as exc:
            logger.error("deleting the job of an unknown build: %s", exc)
            s.queue.delete(job.receipt_handle)
            return "unknown"
        if before.terminal:
            logger.info("build %s is already %s; deleting its duplicate job", build_id,
                        before.status)
            s.queue.delete(job.receipt_handle)
            return "duplicate"
        try:
            build = s.builds.claim(build_id, self.config.runner_id, self.clock(),
                                   self.config.lease_s)
        except ClaimConflict as exc:
            if exc.status in TERMINAL:
                s.queue.delete(job.receipt_handle)
                return "duplicate"
            logger.info("build %s is held by another runner (%s); leaving its job", build_id, exc)
            s.queue.extend(job.receipt_handle, self.config.visibility_s)
            return "held"
        self._holding = build_id
        previous = before.runner_id if before.status == RUNNING else None
        logger.info("build %s claimed (attempt %d)%s", build_id, build.attempts,
                    f", taking over from {previous}" if previous else "")
        attempt = BuildAttempt(
            services=s, generator=self.generator, hub=self.hub, config=self.config, job=job,
            build=build, previous_runner=previous, stopping=self.stopping, clock=self.clock,
            extra_sinks=self.extra_sinks,
        )
        return attempt.run()

    def _crashed(self, job: Job, exc: Exception) -> str:
        reason = outcome.clip(f"{type(exc).__name__}: {exc}", 300)
        logger.exception(
            "runner crashed on build %s (delivery %d of %d)",
            job.build_id, job.receive_count, self.config.max_receive_count,
        )
        if job.receive_count >= self.config.max_receive_count:
            try:
                self._give_up(job, outcome.gave_up(job.receive_count, reason))
            except Exception:
                logger.exception(
                    "build %s: could not record giving up; the dead-letter queue will",
                    job.build_id,
                )
                return "retry"
            return "gave-up"
        if self._holding == job.build_id:
            release(self.s, self.config, job.build_id, job, self.clock())
        try:
            self.s.queue.extend(job.receipt_handle, self.config.retry_delay_s)
        except Exception as retry_exc:
            logger.warning("build %s: could not schedule the retry: %s", job.build_id, retry_exc)
        return "retry"

    def _give_up(self, job: Job, error: str) -> None:
        """Mark the build failed with ``error`` (claiming it first if needed), delete the job."""
        if self.fail_build(job.build_id, error):
            self.s.queue.delete(job.receipt_handle)

    def fail_build(self, build_id: str, error: str) -> bool:
        """End ``build_id`` as failed with ``error`` and tell its viewers.

        Claims the build first unless this runner holds it. Returns False when another runner
        holds a live lease on it (nothing is written); True when it is now failed or was
        already finished.
        """
        s, now = self.s, self.clock()
        if self._holding != build_id:
            try:
                s.builds.claim(build_id, self.config.runner_id, now, self.config.lease_s)
            except BuildNotFound:
                return True
            except ClaimConflict as exc:
                return exc.status in TERMINAL
        report = outcome.internal_failure().problems
        report["summary"] = error
        final = s.builds.finish(build_id, self.config.runner_id, FAILED, now, error=error,
                                problems=report)
        self._announce(final, error)
        return True

    def _announce(self, final: Build, error: str) -> None:
        """Log ``error`` as the build's last line and push its final status to the viewers."""
        sink = self.hub.open(final.build_id, after_seq=self.s.logs.last_seq(final.build_id))
        try:
            BuildLog(sink).error(error)
            sink.push_status(wire.status_message(final, last_seq=sink.last_seq))
        finally:
            sink.close(self.config.flush_timeout_s)

    # -- the dead-letter queue ---------------------------------------------------------------

    def drain_dlq(self) -> int:
        """Fail the builds whose jobs reached the dead-letter queue; returns how many."""
        if self.s.dlq is None:
            return 0
        failed = 0
        for job in self.s.dlq.receive(0, DLQ_BATCH, self.config.visibility_s):
            try:
                if self._dead_letter(job):
                    failed += 1
            except Exception:
                logger.exception("could not handle dead-lettered job %s", job.message_id)
        return failed

    def _dead_letter(self, job: Job) -> bool:
        s = self.s
        assert s.dlq is not None
        if job.error:
            logger.error("deleting a dead-lettered job that names no build: %s", job.error)
            s.dlq.delete(job.receipt_handle)
            return False
        try:
            build = s.builds.get(job.build_id)
        except BuildNotFound:
            s.dlq.delete(job.receipt_handle)
            return False
        if build.terminal:
            s.dlq.delete(job.receipt_handle)
            return False
        if build.status == RUNNING and (build.lease_until or 0) > self.clock():
            return False  # a live runner still builds it; look again after the visibility timeout
        attempts = max(build.attempts, self.config.max_receive_count)
        error = outcome.dead_lettered(attempts, build.runner_id)
        logger.error("build %s: %s", job.build_id, error)
        if self.fail_build(job.build_id, error):
            s.dlq.delete(job.receipt_handle)
            return True
        return False
