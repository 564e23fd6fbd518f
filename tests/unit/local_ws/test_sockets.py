"""What a message weighs in a viewer's write buffer."""

from __future__ import annotations

from local_ws.sockets import message_bytes


def test_text_counts_its_utf8_bytes() -> None:
    assert message_bytes("é") == 2


def test_a_fragmented_message_counts_all_its_fragments() -> None:
    assert message_bytes(["ab", "é"]) == 4
    assert message_bytes([b"\x00", b"\x01\x02"]) == 3
