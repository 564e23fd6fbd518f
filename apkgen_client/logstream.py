"""Following a build's log without I/O: dedup by seq, gap detection, when a follow is done.

The WebSocket layer (``follow``) feeds every message it receives to :class:`FollowState` and
does what it answers: print the new lines, send a resume, stop. The same rules drive the web
page (``web/logmodel.js``):

- a line whose seq was already seen is dropped (a resume backlog overlaps live messages);
- a line after a hole (seq jumps) is held back until the hole is filled, and the viewer asks
  once for a resume from the last contiguous seq;
- the follow is done when the build is finished (succeeded, failed, cancelled) and every line
  up to the status's ``last_seq`` has been shown (or the WebSocket would not send the last
  ones: then the caller pages them over HTTP, ``missing_tail`` says so).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

TERMINAL_STATUSES = frozenset({"succeeded", "failed", "cancelled"})

# Lines held back behind a hole. Past this many the oldest are dropped: the resume that fills
# the hole sends them again.
MAX_PENDING_LINES = 100_000

# Resumes asked for a finished build's missing last lines before the WebSocket is given up on
# (the caller then pages the rest over HTTP).
MAX_TAIL_RESUMES = 3

Line = dict[str, Any]


@dataclass
class LogTracker:
    """Keeps the last contiguous seq and the lines that arrived after a hole."""

    last_seq: int = 0
    _pending: dict[int, Line] = field(default_factory=dict)
    _asked_after: int | None = None

    def add(self, lines: list[Line]) -> list[Line]:
        """Take lines in any order; return the ones that are now contiguous, in seq order."""
        for line in lines:
            seq = line.get("seq")
            if not isinstance(seq, int) or seq <= self.last_seq:
                continue
            self._pending[seq] = line
        out: list[Line] = []
        while self.last_seq + 1 in self._pending:
            self.last_seq += 1
            out.append(self._pending.pop(self.last_seq))
        if len(self._pending) > MAX_PENDING_LINES:
            for seq in sorted(self._pending)[: len(self._pending) - MAX_PENDING_LINES]:
                del self._pending[seq]
        return out

    @property
    def has_gap(self) -> bool:
        """True while lines after a hole are waiting for the hole to be filled."""
        return bool(self._pending)

    def resume_after(self) -> int | None:
        """The seq to resume after when a hole needs filling and nobody asked yet, else None."""
        if not self._pending or self._asked_after == self.last_seq:
            return None
        self._asked_after = self.last_seq
        return self.last_seq

    def mark_resumed(self) -> None:
        """A resume's backlog has ended: a hole that is still there may be asked for again."""
        self._asked_after = None

    def mark_asked(self, after: int) -> None:
        """Record a resume sent for another reason (on connect), so a hole is not asked twice."""
        self._asked_after = after


@dataclass
class Actions:
    """What the I/O layer should do after a message: print lines, send a resume, stop."""

    lines: list[Line] = field(default_factory=list)
    status: dict[str, Any] | None = None
    resume_after: int | None = None
    # The server refused the resume: send it again after this many seconds (its budget)...
    retry_resume_s: float | None = None
    # ...or it does not know this connection (registration lost): reconnect, which registers.
    reconnect: bool = False
    error: str | None = None
    done: bool = False


@dataclass
class FollowState:
    """Turns the server's messages into actions; knows when the follow is complete."""

    build_id: str
    tracker: LogTracker = field(default_factory=LogTracker)
    status: dict[str, Any] | None = None
    tail_resumes: int = 0

    def on_open(self) -> int:
        """Called on each (re)connect: the seq to send in ``{"action": "resume"}``."""
        self.tracker.mark_asked(self.tracker.last_seq)
        return self.tracker.last_seq

    def on_message(self, message: Any) -> Actions:
        """Handle one decoded JSON message from the server."""
        actions = Actions()
        if not isinstance(message, dict):
            return actions
        kind = message.get("type")
        if kind == "log":
            lines = message.get("lines")
            actions.lines = self.tracker.add(lines if isinstance(lines, list) else [])
        elif kind == "status":
            self.status = message
            actions.status = message
        elif kind == "resumed":
            self.tracker.mark_resumed()
        elif kind == "error":
            actions.error = str(message.get("message") or "the log server refused a request")
            retry = message.get("retry_after")
            if isinstance(retry, int | float) and not isinstance(retry, bool) and retry >= 0:
                actions.retry_resume_s = float(retry)
            else:
                actions.reconnect = True
            return actions
        actions.resume_after = self.tracker.resume_after()
        if (actions.resume_after is None and kind == "resumed" and self.finished
                and self.missing_tail and self.tail_resumes < MAX_TAIL_RESUMES):
            # The build is over but its last lines never reached us: ask for them again.
            self.tail_resumes += 1
            self.tracker.mark_asked(self.tracker.last_seq)
            actions.resume_after = self.tracker.last_seq
        actions.done = self.done
        return actions

    @property
    def missing_tail(self) -> bool:
        """True when the last status names a seq beyond the lines shown so far."""
        if self.status is None:
            return False
        last = self.status.get("last_seq")
        return isinstance(last, int) and last > self.tracker.last_seq

    @property
    def finished(self) -> bool:
        """The build itself is finished (its lines may still be arriving)."""
        return self.status is not None and self.status.get("status") in TERMINAL_STATUSES

    @property
    def done(self) -> bool:
        """The build is finished and every one of its lines has been shown."""
        if not self.finished:
            return False
        complete = not self.missing_tail and not self.tracker.has_gap
        return complete or self.tail_resumes >= MAX_TAIL_RESUMES
