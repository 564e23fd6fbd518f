"""Only what the organizer published: accepted or confirmed, scheduled, not deleted."""

from __future__ import annotations

from collections import Counter
from typing import Any

import pytest

from build_runner.generate.publish import LeftOut, has_states, is_hidden_room, why_not_public


def session(**fields: Any) -> dict[str, Any]:
    return {"id": 1, "title": "Talk", "starts-at": "2024-05-01T10:00:00", **fields}


@pytest.mark.parametrize("state", ["accepted", "confirmed", "Accepted", " CONFIRMED "])
def test_accepted_and_confirmed_sessions_are_public(state: str) -> None:
    assert why_not_public(session(state=state), states=True) is None


@pytest.mark.parametrize(("state", "reason"), [
    ("rejected", "rejected"), ("pending", "pending"), ("draft", "draft"),
    ("withdrawn", "withdrawn"), ("canceled", "canceled"), ("cancelled", "canceled"),
    ("", "without a state")])
def test_every_other_state_is_left_out_by_its_name(state: str, reason: str) -> None:
    assert why_not_public(session(state=state), states=True) == reason


def test_an_export_without_states_publishes_every_scheduled_session() -> None:
    sessions = [session(), session(id=2)]
    assert not has_states(sessions)
    assert why_not_public(sessions[0], states=has_states(sessions)) is None


def test_a_session_without_a_start_time_or_deleted_is_left_out() -> None:
    assert why_not_public(session(**{"starts-at": None}, state="accepted"), True) == "unscheduled"
    assert why_not_public(session(**{"starts-at": "soon"}), False) == "unscheduled"
    assert why_not_public(session(**{"deleted-at": "2017-07-01T10:00:00"}), False) == "deleted"
    assert why_not_public(session(**{"deleted-at": ""}), False) is None


def test_rooms_hidden_in_the_scheduler_whatever_the_flag_looks_like() -> None:
    assert is_hidden_room({"hidden-in-scheduler": True})
    assert is_hidden_room({"hidden_in_scheduler": "true"})
    assert not is_hidden_room({"hidden-in-scheduler": False})
    assert not is_hidden_room({"name": "Hall"})


def test_the_summary_says_what_was_left_out_in_one_line() -> None:
    left_out = LeftOut(sessions=Counter({"rejected": 131, "pending": 4, "draft": 2,
                                         "unscheduled": 3}), speakers=83, hidden_rooms=1)
    assert left_out.summary() == (
        "not published: 131 rejected, 4 pending, 2 draft sessions; 3 sessions without a start "
        "time; 83 speakers without a public session; 1 room hidden in the scheduler")
    assert LeftOut().summary() is None
    assert LeftOut(sessions=Counter({"pending": 1})).summary() == "not published: 1 pending session"
