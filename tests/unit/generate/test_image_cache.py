"""The image cache on disk: whole entries or none, bounded, least recently used evicted first."""

from __future__ import annotations

import subprocess
import sys
import threading
from pathlib import Path

from build_runner.generate.freshness import Validators
from build_runner.generate.image_cache import ImageCache
from build_runner.generate.image_encode import Encoded

REPO = Path(__file__).resolve().parents[3]


class Clock:
    """A clock the test moves by hand: the order of uses is the order of its readings."""

    def __init__(self) -> None:
        self.now = 1_700_000_000.0

    def __call__(self) -> float:
        self.now += 1
        return self.now


def entry_size(tmp_path: Path, data: bytes) -> int:
    probe = ImageCache(tmp_path / "probe")
    probe.store_answer("http://img.test/x", data, Validators('"v"'))
    return probe.size()


def test_an_answer_comes_back_with_its_validators(tmp_path: Path) -> None:
    cache = ImageCache(tmp_path / "c")
    cache.store_answer("http://img.test/a.png", b"png bytes", Validators('"v1"', "Mon", 5.0))
    found = cache.answer("http://img.test/a.png")
    assert found is not None
    assert (found.data, found.validators) == (b"png bytes", Validators('"v1"', "Mon", 5.0))
    assert cache.answer("http://img.test/b.png") is None


def test_an_encoded_image_comes_back_whole(tmp_path: Path) -> None:
    cache = ImageCache(tmp_path / "c")
    cache.store_encoded("k", Encoded(b"jpeg", "jpg", 400, 300))
    assert cache.encoded("k") == Encoded(b"jpeg", "jpg", 400, 300)


def test_a_cache_reopened_by_another_runner_finds_what_was_stored(tmp_path: Path) -> None:
    ImageCache(tmp_path / "c").store_answer("http://img.test/a.png", b"x", Validators('"v"'))
    found = ImageCache(tmp_path / "c").answer("http://img.test/a.png")
    assert found is not None and found.data == b"x"


def test_evicts_the_least_recently_used_entries_beyond_its_bound(tmp_path: Path) -> None:
    data = bytes(300)
    size = entry_size(tmp_path, data)
    cache = ImageCache(tmp_path / "c", max_bytes=size * 7 // 2, clock=Clock())
    for name in "abc":
        cache.store_answer(f"http://img.test/{name}", data, Validators('"v"'))
    assert cache.answer("http://img.test/a") is not None  # a is now the most recently used
    cache.store_answer("http://img.test/d", data, Validators('"v"'))  # 4 entries: over
    kept = {name for name in "abcd" if cache.answer(f"http://img.test/{name}") is not None}
    assert kept == {"a", "c", "d"}
    assert cache.size() <= cache.max_bytes


def test_an_entry_larger_than_the_whole_bound_is_not_stored(tmp_path: Path) -> None:
    cache = ImageCache(tmp_path / "c", max_bytes=1000)
    assert not cache.store_answer("http://img.test/big", bytes(2000), Validators('"v"'))
    assert cache.answer("http://img.test/big") is None


def test_a_file_cut_short_is_a_miss_and_is_removed(tmp_path: Path) -> None:
    cache = ImageCache(tmp_path / "c")
    cache.store_answer("http://img.test/a.png", bytes(1000), Validators('"v"'))
    path = cache.path("answer", "http://img.test/a.png")
    path.write_bytes(path.read_bytes()[:-10])
    assert cache.answer("http://img.test/a.png") is None
    assert not path.exists()


def test_a_cache_whose_folder_cannot_be_made_misses_and_never_fails(tmp_path: Path) -> None:
    (tmp_path / "file").write_bytes(b"")
    cache = ImageCache(tmp_path / "file" / "c")
    assert not cache.store_answer("http://img.test/a.png", b"x", Validators('"v"'))
    assert cache.answer("http://img.test/a.png") is None


def test_threads_storing_and_reading_one_entry_only_ever_see_whole_entries(
    tmp_path: Path,
) -> None:
    cache = ImageCache(tmp_path / "c")
    versions = {bytes([n]) * 50_000 for n in range(8)}
    seen: set[bytes] = set()

    def write(version: bytes) -> None:
        for _ in range(20):
            cache.store_answer("http://img.test/a.png", version, Validators('"v"'))

    def read() -> None:
        for _ in range(200):
            found = cache.answer("http://img.test/a.png")
            if found is not None:
                seen.add(found.data)

    threads = [threading.Thread(target=write, args=(v,)) for v in versions]
    threads += [threading.Thread(target=read) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert seen <= versions
    assert not [p for p in (tmp_path / "c").iterdir() if not p.name.endswith(".entry")]


WRITER = """
import sys
from pathlib import Path
from build_runner.generate.freshness import Validators
from build_runner.generate.image_cache import ImageCache
cache = ImageCache(Path(sys.argv[1]))
for _ in range(100):
    cache.store_answer("http://img.test/a.png", bytes([int(sys.argv[2])]) * 100_000,
                       Validators('"v"'))
"""


def test_processes_storing_one_entry_while_another_reads_it_never_show_half_a_file(
    tmp_path: Path,
) -> None:
    directory = tmp_path / "c"
    cache = ImageCache(directory)
    writers = [subprocess.Popen([sys.executable, "-c", WRITER, str(directory), str(fill)],
                                cwd=REPO) for fill in (1, 2)]
    seen: set[bytes] = set()
    while any(writer.poll() is None for writer in writers):
        found = cache.answer("http://img.test/a.png")
        if found is not None:
            seen.add(found.data)
    assert [writer.wait() for writer in writers] == [0, 0]
    assert seen <= {bytes([1]) * 100_000, bytes([2]) * 100_000}
    assert cache.answer("http://img.test/a.png") is not None
