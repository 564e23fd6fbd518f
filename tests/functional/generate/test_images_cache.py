"""The image cache across builds: revalidated, reused while fresh, never for a refused address."""

from __future__ import annotations

from pathlib import Path

import pytest

from build_runner.generate.fetch import Fetcher, Resolver
from build_runner.generate.image_cache import ImageCache
from build_runner.generate.image_encode import Encoded, encoding_key
from build_runner.generate.images import MAX_SIDE, Placed, place_images
from build_runner.generate.limits import Limits
from build_runner.generate.problems import Problems
from tests.functional.generate.image_server import ImageHost, png, serving, with_photos

LIMITS = Limits(allow_private_hosts=True)
LAST_MODIFIED = "Tue, 14 Nov 2023 22:13:20 GMT"


def loopback(name: str) -> list[str]:
    return ["127.0.0.1"]


def build(url: str, out: Path, cache_dir: Path, resolver: Resolver = loopback,
          limits: Limits = LIMITS) -> tuple[Placed, Problems]:
    """One build's images step with a new fetcher and a new cache object on ``cache_dir``."""
    problems = Problems()
    (out / "images").mkdir(parents=True, exist_ok=True)
    placed = place_images(with_photos([url]), None, out, Fetcher(limits, resolver=resolver),
                          limits, problems, cache=ImageCache(cache_dir))
    return placed, problems


def photo_bytes(placed: Placed, out: Path) -> bytes | None:
    photo = placed.model.speakers[0].photo
    return (out / photo).read_bytes() if photo else None


@pytest.mark.parametrize(("validators", "asked"), [
    ({"etag": '"v1"'}, ("If-None-Match", '"v1"')),
    ({"last_modified": LAST_MODIFIED}, ("If-Modified-Since", LAST_MODIFIED)),
])
def test_a_cached_image_is_revalidated_and_not_downloaded_again_when_the_host_answers_304(
    tmp_path: Path, validators: dict[str, str], asked: tuple[str, str],
) -> None:
    with serving(ImageHost(**validators)) as host:
        url = host.url("img.test", "/photo/ann.png")
        first, _ = build(url, tmp_path / "first", tmp_path / "cache")
        second, problems = build(url, tmp_path / "second", tmp_path / "cache")
    assert host.statuses == [200, 304]
    header, value = asked
    assert header not in host.requests[0][2]
    assert host.requests[1][2][header] == value
    assert photo_bytes(second, tmp_path / "second") == photo_bytes(first, tmp_path / "first")
    assert photo_bytes(second, tmp_path / "second") is not None and not problems.warnings


def test_an_answer_the_host_declared_fresh_is_reused_without_asking_again(
    tmp_path: Path,
) -> None:
    with serving(ImageHost(etag='"v1"', cache_control="max-age=600")) as host:
        url = host.url("img.test", "/photo/ann.png")
        build(url, tmp_path / "first", tmp_path / "cache")
        second, _ = build(url, tmp_path / "second", tmp_path / "cache")
    assert host.statuses == [200]
    assert photo_bytes(second, tmp_path / "second") is not None


@pytest.mark.parametrize("cache_control", ["max-age=600", None])
def test_a_cached_image_whose_address_is_refused_now_is_not_used_and_is_forgotten(
    tmp_path: Path, cache_control: str | None,
) -> None:
    with serving(ImageHost(etag='"v1"', cache_control=cache_control)) as host:
        url = host.url("img.test", "/photo/ann.png")
        build(url, tmp_path / "first", tmp_path / "cache")
        assert ImageCache(tmp_path / "cache").answer(url) is not None
        second, problems = build(url, tmp_path / "second", tmp_path / "cache",
                                 resolver=lambda name: ["169.254.169.254"])
    assert second.model.speakers[0].photo is None
    assert [w.message for w in problems.warnings] == [
        "cannot be downloaded: img.test is refused: the address 169.254.169.254 is a cloud "
        "metadata service; the speaker is shown without a photo"]
    assert ImageCache(tmp_path / "cache").answer(url) is None
    assert host.statuses == [200]


def test_private_addresses_refused_by_a_later_build_are_not_served_from_the_cache(
    tmp_path: Path,
) -> None:
    with serving(ImageHost(etag='"v1"')) as host:
        url = host.url("img.test", "/photo/ann.png")
        build(url, tmp_path / "first", tmp_path / "cache")
        second, problems = build(url, tmp_path / "second", tmp_path / "cache",
                                 limits=Limits(allow_private_hosts=False))
    assert second.model.speakers[0].photo is None
    assert "the address 127.0.0.1 is private" in problems.warnings[0].message
    assert host.statuses == [200]


def test_an_answer_that_is_not_an_image_is_never_stored(tmp_path: Path) -> None:
    with serving() as host:
        url = host.url("img.test", "/page/ann.png")
        for name in ("first", "second"):
            placed, problems = build(url, tmp_path / name, tmp_path / "cache")
            assert placed.model.speakers[0].photo is None
            assert "cannot be decoded as an image" in problems.warnings[0].message
    assert host.statuses == [200, 200]
    assert "If-None-Match" not in host.requests[1][2]
    assert ImageCache(tmp_path / "cache").answer(url) is None


@pytest.mark.parametrize("cache_control", ["no-store", "private"])
def test_an_answer_the_host_forbids_to_keep_is_downloaded_again(
    tmp_path: Path, cache_control: str,
) -> None:
    with serving(ImageHost(etag='"v1"', cache_control=cache_control)) as host:
        url = host.url("img.test", "/photo/ann.png")
        build(url, tmp_path / "first", tmp_path / "cache")
        build(url, tmp_path / "second", tmp_path / "cache")
    assert host.statuses == [200, 200]
    assert "If-None-Match" not in host.requests[1][2]


def test_a_changed_image_replaces_the_cached_one(tmp_path: Path) -> None:
    with serving(ImageHost(etag='"v1"')) as host:
        url = host.url("img.test", "/photo/ann.png")
        first, _ = build(url, tmp_path / "first", tmp_path / "cache")
        host.etag, host.body = '"v2"', png((10, 200, 10))
        second, _ = build(url, tmp_path / "second", tmp_path / "cache")
        third, _ = build(url, tmp_path / "third", tmp_path / "cache")
    assert host.statuses == [200, 200, 304]
    assert photo_bytes(second, tmp_path / "second") != photo_bytes(first, tmp_path / "first")
    assert photo_bytes(third, tmp_path / "third") == photo_bytes(second, tmp_path / "second")


def test_a_rebuild_takes_the_re_encoded_image_from_the_cache(tmp_path: Path) -> None:
    body = png()
    key = encoding_key(body, MAX_SIDE["speaker"], LIMITS.max_image_pixels, False)
    ImageCache(tmp_path / "cache").store_encoded(key, Encoded(b"stored jpeg", "jpg", 64, 64))
    with serving(ImageHost(body=body)) as host:
        placed, _ = build(host.url("img.test", "/photo/ann.png"), tmp_path / "out",
                          tmp_path / "cache")
    assert photo_bytes(placed, tmp_path / "out") == b"stored jpeg"
