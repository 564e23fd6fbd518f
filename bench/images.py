"""Images benchmark: an export with 300 remote speaker photos, each answer 100 ms late.

``python -m bench.images [--photos N] [--latency-ms MS] [--no-sequential] [--quick]`` (also
``python -m bench images``) times the images step (every photo downloaded, re-encoded and
placed) of one export against a local photo server run in its own process, which answers every
request (200 or 304) ``--latency-ms`` after it arrives and sends an ``ETag`` and a
``Last-Modified`` (and, in one scenario, ``Cache-Control: max-age``). Each photo is a distinct
800×800 JPEG. Per scenario:

- cold: an empty image cache; every photo is downloaded and re-encoded.
- warm: the next build on the same cache (a new fetcher and cache object, as a new build has):
  photos are revalidated (304) or, when the host said they stay fresh, not asked for at all,
  and no re-encoding is done.

Scenarios: photos spread over 4 hosts (the overall bound limits), all on 1 host (the per-host
bound limits), 4 hosts that send ``max-age``; and, unless ``--no-sequential``, the images step as
it was before (one download and re-encoding at a time, no cache). The figures are printed and
written under ``"images"`` into ``bench/results/latest.json`` (the other benchmarks' entries
kept). Targets (issue #14): cold ≤ 3 s, warm ≤ 1 s.
"""

from __future__ import annotations

import argparse
import datetime as dt
import email.utils
import http.server
import io
import json
import multiprocessing
import os
import random
import shutil
import statistics
import sys
import tempfile
import threading
import time
import urllib.request
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from PIL import Image

from bench import report
from build_runner.generate.fetch import Fetcher
from build_runner.generate.image_cache import ImageCache
from build_runner.generate.images import place_images
from build_runner.generate.limits import Limits
from build_runner.generate.normalize import normalize
from build_runner.generate.problems import Problems

TARGETS_S = {"cold": 3.0, "warm": 1.0}
PHOTOS = 300
LATENCY_MS = 100.0
PHOTO_SIDE = 800
LAST_MODIFIED = email.utils.formatdate(1_700_000_000, usegmt=True)


def photo(index: int, side: int = PHOTO_SIDE) -> bytes:
    """A distinct JPEG: a colour gradient with some noise, as large as a real photo."""
    rng = random.Random(index)
    small = Image.new("RGB", (16, 16))
    small.putdata([(rng.randrange(256), rng.randrange(256), rng.randrange(256))
                   for _ in range(256)])
    image = small.resize((side, side), Image.Resampling.BICUBIC)
    noise = Image.effect_noise((side, side), 24).convert("RGB")
    out = io.BytesIO()
    Image.blend(image, noise, 0.15).save(out, format="JPEG", quality=90)
    return out.getvalue()


def serve(photos: int, latency_s: float, ready: Any, stop: Any) -> None:
    """The photo server's process: ``/p/N.jpg`` late by ``latency_s``, ``/stats`` at once."""
    bodies = [photo(n) for n in range(photos)]
    counts = {"200": 0, "304": 0}
    max_age = {"value": ""}

    class Handler(http.server.BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def do_GET(self) -> None:
            if self.path.startswith("/stats"):
                if "reset" in self.path:
                    counts.update({"200": 0, "304": 0})
                    max_age["value"] = self.path.partition("max_age=")[2]
                self._answer(200, json.dumps(counts).encode(), {})
                return
            time.sleep(latency_s)
            number = int(self.path.rsplit("/", 1)[1].split(".")[0])
            etag = f'"photo-{number}-v1"'
            headers = {"ETag": etag, "Last-Modified": LAST_MODIFIED}
            if max_age["value"]:
                headers["Cache-Control"] = f"max-age={max_age['value']}"
            if self.headers.get("If-None-Match") == etag:
                counts["304"] += 1
                self._answer(304, b"", headers)
                return
            counts["200"] += 1
            self._answer(200, bodies[number], {**headers, "Content-Type": "image/jpeg"})

        def _answer(self, status: int, body: bytes, headers: dict[str, str]) -> None:
            self.send_response(status)
            for name, value in headers.items():
                self.send_header(name, value)
            if status != 304:
                self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, format: str, *args: Any) -> None:
            return None

    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    httpd.daemon_threads = True
    ready.put(httpd.server_address[1])
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    stop.wait()
    httpd.shutdown()


@dataclass(frozen=True)
class Scenario:
    name: str
    hosts: int
    max_age_s: int = 0


SCENARIOS = (Scenario("4 hosts, ETag/Last-Modified", 4),
             Scenario("1 host, ETag/Last-Modified", 1),
             Scenario("4 hosts, max-age=3600", 4, 3600))


def export(photos: int, port: int, hosts: int) -> dict[str, Any]:
    """The export's documents: one event, one session, ``photos`` speakers with photo URLs."""
    speakers = [{"id": n, "name": f"Speaker {n}",
                 "photo-url": f"http://photos{n % hosts}.bench.invalid:{port}/p/{n}.jpg"}
                for n in range(photos)]
    return {
        "event": {"id": 1, "name": "Photo Camp", "starts-at": "2024-05-01T09:00:00+00:00",
                  "ends-at": "2024-05-01T18:00:00+00:00", "timezone": "UTC"},
        "sessions": [{"id": 1, "title": "Everyone", "starts-at": "2024-05-01T10:00:00+00:00",
                      "ends-at": "2024-05-01T11:00:00+00:00", "speakers": list(range(photos))}],
        "speakers": speakers,
    }


def images_step(docs: dict[str, Any], limits: Limits, out: Path,
                cache: ImageCache | None) -> tuple[float, float, int, int]:
    """One build's images step: seconds, CPU seconds of this process, images placed,
    warnings."""
    problems = Problems()
    normalized = normalize(docs, problems)
    fetcher = Fetcher(limits, resolver=lambda host: ["127.0.0.1"])
    shutil.rmtree(out, ignore_errors=True)
    (out / "images").mkdir(parents=True)
    started, cpu = time.perf_counter(), time.process_time()
    placed = place_images(normalized, None, out, fetcher, limits, problems, cache=cache)
    took, cpu = time.perf_counter() - started, time.process_time() - cpu
    return took, cpu, len(placed.written), problems.warning_count


def server_counts(port: int, reset: str | None = None) -> dict[str, int]:
    query = f"?reset&max_age={reset}" if reset is not None else ""
    with urllib.request.urlopen(f"http://127.0.0.1:{port}/stats{query}", timeout=10) as answer:
        counts: dict[str, int] = json.loads(answer.read())
    return counts


def run(photos: int = PHOTOS, latency_ms: float = LATENCY_MS, *, sequential: bool = True,
        repeat: int = 3) -> dict[str, Any]:
    """Every scenario, cold and warm ``repeat`` times each (the median is reported)."""
    context = multiprocessing.get_context("spawn")
    ready, stop = context.Queue(), context.Event()
    server = context.Process(target=serve, args=(photos, latency_ms / 1000, ready, stop),
                             daemon=True)
    server.start()
    results: list[dict[str, Any]] = []
    load_before = os.getloadavg()[0]
    try:
        port = int(ready.get(timeout=120))
        limits = Limits(allow_private_hosts=True)
        with tempfile.TemporaryDirectory(prefix="apkgen-bench-images-") as tmp:
            work = Path(tmp)
            for scenario in SCENARIOS:
                docs = export(photos, port, scenario.hosts)
                cold: list[float] = []
                warm: list[float] = []
                cpu: dict[str, list[float]] = {"cold": [], "warm": []}
                for attempt in range(repeat):
                    cache_dir = work / f"cache-{scenario.hosts}-{scenario.max_age_s}-{attempt}"
                    server_counts(port, reset=str(scenario.max_age_s or ""))
                    took, used, placed, warned = images_step(docs, limits, work / "out",
                                                             ImageCache(cache_dir))
                    cold.append(took)
                    cpu["cold"].append(used)
                    cold_counts = server_counts(port, reset=str(scenario.max_age_s or ""))
                    took, used, warm_placed, warm_warned = images_step(
                        docs, limits, work / "out", ImageCache(cache_dir))
                    warm.append(took)
                    cpu["warm"].append(used)
                    warm_counts = server_counts(port)
                results.append({
                    "scenario": scenario.name, "photos": photos, "hosts": scenario.hosts,
                    "latency_ms": latency_ms, "cold_s": statistics.median(cold),
                    "warm_s": statistics.median(warm), "cold_runs_s": cold, "warm_runs_s": warm,
                    "cold_cpu_s": statistics.median(cpu["cold"]),
                    "warm_cpu_s": statistics.median(cpu["warm"]),
                    "placed": [placed, warm_placed], "warnings": [warned, warm_warned],
                    "requests_cold": cold_counts, "requests_warm": warm_counts,
                    "fetches": limits.image_fetches, "per_host": limits.image_fetches_per_host,
                })
            if sequential:
                server_counts(port, reset="")
                one_at_a_time = Limits(allow_private_hosts=True, image_fetches=1,
                                       image_fetches_per_host=1, image_encoders=1)
                took, used, placed, warned = images_step(export(photos, port, 1),
                                                         one_at_a_time, work / "out", None)
                results.append({"scenario": "before: one at a time, no cache", "photos": photos,
                                "hosts": 1, "latency_ms": latency_ms, "cold_s": took,
                                "warm_s": took, "cold_cpu_s": used, "warm_cpu_s": used,
                                "placed": [placed], "warnings": [warned]})
    finally:
        stop.set()
        server.join(timeout=10)
    # Other work on the machine slows the wall-clock figures; the CPU seconds say what was ours.
    return {"photos": photos, "latency_ms": latency_ms, "targets_s": TARGETS_S,
            "repeat": repeat, "load_average": [load_before, os.getloadavg()[0]],
            "results": results}


def text(figures: dict[str, Any]) -> str:
    """The figures as a table, each time against its target."""
    lines = [f"images: {figures['photos']} remote photos, {figures['latency_ms']:g} ms "
             f"latency each (median of {figures['repeat']}; machine load "
             f"{figures['load_average'][0]:.1f} → {figures['load_average'][1]:.1f})"]
    for row in figures["results"]:
        verdicts = [f"{mode} {row[f'{mode}_s']:.2f}s "
                    f"({'meets' if row[f'{mode}_s'] <= TARGETS_S[mode] else 'MISSES'} "
                    f"≤ {TARGETS_S[mode]:g}s)" for mode in ("cold", "warm")]
        if "requests_warm" not in row:
            verdicts = [f"{row['cold_s']:.2f}s"]
        verdicts.append(f"CPU {row['cold_cpu_s']:.2f}s" if "requests_warm" not in row else
                        f"CPU cold {row['cold_cpu_s']:.2f}s warm {row['warm_cpu_s']:.2f}s")
        requests = (f"; warm requests {row['requests_warm']}" if "requests_warm" in row else "")
        lines.append(f"  {row['scenario']:<34} " + "  ".join(verdicts)
                     + f"  placed {row['placed'][0]}{requests}")
    return "\n".join(lines)


def write(figures: dict[str, Any], path: Path = report.LATEST) -> Path:
    """Put the figures under ``"images"`` in ``path``, keeping what else it holds."""
    try:
        document = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        document = {}
    if not isinstance(document, dict):
        document = {}
    document["images"] = {"date": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
                          "machine": report.machine(), **figures}
    return report.write_results(document, path)


def main(argv: list[str] | None = None) -> dict[str, Any]:
    """Command line: run, print, save; returns the figures."""
    parser = argparse.ArgumentParser(prog="python -m bench.images", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--photos", type=int, default=PHOTOS)
    parser.add_argument("--latency-ms", type=float, default=LATENCY_MS)
    parser.add_argument("--repeat", type=int, default=3, help="cold and warm runs per scenario")
    parser.add_argument("--no-sequential", action="store_true",
                        help="skip the one-at-a-time run (it takes photos × latency)")
    parser.add_argument("--quick", action="store_true",
                        help="30 photos, one run each, no sequential run; writes quick.json")
    args = parser.parse_args(sys.argv[1:] if argv is None else argv)
    if args.quick:
        args.photos, args.repeat, args.no_sequential = 30, 1, True
    figures = run(args.photos, args.latency_ms, sequential=not args.no_sequential,
                  repeat=args.repeat)
    print(text(figures))
    print(f"wrote {write(figures, report.QUICK if args.quick else report.LATEST)}")
    return figures


if __name__ == "__main__":
    main()
