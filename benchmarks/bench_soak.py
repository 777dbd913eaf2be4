"""A long session: one page training and streaming for minutes; is memory bounded?

    python benchmarks/bench_soak.py [--minutes 10] [--every 30]

One headless Chromium page plays the Playground (moons, 2-10-2, speed 1,000 epochs/s so the
run lasts the whole soak; the charts stream ~20 frames/s all along). Every `--every` seconds
it samples the server's resident memory (/proc) and the page's JavaScript heap (Chrome
DevTools Protocol, after a forced garbage collection so the figure is live objects, not
garbage not yet collected). It prints the samples and the growth over the second half of the
soak (after warm-up), in MiB per minute, server and browser.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path
from urllib.parse import urlencode

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from playwright.sync_api import sync_playwright

from scratchnet.config import Config
from tests.browser.harness import READ_EPOCH, launch_chromium, rss_mib, serve_app, wait_for_chart

SOAK = Config(epochs=1_000_000, speed="1000", show_test=True)


def js_heap_mib(cdp) -> float:
    cdp.send("HeapProfiler.collectGarbage")
    metrics = {m["name"]: m["value"] for m in cdp.send("Performance.getMetrics")["metrics"]}
    return metrics["JSHeapUsedSize"] / 2**20


def slope(points: list[tuple[float, float]]) -> float:
    """Least-squares growth per minute of (seconds, MiB) samples."""
    n = len(points)
    if n < 2:
        return 0.0
    mean_t = sum(t for t, _ in points) / n
    mean_v = sum(v for _, v in points) / n
    var = sum((t - mean_t) ** 2 for t, _ in points)
    return 60 * sum((t - mean_t) * (v - mean_v) for t, v in points) / var if var else 0.0


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--minutes", type=float, default=10.0)
    parser.add_argument("--every", type=float, default=30.0)
    args = parser.parse_args()
    samples = []
    with serve_app() as (url, proc), sync_playwright() as pw:
        browser = launch_chromium(pw)
        page = browser.new_page(viewport={"width": 1400, "height": 1000})
        errors: list[str] = []
        page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
        cdp = page.context.new_cdp_session(page)
        cdp.send("Performance.enable")
        page.goto(url + "?" + urlencode(SOAK.to_query()))
        wait_for_chart(page)
        page.get_by_role("button", name="Play").click()
        start = time.monotonic()
        end = start + args.minutes * 60
        while True:
            now = time.monotonic() - start
            samples.append((now, rss_mib(proc.pid), js_heap_mib(cdp), page.evaluate(READ_EPOCH)))
            print(f"{now:6.0f} s  server {samples[-1][1]:7.1f} MiB  browser JS heap {samples[-1][2]:6.1f} MiB  "
                  f"epoch {samples[-1][3]:,}", flush=True)
            if time.monotonic() >= end:
                break
            time.sleep(min(args.every, max(0.0, end - time.monotonic())))
        browser.close()
    later = samples[len(samples) // 2:]
    server = slope([(t, s) for t, s, _, _ in later])
    heap = slope([(t, h) for t, _, h, _ in later])
    print(f"\n{args.minutes:g} minutes, {len(samples)} samples; over the second half: server {server:+.2f} MiB/min, "
          f"browser JS heap {heap:+.2f} MiB/min; server {min(s for _, s, _, _ in samples):.0f}-"
          f"{max(s for _, s, _, _ in samples):.0f} MiB, heap {min(h for _, _, h, _ in samples):.1f}-"
          f"{max(h for _, _, h, _ in samples):.1f} MiB; console errors: {len(errors)}")


if __name__ == "__main__":
    main()
