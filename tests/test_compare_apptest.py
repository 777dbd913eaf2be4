"""The Compare page under AppTest: pick what to vary, train all at once, read the table."""

from __future__ import annotations

import json
import time
from pathlib import Path
from urllib.parse import parse_qsl, urlsplit

import pytest
from streamlit.testing.v1 import AppTest

from scratchnet.config import Config, from_mapping

APP = str(Path(__file__).resolve().parents[1] / "app.py")


def open_compare(query: dict[str, str] | None = None) -> AppTest:
    at = AppTest.from_file(APP, default_timeout=30)
    for k, v in (query or {}).items():
        at.query_params[k] = v
    at.run()
    at.switch_page("app_pages/compare.py").run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def sweep(at: AppTest):
    return at.session_state["sweep"]


def train_to_end(at: AppTest, timeout: float = 30.0) -> None:
    at.button(key="cmp_play").click().run()
    deadline = time.monotonic() + timeout
    while sweep(at).playing:
        assert time.monotonic() < deadline, "the comparison did not finish"
        time.sleep(0.2)
        at.run()
    at.run()
    assert not at.exception, [e.value for e in at.exception]


@pytest.fixture
def compare():
    at = open_compare({"epochs": "100"})
    yield at
    if "sweep" in at.session_state and at.session_state["sweep"] is not None:
        at.session_state["sweep"].pause()


def test_defaults_vary_the_learning_rate_over_the_playground_config(compare):
    at = compare
    assert at.selectbox(key="cmp_vary").value == "lr"
    runs = sweep(at).cfgs
    assert [c.lr for c in runs] == [0.003, 0.01, 0.03, 0.1, 0.3, 1.0, 3.0]
    assert all(c.replace(lr=0.07) == Config(epochs=100) for c in runs)
    assert len(sweep(at).sweep.stacks) == 1, "learning rates share one stacked network"


def test_train_all_fills_the_grid_the_losses_and_the_table(compare):
    at = compare
    train_to_end(at)
    frame = at.dataframe[0].value
    assert list(frame["run"]) == [f"lr={v:g}" for v in (0.003, 0.01, 0.03, 0.1, 0.3, 1.0, 3.0)]
    assert frame["train loss"].notna().all() and (frame["train accuracy"] <= 1).all()
    assert frame["train loss"].iloc[4] < frame["train loss"].iloc[0]          # lr 0.3 beats 0.003 in 100 epochs
    for link, run in zip(frame["open"], sweep(at).cfgs):         # each link reopens its own run
        query = dict(parse_qsl(urlsplit(link).query, strict_parsing=True))
        assert from_mapping(query, strict=True)[0] == run
    charts = {c.key: json.loads(json.loads(c.proto.json)["figure"]) for c in at.get("bidi_component") if c.key != "plotly_preload"}
    assert sum(t["type"] == "heatmap" for t in charts["compare_grid"]["data"]) == 7
    assert len(charts["compare_loss"]["data"]) == 7
    assert at.metric[0].value == "100 / 100"


@pytest.mark.parametrize("vary, values, stacks", [
    ("activation", ["relu", "tanh"], 2),
    ("optimizer", ["sgd", "adam"], 2),
    ("batch_size", [0, 16], 2),
])
def test_other_knobs_split_into_stacks_and_train(compare, vary, values, stacks):
    at = compare
    at.selectbox(key="cmp_vary").set_value(vary).run()
    at.multiselect(key=f"cmp_{vary}").set_value(values).run()
    assert [getattr(c, vary) for c in sweep(at).cfgs] == values
    assert len(sweep(at).sweep.stacks) == stacks
    train_to_end(at)
    assert len(at.dataframe[0].value) == len(values)


def test_hidden_sizes_and_seeds(compare):
    at = compare
    at.selectbox(key="cmp_vary").set_value("hidden").run()
    at.text_input(key="cmp_hidden").input("3; 6; 4,4; 999; ").run()
    assert [c.hidden for c in sweep(at).cfgs] == [(3,), (6,), (4, 4), ()]
    assert any("999" in w.value for w in at.warning)
    at.selectbox(key="cmp_vary").set_value("init_seed").run()
    at.slider(key="cmp_init_seed").set_value(16).run()
    assert len(sweep(at).cfgs) == 16 and len(sweep(at).sweep.stacks) == 1


def test_reset_and_open_on_the_playground(compare):
    at = compare
    train_to_end(at)
    at.button(key="cmp_reset").click().run()
    assert sweep(at).sweep.epoch == 0
    link = at.get("page_link")[0]
    assert "Open lr=0.003 on the Playground" in link.proto.label


def test_compare_runs_on_your_own_points():
    at = AppTest.from_file(APP, default_timeout=30)
    at.query_params["epochs"] = "50"
    at.run()
    rows = "x1,x2,label\n" + "".join(f"{i % 7},{i % 5},{'ab'[i % 2]}\n" for i in range(40))
    at.file_uploader(key="csv_upload").set_value(("mine.csv", rows.encode(), "text/csv")).run()
    assert at.session_state["cfg"].dataset == "custom"
    at.switch_page("app_pages/compare.py").run()
    assert not at.exception, [e.value for e in at.exception]
    assert sweep(at).points is at.session_state["own_data"]
    train_to_end(at)
    assert len(at.dataframe[0].value) == 7
    at.session_state["run"].pause()
