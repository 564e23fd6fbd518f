"""Exceptions of the local WebSocket API. One root, so callers can catch everything of ours.

Tree::

    LocalWsError
    ├── ManagementError           an @connections call failed the way AWS fails it
    │   ├── GoneException             410: unknown, not yet established, or closed connection
    │   ├── PayloadTooLargeException  413: data over 128 KB
    │   ├── LimitExceededException    429: the client's side buffer is full (it does not read)
    │   ├── ForbiddenException        403: not SigV4-signed, wrong stage, unknown path/method
    │   └── BadRequestException       400: a request AWS would refuse as malformed
    └── AppLoadError              ``--app path.py:attr`` does not name a Chalice app

``ManagementError.code`` is AWS's error code, sent as ``x-amzn-ErrorType`` so that botocore
raises ``client.exceptions.<code>``; ``status`` is the HTTP status AWS answers with.
"""

from __future__ import annotations


class LocalWsError(Exception):
    """Root of every error local_ws raises on purpose."""


class ManagementError(LocalWsError):
    """An ``@connections`` request failed; ``code`` and ``status`` are AWS's."""

    code = "InternalServerErrorException"
    status = 500

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class GoneException(ManagementError):
    """The connection does not exist (any more, or not yet)."""

    code = "GoneException"
    status = 410


class PayloadTooLargeException(ManagementError):
    """The data is larger than API Gateway's 128 KB message limit."""

    code = "PayloadTooLargeException"
    status = 413


class LimitExceededException(ManagementError):
    """AWS's documented answer to a POST when "the WebSocket client side buffer is full" (or
    the caller posts too fast): 429 at once, the connection stays open."""

    code = "LimitExceededException"
    status = 429


class ForbiddenException(ManagementError):
    """API Gateway answers 403 for a request that is not SigV4-signed (``@connections`` uses
    IAM authorization) and for a path, stage or method it does not serve."""

    code = "ForbiddenException"
    status = 403


class BadRequestException(ManagementError):
    """The HTTP request itself is malformed."""

    code = "BadRequestException"
    status = 400


class AppLoadError(LocalWsError):
    """The ``--app`` argument does not lead to a Chalice app object."""
