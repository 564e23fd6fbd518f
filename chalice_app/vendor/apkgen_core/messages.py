"""The messages from apkgen to a viewer (docs/contracts.md), built once for the live path (the
runner's fan-out) and the resume path (the ``$default`` handler). Pure.

Server → viewer: ``log`` (lines in seq order), ``status``, ``resumed``, ``error``; each is
compact UTF-8 JSON (:func:`encode`). A ``log`` message is assembled from lines already encoded
by :func:`apkgen_core.lines.encode_line` inside the envelope of :func:`log_envelope`.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from typing import Any, Protocol

from apkgen_core.limits import FRAME_BYTES
from apkgen_core.lines import CUT_MARKER, LineDict, encode_line


class BuildState(Protocol):
    """What a ``status`` message tells of a build (``chalicelib.builds.Build`` has it)."""

    @property
    def build_id(self) -> str: ...
    @property
    def status(self) -> str: ...
    @property
    def step(self) -> str | None: ...
    @property
    def error(self) -> str | None: ...
    @property
    def artifact(self) -> Mapping[str, Any] | None: ...
    @property
    def updated_at(self) -> float: ...
    @property
    def cancel_requested(self) -> bool: ...


def encode(message: Mapping[str, Any]) -> str:
    """A message as compact JSON text (non-ASCII kept as is, counted in UTF-8 bytes)."""
    return json.dumps(message, ensure_ascii=False, separators=(",", ":"))


def size_of(text: str) -> int:
    """Bytes ``text`` takes on the wire."""
    return len(text.encode("utf-8"))


def log_envelope(build_id: str) -> tuple[bytes, bytes]:
    """The bytes before and after the comma-joined lines of a ``log`` message for ``build_id``."""
    head = json.dumps({"type": "log", "build": build_id}, ensure_ascii=False,
                      separators=(",", ":"))
    return (head[:-1] + ',"lines":[').encode("utf-8"), b"]}"


def assemble(prefix: bytes, suffix: bytes, lines: Iterable[bytes]) -> bytes:
    """A ``log`` message from its envelope and already-encoded lines."""
    return prefix + b",".join(lines) + suffix


def log_messages(build_id: str, lines: Iterable[LineDict],
                 max_bytes: int = FRAME_BYTES) -> list[str]:
    """``lines`` (in seq order) packed into as few ``log`` messages as possible, each at most
    ``max_bytes`` UTF-8 bytes, in order. A line too big to fit alone is cut (:data:`CUT_MARKER`).
    """
    prefix, suffix = log_envelope(build_id)
    room = max_bytes - len(prefix) - len(suffix)
    if room < 200:
        raise ValueError(f"max_bytes={max_bytes} leaves no room for a log line")
    messages: list[str] = []
    parts: list[bytes] = []
    used = 0
    for line in lines:
        data = _encoded_within(line, room)
        extra = len(data) + (1 if parts else 0)  # the comma
        if parts and used + extra > room:
            messages.append(assemble(prefix, suffix, parts).decode("utf-8"))
            parts, used, extra = [], 0, len(data)
        parts.append(data)
        used += extra
    if parts:
        messages.append(assemble(prefix, suffix, parts).decode("utf-8"))
    return messages


def _encoded_within(line: LineDict, room: int) -> bytes:
    """``line`` encoded within ``room`` bytes; when even its other fields are too big, only its
    seq, ts and level are kept, with the marker saying how much text was cut."""
    try:
        return encode_line(line, room)[1]
    except ValueError:
        text = str(line.get("text", ""))
        bare = {"seq": line.get("seq"), "ts": line.get("ts"),
                "level": str(line.get("level", "info"))[:10], "step": "",
                "text": CUT_MARKER.format(cut=len(text.encode("utf-8", "replace")))}
        return encode_line(bare, room)[1]


def status_message(build: BuildState, last_seq: int,
                   download_url: str | None = None) -> dict[str, Any]:
    """``{"type": "status", ...}`` for ``build`` whose last stored line is ``last_seq``;
    ``download_url`` added to the artifact when given."""
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
        "last_seq": last_seq,
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
