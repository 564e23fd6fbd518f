"""The children of the stack that are not separate packages: moto's server and the app over HTTP.

``python -m local_stack _moto [--state-dir DIR]`` and ``python -m local_stack _http --app SPEC``
run these; each prints one ``READY {"url": ...}`` line when it listens.
"""

from __future__ import annotations

import json
import logging
import signal
import threading
from pathlib import Path

READY_PREFIX = "READY "
# Sent by the stack to moto before it stops the runners: answer SQS long polls now (moto's
# ``StateGuard.end_long_polls``), so an idle runner stops at once instead of after its poll.
END_LONG_POLLS = signal.SIGUSR1
POLL_INTERVAL_S = 0.1  # how soon a server's serve_forever notices shutdown()
SNAPSHOT_JOIN_S = 10.0


def serve_moto(host: str, port: int, state_dir: Path | None = None) -> int:
    """moto's server until SIGTERM/SIGINT; with ``state_dir`` its state is kept there
    (restored first, then every change saved before it is answered; see ``moto_state``).

    On :data:`END_LONG_POLLS` it answers SQS long polls at once from then on. On SIGTERM it
    stops listening, writes the changes still pending and returns 0.
    """
    from importlib.metadata import version

    from moto.moto_server.werkzeug_app import (
        DomainDispatcherApplication,
        MotoRequestHandler,
        create_backend_app,
    )
    from werkzeug.serving import make_server

    from local_stack.moto_journal import Journal, SharedExclusiveLock
    from local_stack.moto_snapshots import SnapshotStore, restore_backends, run_snapshots
    from local_stack.moto_state import StateGuard

    logging.basicConfig(level=logging.INFO, format="%(name)s: %(message)s")
    logging.getLogger("werkzeug").setLevel(logging.WARNING)
    app = DomainDispatcherApplication(create_backend_app)
    stop = threading.Event()
    journal, lock = Journal(), SharedExclusiveLock()
    guard = StateGuard(app, journal, lock, durable=state_dir is not None)
    snapshots: threading.Thread | None = None
    if state_dir is not None:
        store = SnapshotStore(state_dir, version("moto"))
        blobs = store.load()
        restore_backends(blobs)
        if blobs:
            size = sum(len(blob) for blob in blobs.values())
            print(
                f"restored {', '.join(sorted(blobs))} from {state_dir} ({size / 1e6:.1f} MB)",
                flush=True,
            )
        else:
            print(f"no saved state in {state_dir}: starting empty", flush=True)
        snapshots = threading.Thread(
            target=run_snapshots,
            args=(journal, lock, store),
            name="moto-snapshots",
            daemon=True,
        )
        snapshots.start()
    server = make_server(host, port, guard, threaded=True, request_handler=MotoRequestHandler)
    serving = threading.Thread(
        target=server.serve_forever,
        kwargs={"poll_interval": POLL_INTERVAL_S},
        name="moto-server",
        daemon=True,
    )
    serving.start()
    for sig in (signal.SIGTERM, signal.SIGINT):
        signal.signal(sig, lambda *_: stop.set())
    signal.signal(END_LONG_POLLS, lambda *_: guard.end_long_polls())
    bound_port = server.server_address[1]
    print(READY_PREFIX + json.dumps({"url": f"http://{host}:{bound_port}"}), flush=True)
    stop.wait()
    server.shutdown()
    guard.end_long_polls()  # requests still in flight are answered; no new ones come
    journal.close()
    if snapshots is not None:
        snapshots.join(SNAPSHOT_JOIN_S)
    return 0


def serve_http(app_spec: str, host: str, port: int) -> int:
    """The Chalice app's HTTP routes via ``chalice.local``."""
    from chalice.config import Config
    from chalice.local import create_local_server

    from local_ws.loader import load_app

    app = load_app(app_spec)
    config = Config.create(chalice_stage="local", app_name=getattr(app, "app_name", "app"))
    server = create_local_server(app, config, host, port)
    bound_port = server.server.server_address[1]

    def shutdown(*_: object) -> None:
        # serve_forever runs in this (main) thread: shut down from another one.
        threading.Thread(target=server.shutdown, daemon=True).start()

    for sig in (signal.SIGTERM, signal.SIGINT):
        signal.signal(sig, shutdown)
    print(READY_PREFIX + json.dumps({"url": f"http://{host}:{bound_port}"}), flush=True)
    server.server.serve_forever(poll_interval=POLL_INTERVAL_S)
    server.server.server_close()
    return 0
