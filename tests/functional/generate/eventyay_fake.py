"""A fake Open Event (eventyay) server for one event, on 127.0.0.1 port 0.

Written from fossasia/open-event-server's own files, not from what the fetcher expects:

* routes (``app/api/routes.py``): ``/v1/events/{id}`` and ``/v1/events/{identifier}``, and below
  them ``sessions``, ``speakers``, ``tracks``, ``microlocations``, ``session-types``,
  ``sponsors``, ``social-links``. Nothing else: any other path is werkzeug's HTML 404 page.
* documents: ``docs/api/blueprint/event/events.apib`` (Event Details), ``session/sessions.apib``
  (List Sessions under an Event), ``speaker/speakers.apib``, ``microlocations.apib``,
  ``tracks.apib``, ``session/session_type.apib``, ``sponsors.apib``, ``social_links.apib``:
  ``{"meta": {"count"}, "data": [...], "jsonapi": {"version": "1.0"}, "links": {...}}``, each
  resource ``{"type", "id", "attributes", "relationships", "links"}`` with dasherized
  attributes, and every relationship ``{"links": {"self", "related"}}`` only.
* flask-rest-jsonapi as the server pins it (fossasia fork 0.12.6.x): a relationship named in
  ``include=`` also carries ``data`` and its resources go to ``included``; pages hold
  ``page[size]`` items (default ``DEFAULT_PAGE_SIZE = 20``, ``0`` for all) and
  ``pagination.add_pagination_links`` writes ``self``/``first``/``last``/``prev``/``next`` as the
  request path plus ``urlencode`` of the query: relative and URL-encoded.
* errors (``flask_rest_jsonapi.errors.jsonapi_errors``, ``app/api/helpers/db.py``
  ``safe_query``, ``app/instance.py``): ``{"errors": [{"status", "source", "title", "detail"}],
  "jsonapi": ...}``; an unknown event is 404 ``Object not found`` / ``Event: {id} not found``;
  an uncaught error is 500 ``Unknown error``.

Sessions are listed in every state, as the server does (``app/api/sessions.py`` ``SessionList``
filters by nothing but the event). ``faults`` replaces the answer of one path (its query
ignored) to play a broken server: :class:`Failing`, :class:`Dripping`, :class:`Answer`.
"""

from __future__ import annotations

import json
import threading
import urllib.parse
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from build_runner.generate.eventapi import fetch_api
from build_runner.generate.fetch import Fetcher
from build_runner.generate.limits import Limits
from build_runner.generate.problems import Problems

DEFAULT_PAGE_SIZE = 20
FIRST_DAY = datetime(2024, 6, 1, tzinfo=UTC)
JSONAPI = "application/vnd.api+json"
WERKZEUG_404 = (
    b"<!doctype html>\n<html lang=en>\n<title>404 Not Found</title>\n<h1>Not Found</h1>\n"
    b"<p>The requested URL was not found on the server. If you entered the URL manually please "
    b"check your spelling and try again.</p>\n"
)

# type → (the path of its resources, its relationships and the type each points to, to-many?).
SCHEMAS: dict[str, tuple[str, dict[str, tuple[str, bool]]]] = {
    "event": ("events", {
        "sessions": ("session", True), "speakers": ("speaker", True),
        "tracks": ("track", True), "microlocations": ("microlocation", True),
        "session-types": ("session-type", True), "sponsors": ("sponsor", True),
        "social-links": ("social-link", True), "tickets": ("ticket", True),
        "owner": ("user", False), "event-type": ("event-type", False),
    }),
    "session": ("sessions", {
        "microlocation": ("microlocation", False), "track": ("track", False),
        "session-type": ("session-type", False), "event": ("event", False),
        "feedbacks": ("feedback", True), "speakers": ("speaker", True),
        "creator": ("user", False), "exhibitors": ("exhibitor", True),
    }),
    "speaker": ("speakers", {"event": ("event", False), "user": ("user", False),
                             "sessions": ("session", True)}),
    "microlocation": ("microlocations", {"sessions": ("session", True),
                                         "event": ("event", False),
                                         "video-stream": ("video-stream", False)}),
    "track": ("tracks", {"event": ("event", False), "sessions": ("session", True)}),
    "session-type": ("session-types", {"event": ("event", False),
                                       "sessions": ("session", True)}),
    "sponsor": ("sponsors", {"event": ("event", False)}),
    "social-link": ("social-links", {"event": ("event", False)}),
}
# The lists below an event, by path, and the type of their items.
LISTS = {"sessions": "session", "speakers": "speaker", "tracks": "track",
         "microlocations": "microlocation", "session-types": "session-type",
         "sponsors": "sponsor", "social-links": "social-link"}


@dataclass
class Resource:
    """One resource: its attributes as the server spells them, and what it points to."""

    type: str
    id: str
    attributes: dict[str, Any]
    links: dict[str, str | list[str] | None] = field(default_factory=dict)


@dataclass
class Event:
    """The event served: its own resource and every list below it."""

    id: str
    identifier: str
    attributes: dict[str, Any]
    lists: dict[str, list[Resource]]

    def find(self, kind: str, ident: str) -> Resource | None:
        path = SCHEMAS[kind][0]
        return next((r for r in self.lists.get(path, []) if r.id == ident), None)


def sample_event(sessions: int = 3, *, speakers: int = 4, tracks: int = 2, rooms: int = 2,
                 types: int = 2, origin: str = "") -> Event:
    """An event with every list filled; session ``i`` is in track/room/type ``i % n`` and has
    speaker ``i % speakers`` (and the next one, for every third session). States cycle."""
    states = ("accepted", "confirmed", "pending", "rejected", "draft")
    track_list = [Resource("track", str(30 + t), {
        "name": f"Track {t}", "description": "", "color": f"#12345{t % 10}",
        "font-color": "#ffffff", "position": t}) for t in range(tracks)]
    room_list = [Resource("microlocation", str(40 + r), {
        "name": f"Room {r}", "room": f"R{r}", "floor": r, "latitude": 45.0, "longitude": 45.0,
        "position": r, "hidden-in-scheduler": False, "deleted-at": None})
        for r in range(rooms)]
    type_list = [Resource("session-type", str(50 + k), {
        "name": f"Type {k}", "length": "00:30", "position": k}) for k in range(types)]
    speaker_list = [Resource("speaker", str(100 + p), {
        "name": f"Speaker {p}", "short-biography": "", "long-biography": "",
        "organisation": "FOSSASIA", "position": None, "country": "India", "city": "Delhi",
        "website": "https://example.com", "twitter": None, "github": None, "linkedin": None,
        "photo-url": None, "is-featured": False, "deleted-at": None})
        for p in range(speakers)]
    session_list = []
    for i in range(sessions):
        begins = FIRST_DAY + timedelta(minutes=30 * i)
        start, end = begins.isoformat(), (begins + timedelta(minutes=25)).isoformat()
        speaker_ids = [speaker_list[i % speakers].id] if speakers else []
        if speakers > 1 and i % 3 == 0:
            speaker_ids.append(speaker_list[(i + 1) % speakers].id)
        session_list.append(Resource("session", str(1000 + i), {
            "title": f"Session {i}", "subtitle": None, "level": "Beginner",
            "short-abstract": "Short", "long-abstract": "Long", "comments": None,
            "starts-at": start, "ends-at": end, "language": "English", "slides-url": None,
            "video-url": None, "audio-url": None, "signup-url": None,
            "state": states[i % len(states)], "created-at": "2024-01-01T00:00:00+00:00",
            "deleted-at": None, "submitted-at": None, "is-mail-sent": False,
            "last-modified-at": "2024-01-01T00:00:00+00:00", "average-rating": 0},
            links={"track": track_list[i % tracks].id if tracks else None,
                   "microlocation": room_list[i % rooms].id if rooms else None,
                   "session-type": type_list[i % types].id if types else None,
                   "speakers": speaker_ids}))
    sponsors = [Resource("sponsor", "60", {
        "name": "FOSSASIA", "description": "", "url": "https://fossasia.org", "level": 1,
        "type": "Gold", "logo-url": None, "deleted-at": None})]
    social = [Resource("social-link", "70", {
        "name": "Twitter", "link": "https://twitter.com/eventyay", "identifier": "twitter",
        "deleted-at": None}), Resource("social-link", "71", {
        "name": "Website", "link": "https://eventyay.com", "identifier": None,
        "deleted-at": None})]
    return Event("7", "b8324ae2", {
        "identifier": "b8324ae2", "name": "FOSSASIA Summit", "external-event-url": None,
        "starts-at": "2024-06-01T00:00:00+00:00", "ends-at": "2024-06-30T23:59:00+00:00",
        "timezone": "UTC", "online": False, "latitude": 1.29, "longitude": 103.85,
        "logo-url": f"{origin}/media/logo.png" if origin else None,
        "location-name": "Lifelong Learning Institute", "searchable-location-name": "Singapore",
        "description": "Open technologies", "original-image-url": None,
        "thumbnail-image-url": None, "large-image-url": None, "icon-image-url": None,
        "owner-name": "FOSSASIA", "owner-description": "An open source organisation",
        "has-owner-info": True, "is-sessions-speakers-enabled": True, "privacy": "public",
        "state": "published", "ticket-url": None, "code-of-conduct": "Be nice",
        "schedule-published-on": "2024-05-01T00:00:00+00:00", "is-sponsors-enabled": True,
        "created-at": "2024-01-01T00:00:00+00:00", "deleted-at": None,
    }, {"sessions": session_list, "speakers": speaker_list, "tracks": track_list,
        "microlocations": room_list, "session-types": type_list, "sponsors": sponsors,
        "social-links": social})


def render(resource: Resource, included: set[str]) -> dict[str, Any]:
    """One resource as marshmallow-jsonapi dumps it; ``data`` only on the included names."""
    path, relations = SCHEMAS[resource.type]
    relationships: dict[str, Any] = {}
    for name, (kind, many) in relations.items():
        rel: dict[str, Any] = {"links": {
            "self": f"/v1/{path}/{resource.id}/relationships/{name}",
            "related": f"/v1/{path}/{resource.id}/{name}"}}
        if name in included:
            target = resource.links.get(name)
            if many:
                ids = target if isinstance(target, list) else []
                rel["data"] = [{"type": kind, "id": i} for i in ids]
            else:
                rel["data"] = {"type": kind, "id": target} if isinstance(target, str) else None
        relationships[name] = rel
    return {"type": resource.type, "id": resource.id, "attributes": dict(resource.attributes),
            "relationships": relationships, "links": {"self": f"/v1/{path}/{resource.id}"}}


def pagination_links(path: str, query: dict[str, str], count: int) -> dict[str, str]:
    """``add_pagination_links`` of flask-rest-jsonapi, line for line."""
    args = {k: v for k, v in query.items()
            if k.startswith(("filter", "page", "fields", "sort", "include", "q"))}
    links = {"self": path + ("?" + urllib.parse.urlencode(args) if args else "")}
    if args.get("page[size]") != "0" and count > 1:
        size = int(args.get("page[size]", 0)) or DEFAULT_PAGE_SIZE
        last = -(-count // size)
        if last > 1:
            args.pop("page[number]", None)
            links["first"] = path + ("?" + urllib.parse.urlencode(args) if args else "")
            links["last"] = path + "?" + urllib.parse.urlencode({**args, "page[number]": last})
            current = int(query.get("page[number]", 0)) or 1
            if current > 1:
                links["prev"] = "?".join(
                    (path, urllib.parse.urlencode({**args, "page[number]": current - 1})))
            if current < last:
                links["next"] = "?".join(
                    (path, urllib.parse.urlencode({**args, "page[number]": current + 1})))
    return links


def error_document(status: int, title: str, detail: str,
                   source: dict[str, str] | None = None) -> dict[str, Any]:
    return {"errors": [{"status": status, "source": source, "title": title, "detail": detail}],
            "jsonapi": {"version": "1.0"}}


def collection(event: Event, path: str, name: str, query: dict[str, str]) -> dict[str, Any]:
    """``GET /v1/events/{id}/{name}``: one page, its includes, its links."""
    items = event.lists[name]
    include = {i for i in query.get("include", "").split(",") if i}
    size = int(query.get("page[size]", 0) or 0)
    number = int(query.get("page[number]", 0) or 0) or 1
    if query.get("page[size]") == "0":
        page = items
    else:
        size = size or DEFAULT_PAGE_SIZE
        page = items[(number - 1) * size: number * size]
    document: dict[str, Any] = {"data": [render(r, include) for r in page]}
    if include:
        seen: dict[tuple[str, str], dict[str, Any]] = {}
        for resource in page:
            for rel in include:
                kind = SCHEMAS[resource.type][1][rel][0]
                target = resource.links.get(rel)
                for ident in target if isinstance(target, list) else [target]:
                    found = event.find(kind, ident) if isinstance(ident, str) else None
                    if found is not None:
                        seen.setdefault((kind, ident), render(found, set()))
        document["included"] = list(seen.values())
    document["links"] = pagination_links(path, query, len(items))
    document["meta"] = {"count": len(items)}
    document["jsonapi"] = {"version": "1.0"}
    return document


Respond = Callable[[BaseHTTPRequestHandler], None]


def send(handler: BaseHTTPRequestHandler, status: int, body: bytes,
         content_type: str = JSONAPI) -> None:
    handler.send_response(status)
    handler.send_header("Content-Type", content_type)
    handler.send_header("Content-Length", str(len(body)))
    handler.end_headers()
    handler.wfile.write(body)


@dataclass
class Answer:
    """Always this status, body and type (an HTML page, a proxy's error)."""

    status: int
    body: bytes
    content_type: str = JSONAPI

    def __call__(self, handler: BaseHTTPRequestHandler) -> None:
        send(handler, self.status, self.body, self.content_type)


@dataclass
class Failing:
    """The server's 500 (``app/instance.py``: ``ErrorResponse('Unknown error')``) for the first
    ``times`` requests (all of them when None), then the real document."""

    times: int | None = None
    status: int = 500
    detail: str = "Unknown error"
    served: int = 0

    def fails(self) -> bool:
        self.served += 1
        return self.times is None or self.served <= self.times

    def __call__(self, handler: BaseHTTPRequestHandler) -> None:
        body = json.dumps(error_document(self.status, "Unknown error", self.detail)).encode()
        send(handler, self.status, body)


@dataclass
class Dripping:
    """A 200 whose body comes one byte every ``every_s`` seconds, until the client leaves.

    ``started`` is set when a request arrives (``on_start`` runs then, e.g. a cancel).
    """

    every_s: float = 0.5
    started: threading.Event = field(default_factory=threading.Event)
    stop: threading.Event = field(default_factory=threading.Event)
    on_start: Callable[[], None] | None = None

    def __call__(self, handler: BaseHTTPRequestHandler) -> None:
        handler.send_response(200)
        handler.send_header("Content-Type", JSONAPI)
        handler.send_header("Content-Length", "1000000")
        handler.end_headers()
        handler.wfile.flush()
        self.started.set()
        if self.on_start is not None:
            self.on_start()
        try:
            while not self.stop.wait(self.every_s):
                handler.wfile.write(b" ")
                handler.wfile.flush()
        except OSError:
            return  # the client hung up, as it should


class FakeEventyay:
    """The server; ``origin`` is ``http://127.0.0.1:{port}``, ``requests`` every path asked."""

    def __init__(self, event: Event) -> None:
        self.event = event
        self.requests: list[str] = []
        self.faults: dict[str, Respond] = {}
        self.files: dict[str, tuple[str, bytes]] = {}
        self.origin = ""

    def answer(self, handler: BaseHTTPRequestHandler) -> None:
        self.requests.append(handler.path)
        parts = urllib.parse.urlsplit(handler.path)
        fault = self.faults.get(parts.path)
        if isinstance(fault, Failing) and not fault.fails():
            fault = None
        if fault is not None:
            fault(handler)
            return
        if parts.path in self.files:
            kind, body = self.files[parts.path]
            send(handler, 200, body, kind)
            return
        query = dict(urllib.parse.parse_qsl(parts.query, keep_blank_values=True))
        segments = parts.path.strip("/").split("/")
        if len(segments) in (3, 4) and segments[:2] == ["v1", "events"]:
            key = segments[2]
            if key not in (self.event.id, self.event.identifier):
                body = error_document(404, "Object not found", f"Event: {key} not found",
                                      {"parameter": "id"})
                send(handler, 404, json.dumps(body).encode())
                return
            if len(segments) == 3:
                document = {"data": render(Resource("event", self.event.id,
                                                    self.event.attributes), set()),
                            "jsonapi": {"version": "1.0"}, "links": {"self": parts.path}}
                send(handler, 200, json.dumps(document).encode())
                return
            if segments[3] in LISTS:
                document = collection(self.event, parts.path, segments[3], query)
                send(handler, 200, json.dumps(document).encode())
                return
        send(handler, 404, WERKZEUG_404, "text/html; charset=utf-8")

    @property
    def base(self) -> str:
        """The event's API base URL, by id."""
        return f"{self.origin}/v1/events/{self.event.id}"


@contextmanager
def serving(event: Event) -> Iterator[FakeEventyay]:
    """Run a :class:`FakeEventyay` for ``event`` until the block ends."""
    fake = FakeEventyay(event)

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def do_GET(self) -> None:
            fake.answer(self)

        def log_message(self, format: str, *args: Any) -> None:
            """Quiet: tests read ``fake.requests``."""

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    fake.origin = f"http://127.0.0.1:{server.server_address[1]}"
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05},
                              daemon=True)
    thread.start()
    try:
        yield fake
    finally:
        for fault in fake.faults.values():
            if isinstance(fault, Dripping):
                fault.stop.set()
        server.shutdown()
        server.server_close()
        thread.join(timeout=10)


# -- reading it ------------------------------------------------------------------------------

LIMITS = Limits(fetch_timeout_s=5)
SESSIONS = "/v1/events/7/sessions"
SPEAKERS = "/v1/events/7/speakers"


def fetched(fake: FakeEventyay, limits: Limits = LIMITS,
            base: str | None = None) -> tuple[dict[str, Any], Problems]:
    """The documents ``fetch_api`` reads from ``fake`` (or ``base``), and its problems."""
    problems = Problems()
    docs = fetch_api(base or fake.base, Fetcher(limits), limits, problems)
    return docs, problems
