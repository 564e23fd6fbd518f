"""The images step's work, done concurrently: downloads, then re-encodings, each as it can start.

:func:`produce` takes the images to make (:class:`Job`: a reference, a size, PNG or not) and
gives back, for each, the :class:`~build_runner.generate.image_encode.Encoded` image or the
:class:`~build_runner.generate.image_encode.ImageRejected` saying why not. Downloads run on
threads, at most ``Limits.image_fetches`` at once and ``Limits.image_fetches_per_host`` to one
host (:class:`~build_runner.generate.host_slots.HostSlots` decides which start), all within the
one images budget (``Limits.images_budget_s``), each within its own timeouts (the fetcher's).
As each download ends its images are re-encoded on another pool of threads, one per core (Pillow
releases the GIL). A host that fails :data:`~build_runner.generate.limits.MAX_HOST_FAILURES`
times is given up by the fetcher: its other images fail at once. A cancelled build raises
:class:`BuildCancelled` within a quarter second: the fetches poll the build's cancel check, and
so does the loop waiting for them.

With an :class:`~build_runner.generate.image_cache.ImageCache`, :class:`RemoteImages` reuses a
host's earlier answer while it is fresh and otherwise asks with If-None-Match /
If-Modified-Since (a 304 reuses the stored bytes); the fetcher's address checks (SSRF) run on
every request, and on every reuse without one, and an address refused now forgets its entry.
Only answers that decoded as images are stored. Re-encodings are stored by content too, so a
rebuild re-encodes nothing it already did.
"""

from __future__ import annotations

import functools
import math
import os
import time
import urllib.parse
from collections.abc import Callable, Sequence
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from build_runner.generate.deadline import POLL_S
from build_runner.generate.fetch import Fetcher, FetchError
from build_runner.generate.freshness import (
    Validators,
    after_not_modified,
    conditional_headers,
    from_answer,
)
from build_runner.generate.host_slots import HostSlots
from build_runner.generate.image_cache import ANSWER, ImageCache
from build_runner.generate.image_encode import Encoded, ImageRejected, encode_image, encoding_key
from build_runner.generate.limits import IMAGE_CACHE_MAX_FRESH_S, MAX_IMAGE_ENCODERS, Limits

Result = Encoded | ImageRejected
# Where an image's bytes are: an http(s) URL, or a file of the upload (already checked).
Where = str | Path


@dataclass(frozen=True)
class Job:
    """One image to make: the bytes behind ``ref``, shrunk to ``max_side``, PNG if ``png``."""

    ref: str
    max_side: int
    png: bool = False


@dataclass(frozen=True)
class Fetched:
    """A remote image's bytes, and the validators to store them with once they decode (None:
    not to be stored, or stored already)."""

    data: bytes
    store: Validators | None = None


def encoder_count(limits: Limits) -> int:
    """How many images are re-encoded at once: ``limits.image_encoders``, or one per core."""
    return limits.image_encoders or min(os.cpu_count() or 1, MAX_IMAGE_ENCODERS)


class RemoteImages:
    """Remote images' bytes through ``fetcher`` (and ``cache``, when there is one). Thread-safe.

    The images budget starts when this is made: every download of the build shares it.
    """

    def __init__(self, fetcher: Fetcher, limits: Limits, cache: ImageCache | None = None, *,
                 clock: Callable[[], float] = time.time,
                 max_fresh_s: float = IMAGE_CACHE_MAX_FRESH_S) -> None:
        self._fetcher = fetcher
        self._cap = limits.max_image_bytes
        self.cache = cache
        self._clock = clock
        self._max_fresh_s = max_fresh_s
        self.budget = fetcher.deadline(limits.images_budget_s, "the remote images took longer "
                                       f"than {limits.images_budget_s:g}s together")
        # No time limit: only the build's cancel check, for the loop waiting on the work.
        self.watch = fetcher.deadline(math.inf, "")

    def read(self, url: str) -> Fetched:
        """The bytes of ``url``; ImageRejected saying why not, BuildCancelled on a cancel."""
        stored = self.cache.answer(url) if self.cache else None
        now = self._clock()
        try:
            if stored is not None and stored.validators.fresh(now):
                self._fetcher.check_url(url)  # no request, but never an address refused now
                return Fetched(stored.data)
            asked = conditional_headers(stored.validators) if stored else {}
            download = self._fetcher.fetch(url, self._cap, "image/*", deadline=self.budget,
                                           headers=asked)
        except FetchError as exc:
            if exc.refused and self.cache:
                self.cache.discard(ANSWER, url)
            raise ImageRejected(f"cannot be downloaded: {exc}") from exc
        if not download.not_modified:
            validators = from_answer(download.headers, now, self._max_fresh_s)
            keep = validators is not None and validators.worth_storing(now)
            if stored is not None and not keep and self.cache:
                self.cache.discard(ANSWER, url)
            return Fetched(download.data, validators if keep else None)
        if stored is None or self.cache is None:
            raise ImageRejected("cannot be downloaded: the server answered 304 Not Modified to "
                                "a request that was not conditional")
        renewed = after_not_modified(stored.validators, download.headers, now,
                                     self._max_fresh_s)
        if renewed is None:
            self.cache.discard(ANSWER, url)
        elif renewed != stored.validators and (renewed.fresh(now) or (
                renewed.etag, renewed.last_modified) != (stored.validators.etag,
                                                         stored.validators.last_modified)):
            self.cache.store_answer(url, stored.data, renewed)
        return Fetched(stored.data)

    def keep(self, url: str, fetched: Fetched) -> None:
        """Store an answer that decoded as an image (when it is to be stored)."""
        if self.cache is not None and fetched.store is not None:
            self.cache.store_answer(url, fetched.data, fetched.store)


def encode(job: Job, read: Callable[[], bytes], max_pixels: int,
           cache: ImageCache | None) -> Result:
    """``job``'s image from the bytes ``read()`` gives (a stored encoding when there is one)."""
    try:
        data = read()
        key = encoding_key(data, job.max_side, max_pixels, job.png)
        if cache is not None and (hit := cache.encoded(key)) is not None:
            return hit
        encoded = encode_image(data, job.max_side, max_pixels, png=job.png)
    except ImageRejected as exc:
        return exc
    if cache is not None:
        cache.store_encoded(key, encoded)
    return encoded


def _given(data: bytes) -> bytes:
    return data


def _host(url: str) -> str:
    try:
        return urllib.parse.urlsplit(url).hostname or ""
    except ValueError:
        return ""


def produce(jobs: Sequence[Job], locate: Callable[[str], Where],
            read_file: Callable[[Path], bytes], remote: RemoteImages,
            limits: Limits) -> dict[Job, Result]:
    """Every job's image, or why not. ``locate(ref)`` says where a reference's bytes are (or
    raises ImageRejected), ``read_file(path)`` reads a file of the upload (or raises it).

    Raises BuildCancelled when the build is cancelled; the work in flight then stops within a
    quarter second and nothing else starts.
    """
    results: dict[Job, Result] = {}
    by_ref: dict[str, list[Job]] = {}
    for job in jobs:
        by_ref.setdefault(job.ref, []).append(job)
    slots: HostSlots[str] = HostSlots(limits.image_fetches, limits.image_fetches_per_host)
    by_url: dict[str, list[Job]] = {}
    fetch_pool = ThreadPoolExecutor(limits.image_fetches, thread_name_prefix="image-fetch")
    encode_pool = ThreadPoolExecutor(encoder_count(limits), thread_name_prefix="image-encode")
    fetching: dict[Future[Fetched], str] = {}
    encoding: dict[Future[Result], tuple[Job, str | None]] = {}
    fetched_of: dict[str, Fetched] = {}
    max_pixels, cache = limits.max_image_pixels, remote.cache

    def start_encoding(job: Job, read: Callable[[], bytes], url: str | None) -> None:
        encoding[encode_pool.submit(encode, job, read, max_pixels, cache)] = (job, url)

    try:
        for ref, its_jobs in by_ref.items():
            try:
                where = locate(ref)
            except ImageRejected as exc:
                results.update((job, exc) for job in its_jobs)
                continue
            if isinstance(where, Path):
                for job in its_jobs:
                    start_encoding(job, functools.partial(read_file, where), None)
                continue
            if where not in by_url:
                slots.add(where, _host(where))
            by_url.setdefault(where, []).extend(its_jobs)
        while True:
            for url in slots.start():
                fetching[fetch_pool.submit(remote.read, url)] = url
            if not fetching and not encoding:
                break
            in_flight: list[Future[Any]] = [*fetching, *encoding]
            wait(in_flight, timeout=POLL_S, return_when=FIRST_COMPLETED)
            remote.watch.check()
            for download, url in [(f, u) for f, u in fetching.items() if f.done()]:
                del fetching[download]
                slots.done(url)
                try:
                    fetched = download.result()
                except ImageRejected as exc:
                    results.update((job, exc) for job in by_url[url])
                    continue
                fetched_of[url] = fetched
                for job in by_url[url]:
                    start_encoding(job, functools.partial(_given, fetched.data), url)
            for encoded, (job, source) in [(f, w) for f, w in encoding.items() if f.done()]:
                del encoding[encoded]
                results[job] = result = encoded.result()
                if source is not None and isinstance(result, Encoded) and (
                        first := fetched_of.pop(source, None)) is not None:
                    remote.keep(source, first)
    finally:
        for pool in (fetch_pool, encode_pool):
            pool.shutdown(wait=True, cancel_futures=True)
    return results
