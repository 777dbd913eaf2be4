"""One training thread per server process, shared fairly by every session.

Why not a thread per session: a Streamlit server is one Python process, so N training threads
fight over one GIL, and one student's huge network would starve the rest. Here sessions take turns
on one thread, so with 30 sessions each still advances and every page stays responsive; progress
degrades evenly instead of some sessions stalling.

Fair by CPU time, and by session: every piece of work on this thread belongs to an *owner* (a
session), and the next piece goes to the owner that has had the least time. What an owner pays for:
its runs' training turns and the live frames built for its pages (built here too, see below), so a page
that asks for frames on 64 sockets, or a run of 8×128 units, spends its own share and nobody else's.
An owner that starts asking (or playing) joins at the level of those already here, with no burst to
catch up on, and keeps its lead if it had one. Runs and frames that nobody owns (tests, tools) share one
account.

No piece is long: a training turn ends when its time is up, even in the middle of an epoch (a big one is
trained in pieces, scratchnet/train/pieces.py), and a big network's frame is built a piece at a time too (its
builder is a generator, resumed on the owner's next turns). So whoever waits, waits for one piece of
someone else's work, a few milliseconds, whatever the knobs: an epoch of 8×128 units on 5,000 points in
batches of one once held the thread for ~1.5 s, a Compare of 24 such runs for 23 s.

Live frames are built on this thread, between training turns (`build`): a frame built on another thread
fought training for the GIL, and the training thread, whose many tiny torch calls each give the GIL up and
must win it back, lost nearly every round (measured: a minibatch run at 16% of the CLI's epochs/s while a
page drew 26 frames/s). Here the two take turns instead: an owner's waiting frames come before its own
training, so a frame waits for at most one piece of someone else's work, and a single page's ~30 frames a
second (about a millisecond each) cost its training a few percent. Nobody waits for a browser.

A run that nobody has looked at for `idle_seconds` (its tab is gone or hidden) is suspended and
dropped from the rotation; pages and live frames put their run back (`keep`) whenever they show it,
so a run is never left out by a view that looked just as it was dropped.
"""

from __future__ import annotations

import itertools
import logging
import sys
import threading
import time
from collections.abc import Callable, Generator, Hashable
from concurrent.futures import Future
from dataclasses import dataclass, field
from typing import Any, Protocol

import torch


class Job(Protocol):
    last_seen: float

    def touch(self) -> bool: ...

    def wants_cpu(self) -> bool: ...

    def work(self, seconds: float) -> int: ...

    def suspend(self) -> None: ...


ROUND_SECONDS = 1 / 30      # every session that plays gets a turn (a new state to draw) ~30 times a second...
MIN_TURN_SECONDS = 0.001    # ...until turns would be shorter than this (then rounds grow with the class)
ACTIVE_EVERY_SECONDS = 0.02  # how often the list of playing runs is looked at again
FORGET_SECONDS = 10.0       # an owner that asked for nothing for this long starts afresh (at the others' level)
# The event loop's messages wait for the training thread's GIL: not 5 ms (docs/measured.md#switch-interval).
SWITCH_INTERVAL_SECONDS = 0.001
NOBODY = "(nobody)"         # the account of runs and frames no session owns
RESTART_SECONDS = 0.1       # a loop that failed starts again after this (a fault on every turn does not spin)
log = logging.getLogger(__name__)


@dataclass
class _Frame:
    """A live frame to build: `make()` returns it, or a generator that builds it in pieces."""

    owner: Hashable
    make: Callable[[], Any]
    future: Future
    order: int
    steps: Generator | None = None


@dataclass
class _Account:
    used: float = 0.0                # CPU seconds of work done for this owner
    framed: float = 0.0              # ... of which building its frames
    asked: float = field(default_factory=time.monotonic)   # when it last wanted something


class Scheduler:
    def __init__(self, slice_seconds: float = 0.005, idle_seconds: float = 20.0):
        self.slice_seconds = slice_seconds
        self.idle_seconds = idle_seconds
        self._jobs: list[Job] = []
        self._owners: dict[Job, Hashable] = {}
        self._lock = threading.Lock()
        self._wake = threading.Event()
        self._frames: list[_Frame] = []
        self._order = itertools.count()
        self._changed = False            # jobs added or removed since the loop last looked
        self._accounts: dict[Hashable, _Account] = {}
        self._charges: list[tuple[Hashable, float]] = []    # work done for owners on other threads (`charge`)
        self._wanting: frozenset = frozenset()   # the owners that wanted the thread when it last looked
        self.busy_seconds = 0.0          # time spent training, for the class benchmark
        self.frame_seconds = 0.0         # time spent building live frames
        self.longest_piece = 0.0         # the longest piece of work so far (CPU seconds), for the benchmarks
        self._thread = threading.Thread(target=self._loop, name="scratchnet-trainer", daemon=True)
        self._thread.start()

    # --- what pages and sockets ask for ---------------------------------------------------------
    def build(self, make: Callable[[], Any], owner: Hashable | None = None) -> Future:
        """Run `make()` (a live frame's builder) on the training thread, paid from `owner`'s share; the
        future holds its result. A builder that returns a generator is resumed, a piece per turn,
        until it returns the frame."""
        future: Future = Future()
        with self._lock:
            self._frames.append(_Frame(NOBODY if owner is None else owner, make, future, next(self._order)))
        self._wake.set()
        return future

    def add(self, job: Job, owner: Hashable | None = None) -> None:
        with self._lock:
            if job not in self._jobs:
                self._jobs.append(job)
            self._own(job, owner)
            self._changed = True
        self._wake.set()

    def remove(self, job: Job) -> None:
        with self._lock:
            if job in self._jobs:
                self._jobs.remove(job)
            self._owners.pop(job, None)
            self._changed = True

    def replace(self, old: Job | None, new: Job, owner: Hashable | None = None) -> None:
        """Swap a session's run in one step, so a burst of slider changes never leaves an
        old run training alongside the new one. The new run has the old one's owner unless told."""
        with self._lock:
            inherited = self._owners.pop(old, None) if old is not None else None
            if old is not None and old in self._jobs:
                self._jobs.remove(old)
            if new not in self._jobs:
                self._jobs.append(new)
            self._own(new, owner if owner is not None else inherited)
            self._changed = True
        self._wake.set()

    def keep(self, job: Job, owner: Hashable | None = None) -> None:
        """Someone looked at `job`: it counts as seen, and is back in the rotation if it was dropped
        for idling (add is idempotent, so no race with that drop). `owner`: whose session shows it."""
        job.touch()
        self.add(job, owner)

    def forget(self, owner: Hashable) -> int:
        """`owner`'s session ended: its runs leave the rotation now, not after idling for `idle_seconds`, so what
        they hold can come free (docs/measured.md#forget-at-once). How many."""
        with self._lock:
            gone = [job for job, who in self._owners.items() if who == owner]
            for job in gone:
                job.suspend()
                if job in self._jobs:
                    self._jobs.remove(job)
                del self._owners[job]
            unasked = [frame for frame in self._frames if frame.owner == owner]
            self._frames = [frame for frame in self._frames if frame.owner != owner]
            self._changed = True
        for frame in unasked:                         # nobody waits for them any more
            frame.future.cancel()
        self._wake.set()                              # the loop lets go of its runs within a turn
        return len(gone)

    def charge(self, owner: Hashable | None, seconds: float) -> None:
        """CPU time `owner` used on another thread (its page runs: callbacks, uploads read, charts drawn) is
        paid from its share here too: its runs and frames wait the longer."""
        if owner is not None and seconds > 0:
            with self._lock:
                self._charges.append((owner, seconds))

    def contended(self, owner: Hashable | None) -> bool:
        """Someone other than `owner` wants the thread now (a page run of `owner`'s then keeps to its share)."""
        return bool(self._wanting - {owner})

    @property
    def wanting(self) -> frozenset:
        """The owners that wanted the thread when it last looked (runs playing or stepping, frames to build)."""
        return self._wanting

    def owner_of(self, job: Job) -> Hashable:
        with self._lock:
            return self._owners.get(job, NOBODY)

    def _own(self, job: Job, owner: Hashable | None) -> None:
        if owner is not None:
            self._owners[job] = owner
        else:
            self._owners.setdefault(job, NOBODY)

    @property
    def n_jobs(self) -> int:
        with self._lock:
            return len(self._jobs)

    def active_jobs(self) -> int:
        with self._lock:
            return sum(1 for j in self._jobs if j.wants_cpu())

    # --- the thread ----------------------------------------------------------------------------
    def _loop(self) -> None:
        # One torch thread, set here: it is not inherited, and two fight over tiny networks
        # (docs/measured.md#one-torch-thread).
        torch.set_num_threads(1)
        while True:            # every session's training stops with this thread: a fault is logged, not fatal
            try:
                self._turns()
            except Exception:
                log.exception("the training thread's loop failed; it starts again in %.1f s", RESTART_SECONDS)
                time.sleep(RESTART_SECONDS)

    def _turns(self) -> None:
        jobs_used: dict[Job, float] = {}   # training seconds each playing run has had (within its owner)
        resting: dict[Job, float] = {}     # runs ahead of their pace: not picked again before this time
        active: list[Job] = []
        looked = 0.0
        while True:
            now = time.monotonic()
            if self._changed or now - looked >= ACTIVE_EVERY_SECONDS:
                active, looked = self._active_jobs(jobs_used, resting), now
            ready = [job for job in active if resting.get(job, 0.0) <= now]
            with self._lock:
                owners = self._by_owner(ready)    # read once: a run taken away after this is still picked from
                waiting = {frame.owner for frame in self._frames}
                charges, self._charges = self._charges, []
            for owner, seconds in charges:
                if owner in self._accounts:               # an owner not here yet starts level whatever it spent
                    self._accounts[owner].used += seconds
            wanting = owners.keys() | waiting
            self._wanting = frozenset(wanting)
            if not wanting:                   # nothing to build, every playing run ahead of its pace (or none)
                soonest = min((resting[job] for job in active if job in resting), default=now + 0.5)
                self._wake.wait(min(0.5, max(0.0, soonest - now)))
                self._wake.clear()
                continue
            # Short turns when many play, so each shows a new state often (a frame can only show what a
            # turn trained): 30 sessions get ~1 ms each, one session its full slice.
            playing = len({self._owners.get(job, NOBODY) for job in active}) or 1
            turn = min(self.slice_seconds, max(MIN_TURN_SECONDS, ROUND_SECONDS / playing))
            owner = self._next_owner(wanting, now)
            account = self._accounts[owner]
            # Within an owner's share, frames first (a page waits for them), but never more than half of it:
            # its runs still train however many frames its pages ask for.
            if owner in waiting and (owner not in owners or account.framed <= account.used - account.framed):
                self._build_frame(owner, turn)
                continue
            job = min(owners[owner], key=lambda j: jobs_used.setdefault(j, 0.0))
            trained, cpu = self._train(job, turn)
            jobs_used[job] = jobs_used.get(job, 0.0) + cpu
            self._charge(owner, cpu)
            if not trained:                       # ahead of its pace: let the others go first for a turn
                resting[job] = time.monotonic() + turn
            del job, ready, owners                # nothing of a closed session's stays in this frame

    def _by_owner(self, jobs: list[Job]) -> dict[Hashable, list[Job]]:
        """`jobs` by whose they are (under the lock)."""
        grouped: dict[Hashable, list[Job]] = {}
        for job in jobs:
            grouped.setdefault(self._owners.get(job, NOBODY), []).append(job)
        return grouped

    def _next_owner(self, wanting: set[Hashable], now: float) -> Hashable:
        """The owner that has had the least time; one that just started asking joins at the level of the
        others (not below: no burst to catch up), keeping any lead it had."""
        if len(self._accounts) > 2 * len(wanting) + 8:
            for gone in [o for o, a in self._accounts.items() if o not in wanting and now - a.asked > FORGET_SECONDS]:
                del self._accounts[gone]
        floor = min((self._accounts[o].used for o in wanting if o in self._accounts), default=0.0)
        for o in wanting:
            account = self._accounts.setdefault(o, _Account(floor))
            account.used, account.asked = max(account.used, floor), now
        return min(wanting, key=lambda o: self._accounts[o].used)

    def _charge(self, owner: Hashable, seconds: float) -> None:
        self._accounts.setdefault(owner, _Account()).used += seconds
        self.longest_piece = max(self.longest_piece, seconds)

    def _train(self, job: Job, turn: float) -> tuple[int, float]:
        """One training turn of `job`: (what it trained, the CPU time it took). Charged in this thread's
        CPU time, not wall time: a turn the OS stopped for a second is not the run's (docs/measured.md#cpu-time)."""
        start, start_cpu = time.perf_counter(), time.thread_time()
        try:
            trained = job.work(turn)
        except Exception:  # noqa: BLE001 — one broken run must not stop everyone's training
            job.suspend()
            self.remove(job)
            trained = 0
        self.busy_seconds += time.perf_counter() - start
        return trained, time.thread_time() - start_cpu

    def _build_frame(self, owner: Hashable, turn: float) -> None:
        """The owner's oldest waiting frame, for at most a turn: to the end, or (a frame built in pieces)
        as far as a turn goes, the rest on the owner's next turns."""
        with self._lock:
            frame = min((f for f in self._frames if f.owner == owner), key=lambda f: f.order, default=None)
            if frame is None:                 # its session ended since the loop looked (`forget`)
                return
            self._frames.remove(frame)
        start, start_cpu = time.perf_counter(), time.thread_time()
        try:
            if frame.steps is None:
                if not frame.future.set_running_or_notify_cancel():
                    return
                made = frame.make()
                if not isinstance(made, Generator):
                    frame.future.set_result(made)
                    return
                frame.steps = made
            while True:
                try:
                    next(frame.steps)
                except StopIteration as done:
                    frame.future.set_result(done.value)
                    return
                if time.perf_counter() - start >= turn:
                    with self._lock:                 # the rest on the owner's next turn
                        self._frames.append(frame)
                    return
        except BaseException as err:  # noqa: BLE001 — the socket that asked reports it
            frame.future.set_exception(err)
        finally:
            cpu = time.thread_time() - start_cpu
            self.frame_seconds += time.perf_counter() - start
            self._charge(owner, cpu)
            self._accounts[owner].framed += cpu

    def _active_jobs(self, used: dict[Job, float], resting: dict[Job, float]) -> list[Job]:
        """Playing runs, after dropping the idle ones; a newcomer starts level with the others."""
        with self._lock:
            self._changed = False
            now = time.monotonic()
            for job in [j for j in self._jobs if now - j.last_seen > self.idle_seconds]:
                job.suspend()                  # pages add their run back on every draw
                self._jobs.remove(job)
                self._owners.pop(job, None)
            active = [job for job in self._jobs if job.wants_cpu()]
        for job in list(used):
            if job not in active:
                del used[job]
        for job in list(resting):
            if job not in active:
                del resting[job]
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


def session_ended(session_id: str) -> None:
    """A session was shut down (live/janitor.py): the shared thread forgets its runs, if it has started."""
    if _shared is not None:
        _shared.forget(session_id)
