"""The one encoder of a log line (apkgen_core.lines): compact JSON, cut to fit one frame."""

from __future__ import annotations

import json

import pytest

from apkgen_core.limits import MAX_LINE_BYTES
from apkgen_core.lines import LineDict, encode_line, encode_record
from apkgen_core.records import LogRecord


def line_dict(seq: int, record: LogRecord) -> LineDict:
    """The line as a viewer reads it, written out by hand."""
    return {"seq": seq, "ts": round(record.ts, 3), "level": record.level, "step": record.step,
            "text": record.text}


def test_line_carries_seq_time_level_step_and_text() -> None:
    record = LogRecord("sign", "warning", "careful", ts=1718000000.12345)
    assert encode_record(7, record)[0] == {
        "seq": 7, "ts": 1718000000.123, "level": "warning", "step": "sign", "text": "careful"
    }


def test_short_line_is_encoded_as_compact_utf8_json() -> None:
    line = line_dict(1, LogRecord("extract", "info", "Zürich ✓", ts=1.0))
    kept, data = encode_line(line)
    assert kept is line
    assert json.loads(data) == line
    assert "Zürich ✓".encode() in data
    assert b": " not in data


@pytest.mark.parametrize("text", ["x" * 100_000, "é" * 60_000, '"\\' * 40_000, "\x01" * 20_000])
def test_huge_line_is_cut_to_fit_one_frame_and_says_so(text: str) -> None:
    line = line_dict(5, LogRecord("package", "error", text, ts=1.0))
    kept, data = encode_line(line)
    assert len(data) <= MAX_LINE_BYTES
    decoded = json.loads(data)
    assert decoded == kept
    assert decoded["seq"] == 5
    assert "line cut:" in decoded["text"]
    assert text.startswith(decoded["text"].split(" … [line cut")[0])
    # Cut no more than needed: the line still fills most of the frame.
    assert len(data) > MAX_LINE_BYTES // 2


def test_refuses_a_limit_that_no_line_can_meet() -> None:
    line = line_dict(5, LogRecord("package", "error", "x" * 100, ts=1.0))
    with pytest.raises(ValueError, match="raise max_bytes"):
        encode_line(line, max_bytes=20)


def test_fast_encoding_is_byte_for_byte_the_json_encoding() -> None:
    tricky = 'quote " backslash \\ newline \n tab \t control \x01 ✓ é \u2028 emoji 🎉'
    line = line_dict(3, LogRecord('st"ep', "warning", tricky, ts=1718000000.1239))
    expected = json.dumps(line, ensure_ascii=False, separators=(",", ":")).encode()
    assert encode_line(line)[1] == expected


def test_undecodable_tool_output_is_kept_with_a_replacement_character() -> None:
    line = line_dict(4, LogRecord("package", "info", "bad \udcff byte", ts=1.0))
    kept, data = encode_line(line)
    assert kept["text"] == "bad ? byte"
    assert json.loads(data) == kept


@pytest.mark.parametrize(
    "text", ["plain", 'quote " and \\ and ✓ 🎉 \x02', "bad \udcff byte", "z" * 70_000]
)
def test_encoding_a_record_equals_encoding_its_line(text: str) -> None:
    record = LogRecord("sign", "debug", text, ts=1718000000.98765)
    assert encode_record(9, record) == encode_line(line_dict(9, record))
