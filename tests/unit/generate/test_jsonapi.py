"""JSON:API documents of an Open Event server, flattened and paged without a network.

The documents follow docs/api/blueprint/session/sessions.apib ("List Sessions under an Event")
and flask-rest-jsonapi's pagination (relative, URL-encoded ``links``, ``meta.count``).
"""

from __future__ import annotations

from typing import Any

import pytest

from build_runner.generate.jsonapi import (
    Collection,
    DocumentError,
    error_detail,
    flatten_jsonapi,
    looks_like_html,
    next_link,
)

BASE = "https://api.eventyay.com/v1/events/7/sessions?include=track&page%5Bsize%5D=2&sort=id"
LINKS_ONLY = {"links": {"self": "/v1/sessions/1/relationships/event",
                        "related": "/v1/sessions/1/event"}}


def session(ident: str, track: str | None = None) -> dict[str, Any]:
    relationships: dict[str, Any] = {"event": LINKS_ONLY}
    if track is not None:
        relationships["track"] = {**LINKS_ONLY, "data": {"type": "track", "id": track}}
    return {"type": "session", "id": ident, "attributes": {"title": f"S{ident}",
                                                          "state": "draft"},
            "relationships": relationships, "links": {"self": f"/v1/sessions/{ident}"}}


def page(*items: dict[str, Any], count: int, number: int | None = None,
         included: list[dict[str, Any]] | None = None) -> dict[str, Any]:
    links = {"self": "/v1/events/7/sessions?include=track&page%5Bsize%5D=2&sort=id"}
    if number is not None:
        links["next"] = ("/v1/events/7/sessions?include=track&page%5Bsize%5D=2&sort=id"
                         f"&page%5Bnumber%5D={number}")
    document: dict[str, Any] = {"meta": {"count": count}, "data": list(items), "links": links,
                                "jsonapi": {"version": "1.0"}}
    if included is not None:
        document["included"] = included
    return document


def test_flattens_json_api_collections_with_relationships_and_includes() -> None:
    document = {
        "data": [{"id": "1", "type": "session", "attributes": {"title": "T", "starts-at": "x"},
                  "relationships": {
                      "track": {"data": {"type": "track", "id": "3"}},
                      "microlocation": {"data": None},
                      "speakers": {"data": [{"type": "speaker", "id": "9"},
                                            {"type": "speaker", "id": "10"}]},
                      "session-type": {"links": {"related": "/x"}}}}],
        "included": [{"id": "9", "type": "speaker", "attributes": {"name": "Ida"}}],
    }
    assert flatten_jsonapi(document) == [{
        "title": "T", "starts-at": "x", "id": "1", "track": {"id": "3"}, "microlocation": None,
        "speakers": [{"name": "Ida", "id": "9"}, {"id": "10"}]}]


def test_flattens_a_single_json_api_resource_to_one_object() -> None:
    assert flatten_jsonapi({"data": {"id": "7", "type": "event",
                                     "attributes": {"name": "Camp"}}}) == {"name": "Camp",
                                                                           "id": "7"}


def test_a_sponsors_type_attribute_is_kept_while_the_resource_type_is_dropped() -> None:
    # docs/api/blueprint/sponsors.apib: "type": "Gold" is an attribute of a "sponsor".
    document = {"data": [{"type": "sponsor", "id": "1", "attributes": {"type": "Gold"}}]}
    assert flatten_jsonapi(document) == [{"type": "Gold", "id": "1"}]


def test_reads_every_page_by_its_relative_next_link() -> None:
    pages = Collection(BASE, "sessions", cap=100)
    pages.add(page(session("1", "3"), session("2", "3"), count=3, number=2,
                   included=[{"type": "track", "id": "3", "attributes": {"name": "Main"}}]))
    assert pages.next_url == ("https://api.eventyay.com/v1/events/7/sessions?include=track"
                              "&page%5Bsize%5D=2&sort=id&page%5Bnumber%5D=2")
    pages.add(page(session("3"), count=3))
    assert pages.next_url is None
    pages.check_complete()
    assert pages.items == [
        {"title": "S1", "state": "draft", "id": "1", "track": {"name": "Main", "id": "3"}},
        {"title": "S2", "state": "draft", "id": "2", "track": {"name": "Main", "id": "3"}},
        {"title": "S3", "state": "draft", "id": "3"}]


def test_an_item_seen_on_an_earlier_page_is_kept_once() -> None:
    pages = Collection(BASE, "sessions", cap=100)
    pages.add(page(session("1"), session("2"), count=3, number=2))
    pages.add(page(session("2"), session("3"), count=3))
    assert [s["id"] for s in pages.items] == ["1", "2", "3"]


def test_a_collection_listed_larger_than_the_cap_fails_on_its_first_page() -> None:
    pages = Collection(BASE, "sessions", cap=10)
    with pytest.raises(DocumentError) as caught:
        pages.add(page(session("1"), session("2"), count=10_001, number=2))
    assert str(caught.value) == ("the event has 10001 sessions, more than the 10 an app is "
                                 "built with; the app would be incomplete, so it is not built")


def test_more_items_than_the_cap_fail_even_when_the_server_does_not_count_them() -> None:
    pages = Collection(BASE, "sessions", cap=3)
    first = page(session("1"), session("2"), count=0, number=2)
    del first["meta"]
    pages.add(first)
    second = page(session("3"), session("4"), count=0)
    del second["meta"]
    with pytest.raises(DocumentError, match="the event has 4 sessions, more than the 3"):
        pages.add(second)


def test_fewer_items_than_the_server_listed_is_an_error_not_a_partial_app() -> None:
    pages = Collection(BASE, "sessions", cap=100)
    pages.add(page(session("1"), session("2"), count=5))
    with pytest.raises(DocumentError) as caught:
        pages.check_complete()
    assert str(caught.value).startswith("the server lists 5 sessions but its 1 page held 2")


def test_pages_that_lead_back_to_a_page_already_read_are_an_error() -> None:
    pages = Collection(BASE, "sessions", cap=100)
    looping = page(session("1"), count=9)
    looping["links"]["next"] = looping["links"]["self"]
    with pytest.raises(DocumentError) as caught:
        pages.add(looping)
    assert str(caught.value) == (
        "the pages of sessions lead back to https://api.eventyay.com/v1/events/7/sessions?include"
        "=track&page%5Bsize%5D=2&sort=id, a page already read")


def test_an_empty_page_that_names_a_next_one_is_an_error() -> None:
    pages = Collection(BASE, "sessions", cap=100)
    with pytest.raises(DocumentError, match="holds no sessions yet links to a next one"):
        pages.add(page(count=9, number=2))


@pytest.mark.parametrize("document", [[{"id": 1}], {"errors": []}, {"data": {"id": "1"}}])
def test_a_page_that_is_not_a_json_api_collection_is_an_error(document: Any) -> None:
    with pytest.raises(DocumentError, match="not a JSON:API collection"):
        Collection(BASE, "sessions", cap=100).add(document)


def test_the_last_page_has_no_next_link() -> None:
    assert next_link({"links": {"self": "/v1/events/7/sessions"}}) is None
    assert next_link({"links": {"next": "/v1/x?page%5Bnumber%5D=2"}}) == "/v1/x?page%5Bnumber%5D=2"


@pytest.mark.parametrize(("body", "detail"), [
    # flask_rest_jsonapi.errors.jsonapi_errors around app/api/helpers/db.py's ObjectNotFound
    (b'{"errors": [{"status": 404, "source": {"parameter": "id"}, "title": "Object not found",'
     b' "detail": "Event: 8 not found"}], "jsonapi": {"version": "1.0"}}', "Event: 8 not found"),
    (b'{"errors": [{"status": "403", "title": "Access Forbidden"}]}', "Access Forbidden"),
    (b'{"errors": [{"detail": "a"}, {"detail": "b"}, {"detail": "a"}]}', "a; b"),
    # app/instance.py's rate limiter
    (b'{"status": 429, "title": "Request Limit Exceeded"}', "Request Limit Exceeded"),
    (b"<html>502 Bad Gateway</html>", ""),
    (b"", ""),
])
def test_reads_the_servers_own_words_from_an_error_document(body: bytes, detail: str) -> None:
    assert error_detail(body) == detail


@pytest.mark.parametrize(("body", "content_type", "html"), [
    (b"<!DOCTYPE html><html></html>", "text/html", True),
    (b"\n  <html>", "application/json", True),
    (b'{"data": []}', "text/html", True),
    (b'{"data": []}', "application/vnd.api+json", False),
])
def test_tells_a_web_page_from_json(body: bytes, content_type: str, html: bool) -> None:
    assert looks_like_html(body, content_type) is html
