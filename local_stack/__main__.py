"""``python -m local_stack`` (= ``make dev``): the whole apkgen stack on this machine.

Options: ``--http-port 8000 --ws-port 8001 --mgmt-port 8002 --moto-port 5000`` (0 = a free
port), ``--runners N``, ``--state-dir .dev`` (work dir and development keystore),
``--json`` (print one ``READY {urls}`` line for scripts). A part that dies is started again
(``local_stack.supervisor``); moto's state is kept in ``STATE_DIR/moto``. Ctrl-C or SIGTERM
stops every part.

``_moto`` and ``_http`` are the stack's own children (moto's server; the Chalice app over HTTP).
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

from local_stack.config import StackOptions
from local_stack.errors import StackError
from local_stack.output import print_output, say
from local_stack.servers import READY_PREFIX, serve_http, serve_moto
from local_stack.stack import LocalStack
from local_stack.supervisor import wait_for_signal


def _port(value: str) -> int:
    port = int(value)
    if not 0 <= port <= 65535:
        raise argparse.ArgumentTypeError(f"{value} is not a port (0-65535; 0 = a free port)")
    return port


def _runners(value: str) -> int:
    count = int(value)
    if count < 0:
        raise argparse.ArgumentTypeError(f"--runners {value}: give 0 or more runners")
    return count


def parse_args(argv: list[str]) -> argparse.Namespace:
    defaults = StackOptions()
    parser = argparse.ArgumentParser(
        prog="python -m local_stack",
        description="moto + resources + the app over HTTP + local_ws + runners, in one command.",
    )
    parser.add_argument("--host", default=defaults.host)
    parser.add_argument("--http-port", type=_port, default=defaults.http_port)
    parser.add_argument("--ws-port", type=_port, default=defaults.ws_port)
    parser.add_argument("--mgmt-port", type=_port, default=defaults.mgmt_port)
    parser.add_argument("--moto-port", type=_port, default=defaults.moto_port)
    parser.add_argument("--runners", type=_runners, default=defaults.runners)
    parser.add_argument("--state-dir", type=Path, default=defaults.state_dir)
    parser.add_argument("--json", action="store_true", help="print READY {urls} when ready")
    return parser.parse_args(argv)


def _child_args(argv: list[str], *, app: bool) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m local_stack " + ("_http" if app else "_moto"))
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=_port, default=0)
    if app:
        parser.add_argument("--app", required=True)
    else:
        parser.add_argument("--state-dir", type=Path, default=None)
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    args_list = sys.argv[1:] if argv is None else argv
    if args_list[:1] == ["_moto"]:
        child = _child_args(args_list[1:], app=False)
        return serve_moto(child.host, child.port, child.state_dir)
    if args_list[:1] == ["_http"]:
        child = _child_args(args_list[1:], app=True)
        return serve_http(child.app, child.host, child.port)
    args = parse_args(args_list)
    options = StackOptions(
        host=args.host,
        http_port=args.http_port,
        ws_port=args.ws_port,
        mgmt_port=args.mgmt_port,
        moto_port=args.moto_port,
        runners=args.runners,
        state_dir=args.state_dir.resolve(),
    )
    stack = LocalStack(options)
    started = time.monotonic()

    def on_ready() -> None:
        urls = stack.urls
        if args.json:
            say(READY_PREFIX + json.dumps(urls.as_dict()))
        say(
            f"\napkgen is running ({time.monotonic() - started:.1f} s to start):\n"
            f"  open       {urls.http_url}/\n"
            f"  WebSocket  {urls.ws_url}\n"
            f"  moto       {urls.moto_url}\n"
            f"  runners    {len(stack.runners)}\n"
            "Ctrl-C stops everything.\n"
        )

    try:
        return wait_for_signal(stack, on_ready, print_output)
    except StackError as exc:
        print(f"local_stack: {exc}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
