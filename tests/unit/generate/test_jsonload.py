"""Reading one JSON file of an upload: encoding, syntax, size and depth."""

from __future__ import annotations

from pathlib import Path

import pytest

from build_runner.generate.jsonload import INVALID, json_depth, load_json_file, parse_json
from build_runner.generate.limits import Limits
from build_runner.generate.problems import Problems


def parse(data: bytes, limits: Limits | None = None) -> tuple[object, list[str]]:
    problems = Problems()
    value = parse_json(data, "sessions", limits or Limits(), problems)
    return value, [str(p) for p in problems.errors]


@pytest.mark.parametrize(("value", "depth"), [
    (1, 0), ([], 1), ({"a": [1, {"b": []}]}, 4), ([[[]], []], 3),
])
def test_measures_how_deeply_arrays_and_objects_nest(value: object, depth: int) -> None:
    assert json_depth(value) == depth


def test_reads_utf8_with_or_without_a_byte_order_mark() -> None:
    assert parse('[{"title": "Café"}]'.encode()) == ([{"title": "Café"}], [])
    assert parse('\ufeff[{"title": "Café"}]'.encode()) == ([{"title": "Café"}], [])


def test_accepts_exactly_the_depth_allowed() -> None:
    assert parse(b"[" * 64 + b"]" * 64)[1] == []
    assert parse(b"[" * 65 + b"]" * 65)[0] is INVALID


def test_an_empty_file_is_an_error_not_a_crash() -> None:
    assert parse(b"  \n") == (INVALID, ["sessions: the file is empty (export the event again)"])


def test_nan_and_infinity_are_not_json() -> None:
    assert parse(b'[{"id": NaN}]') == (INVALID, [
        "sessions: is not valid JSON: NaN is not allowed in JSON (export the event again)"])


def test_json_null_is_a_value_not_a_failure() -> None:
    assert parse(b"null") == (None, [])


def test_a_file_is_never_read_past_the_limit(tmp_path: Path) -> None:
    path = tmp_path / "sessions"
    path.write_bytes(b"[" + b" " * 5000 + b"]")
    problems = Problems()
    assert load_json_file(path, "sessions", Limits(max_json_bytes=2048), problems) is INVALID
    assert [str(p) for p in problems.errors] == [
        "sessions: the file is 4.9 KiB, more than the 2.0 KiB allowed for one JSON file (remove "
        "what the app does not need, such as unpublished sessions)"]
