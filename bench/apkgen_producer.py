"""The producer side of apkgen in the fan-out benchmark: B builds through the production sink.

``python -m bench.apkgen_producer --builds a,b,c --lines L [--rate R] [--workers N]`` runs with
the ``APKGEN_*`` settings of the bench stack (moto's server + local_ws). It builds the runner's
own objects — :class:`build_runner.fanout.sink.FanoutHub` over chalicelib's ``LogStore`` and
``ConnectionStore`` and the ``@connections`` client of :func:`build_runner.fanout.poster.
management_client` — opens one :class:`FanoutSink` per build and wraps it in a
:class:`build_runner.logs.BuildLog`, exactly as the runner does for a build.

Protocol with the parent (:class:`bench.fanout.ApkgenSystem`), one line each on stdout/stdin:

1. prints ``READY`` once the hub and sinks exist and the clients are warm (:func:`warm_up`;
   nothing emitted yet);
2. waits for ``GO`` on stdin, then starts one thread per build that logs L bench lines
   (:func:`bench.measure.make_line`, send time taken just before ``log.info``), as fast as it
   can or at R lines/s per build;
3. closes every sink (each waits until its lines are persisted and posted), then prints
   ``DONE {json}`` with the counters: management-API calls (``post_to_connection`` attempts),
   posts delivered, retries, gone, skipped, group writes of the log store, connection listings
   read, lines persisted and persistence failures.
"""

from __future__ import annotations

import argparse
import json
import sys
import threading
import time
from typing import Any

from botocore.exceptions import ClientError

from apkgen_core.settings import Settings
from bench.measure import make_line
from build_runner.fanout.poster import management_client
from build_runner.fanout.sink import DEFAULT_WORKERS, FanoutHub, FanoutSink
from build_runner.logs import BuildLog
from chalicelib.aws import AwsClients
from chalicelib.connections import ConnectionStore
from chalicelib.logstore import LogStore

CLOSE_TIMEOUT_S = 600.0


def produce(build: str, log: BuildLog, lines: int, rate: float | None) -> None:
    """Log ``lines`` bench lines for ``build``; at ``rate`` lines/s when given (paced on a
    schedule, so a late line does not delay the ones after it)."""
    interval = 1.0 / rate if rate else 0.0
    start = time.monotonic()
    for seq in range(1, lines + 1):
        if interval:
            delay = start + (seq - 1) * interval - time.monotonic()
            if delay > 0:
                time.sleep(delay)
        log.info(make_line(build, seq, time.time_ns()))


def warm_up(hub: FanoutHub, clients: AwsClients, management: Any, build: str) -> None:
    """What a long-running runner has done before its next build, so the measured window
    does not pay for it: build the clients, load the operations' models, open connections.

    Read-only calls: the build's connection listing, and a ``GetConnection`` for an unknown
    id (``GoneException``, as expected)."""
    hub.connection_store.registrations(build)
    clients.dynamodb.meta.service_model.operation_model("BatchWriteItem")
    try:
        management.get_connection(ConnectionId="bench-warm-up")
    except ClientError as exc:
        if exc.response.get("Error", {}).get("Code") != "GoneException":
            raise


def run(builds: list[str], lines: int, rate: float | None, workers: int,
        settings: Settings, go: threading.Event | None = None) -> dict[str, Any]:
    """Drive ``builds`` through a FanoutHub; returns the counters printed with ``DONE``.

    Prints ``READY`` before waiting for ``go`` (stdin's ``GO`` when None).
    """
    clients = AwsClients(settings, max_pool_connections=workers)
    management = management_client(settings, max_pool_connections=workers)
    hub = FanoutHub(
        LogStore(clients.dynamodb, settings.logs_table, settings.log_ttl_days),
        ConnectionStore(clients.dynamodb, settings.connections_table, settings.connection_ttl_s),
        management,
        workers=workers,
    )
    warm_up(hub, clients, management, builds[0])
    sinks: list[FanoutSink] = [hub.open(build) for build in builds]
    threads = [
        threading.Thread(target=produce, args=(build, BuildLog(sink), lines, rate),
                         name=f"build-{build}", daemon=True)
        for build, sink in zip(builds, sinks, strict=True)
    ]
    print("READY", flush=True)
    if go is None:
        answer = sys.stdin.readline().strip()
        if answer != "GO":
            raise SystemExit(f"expected GO on stdin, got {answer!r}")
    else:
        go.wait()
    started = time.monotonic()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    emitted_s = time.monotonic() - started
    drained = all(sink.close(CLOSE_TIMEOUT_S) for sink in sinks)
    hub.close()
    stats = hub.poster.stats
    return {
        "api_calls": stats.posts,
        "delivered_posts": stats.delivered,
        "retries": stats.retries,
        "gone": stats.gone,
        "skipped": stats.skipped,
        "store_writes": hub.commit.writes,
        "listing_reads": hub.listing_reads,
        "lines_persisted": sum(sink.lines_persisted for sink in sinks),
        "persist_failures": sum(sink.persist_failures for sink in sinks),
        "drained": drained,
        "emit_s": round(emitted_s, 3),
        "total_s": round(time.monotonic() - started, 3),
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.apkgen_producer", description=__doc__)
    parser.add_argument("--builds", required=True, help="comma-separated build ids (created)")
    parser.add_argument("--lines", type=int, required=True)
    parser.add_argument("--rate", type=float, default=None, help="lines/s per build")
    parser.add_argument("--workers", type=int, default=DEFAULT_WORKERS)
    args = parser.parse_args(argv)
    settings = Settings.from_env()
    builds = [b for b in args.builds.split(",") if b]
    result = run(builds, args.lines, args.rate, args.workers, settings)
    print("DONE " + json.dumps(result), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
