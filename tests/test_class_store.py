"""Both class stores, held to the same promises: the in-memory default and Redis (a real redis-server
started for the test session, tests/redis_server.py). Who may do what is enforced by the store itself,
so these tests try what a student should not be able to do."""

from __future__ import annotations

import time

import numpy as np
import pytest

from ui.classroom import redis_store
from ui.classroom import store as store_module
from ui.classroom.store import (
    CODE_ALPHABET,
    CODE_LENGTH,
    IDLE_SECONDS,
    JOIN_WINDOW_SECONDS,
    JOINS_PER_WINDOW,
    MAX_MESSAGES,
    MAX_NAME,
    MAX_STUDENTS,
    BadInput,
    Challenge,
    ClassFull,
    MemoryStore,
    NoSuchClass,
    NotAllowed,
    Report,
    StoreUnavailable,
    Submission,
    Summary,
    TooManyJoins,
    clean_name,
    normalize_code,
    open_store,
)

DATA = {"dataset": "spiral", "n_points": "200", "noise": "0.22", "seed": "42"}
SETUP = {**DATA, "hidden": "8,8", "activation": "tanh", "lr": "0.03", "hide": "dataset,noise"}


@pytest.fixture(params=["memory", "redis"])
def store(request):
    if request.param == "memory":
        return MemoryStore()
    url = request.getfixturevalue("redis_url")
    made = redis_store.RedisStore(url)
    made.r.flushdb()
    return made


def summary(epoch: int = 10, accuracy: float = 0.9, side: int = 34) -> Summary:
    codes = np.arange(side * side, dtype=np.uint8).tobytes()
    return Summary(epoch, accuracy, 0.3, 98, True, "c2", side, codes, time.time())


def submission(accuracy: float, params: int, epochs: int, challenge: int = 1, setup=None, name: str = "") -> Submission:
    return Submission("", name, accuracy, params, epochs, dict(SETUP if setup is None else setup), challenge,
                      time.time())


def challenge(goal: str = "params", target: float = 0.9) -> Challenge:
    return Challenge(goal, target, DATA, "Reach 90% test accuracy on spiral with the fewest parameters.")


# --- a class and its code ---------------------------------------------------------------------------
def test_a_class_has_a_short_unmistakable_code_and_a_long_teacher_key(store):
    code, key = store.create()
    other, other_key = store.create()
    assert len(code) == CODE_LENGTH and set(code) <= set(CODE_ALPHABET) and code != other
    assert not set(CODE_ALPHABET) & set("0O1IL2Z5S8B"), "no letter or digit that reads as another"
    assert len(key) >= 43 and key != other_key
    info = store.info(code)
    assert (info.code, info.events, info.setup, info.challenge, info.students) == (code, 0, None, None, 0)
    assert normalize_code(f" {code[:3].lower()}-{code[3:]} ") == code
    assert normalize_code("ABC") == "" and normalize_code("0OOOOO") == ""
    with pytest.raises(NoSuchClass):
        store.info("AAAAAA")


def test_joining_cleans_the_name_and_keeps_names_apart(store):
    code, _ = store.create()
    ana = store.join(code, "  Ana\u200b \n Lee ")
    assert ana.name == "Ana Lee" and len(ana.key) >= 32 and ana.seat
    assert store.join(code, "Ana Lee").name == "Ana Lee 2"
    assert store.join(code, "<b>Ana</b>").name == "<b>Ana</b>", "kept as text: pages show it escaped"
    for bad in ("", "   ", "\u200b", "x" * (MAX_NAME + 1)):
        with pytest.raises(BadInput):
            store.join(code, bad)
    with pytest.raises(NoSuchClass):
        store.join("AAAAAA", "Bo")
    assert store.info(code).students == 3
    assert clean_name("Ｂｏ") == "Bo", "full-width letters are letters"


def test_at_most_200_students_and_joins_are_rate_limited(store):
    code, _ = store.create()
    start = 1_000_000.0
    for i in range(MAX_STUDENTS):
        store.join(code, f"s{i}", now=start + (i // JOINS_PER_WINDOW) * JOIN_WINDOW_SECONDS)
    with pytest.raises(ClassFull):
        store.join(code, "one too many", now=start + 100 * JOIN_WINDOW_SECONDS)
    busy, _ = store.create()
    for i in range(JOINS_PER_WINDOW):
        store.join(busy, f"s{i}", now=start)
    with pytest.raises(TooManyJoins):
        store.join(busy, "script", now=start + 1)
    store.join(busy, "later", now=start + JOIN_WINDOW_SECONDS)


# --- who may do what ---------------------------------------------------------------------------------
def test_a_student_cannot_act_as_the_teacher(store):
    code, key = store.create()
    other_code, other_key = store.create()
    ana = store.join(code, "Ana")
    attempts = [lambda k: store.send_setup(code, k, SETUP), lambda k: store.set_challenge(code, k, challenge()),
                lambda k: store.post_message(code, k, "no homework"), lambda k: store.board(code, k),
                lambda k: store.remove(code, k, ana.seat), lambda k: store.end(code, k),
                lambda k: store.check_teacher(code, k)]
    for attempt in attempts:
        for wrong in (ana.key, other_key, "", None, key[:-1], ana.seat):
            with pytest.raises(NotAllowed):
                attempt(wrong)
    info = store.info(code)
    assert (info.events, info.setup, info.challenge, info.messages) == (0, None, None, ())
    store.check_teacher(code, key)
    store.check_teacher(other_code, other_key)


def test_a_student_cannot_touch_another_students_run(store):
    code, key = store.create()
    store.set_challenge(code, key, challenge())
    ana, bo = store.join(code, "Ana"), store.join(code, "Bo")
    store.report(code, ana.seat, ana.key, summary=summary(epoch=5), setup=SETUP)
    for seat, wrong in ((ana.seat, bo.key), (ana.seat, ""), ("nobody", bo.key)):
        with pytest.raises(NotAllowed):
            store.student(code, seat, wrong)
        with pytest.raises(NotAllowed):
            store.leave(code, seat, wrong)
        with pytest.raises(NotAllowed):
            store.submit(code, seat, wrong, submission(0.95, 10, 10))
        store.report(code, seat, wrong, summary=summary(epoch=999))        # dropped
    with pytest.raises(NotAllowed):
        store.student(code, ana.seat, ana.key.upper())
    mine = store.student(code, ana.seat, ana.key)
    assert mine.me.summary.epoch == 5 and mine.me.name == "Ana" and mine.submission is None
    board = store.board(code, key)
    assert [s.name for s in board.students] == ["Ana", "Bo"] and board.submissions == ()
    assert [s.summary and s.summary.epoch for s in board.students] == [5, None]
    # a submission carries the submitter's own seat and name, whatever it says
    assert store.submit(code, bo.seat, bo.key, submission(0.95, 50, 10, name="Ana"))
    (only,) = store.board(code, key).submissions
    assert (only.seat, only.name) == (bo.seat, "Bo")


def test_what_a_student_reads_is_their_own(store):
    code, key = store.create()
    ana, bo = store.join(code, "Ana"), store.join(code, "Bo")
    store.report(code, bo.seat, bo.key, summary=summary(epoch=7), setup={"dataset": "xor"})
    view = store.student(code, ana.seat, ana.key)
    assert view.me.seat == ana.seat and view.me.summary is None and view.me.setup is None
    assert "Bo" not in repr(view) and bo.seat not in repr(view), "nothing of another student"


# --- what the teacher sends ----------------------------------------------------------------------------
def test_a_setup_reaches_the_class_with_its_hidden_controls(store):
    code, key = store.create()
    before = store.versions([code])[code]
    assert store.send_setup(code, key, SETUP) == 1
    assert store.send_setup(code, key, {**SETUP, "lr": "0.1"}) == 2
    info = store.info(code)
    assert info.setup == {**SETUP, "lr": "0.1"} and info.setup["hide"] == "dataset,noise" and info.setup_number == 2
    after = store.versions([code])[code]
    assert after.events == before.events + 2
    late = store.join(code, "Late")                    # later joiners read the same setup
    assert store.student(code, late.seat, late.key).info.setup == info.setup
    for bad in ({"x": 1}, {"k" * 50: "v"}, {str(i): "v" for i in range(100)}, "dataset=moons"):
        with pytest.raises(BadInput):
            store.send_setup(code, key, bad)


def test_a_setup_that_hides_every_control_is_sent(store):
    """A teacher's first try: "Select all" under Hide these controls (its list is the longest text a
    setup carries), as a setup and as a challenge's data."""
    from scratchnet.config import KNOBS, Config

    everything = tuple(n for n in KNOBS["hide"].choices if n != "hide")
    setup = Config(dataset="spiral", hidden=(128,) * 8, hide=everything).to_query()
    code, key = store.create()
    assert store.send_setup(code, key, setup) == 1
    assert store.info(code).setup["hide"] == ",".join(everything)
    store.set_challenge(code, key, Challenge("params", 0.9, setup, "Reach 90%."))


def test_messages_are_plain_bounded_and_the_newest_are_kept(store):
    code, key = store.create()
    for i in range(MAX_MESSAGES + 5):
        store.post_message(code, key, f"message {i}\nsecond line")
    messages = store.info(code).messages
    assert len(messages) == MAX_MESSAGES and messages[-1].text == f"message {MAX_MESSAGES + 4} second line"
    assert messages[0].text == "message 5 second line"
    for bad in ("", "x" * 281):
        with pytest.raises(BadInput):
            store.post_message(code, key, bad)


def test_challenges_rank_submissions_by_their_goal(store):
    code, key = store.create()
    ana, bo, cy = (store.join(code, n) for n in ("Ana", "Bo", "Cy"))
    with pytest.raises(BadInput):
        store.submit(code, ana.seat, ana.key, submission(0.95, 10, 10))          # no challenge yet
    store.set_challenge(code, key, challenge("params", 0.9))
    number = store.info(code).challenge.number
    with pytest.raises(BadInput, match="90%"):
        store.submit(code, ana.seat, ana.key, submission(0.85, 10, 10, number))
    with pytest.raises(BadInput, match="other data"):
        store.submit(code, ana.seat, ana.key, submission(0.95, 10, 10, number, setup={**SETUP, "dataset": "moons"}))
    assert store.submit(code, ana.seat, ana.key, submission(0.92, 120, 300, number))
    assert store.submit(code, bo.seat, bo.key, submission(0.91, 50, 900, number))
    assert store.submit(code, cy.seat, cy.key, submission(0.99, 50, 100, number))
    assert not store.submit(code, ana.seat, ana.key, submission(0.95, 200, 10, number)), "worse: kept the best"
    assert store.submit(code, ana.seat, ana.key, submission(0.93, 20, 400, number))
    board = store.board(code, key)
    assert [s.name for s in board.submissions] == ["Ana", "Cy", "Bo"]            # 20; 50 (fewer epochs); 50
    assert store.student(code, ana.seat, ana.key).submission.params == 20
    store.set_challenge(code, key, challenge("epochs", 0.9))                      # a new one starts afresh
    new = store.info(code).challenge
    assert new.goal == "epochs" and new.number == number + 1 and store.board(code, key).submissions == ()
    with pytest.raises(BadInput):
        store.submit(code, bo.seat, bo.key, submission(0.95, 10, 10, number))    # for the old challenge
    store.submit(code, bo.seat, bo.key, submission(0.95, 500, 40, new.number))
    store.submit(code, cy.seat, cy.key, submission(0.95, 5, 80, new.number))
    assert [s.name for s in store.board(code, key).submissions] == ["Bo", "Cy"]
    store.set_challenge(code, key, None)
    assert store.info(code).challenge is None and store.board(code, key).submissions == ()
    with pytest.raises(BadInput):
        Challenge("speed", 0.9, DATA, "")


# --- the board's counters ------------------------------------------------------------------------------
def test_the_board_knows_which_tiles_changed(store):
    code, key = store.create()
    ana = store.join(code, "Ana")
    store.join(code, "Bo")
    first = store.board(code, key)
    store.report_many([Report(code, ana.seat, ana.key, summary(epoch=3))])
    second = store.board(code, key)
    assert second.version > first.version
    changed = [s.name for s in second.students if s.v > first.version]
    assert changed == ["Ana"]
    tile = second.students[0].summary
    assert tile.codes == summary().codes and tile.side == 34 and tile.test_accuracy == 0.9
    assert store.versions([code, "AAAAAA"]) == {code: store.versions([code])[code]}
    assert store.versions([code])[code].board == second.version
    with pytest.raises(BadInput):
        Summary(1, 0.5, 0.1, 10, True, "c2", 10, b"\0" * 99, 0.0)


def test_a_removed_or_departed_student_is_gone_for_good(store):
    code, key = store.create()
    ana, bo = store.join(code, "Ana"), store.join(code, "Bo")
    events = store.info(code).events
    store.remove(code, key, ana.seat)
    assert store.info(code).events == events + 1, "the removed student's page hears of it"
    with pytest.raises(NotAllowed):
        store.student(code, ana.seat, ana.key)
    store.report(code, ana.seat, ana.key, summary=summary())                   # a late report: no tile back
    store.leave(code, bo.seat, bo.key)
    board = store.board(code, key)
    assert board.students == () and board.info.students == 0


def test_ending_the_class_clears_its_state(store):
    code, key = store.create()
    kept, kept_key = store.create()
    ana = store.join(code, "Ana")
    store.send_setup(code, key, SETUP)
    store.set_challenge(code, key, challenge())
    store.report(code, ana.seat, ana.key, summary=summary(), setup=SETUP)
    store.end(code, key)
    for read in (lambda: store.info(code), lambda: store.board(code, key), lambda: store.join(code, "Bo")):
        with pytest.raises(NoSuchClass):
            read()
    with pytest.raises((NoSuchClass, NotAllowed)):
        store.student(code, ana.seat, ana.key)
    assert code not in store.versions([code, kept]) and kept in store.versions([code, kept])
    if isinstance(store, redis_store.RedisStore):
        assert list(store.r.scan_iter(f"sn:{{{code}}}:*")) == [], "no key of the class is left"
    store.check_teacher(kept, kept_key)


def test_an_idle_class_expires(store, monkeypatch):
    code, key = store.create()
    store.join(code, "Ana")
    if isinstance(store, redis_store.RedisStore):
        ttls = [store.r.ttl(k) for k in store.r.scan_iter(f"sn:{{{code}}}:*")]
        assert len(ttls) >= 6 and all(IDLE_SECONDS - 60 < t <= IDLE_SECONDS for t in ttls), ttls
        monkeypatch.setattr(redis_store, "IDLE_SECONDS", 1)
        short, _ = store.create()
        time.sleep(2.1)
        with pytest.raises(NoSuchClass):
            store.info(short)
        assert list(store.r.scan_iter(f"sn:{{{short}}}:*")) == []
    else:
        later = time.time() + IDLE_SECONDS + 1
        monkeypatch.setattr(store_module.time, "time", lambda: later)
        assert store.versions([code]) == {}
        with pytest.raises(NoSuchClass):
            store.info(code)


def test_the_memory_store_holds_a_bounded_number_of_classes():
    store = MemoryStore(max_classes=3)
    for _ in range(3):
        store.create()
    with pytest.raises(store_module.ClassError, match="as many classes"):
        store.create()
    store.create(now=time.time() + IDLE_SECONDS + 1)     # the idle ones made room


# --- Redis: shared by replicas, and said in words when it is down ---------------------------------------
def test_two_replicas_against_one_redis_see_the_same_class(redis_url):
    one, two = open_store(redis_url), open_store(redis_url)
    assert one.kind == two.kind == "redis" and one.r is not two.r
    code, key = one.create()
    ana = two.join(code, "Ana")
    one.send_setup(code, key, SETUP)
    assert two.student(code, ana.seat, ana.key).info.setup == SETUP
    two.report(code, ana.seat, ana.key, summary=summary(epoch=12))
    assert [s.summary.epoch for s in one.board(code, key).students] == [12]
    assert one.versions([code]) == two.versions([code])
    two.end(code, key)
    with pytest.raises(NoSuchClass):
        one.info(code)


def test_an_unreachable_redis_is_said_in_words(monkeypatch):
    monkeypatch.delenv("REDIS_URL", raising=False)
    assert isinstance(open_store(), MemoryStore)
    import socket

    with socket.socket() as sock:                       # a port nothing listens on
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    down = open_store(f"redis://:secret-password@127.0.0.1:{port}/0")
    started = time.monotonic()
    for call in (down.ping, down.create, lambda: down.info("AAAAAA"), lambda: down.versions(["AAAAAA"])):
        with pytest.raises(StoreUnavailable) as err:
            call()
        text = str(err.value)
        assert f"Redis at 127.0.0.1:{port}" in text and "cannot be reached" in text
        assert "Playing alone still works" in text and "secret-password" not in text
    assert time.monotonic() - started < 10
