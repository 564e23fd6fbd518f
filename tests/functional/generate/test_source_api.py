"""An Open Event API base URL as the source, served by a real HTTP server on loopback."""

from __future__ import annotations

import io
import json
import re
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
from PIL import Image

from build_runner.errors import InputError
from build_runner.generate.limits import Limits
from build_runner.generate.source import load_event
from build_runner.logs import BuildLog
from tests.list_sink import ListSink

BASE = "/v1/events/7"
QUERY = "include=track%2Cmicrolocation%2Csession-type%2Cspeakers&page%5Bsize%5D=500&sort=id"


def png(size: tuple[int, int]) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", size, (10, 120, 200)).save(out, format="PNG")
    return out.getvalue()


def resource(kind: str, ident: str, attributes: dict[str, Any],
             relationships: dict[str, Any] | None = None) -> dict[str, Any]:
    item: dict[str, Any] = {"id": ident, "type": kind, "attributes": attributes}
    if relationships:
        item["relationships"] = relationships
    return item


def links(kind: str, ident: str, name: str) -> dict[str, Any]:
    """A relationship as the server sends it when ``include=`` does not name it."""
    return {"links": {"self": f"/v1/{kind}/{ident}/relationships/{name}",
                      "related": f"/v1/{kind}/{ident}/{name}"}}


def documents(origin: str) -> dict[str, tuple[int, bytes, str]]:
    """The API's answers by path (and page): JSON:API documents, a logo, a 404 photo.

    Shapes from open-event-server's docs/api/blueprint (event/events.apib, session/sessions.apib,
    speaker/speakers.apib, tracks.apib, session/session_type.apib); pages and links as
    flask-rest-jsonapi writes them (relative, URL-encoded, ``meta.count``).
    """
    event = {"data": resource("event", "7", {
        "name": "API Camp", "identifier": "a1b2c3d4", "starts-at": "2024-06-01T09:00:00+00:00",
        "ends-at": "2024-06-01T18:00:00+00:00", "timezone": "UTC",
        "logo-url": f"{origin}/media/logo.png"}, {"sessions": links("events", "7", "sessions")}),
        "jsonapi": {"version": "1.0"}, "links": {"self": BASE}}
    query = QUERY
    sessions_page_1 = {
        "meta": {"count": 2},
        "data": [resource("session", "1", {
            "title": "Keynote", "starts-at": "2024-06-01T09:00:00+00:00",
            "ends-at": "2024-06-01T10:00:00+00:00", "state": "accepted"}, {
            "track": {**links("sessions", "1", "track"),
                      "data": {"type": "track", "id": "3"}},
            "microlocation": {**links("sessions", "1", "microlocation"), "data": None},
            "session-type": {**links("sessions", "1", "session-type"), "data": None},
            "speakers": {**links("sessions", "1", "speakers"),
                         "data": [{"type": "speaker", "id": "11"}]},
            "event": links("sessions", "1", "event")})],
        "included": [resource("speaker", "11", {"name": "Included Ida"}),
                     resource("track", "3", {"name": "Main", "color": "#123456"})],
        "links": {"self": f"{BASE}/sessions?{query}",
                  "next": f"{BASE}/sessions?{query}&page%5Bnumber%5D=2"},
        "jsonapi": {"version": "1.0"},
    }
    sessions_page_2 = {
        "meta": {"count": 2},
        "data": [resource("session", "2", {
            "title": "Workshop", "starts-at": "2024-06-01T11:00:00",
            "ends-at": "2024-06-01T12:30:00", "state": "confirmed"}, {
            "track": {**links("sessions", "2", "track"), "data": {"type": "track", "id": "3"}},
            "session-type": {**links("sessions", "2", "session-type"),
                             "data": {"type": "session-type", "id": "9"}},
            "speakers": {**links("sessions", "2", "speakers"),
                         "data": [{"type": "speaker", "id": "12"}]}})],
        "included": [resource("speaker", "12", {"name": "Jon"}),
                     resource("track", "3", {"name": "Main", "color": "#123456"}),
                     resource("session-type", "9", {"name": "Workshop", "length": "01:30"})],
        "links": {"self": f"{BASE}/sessions?{query}&page%5Bnumber%5D=2"},
        "jsonapi": {"version": "1.0"},
    }
    speakers = {"meta": {"count": 2}, "data": [
        resource("speaker", "11", {"name": "Ida", "photo-url": f"{origin}/media/ida.png"},
                 {"sessions": links("speakers", "11", "sessions")}),
        resource("speaker", "12", {"name": "Jon", "photo-url": f"{origin}/media/missing.png"}),
    ]}
    tracks = {"meta": {"count": 1},
              "data": [resource("track", "3", {"name": "Main", "color": "#123456"})]}
    session_types = {"meta": {"count": 1},
                     "data": [resource("session-type", "9", {"name": "Workshop",
                                                             "length": "01:30"})]}
    empty = json.dumps({"meta": {"count": 0}, "data": [], "links": {}}).encode()
    as_json = "application/vnd.api+json"
    return {
        BASE: (200, json.dumps(event).encode(), as_json),
        f"{BASE}/sessions": (200, json.dumps(sessions_page_1).encode(), as_json),
        f"{BASE}/sessions#2": (200, json.dumps(sessions_page_2).encode(), as_json),
        f"{BASE}/speakers": (200, json.dumps(speakers).encode(), as_json),
        f"{BASE}/tracks": (200, json.dumps(tracks).encode(), as_json),
        f"{BASE}/microlocations": (200, empty, as_json),
        f"{BASE}/session-types": (200, json.dumps(session_types).encode(), as_json),
        f"{BASE}/sponsors": (200, empty, as_json),
        f"{BASE}/social-links": (200, empty, as_json),
        "/media/logo.png": (200, png((1200, 900)), "image/png"),
        "/media/ida.png": (200, png((600, 600)), "image/png"),
    }


class Api:
    def __init__(self) -> None:
        self.requests: list[str] = []
        self.answers: dict[str, tuple[int, bytes, str]] = {}


@pytest.fixture
def api() -> Iterator[tuple[str, Api]]:
    state = Api()

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            state.requests.append(self.path)
            path, _, query = self.path.partition("?")
            page = re.search(r"page%5Bnumber%5D=(\d+)", query)
            key = f"{path}#{page[1]}" if page else path
            status, body, kind = state.answers.get(key, (404, b"not found", "text/plain"))
            self.send_response(status)
            self.send_header("Content-Type", kind)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, format: str, *args: Any) -> None:
            """Quiet: the test reads ``state.requests`` instead."""

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    origin = f"http://127.0.0.1:{server.server_address[1]}"
    state.answers = documents(origin)
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05},
                              daemon=True)
    thread.start()
    try:
        yield origin, state
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=10)


def test_loads_an_event_from_json_api_documents_with_pagination_and_includes(
        api: tuple[str, Api], tmp_path: Path) -> None:
    origin, state = api
    sink = ListSink()
    loaded = load_event(f"{origin}{BASE}", tmp_path / "work", tmp_path / "work" / "assets",
                        BuildLog(sink), Limits(fetch_timeout_s=5))
    model = loaded.model
    assert model.event.name == "API Camp"
    assert [(s.id, s.title, s.track_id, s.session_type_id, s.speaker_ids) for s in model.sessions
            ] == [("1", "Keynote", "3", None, ("11",)), ("2", "Workshop", "3", "9", ("12",))]
    assert model.sessions[1].starts_at == "2024-06-01T11:00:00+00:00"
    assert [(s.id, s.name, s.photo) for s in model.speakers] == [
        ("11", "Ida", "images/speakers/11.jpg"), ("12", "Jon", None)]
    assert [(t.id, t.name, t.color) for t in model.tracks] == [("3", "Main", "#123456")]
    assert model.event.logo == "images/logo.png"
    assert loaded.logo_path is not None and loaded.logo_path.is_file()
    assert [str(p) for p in loaded.problems.warnings] == [
        f'speakers[1].photo-url: "{origin}/media/missing.png" cannot be downloaded: the server '
        "answered HTTP 404 Not Found; the speaker is shown without a photo (add the photo to "
        "images/speakers/ in the zip, or clear the field)"]
    assert f"{BASE}/sessions?{QUERY}&page%5Bnumber%5D=2" in state.requests
    # The paths of the real server only: no /event, no /session_types.
    assert not any(r.startswith((f"{BASE}/event", f"{BASE}/session_types"))
                   for r in state.requests)
    assert sorted(p.name for p in (tmp_path / "work").iterdir()) == ["assets"]


def test_an_api_without_the_event_is_an_error_naming_the_address(
        api: tuple[str, Api], tmp_path: Path) -> None:
    origin, state = api
    work = tmp_path / "work"
    with pytest.raises(InputError) as caught:
        load_event(f"{origin}/v1/events/8", work, work / "assets", BuildLog(ListSink()),
                   Limits(fetch_timeout_s=5))
    assert caught.value.summary == (
        f"the event data has 1 error: event: cannot be read from {origin}/v1/events/8: the "
        "server answered HTTP 404 Not Found (check the event's id or identifier in the API URL, "
        "e.g. https://api.eventyay.com/v1/events/b8324ae2)")
    assert [p.file for p in caught.value.problems] == ["event"]
    assert state.requests == ["/v1/events/8"]
    assert not work.exists()


def test_private_addresses_are_refused_when_the_limits_say_so(
        api: tuple[str, Api], tmp_path: Path) -> None:
    origin, state = api
    with pytest.raises(InputError) as caught:
        load_event(f"{origin}{BASE}", tmp_path / "work", tmp_path / "work" / "assets",
                   BuildLog(ListSink()), Limits(allow_private_hosts=False))
    assert str(caught.value.problems[0]) == (
        f"event: cannot be read from {origin}{BASE}: 127.0.0.1 is refused: the address "
        "127.0.0.1 is private (check the API URL, e.g. https://api.eventyay.com/v1/events/b8324ae2)")
    assert state.requests == []


def test_a_json_api_document_that_is_not_json_is_an_error_with_its_address(
        api: tuple[str, Api], tmp_path: Path) -> None:
    origin, state = api
    state.answers[f"{BASE}/sessions"] = (200, b'{"data": [', "application/vnd.api+json")
    with pytest.raises(InputError) as caught:
        load_event(f"{origin}{BASE}", tmp_path / "work", tmp_path / "work" / "assets",
                   BuildLog(ListSink()), Limits(fetch_timeout_s=5))
    assert str(caught.value.problems[0]) == (
        f"sessions: cannot be read from {origin}{BASE}/sessions?{QUERY}: the document is not "
        "valid JSON: Expecting value at line 1 column 11")
