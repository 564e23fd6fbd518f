"""Reading an event from its eventyay API: every page, one budget, the server's own words.

Served by the faithful fake Open Event server on loopback (``eventyay_fake.py``): pages of 20
unless ``page[size]`` says otherwise, relative URL-encoded ``links.next``, relationships with
``data`` only when included, JSON:API error documents.
"""

from __future__ import annotations

import time

from build_runner.generate.eventapi import fetch_api
from build_runner.generate.eventyay import PAGE_SIZE
from build_runner.generate.fetch import Fetcher
from build_runner.generate.limits import API_ATTEMPTS, Limits
from build_runner.generate.problems import Problems
from tests.functional.generate.eventyay_fake import (
    LIMITS,
    SESSIONS,
    SPEAKERS,
    Answer,
    Dripping,
    Failing,
    FakeEventyay,
    fetched,
    sample_event,
    serving,
)

# What the eventyay web frontend serves at an event's public page (an Ember app shell).
FRONTEND_PAGE = (b"<!DOCTYPE html>\n<html>\n<head>\n<meta charset=\"utf-8\">\n<title>eventyay"
                 b"</title>\n</head>\n<body>\n<script src=\"/assets/vendor.js\"></script>\n"
                 b"</body>\n</html>\n")


def test_sessions_are_asked_for_with_their_relationships_in_large_pages(
        fake: FakeEventyay) -> None:
    fetched(fake)
    asked = [p for p in fake.requests if p.startswith(SESSIONS)]
    assert asked == [f"{SESSIONS}?include=track%2Cmicrolocation%2Csession-type%2Cspeakers"
                     f"&page%5Bsize%5D={PAGE_SIZE}&sort=id"]
    assert "/v1/events/7/event" not in fake.requests
    assert not any("session_types" in p for p in fake.requests)


def test_an_event_of_1100_sessions_arrives_complete() -> None:
    with serving(sample_event(1100, speakers=300)) as fake:
        docs, problems = fetched(fake)
    assert problems.errors == []
    assert [s["id"] for s in docs["sessions"]] == [str(1000 + i) for i in range(1100)]
    assert all(s["track"] and s["microlocation"] and s["speakers"] for s in docs["sessions"])
    assert len(docs["speakers"]) == 300


def test_a_server_dripping_one_byte_at_a_time_is_stopped_within_the_budget(
        fake: FakeEventyay) -> None:
    fake.faults[SESSIONS] = Dripping(every_s=0.2)
    limits = Limits(fetch_timeout_s=5, api_budget_s=2)
    began = time.monotonic()
    docs, problems = fetched(fake, limits)
    took = time.monotonic() - began
    assert took < 2 + 1.0
    assert "sessions" not in docs
    assert [p.file for p in problems.errors] == ["sessions", "speakers"]
    assert problems.errors[0].message.endswith(
        "reading the event from its API took longer than the 2s allowed")
    assert problems.errors[1].message == (
        "not read (speakers, tracks, microlocations): reading the event from its API took "
        "longer than the 2s allowed")


def test_a_5xx_that_passes_is_retried_into_a_complete_event(fake: FakeEventyay) -> None:
    fake.faults[SPEAKERS] = Failing(times=API_ATTEMPTS - 1)
    docs, problems = fetched(fake)
    assert problems.errors == [] and len(docs["speakers"]) == 4


def test_failing_sponsors_are_a_warning_saying_what_the_app_lacks(fake: FakeEventyay) -> None:
    fake.faults["/v1/events/7/sponsors"] = Failing()
    docs, problems = fetched(fake)
    assert problems.errors == [] and "sponsors" not in docs
    assert [p.message.rsplit("; ", 1)[-1] for p in problems.warnings] == [
        "the app is built without sponsors"]


def test_an_unknown_event_shows_the_servers_own_detail(fake: FakeEventyay) -> None:
    docs, problems = fetched(fake, base=f"{fake.origin}/v1/events/nope42")
    assert docs == {}
    assert [str(p) for p in problems.errors] == [
        f"event: cannot be read from {fake.origin}/v1/events/nope42: the server answered HTTP "
        "404 Not Found; the server says: Event: nope42 not found (check the event's id or "
        "identifier in the API URL, e.g. https://api.eventyay.com/v1/events/b8324ae2)"]
    assert fake.requests == ["/v1/events/nope42"]  # nothing more once the event is missing


def test_the_event_is_found_by_its_identifier_too(fake: FakeEventyay) -> None:
    docs, problems = fetched(fake, base=f"{fake.origin}/v1/events/b8324ae2/")
    assert problems.errors == []
    assert docs["event"]["identifier"] == "b8324ae2" and len(docs["sessions"]) == 45


def test_the_events_public_page_is_an_error_naming_the_api_url_to_use(
        fake: FakeEventyay) -> None:
    fake.files["/e/abc123"] = ("text/html", FRONTEND_PAGE)
    port = fake.origin.rsplit(":", 1)[1]
    page = f"http://eventyay.com:{port}/e/abc123"
    problems = Problems()
    docs = fetch_api(page, Fetcher(LIMITS, resolver=lambda host: ["127.0.0.1"]), LIMITS,
                     problems)
    assert docs == {}
    assert [str(p) for p in problems.errors] == [
        f"event: cannot be read from {page}: it sent a web page (HTML) where a JSON:API "
        "document was expected (this is the event's web page; use its API URL "
        "https://api.eventyay.com/v1/events/abc123)"]


def test_an_html_page_from_another_server_says_what_an_api_url_looks_like(
        fake: FakeEventyay) -> None:
    fake.faults[SESSIONS] = Answer(502, b"<html><body><h1>502 Bad Gateway</h1></body></html>",
                                   "text/html")
    _, problems = fetched(fake)
    assert [p.file for p in problems.errors] == ["sessions"]
    assert problems.errors[0].message.endswith(
        f"the server answered HTTP 502 Bad Gateway ({API_ATTEMPTS} tries)")
    fake.faults[SESSIONS] = Answer(200, b"<html><body>maintenance</body></html>", "text/html")
    _, problems = fetched(fake)
    assert str(problems.errors[0]).endswith(
        "it sent a web page (HTML) where a JSON:API document was expected (use the event's API "
        "URL, such as https://api.eventyay.com/v1/events/b8324ae2, not a web page)")
