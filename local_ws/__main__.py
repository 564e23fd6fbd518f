"""``python -m local_ws --app path/to/app.py:app [--aws-endpoint URL] [--ws-port N] ...``.

Serves any Chalice app's WebSocket handlers (``@app.on_ws_connect/message/disconnect``) the way
API Gateway invokes them, with its ``@connections`` API beside. Before the app is imported, a
region and dummy credentials are filled in when none are configured, and ``--aws-endpoint``
points the app's own boto3 clients (DynamoDB, ...) at e.g. moto's server while
``@connections`` stays on local_ws (:mod:`local_ws.localenv`).

Prints one line ``LOCAL_WS READY {"ws_url": ..., "management_url": ..., ...}`` on stdout once
both ports are bound (so a parent process can start it on port 0 and read the ports), serves
until SIGINT/SIGTERM, then closes every connection and exits 0.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import logging
import os
import signal
import sys
from pathlib import Path

from local_ws.errors import AppLoadError
from local_ws.loader import load_app
from local_ws.localenv import (
    app_environment,
    configured_region,
    credentials_file_exists,
    management_environment,
)
from local_ws.models import IDLE_TIMEOUT_S, MAX_DURATION_S
from local_ws.server import DEFAULT_STAGE, LocalWebSocketAPI

READY_PREFIX = "LOCAL_WS READY "


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m local_ws",
        description="Serve a Chalice app's WebSocket handlers like API Gateway, with @connections.",
    )
    parser.add_argument("--app", required=True, help="FILE.py:NAME or module:NAME of the app")
    parser.add_argument(
        "--aws-endpoint",
        metavar="URL",
        help="where the app's boto3 clients go (AWS_ENDPOINT_URL, e.g. moto's server "
        "http://127.0.0.1:5000); @connections stays on local_ws",
    )
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
    parser.add_argument(
        "--allow-unsigned",
        action="store_true",
        help="accept @connections requests without a SigV4 signature (AWS answers them 403)",
    )
    parser.add_argument(
        "--serial-messages",
        action="store_true",
        help="run one $default at a time per connection, in arrival order (for debugging; "
        "AWS invokes concurrently)",
    )
    return parser.parse_args(argv)


async def serve(args: argparse.Namespace) -> None:
    """Run until SIGINT/SIGTERM."""
    home = Path.home()
    os.environ.update(
        app_environment(
            os.environ,
            aws_endpoint=args.aws_endpoint,
            region_configured=configured_region(os.environ, home),
            credentials_file=credentials_file_exists(os.environ, home),
        )
    )
    app = load_app(args.app)
    api = LocalWebSocketAPI(
        app,
        host=args.host,
        stage=args.stage,
        idle_timeout_s=args.idle_timeout,
        max_duration_s=args.max_duration,
        invoke_disconnect_on_abnormal_close=not args.skip_disconnect_on_abnormal_close,
        allow_unsigned=args.allow_unsigned,
        serial_messages=args.serial_messages,
    )
    await api.start(args.ws_port, args.mgmt_port)
    os.environ.update(management_environment(os.environ, api.management_url))
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
