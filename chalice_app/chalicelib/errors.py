"""Exceptions raised by chalicelib. One root, so the routes and the runner catch everything of ours.

Tree::

    ApkgenServiceError
    ├── InvalidRequest        the request is wrong; the message says what to fix
    ├── NotFound              HTTP 404
    │   ├── BuildNotFound     no build has this id (WebSocket handshake refused too)
    │   └── FileNotFound      no such file of the web page
    ├── ClaimConflict         a conditional write lost: another runner holds the build, the
    │   │                     lease is still valid, or the build is already finished
    │   └── NoArtifact        the build has no APK to download (it has not succeeded)
    ├── TooManyRequests       a budget is used up (a connection's resumes); ``retry_after_s``
    └── StoreError            S3/SQS/DynamoDB failed; ``code`` keeps the botocore error code

Inner layers raise these; only the edge (``app.py``) turns them into HTTP answers.
"""

from __future__ import annotations

from botocore.exceptions import BotoCoreError, ClientError


class ApkgenServiceError(Exception):
    """Root of every error chalicelib raises on purpose."""


class InvalidRequest(ApkgenServiceError):
    """A request cannot be served as sent. The message says what was wrong and how to fix it."""


class NotFound(ApkgenServiceError):
    """Something asked for does not exist."""


class FileNotFound(NotFound):
    """No such static file of the web page."""


class BuildNotFound(NotFound):
    """No build has this id."""

    def __init__(self, build_id: str) -> None:
        super().__init__(
            f"no build with id {build_id!r}: check the link; build ids are the long random "
            "strings returned by POST /builds"
        )
        self.build_id = build_id


class ClaimConflict(ApkgenServiceError):
    """A conditional write lost the race or found the build in the wrong state.

    ``status`` is the build's status as last read, when known.
    """

    def __init__(self, message: str, status: str | None = None) -> None:
        super().__init__(message)
        self.status = status


class NoArtifact(ClaimConflict):
    """The build has no APK to hand out (yet): it is queued, running, failed or cancelled."""

    def __init__(self, build_id: str, status: str) -> None:
        super().__init__(
            f"build {build_id!r} has no APK: it is {status}; there is one once it has succeeded",
            status,
        )
        self.build_id = build_id


class StoreError(ApkgenServiceError):
    """An AWS call failed. ``code`` is botocore's error code (``ResourceNotFoundException`` …)."""

    def __init__(self, message: str, code: str | None = None) -> None:
        super().__init__(message)
        self.code = code

    @classmethod
    def from_boto(cls, action: str, exc: ClientError | BotoCoreError) -> StoreError:
        """Wrap a botocore error raised while doing ``action`` (``"get build abc"``)."""
        if isinstance(exc, ClientError):
            error = exc.response.get("Error", {})
            code = error.get("Code")
            return cls(f"{action} failed: {code}: {error.get('Message', '')}".rstrip(": "), code)
        return cls(f"{action} failed: {exc}", type(exc).__name__)


def error_code(exc: ClientError) -> str:
    """The AWS error code of a botocore ``ClientError`` (empty string when missing)."""
    return str(exc.response.get("Error", {}).get("Code", ""))


class TooManyRequests(ApkgenServiceError):
    """A caller used up its budget (resumes of one WebSocket connection); ``retry_after_s`` says
    when it may try again."""

    def __init__(self, message: str, retry_after_s: float) -> None:
        super().__init__(message)
        self.retry_after_s = retry_after_s
