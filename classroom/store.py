"""What the sessions of a class share, behind one small interface: `ClassStore`.

Two implementations: `MemoryStore` here (one server process; the default, nothing to install) and
`RedisStore` (classroom/redis_store.py) when REDIS_URL is set, so that teacher and students on
different app replicas see the same class. `hub.open_store()` picks one.

The store itself enforces who may do what, so a page with a bug cannot hand a student the teacher's
powers: teacher actions need the class's teacher key, a student's actions the key of their own seat.
Keys are 256 (teacher) and 192 (student) random bits, kept only as SHA-256 digests. A seat's id is
public (the board names tiles by it); its key never leaves the student's session.

It also enforces the limits of classroom/limits.py, per client (an address, ui/clients.py: what a
script cannot change by opening another session), per class and per server, and the lives of things:
a seat lives while its session does (the hub's heartbeats, `heartbeat`), a class while it has students
or its teacher's page is open (then EMPTY_SECONDS more, or IDLE_SECONDS with students nobody heard of).

Two counters per class tell others what changed: `events` (what a student must see at once: a setup,
a challenge, a message, the class ending; their live socket turns it into a page run, see hub.py) and
`board` (anything the board shows; each student's record keeps the board number of its last change,
so the board sends only the tiles that changed).
"""

from __future__ import annotations

import hashlib
import hmac
import json
import math
import secrets
import threading
import time
import unicodedata
from abc import ABC, abstractmethod
from collections.abc import Iterable, Mapping
from dataclasses import asdict, dataclass, field, replace

from classroom.limits import (
    CREATES,
    EMPTY_SECONDS,
    HEARTBEAT_SECONDS,
    IDLE_SECONDS,
    JOIN_BURST,
    JOINS,
    MAX_CLASSES,
    MAX_STUDENTS,
    SEAT_SECONDS,
    WRONG_TRIES,
    Rate,
)
from scratchnet.config import KNOBS

# Letters and digits nobody misreads from a projector or mistypes: no 0/O/Q, 1/I/L, 2/Z, 5/S, 6/G, 8/B.
CODE_ALPHABET = "ACDEFHJKMNPRTUVWXY34679"
CODE_LENGTH = 6                     # 23^6 = 148 million codes (why guessing one is infeasible: limits.py)
MAX_NAME = 24                       # characters: a tile's caption on a projected board
MAX_MESSAGE = 280
MAX_MESSAGES = 20                   # the newest are kept
# A setup is a Config's query: one short text per knob; its longest is the hidden controls' list with
# every control in it (255 characters today), which a teacher who hides everything sends.
MAX_SETUP_ITEMS, MAX_SETUP_TEXT = 64, len(",".join(KNOBS["hide"].choices))
THUMBNAIL_MAX_SIDE = 64
GOALS = {"params": "with the fewest parameters", "epochs": "in the fewest epochs"}
PRUNE_SECONDS = SEAT_SECONDS / 4    # how often a class looks for seats whose session is gone
# A class nothing was heard of for this long (a store that was down, a server asleep) gives its sessions a
# heartbeat's time to be heard again before seats are freed: their silence was not theirs.
QUIET_SECONDS = 2 * HEARTBEAT_SECONDS


# --- errors: one sentence each, shown to people as they are ----------------------------------------
class ClassError(Exception):
    """Something a person asked for that the class cannot do; `str()` says what in one sentence."""


class NoSuchClass(ClassError):
    def __init__(self, code: str = ""):
        super().__init__(f"There is no class {code} (it may have ended): check the code." if code
                         else "That class has ended.")


class NotAllowed(ClassError):
    def __init__(self, what: str = "do that"):
        super().__init__(f"Only the class's teacher may {what}." if what != "student"
                         else "That is not your seat in this class.")


class ClassFull(ClassError):
    def __init__(self) -> None:
        super().__init__(f"This class is full ({MAX_STUDENTS} students).")


class TooManyJoins(ClassError):
    def __init__(self) -> None:
        super().__init__("Many students are joining right now: wait a few seconds and press Join again.")


def _minutes(seconds: int) -> str:
    minutes = max(1, math.ceil(seconds / 60))
    return f"{minutes} minute{'s' if minutes != 1 else ''}"


class TooManyTries(ClassError):
    """The client's wrong codes and teacher links are used up for now (right ones are refused too)."""

    def __init__(self, wait: int) -> None:
        super().__init__(f"Too many wrong class codes or links from your network: wait {_minutes(wait)}, then check "
                         "the code with your teacher.")


class ClientJoins(TooManyJoins):
    def __init__(self, wait: int) -> None:
        ClassError.__init__(self, f"Many students have joined classes from your network in the last minutes: "
                            f"wait {_minutes(wait)} and press Join again.")


class ClassLocked(ClassError):
    def __init__(self, code: str) -> None:
        super().__init__(f"Class {code} is locked: ask your teacher to let new students in.")


class TooManyClasses(ClassError):
    def __init__(self, wait: int | None = None) -> None:
        super().__init__("This server has as many classes as it can hold: try again later." if wait is None else
                         f"Your network has started {CREATES.count} classes in the last hour, the most it may: the "
                         f"next can start in {_minutes(wait)}.")


class BadTeacherLink(NotAllowed):
    """One answer for a teacher link whose class does not exist and one whose key is not the class's."""

    def __init__(self) -> None:
        ClassError.__init__(self, "That teacher link does not work: its class has ended, or it is not the link of "
                            "that class's teacher.")


class BadInput(ClassError):
    pass


class StoreUnavailable(ClassError):
    """The shared store (Redis) cannot be reached; playing alone still works."""


# --- what the store holds ----------------------------------------------------------------------
@dataclass(frozen=True)
class Summary:
    """A student's run as the board shows it, taken from their live frames about twice a second."""

    epoch: int
    test_accuracy: float | None         # None for regression
    test_loss: float | None
    params: int
    playing: bool
    lut: str                            # the colour table of the codes: "c2".."c8" (classes) or "r"
    side: int
    codes: bytes                        # side × side uint8 surface codes, rows top first
    at: float

    def __post_init__(self) -> None:
        if not (0 < self.side <= THUMBNAIL_MAX_SIDE and len(self.codes) == self.side * self.side):
            raise BadInput("A thumbnail must be a square of at most 64×64 codes.")

    def pack(self) -> bytes:
        head = {k: v for k, v in asdict(self).items() if k != "codes"}
        return json.dumps(head, separators=(",", ":"), allow_nan=False).encode() + b"\n" + self.codes

    @classmethod
    def unpack(cls, data: bytes) -> Summary:
        head, _, codes = data.partition(b"\n")
        return cls(**json.loads(head), codes=codes)


@dataclass(frozen=True)
class Challenge:
    goal: str                           # a key of GOALS
    target: float                       # the test accuracy to reach
    data: dict[str, str]                # the data knobs a run must use (from the teacher's setup)
    text: str                           # the challenge in words, as students read it
    number: int = 0                     # set by the store: a new challenge starts a new ranking

    def __post_init__(self) -> None:
        if self.goal not in GOALS or not (0.5 <= self.target <= 1.0):
            raise BadInput("A challenge is a goal (fewest parameters or epochs) and a test accuracy of 50 to 100%.")
        _check_setup(self.data)


@dataclass(frozen=True)
class Submission:
    seat: str
    name: str
    test_accuracy: float
    params: int
    epochs: int                         # the first epoch the run was measured at the target
    setup: dict[str, str]
    challenge: int
    at: float

    def rank_key(self, goal: str) -> tuple:
        first = (self.params, self.epochs) if goal == "params" else (self.epochs, self.params)
        return (*first, -self.test_accuracy, self.at)


@dataclass(frozen=True)
class Message:
    text: str
    at: float


@dataclass(frozen=True)
class ClassInfo:
    """What every member of the class may read."""

    code: str
    created: float
    events: int
    setup: dict[str, str] | None
    setup_number: int                   # how many setups were sent: a student applies a newer one
    challenge: Challenge | None
    messages: tuple[Message, ...]
    students: int
    locked: bool = False                # no new students (the teacher's choice)


@dataclass(frozen=True)
class Student:
    seat: str
    name: str
    joined: float
    setup: dict[str, str] | None
    summary: Summary | None
    v: int                              # the board number of this student's last change


@dataclass(frozen=True)
class StudentView:
    """What one student may read: the class's shared state, their own record and submission."""

    info: ClassInfo
    me: Student
    submission: Submission | None


@dataclass(frozen=True)
class Board:
    """What the teacher's board shows."""

    info: ClassInfo
    version: int
    students: tuple[Student, ...]       # in the order they joined
    submissions: tuple[Submission, ...]  # ranked, best first


@dataclass(frozen=True)
class Versions:
    events: int
    board: int


@dataclass(frozen=True)
class Seat:
    """What joining gives a student's session (the key is theirs alone)."""

    code: str
    seat: str
    key: str
    name: str


@dataclass(frozen=True)
class Beat:
    """A session that is still there: a student's (with their seat) or the teacher's (seat None)."""

    code: str
    key: str
    seat: str | None = None


@dataclass(frozen=True)
class Report:
    """A student's latest summary (and setup, when it changed), as the hub hands them on in batches."""

    code: str
    seat: str
    key: str
    summary: Summary | None = None
    setup: dict[str, str] | None = None


# --- checks shared by both stores ---------------------------------------------------------------
def digest(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


def same_key(key: object, stored: str | None) -> bool:
    """Constant-time comparison of a key with its stored digest."""
    return isinstance(key, str) and stored is not None and hmac.compare_digest(digest(key), stored)


def new_code() -> str:
    return "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))


def normalize_code(text: object) -> str:
    """A typed code as stored: case and spaces or dashes do not matter; anything else is no code."""
    code = "".join(str(text or "").split()).replace("-", "").upper()
    return code if len(code) == CODE_LENGTH and all(c in CODE_ALPHABET for c in code) else ""


def _plain(text: object, limit: int, what: str) -> str:
    """Text as one plain line: normalized (NFKC), control and format characters dropped, runs of
    spaces as one; empty or over `limit` characters is refused."""
    text = unicodedata.normalize("NFKC", str(text or ""))
    text = "".join(" " if c.isspace() else c for c in text if unicodedata.category(c)[0] != "C" or c.isspace())
    text = " ".join(text.split())
    if not text:
        raise BadInput(f"{what} cannot be empty.")
    if len(text) > limit:
        raise BadInput(f"{what} can have at most {limit} characters.")
    return text


def clean_name(text: object) -> str:
    return _plain(text, MAX_NAME, "Your name")


def clean_message(text: object) -> str:
    return _plain(text, MAX_MESSAGE, "A message")


def unique_name(name: str, taken: Iterable[str]) -> str:
    """`name`, or `name 2`, `name 3`... if the class has it already (two Anas on one board)."""
    taken = set(taken)
    if name not in taken:
        return name
    n = 2
    while f"{name[:MAX_NAME - 4]} {n}" in taken:
        n += 1
    return f"{name[:MAX_NAME - 4]} {n}"


def _check_setup(setup: object) -> dict[str, str]:
    if (not isinstance(setup, Mapping) or len(setup) > MAX_SETUP_ITEMS
            or not all(isinstance(k, str) and isinstance(v, str) and len(k) <= 40 and len(v) <= MAX_SETUP_TEXT
                       for k, v in setup.items())):
        raise BadInput("A setup is a link's settings: at most 64 short texts.")
    return dict(setup)


def check_submission(challenge: Challenge | None, submission: Submission) -> None:
    """A submission counts if it answers the current challenge, reaches its target, on its data."""
    if challenge is None or submission.challenge != challenge.number:
        raise BadInput("There is no challenge to submit to right now.")
    if not (math.isfinite(submission.test_accuracy) and submission.test_accuracy >= challenge.target):
        raise BadInput(f"Your test accuracy is {submission.test_accuracy:.1%}; the challenge asks for "
                       f"{challenge.target:.0%}. Keep training or change your network, then submit again.")
    if any(submission.setup.get(k) != v for k, v in challenge.data.items()):
        raise BadInput("Your run uses other data than the challenge: press Reset on the challenge's data "
                       "(the setup your teacher sent) and train on that.")


def better(goal: str, new: Submission, old: Submission | None) -> bool:
    return old is None or old.challenge != new.challenge or new.rank_key(goal) < old.rank_key(goal)


def ranked(challenge: Challenge | None, submissions: Iterable[Submission]) -> tuple[Submission, ...]:
    if challenge is None:
        return ()
    current = [s for s in submissions if s.challenge == challenge.number]
    return tuple(sorted(current, key=lambda s: s.rank_key(challenge.goal)))


def _now(now: float | None) -> float:
    return time.time() if now is None else now


# --- the interface ------------------------------------------------------------------------------
class ClassStore(ABC):
    """Everything a class's sessions share. Every method may raise StoreUnavailable (Redis down);
    the others raise the ClassError the docstring names. `client` is who asks (ui/clients.py): the
    per-client limits are counted against it."""

    kind = "memory"

    @abstractmethod
    def create(self, client: str = "", now: float | None = None) -> tuple[str, str]:
        """A new class: (code, teacher key) (TooManyClasses: the client's or the server's)."""

    @abstractmethod
    def info(self, code: str) -> ClassInfo:
        """The class's shared state (NoSuchClass)."""

    @abstractmethod
    def check_teacher(self, code: str, teacher_key: str, client: str = "", now: float | None = None) -> None:
        """Nothing if `teacher_key` is the class's; else BadTeacherLink, one answer whether the class exists
        or not, counted as a wrong try of the client (TooManyTries once they are used up)."""

    @abstractmethod
    def join(self, code: str, name: str, client: str = "", now: float | None = None) -> Seat:
        """A new seat (TooManyTries, NoSuchClass (a wrong try), ClassLocked, TooManyJoins / ClientJoins (the
        client's budgets), ClassFull, BadInput for the name)."""

    @abstractmethod
    def leave(self, code: str, seat: str, key: str, now: float | None = None) -> None:
        """The student goes, with their run and submission (NotAllowed)."""

    @abstractmethod
    def remove(self, code: str, teacher_key: str, seats: str | Iterable[str], now: float | None = None) -> int:
        """The teacher sends students away (one seat or many); returns how many were there (NotAllowed)."""

    @abstractmethod
    def lock(self, code: str, teacher_key: str, locked: bool, now: float | None = None) -> None:
        """No new students while locked (NotAllowed)."""

    @abstractmethod
    def send_setup(self, code: str, teacher_key: str, setup: Mapping[str, str], now: float | None = None) -> int:
        """Every student gets this setup; returns its number (NotAllowed, BadInput)."""

    @abstractmethod
    def set_challenge(self, code: str, teacher_key: str, challenge: Challenge | None,
                      now: float | None = None) -> None:
        """A new challenge (its submissions start empty), or none (NotAllowed)."""

    @abstractmethod
    def post_message(self, code: str, teacher_key: str, text: str, now: float | None = None) -> None:
        """A message every student sees (NotAllowed, BadInput)."""

    @abstractmethod
    def heartbeat(self, beats: Iterable[Beat], now: float | None = None) -> list[Beat]:
        """Sessions still there (their seats and classes live on); returns the beats whose class, seat or
        key is gone (their pages must hear of it)."""

    @abstractmethod
    def report_many(self, reports: Iterable[Report], now: float | None = None) -> None:
        """Students' latest summaries and setups (a sign of life too). A report whose seat, key or class is
        wrong or gone is dropped: the reports come in batches from the live path, where nobody could be told."""

    @abstractmethod
    def submit(self, code: str, seat: str, key: str, submission: Submission, now: float | None = None) -> bool:
        """A student's run for the challenge; True if it is now their best (NotAllowed, BadInput)."""

    @abstractmethod
    def student(self, code: str, seat: str, key: str) -> StudentView:
        """What one student may read (NoSuchClass, NotAllowed: e.g. removed)."""

    @abstractmethod
    def board(self, code: str, teacher_key: str) -> Board:
        """What the teacher's board shows: the students whose session is there (NotAllowed)."""

    @abstractmethod
    def versions(self, codes: Iterable[str]) -> dict[str, Versions]:
        """The counters of the classes that still exist (one cheap call for the hub's polling)."""

    @abstractmethod
    def end(self, code: str, teacher_key: str) -> None:
        """The class and everything in it is gone (NotAllowed)."""

    def report(self, code: str, seat: str, key: str, *, summary: Summary | None = None,
               setup: Mapping[str, str] | None = None, now: float | None = None) -> None:
        self.report_many([Report(code, seat, key, summary, None if setup is None else dict(setup))], now)

    def ping(self) -> None:
        """Raises StoreUnavailable if the store cannot be reached."""


def seat_list(seats: str | Iterable[str]) -> list[str]:
    """One seat id or many, as a list of ids (anything else dropped)."""
    found = [seats] if isinstance(seats, str) else list(seats)
    return [s for s in dict.fromkeys(found) if isinstance(s, str) and 0 < len(s) <= 32][:MAX_STUDENTS]


def lifetime(students: int) -> int:
    """How long a class lives after a sign of life: longer with students in it."""
    return IDLE_SECONDS if students else EMPTY_SECONDS


# --- in memory ----------------------------------------------------------------------------------
@dataclass
class _Seat:
    name: str
    key: str                             # digest
    joined: float
    v: int
    seen: float                          # the last sign of the student's session
    setup: dict[str, str] | None = None
    summary: Summary | None = None

    def public(self, seat: str) -> Student:
        return Student(seat, self.name, self.joined, self.setup, self.summary, self.v)


@dataclass
class _Class:
    code: str
    teacher: str                         # digest
    created: float
    expires: float
    events: int = 0
    board: int = 0
    setup: dict[str, str] | None = None
    setup_number: int = 0
    challenge: Challenge | None = None
    challenges: int = 0
    messages: list[Message] = field(default_factory=list)
    seats: dict[str, _Seat] = field(default_factory=dict)
    submissions: dict[str, Submission] = field(default_factory=dict)
    locked: bool = False
    pruned: float = 0.0
    touched: float = 0.0

    def live(self, now: float) -> list[tuple[str, _Seat]]:
        return [(seat, s) for seat, s in self.seats.items() if now - s.seen <= SEAT_SECONDS]

    def info(self, now: float) -> ClassInfo:
        return ClassInfo(self.code, self.created, self.events, self.setup, self.setup_number, self.challenge,
                         tuple(self.messages), len(self.live(now)), self.locked)


class MemoryStore(ClassStore):
    """Classes in this process's memory: one server, nothing to install. Thread-safe (one lock; every
    operation takes microseconds)."""

    kind = "memory"

    def __init__(self, max_classes: int | None = None):
        self._lock = threading.Lock()
        self._classes: dict[str, _Class] = {}
        self.max_classes = MAX_CLASSES if max_classes is None else max_classes
        self._spent: dict[tuple[str, str, int], tuple[int, float]] = {}   # (what, client, window) -> (n, until)

    # -- per-client budgets, under the lock
    def _used(self, what: str, client: str, rate: Rate, now: float) -> int:
        window = rate.window(now)
        previous, current = (self._spent.get((what, client, w), (0, 0.0))[0] for w in (window - 1, window))
        return rate.used(previous, current, now)

    def _spend(self, what: str, client: str, rate: Rate, now: float) -> None:
        key = (what, client, rate.window(now))
        self._spent[key] = (self._spent.get(key, (0, 0.0))[0] + 1, (key[2] + 2) * rate.seconds)
        if len(self._spent) > 100_000:          # bounded whatever visitors do: old windows go
            self._spent = {k: v for k, v in self._spent.items() if v[1] > now}

    # -- lookups under the lock
    def _get(self, code: str, now: float) -> _Class:
        found = self._classes.get(code)
        if found is None or now >= found.expires:
            self._classes.pop(code, None)
            raise NoSuchClass(code)
        return found

    def _teacher(self, code: str, key: str, what: str, now: float) -> _Class:
        found = self._get(code, now)
        if not same_key(key, found.teacher):
            raise NotAllowed(what)
        self._touch(found, now)
        return found

    def _seat(self, code: str, seat: str, key: str, now: float) -> tuple[_Class, _Seat]:
        found = self._get(code, now)
        mine = found.seats.get(seat) if isinstance(seat, str) else None
        if mine is None or not same_key(key, mine.key):
            raise NotAllowed("student")
        return found, mine

    def _touch(self, found: _Class, now: float, prune: bool = False) -> None:
        """A sign of life: seats whose session is gone are freed (every PRUNE_SECONDS, or now with `prune`),
        and the class lives on from now."""
        quiet, found.touched = now - found.touched > QUIET_SECONDS, now
        if prune or (not quiet and now - found.pruned >= PRUNE_SECONDS):
            found.pruned = now
            for seat in [seat for seat, s in found.seats.items() if now - s.seen > SEAT_SECONDS]:
                self._drop(found, seat)
        elif quiet:
            found.pruned = now                  # not before the sessions had a heartbeat's time to be heard
        found.expires = now + lifetime(len(found.seats))

    def _sweep(self, now: float) -> None:
        for code in [c for c, k in self._classes.items() if now >= k.expires]:
            del self._classes[code]

    @staticmethod
    def _drop(found: _Class, seat: str) -> bool:
        if found.seats.pop(seat, None) is None:
            return False
        found.submissions.pop(seat, None)
        found.board += 1
        return True

    # -- the interface
    def create(self, client: str = "", now: float | None = None) -> tuple[str, str]:
        now = _now(now)
        with self._lock:
            self._sweep(now)
            if self._used("create", client, CREATES, now) >= CREATES.count:
                raise TooManyClasses(CREATES.wait(now))
            if len(self._classes) >= self.max_classes:
                raise TooManyClasses()
            self._spend("create", client, CREATES, now)
            code = new_code()
            while code in self._classes:
                code = new_code()
            key = secrets.token_urlsafe(32)
            self._classes[code] = _Class(code, digest(key), now, now + EMPTY_SECONDS)
            return code, key

    def info(self, code: str) -> ClassInfo:
        now = time.time()
        with self._lock:
            return self._get(code, now).info(now)

    def check_teacher(self, code: str, teacher_key: str, client: str = "", now: float | None = None) -> None:
        now = _now(now)
        with self._lock:
            if self._used("wrong", client, WRONG_TRIES, now) >= WRONG_TRIES.count:
                raise TooManyTries(WRONG_TRIES.wait(now))
            found = self._classes.get(code) if isinstance(code, str) else None
            if found is None or now >= found.expires or not same_key(teacher_key, found.teacher):
                self._spend("wrong", client, WRONG_TRIES, now)
                raise BadTeacherLink()

    def join(self, code: str, name: str, client: str = "", now: float | None = None) -> Seat:
        name = clean_name(name)
        now = _now(now)
        with self._lock:
            if self._used("wrong", client, WRONG_TRIES, now) >= WRONG_TRIES.count:
                raise TooManyTries(WRONG_TRIES.wait(now))
            try:
                found = self._get(code, now)
            except NoSuchClass:
                self._spend("wrong", client, WRONG_TRIES, now)
                raise
            if found.locked:
                raise ClassLocked(code)
            if self._used("join", client, JOINS, now) >= JOINS.count:
                raise ClientJoins(JOINS.wait(now))
            if self._used("burst", client, JOIN_BURST, now) >= JOIN_BURST.count:
                raise TooManyJoins()
            self._touch(found, now, prune=True)  # a full class frees the seats of sessions that are gone first
            if len(found.seats) >= MAX_STUDENTS:
                raise ClassFull()
            self._spend("join", client, JOINS, now)
            self._spend("burst", client, JOIN_BURST, now)
            seat, key = secrets.token_hex(4), secrets.token_urlsafe(24)
            name = unique_name(name, (s.name for s in found.seats.values()))
            found.board += 1
            found.seats[seat] = _Seat(name, digest(key), now, found.board, now)
            self._touch(found, now)
            return Seat(code, seat, key, name)

    def leave(self, code: str, seat: str, key: str, now: float | None = None) -> None:
        now = _now(now)
        with self._lock:
            found, _ = self._seat(code, seat, key, now)
            self._drop(found, seat)
            self._touch(found, now)

    def remove(self, code: str, teacher_key: str, seats: str | Iterable[str], now: float | None = None) -> int:
        wanted = seat_list(seats)
        now = _now(now)
        with self._lock:
            found = self._teacher(code, teacher_key, "remove a student", now)
            removed = sum(self._drop(found, seat) for seat in wanted)
            if removed:
                found.events += 1               # the removed students' pages learn it
            self._touch(found, now)
            return removed

    def lock(self, code: str, teacher_key: str, locked: bool, now: float | None = None) -> None:
        with self._lock:
            found = self._teacher(code, teacher_key, "lock the class", _now(now))
            found.locked = bool(locked)
            found.board += 1

    def send_setup(self, code: str, teacher_key: str, setup: Mapping[str, str], now: float | None = None) -> int:
        setup = _check_setup(setup)
        with self._lock:
            found = self._teacher(code, teacher_key, "send a setup", _now(now))
            found.setup = setup
            found.setup_number += 1
            found.events += 1
            return found.setup_number

    def set_challenge(self, code: str, teacher_key: str, challenge: Challenge | None,
                      now: float | None = None) -> None:
        with self._lock:
            found = self._teacher(code, teacher_key, "set a challenge", _now(now))
            if challenge is not None:
                found.challenges += 1
                challenge = replace(challenge, number=found.challenges)
            found.challenge = challenge
            found.submissions.clear()
            found.events += 1
            found.board += 1

    def post_message(self, code: str, teacher_key: str, text: str, now: float | None = None) -> None:
        text = clean_message(text)
        now = _now(now)
        with self._lock:
            found = self._teacher(code, teacher_key, "send messages", now)
            found.messages = [*found.messages, Message(text, now)][-MAX_MESSAGES:]
            found.events += 1

    def heartbeat(self, beats: Iterable[Beat], now: float | None = None) -> list[Beat]:
        now = _now(now)
        gone = []
        with self._lock:
            for beat in beats:
                try:
                    if beat.seat is None:
                        self._teacher(beat.code, beat.key, "do that", now)
                    else:
                        found, mine = self._seat(beat.code, beat.seat, beat.key, now)
                        mine.seen = now
                        self._touch(found, now)
                except ClassError:
                    gone.append(beat)
        return gone

    def report_many(self, reports: Iterable[Report], now: float | None = None) -> None:
        now = _now(now)
        with self._lock:
            for r in reports:
                try:
                    found, mine = self._seat(r.code, r.seat, r.key, now)
                except ClassError:
                    continue
                if r.summary is not None:
                    mine.summary = r.summary
                if r.setup is not None:
                    mine.setup = _check_setup(r.setup)
                found.board += 1
                mine.v, mine.seen = found.board, now
                self._touch(found, now)

    def submit(self, code: str, seat: str, key: str, submission: Submission, now: float | None = None) -> bool:
        now = _now(now)
        with self._lock:
            found, mine = self._seat(code, seat, key, now)
            submission = replace(submission, seat=seat, name=mine.name, setup=_check_setup(submission.setup))
            check_submission(found.challenge, submission)
            if not better(found.challenge.goal, submission, found.submissions.get(seat)):
                return False
            found.submissions[seat] = submission
            found.board += 1
            self._touch(found, now)
            return True

    def student(self, code: str, seat: str, key: str) -> StudentView:
        now = time.time()
        with self._lock:
            found, mine = self._seat(code, seat, key, now)
            return StudentView(found.info(now), mine.public(seat), found.submissions.get(seat))

    def board(self, code: str, teacher_key: str) -> Board:
        now = time.time()
        with self._lock:
            found = self._get(code, now)
            if not same_key(teacher_key, found.teacher):
                raise NotAllowed("see the board")
            live = found.live(now)
            seats = {seat for seat, _ in live}
            return Board(found.info(now), found.board, tuple(s.public(seat) for seat, s in live),
                         ranked(found.challenge, (s for seat, s in found.submissions.items() if seat in seats)))

    def versions(self, codes: Iterable[str]) -> dict[str, Versions]:
        now = time.time()
        with self._lock:
            out = {}
            for code in codes:
                found = self._classes.get(code)
                if found is not None and now < found.expires:
                    out[code] = Versions(found.events, found.board)
            return out

    def end(self, code: str, teacher_key: str) -> None:
        with self._lock:
            self._teacher(code, teacher_key, "end the class", time.time())
            del self._classes[code]
