"""What a page gets from outside, under AppTest: the live element's trigger values (clicks on the
boundary, edits and clicks in the network diagram) and the link's query parameters. Junk from a hand-made
client changes nothing and is told in one sentence; the page (and its live element) carries on."""

from __future__ import annotations

import math

import pytest

from tests.live_element import live_data, trigger

NAN, INF = math.nan, math.inf


def drawing(apps):
    """The Playground with "click to add class 0" picked."""
    at = apps.open()
    at.session_state["draw_mode"] = "0"
    return apps.rerun(at)


def n_points(at) -> int:
    data = at.session_state["run"].trainer.data
    return data.x_train.shape[0] + data.x_test.shape[0]


def toasts(at) -> list[str]:
    return [t.value for t in at.toast]


def test_a_click_inside_the_chart_draws_a_point(apps):
    at = drawing(apps)
    before = n_points(at)
    x_min, x_max, y_min, y_max = at.session_state["run"].trainer.data.bounds
    trigger(at, "click", {"x": (x_min + x_max) / 2, "y": (y_min + y_max) / 2})
    assert n_points(at) == before + 1 and not toasts(at)


@pytest.mark.parametrize("click, says", [
    ({"x": "abc", "y": 0.1}, "click's x is not a finite number"),
    ({"x": NAN, "y": 0.1}, "click's x is not a finite number"),
    ({"x": 0.1, "y": INF}, "click's y is not a finite number"),
    ({"x": -INF, "y": 0.1}, "click's x is not a finite number"),
    ({"x": True, "y": 0.1}, "click's x is not a finite number"),
    ({"x": 1e30, "y": 0.1}, "outside the chart"),
    ({"x": 0.1}, "did not come with x and y"),
    ("x=1,y=2", "did not come with x and y"),
    ([0.1, 0.2], "did not come with x and y"),
    (None, "did not come with x and y"),
])
def test_a_bad_click_draws_nothing_and_says_why(apps, click, says):
    at = drawing(apps)
    before, version = n_points(at), at.session_state["run"].version
    trigger(at, "click", click)
    assert n_points(at) == before and at.session_state["run"].version == version
    assert any(says in t for t in toasts(at)), toasts(at)
    assert live_data(at)["kind"] == "playground", "the live element is still there"


def test_points_stop_at_the_most_a_dataset_holds(apps, monkeypatch):
    from ui import own_data

    monkeypatch.setattr(own_data, "MAX_ROWS", 0)
    at = drawing(apps)
    before = n_points(at)
    x_min, x_max, y_min, y_max = at.session_state["run"].trainer.data.bounds
    trigger(at, "click", {"x": (x_min + x_max) / 2, "y": (y_min + y_max) / 2})
    assert n_points(at) == before and any("the most a dataset holds" in t for t in toasts(at))


@pytest.mark.parametrize("event, value, says", [
    ("edit", {"name": "W1[1,1]", "value": "1" * 41, "id": 1}, "not text of at most 40 characters"),
    ("edit", {"name": ["W1[1,1]"], "value": "1", "id": 1}, "weight's name is not text"),
    ("edit", {"name": "W1[1,1]", "value": "1", "id": "x"}, "edit's number is not a whole number"),
    ("edit", {"name": "W1[1,1]", "value": "1"}, "did not come with name, value and id"),
    ("feature", {"feature": "x9"}, "not one of x1, x2"),
    ("feature", {"feature": None}, "not one of x1, x2"),
    ("walk", {"id": 1.5}, "step's number is not a whole number"),
    ("walk", {"id": -1}, "step's number is not a whole number"),
    ("walk", "now", "did not come with id"),
])
def test_junk_in_the_diagram_changes_nothing_and_says_why(apps, event, value, says):
    at = apps.open()
    run, cfg = at.session_state["run"], at.session_state["cfg"]
    version = run.version
    trigger(at, event, value)
    assert run.version == version and at.session_state["cfg"] == cfg
    assert any(says in t for t in toasts(at)), toasts(at)


def test_an_edit_with_a_number_as_its_value_is_taken(apps):
    at = apps.open()
    trigger(at, "edit", {"name": "W1[1,1]", "value": 0.25, "id": 3})
    assert at.session_state["diagram_message"] == {"id": 3, "ok": True, "text": "W1[1,1] = 0.250"}


@pytest.mark.parametrize("step", ["²", "①", "٣", "1" * 5000, "-1", "1.0", " 2", "0x1"])
def test_a_lesson_step_that_is_not_a_plain_number_opens_step_1_and_says_so(apps, step):
    at = apps.open({"lesson": "tutorial", "step": step}, page="lesson", first=True)
    assert at.subheader[0].value.startswith("Step 1 of 4")
    assert "is not one of them" in at.warning[0].value and at.query_params["step"] == "1"


def test_a_lesson_name_from_the_link_is_shown_as_typed_not_as_markdown(apps):
    at = apps.open({"lesson": "[go](//evil.example/a)", "step": "1"}, page="lesson", first=True)
    note = at.warning[0].value
    assert "](" not in note and "\\[go\\]" in note


def test_a_link_with_thousands_of_unknown_settings_gets_one_note(apps):
    at = apps.open({f"junk{i}": "1" for i in range(900)})
    notes = at.session_state["url_notes"]
    assert notes == ["Ignored unknown settings 'junk0', 'junk1', 'junk2' and 897 more."]
