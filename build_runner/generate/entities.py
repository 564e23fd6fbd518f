"""The things an event is made of, read from the export's objects: tracks, rooms, session
types, speakers, sponsors, and the links and images they carry.

Pure: :class:`Reader` turns one object (in either key style) into a model type, collecting the
images it points at and reporting what it mends: a link that is not one, a color that is not
one, HTML entities decoded in text (one warning per file, naming the first field).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from build_runner.generate.fields import (
    ident,
    lookup,
    number,
    plain,
    rich,
    text,
    value_of,
    whole,
)
from build_runner.generate.model import Room, SessionType, Speaker, Sponsor, Track
from build_runner.generate.problems import Problems

DEFAULT_TRACK_COLOR = "#607d8b"
_COLOR = re.compile(r"#(?:[0-9a-fA-F]{3}|[0-9a-fA-F]{6}|[0-9a-fA-F]{8})")
_BARE_DOMAIN = re.compile(r"[A-Za-z0-9][A-Za-z0-9-]*(\.[A-Za-z0-9-]+)+(/\S*)?")
_TWITTER_HANDLE = re.compile(r"@?([A-Za-z0-9_]{1,15})")
_EMAIL = re.compile(r"[^@\s:/]+@[^@\s:/]+\.[A-Za-z]{2,}")


@dataclass(frozen=True)
class ImageRef:
    """An image the upload points at: ``kind`` is logo, background, speaker or sponsor."""

    kind: str
    entity_id: str
    file: str
    path: str
    ref: str


@dataclass
class Reader:
    """Reads objects into model types; warnings go to ``problems``."""

    problems: Problems
    images: list[ImageRef] = field(default_factory=list)
    # file → (first JSON path, its value) and how many fields had entities decoded.
    decoded: dict[str, tuple[str, str, int]] = field(default_factory=dict)

    # Text --------------------------------------------------------------------------------

    def _note_decoded(self, raw: Any, shown: str, file: str, path: str) -> None:
        if isinstance(raw, str) and shown != raw.strip():
            first = self.decoded.get(file)
            self.decoded[file] = (first[0], first[1], first[2] + 1) if first else (path, raw, 1)

    def plain(self, obj: dict[str, Any], name: str, file: str, where: str) -> str:
        """A plain-text field, HTML entities decoded (``&amp;amp;`` shows as ``&``)."""
        key, raw = lookup(obj, name)
        shown = plain(raw)
        self._note_decoded(raw, shown, file, f"{where}.{key}")
        return shown

    def rich(self, obj: dict[str, Any], name: str, file: str, where: str) -> str:
        """A field that may hold HTML or Markdown; extra levels of entities decoded."""
        key, raw = lookup(obj, name)
        shown = rich(raw)
        self._note_decoded(raw, shown, file, f"{where}.{key}")
        return shown

    def report_decoded(self) -> None:
        """One warning per file whose text had HTML entities decoded."""
        for file, (path, raw, count) in self.decoded.items():
            more = f" (and in {count - 1} more fields of {file})" if count > 1 else ""
            self.problems.warning(file, path, f"holds HTML entities such as &amp; in plain "
                                  f"text; they are decoded so the app shows the characters"
                                  f"{more}", raw, hint="export the text without HTML escaping")
        self.decoded.clear()

    # Links and images ----------------------------------------------------------------------

    def link(self, obj: dict[str, Any], name: str, file: str, where: str) -> str:
        """A link field: http(s) and mailto: kept, a bare domain gets https://, an e-mail
        address mailto:, anything else is dropped with a warning."""
        key, value = lookup(obj, name)
        url = plain(value)
        if not url:
            return ""
        lowered = url.lower()
        if lowered.startswith(("http://", "https://")):
            return url
        if lowered.startswith("mailto:") and _EMAIL.fullmatch(url[7:].split("?", 1)[0]):
            return url
        if _EMAIL.fullmatch(url):
            return f"mailto:{url}"
        if name == "twitter" and (handle := _TWITTER_HANDLE.fullmatch(url)):
            return f"https://twitter.com/{handle.group(1)}"
        if _BARE_DOMAIN.fullmatch(url):
            return f"https://{url}"
        self.problems.warning(file, f"{where}.{key}", "is not an http(s) or mailto: link; it is "
                              "left out", value, hint="use a full address starting with https://")
        return ""

    def image(self, kind: str, entity_id: str, obj: dict[str, Any], file: str,
              where: str) -> None:
        key, value = lookup(obj, "logo" if kind in ("logo", "sponsor") else
                            "photo" if kind == "speaker" else "background")
        if isinstance(value, str) and value.strip():
            self.images.append(ImageRef(kind, entity_id, file, f"{where}.{key}", value.strip()))

    # Entities ------------------------------------------------------------------------------

    def track(self, obj: dict[str, Any], file: str, where: str) -> Track:
        key, color = lookup(obj, "color")
        shown = text(color)
        if shown and not _COLOR.fullmatch(shown):
            self.problems.warning(file, f"{where}.{key}", "is not a color; the default is used",
                                  color, hint="use a hex color such as #2E7D32")
        return Track(
            id=ident(value_of(obj, "id")) or "",
            name=self.plain(obj, "name", file, where),
            color=shown if _COLOR.fullmatch(shown) else DEFAULT_TRACK_COLOR,
            description=self.rich(obj, "description", file, where),
        )

    def room(self, obj: dict[str, Any], file: str, where: str) -> Room:
        return Room(
            id=ident(value_of(obj, "id")) or "",
            name=self.plain(obj, "name", file, where),
            floor=whole(value_of(obj, "floor")),
            latitude=number(value_of(obj, "latitude")),
            longitude=number(value_of(obj, "longitude")),
        )

    def session_type(self, obj: dict[str, Any], file: str, where: str) -> SessionType:
        return SessionType(
            id=ident(value_of(obj, "id")) or "",
            name=self.plain(obj, "name", file, where),
            length=text(value_of(obj, "length")),
        )

    def speaker(self, obj: dict[str, Any], file: str, where: str) -> Speaker:
        """The speaker; its photo is listed in :attr:`images` by :meth:`speaker_photo`."""
        return Speaker(
            id=ident(value_of(obj, "id")) or "",
            name=" ".join(self.plain(obj, "name", file, where).split()),
            organisation=self.plain(obj, "organisation", file, where),
            position=self.plain(obj, "position", file, where),
            short_biography=self.rich(obj, "short_biography", file, where),
            long_biography=self.rich(obj, "long_biography", file, where),
            website=self.link(obj, "website", file, where),
            twitter=self.link(obj, "twitter", file, where),
            linkedin=self.link(obj, "linkedin", file, where),
            github=self.link(obj, "github", file, where),
            country=self.plain(obj, "country", file, where),
        )

    def sponsor(self, obj: dict[str, Any], file: str, where: str) -> Sponsor:
        sponsor_id = ident(value_of(obj, "id")) or ""
        self.image("sponsor", sponsor_id, obj, file, where)
        return Sponsor(
            id=sponsor_id,
            name=self.plain(obj, "name", file, where),
            url=self.link(obj, "url", file, where),
            level=whole(value_of(obj, "level")) or 0,
            type=self.plain(obj, "sponsor_type", file, where),
            description=self.rich(obj, "description", file, where),
        )
