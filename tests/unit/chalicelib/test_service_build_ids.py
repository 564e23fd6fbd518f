"""Build ids: long random capabilities that any command line takes as an argument."""

from __future__ import annotations

from chalicelib.service import _BUILD_ID_RE, new_build_id


def test_build_ids_never_start_with_a_dash_or_underscore() -> None:
    # Without the redraw, 1 id in 32 starts with one: 2000 ids would all but surely hit it.
    firsts = {new_build_id()[0] for _ in range(2000)}
    assert "-" not in firsts and "_" not in firsts


def test_build_ids_are_32_url_safe_characters_the_api_accepts() -> None:
    ids = [new_build_id() for _ in range(200)]
    assert all(len(build_id) == 32 and _BUILD_ID_RE.fullmatch(build_id) for build_id in ids)
    assert len(set(ids)) == len(ids)
