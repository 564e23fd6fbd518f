"""Reading back the QR codes the app serves (``GET /builds/{id}/qr.svg``) without a decoder.

segno cannot decode and no QR decoder is installed, so :func:`encodes` says a served symbol
encodes a text when it is module for module the symbol segno makes of that text at the version,
error level and mask the served symbol has: every level and mask is tried, so the check does
not repeat the server's own choices. :func:`symbol_of` reads the modules from the SVG itself
(segno's path of horizontal strokes), so what is compared is what a browser draws.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET

import segno

SVG_NS = "{http://www.w3.org/2000/svg}"
QUIET_ZONE = 4  # modules of light border ISO/IEC 18004 asks for
_COMMAND_RE = re.compile(r"([A-Za-z])([^A-Za-z]*)")
_SCALE_RE = re.compile(r"scale\(([\d.]+)\)")

Symbol = list[list[bool]]


def _dark_cells(d: str) -> set[tuple[int, int]]:
    """The cells a stroke path of width 1 paints: ``M``/``m`` move, ``h`` draws along the row
    whose middle is the current y (segno draws row r at y = r + 0.5)."""
    cells: set[tuple[int, int]] = set()
    x = y = 0.0
    for command, args in _COMMAND_RE.findall(d):
        numbers = [float(n) for n in args.replace(",", " ").split()]
        if command in "Mm" and len(numbers) == 2:
            x, y = (numbers[0], numbers[1]) if command == "M" else (x + numbers[0], y + numbers[1])
        elif command == "h" and len(numbers) == 1:
            row = int(y - 0.5)
            cells.update((col, row) for col in range(int(x), int(x + numbers[0])))
            x += numbers[0]
        else:
            raise ValueError(f"not a path of segno's QR strokes: {command}{args}")
    return cells


def symbol_of(svg: str) -> Symbol:
    """The QR symbol an SVG draws (rows of dark/light, quiet zone left out). Raises
    AssertionError when the image is not a QR code on a light square with its quiet zone."""
    root = ET.fromstring(svg)
    assert root.tag == f"{SVG_NS}svg", root.tag
    group = root.find(f"{SVG_NS}g")
    scale = 1.0
    if group is not None:
        found = _SCALE_RE.fullmatch(group.get("transform", ""))
        assert found, group.get("transform")
        scale = float(found.group(1))
    paths = list(root.iter(f"{SVG_NS}path"))
    strokes = [p.get("d", "") for p in paths if p.get("stroke")]
    fills = [p for p in paths if p.get("fill") and not p.get("stroke")]
    assert len(strokes) == 1, f"one path of dark modules expected, found {len(strokes)}"
    assert fills, "no light background: the code would take the page's colour"
    cells = _dark_cells(strokes[0])
    cols = [c for c, _ in cells]
    rows = [r for _, r in cells]
    left, top, right, bottom = min(cols), min(rows), max(cols), max(rows)
    size = right - left + 1
    assert bottom - top + 1 == size, "not square"
    image = round(float(root.get("width", "0")) / scale)
    assert left == top == QUIET_ZONE and image - 1 - right == QUIET_ZONE, (left, top, image)
    return [[(left + c, top + r) in cells for c in range(size)] for r in range(size)]


def encodes(symbol: Symbol, text: str) -> bool:
    """Whether ``symbol`` is segno's QR code of ``text`` at some error level and mask, at the
    version its size says (21 modules is version 1, each version 4 more)."""
    version, rest = divmod(len(symbol) - 17, 4)
    if rest or not 1 <= version <= 40:
        return False
    for error in "lmqh":
        for mask in range(8):
            try:
                code = segno.make_qr(text, version=version, error=error, mask=mask,
                                     boost_error=False)
            except segno.DataOverflowError:
                break
            if [[bool(v) for v in row] for row in code.matrix] == symbol:
                return True
    return False
