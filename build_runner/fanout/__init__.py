"""The live build log on the runner's side: batching, persistence and posting to ``@connections``.

Layered like websockets' sans-I/O core:

* pure, no boto3 and no threads: the line encoder, the message envelopes and the limits are
  the core's (:mod:`apkgen_core.lines`, :mod:`apkgen_core.messages`, :mod:`apkgen_core.limits`,
  shared with the resume handler); here :mod:`.batching` (what goes out when: a live post
  carries up to one 128 KB message, which API Gateway delivers in 32 KB frames, each line
  within one frame) and :mod:`.delivery` (which errors mean "gone", "retry" or "skip"; the
  backoff schedule);
* I/O: :mod:`.poster` (one ``post_to_connection`` with bounded retries), :mod:`.commit` (the
  store writes of many builds' rounds grouped), :mod:`.hub` (:class:`FanoutHub`, the worker
  pool shared by every build) and :mod:`.sink` (:class:`FanoutSink`, the per-build
  :class:`build_runner.logs.LogSink`).

Exceptions (all under :class:`build_runner.errors.RunnerError`, itself under ``ApkgenError``)::

    RunnerError
    └── FanoutError          the fan-out was used wrongly
        └── SinkClosed       a record was emitted after ``close()``
"""

from __future__ import annotations

from build_runner.errors import RunnerError


class FanoutError(RunnerError):
    """Root of the fan-out's own errors."""


class SinkClosed(FanoutError):
    """A record or status was emitted to a sink after it was closed."""


__all__ = ["FanoutError", "SinkClosed"]
