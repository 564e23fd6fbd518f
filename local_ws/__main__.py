"""``python -m local_ws --app chalice_app/app.py:app --ws-port N --mgmt-port M --stage local``.

Prints one line ``LOCAL_WS READY {"ws_url": ..., "management_url": ..., ...}`` on stdout once
both ports are bound (so a parent process can start it on port 0 and read the ports), serves
until SIGINT/SIGTERM, then closes every connection and exits 0.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import logging
import signal
import sys

from local_ws.errors import AppLoadError
from local_ws.loader import load_app
from local_ws.models import IDLE_TIMEOUT_S, MAX_DURATION_S
from local_ws.server import DEFAULT_STAGE, LocalWebSocketAPI

READY_PREFIX = "LOCAL_WS READY "


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m local_ws",
        description="Serve a Chalice app's WebSocket handlers like API Gateway, with @connections.",
    )
    parser.add_argument("--app", required=True, help="FILE.py:NAME or module:NAME of the app")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--ws-port", type=int, default=8001, help="0 = a free port")
    parser.add_argument("--mgmt-port", type=int, default=8002, help="0 = a free port")
    parser.add_argument("--stage", default=DEFAULT_STAGE)
    parser.add_argument("--idle-timeout", type=float, default=IDLE_TIMEOUT_S, metavar="SECONDS")
    parser.add_argument("--max-duration", type=float, default=MAX_DURATION_S, metavar="SECONDS")
    parser.add_argument(
        "--skip-disconnect-on-abnormal-close",
        action="store_true",
        help="do not run $disconnect when a peer vanishes without a close frame "
        "(AWS delivers $disconnect best-effort; exercises the GoneException clean-up)",
    )
    return parser.parse_args(argv)


async def serve(args: argparse.Namespace) -> None:
    """Run until SIGINT/SIGTERM."""
    app = load_app(args.app)
    api = LocalWebSocketAPI(
        app,
        host=args.host,
        stage=args.stage,
        idle_timeout_s=args.idle_timeout,
        max_duration_s=args.max_duration,
        invoke_disconnect_on_abnormal_close=not args.skip_disconnect_on_abnormal_close,
    )
    await api.start(args.ws_port, args.mgmt_port)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    print(
        READY_PREFIX
        + json.dumps(
            {
                "ws_url": api.ws_url,
                "management_url": api.management_url,
                "ws_port": api.ws_port,
                "mgmt_port": api.mgmt_port,
            }
        ),
        flush=True,
    )
    await stop.wait()
    await api.aclose()


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(levelname)s %(message)s")
    try:
        asyncio.run(serve(args))
    except AppLoadError as exc:
        print(f"local_ws: {exc}", file=sys.stderr)
        return 2
    except OSError as exc:
        print(
            f"local_ws: cannot listen ({exc}); choose other ports or 0 for free ones",
            file=sys.stderr,
        )
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
