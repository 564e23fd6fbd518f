"""``python -m bench builds [--sample ZIP] [--builds N] [--runners 1,2] [--concurrency C]``:
many builds at once through the whole local stack.

For each runner count, starts the local stack (:class:`local_stack.stack.LocalStack`: moto, the
app over HTTP, local_ws and R runner processes, every port a free one), with the runners'
concurrency at its default (one build per core) unless ``--concurrency`` sets
``APKGEN_RUNNER_CONCURRENCY``; waits until every runner polls the queue; submits N builds at
once as the page does (``POST /uploads``, the zip to the presigned S3 POST, ``POST /builds``);
and waits until each build has its final status. Per run:

* builds/min: N over the time from the first upload's start to the last final status;
* p50 / p99 / max: from a build's upload start to its final status (the build item's
  ``finished_at``: the same machine's clock);
* CPU s/build: the CPU seconds of every process of the stack during the run (moto, the app,
  local_ws, the runners with their signer JVM and tools: psutil, else ``/proc``) over N, also
  by part;
* where a build's time goes: the median of each phase, read from the stored log lines
  (``queued`` until a runner takes it, ``waiting`` from then to its first step, each step,
  ``finishing`` from its last line to its final status).

Prints a table and writes the figures under ``"builds"`` in ``bench/results/latest.json``
(what the other benchmarks wrote there is kept). Figures, not assertions.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import math
import os
import shutil
import statistics
import threading
import time
from collections import deque
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import asdict, dataclass, replace
from pathlib import Path
from typing import Any

from bench.report import LATEST, machine, write_results

REPO = Path(__file__).resolve().parents[1]
DEFAULT_SAMPLE = REPO / ".." / "shared" / "samples" / "open-event" / "SparkSummit17.zip"
# Kept between runs (like .dev/e2e): the runners' cache (dex, development key, signer helper)
# is made once; moto's state is not kept.
DEFAULT_STATE = REPO / ".dev" / "bench-builds"
TARGETS = {"builds_per_min": 250, "p99_s": 12.0, "cores": 2}
REFERENCE = {"1 runner": {"builds_per_min": 107, "p50_s": 14.5, "p99_s": 26.0},
             "2 runners": {"builds_per_min": "152-179"}}
START_S = 300.0
FINISH_S = 900.0
POLL_S = 0.5
RETRIES, RETRY_S = 8, 0.02
TERMINAL = frozenset({"succeeded", "failed", "cancelled"})


@dataclass(frozen=True)
class BuildTimes:
    """One build: when its upload started, when it got its final status, its log lines."""

    build_id: str
    started: float
    finished: float | None
    status: str
    lines: tuple[tuple[float, str, str], ...] = ()  # (ts, step, text)


@dataclass(frozen=True)
class RunFigures:
    runners: int
    concurrency: int
    builds: int
    succeeded: int
    apks_in_s3: int
    window_s: float
    builds_per_min: float
    p50_s: float
    p99_s: float
    max_s: float
    cpu_s_per_build: float
    cpu_s: dict[str, float]
    phases_median_s: dict[str, float]
    http_retries: int = 0  # requests sent again after a refused or reset connection
    # CPU seconds during the run of the benchmark's own client, and of everything else on the
    # machine (another job's load makes the figures worse: they are only comparable when low).
    client_cpu_s: float = 0.0
    other_cpu_s: float = 0.0

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


# -- pure: figures and the table ---------------------------------------------------------------

def percentile(values: Sequence[float], share: float) -> float:
    """The nearest-rank percentile (``share`` in 0..1); 0.0 for no values."""
    ordered = sorted(values)
    if not ordered:
        return 0.0
    return ordered[max(0, math.ceil(share * len(ordered)) - 1)]


def phases(build: BuildTimes) -> dict[str, float]:
    """Where one build's time went, from its log lines (see the module docstring)."""
    if not build.lines:
        return {}
    out = {"queued": build.lines[0][0] - build.started}
    opened: dict[str, float] = {}
    first_step: float | None = None
    for ts, step, text in build.lines:
        if text.startswith("▶ "):
            opened[step] = ts
            first_step = ts if first_step is None else first_step
        elif text.startswith("✓ ") and step in opened:
            out[step] = out.get(step, 0.0) + ts - opened.pop(step)
    if first_step is not None:
        out["waiting"] = first_step - build.lines[0][0]
    if build.finished is not None:
        out["finishing"] = build.finished - build.lines[-1][0]
    return out


def figures(runners: int, concurrency: int, builds: Sequence[BuildTimes],
            cpu_s: dict[str, float], apks_in_s3: int, retries: int = 0) -> RunFigures:
    """The figures of one run."""
    done = [b for b in builds if b.finished is not None]
    latencies = [b.finished - b.started for b in done if b.finished is not None]
    start = min((b.started for b in builds), default=0.0)
    end = max((b.finished for b in done if b.finished is not None), default=start)
    window = max(end - start, 1e-9)
    per_phase: dict[str, list[float]] = {}
    for build in done:
        for name, seconds in phases(build).items():
            per_phase.setdefault(name, []).append(seconds)
    total_cpu = sum(cpu_s.values())
    return RunFigures(
        runners=runners, concurrency=concurrency, builds=len(builds),
        succeeded=sum(b.status == "succeeded" for b in builds), apks_in_s3=apks_in_s3,
        window_s=round(window, 2), builds_per_min=round(len(done) * 60 / window, 1),
        p50_s=round(percentile(latencies, 0.5), 2), p99_s=round(percentile(latencies, 0.99), 2),
        max_s=round(max(latencies, default=0.0), 2),
        cpu_s_per_build=round(total_cpu / max(len(builds), 1), 3),
        cpu_s={name: round(seconds, 2) for name, seconds in cpu_s.items()},
        phases_median_s={name: round(statistics.median(v), 3) for name, v in per_phase.items()},
        http_retries=retries,
    )


def table(results: Sequence[RunFigures]) -> str:
    """A Markdown table, one row per run; then the CPU and the phases of each run."""
    header = ("runners", "conc.", "builds", "ok", "builds/min", "p50 s", "p99 s", "max s",
              "CPU s/build")
    rows = [header] + [
        (str(r.runners), str(r.concurrency), str(r.builds), str(r.succeeded),
         f"{r.builds_per_min:.1f}", f"{r.p50_s:.2f}", f"{r.p99_s:.2f}", f"{r.max_s:.2f}",
         f"{r.cpu_s_per_build:.3f}") for r in results
    ]
    widths = [max(len(row[i]) for row in rows) for i in range(len(header))]
    lines = ["| " + " | ".join(c.ljust(w) for c, w in zip(row, widths, strict=True)) + " |"
             for row in rows]
    lines.insert(1, "|" + "|".join("-" * (w + 2) for w in widths) + "|")
    for r in results:
        per_build = ", ".join(f"{name} {seconds / max(r.builds, 1):.3f}"
                              for name, seconds in sorted(r.cpu_s.items()))
        steps = ", ".join(f"{name} {seconds:.2f}" for name, seconds in r.phases_median_s.items())
        lines.append(f"{r.runners} runner(s): CPU s/build by part: {per_build}")
        lines.append(f"{r.runners} runner(s): median s per phase: {steps}")
        lines.append(f"{r.runners} runner(s): APKs in S3 {r.apks_in_s3}/{r.builds}, "
                     f"HTTP requests sent again {r.http_retries}; CPU s meanwhile: the client "
                     f"{r.client_cpu_s:.1f}, the rest of the machine {r.other_cpu_s:.1f}")
    return "\n".join(lines)


# -- CPU of the stack's processes --------------------------------------------------------------

def _proc_cpu_s(pid: int) -> float:
    """utime + stime + cutime + cstime of ``pid`` and its live descendants, from ``/proc``."""
    ticks = os.sysconf("SC_CLK_TCK")
    total, todo = 0.0, [pid]
    while todo:
        current = todo.pop()
        try:
            fields = Path(f"/proc/{current}/stat").read_text().rpartition(")")[2].split()
            total += sum(int(v) for v in fields[11:15]) / ticks
            for task in Path(f"/proc/{current}/task").iterdir():
                todo.extend(int(c) for c in (task / "children").read_text().split())
        except (OSError, ValueError):
            continue  # it ended meanwhile: its time is in its parent's children times now
    return total


def machine_busy_s() -> float:
    """CPU seconds the whole machine spent busy since boot (``/proc/stat``), 0.0 elsewhere."""
    try:
        first = Path("/proc/stat").read_text().splitlines()[0].split()
    except (OSError, IndexError):
        return 0.0
    user, nice, system, _idle, _iowait, irq, softirq, steal = (int(v) for v in first[1:9])
    return (user + nice + system + irq + softirq + steal) / os.sysconf("SC_CLK_TCK")


def own_cpu_s() -> float:
    """This process's CPU seconds (the benchmark's client side)."""
    times = os.times()
    return times.user + times.system


def cpu_s(pid: int) -> float:
    """The CPU seconds of ``pid``: its own, its reaped children's, its live descendants'."""
    try:
        import psutil
    except ImportError:
        return _proc_cpu_s(pid)
    total = 0.0
    try:
        root = psutil.Process(pid)
        family = [root, *root.children(recursive=True)]
    except psutil.Error:
        return 0.0
    for process in family:
        try:
            t = process.cpu_times()
            total += t.user + t.system + t.children_user + t.children_system
        except psutil.Error:
            continue
    return total


# -- driving the stack -------------------------------------------------------------------------

def submit(http_url: str, sample: Path, retries: list[int]) -> tuple[str, float]:
    """One build as the page makes it; ``(build id, when its upload started)``.

    A request whose connection is refused or reset is sent again (as a browser would), after
    ``RETRY_S`` doubling; each one is counted in ``retries``: ``chalice.local``'s server
    listens with a backlog of 5 connections.
    """
    from apkgen_client.api import ApiClient
    from apkgen_client.errors import ApiError

    api = ApiClient(http_url, timeout=120)

    def again(call: Any) -> Any:
        for attempt in range(RETRIES):
            try:
                return call()
            except ApiError as exc:
                if exc.status != 0 or attempt == RETRIES - 1:
                    raise
                retries.append(1)
                time.sleep(RETRY_S * 2**attempt)

    started = time.time()
    key = again(lambda: api.upload(again(api.create_upload), sample))
    return str(again(lambda: api.create_build({"upload_key": key}))["build_id"]), started


def finished_builds(clients: Any, table_name: str) -> dict[str, dict[str, Any]]:
    """Every build item, by id (a consistent scan)."""
    items: dict[str, dict[str, Any]] = {}
    kwargs: dict[str, Any] = {"TableName": table_name, "ConsistentRead": True}
    while True:
        page = clients.dynamodb.scan(**kwargs)
        items.update({item["build_id"]["S"]: item for item in page.get("Items", [])})
        if "LastEvaluatedKey" not in page:
            return items
        kwargs["ExclusiveStartKey"] = page["LastEvaluatedKey"]


def run_once(sample: Path, builds: int, runners: int, concurrency: int | None,
             state_dir: Path, persist_moto: bool) -> RunFigures:
    """Start the stack, run ``builds`` builds at once, stop it; the run's figures."""
    import boto3

    from build_runner.runner.config import default_concurrency
    from chalicelib.aws import AwsClients
    from chalicelib.logstore import LogStore
    from local_stack.stack import FAKE_AWS_ENV, LocalStack, StackOptions, iter_children

    shutil.rmtree(state_dir / "moto", ignore_errors=True)
    env = {"APKGEN_RUNNER_CONCURRENCY": str(concurrency)} if concurrency else {}
    tail: deque[str] = deque(maxlen=60)
    polling: set[str] = set()
    all_polling = threading.Event()

    def output(name: str, line: str) -> None:
        tail.append(f"[{name}] {line}")
        if name.startswith("runner-") and " polling " in line:
            polling.add(name)
            if len(polling) >= runners:
                all_polling.set()

    options = StackOptions(http_port=0, ws_port=0, mgmt_port=0, moto_port=0, runners=runners,
                           state_dir=state_dir.resolve(), env=env, persist_moto=persist_moto)
    stack = LocalStack(options, output=output)
    try:
        urls = stack.start()
        if not all_polling.wait(START_S):
            raise RuntimeError("the runners did not start polling:\n" + "\n".join(tail))
        settings = stack.settings()
        session = boto3.session.Session(
            aws_access_key_id=FAKE_AWS_ENV["AWS_ACCESS_KEY_ID"],
            aws_secret_access_key=FAKE_AWS_ENV["AWS_SECRET_ACCESS_KEY"],
            region_name=settings.region)
        clients = AwsClients(settings, session=session)
        parts = {child.name: child.pid for child in iter_children(stack)}
        before = {name: cpu_s(pid) for name, pid in parts.items()}
        busy_before, own_before = machine_busy_s(), own_cpu_s()
        retries: list[int] = []
        with ThreadPoolExecutor(max_workers=builds) as pool:
            submitted = dict(pool.map(lambda _: submit(urls.http_url, sample, retries),
                                      range(builds)))
        deadline = time.monotonic() + FINISH_S
        while True:
            items = finished_builds(clients, settings.builds_table)
            if all(items.get(b, {}).get("status", {}).get("S") in TERMINAL for b in submitted):
                break
            if time.monotonic() > deadline:
                raise RuntimeError(f"builds unfinished after {FINISH_S:.0f} s:\n" + "\n".join(tail))
            time.sleep(POLL_S)  # the table is only seen by asking
        used = {name: cpu_s(pid) - before[name] for name, pid in parts.items()}
        client = own_cpu_s() - own_before
        others = max(0.0, machine_busy_s() - busy_before - sum(used.values()) - client)
        logs = LogStore(clients.dynamodb, settings.logs_table, settings.log_ttl_days)
        times = []
        for build_id, started in submitted.items():
            item = items[build_id]
            lines, _ = logs.read(build_id, 0, 10_000)
            times.append(BuildTimes(
                build_id, started, float(item["finished_at"]["N"]) if "finished_at" in item
                else None, item["status"]["S"],
                tuple((float(x["ts"]), str(x["step"]), str(x["text"])) for x in lines)))
        apks = sum(_in_s3(clients, settings.bucket, items[b]) for b in submitted)
    finally:
        stack.stop()
    result = figures(runners, concurrency or default_concurrency(), times, used, apks,
                     len(retries))
    return replace(result, client_cpu_s=round(client, 2), other_cpu_s=round(others, 2))


def _in_s3(clients: Any, bucket: str, item: dict[str, Any]) -> bool:
    key = item.get("artifact", {}).get("M", {}).get("key", {}).get("S")
    if not key:
        return False
    head = clients.s3.head_object(Bucket=bucket, Key=key)
    return int(head["ContentLength"]) > 0


def write(results: Sequence[RunFigures], extra: dict[str, Any], path: Path = LATEST) -> Path:
    """Put the figures under ``"builds"`` in ``path``, keeping the rest of the document."""
    try:
        document: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        document = {}
    document["builds"] = {
        "date": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"), "machine": machine(),
        "targets": TARGETS, "reference": REFERENCE,
        "results": [r.to_dict() for r in results], **extra,
    }
    return write_results(document, path)


def main(argv: list[str] | None = None) -> dict[str, Any]:
    """Command line: run every runner count, print the table, write latest.json."""
    parser = argparse.ArgumentParser(prog="python -m bench builds", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sample", type=Path, default=DEFAULT_SAMPLE)
    parser.add_argument("--builds", type=int, default=50)
    parser.add_argument("--runners", default="1,2", help="runner counts, comma-separated")
    parser.add_argument("--concurrency", type=int, default=None,
                        help="APKGEN_RUNNER_CONCURRENCY of the runners (default: theirs)")
    parser.add_argument("--state-dir", type=Path, default=DEFAULT_STATE)
    parser.add_argument("--no-persist", action="store_true",
                        help="moto keeps no journal of its state (make dev keeps one)")
    args = parser.parse_args(argv)
    counts = [int(n) for n in args.runners.split(",") if n]
    if args.builds < 1 or not counts or min(counts) < 1:
        parser.error("give at least one build and runner counts of 1 or more")
    if not args.sample.is_file():
        parser.error(f"--sample {args.sample}: no such file")
    results = []
    for runners in counts:
        print(f"{runners} runner(s), {args.builds} builds of {args.sample.name} …", flush=True)
        results.append(run_once(args.sample.resolve(), args.builds, runners, args.concurrency,
                                args.state_dir, not args.no_persist))
    print(table(results))
    extra = {"sample": args.sample.name, "persist_moto": not args.no_persist}
    print(f"wrote {write(results, extra)}")
    return {"results": [r.to_dict() for r in results], **extra}


if __name__ == "__main__":
    main()
