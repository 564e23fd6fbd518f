"""A succeeded build's web app, served out of its own APK: ``GET /builds/{id}/preview/{path}``.

The organizer tries the app before installing it: the build page shows it, live, in an iframe
sandboxed with ``allow-scripts`` only (an opaque origin: it cannot reach the page, the API's
origin, cookies or storage). What it shows is the built artifact, not the upload rendered
again: each file is read from the APK's ``assets/`` (what the app's WebView shows) and answered
with its content type and the app's own Content-Security-Policy (the one its ``index.html``
declares) plus ``sandbox allow-scripts``, so the file opened on its own, outside the iframe,
gets an opaque origin as well.

Call order: :meth:`Previews.file` checks the path (:func:`asset_name`, no I/O), then the build
(``BuildService.artifact``: BuildNotFound, NoArtifact), then reads the APK from S3 once per
container (:class:`AppCache`, bounded in bytes) and the file out of it (:class:`AppFiles`).
Errors: ``FileNotFound`` (404) for a path that is not one of the web app's files,
``NoPreview`` (409) for an APK too big to hold or unreadable, and the service's own.
"""

from __future__ import annotations

import io
import re
import threading
import zipfile
from collections import OrderedDict
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from html.parser import HTMLParser
from pathlib import PurePosixPath
from typing import TYPE_CHECKING

from chalicelib.errors import ClaimConflict, FileNotFound

if TYPE_CHECKING:
    from chalicelib.service import BuildService

ASSETS = "assets/"
INDEX = "index.html"
MAX_DEPTH = 3  # index.html, images/logo.png, images/speakers/12.jpg
MAX_APK_BYTES = 64 * 1024 * 1024
MAX_CACHE_BYTES = 128 * 1024 * 1024  # per Lambda container (512 MB and more)
# A Lambda answer is at most 6 MB, base64 (4/3) for images: a bigger file cannot be answered.
MAX_FILE_BYTES = 4 * 1024 * 1024
SANDBOX = "sandbox allow-scripts"
# When the APK's index.html declares none (webapp.py always does): as strict as it is.
DEFAULT_CSP = ("default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
               "base-uri 'none'; form-action 'none'")
CACHE_CONTROL = "private, max-age=86400"  # a build's APK never changes
TEXT_TYPES = {
    ".html": "text/html; charset=utf-8",
    ".js": "text/javascript; charset=utf-8",
    ".css": "text/css; charset=utf-8",
    ".json": "application/json",
    ".svg": "image/svg+xml",
    ".txt": "text/plain; charset=utf-8",
}
BINARY_TYPES = {".png": "image/png", ".jpg": "image/jpeg", ".jpeg": "image/jpeg",
                ".gif": "image/gif"}  # all in Chalice's default binary types
_PART_RE = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.-]{0,99}")
_HEADER_SAFE_RE = re.compile(r"[ -~]{1,4000}")


class NoPreview(ClaimConflict):
    """The build has an APK but its web app cannot be shown (too big, or not a readable zip)."""


def asset_name(parts: Sequence[str]) -> str:
    """The zip entry of the web app's file at ``parts`` (``["images", "logo.png"]`` →
    ``assets/images/logo.png``). Raises FileNotFound for anything else: empty, hidden or
    dotted segments, ``..``, percent or backslash, deeper than :data:`MAX_DEPTH`, a type the
    web app does not use. Pure."""
    shown = "/".join(parts)[:200]
    if not 1 <= len(parts) <= MAX_DEPTH or any(
            not _PART_RE.fullmatch(part) or ".." in part for part in parts):
        raise FileNotFound(f"no file {shown!r} in the app's web assets")
    suffix = PurePosixPath(parts[-1]).suffix.lower()
    if suffix not in TEXT_TYPES and suffix not in BINARY_TYPES:
        raise FileNotFound(f"no file {shown!r} in the app's web assets")
    return ASSETS + "/".join(parts)


def content_type(name: str) -> str:
    suffix = PurePosixPath(name).suffix.lower()
    return TEXT_TYPES.get(suffix) or BINARY_TYPES[suffix]


class _MetaCsp(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.policy: str | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = {k.lower(): v or "" for k, v in attrs}
        if (tag == "meta" and self.policy is None
                and values.get("http-equiv", "").lower() == "content-security-policy"):
            self.policy = values.get("content", "")


def app_csp(index_html: bytes | None) -> str:
    """The Content-Security-Policy header for the app's files: the policy its ``index.html``
    declares in a ``<meta http-equiv>`` (else :data:`DEFAULT_CSP`), then ``sandbox
    allow-scripts``. A policy that is not plain printable ASCII is replaced by the default. Pure."""
    policy = None
    if index_html is not None:
        parser = _MetaCsp()
        parser.feed(index_html.decode("utf-8", errors="replace"))
        policy = (parser.policy or "").strip().rstrip(";").strip()
    if not policy or not _HEADER_SAFE_RE.fullmatch(policy):
        policy = DEFAULT_CSP
    return f"{policy}; {SANDBOX}"


@dataclass(frozen=True)
class PreviewFile:
    """One answer: ``body`` is text for the text types (as Chalice wants it), else bytes."""

    body: str | bytes
    headers: dict[str, str]


class AppFiles:
    """The web app inside one APK (its bytes held in memory). Thread-safe."""

    def __init__(self, apk: bytes) -> None:
        try:
            self._zip = zipfile.ZipFile(io.BytesIO(apk))
        except zipfile.BadZipFile as exc:
            raise NoPreview(f"the build's APK is not a readable zip ({exc})") from exc
        self.size = len(apk)
        self._lock = threading.Lock()
        self._entries = {info.filename: info for info in self._zip.infolist()
                         if info.filename.startswith(ASSETS) and not info.is_dir()}
        index = ASSETS + INDEX
        self.csp = app_csp(self._read(index) if index in self._entries else None)

    def _read(self, name: str) -> bytes:
        info = self._entries.get(name)
        if info is None:
            raise FileNotFound(f"no file {name[len(ASSETS):]!r} in the app's web assets")
        with self._lock:
            try:
                with self._zip.open(info) as member:
                    data = member.read(MAX_FILE_BYTES + 1)
            except (zipfile.BadZipFile, OSError, EOFError) as exc:
                raise NoPreview(f"{name} cannot be read from the build's APK ({exc})") from exc
        if len(data) > MAX_FILE_BYTES:
            raise NoPreview(f"{name} is bigger than {MAX_FILE_BYTES} bytes: it cannot be "
                            "previewed (the app itself has it)")
        return data

    def file(self, name: str) -> PreviewFile:
        """``name`` (from :func:`asset_name`) with its headers. Raises FileNotFound."""
        data = self._read(name)
        kind = content_type(name)
        body: str | bytes = data
        if PurePosixPath(name).suffix.lower() in TEXT_TYPES:
            body = data.decode("utf-8", errors="replace")
        return PreviewFile(body, {
            "Content-Type": kind,
            "Content-Security-Policy": self.csp,
            "Cache-Control": CACHE_CONTROL,
            "X-Content-Type-Options": "nosniff",
            "Referrer-Policy": "no-referrer",
        })


class AppCache:
    """The apps of recently previewed builds, least recently used first out, at most
    ``max_bytes`` of APKs held. Thread-safe; a load runs outside the lock."""

    def __init__(self, max_bytes: int = MAX_CACHE_BYTES) -> None:
        self.max_bytes = max_bytes
        self._apps: OrderedDict[tuple[str, ...], AppFiles] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key: tuple[str, ...], load: Callable[[], AppFiles]) -> AppFiles:
        with self._lock:
            app = self._apps.get(key)
            if app is not None:
                self._apps.move_to_end(key)
                return app
        app = load()
        with self._lock:
            self._apps[key] = app
            self._apps.move_to_end(key)
            while sum(a.size for a in self._apps.values()) > self.max_bytes and len(self._apps) > 1:
                self._apps.popitem(last=False)
        return app

    @property
    def held_bytes(self) -> int:
        with self._lock:
            return sum(a.size for a in self._apps.values())

    def __contains__(self, key: tuple[str, ...]) -> bool:
        with self._lock:
            return key in self._apps


class Previews:
    """Serves the web apps of succeeded builds; one per Lambda container (:data:`PREVIEWS`)."""

    def __init__(self, cache: AppCache | None = None, *,
                 max_apk_bytes: int = MAX_APK_BYTES) -> None:
        self.cache = cache or AppCache()
        self.max_apk_bytes = max_apk_bytes

    def file(self, service: BuildService, build_id: str, parts: Sequence[str]) -> PreviewFile:
        """The file at ``parts`` of build ``build_id``'s web app. Raises FileNotFound,
        BuildNotFound, NoArtifact (the build has not succeeded), NoPreview, StoreError."""
        name = asset_name(parts)
        artifact = service.artifact(build_id)
        key = str(artifact["key"])
        size = artifact.get("size")
        if isinstance(size, int) and size > self.max_apk_bytes:
            raise self._too_big(build_id, size)

        def load() -> AppFiles:
            data = service.objects.read(key, self.max_apk_bytes)
            if data is None:
                raise self._too_big(build_id, None)
            return AppFiles(data)

        cache_key = (service.objects.bucket, key, str(artifact.get("sha256") or size))
        return self.cache.get(cache_key, load).file(name)

    def _too_big(self, build_id: str, size: int | None) -> NoPreview:
        told = f" ({size} bytes)" if size is not None else ""
        return NoPreview(f"build {build_id!r} has an APK too big to preview{told}: previews "
                         f"hold APKs up to {self.max_apk_bytes} bytes; install the app to try "
                         "it", "succeeded")


PREVIEWS = Previews()
