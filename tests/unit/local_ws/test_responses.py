"""The management API's HTTP answers: AWS's paths, error answers and refusals of bodies."""

from __future__ import annotations

import asyncio
import json

import pytest

from local_ws.errors import ForbiddenException, GoneException
from local_ws.models import ConnectionRegistry
from local_ws.responses import (
    HttpRequest,
    HttpResponse,
    ManagementAPI,
    body_refusal,
    connection_id_of,
    error_response,
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


def test_a_body_within_the_limit_is_read() -> None:
    assert body_refusal(None, chunked=False, max_body_bytes=10) is None
    assert body_refusal(10, chunked=False, max_body_bytes=10) is None


def test_a_body_over_the_limit_is_refused_with_413_and_the_limit() -> None:
    refusal = body_refusal(11, chunked=False, max_body_bytes=10)
    assert refusal is not None and refusal.status == 413
    assert refusal.headers == {"Content-Type": "application/json"}
    assert "11 bytes" in json.loads(refusal.body)["message"]
    assert "limit of 10 bytes" in json.loads(refusal.body)["message"]


def test_a_chunked_body_is_refused_with_501_and_a_hint() -> None:
    refusal = body_refusal(None, chunked=True, max_body_bytes=10)
    assert refusal is not None and refusal.status == 501
    assert "send Content-Length" in json.loads(refusal.body)["message"]


def answer(method: str, target: str) -> HttpResponse:
    api = ManagementAPI(ConnectionRegistry(clock=lambda: 0.0), "local")
    return asyncio.run(api.handle(HttpRequest(method, target)))


def test_an_unknown_connection_is_gone_for_every_method() -> None:
    for method in ("POST", "GET", "DELETE"):
        response = answer(method, "/local/%40connections/abc")
        assert (response.status, response.headers["x-amzn-ErrorType"]) == (410, "GoneException")


def test_other_methods_are_forbidden_and_name_the_served_ones() -> None:
    response = answer("PATCH", "/local/%40connections/abc")
    assert (response.status, response.headers["x-amzn-ErrorType"]) == (403, "ForbiddenException")
    assert "POST, GET or DELETE" in json.loads(response.body)["message"]
