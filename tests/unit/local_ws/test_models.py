"""The connection registry raises AWS's errors and expires connections like API Gateway."""

from __future__ import annotations

import pytest

from local_ws.errors import GoneException, PayloadTooLargeException
from local_ws.events import ConnectionInfo
from local_ws.models import (
    IDLE_REASON,
    MAX_DURATION_REASON,
    MAX_FRAME_BYTES,
    ConnectionRegistry,
    Frames,
    frames_of,
    iso8601,
)


class FakeClock:
    def __init__(self, now: float) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now


class NullSocket:
    async def send(self, data: str | bytes | Frames) -> None:
        raise AssertionError("the registry never sends by itself")

    async def close(self, code: int = 1000, reason: str = "") -> None:
        raise AssertionError("the registry never closes by itself")


def info(connection_id: str, connected_at: float) -> ConnectionInfo:
    return ConnectionInfo(connection_id, int(connected_at * 1000), "10.0.0.1", "ua")


def registry(clock: FakeClock, **kwargs: float) -> ConnectionRegistry:
    return ConnectionRegistry(
        clock=clock, idle_timeout_s=kwargs.get("idle", 600), max_duration_s=kwargs.get("max", 7200)
    )


def test_unknown_connection_is_gone_with_a_hint() -> None:
    reg = registry(FakeClock(1000.0))
    with pytest.raises(GoneException) as caught:
        reg.live("nope")
    assert caught.value.code == "GoneException"
    assert caught.value.status == 410
    assert "nope" in caught.value.message


def test_a_closing_connection_is_already_gone() -> None:
    reg = registry(FakeClock(1000.0))
    reg.add(info("c1", 1000.0), NullSocket()).closing = True
    with pytest.raises(GoneException):
        reg.live("c1")


def test_payload_over_128_kb_is_too_large_and_exactly_128_kb_is_not() -> None:
    reg = registry(FakeClock(0.0))
    reg.check_payload(b"x" * 128 * 1024)
    with pytest.raises(PayloadTooLargeException) as caught:
        reg.check_payload(b"x" * (128 * 1024 + 1))
    assert caught.value.status == 413
    assert "131073" in caught.value.message


def test_info_reports_iso_times_and_identity() -> None:
    clock = FakeClock(1_718_000_000.0)
    reg = registry(clock)
    reg.add(info("c1", 1_718_000_000.0), NullSocket())
    clock.now += 2.5
    reg.touch("c1")
    assert reg.info("c1") == {
        "connectedAt": "2024-06-10T06:13:20.000Z",
        "lastActiveAt": "2024-06-10T06:13:22.500Z",
        "identity": {"sourceIp": "10.0.0.1", "userAgent": "ua"},
    }


def test_iso8601_keeps_milliseconds() -> None:
    assert iso8601(0.123) == "1970-01-01T00:00:00.123Z"


def test_idle_connection_expires_after_the_idle_timeout() -> None:
    clock = FakeClock(100.0)
    reg = registry(clock, idle=10, max=1000)
    reg.add(info("c1", 100.0), NullSocket())
    clock.now = 109.9
    assert reg.expired() == []
    assert reg.seconds_to_next_expiry() == pytest.approx(0.1)
    clock.now = 110.0
    [expiry] = reg.expired()
    assert (expiry.connection.connection_id, expiry.code, expiry.reason) == (
        "c1",
        1001,
        IDLE_REASON,
    )


def test_activity_postpones_idle_expiry_but_not_the_maximum_duration() -> None:
    clock = FakeClock(0.0)
    reg = registry(clock, idle=10, max=25)
    reg.add(info("c1", 0.0), NullSocket())
    for now in (8.0, 16.0, 24.0):
        clock.now = now
        reg.touch("c1")
        assert reg.expired() == []
    clock.now = 25.0
    [expiry] = reg.expired()
    assert expiry.reason == MAX_DURATION_REASON


def test_closing_connections_are_not_expired_twice() -> None:
    clock = FakeClock(0.0)
    reg = registry(clock, idle=1, max=5)
    reg.add(info("c1", 0.0), NullSocket()).closing = True
    clock.now = 100.0
    assert reg.expired() == []
    assert reg.seconds_to_next_expiry() is None


def test_timeouts_must_be_positive() -> None:
    with pytest.raises(ValueError, match="positive"):
        ConnectionRegistry(clock=FakeClock(0.0), idle_timeout_s=0)


def test_removed_connection_is_gone() -> None:
    reg = registry(FakeClock(0.0))
    reg.add(info("c1", 0.0), NullSocket())
    assert reg.remove("c1") is not None
    assert reg.remove("c1") is None
    with pytest.raises(GoneException):
        reg.live("c1")


def test_a_message_up_to_one_frame_is_sent_as_one_text_frame() -> None:
    assert frames_of(b"x" * MAX_FRAME_BYTES) == ["x" * MAX_FRAME_BYTES]


def test_a_128_kb_text_message_is_cut_into_four_32_kb_frames() -> None:
    frames = frames_of(b"y" * (128 * 1024))
    assert [len(frame) for frame in frames] == [MAX_FRAME_BYTES] * 4
    assert "".join(frames) == "y" * (128 * 1024)


def test_text_is_cut_between_characters_so_every_frame_is_valid_utf8() -> None:
    text = "a" + "é€😀" * 10  # 1 + 9 bytes per repetition: cuts would fall inside characters
    frames = frames_of(text.encode(), max_frame_bytes=8)
    assert "".join(frames) == text
    assert all(0 < len(frame.encode()) <= 8 for frame in frames)


def test_bytes_that_are_not_utf8_are_cut_into_binary_frames() -> None:
    frames = frames_of(b"\xff" * 10, max_frame_bytes=4)
    assert frames == [b"\xff" * 4, b"\xff" * 4, b"\xff" * 2]


def test_a_frame_too_small_for_a_character_is_refused() -> None:
    with pytest.raises(ValueError, match="at least one character"):
        frames_of(b"abc", max_frame_bytes=3)


def test_info_leaves_out_the_user_agent_of_a_client_that_sent_none() -> None:
    reg = registry(FakeClock(0.0))
    reg.add(ConnectionInfo("c1", 0, "10.0.0.1", None), NullSocket())
    assert reg.info("c1")["identity"] == {"sourceIp": "10.0.0.1"}
