"""moto's state on disk, so it survives a restart of moto and of the whole local stack.

moto keeps everything in memory. ``python -m local_stack _moto --state-dir DIR`` wraps moto's
WSGI app in a :class:`StateGuard`: a request that may change a service's state (a DynamoDB
``PutItem``, an S3 ``PUT``, an SQS ``SendMessage`` …) is answered only after a snapshot holding
its change is on disk. Snapshots are taken by one thread (``moto_snapshots.run_snapshots``),
one pickle per service (``s3.pickle``, ``sqs.pickle`` …), only of the services changed since
the last one, and many requests share one snapshot (group commit). So a SIGKILL of moto loses
no answered request; on the next start ``moto_snapshots.restore_backends`` loads the pickles
before moto listens.

Why not moto's recorder (``MOTO_ENABLE_RECORDING``): it appends every request, reads included,
and replays them through HTTP; a replayed ``ReceiveMessage`` gets new receipt handles, so the
replayed ``DeleteMessage`` calls miss and every finished job comes back, and the log only grows.

A snapshot needs moto's objects to hold still while they are pickled: requests run under the
shared side of a ``SharedExclusiveLock``, a snapshot under its exclusive side. An SQS long
poll would hold the shared side for up to 20 s, so the guard does the waiting itself: it asks
moto with ``WaitTimeSeconds=0`` and, between tries, waits (outside the lock) for the next change.

When the stack stops, a long poll would keep its runner (and so the whole stop) waiting for
up to 20 s: :meth:`StateGuard.end_long_polls` (``python -m local_stack _moto`` runs it on
``local_stack.servers.END_LONG_POLLS``) answers every waiting long poll at once, and every later
one without waiting. Without a state dir (``durable=False``) the guard answers changes at once
and only does the long polls' waiting.

The parts, one module each: ``moto_requests`` (pure: which services a request may change),
``moto_journal`` (the bookkeeping and the lock that requests and snapshots share),
``moto_snapshots`` (the pickles, their directory and the snapshot thread) and this module, the
WSGI guard. The pickles are tied to the moto version that wrote them (``meta.json``); state
written by another version is moved aside, and moto starts empty.
"""

from __future__ import annotations

import io
import logging
import time
from collections.abc import Callable, Iterable
from typing import Any

from local_stack.moto_journal import Journal, SharedExclusiveLock
from local_stack.moto_requests import (
    RECEIVE_MESSAGE,
    RequestKind,
    classify,
    has_messages,
    long_poll_wait_s,
    short_poll_body,
)

logger = logging.getLogger("local_stack.moto_state")

LONG_POLL_STEP_S = 0.25  # how often a waiting long poll asks again (visibility timeouts expire)
DURABLE_TIMEOUT_S = 60.0  # a request waits this long for its snapshot, then is answered anyway

_Answer = tuple[str, list[tuple[str, str]], bytes]


class StateGuard:
    """WSGI middleware around moto's app: answers a change only once it is on disk (unless
    ``durable`` is False), and does the waiting of SQS long polls itself, so that they can be
    ended (:meth:`end_long_polls`)."""

    def __init__(
        self,
        app: Callable[..., Iterable[bytes]],
        journal: Journal,
        lock: SharedExclusiveLock,
        *,
        durable: bool = True,
        durable_timeout_s: float = DURABLE_TIMEOUT_S,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.app = app
        self.journal = journal
        self.lock = lock
        self.durable = durable
        self.durable_timeout_s = durable_timeout_s
        self.clock = clock

    def end_long_polls(self) -> None:
        """Answer every waiting ``ReceiveMessage`` now (with what the queue holds, often
        nothing), and every later one without waiting: the stack is stopping, and a runner told
        to stop stops once its poll comes back. Safe to call from a signal handler."""
        self.journal.end_waiting()

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> list[bytes]:
        body = _read_body(environ)
        headers = {
            key[5:].replace("_", "-"): str(value)
            for key, value in environ.items()
            if key.startswith("HTTP_")
        }
        kind = classify(
            environ.get("REQUEST_METHOD", "GET"),
            environ.get("PATH_INFO", ""),
            environ.get("QUERY_STRING", ""),
            headers,
            body,
        )
        wait_s = long_poll_wait_s(kind, body)
        if wait_s:
            answer = self._long_poll(environ, short_poll_body(body), wait_s)
        else:
            answer, generation = self._once(environ, body, kind)
            if generation:
                self._wait_durable(generation)
        status, response_headers, data = answer
        start_response(status, response_headers)
        return [data]

    def _once(self, environ: dict[str, Any], body: bytes, kind: RequestKind) -> tuple[_Answer, int]:
        with self.lock.shared():
            answer = _call(self.app, environ, body)
            changed = kind.changes
            if kind.receive and not has_messages(answer[2]):
                changed = frozenset()
            generation = self.journal.mark(changed) if changed else 0
        return answer, generation

    def _long_poll(self, environ: dict[str, Any], body: bytes, wait_s: int) -> _Answer:
        deadline = self.clock() + wait_s
        kind = RequestKind("sqs", RECEIVE_MESSAGE, frozenset({"sqs"}))
        while True:
            seen = self.journal.generation
            answer, generation = self._once(environ, body, kind)
            remaining = deadline - self.clock()
            ended = self.journal.waiting_ended
            if generation or remaining <= 0 or ended or not answer[0].startswith("2"):
                if generation:
                    self._wait_durable(generation)
                return answer
            self.journal.wait_change(seen, min(LONG_POLL_STEP_S, remaining))

    def _wait_durable(self, generation: int) -> None:
        if not self.durable:
            return
        if not self.journal.wait_durable(generation, self.durable_timeout_s):
            logger.error(
                "moto's state was not saved within %.0f s; answering anyway", self.durable_timeout_s
            )


def _read_body(environ: dict[str, Any]) -> bytes:
    stream = environ.get("wsgi.input")
    if stream is None:
        return b""
    length = environ.get("CONTENT_LENGTH")
    if length:
        return bytes(stream.read(int(length)))
    if environ.get("wsgi.input_terminated"):
        return bytes(stream.read())
    return b""


def _call(app: Callable[..., Iterable[bytes]], environ: dict[str, Any], body: bytes) -> _Answer:
    """Run the wrapped app on a copy of ``environ`` with ``body``, collecting its answer."""
    env = dict(environ)
    env["wsgi.input"] = io.BytesIO(body)
    env["CONTENT_LENGTH"] = str(len(body))
    env.pop("HTTP_TRANSFER_ENCODING", None)
    env.pop("wsgi.input_terminated", None)
    captured: dict[str, Any] = {}
    chunks: list[bytes] = []

    def start_response(status: str, headers: list[tuple[str, str]], exc_info: Any = None) -> Any:
        captured["status"], captured["headers"] = status, headers
        return chunks.append

    result = app(env, start_response)
    try:
        chunks.extend(result)
    finally:
        close = getattr(result, "close", None)
        if close is not None:
            close()
    data = b"".join(chunks)
    headers = list(captured["headers"])
    sized = any(k.lower() == "content-length" for k, _ in headers)
    if not sized and env.get("REQUEST_METHOD") != "HEAD":
        headers.append(("Content-Length", str(len(data))))
    return captured["status"], headers, data
