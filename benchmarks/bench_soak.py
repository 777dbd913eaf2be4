"""A long lesson: 30 learners play run after run for minutes; does the server's memory stay flat?

    python benchmarks/bench_soak.py [--minutes 10] [--sessions 30] [--every 30] [--json]

Each learner is a protocol-level client (tests/protocol_client.py: a real Streamlit session and its
live socket, nothing rendered) on one app server. Each presses Play and takes frames back to back;
when a frame says the run has stopped (its last epoch), the page runs again as the browser's does,
and the learner now and then changes a control first (a hidden layer's width: a new network; or the
learning rate: the same network goes on), then presses Play again (which starts the run over). Every
`--every` seconds: the server's resident memory (/proc), frames and epochs per second per session
over the interval, runs finished, errors. At the end: the memory's slope over the whole soak and over
its second half (after warm-up), in MiB per minute; flat is the goal.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import random
import signal
import statistics
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlencode

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from scratchnet.config import KNOBS, Setup
from tests.browser.harness import cpu_seconds, rss_mib, serve_app
from tests.protocol_client import PlaygroundClient

# A run lasts seconds with 30 learners on the training thread, so each learner starts many runs.
SOAK = Setup().replace(epochs=2_000, speed="max")
WIDTHS = (SOAK.config.hidden[0], SOAK.config.hidden[0] + 1)                         # a control that makes a new network
RATES = tuple(v for v in KNOBS["lr"].grid if SOAK.config.lr / 3 <= v <= SOAK.config.lr * 3)   # one the network takes on
OPEN_AT_ONCE = 4


@dataclass
class Learner:
    client: PlaygroundClient
    runs: int = 0                   # runs played to their end
    changes: int = 0                # controls changed
    wide: bool = False              # the first hidden layer has WIDTHS[1] units


async def lesson(learner: Learner, stop: asyncio.Event, rng: random.Random, gate: asyncio.Semaphore) -> None:
    """Play, watch the run to its end, sometimes change a control, Play again; until `stop`."""
    client = learner.client
    async with gate:
        await client.open()
        await client.press("play")
    while not stop.is_set():
        was_stopped = client.live.stopped
        try:
            await client.frame()
        except Exception as err:  # noqa: BLE001 — counted; the page would reconnect
            client.errors.append(f"live socket: {err!r}")
            await asyncio.sleep(0.5)
            await client.connect_live()
            continue
        if client.live.stopped and not was_stopped:
            learner.runs += 1
            await client.report_stopped()
            change = rng.random()
            if change < 1 / 3:
                learner.wide = not learner.wide
                await client.set_slider("w_units_0", WIDTHS[learner.wide])
                learner.changes += 1
            elif change < 2 / 3:
                await client.set_select_slider("w_lr", KNOBS["lr"].show(rng.choice(RATES)))
                learner.changes += 1
            await client.press("play")


def slope(points: list[tuple[float, float]]) -> float:
    """Least-squares growth per minute of (seconds, MiB) samples."""
    n = len(points)
    if n < 2:
        return 0.0
    mean_t = sum(t for t, _ in points) / n
    mean_v = sum(v for _, v in points) / n
    var = sum((t - mean_t) ** 2 for t, _ in points)
    return 60 * sum((t - mean_t) * (v - mean_v) for t, v in points) / var if var else 0.0


async def soak(url: str, pid: int, sessions: int, minutes: float, every: float, quiet: bool) -> dict:
    rss_before = rss_mib(pid)
    rng = random.Random(12)
    learners = [Learner(PlaygroundClient(url, urlencode(SOAK.to_query()))) for _ in range(sessions)]
    stop, gate = asyncio.Event(), asyncio.Semaphore(OPEN_AT_ONCE)
    tasks = [asyncio.create_task(lesson(lr, stop, rng, gate)) for lr in learners]
    start = time.monotonic()
    samples: list[dict] = []
    last = (start, 0, 0, cpu_seconds(pid))
    if not quiet:
        print(f"{'t':>6} {'server RSS':>11} {'frames/s/session':>17} {'epochs/s/session':>17} {'runs':>6} "
              f"{'server CPU':>11} {'errors':>7}", flush=True)
    while True:
        await asyncio.sleep(min(every, max(0.0, start + minutes * 60 - time.monotonic())))
        now = time.monotonic()
        frames = sum(lr.client.frames for lr in learners)
        epochs = sum(lr.client.epochs for lr in learners)
        cpu = cpu_seconds(pid)
        span = now - last[0]
        sample = {"t": now - start, "rss": rss_mib(pid), "fps": (frames - last[1]) / span / sessions,
                  "epochs": (epochs - last[2]) / span / sessions, "runs": sum(lr.runs for lr in learners),
                  "cpu": (cpu - last[3]) / span, "errors": sum(len(lr.client.problems()) for lr in learners)}
        samples.append(sample)
        last = (now, frames, epochs, cpu)
        if not quiet:
            print(f"{sample['t']:>5.0f}s {sample['rss']:>7.1f} MiB {sample['fps']:>17.1f} {sample['epochs']:>17,.0f} "
                  f"{sample['runs']:>6} {sample['cpu']:>10.0%} {sample['errors']:>7}", flush=True)
        if now - start >= minutes * 60:
            break
        if any(t.done() for t in tasks):
            break                               # a learner gave up: report what happened
    stop.set()
    ended = await asyncio.gather(*tasks, return_exceptions=True)
    problems = [p for lr in learners for p in lr.client.problems()]
    problems += [f"learner stopped: {e!r}" for e in ended if isinstance(e, BaseException)]
    await asyncio.gather(*(lr.client.close() for lr in learners), return_exceptions=True)
    later = samples[len(samples) // 2:]
    points = [(s["t"], s["rss"]) for s in samples]
    return {"sessions": sessions, "minutes": (time.monotonic() - start) / 60, "rss_before": rss_before,
            "samples": samples, "slope": slope(points), "slope_second_half": slope([(s["t"], s["rss"]) for s in later]),
            "rss_min": min(s["rss"] for s in samples), "rss_max": max(s["rss"] for s in samples),
            "fps_mean": statistics.fmean(s["fps"] for s in samples),
            "epochs_mean": statistics.fmean(s["epochs"] for s in samples),
            "runs": sum(lr.runs for lr in learners), "changes": sum(lr.changes for lr in learners),
            "errors": len(problems), "error_samples": problems[:5]}


def main() -> None:
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(1))       # stopped: still stop the app server
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--minutes", type=float, default=10.0)
    parser.add_argument("--sessions", type=int, default=30)
    parser.add_argument("--every", type=float, default=30.0, help="seconds between samples")
    parser.add_argument("--json", action="store_true", help="print the figures as JSON, not as a table")
    args = parser.parse_args()
    with serve_app() as (url, proc):
        if not args.json:
            print(f"{args.sessions} protocol-level learners on one server for {args.minutes:g} min: "
                  f"{SOAK.config.describe()}, played to the end, again and again", flush=True)
        result = asyncio.run(soak(url, proc.pid, args.sessions, args.minutes, args.every, args.json))
    if args.json:
        print(json.dumps(result))
        return
    print(f"\n{result['minutes']:.1f} minutes, {len(result['samples'])} samples: server RSS {result['rss_before']:.0f} "
          f"MiB before the class, {result['rss_min']:.0f}-{result['rss_max']:.0f} MiB with it; slope "
          f"{result['slope']:+.2f} MiB/min overall, {result['slope_second_half']:+.2f} MiB/min over the second half")
    print(f"frames/s per session {result['fps_mean']:.1f}, epochs/s per session {result['epochs_mean']:,.0f}, "
          f"{result['runs']} runs played to the end, {result['changes']} control changes, errors: {result['errors']}")
    for sample in result["error_samples"]:
        print(f"error: {sample}")


if __name__ == "__main__":
    main()
