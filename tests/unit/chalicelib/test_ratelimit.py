"""A connection's resumes are counted by a token bucket: a burst, then a steady rate."""

from __future__ import annotations

import pytest

from chalicelib.ratelimit import RESUME_BUDGET, Taken, TokenBucket, wait_text


def test_a_new_bucket_is_full() -> None:
    assert TokenBucket(capacity=3, per_s=1).take(None, None, 100.0) == Taken(True, 2.0, 0.0)


def test_refuses_once_empty_saying_how_long_until_the_next_token() -> None:
    bucket = TokenBucket(capacity=3, per_s=0.5)
    assert bucket.take(0.25, 100.0, 100.0) == Taken(False, 0.25, 1.5)


def test_refills_with_time_up_to_its_capacity() -> None:
    bucket = TokenBucket(capacity=3, per_s=0.5)
    assert bucket.take(0.0, 100.0, 102.0) == Taken(True, 0.0, 0.0)
    assert bucket.take(0.0, 100.0, 10_000.0) == Taken(True, 2.0, 0.0)


def test_a_clock_that_went_back_refills_nothing() -> None:
    assert TokenBucket(capacity=3, per_s=1).take(0.5, 100.0, 50.0) == Taken(False, 0.5, 0.5)


def test_allows_the_burst_then_one_per_period() -> None:
    bucket, tokens, at, allowed = RESUME_BUDGET, None, None, []
    for tick in range(60):  # one resume every 0.1 s for 6 s
        now = 1000.0 + tick / 10
        taken = bucket.take(tokens, at, now)
        allowed.append(taken.allowed)
        if taken.allowed:
            tokens, at = taken.tokens, now
    assert sum(allowed) == 10 + 2  # the burst, then one every 2 s (at 2.0 s and 4.0 s)
    assert all(allowed[:10]) and not any(allowed[10:20])


@pytest.mark.parametrize(("capacity", "per_s"), [(0, 1.0), (1, 0.0), (1, -1.0)])
def test_refuses_a_bucket_that_could_never_allow_anything(capacity: float, per_s: float) -> None:
    with pytest.raises(ValueError, match="capacity of at least 1"):
        TokenBucket(capacity=capacity, per_s=per_s)


def test_says_the_limit_and_the_wait_in_words() -> None:
    assert RESUME_BUDGET.describe() == "at most 10 at once, then one every 2 s"
    assert (wait_text(1.5), wait_text(0.01), wait_text(2.0)) == ("1.5 s", "0.1 s", "2 s")
