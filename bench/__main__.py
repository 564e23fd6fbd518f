"""``python -m bench [--only fanout|generation] [--builds B --viewers V --lines L --rate R]
[--quick] [--repeat N] [--baselines eventlet,threading]`` (= ``make bench``).

Runs the benchmarks of :data:`BENCHMARKS` in order (all of them without ``--only``):

* ``fanout``: the build-log fan-out (workload W1 and its variants) through apkgen's real path
  and through the Flask-SocketIO baseline (bench/baseline/), side by side; prints one table
  and writes ``bench/results/latest.json`` (see :mod:`bench.report`). ``--builds``,
  ``--viewers``, ``--lines`` and ``--rate`` run that one workload instead of the default four;
  ``--quick`` runs a tiny pair (as the test suite does) and writes ``quick.json`` instead.
* ``generation``: SparkSummit17 → verified APK, cold and warm (:mod:`bench.generation`);
  ``--quick`` makes it 2 warm builds and 1 cold.
"""

from __future__ import annotations

import argparse
import datetime as dt
import sys
from typing import Any

BENCHMARKS: tuple[str, ...] = ("fanout", "generation")
DEFAULT_REPEAT = 3


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m bench", description="apkgen's benchmarks (make bench)."
    )
    parser.add_argument("names", nargs="*", metavar="NAME",
                        help=f"benchmarks to run (default all: {', '.join(BENCHMARKS)})")
    parser.add_argument("--only", choices=BENCHMARKS, help="run just this benchmark")
    parser.add_argument("--builds", type=int, help="fan-out: concurrent builds B")
    parser.add_argument("--viewers", type=int, help="fan-out: viewers per build V")
    parser.add_argument("--lines", type=int, help="fan-out: log lines per build L")
    parser.add_argument("--rate", type=float, help="fan-out: lines/s per build (default: flat out)")
    parser.add_argument("--quick", action="store_true", help="tiny workloads: proves it works")
    parser.add_argument("--repeat", type=int, default=None,
                        help="fan-out: runs per workload and system, the median run is reported "
                        f"(default {DEFAULT_REPEAT}, 1 with --quick)")
    parser.add_argument("--baselines", default="eventlet,threading",
                        help="Flask-SocketIO modes to compare with (comma-separated, or 'none')")
    args = parser.parse_args(argv)
    unknown = [name for name in args.names if name not in BENCHMARKS]
    if unknown:
        parser.error(f"unknown benchmark(s) {', '.join(unknown)}; known: {', '.join(BENCHMARKS)}")
    for name in ("builds", "viewers", "lines"):
        value = getattr(args, name)
        if value is not None and value < 1:
            parser.error(f"--{name} must be at least 1, not {value}")
    if args.repeat is None:
        args.repeat = 1 if args.quick else DEFAULT_REPEAT
    if args.repeat < 1:
        parser.error(f"--repeat must be at least 1, not {args.repeat}")
    if args.rate is not None and args.rate <= 0:
        parser.error(f"--rate must be a positive number of lines/s, not {args.rate}")
    modes = tuple(m for m in args.baselines.split(",") if m and m != "none")
    bad = [m for m in modes if m not in ("eventlet", "threading")]
    if bad:
        parser.error(f"--baselines {args.baselines!r}: modes are eventlet, threading or none")
    args.baseline_modes = modes
    return args


def run_fanout(args: argparse.Namespace) -> dict[str, Any]:
    """The fan-out benchmark: run, print the table, write latest.json; returns the document."""
    from bench import fanout, report

    workloads = fanout.suite(builds=args.builds, viewers=args.viewers, lines=args.lines,
                             rate=args.rate, quick=args.quick)
    results = fanout.run_suite(workloads, fanout.systems(args.baseline_modes),
                               repeat=args.repeat)
    print(report.table(results))
    document = report.results_document(results, when=dt.datetime.now(dt.UTC),
                                       extra={"quick": args.quick, "repeat": args.repeat})
    for key, ratio in document["speedups"].items():
        print(f"apkgen vs {key}: {ratio:.2f}x")
    path = report.QUICK if args.quick else report.LATEST
    print(f"wrote {report.write_results(document, path)}")
    return document


def run_generation(args: argparse.Namespace) -> dict[str, Any]:
    from bench import generation

    return generation.main(["--warm", "2", "--cold", "1"] if args.quick else [])


def main(argv: list[str] | None = None) -> int:
    args = parse_args(sys.argv[1:] if argv is None else argv)
    names = [args.only] if args.only else (args.names or list(BENCHMARKS))
    runners = {"fanout": run_fanout, "generation": run_generation}
    for name in names:
        print(f"== {name}", flush=True)
        runners[name](args)
    return 0


if __name__ == "__main__":
    sys.exit(main())
