"""User-written text in the Classroom is shown as typed: a student's name (or a teacher's message) that is
markdown, a link, an image or HTML never acts as one, in any toast, markdown, caption or alert of the
teacher's or the student's pages (AppTest), and the board sets names as text (its frame carries them raw:
live/js/board.js writes textContent)."""

from __future__ import annotations

import re

import pytest

from tests.live_element import live_frame, trigger
from tests.ui.test_classroom_apptest import (  # noqa: F401 (memory_store: a fixture)
    join,
    memory_store,
    remove_students,
    seat_of,
    start_class,
)
from ui.markdown import escape

HOSTILE = ["![](//host/x)", "[go](//host/a)", "<a href=//h.io>x</a>", ":red[big] $x$ **b**",
           "www.evil.example", "a@evil.example"]


def shown_texts(at) -> list[str]:
    """Everything the page renders as markdown: markdown, captions, alerts, toasts, titles, expander labels."""
    kinds = ("markdown", "caption", "info", "warning", "error", "success", "toast", "title", "subheader", "header")
    texts = [e.value for kind in kinds for e in at.get(kind)]
    texts += [e.proto.expandable.label for e in at.get("expandable") if hasattr(e.proto, "expandable")]
    return [str(t) for t in texts]


def assert_never_raw(at, name: str) -> None:
    for text in shown_texts(at):
        assert name not in text, f"{name!r} shown as markdown in {text!r}"


@pytest.mark.parametrize("name", HOSTILE)
def test_a_students_name_is_text_in_the_teachers_toasts_and_pages(apps, name):
    teacher, code, _ = start_class(apps)
    student = join(apps, code, name)
    assert_never_raw(student, name)
    apps.switch(student, "classroom")
    assert_never_raw(student, name)
    apps.switch(student, "playground")
    student.button(key="step").click()
    apps.rerun(student)
    apps.rerun(teacher)
    (tile,) = live_frame(teacher)["tiles"]
    assert tile["name"] == name, "the board's frame carries the name as it is (the board sets it as text)"
    assert_never_raw(teacher, name)
    # "Open on my Playground" on the board: the toast names the student
    trigger(teacher, "open", tile["seat"])
    toasts = [t.value for t in teacher.toast]
    assert toasts == [f"{escape(name)}'s setup is on your Playground: press Play to run it."], toasts
    assert_never_raw(teacher, name)
    # removing them: the toast names the student
    apps.switch(teacher, "classroom")
    remove_students(apps, teacher, [seat_of(student).seat])
    assert [t.value for t in teacher.toast] == [f"{escape(name)} was removed from the class."]
    assert_never_raw(teacher, name)


def test_the_escape_leaves_nothing_that_markdown_acts_on():
    for name in HOSTILE:
        text = escape(name)
        for raw in ("![", "](", "<a", ":red[", "$x", "**", "www.", "a@"):
            assert not re.search(r"(?<!\\)" + re.escape(raw), text), (name, text)
    assert escape("see https://example.org", links=True).count("\u200b") == 0, "a teacher's link stays a link"
    assert "\u200b" in escape("see https://example.org")
