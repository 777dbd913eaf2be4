"""One training thread per server process, shared fairly by every session's runs.

Why not a thread per session: a Streamlit server is one Python process, so N training
threads fight over one GIL, and one student's huge network would starve the rest. Here
runs take turns in time slices, so with 30 sessions each still advances and every page stays
responsive; frame rates degrade evenly instead of some sessions stalling.

Fair by CPU time, not by turns: the next slice goes to the playing run that has used the least
training time. An epoch of a huge network can overrun its 5 ms slice many times over (one
epoch of 8×128 units on 5,000 points in batches of 1 takes about a second); that run then
waits until the others have had as much time, instead of taking a second out of every round.
A run that starts (or resumes) playing joins at the others' level, so it gets no burst either.

Drawing comes first: pages wrap each redraw in `with scheduler.drawing():`, and no new training
slice starts while one is in progress. Training and drawing share one GIL, and a redraw that
takes 3 ms alone took 20-60 ms beside a training thread (each of its many small torch and
numpy calls waited for the GIL); pausing training for those few milliseconds costs a few
percent of training speed and keeps every page's frames quick, however many sessions play.
Frames are also drawn one at a time: ten sessions drawing at once made each frame take ~130 ms
of wall time for ~10 ms of work, the threads queueing for the GIL behind each other's small C
calls (a convoy), with the process at 60% of a core; waiting on a lock instead costs nothing.
That lock hands frames out in arrival order: threading.RLock is not fair, and with 30 sessions
waiting one page could lose the race again and again (measured: a session without a single new
frame for 44 s while the others drew).

A run that nobody has looked at for `idle_seconds` (its tab is gone or hidden) is
suspended and dropped from the rotation; a page adds its run back (`touch()`, `add()`) on every
draw, so a run is never left out by a page that drew just as it was dropped.
"""

from __future__ import annotations

import contextlib
import os
import threading
import time
from collections import deque
from collections.abc import Iterator
from typing import Protocol

import torch
from streamlit.runtime.scriptrunner import get_script_run_ctx


class Job(Protocol):
    last_seen: float

    def wants_cpu(self) -> bool: ...

    def work(self, seconds: float) -> int: ...

    def suspend(self) -> None: ...


# Benchmarks set this to a file path to get one line per page draw: "<session> <unix time>
# <seconds waiting for the turn> <seconds drawing>" (benchmarks/bench_class.py reads it).
FRAME_LOG = os.environ.get("SCRATCHNET_FRAME_LOG", "")


def _log_frame(waited: float, drew: float) -> None:
    ctx = get_script_run_ctx(suppress_warning=True)
    session = ctx.session_id if ctx is not None else "-"
    with open(FRAME_LOG, "a", encoding="utf-8") as log:   # under the draw lock: lines never interleave
        log.write(f"{session} {time.time():.3f} {waited:.4f} {drew:.4f}\n")


class FifoRLock:
    """A re-entrant lock granted in the order it was asked for, urgent askers first (a page
    answering a click goes before the periodic redraws queued ahead of it)."""

    def __init__(self) -> None:
        self._cond = threading.Condition(threading.Lock())
        self._waiting: tuple[deque[int], deque[int]] = (deque(), deque())   # (urgent, the rest)
        self._owner: int | None = None
        self._depth = 0

    def _next(self) -> int | None:
        urgent, rest = self._waiting
        return urgent[0] if urgent else rest[0] if rest else None

    def held_here(self) -> bool:
        return self._owner == threading.get_ident()

    @contextlib.contextmanager
    def hold(self, urgent: bool = False) -> Iterator[None]:
        me = threading.get_ident()
        with self._cond:
            if self._owner == me:
                self._depth += 1
            else:
                queue = self._waiting[0 if urgent else 1]
                queue.append(me)
                try:
                    self._cond.wait_for(lambda: self._owner is None and self._next() == me)
                finally:
                    queue.remove(me)
                self._owner, self._depth = me, 1
        try:
            yield
        finally:
            with self._cond:
                self._depth -= 1
                if self._depth == 0:
                    self._owner = None
                    self._cond.notify_all()


class Scheduler:
    def __init__(self, slice_seconds: float = 0.005, idle_seconds: float = 20.0, max_yield_seconds: float = 0.01):
        self.slice_seconds = slice_seconds
        self.max_yield_seconds = max_yield_seconds   # training waits for drawing at most this long
        self.idle_seconds = idle_seconds
        self._jobs: list[Job] = []
        self._lock = threading.Lock()
        self._wake = threading.Event()
        self._thread = threading.Thread(target=self._loop, name="scratchnet-trainer", daemon=True)
        self._thread.start()
        self.busy_seconds = 0.0          # time spent training, for the class benchmark
        self._drawing = 0                       # pages drawing or waiting to draw
        self._drawn = threading.Condition()
        self._one_at_a_time = FifoRLock()       # re-entrant: a full run draws its fragment inside

    def add(self, job: Job) -> None:
        with self._lock:
            if job not in self._jobs:
                self._jobs.append(job)
        self._wake.set()

    def remove(self, job: Job) -> None:
        with self._lock:
            if job in self._jobs:
                self._jobs.remove(job)

    def replace(self, old: Job | None, new: Job) -> None:
        """Swap a session's run in one step, so a burst of slider changes never leaves an
        old run training alongside the new one."""
        with self._lock:
            if old is not None and old in self._jobs:
                self._jobs.remove(old)
            if new not in self._jobs:
                self._jobs.append(new)
        self._wake.set()

    @contextlib.contextmanager
    def drawing(self, urgent: bool = False) -> Iterator[None]:
        """Hold training back while a page draws a frame, and draw one frame at a time (see the
        module docstring). `urgent`: a whole page run, answering what a user did, goes before
        the periodic redraws already waiting."""
        outermost = not self._one_at_a_time.held_here()
        asked = time.perf_counter()
        with self._drawn:
            self._drawing += 1
        try:
            with self._one_at_a_time.hold(urgent):
                began = time.perf_counter()
                try:
                    yield
                finally:
                    if FRAME_LOG and outermost:
                        _log_frame(began - asked, time.perf_counter() - began)
        finally:
            with self._drawn:
                self._drawing -= 1
                self._drawn.notify_all()

    def _wait_for_drawing(self) -> None:
        with self._drawn:
            self._drawn.wait_for(lambda: self._drawing == 0, timeout=self.max_yield_seconds)

    @property
    def n_jobs(self) -> int:
        with self._lock:
            return len(self._jobs)

    def active_jobs(self) -> int:
        with self._lock:
            return sum(1 for j in self._jobs if j.wants_cpu())

    def _loop(self) -> None:
        # One torch thread for tiny networks, set in this thread itself: a new thread does not
        # reliably inherit the main thread's setting, and two OpenMP threads fighting over
        # small matrices trained ~10x slower here (measured 600-1,000 vs ~10,000 epochs/s).
        torch.set_num_threads(1)
        used: dict[Job, float] = {}        # training seconds each playing run has had
        idle_picks = 0                     # picks in a row that trained nothing (runs ahead of pace)
        while True:
            active = self._active_jobs(used)
            if not active:
                used.clear()
                self._wake.wait(0.5)
                self._wake.clear()
                continue
            job = min(active, key=used.__getitem__)
            self._wait_for_drawing()
            start, start_cpu = time.perf_counter(), time.thread_time()
            try:
                trained = job.work(self.slice_seconds)
            except Exception:  # noqa: BLE001 — one broken run must not stop everyone's training
                job.suspend()
                self.remove(job)
                trained = 0
            self.busy_seconds += time.perf_counter() - start
            # Charged in this thread's CPU time, not wall time: on a busy machine the OS (or the
            # GIL) can stop this thread for a second in the middle of a 5 ms slice, and charging
            # that to the run made it wait for 29 others to catch up (measured: sessions of a
            # 30-student class frozen for 20-40 s). A run waiting for its pace is charged a
            # whole slice, so it does not keep the turn.
            cpu = time.thread_time() - start_cpu
            used[job] += cpu if trained else max(cpu, self.slice_seconds)
            idle_picks = 0 if trained else idle_picks + 1
            if idle_picks >= len(active):
                time.sleep(0.005)          # every playing run is ahead of its pace: don't spin
                idle_picks = 0

    def _active_jobs(self, used: dict[Job, float]) -> list[Job]:
        """Playing runs, after dropping the idle ones; newcomers join at the lowest usage."""
        with self._lock:
            now = time.monotonic()
            for job in [j for j in self._jobs if now - j.last_seen > self.idle_seconds]:
                job.suspend()                  # pages add their run back on every draw
                self._jobs.remove(job)
            active = [job for job in self._jobs if job.wants_cpu()]
        for job in list(used):
            if job not in active:
                del used[job]
        floor = min(used.values(), default=0.0)
        for job in active:
            used.setdefault(job, floor)
        return active
