"""Where an Open Event server keeps an event's documents (app/api/routes.py)."""

from __future__ import annotations

import pytest

from build_runner.generate.eventyay import (
    DOCUMENTS,
    api_base,
    document_url,
    public_page_api_url,
)

BY_NAME = {d.name: d for d in DOCUMENTS}


@pytest.mark.parametrize(("name", "url"), [
    ("event", "https://api.x/v1/events/7"),
    ("sessions", "https://api.x/v1/events/7/sessions?include=track%2Cmicrolocation%2C"
                 "session-type%2Cspeakers&page%5Bsize%5D=500&sort=id"),
    ("speakers", "https://api.x/v1/events/7/speakers?page%5Bsize%5D=500&sort=id"),
    ("session_types", "https://api.x/v1/events/7/session-types?page%5Bsize%5D=500&sort=id"),
    ("social-links", "https://api.x/v1/events/7/social-links?page%5Bsize%5D=500&sort=id"),
])
def test_builds_each_documents_url_below_the_event(name: str, url: str) -> None:
    assert document_url("https://api.x/v1/events/7/", BY_NAME[name]) == url


def test_the_base_loses_its_query_fragment_and_trailing_slash() -> None:
    assert api_base(" https://api.x/v1/events/b8324ae2/?x=1#top ") == (
        "https://api.x/v1/events/b8324ae2")


def test_speakers_tracks_and_rooms_are_required_and_the_extras_optional() -> None:
    assert [d.name for d in DOCUMENTS if d.required] == [
        "event", "sessions", "speakers", "tracks", "microlocations"]
    assert all(d.lacks for d in DOCUMENTS if not d.required)


@pytest.mark.parametrize(("page", "api"), [
    ("https://eventyay.com/e/abc123", "https://api.eventyay.com/v1/events/abc123"),
    ("https://www.eventyay.com/e/abc123/schedule?x=1", "https://api.eventyay.com/v1/events/abc123"),
    ("https://events.example.org/e/abc123", None),
    ("https://eventyay.com/events", None),
    ("https://api.eventyay.com/v1/events/abc123", None),
])
def test_an_eventyay_page_names_its_api_url(page: str, api: str | None) -> None:
    assert public_page_api_url(page) == api
