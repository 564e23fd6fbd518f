"""Messages of one connection run as separate invocations, concurrently, as on API Gateway.

AWS invokes the integration once per message and does not wait for one invocation to end before
starting the next, so two messages of one client can be handled at the same time (and finish
in any order). local_ws does the same by default; ``serial_messages=True`` (``--serial-messages``)
handles them one at a time, in arrival order, for debugging.
"""

from __future__ import annotations

import time
from typing import Any

from websockets.sync.client import connect

from local_ws import RunningLocalWs
from tests.functional.local_ws.wsapp import WAIT_S, Recorder


def test_a_message_is_handled_while_an_earlier_one_of_the_same_connection_still_runs(
    local_ws: RunningLocalWs, recorder: Recorder
) -> None:
    with connect(local_ws.ws_url) as ws:
        ws.send("hold")  # its handler waits until the handler of "release" has run
        recorder.wait_for("hold-start")
        ws.send("release")
        echoes = {ws.recv(timeout=WAIT_S), ws.recv(timeout=WAIT_S)}
    assert echoes == {"echo:hold", "echo:release"}
    assert recorder.of("hold-end") and not recorder.of("hold-timeout")


def test_serial_messages_handles_one_message_at_a_time_in_arrival_order(
    serve: Any, recorder: Recorder
) -> None:
    server: RunningLocalWs = serve(serial_messages=True)
    with connect(server.ws_url) as ws:
        ws.send("hold")
        ws.send("release")  # waits for "hold" to finish, so only the test can release it
        recorder.wait_for("hold-start")
        recorder.released.set()
        assert [ws.recv(timeout=WAIT_S), ws.recv(timeout=WAIT_S)] == [
            "echo:hold",
            "echo:release",
        ]
    handled = [key for key in recorder.order() if key != "$connect"]
    assert handled[:4] == ["$default", "hold-start", "hold-end", "$default"]


def registered(server: RunningLocalWs, connection_id: str) -> bool:
    ids = server.call(lambda: {c.connection_id for c in server.api.registry})
    return connection_id in ids


def test_disconnect_runs_after_the_invocations_still_running(
    local_ws: RunningLocalWs, recorder: Recorder
) -> None:
    with connect(local_ws.ws_url) as ws:
        connection_id = recorder.wait_for("$connect")[0]["requestContext"]["connectionId"]
        ws.send("hold")
        recorder.wait_for("hold-start")
    deadline = time.monotonic() + WAIT_S
    while registered(local_ws, connection_id):  # until local_ws saw the close
        assert time.monotonic() < deadline, "local_ws never noticed the client left"
        time.sleep(0.01)  # polling state only visible by asking the server's loop
    assert recorder.of("$disconnect") == []  # the held invocation still runs
    recorder.released.set()
    recorder.wait_for("$disconnect")
    order = recorder.order()
    assert order.index("hold-end") < order.index("$disconnect")
