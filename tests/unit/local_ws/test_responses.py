"""The management API's HTTP answers: AWS's paths, error answers and refusals of bodies."""

from __future__ import annotations

import asyncio
import json

import pytest

from local_ws.errors import ForbiddenException, GoneException
from local_ws.events import ConnectionInfo
from local_ws.models import ConnectionRegistry, Frames
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


SIGNED = {
    "Authorization": "AWS4-HMAC-SHA256 Credential=testing/20240101/us-east-1/execute-api/"
    "aws4_request, SignedHeaders=host;x-amz-date, Signature=0123abcd"
}


def answer(
    method: str, target: str, headers: dict[str, str] | None = None, **options: bool
) -> HttpResponse:
    api = ManagementAPI(ConnectionRegistry(clock=lambda: 0.0), "local", **options)
    request = HttpRequest(method, target, headers=SIGNED if headers is None else headers)
    return asyncio.run(api.handle(request))


def test_an_unknown_connection_is_gone_for_every_method() -> None:
    for method in ("POST", "GET", "DELETE"):
        response = answer(method, "/local/%40connections/abc")
        assert (response.status, response.headers["x-amzn-ErrorType"]) == (410, "GoneException")


def test_other_methods_are_forbidden_and_name_the_served_ones() -> None:
    response = answer("PATCH", "/local/%40connections/abc")
    assert (response.status, response.headers["x-amzn-ErrorType"]) == (403, "ForbiddenException")
    assert "POST, GET or DELETE" in json.loads(response.body)["message"]


def test_an_unsigned_request_is_forbidden_before_its_path_is_looked_at() -> None:
    for target in ("/local/%40connections/abc", "/nowhere"):
        response = answer("POST", target, headers={})
        assert (response.status, response.headers["x-amzn-ErrorType"]) == (
            403,
            "ForbiddenException",
        )
        assert json.loads(response.body)["message"].startswith("Missing Authentication Token")


def test_the_authorization_header_is_found_in_any_letter_case() -> None:
    lower = {"authorization": SIGNED["Authorization"]}
    assert answer("GET", "/local/%40connections/abc", headers=lower).status == 410


def test_an_api_built_to_allow_unsigned_requests_answers_them() -> None:
    response = answer("GET", "/local/%40connections/abc", headers={}, require_signature=False)
    assert response.status == 410


class RecordingSocket:
    def __init__(self) -> None:
        self.sent: list[object] = []

    async def send(self, data: str | bytes | Frames) -> None:
        self.sent.append(data)

    async def close(self, code: int = 1000, reason: str = "") -> None:
        raise AssertionError("not closed here")


def test_a_message_posted_to_the_client_restarts_its_idle_timer() -> None:
    now = [100.0]
    registry = ConnectionRegistry(clock=lambda: now[0], idle_timeout_s=10)
    socket = RecordingSocket()
    registry.add(ConnectionInfo("c1", 100_000, "10.0.0.1", None), socket)
    now[0] = 108.0
    response = asyncio.run(
        ManagementAPI(registry, "local").handle(
            HttpRequest("POST", "/local/%40connections/c1", b"keep-alive", SIGNED)
        )
    )
    assert response.status == 200 and socket.sent == ["keep-alive"]
    now[0] = 115.0  # 15 s after connecting, 7 s after the post
    assert registry.expired() == []
    assert registry.info("c1")["lastActiveAt"] == "1970-01-01T00:01:48.000Z"
