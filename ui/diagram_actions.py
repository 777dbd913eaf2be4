"""The network diagram on a page: its part of the live element and what clicking in it does.

A click in the diagram is a trigger value of the page's live element (live/js/diagram.js sends it); the
callbacks here turn it into a change: an edited weight (`LiveRun.set_entry`, under the run's lock), an
input feature turned on or off (the features control's state, so the config changes as if the control
had been used), a layer or a unit more or fewer (the layer controls' state, likewise), or one step opened up
for "Step slowly". The pure parts are in live/diagram.py.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import streamlit as st

from live.diagram import walk_spec
from scratchnet.config import FEATURES, KNOBS, ConfigError
from ui import events, keys, session

FEATURES_KNOB = KNOBS["features"]
HIDDEN_KNOB = KNOBS["hidden"]


def on_edit() -> None:
    """A learner typed a new value for a weight or bias: set it, or say why not (nothing changes)."""
    payload, run = events.fields(events.payload("edit"), "edit", "name", "value", "id"), session.run()
    name, text = events.text(payload["name"], "weight's name"), events.text(payload["value"], "typed value")
    edit_id = events.whole(payload["id"], "edit's number")
    if run is None:
        return
    try:
        stored = run.set_entry(name, text)
    except ValueError as err:
        message = {"ok": False, "text": f"{err}. {name[:20]} is unchanged."}
    else:
        message = {"ok": True, "text": f"{name} = {stored:.3f}"}
    st.session_state[keys.DIAGRAM_MESSAGE] = {"id": edit_id, **message}


def toggled(current: Sequence[str], feature: str) -> tuple[str, ...]:
    """The input features with `feature` turned on or off (ConfigError if none would be left)."""
    return FEATURES_KNOB.validate([f for f in FEATURES if (f in current) != (f == feature)])


def on_feature() -> None:
    """A click on an input feature: on or off, as the features control would set it."""
    feature = events.one_of(events.fields(events.payload("feature"), "click on a feature", "feature")["feature"],
                            FEATURES, "input feature")
    widget = keys.widget("features")
    current = st.session_state.get(widget) or session.config().features
    try:
        st.session_state[widget] = list(toggled(current, feature))
    except ConfigError:
        least = FEATURES_KNOB.min_items
        st.session_state[keys.TOAST] = (f"The network needs at least {least} input feature"
                                        f"{'s' if least > 1 else ''}: turn another one on first.")


def on_shape() -> None:
    """+ or − on the diagram: the hidden layers' new widths, set as the layer controls would set them (the run
    follows: a new network, still playing if it was)."""
    hidden = events.fields(events.payload("shape"), "network's new shape", "hidden")["hidden"]
    if not isinstance(hidden, list):
        raise events.EventError("The network's new shape is not a list of layer widths, so nothing changed.")
    try:
        hidden = HIDDEN_KNOB.validate([events.whole(units, "layer's width") for units in hidden])
    except ConfigError as err:
        raise events.EventError(str(err)) from err
    st.session_state[keys.widget("n_layers")] = len(hidden)
    for i, units in enumerate(hidden):
        st.session_state[keys.units(i)] = units


def on_walk() -> None:
    """"Step slowly": one epoch trained with its first step opened up, for the diagram to walk through."""
    walk_id = events.whole(events.fields(events.payload("walk"), "step", "id")["id"], "step's number")
    run = session.run()
    if run is None:
        return
    trace = run.step_slowly()
    session.keep(run)                       # a big network's epoch trains on the training thread: wake it
    if trace is None and run.stepping:
        st.session_state[keys.TOAST] = ("An epoch is still training (a network this big trains in pieces): the "
                                        "diagram shows it when it is done; Step slowly then opens the next one.")
        return
    if trace is None:
        st.session_state[keys.TOAST] = ("There is no step to take: draw some points, or after a divergence lower "
                                        "the learning rate.")
        return
    st.session_state[keys.DIAGRAM_WALK] = walk_spec(run.cfg, run.trainer.data.bounds, trace, walk_id)


def playground_diagram() -> tuple[dict, dict[str, Callable[[], None]]]:
    """What the page adds to the Playground's diagram (live/diagram.py `playground_chart`): the last edit's
    message and a walk to start; and the diagram's callbacks, for `live_view.playground`."""
    extra = {"message": st.session_state.get(keys.DIAGRAM_MESSAGE)}
    walk = st.session_state.pop(keys.DIAGRAM_WALK, None)    # once: a later page run does not start it again
    if walk is not None:
        extra["walk"] = walk
    return extra, {"edit": on_edit, "feature": on_feature, "walk": on_walk, "shape": on_shape}
