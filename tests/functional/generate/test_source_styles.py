"""Dashed and underscore exports of the same data become the same model, images included."""

from __future__ import annotations

import io
import json
import zipfile
from pathlib import Path
from typing import Any

from PIL import Image

from build_runner.generate.fetch import Fetcher, FetchError
from build_runner.generate.limits import Limits
from build_runner.generate.model import Link
from build_runner.generate.source import LoadedEvent, load_event
from build_runner.logs import BuildLog
from tests.list_sink import ListSink

# One event, written with neutral names; each style renames the keys its own way.
DATA: dict[str, Any] = {
    "event": {
        "id": 7, "name": "Summer Camp", "starts_at": "2024-05-01T09:00:00",
        "ends_at": "2024-05-02T18:00:00", "timezone": "Europe/Berlin",
        "logo": "/images/logo.png", "background": "/images/background.jpg",
        "location_name": "Kemperplatz 1, Berlin", "organizer_name": "Camp e.V.",
        "ticket_url": "https://tickets.example.org/camp", "code_of_conduct": "Be kind.",
        "social_links": [{"id": 1, "name": "Twitter", "link": "https://twitter.com/camp"}],
        "event_url": "https://camp.example.org", "latitude": 52.5, "longitude": 13.37,
    },
    "tracks": [{"id": 1, "name": "Main", "color": "#2E7D32", "font_color": "#FFFFFF",
                "description": "The main track"}],
    "microlocations": [{"id": 10, "name": "Hall A", "floor": 1, "latitude": None}],
    "session_types": [{"id": 5, "name": "Talk", "length": "00:30"}],
    "speakers": [
        {"id": 100, "name": "Ada Lovelace", "photo": "/images/speakers/ada.jpg",
         "organisation": "Analytical Engines", "short_biography": "<p>Poet of math</p>",
         "website": "https://ada.example.org", "twitter": "@ada", "country": "UK"},
        {"id": 101, "name": "Bob", "photo": ""},
    ],
    "sessions": [
        {"id": 1000, "title": "Opening", "starts_at": "2024-05-01T10:00:00",
         "ends_at": "2024-05-01T10:30:00", "short_abstract": "Welcome",
         "slides": "https://slides.example.org/1", "level": "Beginner", "language": "English"},
        {"id": 1001, "title": "Engines", "starts_at": "2024-05-01T08:00:00Z",
         "ends_at": "2024-05-01T09:00:00Z", "subtitle": "in UTC"},
    ],
    "sponsors": [{"id": 1, "name": "Acme", "url": "https://acme.example.org", "level": "1",
                  "type": "Gold", "logo": "/images/sponsors/acme.png"}],
    "config.json": {"app_name": "Camp App", "api_link": "", "email": "team@example.org"},
}
DASHED = {"starts_at": "starts-at", "ends_at": "ends-at", "logo": "logo-url",
          "background": "original-image-url", "location_name": "location-name",
          "organizer_name": "organizer-name", "ticket_url": "ticket-url",
          "code_of_conduct": "code-of-conduct", "social_links": "social-links",
          "event_url": "event-url", "font_color": "font-color", "photo": "photo-url",
          "short_biography": "short-biography", "short_abstract": "short-abstract",
          "slides": "slides-url", "app_name": "app-name", "api_link": "api-link",
          "session_type": "session-type"}
UNDERSCORE = {"starts_at": "start_time", "ends_at": "end_time", "logo": "logo",
              "background": "background_image", "app_name": "App_Name", "api_link": "Api_Link",
              "email": "Email"}


def styled(value: Any, keys: dict[str, str]) -> Any:
    if isinstance(value, dict):
        return {keys.get(k, k): styled(v, keys) for k, v in value.items()}
    if isinstance(value, list):
        return [styled(v, keys) for v in value]
    return value


def image(size: tuple[int, int], mode: str, fmt: str) -> bytes:
    out = io.BytesIO()
    Image.new(mode, size, (200, 30, 30, 255)[: len(mode)]).save(out, format=fmt)
    return out.getvalue()


IMAGES = {"images/logo.png": image((1600, 1200), "RGBA", "PNG"),
          "images/background.jpg": image((2000, 1000), "RGB", "JPEG"),
          "images/speakers/ada.jpg": image((900, 600), "RGB", "JPEG"),
          "images/sponsors/acme.png": image((300, 100), "RGB", "PNG")}


def dashed_export() -> dict[str, Any]:
    """Dashed keys, relationships as nested objects in the sessions."""
    docs = styled(DATA, DASHED)
    track, room, kind = docs["tracks"][0], docs["microlocations"][0], docs["session_types"][0]
    for session in docs["sessions"]:
        session.update({"track": track, "microlocation": room, "session-type": kind})
    docs["sessions"][0]["speakers"] = docs["speakers"]
    docs["sessions"][1]["speakers"] = [docs["speakers"][0]]
    return docs


def underscore_export() -> dict[str, Any]:
    """Underscore keys, relationships as bare ids, speakers listing their sessions."""
    docs = styled(DATA, UNDERSCORE)
    for session in docs["sessions"]:
        session.update({"track": 1, "microlocation": 10, "session_type": "5"})
    docs["speakers"][0]["sessions"] = [{"id": 1000}, {"id": 1001}]
    docs["speakers"][1]["sessions"] = [{"id": 1000, "title": "Opening"}]
    return docs


def write_zip(path: Path, docs: dict[str, Any], folder: str = "", extension: str = "") -> Path:
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, value in docs.items():
            suffix = "" if name.endswith(".json") else extension
            archive.writestr(f"{folder}{name}{suffix}", json.dumps(value))
        for name, data in IMAGES.items():
            archive.writestr(f"{folder}{name}", data)
        archive.writestr(f"__MACOSX/{folder}._event", b"\x00\x05\x16\x07")
    return path


def offline(host: str) -> list[str]:
    raise FetchError(f"the host {host} cannot be resolved (tests run offline)")


def load(zip_path: Path, work: Path) -> LoadedEvent:
    limits = Limits()
    return load_event(zip_path, work, work / "assets", BuildLog(ListSink()), limits,
                      fetcher=Fetcher(limits, resolver=offline))


def test_dashed_and_underscore_exports_of_the_same_data_normalize_to_equal_models(
        tmp_path: Path) -> None:
    dashed = load(write_zip(tmp_path / "dashed.zip", dashed_export()), tmp_path / "a")
    underscore = load(write_zip(tmp_path / "underscore.zip", underscore_export(),
                                folder="camp-export/", extension=".json"), tmp_path / "b")
    assert dashed.problems.report() == underscore.problems.report()
    assert dashed.problems.warning_count == 0
    assert dashed.model == underscore.model


def test_the_normalized_model_carries_every_field_in_the_events_time_zone(tmp_path: Path) -> None:
    loaded = load(write_zip(tmp_path / "dashed.zip", dashed_export()), tmp_path / "w")
    model = loaded.model
    event = model.event
    assert (event.id, event.name, event.timezone) == ("7", "Summer Camp", "Europe/Berlin")
    assert (event.starts_at, event.ends_at) == ("2024-05-01T09:00:00+02:00",
                                                "2024-05-02T18:00:00+02:00")
    assert event.links == (Link("Website", "https://camp.example.org"),
                           Link("Twitter", "https://twitter.com/camp"))
    assert event.email == "team@example.org"
    opening, engines = model.sessions
    assert (opening.starts_at, opening.ends_at) == ("2024-05-01T10:00:00+02:00",
                                                    "2024-05-01T10:30:00+02:00")
    assert engines.starts_at == "2024-05-01T10:00:00+02:00"  # 08:00Z in Berlin
    assert (opening.track_id, opening.room_id, opening.session_type_id) == ("1", "10", "5")
    assert opening.speaker_ids == ("100", "101")
    assert engines.speaker_ids == ("100",)
    assert model.speakers[0].twitter == "https://twitter.com/ada"
    assert model.sponsors[0].level == 1
    assert model.config.app_name == "Camp App"


def test_images_are_shrunk_re_encoded_and_referenced_relative_to_the_assets(
        tmp_path: Path) -> None:
    loaded = load(write_zip(tmp_path / "dashed.zip", dashed_export()), tmp_path / "w")
    assets = tmp_path / "w" / "assets"
    model = loaded.model
    assert model.event.logo == "images/logo.png"
    assert model.event.background == "images/background.jpg"
    assert model.speakers[0].photo == "images/speakers/100.jpg"
    assert model.speakers[1].photo is None
    assert model.sponsors[0].logo == "images/sponsors/1.jpg"
    assert loaded.logo_path == assets / "images" / "logo.png"
    sizes = {}
    for relative in ("images/logo.png", "images/background.jpg", "images/speakers/100.jpg",
                     "images/sponsors/1.jpg"):
        with Image.open(assets / relative) as placed:
            sizes[relative] = placed.size
    assert sizes == {"images/logo.png": (800, 600), "images/background.jpg": (1280, 640),
                     "images/speakers/100.jpg": (400, 267), "images/sponsors/1.jpg": (300, 100)}
    assert sorted(p.name for p in (tmp_path / "w").iterdir()) == ["assets"]
