"""Repairs of real exports: copies dropped, missing and shared ids mended, references relinked."""

from __future__ import annotations

from typing import Any

from build_runner.generate.problems import Problems
from build_runner.generate.repair import repair


def run(docs: dict[str, Any]) -> tuple[dict[str, Any], list[str]]:
    problems = Problems()
    original = repr(docs)
    repaired = repair(docs, problems)
    assert repr(docs) == original  # the input is left as it was
    assert problems.error_count == 0
    return repaired, [str(p) for p in problems.warnings]


def talk(ident: Any, title: str = "Talk", **fields: Any) -> dict[str, Any]:
    return {"id": ident, "title": title, "starts-at": "2024-05-01T10:00:00", **fields}


def test_a_record_that_appears_twice_byte_for_byte_is_kept_once() -> None:
    docs, warnings = run({"sessions": [talk(1), talk(32, "CI"), talk(32, "CI")]})
    assert docs["sessions"] == [talk(1), talk(32, "CI"), None]  # indexes stay as uploaded
    assert warnings == ['sessions[2]: "CI" is the same record as sessions[1], byte for byte; the '
                        "copy is left out (remove the copy from the export)"]


def test_two_different_records_with_one_id_are_both_kept_the_second_renumbered() -> None:
    docs, warnings = run({"speakers": [{"id": 78, "name": "Jiaqi Liu"},
                                       {"id": 78, "name": "Eleanor Stribling"}]})
    assert [s["id"] for s in docs["speakers"]] == [78, "78-2"]
    assert warnings == ['speakers[1].id: 78 is also the id of speakers[0] ("Jiaqi Liu"), a '
                        "different speaker; both are kept and this one is given the id 78-2 "
                        "(give every speaker its own id)"]


def test_a_session_naming_the_speaker_is_linked_to_the_right_record() -> None:
    docs, warnings = run({
        "speakers": [{"id": 78, "name": "Jiaqi Liu"}, {"id": 78, "name": "Eleanor Stribling"}],
        "sessions": [talk(64, speakers=[{"id": 78, "name": "Jiaqi Liu"}]),
                     talk(65, speakers=[{"id": 78, "name": " eleanor  stribling "}])]})
    assert [s["speakers"][0]["id"] for s in docs["sessions"]] == [78, "78-2"]
    assert len(warnings) == 1  # only the renumbering: both links were by name


def test_a_bare_reference_to_a_shared_id_goes_to_the_first_with_a_warning() -> None:
    docs, warnings = run({
        "speakers": [{"id": 78, "name": "Jiaqi Liu"}, {"id": 78, "name": "Eleanor Stribling"}],
        "sessions": [talk(64, speakers=[78])]})
    assert docs["sessions"][0]["speakers"] == [78]
    assert warnings[1] == (
        'sessions[0].speakers[0]: "78" refers to the id that 2 speakers share (speakers[0] '
        '("Jiaqi Liu"), speakers[1] ("Eleanor Stribling")) without naming which; it is linked to '
        "the first, speakers[0] (give every speaker its own id)")


def test_lists_the_other_way_round_are_relinked_too() -> None:
    docs, _ = run({"sessions": [talk(402, "Summit"), talk(402, "Poster session")],
                   "tracks": [{"id": 5, "name": "Summits",
                               "sessions": [{"id": 402, "title": "Poster session"}]}]})
    assert docs["tracks"][0]["sessions"] == [{"id": "402-2", "title": "Poster session"}]


def test_a_record_without_an_id_gets_one_and_a_non_object_is_left_out() -> None:
    docs, warnings = run({"tracks": [{"name": "Web"}, "Mobile", {"id": "track-2", "name": "AI"}]})
    assert docs["tracks"] == [{"name": "Web", "id": "track-3"}, None,
                              {"id": "track-2", "name": "AI"}]
    assert warnings == [
        "tracks[0].id: the track has no usable id; it is given the id track-3 (give every track "
        "its own id)",
        'tracks[1]: "Mobile" is a string, not a track object; it is left out (each track must '
        'look like {"id": 1, ...})',
    ]
