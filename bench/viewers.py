"""Viewer processes for the fan-out benchmark, shared by both systems.

``python -m bench.viewers --system apkgen|socketio --url URL --builds a,b --viewers V
--lines L --timeout S`` connects V viewers to each build, prints ``READY`` once all are
connected, counts every line it receives with :mod:`bench.measure`, and prints one JSON
object with the tallies when every viewer has all its lines (or at the timeout).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
import time
from collections.abc import Callable, Coroutine
from typing import Any

from bench.measure import ViewerTally

# Hundreds of viewers connect at once; each handshake runs the app's $connect (two DynamoDB
# calls on moto) in local_ws's worker pool, so the last ones wait their turn.
OPEN_TIMEOUT_S = 60.0
# Once lines stop arriving for this long, the missing ones are counted as lost.
IDLE_S = 20.0

Connector = Callable[[str, str, ViewerTally, asyncio.Event], Coroutine[Any, Any, None]]


async def apkgen_viewer(url: str, build: str, tally: ViewerTally, ready: asyncio.Event) -> None:
    """A viewer of apkgen's WebSocket protocol: ``log`` messages carry lines in seq order.

    A message over 32 KB arrives in fragments (one per frame, as API Gateway sends it); each
    non-empty fragment counts as a frame (websockets ends a fragmented message with an empty
    one, which API Gateway does not send)."""
    from websockets.asyncio.client import connect
    from websockets.exceptions import ConnectionClosedOK

    async with connect(f"{url}?build={build}", max_size=None, open_timeout=OPEN_TIMEOUT_S) as ws:
        ready.set()
        while True:
            try:
                fragments = [fragment async for fragment in ws.recv_streaming(decode=True)]
            except ConnectionClosedOK:
                break
            now = time.time_ns()
            tally.frames += sum(1 for fragment in fragments if fragment)
            message = json.loads("".join(fragments) if len(fragments) > 1 else fragments[0])
            if message.get("type") != "log":
                continue
            for line in message["lines"]:
                tally.receive(line["text"], now)
            if tally.complete:
                return
    if not tally.complete:
        tally.disconnects += 1
        print(f"viewer of {build} disconnected by the server after {tally.received} lines",
              file=sys.stderr)


async def socketio_viewer(url: str, build: str, tally: ViewerTally, ready: asyncio.Event) -> None:
    """A viewer of the Flask-SocketIO baseline: one ``message`` event per line."""
    import socketio

    done = asyncio.Event()
    client = socketio.AsyncClient(reconnection=False)
    namespace = f"/{build}"

    async def on_message(data: str) -> None:
        tally.frames += 1
        tally.receive(data, time.time_ns())
        if tally.complete:
            done.set()

    async def on_disconnect(*_: object) -> None:
        if not tally.complete:
            tally.disconnects += 1
            print(f"viewer of {build} disconnected by the server after {tally.received} lines",
                  file=sys.stderr)
        done.set()

    client.on("message", on_message, namespace=namespace)
    client.on("disconnect", on_disconnect, namespace=namespace)
    await client.connect(url, namespaces=[namespace], transports=["websocket"])
    ready.set()
    try:
        await done.wait()
    finally:
        await client.disconnect()


CONNECTORS: dict[str, Connector] = {"apkgen": apkgen_viewer, "socketio": socketio_viewer}


async def watch(system: str, url: str, builds: list[str], viewers: int, lines: int,
                timeout: float) -> list[ViewerTally]:
    connector = CONNECTORS[system]
    tallies = [ViewerTally(build, lines) for build in builds for _ in range(viewers)]
    readies = [asyncio.Event() for _ in tallies]
    tasks: list[asyncio.Task[None]] = [
        asyncio.create_task(connector(url, t.build, t, r))
        for t, r in zip(tallies, readies, strict=True)
    ]
    async def connected() -> None:
        await asyncio.gather(*(r.wait() for r in readies))

    all_ready: asyncio.Task[None] = asyncio.create_task(connected())
    # A viewer that fails to connect ends its task before it is ready: report it at once
    # rather than waiting for the timeout.
    while not all_ready.done():
        connecting = [t for t in tasks if not t.done()]
        done, _ = await asyncio.wait([all_ready, *connecting], timeout=timeout,
                                     return_when=asyncio.FIRST_COMPLETED)
        if not done:
            raise TimeoutError(f"viewers not all connected after {timeout}s")
        failed = [t for t in tasks if t.done() and (t.cancelled() or t.exception() is not None)]
        if failed and not all_ready.done():
            all_ready.cancel()
            raise RuntimeError(f"{len(failed)} viewer(s) could not connect: "
                               f"{failed[0].exception()!r}")
    print("READY", flush=True)
    pending = await wait_for_lines(tasks, tallies, timeout)
    for task in pending:
        task.cancel()
    for task in tasks:
        if task.done() and not task.cancelled() and task.exception() is not None:
            print(f"viewer failed: {task.exception()!r}", file=sys.stderr)
    return tallies


async def wait_for_lines(tasks: list[asyncio.Task[None]], tallies: list[ViewerTally],
                         timeout: float, idle_s: float = IDLE_S) -> set[asyncio.Task[None]]:
    """Wait until every viewer ended, ``timeout`` passed, or no line arrived for ``idle_s``
    (lines lost for good); returns the viewers still waiting."""
    deadline = time.monotonic() + timeout
    last_count, last_change = -1, time.monotonic()
    pending = set(tasks)
    while pending and time.monotonic() < deadline:
        _, pending = await asyncio.wait(pending, timeout=min(1.0, idle_s))
        count = sum(t.received for t in tallies)
        if count != last_count:
            last_count, last_change = count, time.monotonic()
        elif time.monotonic() - last_change >= idle_s:
            print(f"no line for {idle_s:g}s: {len(pending)} viewer(s) stop waiting",
                  file=sys.stderr)
            break
    return pending


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--system", choices=sorted(CONNECTORS), required=True)
    parser.add_argument("--url", required=True)
    parser.add_argument("--builds", required=True)
    parser.add_argument("--viewers", type=int, default=1)
    parser.add_argument("--lines", type=int, required=True)
    parser.add_argument("--timeout", type=float, default=120.0)
    args = parser.parse_args(argv)
    tallies = asyncio.run(
        watch(args.system, args.url, args.builds.split(","), args.viewers, args.lines,
              args.timeout)
    )
    json.dump([t.to_json() for t in tallies], sys.stdout)
    sys.stdout.write("\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
