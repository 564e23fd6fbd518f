"""Group commit: the persistence rounds of many builds share one batched write.

Every round persists its lines before posting them (see :mod:`.sink`). With one ``PutItem`` per
round, a runner with many quiet builds makes one DynamoDB call per line. :class:`GroupCommit`
coalesces them: the first round to arrive writes at once; rounds arriving while a write is in
flight wait for it, and the first of them then writes all that is waiting in one batch
(``LogStore.append_encoded_batch``: one ``BatchWriteItem`` per 25 chunks). A round returns only
once its own lines are stored, so "persisted before posted" still holds line by line; the more
builds log at once, the fewer calls per line.

No thread of its own: the writer is whichever round's worker comes first (leader/followers).
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Sequence

from build_runner.fanout import FanoutError

Lines = Sequence[tuple[int, bytes]]
BatchWriter = Callable[[list[tuple[str, Lines]]], None]


class PersistFailed(FanoutError):
    """The batched write holding a round's lines failed; the cause is chained."""


class _Request:
    __slots__ = ("build_id", "done", "error", "lines")

    def __init__(self, build_id: str, lines: Lines) -> None:
        self.build_id = build_id
        self.lines = lines
        self.done = False
        self.error: BaseException | None = None


class GroupCommit:
    """Coalesces concurrent :meth:`append` calls (any builds) into calls of ``write``.

    ``write`` gets ``[(build_id, lines), ...]``, at most ``max_requests`` of them, and stores
    them all or raises.
    """

    def __init__(self, write: BatchWriter, *, max_requests: int = 100) -> None:
        if max_requests < 1:
            raise ValueError("a batched write must be allowed at least one build's lines")
        self._write = write
        self._max = max_requests
        self._changed = threading.Condition()
        self._pending: list[_Request] = []
        self._writing = False
        self.writes = 0

    def append(self, build_id: str, lines: Lines) -> None:
        """Store ``lines`` of ``build_id``, batched with other builds' concurrent appends.

        Returns once they are stored; raises :class:`PersistFailed` when their batch failed.
        """
        if not lines:
            return
        request = _Request(build_id, lines)
        with self._changed:
            self._pending.append(request)
            self._changed.notify_all()  # lets an observer see the queue grow (tests)
            while not request.done:
                if self._writing:
                    self._changed.wait()
                    continue
                batch = self._pending[: self._max]
                del self._pending[: self._max]
                self._writing = True
                self._changed.release()
                error: BaseException | None = None
                try:
                    self._write([(r.build_id, r.lines) for r in batch])
                except Exception as exc:
                    error = exc
                finally:
                    self._changed.acquire()
                    self._writing = False
                    self.writes += 1
                    for done in batch:
                        done.done = True
                        done.error = error
                    self._changed.notify_all()
        if request.error is not None:
            raise PersistFailed(
                f"storing lines {lines[0][0]}..{lines[-1][0]} of build {build_id} failed: "
                f"{request.error}"
            ) from request.error
