"""Job bodies: a good one names the build; a malformed one is reported with the reason."""

from __future__ import annotations

import pytest

from chalicelib.jobs import job_body, parse_body


def test_a_job_body_round_trips() -> None:
    assert parse_body(job_body("abc")) == ("abc", None)


@pytest.mark.parametrize(
    ("body", "why"),
    [
        ("junk", "message body is not JSON"),
        ("[]", 'message body must be {"build_id": "<id>"}'),
        ('{"build_id": ""}', 'message body must be {"build_id": "<id>"}'),
        ('{"build": "abc"}', 'message body must be {"build_id": "<id>"}'),
    ],
)
def test_a_malformed_body_is_reported_with_the_reason(body: str, why: str) -> None:
    build_id, error = parse_body(body)
    assert build_id == ""
    assert error is not None and why in error and body[:20] in error
