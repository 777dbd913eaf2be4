"""Abuse on one server, seen from another learner's page: do they keep their frames?

    python benchmarks/bench_abuse.py [--scenario NAME ...] [--seconds 8] [--json]
    python benchmarks/bench_abuse.py --memory [--sessions 20]

A victim (a protocol-level client, tests/protocol_client.py: a real Streamlit session and its live socket,
nothing rendered) plays the default network at speed max and asks for the next frame as soon as it has the
last, as its page does. For each scenario, in the same run: the victim alone for --seconds (quiet), then
with the attack going for --seconds (attacked): frames/s, the longest wait for a frame, epochs/s, and what
the attack did. Target under every attack: the victim keeps at least 70% of its quiet frame rate and never
waits more than 0.25 s for a frame. On a shared machine compare the ratios of one run, and run it again
when the machine was busy.

Scenarios (SCENARIOS: name -> an attack; --scenario picks, in order; all by default):
  learner          no attack: another learner like the victim (the price of sharing a server at all)
  sockets          an attacker's page plus 64 more live sockets with its token, each asking for full frames
  sockets-256      the same with 256 more sockets
  sockets-largest  256 more with the attacker's page on the largest network (8 layers of 128, 5,000 points)
  heavy            an attacker's page training 8×128 units on 5,000 points in batches of one, watching it
  compare          Compare with 7 runs of that network (one stacked network)
  compare-max      Compare at its maximum: 24 seeds of it
  upload           an upload flood: 100 MB files, then the largest run file the app reads, again and again
  step             Step pressed again and again on that heavy network (each an epoch of ~4,000 steps)
  reruns           the page run back to back on the largest network
  class-creation   benchmarks/class_floods.py's bot starting classes in fresh sessions (its own figures: --help there)
  class-join       its bot flooding a class of 10 real students with joins and code guesses

--memory: N sessions of the largest network play and draw, then close; the server's resident memory
before any of them (idle), with them, and every few seconds for a minute after they closed. Target: back
within 10% of idle within a minute.

Adding a scenario (the classroom's creation and join floods): an async function
`attack(url, stop, report)` that attacks the server at `url` until the asyncio.Event `stop` is set and
writes what it did into the dict `report` (counts, refusals: printed beside the victim's figures), put in
SCENARIOS under its name. It runs in the benchmark's own event loop, with the victim's client; use
tests/protocol_client.py's clients (StreamlitSession, PlaygroundClient, LiveClient).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import multiprocessing
import os
import signal
import statistics
import sys
import time
import tomllib
from collections import Counter
from collections.abc import Awaitable, Callable
from multiprocessing.connection import Connection
from pathlib import Path
from urllib.parse import urlencode

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import websockets

from live.janitor import CLOSE_MARGIN_SECONDS, EVERY_SECONDS
from scratchnet.config import Config, Setup
from scratchnet.export.run_file import MAX_HISTORY_POINTS, export_run
from scratchnet.net.model import net_for
from scratchnet.train.history import Evaluation, History
from tests.browser.harness import cpu_seconds, rss_mib, serve_app
from tests.protocol_client import LiveClient, PlaygroundClient, SessionError, StreamlitSession

VICTIM = Setup().replace(epochs=1_000_000, speed="max")                 # a learner playing the default network flat out
LARGEST = Setup().replace(hidden=(128,) * 8, n_points=5000, epochs=1_000_000, speed="max")
HEAVY = LARGEST.replace(batch_size=1)                          # an epoch of ~4,000 steps of the largest network
EXTRA_SOCKETS = (64, 256)                                      # the two fan-outs
TARGET_SHARE, TARGET_WAIT = 0.70, 0.25
# An attacker is another machine than the victim's: its requests name an address of their own, as deploy/'s nginx
# does for every browser (the app trusts X-Forwarded-For from 127.0.0.1; ui/clients.py). The page-run gate
# (live/page_gate.py) holds an address's page runs to a share of the time while another address's run trains.
ATTACKER = {"X-Forwarded-For": "203.0.113.99"}
WARM_UP_SECONDS = 3.0                                          # an attack ramps up before the victim is measured
ATTACK_SECONDS = 8.0 + WARM_UP_SECONDS                         # how long a fixed-length attack runs (--seconds sets it)
SETTLE_SECONDS = 3.0                                           # the last attack's sessions leave
ROOT = Path(__file__).resolve().parents[1]
# A closed session is shut down within its reconnect window less the janitor's margin, plus its period.
TTL = tomllib.loads((ROOT / ".streamlit" / "config.toml").read_text())["server"]["disconnectedSessionTTL"]
SESSION_GONE_SECONDS = TTL - CLOSE_MARGIN_SECONDS + 2 * EVERY_SECONDS
Attack = Callable[[str, asyncio.Event, dict], Awaitable[None]]


def query(cfg: Setup) -> str:
    return urlencode(cfg.to_query())


async def until_stopped(stop: asyncio.Event, *tasks: asyncio.Task) -> None:
    await stop.wait()
    for task in tasks:
        task.cancel()
    await asyncio.gather(*tasks, return_exceptions=True)


# --- the attacks ------------------------------------------------------------------------------------------
class FullFrames(LiveClient):
    """A socket that asks for the whole picture every time (as if it had drawn nothing): the most a request
    can make the server build."""

    def request(self) -> str:
        return json.dumps({"t": "next", "key": "", "v": -1, "rev": -1, "after": [], "stride": 1})


async def another_learner(url: str, stop: asyncio.Event, report: dict) -> None:
    """No attack: a second learner like the victim, playing and watching (what sharing costs anyway)."""
    learner = PlaygroundClient(url, query(VICTIM))
    await learner.open()
    await learner.press("play")
    await learner.pump(stop)
    report.update({"learner frames": learner.frames})
    await learner.close()


async def socket_fan_out(url: str, stop: asyncio.Event, report: dict, cfg: Setup = VICTIM,
                         extra: int = EXTRA_SOCKETS[0]) -> None:
    attacker = PlaygroundClient(url, query(cfg))
    await attacker.open()
    await attacker.press("play")
    pumps = [asyncio.create_task(attacker.pump(stop))]
    opened = Counter()

    async def full_frames() -> None:
        client = FullFrames.for_page(attacker.session)
        try:
            await client.open()
        except (websockets.InvalidStatus, websockets.InvalidHandshake, OSError):
            opened["refused"] += 1
            return
        opened["admitted"] += 1
        try:
            while not stop.is_set():
                await client.next_frame()
                report["full frames"] = report.get("full frames", 0) + 1
        except (websockets.ConnectionClosed, TimeoutError, SessionError):
            pass
        finally:
            await client.close()

    pumps += [asyncio.create_task(full_frames()) for _ in range(extra)]
    await stop.wait()
    await asyncio.gather(*pumps, return_exceptions=True)
    report.update({"extra sockets": extra, **opened, "attacker frames": attacker.frames})
    await attacker.close()


async def socket_fan_out_256(url: str, stop: asyncio.Event, report: dict) -> None:
    await socket_fan_out(url, stop, report, extra=EXTRA_SOCKETS[1])


async def socket_fan_out_largest(url: str, stop: asyncio.Event, report: dict) -> None:
    await socket_fan_out(url, stop, report, LARGEST, EXTRA_SOCKETS[1])


async def heavy_run(url: str, stop: asyncio.Event, report: dict) -> None:
    attacker = PlaygroundClient(url, query(HEAVY))
    await attacker.open()
    await attacker.press("play")
    await attacker.pump(stop)
    report.update({"attacker frames": attacker.frames, "attacker epochs": attacker.epochs})
    await attacker.close()


async def compare_runs(url: str, stop: asyncio.Event, report: dict, seeds: int | None = None) -> None:
    """Compare with the heavy network: its default 7 learning rates, or `seeds` seeds."""
    session = StreamlitSession(url, query(HEAVY))
    await session.open()
    await session.goto("compare")
    if seeds is not None:
        await session.select("cmp_vary", "Init seed")
        await session.set_slider("cmp_init_seed", seeds)
    await session.press("cmp_play")
    live = LiveClient.for_page(session)
    await live.open()
    frames = 0
    try:
        while not stop.is_set():
            await asyncio.wait_for(live.next_frame(), 120)
            frames += 1
    except (websockets.ConnectionClosed, TimeoutError) as err:
        report["error"] = repr(err)
    report.update({"runs": seeds or 7, "attacker frames": frames})
    await live.close()
    await session.close()


async def compare_max(url: str, stop: asyncio.Event, report: dict) -> None:
    await compare_runs(url, stop, report, seeds=24)


async def step_presses(url: str, stop: asyncio.Event, report: dict) -> None:
    """Step, pressed again as soon as the page has run, on the heavy network (an epoch of ~4,000 steps)."""
    attacker = PlaygroundClient(url, query(HEAVY), headers=ATTACKER)
    await attacker.open()
    presses = 0
    while not stop.is_set():
        await attacker.press("step")
        presses += 1
    report.update({"presses": presses, "epoch": attacker.session.live_data()["frame"]["epoch"]})
    await attacker.close()


async def page_runs(url: str, stop: asyncio.Event, report: dict) -> None:
    """The page run again and again, back to back, on the largest network (each run draws its boundary)."""
    session = StreamlitSession(url, query(LARGEST), headers=ATTACKER)
    await session.open()
    runs = 0
    while not stop.is_set():
        await session.rerun()
        runs += 1
    report["page runs"] = runs
    await session.close()


async def class_creation(url: str, stop: asyncio.Event, report: dict) -> None:
    """benchmarks/class_floods.py's bot pressing "Start a class" in fresh sessions, then a real teacher."""
    from benchmarks.class_floods import creation_flood

    figures = await creation_flood(url, ATTACK_SECONDS)
    report.update({k: v for k, v in figures.items() if k in ("bot_attempts", "bot_classes", "teacher_started")})


async def class_join(url: str, stop: asyncio.Event, report: dict) -> None:
    """benchmarks/class_floods.py's bot flooding a real class of 10 with joins and code guesses."""
    from benchmarks.class_floods import join_flood

    figures = await join_flood(url, 10, ATTACK_SECONDS)
    report.update({k: v for k, v in figures.items() if k in ("bot_seats", "real_joined", "board_after")})


def largest_run_file() -> bytes:
    """The largest run file the app writes (the largest network, a full history): what an upload flood
    can make it parse at most."""
    cfg = Config(hidden=(128,) * 8, epochs=MAX_HISTORY_POINTS)
    value = 1.2345678e-05
    history = History([value] * MAX_HISTORY_POINTS,
                      [Evaluation(i, value, value, value, value) for i in range(MAX_HISTORY_POINTS)])
    return export_run(cfg, net_for(cfg), history).encode()


async def upload_flood(url: str, stop: asyncio.Event, report: dict) -> None:
    """One session sends a 100 MB file, then the largest run file the app reads, over and over: each taken
    file runs the page, which parses it."""
    session = StreamlitSession(url)
    await session.open()
    await session.component_event("live_view", "drawn", True)            # the sidebar (and its uploaders) come
    statuses = Counter()
    statuses[await session.upload("run_upload", "huge.json", b" " * (100 * 2**20))] += 1
    run_file = await asyncio.to_thread(largest_run_file)
    while not stop.is_set():
        status = await session.upload("run_upload", "run.json", run_file)
        statuses[status] += 1
        if status != 204:
            await asyncio.sleep(0.05)
    report.update({f"HTTP {code}": n for code, n in sorted(statuses.items())})
    await session.close()


SCENARIOS: dict[str, Attack] = {
    "learner": another_learner,
    "sockets": socket_fan_out,
    "sockets-256": socket_fan_out_256,
    "sockets-largest": socket_fan_out_largest,
    "heavy": heavy_run,
    "compare": compare_runs,
    "compare-max": compare_max,
    "upload": upload_flood,
    "step": step_presses,
    "reruns": page_runs,
    "class-creation": class_creation,
    "class-join": class_join,
}


# --- the victim -----------------------------------------------------------------------------------------
# The victim is a process of its own, as a learner is another browser on another machine: in the attackers'
# process, its frames waited for theirs to be read (a full frame of the largest network decoded on the same
# event loop), and the benchmark measured its own client.
def victim_process(url: str, pipe: Connection) -> None:
    """Play VICTIM and take frames back to back; answer "mark" with the counters (a Mark), "stop" with the
    problems seen, then leave."""
    asyncio.run(_victim(url, pipe))


async def _victim(url: str, pipe: Connection) -> None:
    victim = PlaygroundClient(url, query(VICTIM))
    await victim.open()
    await victim.press("play")
    stop = asyncio.Event()
    pump = asyncio.create_task(victim.pump(stop))
    pipe.send("playing")
    while await asyncio.to_thread(pipe.recv) == "mark":
        pipe.send(victim.mark())
    stop.set()
    await pump
    problems = victim.problems()
    await victim.close()
    pipe.send(problems)


class Victim:
    """The victim's process, spoken to from the benchmark's."""

    def __init__(self, url: str):
        context = multiprocessing.get_context("spawn")
        self.pipe, theirs = context.Pipe()
        self.process = context.Process(target=victim_process, args=(url, theirs), name="victim", daemon=True)
        self.process.start()

    async def ask(self, command: str, timeout: float = 180.0):
        self.pipe.send(command)
        if not await asyncio.to_thread(self.pipe.poll, timeout):
            raise TimeoutError(f"the victim did not answer {command!r}")
        return self.pipe.recv()

    async def started(self) -> None:
        if not await asyncio.to_thread(self.pipe.poll, 180.0) or self.pipe.recv() != "playing":
            raise RuntimeError("the victim did not start playing")

    async def stop(self) -> list[str]:
        problems = await self.ask("stop")
        self.process.join(30)
        return problems


async def window(victim: Victim, seconds: float) -> dict:
    """The victim's frames/s, longest wait and epochs/s over `seconds`."""
    start = await victim.ask("mark")
    await asyncio.sleep(seconds)
    end = await victim.ask("mark")
    elapsed = end.at - start.at
    return {"fps": (end.frames - start.frames) / elapsed, "gap": end.longest_wait,
            "epochs": (end.epochs - start.epochs) / elapsed}


async def run_scenarios(url: str, pid: int, names: list[str], seconds: float) -> list[dict]:
    victim = Victim(url)
    await victim.started()
    await asyncio.sleep(WARM_UP_SECONDS)
    results = []
    for name in names:
        await asyncio.sleep(SETTLE_SECONDS)
        quiet = await window(victim, seconds)
        load = os.getloadavg()[0]
        stop, report = asyncio.Event(), {}
        attack = asyncio.create_task(SCENARIOS[name](url, stop, report))
        await asyncio.sleep(WARM_UP_SECONDS)
        if attack.done():                                        # it failed to start: say why, go on
            report["error"] = repr(attack.exception())
        cpu0, t0, rss0 = cpu_seconds(pid), time.perf_counter(), rss_mib(pid)
        attacked = await window(victim, seconds)
        cpu = (cpu_seconds(pid) - cpu0) / (time.perf_counter() - t0)
        rss = max(rss0, rss_mib(pid))
        load = max(load, os.getloadavg()[0])
        stop.set()
        try:
            await asyncio.wait_for(attack, 60)
        except Exception as err:  # noqa: BLE001 — reported with the figures
            report.setdefault("error", repr(err))
        share = attacked["fps"] / quiet["fps"] if quiet["fps"] else 0.0
        results.append({"scenario": name, "quiet": quiet, "attacked": attacked, "share": share,
                        "ok": share >= TARGET_SHARE and attacked["gap"] <= TARGET_WAIT,
                        "server_cpu": cpu, "rss": rss, "load": load, "attack": report})
    problems = await victim.stop()
    if problems:
        results.append({"scenario": "victim errors", "errors": problems[:5], "count": len(problems)})
    return results


# --- memory ---------------------------------------------------------------------------------------------
async def memory(url: str, pid: int, sessions: int, play_seconds: float, after_seconds: float) -> dict:
    """N sessions of the largest network play, draw and close; RSS idle, with them, and after."""
    idle = rss_mib(pid)
    clients = [PlaygroundClient(url, query(LARGEST)) for _ in range(sessions)]
    gate = asyncio.Semaphore(4)

    async def play(client: PlaygroundClient) -> None:
        async with gate:
            await client.open()
            await client.press("play")
            for _ in range(5):
                await client.frame()

    await asyncio.gather(*(play(c) for c in clients))
    await asyncio.sleep(play_seconds)                           # they train: histories, checkpoints grow
    with_them = rss_mib(pid)
    await asyncio.gather(*(c.close() for c in clients))
    closed, trace = time.monotonic(), []
    while (waited := time.monotonic() - closed) < after_seconds:
        await asyncio.sleep(5.0)
        trace.append((round(time.monotonic() - closed), round(rss_mib(pid))))
    back = next((t for t, rss in trace if rss <= 1.1 * idle), None)
    return {"sessions": sessions, "played": play_seconds, "idle": idle, "with": with_them, "after": trace,
            "back_within_10pct_at": back, "waited": waited}


async def warm_up(url: str) -> None:
    """One session plays for a moment and leaves, so the server's first-use imports and caches are not
    charged to a scenario (and the idle footprint is the warm one)."""
    client = PlaygroundClient(url, query(VICTIM))
    await client.open()
    await client.press("play")
    for _ in range(10):
        await client.frame()
    await client.close()


def medians(results: list[dict]) -> list[dict]:
    """One row per scenario: the median of each figure over its runs, the worst of the worst waits beside it."""
    rows: dict[str, list[dict]] = {}
    for r in results:
        rows.setdefault(r["scenario"], []).append(r)
    merged = []
    for name, runs in rows.items():
        if "quiet" not in runs[0]:
            merged += runs
            continue
        ordered = sorted(runs, key=lambda r: r["share"])
        middle = ordered[(len(ordered) - 1) // 2]                  # a real run's report of the attack, not a mix

        def med(part: str, figure: str) -> float:
            return statistics.median(r[part][figure] for r in runs)

        quiet = {k: med("quiet", k) for k in ("fps", "gap", "epochs")}
        attacked = {k: med("attacked", k) for k in ("fps", "gap", "epochs")}
        share = statistics.median(r["share"] for r in runs)
        merged.append({**middle, "quiet": quiet, "attacked": attacked, "share": share,
                       "ok": share >= TARGET_SHARE and attacked["gap"] <= TARGET_WAIT,
                       "runs": len(runs), "shares": [round(r["share"], 2) for r in runs],
                       "worst_gap": max(r["attacked"]["gap"] for r in runs),
                       "load": statistics.median(r["load"] for r in runs)})
    return merged


# --- the report -----------------------------------------------------------------------------------------
def print_results(results: list[dict], seconds: float) -> None:
    print(f"One app server; a victim (a process of its own) plays {VICTIM.config.describe()} and asks for frames back "
          f"to back ({seconds:g} s quiet, then {seconds:g} s under each attack). Target: ≥ {TARGET_SHARE:.0%} of the "
          f"quiet frame rate, no wait over {TARGET_WAIT} s.")
    print(f"{'scenario':<16} {'quiet f/s':>9} {'wait':>6} {'attacked f/s':>12} {'share':>6} {'worst wait':>10} "
          f"{'epochs/s quiet→attacked':>24} {'server CPU':>10} {'RSS':>7} {'load':>5}  ok  what the attack did")
    for r in results:
        if "quiet" not in r:
            print(f"{r['scenario']}: {r['count']} — {r['errors']}")
            continue
        q, a = r["quiet"], r["attacked"]
        did = ", ".join(f"{k} {v}" for k, v in r["attack"].items())
        if "runs" in r:
            did = f"[{r['runs']} runs: shares {r['shares']}, worst wait {r['worst_gap']:.2f} s] {did}"
        print(f"{r['scenario']:<16} {q['fps']:>9.1f} {q['gap']:>5.2f}s {a['fps']:>12.1f} {r['share']:>6.0%} "
              f"{a['gap']:>9.2f}s {q['epochs']:>11,.0f} → {a['epochs']:<10,.0f} {r['server_cpu']:>10.0%} "
              f"{r['rss']:>5.0f}Mi {r['load']:>5.1f}  {'yes' if r['ok'] else 'NO ':<3} {did}")


def print_memory(m: dict) -> None:
    print(f"{m['sessions']} sessions of {LARGEST.config.describe()}, {m['played']:g} s playing: "
          f"idle {m['idle']:.0f} MiB, with them {m['with']:.0f} MiB; after they closed (s, MiB): {m['after']}")
    back = m["back_within_10pct_at"]
    print(f"back within 10% of idle: {f'after {back} s' if back is not None else 'NO, not within %g s' % m['waited']}")


def main() -> None:
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(1))       # stopped: still stop the app server
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scenario", nargs="+", choices=sorted(SCENARIOS), help="which attacks (default: all)")
    parser.add_argument("--seconds", type=float, default=8.0)
    parser.add_argument("--memory", action="store_true", help="measure memory after sessions close instead")
    parser.add_argument("--sessions", type=int, default=20, help="sessions for --memory")
    parser.add_argument("--play", type=float, default=30.0, help="seconds the --memory sessions play")
    parser.add_argument("--after", type=float, default=60.0, help="seconds to watch memory after they close")
    parser.add_argument("--repeat", type=int, default=1, help="run the scenarios this many times, report medians")
    parser.add_argument("--json", action="store_true", help="print the figures as JSON, not as a table")
    args = parser.parse_args()
    global ATTACK_SECONDS
    ATTACK_SECONDS = args.seconds + WARM_UP_SECONDS
    with serve_app() as (url, proc):
        asyncio.run(warm_up(url))
        if args.memory:
            time.sleep(SESSION_GONE_SECONDS)                     # the warm-up session is shut down: idle
            figures = asyncio.run(memory(url, proc.pid, args.sessions, args.play, args.after))
            if args.json:
                print(json.dumps(figures))
            else:
                print_memory(figures)
            return
        names = args.scenario or list(SCENARIOS)
        results = asyncio.run(run_scenarios(url, proc.pid, names * args.repeat, args.seconds))
    if args.repeat > 1:
        results = medians(results)
    if args.json:
        print(json.dumps(results))
    else:
        print_results(results, args.seconds)


if __name__ == "__main__":
    main()
