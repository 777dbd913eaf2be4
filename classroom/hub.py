"""Per server process: the one thread that carries a class's news between the store and the live path.

The live path never waits for the store (Redis is a network away, and may be down): sockets run on
the event loop and frames on the training thread. This thread does the talking instead, every
POLL_SECONDS:

- it hands on, in one batch, the students' summaries their frames left in the outbox;
- it reads the two counters of every class with a session in this process (one MGET with Redis);
- a class whose `events` moved: a new setup is switched onto each of its students' Playgrounds right
  here (classroom/setup_push.py: their next frame draws it), then each student's live channel gets
  the number as its `notice`. Their socket sends a frame carrying it (a paused run's socket looks every
  50 ms), the browser sees a new notice and runs the page again, and the page shows the news (the
  setup's controls, a challenge, a message, the end of the class). After a setup the notice waits
  until the class's new runs are on their sockets (at most NOTICE_HOLD_SECONDS): a hundred page runs
  at once would hold those frames up. A class that is gone raises their notice once more;
- a board whose `board` counter moved gets the newest Board (at most every BOARD_SECONDS);
- every HEARTBEAT_SECONDS it tells the store which students' and teachers' sessions are still there
  (their seats and classes live on); a session Streamlit no longer holds (gone for longer than its
  `server.disconnectedSessionTTL`, when a reconnect could have brought it back) leaves its seat at once.
  A seat is thus tied to a live session: a tab closed, a bot's sockets dropped, and the seat is free.

Why a poll of counters and not Redis pub/sub: one MGET every 0.1 s per process is nothing for Redis,
reconnects by itself after an outage, and adds at most 0.1 s, well inside the 2 s the issue allows
from "Send setup" to a student's page; the same code then serves the in-memory store. Why the socket
and not a poll from the page: a page that polls runs its whole script (~50 ms) every time; the
socket costs nothing until there is news.
"""

from __future__ import annotations

import logging
import os
import threading
import time
import weakref
from collections.abc import Callable
from dataclasses import dataclass, field

from classroom import board_frames
from classroom.board_frames import BoardFeed, summary_from_frame
from classroom.limits import HEARTBEAT_SECONDS
from classroom.setup_push import push
from classroom.store import Beat, ClassError, ClassStore, MemoryStore, NoSuchClass, Report, Seat, StoreUnavailable
from live.run import LiveRun

POLL_SECONDS = 0.1
BOARD_SECONDS = 0.25                # a board redraws at most four times a second
RETRY_SECONDS = 1.0                 # after the store failed
NOTICE_HOLD_SECONDS = 1.0           # after a setup: page runs wait this long at most for the class's frames
GONE_QUIET_SECONDS = 30.0          # a page told its class is gone is not told again sooner
GRACE_SECONDS = 120.0               # Streamlit's default server.disconnectedSessionTTL (shared() reads the setting)
_LOG = logging.getLogger(__name__)


@dataclass
class Member:
    """A student's session on this process: their seat and their page's live channel."""

    seat: Seat
    channel: weakref.ref
    applied: int = 0                    # the class setup this Playground has, or is getting from its page
    pushed: tuple[int, LiveRun] | None = None   # the run this thread made for a setup, until the page adopts it
    reported_at: float = 0.0
    alive_at: float = field(default_factory=time.monotonic)     # when its session was last connected
    lock: threading.Lock = field(default_factory=threading.Lock)


@dataclass
class Teaching:
    """A teacher's session on this process: the class it teaches and its page's live channel."""

    code: str
    key: str
    channel: weakref.ref
    alive_at: float = field(default_factory=time.monotonic)


def _always(_channel) -> bool:
    return True


class Hub:
    def __init__(self, store: ClassStore, poll_seconds: float = POLL_SECONDS, board_seconds: float = BOARD_SECONDS,
                 report_seconds: float = board_frames.REPORT_SECONDS, *, alive: Callable[[object], bool] = _always,
                 grace_seconds: float = GRACE_SECONDS, heartbeat_seconds: float = HEARTBEAT_SECONDS):
        """`alive(channel)`: is that channel's session connected now (a server's runtime knows)."""
        self.store = store
        self.poll_seconds, self.board_seconds, self.report_seconds = poll_seconds, board_seconds, report_seconds
        self.alive, self.grace_seconds, self.heartbeat_seconds = alive, grace_seconds, heartbeat_seconds
        self._teachers: dict[str, Teaching] = {}        # channel token -> the class it teaches
        self._told_gone: dict[tuple[str, str], float] = {}    # (channel token, code) -> when its page heard it went
        self._beat_at = 0.0
        self.error: str | None = None           # the store's last failure, in words (the page shows it)
        self._lock = threading.Lock()
        self._members: dict[str, Member] = {}           # channel token -> member
        self._boards: dict[str, tuple[weakref.ref, BoardFeed]] = {}    # channel token -> (channel, feed)
        self._outbox: dict[tuple[str, str], Report] = {}
        self._held: dict[str, tuple[float, list[tuple[weakref.ref, int]]]] = {}   # code -> (until, switched)
        self._thread: threading.Thread | None = None
        self._stop = threading.Event()

    # --- what pages do --------------------------------------------------------------------------
    def member(self, channel, seat: Seat, events: int | None = None, applied: int = 0) -> None:
        """A student's session holds `seat` (its seat lives while the session does). From a page run that has
        seen the class up to `events` and applied setup number `applied`: its channel hears of news."""
        with self._lock:
            found = self._members.get(channel.token)
            if found is None or found.seat != seat:
                found = self._members[channel.token] = Member(seat, weakref.ref(channel))
        with found.lock:
            found.applied = max(found.applied, applied)
        if events is not None:
            channel.notice = events
        self._start()

    def teach(self, channel, code: str, key: str) -> None:
        """The session of `channel` teaches class `code`: the class lives while that session does."""
        with self._lock:
            found = self._teachers.get(channel.token)
            if found is None or (found.code, found.key) != (code, key):
                self._teachers[channel.token] = Teaching(code, key, weakref.ref(channel))
        self._start()

    def claim(self, channel, number: int) -> LiveRun | None:
        """A student's page is applying setup `number`: the run this thread already made for it (the page
        adopts it), else None, and this thread leaves that setup to the page."""
        with self._lock:
            found = self._members.get(channel.token)
        if found is None:
            return None
        with found.lock:
            pushed, found.pushed = found.pushed, None
            found.applied = max(found.applied, number)
            return pushed[1] if pushed is not None and pushed[0] == number else None

    def forget(self, channel) -> None:
        with self._lock:
            self._members.pop(channel.token, None)
            self._boards.pop(channel.token, None)
            self._teachers.pop(channel.token, None)

    def board(self, channel, code: str, teacher_key: str) -> BoardFeed:
        """The teacher's board feed for this channel (read from the store now; kept fresh from then on)."""
        board = self.store.board(code, teacher_key)
        with self._lock:
            found = self._boards.get(channel.token)
            feed = found[1] if found and found[1].code == code else None
            if feed is None:
                feed = BoardFeed(code, teacher_key, board)
                self._boards[channel.token] = (weakref.ref(channel), feed)
        feed.update(board)
        self._start()
        return feed

    # --- what frames do (on the training thread: never waits) -----------------------------------
    def on_frame(self, channel, frame, state) -> None:
        found = self._members.get(channel.token)
        if found is None or state is None:
            return
        now = time.monotonic()
        if now - found.reported_at < self.report_seconds:
            return
        summary = summary_from_frame(frame, state)
        if summary is None:
            return
        found.reported_at = now
        seat = found.seat
        with self._lock:
            self._outbox[(seat.code, seat.seat)] = Report(seat.code, seat.seat, seat.key, summary)

    # --- the thread -----------------------------------------------------------------------------
    def _start(self) -> None:
        with self._lock:
            if self._thread is None or not self._thread.is_alive():
                self._thread = threading.Thread(target=self._loop, name="scratchnet-classroom", daemon=True)
                self._thread.start()

    def stop(self) -> None:
        self._stop.set()

    def _loop(self) -> None:
        while not self._stop.wait(self.poll_seconds):
            try:
                self.tick()
                self.error = None
            except StoreUnavailable as err:
                self.error = str(err)
                self._stop.wait(RETRY_SECONDS)
            except Exception:  # noqa: BLE001 — the thread must outlive one bad round
                _LOG.exception("classroom hub")
                self._stop.wait(RETRY_SECONDS)

    def tick(self) -> None:
        """One round: hand on the reports, read the counters, tell channels and boards."""
        with self._lock:
            reports = list(self._outbox.values())
            self._outbox.clear()
            members = list(self._members.items())
            boards = list(self._boards.items())
            teachers = list(self._teachers.items())
        if reports:
            self.store.report_many(reports)
        now = time.monotonic()
        if now - self._beat_at >= self.heartbeat_seconds:
            self._beat_at = now
            members = self._heartbeat(members, teachers, now)
        codes = {m.seat.code for _, m in members} | {feed.code for _, (_, feed) in boards}
        versions = self.store.versions(codes) if codes else {}
        self._push_setups(members, versions)
        now = time.monotonic()
        gone: list[str] = []
        for token, found in members:
            channel = found.channel()
            counters = versions.get(found.seat.code)
            if channel is None:
                continue                              # its session went: the heartbeat gives its seat back
            if counters is None:
                # The class ended or expired: the page runs and says so, once. If the page still finds the
                # class (a store whose parts disagree) and comes back, it is not nudged again for a while:
                # news that makes pages rerun over and over is worse than news that comes late.
                told = self._told_gone.get((channel.token, found.seat.code))
                if told is None or now - told > GONE_QUIET_SECONDS:
                    self._told_gone[(channel.token, found.seat.code)] = now
                    channel.notice += 1
                gone.append(token)
            elif channel.notice != counters.events and not self._holding(found.seat.code, now):
                channel.notice = counters.events
        for token, (ref, feed) in boards:
            counters = versions.get(feed.code)
            if ref() is None:
                gone.append(token)
            elif counters is None:
                if not feed.ended:
                    feed.end()
            elif counters.board != feed.version and now - feed.fetched_at >= self.board_seconds:
                feed.update(self.store.board(feed.code, feed.teacher_key))
        if len(self._told_gone) > 1000:
            self._told_gone = {t: at for t, at in self._told_gone.items() if now - at <= GONE_QUIET_SECONDS}
        if gone:
            with self._lock:
                for token in gone:
                    self._members.pop(token, None)
                    if token in self._boards and self._boards[token][0]() is None:
                        del self._boards[token]

    def _heartbeat(self, members: list[tuple[str, Member]], teachers: list[tuple[str, Teaching]],
                   now: float) -> list[tuple[str, Member]]:
        """Tell the store which sessions are there; leave the seats of those that are gone. Returns the
        members still here."""
        beats: dict[Beat, str] = {}
        leaving, kept = [], []
        for token, found in [*members, *teachers]:
            channel = found.channel()
            if channel is not None and self.alive(channel):
                found.alive_at = now
            if channel is None or now - found.alive_at > self.grace_seconds:
                leaving.append((token, found))
                continue
            if isinstance(found, Member):
                kept.append((token, found))
                beats[Beat(found.seat.code, found.seat.key, found.seat.seat)] = token
            else:
                beats[Beat(found.code, found.key)] = token
        gone = self.store.heartbeat(list(beats)) if beats else []
        with self._lock:
            for token, found in leaving:
                if isinstance(found, Member):
                    self._members.pop(token, None)
                else:
                    self._teachers.pop(token, None)
            for beat in gone:                       # seat or class gone under a live session: its page hears
                token = beats[beat]
                if beat.seat is None:
                    self._teachers.pop(token, None)
                elif (found := self._members.pop(token, None)) is not None and (channel := found.channel()):
                    channel.notice += 1
        for _, found in leaving:
            if isinstance(found, Member):
                seat = found.seat
                try:
                    self.store.leave(seat.code, seat.seat, seat.key)
                except ClassError:
                    pass                            # the class or the seat went already
        return [(token, m) for token, m in kept if token not in {beats[b] for b in gone}]

    def _push_setups(self, members: list[tuple[str, Member]], versions: dict) -> None:
        """Switch a class's new setup onto its students' Playgrounds (classroom/setup_push.py)."""
        moved = {m.seat.code for _, m in members
                 if (c := m.channel()) is not None and m.seat.code in versions
                 and c.notice != versions[m.seat.code].events}
        for code in moved:
            try:
                info = self.store.info(code)
            except NoSuchClass:
                continue                                  # it ended a moment ago: the notice says so below
            if not info.setup:
                continue
            drawn: dict = {}
            switched = []
            for _, found in members:
                channel = found.channel()
                if found.seat.code != code or channel is None:
                    continue
                with found.lock:
                    if found.applied >= info.setup_number:
                        continue
                    found.applied = info.setup_number
                    try:
                        fresh = push(channel, info.setup, drawn)
                    except Exception:  # noqa: BLE001 — one student's Playground never stops the class's news
                        _LOG.exception("classroom setup push")
                        fresh = None
                    if fresh is not None:
                        found.pushed = (info.setup_number, fresh)
                        switched.append((weakref.ref(channel), channel.revision))
            if switched:
                self._held[code] = (time.monotonic() + NOTICE_HOLD_SECONDS, switched)

    def _holding(self, code: str, now: float) -> bool:
        """Are a setup's frames still on their way to the class (its page runs wait)?"""
        held = self._held.get(code)
        if held is None:
            return False
        until, switched = held
        if now < until and any((c := ref()) is not None and c.revision == rev and c.mount_sent < rev
                               for ref, rev in switched):
            return True
        del self._held[code]
        return False

    def __len__(self) -> int:
        with self._lock:
            return len(self._members) + len(self._boards) + len(self._teachers)


_shared: Hub | None = None
_shared_lock = threading.Lock()


def session_connected(channel) -> bool:
    """Streamlit's server has this channel's session connected (outside a server, as under AppTest: yes,
    and the channel's own life decides)."""
    from streamlit.runtime import Runtime

    from live.route import session_alive

    return not Runtime.exists() or session_alive(channel.session_id)


def disconnected_grace() -> float:
    """How long Streamlit keeps a session whose browser went away (a reconnect brings it back)."""
    from streamlit import config

    return float(config.get_option("server.disconnectedSessionTTL") or GRACE_SECONDS)


def open_store(url: str | None = None) -> ClassStore:
    """The store this server uses: Redis at `url` (default: the REDIS_URL environment variable), or
    this process's memory when there is none."""
    url = os.environ.get("REDIS_URL", "") if url is None else url
    if not url.strip():
        return MemoryStore()
    from classroom.redis_store import RedisStore  # the redis package is needed only then

    return RedisStore(url.strip())


def shared() -> Hub:
    """This server process's hub, on the store REDIS_URL names (or memory), made on first use."""
    global _shared
    with _shared_lock:
        if _shared is None:
            _shared = Hub(open_store(), alive=session_connected, grace_seconds=disconnected_grace())
            board_frames.install(_shared.on_frame)
        return _shared
