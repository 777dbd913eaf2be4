"""The Playground's network diagram under AppTest: what its clicks do through the page's callbacks
(ui/diagram_actions.py). The browser's clicks are simulated as the element's trigger values
(tests/live_element.py `trigger`); the browser itself is tested in tests/browser/test_diagram.py."""

from __future__ import annotations

import json

import numpy as np
import pytest

from scratchnet.config import Config, Setup, View
from tests.live_element import live_data, live_frame, trigger

NETWORK = Config(hidden=(5, 3))


@pytest.fixture
def page(apps):
    return apps.open(NETWORK.to_query())


def diagram_chart(at):
    return live_data(at)["charts"]["diagram"]


def shown_value(at, name: str) -> float:
    """A weight or bias as the page's first frame carries it to the diagram."""
    chart, frame = diagram_chart(at), live_frame(at)
    names = [w[3] for w in chart["weights"]] + [b[2] for b in chart["biases"]]
    values = np.frombuffer(frame["blobs"][frame["diagram"]["values"]], dtype=np.float32)
    return float(values[names.index(name)])


def test_the_diagram_names_the_31_weights_and_10_biases_of_a_2_5_3_2_network(page):
    chart = diagram_chart(page)
    assert len(chart["weights"]) == 31 and len(chart["biases"]) == 10
    assert chart["edit"]["enabled"] and chart["toggles"] and chart["actions"] == {"walk": True}
    net = page.session_state["run"].trainer.net
    assert shown_value(page, "W1[2,3]") == float(net.weights[0].detach()[1, 2])
    assert shown_value(page, "b2[1]") == float(net.biases[1].detach()[0, 0])


def test_an_edit_through_the_page_lands_in_the_run_and_the_weights_file(page):
    trigger(page, "edit", {"name": "W2[1,2]", "value": "0.5", "id": 1})
    run = page.session_state["run"]
    assert float(run.trainer.net.weights[1].detach()[0, 1]) == 0.5
    assert diagram_chart(page)["message"] == {"id": 1, "ok": True, "text": "W2[1,2] = 0.500"}
    assert shown_value(page, "W2[1,2]") == 0.5                       # the frame the page drew with it
    assert json.loads(run.run_file_json())["weights"][1][0][1] == 0.5   # what "Weights (JSON)" downloads


@pytest.mark.parametrize("value, says", [("abc", "'abc' is not a number. W2[1,2] is unchanged."),
                                         ("1e9", "1e9 is out of range: a value must be from -100 to 100. "
                                                 "W2[1,2] is unchanged.")])
def test_a_bad_value_gets_a_message_and_changes_nothing(page, value, says):
    run = page.session_state["run"]
    before = [p.detach().clone() for p in run.trainer.net.params]
    version = run.version
    trigger(page, "edit", {"name": "W2[1,2]", "value": value, "id": 2})
    assert diagram_chart(page)["message"] == {"id": 2, "ok": False, "text": says}
    assert all(np.array_equal(a, b.detach()) for a, b in zip(before, run.trainer.net.params))
    assert run.version == version


def test_an_input_clicked_in_the_diagram_turns_on_and_off(page):
    trigger(page, "feature", {"feature": "x1sq", "id": 1})
    cfg = page.session_state["cfg"]
    assert cfg.features == ("x1", "x2", "x1sq") and cfg.layer_sizes == (3, 5, 3, 2)
    assert page.query_params["features"] == "x1,x2,x1sq"             # as if the features control was used
    assert page.session_state["run"].trainer.net.weights[0].shape == (3, 5)
    inputs = diagram_chart(page)["columns"][0]["units"]
    assert [u["feature"] for u in inputs if u["active"]] == ["x1", "x2", "x1sq"]
    assert len(diagram_chart(page)["weights"]) == 3 * 5 + 15 + 6
    trigger(page, "feature", {"feature": "x1", "id": 2})
    trigger(page, "feature", {"feature": "x2", "id": 3})
    assert page.session_state["cfg"].features == ("x1sq",)
    trigger(page, "feature", {"feature": "x1sq", "id": 4})             # the last one stays on, and says why
    assert page.session_state["cfg"].features == ("x1sq",)
    assert [t.value for t in page.toast] == ["The network needs at least 1 input feature: turn another one on "
                                             "first."]


def test_a_lesson_that_hides_the_features_control_keeps_the_inputs_as_they_are(apps):
    at = apps.open(Setup(NETWORK, View(hide=("features",))).to_query())
    chart = diagram_chart(at)
    assert not chart["toggles"] and [u["feature"] for u in chart["columns"][0]["units"]] == ["x1", "x2"]


def test_step_slowly_takes_one_step_and_hands_its_stages_to_the_diagram_once(page):
    trigger(page, "walk", {"id": 17})
    run = page.session_state["run"]
    assert run.trainer.epoch == 1 and not run.playing
    walk = diagram_chart(page)["walk"]
    assert walk["id"] == 17 and walk["points"] == 160 and len(walk["stages"]) == 2 * 3 + 2
    assert walk["stages"][0]["shapes"] == "(160×2)·(2×5) + (1×5) → (160×5)"
    assert "walk" not in diagram_chart(page.run())                    # a later page run does not start it again


def test_junk_from_the_browser_changes_nothing(page):
    run = page.session_state["run"]
    version = run.version
    for event, value in (("edit", "W1[1,1]=3"), ("edit", {"name": 5, "value": "1"}), ("feature", {"feature": "x9"}),
                         ("walk", {"id": "soon"})):
        trigger(page, event, value)
    assert run.version == version and page.session_state["cfg"] == NETWORK
