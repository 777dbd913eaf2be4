"""A bot against the Classroom, and the teacher and students it tries to crowd out, as protocol-level clients.

    python benchmarks/class_floods.py [--students 30] [--seconds 30] [--redis] [--json]

Every person is a real Streamlit session spoken over the wire (tests/protocol_client.py), from an address of
its own: the clients connect from 127.0.0.1, a proxy the server trusts (uvicorn's FORWARDED_ALLOW_IPS
default), and name their address in X-Forwarded-For, as deploy/'s nginx does for real browsers. The bot
opens a fresh session for every try (what beat the old per-session limits) and keeps the sessions whose
join worked open (a seat lives while its session does).

- creation flood: the bot presses "Start a class" as fast as the server answers for `--seconds`; then a real
  teacher on another address starts a class. Figures: the bot's classes and refusals, the teacher's outcome.
- join flood: a real teacher starts a class and `--students` real students (the school's address) join while
  the bot floods the class's code with joins; then the bot guesses codes (wrong ones, in fresh sessions) and
  probes teacher links for a live and a made-up class; the teacher locks the class and removes the bot's
  seats at once. Figures: the bot's seats and refusals by reason, every real student in or not (and their
  join times against the same students joining a quiet class first, in the same run), the board before and
  after the teacher acted, whether the two teacher-link answers differed.

`run(url)` returns both scenarios' figures (benchmarks/bench_abuse.py calls it); `--redis` runs the server
on a real redis-server and also times how long the bot's abandoned classes last there (their teacher's
session gone after Streamlit's disconnectedSessionTTL, then EMPTY_SECONDS: classroom/limits.py).
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import re
import secrets
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from streamlit.proto.WidgetStates_pb2 import WidgetState

from benchmarks.bench_classroom import JOIN_BUTTON, Session
from classroom.store import CODE_ALPHABET, CODE_LENGTH
from tests.browser.harness import serve_app
from tests.protocol_client import SessionError
from tests.redis_server import redis_server

BOT, TEACHER, SCHOOL, QUIET_SCHOOL = "203.0.113.66", "198.51.100.10", "198.51.100.20", "198.51.100.30"
BOT_WORKERS = 4                         # the bot's tries in flight at once
CODE = re.compile(r"# Class `([A-Z0-9]{6})`")


def person(url: str, address: str, query: str = "", headers: dict[str, str] | None = None) -> Session:
    return Session(url, query, headers={**(headers or {}), "X-Forwarded-For": address})


def words(session: Session) -> str:
    """The page's text, its toasts too (a refused "Start a class" says so in one), markdown escapes dropped."""
    toasts = [e.toast.body for e in session.elements.values() if e.WhichOneof("type") == "toast"]
    return "\n".join([session.text(), *toasts]).replace("\\", "")


def reason(text: str) -> str:
    """What a refusal was, in a word (the pages' sentences, classroom/store.py)."""
    for key, phrase in (("tries", "Too many wrong class codes"), ("client", "from your network"),
                        ("client", "Your network has started"),
                        ("busy", "Many students are joining"), ("locked", "is locked"), ("full", "is full"),
                        ("server", "as many classes as it can hold"), ("nosuch", "There is no class"),
                        ("link", "teacher link does not work")):
        if phrase in text:
            return key
    return "other"


async def start_class(url: str, address: str) -> tuple[Session, str | None, str]:
    """A session on the Classroom page presses "Start a class": (session, code or None, what it said)."""
    teacher = person(url, address)
    await teacher.open()
    await teacher.goto("classroom")
    await teacher.press("class_start")
    found = CODE.search(teacher.text())
    return teacher, found.group(1) if found else None, words(teacher)


async def join(url: str, address: str, code: str, name: str,
               headers: dict[str, str] | None = None) -> tuple[Session, bool, str]:
    """A session opens the join link, types a name, presses Join: (session, joined, what it said)."""
    student = person(url, address, f"class={code}", headers)
    await student.open()
    student.values[student.widget_id("class_name")] = WidgetState(id=student.widget_id("class_name"),
                                                                  string_value=name)
    await student.press(JOIN_BUTTON)
    joined = student.widget("class_leave") is not None          # on the Playground with the class badge
    return student, joined, words(student)


async def creation_flood(url: str, seconds: float) -> dict:
    counts: dict[str, int] = {}
    created: list[str] = []
    stop = time.monotonic() + seconds

    async def worker() -> None:
        while time.monotonic() < stop:
            try:
                bot, code, said = await start_class(url, BOT)
            except SessionError as err:
                counts["error"] = counts.get("error", 0) + 1
                counts.setdefault("error_sample", str(err)[:200])
                continue
            if code:
                created.append(code)
            else:
                counts[reason(said)] = counts.get(reason(said), 0) + 1
            await bot.close()                                   # and its session goes: the class has no teacher

    started = time.monotonic()
    await asyncio.gather(*(worker() for _ in range(BOT_WORKERS)))
    elapsed = time.monotonic() - started
    attempts = len(created) + sum(v for k, v in counts.items() if isinstance(v, int))
    t0 = time.monotonic()
    teacher, code, said = await start_class(url, TEACHER)
    teacher_seconds = time.monotonic() - t0
    await teacher.close()
    return {"scenario": "creation flood", "seconds": round(elapsed, 1), "bot_attempts": attempts,
            "bot_attempts_per_s": round(attempts / elapsed, 1), "bot_classes": len(created), "bot_refused": counts,
            "teacher_started": code is not None, "teacher_seconds": round(teacher_seconds, 2),
            "teacher_said": "" if code else said[:200], "_codes": created, "_ended": time.monotonic()}


async def watch_end(redis_url: str, codes: list[str], since: float, timeout: float = 600.0) -> float | None:
    """Seconds from `since` (the bot's last session closed) until none of its classes is left in Redis."""
    from classroom.redis_store import RedisStore, class_key

    store = RedisStore(redis_url)
    while time.monotonic() - since < timeout:
        if not any(store.r.exists(class_key(c)) for c in codes):
            return round(time.monotonic() - since, 1)
        await asyncio.sleep(2.0)
    return None


async def real_students(url: str, address: str, code: str, n: int) -> tuple[list[Session], list[float], dict]:
    """`n` students of one school join, four at a time (as they type): their sessions, join times, refusals."""
    gate = asyncio.Semaphore(4)
    times: list[float] = []
    refused: dict[str, int] = {}
    sessions: list[Session] = []

    async def one(i: int) -> None:
        async with gate:
            while True:
                t0 = time.monotonic()
                session, joined, said = await join(url, address, code, f"Student {i + 1}")
                if joined:
                    times.append(time.monotonic() - t0)
                    sessions.append(session)
                    return
                refused[reason(said)] = refused.get(reason(said), 0) + 1
                await session.close()
                if reason(said) != "busy":                      # only "wait a few seconds" is worth a retry
                    return
                await asyncio.sleep(2.0)

    await asyncio.gather(*(one(i) for i in range(n)))
    return sessions, times, refused


async def join_flood(url: str, students: int, seconds: float) -> dict:
    out: dict = {"scenario": "join flood", "students": students}
    # the same students joining a quiet class first: the baseline for their join times
    quiet_teacher, quiet_code, _ = await start_class(url, TEACHER)
    quiet, quiet_times, _ = await real_students(url, QUIET_SCHOOL, quiet_code, students)
    for s in [quiet_teacher, *quiet]:
        await s.close()

    teacher, code, _ = await start_class(url, TEACHER)
    bot_seats: list[Session] = []
    bot_refused: dict[str, int] = {}
    stop = time.monotonic() + seconds
    attempts = 0

    async def bot() -> None:
        nonlocal attempts
        while time.monotonic() < stop:
            attempts += 1
            try:
                session, joined, said = await join(url, BOT, code, f"bot {secrets.token_hex(3)}")
            except SessionError:
                bot_refused["error"] = bot_refused.get("error", 0) + 1
                continue
            if joined:
                bot_seats.append(session)                      # kept open: its seat lives while it does
            else:
                bot_refused[reason(said)] = bot_refused.get(reason(said), 0) + 1
                await session.close()

    flood = asyncio.gather(*(bot() for _ in range(BOT_WORKERS)))
    await asyncio.sleep(1.0)                                    # the bot is at it when the class arrives
    real, real_times, real_refused = await real_students(url, SCHOOL, code, students)
    await flood
    out.update(bot_join_attempts=attempts, bot_seats=len(bot_seats), bot_refused=bot_refused,
               real_joined=len(real), real_refused=real_refused,
               real_join_p50=round(statistics.median(real_times), 2) if real_times else None,
               real_join_p95=round(sorted(real_times)[int(0.95 * (len(real_times) - 1))], 2) if real_times else None,
               quiet_join_p50=round(statistics.median(quiet_times), 2),
               quiet_join_p95=round(sorted(quiet_times)[int(0.95 * (len(quiet_times) - 1))], 2))

    # the teacher: the board, then lock the class and remove every seat that is not theirs at once
    await teacher.rerun()
    tiles = teacher.live_data()["frame"]["tiles"]
    out["board_before"] = {"real": sum(t["name"].startswith("Student") for t in tiles),
                           "bot": sum(t["name"].startswith("bot") for t in tiles)}
    lock = teacher.widget_id("class_lock")
    teacher.values[lock] = WidgetState(id=lock, bool_value=True)
    await teacher.rerun()
    shown = [t["name"] for t in teacher.live_data()["frame"]["tiles"]]
    await teacher.rerun()
    table = teacher.widget_id("class_students")
    rows = [i for i, name in enumerate(shown) if name.startswith("bot")]
    selection = {"selection": {"rows": rows, "columns": [], "cells": []}}
    teacher.values[table] = WidgetState(id=table, string_value=json.dumps(selection))
    await teacher.rerun()
    t0 = time.monotonic()
    await teacher.press("class_remove_selected")
    out["remove_seconds"] = round(time.monotonic() - t0, 2)
    teacher.values.pop(table, None)
    await teacher.rerun()
    tiles = teacher.live_data()["frame"]["tiles"]
    out["board_after"] = {"real": sum(t["name"].startswith("Student") for t in tiles),
                          "bot": sum(t["name"].startswith("bot") for t in tiles)}
    _, joined, said = await join(url, BOT, code, "bot again")
    out["bot_after_lock"] = "joined" if joined else reason(said)

    # guessing codes: a fresh session for every try
    guesses: dict[str, int] = {}
    t0 = time.monotonic()
    for _ in range(40):
        guess = "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))
        session, joined, said = await join(url, "203.0.113.77", guess, "guess")
        guesses["joined" if joined else reason(said)] = guesses.get("joined" if joined else reason(said), 0) + 1
        await session.close()
    out["code_guesses"] = guesses
    out["code_guesses_seconds"] = round(time.monotonic() - t0, 1)

    # teacher links: a live class with a made-up key, and a made-up class: one answer, then none at all
    answers = []
    for target in (code, "AAAAAA") * 12:
        probe = person(url, "203.0.113.88", f"class={target}&teacher={secrets.token_urlsafe(32)}")
        await probe.open()
        answers.append(reason(words(probe)))
        await probe.close()
    live, made_up = answers[0::2], answers[1::2]
    out["teacher_link_answers"] = {"live class": sorted(set(live)), "made-up class": sorted(set(made_up))}
    out["teacher_link_same_answer"] = live == made_up
    for s in [teacher, *real, *bot_seats]:
        await s.close()
    return out


def run(url: str, students: int = 30, seconds: float = 30.0, redis_url: str | None = None) -> list[dict]:
    """Both scenarios against the app at `url` (a fresh server: the per-address budgets are its own). With
    the server's `redis_url`, also how long the bot's abandoned classes lasted there."""
    async def both() -> list[dict]:
        created = await creation_flood(url, seconds)
        codes, since = created.pop("_codes"), created.pop("_ended")
        watch = asyncio.create_task(watch_end(redis_url, codes, since)) if redis_url and codes else None
        joined = await join_flood(url, students, seconds)
        if watch is not None:
            created["bot_classes_ended_after_s"] = await watch
        return [created, joined]

    return asyncio.run(both())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--students", type=int, default=30)
    parser.add_argument("--seconds", type=float, default=30.0)
    parser.add_argument("--redis", action="store_true", help="classes in a real redis-server")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    with contextlib.ExitStack() as stack:
        env = {"REDIS_URL": stack.enter_context(redis_server())} if args.redis else {}
        url, _ = stack.enter_context(serve_app(env=env))
        results = run(url, args.students, args.seconds, env.get("REDIS_URL"))
    if args.json:
        print(json.dumps(results))
    else:
        for result in results:
            print(json.dumps(result, indent=1))


if __name__ == "__main__":
    main()
