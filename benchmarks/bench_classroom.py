"""A live class on one server: N students and their teacher, as protocol-level clients.

    python benchmarks/bench_classroom.py [--students 30 100] [--rounds 3] [--seconds 10] [--replicas 1] [--json]

Every person is a protocol-level client (tests/protocol_client.py): a real Streamlit session and its
live socket, spoken over the wire with nothing rendered, so the server is what is measured. The
teacher sets up their Playground, opens the Classroom page, starts a class and watches its board over
the page's socket. N students, each playing a setup of their own, open the Classroom page, type the
code and a name, press Join, press Play and ask their live socket for frames back to back, as a
browser does; a frame carrying a new notice makes them run
the page again (what live/js/live_view.js does). Then, for each N:

- tile updates on the board per student per second, over `--seconds` of the class training
  (goal: at least 1 for each);
- "Send setup to class", `--rounds` times: from the teacher's click to the frame on each student's
  socket that switches their Playground to the teacher's setup, with its note (what the browser then
  draws); p50, p95 and max over every student and round (goal: p95 <= 2 s); and until the student's
  page run that follows showed it too (the sidebar's controls: "controls");
- errors (problems in frames, sockets closed or silent, exceptions on a page, a page that did not show
  the setup), the server's resident memory before and with the class, and its CPU.

`--replicas 2` runs the class on two app processes sharing it through a real redis-server
(tests/redis_server.py), as deploy/compose.yaml does: the teacher on the first, students alternating.
All clients run in this one process (asyncio); it shares the machine's cores with the servers.
`--json` prints the figures as one JSON list (tests read it).
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import re
import signal
import statistics
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlencode

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from streamlit.proto.WidgetStates_pb2 import WidgetState

from scratchnet.config import Setup
from tests.browser.harness import cpu_seconds, rss_mib, serve_app
from tests.protocol_client import LIVE_KEY, LiveClient, PlaygroundClient, SessionError, StreamlitSession
from tests.redis_server import redis_server

LESSON = Setup().replace(dataset="spiral", hidden=(8, 8), activation="tanh", lr=0.03, optimizer="adam",
                         epochs=1_000_000, speed="max")      # what the teacher sends
OWN = Setup().replace(epochs=1_000_000, speed="max")        # what students play before it arrives
SETUP_NOTE = "Your teacher changed the setup"
JOIN_BUTTON = "FormSubmitter:class_join-Join"
OPEN_AT_ONCE = 4
WARM_UP_SECONDS = 3.0
ROUND_TIMEOUT = 120.0


class Session(StreamlitSession):
    """A Streamlit session that knows the app's pages (to go to one, as the menu does) and reads its text."""

    pages: dict[str, str]

    def _handle(self, msg) -> None:
        if msg.WhichOneof("type") == "navigation":
            self.pages = {p.url_pathname: p.page_script_hash for p in msg.navigation.app_pages}
            self.page_script_hash = msg.navigation.page_script_hash
        super()._handle(msg)

    async def goto(self, path: str) -> None:
        self.page_script_hash, self.query = self.pages[path], ""
        await self.rerun()

    def text(self) -> str:
        parts = []
        for element in self.elements.values():
            kind = element.WhichOneof("type")
            if kind in ("markdown", "alert", "text", "heading"):
                parts.append(getattr(element, kind).body)
        return "\n".join(parts)


@dataclass
class NoticeLive(LiveClient):
    """A live socket that says which notice it has seen ("n") and hears of a new one, as the page does;
    it notes when a frame switched the element to the teacher's setup (its data with the note)."""

    notice: int | None = None
    on_notice: Callable[[int], None] | None = None
    switched: list[float] = field(default_factory=list)

    def request(self) -> str:
        message = json.loads(super().request())
        message["n"] = -1 if self.notice is None else self.notice
        return json.dumps(message, separators=(",", ":"))

    def check(self, frame) -> None:
        mount = frame.header.get("mount")
        if isinstance(mount, int):
            data = json.loads(frame.blobs[mount])
            if data.get("banner", "").startswith(SETUP_NOTE) and data.get("kind") == "playground":
                self.switched.append(time.monotonic())
            else:
                self.problems.append(f"a switch without the teacher's note: {data.get('banner')!r}")
        notice = frame.header.get("notice")
        news = isinstance(notice, int) and self.notice is not None and notice != self.notice
        head = frame.header
        if not (news and (head.get("key"), head.get("v"), head.get("rev")) == self.drawn):
            super().check(frame)                 # (a frame for the notice alone has nothing new to draw)
        if isinstance(notice, int):
            if news and self.on_notice is not None:
                self.on_notice(notice)
            self.notice = notice


@dataclass
class Student(PlaygroundClient):
    name: str = ""
    shown: dict[int, float] = field(default_factory=dict)       # notice -> when the page run showed the setup
    _running: asyncio.Lock = field(default_factory=asyncio.Lock)
    _tasks: list[asyncio.Task] = field(default_factory=list)

    async def join(self, code: str) -> None:
        """A student playing their own setup opens the Classroom page, types the code and a name, presses
        Join, and is back on the Playground, playing."""
        self.session = Session(self.base_url, self.query)
        await self.session.open()
        await self.session.goto("classroom")
        fields = {self.session.widget_id("class_code"): code, self.session.widget_id("class_name"): self.name}
        while True:
            for widget_id, text in fields.items():
                self.session.values[widget_id] = WidgetState(id=widget_id, string_value=text)
            await self.session.press(JOIN_BUTTON)
            if "Many students are joining" not in self.session.text():
                break
            await asyncio.sleep(2.0)                             # the class's join rate: wait, press again
        for widget_id in fields:
            self.session.values.pop(widget_id, None)
        if self.session.widget(LIVE_KEY) is None:
            raise SessionError(f"{self.name} is not on the Playground after Join: {self.session.text()[:200]}")
        await self.connect_live(self.session.live_data())
        await self.press("play")

    async def connect_live(self, data: dict | None = None) -> None:
        assert self.session is not None
        old = self.live
        self.live = NoticeLive.for_page(self.session, self.origin)
        self.live.on_notice = self._heard
        if old is not None:
            await old.close()
            self.errors += old.problems
            self.live.carry_over(old)
            self.live.notice = getattr(old, "notice", None)
            self.live.switched = old.switched
        if data is not None and data.get("frame"):
            self.live.take_inline(data["frame"])
        await self.live.open()

    def _heard(self, notice: int) -> None:
        self._tasks.append(asyncio.create_task(self._run_page(notice)))

    async def _run_page(self, notice: int) -> None:
        """What the live element does on a new notice: the page runs again (its "notice" event)."""
        assert self.session is not None and self.live is not None
        async with self._running:
            try:
                await self.session.component_event(LIVE_KEY, "notice", notice)
            except SessionError as err:
                self.errors.append(f"page run on a notice: {err}")
                return
            if SETUP_NOTE in self.session.text():
                self.shown.setdefault(notice, time.monotonic())
            data = self.session.live_data()
            if data["token"] != self.live.token:
                await self.connect_live(data)
            # (its first frame is not taken here: the socket's answer to the request in flight brings the
            # new run, and taking both in either order would only count a race of this client as an error)


@dataclass
class Board:
    """The teacher's board over the Classroom page's socket: how often each student's tile changed."""

    live: LiveClient
    updates: dict[str, list[float]] = field(default_factory=dict)

    async def pump(self, stop: asyncio.Event) -> None:
        stopped = asyncio.create_task(stop.wait())
        while not stop.is_set():
            # The board has news only while students' frames bring it: once the students stop asking (the
            # end of the run), the request in flight may have nothing to wait for. Stop means stop.
            asked = asyncio.create_task(self.live.next_frame())
            await asyncio.wait({asked, stopped}, return_when=asyncio.FIRST_COMPLETED)
            if not asked.done():
                asked.cancel()
                await asyncio.gather(asked, return_exceptions=True)
                return
            try:
                frame = asked.result()
            except (TimeoutError, OSError) as err:
                self.live.problems.append(f"board socket: {err!r}")
                return
            now = time.monotonic()
            for tile in frame.header.get("tiles", []):
                if "blob" in tile:
                    self.updates.setdefault(tile["seat"], []).append(now)

    def rates(self, start: float, end: float, seats: list[str]) -> list[float]:
        return [sum(1 for t in self.updates.get(seat, []) if start <= t <= end) / (end - start) for seat in seats]


async def start_class(url: str) -> tuple[Session, str, Board]:
    """The teacher: their Playground set up with LESSON, then the Classroom page and "Start a class"."""
    teacher = Session(url, urlencode(LESSON.to_query()))
    await teacher.open()
    await teacher.goto("classroom")
    await teacher.press("class_start")
    code = re.search(r"# Class `([A-Z0-9]{6})`", teacher.text()).group(1)
    board = Board(NoticeLive.for_page(teacher))
    board.live.take_inline(teacher.live_data()["frame"])
    await board.live.open()
    return teacher, code, board


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(q * (len(ordered) - 1))))] if ordered else float("nan")


def rss(pids: list[int]) -> float:
    return sum(rss_mib(pid) for pid in pids)


def cpu(pids: list[int]) -> float:
    return sum(cpu_seconds(pid) for pid in pids)


async def one_class(urls: list[str], pids: list[int], n: int, rounds: int, seconds: float) -> dict:
    rss_before = rss(pids)
    teacher, code, board = await start_class(urls[0])
    stop = asyncio.Event()
    board_task = asyncio.create_task(board.pump(stop))
    students = [Student(urls[i % len(urls)], urlencode(OWN.to_query()), name=f"Student {i + 1}") for i in range(n)]
    gate = asyncio.Semaphore(OPEN_AT_ONCE)

    async def arrive(student: Student) -> asyncio.Task:
        async with gate:
            await student.join(code)
        return asyncio.create_task(student.pump(stop))

    joined_at = time.perf_counter()
    arrivals = await asyncio.gather(*(arrive(s) for s in students), return_exceptions=True)
    join_seconds = time.perf_counter() - joined_at
    failed = [f"did not join: {a!r}" for a in arrivals if not isinstance(a, asyncio.Task)]
    pumps = [a for a in arrivals if isinstance(a, asyncio.Task)]
    present = [s for s, a in zip(students, arrivals) if isinstance(a, asyncio.Task)]
    await asyncio.sleep(WARM_UP_SECONDS)

    # the board while the class trains
    seat_ids = [tile["seat"] for tile in (await _board_tiles(teacher))]
    cpu0, t0 = cpu(pids), time.monotonic()
    await asyncio.sleep(seconds)
    t1 = time.monotonic()
    busy = (cpu(pids) - cpu0) / (t1 - t0)
    rates = board.rates(t0, t1, seat_ids)
    rss_class = rss(pids)

    # "Send setup to class", round after round
    latencies, controls, missing = [], [], []
    for _ in range(rounds):
        events_before = {id(s): set(s.shown) for s in present}
        clicked = time.monotonic()
        await teacher.press("class_send")
        deadline = clicked + ROUND_TIMEOUT

        def done(s: Student) -> bool:
            return bool(set(s.shown) - events_before[id(s)]) and s.live.switched[-1:] > [clicked]

        while time.monotonic() < deadline and not all(done(s) for s in present):
            await asyncio.sleep(0.01)
        for s in present:
            new = sorted(set(s.shown) - events_before[id(s)])
            switched = [t for t in s.live.switched if t > clicked]
            if not new or not switched:
                missing.append(f"{s.name}: {'no switched frame' if not switched else ''}"
                               f"{' and ' if not new and not switched else ''}{'no page run' if not new else ''}")
                continue
            latencies.append(switched[0] - clicked)
            controls.append(s.shown[new[0]] - clicked)
        await asyncio.sleep(2.0)
    rss_after = rss(pids)

    stop.set()
    await asyncio.gather(*pumps, board_task, return_exceptions=True)
    for s in present:
        await asyncio.gather(*s._tasks, return_exceptions=True)
    problems = failed + [p for s in students for p in s.problems()] + board.live.problems + teacher.problems
    problems += [f"the setup did not show ({len(missing)} times): {', '.join(missing[:5])}"] if missing else []
    await asyncio.gather(*(s.close() for s in students), board.live.close(), teacher.close(),
                         return_exceptions=True)
    return {"n": n, "replicas": len(urls), "joined": len(present), "join_seconds": join_seconds, "rounds": rounds,
            "setup_p50": percentile(latencies, 0.5), "setup_p95": percentile(latencies, 0.95),
            "setup_max": max(latencies, default=float("nan")),
            "controls_p50": percentile(controls, 0.5), "controls_p95": percentile(controls, 0.95),
            "tiles_per_second_median": statistics.median(rates) if rates else 0.0,
            "tiles_per_second_min": min(rates, default=0.0), "tiles_below_1": sum(r < 1.0 for r in rates),
            "cpu": busy, "rss_before": rss_before, "rss_class": rss_class, "rss": rss_after,
            "errors": len(problems), "error_samples": problems[:5],
            "board_frames": board.live.frames, "board_updates": sum(map(len, board.updates.values()))}


async def _board_tiles(teacher: Session) -> list[dict]:
    """The students on the board (the teacher's page run shows every one)."""
    await teacher.rerun()
    return teacher.live_data()["frame"]["tiles"]


def run(students: list[int], rounds: int, seconds: float, replicas: int = 1) -> list[dict]:
    results = []
    with contextlib.ExitStack() as stack:
        env = {"REDIS_URL": stack.enter_context(redis_server())} if replicas > 1 else {}
        # Every simulated student comes from 127.0.0.1, one client to the classroom's limits (a school
        # behind one address is too, but not 130 students in 10 minutes): this measures speed, not them.
        env.update(SCRATCHNET_CLASS_JOINS_PER_10_MIN="100000", SCRATCHNET_CLASS_JOINS_PER_10_S="100000")
        servers = [stack.enter_context(serve_app(env=env)) for _ in range(replicas)]
        urls, pids = [url for url, _ in servers], [proc.pid for _, proc in servers]
        for n in students:
            results.append(asyncio.run(one_class(urls, pids, n, rounds, seconds)))
            time.sleep(2.0)
    return results


def main() -> None:
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(1))       # stopped: still stop the app server
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--students", type=int, nargs="+", default=[30, 100])
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--seconds", type=float, default=10.0)
    parser.add_argument("--replicas", type=int, default=1, help="app processes sharing the class through Redis")
    parser.add_argument("--json", action="store_true", help="print the figures as JSON, not as a table")
    args = parser.parse_args()
    results = run(args.students, args.rounds, args.seconds, args.replicas)
    if args.json:
        print(json.dumps(results))
        return
    where = "One app server" if args.replicas == 1 else f"{args.replicas} app servers sharing the class through Redis"
    print(f"{where}; a teacher and N students, protocol-level clients, all training "
          f"({args.rounds} setups sent, board over {args.seconds:g} s)")
    print(f"{'N':>4} {'setup→Playground p50':>21} {'p95':>6} {'max':>6} {'controls p95':>13} "
          f"{'tiles/s/student':>16} {'slowest':>8} {'<1/s':>5} {'server CPU':>11} {'RSS before':>11} "
          f"{'RSS class':>10} {'errors':>7}")
    for r in results:
        print(f"{r['n']:>4} {r['setup_p50']:>20.2f}s {r['setup_p95']:>5.2f}s {r['setup_max']:>5.2f}s "
              f"{r['controls_p95']:>12.2f}s {r['tiles_per_second_median']:>16.2f} {r['tiles_per_second_min']:>8.2f} "
              f"{r['tiles_below_1']:>5} {r['cpu']:>10.0%} {r['rss_before']:>7.0f} MiB {r['rss']:>6.0f} MiB "
              f"{r['errors']:>7}")
        for sample in r["error_samples"]:  # noqa: B007
            print(f"      {sample}")


if __name__ == "__main__":
    main()
