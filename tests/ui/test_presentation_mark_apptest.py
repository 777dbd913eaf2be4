"""Presentation mode's marker (ui/theme.py): navigation.py draws it before the menu, first in the page and once,
as the session's last page run left it (its link on a first run); the page keeps it or takes it away. That the
menu then keeps its size from its first paint is tests/browser/test_screen.py's (the projector's load shift)."""

from __future__ import annotations

from streamlit.testing.v1 import AppTest

from ui import keys
from ui.theme import PRESENTATION_MARK


def marks(at: AppTest) -> list[str]:
    """Where the page has presentation mode's marker: "main 0" is the main area's first element."""
    found = []

    def walk(node, where: str) -> None:
        if getattr(getattr(node, "proto", None), "id", "").endswith(f"-{PRESENTATION_MARK}"):
            found.append(where)
        for index, child in getattr(node, "children", {}).items():
            walk(child, f"{where} {index}".strip())

    walk(at.main, "main")
    walk(at.sidebar, "sidebar")
    return found


def test_a_link_in_presentation_mode_has_the_marker_first_and_the_view_switch_takes_it_away(apps):
    at = apps.open({"presentation": "1"})
    assert marks(at) == ["main 0"]
    at.toggle(key=keys.widget("presentation")).set_value(False)
    apps.rerun(at)
    assert marks(at) == [], "the page takes the marker the run drew first away"
    apps.rerun(at)
    assert marks(at) == []
    at.toggle(key=keys.widget("presentation")).set_value(True)
    apps.rerun(at)
    assert marks(at) == ["main 0"], "the page draws it in the place held first"
    apps.rerun(at)
    assert marks(at) == ["main 0"], "drawn first and kept: once"


def test_every_page_decides_for_itself(apps):
    at = apps.open({"presentation": "1"})
    for page, wanted in (("compare", ["main 0"]), ("under_the_hood", ["main 0"]), ("classroom", []),
                         ("playground", ["main 0"])):
        apps.switch(at, page)
        assert marks(at) == wanted, page     # the Classroom's is the teacher's projector view


def test_a_plain_link_has_no_marker_and_a_lesson_link_can_ask_for_it(apps):
    assert marks(apps.open()) == []
    lesson = apps.open({"lesson": "tutorial", "step": "2", "presentation": "yes"}, page="lesson", first=True)
    assert marks(lesson) == ["main 0"]
    assert marks(apps.open({"presentation": "maybe"}, page="lesson", first=True)) == []
