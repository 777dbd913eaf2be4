"""`ClassStore` over Redis (REDIS_URL): several app replicas share their classes.

A class is ONE hash, `sn:{CODE}`, so it lives and dies as one key: it expires as a whole, an eviction or
a restart takes all of it, and no part of it can be lost alone (an `events` counter or a seat list that
vanished from under a live class once made students' pages rerun every few seconds, or dropped them).
Its fields:

    teacher (key digest) created events board setup setup_number challenge challenges messages locked
    n (seats) pruned (when seats whose session is gone were last freed) touched (its last sign of life)
    s:<seat> {"name", "key" (digest), "joined"}   seen:<seat> last sign of the student's session
    v:<seat> board number of its change           tile:<seat> packed Summary
    set:<seat> the student's setup                sub:<seat> their best Submission

Every write is a Lua script that first checks the class is there (`teacher` present), so a late write
(a report of a class that just ended) can never bring back a hash with only part of a class in it, and
every write sets the class's expiry in the same step (limits.py: IDLE_SECONDS with students, else
EMPTY_SECONDS). A read that finds a hash without its core fields treats the class as gone and deletes it.

Beside the classes: `sn:classes`, a sorted set of live codes scored by their expiry, for the cap on
classes (MAX_CLASSES), and the per-client budgets, `sn:rate:<what>:<client>:<window>` counters that
expire with their window. Scripts touch these keys together with a class's, so this needs one Redis
(or a primary with replicas), not a Redis Cluster. Run it with `--maxmemory-policy noeviction` (the
limits bound what classes can hold; a full Redis refuses writes, which the pages say in words).

The hub polls `events` and `board` of every class it watches with one pipelined round trip.
"""

from __future__ import annotations

import contextlib
import json
import re
import secrets
import time
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import asdict, replace
from urllib.parse import urlsplit

import redis
from redis.exceptions import OutOfMemoryError, RedisError

from classroom import limits
from classroom.store import (
    MAX_MESSAGES,
    PRUNE_SECONDS,
    QUIET_SECONDS,
    BadTeacherLink,
    Beat,
    Board,
    Challenge,
    ClassFull,
    ClassInfo,
    ClassLocked,
    ClassStore,
    ClientJoins,
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
    TooManyClasses,
    TooManyJoins,
    TooManyTries,
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
    seat_list,
    unique_name,
)

TIMEOUT_SECONDS = 1.0           # a Redis that does not answer: the page says so instead of hanging
REGISTRY = "sn:classes"
CORE = ("teacher", "created", "events", "board")      # a hash without these is no class
META = ("teacher", "created", "events", "setup", "setup_number", "challenge", "messages", "locked", "n")
SEAT_PARTS = ("s", "seen", "v", "tile", "set", "sub")
_CLIENT = re.compile(r"[0-9a-z]{1,32}")

# Shared by the scripts: KEYS[1] the class, KEYS[2] the registry. @NAME@ is filled in from limits.py when
# a store is made (so a test may change a limit first).
_PRELUDE = """
local class, registry = KEYS[1], KEYS[2]
local function exists() return redis.call('HEXISTS', class, 'teacher') == 1 end
-- a client's budget: KEYS[i] its previous window's count, KEYS[i + 1] this window's (limits.Rate)
local function used(i, weight)
  local previous = tonumber(redis.call('GET', KEYS[i]) or '0')
  return math.ceil(tonumber(redis.call('GET', KEYS[i + 1]) or '0') + previous * tonumber(weight))
end
local function spend(i, ttl) if redis.call('INCR', KEYS[i + 1]) == 1 then redis.call('EXPIRE', KEYS[i + 1], ttl) end end
local function drop(seat)
  if redis.call('HDEL', class, 's:' .. seat) == 0 then return 0 end
  redis.call('HDEL', class, 'seen:' .. seat, 'v:' .. seat, 'tile:' .. seat, 'set:' .. seat, 'sub:' .. seat)
  redis.call('HINCRBY', class, 'n', -1)
  redis.call('HINCRBY', class, 'board', 1)
  return 1
end
-- seats whose session sent no sign for SEAT_SECONDS are freed; `n` is counted again
local function prune(now, force)
  if not force and now - tonumber(redis.call('HGET', class, 'pruned') or '0') < @PRUNE@ then return end
  redis.call('HSET', class, 'pruned', now)
  local seats = {}
  for _, f in ipairs(redis.call('HKEYS', class)) do
    if string.sub(f, 1, 2) == 's:' then seats[#seats + 1] = string.sub(f, 3) end
  end
  local count = 0
  for _, seat in ipairs(seats) do
    if now - tonumber(redis.call('HGET', class, 'seen:' .. seat) or '0') > @SEAT@ then drop(seat)
    else count = count + 1 end
  end
  redis.call('HSET', class, 'n', count)
end
-- a sign of life: the class lives on from now, longer with students in it
local function touch(now, code)
  if now - tonumber(redis.call('HGET', class, 'touched') or '0') > @QUIET@ then
    redis.call('HSET', class, 'pruned', now)  -- nothing heard for a while (Redis down?): a heartbeat's time first
  end
  redis.call('HSET', class, 'touched', now)
  prune(now, false)
  local ttl = @EMPTY@
  if tonumber(redis.call('HGET', class, 'n') or '0') > 0 then ttl = @IDLE@ end
  redis.call('EXPIRE', class, ttl)
  redis.call('ZADD', registry, now + ttl, code)
end
"""

# Teacher scripts: ARGV[1] now, ARGV[2] code, ARGV[3] teacher key digest; 'gone' or 'denied' if not theirs.
_TEACHER = """
if not exists() then return 'gone' end
if redis.call('HGET', class, 'teacher') ~= ARGV[3] then return 'denied' end
local now = tonumber(ARGV[1])
"""

_SCRIPTS = {
    # KEYS: class registry creates(2)    ARGV: now code digest max_classes | creates: max weight ttl
    "create": """
if redis.call('EXISTS', class) == 1 then return 'taken' end
if used(3, ARGV[6]) >= tonumber(ARGV[5]) then return 'client' end
redis.call('ZREMRANGEBYSCORE', registry, '-inf', ARGV[1])
if redis.call('ZCARD', registry) >= tonumber(ARGV[4]) then return 'full' end
spend(3, ARGV[7])
redis.call('HSET', class, 'teacher', ARGV[3], 'created', ARGV[1], 'events', 0, 'board', 0, 'setup_number', 0,
           'challenges', 0, 'messages', '[]', 'locked', 0, 'n', 0, 'pruned', ARGV[1])
touch(tonumber(ARGV[1]), ARGV[2])
return 'ok'
""",
    # KEYS: class registry wrong(2)    ARGV: digest | wrong: max weight ttl
    "check_teacher": """
if used(3, ARGV[3]) >= tonumber(ARGV[2]) then return 'tries' end
if redis.call('HGET', class, 'teacher') == ARGV[1] then return 'ok' end
spend(3, ARGV[4])
return 'bad'
""",
    # KEYS: class registry wrong(2) joins(2) burst(2)    ARGV: now code seat record max_students
    #     | wrong: max weight ttl | joins: max weight ttl | burst: max weight ttl
    "join": """
local now = tonumber(ARGV[1])
if used(3, ARGV[7]) >= tonumber(ARGV[6]) then return 'tries' end
if not exists() then spend(3, ARGV[8]); return 'gone' end
if redis.call('HGET', class, 'locked') == '1' then return 'locked' end
if used(5, ARGV[10]) >= tonumber(ARGV[9]) then return 'client' end
if used(7, ARGV[13]) >= tonumber(ARGV[12]) then return 'busy' end
prune(now, true)
if tonumber(redis.call('HGET', class, 'n')) >= tonumber(ARGV[5]) then touch(now, ARGV[2]); return 'full' end
spend(5, ARGV[11])
spend(7, ARGV[14])
local v = redis.call('HINCRBY', class, 'board', 1)
redis.call('HSET', class, 's:' .. ARGV[3], ARGV[4], 'seen:' .. ARGV[3], ARGV[1], 'v:' .. ARGV[3], v)
redis.call('HINCRBY', class, 'n', 1)
touch(now, ARGV[2])
return 'ok'
""",
    # ARGV: now code seat key_digest    (a student's own seat: 'denied' if it is not theirs)
    "leave": """
if not exists() then return 'gone' end
local record = redis.call('HGET', class, 's:' .. ARGV[3])
if not record or cjson.decode(record)['key'] ~= ARGV[4] then return 'denied' end
drop(ARGV[3])
touch(tonumber(ARGV[1]), ARGV[2])
return 'ok'
""",
    # ARGV: now code seat-or-'' digest    (a sign of a student's or the teacher's session)
    "heartbeat": """
if not exists() then return 0 end
if ARGV[3] == '' then
  if redis.call('HGET', class, 'teacher') ~= ARGV[4] then return 0 end
else
  local record = redis.call('HGET', class, 's:' .. ARGV[3])
  if not record or cjson.decode(record)['key'] ~= ARGV[4] then return 0 end
  redis.call('HSET', class, 'seen:' .. ARGV[3], ARGV[1])
end
touch(tonumber(ARGV[1]), ARGV[2])
return 1
""",
    # ARGV: now code seat digest summary setup
    "report": """
if not exists() then return 0 end
local record = redis.call('HGET', class, 's:' .. ARGV[3])
if not record or cjson.decode(record)['key'] ~= ARGV[4] then return 0 end
if ARGV[5] ~= '' then redis.call('HSET', class, 'tile:' .. ARGV[3], ARGV[5]) end
if ARGV[6] ~= '' then redis.call('HSET', class, 'set:' .. ARGV[3], ARGV[6]) end
redis.call('HSET', class, 'v:' .. ARGV[3], redis.call('HINCRBY', class, 'board', 1), 'seen:' .. ARGV[3], ARGV[1])
touch(tonumber(ARGV[1]), ARGV[2])
return 1
""",
    # ARGV: now code seat digest challenge_number submission
    "submit": """
if not exists() then return 'gone' end
local record = redis.call('HGET', class, 's:' .. ARGV[3])
if not record or cjson.decode(record)['key'] ~= ARGV[4] then return 'denied' end
local challenge = redis.call('HGET', class, 'challenge')
if not challenge or challenge == '' or tostring(cjson.decode(challenge)['number']) ~= ARGV[5] then return 'over' end
redis.call('HSET', class, 'sub:' .. ARGV[3], ARGV[6])
redis.call('HINCRBY', class, 'board', 1)
touch(tonumber(ARGV[1]), ARGV[2])
return 'ok'
""",
    # ARGV: now code digest setup
    "send_setup": _TEACHER + """
redis.call('HSET', class, 'setup', ARGV[4])
local number = redis.call('HINCRBY', class, 'setup_number', 1)
redis.call('HINCRBY', class, 'events', 1)
touch(now, ARGV[2])
return number
""",
    # ARGV: now code digest challenge-json-or-''    (the store numbers it: a new one starts a new ranking)
    "set_challenge": _TEACHER + """
local value = ''
if ARGV[4] ~= '' then
  local challenge = cjson.decode(ARGV[4])
  challenge['number'] = redis.call('HINCRBY', class, 'challenges', 1)
  value = cjson.encode(challenge)
end
redis.call('HSET', class, 'challenge', value)
for _, f in ipairs(redis.call('HKEYS', class)) do
  if string.sub(f, 1, 4) == 'sub:' then redis.call('HDEL', class, f) end
end
redis.call('HINCRBY', class, 'events', 1)
redis.call('HINCRBY', class, 'board', 1)
touch(now, ARGV[2])
return 'ok'
""",
    # ARGV: now code digest message-json max_messages
    "post_message": _TEACHER + """
local messages = cjson.decode(redis.call('HGET', class, 'messages') or '[]')
table.insert(messages, cjson.decode(ARGV[4]))
while #messages > tonumber(ARGV[5]) do table.remove(messages, 1) end
redis.call('HSET', class, 'messages', cjson.encode(messages))
redis.call('HINCRBY', class, 'events', 1)
touch(now, ARGV[2])
return 'ok'
""",
    # ARGV: now code digest seat...
    "remove": _TEACHER + """
local removed = 0
for i = 4, #ARGV do removed = removed + drop(ARGV[i]) end
if removed > 0 then redis.call('HINCRBY', class, 'events', 1) end
touch(now, ARGV[2])
return removed
""",
    # ARGV: now code digest 0|1
    "lock": _TEACHER + """
redis.call('HSET', class, 'locked', ARGV[4])
redis.call('HINCRBY', class, 'board', 1)
touch(now, ARGV[2])
return 'ok'
""",
    # ARGV: now code digest
    "end": _TEACHER + """
redis.call('DEL', class)
redis.call('ZREM', registry, ARGV[2])
return 'ok'
""",
}


def class_key(code: str) -> str:
    return f"sn:{{{code}}}"


def budget(what: str, client: str, rate: limits.Rate, now: float) -> tuple[list[str], list]:
    """A client's budget as a script takes it: the counters of the previous and this window (KEYS), and
    its count, the previous window's weight and the counters' life (ARGV)."""
    client = client if _CLIENT.fullmatch(client or "") else "other"
    window = rate.window(now)
    return ([f"sn:rate:{what}:{client}:{w}" for w in (window - 1, window)],
            [rate.count, rate.previous_weight(now), 2 * rate.seconds])


def _text(value: bytes | None) -> str:
    return "" if value is None else value.decode()


def _json(value: bytes | str | None):
    return None if not value else json.loads(value)


def _dumps(value) -> str:
    return json.dumps(value, separators=(",", ":"), allow_nan=False)


def _now(now: float | None) -> float:
    return time.time() if now is None else now


class RedisStore(ClassStore):
    kind = "redis"

    def __init__(self, url: str, client: redis.Redis | None = None):
        parts = urlsplit(url)
        self.where = f"{parts.hostname or 'localhost'}:{parts.port or 6379}"     # never the password
        self.r = client or redis.Redis.from_url(url, socket_timeout=TIMEOUT_SECONDS,
                                                socket_connect_timeout=TIMEOUT_SECONDS, health_check_interval=30)
        prelude = (_PRELUDE.replace("@PRUNE@", repr(PRUNE_SECONDS)).replace("@QUIET@", repr(QUIET_SECONDS))
                   .replace("@SEAT@", str(limits.SEAT_SECONDS))
                   .replace("@EMPTY@", str(limits.EMPTY_SECONDS)).replace("@IDLE@", str(limits.IDLE_SECONDS)))
        self._scripts = {name: self.r.register_script(prelude + body) for name, body in _SCRIPTS.items()}
        self.max_classes = limits.MAX_CLASSES

    # --- plumbing -------------------------------------------------------------------------------
    @contextlib.contextmanager
    def _guard(self) -> Iterator[None]:
        try:
            yield
        except OutOfMemoryError as err:
            raise StoreUnavailable(f"The classroom service (Redis at {self.where}) is full: it refuses to store "
                                   "more. Playing alone still works.") from err
        except RedisError as err:
            raise StoreUnavailable(f"The classroom service (Redis at {self.where}) cannot be reached: "
                                   f"{str(err).rstrip('.')}. Playing alone still works.") from err

    def _run(self, name: str, code: str, keys: Iterable[str] = (), args: Iterable = ()):
        with self._guard():
            return self._scripts[name](keys=[class_key(code), REGISTRY, *keys], args=list(args))

    def _teacher(self, name: str, code: str, teacher_key: str, what: str, *args, now: float | None = None):
        """A teacher's write, checked and done in one step (NoSuchClass, NotAllowed)."""
        if not isinstance(teacher_key, str):
            raise NotAllowed(what)
        out = self._run(name, code, args=[_now(now), code, digest(teacher_key), *args])
        if out == b"gone":
            raise NoSuchClass(code)
        if out == b"denied":
            raise NotAllowed(what)
        return out

    def _read(self, code: str, fields: Iterable[str]) -> dict[str, bytes | None]:
        fields = list(fields)
        with self._guard():
            values = self.r.hmget(class_key(code), fields)
        found = dict(zip(fields, values, strict=True))
        if found.get("teacher") is None:
            raise NoSuchClass(code)
        return found

    @staticmethod
    def _info(code: str, meta: Mapping[str, bytes | None], students: int | None = None) -> ClassInfo:
        challenge = _json(meta.get("challenge"))
        messages = tuple(Message(**m) for m in _json(meta.get("messages")) or [] if isinstance(m, dict))
        return ClassInfo(code, float(meta["created"]), int(meta.get("events") or 0), _json(meta.get("setup")),
                         int(meta.get("setup_number") or 0), Challenge(**challenge) if challenge else None,
                         messages, int(meta.get("n") or 0) if students is None else students,
                         _text(meta.get("locked")) == "1")

    # --- the interface --------------------------------------------------------------------------
    def ping(self) -> None:
        with self._guard():
            self.r.ping()

    def create(self, client: str = "", now: float | None = None) -> tuple[str, str]:
        now = _now(now)
        key = secrets.token_urlsafe(32)
        while True:
            code = new_code()
            keys, args = budget("create", client, limits.CREATES, now)
            out = self._run("create", code, keys, [now, code, digest(key), self.max_classes, *args])
            if out == b"ok":
                return code, key
            if out == b"client":
                raise TooManyClasses(limits.CREATES.wait(now))
            if out == b"full":
                raise TooManyClasses()

    def info(self, code: str) -> ClassInfo:
        return self._info(code, self._read(code, META))

    def check_teacher(self, code: str, teacher_key: str, client: str = "", now: float | None = None) -> None:
        now = _now(now)
        wrong = limits.WRONG_TRIES
        keys, args = budget("wrong", client, wrong, now)
        tried = digest(teacher_key) if isinstance(teacher_key, str) else ""
        out = self._run("check_teacher", code, keys, [tried, *args])
        if out == b"tries":
            raise TooManyTries(wrong.wait(now))
        if out != b"ok":
            raise BadTeacherLink()

    def join(self, code: str, name: str, client: str = "", now: float | None = None) -> Seat:
        name = clean_name(name)
        now = _now(now)
        # Names are made unique from a read just before: two students joining in the same millisecond
        # under one name both keep it (harmless; the count and rates are exact).
        with self._guard():
            taken = [json.loads(v)["name"] for _, v in self.r.hscan_iter(class_key(code), match="s:*")]
        name = unique_name(name, taken)
        seat, key = secrets.token_hex(4), secrets.token_urlsafe(24)
        record = _dumps({"name": name, "key": digest(key), "joined": now})
        wrong, joins, burst = limits.WRONG_TRIES, limits.JOINS, limits.JOIN_BURST
        keys, args = [], [now, code, seat, record, limits.MAX_STUDENTS]
        for what, rate in (("wrong", wrong), ("join", joins), ("burst", burst)):
            rate_keys, rate_args = budget(what, client, rate, now)
            keys += rate_keys
            args += rate_args
        out = _text(self._run("join", code, keys, args))
        if out == "ok":
            return Seat(code, seat, key, name)
        raise {"tries": lambda: TooManyTries(wrong.wait(now)), "gone": lambda: NoSuchClass(code),
               "locked": lambda: ClassLocked(code), "client": lambda: ClientJoins(joins.wait(now)),
               "busy": TooManyJoins, "full": ClassFull}[out]()

    def leave(self, code: str, seat: str, key: str, now: float | None = None) -> None:
        out = self._run("leave", code, args=[_now(now), code, str(seat), digest(key) if isinstance(key, str) else ""])
        if out != b"ok":
            raise NotAllowed("student")

    def remove(self, code: str, teacher_key: str, seats: str | Iterable[str], now: float | None = None) -> int:
        return int(self._teacher("remove", code, teacher_key, "remove a student", *seat_list(seats), now=now))

    def lock(self, code: str, teacher_key: str, locked: bool, now: float | None = None) -> None:
        self._teacher("lock", code, teacher_key, "lock the class", int(bool(locked)), now=now)

    def send_setup(self, code: str, teacher_key: str, setup: Mapping[str, str], now: float | None = None) -> int:
        setup = _check_setup(setup)
        return int(self._teacher("send_setup", code, teacher_key, "send a setup", _dumps(setup), now=now))

    def set_challenge(self, code: str, teacher_key: str, challenge: Challenge | None,
                      now: float | None = None) -> None:
        value = "" if challenge is None else _dumps(asdict(challenge))
        self._teacher("set_challenge", code, teacher_key, "set a challenge", value, now=now)

    def post_message(self, code: str, teacher_key: str, text: str, now: float | None = None) -> None:
        text = clean_message(text)
        at = _now(now)
        self._teacher("post_message", code, teacher_key, "send messages", _dumps({"text": text, "at": at}),
                      MAX_MESSAGES, now=now)

    def heartbeat(self, beats: Iterable[Beat], now: float | None = None) -> list[Beat]:
        beats = list(beats)
        if not beats:
            return []
        now = _now(now)
        script = self._scripts["heartbeat"]
        with self._guard(), self.r.pipeline(transaction=False) as pipe:
            for b in beats:
                script(keys=[class_key(b.code), REGISTRY],
                       args=[now, b.code, b.seat or "", digest(b.key) if isinstance(b.key, str) else ""], client=pipe)
            outcomes = pipe.execute()
        return [b for b, ok in zip(beats, outcomes, strict=True) if not ok]

    def report_many(self, reports: Iterable[Report], now: float | None = None) -> None:
        reports = list(reports)
        if not reports:
            return
        now = _now(now)
        script = self._scripts["report"]
        with self._guard(), self.r.pipeline(transaction=False) as pipe:
            for r in reports:
                setup = "" if r.setup is None else _dumps(_check_setup(r.setup))
                script(keys=[class_key(r.code), REGISTRY],
                       args=[now, r.code, r.seat, digest(r.key), b"" if r.summary is None else r.summary.pack(), setup],
                       client=pipe)
            pipe.execute()

    def submit(self, code: str, seat: str, key: str, submission: Submission, now: float | None = None) -> bool:
        found = self._read(code, ("teacher", "challenge", f"s:{seat}", f"sub:{seat}"))
        mine = _json(found[f"s:{seat}"])
        if mine is None or not same_key(key, mine["key"]):
            raise NotAllowed("student")
        submission = replace(submission, seat=seat, name=mine["name"], setup=_check_setup(submission.setup))
        challenge = Challenge(**_json(found["challenge"])) if found["challenge"] else None
        check_submission(challenge, submission)
        previous = Submission(**_json(found[f"sub:{seat}"])) if found[f"sub:{seat}"] else None
        if not better(challenge.goal, submission, previous):
            return False
        out = self._run("submit", code, args=[_now(now), code, seat, digest(key), challenge.number,
                                              _dumps(asdict(submission))])
        if out == b"over":
            check_submission(None, submission)          # the challenge ended meanwhile: says so
        if out != b"ok":
            raise NotAllowed("student")
        return True

    def student(self, code: str, seat: str, key: str) -> StudentView:
        seat = str(seat)
        parts = [f"{p}:{seat}" for p in ("s", "set", "tile", "v", "sub")]
        found = self._read(code, (*META, *parts))
        record, setup, tile, v, sub = (found[p] for p in parts)
        mine = _json(record)
        if mine is None or not same_key(key, mine["key"]):
            raise NotAllowed("student")
        me = Student(seat, mine["name"], mine["joined"], _json(setup), Summary.unpack(tile) if tile else None,
                     int(v or 0))
        return StudentView(self._info(code, found), me, Submission(**_json(sub)) if sub else None)

    def board(self, code: str, teacher_key: str) -> Board:
        with self._guard():
            fields = {k.decode(): v for k, v in self.r.hgetall(class_key(code)).items()}
        if not all(f in fields for f in CORE):
            if fields:                                  # part of a class (never written so): gone, say so
                with self._guard():
                    self.r.delete(class_key(code))
            raise NoSuchClass(code)
        if not same_key(teacher_key, _text(fields["teacher"])):
            raise NotAllowed("see the board")
        now = time.time()
        students = []
        for name, record in fields.items():
            if not name.startswith("s:"):
                continue
            seat = name[2:]
            if now - float(fields.get(f"seen:{seat}") or 0) > limits.SEAT_SECONDS:
                continue                                # its session is gone: freed at the next prune
            found = json.loads(record)
            tile = fields.get(f"tile:{seat}")
            students.append(Student(seat, found["name"], found["joined"], _json(fields.get(f"set:{seat}")),
                                    Summary.unpack(tile) if tile else None, int(fields.get(f"v:{seat}") or 0)))
        students.sort(key=lambda s: (s.joined, s.seat))
        live = {s.seat for s in students}
        submissions = [Submission(**json.loads(v)) for k, v in fields.items() if k.startswith("sub:") and k[4:] in live]
        info = self._info(code, fields, len(students))
        return Board(info, int(fields["board"]), tuple(students), ranked(info.challenge, submissions))

    def versions(self, codes: Iterable[str]) -> dict[str, Versions]:
        codes = list(dict.fromkeys(codes))
        if not codes:
            return {}
        with self._guard(), self.r.pipeline(transaction=False) as pipe:
            for code in codes:
                pipe.hmget(class_key(code), CORE)
            values = pipe.execute()
        return {code: Versions(int(events), int(board))
                for code, (teacher, created, events, board) in zip(codes, values, strict=True)
                if None not in (teacher, created, events, board)}

    def end(self, code: str, teacher_key: str) -> None:
        self._teacher("end", code, teacher_key, "end the class")

    # --- for tests and operators ----------------------------------------------------------------
    def live_classes(self, now: float | None = None) -> int:
        """How many classes count against MAX_CLASSES now."""
        with self._guard():
            return int(self.r.zcount(REGISTRY, _now(now), "+inf"))
