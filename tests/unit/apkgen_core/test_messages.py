"""What apkgen sends a viewer (apkgen_core.messages): messages fit one frame and keep order."""

from __future__ import annotations

import itertools
import json

import pytest

from apkgen_core import messages as protocol
from chalicelib.builds import Build

BUILD = "Zx8kLmN0pQrStUvWxYz0123456789abc"


def line(seq: int, text: str = "hello", **extra: object) -> dict[str, object]:
    return {"seq": seq, "ts": 1718000000.125, "level": "info", "step": "package", "text": text,
            **extra}


def decoded(messages: list[str]) -> list[dict]:
    return [json.loads(m) for m in messages]


def test_packs_small_lines_into_one_message_equal_to_the_plain_encoding() -> None:
    lines = [line(i) for i in range(1, 11)]
    messages = protocol.log_messages(BUILD, lines)
    assert messages == [protocol.encode({"type": "log", "build": BUILD, "lines": lines})]


def test_returns_no_message_for_no_lines() -> None:
    assert protocol.log_messages(BUILD, []) == []


def test_splits_many_lines_into_messages_each_within_the_frame_limit_in_seq_order() -> None:
    lines = [line(i, "é✓ unicode counts in bytes " * 40) for i in range(1, 400)]
    messages = protocol.log_messages(BUILD, lines, max_bytes=32 * 1024)
    assert len(messages) > 1
    assert all(protocol.size_of(m) <= 32 * 1024 for m in messages)
    seqs = [ln["seq"] for m in decoded(messages) for ln in m["lines"]]
    assert seqs == list(range(1, 400))
    assert all(m["type"] == "log" and m["build"] == BUILD for m in decoded(messages))


def test_fills_messages_greedily_so_no_two_neighbours_could_have_been_one() -> None:
    lines = [line(i, "x" * 900) for i in range(1, 200)]
    messages = protocol.log_messages(BUILD, lines, max_bytes=8 * 1024)
    for first, second in itertools.pairwise(messages):
        next_line = protocol.encode(json.loads(second)["lines"][0])
        assert protocol.size_of(first) + protocol.size_of(next_line) + 1 > 8 * 1024


@pytest.mark.parametrize("text", ["a" * 100_000, '"' * 100_000, "\x01" * 50_000, "✓" * 40_000])
def test_cuts_a_line_too_big_for_a_frame_with_a_visible_marker(text: str) -> None:
    messages = protocol.log_messages(BUILD, [line(7, text)], max_bytes=32 * 1024)
    assert len(messages) == 1
    assert protocol.size_of(messages[0]) <= 32 * 1024
    kept = json.loads(messages[0])["lines"][0]
    assert kept["seq"] == 7 and kept["step"] == "package"
    assert "line cut" in kept["text"]
    assert text.startswith(kept["text"].split(" … [line cut")[0])
    # The cut keeps most of what fits rather than dropping everything.
    assert protocol.size_of(messages[0]) > 16 * 1024


def test_keeps_lines_around_a_cut_one_in_order() -> None:
    lines = [line(1), line(2, "z" * 50_000), line(3)]
    messages = protocol.log_messages(BUILD, lines, max_bytes=32 * 1024)
    seqs = [ln["seq"] for m in decoded(messages) for ln in m["lines"]]
    assert seqs == [1, 2, 3]
    assert all(protocol.size_of(m) <= 32 * 1024 for m in messages)


def test_refuses_a_frame_limit_too_small_for_any_line() -> None:
    with pytest.raises(ValueError, match="no room"):
        protocol.log_messages(BUILD, [line(1)], max_bytes=100)


def test_status_message_carries_the_download_url_and_the_last_stored_seq() -> None:
    build = Build(BUILD, 1.0, 2.5, {"kind": "url", "url": "https://e.org"}, status="succeeded",
                  step="done", artifact={"key": "artifacts/x/a.apk", "size": 10})
    message = protocol.status_message(build, last_seq=9, download_url="https://dl")
    assert message == {
        "type": "status", "build": BUILD, "status": "succeeded", "step": "done", "error": None,
        "artifact": {"key": "artifacts/x/a.apk", "size": 10, "download_url": "https://dl"},
        "last_seq": 9, "updated_at": 2.5, "cancel_requested": False,
    }
    assert build.artifact == {"key": "artifacts/x/a.apk", "size": 10}


def test_resumed_and_error_messages_follow_the_contract() -> None:
    assert protocol.resumed_message(BUILD, 4, 10) == {
        "type": "resumed", "build": BUILD, "after": 4, "last_seq": 10}
    assert protocol.error_message("why") == {"type": "error", "message": "why"}
