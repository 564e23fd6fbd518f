"""``python -m build_runner run [--once] [--runner-id ID] [--wait S] [--concurrency N]``: the
build runner.

Reads the settings from the environment (``APKGEN_*``, see ``apkgen_core.settings``), builds the
AWS clients, one warm :class:`~build_runner.generate.pipeline.Generator` and one fan-out hub
(both shared by the builds running at once: ``--concurrency``, else
``$APKGEN_RUNNER_CONCURRENCY``, else one per core), then takes jobs until SIGTERM/SIGINT (or
after one receive with ``--once``). Exit status: 0 after a clean stop, 1 when the runner cannot
start (the reason is printed), 2 for bad usage.
"""

from __future__ import annotations

import argparse
import logging
import os
import signal
import sys
from types import FrameType

from apkgen_core.settings import Settings
from build_runner.errors import ApkgenError
from build_runner.fanout.poster import management_client
from build_runner.fanout.sink import DEFAULT_WORKERS, FanoutHub
from build_runner.logs import LogSink, TerminalSink
from build_runner.runner.config import RunnerConfig, Services
from build_runner.runner.loop import Runner
from chalicelib.aws import AwsClients

logger = logging.getLogger("build_runner.runner")


def build_parser() -> argparse.ArgumentParser:
    """The ``run`` command's arguments."""
    parser = argparse.ArgumentParser(
        prog="python -m build_runner run",
        description="Take build jobs from SQS, build the apps, stream their logs to viewers.",
    )
    parser.add_argument("--once", action="store_true",
                        help="receive once (one long poll), handle what came, then exit")
    parser.add_argument("--runner-id", default=os.environ.get("APKGEN_RUNNER_ID") or None,
                        help="this runner's name in logs and build items (default: "
                        "$APKGEN_RUNNER_ID, else host-pid-random)")
    parser.add_argument("--wait", type=int, metavar="S",
                        help="long-poll wait in seconds, 0 to 20 (default 20)")
    parser.add_argument("--concurrency", type=int, metavar="N",
                        help="builds run at once (default: $APKGEN_RUNNER_CONCURRENCY, else one "
                        "per core)")
    parser.add_argument("--workers", type=int, default=DEFAULT_WORKERS,
                        help=f"fan-out worker threads (default {DEFAULT_WORKERS})")
    parser.add_argument("--echo", action="store_true",
                        help="also print every build's log lines on stderr")
    parser.add_argument("-v", "--verbose", action="store_true", help="debug logging")
    return parser


def main(argv: list[str] | None = None) -> int:
    """Run the runner; see the module docstring for the exit status."""
    args = build_parser().parse_args(argv)
    logging.basicConfig(
        level=logging.DEBUG if args.verbose else logging.INFO,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
    )
    if args.wait is not None and not 0 <= args.wait <= 20:
        print(f"--wait {args.wait}: SQS long polls last 0 to 20 seconds", file=sys.stderr)
        return 2
    if args.workers < 1:
        print(f"--workers {args.workers}: at least one worker is needed", file=sys.stderr)
        return 2
    if args.concurrency is not None and args.concurrency < 1:
        print(f"--concurrency {args.concurrency}: a runner runs at least one build at a time",
              file=sys.stderr)
        return 2
    try:
        settings = Settings.from_env()
        config = RunnerConfig.from_settings(
            settings, runner_id=args.runner_id, wait_s=args.wait, concurrency=args.concurrency
        )
        # The fan-out's workers read connections and store lines at once, and so do the builds
        # and their heartbeats: one HTTP connection each, kept open.
        clients = AwsClients(settings, max_pool_connections=args.workers + 2 * config.concurrency)
        services = Services.from_clients(settings, clients)
        from build_runner.generate.pipeline import Generator, GeneratorConfig

        generator = Generator(GeneratorConfig.from_settings(settings))
    except (ApkgenError, ValueError) as exc:
        print(f"the runner cannot start: {exc}", file=sys.stderr)
        return 1
    except Exception as exc:  # boto3 cannot reach AWS, a queue is missing, …
        print(f"the runner cannot start: {type(exc).__name__}: {exc}", file=sys.stderr)
        return 1
    hub = FanoutHub(
        services.logs,
        services.connections,
        management_client(settings, max_pool_connections=args.workers),
        workers=args.workers,
    )
    extra: tuple[LogSink, ...] = (TerminalSink(),) if args.echo else ()
    runner = Runner(services, generator, hub, config, extra_sinks=extra)

    def stop(signum: int, frame: FrameType | None) -> None:
        logger.info("%s: finishing or releasing the builds in flight, then stopping",
                    signal.Signals(signum).name)
        runner.request_stop()

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    logger.info("runner %s polling %s (%d build(s) at once)", config.runner_id,
                services.queue.queue_url, config.concurrency)
    try:
        runner.run(once=args.once)
    except Exception as exc:  # only with --once: the loop itself retries
        logger.error("runner %s stopped: %s: %s", config.runner_id, type(exc).__name__, exc)
        return 1
    finally:
        hub.close()
        generator.close()
    logger.info("runner %s stopped", config.runner_id)
    return 0
