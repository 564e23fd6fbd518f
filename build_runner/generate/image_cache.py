"""The runner's image cache: image hosts' answers by URL, re-encoded images by content, on disk.

One :class:`ImageCache` is shared by every build of a runner (threads) and may be shared by
several runners on one machine (processes): every entry is one file, written under a temporary
name in the same folder and renamed into place, so a reader sees a whole entry or none. A file
starts with a magic line and a JSON line (the kind, the key, the length and SHA-256 of the
data, what the caller keeps with it), then the data; a file that does not match (cut short by a
crash, another version) is a miss and is removed.

The folder holds at most ``max_bytes``: beyond it the least recently used entries (by the
files' modification time, set on every use, so runners agree) are removed until 90 % of it is
left. An entry larger than the bound is never stored. Every failure of the disk (full, gone,
read-only) is a miss or a store skipped: the cache never fails a build.

What is stored is the caller's business (:mod:`~build_runner.generate.image_jobs` stores only
answers that decoded as images, never what a refused address would have sent); the cache only
keeps, finds and forgets. Freshness is :mod:`~build_runner.generate.freshness`'s.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import tempfile
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from build_runner.generate.freshness import Validators
from build_runner.generate.image_encode import Encoded
from build_runner.generate.limits import IMAGE_CACHE_BYTES

MAGIC = b"apkgen-image-cache 1\n"
SUFFIX = ".entry"
PART_PREFIX = ".part-"
# A trim removes entries until this share of the bound is left, so the next stores do not trim.
TRIM_TO = 0.9
# A temporary file older than this was left by a writer that died; a trim removes it.
STALE_PART_S = 600.0
ANSWER = "answer"
ENCODED = "encoded"


@dataclass(frozen=True)
class Blob:
    """An entry: the caller's ``meta`` and the ``data``."""

    meta: dict[str, Any]
    data: bytes


@dataclass(frozen=True)
class CachedAnswer:
    """An image host's stored answer: the body and how to revalidate it."""

    data: bytes
    validators: Validators


def _str_or_none(value: Any) -> str | None:
    return value if isinstance(value, str) else None


class ImageCache:
    """Entries in ``directory`` (created if missing), at most ``max_bytes`` of them in all.

    ``clock`` (seconds since the epoch) stamps each use, which is what "least recently used"
    goes by; tests pass their own.
    """

    def __init__(self, directory: Path, max_bytes: int = IMAGE_CACHE_BYTES, *,
                 clock: Callable[[], float] = time.time) -> None:
        self.directory = Path(directory)
        self.max_bytes = max_bytes
        self._clock = clock
        self._lock = threading.Lock()
        # When it cannot be made every use below misses: a build goes on without the cache.
        with contextlib.suppress(OSError):
            self.directory.mkdir(parents=True, exist_ok=True)
        self._approx_bytes = self.size()

    # The typed entries: answers by URL, encoded images by the key the encoder gives.

    def answer(self, url: str) -> CachedAnswer | None:
        """The stored answer for ``url`` (now the most recently used), or None."""
        blob = self.get(ANSWER, url)
        if blob is None:
            return None
        fresh = blob.meta.get("fresh_until")
        validators = Validators(_str_or_none(blob.meta.get("etag")),
                                _str_or_none(blob.meta.get("last_modified")),
                                float(fresh) if isinstance(fresh, int | float) else 0.0)
        return CachedAnswer(blob.data, validators)

    def store_answer(self, url: str, data: bytes, validators: Validators) -> bool:
        """Keep ``data`` as the answer for ``url``; whether it was stored."""
        return self.put(ANSWER, url, data, {"etag": validators.etag,
                                             "last_modified": validators.last_modified,
                                             "fresh_until": validators.fresh_until})

    def encoded(self, key: str) -> Encoded | None:
        """The stored re-encoded image under ``key``, or None."""
        blob = self.get(ENCODED, key)
        if blob is None:
            return None
        extension, width, height = (blob.meta.get(k) for k in ("extension", "width", "height"))
        if extension not in ("png", "jpg") or not isinstance(width, int) or not isinstance(
                height, int):
            self.discard(ENCODED, key)
            return None
        return Encoded(blob.data, str(extension), width, height)

    def store_encoded(self, key: str, encoded: Encoded) -> bool:
        """Keep ``encoded`` under ``key``; whether it was stored."""
        return self.put(ENCODED, key, encoded.data, {"extension": encoded.extension,
                                                     "width": encoded.width,
                                                     "height": encoded.height})

    # The entries themselves.

    def path(self, kind: str, key: str) -> Path:
        """Where the entry ``kind``/``key`` lives."""
        name = hashlib.sha256(f"{kind}\0{key}".encode("utf-8", "surrogatepass")).hexdigest()
        return self.directory / f"{name}{SUFFIX}"

    def get(self, kind: str, key: str) -> Blob | None:
        """The entry (marked used now), or None when it is missing or not whole."""
        path = self.path(kind, key)
        try:
            raw = path.read_bytes()
        except OSError:
            return None
        blob = _parse(raw, kind, key)
        if blob is None:
            self.discard(kind, key)
            return None
        self.touch(kind, key)
        return blob

    def put(self, kind: str, key: str, data: bytes, meta: dict[str, Any]) -> bool:
        """Store the entry (replacing one under the same key), marked used now; trims the
        folder when it grows past the bound. Whether it was stored."""
        head = json.dumps({"kind": kind, "key": key, "length": len(data),
                           "sha256": hashlib.sha256(data).hexdigest(), "meta": meta},
                          ensure_ascii=True).encode("ascii")
        size = len(MAGIC) + len(head) + 1 + len(data)
        if size > self.max_bytes:
            return False
        part: str | None = None
        try:
            handle, part = tempfile.mkstemp(dir=self.directory, prefix=PART_PREFIX)
            with os.fdopen(handle, "wb") as out:
                out.write(MAGIC + head + b"\n")
                out.write(data)
            os.replace(part, self.path(kind, key))
            part = None
        except OSError:
            if part is not None:
                with contextlib.suppress(OSError):
                    os.unlink(part)
            return False
        self.touch(kind, key)
        with self._lock:
            self._approx_bytes += size
            over = self._approx_bytes > self.max_bytes
        if over:
            self.trim()
        return True

    def touch(self, kind: str, key: str) -> None:
        """Mark the entry used now (it is then the last to be evicted)."""
        now = self._clock()
        with contextlib.suppress(OSError):
            os.utime(self.path(kind, key), (now, now))

    def discard(self, kind: str, key: str) -> None:
        """Forget the entry, if there is one."""
        with contextlib.suppress(OSError):
            self.path(kind, key).unlink()

    def _entries(self) -> list[tuple[int, int, str]]:
        """(last use in ns, size, name) of every entry; removes writers' stale leftovers."""
        found: list[tuple[int, int, str]] = []
        stale_before = (time.time() - STALE_PART_S) * 1e9
        try:
            with os.scandir(self.directory) as listing:
                for item in listing:
                    try:
                        info = item.stat(follow_symlinks=False)
                        if item.name.endswith(SUFFIX) and item.is_file(follow_symlinks=False):
                            found.append((info.st_mtime_ns, info.st_size, item.name))
                        elif item.name.startswith(PART_PREFIX) and info.st_mtime_ns < stale_before:
                            os.unlink(item.path)
                    except OSError:
                        continue  # removed meanwhile by another runner
        except OSError:
            return []
        return found

    def size(self) -> int:
        """Bytes the entries take now."""
        return sum(size for _, size, _ in self._entries())

    def trim(self) -> int:
        """Remove the least recently used entries until at most 90 % of the bound is left
        (none while within the bound); returns how many bytes went."""
        with self._lock:
            entries = sorted(self._entries())
            total = sum(size for _, size, _ in entries)
            freed = 0
            if total > self.max_bytes:
                for _, size, name in entries:
                    if total - freed <= self.max_bytes * TRIM_TO:
                        break
                    with contextlib.suppress(OSError):
                        os.unlink(self.directory / name)
                    freed += size
            self._approx_bytes = total - freed
            return freed


def _parse(raw: bytes, kind: str, key: str) -> Blob | None:
    """The entry in a file's bytes, or None when they are not a whole entry for ``kind/key``."""
    if not raw.startswith(MAGIC):
        return None
    head, newline, data = raw[len(MAGIC):].partition(b"\n")
    if not newline:
        return None
    try:
        fields = json.loads(head)
    except ValueError:
        return None
    if not isinstance(fields, dict) or fields.get("kind") != kind or fields.get("key") != key:
        return None
    meta = fields.get("meta")
    if (not isinstance(meta, dict) or fields.get("length") != len(data)
            or fields.get("sha256") != hashlib.sha256(data).hexdigest()):
        return None
    return Blob(meta, data)
