"""The Playground draws the knobs of issue 15 from the table: drop-downs past five choices (the activation on
the top bar), AdamW's weight decay only when AdamW is picked, and every new dataset among the pictures."""

from __future__ import annotations

from scratchnet.config import KNOBS
from tests.live_element import live_data, trigger


def keys(widgets) -> set[str]:
    return {w.key for w in widgets}


def test_ten_activations_and_six_optimizers_are_drop_downs_with_their_names(apps):
    at = apps.open()
    assert not at.exception
    activation = at.selectbox(key="w_activation")
    assert list(activation.options) == [KNOBS["activation"].show(a) for a in KNOBS["activation"].choices]
    assert "SiLU (swish)" in activation.options and "leaky ReLU" in activation.options
    assert len(at.sidebar.selectbox(key="w_optimizer").options) == 6
    segmented = keys(at.sidebar.segmented_control)
    assert {"w_norm", "w_schedule"} <= segmented and "w_activation" not in segmented
    assert "w_dropout" in keys(at.sidebar.select_slider)
    pictures = {item["name"] for item in live_data(at)["charts"]["picker"]["items"]}
    assert {"checkerboard", "stripes", "rings"} <= pictures


def test_weight_decay_shows_only_for_adamw_and_keeps_its_value(apps):
    at = apps.open({"weight_decay": "0.3"})
    assert "w_weight_decay" not in keys(at.sidebar.select_slider)
    at.sidebar.selectbox(key="w_optimizer").set_value("adamw").run()
    assert "w_weight_decay" in keys(at.sidebar.select_slider)
    assert at.session_state["cfg"].weight_decay == 0.3 and at.session_state["cfg"].optimizer == "adamw"


def test_rings_offer_the_classes_slider(apps):
    at = apps.open()
    trigger(at, "dataset", {"name": "rings", "id": 1})
    trigger(at, "knob", {"name": "classes", "value": 5, "id": 2})
    assert not at.exception
    cfg = at.session_state["cfg"]
    assert (cfg.dataset, cfg.classes) == ("rings", 5)
