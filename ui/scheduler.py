"""One training thread per server process, shared fairly by every session's runs.

Why not a thread per session: a Streamlit server is one Python process, so N training threads
fight over one GIL, and one student's huge network would starve the rest. Here runs take turns in
time slices, so with 30 sessions each still advances and every page stays responsive; progress
degrades evenly instead of some sessions stalling.

Fair by CPU time, not by turns: the next slice goes to the playing run that has used the least
training time. An epoch of a huge network can overrun its 5 ms slice many times over (one epoch of
8×128 units on 5,000 points in batches of 1 takes about a second); that run then waits until the
others have had as much time, instead of taking a second out of every round. A run that starts (or
resumes) playing joins at the others' level, so it gets no burst either.

Live frames are built on this thread too, between training slices (`build`): a frame built on
another thread fought training for the GIL, and the training thread, whose many tiny torch calls
each give the GIL up and must win it back, lost nearly every round (measured: a minibatch run at 16%
of the CLI's epochs/s while a page drew 26 frames/s). Here the two take turns instead: waiting frame
requests get at most one slice of time between two training slices, so a frame waits ≤ 5 ms for its
turn, training keeps at least half the thread however many pages watch, and a single page's ~30
frames a second (about a millisecond each) cost training a few percent. Nobody waits for a browser.

A run that nobody has looked at for `idle_seconds` (its tab is gone or hidden) is suspended and
dropped from the rotation; pages and live frames put their run back (`keep`) whenever they show it,
so a run is never left out by a view that looked just as it was dropped.
"""

from __future__ import annotations

import sys
import threading
import time
from collections import deque
from collections.abc import Callable
from concurrent.futures import Future
from typing import Any, Protocol

import torch


class Job(Protocol):
    last_seen: float

    def touch(self) -> bool: ...

    def wants_cpu(self) -> bool: ...

    def work(self, seconds: float) -> int: ...

    def suspend(self) -> None: ...


ROUND_SECONDS = 1 / 30      # every playing run gets a turn (a new state to draw) ~30 times a second...
MIN_TURN_SECONDS = 0.001    # ...until turns would be shorter than this (then rounds grow with the class)
ACTIVE_EVERY_SECONDS = 0.02  # how often the list of playing runs is looked at again
# The training thread holds the GIL between torch calls; with Python's default 5 ms switch interval every
# message the server's event loop sends (a page's deltas, a frame) waited up to 5 ms for it. At 1 ms a slider
# change reached the screen ~25 ms sooner, and 100 protocol sessions got 3.5 instead of 3.2 frames/s each.
SWITCH_INTERVAL_SECONDS = 0.001


class Scheduler:
    def __init__(self, slice_seconds: float = 0.005, idle_seconds: float = 20.0):
        self.slice_seconds = slice_seconds
        self.idle_seconds = idle_seconds
        self._jobs: list[Job] = []
        self._lock = threading.Lock()
        self._wake = threading.Event()
        self._frames: deque[tuple[Callable[[], Any], Future]] = deque()
        self._changed = False            # jobs added or removed since the loop last looked
        self.busy_seconds = 0.0          # time spent training, for the class benchmark
        self.frame_seconds = 0.0         # time spent building live frames
        self._thread = threading.Thread(target=self._loop, name="scratchnet-trainer", daemon=True)
        self._thread.start()

    def build(self, make: Callable[[], Any]) -> Future:
        """Run `make()` (a live frame's builder) on the training thread between two slices; the
        future holds its result."""
        future: Future = Future()
        with self._lock:
            self._frames.append((make, future))
        self._wake.set()
        return future

    def _build_frames(self, budget: float) -> None:
        """The waiting frame requests, in arrival order, for at most `budget` seconds."""
        start = time.perf_counter()
        while time.perf_counter() - start < budget:
            with self._lock:
                if not self._frames:
                    break
                make, future = self._frames.popleft()
            if not future.set_running_or_notify_cancel():
                continue
            try:
                future.set_result(make())
            except BaseException as err:  # noqa: BLE001 — the socket that asked reports it
                future.set_exception(err)
        self.frame_seconds += time.perf_counter() - start

    def add(self, job: Job) -> None:
        with self._lock:
            if job not in self._jobs:
                self._jobs.append(job)
            self._changed = True
        self._wake.set()

    def remove(self, job: Job) -> None:
        with self._lock:
            if job in self._jobs:
                self._jobs.remove(job)
            self._changed = True

    def replace(self, old: Job | None, new: Job) -> None:
        """Swap a session's run in one step, so a burst of slider changes never leaves an
        old run training alongside the new one."""
        with self._lock:
            if old is not None and old in self._jobs:
                self._jobs.remove(old)
            if new not in self._jobs:
                self._jobs.append(new)
            self._changed = True
        self._wake.set()

    def keep(self, job: Job) -> None:
        """Someone looked at `job`: it counts as seen, and is back in the rotation if it was dropped
        for idling (add is idempotent, so no race with that drop)."""
        job.touch()
        self.add(job)

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
        active: list[Job] = []
        looked = 0.0
        turn = self.slice_seconds
        while True:
            self._build_frames(turn)       # as long as the last turn at most: training keeps half the thread
            if self._changed or not active or time.monotonic() - looked >= ACTIVE_EVERY_SECONDS:
                active, looked = self._active_jobs(used), time.monotonic()
            if not active:
                used.clear()
                with self._lock:
                    waiting = bool(self._frames)
                if not waiting:
                    self._wake.wait(0.5)
                    self._wake.clear()
                continue
            job = min(active, key=used.__getitem__)
            # Short turns when many runs play, so each shows a new state often (a frame can only
            # show what a turn trained): 30 runs get ~1 ms each, one run its full slice.
            turn = min(self.slice_seconds, max(MIN_TURN_SECONDS, ROUND_SECONDS / len(active)))
            start, start_cpu = time.perf_counter(), time.thread_time()
            try:
                trained = job.work(turn)
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
            used[job] = used.get(job, 0.0) + (cpu if trained else max(cpu, turn))
            idle_picks = 0 if trained else idle_picks + 1
            if idle_picks >= len(active):
                self._wake.wait(0.005)     # every playing run is ahead of its pace: don't spin (a frame
                self._wake.clear()         # request wakes the thread at once)
                idle_picks = 0

    def _active_jobs(self, used: dict[Job, float]) -> list[Job]:
        """Playing runs, after dropping the idle ones; newcomers join at the lowest usage."""
        with self._lock:
            self._changed = False
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


_shared: Scheduler | None = None
_shared_lock = threading.Lock()


def shared() -> Scheduler:
    """The server process's one training thread (made on first use)."""
    global _shared
    with _shared_lock:
        if _shared is None:
            sys.setswitchinterval(SWITCH_INTERVAL_SECONDS)
            _shared = Scheduler()
        return _shared
