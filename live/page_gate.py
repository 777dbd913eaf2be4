"""Page runs of every session on a server take turns: a few at a time, addresses in turns, and an address held to
a share of the time while another address's run trains.

A page run (a Streamlit script run: a slider moved, a button, a fresh session's first page) runs on a thread of
its own, outside the training thread's fair shares (live/scheduler.py). A session's page runs are paid from its
share, but a bot opening fresh sessions is a new owner each time: a class-creation flood's 4 sessions at once, or
the page run back to back on the largest network, left a learner who only played 36-61% of their quiet frame
rate (the training thread's many short torch calls lose the GIL to busy script threads almost every time). So:

- At most `slots` page runs compute at once, if the operator says so (SLOTS_SETTING; none by default: 2 slots made
  a class behind one address queue its own page runs: a setup's page run p95 13-32 s against 9 s, and
  tests/browser/test_class_lesson.py failed; the rest below is what holds a bot back).
- A free slot goes to the client (ui/clients.py: an address; a school behind one NAT is one) served least
  recently, then to whoever came first. A bot's many sessions share one address's turns, and a learner's page run
  waits for at most the page runs under way and its own address's queue, whatever another address does.
- While a session of another address wants the training thread (or waits here), an address's page runs hold a
  slot at most `share` of the time, or its part of the sessions that train if that is more (a class of 30 behind
  one address beside one learner elsewhere: 30/31): after a turn of t seconds that address rests
  t·(1-share)/share (at most MAX_REST_SECONDS) before its next. Measured in wall time, so the split holds however
  much CPU the machine gives the server. A class behind one address is never held back by its own students, and
  nobody is held back when no other address wants anything.
- An address none of whose sessions trains (a bot's fresh sessions, a visitor who has not pressed Play) has
  `idle_share` of the time, and all such addresses together `share`: one page run of theirs at a time, the least
  recently served address first, each followed by a rest of all of them. A bot on many addresses gets what a
  class's arriving students get, and a learner's first page waits for at most one of its page runs and a rest.
- A turn held longer than `stuck_seconds` (a page run waiting on something, never computing that long) no longer
  keeps the others out.

Streamlit-free: navigation.py takes a turn around every page run; tested as plain Python (tests/live/test_page_gate.py).
"""

from __future__ import annotations

import itertools
import math
import threading
import time
from collections.abc import Callable, Hashable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass

from live.settings import env_number

# While someone else's run trains, page runs may hold the gate this share of the time (the rest is the training
# thread's alone). Measured (benchmarks/bench_abuse.py, see deploy/README.md "Limits"); the environment variable
# SHARE_SETTING changes it.
PAGE_RUN_SHARE = 0.5
SHARE_SETTING = "SCRATCHNET_PAGE_RUN_SHARE"
# The share of an address none of whose sessions trains (a bot's fresh sessions, a visitor who has not pressed Play);
# all of them together have PAGE_RUN_SHARE, one page run at a time (docs/measured.md#page-run-floods).
IDLE_SHARE = 0.25
IDLE_SHARE_SETTING = "SCRATCHNET_PAGE_RUN_IDLE_SHARE"
# Page runs computing at once: no limit unless the environment variable SLOTS_SETTING gives one (see above).
SLOTS: int | None = None
SLOTS_SETTING = "SCRATCHNET_PAGE_RUN_SLOTS"
MAX_REST_SECONDS = 0.5      # the longest rest after one page run (a 2 s page run is not followed by 2 s of nothing)
STUCK_SECONDS = 5.0         # a turn held longer than this stops keeping others out
FORGET_SECONDS = 60.0       # a client or session not served for this long is forgotten (it then counts as new)
_IDLE = object()            # the rest of all idle addresses together


@dataclass
class _Ticket:
    client: Hashable
    session: Hashable
    order: int
    since: float = 0.0      # when it was let in


class PageRunGate:
    def __init__(self, share: float = PAGE_RUN_SHARE, slots: int | None = SLOTS,
                 training: Callable[[], frozenset] = frozenset, stuck_seconds: float = STUCK_SECONDS,
                 max_rest_seconds: float = MAX_REST_SECONDS, idle_share: float | None = IDLE_SHARE):
        idle_share = share if idle_share is None else idle_share
        for value in (share, idle_share):
            if not 0 < value <= 1:
                raise ValueError(f"The page runs' share must be above 0 and at most 1, not {value!r}.")
        self.share = share
        self.idle_share = idle_share
        self.slots = slots
        self.training = training            # the sessions whose runs or frames want the training thread now
        self.stuck_seconds = stuck_seconds
        self.max_rest_seconds = max_rest_seconds
        self._cond = threading.Condition()
        self._holders: list[_Ticket] = []
        self._waiting: list[_Ticket] = []
        self._served: dict[Hashable, float] = {}        # client -> when it was last let in
        self._client_of: dict[Hashable, Hashable] = {}  # session -> its client, as its page runs said
        self._rest_until: dict[Hashable, float] = {}    # client -> the rest after its last turn ends then
        self._order = itertools.count()
        self.longest_wait = 0.0                         # for the benchmarks

    @contextmanager
    def turn(self, client: Hashable, session: Hashable) -> Iterator[float]:
        """Wait for this session's turn (yields how long it waited), and hold it until the block ends."""
        ticket = _Ticket(client, session, next(self._order))
        waited = self._enter(ticket)
        try:
            yield waited
        finally:
            self._leave(ticket)

    def _enter(self, ticket: _Ticket) -> float:
        start = time.monotonic()
        with self._cond:
            self._waiting.append(ticket)
            try:
                while (delay := self._delay(ticket, time.monotonic())) > 0:
                    self._cond.wait(delay)
            except BaseException:
                self._waiting.remove(ticket)
                self._cond.notify_all()
                raise
            now = time.monotonic()
            self._waiting.remove(ticket)
            self._holders.append(ticket)
            ticket.since = now
            self._served[ticket.client] = now
            self._client_of[ticket.session] = ticket.client
            self._cond.notify_all()                     # the next in line may take another free slot
            if len(self._served) > 256:
                self._served = {k: t for k, t in self._served.items() if now - t < FORGET_SECONDS}
                self._client_of = {s: c for s, c in self._client_of.items() if c in self._served}
                self._rest_until = {c: t for c, t in self._rest_until.items() if t > now}
        waited = now - start
        self.longest_wait = max(self.longest_wait, waited)
        return waited

    def _delay(self, ticket: _Ticket, now: float) -> float:
        """0 if `ticket` may go now, else how long to wait before looking again (a leave wakes it sooner)."""
        resting = self._rest_until.get(ticket.client, 0.0)
        if now < resting:
            return resting - now
        training = self._training_clients()
        if ticket.client not in training and self._others_want(ticket.client):
            # The idle addresses, one page run at a time between them (a bot's four fresh sessions at once got
            # four times the turns of one), the least recently served first, and resting together.
            resting = self._rest_until.get(_IDLE, 0.0)
            if now < resting:
                return resting - now
            held = self._busy(now, lambda h: h.client not in training)
            if held:
                return min(held)
            ready = [t for t in self._waiting if t.client not in training and self._rested(t, now)]
            if min(ready, key=self._rank) is not ticket:
                return self.stuck_seconds               # another idle address goes first; its entry wakes us
        if self.slots is None:
            return 0.0
        busy = self._busy(now, lambda h: True)
        if len(busy) >= self.slots:
            return min(busy)
        ready = [t for t in self._waiting if self._rested(t, now)]
        if min(ready, key=self._rank) is not ticket:
            return self.stuck_seconds                   # another goes first; its entry or turn's end wakes us
        return 0.0

    def _busy(self, now: float, which: Callable[[_Ticket], bool]) -> list[float]:
        """For each turn held by `which` and not stuck: how long until it counts as stuck."""
        return [h.since + self.stuck_seconds - now for h in self._holders
                if which(h) and now - h.since < self.stuck_seconds]

    def _rested(self, ticket: _Ticket, now: float) -> bool:
        return self._rest_until.get(ticket.client, 0.0) <= now

    def _rank(self, ticket: _Ticket) -> tuple[float, int]:
        """Least recently served client first, then first come. (Not a client's least recently served session
        first: a page run stopped by a rerun request as it began went to the back, again and again.)"""
        return self._served.get(ticket.client, -math.inf), ticket.order

    def _leave(self, ticket: _Ticket) -> None:
        now = time.monotonic()
        with self._cond:
            self._holders.remove(ticket)
            if self._others_want(ticket.client):
                held = now - ticket.since
                self._rest(ticket.client, held, self._share(ticket.client), now)
                if ticket.client not in self._training_clients():
                    self._rest(_IDLE, held, self.share, now)
            self._cond.notify_all()

    def _rest(self, who: Hashable, held: float, share: float, now: float) -> None:
        rest = min(held * (1 - share) / share, self.max_rest_seconds)
        self._rest_until[who] = max(self._rest_until.get(who, 0.0), now + rest)

    def _share(self, client: Hashable) -> float:
        """`idle_share` for an address none of whose sessions trains; else `share`, or more for an address with
        more of the sessions that train (a class of 30 behind one address beside one learner elsewhere: 30/31)."""
        sessions = list(self.training())
        mine = sum(self._client_of.get(session) == client for session in sessions)
        return max(self.share, mine / len(sessions)) if mine else self.idle_share

    def _training_clients(self) -> set[Hashable]:
        """The addresses whose sessions want the training thread (a session not seen here is nobody's)."""
        return {self._client_of.get(session) for session in self.training()} - {None}

    def _others_want(self, client: Hashable) -> bool:
        """Someone of another client waits here, or wants the training thread (a session not seen here counts
        as another's)."""
        if any(t.client != client for t in self._waiting):
            return True
        return any(self._client_of.get(session) != client for session in self.training())


_shared: PageRunGate | None = None
_shared_lock = threading.Lock()


def shared() -> PageRunGate:
    """The server process's one gate (made on first use), resting while the shared training thread is wanted."""
    global _shared
    from live import scheduler

    with _shared_lock:
        if _shared is None:
            share = env_number(SHARE_SETTING, PAGE_RUN_SHARE, 0, 1)
            idle_share = env_number(IDLE_SHARE_SETTING, IDLE_SHARE, 0, 1)
            slots = env_number(SLOTS_SETTING, 0, 0, 1024)
            slots = max(1, int(slots)) if slots else None
            _shared = PageRunGate(share, slots, training=lambda: scheduler.shared().wanting, idle_share=idle_share)
        return _shared
