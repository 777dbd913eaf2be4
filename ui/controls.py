"""The Playground's controls, generated from the engine's knob table.

Each widget's label, help text, bounds, slider grid, display names and group come from
`scratchnet.config.KNOBS`, so the sliders accept exactly what the CLI and a shared link accept.
Widget values live in `st.session_state` under `keys.widget(<knob>)`; `read_setup()` turns them
into one validated Setup (the run's Config and its View), and `load_setup()` puts a Setup (from a link) back
into the widgets.
"""

from __future__ import annotations

import random
from collections.abc import Callable, Sequence

import streamlit as st

from scratchnet.config import (
    ANY_CLASSES,
    CUSTOM,
    GROUPS,
    KNOBS,
    MAX_LAYERS,
    MULTICLASS_DATASETS,
    Config,
    ConfigError,
    Setup,
    View,
    switch_problem,
)
from ui import data_panel, keys
from ui.session import share_link

NEW_LAYER_UNITS = KNOBS["hidden"].default[-1]      # the width of a layer added to a network with none
# Knobs drawn by hand below rather than by `knob_widget`, or not in the sidebar at all.
_SPECIAL = {"problem", "dataset", "classes", "hidden", "seed", "init_seed", "speed", "hide"}
# Knobs that generate points: they do not apply to a learner's own points.
_GENERATING = {"n_points", "noise", "seed"}
# Shown on the Playground's screen rather than in the sidebar: the data column's knobs (ui/data_panel.py, but the
# problem type, which the sidebar keeps beside its dataset pictures' switch) and the top bar's.
ON_SCREEN = (*data_panel.DATA_KNOBS, data_panel.NEW_DATA)
# The knobs on the Playground's top bar, as TensorFlow Playground has its learning rate and activation there.
BAR_KNOBS = ("lr", "activation", "speed")


def _with(grid: Sequence, value) -> list:
    """A slider's options with the current value in them (a link may carry an off-grid value)."""
    return sorted(set(grid) | {value})


# --- Config <-> widgets ---------------------------------------------------------------------
def _widths(hidden: tuple[int, ...]) -> list[int]:
    """A width for every possible layer slider: the network's own, then copies of its last."""
    last = hidden[-1] if hidden else NEW_LAYER_UNITS
    return [hidden[i] if i < len(hidden) else last for i in range(MAX_LAYERS)]


def load_setup(setup: Setup, *, only_missing: bool = False) -> None:
    """Put `setup` into the widgets' session state: all of it when a link or an import sets
    it, or (`only_missing`) just the widgets Streamlit forgot. Streamlit drops a
    widget's state in any run that does not draw it (another page, a control hidden by a
    lesson link, the regularization rate while regularization is off), and a segmented
    control reads None when its choice is clicked off; both come back from `setup` here."""
    def put(name: str, value) -> None:
        if not only_missing or st.session_state.get(name) is None:
            st.session_state[name] = value

    for name in KNOBS:
        if name != "hidden":
            put(keys.widget(name), setup.get(name))
    hidden = setup.config.hidden
    put(keys.widget("n_layers"), len(hidden))
    for i, width in enumerate(_widths(hidden)):
        put(keys.units(i), width)


def read_setup(fallback: Setup) -> tuple[Setup, str | None]:
    """The widgets' values as a Setup; on an impossible combination, `fallback` and why."""
    def value(name: str, default):
        current = st.session_state.get(name)
        return default if current is None else current

    values = {name: value(keys.widget(name), fallback.get(name)) for name in KNOBS if name != "hidden"}
    hidden = fallback.config.hidden
    n_layers = int(value(keys.widget("n_layers"), len(hidden)))
    widths = _widths(hidden)
    values["hidden"] = tuple(int(value(keys.units(i), widths[i])) for i in range(n_layers))
    values["features"] = tuple(values["features"] or fallback.config.features)
    values["hide"] = tuple(values["hide"] or ())
    if values["dataset"] not in ANY_CLASSES:
        values["classes"] = 2
    try:
        return Setup().replace(**values), None
    except ConfigError as err:
        return fallback, str(err)


# --- callbacks (they run before the next script run, so they may set widget state) ---------
def _new_seed(name: str) -> None:
    st.session_state[keys.widget(name)] = random.randrange(int(KNOBS[name].high))


def _add_layer() -> None:
    n = st.session_state[keys.widget("n_layers")]
    if n < MAX_LAYERS:
        previous = st.session_state.get(keys.units(n - 1), NEW_LAYER_UNITS) if n else NEW_LAYER_UNITS
        st.session_state[keys.units(n)] = previous
        st.session_state[keys.widget("n_layers")] = n + 1


def _remove_layer() -> None:
    st.session_state[keys.widget("n_layers")] = max(0, st.session_state[keys.widget("n_layers")] - 1)


def problem_changed(cfg: Config) -> None:
    """The problem type's control (or a picture of the other type's dataset) switched it: a dataset, classes and
    a learning rate that suit it."""
    problem = st.session_state[keys.widget("problem")]
    if problem is None:          # the selected choice clicked off: load_setup puts it back
        return
    switched, note = switch_problem(cfg.replace(lr=st.session_state[keys.widget("lr")]), problem)
    for name in ("dataset", "classes", "lr"):
        st.session_state[keys.widget(name)] = getattr(switched, name)
    if note:
        st.session_state[keys.TOAST] = note


# --- widgets ---------------------------------------------------------------------------------
def shown(key: str, fallback=None):
    """The value a widget holds now, given to it as its default too. The knobs come with a later page run, and
    a browser whose next message crosses that run sends what the widget showed when it mounted, which is its
    default until Streamlit's "set this value" is applied: with Streamlit's defaults (a slider's minimum, a
    choice's first) every slider once arrived at its minimum (tests/ui/test_late_controls.py)."""
    value = st.session_state.get(key)
    return fallback if value is None else value


def knob_widget(name: str, setup: Setup, place=st) -> None:
    """The widget a knob's table entry asks for: a toggle, a choice, a slider over its grid or its
    bounds, a number field or pills; labels, help and what each value reads as come from KNOBS."""
    k = KNOBS[name]
    common = {"key": keys.widget(name), "help": k.help}
    value = shown(keys.widget(name), setup.get(name))
    if k.kind == "bool":
        place.toggle(k.label, value=bool(value), **common)
    elif k.kind == "choice" and len(k.choices) > 5:
        place.selectbox(k.label, k.choices, index=k.choices.index(value) if value in k.choices else 0,
                        format_func=k.show, **common)
    elif k.kind == "choice":
        place.segmented_control(k.label, k.choices, default=value, format_func=k.show, **common)
    elif k.kind == "set":
        place.pills(k.label, k.choices, selection_mode="multi", default=list(value), format_func=k.show, **common)
    elif k.grid:
        label = k.label + (" (log scale)" if k.log else "")
        place.select_slider(label, _with(k.grid, value), value=value, format_func=k.show, **common)
    elif k.step is not None:
        number = int if k.kind == "int" else float
        place.slider(k.label, number(k.low), number(k.high), number(value), step=number(k.step),
                     format=f"%{k.fmt}" if k.fmt else None, **common)
    else:
        place.number_input(k.label, int(k.low), int(k.high), int(value), step=1, **common)


def seed_widget(name: str, setup: Setup, button: str, what: str) -> None:
    """A seed's number field with a button under it that draws a new one (side by side, a 1440-pixel
    window cut the button's label to "Ne…")."""
    knob_widget(name, setup)
    st.button(button, icon=":material/casino:", on_click=_new_seed, args=(name,), width="stretch", help=what)


def layer_sliders(cfg: Config) -> None:
    """One width slider per hidden layer, and buttons to add or remove a layer."""
    n_layers = st.session_state[keys.widget("n_layers")]
    limit = KNOBS["hidden"]
    for i in range(n_layers):
        st.slider(f"Layer {i + 1} units", int(limit.low), int(limit.high), int(shown(keys.units(i), NEW_LAYER_UNITS)),
                  key=keys.units(i), help=limit.help if i == 0 else None)
    add, remove = st.columns(2)
    add.button("Add layer", icon=":material/add:", on_click=_add_layer, disabled=n_layers >= MAX_LAYERS,
               width="stretch", help=f"Up to {MAX_LAYERS} hidden layers.")
    remove.button("Remove", icon=":material/remove:", on_click=_remove_layer, disabled=n_layers == 0,
                  width="stretch", help="With no hidden layer the network is a linear model.")
    st.caption(f"Network: {' → '.join(map(str, cfg.layer_sizes))}")


def _sidebar_knobs(group: str, view: View) -> list[str]:
    """A group's knobs the sidebar shows: not the advanced ones, not those hidden by a lesson link, not those the
    Playground's screen shows."""
    return [name for name, k in KNOBS.items() if k.group == group and not k.advanced and view.shows(name)
            and name not in ON_SCREEN and name not in BAR_KNOBS and name != "dataset"]


def knob_controls(names: Sequence[str], setup: Setup) -> None:
    """The controls of `names`, in the table's order, with the few that need more than a widget."""
    cfg = setup.config
    own = cfg.dataset == CUSTOM
    for name in names:
        k = KNOBS[name]
        if name == "problem":
            st.segmented_control(k.label, k.choices, default=shown(keys.widget(name), cfg.problem),
                                 key=keys.widget(name), help=k.help, format_func=k.show,
                                 on_change=problem_changed, args=(cfg,), width="stretch")
        elif name == "classes":
            if cfg.dataset in MULTICLASS_DATASETS:
                st.slider(k.label, int(k.low), int(k.high), int(shown(keys.widget(name), cfg.classes)),
                          key=keys.widget(name), help=k.help)
        elif name == "hidden":
            layer_sliders(cfg)
        elif name == "seed":
            if not own:
                seed_widget(name, setup, "New data", "Draw a fresh dataset of the same kind (a new seed).")
        elif name == "reg_rate":
            if cfg.regularization != "none":
                knob_widget(name, setup)
        elif name == "weight_decay":
            if cfg.optimizer == "adamw":             # the only optimizer that reads it
                knob_widget(name, setup)
        elif name in _GENERATING and own:
            continue
        else:
            knob_widget(name, setup)


def advanced_controls(setup: Setup) -> None:
    names = [n for n, k in KNOBS.items() if k.advanced and setup.view.shows(n)]
    if not names:
        return
    with st.expander("Advanced"):
        for name in names:
            if name == "init_seed":
                seed_widget(name, setup, "New weights", "Start from different random weights (a new init seed).")
            else:
                knob_widget(name, setup)


def view_toggles(setup: Setup) -> None:
    """The view's switches (show test data, discretize, presentation), one under another."""
    for name, k in KNOBS.items():
        if k.group == "view" and k.kind == "bool" and setup.view.shows(name):
            knob_widget(name, setup)


def bar_knob(name: str, setup: Setup) -> None:
    """One of the top bar's knobs (its label beside it: ui/theme.py); the speed a slider over its choices."""
    k = KNOBS[name]
    if name == "speed":
        st.select_slider(k.label, k.choices, value=shown(keys.widget(name), setup.view.speed), key=keys.widget(name),
                         help=k.help, format_func=k.show)
    else:
        knob_widget(name, setup)


def sidebar(setup: Setup, own_data_panel: Callable[[Config], None]) -> None:
    """Every control the Playground's screen does not show, grouped; a group whose controls a lesson link
    hides is left out whole."""
    view = setup.view
    for group, title in GROUPS.items():
        names = _sidebar_knobs(group, view)
        if names or (group == "data" and view.shows("dataset")):
            st.subheader(title)
            knob_controls(names, setup)
    if view.shows("dataset"):
        own_data_panel(setup.config)
    advanced_controls(setup)
    lesson_link_builder(setup)


def lesson_link_builder(setup: Setup) -> None:
    """TensorFlow Playground's classroom link: the current setup, with chosen controls hidden,
    so students see only what the lesson is about."""
    view = setup.view
    if "hide" in view.hide:
        return
    with st.expander("Lesson link (for teachers)", icon=":material/school:"):
        k = KNOBS["hide"]
        names = [n for n in k.choices if n != "hide"]
        hidden = st.multiselect("Hide these controls", names, default=[n for n in view.hide if n in names],
                                format_func=k.show, key="lesson_hide",
                                help="Students who open the link see the same setup without these controls.")
        present = st.checkbox("Open in presentation mode", value=view.presentation, key="lesson_presentation")
        st.code(share_link(setup.replace(hide=tuple(hidden), presentation=present)), language=None, wrap_lines=True)
        st.caption("Copy the link with the button at its top right. Controls can be shown again by "
                   "removing `hide=` from the address.")
