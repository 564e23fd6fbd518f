"""moto's state on disk, so it survives a restart of moto and of the whole local stack.

moto keeps everything in memory. ``python -m local_stack _moto --state-dir DIR`` wraps moto's
WSGI app in a :class:`StateGuard`: a request that may change a service's state (a DynamoDB
``PutItem``, an S3 ``PUT``, an SQS ``SendMessage`` …) is answered only after a snapshot holding
its change is on disk. Snapshots are taken by one thread (:func:`run_snapshots`), one pickle per
service (``s3.pickle``, ``sqs.pickle`` …), only of the services changed since the last one, and
many requests share one snapshot (group commit). So a SIGKILL of moto loses no answered
request; on the next start :func:`restore_backends` loads the pickles before moto listens.

Why not moto's recorder (``MOTO_ENABLE_RECORDING``): it appends every request, reads included,
and replays them through HTTP; a replayed ``ReceiveMessage`` gets new receipt handles, so the
replayed ``DeleteMessage`` calls miss and every finished job comes back, and the log only grows.

A snapshot needs moto's objects to hold still while they are pickled: requests run under the
shared side of a :class:`SharedExclusiveLock`, a snapshot under its exclusive side. An SQS long
poll would hold the shared side for up to 20 s, so the guard does the waiting itself: it asks
moto with ``WaitTimeSeconds=0`` and, between tries, waits (outside the lock) for the next change.

Pure parts: :func:`classify` (which services a request may change) and the :class:`Journal`'s
bookkeeping. The pickles are tied to the moto version that wrote them (``meta.json``); state
written by another version is moved aside, and moto starts empty.
"""

from __future__ import annotations

import contextlib
import copyreg
import io
import json
import logging
import os
import pickle
import re
import threading
import time
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, unquote

logger = logging.getLogger("local_stack.moto_state")

SERVICES: frozenset[str] = frozenset({"s3", "sqs", "dynamodb", "ses"})
READ_ONLY: Mapping[str, frozenset[str]] = {
    "dynamodb": frozenset(
        {
            "GetItem", "BatchGetItem", "Query", "Scan", "DescribeTable", "DescribeTimeToLive",
            "ListTables", "TransactGetItems", "DescribeContinuousBackups", "ListTagsOfResource",
            "DescribeEndpoints",
        }
    ),
    "sqs": frozenset(
        {"GetQueueUrl", "GetQueueAttributes", "ListQueues", "ListQueueTags",
         "ListDeadLetterSourceQueues"}
    ),
    "ses": frozenset(
        {"ListIdentities", "GetIdentityVerificationAttributes", "GetSendQuota",
         "GetSendStatistics", "ListVerifiedEmailAddresses"}
    ),
}  # fmt: skip
READ_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
RECEIVE_MESSAGE = "ReceiveMessage"
LONG_POLL_STEP_S = 0.25  # how often a waiting long poll asks again (visibility timeouts expire)
DURABLE_TIMEOUT_S = 60.0  # a request waits this long for its snapshot, then is answered anyway
RETRY_S = 1.0
_SCOPE = re.compile(r"/(s3|sqs|dynamodb|ses|email)/aws4_request")


@dataclass(frozen=True)
class RequestKind:
    """What a request to moto may do. ``changes``: the services whose state it may change
    (empty for a read); ``action``: the AWS action when the request names one."""

    service: str | None
    action: str | None
    changes: frozenset[str]

    @property
    def receive(self) -> bool:
        return self.service == "sqs" and self.action == RECEIVE_MESSAGE


def _action_from_form(text: str) -> str | None:
    for key, value in parse_qsl(text, keep_blank_values=True):
        if key == "Action":
            return value
    return None


def classify(
    method: str, path: str, query: str, headers: Mapping[str, str], body: bytes
) -> RequestKind:
    """Which service a request is for and which services' state it may change. Pure.

    The service comes from the JSON protocols' ``X-Amz-Target`` (DynamoDB, SQS) or the SigV4
    credential scope (header, presigned query string or presigned POST form); the action from
    the target or the query protocol's ``Action``. Unknown requests that are not reads may
    change anything. ``ReceiveMessage`` counts as a change only when it returns messages, which
    the caller knows afterwards (moving a message to the dead-letter queue is redone then).
    """
    method = method.upper()
    lowered = {k.lower(): v for k, v in headers.items()}
    if path.startswith("/moto-api"):
        return RequestKind(None, None, frozenset() if method in READ_METHODS else SERVICES)
    target = lowered.get("x-amz-target", "")
    service: str | None = None
    action: str | None = None
    if target.startswith("DynamoDB_"):
        service, action = "dynamodb", target.rpartition(".")[2]
    elif target.startswith("AmazonSQS."):
        service, action = "sqs", target.rpartition(".")[2]
    else:
        head = body[:8192].decode("latin-1")
        scope = _SCOPE.search(f"{lowered.get('authorization', '')} {unquote(query)} {head}")
        if scope:
            service = "ses" if scope.group(1) == "email" else scope.group(1)
        if service != "s3":
            action = _action_from_form(query) or _action_from_form(head)
    if service is None:
        return RequestKind(None, action, frozenset() if method in READ_METHODS else SERVICES)
    if service == "s3":
        changes = frozenset() if method in READ_METHODS else frozenset({"s3"})
        return RequestKind(service, None, changes)
    if action is None:
        changes = frozenset() if method in READ_METHODS else frozenset({service})
    else:
        changes = frozenset() if action in READ_ONLY.get(service, ()) else frozenset({service})
    return RequestKind(service, action, changes)


def long_poll_wait_s(kind: RequestKind, body: bytes) -> int:
    """The ``WaitTimeSeconds`` of an SQS ``ReceiveMessage`` in the JSON protocol, else 0. Pure."""
    if not kind.receive:
        return 0
    try:
        return max(0, int(json.loads(body or b"{}").get("WaitTimeSeconds") or 0))
    except (ValueError, TypeError, AttributeError):
        return 0


def short_poll_body(body: bytes) -> bytes:
    """The same ``ReceiveMessage`` request (JSON protocol) without waiting. Pure."""
    request = json.loads(body or b"{}")
    request["WaitTimeSeconds"] = 0
    return json.dumps(request).encode()


def has_messages(answer: bytes) -> bool:
    """Whether a ``ReceiveMessage`` answer (JSON or XML) holds any message. Pure."""
    if answer.lstrip().startswith(b"{"):
        try:
            return bool(json.loads(answer).get("Messages"))
        except ValueError:
            return True
    return b"<Message>" in answer


class Journal:
    """Which services changed since the last snapshot, and which changes are on disk.

    Requests call :meth:`mark` (under the shared lock) and then :meth:`wait_durable`; the
    snapshot thread calls :meth:`wait_pending`, :meth:`take` (under the exclusive lock), then
    :meth:`committed` or :meth:`failed`. Generations count changes: ``durable >= g`` means
    change ``g`` is on disk. Thread-safe; no I/O.
    """

    def __init__(self) -> None:
        self._cond = threading.Condition()
        self.generation = 0
        self.durable = 0
        self._dirty: set[str] = set()

    def mark(self, services: Iterable[str]) -> int:
        with self._cond:
            self.generation += 1
            self._dirty.update(services)
            self._cond.notify_all()
            return self.generation

    def wait_change(self, seen: int, timeout: float) -> int:
        """Wait until a change after generation ``seen`` (or ``timeout``); the generation."""
        with self._cond:
            self._cond.wait_for(lambda: self.generation > seen, timeout)
            return self.generation

    def wait_pending(self, timeout: float) -> bool:
        with self._cond:
            return self._cond.wait_for(lambda: self.generation > self.durable, timeout)

    def take(self) -> tuple[int, frozenset[str]]:
        with self._cond:
            services, self._dirty = frozenset(self._dirty), set()
            return self.generation, services

    def committed(self, generation: int) -> None:
        with self._cond:
            self.durable = max(self.durable, generation)
            self._cond.notify_all()

    def failed(self, services: Iterable[str]) -> None:
        with self._cond:
            self._dirty.update(services)

    def wait_durable(self, generation: int, timeout: float) -> bool:
        with self._cond:
            return self._cond.wait_for(lambda: self.durable >= generation, timeout)


class SharedExclusiveLock:
    """Many holders of the shared side, or one of the exclusive side; a waiting exclusive
    holder goes first (new shared holders wait), so snapshots are not starved."""

    def __init__(self) -> None:
        self._cond = threading.Condition()
        self._shared = 0
        self._exclusive = False
        self._waiting = 0

    @contextlib.contextmanager
    def shared(self) -> Iterator[None]:
        with self._cond:
            self._cond.wait_for(lambda: not self._exclusive and not self._waiting)
            self._shared += 1
        try:
            yield
        finally:
            with self._cond:
                self._shared -= 1
                self._cond.notify_all()

    @contextlib.contextmanager
    def exclusive(self) -> Iterator[None]:
        with self._cond:
            self._waiting += 1
            self._cond.wait_for(lambda: not self._exclusive and not self._shared)
            self._waiting -= 1
            self._exclusive = True
        try:
            yield
        finally:
            with self._cond:
                self._exclusive = False
                self._cond.notify_all()


# -- moto's backends as bytes ---------------------------------------------------------------------

_DISPATCH = copyreg.dispatch_table.copy()
_DISPATCH[type(threading.Lock())] = lambda _: (threading.Lock, ())
_DISPATCH[type(threading.RLock())] = lambda _: (threading.RLock, ())
_DISPATCH[threading.Condition] = lambda _: (threading.Condition, ())
_DISPATCH[threading.Event] = lambda _: (threading.Event, ())


# What a BackendDict sets up itself; other attributes are state (S3's ``bucket_accounts``).
_BACKEND_DICT_OWN = frozenset(
    {"backend", "service_name", "_use_boto3_regions", "_additional_regions", "_id"}
)


def dump_backend(service: str) -> bytes:
    """moto's state of one service, pickled: every account's backends and the attributes of
    the service's backend dict (its locks become new, unheld locks)."""
    from moto.backends import get_backend

    backend: Any = get_backend(service)  # type: ignore[call-overload]
    out = io.BytesIO()
    pickler = pickle.Pickler(out, protocol=pickle.HIGHEST_PROTOCOL)
    pickler.dispatch_table = _DISPATCH
    extras = {k: v for k, v in vars(backend).items() if k not in _BACKEND_DICT_OWN}
    pickler.dump({"accounts": dict(backend), "attributes": extras})
    return out.getvalue()


def restore_backends(blobs: Mapping[str, bytes]) -> None:
    """Put pickled state back into moto's backends; call before moto serves a request."""
    from moto.backends import get_backend

    for service, blob in blobs.items():
        backend = get_backend(service)  # type: ignore[call-overload]
        restored = pickle.loads(blob)  # our own state dir, written by this module
        backend.clear()
        backend.update(restored["accounts"])
        for name, value in restored["attributes"].items():
            setattr(backend, name, value)


class SnapshotStore:
    """``DIR/{service}.pickle`` and ``DIR/meta.json`` (the moto version); atomic replaces."""

    def __init__(self, directory: Path, version: str) -> None:
        self.directory = directory
        self.version = version

    def _path(self, service: str) -> Path:
        return self.directory / f"{service}.pickle"

    def load(self) -> dict[str, bytes]:
        """The saved services; state of another moto version is moved to ``DIR.old``."""
        meta = self.directory / "meta.json"
        if not meta.exists():
            return {}
        try:
            written_by = json.loads(meta.read_text()).get("moto")
        except ValueError:
            written_by = None
        if written_by != self.version:
            aside = self.directory.with_name(self.directory.name + ".old")
            with contextlib.suppress(OSError):
                if aside.exists():
                    for old in aside.iterdir():
                        old.unlink()
                    aside.rmdir()
            os.replace(self.directory, aside)
            logger.warning(
                "moto state in %s was written by moto %s, this is moto %s: starting empty "
                "(the old state is in %s)",
                self.directory,
                written_by,
                self.version,
                aside,
            )
            return {}
        return {s: self._path(s).read_bytes() for s in sorted(SERVICES) if self._path(s).exists()}

    def save(self, blobs: Mapping[str, bytes]) -> None:
        self.directory.mkdir(parents=True, exist_ok=True)
        meta = self.directory / "meta.json"
        if not meta.exists():
            meta.write_text(json.dumps({"moto": self.version}))
        for service, blob in blobs.items():
            tmp = self._path(service).with_suffix(".tmp")
            tmp.write_bytes(blob)
            os.replace(tmp, self._path(service))


def run_snapshots(
    journal: Journal,
    lock: SharedExclusiveLock,
    store: SnapshotStore,
    stop: threading.Event,
    dump: Callable[[str], bytes] = dump_backend,
) -> None:
    """The snapshot thread: until ``stop``, write every change a request waits for."""
    while not stop.is_set():
        if not journal.wait_pending(0.5):
            continue
        with lock.exclusive():
            generation, services = journal.take()
            try:
                blobs = {service: dump(service) for service in services}
            except Exception:
                logger.exception("could not snapshot moto's %s; trying again", sorted(services))
                journal.failed(services)
                blobs = None
        if blobs is None:
            stop.wait(RETRY_S)
            continue
        try:
            store.save(blobs)
        except OSError as exc:
            logger.error(
                "could not write moto's state to %s: %s; trying again", store.directory, exc
            )
            journal.failed(services)
            stop.wait(RETRY_S)
            continue
        journal.committed(generation)


# -- the WSGI guard -------------------------------------------------------------------------------

_Answer = tuple[str, list[tuple[str, str]], bytes]


class StateGuard:
    """WSGI middleware around moto's app: answers a change only once it is on disk."""

    def __init__(
        self,
        app: Callable[..., Iterable[bytes]],
        journal: Journal,
        lock: SharedExclusiveLock,
        *,
        durable_timeout_s: float = DURABLE_TIMEOUT_S,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.app = app
        self.journal = journal
        self.lock = lock
        self.durable_timeout_s = durable_timeout_s
        self.clock = clock

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
            if generation or remaining <= 0 or not answer[0].startswith("2"):
                if generation:
                    self._wait_durable(generation)
                return answer
            self.journal.wait_change(seen, min(LONG_POLL_STEP_S, remaining))

    def _wait_durable(self, generation: int) -> None:
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
