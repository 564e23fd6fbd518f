"""What a failed post means, and the backoff schedule (pure)."""

from __future__ import annotations

import pytest

from apkgen_core.fanout.delivery import (
    Outcome,
    RetryPolicy,
    classify,
    deliverable,
    posts_to_wait_for,
)


def test_drops_connection_that_aws_reports_gone() -> None:
    assert classify("GoneException", 410) is Outcome.GONE
    assert classify(None, 410) is Outcome.GONE


@pytest.mark.parametrize(
    ("code", "status"),
    [
        ("TooManyRequestsException", 429),
        ("LimitExceededException", 429),
        ("ThrottlingException", 400),
        ("InternalServerError", 500),
        ("ServiceUnavailable", 503),
        (None, 502),
        (None, None),
    ],
)
def test_retries_throttling_server_errors_and_lost_connections(
    code: str | None, status: int | None
) -> None:
    assert classify(code, status) is Outcome.RETRY


@pytest.mark.parametrize(
    ("code", "status"),
    [("PayloadTooLargeException", 413), ("ForbiddenException", 403), ("BadRequestException", 400)],
)
def test_skips_the_message_on_other_errors(code: str, status: int) -> None:
    assert classify(code, status) is Outcome.SKIP


def test_backoff_doubles_up_to_the_cap() -> None:
    policy = RetryPolicy(max_attempts=6, base_s=0.1, cap_s=0.5)
    assert policy.ceilings() == pytest.approx([0.1, 0.2, 0.4, 0.5, 0.5])


def test_backoff_is_bounded_by_the_number_of_attempts() -> None:
    assert RetryPolicy(max_attempts=1).ceilings() == []
    assert len(list(RetryPolicy(max_attempts=4).delays())) == 3


def test_backoff_applies_full_jitter_below_each_ceiling() -> None:
    policy = RetryPolicy(max_attempts=4, base_s=1.0, cap_s=10.0)
    assert list(policy.delays(lambda: 0.5)) == [0.5, 1.0, 2.0]
    assert list(policy.delays(lambda: 0.0)) == [0.0, 0.0, 0.0]
    assert all(0 <= d <= c for d, c in zip(policy.delays(), policy.ceilings(), strict=True))


def test_refuses_a_policy_without_a_first_try_or_with_negative_times() -> None:
    with pytest.raises(ValueError, match="at least 1"):
        RetryPolicy(max_attempts=0)
    with pytest.raises(ValueError, match="negative"):
        RetryPolicy(base_s=-1)


def test_keeps_gone_connections_out_of_a_stale_listing() -> None:
    assert deliverable(["a", "b", "c"], {"b"}) == ["a", "c"]


def test_posts_once_to_a_connection_listed_twice() -> None:
    assert deliverable(["a", "b", "a"], set()) == ["a", "b"]


def test_a_flush_waits_for_posts_younger_than_the_stall_time_and_says_when_to_look_again() -> None:
    assert posts_to_wait_for([10.0, 9.8, 9.0], now=10.1, stall_after_s=0.5) == (2, 10.3)


def test_a_flush_waits_for_no_post_older_than_the_stall_time() -> None:
    assert posts_to_wait_for([8.0, 9.5], now=10.0, stall_after_s=0.5) == (0, None)
    assert posts_to_wait_for([], now=10.0, stall_after_s=0.5) == (0, None)
