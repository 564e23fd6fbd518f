"""Step ``images``: the logo, background, speaker photos and sponsor logos, placed in the app.

Each image the export points at (a path inside the zip such as ``/images/logo.jpg``, or an
http(s) URL) is read with a size cap, decoded with Pillow (which proves it is an image), checked
against the pixel limit before its pixels are loaded, shrunk to a sane size (speakers 400 px,
logos and sponsors 800 px) and re-encoded into ``assets_dir/images/``. Anything that goes wrong
with an image is a warning and the field becomes None: an image never stops a build.

:func:`encode_image` is the pure part (bytes in, bytes out); :func:`place_images` does the I/O.
"""

from __future__ import annotations

import io
import re
import struct
import urllib.parse
import warnings
from dataclasses import dataclass, replace
from pathlib import Path

from PIL import Image, ImageOps, UnidentifiedImageError

from build_runner.errors import ApkgenError
from build_runner.generate.extract import safe_parts
from build_runner.generate.fetch import Fetcher, FetchError
from build_runner.generate.limits import Limits, human_size
from build_runner.generate.model import EventModel
from build_runner.generate.normalize import ImageRef, Normalized
from build_runner.generate.problems import Problems

# The longest side, in pixels, of each kind of image once placed.
MAX_SIDE: dict[str, int] = {"speaker": 400, "sponsor": 800, "logo": 800, "background": 1280}
FOLDER: dict[str, str] = {"speaker": "speakers", "sponsor": "sponsors"}
_WITHOUT: dict[str, str] = {
    "speaker": "the speaker is shown without a photo",
    "sponsor": "the sponsor is shown without a logo",
    "logo": "the app uses its default icon",
    "background": "the app has no background image",
}
_UNSAFE = re.compile(r"[^A-Za-z0-9_-]+")
JPEG_QUALITY = 85
# The longest file or folder name a file system holds (NAME_MAX), in bytes.
MAX_NAME_BYTES = 255


class ImageRejected(ApkgenError):
    """An image that cannot be used; the text says why (it becomes a warning)."""


@dataclass(frozen=True)
class Encoded:
    data: bytes
    extension: str  # "png" or "jpg"
    width: int
    height: int


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
                image = ImageOps.exif_transpose(opened) or opened
                image.load()
                alpha = image.mode in ("RGBA", "LA", "PA") or (
                    image.mode == "P" and "transparency" in image.info)
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


def _is_url(ref: str) -> bool:
    return ref.lower().startswith(("http://", "https://"))


def _has_scheme(ref: str) -> bool:
    return bool(re.match(r"^[A-Za-z][A-Za-z0-9+.-]*:", ref)) and not re.match(r"^[A-Za-z]:[\\/]",
                                                                              ref)


class _Reader:
    """Reads the bytes behind an image reference, once per reference."""

    def __init__(self, root: Path | None, base_url: str | None, fetcher: Fetcher,
                 limits: Limits) -> None:
        self._root = root.resolve() if root else None
        self._base_url = base_url
        self._fetcher = fetcher
        self._limits = limits
        self._cache: dict[str, bytes | ImageRejected] = {}
        # Every remote image together: a slow image host cannot hold the build for long.
        self._budget = fetcher.deadline(limits.images_budget_s, "the remote images took longer "
                                        f"than {limits.images_budget_s:g}s together")

    def read(self, ref: str) -> bytes:
        if ref not in self._cache:
            try:
                self._cache[ref] = self._read(ref)
            except ImageRejected as exc:
                self._cache[ref] = exc
        found = self._cache[ref]
        if isinstance(found, ImageRejected):
            raise found
        return found

    def _read(self, ref: str) -> bytes:
        cap = self._limits.max_image_bytes
        if _is_url(ref):
            try:
                return self._fetcher.get(ref, cap, "image/*", deadline=self._budget)
            except FetchError as exc:
                raise ImageRejected(f"cannot be downloaded: {exc}") from exc
        if _has_scheme(ref):
            raise ImageRejected("is neither a path inside the upload nor an http(s) address")
        path = urllib.parse.unquote(ref.split("?", 1)[0].split("#", 1)[0])
        if self._root is None:
            if self._base_url is None:
                raise ImageRejected("is a path, but there is no upload to find it in")
            return self._read(self._base_url.rstrip("/") + "/" + path.lstrip("/"))
        parts = safe_parts(path.lstrip("/\\"))  # "/images/logo.jpg" is the upload's root
        if isinstance(parts, str) or not parts:
            raise ImageRejected("is not a path inside the upload")
        if any(len(part.encode("utf-8", "surrogatepass")) > MAX_NAME_BYTES for part in parts):
            raise ImageRejected(f"has a folder or file name longer than {MAX_NAME_BYTES} bytes, "
                                "which no file in the upload can have")
        target = self._root.joinpath(*parts)
        try:
            if not target.resolve().is_relative_to(self._root) or not target.is_file():
                raise ImageRejected("is not in the upload")
            size = target.stat().st_size
            if size > cap:
                raise ImageRejected(f"is {human_size(size)}, more than the {human_size(cap)} "
                                    "allowed for an image")
            return target.read_bytes()
        except OSError as exc:
            raise ImageRejected(f"cannot be read from the upload ({exc.strerror})") from exc


def _file_name(entity_id: str, taken: set[str]) -> str:
    base = _UNSAFE.sub("_", entity_id)[:64].strip("_") or "image"
    name, n = base, 2
    while name in taken:
        name, n = f"{base}_{n}", n + 1
    taken.add(name)
    return name


def _hint(kind: str) -> str:
    if kind == "speaker":
        return "add the photo to images/speakers/ in the zip, or clear the field"
    if kind == "sponsor":
        return "add the logo to images/sponsors/ in the zip, or clear the field"
    return "add a JPEG or PNG to images/ in the zip, or clear the field"


@dataclass(frozen=True)
class Placed:
    """What the images step produced: the model with image fields set, the files written."""

    model: EventModel
    logo_path: Path | None
    written: tuple[Path, ...]


def place_images(normalized: Normalized, upload_root: Path | None, assets_dir: Path,
                 fetcher: Fetcher, limits: Limits, problems: Problems,
                 base_url: str | None = None) -> Placed:
    """Place every image the model refers to under ``assets_dir/images``; warn about the rest.

    ``upload_root`` is the extracted export (None for an API source, whose relative paths are
    then taken relative to ``base_url``).
    """
    reader = _Reader(upload_root, base_url, fetcher, limits)
    images_dir = assets_dir / "images"
    placed: dict[tuple[str, str], str] = {}
    written: list[Path] = []
    taken: dict[str, set[str]] = {}
    by_output: dict[tuple[str, str], str] = {}
    for ref in normalized.images:
        key = (ref.kind, ref.entity_id)
        if key in placed:
            continue
        relative = by_output.get((ref.kind, ref.ref))
        if relative is None:
            relative = _place_one(ref, reader, images_dir, limits, problems, taken, written)
        if relative is not None:
            placed[key] = relative
            by_output[(ref.kind, ref.ref)] = relative
    model = _with_images(normalized.model, placed)
    logo = placed.get(("logo", "event"))
    return Placed(model, assets_dir / logo if logo else None, tuple(written))


def _place_one(ref: ImageRef, reader: _Reader, images_dir: Path, limits: Limits,
               problems: Problems, taken: dict[str, set[str]], written: list[Path]) -> str | None:
    try:
        encoded = encode_image(reader.read(ref.ref), MAX_SIDE[ref.kind], limits.max_image_pixels,
                               png=ref.kind == "logo")
    except ImageRejected as exc:
        problems.warning(ref.file, ref.path, f"{exc}; {_WITHOUT[ref.kind]}", ref.ref,
                         hint=_hint(ref.kind))
        return None
    folder = FOLDER.get(ref.kind)
    if folder:
        stem = _file_name(ref.entity_id, taken.setdefault(folder, set()))
        relative = f"images/{folder}/{stem}.{encoded.extension}"
    else:
        relative = f"images/{ref.kind}.{encoded.extension}"
    target = images_dir.parent / relative
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_bytes(encoded.data)
    written.append(target)
    return relative


def _with_images(model: EventModel, placed: dict[tuple[str, str], str]) -> EventModel:
    event = replace(model.event, logo=placed.get(("logo", "event")),
                    background=placed.get(("background", "event")))
    speakers = tuple(replace(s, photo=placed.get(("speaker", s.id))) for s in model.speakers)
    sponsors = tuple(replace(s, logo=placed.get(("sponsor", s.id))) for s in model.sponsors)
    return replace(model, event=event, speakers=speakers, sponsors=sponsors)
