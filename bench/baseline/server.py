"""THE COMPARISON, NOT PRODUCT CODE: the seed's Flask-SocketIO log server, for the benchmark.

``python -m bench.baseline.server --mode eventlet|threading --port N`` serves Socket.IO; viewers
join the namespace ``/<build>``. ``POST /start`` with ``{"builds": [...], "lines": L,
"rate": R|null}`` starts one producer per build that calls ``send(line, namespace="/<build>")``
per line, as fast as it can or at R lines/s. ``GET /done`` answers when every producer ended.
"""

from __future__ import annotations

import argparse
import sys


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--mode", choices=["eventlet", "threading"], default="eventlet")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, required=True)
    args = parser.parse_args(argv)
    if args.mode == "eventlet":
        import eventlet

        eventlet.monkey_patch()
    serve(args.mode, args.host, args.port)
    return 0


def serve(mode: str, host: str, port: int) -> None:
    import time

    from flask import Flask, jsonify, request
    from flask_socketio import SocketIO

    from bench.measure import make_line

    app = Flask(__name__)
    socketio = SocketIO(app, async_mode=mode, namespaces="*", logger=False,
                        engineio_logger=False)
    state = {"running": 0, "started": 0}

    def produce(build: str, lines: int, rate: float | None) -> None:
        interval = 1.0 / rate if rate else 0.0
        start = time.monotonic()
        try:
            for seq in range(1, lines + 1):
                if interval:
                    delay = start + (seq - 1) * interval - time.monotonic()
                    if delay > 0:
                        socketio.sleep(delay)
                socketio.send(make_line(build, seq, time.time_ns()), namespace=f"/{build}")
                if not interval and seq % 50 == 0:
                    socketio.sleep(0)  # let the other builds' producers and the writers run
        finally:
            state["running"] -= 1

    @app.post("/start")
    def start():  # type: ignore[no-untyped-def]
        body = request.get_json(force=True)
        builds = list(body["builds"])
        state["running"] += len(builds)
        state["started"] += len(builds)
        for build in builds:
            socketio.start_background_task(produce, build, int(body["lines"]), body.get("rate"))
        return jsonify(started=len(builds))

    @app.get("/done")
    def done():  # type: ignore[no-untyped-def]
        return jsonify(running=state["running"], started=state["started"])

    print(f"baseline listening on {host}:{port} ({mode})", flush=True)
    socketio.run(app, host=host, port=port, allow_unsafe_werkzeug=True, log_output=False)


if __name__ == "__main__":
    sys.exit(main())
