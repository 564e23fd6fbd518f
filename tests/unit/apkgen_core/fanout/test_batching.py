"""When lines go out and in which messages (pure state machines)."""

from __future__ import annotations

import json

import pytest

from apkgen_core import messages as protocol
from apkgen_core.fanout.batching import RoundQueue, Standalone, ViewerQueue
from apkgen_core.limits import FRAME_BYTES as MAX_FRAME_BYTES
from apkgen_core.limits import MESSAGE_BYTES as MAX_MESSAGE_BYTES
from apkgen_core.lines import encode_line, encode_record
from apkgen_core.messages import assemble, log_envelope
from apkgen_core.records import LogRecord

BUILD = "b" * 32


def encoded(seq: int, text: str = "hello") -> bytes:
    return encode_record(seq, LogRecord("package", "info", text, ts=1.0))[1]


def seqs(message: bytes) -> list[int]:
    body = json.loads(message)
    assert body["type"] == "log"
    assert body["build"] == BUILD
    return [line["seq"] for line in body["lines"]]


# -- RoundQueue: the build's persistence rounds ----------------------------------------------


def test_flushes_immediately_when_idle() -> None:
    queue: RoundQueue[int] = RoundQueue()
    assert queue.add(1) is True
    assert queue.take() == [1]
    assert queue.finish() is False
    assert queue.idle


def test_batches_lines_that_arrive_while_a_round_is_in_flight() -> None:
    queue: RoundQueue[int] = RoundQueue()
    assert queue.add(1)
    assert queue.take() == [1]
    assert [queue.add(n) for n in range(2, 6)] == [False] * 4
    assert queue.finish() is True  # the in-flight round ended: the next one starts at once
    assert queue.take() == [2, 3, 4, 5]
    assert queue.finish() is False
    assert queue.add(6) is True  # quiet again: the next line goes out at once


def test_caps_a_round_and_leaves_the_rest_for_the_next() -> None:
    queue: RoundQueue[int] = RoundQueue(max_round_items=3)
    queue.add(0)
    for n in range(1, 8):
        queue.add(n)
    assert queue.take() == [0, 1, 2]
    assert queue.finish() is True
    assert queue.take() == [3, 4, 5]
    assert queue.finish() is True
    assert queue.take() == [6, 7]
    assert queue.finish() is False


def test_take_outside_a_round_is_a_caller_error() -> None:
    with pytest.raises(RuntimeError, match="outside a round"):
        RoundQueue[int]().take()


def test_refuses_a_round_cap_below_one() -> None:
    with pytest.raises(ValueError, match="at least one"):
        RoundQueue[int](max_round_items=0)


# -- message framing --------------------------------------------------------------------------


def test_assembled_message_is_the_protocols_log_message() -> None:
    prefix, suffix = log_envelope(BUILD)
    lines = [encoded(1), encoded(2, 'quote " and ✓')]
    body = json.loads(assemble(prefix, suffix, lines))
    assert body == {"type": "log", "build": BUILD, "lines": [json.loads(x) for x in lines]}


def test_messages_are_byte_for_byte_those_of_the_shared_protocol() -> None:
    lines = [encode_record(n, LogRecord("sign", "info", f"line {n} ✓ \"q\"", ts=2.0))[0]
             for n in range(1, 3000)]
    viewer = ViewerQueue(BUILD)
    viewer.offer([encode_line(line)[1] for line in lines])
    ours = []
    while (message := viewer.next_message()) is not None:
        ours.append(message.decode("utf-8"))
    assert len(ours) > 1
    assert ours == protocol.log_messages(BUILD, lines, MAX_MESSAGE_BYTES)


# -- ViewerQueue: one connection's posts -----------------------------------------------------


def test_viewer_gets_everything_queued_in_one_message_in_seq_order() -> None:
    viewer = ViewerQueue(BUILD)
    assert viewer.offer([encoded(n) for n in range(1, 6)]) is True
    message = viewer.next_message()
    assert message is not None
    assert seqs(message) == [1, 2, 3, 4, 5]
    assert viewer.finish() is False
    assert viewer.idle


def test_never_two_posts_in_flight_to_one_viewer() -> None:
    viewer = ViewerQueue(BUILD)
    assert viewer.offer([encoded(1)]) is True
    assert viewer.offer([encoded(2)]) is False  # a post is in flight: just queue
    assert seqs(viewer.next_message() or b"") == [1, 2]
    assert viewer.offer([encoded(3)]) is False
    assert viewer.finish() is True  # more queued: the caller posts again
    assert seqs(viewer.next_message() or b"") == [3]
    assert viewer.finish() is False


def test_messages_never_exceed_128_kb() -> None:
    viewer = ViewerQueue(BUILD)
    lines = [encoded(n, "x" * 900) for n in range(1, 601)]
    viewer.offer(lines)
    got: list[int] = []
    while (message := viewer.next_message()) is not None:
        assert len(message) <= MAX_MESSAGE_BYTES
        got.extend(seqs(message))
    assert got == list(range(1, 601))


def test_a_maximal_line_never_pushes_a_message_over_its_limit() -> None:
    viewer = ViewerQueue(BUILD, max_message_bytes=MAX_FRAME_BYTES)
    huge = encode_record(2, LogRecord("package", "info", "y" * 50_000, ts=1.0))[1]
    viewer.offer([encoded(1), huge, encoded(3)])
    messages = []
    while (message := viewer.next_message()) is not None:
        assert len(message) <= MAX_FRAME_BYTES
        messages.append(seqs(message))
    assert [seq for message in messages for seq in message] == [1, 2, 3]
    assert len(messages) >= 2


def test_a_status_goes_alone_after_the_lines_before_it() -> None:
    viewer = ViewerQueue(BUILD)
    status = Standalone(b'{"type":"status"}')
    viewer.offer([encoded(1), encoded(2), status, encoded(3)])
    assert seqs(viewer.next_message() or b"") == [1, 2]
    assert viewer.next_message() == status.data
    assert seqs(viewer.next_message() or b"") == [3]
    assert viewer.next_message() is None
    assert viewer.queued_bytes == 0


def test_slow_viewer_drops_its_oldest_lines_but_never_a_status() -> None:
    line_size = len(encoded(1, "z" * 100))
    viewer = ViewerQueue(BUILD, max_backlog_bytes=line_size * 10)
    status = Standalone(b'{"type":"status","status":"running"}')
    viewer.offer([encoded(1, "z" * 100), status])
    viewer.offer([encoded(n, "z" * 100) for n in range(2, 31)])
    assert viewer.queued_bytes <= line_size * 10
    assert viewer.dropped_lines == 21  # 30 lines, room for 9 besides the status
    assert viewer.next_message() == status.data
    assert seqs(viewer.next_message() or b"") == list(range(22, 31))


def test_gone_viewer_forgets_its_queue_and_takes_nothing_more() -> None:
    viewer = ViewerQueue(BUILD)
    viewer.offer([encoded(1), encoded(2)])
    viewer.mark_gone()
    assert viewer.finish() is False
    assert viewer.offer([encoded(3)]) is False
    assert viewer.next_message() is None
    assert viewer.idle


def test_refuses_a_frame_too_small_for_the_envelope() -> None:
    with pytest.raises(ValueError, match="cannot hold a log message"):
        ViewerQueue(BUILD, max_message_bytes=20)
