"""What an Open Event (eventyay) server serves for one event, and where.

Pure knowledge of fossasia/open-event-server, read from its own files:

* ``app/api/routes.py``: an event is ``/v1/events/{id}`` and also ``/v1/events/{identifier}``
  (``b8324ae2``); its lists are below it: ``sessions``, ``speakers``, ``tracks``,
  ``microlocations``, ``session-types``, ``sponsors``, ``social-links``. There is no
  ``/event`` or ``/session_types`` document.
* ``app/api/schema/*.py``: attributes are dasherized (``starts-at``, ``owner-name``,
  ``photo-url``); a session's relationships are ``track``, ``microlocation``,
  ``session-type`` and ``speakers``.
* flask-rest-jsonapi (the fork the server pins): a relationship carries ``data`` only when
  ``include=`` names it; a page holds 20 items unless ``page[size]`` says otherwise; ``meta``
  has the whole ``count``; ``links.next`` is relative and URL-encoded; ``sort=`` takes any
  attribute of the schema. The list of sessions is not filtered by state.
* ``docs/api/blueprint/*.apib``: the documents' shapes (see the tests' fake server).

:data:`DOCUMENTS` lists what is read, in order (the event first, then what the app cannot do
without, then what it can); :func:`document_url` is the address of one, with its query.
:func:`public_page_api_url` turns an event's public web page into its API address.
"""

from __future__ import annotations

import re
import urllib.parse
from dataclasses import dataclass

# Items asked for per page (the server's default is 20). Large, so a big event takes a few
# pages, not fifty; every ``links.next`` is still followed.
PAGE_SIZE = 500
# Sessions as the eventyay web frontend asks for them (app/routes/public/sessions.js), so each
# session arrives linked to its track, room, type and speakers.
SESSION_INCLUDES = ("track", "microlocation", "session-type", "speakers")
EVENTYAY_API = "https://api.eventyay.com"
EXAMPLE_API_URL = f"{EVENTYAY_API}/v1/events/b8324ae2"


@dataclass(frozen=True)
class ApiDocument:
    """One document of an event.

    ``name`` is the document as an export names it (``session_types``); ``path`` is below the
    event's URL (``session-types``, ``""`` for the event itself); ``include`` the relationships
    asked to be sent along. A ``required`` document that cannot be read fails the build; an
    optional one is a warning saying what the app then ``lacks``.
    """

    name: str
    path: str
    what: str
    include: tuple[str, ...] = ()
    required: bool = True
    lacks: str = ""

    @property
    def collection(self) -> bool:
        """Whether it is a paginated list (everything but the event itself)."""
        return bool(self.path)


DOCUMENTS: tuple[ApiDocument, ...] = (
    ApiDocument("event", "", "event"),
    ApiDocument("sessions", "sessions", "sessions", include=SESSION_INCLUDES),
    ApiDocument("speakers", "speakers", "speakers"),
    ApiDocument("tracks", "tracks", "tracks"),
    ApiDocument("microlocations", "microlocations", "rooms (microlocations)"),
    # Each session carries its type (included above), so the app only lacks the unused ones.
    ApiDocument("session_types", "session-types", "session types", required=False,
                lacks="only the session types that sessions name are shown"),
    ApiDocument("sponsors", "sponsors", "sponsors", required=False,
                lacks="the app is built without sponsors"),
    ApiDocument("social-links", "social-links", "social links", required=False,
                lacks="the app is built without the event's social links"),
)


def api_base(url: str) -> str:
    """The event's API address as given, without query, fragment or trailing slash."""
    parts = urllib.parse.urlsplit(url.strip())
    return urllib.parse.urlunsplit((parts.scheme, parts.netloc, parts.path.rstrip("/"), "", ""))


def document_url(base: str, document: ApiDocument, page_size: int = PAGE_SIZE) -> str:
    """``https://host/v1/events/7`` + sessions → ``…/v1/events/7/sessions?include=…``.

    Lists are asked for in ``page_size`` pages sorted by id, so the pages do not shift while
    they are read.
    """
    base = api_base(base)
    if not document.collection:
        return base
    query: list[tuple[str, str]] = []
    if document.include:
        query.append(("include", ",".join(document.include)))
    query += [("page[size]", str(page_size)), ("sort", "id")]
    return f"{base}/{document.path}?{urllib.parse.urlencode(query)}"


# An event's page on the eventyay web frontend: /e/{identifier}, then maybe /schedule, /cfs…
_PUBLIC_PAGE = re.compile(r"^/e/(?P<identifier>[A-Za-z0-9_-]+)(?:/.*)?$")
_EVENTYAY_HOSTS = frozenset({"eventyay.com", "www.eventyay.com"})


def public_page_api_url(url: str) -> str | None:
    """``https://eventyay.com/e/abc123`` → ``https://api.eventyay.com/v1/events/abc123``.

    None when ``url`` is not an eventyay.com event page (another server's API host cannot be
    guessed from its web pages).
    """
    parts = urllib.parse.urlsplit(url.strip())
    match = _PUBLIC_PAGE.match(parts.path)
    if not match or (parts.hostname or "").lower() not in _EVENTYAY_HOSTS:
        return None
    return f"{EVENTYAY_API}/v1/events/{match['identifier']}"
