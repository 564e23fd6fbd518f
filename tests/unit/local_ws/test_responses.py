"""The management API's HTTP layer: strict parsing, AWS's paths and error answers."""

from __future__ import annotations

import json

import pytest

from local_ws.errors import ForbiddenException, GoneException
from local_ws.responses import (
    HttpProtocolError,
    HttpRequest,
    connection_id_of,
    content_length,
    error_response,
    parse_head,
    serialize,
)


def test_connection_id_is_unquoted_after_splitting_the_path() -> None:
    target = "/local/%40connections/a%2Bb%2Fc%3D"
    assert connection_id_of(target, "local") == "a+b/c="


def test_unencoded_at_sign_is_accepted_too() -> None:
    assert connection_id_of("/local/@connections/L0SM9cOFvHcCIhw=", "local") == "L0SM9cOFvHcCIhw="


def test_wrong_stage_is_forbidden_and_names_the_right_one() -> None:
    with pytest.raises(ForbiddenException, match="'local'"):
        connection_id_of("/prod/%40connections/abc", "local")


@pytest.mark.parametrize(
    "target", ["/", "/local/@connections/", "/local/@connections", "/local/x/abc", "/a/b/c/d"]
)
def test_other_paths_are_forbidden_with_the_served_path(target: str) -> None:
    with pytest.raises(ForbiddenException, match="@connections"):
        connection_id_of(target, "local")


def test_error_response_is_what_botocore_parses() -> None:
    response = error_response(GoneException("gone!"))
    assert response.status == 410
    assert response.headers["x-amzn-ErrorType"] == "GoneException"
    assert json.loads(response.body) == {"message": "gone!"}


def test_parse_head_reads_request_line_and_lowercases_headers() -> None:
    head = b"POST /local/%40connections/x HTTP/1.1\r\nHost: h\r\nContent-Length: 3"
    assert parse_head(head) == (
        "POST",
        "/local/%40connections/x",
        "HTTP/1.1",
        {"host": "h", "content-length": "3"},
    )


@pytest.mark.parametrize("head", [b"GARBAGE", b"GET / SPDY/3", b"GET / HTTP/1.1\r\nno colon here"])
def test_malformed_heads_are_refused_with_400(head: bytes) -> None:
    with pytest.raises(HttpProtocolError) as caught:
        parse_head(head)
    assert caught.value.status == 400


def test_content_length_limits_and_refuses_chunked() -> None:
    assert content_length({}, 10) == 0
    assert content_length({"content-length": "10"}, 10) == 10
    with pytest.raises(HttpProtocolError) as too_big:
        content_length({"content-length": "11"}, 10)
    assert too_big.value.status == 413
    with pytest.raises(HttpProtocolError) as chunked:
        content_length({"transfer-encoding": "chunked"}, 10)
    assert chunked.value.status == 501
    with pytest.raises(HttpProtocolError, match="whole number"):
        content_length({"content-length": "-1"}, 10)


def test_keep_alive_follows_http_versions() -> None:
    assert HttpRequest("GET", "/", "HTTP/1.1", {}).keep_alive
    assert not HttpRequest("GET", "/", "HTTP/1.1", {"connection": "close"}).keep_alive
    assert not HttpRequest("GET", "/", "HTTP/1.0", {}).keep_alive
    assert HttpRequest("GET", "/", "HTTP/1.0", {"connection": "keep-alive"}).keep_alive


def test_serialize_sets_length_and_connection() -> None:
    data = serialize(error_response(ForbiddenException("no")), keep_alive=True)
    head, _, body = data.partition(b"\r\n\r\n")
    assert head.startswith(b"HTTP/1.1 403 Forbidden\r\n")
    assert b"Content-Length: %d" % len(body) in head
    assert b"Connection: keep-alive" in head
    assert b"x-amzn-ErrorType: ForbiddenException" in head
