"""What a viewer may send (chalicelib.protocol): a resume; anything else is refused saying why."""

from __future__ import annotations

import pytest

from apkgen_core.limits import MAX_SEQ
from chalicelib import protocol
from chalicelib.errors import InvalidRequest

BUILD = "Zx8kLmN0pQrStUvWxYz0123456789abc"


def test_parses_a_resume_request() -> None:
    assert protocol.parse_client_message('{"action": "resume", "after": 42}').after == 42
    assert protocol.parse_client_message(b'{"action": "resume"}').after == 0


@pytest.mark.parametrize(
    ("text", "why"),
    [
        (None, "empty message"),
        ("", "empty message"),
        ("not json", "not JSON"),
        ("[1, 2]", "must be a JSON object"),
        ('{"action": "subscribe"}', "unknown action 'subscribe'"),
        ('{"action": "resume", "after": -1}', "'after' must be a whole number >= 0, not -1"),
        ('{"action": "resume", "after": "5"}', "'after' must be a whole number >= 0, not '5'"),
        ('{"action": "resume", "after": true}', "'after' must be a whole number >= 0, not True"),
        (b"\xff\xfe", "not UTF-8"),
        ('{"action": "resume", "pad": "' + "x" * 5000 + '"}', "over 4096 bytes"),
        ('{"action": "resume", "after": 1' + "0" * 40 + "}",
         "'after' 1" + "0" * 40 + " is beyond any seq (at most 9007199254740992)"),
        ('{"action": "resume", "after": 9007199254740993}', "is beyond any seq"),
        ("[" * 2000 + "]" * 2000, "message nests arrays or objects too deeply"),
        ('{"action": "' + "a" * 3000 + '"}', "unknown action '" + "a" * 98 + "…:"),
        ('{"action": "\\ud800"}', "unknown action '\\ud800'"),
    ],
)
def test_rejects_a_bad_client_message_saying_what_to_send(text: str | None, why: str) -> None:
    with pytest.raises(InvalidRequest) as caught:
        protocol.parse_client_message(text)
    assert why in str(caught.value)
    assert '{"action": "resume", "after":' in str(caught.value)


def test_accepts_the_largest_seq() -> None:
    text = '{"action": "resume", "after": 9007199254740992}'
    assert protocol.parse_client_message(text).after == MAX_SEQ


