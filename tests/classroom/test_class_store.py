"""Both class stores, held to the same promises: the in-memory default and Redis (a real redis-server
started for the test session, tests/redis_server.py). Who may do what is enforced by the store itself,
so these tests try what a student should not be able to do."""

from __future__ import annotations

import time

import numpy as np
import pytest

from classroom import limits, redis_store
from classroom import store as store_module
from classroom.hub import open_store
from classroom.limits import (
    CREATES,
    EMPTY_SECONDS,
    IDLE_SECONDS,
    JOIN_BURST,
    JOINS,
    MAX_STUDENTS,
    WRONG_TRIES,
)
from classroom.store import (
    CODE_ALPHABET,
    CODE_LENGTH,
    MAX_MESSAGES,
    MAX_NAME,
    BadInput,
    BadTeacherLink,
    Beat,
    Challenge,
    ClassFull,
    ClassLocked,
    ClientJoins,
    MemoryStore,
    NoSuchClass,
    NotAllowed,
    Report,
    StoreUnavailable,
    Submission,
    Summary,
    TooManyClasses,
    TooManyJoins,
    TooManyTries,
    clean_name,
    normalize_code,
)

# A time at the start of an hour (so every limit's window starts there), less than an hour from now.
T0 = float((int(time.time()) // 3600 + 1) * 3600)
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
    assert len(CODE_ALPHABET) ** CODE_LENGTH == 148_035_889, "the code space limits.py's arithmetic counts"
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


def test_at_most_200_students_and_a_client_joins_in_bursts(store):
    start = T0
    code, _ = store.create(now=start)
    for i in range(MAX_STUDENTS):                            # every student from an address of their own
        store.join(code, f"s{i}", client=f"c{i}", now=start)
    with pytest.raises(ClassFull):
        store.join(code, "one too many", client="late", now=start + 1)
    # seats nobody's session kept (no heartbeat for SEAT_SECONDS) are free again
    store.join(code, "later", client="late", now=start + limits.SEAT_SECONDS + 1)
    busy, _ = store.create(now=start)
    for i in range(JOIN_BURST.count):                        # a class arriving at once behind one address
        store.join(busy, f"s{i}", client="school", now=start)
    with pytest.raises(TooManyJoins, match="wait a few seconds"):
        store.join(busy, "one more", client="school", now=start + 1)
    store.join(busy, "elsewhere", client="home", now=start + 1)
    store.join(busy, "a moment later", client="school", now=start + 2 * JOIN_BURST.seconds)


# --- who may do what ---------------------------------------------------------------------------------
def test_a_student_cannot_act_as_the_teacher(store):
    code, key = store.create()
    other_code, other_key = store.create()
    ana = store.join(code, "Ana")
    attempts = [lambda k: store.send_setup(code, k, SETUP), lambda k: store.set_challenge(code, k, challenge()),
                lambda k: store.post_message(code, k, "no homework"), lambda k: store.board(code, k),
                lambda k: store.remove(code, k, ana.seat), lambda k: store.end(code, k),
                lambda k: store.lock(code, k, True), lambda k: store.check_teacher(code, k)]
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
    from scratchnet.config import KNOBS, Setup

    everything = tuple(n for n in KNOBS["hide"].choices if n != "hide")
    setup = Setup().replace(dataset="spiral", hidden=(128,) * 8, hide=everything).to_query()
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
        assert list(store.r.scan_iter(f"sn:{{{code}}}*")) == [], "no key of the class is left"
        assert store.r.zscore(redis_store.REGISTRY, code) is None, "nor its place among the live classes"
    store.check_teacher(kept, kept_key)


def test_the_memory_store_holds_a_bounded_number_of_classes():
    store = MemoryStore(max_classes=3)
    for i in range(3):
        store.create(client=f"teacher{i}")
    with pytest.raises(TooManyClasses, match="as many classes as it can hold"):
        store.create(client="teacher9")
    store.create(client="teacher9", now=time.time() + EMPTY_SECONDS + 1)     # the abandoned ones made room


# --- a hostile room: limits per client, whatever their sessions ----------------------------------------
def test_a_client_starts_a_few_classes_an_hour_however_many_sessions_it_opens(store):
    for i in range(CREATES.count):
        store.create(client="bot", now=T0 + i)
    with pytest.raises(TooManyClasses, match="the next can start in 59 minutes"):
        store.create(client="bot", now=T0 + 60)
    store.create(client="teacher", now=T0 + 60)                 # another address is not held up
    store.create(client="bot", now=T0 + 2 * CREATES.seconds)    # once the last hour held fewer


def test_the_cap_on_live_classes_holds_with_redis_too(store):
    store.max_classes = 3
    made = [store.create(client=f"teacher{i}") for i in range(3)]
    with pytest.raises(TooManyClasses, match="as many classes as it can hold"):
        store.create(client="teacher9")
    store.end(*made[0])
    store.create(client="teacher9")
    if isinstance(store, redis_store.RedisStore):
        assert store.live_classes() == 3


def test_wrong_codes_are_counted_per_client_and_then_a_right_one_is_refused_too(store):
    code, _ = store.create(client="teacher", now=T0)
    for i in range(WRONG_TRIES.count):
        with pytest.raises(NoSuchClass):
            store.join("AAAAAA", "bot", client="bot", now=T0 + i)
    with pytest.raises(TooManyTries, match="wait 10 minutes"):
        store.join(code, "bot", client="bot", now=T0 + 30)    # the right code answers as a wrong one would
    with pytest.raises(TooManyTries):
        store.check_teacher(code, "x" * 43, client="bot", now=T0 + 31)
    store.join(code, "Ana", client="school", now=T0 + 31)     # a real student elsewhere is not held up
    store.join(code, "bot", client="bot", now=T0 + 2 * WRONG_TRIES.seconds)    # the last 10 minutes held none


def test_no_double_budget_where_two_windows_meet(store):
    """20 wrong codes at the end of one 10-minute window, and none more at the start of the next."""
    end = T0 + WRONG_TRIES.seconds - 5
    for i in range(WRONG_TRIES.count):
        with pytest.raises(NoSuchClass):
            store.join("AAAAAA", "bot", client="bot", now=end)
    for later in (6, 10, 20):                                # a fixed window would have given 20 more here
        with pytest.raises(TooManyTries):
            store.join("AAAAAA", "bot", client="bot", now=end + later)
    with pytest.raises(NoSuchClass):                         # half of them slid out of the last 10 minutes
        store.join("AAAAAA", "bot", client="bot", now=end + WRONG_TRIES.seconds // 2 + 10)


def test_a_teacher_link_gets_one_answer_whether_its_class_exists_or_not(store):
    code, key = store.create(client="teacher", now=T0)
    wrong_key = "x" * len(key)
    answers = set()
    for target, tried in ((code, wrong_key), ("AAAAAA", key), ("AAAAAA", wrong_key), (code, ""), (code, None)):
        with pytest.raises(BadTeacherLink) as refused:
            store.check_teacher(target, tried, client="prober", now=T0 + 1)
        answers.add((type(refused.value), str(refused.value)))
    assert len(answers) == 1, answers
    assert isinstance(refused.value, NotAllowed)
    for _ in range(WRONG_TRIES.count - 5):
        with pytest.raises(BadTeacherLink):
            store.check_teacher("AAAAAA", wrong_key, client="prober", now=T0 + 2)
    with pytest.raises(TooManyTries):
        store.check_teacher(code, key, client="prober", now=T0 + 3)      # the right key too, now
    store.check_teacher(code, key, client="teacher", now=T0 + 3)


def test_the_seats_one_client_takes_are_limited_across_classes(store):
    codes = [store.create(client=f"teacher{i}", now=T0)[0] for i in range(2)]
    for i in range(JOINS.count):                             # in bursts, into two classes
        store.join(codes[i % 2], f"s{i}", client="school", now=T0 + (i // JOIN_BURST.count) * 2 * JOIN_BURST.seconds)
    later = T0 + (JOINS.count // JOIN_BURST.count + 1) * 2 * JOIN_BURST.seconds
    with pytest.raises(ClientJoins, match="from your network"):
        store.join(codes[0], "one more", client="school", now=later)
    store.join(codes[0], "at home", client="home", now=later)
    store.join(codes[0], "next window", client="school", now=T0 + 2 * JOINS.seconds)


def test_a_locked_class_takes_nobody_new_and_keeps_who_is_in(store):
    code, key = store.create()
    ana = store.join(code, "Ana")
    store.lock(code, key, True)
    assert store.info(code).locked and store.board(code, key).info.locked
    with pytest.raises(ClassLocked, match="ask your teacher"):
        store.join(code, "Bo", client="late")
    assert store.student(code, ana.seat, ana.key).me.name == "Ana"
    store.lock(code, key, False)
    assert store.join(code, "Bo", client="late").name == "Bo"


def test_the_teacher_removes_many_at_once(store):
    code, key = store.create()
    ana = store.join(code, "Ana")
    bots = [store.join(code, f"bot{i}", client=f"bot{i}") for i in range(30)]
    events = store.info(code).events
    assert store.remove(code, key, [b.seat for b in bots] + ["nobody"]) == 30
    assert store.info(code).events == events + 1, "their pages hear of it"
    assert [s.name for s in store.board(code, key).students] == ["Ana"] and store.info(code).students == 1
    beats = [Beat(code, b.key, b.seat) for b in bots]
    assert store.heartbeat([*beats, Beat(code, ana.key, ana.seat), Beat(code, key)]) == beats, "their seats are gone"
    for bot in bots:
        with pytest.raises(NotAllowed):
            store.student(code, bot.seat, bot.key)
    assert store.remove(code, key, ana.seat) == 1


# --- lives: a seat while its session lives, a class while someone is in it ------------------------------
@pytest.fixture(params=["memory", "redis"])
def short_lived(request, monkeypatch):
    """A store whose classes and seats live seconds, not minutes (in real time: Redis expires keys itself)."""
    for name, value in (("EMPTY_SECONDS", 2), ("IDLE_SECONDS", 5), ("SEAT_SECONDS", 2)):
        monkeypatch.setattr(limits, name, value)
        monkeypatch.setattr(store_module, name, value)
    for module in (store_module, redis_store):
        monkeypatch.setattr(module, "PRUNE_SECONDS", 0.5)
        monkeypatch.setattr(module, "QUIET_SECONDS", 1.5)
    return _made(request)


def _made(request):
    if request.param == "memory":
        return MemoryStore()
    made = redis_store.RedisStore(request.getfixturevalue("redis_url"))
    made.r.flushdb()
    return made


def test_a_class_with_no_students_ends_soon_unless_its_teacher_is_there(short_lived):
    store = short_lived
    abandoned, _ = store.create(client="bot")
    kept, key = store.create(client="teacher")
    left, left_key = store.create(client="teacher")
    ana = store.join(left, "Ana")
    store.leave(left, ana.seat, ana.key)                 # the last student went, and the teacher is gone too
    for _ in range(3):
        time.sleep(1.0)
        assert store.heartbeat([Beat(kept, key)]) == []   # this teacher's page is open
    for gone in (abandoned, left):
        with pytest.raises(NoSuchClass):
            store.info(gone)
    assert set(store.versions([abandoned, kept, left])) == {kept}
    assert store.heartbeat([Beat(left, left_key)]) == [Beat(left, left_key)]


def test_a_seat_lives_while_its_session_does(short_lived):
    store = short_lived
    code, key = store.create()
    ana, bot = store.join(code, "Ana", client="a"), store.join(code, "bot", client="b")
    for _ in range(3):
        time.sleep(1.0)
        store.heartbeat([Beat(code, key), Beat(code, ana.key, ana.seat)])      # the bot's session went quiet
    assert [s.name for s in store.board(code, key).students] == ["Ana"] and store.info(code).students == 1
    assert store.heartbeat([Beat(code, bot.key, bot.seat)]) == [Beat(code, bot.key, bot.seat)]
    with pytest.raises(NotAllowed):
        store.student(code, bot.seat, bot.key)
    store.report(code, bot.seat, bot.key, summary=summary())                   # too late: no tile back
    assert [s.name for s in store.board(code, key).students] == ["Ana"]


def test_seats_outlive_a_store_that_was_down(short_lived):
    """After a pause in which nothing reached the store (Redis down), the first write does not free the seats
    of sessions that could not be heard: they get a heartbeat's time first."""
    store = short_lived
    code, key = store.create()
    ana, bo = store.join(code, "Ana", client="a"), store.join(code, "Bo", client="b")
    time.sleep(2.5)                                       # longer than a seat lives unheard, and nothing heard
    store.report(code, ana.seat, ana.key, summary=summary())       # the first write after the outage
    assert store.heartbeat([Beat(code, bo.key, bo.seat), Beat(code, key)]) == [], "Bo's seat is still his"
    time.sleep(0.6)
    store.report(code, ana.seat, ana.key, summary=summary())       # a prune now: both were heard
    assert [s.name for s in store.board(code, key).students] == ["Ana", "Bo"]


# --- Redis: a class is one key -----------------------------------------------------------------------------
@pytest.fixture
def redis_only(redis_url):
    made = redis_store.RedisStore(redis_url)
    made.r.flushdb()
    return made


def test_a_redis_class_is_one_key_that_expires_as_a_whole(redis_only):
    store = redis_only
    code, key = store.create()
    (only,) = store.r.scan_iter(f"sn:{{{code}}}*")
    assert only.decode() == redis_store.class_key(code)
    assert EMPTY_SECONDS - 5 < store.r.ttl(only) <= EMPTY_SECONDS, "no student: it ends soon without its teacher"
    ana = store.join(code, "Ana")
    store.send_setup(code, key, SETUP)
    store.set_challenge(code, key, challenge())
    store.post_message(code, key, "hello")
    store.report(code, ana.seat, ana.key, summary=summary(), setup=SETUP)
    store.submit(code, ana.seat, ana.key, submission(0.95, 10, 10, store.info(code).challenge.number))
    assert [k.decode() for k in store.r.scan_iter(f"sn:{{{code}}}*")] == [redis_store.class_key(code)]
    assert IDLE_SECONDS - 5 < store.r.ttl(only) <= IDLE_SECONDS
    store.leave(code, ana.seat, ana.key)
    assert store.r.ttl(only) <= EMPTY_SECONDS


def test_a_redis_class_lost_at_once_is_gone_cleanly_and_never_comes_back_in_part(redis_only):
    store = redis_only
    code, key = store.create()
    ana = store.join(code, "Ana")
    store.send_setup(code, key, SETUP)
    store.r.delete(redis_store.class_key(code))       # what an eviction, a flush or a restart does: all of it
    assert store.versions([code]) == {}
    for read in (lambda: store.info(code), lambda: store.board(code, key), lambda: store.join(code, "Bo"),
                 lambda: store.student(code, ana.seat, ana.key), lambda: store.post_message(code, key, "hi")):
        with pytest.raises(NoSuchClass):
            read()
    store.report(code, ana.seat, ana.key, summary=summary(), setup=SETUP)          # a late report...
    assert store.heartbeat([Beat(code, key), Beat(code, ana.key, ana.seat)]) == [Beat(code, key),
                                                                                  Beat(code, ana.key, ana.seat)]
    assert not store.r.exists(redis_store.class_key(code)), "...brings back no part of the class"
    # part of a class (no script ever writes one): read as gone, and cleared away
    store.r.hset(redis_store.class_key(code), mapping={"events": 3, "board": 2, "s:x": "{}"})
    assert store.versions([code]) == {}
    with pytest.raises(NoSuchClass):
        store.board(code, key)
    assert not store.r.exists(redis_store.class_key(code))


def test_a_full_redis_is_said_in_words(redis_only):
    store = redis_only
    code, key = store.create()
    used = int(store.r.info("memory")["used_memory"])
    store.r.config_set("maxmemory-policy", "noeviction")
    store.r.config_set("maxmemory", used + 100_000)
    try:
        with pytest.raises(StoreUnavailable, match="is full"):
            for i in range(MAX_STUDENTS):
                seat = store.join(code, f"s{i}", client=f"c{i}")
                store.report(code, seat.seat, seat.key, summary=summary(), setup=SETUP)
    finally:
        store.r.config_set("maxmemory", 0)


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
