"""Remote images download at the same time: within the bounds, the address rules and a cancel."""

from __future__ import annotations

import threading
from pathlib import Path

import pytest

from build_runner.errors import BuildCancelled
from build_runner.generate.fetch import Fetcher
from build_runner.generate.images import Placed, place_images
from build_runner.generate.limits import MAX_HOST_FAILURES, Limits
from build_runner.generate.normalize import Normalized
from build_runner.generate.problems import Problems
from tests.functional.generate.image_server import ImageHost, serving, with_photos

LOOPBACK = ["127.0.0.1"]


def place(normalized: Normalized, tmp_path: Path, fetcher: Fetcher,
          limits: Limits) -> tuple[Placed, Problems]:
    problems = Problems()
    (tmp_path / "assets" / "images").mkdir(parents=True, exist_ok=True)
    placed = place_images(normalized, None, tmp_path / "assets", fetcher, limits, problems)
    return placed, problems


def photos(placed: Placed) -> list[str | None]:
    return [speaker.photo for speaker in placed.model.speakers]


def test_downloads_to_one_host_reach_the_per_host_bound_and_never_pass_it(
    tmp_path: Path,
) -> None:
    limits = Limits(image_fetches=16, image_fetches_per_host=8)
    with serving(ImageHost(hold_host_at=8, hold_s=0.5)) as host:
        urls = [host.url("a.test", f"/photo/{n}.png") for n in range(20)]
        placed, problems = place(with_photos(urls), tmp_path,
                                 Fetcher(limits, resolver=lambda name: LOOPBACK), limits)
    assert host.peak == {"a.test": 8}  # the overall bound would have let 16 start
    assert len(host.requests) == 20
    assert None not in photos(placed) and not problems.warnings


def test_two_busy_hosts_fill_the_overall_bound_between_them(tmp_path: Path) -> None:
    limits = Limits(image_fetches=16, image_fetches_per_host=8)
    with serving(ImageHost(hold_total_at=16, hold_s=0.5)) as host:
        urls = [host.url(name, f"/photo/{n}.png") for name in ("a.test", "b.test")
                for n in range(12)]
        placed, problems = place(with_photos(urls), tmp_path,
                                 Fetcher(limits, resolver=lambda name: LOOPBACK), limits)
    assert host.peak == {"a.test": 8, "b.test": 8}
    assert host.peak_total == 16
    assert None not in photos(placed) and not problems.warnings


def test_downloads_to_many_hosts_reach_the_overall_bound_and_never_pass_it(
    tmp_path: Path,
) -> None:
    limits = Limits(image_fetches=5, image_fetches_per_host=8)
    with serving(ImageHost(hold_total_at=5, hold_s=0.5)) as host:
        urls = [host.url(f"h{n % 4}.test", f"/photo/{n}.png") for n in range(24)]
        placed, problems = place(with_photos(urls), tmp_path,
                                 Fetcher(limits, resolver=lambda name: LOOPBACK), limits)
    assert host.peak_total == 5
    assert len(host.requests) == 24
    assert None not in photos(placed) and not problems.warnings


def test_every_concurrent_download_keeps_to_the_address_rules(tmp_path: Path) -> None:
    def resolve(name: str) -> list[str]:
        return ["169.254.169.254"] if name.startswith(("meta", "169.")) else LOOPBACK

    limits = Limits(allow_private_hosts=True)
    with serving() as host:
        urls = [host.url("good.test", f"/photo/{n}.png") if n % 3 == 0 else
                host.url(f"meta{n}.test", "/photo/x.png") if n % 3 == 1 else
                host.url("good.test", f"/meta/{n}") for n in range(30)]
        placed, problems = place(with_photos(urls), tmp_path, Fetcher(limits, resolver=resolve),
                                 limits)
    assert [photo is not None for photo in photos(placed)] == [n % 3 == 0 for n in range(30)]
    assert set(host.hosts_asked()) == {"good.test"}  # nothing of meta*.test reached anything
    refused = {w.path: w.message for w in problems.warnings}
    assert len(refused) == 20
    assert refused["speakers[1].photo-url"] == (
        "cannot be downloaded: meta1.test is refused: the address 169.254.169.254 is a cloud "
        "metadata service; the speaker is shown without a photo")
    assert refused["speakers[2].photo-url"] == (
        "cannot be downloaded: 169.254.169.254 is refused: the address 169.254.169.254 is a "
        "cloud metadata service; the speaker is shown without a photo")


def test_hosts_that_rebind_to_an_inner_address_are_refused_on_every_concurrent_download(
    tmp_path: Path,
) -> None:
    asked: dict[str, int] = {}
    lock = threading.Lock()

    def rebinding(name: str) -> list[str]:
        """A public address when the URL is checked, loopback when the connection resolves."""
        with lock:
            asked[name] = asked.get(name, 0) + 1
            return ["93.184.216.34"] if asked[name] == 1 else LOOPBACK

    limits = Limits(allow_private_hosts=False)
    with serving() as host:
        urls = [host.url(f"rebind{n}.test", "/photo/p.png") for n in range(16)]
        placed, problems = place(with_photos(urls), tmp_path,
                                 Fetcher(limits, resolver=rebinding), limits)
    assert host.requests == []
    assert photos(placed) == [None] * 16
    assert sorted(w.message for w in problems.warnings) == sorted(
        f"cannot be downloaded: rebind{n}.test is refused: the address 127.0.0.1 is private; "
        "the speaker is shown without a photo" for n in range(16))


def test_a_host_that_keeps_failing_is_given_up_once_not_image_by_image(tmp_path: Path) -> None:
    limits = Limits(image_fetches=16, image_fetches_per_host=8)
    with serving(ImageHost(failing={"dead.test"})) as host:
        urls = [host.url("dead.test", f"/photo/{n}.png") for n in range(30)]
        urls += [host.url("alive.test", f"/photo/{n}.png") for n in range(5)]
        placed, problems = place(with_photos(urls), tmp_path,
                                 Fetcher(limits, resolver=lambda name: LOOPBACK), limits)
    tried = host.hosts_asked().count("dead.test")
    # The first downloads run together; once three have failed no other one is tried.
    assert MAX_HOST_FAILURES <= tried <= limits.image_fetches_per_host + MAX_HOST_FAILURES - 1
    assert photos(placed)[:30] == [None] * 30
    assert None not in photos(placed)[30:]
    messages = [w.message for w in problems.warnings]
    assert len(messages) == 30
    assert messages.count(f"cannot be downloaded: skipped: {MAX_HOST_FAILURES} earlier "
                          "downloads from dead.test failed; the speaker is shown without a "
                          "photo") == 30 - tried


def test_warnings_come_in_the_order_of_the_export_whatever_order_downloads_end(
    tmp_path: Path,
) -> None:
    limits = Limits()
    with serving() as host:
        urls = [host.url("slow.test", f"/chain/{n}/6") for n in range(6)]
        _, problems = place(with_photos(urls), tmp_path,
                            Fetcher(limits, resolver=lambda name: LOOPBACK), limits)
    assert [w.path for w in problems.warnings] == [f"speakers[{n}].photo-url" for n in range(6)]
    assert problems.warnings[0].message == (
        "cannot be downloaded: the server answered HTTP 404 Not Found; the speaker is shown "
        "without a photo")
    assert problems.warnings[0].value == urls[0]


def test_a_cancel_stops_every_download_in_flight_and_starts_no_other(tmp_path: Path) -> None:
    limits = Limits(image_fetches=4, image_fetches_per_host=4, fetch_timeout_s=60)
    cancelled = threading.Event()
    with serving(ImageHost(hold_s=60)) as host:
        urls = [host.url("hang.test", f"/photo/{n}.png") for n in range(40)]
        fetcher = Fetcher(limits, resolver=lambda name: LOOPBACK, cancelled=cancelled.is_set)
        threading.Thread(target=lambda: host.wait_for_in_flight(4) and cancelled.set(),
                         daemon=True).start()
        with pytest.raises(BuildCancelled):
            place(with_photos(urls), tmp_path, fetcher, limits)
        assert len(host.requests) == 4
    assert not [t for t in threading.enumerate() if t.name.startswith("image-")]
