"""QR codes drawn by segno as SVG documents: the page's "scan to install" code
(``GET /builds/{id}/qr.svg``). Pure: text in, SVG text out.

What the code names is the caller's choice; the service names the build's stable APK link
(``GET /builds/{id}/apk``, which redirects to a fresh presigned S3 URL), not the presigned URL
itself: that one changes on every status read, expires after ``presign_expiry_s`` and, with its
signature and session token, is several hundred characters long (a dense symbol phones read
badly off a screen). The stable link is about 90 characters (version 5 or 6 at level M).
"""

from __future__ import annotations

import io

import segno

CONTENT_TYPE = "image/svg+xml"
# The code of a build's stable link never changes, and it is only served once the APK exists:
# it can stay a day in the viewer's cache. Private: the build id in its URL is the capability to
# see the build, so no shared cache keeps it.
CACHE_CONTROL = "private, max-age=86400"
ERROR_LEVEL = "m"  # up to 15 % of the symbol may be unreadable (glare, a thumb); segno raises
#                    the level when the same version has room for it
SCALE = 4  # pixels per module at the SVG's own size (the page draws it at its own width)
QUIET_ZONE = 4  # modules of light border around the symbol, as ISO/IEC 18004 asks
DARK = "#000"
LIGHT = "#fff"  # drawn, not transparent: the code stays readable on any background


def svg(text: str) -> str:
    """The QR code (never a Micro QR) of ``text`` in byte or a denser mode, as a standalone SVG
    document: dark modules on a light square, a quiet zone of :data:`QUIET_ZONE` modules.

    Raises ``segno.DataOverflowError`` (a ``ValueError``) when ``text`` does not fit version 40
    at :data:`ERROR_LEVEL` (2331 bytes)."""
    code = segno.make_qr(text, error=ERROR_LEVEL)
    out = io.BytesIO()
    code.save(out, kind="svg", scale=SCALE, border=QUIET_ZONE, dark=DARK, light=LIGHT,
              xmldecl=True, svgclass=None, lineclass=None)
    return out.getvalue().decode("utf-8")
