"""Zip entry checks and file location, on headers alone (no zip is written or read)."""

from __future__ import annotations

import stat
import zipfile

import pytest

from build_runner.generate.extract import (
    check_entries,
    display_name,
    find_prefix,
    locate_files,
    safe_parts,
)
from build_runner.generate.limits import Limits
from build_runner.generate.problems import Problems


def entry(name: str, size: int = 10, compressed: int = 10, mode: int = 0o100644,
          flags: int = 0) -> zipfile.ZipInfo:
    info = zipfile.ZipInfo(name)
    info.file_size, info.compress_size = size, compressed
    info.external_attr = mode << 16
    info.flag_bits = flags
    return info


def texts(problems: Problems) -> list[str]:
    return [str(p) for p in problems.errors]


@pytest.mark.parametrize(("name", "expected"), [
    ("event", ("event",)),
    ("./images//logo.jpg", ("images", "logo.jpg")),
    ("export\\sessions.json", ("export", "sessions.json")),
    ("../x", "the path leaves the upload folder"),
    ("a/../../x", "the path leaves the upload folder"),
    ("/etc/passwd", "the path is absolute"),
    ("\\\\server\\share", "the path is absolute"),
    ("c:evil", "the path starts with a drive letter"),
    ("D:\\evil", "the path starts with a drive letter"),
])
def test_splits_safe_names_and_says_why_unsafe_ones_are_refused(
        name: str, expected: tuple[str, ...] | str) -> None:
    assert safe_parts(name) == expected


def test_reports_every_bad_entry_not_just_the_first() -> None:
    problems = Problems()
    check_entries([entry("event"), entry("../a"), entry("/b"),
                   entry("link", mode=stat.S_IFLNK | 0o777), entry("secret", flags=0x1)],
                  Limits(), problems)
    assert [p.file for p in problems.errors] == ["../a", "/b", "link", "secret"]


def test_small_entries_are_never_refused_for_their_ratio() -> None:
    problems = Problems()
    check_entries([entry("event", size=60_000, compressed=10)], Limits(), problems)
    assert problems.error_count == 0


def test_a_large_entry_with_nothing_compressed_counts_as_a_bomb() -> None:
    problems = Problems()
    check_entries([entry("x", size=10_000_000, compressed=0)], Limits(), problems)
    assert texts(problems) == ["x: compresses 10000000 to 1, more than the 100 to 1 allowed; "
                               "this looks like a zip bomb (remove this file from the zip)"]


def test_directories_may_repeat_but_files_may_not() -> None:
    problems = Problems()
    check_entries([entry("images/"), entry("images/"), entry("event"), entry("./event")],
                  Limits(), problems)
    assert texts(problems) == ["./event: appears twice in the zip (create the zip again from "
                               "the exported folder)"]


def test_control_characters_in_names_are_escaped_for_the_log() -> None:
    assert display_name("evil\nname\x1b[31m") == "evil\\nname\\x1b[31m"
    assert len(display_name("x" * 500)) == 120


@pytest.mark.parametrize(("names", "prefix"), [
    ([("event",), ("sessions",)], ()),
    ([("Export 2017", "event"), ("Export 2017", "sessions"), ("Export 2017", "images", "a.jpg"),
      ("__MACOSX", "Export 2017", "._event")], ("Export 2017",)),
    ([("a", "event"), ("b", "sessions")], ()),
    ([("EVENT.JSON",), ("x", "y")], ()),
])
def test_finds_the_export_at_the_root_or_in_its_one_top_level_folder(
        names: list[tuple[str, ...]], prefix: tuple[str, ...]) -> None:
    assert find_prefix(names) == prefix


def test_locates_files_with_or_without_the_json_extension() -> None:
    problems = Problems()
    found = locate_files([("e", "event.json"), ("e", "sessions"), ("e", "config.json"),
                          ("e", "images", "speakers")], ("e",), problems)
    assert found == {"event": ("e", "event.json"), "sessions": ("e", "sessions"),
                     "config.json": ("e", "config.json")}
    assert problems.error_count == 0


def test_a_file_present_twice_under_both_names_is_an_error() -> None:
    problems = Problems()
    locate_files([("event",), ("event.json",), ("sessions",)], (), problems)
    assert texts(problems) == ["event: and event.json are both in the upload (keep only one of "
                               "them)"]


def test_a_miscased_json_name_is_told_its_expected_spelling() -> None:
    problems = Problems()
    locate_files([("event",), ("Sessions.JSON",), ("Config.json",)], (), problems)
    assert texts(problems) == [
        'Sessions.JSON: is named with the wrong case; the file must be named "sessions.json" '
        '(rename "Sessions.JSON" to "sessions.json")',
        'Config.json: is named with the wrong case; the file must be named "config.json" '
        '(rename "Config.json" to "config.json")',
    ]
