"""Re-encoding images in memory: decoding proves them, sizes are capped, bombs refused."""

from __future__ import annotations

import io

import pytest
from PIL import Image

from build_runner.generate.images import ImageRejected, encode_image


def picture(size: tuple[int, int], mode: str = "RGB", fmt: str = "PNG") -> bytes:
    out = io.BytesIO()
    Image.new(mode, size).save(out, format=fmt)
    return out.getvalue()


def decoded(data: bytes) -> tuple[str | None, tuple[int, int], str]:
    with Image.open(io.BytesIO(data)) as image:
        return image.format, image.size, image.mode


def test_shrinks_to_the_longest_side_keeping_the_aspect_ratio() -> None:
    encoded = encode_image(picture((1000, 500)), 400, 40_000_000)
    assert (encoded.extension, encoded.width, encoded.height) == ("jpg", 400, 200)
    assert decoded(encoded.data) == ("JPEG", (400, 200), "RGB")


def test_never_enlarges_a_small_image() -> None:
    encoded = encode_image(picture((120, 80), fmt="GIF"), 400, 40_000_000)
    assert decoded(encoded.data)[:2] == ("JPEG", (120, 80))


def test_keeps_transparency_as_png_and_logos_are_always_png() -> None:
    assert decoded(encode_image(picture((50, 50), "RGBA"), 400, 10**6).data)[0::2] == (
        "PNG", "RGBA")
    assert decoded(encode_image(picture((50, 50), fmt="JPEG"), 800, 10**6, png=True).data)[0] == (
        "PNG")


def test_refuses_too_many_pixels_before_decoding_them() -> None:
    with pytest.raises(ImageRejected) as caught:
        encode_image(picture((3000, 2000)), 400, 5_000_000)
    assert str(caught.value) == "is 3000×2000 pixels, more than the 5,000,000 allowed"


@pytest.mark.parametrize("data", [b"404: Not Found\n", b"", picture((40, 40))[:60]])
def test_what_does_not_decode_is_rejected_with_a_reason(data: bytes) -> None:
    with pytest.raises(ImageRejected, match="cannot be decoded as an image"):
        encode_image(data, 400, 10**6)
