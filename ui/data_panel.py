"""The Playground's data column, drawn by the live element (TensorFlow Playground's DATA): the datasets as
pictures to click, then the few knobs that make the data (noise, points, train fraction, classes) and a
"New data" button.

They are parts of the live element (live/js/picker.js, live/js/knobs.js) rather than Streamlit widgets: drawn
with the element, they are on screen in its first paint, in the place the element gives them (beside the
network on a laptop, under it on a phone), and nothing moves when they arrive. A click or a slider's new
value is a trigger value of the element; the callbacks here set the knob's state in `st.session_state`
(`keys.widget(name)`), which `controls.read_setup` reads as it reads a widget's, so the run follows exactly
as if a Streamlit control had been used. Labels, help, bounds and grids come from the config table.
"""

from __future__ import annotations

import functools
import random
from collections.abc import Callable
from typing import Any

import streamlit as st

from scratchnet.config import CUSTOM, KNOBS, MULTICLASS_DATASETS, ConfigError, Setup, datasets_for
from scratchnet.data.datasets import DATASETS
from ui import events, keys
from ui.thumbnails import thumbnail_uris

PICTURES, KNOBS_PART = "picker", "knobs"     # the parts' names in the element
# The knobs under the pictures, in this order; the problem type is chosen by a picture (a regression
# dataset's picture switches to regression).
DATA_KNOBS = ("classes", "noise", "n_points", "train_fraction")
NEW_DATA = "seed"                             # "New data": a fresh seed
GENERATING = {"noise", "n_points", "seed"}   # what makes points: not for a learner's own points
OWN_DATA = "Your own data"                   # the sidebar's panel (ui/own_data.py) a button here opens


@functools.lru_cache(maxsize=8)
def _pictures(classes: int) -> dict[str, str]:
    return thumbnail_uris(classes)


def pictures_spec(setup: Setup) -> dict | None:
    """The datasets' pictures, grouped by problem type (none when a lesson link hides the dataset)."""
    cfg, view = setup.config, setup.view
    if not view.shows("dataset"):
        return None
    dataset, problem = KNOBS["dataset"], KNOBS["problem"]
    problems = problem.choices if view.shows("problem") else (cfg.problem,)
    pictures = _pictures(cfg.classes)
    items = [{"name": name, "label": dataset.show(name), "picture": pictures[name],
              "help": DATASETS[name].description, "group": problem.show(kind)}
             for kind in problems for name in datasets_for(kind)]
    return {"type": "picker", "label": dataset.label, "items": items, "selected": cfg.dataset}


def _values(name: str, value: Any) -> list:
    """The values a knob's slider steps through: its grid, or its bounds by its step (with `value` in them:
    a link may carry an off-grid value)."""
    k = KNOBS[name]
    if k.grid:
        values = list(k.grid)
    else:
        count = round((k.high - k.low) / k.step)
        number = int if k.kind == "int" else float
        values = [number(round(k.low + i * k.step, 10)) for i in range(count + 1)]
    return sorted(set(values) | {value})


def knobs_spec(setup: Setup) -> dict | None:
    """The data's knobs: each a slider over its values, as the config table describes it, and "New data"."""
    cfg, view = setup.config, setup.view
    own = cfg.dataset == CUSTOM
    names = [name for name in DATA_KNOBS if view.shows(name) and not (own and name in GENERATING)
             and (name != "classes" or cfg.dataset in MULTICLASS_DATASETS)]
    sliders = []
    for name in names:
        k, value = KNOBS[name], getattr(cfg, name)
        values = _values(name, value)
        sliders.append({"name": name, "label": k.label, "help": k.help, "values": values,
                        "shown": [k.show(v) for v in values], "index": values.index(value)})
    buttons = []
    if view.shows(NEW_DATA) and not own:
        buttons.append({"name": NEW_DATA, "label": "New data", "help": "Draw a fresh dataset of the same kind "
                        f"({KNOBS[NEW_DATA].label.lower()} {cfg.seed:,} now)."})
    if view.shows("dataset"):            # the own-data panel is in the sidebar: this opens it there
        buttons.append({"name": "own", "label": OWN_DATA, "opens": OWN_DATA,
                        "help": "Draw points on the chart, or upload a CSV file (in the sidebar)."})
    if not sliders and not buttons:
        return None
    return {"type": "knobs", "sliders": sliders, "buttons": buttons}


def parts(setup: Setup) -> dict[str, dict]:
    """The data column's parts for the element's charts, by name (those a lesson link leaves)."""
    out = {PICTURES: pictures_spec(setup), KNOBS_PART: knobs_spec(setup)}
    return {name: spec for name, spec in out.items() if spec is not None}


# --- what a click does (callbacks of the live element's triggers, read through ui/events.py) ----------------
def on_dataset(switch_problem: Callable[[], None]) -> None:
    """A dataset's picture: the dataset control's state, as the control would set it; a dataset of the other
    problem type switches the problem type first (`switch_problem`, the problem control's own callback)."""
    picked = events.fields(events.payload("dataset"), "dataset's picture", "name")["name"]
    pictured = {d: p for p in KNOBS["problem"].choices for d in datasets_for(p)}
    name = events.one_of(picked, tuple(pictured), "dataset")
    problem = pictured[name]
    if problem != st.session_state.get(keys.widget("problem")):
        st.session_state[keys.widget("problem")] = problem
        switch_problem()
    st.session_state[keys.widget("dataset")] = name


def on_knob() -> None:
    """A data knob's new value (or "New data"): validated by the config table, then the knob's state."""
    payload = events.fields(events.payload("knob"), "data knob's change", "name", "value")
    name = events.one_of(payload["name"], (*DATA_KNOBS, NEW_DATA), "data knob")
    if name == NEW_DATA:
        st.session_state[keys.widget(NEW_DATA)] = random.randrange(int(KNOBS[NEW_DATA].high))
        return
    value = events.number(payload["value"], f"{KNOBS[name].label.lower()}'s value")
    try:
        st.session_state[keys.widget(name)] = KNOBS[name].validate(value)
    except ConfigError as err:
        raise events.EventError(str(err)) from err
