"""The page's own QR encoder (web/qr.js) against the Python ``segno`` encoder, module by module.

segno 1.6 appends eight zero bits after the terminator when the bit stream already ends on a
codeword boundary (ISO/IEC 18004 7.4.10 pads only when it does not), so the reference matrix is
built from segno's own encoder steps with the padding done as the standard says; everything
else (segments, RS blocks, interleaving, placement, masks, format and version info) is segno's.
"""

from __future__ import annotations

from typing import Any

import pytest
import segno
from playwright.sync_api import Page
from segno import consts, encoder

pytestmark = pytest.mark.browser

LEVELS = {"L": consts.ERROR_LEVEL_L, "M": consts.ERROR_LEVEL_M, "Q": consts.ERROR_LEVEL_Q,
          "H": consts.ERROR_LEVEL_H}
# A presigned S3 link is about this long; the lengths below reach versions 1 to 40.
URL = ("http://127.0.0.1:45123/apkgen-local/artifacts/Qm9va2luZ0lk/org.example.app.apk?"
       "X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=" + "0123456789abcdef" * 200)
LENGTHS = (5, 17, 40, 90, 150, 230, 320, 450, 620, 800, 1000, 1300, 1700, 2300, 2900)
# Every mask at these lengths (versions 2, 12 and 33 at level M); one mask, varying, elsewhere.
ALL_MASKS_AT = (17, 450, 2300)


def reference_matrix(content: str, version: int, level: str, mask: int) -> list[str]:
    """segno's matrix for byte-mode ``content`` at ``version``/``level``/``mask``."""
    error = LEVELS[level]
    buff = encoder.Buffer()
    for segment in encoder.prepare_data(content, consts.MODE_BYTE, None):
        encoder.write_segment(buff, segment, None, encoder.version_range(version), False)
    capacity = consts.SYMBOL_CAPACITY[version][error]
    encoder.write_terminator(buff, capacity, None, len(buff))
    if len(buff) % 8:
        buff.extend([0] * (8 - len(buff) % 8))
    encoder.write_pad_codewords(buff, version, capacity, len(buff))
    buff = encoder.make_final_message(version, error, buff)
    width = encoder.calc_matrix_size(version)
    matrix = encoder.make_matrix(width, width)
    encoder.add_finder_patterns(matrix, width, width)
    encoder.add_alignment_patterns(matrix, width, width)
    encoder.add_codewords(matrix, buff, version)
    mask, matrix = encoder.find_and_apply_best_mask(matrix, width, width, mask)
    encoder.add_format_info(matrix, version, error, mask)
    encoder.add_version_info(matrix, version)
    return ["".join(str(v) for v in row) for row in matrix]


def encode_in_page(page: Page, cases: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return page.evaluate(
        """cases => cases.map(c => {
             const q = ApkgenQr.encode(c.text, {level: c.level, mask: c.mask});
             return {version: q.version, mask: q.mask,
                     rows: q.modules.map(r => r.map(b => b ? "1" : "0").join(""))};
           })""",
        cases,
    )


def minimal_version(content: str, level: str) -> int:
    return int(segno.make(content, error=level, mode="byte", boost_error=False,
                          micro=False).version)


def test_matches_segno_for_every_level_and_mask_from_version_1_to_40(js_page: Page) -> None:
    cases = []
    for length in LENGTHS:
        for n, level in enumerate("LMQH"):
            text = URL[:length]
            try:
                version = minimal_version(text, level)
            except segno.DataOverflowError:
                continue
            masks = range(8) if length in ALL_MASKS_AT else [(length + n) % 8]
            for mask in masks:
                cases.append({"text": text, "level": level, "mask": mask, "version": version})
    got = encode_in_page(js_page, cases)
    versions = {c["version"] for c in cases}
    assert min(versions) == 1 and max(versions) == 40 and len(versions) > 20
    wrong = [
        (len(c["text"]), c["level"], c["mask"], c["version"], g["version"])
        for c, g in zip(cases, got, strict=True)
        if g["version"] != c["version"]
        or g["rows"] != reference_matrix(c["text"], c["version"], c["level"], c["mask"])
    ]
    assert wrong == [], f"(length, level, mask, version, our version) that differ: {wrong[:10]}"


def test_picks_a_mask_itself_and_draws_the_same_matrix_as_segno_with_that_mask(
        js_page: Page) -> None:
    cases = [{"text": URL[:n], "level": "M", "mask": -1} for n in (30, 300, 900)]
    for case, got in zip(cases, encode_in_page(js_page, cases), strict=True):
        assert 0 <= got["mask"] <= 7
        assert got["rows"] == reference_matrix(case["text"], got["version"], "M", got["mask"])


def test_refuses_text_too_long_for_the_largest_version_saying_so(js_page: Page) -> None:
    message = js_page.evaluate(
        "() => { try { ApkgenQr.encode('x'.repeat(3000), {level: 'L'}); return 'no error'; }"
        " catch (e) { return e.message; } }")
    assert message == "the text is too long for a QR code (3000 bytes at level L)"


def test_draws_dark_modules_black_inside_a_quiet_zone(js_page: Page) -> None:
    pixels = js_page.evaluate(
        """() => { const c = document.createElement('canvas');
                   const q = ApkgenQr.encode('hi', {level: 'M'});
                   ApkgenQr.drawQr(c, q, 2);
                   const ctx = c.getContext('2d');
                   return [c.width, ctx.getImageData(0, 0, 1, 1).data[0],
                           ctx.getImageData(8, 8, 1, 1).data[0]]; }""")
    assert pixels == [(21 + 8) * 2, 255, 0]  # quiet zone white, finder corner black
