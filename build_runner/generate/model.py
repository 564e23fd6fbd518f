"""The normalized event: what every export style becomes before the app is generated.

Both key styles of real exports (dashed ``starts-at`` and underscore ``start_time``) and the
Open Event API normalize to these types. Times are ISO 8601 strings with their UTC offset;
``Event.timezone`` is the IANA name when the export has one. Image fields hold paths relative
to the web app's root (``images/speakers/12.jpg``) once the images step has placed the file,
or None. The web app reads ``to_json()`` as its data file.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any


@dataclass(frozen=True)
class Link:
    label: str
    url: str


@dataclass(frozen=True)
class Event:
    id: str
    name: str
    starts_at: str
    ends_at: str
    timezone: str = "UTC"
    description: str = ""
    location_name: str = ""
    latitude: float | None = None
    longitude: float | None = None
    logo: str | None = None
    background: str | None = None
    email: str = ""
    organizer_name: str = ""
    organizer_description: str = ""
    code_of_conduct: str = ""
    ticket_url: str = ""
    links: tuple[Link, ...] = ()


@dataclass(frozen=True)
class Track:
    id: str
    name: str
    color: str = "#607d8b"
    description: str = ""


@dataclass(frozen=True)
class Room:
    id: str
    name: str
    floor: int | None = None
    latitude: float | None = None
    longitude: float | None = None


@dataclass(frozen=True)
class SessionType:
    id: str
    name: str
    length: str = ""


@dataclass(frozen=True)
class Speaker:
    id: str
    name: str
    organisation: str = ""
    position: str = ""
    short_biography: str = ""
    long_biography: str = ""
    photo: str | None = None
    website: str = ""
    twitter: str = ""
    linkedin: str = ""
    github: str = ""
    country: str = ""


@dataclass(frozen=True)
class Session:
    id: str
    title: str
    starts_at: str
    ends_at: str
    subtitle: str = ""
    short_abstract: str = ""
    long_abstract: str = ""
    track_id: str | None = None
    room_id: str | None = None
    session_type_id: str | None = None
    speaker_ids: tuple[str, ...] = ()
    level: str = ""
    language: str = ""
    slides_url: str = ""
    video_url: str = ""
    audio_url: str = ""
    signup_url: str = ""


@dataclass(frozen=True)
class Sponsor:
    id: str
    name: str
    url: str = ""
    level: int = 0
    type: str = ""
    description: str = ""
    logo: str | None = None


@dataclass(frozen=True)
class AppConfig:
    """From ``config.json`` (either key style) and the build's options."""

    app_name: str = ""
    api_link: str = ""
    email: str = ""


@dataclass(frozen=True)
class EventModel:
    event: Event
    tracks: tuple[Track, ...] = ()
    rooms: tuple[Room, ...] = ()
    session_types: tuple[SessionType, ...] = ()
    speakers: tuple[Speaker, ...] = ()
    sessions: tuple[Session, ...] = ()
    sponsors: tuple[Sponsor, ...] = ()
    config: AppConfig = field(default_factory=AppConfig)

    def to_json(self) -> dict[str, Any]:
        """Plain JSON data (tuples become lists) for the web app's data file."""
        return asdict(self)
