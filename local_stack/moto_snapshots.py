"""moto's state as files: one pickle per service, written by one thread, read back at start.

:func:`dump_backend` pickles one service's backends (its locks become new, unheld locks);
:func:`restore_backends` puts them back before moto serves a request. A :class:`SnapshotStore`
is the directory (``{service}.pickle`` and ``meta.json``, the moto version that wrote them;
state of another version is moved aside). :func:`run_snapshots` is the snapshot thread: it
writes the services the :class:`~local_stack.moto_journal.Journal` says changed, many
requests' changes in one snapshot (group commit), until the journal is closed.
"""

from __future__ import annotations

import contextlib
import copyreg
import io
import json
import logging
import os
import pickle
import threading
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

from local_stack.moto_journal import Journal, SharedExclusiveLock
from local_stack.moto_requests import SERVICES

logger = logging.getLogger("local_stack.moto_state")

RETRY_S = 1.0

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


def snapshot_once(
    journal: Journal,
    lock: SharedExclusiveLock,
    store: SnapshotStore,
    dump: Callable[[str], bytes] = dump_backend,
) -> bool:
    """Write the services changed since the last snapshot; whether it worked (if not, they
    stay pending for the next one)."""
    with lock.exclusive():
        generation, services = journal.take()
        try:
            blobs = {service: dump(service) for service in services}
        except Exception:
            logger.exception("could not snapshot moto's %s", sorted(services))
            journal.failed(services)
            return False
    try:
        store.save(blobs)
    except OSError as exc:
        logger.error("could not write moto's state to %s: %s", store.directory, exc)
        journal.failed(services)
        return False
    journal.committed(generation)
    return True


def run_snapshots(
    journal: Journal,
    lock: SharedExclusiveLock,
    store: SnapshotStore,
    dump: Callable[[str], bytes] = dump_backend,
) -> None:
    """The snapshot thread: write every change a request waits for, as soon as there is one;
    after :meth:`Journal.close`, write what is still pending and return (a snapshot that
    fails then is not tried again; it is logged)."""
    while True:
        if not journal.wait_pending(None):
            return  # closed, nothing pending
        if snapshot_once(journal, lock, store, dump):
            continue
        if journal.closed:
            logger.error("moto's last changes are not on disk")
            return
        logger.info("trying the snapshot again in %.0f s", RETRY_S)
        journal.wait_closed(RETRY_S)
