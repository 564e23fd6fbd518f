"""Re-encoding one image in memory: bytes in, a shrunk JPEG or PNG out. Pure (Pillow only).

Decoding proves the bytes are an image; the pixel limit is checked before any pixel is decoded;
a JPEG much larger than needed is decoded at a half, quarter or eighth of its size (libjpeg's
DCT scaling, as Pillow's ``thumbnail`` does) before it is shrunk to the longest side asked.
Pillow releases the GIL while it decodes, resizes and encodes, so threads re-encode images in
parallel on the machine's cores (:mod:`~build_runner.generate.image_jobs`).
"""

from __future__ import annotations

import hashlib
import io
import struct
import warnings
from dataclasses import dataclass

from PIL import ExifTags, Image, ImageOps, UnidentifiedImageError

from build_runner.errors import ApkgenError

JPEG_QUALITY = 85
# Pillow's own reducing gap: a JPEG is decoded at no less than twice the size it shrinks to.
DRAFT_GAP = 2
# Bump when the output of encode_image changes: cached encodings of older versions are unused.
ENCODING_VERSION = 2


class ImageRejected(ApkgenError):
    """An image that cannot be used; the text says why (it becomes a warning)."""


@dataclass(frozen=True)
class Encoded:
    data: bytes
    extension: str  # "png" or "jpg"
    width: int
    height: int


def encoding_key(data: bytes, max_side: int, max_pixels: int, png: bool) -> str:
    """What identifies ``encode_image(data, max_side, max_pixels, png)``'s result in a cache."""
    digest = hashlib.sha256(data).hexdigest()
    return f"{digest}:{max_side}:{max_pixels}:{int(png)}:v{ENCODING_VERSION}"


def encode_image(data: bytes, max_side: int, max_pixels: int, png: bool = False) -> Encoded:
    """Decode ``data``, shrink it to ``max_side`` and re-encode it (PNG when it has
    transparency or ``png`` is set, JPEG otherwise). Raises :class:`ImageRejected`."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(io.BytesIO(data)) as opened:
                width, height = opened.size
                if width * height > max_pixels:
                    raise ImageRejected(f"is {width}×{height} pixels, more than the "
                                        f"{max_pixels:,} allowed")
                opened.draft(opened.mode, (DRAFT_GAP * max_side, DRAFT_GAP * max_side))
                # Turned upright when the camera says so; otherwise no copy of the pixels.
                turned = opened.getexif().get(ExifTags.Base.Orientation, 1) != 1
                image = (ImageOps.exif_transpose(opened) or opened) if turned else opened
                image.load()
                alpha = image.mode in ("RGBA", "LA", "PA") or (
                    image.mode == "P" and "transparency" in image.info)
                if image.mode != ("RGBA" if alpha else "RGB"):
                    image = image.convert("RGBA" if alpha else "RGB")
    except ImageRejected:
        raise
    except UnidentifiedImageError as exc:
        raise ImageRejected("cannot be decoded as an image (it is not a JPEG, PNG, GIF, WebP or "
                            "other image format Pillow reads)") from exc
    except (OSError, ValueError, SyntaxError, EOFError, TypeError, struct.error,
            Image.DecompressionBombError, Image.DecompressionBombWarning) as exc:
        raise ImageRejected(f"cannot be decoded as an image ({exc})") from exc
    image.thumbnail((max_side, max_side), Image.Resampling.LANCZOS)
    out = io.BytesIO()
    if alpha or png:
        image.save(out, format="PNG", optimize=True)
        extension = "png"
    else:
        image.save(out, format="JPEG", quality=JPEG_QUALITY, optimize=True)
        extension = "jpg"
    return Encoded(out.getvalue(), extension, image.width, image.height)
