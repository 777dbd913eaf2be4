"""The page-run gate (live/page_gate.py): a few page runs at a time, addresses least recently served first, an
address resting after its turns while another address's run trains, and a stuck turn that stops keeping others out."""

from __future__ import annotations

import threading
import time

import pytest

from live import page_gate
from live.page_gate import PageRunGate
from live.settings import env_number


def hold(gate: PageRunGate, client: str, session: str, seconds: float, log: list, entered: threading.Event | None = None
         ) -> threading.Thread:
    """A page run of `seconds` in a thread of its own; `log` gets (session, 'in'/'out', when)."""
    def page_run() -> None:
        with gate.turn(client, session):
            log.append((session, "in", time.monotonic()))
            if entered is not None:
                entered.set()
            time.sleep(seconds)
            log.append((session, "out", time.monotonic()))

    thread = threading.Thread(target=page_run, daemon=True)
    thread.start()
    return thread


def most_at_once(log: list) -> int:
    """The most page runs that were inside the gate at the same time, from a log of ("in" / "out") events."""
    inside, most = 0, 0
    for _, what, _ in sorted(log, key=lambda e: e[2]):
        inside += 1 if what == "in" else -1
        most = max(most, inside)
    return most


def test_one_slot_and_the_least_recently_served_address_next():
    gate, log = PageRunGate(share=1.0, slots=1), []
    first = threading.Event()
    threads = [hold(gate, "bot", "bot-0", 0.3, log, first)]
    first.wait(5)
    # While the bot's first page run goes on, three more of its fresh sessions wait, then a learner arrives.
    for i in (1, 2, 3):
        threads.append(hold(gate, "bot", f"bot-{i}", 0.05, log))
        time.sleep(0.02)
    threads.append(hold(gate, "school", "learner", 0.05, log))
    for thread in threads:
        thread.join(10)
    order = [who for who, what, _ in log if what == "in"]
    assert order == ["bot-0", "learner", "bot-1", "bot-2", "bot-3"], "the learner's address before the bot's others"
    events = sorted(log, key=lambda e: e[2])
    assert all(a[1] != b[1] for a, b in zip(events, events[1:])), f"never two at once: {events}"


def test_at_most_slots_page_runs_at_once():
    gate, log = PageRunGate(share=1.0, slots=2), []
    threads = [hold(gate, "school", f"s{i}", 0.1, log) for i in range(6)]
    for thread in threads:
        thread.join(10)
    assert most_at_once(log) == 2


@pytest.mark.parametrize("wanting", [{"victim"}, {"a2"}, set()])
def test_an_address_rests_after_its_turn_while_another_addresss_run_trains(wanting):
    """share 0.25: a's turn of 0.2 s is followed by 0.5 s (the most a rest lasts) in which a gets none, while the
    victim (another address) trains; a's own sessions training (a class behind one address) or nobody: none."""
    gate = PageRunGate(share=0.25, training=lambda: frozenset(wanting))
    with gate.turn("b", "victim"):
        pass
    with gate.turn("a", "a2"):
        pass
    with gate.turn("a", "a1"):
        time.sleep(0.2)
    with gate.turn("a", "a2") as waited:
        if wanting == {"victim"}:
            assert waited >= 0.45, waited
        else:
            assert waited < 0.25, "no other address wants anything: page runs go back to back"
    with gate.turn("b", "victim") as waited:
        assert waited < 0.25, "another address is not held back by a's rest"


def test_a_rest_is_bounded_and_a_stuck_turn_stops_keeping_others_out():
    gate = PageRunGate(share=0.1, slots=1, training=lambda: frozenset({"x"}), stuck_seconds=0.3, max_rest_seconds=0.1)
    log: list = []
    first = threading.Event()
    stuck = hold(gate, "a", "a", 1.0, log, first)
    first.wait(5)
    start = time.monotonic()
    with gate.turn("b", "b") as waited:
        assert 0.25 <= waited and time.monotonic() - start < 0.9, "let in once a's turn counts as stuck"
    stuck.join(5)
    start = time.monotonic()
    with gate.turn("c", "c"):
        pass
    with gate.turn("c", "c"):
        assert time.monotonic() - start < 0.5


def test_the_share_and_the_slots_are_operators_settings(monkeypatch, caplog):
    monkeypatch.setenv(page_gate.SHARE_SETTING, "0.7")
    assert env_number(page_gate.SHARE_SETTING, page_gate.PAGE_RUN_SHARE, 0, 1) == 0.7
    for bad in ("0", "1.5", "half", "nan"):
        monkeypatch.setenv(page_gate.SHARE_SETTING, bad)
        assert env_number(page_gate.SHARE_SETTING, page_gate.PAGE_RUN_SHARE, 0, 1) == page_gate.PAGE_RUN_SHARE
    assert page_gate.SHARE_SETTING in caplog.text
    with pytest.raises(ValueError):
        PageRunGate(share=0)
    with pytest.raises(ValueError):
        PageRunGate(idle_share=1.5)
    monkeypatch.setenv(page_gate.IDLE_SHARE_SETTING, "0.1")
    monkeypatch.setattr(page_gate, "_shared", None)
    assert page_gate.shared().idle_share == 0.1


def test_by_default_an_address_is_not_queued_behind_itself():
    """A class behind one address, nobody else training: its page runs all go at once (a slot limit made a
    class's page runs queue: tests/browser/test_class_lesson.py failed with 2)."""
    gate, log = PageRunGate(training=lambda: frozenset({"a-student"})), []
    with gate.turn("school", "a-student"):          # the training student's page ran here: the school's
        pass
    threads = [hold(gate, "school", f"s{i}", 0.2, log) for i in range(5)]
    for thread in threads:
        thread.join(10)
    assert most_at_once(log) == 5


def seen(gate: PageRunGate, client: str, session: str) -> None:
    """`session`'s page ran here once: the gate knows its address."""
    with gate.turn(client, session):
        pass


def test_while_another_address_trains_an_idle_address_computes_one_page_run_at_a_time():
    """A bot's four fresh sessions at once got four times the turns of one (and the rest after them was one)."""
    gate, log = PageRunGate(training=lambda: frozenset({"victim"})), []
    seen(gate, "home", "victim")
    threads = [hold(gate, "bot", f"bot-{i}", 0.05, log) for i in range(4)]
    for thread in threads:
        thread.join(10)
    assert most_at_once(log) == 1


def test_an_address_that_trains_nothing_rests_longer():
    """share 0.5 for a class whose students train, 0.25 for an address that has started nothing: after a turn of
    0.1 s the class waits 0.1 s, the idle address 0.3 s (while someone of another address trains)."""
    gate = PageRunGate(share=0.5, idle_share=0.25, training=lambda: frozenset({"victim", "student"}))
    seen(gate, "home", "victim")
    seen(gate, "school", "student")
    for client, rest in (("school", 0.1), ("bot", 0.3)):
        with gate.turn(client, f"{client}-1"):
            time.sleep(0.1)
        with gate.turn(client, f"{client}-2") as waited:
            assert rest - 0.03 <= waited <= rest + 0.15, (client, waited)


def test_idle_addresses_together_take_one_share_a_page_run_at_a_time():
    """A bot on many addresses is held in total: the idle addresses' page runs go one at a time, and each is
    followed by all of them resting, so together they hold the gate about `share` of the time (each of four
    addresses alone 0.2: 0.8 together)."""
    gate, log = PageRunGate(share=0.25, idle_share=0.2, training=lambda: frozenset({"victim"})), []
    seen(gate, "home", "victim")
    start = time.monotonic()
    threads = [hold(gate, f"bot-{i % 4}", f"s{i}", 0.05, log) for i in range(8)]
    for thread in threads:
        thread.join(10)
    elapsed = time.monotonic() - start
    assert most_at_once(log) == 1
    held = 8 * 0.05
    assert held / elapsed <= 0.3, f"the idle addresses held {held / elapsed:.0%} of {elapsed:.2f} s"


def test_a_learners_first_page_run_goes_before_a_bots_next_ones():
    """The idle address served least recently goes first: a learner who just opened the page waits for one of
    the bot's page runs and the rest after it, not for the bot's queue."""
    gate, log = PageRunGate(idle_share=0.5, training=lambda: frozenset({"victim"})), []
    seen(gate, "home", "victim")
    first = threading.Event()
    threads = [hold(gate, "bot", "bot-0", 0.1, log, first)]
    first.wait(5)
    for i in (1, 2, 3):
        threads.append(hold(gate, "bot", f"bot-{i}", 0.05, log))
        time.sleep(0.01)
    threads.append(hold(gate, "learner", "learner", 0.05, log))
    for thread in threads:
        thread.join(10)
    order = [who for who, what, _ in log if what == "in"]
    assert order.index("learner") == 1, order


def test_a_class_behind_one_address_beside_a_learner_elsewhere_has_the_class_s_share():
    """Nine students training behind one address and one learner elsewhere: the class's page runs go at once, and
    hold the gate 9/10 of the time (a share of one half queued a class's page runs behind one learner)."""
    students = {f"s{i}" for i in range(9)}
    gate, log = PageRunGate(share=0.5, training=lambda: frozenset({"victim", *students})), []
    seen(gate, "home", "victim")
    for student in students:
        seen(gate, "school", student)
    threads = [hold(gate, "school", f"s{i}", 0.2, log) for i in range(5)]
    for thread in threads:
        thread.join(10)
    assert most_at_once(log) == 5
    with gate.turn("school", "s0") as waited:
        assert waited < 0.1, "a rest of 0.2 s x 1/9"
