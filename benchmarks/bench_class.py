"""A whole class on one server: N headless pages all press Play on one 2-core machine.

    python benchmarks/bench_class.py [--sessions 1 10 30] [--seconds 20] [--json]

For each N: opens N pages (separate browser contexts = separate sessions) on one app server,
presses Play in every one, then over `--seconds` reports per-session frames/s (boundary
figures the browser actually drew), the slowest session, each session's longest wait for a new
frame (does every chart keep updating?), epochs per second per session, how long
a control change takes to show (a hidden-size click until the page shows the new network, in
a page in the middle of the class), browser console errors, and the server's CPU and memory
(from /proc). Browser and server share the same 2 cores, so the figures are lower bounds.
`--json` prints the figures as one JSON list instead (tests/browser/test_class_smoke.py reads it).
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import statistics
import sys
import tempfile
import time
from itertools import pairwise
from pathlib import Path
from urllib.parse import urlencode

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from playwright.sync_api import sync_playwright

from scratchnet.config import Config
from tests.browser.harness import READ_EPOCH, cpu_seconds, launch_chromium, rss_mib, serve_app, wait_for_chart

DRAWN = "() => +document.querySelector('.st-key-boundary_chart .snlc-plot').dataset.renders"
# "Keeps updating": each page notes the longest wait between two new boundary frames it drew.
WATCH_FRAMES = """
window.__gaps = {renders: -1, at: 0, longest: 0, armed: false};
setInterval(() => {
  const plot = document.querySelector('.st-key-boundary_chart .snlc-plot');
  const g = window.__gaps, now = performance.now();
  const renders = plot ? +plot.dataset.renders : -1;
  if (renders !== g.renders) {
    if (g.armed) g.longest = Math.max(g.longest, now - g.at);
    g.renders = renders;
    g.at = now;
  }
}, 100);
"""
ARM_GAPS = "() => { const g = window.__gaps; g.armed = true; g.longest = 0; g.at = performance.now(); }"
LONGEST_GAP = "() => { const g = window.__gaps; return Math.max(g.longest, performance.now() - g.at) / 1000; }"


def open_sessions(browser, url: str, n: int) -> list:
    """N sessions, opened one after another as a class arrives (each waits for its first chart:
    30 pages starting in the same instant on 2 cores mostly measure Chromium starting up)."""
    pages = []
    for _ in range(n):
        context = browser.new_context(viewport={"width": 1280, "height": 900})
        context.add_init_script(WATCH_FRAMES)
        page = context.new_page()
        page.errors = []
        page.on("console", lambda m, p=page: p.errors.append(m.text) if m.type == "error" else None)
        page.on("pageerror", lambda e, p=page: p.errors.append(str(e)))
        page.goto(url)
        wait_for_chart(page, timeout=120_000)
        pages.append(page)
    return pages


def control_latency(page) -> float:
    """Seconds from a hidden-size key press until the page shows the new network."""
    thumb = page.locator(".st-key-w_units_0 input[type='range']").first
    thumb.focus()
    start = time.perf_counter()
    thumb.press("ArrowRight")
    page.wait_for_function("() => document.body.innerText.includes('2 → 11 → 2')", timeout=120_000)
    return time.perf_counter() - start


def server_frames(log: Path, start: float, end: float) -> tuple[list[float], list[float]]:
    """Per session the server drew frames for in [start, end] (unix time), from the app's
    SCRATCHNET_FRAME_LOG: (draws per second, longest time between two draws)."""
    times: dict[str, list[float]] = {}
    for line in log.read_text().splitlines() if log.exists() else []:
        session, at, *_ = line.split()
        if start <= float(at) <= end:
            times.setdefault(session, []).append(float(at))
    rates, gaps = [], []
    for stamps in times.values():
        edges = [start, *stamps, end]
        rates.append(len(stamps) / (end - start))
        gaps.append(max(b - a for a, b in pairwise(edges)))
    return rates, gaps


def measure(browser, url: str, pid: int, n: int, seconds: float) -> dict:
    cfg = Config(epochs=1_000_000, speed="max")
    pages = open_sessions(browser, url + "?" + urlencode(cfg.to_query()), n)
    for page in pages:
        page.get_by_role("button", name="Play").click()
    time.sleep(2.0)
    frames0 = [page.evaluate(DRAWN) for page in pages]
    for page in pages:
        page.evaluate(ARM_GAPS)
    epochs0 = [page.evaluate(READ_EPOCH) for page in pages]
    cpu0, t0, wall0 = cpu_seconds(pid), time.perf_counter(), time.time()
    time.sleep(seconds / 2)
    # training speed over the first half, before one page's control change restarts its run
    epochs = [(page.evaluate(READ_EPOCH) - e0) / (time.perf_counter() - t0) for page, e0 in zip(pages, epochs0)]
    latency = control_latency(pages[n // 2])
    time.sleep(seconds / 2)
    elapsed = time.perf_counter() - t0
    cpu = (cpu_seconds(pid) - cpu0) / elapsed
    fps = [(page.evaluate(DRAWN) - f0) / elapsed for page, f0 in zip(pages, frames0)]
    gaps = [page.evaluate(LONGEST_GAP) for page in pages]
    drawn, server_gaps = server_frames(FRAME_LOG, wall0, time.time())
    errors = sum(len(page.errors) for page in pages)
    result = {"n": n, "fps_median": statistics.median(fps), "fps_min": min(fps),
              "epochs_median": statistics.median(epochs), "epochs_min": min(epochs),
              "gap_median": statistics.median(gaps), "gap_max": max(gaps), "latency": latency,
              "server_sessions": len(drawn), "server_fps_min": min(drawn, default=0.0),
              "server_gap_max": max(server_gaps, default=float("nan")), "cpu": cpu, "rss": rss_mib(pid),
              "errors": errors}
    for page in pages:
        page.context.close()
    time.sleep(1.0)
    return result


FRAME_LOG = Path(tempfile.gettempdir()) / f"scratchnet-frames-{os.getpid()}.log"


def run(sessions: list[int], seconds: float) -> list[dict]:
    results = []
    FRAME_LOG.unlink(missing_ok=True)
    with serve_app(env={"SCRATCHNET_FRAME_LOG": str(FRAME_LOG)}) as (url, proc), sync_playwright() as pw:
        browser = launch_chromium(pw)
        for n in sessions:
            results.append(measure(browser, url, proc.pid, n, seconds))
        browser.close()
    FRAME_LOG.unlink(missing_ok=True)
    return results


def main() -> None:
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(1))       # stopped: still stop the app server
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sessions", type=int, nargs="+", default=[1, 10, 30])
    parser.add_argument("--seconds", type=float, default=20.0)
    parser.add_argument("--json", action="store_true", help="print the figures as JSON, not as tables")
    args = parser.parse_args()
    results = run(args.sessions, args.seconds)
    if args.json:
        print(json.dumps(results))
        return
    print(f"One app server, N headless Chromium sessions all training (moons, 2-10-2), {args.seconds:g} s each")
    print("(longest wait = per session, the longest time without a new boundary frame; median and worst)")
    print(f"{'N':>3} {'fps/session':>12} {'slowest':>8} {'longest wait':>13} {'worst':>6} {'epochs/s/session':>17} "
          f"{'slowest':>8} {'control→shown':>14} {'server CPU':>11} {'server RSS':>11} {'errors':>7}")
    for r in results:
        print(f"{r['n']:>3} {r['fps_median']:>12.1f} {r['fps_min']:>8.2f} {r['gap_median']:>12.1f}s "
              f"{r['gap_max']:>5.1f}s {r['epochs_median']:>17,.0f} {r['epochs_min']:>8,.0f} {r['latency']:>13.2f}s "
              f"{r['cpu']:>10.0%} {r['rss']:>9.0f} MiB {r['errors']:>7}")
    print("\nWhat the server drew (its frame log), per session: every session is served, however slowly"
          "\nits page (sharing these 2 cores with the other pages) then shows it")
    print(f"{'N':>3} {'sessions drawn':>15} {'slowest frames/s':>17} {'longest gap':>12}")
    for r in results:
        print(f"{r['n']:>3} {r['server_sessions']:>15} {r['server_fps_min']:>17.2f} {r['server_gap_max']:>11.1f}s")


if __name__ == "__main__":
    main()
