"""The HTTP side of the client: the apkgen API (docs/contracts.md) and the presigned S3 POST.

Uses only the standard library. The upload is a multipart/form-data body streamed from the file
in chunks (never read whole into memory), reporting progress after each chunk.
"""

from __future__ import annotations

import http.client
import json
import secrets
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any, BinaryIO

from apkgen_client.errors import ApiError, UsageError

Progress = Callable[[int, int], None]

CHUNK = 64 * 1024
ZIP_MAGIC = b"PK\x03\x04"
DEFAULT_TIMEOUT_S = 30.0
LOGS_PAGE = 1000


def _no_progress(done: int, total: int) -> None:
    """Default progress callback: shows nothing."""


def check_zip(path: Path, max_bytes: int | None = None) -> int:
    """Check that ``path`` is a zip of an acceptable size; return its size or raise UsageError."""
    if not path.is_file():
        raise UsageError(f"{path}: no such file; give the path of an Open Event export (.zip)")
    size = path.stat().st_size
    with path.open("rb") as handle:
        magic = handle.read(4)
    if magic != ZIP_MAGIC:
        raise UsageError(f"{path} is not a zip file (it does not start with PK\\x03\\x04): "
                         "export the event from Open Event as a zip and give that file")
    if max_bytes is not None and size > max_bytes:
        raise UsageError(f"{path} is {size} bytes, over the {max_bytes}-byte upload limit: "
                         "remove large images from the export or give an API URL instead")
    return size


def multipart_parts(fields: dict[str, str], filename: str,
                    boundary: str) -> tuple[bytes, bytes]:
    """The bytes before and after the file's content in a multipart/form-data body.

    S3 wants the policy fields first and the ``file`` field last.
    """
    head = bytearray()
    for name, value in fields.items():
        head += (f"--{boundary}\r\nContent-Disposition: form-data; name=\"{name}\"\r\n\r\n"
                 f"{value}\r\n").encode()
    safe = filename.replace('"', "_").replace("\r", "_").replace("\n", "_")
    head += (f"--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; "
             f"filename=\"{safe}\"\r\nContent-Type: application/zip\r\n\r\n").encode()
    return bytes(head), f"\r\n--{boundary}--\r\n".encode()


class ApiClient:
    """Calls the apkgen HTTP API at ``base_url``."""

    def __init__(self, base_url: str, *, timeout: float = DEFAULT_TIMEOUT_S) -> None:
        self.base_url = base_url.rstrip("/")
        self.timeout = timeout

    # -- JSON API ---------------------------------------------------------------------------
    def request(self, method: str, path: str, body: Any = None) -> Any:
        """Send a JSON request; return the decoded answer or raise :class:`ApiError`."""
        url = self.base_url + path
        data = None if body is None else json.dumps(body).encode()
        req = urllib.request.Request(url, data=data, method=method)
        req.add_header("Accept", "application/json")
        if data is not None:
            req.add_header("Content-Type", "application/json")
        try:
            with urllib.request.urlopen(req, timeout=self.timeout) as resp:
                raw = resp.read()
        except urllib.error.HTTPError as exc:
            raise ApiError(exc.code, _error_message(exc.read()), url) from exc
        except (urllib.error.URLError, OSError) as exc:
            reason = getattr(exc, "reason", exc)
            raise ApiError(0, f"cannot reach the apkgen API: {reason}; is it running "
                           "(`make dev`) and is --api right?", url) from exc
        try:
            return json.loads(raw) if raw else {}
        except ValueError as exc:
            raise ApiError(200, f"the answer is not JSON: {raw[:200]!r}", url) from exc

    def create_upload(self) -> dict[str, Any]:
        """``POST /uploads``: a presigned S3 POST ``{upload_key, url, fields, max_bytes}``."""
        return dict(self.request("POST", "/uploads", {}))

    def create_build(self, payload: dict[str, Any]) -> dict[str, Any]:
        """``POST /builds``: ``{build_id, status, status_url, logs_url, ws_url}``."""
        return dict(self.request("POST", "/builds", payload))

    def get_build(self, build_id: str) -> dict[str, Any]:
        """``GET /builds/{id}``: the build's status."""
        return dict(self.request("GET", f"/builds/{urllib.parse.quote(build_id)}"))

    def cancel_build(self, build_id: str) -> dict[str, Any]:
        """``POST /builds/{id}/cancel``."""
        return dict(self.request("POST", f"/builds/{urllib.parse.quote(build_id)}/cancel", {}))

    def iter_logs(self, build_id: str, after: int = 0,
                  limit: int = LOGS_PAGE) -> Iterator[list[dict[str, Any]]]:
        """``GET /builds/{id}/logs`` page by page, from seq ``after`` to the end."""
        while True:
            page = self.request("GET", f"/builds/{urllib.parse.quote(build_id)}/logs?"
                                + urllib.parse.urlencode({"after": after, "limit": limit}))
            lines = page.get("lines") or []
            if lines:
                yield lines
            next_after = page.get("next_after")
            if not page.get("more") or not isinstance(next_after, int) or next_after <= after:
                return
            after = next_after

    # -- S3 ----------------------------------------------------------------------------------
    def upload(self, presigned: dict[str, Any], path: Path,
               progress: Progress = _no_progress) -> str:
        """Stream ``path`` to the presigned POST; return the ``upload_key`` to build from."""
        size = check_zip(path, presigned.get("max_bytes"))
        boundary = "apkgen" + secrets.token_hex(16)
        head, tail = multipart_parts(dict(presigned.get("fields") or {}), path.name, boundary)
        url = urllib.parse.urlsplit(str(presigned["url"]))
        conn_class = (http.client.HTTPSConnection if url.scheme == "https"
                      else http.client.HTTPConnection)
        conn = conn_class(url.netloc, timeout=self.timeout)
        try:
            conn.putrequest("POST", (url.path or "/") + (f"?{url.query}" if url.query else ""))
            conn.putheader("Content-Type", f"multipart/form-data; boundary={boundary}")
            conn.putheader("Content-Length", str(len(head) + size + len(tail)))
            conn.endheaders()
            conn.send(head)
            with path.open("rb") as handle:
                _send_file(conn, handle, size, progress)
            conn.send(tail)
            resp = conn.getresponse()
            body = resp.read()
        except OSError as exc:
            raise ApiError(0, f"upload to storage failed: {exc}", url.geturl()) from exc
        finally:
            conn.close()
        if not 200 <= resp.status < 300:
            raise ApiError(resp.status, f"storage refused the upload: {_s3_message(body)}",
                           url.geturl())
        return str(presigned["upload_key"])

    def download(self, url: str, dest: Path, progress: Progress = _no_progress) -> int:
        """Download ``url`` to ``dest`` (written whole or not at all); return its size."""
        part = dest.with_name(dest.name + ".part")
        try:
            with urllib.request.urlopen(url, timeout=self.timeout) as resp:
                total = int(resp.headers.get("Content-Length") or 0)
                done = 0
                with part.open("wb") as out:
                    while chunk := resp.read(CHUNK):
                        out.write(chunk)
                        done += len(chunk)
                        progress(done, total)
        except urllib.error.HTTPError as exc:
            part.unlink(missing_ok=True)
            raise ApiError(exc.code, f"download failed: {_s3_message(exc.read())}", url) from exc
        except OSError as exc:
            part.unlink(missing_ok=True)
            raise ApiError(0, f"download failed: {exc}", url) from exc
        part.replace(dest)
        return done


def _send_file(conn: http.client.HTTPConnection, handle: BinaryIO, size: int,
               progress: Progress) -> None:
    sent = 0
    progress(0, size)
    while chunk := handle.read(CHUNK):
        conn.send(chunk)
        sent += len(chunk)
        progress(sent, size)


def _error_message(raw: bytes) -> str:
    """The ``Message`` of an API error answer, or its text."""
    try:
        data = json.loads(raw)
    except ValueError:
        return raw.decode(errors="replace")[:500] or "no details"
    if isinstance(data, dict):
        return str(data.get("Message") or data.get("message") or data)
    return str(data)


def _s3_message(raw: bytes) -> str:
    """S3 answers errors in XML: pick out ``<Message>`` when there is one."""
    text = raw.decode(errors="replace")
    start, end = text.find("<Message>"), text.find("</Message>")
    if start != -1 and end > start:
        return text[start + len("<Message>"):end]
    return text[:500] or "no details"
