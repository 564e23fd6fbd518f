"""What counts as a SigV4-signed @connections request (API Gateway requires IAM auth there)."""

from __future__ import annotations

import pytest

from local_ws.signing import MISSING_TOKEN, header, signature_refusal

TARGET = "/local/%40connections/abc%3D"
BOTO3 = (
    "AWS4-HMAC-SHA256 Credential=testing/20240101/us-east-1/execute-api/aws4_request, "
    "SignedHeaders=host;x-amz-date, Signature=5d672d79c15b13162d9279b0855cfba6789a8edb4c82c400"
)
PRESIGNED = (
    TARGET + "?X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=testing%2F20240101%2Fus-east-1"
    "%2Fexecute-api%2Faws4_request&X-Amz-Date=20240101T000000Z&X-Amz-Expires=60"
    "&X-Amz-SignedHeaders=host&X-Amz-Signature=abcd"
)


def test_a_boto3_authorization_header_is_accepted() -> None:
    assert signature_refusal(BOTO3, TARGET) is None


def test_a_presigned_url_is_accepted() -> None:
    assert signature_refusal(None, PRESIGNED) is None


@pytest.mark.parametrize("authorization", [None, "", "   "])
def test_a_request_without_a_signature_is_missing_its_authentication_token(
    authorization: str | None,
) -> None:
    refusal = signature_refusal(authorization, TARGET)
    assert refusal is not None
    assert (refusal.status, refusal.code) == (403, "ForbiddenException")
    assert refusal.message.startswith(MISSING_TOKEN)
    assert "--allow-unsigned" in refusal.message


def test_another_authorization_scheme_is_refused_and_quoted() -> None:
    refusal = signature_refusal("Bearer eyJhbGciOi", TARGET)
    assert refusal is not None and refusal.code == "ForbiddenException"
    assert "'Bearer eyJhbGciOi'" in refusal.message


def test_a_sigv4_header_without_its_parts_names_the_missing_ones() -> None:
    refusal = signature_refusal("AWS4-HMAC-SHA256 Credential=testing/x", TARGET)
    assert refusal is not None
    assert "SignedHeaders, Signature" in refusal.message


def test_a_presigned_url_without_its_signature_is_refused() -> None:
    refusal = signature_refusal(None, PRESIGNED.replace("&X-Amz-Signature=abcd", ""))
    assert refusal is not None and "X-Amz-Signature" in refusal.message


def test_headers_are_looked_up_in_any_letter_case() -> None:
    assert header({"AUTHORIZATION": "x"}, "Authorization") == "x"
    assert header({}, "Authorization") is None
