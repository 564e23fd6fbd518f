"""The one encoder of a log line. Pure.

A line is ``{"seq", "ts", "level", "step", "text"}``, encoded as compact UTF-8 JSON once, when
it leaves the build; those bytes are what the store keeps, what a live post and a resume
assemble their messages from, and what decides their size. A line too long for one frame
(:data:`.limits.MAX_LINE_BYTES`) has its text cut, ending in :data:`CUT_MARKER` saying how
much was cut: the cut line is the one stored, so live and resumed viewers see the same text.
"""

from __future__ import annotations

import json
from json.encoder import encode_basestring
from typing import Any

from apkgen_core.limits import MAX_LINE_BYTES
from apkgen_core.records import LogRecord

CUT_MARKER = " … [line cut: {cut} more bytes]"

LineDict = dict[str, Any]

_ENCODER = json.JSONEncoder(ensure_ascii=False, separators=(",", ":"))
_LINE_KEYS = ["seq", "ts", "level", "step", "text"]


def _dumps(line: LineDict) -> bytes:
    """Compact UTF-8 JSON, byte for byte what :func:`apkgen_core.messages.encode` writes.

    Lines of the usual shape take a fast path (one string format, the C string escaper):
    encoding is the largest per-line cost of the fan-out.
    """
    if list(line) == _LINE_KEYS and type(line["seq"]) is int and type(line["ts"]) is float:
        return (
            f'{{"seq":{line["seq"]},"ts":{line["ts"]!r},"level":{encode_basestring(line["level"])},'
            f'"step":{encode_basestring(line["step"])},"text":{encode_basestring(line["text"])}}}'
        ).encode()
    return _ENCODER.encode(line).encode()


def encode_record(seq: int, record: LogRecord) -> tuple[LineDict, bytes]:
    """The line ``record`` becomes with ``seq``, and its encoding (see :func:`encode_line`)."""
    ts = round(float(record.ts), 3)
    line = {"seq": seq, "ts": ts, "level": record.level, "step": record.step,
            "text": record.text}
    try:
        data = (
            f'{{"seq":{seq},"ts":{ts!r},"level":{encode_basestring(record.level)},'
            f'"step":{encode_basestring(record.step)},"text":{encode_basestring(record.text)}}}'
        ).encode()
    except UnicodeEncodeError:
        return encode_line(line)
    if len(data) > MAX_LINE_BYTES:
        return encode_line(line)
    return line, data


def _valid_utf8(text: str) -> str:
    return text.encode("utf-8", errors="replace").decode("utf-8")


def encode_line(line: LineDict, max_bytes: int = MAX_LINE_BYTES) -> tuple[LineDict, bytes]:
    """Encode ``line`` as compact JSON of at most ``max_bytes`` bytes.

    Returns the line (with its text cut and marked when it was too long) and its encoding.
    Raises ``ValueError`` when even an empty text would not fit (``max_bytes`` far too small).
    """
    try:
        data = _dumps(line)
    except UnicodeEncodeError:
        # A lone surrogate (a tool's undecodable output): shown as "?" rather than lost.
        line = {k: _valid_utf8(v) if isinstance(v, str) else v for k, v in line.items()}
        data = _dumps(line)
    if len(data) <= max_bytes:
        return line, data
    text = str(line.get("text", ""))
    total = len(text.encode("utf-8"))

    def cut_to(chars: int) -> tuple[LineDict, bytes]:
        kept = text[:chars]
        marker = CUT_MARKER.format(cut=total - len(kept.encode("utf-8")))
        cut_line = {**line, "text": kept + marker}
        return cut_line, _dumps(cut_line)

    # JSON escaping makes some characters longer than others: find the longest prefix that
    # fits by bisection (a few encodings, only for the rare huge line).
    best = cut_to(0)
    if len(best[1]) > max_bytes:
        raise ValueError(
            f"a log line cannot fit in {max_bytes} bytes even without its text; raise max_bytes"
        )
    low, high = 0, len(text)
    while low < high:
        middle = (low + high + 1) // 2
        candidate = cut_to(middle)
        if len(candidate[1]) <= max_bytes:
            best, low = candidate, middle
        else:
            high = middle - 1
    return best
