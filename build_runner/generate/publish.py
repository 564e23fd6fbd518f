"""What the organizer published: the rule that decides which sessions an attendee sees.

Pure. A session is public when its ``state`` is ``accepted`` or ``confirmed`` (any case), it
is not deleted (``deleted-at``), and it has a start time. An export whose sessions carry no
``state`` at all publishes every scheduled session. Speakers without a public session, and
rooms marked ``hidden-in-scheduler``, stay out too (normalize applies that). The build log
tells what was left out in one line (:meth:`LeftOut.summary`).
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from build_runner.generate.fields import lookup, parse_datetime, text, value_of

PUBLIC_STATES = frozenset({"accepted", "confirmed"})
# Reasons that are not a state the organizer set.
UNSCHEDULED = "unscheduled"
DELETED = "deleted"
NO_STATE = "without a state"


def has_states(sessions: list[Any]) -> bool:
    """Whether the export says a state for its sessions (else every session is published)."""
    return any(isinstance(s, dict) and text(value_of(s, "state")) for s in sessions)


def truthy(value: Any) -> bool:
    """A flag as exports write it: ``true``, ``1``, ``"true"``, ``"yes"``."""
    if isinstance(value, str):
        return value.strip().lower() in ("true", "1", "yes", "y")
    return bool(value) and not isinstance(value, list | dict)


def why_not_public(session: dict[str, Any], states: bool) -> str | None:
    """None when the session is public; else the reason (its state, ``unscheduled``, …)."""
    if text(value_of(session, "deleted_at")):
        return DELETED
    if states:
        state = text(value_of(session, "state")).lower()
        if not state:
            return NO_STATE
        if state not in PUBLIC_STATES:
            return "canceled" if state == "cancelled" else state
    _, start = lookup(session, "starts_at")
    if parse_datetime(start) is None:
        return UNSCHEDULED
    return None


def is_hidden_room(room: dict[str, Any]) -> bool:
    """A room the organizer hid in the scheduler."""
    return truthy(value_of(room, "hidden_in_scheduler"))


@dataclass
class LeftOut:
    """How many of each kind of thing the app leaves out, and why."""

    sessions: Counter[str] = field(default_factory=Counter)
    speakers: int = 0
    hidden_rooms: int = 0

    def summary(self) -> str | None:
        """``not published: 131 rejected, 4 pending, 2 draft sessions; 83 speakers without a
        public session`` (None when everything is published)."""
        parts: list[str] = []
        by_state = [(reason, n) for reason, n in self.sessions.most_common()
                    if reason not in (UNSCHEDULED, DELETED, NO_STATE)]
        if by_state:
            listed = ", ".join(f"{n} {reason}" for reason, n in by_state)
            total = sum(n for _, n in by_state)
            parts.append(f"{listed} session{'' if total == 1 else 's'}")
        for reason, what in ((NO_STATE, "without a state"), (DELETED, "deleted"),
                             (UNSCHEDULED, "without a start time")):
            if n := self.sessions.get(reason, 0):
                parts.append(f"{n} session{'' if n == 1 else 's'} {what}")
        if self.speakers:
            parts.append(f"{self.speakers} speaker{'' if self.speakers == 1 else 's'} without a "
                         "public session")
        if self.hidden_rooms:
            parts.append(f"{self.hidden_rooms} room{'' if self.hidden_rooms == 1 else 's'} "
                         "hidden in the scheduler")
        return f"not published: {'; '.join(parts)}" if parts else None
