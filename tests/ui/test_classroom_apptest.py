"""The Classroom under AppTest: a teacher's session and students' sessions (each an AppTest of its own,
so each its own Streamlit session) sharing this process's class store.

Start a class, join by link with a name, send a setup (and what hides with it), a challenge and its
submissions, messages, removing a student and ending the class; and what a student must not be able
to do. The live path (a notice reaching a student's socket, the board's frames) is checked here through
the hub's one round (`tick`) and the elements' first frames; tests/browser/test_class_lesson.py runs it for real.
"""

from __future__ import annotations

import io

import pytest

from classroom import hub as class_hub
from classroom.limits import WRONG_TRIES
from classroom.qr import qr_png
from classroom.store import MemoryStore, NoSuchClass, StoreUnavailable
from scratchnet.config import Config, Setup
from tests.live_element import live_data, live_frame, live_metrics
from ui import clients, keys
from ui.classroom.teacher import teacher_link

LESSON = Setup().replace(dataset="spiral", hidden=(8, 8), activation="tanh", lr=0.03, optimizer="adam",
                         epochs=100_000, speed="max", presentation=True)


@pytest.fixture(autouse=True)
def memory_store(monkeypatch):
    """A fresh in-memory store for every test, on the process's one hub."""
    hub = class_hub.shared()
    monkeypatch.setattr(hub, "store", MemoryStore())
    return hub.store


def markdown(at) -> str:
    return "\n".join(m.value for m in at.markdown)


def setup_of(at) -> Setup:
    return Setup(at.session_state[keys.CONFIG], at.session_state[keys.VIEW])


def start_class(apps, cfg: Setup | None = None):
    """A teacher who set up their Playground with `cfg`, then started a class on the Classroom page."""
    at = apps.open(cfg.to_query() if cfg else None)
    apps.switch(at, "classroom")
    at.button(key="class_start").click()
    apps.rerun(at)
    code, key = at.session_state[keys.CLASS_TEACHER]
    return at, code, key


def join(apps, code: str, name: str):
    """A student who opened the join link and pressed Join: they land on the Playground."""
    at = apps.open({"class": code})
    at.text_input[0].input(name)
    at.button[0].click()
    apps.rerun(at)
    assert at.session_state[keys.CLASS_SEAT].code == code
    return at


def seat_of(at):
    return at.session_state[keys.CLASS_SEAT]


def remove_students(apps, teacher, seats: list[str]) -> None:
    """The teacher picks these students' rows in the Students table and presses "Remove selected"."""
    shown = [seat for seat, _ in teacher.session_state["class_students_shown"]]
    teacher.session_state["class_students"] = {"selection": {"rows": [shown.index(s) for s in seats],
                                                             "columns": [], "cells": []}}
    apps.rerun(teacher)
    teacher.button(key="class_remove_selected").click()
    apps.rerun(teacher)


# --- starting and joining --------------------------------------------------------------------------------
def test_start_a_class_gives_a_code_a_join_link_and_a_scannable_qr_code(apps):
    zxingcpp = pytest.importorskip("zxingcpp")
    from PIL import Image

    at, code, key = start_class(apps)
    assert f"# Class `{code}`" in markdown(at)
    link = join_link_of(at)
    assert link == f"http://localhost:8501/?class={code}" and key not in link
    assert at.get("image"), "the QR code is on the page"
    (found,) = zxingcpp.read_barcodes(Image.open(io.BytesIO(qr_png(link))))
    assert found.text == link
    image = Image.open(io.BytesIO(qr_png(link)))
    assert min(image.size) >= 400, "big enough to scan from the back of a room"
    assert live_data(at)["kind"] == "board" and live_frame(at)["tiles"] == []


def join_link_of(at) -> str:
    return next(c.value for c in at.code if "class=" in c.value)


def test_a_student_joins_by_link_and_lands_on_the_playground_with_a_badge(apps, memory_store):
    _, code, _ = start_class(apps)
    student = apps.open({"class": code})
    assert [s.value for s in student.subheader] == [f"Join class {code}"]
    student.text_input[0].input("Ana")
    student.button[0].click()
    apps.rerun(student)
    assert live_data(student)["kind"] == "playground", "on the Playground"
    assert f"**Class {code}** · you are **Ana**" in markdown(student)
    assert memory_store.info(code).students == 1


def test_a_student_can_type_the_code_and_wrong_codes_are_said_and_limited(apps, monkeypatch):
    _, code, _ = start_class(apps)
    student = apps.open(page="classroom")
    for typed in ("nope", "AAAAAA", f" {code.lower()} "):
        code_field, name_field = student.text_input
        code_field.input(typed)
        name_field.input("Bo")
        if typed.strip() == code.lower():
            break
        student.button(key="FormSubmitter:class_join-Join").click()
        apps.rerun(student)
        assert student.error and keys.CLASS_SEAT not in student.session_state
    student.button(key="FormSubmitter:class_join-Join").click()
    apps.rerun(student)
    assert seat_of(student).name == "Bo"
    # wrong codes are counted per client (an address), not per session: fresh sessions change nothing
    sessions = [apps.open(page="classroom") for _ in range(3)]

    def attempt(at, typed: str) -> str:
        at.text_input[0].input(typed)
        at.text_input[1].input("x")
        at.button(key="FormSubmitter:class_join-Join").click()
        apps.rerun(at)
        return at.error[0].value if at.error else ""

    for i in range(WRONG_TRIES.count - 1):                   # one wrong code was typed above already
        assert "There is no class" in attempt(sessions[i % 3], "AAAAAA")
    assert "Too many wrong class codes" in attempt(apps.open(page="classroom"), code), "a right code too, now"
    monkeypatch.setattr(clients, "current", lambda: "another-school")
    elsewhere = apps.open(page="classroom")
    assert attempt(elsewhere, code) == "" and seat_of(elsewhere).code == code


def test_names_are_limited_and_shown_as_typed(apps):
    teacher, code, _ = start_class(apps)
    student = apps.open({"class": code})
    name = "**Bo** [x](http://evil.example) ![i](http://e.example/i.png) :red[z] www.e.example"
    student.text_input[0].input(name[:24])
    assert student.text_input[0].max_chars == 24
    student.button[0].click()
    apps.rerun(student)
    shown = next(m.value for m in student.markdown if "you are" in m.value)
    assert "\\*\\*Bo\\*\\* \\[x\\]\\(http\\:\u200b\\/\\/evi" in shown, shown
    apps.rerun(teacher)
    assert live_frame(teacher)["tiles"][0]["name"] == name[:24], "the board sets it as text"


# --- a setup sent to the class ---------------------------------------------------------------------------
def test_send_setup_reaches_every_student_with_its_hidden_controls_and_a_note(apps, memory_store):
    teacher, code, key = start_class(apps, LESSON)
    ana = join(apps, code, "Ana")
    assert ana.session_state[keys.CONFIG] == Config(), "no setup yet: the student's own"
    teacher.multiselect(key="class_hide").set_value(["dataset", "noise"])
    apps.rerun(teacher)
    channel = ana.session_state[keys.CHANNEL]
    channel.sockets = 1                              # her Playground's socket is open, as in a browser
    before = channel.notice
    teacher.button(key="class_send").click()
    apps.rerun(teacher)
    # the hub's round (every 0.1 s) switches the student's Playground to the setup: their socket's next
    # frame draws it, with a note (tests/classroom/test_class_live.py); their page runs once that frame is out
    class_hub.shared().tick()
    switched, wanted = channel.job, LESSON.replace(hide=("dataset", "noise"), presentation=False)
    assert switched.cfg == wanted.config and channel.mount is not None and channel.notice == before
    channel.mount_sent = channel.revision            # (what their socket does when it sends that frame)
    class_hub.shared().tick()
    assert channel.notice == memory_store.info(code).events > before
    apps.rerun(ana)                                  # the browser runs the page on a new notice
    got = setup_of(ana)
    assert got == wanted, "presentation stays the student's"
    assert ana.session_state[keys.RUN] is switched is channel.job, "the page adopts the run the hub made"
    assert "Your teacher changed the setup" in "\n".join(i.value for i in ana.info)
    assert live_frame(ana)["notice"] == channel.notice
    charts = live_data(ana)["charts"]
    assert "picker" not in charts and "noise" not in {s["name"] for s in charts["knobs"]["sliders"]}
    assert "w_lr" in {s.key for s in ana.select_slider}
    assert ana.sidebar.slider(key="w_units_0").value == 8
    late = join(apps, code, "Late")                  # later joiners get it on joining
    assert setup_of(late) == got
    ana.button(key="class_note_ok").click()
    apps.rerun(ana)
    assert not any("changed the setup" in i.value for i in ana.info)


def test_a_student_on_another_page_gets_the_setup_back_on_the_playground(apps, memory_store):
    """The hub switches only a Playground somebody watches (its socket open): a student on another page
    gets the setup when they come back to the Playground, from its page run."""
    teacher, code, _ = start_class(apps, LESSON)
    ana = join(apps, code, "Ana")
    channel = ana.session_state[keys.CHANNEL]
    channel.sockets = 1
    apps.switch(ana, "classroom")
    channel.sockets = 0                              # the Classroom page: no live element, so no socket
    shown = channel.job
    teacher.button(key="class_send").click()
    apps.rerun(teacher)
    class_hub.shared().tick()
    assert channel.job is shown and channel.mount is None, "nothing switched behind her back"
    assert channel.notice == memory_store.info(code).events, "no frames to wait for: the news at once"
    apps.switch(ana, "playground")
    assert setup_of(ana) == LESSON.replace(presentation=False)
    assert "Your teacher changed the setup" in "\n".join(i.value for i in ana.info)


def test_a_setup_survives_a_run_with_the_browsers_old_values(apps, monkeypatch):
    """The browser may ask for a run before it has the new setup's widgets and address (a button pressed
    as the setup arrives): it sends the old ones, which read back as the old setup. The page puts the
    teacher's setup back; a change of the student's own stays."""
    from ui.classroom import student

    teacher, code, _ = start_class(apps, LESSON)
    ana = join(apps, code, "Ana")
    old_query = Setup().to_query()
    assert ana.session_state[keys.CONFIG] == Config()
    teacher.button(key="class_send").click()
    apps.rerun(teacher)
    apps.rerun(ana)
    assert ana.session_state[keys.CONFIG].hidden == (8, 8)
    for name, value in old_query.items():                 # the address the browser still shows
        ana.query_params[name] = value
    apps.rerun(ana)
    assert ana.session_state[keys.CONFIG].dataset == "spiral", "the teacher's setup wins while it arrives"
    ana.slider(key="w_units_0").set_value(9)              # the student's own change, at once
    apps.rerun(ana)
    assert ana.session_state[keys.CONFIG].hidden == (9, 8)
    monkeypatch.setattr(student, "CONFIRM_SECONDS", 0.0)
    ana.slider(key="w_units_0").set_value(12)
    apps.rerun(ana)
    assert ana.session_state[keys.CONFIG].hidden == (12, 8)


def test_the_teacher_can_send_from_the_playground_too(apps, memory_store):
    teacher, code, _ = start_class(apps, LESSON)
    apps.switch(teacher, "playground")
    assert any(f"class {code}" in m.value for m in teacher.markdown)
    teacher.button(key="class_send_from_playground").click()
    apps.rerun(teacher)
    assert memory_store.info(code).setup["dataset"] == "spiral"


# --- challenges ------------------------------------------------------------------------------------------
def test_a_challenge_ranks_what_students_submit(apps, eventually, memory_store):
    circle = Setup().replace(dataset="circle", lr=0.3, epochs=100_000, speed="max")   # untrained: about 50%
    teacher, code, key = start_class(apps, circle)
    teacher.selectbox(key="class_goal").set_value("params")
    teacher.slider(key="class_target").set_value(80)
    teacher.button(key="class_set_challenge").click()
    apps.rerun(teacher)
    challenge = memory_store.info(code).challenge
    assert challenge.target == 0.8 and "fewest parameters" in challenge.text
    ana, bo = join(apps, code, "Ana"), join(apps, code, "Bo")
    assert "Challenge:" in markdown(ana)
    bo.button(key="class_submit").click()          # untrained: below the target
    apps.rerun(bo)
    assert "the challenge asks for 80%" in bo.warning[0].value, bo.success
    ana.button(key="play").click()
    apps.rerun(ana)
    eventually(lambda: ana.session_state[keys.RUN].frame_state().snapshot.test_accuracy >= 0.85, rerun=ana, timeout=60)
    ana.button(key="play").click()                  # Pause now
    apps.rerun(ana)
    ana.button(key="class_submit").click()
    apps.rerun(ana)
    assert "It is on the board" in ana.success[0].value
    apps.rerun(teacher)
    (first,) = live_frame(teacher)["ranking"]
    assert first["name"] == "Ana" and first["params"] == 2 * 10 + 10 + 10 * 2 + 2 and first["accuracy"] >= 0.8
    assert memory_store.student(code, seat_of(bo).seat, seat_of(bo).key).submission is None


# --- messages, removing, ending ---------------------------------------------------------------------------
def test_messages_reach_students_as_plain_text(apps):
    teacher, code, _ = start_class(apps)
    ana = join(apps, code, "Ana")
    teacher.text_area(key="class_message").input("Try **bold** ![img](http://e.example/x.png) now")
    teacher.button(key="class_send_message").click()
    apps.rerun(teacher)
    assert teacher.text_area(key="class_message").value == ""
    apps.rerun(ana)
    (message,) = [i.value for i in ana.info if "Your teacher" in i.value]
    assert "Try \\*\\*bold\\*\\* \\!\\[img\\]" in message


def test_a_removed_student_is_told_and_their_tile_goes(apps, memory_store):
    teacher, code, _ = start_class(apps)
    ana = join(apps, code, "Ana")
    apps.rerun(teacher)
    remove_students(apps, teacher, [seat_of(ana).seat])
    assert live_frame(teacher)["tiles"] == []
    apps.rerun(ana)
    assert keys.CLASS_SEAT not in ana.session_state
    assert not any("you are" in m.value for m in ana.markdown)


def test_ending_the_class_clears_it_and_students_keep_playing(apps, memory_store):
    teacher, code, key = start_class(apps)
    ana = join(apps, code, "Ana")
    channel = ana.session_state[keys.CHANNEL]
    notice = channel.notice                   # (the hub's own thread may tick first: the news comes once either way)
    teacher.button(key="class_end").click()
    apps.rerun(teacher)
    with pytest.raises(NoSuchClass):
        memory_store.info(code)
    assert keys.CLASS_TEACHER not in teacher.session_state and teacher.button(key="class_start")
    class_hub.shared().tick()
    class_hub.shared().tick()
    assert channel.notice == notice + 1, "the student's page runs again and says so"
    apps.rerun(ana)
    assert keys.CLASS_SEAT not in ana.session_state and live_data(ana)["kind"] == "playground"
    ana.button(key="step").click()
    apps.rerun(ana)
    assert live_metrics(ana)["Epoch"] == "1"


# --- who may do what -------------------------------------------------------------------------------------
def test_a_student_cannot_act_as_teacher(apps, memory_store):
    teacher, code, key = start_class(apps)
    ana = join(apps, code, "Ana")
    apps.switch(ana, "classroom")
    assert "You are in **class" in markdown(ana)
    assert not [b for b in ana.button if b.key and b.key.startswith(("class_send", "class_set", "class_end"))]
    assert not [c for c in ana.get("bidi_component") if c.key == keys.LIVE_VIEW], "no board"
    # a made-up teacher link gives no powers, and says so
    forged = apps.open({"class": code, "teacher": seat_of(ana).key}, page="classroom", first=True)
    assert "teacher link does not work" in forged.error[0].value
    assert keys.CLASS_TEACHER not in forged.session_state
    # the real one does, and leaves the address bar without the key
    real = apps.open({"class": code, "teacher": key}, page="classroom", first=True)
    assert real.session_state[keys.CLASS_TEACHER] == (code, key)
    assert real.query_params.get("teacher") is None and real.query_params["class"] == code
    assert teacher_link(code, key).endswith(f"?class={code}&teacher={key}")


def test_a_student_sees_only_their_own_run(apps, memory_store):
    _, code, _ = start_class(apps)
    ana, other = join(apps, code, "Ana"), join(apps, code, "Quixotic")
    other.button(key="step").click()
    apps.rerun(other)
    apps.rerun(ana)
    page = repr([e.proto for e in ana.main]) + repr([e.proto for e in ana.sidebar]) + repr(live_data(ana))
    assert "Quixotic" not in page and seat_of(other).seat not in page
    assert live_data(ana)["kind"] == "playground"


# --- the board -------------------------------------------------------------------------------------------
def test_the_board_shows_each_students_run(apps, memory_store):
    teacher, code, key = start_class(apps)
    ana = join(apps, code, "Ana")
    ana.button(key="step").click()
    apps.rerun(ana)
    apps.rerun(teacher)
    data = live_data(teacher)
    assert data["charts"]["board"]["type"] == "board" and set(data["charts"]["board"]["luts"]) >= {"c2", "r"}
    frame = live_frame(teacher)
    assert isinstance(frame["rev"], int) and isinstance(frame["notice"], int), "as the socket sends it"
    (tile,) = frame["tiles"]
    assert tile["name"] == "Ana" and tile["params"] == 52 and tile["side"] == 34 and tile["lut"] == "c2"
    assert len(frame["blobs"][tile["blob"]]) == 34 * 34
    assert Config().dataset in tile["setup"]
    assert dict(frame["metrics"])["Students"] == "1"


# --- a store that cannot be reached ----------------------------------------------------------------------
def test_an_unreachable_store_is_said_in_words_and_playing_alone_works(apps, monkeypatch):
    hub = class_hub.shared()
    alone = apps.open()
    teacher, code, _ = start_class(apps)
    ana = join(apps, code, "Ana")

    def down(*_args, **_kwargs):
        raise StoreUnavailable("The classroom service (Redis at 127.0.0.1:1) cannot be reached: refused. "
                               "Playing alone still works.")

    for name in ("ping", "create", "board", "student", "info", "report_many", "versions"):
        monkeypatch.setattr(hub.store, name, down)
    apps.rerun(teacher)
    assert "cannot be reached" in teacher.error[0].value
    apps.rerun(ana)
    assert "cannot be reached" in ana.warning[0].value and ana.session_state[keys.CLASS_SEAT]
    for at in (alone, ana):
        at.button(key="step").click()
        apps.rerun(at)
        assert live_metrics(at)["Epoch"] == "1", "playing keeps working"
