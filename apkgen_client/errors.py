"""Exceptions of the terminal client. One root, so ``cli.main`` turns any of them into a message.

Tree::

    ClientError
    ├── UsageError      the command line or the input file is wrong (says how to fix it)
    ├── ApiError        the HTTP API answered with an error (keeps the status and message)
    └── StreamError     the live log could not be followed (WebSocket refused or kept dropping)
"""

from __future__ import annotations


class ClientError(Exception):
    """Root of every error the terminal client raises on purpose."""


class UsageError(ClientError):
    """The command line or the file given to it is wrong."""


class ApiError(ClientError):
    """The API answered ``status`` with ``message`` (its ``Message`` field when it had one)."""

    def __init__(self, status: int, message: str, url: str = "") -> None:
        super().__init__(f"HTTP {status}: {message}" + (f" ({url})" if url else ""))
        self.status = status
        self.message = message
        self.url = url


class StreamError(ClientError):
    """Following the live log over the WebSocket failed for good."""
