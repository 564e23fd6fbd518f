"""The use cases behind the routes: create, inspect, page through and cancel builds, and the
viewer's WebSocket life (connect, resume, disconnect).

Inputs arrive as plain values (the JSON body, query strings, the zip bytes); answers are plain
dicts ready to serialize, or encoded WebSocket messages. Errors are chalicelib's own
(``InvalidRequest``, ``BuildNotFound`` …); ``app.py`` maps them to HTTP.
"""

from __future__ import annotations

import json
import re
import secrets
import time
from collections.abc import Callable, Mapping
from typing import Any

from apkgen_core import messages as wire
from apkgen_core.settings import Settings
from chalicelib import qr
from chalicelib.aws import AwsClients
from chalicelib.builds import Build, BuildStore
from chalicelib.connections import ConnectionStore
from chalicelib.errors import (
    BuildNotFound,
    InvalidRequest,
    NoArtifact,
    StoreError,
    TooManyRequests,
)
from chalicelib.jobs import JobQueue
from chalicelib.logstore import LogStore
from chalicelib.ratelimit import RESUME_BUDGET, TokenBucket, wait_text
from chalicelib.uploads import ObjectStore
from chalicelib.validation import shown, validate_build_request

DEFAULT_LOG_PAGE = 500
MAX_LOG_PAGE = 1000
# Build ids are secrets.token_urlsafe(24): 32 URL-safe characters. Anything else is unknown.
_BUILD_ID_RE = re.compile(r"[A-Za-z0-9_-]{8,64}")


def new_build_id() -> str:
    """A fresh build id: 192 random bits; knowing it is the capability to view the build.

    Never starts with ``-`` or ``_``: an id like ``-hn9E…`` given to ``apkgen logs`` (or any
    command line) would be read as an option. Drawing again in that case (1 in 32) keeps the
    id uniform over the ids that remain."""
    while True:
        build_id = secrets.token_urlsafe(24)
        if build_id[0].isalnum():
            return build_id


def _whole_number(name: str, raw: str | None, default: int, low: int, high: int) -> int:
    if raw is None or raw == "":
        return default
    try:
        value = int(raw)
    except ValueError as exc:
        raise InvalidRequest(f"{name}={shown(raw)} must be a whole number") from exc
    if not low <= value <= high:
        raise InvalidRequest(f"{name}={shown(value)} must be between {low} and {high}")
    return value


class BuildService:
    """What the HTTP routes and WebSocket handlers call. One instance per Lambda container."""

    def __init__(
        self,
        settings: Settings,
        *,
        builds: BuildStore,
        logs: LogStore,
        connections: ConnectionStore,
        objects: ObjectStore,
        jobs: JobQueue,
        clock: Callable[[], float] = time.time,
        new_id: Callable[[], str] = new_build_id,
        resume_budget: TokenBucket = RESUME_BUDGET,
    ) -> None:
        self.settings = settings
        self.builds = builds
        self.logs = logs
        self.connections = connections
        self.objects = objects
        self.jobs = jobs
        self._clock = clock
        self._new_id = new_id
        self.resume_budget = resume_budget

    @classmethod
    def from_clients(
        cls, settings: Settings, clients: AwsClients, *, clock: Callable[[], float] = time.time
    ) -> BuildService:
        """The service over the real stores. No network call is made here: the queue URL is
        looked up by name on first send when the settings lack it."""
        return cls(
            settings,
            builds=BuildStore(clients.dynamodb, settings.builds_table),
            logs=LogStore(clients.dynamodb, settings.logs_table, settings.log_ttl_days,
                          clock=clock),
            connections=ConnectionStore(clients.dynamodb, settings.connections_table,
                                        settings.connection_ttl_s, clock=clock),
            objects=ObjectStore(clients.s3, settings.bucket,
                                presign_expiry_s=settings.presign_expiry_s),
            jobs=JobQueue(clients.sqs, settings.queue_url, queue_name=settings.queue_name),
            clock=clock,
        )

    def _now(self) -> float:
        return round(self._clock(), 3)

    def _get(self, build_id: str) -> Build:
        if not isinstance(build_id, str) or not _BUILD_ID_RE.fullmatch(build_id):
            raise BuildNotFound(str(build_id))
        return self.builds.get(build_id)

    # -- HTTP ---------------------------------------------------------------------------------

    def create_upload(self) -> dict[str, Any]:
        """A presigned POST for one export (``POST /uploads``)."""
        return self.objects.presigned_post(self.settings.max_upload_bytes)

    def create_build(
        self, fields: Mapping[str, Any] | None, zip_body: bytes | None = None
    ) -> dict[str, Any]:
        """Validate the request, store the build as ``queued`` and queue its job.

        ``fields`` is the JSON body (or the query string when the zip is the body). Returns
        ``{"build_id", "status", "status_url", "logs_url", "ws_url", "page_url"}``. Raises
        InvalidRequest saying what to fix.
        """
        if fields is None:
            if zip_body is None:
                raise InvalidRequest(
                    'send a JSON object like {"upload_key": "uploads/….zip"} or '
                    '{"api_url": "https://…"}, or the zip itself with Content-Type: '
                    "application/zip"
                )
            fields = {}
        request = validate_build_request(
            fields, zip_body=zip_body, max_inline_bytes=self.settings.max_inline_upload_bytes
        )
        if zip_body is not None:
            source = {"kind": "upload", "key": self.objects.put_upload(zip_body)}
        elif request.upload_key is not None:
            if not self.objects.exists(request.upload_key):
                raise InvalidRequest(
                    f"upload_key {request.upload_key!r} has no file: send the export to the "
                    "presigned POST from POST /uploads first (it expires after "
                    f"{self.settings.presign_expiry_s} s), then create the build"
                )
            source = {"kind": "upload", "key": request.upload_key}
        else:
            assert request.api_url is not None
            source = {"kind": "url", "url": request.api_url}
        now = self._now()
        build = Build(
            build_id=self._new_id(),
            created_at=now,
            updated_at=now,
            source=source,
            options=dict(request.options),
        )
        self.builds.create(build)
        try:
            self.jobs.send(build.build_id)
        except StoreError as exc:
            # No job, no runner: a build left "queued" would wait forever. Take it back so the
            # same request (the upload stays) can simply be sent again.
            try:
                self.builds.discard_queued(build.build_id)
            except StoreError as discard:
                raise StoreError(
                    f"{exc}; the build {build.build_id} could not be queued nor taken back "
                    f"({discard.code}): cancel it and send the request again", exc.code,
                ) from exc
            raise StoreError(
                f"{exc}; no build was created: send the same request again", exc.code
            ) from exc
        return {"build_id": build.build_id, "status": build.status, **self.links(build.build_id)}

    def links(self, build_id: str) -> dict[str, str]:
        """Where to follow a build: status, logs, the WebSocket and the web page."""
        base = self.settings.public_url.rstrip("/")
        return {
            "status_url": f"{base}/builds/{build_id}",
            "logs_url": f"{base}/builds/{build_id}/logs",
            "ws_url": f"{self.settings.ws_url}?build={build_id}",
            "page_url": f"{base}/b/{build_id}",
        }

    def _download_url(self, build: Build) -> str | None:
        return self.objects.artifact_url(build.artifact)

    def _report_url(self, build: Build) -> str | None:
        if not build.report_key:
            return None
        return self.objects.presigned_get(build.report_key, f"{build.build_id}-report.json")

    def _last_seq(self, build: Build) -> int:
        """The seq of the build's last stored line: the log table is its one home."""
        return self.logs.last_seq(build.build_id)

    def status_of(self, build: Build) -> dict[str, Any]:
        """The status answer for ``build`` (``GET /builds/{id}``). ``problems`` is the bounded
        summary the item keeps (``complete`` False when something was left out); ``report_url``
        a presigned link to the whole report (``report.json``), or None."""
        artifact = dict(build.artifact) if build.artifact else None
        if artifact is not None:
            artifact["download_url"] = self._download_url(build)
            if build.status == "succeeded":
                artifact["preview_url"] = self.preview_url(build.build_id)
        problems: Any = None
        if build.problems:
            try:
                problems = json.loads(build.problems)
            except ValueError:
                problems = {"text": build.problems}
        return {
            "build_id": build.build_id,
            "status": build.status,
            "step": build.step,
            "created_at": build.created_at,
            "started_at": build.started_at,
            "finished_at": build.finished_at,
            "updated_at": build.updated_at,
            "error": build.error,
            "problems": problems,
            "report_url": self._report_url(build),
            "last_seq": self._last_seq(build),
            "artifact": artifact,
            "cancel_requested": build.cancel_requested,
            "options": build.options,
            **self.links(build.build_id),
        }

    def get_status(self, build_id: str) -> dict[str, Any]:
        """``GET /builds/{id}``. Raises BuildNotFound."""
        return self.status_of(self._get(build_id))

    def get_logs(
        self, build_id: str, after: str | int | None = None, limit: str | int | None = None
    ) -> dict[str, Any]:
        """``GET /builds/{id}/logs?after=SEQ&limit=N``: lines after SEQ, ``next_after`` to pass
        next time and whether ``more`` lines exist. Raises BuildNotFound, InvalidRequest."""
        after_n = _whole_number("after", None if after is None else str(after), 0, 0, 2**53)
        limit_n = _whole_number("limit", None if limit is None else str(limit),
                                DEFAULT_LOG_PAGE, 1, MAX_LOG_PAGE)
        build = self._get(build_id)
        lines, more = self.logs.read(build.build_id, after_n, limit_n)
        return {
            "build_id": build.build_id,
            "lines": lines,
            "next_after": lines[-1]["seq"] if lines else after_n,
            "more": more,
        }

    def cancel(self, build_id: str) -> dict[str, Any]:
        """``POST /builds/{id}/cancel``: cancel (queued) or ask the runner to stop (running);
        returns the status answer. Raises BuildNotFound."""
        self._get(build_id)
        return self.status_of(self.builds.request_cancel(build_id, self._now()))

    def apk_url(self, build_id: str) -> str:
        """``GET /builds/{id}/apk``: a fresh presigned link to the build's APK (it expires after
        ``presign_expiry_s``). Raises BuildNotFound, and NoArtifact when there is no APK."""
        build = self._get(build_id)
        url = self._download_url(build)
        if url is None:
            raise NoArtifact(build.build_id, build.status)
        return url

    def preview_url(self, build_id: str) -> str:
        """Where the build's app can be tried in a browser (``GET /builds/{id}/preview/…``)."""
        return f"{self.settings.public_url.rstrip('/')}/builds/{build_id}/preview/index.html"

    def artifact(self, build_id: str) -> dict[str, Any]:
        """The artifact (``key``, ``size``, ``sha256`` …) of a build that succeeded. Raises
        BuildNotFound, and NoArtifact while it has not succeeded (or has no APK)."""
        build = self._get(build_id)
        if build.status != "succeeded" or not build.artifact or not build.artifact.get("key"):
            raise NoArtifact(build.build_id, build.status)
        return dict(build.artifact)

    def apk_qr_svg(self, build_id: str) -> str:
        """``GET /builds/{id}/qr.svg``: the QR code (SVG) of ``{public_url}/builds/{id}/apk``,
        the stable link that redirects to a fresh :meth:`apk_url`; unlike a presigned link it
        never expires and stays short enough to scan. Raises BuildNotFound, NoArtifact."""
        self.apk_url(build_id)  # a code only for a link that leads to an APK
        return qr.svg(f"{self.settings.public_url.rstrip('/')}/builds/{build_id}/apk")

    # -- WebSocket ----------------------------------------------------------------------------

    def connect(self, build_id: str | None, connection_id: str) -> None:
        """``$connect``: register the viewer. Raises InvalidRequest without a build id and
        BuildNotFound for an unknown one (the handshake then fails)."""
        if not build_id:
            raise InvalidRequest("connect with ?build=<build id> (the build_id from POST /builds)")
        build = self._get(build_id)
        self.connections.add(build.build_id, connection_id, self._now())

    def resume(self, connection_id: str, after: int) -> list[str]:
        """The encoded messages answering ``{"action": "resume", "after": SEQ}``: the backlog
        after SEQ as ``log`` messages (each within one frame), the ``status``, then ``resumed``.
        Raises InvalidRequest when the connection is not registered for a build,
        TooManyRequests (and reads nothing) when it used up its resume budget
        (:mod:`chalicelib.ratelimit`)."""
        unregistered = InvalidRequest(
            "this connection watches no build: reconnect with ?build=<build id>"
        )
        build_ids = self.connections.builds_of(connection_id)
        if not build_ids:
            raise unregistered
        build_id = build_ids[0]
        taken = self.connections.take_resume(build_id, connection_id, self._now(),
                                             self.resume_budget)
        if taken is None:
            raise unregistered
        if not taken.allowed:
            raise TooManyRequests(
                f"too many resumes on this connection ({self.resume_budget.describe()}): "
                f"send the resume again in {wait_text(taken.retry_after_s)}",
                taken.retry_after_s,
            )
        lines: list[dict[str, Any]] = []
        cursor, more = after, True
        while more:
            page, more = self.logs.read(build_id, cursor, MAX_LOG_PAGE)
            if not page:
                break
            lines.extend(page)
            cursor = page[-1]["seq"]
        build = self.builds.get(build_id)
        last_seq = cursor if lines else self.logs.last_seq(build_id)
        messages = wire.log_messages(build_id, lines)
        messages.append(wire.encode(
            wire.status_message(build, last_seq, self._download_url(build))
        ))
        messages.append(wire.encode(wire.resumed_message(build_id, after, last_seq)))
        return messages

    def disconnect(self, connection_id: str) -> list[str]:
        """``$disconnect`` (or a send that found the viewer gone): forget the connection;
        returns the builds it watched."""
        return self.connections.remove_connection(connection_id)
