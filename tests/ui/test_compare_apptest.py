"""The Compare page under AppTest: pick what to vary, train all at once, read the table."""

from __future__ import annotations

import re
import time
from urllib.parse import parse_qsl, urlsplit

import pytest
from streamlit.testing.v1 import AppTest

from scratchnet.config import Config, Setup, View, from_mapping
from scratchnet.train.pace import watch_epochs
from tests.live_element import live_figure, live_frame, live_metrics


def table(at: AppTest) -> list[dict]:
    """The live table's rows, as the page's first frame has them."""
    return live_frame(at)["table"]


def sweep(at: AppTest):
    return at.session_state["sweep"]


@pytest.fixture
def train_to_end(eventually):
    """Press Train all and wait until every run has finished."""

    def train(at: AppTest) -> None:
        at.button(key="cmp_play").click().run()
        eventually(lambda: not sweep(at).playing, rerun=at, timeout=30, what="the comparison finishing")

    return train


@pytest.fixture
def compare(apps):
    return apps.open({"epochs": "100", "speed": "max"}, page="compare")


def test_defaults_vary_the_learning_rate_over_the_playground_config(compare):
    at = compare
    assert at.selectbox(key="cmp_vary").value == "lr"
    runs = sweep(at).cfgs
    assert [c.lr for c in runs] == [0.003, 0.01, 0.03, 0.1, 0.3, 1.0, 3.0]
    assert all(c.replace(lr=Config().lr) == Config(epochs=100) for c in runs) and sweep(at).speed == "max"
    assert len(sweep(at).sweep.stacks) == 1, "learning rates share one stacked network"


def test_train_all_fills_the_grid_the_losses_and_the_table(compare, train_to_end):
    at = compare
    train_to_end(at)
    rows = table(at)
    assert [r["run"] for r in rows] == [f"lr={v:g}" for v in (0.003, 0.01, 0.03, 0.1, 0.3, 1.0, 3.0)]
    assert all(r["train loss"] is not None and 0 <= r["train accuracy"] <= 1 for r in rows)
    assert rows[4]["train loss"] < rows[0]["train loss"]                     # lr 0.3 beats 0.003 in 100 epochs
    for row, run in zip(rows, sweep(at).cfgs):                  # each link reopens its own run
        query = dict(parse_qsl(urlsplit(row["open"]).query, strict_parsing=True))
        assert from_mapping(query, strict=True)[0] == Setup(run, View(speed="max"))
    grid = live_figure(at, "grid")
    assert len(grid["layout"]["images"]) == 7 and not any(t["type"] == "heatmap" for t in grid["data"])
    assert len([i for i in live_frame(at)["images"] if i["chart"] == "grid"]) == 7
    assert len(live_figure(at, "losses")["data"]) == 7
    curves = live_frame(at)["curves"][0]
    assert curves["full"] and all(xs == list(range(1, 101)) for xs in curves["x"])
    assert live_metrics(at)["Epoch"] == "100 / 100"


def test_each_tile_says_its_accuracy_in_its_runs_own_colour(compare, train_to_end):
    at = compare
    titles = [a["text"] for a in live_figure(at, "grid")["layout"]["annotations"]]
    assert re.search(r"</span> lr=0\.003 · <b>\d+%</b>$", titles[0]), titles[0]      # the accuracy from epoch 0
    train_to_end(at)
    rows = table(at)
    shown = [i["title"] for i in live_frame(at)["images"] if i["chart"] == "grid"]
    for title, row in zip(shown, rows):
        assert f"{row['run']} · <b>{row['test accuracy']:.0%}</b>" in title or (
            row["diverged at"] is not None and title.endswith(f"{row['run']} · diverged"))
    colours = [trace["line"]["color"] for trace in live_figure(at, "losses")["data"]]
    assert len(set(colours)) == 7, "every run its own colour (lr=0.003 and lr=3 shared one)"
    for title, colour in zip(shown, colours):
        assert f"color:{colour}" in title                  # the tile's swatch is its loss curve's colour


def test_train_all_is_watched_at_the_playgrounds_pace(apps, eventually):
    at = apps.open({"epochs": "300"}, page="compare")     # Speed auto, the default
    at.button(key="cmp_play").click().run()
    time.sleep(1.5)
    assert sweep(at).playing and 1 <= sweep(at).sweep.epoch <= watch_epochs(3.0)   # not 300 epochs in a second
    eventually(lambda: sweep(at).sweep.epoch >= watch_epochs(2.0), rerun=at, timeout=15, what="the pace going on")
    at.button(key="cmp_play").click().run()                  # Pause now


@pytest.mark.parametrize("vary, values, stacks", [
    ("activation", ["relu", "tanh"], 2),
    ("optimizer", ["sgd", "adam"], 2),
    ("batch_size", [0, 16], 2),
])
def test_other_knobs_split_into_stacks_and_train(compare, train_to_end, vary, values, stacks):
    at = compare
    at.selectbox(key="cmp_vary").set_value(vary).run()
    at.multiselect(key=f"cmp_{vary}").set_value(values).run()
    assert [getattr(c, vary) for c in sweep(at).cfgs] == values
    assert len(sweep(at).sweep.stacks) == stacks
    train_to_end(at)
    assert len(table(at)) == len(values)


def test_hidden_sizes_and_seeds(compare):
    at = compare
    at.selectbox(key="cmp_vary").set_value("hidden").run()
    at.text_input(key="cmp_hidden").input("3; 6; 4,4; 999; ").run()
    assert [c.hidden for c in sweep(at).cfgs] == [(3,), (6,), (4, 4), ()]
    assert any("999" in w.value for w in at.warning)
    at.selectbox(key="cmp_vary").set_value("init_seed").run()
    at.slider(key="cmp_init_seed").set_value(16).run()
    assert len(sweep(at).cfgs) == 16 and len(sweep(at).sweep.stacks) == 1


def test_reset_and_open_on_the_playground(compare, train_to_end):
    at = compare
    train_to_end(at)
    at.button(key="cmp_reset").click().run()
    assert sweep(at).sweep.epoch == 0
    link = at.get("page_link")[0]
    assert "Open lr=0.003 on the Playground" in link.proto.label


def test_compare_runs_on_your_own_points(apps, train_to_end):
    at = apps.open({"epochs": "50"})
    rows = "x1,x2,label\n" + "".join(f"{i % 7},{i % 5},{'ab'[i % 2]}\n" for i in range(40))
    at.file_uploader(key="csv_upload").set_value(("mine.csv", rows.encode(), "text/csv")).run()
    assert at.session_state["cfg"].dataset == "custom"
    apps.switch(at, "compare")
    assert sweep(at).points is at.session_state["own_data"]
    train_to_end(at)
    assert len(table(at)) == 7
