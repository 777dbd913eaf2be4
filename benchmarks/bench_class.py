"""A whole class on one server: N sessions all press Play; is every one of them served?

    python benchmarks/bench_class.py [--client protocol|chromium] [--sessions N ...] [--seconds 20] [--json]

`--client protocol` (the default; N = 30 and 100): each session is a protocol-level client
(tests/protocol_client.py) that opens a real Streamlit session and its live socket as a page does,
presses Play and asks for the next frame as soon as it has the last one, with nothing rendered, so the
server is what is measured. Sessions arrive a few at a time and start streaming as soon as they are in;
once the whole class is in and warmed up, over `--seconds`: frames per session per second (mean,
median, slowest), each session's longest wait for a frame, epochs per second per session (from the
frames' epochs), how long one learner's control change takes to reach its socket (a new hidden-layer
width until the first frame of the new run), errors (problems in frames, closed or silent sockets,
exceptions on a page), the server's CPU and its resident memory before the sessions, with them, and
per session. All clients run in this one process (asyncio): 100 sessions are 200 sockets.

`--client chromium` (N <= 10): N headless Chromium pages (separate browser contexts) on the same
server; frames per session are the boundary frames each page actually drew. Browser and server share
the machine's cores, so these figures are lower bounds; more pages measure Chromium, not the server.

`--json` prints the figures as one JSON list (tests read it).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import signal
import statistics
import sys
import time
from pathlib import Path
from urllib.parse import urlencode

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from scratchnet.config import Setup
from tests.browser.harness import READ_EPOCH, cpu_seconds, drawn_frames, rss_mib, serve_app, wait_for_chart
from tests.protocol_client import PlaygroundClient

CLASS = Setup().replace(epochs=1_000_000, speed="max")       # every learner trains the default network flat out
WIDER = CLASS.config.hidden[0] + 1                         # the control change: one more unit in the first layer
OPEN_AT_ONCE = 4                                    # learners arriving at the same moment
WARM_UP_SECONDS = 3.0
MAX_BROWSER_SESSIONS = 10


# --- protocol-level sessions ----------------------------------------------------------------------------
async def arrive(client: PlaygroundClient, gate: asyncio.Semaphore, stop: asyncio.Event) -> asyncio.Task:
    """One learner opens the page, presses Play and watches (frames back to back) from then on."""
    async with gate:
        await client.open()
        await client.press("play")
    return asyncio.create_task(client.pump(stop))


async def protocol_latency(client: PlaygroundClient) -> float:
    """Seconds from a hidden-layer width change until the new network's first frame is on the socket."""
    old_key = client.live.drawn[0]
    start = time.perf_counter()
    await client.set_slider("w_units_0", WIDER)

    async def new_run_drawn() -> None:
        while client.live.drawn[0] == old_key:
            await asyncio.sleep(0.002)

    try:
        await asyncio.wait_for(new_run_drawn(), 60)
    except TimeoutError:
        client.errors.append("a control change never reached the live socket")
        return float("nan")
    return time.perf_counter() - start


async def protocol_class(url: str, pid: int, n: int, seconds: float) -> dict:
    """N protocol-level sessions on the server at `url` (process `pid`) for `seconds`."""
    rss_before = rss_mib(pid)
    clients = [PlaygroundClient(url, urlencode(CLASS.to_query())) for _ in range(n)]
    stop, gate = asyncio.Event(), asyncio.Semaphore(OPEN_AT_ONCE)
    opened = time.perf_counter()
    arrivals = await asyncio.gather(*(arrive(c, gate, stop) for c in clients), return_exceptions=True)
    open_seconds = time.perf_counter() - opened
    pumps = [a for a in arrivals if isinstance(a, asyncio.Task)]
    failed = [f"session did not open: {a!r}" for a in arrivals if not isinstance(a, asyncio.Task)]
    playing = [c for c, a in zip(clients, arrivals) if isinstance(a, asyncio.Task)]
    await asyncio.sleep(WARM_UP_SECONDS)

    start = [c.mark() for c in playing]
    cpu0, client_cpu0, t0 = cpu_seconds(pid), time.process_time(), time.perf_counter()
    await asyncio.sleep(seconds / 2)
    latency = await protocol_latency(playing[len(playing) // 2]) if playing else float("nan")
    await asyncio.sleep(max(0.0, t0 + seconds - time.perf_counter()))
    end = [c.mark() for c in playing]
    elapsed = time.perf_counter() - t0
    cpu, client_cpu = (cpu_seconds(pid) - cpu0) / elapsed, (time.process_time() - client_cpu0) / elapsed
    rss_after = rss_mib(pid)
    gaps = [m.longest_wait for m in end]

    stop.set()
    await asyncio.gather(*pumps, return_exceptions=True)
    problems = failed + [p for c in clients for p in c.problems()]
    await asyncio.gather(*(c.close() for c in clients), return_exceptions=True)
    fps = [(b.frames - a.frames) / (b.at - a.at) for a, b in zip(start, end)] or [0.0]
    epochs = [(b.epochs - a.epochs) / (b.at - a.at) for a, b in zip(start, end)] or [0.0]
    return {"client": "protocol", "n": n, "sessions_playing": len(playing), "open_seconds": open_seconds,
            "fps_mean": statistics.fmean(fps), "fps_median": statistics.median(fps), "fps_min": min(fps),
            "epochs_mean": statistics.fmean(epochs), "epochs_median": statistics.median(epochs),
            "epochs_min": min(epochs), "gap_median": statistics.median(gaps or [0.0]),
            "gap_max": max(gaps or [0.0]), "latency": latency, "cpu": cpu, "client_cpu": client_cpu,
            "rss_before": rss_before, "rss": rss_after, "rss_per_session": (rss_after - rss_before) / n,
            "errors": len(problems), "error_samples": problems[:5]}


async def warm_up(url: str) -> None:
    """One session plays for a moment and leaves, so the server's first-use imports and caches are
    not charged to the class."""
    client = PlaygroundClient(url, urlencode(CLASS.to_query()))
    await client.open()
    await client.press("play")
    for _ in range(10):
        await client.frame()
    await client.close()


def run_protocol(sessions: list[int], seconds: float) -> tuple[list[dict], dict]:
    results = []
    with serve_app() as (url, proc):
        server = {"rss_started": rss_mib(proc.pid)}
        asyncio.run(warm_up(url))
        server["rss_warm"] = rss_mib(proc.pid)
        for n in sessions:
            results.append(asyncio.run(protocol_class(url, proc.pid, n, seconds)))
            time.sleep(2.0)                       # the server lets the sessions go
    return results, server


# --- headless Chromium pages ------------------------------------------------------------------------------
# "Keeps updating": each page notes the longest wait between two boundary frames it drew.
WATCH_FRAMES = """
window.__gaps = {frames: -1, at: 0, longest: 0, armed: false};
setInterval(() => {
  const plot = document.querySelector('.snl-plot[data-chart="boundary"]');
  const g = window.__gaps, now = performance.now();
  const frames = plot ? +plot.dataset.frames : -1;
  if (frames !== g.frames) {
    if (g.armed) g.longest = Math.max(g.longest, now - g.at);
    g.frames = frames;
    g.at = now;
  }
}, 100);
"""
ARM_GAPS = "() => { const g = window.__gaps; g.armed = true; g.longest = 0; g.at = performance.now(); }"
LONGEST_GAP = "() => { const g = window.__gaps; return Math.max(g.longest, performance.now() - g.at) / 1000; }"


def open_pages(browser, url: str, n: int) -> list:
    """N pages, opened one after another as a class arrives (each waits for its first chart)."""
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


def browser_latency(page) -> float:
    """Seconds from a hidden-size key press until the page shows the new network."""
    thumb = page.locator(".st-key-w_units_0 input[type='range'], .st-key-w_units_0 [role='slider']").first
    thumb.focus()
    start = time.perf_counter()
    thumb.press("ArrowRight")
    network = " → ".join(map(str, CLASS.config.replace(hidden=(WIDER, *CLASS.config.hidden[1:])).layer_sizes))
    page.wait_for_function("(text) => document.body.innerText.includes(text)", arg=network, timeout=120_000)
    return time.perf_counter() - start


def browser_class(browser, url: str, pid: int, n: int, seconds: float) -> dict:
    rss_before = rss_mib(pid)
    pages = open_pages(browser, url + "?" + urlencode(CLASS.to_query()), n)
    for page in pages:
        page.get_by_role("button", name="Play").click()
    time.sleep(WARM_UP_SECONDS)
    frames0 = [drawn_frames(page) for page in pages]
    for page in pages:
        page.evaluate(ARM_GAPS)
    epochs0 = [page.evaluate(READ_EPOCH) for page in pages]
    cpu0, t0 = cpu_seconds(pid), time.perf_counter()
    time.sleep(seconds / 2)
    # training speed over the first half, before one page's control change restarts its run
    epochs = [(page.evaluate(READ_EPOCH) - e0) / (time.perf_counter() - t0) for page, e0 in zip(pages, epochs0)]
    latency = browser_latency(pages[n // 2])
    time.sleep(max(0.0, t0 + seconds - time.perf_counter()))
    elapsed = time.perf_counter() - t0
    cpu = (cpu_seconds(pid) - cpu0) / elapsed
    fps = [(drawn_frames(page) - f0) / elapsed for page, f0 in zip(pages, frames0)]
    gaps = [page.evaluate(LONGEST_GAP) for page in pages]
    rss_after = rss_mib(pid)
    errors = [e for page in pages for e in page.errors]
    for page in pages:
        page.context.close()
    time.sleep(1.0)
    return {"client": "chromium", "n": n, "fps_mean": statistics.fmean(fps), "fps_median": statistics.median(fps),
            "fps_min": min(fps), "epochs_mean": statistics.fmean(epochs), "epochs_median": statistics.median(epochs),
            "epochs_min": min(epochs), "gap_median": statistics.median(gaps), "gap_max": max(gaps),
            "latency": latency, "cpu": cpu, "rss_before": rss_before, "rss": rss_after,
            "rss_per_session": (rss_after - rss_before) / n, "errors": len(errors), "error_samples": errors[:5]}


def run_chromium(sessions: list[int], seconds: float) -> tuple[list[dict], dict]:
    from playwright.sync_api import sync_playwright

    from tests.browser.harness import launch_chromium

    results = []
    with serve_app() as (url, proc):
        server = {"rss_started": rss_mib(proc.pid)}
        asyncio.run(warm_up(url))                 # before Playwright's sync API starts its own event loop
        server["rss_warm"] = rss_mib(proc.pid)
        with sync_playwright() as pw:
            browser = launch_chromium(pw)
            for n in sessions:
                results.append(browser_class(browser, url, proc.pid, n, seconds))
            browser.close()
    return results, server


# --- the report -----------------------------------------------------------------------------------------
def print_table(results: list[dict], server: dict, seconds: float) -> None:
    client = results[0]["client"] if results else "?"
    who = ("protocol-level sessions (no rendering: the server is measured)" if client == "protocol"
           else "headless Chromium pages (frames each page drew; pages and server share the cores)")
    print(f"One app server, N {who}, all training {CLASS.config.describe()} flat out; {seconds:g} s each")
    print(f"server RSS: {server['rss_started']:.0f} MiB started"
          + (f", {server['rss_warm']:.0f} MiB after one warm-up session" if "rss_warm" in server else ""))
    print(f"{'N':>4} {'frames/s/session':>17} {'median':>7} {'slowest':>8} {'longest wait':>13} "
          f"{'epochs/s/session':>17} {'slowest':>8} {'control→shown':>14} {'server CPU':>11} "
          f"{'RSS before→with N':>18} {'per session':>12} {'errors':>7}")
    for r in results:
        print(f"{r['n']:>4} {r['fps_mean']:>17.1f} {r['fps_median']:>7.1f} {r['fps_min']:>8.1f} "
              f"{r['gap_max']:>12.2f}s {r['epochs_mean']:>17,.0f} {r['epochs_min']:>8,.0f} {r['latency']:>13.2f}s "
              f"{r['cpu']:>10.0%} {r['rss_before']:>8.0f}→{r['rss']:<5.0f}MiB {r['rss_per_session']:>8.1f} MiB "
              f"{r['errors']:>7}")
    for r in results:
        if "open_seconds" in r:
            print(f"N={r['n']}: the class took {r['open_seconds']:.1f} s to arrive ({OPEN_AT_ONCE} at a time); "
                  f"this client process used {r['client_cpu']:.0%} of a core")
        for sample in r["error_samples"]:
            print(f"N={r['n']} error: {sample}")


def main() -> None:
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(1))       # stopped: still stop the app server
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--client", choices=("protocol", "chromium"), default="protocol")
    parser.add_argument("--sessions", type=int, nargs="+", help="class sizes (protocol: 30 100; chromium: 1 10)")
    parser.add_argument("--seconds", type=float, default=20.0)
    parser.add_argument("--json", action="store_true", help="print the figures as JSON, not as a table")
    args = parser.parse_args()
    sessions = args.sessions or ([30, 100] if args.client == "protocol" else [1, MAX_BROWSER_SESSIONS])
    if min(sessions) < 1:
        parser.error("a class has at least one session")
    if args.client == "chromium" and max(sessions) > MAX_BROWSER_SESSIONS:
        parser.error(f"the Chromium variant is for N <= {MAX_BROWSER_SESSIONS} (more pages measure Chromium "
                     "on these cores, not the server); use --client protocol")
    results, server = (run_protocol if args.client == "protocol" else run_chromium)(sessions, args.seconds)
    if args.json:
        print(json.dumps(results))
    else:
        print_table(results, server, args.seconds)


if __name__ == "__main__":
    main()
