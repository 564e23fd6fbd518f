"""The page's QR codes (chalicelib/qr.py) are segno's symbols, drawn as standalone SVG."""

from __future__ import annotations

import pytest
import segno

from chalicelib import qr
from tests.qr_svg import encodes, symbol_of

LINK = ("https://abc123defg.execute-api.eu-central-1.amazonaws.com/api/builds/"
        "Zx8kLmN0pQrStUvWxYz0123456789abc/apk")


def test_draws_the_qr_code_of_the_text_as_a_standalone_svg_document() -> None:
    svg = qr.svg(LINK)
    assert svg.startswith('<?xml version="1.0" encoding="utf-8"?>\n'
                          '<svg xmlns="http://www.w3.org/2000/svg"')
    assert encodes(symbol_of(svg), LINK)
    assert not encodes(symbol_of(svg), LINK.replace("Zx8", "Zx9"))


def test_a_builds_stable_link_makes_a_small_symbol_with_room_for_damage() -> None:
    code = segno.make_qr(LINK, error=qr.ERROR_LEVEL)
    assert isinstance(code.version, int) and code.version <= 6  # not a Micro QR either
    assert code.error in ("M", "Q", "H")
    assert len(symbol_of(qr.svg(LINK))) == 17 + 4 * code.version


def test_refuses_a_text_no_qr_code_can_hold() -> None:
    with pytest.raises(segno.DataOverflowError):
        qr.svg("x" * 3000)
