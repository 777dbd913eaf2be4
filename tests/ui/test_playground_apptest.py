"""The Playground page under streamlit.testing.v1.AppTest: controls, play/step/pause/reset,
live knobs vs restarts, the link round trip, hostile links and divergence.

Training happens on the app's real training thread (live/scheduler.py), so "play a few epochs"
means: click Play, wait a moment, run the script again. AppTest opens no socket: the numbers and
charts are read from the first frame the page hands its live element (tests/live_element.py).
"""

from __future__ import annotations

import base64
import struct
import time

import numpy as np
import pytest
from streamlit.testing.v1 import AppTest

from scratchnet.config import CONFIG_KNOBS, KNOBS, Config, Setup, View
from tests.live_element import live_data, live_epoch, live_figure, live_frame, live_image, live_metrics, trigger


def cfg_of(at: AppTest) -> Config:
    return at.session_state["cfg"]


def view_of(at: AppTest) -> View:
    return at.session_state["view"]


def setup_of(at: AppTest) -> Setup:
    return Setup(cfg_of(at), view_of(at))


def live(at: AppTest):
    return at.session_state["run"]


def metric(at: AppTest, label: str) -> str:
    return live_metrics(at)[label]


def epoch(at: AppTest) -> int:
    return live_epoch(at)


def data_knobs(at: AppTest) -> dict[str, dict]:
    """The data column's sliders as the live element draws them (ui/data_panel.py), by knob name."""
    return {s["name"]: s for s in live_data(at)["charts"]["knobs"]["sliders"]}


def test_starts_with_the_tutorial_setup_and_every_control(app):
    at = app
    assert cfg_of(at) == Config()
    assert not at.title, "the screen is the Playground's: no page title above it"
    # the top bar: Play, Step, Reset, the knobs a learner turns most, the view
    for name in ("play", "step", "reset"):
        assert at.button(key=name).label
    assert at.select_slider(key="w_lr").label == "Learning rate (log scale)"
    assert at.selectbox(key="w_activation").label == "Activation"            # ten choices: a drop-down
    assert at.select_slider(key="w_speed").label == "Speed"
    for label in ("Show test data", "Discretize output", "Presentation mode"):
        assert label in {t.label for t in at.toggle}
    # the data column, drawn by the live element: pictures, then the data's knobs (labels and help from KNOBS)
    charts = live_data(at)["charts"]
    assert set(charts) == {"boundary", "loss", "diagram", "picker", "knobs"}   # the network replaced the units strip
    assert [i["name"] for i in charts["picker"]["items"]][:3] == ["moons", "blobs", "circle"]
    assert charts["picker"]["selected"] == Config().dataset
    knobs = data_knobs(at)
    assert list(knobs) == ["noise", "n_points", "train_fraction"]
    assert knobs["noise"]["label"] == KNOBS["noise"].label and knobs["noise"]["help"] == KNOBS["noise"].help
    assert knobs["noise"]["shown"][knobs["noise"]["index"]] == "0.22"
    assert [b["label"] for b in charts["knobs"]["buttons"]] == ["New data", "Your own data"]
    assert charts["knobs"]["buttons"][1]["opens"] == "Your own data", "it opens the sidebar's own-data panel"
    # the sidebar keeps the rest
    assert {"Layer 1 units"} <= {s.label for s in at.sidebar.slider}
    assert {"Epochs", "Batch size"} <= {s.label for s in at.sidebar.select_slider}
    segmented = {s.label for s in at.sidebar.segmented_control}
    assert {"Regularization", "Problem type", "Normalization", "Rate schedule"} <= segmented
    assert "Optimizer" in {s.label for s in at.sidebar.selectbox}
    assert "Input features" in {p.label for p in at.sidebar.pills}
    assert not {"w_noise", "w_lr", "w_activation", "w_speed"} & {w.key for w in at.sidebar.slider}
    assert {d.label for d in at.download_button} == {"Weights (JSON)", "Loss history (CSV)", "Figures (HTML)",
                                                    "Code (.py)", "Notebook (.ipynb)", "Download points (CSV)"}
    # the first control a learner sees in the sidebar is the tutorial's one knob of capacity
    assert at.sidebar.slider[0].label == "Layer 1 units"


def test_the_charts_carry_real_figures_and_a_first_frame(app):
    data = live_data(app)
    assert len(data["token"]) >= 43 and data["path"] == "live/ws"
    figure = live_figure(app, "boundary")
    points, *legend = figure["data"]
    assert points["mode"] == "markers" and points["name"] == "train"
    assert [t["name"] for t in legend] == ["class 0", "class 1"], "the legend names the classes"
    image = figure["layout"]["images"][0]
    assert image["source"].startswith("data:image/png;base64,") and image["layer"] == "below"
    png = base64.b64decode(image["source"].split(",", 1)[1])
    assert png[:8] == b"\x89PNG\r\n\x1a\n" and struct.unpack(">II", png[16:24]) == (100, 100)
    assert figure["layout"]["uirevision"].startswith("boundary") and figure["layout"]["datarevision"]
    codes = live_image(app, "boundary")                      # the same surface, as the socket sends it
    assert codes.shape == (100, 100) and 0 < codes.mean() < 255
    assert len(base64.b64decode(data["luts"]["boundary"])) == 256 * 3
    loss = next(c for c in live_frame(app)["curves"] if c["chart"] == "loss")
    assert loss["x"] == [[0], [0]] and loss["full"], "epoch 0: one point per curve, drawn as a marker"
    assert [t["mode"] for t in live_figure(app, "loss")["data"]] == ["lines+markers"] * 2
    assert [t["name"] for t in live_figure(app, "loss")["data"]] == ["train", "test"]
    diagram = live_frame(app)["diagram"]
    pictures = np.frombuffer(live_frame(app)["blobs"][diagram["pictures"]], dtype=np.uint8)
    assert pictures.size == (10 + 2) * diagram["res"] ** 2, "each hidden and output unit's picture"


def test_play_trains_pause_stops_step_adds_one_reset_goes_back(app, eventually):
    at = app
    at.sidebar.select_slider(key="w_epochs").set_value(100_000).run()
    at.button(key="play").click().run()
    assert live(at).playing
    eventually(lambda: epoch(at) > 20, rerun=at)
    assert at.button(key="play").label == "Pause"
    at.button(key="play").click().run()
    paused_at = epoch(at)
    time.sleep(0.3)
    at.run()
    assert epoch(at) == paused_at and not live(at).playing
    at.button(key="step").click().run()
    assert epoch(at) == paused_at + 1
    at.button(key="reset").click().run()
    assert epoch(at) == 0
    assert metric(at, "Train accuracy").endswith("%")


def test_while_a_steps_epochs_train_the_toolbar_shows_pause_which_cancels_them(apps, monkeypatch):
    """A Step on a network too big for one piece of work leaves its epoch to the training thread: meanwhile the
    run trains, so the toolbar shows Pause (which cancels the epochs left), and the frames say so (the page runs
    again when they are done)."""
    from live.run import LiveRun
    from scratchnet.train import pieces

    monkeypatch.setattr(pieces, "PIECE_MACS", 40_000)        # this network's epoch is many pieces
    monkeypatch.setattr(LiveRun, "work", lambda self, seconds: 0)   # and the thread never gets through them here
    at = apps.open(Config(hidden=(32, 32), n_points=400, batch_size=8).to_query())
    at.button(key="step").click().run()
    assert live(at).stepping and not live(at).playing
    assert at.button(key="play").label == "Pause" and live_frame(at)["stepping"]
    at.button(key="play").click().run()
    assert not live(at).stepping and epoch(at) == 0
    assert at.button(key="play").label == "Play" and not live_frame(at)["stepping"]


def test_a_run_stops_at_the_end_of_its_epochs_and_play_goes_on_from_there(apps, eventually):
    at = apps.open({"speed": "max"})                  # "auto" would watch 50 epochs for ~5 s
    at.sidebar.select_slider(key="w_epochs").set_value(50).run()
    at.toggle(key="w_show_test").set_value(True).run()
    at.button(key="play").click().run()
    eventually(lambda: not live(at).playing, rerun=at)
    assert epoch(at) == 50
    assert [s.value for s in at.success] == ["Trained to epoch 50. Play goes on to epoch 100; Reset starts over from "
                                             "epoch 0."]
    at.button(key="play").click().run()               # another round of 50, from the trained network
    assert 50 <= epoch(at)
    eventually(lambda: not live(at).playing, rerun=at)
    assert epoch(at) == 100 and live(at).trainer.history.epochs[-1] == 100
    assert "Play goes on to epoch 150" in at.success[0].value
    at.button(key="reset").click().run()
    assert epoch(at) == 0 and not at.success


def test_learning_rate_continues_the_run_architecture_restarts_it(app, eventually):
    at = app
    at.sidebar.select_slider(key="w_epochs").set_value(100_000).run()
    at.button(key="play").click().run()
    eventually(lambda: epoch(at) > 10, rerun=at)
    before = live(at)
    at.select_slider(key="w_lr").set_value(0.3).run()
    assert live(at) is before and before.cfg.lr == 0.3 and before.trainer.epoch > 10
    at.sidebar.slider(key="w_units_0").set_value(5).run()
    assert live(at) is not before and cfg_of(at).hidden == (5,)
    assert live(at).playing, "a restart keeps playing"
    assert not before.playing, "the replaced run no longer trains"
    assert "2 → 5 → 2" in " ".join(c.value for c in at.sidebar.caption)


@pytest.mark.parametrize("widget, value, field, expected", [
    ("knob:noise", 0.4, "noise", 0.4),                     # the data column: the live element's own sliders
    ("knob:train_fraction", 0.5, "train_fraction", 0.5),
    ("knob:n_points", 500, "n_points", 500),
    ("main.select_slider:w_lr", 0.3, "lr", 0.3),           # the top bar
    ("main.selectbox:w_activation", "tanh", "activation", "tanh"),          # ten choices: a drop-down
    ("main.selectbox:w_activation", "gelu", "activation", "gelu"),
    ("main.select_slider:w_speed", "max", "speed", "max"),
    ("sidebar.select_slider:w_batch_size", 32, "batch_size", 32),
    ("sidebar.selectbox:w_optimizer", "adamw", "optimizer", "adamw"),
    ("sidebar.segmented_control:w_norm", "layer", "norm", "layer"),
    ("sidebar.segmented_control:w_schedule", "cosine", "schedule", "cosine"),
    ("sidebar.select_slider:w_dropout", 0.3, "dropout", 0.3),
    ("sidebar.segmented_control:w_regularization", "l2", "regularization", "l2"),
    ("sidebar.pills:w_features", ["x1", "x2", "x1sq"], "features", ("x1", "x2", "x1sq")),
])
def test_each_control_changes_its_setting(app, widget, value, field, expected):
    kind, key = widget.split(":")
    if kind == "knob":
        trigger(app, "knob", {"name": key, "value": value, "id": 1})
    else:
        place, kind = kind.split(".")
        getattr(app.sidebar if place == "sidebar" else app, kind)(key=key).set_value(value).run()
    assert not app.exception
    assert setup_of(app).get(field) == expected
    assert app.query_params[field] == KNOBS[field].format(expected)


def test_a_data_knob_takes_only_what_the_config_table_allows(app):
    trigger(app, "knob", {"name": "noise", "value": 7, "id": 1})              # out of range: said, not set
    assert cfg_of(app).noise == KNOBS["noise"].default
    assert "noise=7" in " ".join(t.value for t in app.toast)
    trigger(app, "knob", {"name": "lr", "value": 1.0, "id": 2})               # not a data knob: ignored
    trigger(app, "knob", {"name": "noise", "value": True, "id": 3})
    assert cfg_of(app).lr == KNOBS["lr"].default and cfg_of(app).noise == KNOBS["noise"].default
    seed = cfg_of(app).seed
    trigger(app, "knob", {"name": "seed", "value": "new", "id": 4})           # "New data": a fresh seed
    assert cfg_of(app).seed != seed and data_knobs(app)["noise"]["label"] == "Noise"


def test_dataset_pictures_layers_and_problem_type(app):
    at = app
    trigger(at, "dataset", {"name": "spiral", "id": 1})
    assert cfg_of(at).dataset == "spiral" and live_data(at)["charts"]["picker"]["selected"] == "spiral"
    assert "classes" in data_knobs(at), "a dataset of any number of classes offers the classes knob"
    trigger(at, "knob", {"name": "classes", "value": 4, "id": 2})
    assert cfg_of(at).classes == 4 and live(at).trainer.data.n_classes == 4
    trigger(at, "dataset", {"name": "xor", "id": 3})
    assert cfg_of(at).dataset == "xor" and cfg_of(at).classes == 2 and "classes" not in data_knobs(at)
    trigger(at, "dataset", {"name": "imagenet", "id": 4})                     # no such picture: nothing changes
    assert cfg_of(at).dataset == "xor"
    trigger(at, "shape", {"hidden": [10, 10], "id": 5})                      # + for layers on the diagram
    assert cfg_of(at).hidden == (10, 10)
    trigger(at, "dataset", {"name": "plane", "id": 6})      # a regression dataset's picture: regression
    assert cfg_of(at).problem == "regression" and cfg_of(at).dataset == "plane"
    assert cfg_of(at).lr <= 0.01
    assert "Train accuracy" not in live_metrics(at)
    trigger(at, "dataset", {"name": "circle", "id": 7})     # and back
    assert cfg_of(at).problem == "classification" and cfg_of(at).dataset == "circle"


def test_the_link_round_trips_the_whole_config(apps):
    wanted = Setup().replace(dataset="circle", hidden=(6, 3), activation="tanh", lr=0.003, optimizer="momentum",
                             batch_size=16, regularization="l1", reg_rate=0.001, noise=0.3, seed=9,
                             features=("x1", "x2", "x1x2"), epochs=2000, show_test=True, speed="max")
    at = apps.open(wanted.to_query())
    assert setup_of(at) == wanted
    assert not at.session_state["url_notes"]
    assert at.sidebar.slider(key="w_units_1").value == 3
    assert dict(at.query_params) == wanted.to_query()
    link = setup_of(at).to_query()
    again = apps.open(link)
    assert setup_of(again) == wanted


@pytest.mark.parametrize("query", [
    {"lr": "1000"},                                  # out of range: clamped
    {"hidden": "8,9999,-3"},                         # malformed list
    {"epochs": "1e400"},                             # a huge number
    {"noise": "nan"},
    {"dataset": "imagenet", "bogus": "1"},           # unknown value and unknown key
    {"classes": "7"},                                # not possible for moons
    {"features": ""},
    {"seed": "-1", "n_points": "abc", "activation": "<script>"},
    {"[x](http://evil.example)": "1", "**bold**": "2"},         # notes quote the link: shown as plain text
])
def test_a_hostile_link_gives_notes_not_an_exception(apps, query):
    at = apps.open(query)
    notes = at.session_state["url_notes"]
    assert notes, f"no note for {query}"
    shown = [t.value for t in at.text]
    assert all(f"• {n}" in shown for n in notes)
    Config(**{k: getattr(cfg_of(at), k) for k in CONFIG_KNOBS})     # the result is a valid config


def test_divergence_stops_with_a_plain_message_and_readable_charts(apps, eventually):
    at = apps.open({"dataset": "plane", "problem": "regression", "lr": "10", "hidden": "64,64", "epochs": "5000",
                    "speed": "max"})
    at.button(key="play").click().run()
    eventually(lambda: not live(at).playing, rerun=at)
    assert live(at).trainer.stopped == "diverged"
    message = " ".join(e.value for e in at.error)
    assert "diverged" in message and "learning rate" in message.lower()
    loss = next(c for c in live_frame(at)["curves"] if c["chart"] == "loss")
    train = loss["y"][0]
    assert train and all(isinstance(v, float) for v in train), \
        "the loss curve keeps the epochs before the blow-up (finite numbers, not a wall of infinities)"
    assert live_image(at, "boundary").std() > 0, "the boundary shows the last network that was still finite"


def test_two_sessions_are_independent(apps):
    a, b = apps.open(), apps.open()
    a.sidebar.slider(key="w_units_0").set_value(3).run()
    b.run()
    assert cfg_of(a).hidden == (3,) and cfg_of(b).hidden == (10,)
    assert live(a) is not live(b)


def test_a_lesson_link_hides_the_chosen_controls(apps):
    at = apps.open({"hide": "lr,activation,batch_size,dataset", "presentation": "1"})
    keys = ({w.key for w in at.sidebar.select_slider} | {w.key for w in at.sidebar.segmented_control}
            | {w.key for w in at.sidebar.selectbox})
    assert "w_lr" not in keys and "w_activation" not in keys and "w_batch_size" not in keys
    assert "w_epochs" in keys and "w_optimizer" in keys
    assert not {w.key for w in at.select_slider} & {"w_lr"} and not {w.key for w in at.selectbox} & {"w_activation"}
    assert "picker" not in live_data(at)["charts"], "dataset pictures hidden"
    assert view_of(at).hide == ("dataset", "activation", "lr", "batch_size")
    assert at.query_params["hide"] == "dataset,activation,lr,batch_size"


def test_the_lesson_link_builder_makes_such_a_link(apps, app):
    at = app
    at.multiselect(key="lesson_hide").set_value(["lr", "noise"]).run()
    at.checkbox(key="lesson_presentation").check().run()
    link = next(c.value for c in at.code if "hide=noise" in c.value)
    assert "hide=noise%2Clr" in link and "presentation=1" in link
    assert view_of(at).hide == (), "building a link does not hide anything for the teacher"
    query = dict(part.split("=", 1) for part in link.split("?", 1)[1].split("&"))
    at2 = apps.open({k: v.replace("%2C", ",") for k, v in query.items()})
    assert view_of(at2).hide == ("noise", "lr") and view_of(at2).presentation
