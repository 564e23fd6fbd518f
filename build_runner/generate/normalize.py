"""Step ``normalize``: the export's JSON, in either key style, becomes an :class:`EventModel`.

Pure: documents in (already checked by ``validate`` and mended by ``repair``), a model and the
image references out, warnings into a :class:`Problems`.

Only what the organizer published reaches the model (:mod:`build_runner.generate.publish`):
public sessions, the speakers, tracks, rooms and session types they use, no room hidden in the
scheduler. Relationships (a session's track, room, type and speakers) may be nested objects or
bare ids, or be listed the other way round (``tracks[].sessions``, ``speakers[].sessions``). An
entity known only from a nested object (a session type in ``sessions`` with no
``session_types`` file) is taken from there. Times become ISO 8601 with the offset, in the
event's time zone (:mod:`build_runner.generate.zones` reads the spellings of old exports).

What is mended, each with a warning: a session that ends before it starts keeps its start only
(``ends_at`` is ""); a public session without a title is an "Untitled session"; an event
without dates takes them from its sessions; HTML entities in text are decoded. A floor is kept
only when the rooms are not all on the same one.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from datetime import datetime, tzinfo
from typing import Any

from build_runner.generate.entities import ImageRef, Reader
from build_runner.generate.eventdoc import (
    DATE_EXAMPLE,
    app_config,
    event_dates,
    event_zone,
    read_event,
)
from build_runner.generate.fields import (
    ident,
    iso,
    localize,
    lookup,
    parse_datetime,
    text,
    value_of,
)
from build_runner.generate.model import (
    Event,
    EventModel,
    Room,
    Session,
    SessionType,
    Speaker,
    Track,
)
from build_runner.generate.problems import Problems
from build_runner.generate.publish import (
    UNSCHEDULED,
    LeftOut,
    has_states,
    is_hidden_room,
    why_not_public,
)

UNTITLED = "Untitled session"

__all__ = ["ImageRef", "Normalized", "app_config", "lookup", "normalize"]


@dataclass(frozen=True)
class Normalized:
    """The model, the images it points at, and what was left out as not published."""

    model: EventModel
    images: tuple[ImageRef, ...] = ()
    left_out: LeftOut = field(default_factory=LeftOut)


@dataclass
class _Source:
    """Where an entity came from, to list its image once it is known to be public."""

    obj: dict[str, Any]
    file: str
    where: str


@dataclass
class _Builder:
    docs: dict[str, Any]
    problems: Problems
    tz: tzinfo
    reader: Reader
    tracks: dict[str, Track] = field(default_factory=dict)
    rooms: dict[str, Room] = field(default_factory=dict)
    types: dict[str, SessionType] = field(default_factory=dict)
    speakers: dict[str, Speaker] = field(default_factory=dict)
    speaker_sources: dict[str, _Source] = field(default_factory=dict)
    nameless_speakers: dict[str, str] = field(default_factory=dict)
    hidden_rooms: set[str] = field(default_factory=set)

    def items(self, name: str) -> list[tuple[str, dict[str, Any]]]:
        value = self.docs.get(name)
        if not isinstance(value, list):
            return []
        return [(f"{name}[{i}]", item) for i, item in enumerate(value) if isinstance(item, dict)]

    def named(self, obj: dict[str, Any], file: str, where: str, noun: str) -> bool:
        """Whether an entity of an optional file has a name; warns and skips it when not."""
        key, value = lookup(obj, "name")
        if text(value):
            return True
        self.problems.warning(file, f"{where}.{key}", f"the {noun} has no name; it is left out",
                              has_value=False, hint=f"add a name to the {noun}")
        return False

    # Entities from their own files --------------------------------------------------------

    def read_entities(self) -> None:
        for where, obj in self.items("tracks"):
            if self.named(obj, "tracks", where, "track"):
                track = self.reader.track(obj, "tracks", where)
                self.tracks.setdefault(track.id, track)
        for where, obj in self.items("microlocations"):
            room_id = ident(value_of(obj, "id")) or ""
            if is_hidden_room(obj):
                self.hidden_rooms.add(room_id)
            elif self.named(obj, "microlocations", where, "room (microlocation)"):
                self.rooms.setdefault(room_id, self.reader.room(obj, "microlocations", where))
        for where, obj in self.items("session_types"):
            if self.named(obj, "session_types", where, "session type"):
                session_type = self.reader.session_type(obj, "session_types", where)
                self.types.setdefault(session_type.id, session_type)
        for where, obj in self.items("speakers"):
            speaker_id = ident(value_of(obj, "id")) or ""
            if not text(value_of(obj, "name")):
                self.nameless_speakers.setdefault(speaker_id, where)
            elif speaker_id not in self.speakers:
                self.add_speaker(self.reader.speaker(obj, "speakers", where),
                                 _Source(obj, "speakers", where))

    def add_speaker(self, speaker: Speaker, source: _Source) -> None:
        self.speakers[speaker.id] = speaker
        self.speaker_sources[speaker.id] = source

    # Relationships ------------------------------------------------------------------------

    def resolve(self, kind: str, value: Any, where: str, key: str) -> str | None:
        """The id a session's track/room/type refers to; unknown ones are warned about."""
        known: dict[str, Any] = (self.tracks if kind == "track" else
                                 self.rooms if kind == "room" else self.types)
        if value is None or value == "" or value == {}:
            return None  # exports write "no track" as null, "" or {}
        nested = value if isinstance(value, dict) else None
        ref = ident(value_of(nested, "id")) if nested is not None else ident(value)
        if ref is not None and ref in known:
            return ref
        if kind == "room" and ref is not None and ref in self.hidden_rooms:
            return None  # hidden in the scheduler: the session is shown without its room
        if ref is not None and nested is not None and text(value_of(nested, "name")):
            path = f"{where}.{key}"
            if kind == "track":
                known[ref] = self.reader.track(nested, "sessions", path)
            elif kind == "room":
                if is_hidden_room(nested):
                    self.hidden_rooms.add(ref)
                    return None
                known[ref] = self.reader.room(nested, "sessions", path)
            else:
                known[ref] = self.reader.session_type(nested, "sessions", path)
            return ref
        noun = {"track": "track", "room": "room (microlocation)",
                "session_type": "session type"}[kind]
        self.problems.warning("sessions", f"{where}.{key}", f"refers to an unknown {noun}; the "
                              "session is shown without it", value,
                              hint=f"add the {noun} to the export or remove the reference")
        return None

    def session_speakers(self, value: Any, where: str, key: str) -> tuple[str, ...]:
        ids: list[str] = []
        if value not in (None, "") and not isinstance(value, list):
            self.problems.warning("sessions", f"{where}.{key}", "is not an array of speakers; "
                                  "the session is shown without speakers", value,
                                  hint="list the speakers' objects or ids")
        for j, item in enumerate(value if isinstance(value, list) else []):
            nested = item if isinstance(item, dict) else None
            ref = ident(value_of(nested, "id")) if nested is not None else ident(item)
            if ref is None:
                continue
            path = f"{where}.{key}[{j}]"
            if ref not in self.speakers and nested is not None and text(value_of(nested, "name")):
                self.add_speaker(self.reader.speaker(nested, "sessions", path),
                                 _Source(nested, "sessions", path))
            if ref in self.speakers:
                if ref not in ids:
                    ids.append(ref)
            elif ref in self.nameless_speakers:
                self.problems.warning("sessions", path, f"refers to "
                                      f"{self.nameless_speakers[ref]}, a speaker without a name; "
                                      "the session is shown without them", item,
                                      hint="add the speaker's name")
            else:
                self.problems.warning("sessions", path, "refers to an unknown speaker; the "
                                      "session is shown without them", item,
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

    # Sessions -----------------------------------------------------------------------------

    def end_of(self, obj: dict[str, Any], where: str, start: datetime) -> str:
        """The session's end in the event's zone, or "" when it has none that can be shown."""
        key, value = lookup(obj, "ends_at")
        if value in (None, ""):
            return ""
        end = parse_datetime(value)
        if end is None:
            self.problems.warning("sessions", f"{where}.{key}", "is not an ISO 8601 date-time; "
                                  "the session is shown with its start time only", value,
                                  hint=DATE_EXAMPLE)
            return ""
        if localize(end, self.tz) < start:
            self.problems.warning("sessions", f"{where}.{key}", f"is before the start "
                                  f"{lookup(obj, 'starts_at')[1]}; the session is shown with "
                                  "its start time only", value,
                                  hint=f"make {key} later than {lookup(obj, 'starts_at')[0]}")
            return ""
        return iso(end, self.tz)

    def session(self, obj: dict[str, Any], where: str, by_track: dict[str, list[str]],
                by_speaker: dict[str, list[str]]) -> Session:
        """A public session (``why_not_public`` said so: it has a start time)."""
        start = parse_datetime(value_of(obj, "starts_at"))
        assert start is not None
        starts_at = localize(start, self.tz)
        session_id = ident(value_of(obj, "id")) or ""
        title = self.reader.plain(obj, "title", "sessions", where)
        if not title:
            self.problems.warning("sessions", f"{where}.{lookup(obj, 'title')[0]}", "the session "
                                  f"has no title; it is shown as \"{UNTITLED}\"", has_value=False,
                                  hint="give the session a title")
            title = UNTITLED
        track_key, track_value = lookup(obj, "track")
        track_id = self.resolve("track", track_value, where, track_key)
        if track_id is None and track_value in (None, "") and by_track.get(session_id):
            track_id = next((t for t in by_track[session_id] if t in self.tracks), None)
        room_key, room_value = lookup(obj, "room")
        type_key, type_value = lookup(obj, "session_type")
        speakers_key, speakers_value = lookup(obj, "speakers")
        speaker_ids = self.session_speakers(speakers_value, where, speakers_key)
        if not speaker_ids and not speakers_value:
            speaker_ids = tuple(dict.fromkeys(s for s in by_speaker.get(session_id, [])
                                              if s in self.speakers))
        read = self.reader
        return Session(
            id=session_id,
            title=title,
            starts_at=starts_at.isoformat(timespec="seconds"),
            ends_at=self.end_of(obj, where, starts_at),
            subtitle=read.plain(obj, "subtitle", "sessions", where),
            short_abstract=read.rich(obj, "short_abstract", "sessions", where),
            long_abstract=read.rich(obj, "long_abstract", "sessions", where),
            track_id=track_id,
            room_id=self.resolve("room", room_value, where, room_key),
            session_type_id=self.resolve("session_type", type_value, where, type_key),
            speaker_ids=speaker_ids,
            level=read.plain(obj, "level", "sessions", where),
            language=read.plain(obj, "language", "sessions", where),
            slides_url=read.link(obj, "slides_url", "sessions", where),
            video_url=read.link(obj, "video_url", "sessions", where),
            audio_url=read.link(obj, "audio_url", "sessions", where),
            signup_url=read.link(obj, "signup_url", "sessions", where),
        )

    def public_sessions(self, left_out: LeftOut) -> list[tuple[str, Session]]:
        """The sessions an attendee may see, with their JSON paths; the others are counted in
        ``left_out``."""
        raw = self.docs.get("sessions")
        states = has_states(raw if isinstance(raw, list) else [])
        by_track, by_speaker = self.listed_by("tracks"), self.listed_by("speakers")
        sessions: list[tuple[str, Session]] = []
        for where, obj in self.items("sessions"):
            reason = why_not_public(obj, states)
            if reason is None:
                sessions.append((where, self.session(obj, where, by_track, by_speaker)))
                continue
            left_out.sessions[reason] += 1
            key, start = lookup(obj, "starts_at")
            if reason == UNSCHEDULED and start not in (None, ""):
                self.problems.warning("sessions", f"{where}.{key}", "is not an ISO 8601 "
                                      "date-time, so the session cannot be scheduled; it is left "
                                      "out", start, hint=DATE_EXAMPLE)
        return sessions

    # The event ----------------------------------------------------------------------------

    def check_session_dates(self, sessions: list[tuple[str, Session]], event: Event) -> None:
        if not event.starts_at or not event.ends_at:
            return
        first = datetime.fromisoformat(event.starts_at).date()
        last = datetime.fromisoformat(event.ends_at).date()
        for where, session in sessions:
            start = datetime.fromisoformat(session.starts_at)
            end = datetime.fromisoformat(session.ends_at or session.starts_at)
            if start.date() < first or end.date() > last:
                self.problems.warning("sessions", where, "takes place outside the event's dates "
                                      f"({first} to {last})", f"{start.isoformat()} to "
                                      f"{end.isoformat()}",
                                      hint="check the session's date or the event's dates")


def _same_floor_dropped(rooms: list[Room]) -> list[Room]:
    """Floors only when they tell rooms apart: all on one floor (or one room) shows none."""
    floors = {room.floor for room in rooms if room.floor is not None}
    if len(floors) > 1:
        return rooms
    return [dataclasses.replace(room, floor=None) for room in rooms]


def normalize(docs: dict[str, Any], problems: Problems) -> Normalized:
    """Build the model of what the organizer published; warnings go to ``problems``.

    Image fields stay None here: the ``images`` step places the files listed in
    ``Normalized.images`` and fills them in.
    """
    event_obj = docs.get("event") if isinstance(docs.get("event"), dict) else {}
    assert isinstance(event_obj, dict)
    tz, zone_name = event_zone(docs, event_obj, problems)
    reader = Reader(problems)
    builder = _Builder(docs, problems, tz, reader)
    config = app_config(docs.get("config.json"))
    event = read_event(reader, event_obj, config, zone_name)
    builder.read_entities()
    left_out = LeftOut(hidden_rooms=len(builder.hidden_rooms))
    placed = builder.public_sessions(left_out)
    sessions = [session for _, session in placed]
    starts_at, ends_at = event_dates(event_obj, sessions, tz, problems)
    event = dataclasses.replace(event, starts_at=starts_at, ends_at=ends_at)
    builder.check_session_dates(placed, event)

    speaking = {s for session in sessions for s in session.speaker_ids}
    file_speakers = {ident(value_of(obj, "id")) or "" for _, obj in builder.items("speakers")}
    left_out.speakers = len(file_speakers - speaking)
    speakers = [s for s in builder.speakers.values() if s.id in speaking]
    for speaker in speakers:
        source = builder.speaker_sources[speaker.id]
        reader.image("speaker", speaker.id, source.obj, source.file, source.where)
    used = {
        "track": {s.track_id for s in sessions},
        "room": {s.room_id for s in sessions},
        "type": {s.session_type_id for s in sessions},
    }
    sponsors = [reader.sponsor(obj, "sponsors", where) for where, obj in builder.items("sponsors")
                if builder.named(obj, "sponsors", where, "sponsor")]
    reader.report_decoded()
    model = EventModel(
        event=event,
        tracks=tuple(t for t in builder.tracks.values() if t.id in used["track"]),
        rooms=tuple(_same_floor_dropped([r for r in builder.rooms.values()
                                         if r.id in used["room"]])),
        session_types=tuple(t for t in builder.types.values() if t.id in used["type"]),
        speakers=tuple(speakers),
        sessions=tuple(sessions),
        sponsors=tuple(sponsors),
        config=config,
    )
    return Normalized(model=model, images=tuple(reader.images), left_out=left_out)
