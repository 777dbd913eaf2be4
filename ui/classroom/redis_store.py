"""`ClassStore` over Redis (REDIS_URL): several app replicas share their classes.

Each class is a few keys with the class code as their hash tag, all expiring together after
IDLE_SECONDS without a write (every write renews them all):

    sn:{CODE}:meta     hash: teacher (key digest), created, setup, setup_number, challenge, challenges, messages
    sn:{CODE}:events   counter: what students must see at once      sn:{CODE}:board   counter: what the board shows
    sn:{CODE}:seats    seat -> {"name", "key" (digest), "joined"}   sn:{CODE}:setups  seat -> the student's setup
    sn:{CODE}:tiles    seat -> the student's packed Summary         sn:{CODE}:v       seat -> board number of its change
    sn:{CODE}:subs     seat -> the student's best Submission        sn:{CODE}:joins   window, joins in it

The counters live outside `meta`, so the many reports (a class of 100 reports ~200 times a second)
never disturb a teacher's WATCHed write. Joining and reporting are Lua scripts: a seat must be
checked and written in one step (the class's size and join rate; a report for a removed seat must
not bring its tile back). The hub polls both counters of every class it watches with one MGET.
"""

from __future__ import annotations

import contextlib
import json
import secrets
import time
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import asdict, replace
from urllib.parse import urlsplit

import redis
from redis.exceptions import RedisError, WatchError

from ui.classroom.store import (
    IDLE_SECONDS,
    JOIN_WINDOW_SECONDS,
    JOINS_PER_WINDOW,
    MAX_MESSAGES,
    MAX_STUDENTS,
    Board,
    Challenge,
    ClassFull,
    ClassInfo,
    ClassStore,
    Message,
    NoSuchClass,
    NotAllowed,
    Report,
    Seat,
    StoreUnavailable,
    Student,
    StudentView,
    Submission,
    Summary,
    TooManyJoins,
    Versions,
    _check_setup,
    better,
    check_submission,
    clean_message,
    clean_name,
    digest,
    new_code,
    ranked,
    same_key,
    unique_name,
)

TIMEOUT_SECONDS = 1.0           # a Redis that does not answer: the page says so instead of hanging
PARTS = ("meta", "events", "board", "seats", "setups", "tiles", "v", "subs", "joins")

_JOIN = """
-- KEYS: meta seats board v joins    ARGV: seat record max_students joins_max window
if redis.call('EXISTS', KEYS[1]) == 0 then return 'gone' end
if redis.call('HGET', KEYS[5], 'window') ~= ARGV[5] then redis.call('HSET', KEYS[5], 'window', ARGV[5], 'count', 0) end
if tonumber(redis.call('HGET', KEYS[5], 'count')) >= tonumber(ARGV[4]) then return 'busy' end
if redis.call('HLEN', KEYS[2]) >= tonumber(ARGV[3]) then return 'full' end
redis.call('HINCRBY', KEYS[5], 'count', 1)
redis.call('HSET', KEYS[2], ARGV[1], ARGV[2])
redis.call('HSET', KEYS[4], ARGV[1], redis.call('INCR', KEYS[3]))
return 'ok'
"""

_REPORT = """
-- KEYS: seats setups tiles board v    ARGV: seat key_digest summary setup
local record = redis.call('HGET', KEYS[1], ARGV[1])
if not record or cjson.decode(record)['key'] ~= ARGV[2] then return 0 end
if ARGV[3] ~= '' then redis.call('HSET', KEYS[3], ARGV[1], ARGV[3]) end
if ARGV[4] ~= '' then redis.call('HSET', KEYS[2], ARGV[1], ARGV[4]) end
redis.call('HSET', KEYS[5], ARGV[1], redis.call('INCR', KEYS[4]))
return 1
"""


def _key(code: str, part: str) -> str:
    return f"sn:{{{code}}}:{part}"


def _text(value: bytes | None) -> str:
    return "" if value is None else value.decode()


def _json(value: bytes | str | None):
    return None if not value else json.loads(value)


def _dumps(value) -> str:
    return json.dumps(value, separators=(",", ":"), allow_nan=False)


class RedisStore(ClassStore):
    kind = "redis"

    def __init__(self, url: str, client: redis.Redis | None = None):
        parts = urlsplit(url)
        self.where = f"{parts.hostname or 'localhost'}:{parts.port or 6379}"     # never the password
        self.r = client or redis.Redis.from_url(url, socket_timeout=TIMEOUT_SECONDS,
                                                socket_connect_timeout=TIMEOUT_SECONDS, health_check_interval=30)
        self._join = self.r.register_script(_JOIN)
        self._report = self.r.register_script(_REPORT)

    # --- plumbing -------------------------------------------------------------------------------
    @contextlib.contextmanager
    def _guard(self) -> Iterator[None]:
        try:
            yield
        except WatchError:
            raise
        except RedisError as err:
            raise StoreUnavailable(f"The classroom service (Redis at {self.where}) cannot be reached: "
                                   f"{str(err).rstrip('.')}. Playing alone still works.") from err

    def _touch(self, pipe, code: str) -> None:
        for part in PARTS:
            pipe.expire(_key(code, part), int(IDLE_SECONDS))

    def _teacher_write(self, code: str, teacher_key: str, what: str, write) -> list:
        """Check the teacher key and write in one transaction (retried if the class changed between)."""
        meta = _key(code, "meta")
        with self._guard(), self.r.pipeline() as pipe:
            while True:
                try:
                    pipe.watch(meta)
                    fields = pipe.hgetall(meta)
                    if not fields:
                        raise NoSuchClass(code)
                    if not same_key(teacher_key, _text(fields.get(b"teacher"))):
                        raise NotAllowed(what)
                    pipe.multi()
                    write(pipe, fields)
                    self._touch(pipe, code)
                    return pipe.execute()
                except WatchError:
                    continue

    @staticmethod
    def _info(code: str, meta: dict, events: bytes | None, students: int) -> ClassInfo:
        challenge = _json(meta.get(b"challenge"))
        messages = tuple(Message(**m) for m in _json(meta.get(b"messages")) or [])
        return ClassInfo(code, float(meta[b"created"]), int(events or 0), _json(meta.get(b"setup")),
                         int(meta.get(b"setup_number") or 0), Challenge(**challenge) if challenge else None,
                         messages, students)

    # --- the interface --------------------------------------------------------------------------
    def ping(self) -> None:
        with self._guard():
            self.r.ping()

    def create(self, now: float | None = None) -> tuple[str, str]:
        now = time.time() if now is None else now
        key = secrets.token_urlsafe(32)
        with self._guard(), self.r.pipeline() as pipe:
            while True:
                code = new_code()
                meta = _key(code, "meta")
                try:
                    pipe.watch(meta)
                    if pipe.exists(meta):
                        pipe.reset()
                        continue
                    pipe.multi()
                    pipe.hset(meta, mapping={"teacher": digest(key), "created": repr(now), "setup_number": 0,
                                             "challenges": 0, "messages": "[]"})
                    pipe.set(_key(code, "events"), 0)
                    pipe.set(_key(code, "board"), 0)
                    self._touch(pipe, code)
                    pipe.execute()
                    return code, key
                except WatchError:
                    continue

    def info(self, code: str) -> ClassInfo:
        with self._guard(), self.r.pipeline(transaction=False) as pipe:
            pipe.hgetall(_key(code, "meta"))
            pipe.get(_key(code, "events"))
            pipe.hlen(_key(code, "seats"))
            meta, events, students = pipe.execute()
        if not meta:
            raise NoSuchClass(code)
        return self._info(code, meta, events, students)

    def check_teacher(self, code: str, teacher_key: str) -> None:
        with self._guard():
            stored = self.r.hget(_key(code, "meta"), "teacher")
        if stored is None:
            raise NoSuchClass(code)
        if not same_key(teacher_key, _text(stored)):
            raise NotAllowed("do that")

    def join(self, code: str, name: str, now: float | None = None) -> Seat:
        name = clean_name(name)
        now = time.time() if now is None else now
        window = int(now // JOIN_WINDOW_SECONDS)
        with self._guard():
            # Names are made unique from a read just before: two students joining in the same
            # millisecond under one name both keep it (harmless; the count and rate are exact).
            taken = [json.loads(v)["name"] for v in self.r.hvals(_key(code, "seats"))]
            name = unique_name(name, taken)
            seat, key = secrets.token_hex(4), secrets.token_urlsafe(24)
            record = _dumps({"name": name, "key": digest(key), "joined": now})
            with self.r.pipeline(transaction=False) as pipe:
                self._join(keys=[_key(code, p) for p in ("meta", "seats", "board", "v", "joins")],
                           args=[seat, record, MAX_STUDENTS, JOINS_PER_WINDOW, window], client=pipe)
                self._touch(pipe, code)
                outcome = _text(pipe.execute()[0])
        if outcome == "gone":
            raise NoSuchClass(code)
        if outcome == "busy":
            raise TooManyJoins()
        if outcome == "full":
            raise ClassFull()
        return Seat(code, seat, key, name)

    def _check_seat(self, code: str, seat: str, key: str) -> dict:
        with self._guard():
            record = self.r.hget(_key(code, "seats"), seat) if isinstance(seat, str) else None
        found = _json(record)
        if found is None or not same_key(key, found["key"]):
            raise NotAllowed("student")
        return found

    def _drop(self, pipe, code: str, seat: str) -> None:
        for part in ("seats", "setups", "tiles", "v", "subs"):
            pipe.hdel(_key(code, part), seat)
        pipe.incr(_key(code, "board"))

    def leave(self, code: str, seat: str, key: str) -> None:
        self._check_seat(code, seat, key)
        with self._guard(), self.r.pipeline() as pipe:
            self._drop(pipe, code, seat)
            pipe.execute()

    def remove(self, code: str, teacher_key: str, seat: str) -> None:
        def write(pipe, _meta) -> None:
            self._drop(pipe, code, str(seat))
            pipe.incr(_key(code, "events"))

        self._teacher_write(code, teacher_key, "remove a student", write)

    def send_setup(self, code: str, teacher_key: str, setup: Mapping[str, str], now: float | None = None) -> int:
        setup = _check_setup(setup)

        def write(pipe, meta) -> None:
            pipe.hset(_key(code, "meta"), mapping={"setup": _dumps(setup),
                                                   "setup_number": int(meta.get(b"setup_number") or 0) + 1})
            pipe.incr(_key(code, "events"))

        self._teacher_write(code, teacher_key, "send a setup", write)
        with self._guard():
            return int(self.r.hget(_key(code, "meta"), "setup_number") or 0)

    def set_challenge(self, code: str, teacher_key: str, challenge: Challenge | None,
                      now: float | None = None) -> None:
        def write(pipe, meta) -> None:
            number = int(meta.get(b"challenges") or 0) + (challenge is not None)
            value = "" if challenge is None else _dumps(asdict(replace(challenge, number=number)))
            pipe.hset(_key(code, "meta"), mapping={"challenge": value, "challenges": number})
            pipe.delete(_key(code, "subs"))
            pipe.incr(_key(code, "events"))
            pipe.incr(_key(code, "board"))

        self._teacher_write(code, teacher_key, "set a challenge", write)

    def post_message(self, code: str, teacher_key: str, text: str, now: float | None = None) -> None:
        text = clean_message(text)
        at = time.time() if now is None else now

        def write(pipe, meta) -> None:
            messages = [*(_json(meta.get(b"messages")) or []), {"text": text, "at": at}][-MAX_MESSAGES:]
            pipe.hset(_key(code, "meta"), "messages", _dumps(messages))
            pipe.incr(_key(code, "events"))

        self._teacher_write(code, teacher_key, "send messages", write)

    def report_many(self, reports: Iterable[Report], now: float | None = None) -> None:
        reports = list(reports)
        if not reports:
            return
        with self._guard(), self.r.pipeline(transaction=False) as pipe:
            for r in reports:
                setup = "" if r.setup is None else _dumps(_check_setup(r.setup))
                self._report(keys=[_key(r.code, p) for p in ("seats", "setups", "tiles", "board", "v")],
                             args=[r.seat, digest(r.key), b"" if r.summary is None else r.summary.pack(), setup],
                             client=pipe)
            for code in {r.code for r in reports}:
                self._touch(pipe, code)           # a gone class: expiring missing keys does nothing
            pipe.execute()

    def submit(self, code: str, seat: str, key: str, submission: Submission, now: float | None = None) -> bool:
        mine = self._check_seat(code, seat, key)
        submission = replace(submission, seat=seat, name=mine["name"], setup=_check_setup(submission.setup))
        with self._guard(), self.r.pipeline(transaction=False) as pipe:
            pipe.hget(_key(code, "meta"), "challenge")
            pipe.hget(_key(code, "subs"), seat)
            challenge, old = pipe.execute()
        challenge = Challenge(**_json(challenge)) if challenge else None
        check_submission(challenge, submission)
        previous = Submission(**_json(old)) if old else None
        if not better(challenge.goal, submission, previous):
            return False
        with self._guard(), self.r.pipeline() as pipe:
            pipe.hset(_key(code, "subs"), seat, _dumps(asdict(submission)))
            pipe.incr(_key(code, "board"))
            self._touch(pipe, code)
            pipe.execute()
        return True

    def student(self, code: str, seat: str, key: str) -> StudentView:
        with self._guard(), self.r.pipeline(transaction=False) as pipe:
            pipe.hgetall(_key(code, "meta"))
            pipe.get(_key(code, "events"))
            pipe.hlen(_key(code, "seats"))
            for part in ("seats", "setups", "tiles", "v", "subs"):
                pipe.hget(_key(code, part), str(seat))
            meta, events, count, record, setup, tile, v, sub = pipe.execute()
        if not meta:
            raise NoSuchClass(code)
        found = _json(record)
        if found is None or not same_key(key, found["key"]):
            raise NotAllowed("student")
        me = Student(seat, found["name"], found["joined"], _json(setup), Summary.unpack(tile) if tile else None,
                     int(v or 0))
        return StudentView(self._info(code, meta, events, count), me, Submission(**_json(sub)) if sub else None)

    def board(self, code: str, teacher_key: str) -> Board:
        with self._guard(), self.r.pipeline(transaction=False) as pipe:
            pipe.hgetall(_key(code, "meta"))
            pipe.get(_key(code, "events"))
            pipe.get(_key(code, "board"))
            for part in ("seats", "setups", "tiles", "v", "subs"):
                pipe.hgetall(_key(code, part))
            meta, events, version, seats, setups, tiles, vs, subs = pipe.execute()
        if not meta:
            raise NoSuchClass(code)
        if not same_key(teacher_key, _text(meta.get(b"teacher"))):
            raise NotAllowed("see the board")
        info = self._info(code, meta, events, len(seats))
        students = []
        for seat_bytes, record in seats.items():
            found = json.loads(record)
            tile = tiles.get(seat_bytes)
            students.append(Student(seat_bytes.decode(), found["name"], found["joined"], _json(setups.get(seat_bytes)),
                                    Summary.unpack(tile) if tile else None, int(vs.get(seat_bytes) or 0)))
        students.sort(key=lambda s: (s.joined, s.seat))
        submissions = [Submission(**json.loads(v)) for v in subs.values()]
        return Board(info, int(version or 0), tuple(students), ranked(info.challenge, submissions))

    def versions(self, codes: Iterable[str]) -> dict[str, Versions]:
        codes = list(dict.fromkeys(codes))
        if not codes:
            return {}
        with self._guard():
            values = self.r.mget([_key(c, p) for c in codes for p in ("events", "board")])
        return {code: Versions(int(values[2 * i]), int(values[2 * i + 1]))
                for i, code in enumerate(codes) if values[2 * i] is not None and values[2 * i + 1] is not None}

    def end(self, code: str, teacher_key: str) -> None:
        def write(pipe, _meta) -> None:
            pipe.delete(*[_key(code, p) for p in PARTS])

        self._teacher_write(code, teacher_key, "end the class", write)
