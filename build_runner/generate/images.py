"""Step ``images``: the logo, background, speaker photos and sponsor logos, placed in the app.

Each image the export points at (a path inside the zip such as ``/images/logo.jpg``, or an
http(s) URL) is read with a size cap, decoded with Pillow (which proves it is an image), checked
against the pixel limit before its pixels are loaded, shrunk to a sane size (speakers 400 px,
logos and sponsors 800 px) and re-encoded into ``assets_dir/images/``. Anything that goes wrong
with an image is a warning and the field becomes None: an image never stops a build.

The work runs concurrently (:mod:`~build_runner.generate.image_jobs`: downloads bounded in all
and per host, re-encodings on every core), through the runner's
:class:`~build_runner.generate.image_cache.ImageCache` when one is given; the files are then
written, and the warnings given, in the order of the export's references, as one at a time would.

:func:`~build_runner.generate.image_encode.encode_image` is the pure part (bytes in, bytes out);
:func:`place_images` does the I/O.
"""

from __future__ import annotations

import re
import urllib.parse
from dataclasses import dataclass, replace
from pathlib import Path

from build_runner.generate.extract import safe_parts
from build_runner.generate.fetch import Fetcher
from build_runner.generate.image_cache import ImageCache
from build_runner.generate.image_encode import JPEG_QUALITY, Encoded, ImageRejected, encode_image
from build_runner.generate.image_jobs import Job, RemoteImages, Where, produce
from build_runner.generate.limits import Limits, human_size
from build_runner.generate.model import EventModel
from build_runner.generate.normalize import ImageRef, Normalized
from build_runner.generate.problems import Problems

__all__ = ["FOLDER", "JPEG_QUALITY", "MAX_SIDE", "Encoded", "ImageRejected", "Placed",
           "encode_image", "place_images"]

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
# The longest file or folder name a file system holds (NAME_MAX), in bytes.
MAX_NAME_BYTES = 255


def _is_url(ref: str) -> bool:
    return ref.lower().startswith(("http://", "https://"))


def _has_scheme(ref: str) -> bool:
    return bool(re.match(r"^[A-Za-z][A-Za-z0-9+.-]*:", ref)) and not re.match(r"^[A-Za-z]:[\\/]",
                                                                              ref)


class _Locator:
    """Where the bytes behind an image reference are: a URL, or a checked file of the upload."""

    def __init__(self, root: Path | None, base_url: str | None, limits: Limits) -> None:
        self._root = root.resolve() if root else None
        self._base_url = base_url
        self._cap = limits.max_image_bytes

    def locate(self, ref: str) -> Where:
        """The URL or file behind ``ref``; ImageRejected saying why there is none."""
        if _is_url(ref):
            return ref
        if _has_scheme(ref):
            raise ImageRejected("is neither a path inside the upload nor an http(s) address")
        path = urllib.parse.unquote(ref.split("?", 1)[0].split("#", 1)[0])
        if self._root is None:
            if self._base_url is None:
                raise ImageRejected("is a path, but there is no upload to find it in")
            return self._base_url.rstrip("/") + "/" + path.lstrip("/")
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
        except OSError as exc:
            raise ImageRejected(f"cannot be read from the upload ({exc.strerror})") from exc
        return target

    def read_file(self, target: Path) -> bytes:
        """The bytes of a file :meth:`locate` found; ImageRejected when too large or unreadable."""
        try:
            size = target.stat().st_size
            if size > self._cap:
                raise ImageRejected(f"is {human_size(size)}, more than the "
                                    f"{human_size(self._cap)} allowed for an image")
            return target.read_bytes()
        except OSError as exc:
            raise ImageRejected(f"cannot be read from the upload ({exc.strerror})") from exc


def _job(ref: ImageRef) -> Job:
    return Job(ref.ref, MAX_SIDE[ref.kind], png=ref.kind == "logo")


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
                 base_url: str | None = None, *, cache: ImageCache | None = None) -> Placed:
    """Place every image the model refers to under ``assets_dir/images``; warn about the rest.

    ``upload_root`` is the extracted export (None for an API source, whose relative paths are
    then taken relative to ``base_url``); ``cache`` is the runner's image cache (None: every
    image is downloaded and re-encoded). Raises BuildCancelled when the fetcher's cancel check
    turns true (within a quarter second); nothing else: every failure is a warning.
    """
    locator = _Locator(upload_root, base_url, limits)
    remote = RemoteImages(fetcher, limits, cache)
    jobs = list(dict.fromkeys(_job(ref) for ref in normalized.images))
    results = produce(jobs, locator.locate, locator.read_file, remote, limits)
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
            relative = _place_one(ref, results[_job(ref)], images_dir, problems, taken, written)
        if relative is not None:
            placed[key] = relative
            by_output[(ref.kind, ref.ref)] = relative
    model = _with_images(normalized.model, placed)
    logo = placed.get(("logo", "event"))
    return Placed(model, assets_dir / logo if logo else None, tuple(written))


def _place_one(ref: ImageRef, encoded: Encoded | ImageRejected, images_dir: Path,
               problems: Problems, taken: dict[str, set[str]], written: list[Path]) -> str | None:
    if isinstance(encoded, ImageRejected):
        problems.warning(ref.file, ref.path, f"{encoded}; {_WITHOUT[ref.kind]}", ref.ref,
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
