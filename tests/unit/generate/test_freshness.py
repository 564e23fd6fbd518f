"""When a stored image answer is reused as it is, asked about again, or not stored at all."""

from __future__ import annotations

import pytest

from build_runner.generate.freshness import (
    Validators,
    after_not_modified,
    conditional_headers,
    from_answer,
    lifetime,
)

NOW = 1_700_000_000.0
DAY = 86_400.0


def test_an_answer_with_an_etag_and_no_expiry_is_stored_but_asked_about_on_every_use() -> None:
    found = from_answer([("ETag", '"v1"'), ("Content-Type", "image/png")], NOW, DAY)
    assert found == Validators('"v1"', None, NOW)
    assert found.worth_storing(NOW) and not found.fresh(NOW)


def test_max_age_makes_an_answer_fresh_for_that_long_but_never_beyond_the_cap() -> None:
    assert from_answer([("Cache-Control", "public, max-age=600")], NOW, DAY) == Validators(
        None, None, NOW + 600)
    assert from_answer([("cache-control", "max-age=31536000")], NOW, DAY) == Validators(
        None, None, NOW + DAY)


def test_s_maxage_wins_over_max_age_in_a_shared_cache() -> None:
    assert lifetime([("Cache-Control", "max-age=600, s-maxage=60")]) == 60


def test_expires_counts_from_the_hosts_own_date_so_clock_skew_does_not_matter() -> None:
    headers = [("Date", "Tue, 14 Nov 2023 22:13:20 GMT"),
               ("Expires", "Tue, 14 Nov 2023 23:13:20 GMT")]
    assert lifetime(headers) == 3600


@pytest.mark.parametrize("headers", [
    [("Expires", "0")],
    [("Expires", "Tue, 14 Nov 2023 23:13:20 GMT")],  # without a Date to count from
    [("Cache-Control", "no-cache, max-age=600")],
    [("Cache-Control", "max-age=soon")],
])
def test_invalid_or_missing_expiry_means_asking_again(headers: list[tuple[str, str]]) -> None:
    assert lifetime(headers) == 0


@pytest.mark.parametrize("control", ["no-store", "private, max-age=600", "No-Store"])
def test_an_answer_the_host_forbids_a_shared_cache_to_keep_is_not_stored(control: str) -> None:
    assert from_answer([("Cache-Control", control), ("ETag", '"v1"')], NOW, DAY) is None


def test_an_answer_without_validators_or_freshness_is_not_worth_storing() -> None:
    found = from_answer([("Content-Type", "image/png")], NOW, DAY)
    assert found is not None and not found.worth_storing(NOW)


def test_asking_again_sends_the_validators_exactly_as_the_host_sent_them() -> None:
    stored = Validators('W/"abc"', "Tue, 14 Nov 2023 22:13:20 GMT")
    assert conditional_headers(stored) == {"If-None-Match": 'W/"abc"',
                                           "If-Modified-Since": "Tue, 14 Nov 2023 22:13:20 GMT"}
    assert conditional_headers(Validators()) == {}


def test_a_304_keeps_the_old_validators_unless_it_brings_new_ones_and_renews_freshness() -> None:
    stored = Validators('"v1"', "Tue, 14 Nov 2023 22:13:20 GMT", NOW - 10)
    assert after_not_modified(stored, [("Cache-Control", "max-age=60")], NOW, DAY) == Validators(
        '"v1"', "Tue, 14 Nov 2023 22:13:20 GMT", NOW + 60)
    assert after_not_modified(stored, [("ETag", '"v2"')], NOW, DAY) == Validators(
        '"v2"', "Tue, 14 Nov 2023 22:13:20 GMT", NOW)
    assert after_not_modified(stored, [("Cache-Control", "no-store")], NOW, DAY) is None
