"""The WebSocket messages between apkgen and a viewer (docs/contracts.md). Pure: no I/O.

Server → viewer: ``log`` (lines in seq order), ``status``, ``resumed``, ``error``.
Viewer → server: ``{"action": "resume", "after": SEQ}``.

API Gateway delivers at most 32 KB per frame; every message built here is encoded as compact
UTF-8 JSON and :func:`split_lines_into_messages` keeps each one within ``max_bytes`` so no
message is ever fragmented. The runner's fan-out and the resume path both use it.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from chalicelib.errors import InvalidRequest

if TYPE_CHECKING:
    from chalicelib.builds import Build

FRAME_BYTES = 32 * 1024  # API Gateway WebSocket frame limit
MESSAGE_BYTES = 128 * 1024  # API Gateway WebSocket message limit
MAX_CLIENT_MESSAGE_BYTES = 4096  # what a viewer may send us
MAX_SEQ = 2**53  # no seq is larger (JSON numbers stay exact up to here); DynamoDB takes it
MAX_ECHO = 100  # characters of what a viewer sent quoted back in an error
TRUNCATED_MARKER = " … [line truncated: {dropped} more bytes]"


def encode(message: Mapping[str, Any]) -> str:
    """A message as compact JSON text (non-ASCII kept as is, counted in UTF-8 bytes)."""
    return json.dumps(message, ensure_ascii=False, separators=(",", ":"))


def size_of(text: str) -> int:
    """Bytes ``text`` takes on the wire."""
    return len(text.encode("utf-8"))


def log_message(build_id: str, lines: list[dict[str, Any]]) -> dict[str, Any]:
    """``{"type": "log", "build", "lines"}``; ``lines`` must already be in seq order."""
    return {"type": "log", "build": build_id, "lines": list(lines)}


def status_message(
    build: Build, last_seq: int | None = None, download_url: str | None = None
) -> dict[str, Any]:
    """``{"type": "status", ...}`` for ``build``. ``last_seq`` overrides the stored value
    (the log table is the truth); ``download_url`` is added to the artifact when given."""
    artifact = dict(build.artifact) if build.artifact else None
    if artifact is not None and download_url:
        artifact["download_url"] = download_url
    return {
        "type": "status",
        "build": build.build_id,
        "status": build.status,
        "step": build.step,
        "error": build.error,
        "artifact": artifact,
        "last_seq": build.last_seq if last_seq is None else last_seq,
        "updated_at": build.updated_at,
        "cancel_requested": build.cancel_requested,
    }


def resumed_message(build_id: str, after: int, last_seq: int) -> dict[str, Any]:
    """``{"type": "resumed", ...}``: the backlog after ``after`` up to ``last_seq`` was sent."""
    return {"type": "resumed", "build": build_id, "after": after, "last_seq": last_seq}


def error_message(message: str, retry_after_s: float | None = None) -> dict[str, Any]:
    """``{"type": "error", "message": ...}`` sent back for a message we cannot serve; with
    ``"retry_after": seconds`` when it may be sent again only after a while."""
    error: dict[str, Any] = {"type": "error", "message": message}
    if retry_after_s is not None:
        error["retry_after"] = round(retry_after_s, 3)
    return error


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


def _truncate_line(line: dict[str, Any], room: int) -> str:
    """The encoded line, its ``text`` cut (with a visible marker) to fit in ``room`` bytes.

    Keeps the longest prefix of the text that fits (binary search: escaping makes the encoded
    size of a prefix hard to predict, but it grows with the prefix)."""
    encoded = encode(line)
    if size_of(encoded) <= room:
        return encoded
    text = str(line.get("text", ""))
    original = size_of(text)

    def with_prefix(cut: int) -> str:
        kept = text[:cut]
        marker = TRUNCATED_MARKER.format(dropped=original - size_of(kept))
        return encode({**line, "text": kept + marker})

    low, high = 0, len(text)  # with_prefix(high) is too big; find the largest cut that fits
    if size_of(with_prefix(0)) > room:
        # Even an empty text does not fit: the other fields are huge. Keep seq and the marker.
        return encode({"seq": line.get("seq"), "ts": line.get("ts"),
                       "level": line.get("level", "info"), "step": "",
                       "text": TRUNCATED_MARKER.format(dropped=original)})
    while high - low > 1:
        middle = (low + high) // 2
        if size_of(with_prefix(middle)) <= room:
            low = middle
        else:
            high = middle
    return with_prefix(low)


def split_lines_into_messages(
    build_id: str, lines: Iterable[dict[str, Any]], max_bytes: int = FRAME_BYTES
) -> list[str]:
    """Pack ``lines`` (in seq order) into as few encoded ``log`` messages as possible, each at
    most ``max_bytes`` UTF-8 bytes, keeping the order. A line too big to fit alone has its
    ``text`` truncated with a visible marker. Each result equals ``encode(log_message(...))``.
    """
    prefix = '{"type":"log","build":' + json.dumps(build_id, ensure_ascii=False) + ',"lines":['
    suffix = "]}"
    overhead = size_of(prefix) + size_of(suffix)
    room = max_bytes - overhead
    if room < 200:
        raise ValueError(f"max_bytes={max_bytes} leaves no room for a log line")
    messages: list[str] = []
    parts: list[str] = []
    used = 0
    for line in lines:
        encoded = _truncate_line(line, room)
        size = size_of(encoded)
        extra = size + (1 if parts else 0)  # the comma
        if parts and used + extra > room:
            messages.append(prefix + ",".join(parts) + suffix)
            parts, used, extra = [], 0, size
        parts.append(encoded)
        used += extra
    if parts:
        messages.append(prefix + ",".join(parts) + suffix)
    return messages
