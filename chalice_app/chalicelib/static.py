"""The web page's files (``chalicelib/web/``), served by ``GET /``, ``/b/{id}``, ``/static/{name}``.

Only plain file names inside ``web/`` are served: no directories, no ``..``, no hidden files.
The page itself names its files ``/static/…``; :func:`page_html` puts the stage in front
(``/api/static/…`` on API Gateway's own domain, where every path starts with the stage).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from pathlib import Path
from typing import Any

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
_PREFIX_RE = re.compile(r"(/[A-Za-z0-9._~-]+)+")


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


def stage_prefix(event: Mapping[str, Any]) -> str:
    """The path API Gateway put before the app's route in a REST ``event``: ``"/api"`` for
    ``https://ID.execute-api.REGION.amazonaws.com/api/b/X``, ``""`` on a custom domain without
    a base path and locally. It is ``requestContext.path`` minus the route's own path (the
    event's ``path``, else ``resourcePath`` with its parameters filled in). Pure."""
    context = event.get("requestContext") or {}
    full = str(context.get("path") or "")
    route = event.get("path")
    if not route:
        route = str(context.get("resourcePath") or "")
        for name, value in (event.get("pathParameters") or {}).items():
            route = route.replace("{" + name + "}", str(value))
    route = str(route)
    if not route or not full.endswith(route) or full == route:
        return ""
    prefix = full[: -len(route)].rstrip("/") if route != "/" else full.rstrip("/")
    return prefix if _PREFIX_RE.fullmatch(prefix) else ""


def page_html(prefix: str, web_dir: Path = WEB_DIR) -> bytes:
    """The page, its ``/static/…`` references under ``prefix`` (see :func:`stage_prefix`)."""
    if prefix and not _PREFIX_RE.fullmatch(prefix):
        raise ValueError(f"not a path prefix: {prefix!r}")
    body, _ = read_static(INDEX, web_dir)
    return body.replace(b'="/static/', f'="{prefix}/static/'.encode())
