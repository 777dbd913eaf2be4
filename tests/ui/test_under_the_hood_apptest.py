"""The "Under the hood" page under streamlit.testing.v1.AppTest: every tab for several configs,
every control, the gradient table within tolerance, the pitfall's None vs tensor, the LaTeX's
shapes, the hidden-space pickers and the history slider.

The page's tabs are lazy (only the open one runs), so each tab is opened by setting its key
`uth_tab` and running again, as a click would. The run never plays here: checkpoints come
from the page's Step button, which trains on the script thread (no waiting on the scheduler).
"""

from __future__ import annotations

import base64
import json
import re

import numpy as np
import pytest
from streamlit.testing.v1 import AppTest

from scratchnet.config import Config
from scratchnet.teach.gradcheck import ABS_TOL, REL_TOL
from tests.live_element import live_data, live_figure, trigger

TABS = ["Math & code", "One step, opened up", "Leaf-tensor pitfall", "Hidden space", "History"]
ERROR_COLUMNS = ("max |hand − autograd|", "relative (autograd)", "max |hand − finite diff|", "relative (finite diff)")


@pytest.fixture
def open_page(apps):
    """``open_page(query, first=False)``: the app with ``query`` in its address, on this page."""
    return lambda query=None, *, first=False: apps.open(query, page="under_the_hood", first=first)


def ok(at: AppTest) -> None:
    assert not at.exception, [e.value for e in at.exception]


def tab(at: AppTest, name: str) -> AppTest:
    at.session_state["uth_tab"] = name
    at.run()
    ok(at)
    return at


def latex(at: AppTest) -> str:
    return "\n".join(e.value for e in at.latex)


def frame(at: AppTest, first_column: str):
    return next(d.value for d in at.dataframe if d.value.columns[0] == first_column)


def figure(at: AppTest, key: str) -> dict:
    """A chart's figure: the history tab's live_chart elements, or a chart of the live element."""
    chart = next((c for c in at.get("bidi_component") if c.key == key), None)
    if chart is not None:
        return json.loads(json.loads(chart.proto.json)["figure"])
    return live_figure(at, key)


def assert_gradients_agree(at: AppTest, n_params: int) -> None:
    table = frame(at, "parameter")
    assert len(table) == n_params
    assert (table["ok"] == "✓").all(), table
    for _, row in table.iterrows():          # each comparison within tolerance, as the numbers shown
        assert row["max |hand − autograd|"] <= ABS_TOL or row["relative (autograd)"] <= REL_TOL
        assert row["max |hand − finite diff|"] <= ABS_TOL or row["relative (finite diff)"] <= REL_TOL
    assert table["max |hand − autograd|"].max() < 1e-12, "hand and autograd differ by rounding only"
    assert 0 < table["max |hand − finite diff|"].max() < 1e-7, "finite differences are close, not identical"


CONFIGS = {
    "default": ({}, Config()),
    "deep": ({"hidden": "6,5,4", "activation": "tanh", "optimizer": "adam", "regularization": "l2",
              "reg_rate": "0.01", "batch_size": "32"},
             Config(hidden=(6, 5, 4), activation="tanh", optimizer="adam", regularization="l2", reg_rate=0.01,
                    batch_size=32)),
    "regression": ({"dataset": "plane", "lr": "0.01", "optimizer": "momentum"},
                   Config(problem="regression", dataset="plane", lr=0.01, optimizer="momentum")),
    "multiclass": ({"dataset": "spiral", "classes": "3", "features": "x1,x2,x1sq", "hidden": "8,8"},
                   Config(dataset="spiral", classes=3, features=("x1", "x2", "x1sq"), hidden=(8, 8))),
}


@pytest.mark.parametrize("name", list(CONFIGS))
def test_every_tab_runs_and_shows_this_networks_shapes(open_page, name):
    query, expected = CONFIGS[name]
    at = open_page(query)
    cfg = at.session_state["cfg"]
    assert cfg == expected
    assert [t.label for t in at.tabs] == TABS
    assert at.caption[0].value == cfg.describe()

    # 1 + 2: the math with the real shapes, beside the tutorial-style code (and the engine's own source)
    n = 160 if cfg.batch_size == 0 else cfg.batch_size
    sizes = cfg.layer_sizes
    tex = latex(at)
    assert rf"{n}\times {sizes[0]}" in tex                                       # X
    for layer in range(1, len(sizes)):
        assert rf"W_{{{layer}}}}}_{{{sizes[layer - 1]}\times {sizes[layer]}}}" in tex
        assert rf"b_{{{layer}}}}}_{{1\times {sizes[layer]}}}" in tex
    assert rf"\in \mathbb{{R}}^{{{n}\times {sizes[-1]}}}" in tex                  # logits / prediction
    shapes = at.table[0].value
    assert shapes.loc["X", "shape"] == f"({n}, {sizes[0]})"
    assert shapes.loc[f"W{len(sizes) - 1}", "shape"] == f"({sizes[-2]}, {sizes[-1]})"
    if cfg.is_classification:
        assert r"\operatorname{LSE}" in tex and rf"\tfrac{{1}}{{{n}}}\,(P - Y)" in tex
    else:
        assert r"(\hat Y_i - Y_i)^2" in tex and rf"\tfrac{{2}}{{{n}}}\,(\hat Y - Y)" in tex
    if cfg.regularization == "l2":
        assert r"\lambda = 0.01" in tex and r"\lambda W_{1}" in tex
    assert {"adam": r"\beta_1", "momentum": r"\mu\, v", "sgd": r"\eta\,"}[cfg.optimizer] in tex
    code = "\n".join(c.value for c in at.code)
    assert "def forward(X):" in code and "Z1 = X @ W1 + b1" in code and "def update(grads):" in code
    assert ("def backward(X, Y, " in code) and ("loss.backward()" in code) == (cfg.backprop == "autograd")
    assert "def forward(net: Net, x: Tensor" in code and "def backward(net: Net" in code, "one click away"
    assert f"class {cfg.optimizer.capitalize() if cfg.optimizer != 'sgd' else 'SGD'}" in code
    assert [e.label for e in at.expander].count("How it is made fast") == 4

    # 3 - 6: every other tab renders for this config
    tab(at, "One step, opened up")
    assert_gradients_agree(at, 2 * min(len(sizes) - 1, 4))
    tab(at, "Leaf-tensor pitfall")
    tab(at, "Hidden space")
    hidden = figure(at, "hidden")
    assert [t["name"] for t in hidden["data"]] == ["grid: x₂ fixed", "grid: x₁ fixed", "data"]
    tab(at, "History")
    charts = {c.key for c in at.get("bidi_component")} - {"plotly_preload"}
    assert charts == {"uth_history_boundary", "uth_history_loss"}, "the live element is gone with its tab"


def test_a_learner_who_comes_here_first_gets_the_playgrounds_run(apps, open_page):
    at = open_page({"dataset": "xor", "hidden": "4,4"}, first=True)
    run = at.session_state["run"]
    assert run.cfg == at.session_state["cfg"] == Config(dataset="xor", hidden=(4, 4))
    assert r"W_{2}}_{4\times 4}" in latex(at)
    apps.switch(at, "playground")
    assert at.session_state["run"] is run, "the Playground takes the run made here"


def test_one_step_every_activation_and_penalty_passes_the_check(open_page):
    at = tab(open_page(), "One step, opened up")
    assert "with the run's weights at epoch 0" in " ".join(c.value for c in at.caption)
    for activation in ("tanh", "sigmoid", "linear", "relu", "sine"):
        at.selectbox(key="uth_step_act").set_value(activation).run()
        ok(at)
        assert_gradients_agree(at, 4)
        z1, h1 = (d.value.values for d in at.dataframe if d.value.columns[0] == "u1")
        assert z1.shape == h1.shape == (8, 10)
        hidden = h1                                                # H1 = f(Z1), as the picked activation
        if activation == "relu":
            assert (hidden == z1.clip(min=0)).all()
        if activation == "sigmoid":
            assert ((hidden > 0) & (hidden < 1)).all()
        if activation == "linear":
            assert (hidden == z1).all()
    for regularization in ("l1", "l2"):
        at.segmented_control(key="uth_step_reg").set_value(regularization).run()
        at.select_slider(key="uth_step_rate").set_value(0.1).run()
        ok(at)
        assert_gradients_agree(at, 4)
        penalty = next(m for m in at.metric if m.label == "Penalty")
        assert float(penalty.value) > 0
    outputs = frame(at, "z0")
    assert ((outputs["p0"] + outputs["p1"]) - 1).abs().max() < 1e-9, "softmax rows sum to one"
    at.segmented_control(key="uth_step_param").set_value("W2").run()
    ok(at)
    entries = frame(at, "entry")
    assert len(entries) == 10 * 2 and entries["entry"].iloc[0] == "W2[1,1]" and entries["entry"].iloc[-1] == "W2[10,2]"
    assert entries["hand − autograd"].abs().max() < 1e-12
    assert entries["hand − finite diff"].abs().max() < 1e-7


def test_one_step_on_a_large_network_uses_a_capped_copy(open_page):
    at = tab(open_page({"hidden": "64,64,64,64"}), "One step, opened up")
    assert "capped at 3 hidden layers of 8 units" in " ".join(c.value for c in at.caption)
    assert_gradients_agree(at, 8)


def test_the_pitfall_panel_shows_none_for_the_non_leaf_and_a_tensor_for_the_leaf(open_page):
    at = tab(open_page(), "Leaf-tensor pitfall")
    code = [c.value for c in at.code]
    wrong = code.index(next(c for c in code if "requires_grad=True) * 0.1" in c and "W.grad" in c))
    printed_wrong, printed_right = code[wrong + 1], code[wrong + 3]
    assert "W.is_leaf: False" in printed_wrong and "W.grad: None" in printed_wrong
    assert "MulBackward0" in printed_wrong
    assert "requires_grad_()" in code[wrong + 2]
    assert "W.is_leaf: True" in printed_right and "W.grad: tensor(" in printed_right
    assert "W.grad: tensor(" in code[wrong + 5]                               # scratchnet's init_net
    assert any("not a leaf Tensor" in w.value for w in at.warning)
    assert any("def init_net(" in c for c in code)


def test_hidden_space_layer_mode_and_unit_pickers(open_page):
    at = tab(open_page({"hidden": "5,3"}), "Hidden space")
    assert at.segmented_control(key="uth_mode").value == "projection (PCA)"
    layout = figure(at, "hidden")["layout"]
    assert layout["xaxis"]["title"]["text"].startswith("PC 1")
    assert figure(at, "plane")["layout"]["xaxis"]["title"]["text"] == "x₁"
    at.segmented_control(key="uth_mode").set_value("two units").run()
    at.selectbox(key="uth_unit_x").set_value(4).run()
    at.selectbox(key="uth_unit_y").set_value(2).run()
    ok(at)
    layout = figure(at, "hidden")["layout"]
    assert (layout["xaxis"]["title"]["text"], layout["yaxis"]["title"]["text"]) == ("unit 5", "unit 3")
    at.selectbox(key="uth_layer").set_value(2).run()                # 3 units: unit 5 no longer exists
    ok(at)
    assert at.selectbox(key="uth_unit_x").value < 3
    assert "hidden layer 2" in figure(at, "hidden")["layout"]["title"]["text"]


def test_hidden_space_without_hidden_layers_says_so(open_page):
    at = tab(open_page({"hidden": ""}), "Hidden space")
    assert any("no hidden layers" in i.value for i in at.info)


def test_history_slider_scrubs_back_through_checkpoints(open_page):
    at = tab(open_page(), "History")
    assert any("Only epoch 0" in i.value for i in at.info)
    at.button(key="uth_step").click().run()                        # the page's own Step button
    ok(at)
    assert at.select_slider(key="uth_epoch").options == ["0", "1"]
    for _ in range(11):
        at.session_state["run"].step()                              # (faster than 11 more reruns)
    at.run()
    slider = at.select_slider(key="uth_epoch")
    assert slider.options == [*map(str, range(11)), "12"], "every early epoch, then spaced out"
    assert slider.value == 12, "the slider follows the newest checkpoint until it is moved"
    newest = figure(at, "uth_history_boundary")["data"][0]["z"]["bdata"]
    slider.set_value(3).run()
    ok(at)
    assert next(m for m in at.metric if m.label == "Showing epoch").value == "3"
    loss = figure(at, "uth_history_loss")
    assert max(typed(loss["data"][0]["x"])) == 3, "the loss curve stops at the chosen epoch"
    assert loss["layout"]["xaxis"]["range"] == [0, 12] and loss["layout"]["shapes"][0]["x0"] == 3
    assert figure(at, "uth_history_boundary")["data"][0]["z"]["bdata"] != newest, "an earlier boundary"
    at.button(key="uth_step").click().run()
    assert at.select_slider(key="uth_epoch").value == 3, "a chosen epoch stays chosen while the run goes on"
    at.select_slider(key="uth_epoch").set_value(0).run()
    ok(at)
    at_zero = figure(at, "uth_history_loss")["data"]
    assert typed(at_zero[0]["x"]) == typed(at_zero[1]["x"]) == [0], "epoch 0: the untrained loss, as live"


def typed(value) -> list:
    """A plotly typed array ({"dtype", "bdata"}) or a plain list, as a list of numbers."""
    if isinstance(value, list):
        return value
    dtype = {"i4": np.int32, "f4": np.float32, "u1": np.uint8, "f8": np.float64}[value["dtype"]]
    return np.frombuffer(base64.b64decode(value["bdata"]), dtype=dtype).tolist()


def test_play_and_pause_drive_the_same_run_as_the_playground(open_page):
    at = tab(open_page({"epochs": "100000"}), "Hidden space")
    run = at.session_state["run"]
    at.button(key="uth_play").click().run()
    ok(at)
    assert run.playing and at.button(key="uth_play").label == "Pause"
    at.button(key="uth_play").click().run()
    ok(at)
    assert not run.playing and at.session_state["run"] is run
    assert at.button(key="uth_play")


def brought_into_view(at) -> list[str]:
    """The containers the page run asked the browser to scroll into view (ui/into_view.py's script)."""
    return [m.group(1) for h in at.get("html") for m in [re.search(r'querySelector\("\.st-key-([\w-]+)"\)',
                                                                    h.proto.body)] if m]


def test_the_opened_step_is_drawn_as_the_playgrounds_diagram_each_line_linked_to_its_entry(open_page):
    at = tab(open_page({"hidden": "5,3"}), "One step, opened up")
    data = live_data(at, "uth_step_diagram")
    chart, numbers = data["charts"]["diagram"], data["frame"]
    assert chart["mode"] == "gradients" and not chart["edit"]["enabled"] and chart["actions"] == {"select": True}
    names = [w[3] for w in chart["weights"]] + [b[2] for b in chart["biases"]]
    assert len(names) == 31 + 10 and "token" not in data                      # no socket: the numbers are here
    part = numbers["diagram"]
    grads = np.frombuffer(base64.b64decode(numbers["blobs"][part["grads"]]), dtype=np.float32)
    assert "on these 8 points" in part["grad"]["text"]
    trigger(at, "select", {"name": "W2[4,3]"}, key="uth_step_diagram")
    assert at.session_state["uth_step_param"] == "W2"
    entries = frame(at, "entry")
    assert entries["entry"].iloc[0] == "W2[4,3]", "the picked entry leads its table (a table shows ~10 rows)"
    assert sorted(entries["entry"]) == sorted(f"W2[{i},{j}]" for i in range(1, 6) for j in range(1, 4))
    assert brought_into_view(at) == ["uth_step_picked"]                  # the pick is scrolled to, once
    row = entries[entries["entry"] == "W2[4,3]"].iloc[0]
    assert float(grads[names.index("W2[4,3]")]) == pytest.approx(row["hand-written"], rel=1e-6)   # line = entry
    picked = live_data(at, "uth_step_diagram")
    assert picked["charts"]["diagram"]["selected"] == "W2[4,3]"
    assert any(m.value.startswith(f"**W2[4,3]** (the marked line, first in the table): hand-written "
                                  f"`{row['hand-written']:.8f}`") for m in at.markdown)
    at.run()
    assert brought_into_view(at) == [], "a later run leaves the scroll where the learner put it"
    trigger(at, "select", {"name": "b1[2]"}, key="uth_step_diagram")
    assert at.session_state["uth_step_param"] == "b1"
    trigger(at, "select", {"name": "W9[1,1]; x"}, key="uth_step_diagram")    # junk picks nothing
    assert at.session_state["uth_step_param"] == "b1"
    trigger(at, "select", {"name": "W9[1,1]"}, key="uth_step_diagram")       # nor does an entry of no network here
    assert at.session_state["uth_step_param"] == "W1" and not any("marked line" in m.value for m in at.markdown)
