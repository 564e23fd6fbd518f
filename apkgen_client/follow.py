"""Following the live log over the WebSocket protocol of docs/contracts.md, with reconnects.

Moves frames only: every decision (dedup, gaps, when to resume, when it is done) is made by
:class:`apkgen_client.logstream.FollowState`. On each (re)connect the client sends
``{"action": "resume", "after": last_seq}``, so a dropped connection costs no line and shows
none twice.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Iterator
from typing import Any

from websockets.exceptions import ConnectionClosed, InvalidHandshake, InvalidStatus
from websockets.sync.client import ClientConnection, connect

from apkgen_client.errors import StreamError
from apkgen_client.logstream import FollowState, Line

# Reconnect backoff: first wait, growth factor, longest wait, consecutive failures before
# giving up.
BACKOFF_FIRST_S = 0.25
BACKOFF_FACTOR = 2.0
BACKOFF_MAX_S = 8.0
MAX_FAILURES = 8
# With no message for this long the client asks for a resume (a refresh of status and tail;
# also finds a connection that died without closing).
IDLE_RESUME_S = 15.0
OPEN_TIMEOUT_S = 10.0

Connect = Callable[[str], ClientConnection]


def _connect(url: str) -> ClientConnection:
    return connect(url, open_timeout=OPEN_TIMEOUT_S, close_timeout=2, max_size=2**20)


def backoff_delays(first: float = BACKOFF_FIRST_S, factor: float = BACKOFF_FACTOR,
                   longest: float = BACKOFF_MAX_S) -> Iterator[float]:
    """0.25, 0.5, 1, 2, 4, 8, 8, … seconds."""
    delay = first
    while True:
        yield delay
        delay = min(longest, delay * factor)


def follow(ws_url: str, state: FollowState, on_lines: Callable[[list[Line]], None],
           on_status: Callable[[dict[str, Any]], None] = lambda status: None, *,
           connect_to: Connect = _connect, sleep: Callable[[float], None] = time.sleep,
           on_reconnect: Callable[[int, float], None] = lambda failures, delay: None) -> None:
    """Follow ``ws_url`` until ``state.done``; call ``on_lines`` with each batch of new lines.

    Raises :class:`StreamError` when the server refuses the build (400/403/404) or the connection
    fails ``MAX_FAILURES`` times in a row.
    """
    failures = 0
    delays = backoff_delays()
    while not state.done:
        try:
            with connect_to(ws_url) as ws:
                ws.send(json.dumps({"action": "resume", "after": state.on_open()}))
                while not state.done:
                    try:
                        raw = ws.recv(timeout=IDLE_RESUME_S)
                    except TimeoutError:
                        ws.send(json.dumps({"action": "resume", "after": state.on_open()}))
                        continue
                    refused = _handle(ws, raw, state, on_lines, on_status, sleep)
                    if refused is not None:
                        raise _Reconnect(f"the log server said: {refused}")
                    failures, delays = 0, backoff_delays()
                return
        except InvalidStatus as exc:
            code = exc.response.status_code
            if code in (400, 401, 403, 404, 410):
                raise StreamError(f"the log server refused build {state.build_id} (HTTP {code}):"
                                  " check the build id") from exc
            failure: Exception = exc
        except (_Reconnect, ConnectionClosed, InvalidHandshake, OSError, TimeoutError) as exc:
            failure = exc
        failures += 1
        if failures >= MAX_FAILURES:
            raise StreamError(f"lost the live log of build {state.build_id} {failures} times in a"
                              f" row ({failure}); `apkgen logs {state.build_id}` shows it later")
        delay = next(delays)
        on_reconnect(failures, delay)
        sleep(delay)


class _Reconnect(Exception):
    """The server no longer knows this connection: open a new one (it registers again)."""


def _handle(ws: ClientConnection, raw: str | bytes, state: FollowState,
            on_lines: Callable[[list[Line]], None],
            on_status: Callable[[dict[str, Any]], None],
            sleep: Callable[[float], None]) -> str | None:
    """Carry out what ``state`` says of one frame; returns why, when the connection must be
    replaced."""
    try:
        message = json.loads(raw)
    except ValueError as exc:
        raise StreamError(f"the log server sent a frame that is not JSON: {raw[:200]!r}; "
                          "is the WebSocket URL an apkgen log server?") from exc
    actions = state.on_message(message)
    if actions.lines:
        on_lines(actions.lines)
    if actions.status is not None:
        on_status(actions.status)
    if actions.resume_after is not None:
        ws.send(json.dumps({"action": "resume", "after": actions.resume_after}))
    if actions.retry_resume_s is not None:
        sleep(min(actions.retry_resume_s, BACKOFF_MAX_S))
        ws.send(json.dumps({"action": "resume", "after": state.on_open()}))
    return actions.error if actions.reconnect else None
