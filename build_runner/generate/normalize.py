"""Step ``normalize``: the export's JSON, in either key style, becomes an :class:`EventModel`.

Pure: documents in (``{"event": {...}, "sessions": [...], ...}``, already checked by
``validate``), a model and the image references out, warnings into a :class:`Problems`.

Key styles: every field has a dashed name (``starts-at``), an underscore name (``start_time``)
and sometimes older spellings; :data:`FIELDS` lists them and :func:`lookup` finds the one the
upload uses, so problems quote the key as spelled in the upload. Relationships (a session's
track, room, type and speakers) may be nested objects or bare ids, or be listed the other way
round (``tracks[].sessions``, ``speakers[].sessions``). An entity known only from a nested
object (a session type in ``sessions`` with no ``session_types`` file) is taken from there.
Times become ISO 8601 with the offset, in the event's time zone.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime, tzinfo
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from build_runner.generate.model import (
    AppConfig,
    Event,
    EventModel,
    Link,
    Room,
    Session,
    SessionType,
    Speaker,
    Sponsor,
    Track,
)
from build_runner.generate.problems import Problems

# Every field: (dashed name, underscore name, older spellings…). The first two name a missing
# field in the upload's own style.
FIELDS: dict[str, tuple[str, ...]] = {
    "id": ("id", "id"),
    "name": ("name", "name"),
    "title": ("title", "title"),
    "subtitle": ("subtitle", "subtitle"),
    "description": ("description", "description"),
    "starts_at": ("starts-at", "start_time", "starts_at", "start-time"),
    "ends_at": ("ends-at", "end_time", "ends_at", "end-time"),
    "timezone": ("timezone", "timezone"),
    "location_name": ("location-name", "location_name"),
    "latitude": ("latitude", "latitude"),
    "longitude": ("longitude", "longitude"),
    "logo": ("logo-url", "logo", "logo_url"),
    "background": ("original-image-url", "background_image", "background-image",
                   "background-url", "background_url", "original_image_url"),
    "email": ("email", "email", "Email"),
    "organizer_name": ("organizer-name", "organizer_name"),
    "organizer_description": ("organizer-description", "organizer_description"),
    "code_of_conduct": ("code-of-conduct", "code_of_conduct"),
    "ticket_url": ("ticket-url", "ticket_url"),
    "event_url": ("event-url", "event_url", "external-event-url", "external_event_url"),
    "social_links": ("social-links", "social_links"),
    "color": ("color", "color"),
    "floor": ("floor", "floor"),
    "length": ("length", "length"),
    "organisation": ("organisation", "organisation", "organization"),
    "position": ("position", "position"),
    "short_biography": ("short-biography", "short_biography"),
    "long_biography": ("long-biography", "long_biography"),
    "photo": ("photo-url", "photo", "photo_url", "thumbnail-image-url", "thumbnail"),
    "website": ("website", "website"),
    "twitter": ("twitter", "twitter"),
    "linkedin": ("linkedin", "linkedin"),
    "github": ("github", "github"),
    "country": ("country", "country"),
    "short_abstract": ("short-abstract", "short_abstract"),
    "long_abstract": ("long-abstract", "long_abstract"),
    "track": ("track", "track", "track-id", "track_id"),
    "room": ("microlocation", "microlocation", "microlocation-id", "microlocation_id"),
    "session_type": ("session-type", "session_type", "session-type-id", "session_type_id"),
    "speakers": ("speakers", "speakers"),
    "sessions": ("sessions", "sessions"),
    "level": ("level", "level"),
    "language": ("language", "language"),
    "slides_url": ("slides-url", "slides", "slides_url"),
    "video_url": ("video-url", "video", "video_url"),
    "audio_url": ("audio-url", "audio", "audio_url"),
    "signup_url": ("signup-url", "signup_url"),
    "url": ("url", "url"),
    "sponsor_type": ("type", "type", "sponsor-type", "sponsor_type"),
    "app_name": ("app-name", "app_name", "App_Name"),
    "api_link": ("api-link", "api_link", "Api_Link"),
    "link": ("link", "link", "url"),
}

DEFAULT_TRACK_COLOR = "#607d8b"
DATE_EXAMPLE = "expected e.g. 2017-06-15T10:00:00+08:00"
_COLOR = re.compile(r"#(?:[0-9a-fA-F]{3}|[0-9a-fA-F]{6}|[0-9a-fA-F]{8})")
_BARE_DOMAIN = re.compile(r"[A-Za-z0-9][A-Za-z0-9-]*(\.[A-Za-z0-9-]+)+(/\S*)?")
_TWITTER_HANDLE = re.compile(r"@?([A-Za-z0-9_]{1,15})")


def is_dashed(obj: dict[str, Any]) -> bool:
    """Whether an object uses the dashed key style (the default when it shows neither)."""
    return any("-" in k for k in obj) or not any("_" in k for k in obj)


def lookup(obj: dict[str, Any], name: str) -> tuple[str, Any]:
    """``(key as spelled in the upload, value)`` of field ``name``; the first non-empty wins.

    A missing field gives the key of the object's own style and None.
    """
    keys = FIELDS[name]
    present = [k for k in keys if k in obj]
    for key in present:
        if obj[key] not in (None, ""):
            return key, obj[key]
    if present:
        return present[0], obj[present[0]]
    return (keys[0] if is_dashed(obj) else keys[1]), None


def value_of(obj: dict[str, Any], name: str) -> Any:
    """Just the value of field ``name`` (None when missing)."""
    return lookup(obj, name)[1]


def text(value: Any) -> str:
    """A text field: strings stripped, numbers as written, anything else empty."""
    if isinstance(value, str):
        return value.strip()
    if isinstance(value, bool) or value is None:
        return ""
    if isinstance(value, int | float):
        return str(value)
    return ""


def ident(value: Any) -> str | None:
    """An id as a string (``12`` and ``"12"`` are the same id); None when it is not an id."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return str(value)
    if isinstance(value, str) and value.strip():
        return value.strip()
    return None


def number(value: Any) -> float | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int | float):
        return float(value)
    if isinstance(value, str):
        try:
            return float(value)
        except ValueError:
            return None
    return None


def whole(value: Any) -> int | None:
    parsed = number(value)
    return int(parsed) if parsed is not None and parsed == int(parsed) else None


def zone(name: Any) -> tzinfo | None:
    """The IANA zone ``name`` (``Europe/Berlin``, ``US/Pacific``), or None if unknown."""
    if not isinstance(name, str) or not name.strip():
        return None
    try:
        return ZoneInfo(name.strip())
    except (ZoneInfoNotFoundError, ValueError):
        return None


def parse_datetime(value: Any) -> datetime | None:
    """An ISO 8601 date-time (naive or with offset), or None when ``value`` is not one."""
    if not isinstance(value, str) or not value.strip():
        return None
    try:
        return datetime.fromisoformat(value.strip())
    except ValueError:
        return None


def localize(moment: datetime, tz: tzinfo) -> datetime:
    """Naive times are in the event's zone; aware ones are converted to it."""
    return moment.replace(tzinfo=tz) if moment.tzinfo is None else moment.astimezone(tz)


def iso(moment: datetime, tz: tzinfo) -> str:
    return localize(moment, tz).isoformat(timespec="seconds")


@dataclass(frozen=True)
class ImageRef:
    """An image the upload points at: ``kind`` is logo, background, speaker or sponsor."""

    kind: str
    entity_id: str
    file: str
    path: str
    ref: str


@dataclass(frozen=True)
class Normalized:
    model: EventModel
    images: tuple[ImageRef, ...] = ()


@dataclass
class _Builder:
    docs: dict[str, Any]
    problems: Problems
    tz: tzinfo
    tracks: dict[str, Track] = field(default_factory=dict)
    rooms: dict[str, Room] = field(default_factory=dict)
    types: dict[str, SessionType] = field(default_factory=dict)
    speakers: dict[str, Speaker] = field(default_factory=dict)
    images: list[ImageRef] = field(default_factory=list)
    photo_seen: set[str] = field(default_factory=set)

    def items(self, name: str) -> list[tuple[str, dict[str, Any]]]:
        value = self.docs.get(name)
        if not isinstance(value, list):
            return []
        return [(f"{name}[{i}]", item) for i, item in enumerate(value) if isinstance(item, dict)]

    def link(self, obj: dict[str, Any], name: str, file: str, where: str) -> str:
        """A web link field: http(s) kept, a bare domain gets https://, others are dropped."""
        key, value = lookup(obj, name)
        url = text(value)
        if not url:
            return ""
        if url.lower().startswith(("http://", "https://")):
            return url
        if name == "twitter" and (handle := _TWITTER_HANDLE.fullmatch(url)):
            return f"https://twitter.com/{handle.group(1)}"
        if _BARE_DOMAIN.fullmatch(url):
            return f"https://{url}"
        self.problems.warning(file, f"{where}.{key}", "is not an http(s) link; it is left out",
                              value, hint="use a full address starting with https://")
        return ""

    def image(self, kind: str, entity_id: str, obj: dict[str, Any], file: str,
              where: str) -> None:
        key, value = lookup(obj, "logo" if kind in ("logo", "sponsor") else
                            "photo" if kind == "speaker" else "background")
        if isinstance(value, str) and value.strip():
            self.images.append(ImageRef(kind, entity_id, file, f"{where}.{key}", value.strip()))

    # Entities from their own files --------------------------------------------------------

    def track(self, obj: dict[str, Any], file: str, where: str) -> Track:
        key, color = lookup(obj, "color")
        shown = text(color)
        if shown and not _COLOR.fullmatch(shown):
            self.problems.warning(file, f"{where}.{key}", "is not a color; the default is used",
                                  color, hint="use a hex color such as #2E7D32")
        return Track(
            id=ident(value_of(obj, "id")) or "",
            name=text(value_of(obj, "name")),
            color=shown if _COLOR.fullmatch(shown) else DEFAULT_TRACK_COLOR,
            description=text(value_of(obj, "description")),
        )

    def room(self, obj: dict[str, Any]) -> Room:
        return Room(
            id=ident(value_of(obj, "id")) or "",
            name=text(value_of(obj, "name")),
            floor=whole(value_of(obj, "floor")),
            latitude=number(value_of(obj, "latitude")),
            longitude=number(value_of(obj, "longitude")),
        )

    def session_type(self, obj: dict[str, Any]) -> SessionType:
        return SessionType(
            id=ident(value_of(obj, "id")) or "",
            name=text(value_of(obj, "name")),
            length=text(value_of(obj, "length")),
        )

    def speaker(self, obj: dict[str, Any], file: str, where: str) -> Speaker:
        speaker_id = ident(value_of(obj, "id")) or ""
        if speaker_id not in self.photo_seen:
            self.photo_seen.add(speaker_id)
            self.image("speaker", speaker_id, obj, file, where)
        return Speaker(
            id=speaker_id,
            name=text(value_of(obj, "name")),
            organisation=text(value_of(obj, "organisation")),
            position=text(value_of(obj, "position")),
            short_biography=text(value_of(obj, "short_biography")),
            long_biography=text(value_of(obj, "long_biography")),
            website=self.link(obj, "website", file, where),
            twitter=self.link(obj, "twitter", file, where),
            linkedin=self.link(obj, "linkedin", file, where),
            github=self.link(obj, "github", file, where),
            country=text(value_of(obj, "country")),
        )

    def sponsor(self, obj: dict[str, Any], file: str, where: str) -> Sponsor:
        sponsor_id = ident(value_of(obj, "id")) or ""
        self.image("sponsor", sponsor_id, obj, file, where)
        return Sponsor(
            id=sponsor_id,
            name=text(value_of(obj, "name")),
            url=self.link(obj, "url", file, where),
            level=whole(value_of(obj, "level")) or 0,
            type=text(value_of(obj, "sponsor_type")),
            description=text(value_of(obj, "description")),
        )

    # Relationships ------------------------------------------------------------------------

    def resolve(self, kind: str, value: Any, where: str, key: str) -> str | None:
        """The id a session's track/room/type refers to; unknown ones are warned about."""
        known: dict[str, Any] = (self.tracks if kind == "track" else
                                 self.rooms if kind == "room" else self.types)
        if value is None or value == "":
            return None
        nested = value if isinstance(value, dict) else None
        ref = ident(value_of(nested, "id")) if nested is not None else ident(value)
        if ref is not None and ref in known:
            return ref
        if ref is not None and nested is not None and text(value_of(nested, "name")):
            if kind == "track":
                known[ref] = self.track(nested, "sessions", f"{where}.{key}")
            else:
                known[ref] = self.room(nested) if kind == "room" else self.session_type(nested)
            return ref
        noun = {"track": "track", "room": "room (microlocation)",
                "session_type": "session type"}[kind]
        self.problems.warning("sessions", f"{where}.{key}", f"refers to an unknown {noun}; the "
                              "session is shown without it", value,
                              hint=f"add the {noun} to the export or remove the reference")
        return None

    def session_speakers(self, value: Any, where: str, key: str) -> tuple[str, ...]:
        ids: list[str] = []
        for j, item in enumerate(value if isinstance(value, list) else []):
            nested = item if isinstance(item, dict) else None
            ref = ident(value_of(nested, "id")) if nested is not None else ident(item)
            if ref is None:
                continue
            if ref not in self.speakers and nested is not None and text(value_of(nested, "name")):
                self.speakers[ref] = self.speaker(nested, "sessions", f"{where}.{key}[{j}]")
            if ref in self.speakers:
                if ref not in ids:
                    ids.append(ref)
            else:
                self.problems.warning("sessions", f"{where}.{key}[{j}]", "refers to an unknown "
                                      "speaker; the session is shown without them", item,
                                      hint="add the speaker to speakers or remove the reference")
        return tuple(ids)

    def listed_by(self, name: str) -> dict[str, list[str]]:
        """session id → ids of the ``name`` entities whose ``sessions`` list names it."""
        out: dict[str, list[str]] = {}
        for _, obj in self.items(name):
            owner = ident(value_of(obj, "id"))
            listed = value_of(obj, "sessions")
            for item in listed if isinstance(listed, list) and owner else []:
                ref = ident(value_of(item, "id")) if isinstance(item, dict) else ident(item)
                if ref is not None and owner is not None:
                    out.setdefault(ref, []).append(owner)
        return out

    def session(self, obj: dict[str, Any], where: str, event: Event,
                by_track: dict[str, list[str]], by_speaker: dict[str, list[str]]) -> Session | None:
        start, end = (parse_datetime(value_of(obj, n)) for n in ("starts_at", "ends_at"))
        if start is None or end is None:
            return None  # validate warned: an unscheduled session stays out of the schedule
        session_id = ident(value_of(obj, "id")) or ""
        track_key, track_value = lookup(obj, "track")
        track_id = self.resolve("track", track_value, where, track_key)
        if track_id is None and track_value in (None, "") and by_track.get(session_id):
            track_id = by_track[session_id][0]
        room_key, room_value = lookup(obj, "room")
        type_key, type_value = lookup(obj, "session_type")
        speakers_key, speakers_value = lookup(obj, "speakers")
        speaker_ids = self.session_speakers(speakers_value, where, speakers_key)
        if not speaker_ids and not speakers_value:
            speaker_ids = tuple(s for s in by_speaker.get(session_id, []) if s in self.speakers)
        starts_at, ends_at = localize(start, self.tz), localize(end, self.tz)
        event_start = localize(parse_datetime(event.starts_at) or starts_at, self.tz)
        event_end = localize(parse_datetime(event.ends_at) or ends_at, self.tz)
        if starts_at.date() < event_start.date() or ends_at.date() > event_end.date():
            self.problems.warning("sessions", where, "takes place outside the event's dates "
                                  f"({event_start.date()} to {event_end.date()})",
                                  f"{starts_at.isoformat()} to {ends_at.isoformat()}",
                                  hint="check the session's date or the event's dates")
        return Session(
            id=session_id,
            title=text(value_of(obj, "title")),
            starts_at=starts_at.isoformat(timespec="seconds"),
            ends_at=ends_at.isoformat(timespec="seconds"),
            subtitle=text(value_of(obj, "subtitle")),
            short_abstract=text(value_of(obj, "short_abstract")),
            long_abstract=text(value_of(obj, "long_abstract")),
            track_id=track_id,
            room_id=self.resolve("room", room_value, where, room_key),
            session_type_id=self.resolve("session_type", type_value, where, type_key),
            speaker_ids=speaker_ids,
            level=text(value_of(obj, "level")),
            language=text(value_of(obj, "language")),
            slides_url=self.link(obj, "slides_url", "sessions", where),
            video_url=self.link(obj, "video_url", "sessions", where),
            audio_url=self.link(obj, "audio_url", "sessions", where),
            signup_url=self.link(obj, "signup_url", "sessions", where),
        )

    # The event ----------------------------------------------------------------------------

    def event(self, obj: dict[str, Any], config: AppConfig) -> Event:
        links: list[Link] = []
        social = value_of(obj, "social_links")
        for i, item in enumerate(social if isinstance(social, list) else []):
            if isinstance(item, dict):
                url = self.link(item, "link", "event", f"event.{lookup(obj, 'social_links')[0]}"
                                f"[{i}]")
                if url:
                    links.append(Link(label=text(value_of(item, "name")) or url, url=url))
        website = self.link(obj, "event_url", "event", "event")
        if website and all(link.url != website for link in links):
            links.insert(0, Link(label="Website", url=website))
        start = parse_datetime(value_of(obj, "starts_at"))
        end = parse_datetime(value_of(obj, "ends_at"))
        self.image("logo", "event", obj, "event", "event")
        self.image("background", "event", obj, "event", "event")
        email = text(value_of(obj, "email"))
        return Event(
            id=ident(value_of(obj, "id")) or "event",
            name=text(value_of(obj, "name")),
            starts_at=iso(start, self.tz) if start else "",
            ends_at=iso(end, self.tz) if end else "",
            timezone=getattr(self.tz, "key", "UTC"),
            description=text(value_of(obj, "description")),
            location_name=text(value_of(obj, "location_name")),
            latitude=number(value_of(obj, "latitude")),
            longitude=number(value_of(obj, "longitude")),
            email=email if "@" in email else config.email,
            organizer_name=text(value_of(obj, "organizer_name")),
            organizer_description=text(value_of(obj, "organizer_description")),
            code_of_conduct=text(value_of(obj, "code_of_conduct")),
            ticket_url=self.link(obj, "ticket_url", "event", "event"),
            links=tuple(links),
        )


def app_config(value: Any) -> AppConfig:
    """``config.json`` in either style (``App_Name`` or ``app-name``); ``"null"`` means empty."""
    if not isinstance(value, dict):
        return AppConfig()

    def clean(name: str) -> str:
        found = text(value_of(value, name))
        return "" if found.lower() in ("null", "none") else found

    email = clean("email")
    return AppConfig(app_name=clean("app_name"), api_link=clean("api_link"),
                     email=email if "@" in email else "")


def normalize(docs: dict[str, Any], problems: Problems) -> Normalized:
    """Build the model from validated documents; warnings about references go to ``problems``.

    Image fields stay None here: the ``images`` step places the files listed in
    ``Normalized.images`` and fills them in.
    """
    event_obj = docs.get("event") if isinstance(docs.get("event"), dict) else {}
    assert isinstance(event_obj, dict)
    tz = zone(value_of(event_obj, "timezone")) or ZoneInfo("UTC")
    builder = _Builder(docs, problems, tz)
    config = app_config(docs.get("config.json"))
    event = builder.event(event_obj, config)
    for where, obj in builder.items("tracks"):
        track = builder.track(obj, "tracks", where)
        builder.tracks.setdefault(track.id, track)
    for _, obj in builder.items("microlocations"):
        room = builder.room(obj)
        builder.rooms.setdefault(room.id, room)
    for _, obj in builder.items("session_types"):
        session_type = builder.session_type(obj)
        builder.types.setdefault(session_type.id, session_type)
    for where, obj in builder.items("speakers"):
        speaker = builder.speaker(obj, "speakers", where)
        builder.speakers.setdefault(speaker.id, speaker)
    by_track, by_speaker = builder.listed_by("tracks"), builder.listed_by("speakers")
    sessions = [s for where, obj in builder.items("sessions")
                if (s := builder.session(obj, where, event, by_track, by_speaker)) is not None]
    sponsors = [builder.sponsor(obj, "sponsors", where) for where, obj in builder.items("sponsors")]
    model = EventModel(
        event=event,
        tracks=tuple(builder.tracks.values()),
        rooms=tuple(builder.rooms.values()),
        session_types=tuple(builder.types.values()),
        speakers=tuple(builder.speakers.values()),
        sessions=tuple(sessions),
        sponsors=tuple(sponsors),
        config=config,
    )
    return Normalized(model=model, images=tuple(builder.images))
