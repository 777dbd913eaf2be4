"""The teacher's side of the Classroom under AppTest: a setup that hides every control, and what a
teacher is told when something cannot be done (kept beside the button pressed, in a teacher's words).

Students here are AppTest sessions of their own sharing this process's class store, as in
tests/ui/test_classroom_apptest.py; tests/browser/test_board.py runs the same in real browsers.
"""

from __future__ import annotations

import pytest

from classroom import hub as class_hub
from classroom.store import MemoryStore, StoreUnavailable
from scratchnet.config import KNOBS, Setup
from tests.ui.test_classroom_apptest import join, start_class
from ui import keys

LESSON = Setup().replace(dataset="spiral", hidden=(8, 8), activation="tanh", lr=0.03, optimizer="adam",
                         epochs=100_000, speed="max")
EVERY_CONTROL = [n for n in KNOBS["hide"].choices if n != "hide"]


@pytest.fixture(autouse=True)
def memory_store(monkeypatch):
    hub = class_hub.shared()
    monkeypatch.setattr(hub, "store", MemoryStore())
    return hub.store


def errors(at) -> list[str]:
    return [e.value for e in at.error]


def test_a_teacher_can_hide_every_control_in_a_setup_and_a_challenge(apps, memory_store):
    teacher, code, _ = start_class(apps, LESSON)
    ana, bo = join(apps, code, "Ana"), join(apps, code, "Bo")
    teacher.multiselect(key="class_hide").set_value(EVERY_CONTROL)       # "Select all"
    apps.rerun(teacher)
    teacher.button(key="class_send").click()
    apps.rerun(teacher)
    assert not errors(teacher), errors(teacher)
    sent = memory_store.info(code).setup
    assert sent is not None and sent["hide"].split(",") == EVERY_CONTROL
    assert any("Setup sent to class" in t.value for t in teacher.toast)
    assert "Your students have:" in "\n".join(c.value for c in teacher.caption)
    for student in (ana, bo):
        apps.rerun(student)
        cfg, view = student.session_state[keys.CONFIG], student.session_state[keys.VIEW]
        assert set(view.hide) == set(EVERY_CONTROL) and cfg.dataset == "spiral" and cfg.hidden == (8, 8)
        assert not student.sidebar.slider and not student.sidebar.select_slider and not student.sidebar.selectbox
        assert student.button(key="play"), "a student with every control hidden can still play"

    teacher.slider(key="class_target").set_value(80)
    teacher.button(key="class_set_challenge").click()
    apps.rerun(teacher)
    assert not errors(teacher), errors(teacher)
    assert memory_store.info(code).challenge.target == 0.8
    assert memory_store.info(code).setup["hide"].split(",") == EVERY_CONTROL


def test_a_teachers_errors_stay_beside_the_button_and_say_what_to_do(apps, memory_store, monkeypatch):
    teacher, code, key = start_class(apps, LESSON)
    teacher.button(key="class_send_message").click()                  # nothing typed
    apps.rerun(teacher)
    assert errors(teacher) == ["Type your message in the box first, then press Send message."]
    apps.rerun(teacher)
    assert errors(teacher), "the error stays until the next action, not a toast that vanishes"

    def down(*args, **kwargs):
        raise StoreUnavailable("The classroom service (Redis at redis:6379) cannot be reached: refused. "
                               "Playing alone still works.")

    monkeypatch.setattr(memory_store, "send_setup", down)
    teacher.button(key="class_send").click()
    apps.rerun(teacher)
    (said,) = errors(teacher)
    assert said.startswith("Nothing was sent:") and "Try again in a moment" in said

    monkeypatch.undo()
    apps.switch(teacher, "playground")
    memory_store.end(code, key)                                      # ended elsewhere (the teacher's other tab)
    teacher.button(key="class_send_from_playground").click()
    apps.rerun(teacher)
    (said,) = errors(teacher)
    assert said.startswith(f"Class {code} has ended") and "Start a new class on the Classroom page" in said


def test_a_setup_of_ones_own_points_says_what_to_do(apps):
    teacher, code, _ = start_class(apps, LESSON)
    teacher.session_state[keys.CONFIG] = LESSON.config.replace(dataset="custom")
    apps.rerun(teacher)
    assert teacher.button(key="class_send").disabled and teacher.button(key="class_set_challenge").disabled
    said = "\n".join(c.value for c in teacher.caption)
    assert "pick one of the datasets on your Playground first" in said


# --- one palette, named classes: "Your own data" ------------------------------------------------------------
ANIMALS = b"x1,x2,label\n" + b"".join(
    f"{i / 10:.1f},{(i * 7 % 10) / 10:.1f},{('bird', 'cat', 'dog')[i % 3]}\n".encode() for i in range(30))


def draw_buttons(at) -> list[str]:
    """The "Your own data" choices as shown: their icon (Streamlit keeps a leading one apart), then their text."""
    control = at.sidebar.segmented_control(key=keys.DRAW_MODE)
    return [f"{o.content_icon} {o.content}".strip() for o in control.proto.options]


DOT = ":material/circle:"           # coloured by the page's CSS (ui/theme.py): the class's palette colour


def test_own_data_offers_the_classes_the_data_has_in_their_colours(app):
    from scratchnet.draw.palette import CLASS_COLORS
    from ui.theme import PAGE_CSS

    assert draw_buttons(app) == [f"{DOT} class 0", f"{DOT} class 1", f"{DOT} + new class", "✕ erase"], \
        "moons has two classes: no 'class 2', and a new class is said to be one"
    app.sidebar.file_uploader(key="csv_upload").set_value(("animals.csv", ANIMALS, "text/csv")).run()
    assert draw_buttons(app) == [f"{DOT} bird", f"{DOT} cat", f"{DOT} dog", f"{DOT} + new class", "✕ erase"]
    for c, color in enumerate(CLASS_COLORS):         # the n-th button's dot in class n's colour
        assert (f'.st-key-{keys.DRAW_MODE} [role="radiogroup"] > button:nth-child({c + 1}) '
                f'[data-testid="stIconMaterial"] {{ color: {color};') in PAGE_CSS


def test_a_new_class_is_drawn_and_named(app):
    from tests.live_element import trigger

    app.sidebar.file_uploader(key="csv_upload").set_value(("animals.csv", ANIMALS, "text/csv")).run()
    app.sidebar.segmented_control(key=keys.DRAW_MODE).set_value("new").run()
    trigger(app, "click", {"x": 0.5, "y": 0.5})
    assert app.session_state[keys.RUN].trainer.data.n_classes == 4
    assert app.session_state[keys.CLASS_NAMES] == ("bird", "cat", "dog", "class 3")
    assert app.session_state[keys.DRAW_MODE] == "3", "the next clicks draw the new class too"
    assert draw_buttons(app)[3] == f"{DOT} class 3"


# --- the projector view ----------------------------------------------------------------------------------
def test_the_projector_view_is_the_board_with_what_a_student_needs_to_join(apps):
    from tests.live_element import live_data, trigger
    from ui.keys import CLASS_PROJECTOR as PROJECTOR

    teacher, code, _ = start_class(apps, LESSON)
    join(apps, code, "Ana")
    teacher.toggle(key=PROJECTOR).set_value(True)
    apps.rerun(teacher)
    wall = live_data(teacher)["charts"]["board"]["wall"]
    assert wall["code"] == code and wall["link"].endswith(f"/?class={code}") and "://" not in wall["link"]
    assert wall["qr"].startswith("data:image/png;base64,")
    assert not teacher.button, "nothing but the board (and its toggle, under it) on the teacher's page"
    assert teacher.toggle(key=PROJECTOR).value
    trigger(teacher, "projector", False)                            # the board's "Leave projector view"
    assert not teacher.toggle(key=PROJECTOR).value
    assert "wall" not in live_data(teacher)["charts"]["board"]
    assert teacher.button(key="class_send"), "the teacher's panels are back"
