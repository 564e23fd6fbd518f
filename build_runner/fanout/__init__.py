"""The live build log: sequence numbers, batching, persistence and posting to ``@connections``.

Layered like websockets' sans-I/O core:

* pure, no boto3 and no threads: :mod:`.lines` (sequencing and encoding one line),
  :mod:`.batching` (what goes out when, messages never over 32 KB), :mod:`.delivery`
  (which errors mean "gone", "retry" or "skip"; the backoff schedule);
* I/O: :mod:`.poster` (one ``post_to_connection`` with bounded retries) and :mod:`.sink`
  (:class:`FanoutHub`, the worker pool shared by every build, and :class:`FanoutSink`, the
  per-build :class:`build_runner.logs.LogSink`).

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
