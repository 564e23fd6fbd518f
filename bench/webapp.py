"""Web app benchmark: the attendee app of a big event on a slow phone, in headless Chromium.

``python -m bench.webapp [--sample ZIP] [--sessions N] [--runs N]`` (``python -m bench webapp``)
builds two apps, the largest shared Open Event sample (by published sessions) and a generated
event of ``--sessions`` sessions over three days, opens each at phone size (390×844, touch)
with the CPU throttled 4× (``Emulation.setCPUThrottlingRate``) in Debian's Chromium, and prints
the median (and the best) over ``--runs`` page loads of:

- first screen drawn: navigation start to the largest contentful paint of the schedule;
- day switch: a tap on the next day's chip to the next frame after the new day's first screen
  is drawn (the app draws the rest of a long day in short steps after it);
- longest main-thread task while scrolling the longest day from top to bottom (long tasks,
  50 ms and over, as the browser reports them; below 50 ms it says so).

Targets: first screen ≤ 300 ms, day switch ≤ 100 ms, longest task while scrolling ≤ 50 ms.
The figures move with whatever else the machine runs (the throttle slows Chromium's main
thread only): run it on a quiet machine, or read the best run beside the median.
Writes ``bench/results/webapp.json`` and returns the figures.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import tempfile
import zipfile
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

from playwright.sync_api import Page, ViewportSize, sync_playwright

from build_runner.generate.model import (
    Event,
    EventModel,
    Room,
    Session,
    SessionType,
    Speaker,
    Sponsor,
    Track,
)
from build_runner.generate.source import load_event
from build_runner.generate.webapp import write_webapp
from build_runner.logs import BuildLog

REPO = Path(__file__).resolve().parents[1]
SAMPLES = REPO / ".." / "shared" / "samples" / "open-event"
RESULTS = REPO / "bench" / "results" / "webapp.json"
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--no-first-run"]
PHONE: ViewportSize = {"width": 390, "height": 844}
CPU_SLOWDOWN = 4
TARGETS_MS = {"first_screen": 300.0, "day_switch": 100.0, "scroll_longest_task": 50.0}
WAIT_MS = 30_000

# Collects paints and long tasks from the start of the page (added before its scripts run).
OBSERVE = """
window.__bench = { lcp: 0, long: [] };
new PerformanceObserver(list => {
  for (const e of list.getEntries()) window.__bench.lcp = Math.max(window.__bench.lcp, e.startTime);
}).observe({ type: 'largest-contentful-paint', buffered: true });
new PerformanceObserver(list => {
  for (const e of list.getEntries()) window.__bench.long.push([e.startTime, e.duration]);
}).observe({ type: 'longtask', buffered: true });
"""

# The schedule is drawn whole (the app draws a long day's cards in steps, aria-busy meanwhile).
COMPLETE = ("() => document.querySelector('.card') !== null && "
            "!document.getElementById('main').hasAttribute('aria-busy')")

# Taps the chip of the next day; resolves with the ms from the tap to the frame after drawing.
DAY_SWITCH = """() => new Promise(resolve => {
  const chips = Array.from(document.querySelectorAll('.days .chip:not(.chip-now)'));
  const current = chips.findIndex(c => c.getAttribute('aria-current') === 'true');
  const next = chips[(current + 1) % chips.length];
  const start = performance.now();
  document.addEventListener('apkgen:rendered', () => {
    requestAnimationFrame(() => setTimeout(() => resolve(performance.now() - start), 0));
  }, { once: true });
  next.click();
})"""

# Scrolls the page to its end in steps, one step a frame; resolves with the longest task.
SCROLL = """step => new Promise(resolve => {
  const start = performance.now();
  window.scrollTo(0, 0);
  let frames = 0, worst = 0, last = start;
  const end = document.scrollingElement.scrollHeight - innerHeight;
  function tick(now) {
    worst = Math.max(worst, now - last);
    last = now;
    frames++;
    if (window.scrollY >= end - 1 || frames > 2000) {
      setTimeout(() => {
        const tasks = window.__bench.long.filter(([t]) => t >= start).map(([, d]) => d);
        resolve({ longest: Math.max(0, ...tasks), tasks: tasks.length, frames, worstFrame: worst,
                  height: document.scrollingElement.scrollHeight });
      }, 100);
      return;
    }
    window.scrollBy(0, step);
    requestAnimationFrame(tick);
  }
  requestAnimationFrame(tick);
})"""


def synthetic_model(sessions: int = 500, days: int = 3, rooms: int = 24,
                    tracks: int = 12) -> EventModel:
    """A big conference: ``sessions`` talks of 30 to 60 minutes over ``days`` days in ``rooms``
    parallel rooms, each with one or two speakers, a track, a type and an abstract."""
    zone = timezone(timedelta(hours=2))
    first = datetime(2026, 6, 10, 9, 0, tzinfo=zone)
    per_day = -(-sessions // days)
    slots = -(-per_day // rooms)
    track_list = tuple(Track(f"t{i}", f"Track {i}", f"#{(i * 2654435761) % 0xFFFFFF:06x}")
                       for i in range(tracks))
    room_list = tuple(Room(f"r{i}", f"Hall {i // 4 + 1}, room {i % 4 + 1}", floor=i // 8)
                      for i in range(rooms))
    types = (SessionType("k0", "Talk"), SessionType("k1", "Workshop"),
             SessionType("k2", "Lightning talk"))
    speakers = tuple(Speaker(f"p{i}", f"Speaker {i:03d} Example", organisation=f"Org {i % 37}",
                             position="Engineer", short_biography="Works on open source.")
                     for i in range(sessions // 2 + 1))
    out = []
    for i in range(sessions):
        day, rest = divmod(i, per_day)
        slot, room = divmod(rest, rooms)
        start = first + timedelta(days=day, minutes=45 * min(slot, slots))
        end = start + timedelta(minutes=30 + 15 * (i % 3))
        people = (f"p{i // 2}",) if i % 4 else (f"p{i // 2}", f"p{(i // 2 + 1) % len(speakers)}")
        out.append(Session(
            str(10_000 + i), f"Session {i}: scaling open source event apps, part {i % 7}",
            start.isoformat(), end.isoformat(),
            short_abstract=("How we build, test and ship a conference app for thousands of "
                            "attendees. ") * 3,
            track_id=f"t{i % tracks}", room_id=f"r{room}", session_type_id=f"k{i % 3}",
            speaker_ids=people))
    return EventModel(
        event=Event("bench", "Benchmark Conf", first.isoformat(),
                    (first + timedelta(days=days - 1, hours=10)).isoformat(),
                    timezone="Europe/Berlin", location_name="Congress Center"),
        tracks=track_list, rooms=room_list, session_types=types, speakers=speakers,
        sessions=tuple(out),
        sponsors=tuple(Sponsor(f"s{i}", f"Sponsor {i}", level=i % 3) for i in range(12)),
    )


def session_count(zip_path: Path) -> int:
    """How many sessions an export zip lists (published or not)."""
    with zipfile.ZipFile(zip_path) as archive:
        for name in archive.namelist():
            if name.rsplit("/", 1)[-1] in ("sessions", "sessions.json"):
                try:
                    listed = json.loads(archive.read(name))
                except ValueError:
                    return 0
                return len(listed) if isinstance(listed, list) else 0
    return 0


def largest_sample() -> Path | None:
    """The shared sample that lists the most sessions (None when there are none)."""
    counted = [(session_count(path), path.name, path) for path in sorted(SAMPLES.glob("*.zip"))]
    return max(counted)[2] if counted else None


def sample_app(zip_path: Path, into: Path) -> Path:
    """The web app the generator builds from an export zip."""
    loaded = load_event(zip_path, into / "work", into / "assets", BuildLog())
    write_webapp(loaded.model, into / "assets")
    return into / "assets"


def model_app(model: EventModel, into: Path) -> Path:
    write_webapp(model, into)
    return into


def busiest_day(page: Page) -> str:
    """The day with the most sessions (its key, as the schedule's ?day= takes it)."""
    key: str = page.evaluate(
        """() => { const m = EventApp.createModel(window.EVENT_DATA); const n = {};
             m.sessions.forEach(s => { const k = m.dayKey(s.starts_at); n[k] = (n[k] || 0) + 1; });
             return Object.keys(n).sort((a, b) => n[b] - n[a])[0]; }"""
    )
    return key


def measure(page: Page, url: str) -> dict[str, float]:
    """One page load's figures (ms)."""
    page.goto("about:blank")
    page.goto(url)
    page.wait_for_function(COMPLETE, timeout=WAIT_MS)
    page.wait_for_timeout(300)
    first = float(page.evaluate("window.__bench.lcp"))
    switch = float(page.evaluate(DAY_SWITCH))
    page.evaluate(DAY_SWITCH.replace("(current + 1)", "(current - 1 + chips.length)"))
    page.wait_for_function(COMPLETE, timeout=WAIT_MS)
    page.wait_for_timeout(300)
    scroll = page.evaluate(SCROLL, 120)
    return {"first_screen": first, "day_switch": switch,
            "scroll_longest_task": float(scroll["longest"]),
            "scroll_worst_frame": float(scroll["worstFrame"]),
            "scroll_long_tasks": float(scroll["tasks"]), "page_height": float(scroll["height"])}


def run_app(assets: Path, runs: int) -> dict[str, Any]:
    """The median figures of ``runs`` loads of the app's busiest day, throttled."""
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            context = browser.new_context(viewport=PHONE, device_scale_factor=2.625,
                                          is_mobile=True, has_touch=True, locale="en-US")
            context.add_init_script(OBSERVE)
            page = context.new_page()
            cdp = context.new_cdp_session(page)
            page.goto((assets / "index.html").as_uri())
            day = busiest_day(page)
            url = (assets / "index.html").as_uri() + f"#/schedule?day={day}"
            cdp.send("Emulation.setCPUThrottlingRate", {"rate": CPU_SLOWDOWN})
            measure(page, url)  # warm the disk cache, as a second start of the app is
            samples = [measure(page, url) for _ in range(runs)]
            sessions = int(page.evaluate("window.EVENT_DATA.sessions.length"))
            shown = int(page.evaluate("document.querySelectorAll('.card').length"))
        finally:
            browser.close()
    figures = {key: statistics.median(s[key] for s in samples) for key in samples[0]}
    best = {key: min(s[key] for s in samples) for key in samples[0]}
    return {"sessions": sessions, "day": day, "cards_on_day": shown, "runs": runs,
            "median_ms": figures, "best_ms": best, "all": samples}


def verdict(value: float, target: float) -> str:
    return "ok" if value <= target else "OVER"


def report(name: str, result: dict[str, Any]) -> None:
    m = result["median_ms"]
    print(f"{name}: {result['sessions']} sessions, busiest day {result['day']} "
          f"({result['cards_on_day']} cards), CPU {CPU_SLOWDOWN}x slower, "
          f"median of {result['runs']}")
    for key, label in (("first_screen", "first screen drawn"), ("day_switch", "day switch"),
                       ("scroll_longest_task", "longest task while scrolling")):
        target = TARGETS_MS[key]
        best = result["best_ms"][key]
        shown = (f"{m[key]:7.1f} ms (best {best:5.1f})"
                 if key != "scroll_longest_task" or m[key] > 0 else
                 "   < 50 ms (no long task)   ")
        print(f"  {label:<30} {shown}   target ≤ {target:.0f} ms  {verdict(m[key], target)}")
    print(f"  {'worst frame gap while scrolling':<30} {m['scroll_worst_frame']:7.1f} ms "
          f"({int(m['scroll_long_tasks'])} long tasks, page {int(m['page_height'])} px)")


def main(argv: list[str] | None = None) -> dict[str, Any]:
    parser = argparse.ArgumentParser(prog="python -m bench.webapp", description=__doc__)
    parser.add_argument("--sample", type=Path, help="an export zip (default: the largest)")
    parser.add_argument("--sessions", type=int, default=500,
                        help="sessions of the generated event (default 500; 0: none)")
    parser.add_argument("--runs", type=int, default=5, help="page loads per app (median)")
    args = parser.parse_args(sys.argv[1:] if argv is None else argv)
    results: dict[str, Any] = {"cpu_slowdown": CPU_SLOWDOWN, "targets_ms": TARGETS_MS}
    with tempfile.TemporaryDirectory(prefix="apkgen-bench-webapp-") as tmp:
        sample = args.sample or largest_sample()
        if sample is not None and sample.is_file():
            assets = sample_app(sample, Path(tmp) / "sample")
            results[sample.stem] = run_app(assets, args.runs)
            report(sample.stem, results[sample.stem])
        if args.sessions > 0:
            assets = model_app(synthetic_model(args.sessions), Path(tmp) / "generated")
            name = f"generated-{args.sessions}"
            results[name] = run_app(assets, args.runs)
            report(name, results[name])
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps(results, indent=2) + "\n", encoding="utf-8")
    print(f"wrote {RESULTS}")
    return results


if __name__ == "__main__":
    main()
