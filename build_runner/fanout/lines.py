"""Sequencing and encoding of log lines. Pure: no I/O, no threads.

Every line of a build gets a sequence number, from 1 for a fresh build or continuing after the
last persisted one when another runner resumes an interrupted build (``LogStore.last_seq``), so
seq numbers never repeat and a viewer can dedup and resume by seq.

A line is encoded to JSON once, when it leaves the build; the encoded bytes are both what a log
message is assembled from (see :mod:`.batching`) and what decides its size. A line too long to
fit in one WebSocket frame is cut, with a marker saying how much was cut: every line fits a
message of its own, and a message carries as many lines as fit its 128 KB.
"""

from __future__ import annotations

import json
from json.encoder import encode_basestring
from typing import Any

from build_runner.logs import LogRecord

# API Gateway: a posted message is at most 128 KB, delivered in WebSocket frames of at most 32 KB.
# Under load a post carries up to a whole message (fewer billed calls); one line fits one frame.
MAX_FRAME_BYTES = 32 * 1024
MAX_MESSAGE_BYTES = 128 * 1024

# Room kept for the message envelope around the lines: ``{"type":"log","build":"<id>",
# "lines":[...]}`` with a build id of up to 64 characters.
ENVELOPE_RESERVE = 160
MAX_LINE_BYTES = MAX_FRAME_BYTES - ENVELOPE_RESERVE

TRUNCATION_MARKER = " … [line cut: {cut} more bytes]"

LineDict = dict[str, Any]


class Sequencer:
    """Hands out the seq numbers of one build: ``after + 1``, ``after + 2``, …

    ``after`` is 0 for a fresh build, or the last persisted seq when the build is resumed.
    """

    def __init__(self, after: int = 0) -> None:
        if after < 0:
            raise ValueError(f"seq numbers start after 0 or a persisted seq, not after {after}")
        self._last = after

    @property
    def last(self) -> int:
        """The last seq handed out (or ``after`` when none was)."""
        return self._last

    def next(self) -> int:
        """The next seq number."""
        self._last += 1
        return self._last


def line_dict(seq: int, record: LogRecord) -> LineDict:
    """The line as viewers and the log store see it: seq, ts, level, step and text."""
    return {
        "seq": seq,
        "ts": round(float(record.ts), 3),
        "level": record.level,
        "step": record.step,
        "text": record.text,
    }


_ENCODER = json.JSONEncoder(ensure_ascii=False, separators=(",", ":"))
_LINE_KEYS = ["seq", "ts", "level", "step", "text"]


def _dumps(line: LineDict) -> bytes:
    """Compact UTF-8 JSON, byte for byte what ``chalicelib.protocol.encode`` writes.

    Lines made by :func:`line_dict` take a fast path (one string format, the C string
    escaper): encoding is the largest per-line cost of the fan-out.
    """
    if list(line) == _LINE_KEYS and type(line["seq"]) is int and type(line["ts"]) is float:
        return (
            f'{{"seq":{line["seq"]},"ts":{line["ts"]!r},"level":{encode_basestring(line["level"])},'
            f'"step":{encode_basestring(line["step"])},"text":{encode_basestring(line["text"])}}}'
        ).encode()
    return _ENCODER.encode(line).encode()


def encode_record(seq: int, record: LogRecord) -> tuple[LineDict, bytes]:
    """:func:`line_dict` then :func:`encode_line`, in one step for the common short line."""
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

    Returns the line (with its text cut and marked when it was too long) and its encoding; the
    cut line is the one to persist too, so live and resumed viewers see the same thing.
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
    text = str(line["text"])
    total = len(text.encode("utf-8"))

    def cut_to(chars: int) -> tuple[LineDict, bytes]:
        kept = text[:chars]
        marker = TRUNCATION_MARKER.format(cut=total - len(kept.encode("utf-8")))
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
