"""Generation benchmark: SparkSummit17 → verified APK, cold and warm.

``python -m bench.generation [--warm N] [--cold N] [--sample ZIP]`` prints median / p90 / min
per mode and the median time of each step of the warm builds (where the time goes), writes
``bench/results/generation.json`` and returns the figures as a dict.

- first run: an empty cache, reported only (it happens once per machine).
- cold: a fresh :class:`Generator` each time (signer JVM started, key loaded), the dex and key
  caches allowed (they are built once per machine), then one build.
- warm: one Generator, one unmeasured build to warm it, then N measured builds.

Targets on a 2-core machine: warm median ≤ 0.5 s, cold ≤ 2 s.
"""

from __future__ import annotations

import argparse
import json
import math
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from build_runner.generate.pipeline import GenerateOptions, Generator, GeneratorConfig
from build_runner.logs import BuildLog, LogRecord

REPO = Path(__file__).resolve().parents[1]
DEFAULT_SAMPLE = REPO / ".." / "shared" / "samples" / "open-event" / "SparkSummit17.zip"
RESULTS = REPO / "bench" / "results" / "generation.json"
DEFAULT_CACHE = Path.home() / ".cache" / "apkgen"
TARGETS_S = {"warm": 0.5, "cold": 2.0}


def percentile(values: list[float], share: float) -> float:
    """The nearest-rank percentile (``share`` in 0..1) of a non-empty list."""
    ordered = sorted(values)
    return ordered[max(0, math.ceil(share * len(ordered)) - 1)]


def figures(values: list[float]) -> dict[str, float]:
    """median, p90, min and max of durations in seconds."""
    return {"median": statistics.median(values), "p90": percentile(values, 0.9),
            "min": min(values), "max": max(values), "n": len(values)}


class StepTimes:
    """A log sink timing each step from its ▶ line to its ✓ line."""

    def __init__(self) -> None:
        self.started: dict[str, float] = {}
        self.durations: dict[str, float] = {}

    def emit(self, record: LogRecord) -> None:
        if record.text.startswith("▶ "):
            self.started[record.step] = record.ts
        elif record.text.startswith("✓ ") and record.step in self.started:
            self.durations[record.step] = record.ts - self.started[record.step]


def one_build(generator: Generator, sample: Path, out: Path) -> tuple[float, dict[str, float]]:
    steps = StepTimes()
    started = time.perf_counter()
    generator.generate(sample, out, GenerateOptions(), BuildLog(steps, clock=time.perf_counter))
    return time.perf_counter() - started, steps.durations


def run(sample: Path = DEFAULT_SAMPLE, *, warm: int = 12, cold: int = 3,
        cache_dir: Path = DEFAULT_CACHE, compare_cli: int = 0) -> dict[str, Any]:
    """Measure cold and warm builds of ``sample``; return the figures.

    ``compare_cli`` > 0 also times that many builds signed by the apksigner command.
    """
    with tempfile.TemporaryDirectory(prefix="apkgen-bench-") as tmp:
        work = Path(tmp)
        # First run on a machine: empty cache (apktool assembles the dex, keytool makes the
        # development key, javac compiles the signer helper). Reported, not a target.
        started = time.perf_counter()
        fresh = GeneratorConfig(work_dir=work / "work", cache_dir=work / "empty-cache")
        with Generator(fresh) as generator:
            one_build(generator, sample, work / "first.apk")
        first_run = time.perf_counter() - started

        config = GeneratorConfig(work_dir=work / "work", cache_dir=cache_dir)
        # Fill the per-machine caches (dex, development key, compiled helper) once, unmeasured.
        Generator(config).close()

        cold_times: list[float] = []
        for index in range(cold):
            started = time.perf_counter()
            generator = Generator(config)
            try:
                one_build(generator, sample, work / f"cold-{index}.apk")
            finally:
                generator.close()
            cold_times.append(time.perf_counter() - started)

        warm_times: list[float] = []
        per_step: dict[str, list[float]] = {}
        with Generator(config) as generator:
            one_build(generator, sample, work / "warmup.apk")
            for index in range(warm):
                seconds, steps = one_build(generator, sample, work / f"warm-{index}.apk")
                warm_times.append(seconds)
                for step, duration in steps.items():
                    per_step.setdefault(step, []).append(duration)
            signer = generator.signer_name
        size = (work / "warmup.apk").stat().st_size

        cli_times: list[float] = []
        if compare_cli:
            # The same warm builds signed by the apksigner command: what the warm JVM saves.
            cli_config = GeneratorConfig(work_dir=work / "work", cache_dir=cache_dir,
                                         warm_signer=False)
            with Generator(cli_config) as generator:
                for index in range(compare_cli):
                    cli_times.append(one_build(generator, sample, work / f"cli-{index}.apk")[0])
    extra = {"apksigner_command_warm_s": figures(cli_times)} if cli_times else {}
    return {
        "sample": sample.name,
        "apk_bytes": size,
        "signer": signer,
        "first_run_empty_cache_s": first_run,
        "cold_s": figures(cold_times),
        "warm_s": figures(warm_times),
        "warm_steps_median_s": {step: statistics.median(v) for step, v in per_step.items()},
        "targets_s": TARGETS_S,
        **extra,
    }


def report(result: dict[str, Any]) -> str:
    """The figures as text."""
    lines = [f"generation: {result['sample']} → verified APK ({result['apk_bytes']} bytes), "
             f"signer: {result['signer']}"]
    for mode in ("cold", "warm"):
        f = result[f"{mode}_s"]
        verdict = "meets" if f["median"] <= TARGETS_S[mode] else "MISSES"
        lines.append(f"  {mode:<4} median {f['median']:.3f}s  p90 {f['p90']:.3f}s  "
                     f"min {f['min']:.3f}s  (n={f['n']}; {verdict} target "
                     f"≤ {TARGETS_S[mode]}s)")
    lines.append(f"  first run on an empty cache: {result['first_run_empty_cache_s']:.3f}s "
                 "(dex assembly, key creation, helper compilation; once per machine)")
    if "apksigner_command_warm_s" in result:
        f = result["apksigner_command_warm_s"]
        lines.append(f"  with the apksigner command instead of the warm JVM: median "
                     f"{f['median']:.3f}s  p90 {f['p90']:.3f}s  min {f['min']:.3f}s (n={f['n']})")
    steps = result["warm_steps_median_s"]
    lines.append("  warm steps (median): " + ", ".join(
        f"{step} {seconds * 1000:.0f}ms" for step, seconds in steps.items()))
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> dict[str, Any]:
    """Command line: run, print, save; returns the figures."""
    parser = argparse.ArgumentParser(prog="python -m bench.generation", description=__doc__)
    parser.add_argument("--sample", type=Path, default=DEFAULT_SAMPLE)
    parser.add_argument("--warm", type=int, default=12, help="measured warm builds (≥ 10)")
    parser.add_argument("--cold", type=int, default=3, help="cold builds")
    parser.add_argument("--cache-dir", type=Path, default=DEFAULT_CACHE)
    parser.add_argument("--compare-cli", type=int, default=0, metavar="N",
                        help="also time N builds signed by the apksigner command")
    args = parser.parse_args(sys.argv[1:] if argv is None else argv)
    result = run(args.sample, warm=args.warm, cold=args.cold, cache_dir=args.cache_dir,
                 compare_cli=args.compare_cli)
    print(report(result))
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps(result, indent=2) + "\n", encoding="utf-8")
    return result


if __name__ == "__main__":
    main()
