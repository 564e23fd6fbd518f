"""``python -m bench.stack_stop [--runners N] [--repeat R] [--settle S]``: how long Ctrl-C takes.

Starts ``python -m local_stack`` as ``make dev`` does (own state dir, every port 0), waits for
its ``READY`` line and for every runner to say it polls the queue, lets it idle ``--settle``
seconds (so the runners sit in their SQS long poll), sends SIGINT (what Ctrl-C sends) and
prints how long the stack took to exit, whether any child outlived it and whether moto's state
snapshot is on disk. With ``--trace`` it also prints the stack's output after SIGINT, each line
stamped with the seconds since the signal: where the time goes.

Figures, not assertions: the machine and its load decide them.
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
READY_PREFIX = "READY "
START_S = 120.0
STOP_S = 60.0


@dataclass(frozen=True)
class StopRun:
    """One stop: seconds from SIGINT to exit, exit status, survivors, snapshot on disk."""

    seconds: float
    status: int | None
    survivors: list[int]
    snapshot: bool
    trace: list[str]


def _children(pid: int) -> list[int]:
    path = Path(f"/proc/{pid}/task/{pid}/children")
    try:
        return [int(p) for p in path.read_text().split()]
    except OSError:
        return []


def _running(pid: int) -> bool:
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return False
    return stat.rpartition(")")[2].split()[0] != "Z"


def run_once(runners: int, settle_s: float) -> StopRun:
    """Start the stack, let it idle, SIGINT it, and time its exit."""
    with tempfile.TemporaryDirectory(prefix="apkgen-stop-") as state:
        argv = [
            sys.executable, "-m", "local_stack", "--http-port", "0", "--ws-port", "0",
            "--mgmt-port", "0", "--moto-port", "0", "--runners", str(runners), "--json",
            "--state-dir", state,
        ]  # fmt: skip
        proc = subprocess.Popen(
            argv,
            cwd=REPO,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            start_new_session=True,
        )
        lines: list[tuple[float, str]] = []
        ready = threading.Event()
        polling: set[str] = set()
        all_polling = threading.Event()
        signalled: list[float] = []

        def read() -> None:
            assert proc.stdout is not None
            for line in proc.stdout:
                lines.append((time.monotonic(), line.rstrip("\n")))
                if line.startswith(READY_PREFIX):
                    ready.set()
                if line.startswith("[runner-") and " polling " in line:
                    polling.add(line.split("]", 1)[0])
                    if len(polling) >= runners:
                        all_polling.set()
            ready.set()
            all_polling.set()

        reader = threading.Thread(target=read, daemon=True)
        reader.start()
        try:
            if runners == 0:
                all_polling.set()
            if not (ready.wait(START_S) and all_polling.wait(START_S)) or proc.poll() is not None:
                tail = "\n".join(line for _, line in lines[-30:])
                raise RuntimeError(f"the stack did not start; its output ends with:\n{tail}")
            time.sleep(settle_s)  # idle: the runners are in their long poll
            children = _children(proc.pid)
            signalled.append(time.monotonic())
            proc.send_signal(signal.SIGINT)
            status = proc.wait(STOP_S)
            seconds = time.monotonic() - signalled[0]
            reader.join(5)
        finally:
            if proc.poll() is None:
                os.killpg(proc.pid, signal.SIGKILL)
                proc.wait()
        survivors = [pid for pid in children if _running(pid)]
        snapshot = (Path(state) / "moto" / "meta.json").exists()
        trace = [f"{at - signalled[0]:+7.2f} s  {line}" for at, line in lines if at >= signalled[0]]
        return StopRun(round(seconds, 2), status, survivors, snapshot, trace)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.stack_stop", description=__doc__)
    parser.add_argument("--runners", type=int, default=1, help="runners (default 1, as make dev)")
    parser.add_argument("--repeat", type=int, default=3, help="stops to time (default 3)")
    parser.add_argument("--settle", type=float, default=2.0, help="idle seconds before SIGINT")
    parser.add_argument("--trace", action="store_true", help="print the output after SIGINT")
    parser.add_argument("--json", action="store_true", help="print one JSON line of the figures")
    args = parser.parse_args(argv)
    runs = []
    for number in range(1, args.repeat + 1):
        run = run_once(args.runners, args.settle)
        runs.append(run)
        print(
            f"stop {number}: {run.seconds:.2f} s from SIGINT to exit (status {run.status}); "
            f"children left: {len(run.survivors)}; moto snapshot on disk: {run.snapshot}",
            flush=True,
        )
        if args.trace:
            print("\n".join("    " + line for line in run.trace), flush=True)
    seconds = [run.seconds for run in runs]
    print(
        f"idle stack, {args.runners} runner(s): median {statistics.median(seconds):.2f} s, "
        f"min {min(seconds):.2f} s, max {max(seconds):.2f} s over {len(runs)} stop(s)"
    )
    if args.json:
        print(json.dumps({"runners": args.runners, "stop_s": seconds}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
