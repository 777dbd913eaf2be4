"""The Classroom in a hostile room, under AppTest (each AppTest its own Streamlit session): a teacher who
reloads keeps the class (the browser's cookie, read in the new session), a forged or stale cookie gives
nothing and is forgotten, a student who opens another class's teacher link is asked before leaving their
class (and a link that does not work gets the one refusal), the teacher locks the class and removes many
students at once, and a challenge takes only runs this server trained (not an imported or hand-edited one).
The real browser's cookie across a reload: tests/browser/test_class_guard.py."""

# ruff: noqa: F811 (memory_store, a fixture imported from test_classroom_apptest, is a test's argument)
from __future__ import annotations

import json

import pytest
import torch

from classroom.store import NotAllowed, StoreUnavailable
from scratchnet.config import Setup
from scratchnet.train.history import Evaluation, History
from tests.live_element import live_frame
from tests.ui.test_classroom_apptest import (  # noqa: F401 (memory_store: a fixture)
    join,
    memory_store,
    remove_students,
    seat_of,
    start_class,
)
from ui import clients, keys
from ui.classroom import teacher_key


def browser_keeps(monkeypatch, value: str | None) -> None:
    """New sessions from now on start with this teacher cookie (what `st.context.cookies` would hold)."""
    monkeypatch.setattr(teacher_key, "from_browser", lambda: teacher_key.parse(value))


def cookie_told(at) -> list[dict]:
    """What the page told the browser to keep (the teacher-key elements of its last run)."""
    return [json.loads(json.loads(c.proto.json)) for c in at.get("bidi_component")
            if c.key and c.key.startswith("class_teacher_key")]


# --- the teacher reloads -----------------------------------------------------------------------------------
def test_a_teacher_who_reloads_keeps_the_class(apps, monkeypatch, memory_store):
    teacher, code, key = start_class(apps)
    told = cookie_told(teacher)
    assert told and told[-1]["value"] == teacher_key.cookie_value(code, key) and told[-1]["name"] == teacher_key.COOKIE
    browser_keeps(monkeypatch, told[-1]["value"])
    reloaded = apps.open(page="classroom")                   # a new session from the same browser
    assert reloaded.session_state[keys.CLASS_TEACHER] == (code, key)
    assert f"# Class `{code}`" in "\n".join(m.value for m in reloaded.markdown)
    apps.switch(reloaded, "playground")
    assert any(f"class {code}" in m.value for m in reloaded.markdown), "the teacher's badge"


def test_a_reload_while_the_store_is_down_keeps_the_key_for_later(apps, monkeypatch, memory_store):
    teacher, code, key = start_class(apps)
    browser_keeps(monkeypatch, teacher_key.cookie_value(code, key))
    real = memory_store.check_teacher

    def down(*_args, **_kwargs):
        raise StoreUnavailable("The classroom service (Redis at redis:6379) cannot be reached: refused. "
                               "Playing alone still works.")

    monkeypatch.setattr(memory_store, "check_teacher", down)
    reloaded = apps.open()
    assert keys.CLASS_TEACHER not in reloaded.session_state and not cookie_told(reloaded), "nothing forgotten"
    monkeypatch.setattr(memory_store, "check_teacher", real)
    apps.rerun(reloaded)                                     # it is back: the next run finds the class
    assert reloaded.session_state[keys.CLASS_TEACHER] == (code, key)


@pytest.mark.parametrize("forged", ["AAAAAA." + "x" * 43, "not a cookie", "ended"])
def test_a_forged_or_stale_teacher_cookie_gives_nothing_and_is_forgotten(apps, monkeypatch, memory_store, forged):
    teacher, code, key = start_class(apps)
    if forged == "ended":
        forged = teacher_key.cookie_value(code, key)
        teacher.button(key="class_end").click()
        apps.rerun(teacher)
    browser_keeps(monkeypatch, forged)
    other = apps.open(page="classroom")
    assert keys.CLASS_TEACHER not in other.session_state and other.button(key="class_start")
    if teacher_key.parse(forged) is not None:
        told = [t["value"] for t in cookie_told(other)]
        assert told and set(told) == {""}, "the browser is told to forget it"


# --- a student and a teacher link ---------------------------------------------------------------------------
def test_a_student_opening_another_class_teacher_link_is_asked_first(apps, memory_store):
    _, code_a, _ = start_class(apps)
    _, code_b, key_b = start_class(apps)
    ana = join(apps, code_a, "Ana")
    ana.query_params["class"], ana.query_params["teacher"] = code_b, key_b
    apps.switch(ana, "classroom")
    question = "\n".join(m.value for m in ana.markdown)
    assert f"You are in class **{code_a}** as **Ana**" in question and f"teacher of class **{code_b}**" in question
    assert seat_of(ana).code == code_a and keys.CLASS_TEACHER not in ana.session_state
    assert ana.query_params.get("teacher") is None, "the key is out of the address bar at once"
    ana.button(key="class_link_decline").click()
    apps.rerun(ana)
    assert seat_of(ana).code == code_a and keys.CLASS_TEACHER not in ana.session_state
    assert memory_store.info(code_a).students == 1
    # asked again, and this time yes: she leaves class A (said), and teaches B
    ana.query_params["class"], ana.query_params["teacher"] = code_b, key_b
    apps.rerun(ana)
    ana.button(key="class_link_accept").click()
    apps.rerun(ana)
    assert ana.session_state[keys.CLASS_TEACHER] == (code_b, key_b) and keys.CLASS_SEAT not in ana.session_state
    assert memory_store.info(code_a).students == 0


def test_a_teacher_link_that_does_not_work_gets_one_answer_and_the_student_stays(apps, memory_store):
    _, code_a, _ = start_class(apps)
    _, code_b, key_b = start_class(apps)
    ana = join(apps, code_a, "Ana")
    answers = set()
    for code, key in ((code_b, "x" * len(key_b)), ("AAAAAA", key_b)):
        ana.query_params["class"], ana.query_params["teacher"] = code, key
        apps.switch(ana, "classroom")
        answers.add(tuple(e.value for e in ana.error))
        assert seat_of(ana).code == code_a and keys.CLASS_TEACHER not in ana.session_state
        apps.switch(ana, "playground")
    (answer,) = answers
    assert len(answer) == 1 and answer[0].startswith("That teacher link does not work")


# --- lock, and remove many -----------------------------------------------------------------------------------
def test_the_teacher_locks_the_class_and_removes_many_at_once(apps, monkeypatch, memory_store):
    teacher, code, _ = start_class(apps)
    join(apps, code, "Ana")
    bots = []
    for i in range(4):
        monkeypatch.setattr(clients, "current", lambda i=i: f"bot{i}")
        bots.append(join(apps, code, f"**bot{i}**"))
    apps.rerun(teacher)
    teacher.toggle(key="class_lock").set_value(True)
    apps.rerun(teacher)
    assert memory_store.info(code).locked
    late = apps.open({"class": code})
    late.text_input[0].input("Late")
    late.button[0].click()
    apps.rerun(late)
    assert "is locked" in late.error[0].value and keys.CLASS_SEAT not in late.session_state
    remove_students(apps, teacher, [seat_of(b).seat for b in bots])
    (toast,) = [t.value for t in teacher.toast]
    assert toast.startswith("\\*\\*bot0\\*\\*, \\*\\*bot1\\*\\*") and toast.endswith("were removed from the class.")
    assert [t["name"] for t in live_frame(teacher)["tiles"]] == ["Ana"]
    for bot in bots:
        apps.rerun(bot)
        assert keys.CLASS_SEAT not in bot.session_state
    teacher.toggle(key="class_lock").set_value(False)
    apps.rerun(teacher)
    assert not memory_store.info(code).locked


# --- a challenge counts what this server trained ------------------------------------------------------------
def forged_history(epochs: int = 0) -> History:
    history = History()
    history.add_evaluation(Evaluation(epochs, 0.01, 0.01, 1.0, 1.0))
    return history


@pytest.mark.parametrize("how", ["imported", "edited"])
def test_a_challenge_refuses_a_run_this_server_did_not_train(apps, memory_store, how):
    circle = Setup().replace(dataset="circle", lr=0.3, epochs=100_000, speed="max")
    teacher, code, key = start_class(apps, circle)
    teacher.selectbox(key="class_goal").set_value("epochs")
    teacher.slider(key="class_target").set_value(80)
    teacher.button(key="class_set_challenge").click()
    apps.rerun(teacher)
    ana = join(apps, code, "Ana")
    run = ana.session_state[keys.RUN]
    if how == "imported":       # a run file whose history says epoch 0 was at 100% (what the uploader loads)
        run.load(run.trainer.net.clone(), forged_history(0))
    else:                       # a weight typed into the network diagram
        run.set_entry("W1[1,1]", 0.5)
    ana.button(key="class_submit").click()
    apps.rerun(ana)
    assert "a challenge counts a run trained here from its start" in ana.warning[0].value
    assert memory_store.student(code, seat_of(ana).seat, seat_of(ana).key).submission is None
    ana.button(key="reset").click()                           # Reset: trained here again
    apps.rerun(ana)
    assert ana.session_state[keys.RUN].origin == "trained"


def test_a_submission_counts_the_servers_own_evaluations(apps, memory_store):
    """The epoch a run reached the target is the first of this server's evaluations that measured it there."""
    from ui.classroom.student import submission_of

    teacher, code, _ = start_class(apps, Setup().replace(dataset="circle", lr=0.3, epochs=100_000, speed="max"))
    ana = join(apps, code, "Ana")
    run = ana.session_state[keys.RUN]
    for _ in range(30):
        run.step()
    reached = [e.epoch for e in run.trainer.history.evaluations if e.test_accuracy >= 0.5]
    entry = submission_of(run, 0.5, 1)
    assert entry.epochs == reached[0] and entry.params == sum(p.numel() for p in run.trainer.net.params)
    with torch.no_grad():
        assert entry.test_accuracy == pytest.approx(run.frame_state().snapshot.test_accuracy)
    with pytest.raises(NotAllowed):
        memory_store.student(code, "nobody", "x")
