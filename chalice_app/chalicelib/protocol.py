"""What a viewer may send apkgen over the WebSocket (docs/contracts.md). Pure: no I/O.

Viewer → server: ``{"action": "resume", "after": SEQ}``, parsed by :func:`parse_client_message`.
What apkgen sends a viewer (``log``, ``status``, ``resumed``, ``error``) is built by
:mod:`apkgen_core.messages`, shared with the runner's fan-out.
"""

from __future__ import annotations

import json
from dataclasses import dataclass

from apkgen_core.limits import MAX_CLIENT_MESSAGE_BYTES, MAX_SEQ
from apkgen_core.messages import size_of
from chalicelib.errors import InvalidRequest

MAX_ECHO = 100  # characters of what a viewer sent quoted back in an error


@dataclass(frozen=True)
class ResumeRequest:
    """A viewer asks for every line after ``after``."""

    after: int


def parse_client_message(text: str | bytes | None) -> ResumeRequest:
    """Parse what a viewer sent. Raises InvalidRequest saying what a good message looks like."""
    example = 'send {"action": "resume", "after": <last seq you have, 0 for all>}'
    if text is None or text in ("", b""):
        raise InvalidRequest(f"empty message: {example}")
    if isinstance(text, bytes):
        try:
            text = text.decode("utf-8")
        except UnicodeDecodeError as exc:
            raise InvalidRequest(f"message is not UTF-8 text: {example}") from exc
    if size_of(text) > MAX_CLIENT_MESSAGE_BYTES:
        raise InvalidRequest(f"message is over {MAX_CLIENT_MESSAGE_BYTES} bytes: {example}")
    try:
        data = json.loads(text)
    except RecursionError as exc:
        raise InvalidRequest(f"message nests arrays or objects too deeply: {example}") from exc
    except ValueError as exc:
        raise InvalidRequest(f"message is not JSON ({_shown(exc.args[0])}): {example}") from exc
    if not isinstance(data, dict):
        raise InvalidRequest(f"message must be a JSON object: {example}")
    action = data.get("action")
    if action != "resume":
        raise InvalidRequest(f"unknown action {_shown(repr(action))}: {example}")
    after = data.get("after", 0)
    if not isinstance(after, int) or isinstance(after, bool) or after < 0:
        raise InvalidRequest(
            f"'after' must be a whole number >= 0, not {_shown(repr(after))}: {example}"
        )
    if after > MAX_SEQ:
        raise InvalidRequest(
            f"'after' {_shown(repr(after))} is beyond any seq (at most {MAX_SEQ}): {example}"
        )
    return ResumeRequest(after=after)


def _shown(text: str) -> str:
    """What a viewer sent, as quoted back: at most :data:`MAX_ECHO` characters."""
    return text if len(text) <= MAX_ECHO else text[: MAX_ECHO - 1] + "…"
