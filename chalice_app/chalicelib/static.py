"""The web page's files (``chalicelib/web/``), served by ``GET /``, ``/b/{id}``, ``/static/{name}``.

Only plain file names inside ``web/`` are served: no directories, no ``..``, no hidden files.
"""

from __future__ import annotations

import re
from pathlib import Path

from chalicelib.errors import FileNotFound

WEB_DIR = Path(__file__).resolve().parent / "web"
INDEX = "index.html"
CONTENT_TYPES = {
    ".html": "text/html; charset=utf-8",
    ".js": "text/javascript; charset=utf-8",
    ".mjs": "text/javascript; charset=utf-8",
    ".css": "text/css; charset=utf-8",
    ".json": "application/json",
    ".svg": "image/svg+xml",
    ".png": "image/png",
    ".ico": "image/x-icon",
    ".txt": "text/plain; charset=utf-8",
    ".webmanifest": "application/manifest+json",
}
_NAME_RE = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.-]{0,99}")


def content_type(name: str) -> str:
    """The Content-Type for a file name (by extension)."""
    return CONTENT_TYPES.get(Path(name).suffix.lower(), "application/octet-stream")


def read_static(name: str, web_dir: Path = WEB_DIR) -> tuple[bytes, str]:
    """``(body, content type)`` of ``web_dir/name``. Raises FileNotFound for anything that is
    not a plain existing file directly inside ``web_dir`` (path traversal included)."""
    known = Path(name).suffix.lower() in CONTENT_TYPES
    if not _NAME_RE.fullmatch(name) or ".." in name or not known:
        raise FileNotFound(f"no file {name!r} here")
    root = web_dir.resolve()
    path = (root / name).resolve()
    if path.parent != root or not path.is_file():
        raise FileNotFound(f"no file {name!r} here")
    return path.read_bytes(), content_type(name)
