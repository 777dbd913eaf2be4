"""The Playground's controls, generated from the engine's knob table.

Each widget's label, help text, bounds and default come from `scratchnet.config.KNOBS`,
so the sliders accept exactly what the CLI and a shared link accept. Widget values live
in `st.session_state` under `w_<knob>`; `read_config()` turns them into one validated
Config, and `load_config()` puts a Config (from a link) back into the widgets.
"""

from __future__ import annotations

import random
from collections.abc import Callable, Sequence

import streamlit as st

from scratchnet.config import (
    ANY_CLASSES,
    CUSTOM,
    DATASETS_CLASSIFICATION,
    DATASETS_REGRESSION,
    KNOBS,
    MAX_LAYERS,
    MULTICLASS_DATASETS,
    Config,
    ConfigError,
)
from scratchnet.data import DATASETS, FEATURE_LABELS
from ui.session import share_link

MAX_SEED = int(KNOBS["seed"].high)
LR_GRID = sorted({round(m * 10.0 ** e, 10) for e in range(-5, 1) for m in (1, 2, 3, 5, 7)} | {10.0})
EPOCH_GRID = [10, 20, 50, 100, 200, 300, 500, 1000, 2000, 3000, 5000, 10_000, 20_000, 50_000, 100_000,
              200_000, 500_000, 1_000_000]
BATCH_GRID = [0, 1, 2, 4, 8, 10, 16, 32, 64, 128, 256, 512, 1024]
REG_RATE_GRID = [0.0, 0.0001, 0.0003, 0.001, 0.003, 0.01, 0.03, 0.1, 0.3, 1.0, 3.0, 10.0]
POINTS_GRID = [20, 50, 100, 150, 200, 300, 400, 500, 750, 1000, 1500, 2000, 3000, 5000]
# Above this learning rate the regression sets (targets in [-1, 1], inputs up to ±6) diverge at once.
REGRESSION_SAFE_LR = 0.01


def key(name: str) -> str:
    return f"w_{name}"


def unit_key(layer: int) -> str:
    return f"w_units_{layer}"


def _with(grid: Sequence, value) -> list:
    """A slider's options with the current value in them (a link may carry an off-grid value)."""
    return sorted(set(grid) | {value})


def _fmt_number(value: float) -> str:
    return f"{value:g}"


# --- Config <-> widgets ---------------------------------------------------------------------
def load_config(cfg: Config, *, only_missing: bool = False) -> None:
    """Put `cfg` into the widgets' session state: all of it when a link or an import sets
    the config, or (`only_missing`) just the widgets Streamlit forgot. Streamlit drops a
    widget's state in any run that does not draw it (another page, a control hidden by a
    lesson link, the regularization rate while regularization is off), and a segmented
    control reads None when its choice is clicked off; both come back from `cfg` here."""
    def put(name: str, value) -> None:
        if not only_missing or st.session_state.get(name) is None:
            st.session_state[name] = value

    for name in KNOBS:
        if name != "hidden":
            put(key(name), getattr(cfg, name))
    put(key("n_layers"), len(cfg.hidden))
    for i in range(MAX_LAYERS):
        put(unit_key(i), cfg.hidden[i] if i < len(cfg.hidden) else (cfg.hidden[-1] if cfg.hidden else 4))


def read_config(fallback: Config) -> tuple[Config, str | None]:
    """The widgets' values as a Config; on an impossible combination, `fallback` and why."""
    def value(name: str, default):
        current = st.session_state.get(name)
        return default if current is None else current

    values = {name: value(key(name), getattr(fallback, name)) for name in KNOBS if name != "hidden"}
    n_layers = int(value(key("n_layers"), len(fallback.hidden)))
    old = fallback.hidden
    values["hidden"] = tuple(int(value(unit_key(i), old[i] if i < len(old) else 4)) for i in range(n_layers))
    values["features"] = tuple(values["features"] or fallback.features)
    values["hide"] = tuple(values["hide"] or ())
    if values["dataset"] not in ANY_CLASSES:
        values["classes"] = 2
    try:
        return Config(**values), None
    except ConfigError as err:
        return fallback, str(err)


# --- callbacks (they run before the next script run, so they may set widget state) ---------
def _new_data_seed() -> None:
    st.session_state[key("seed")] = random.randrange(MAX_SEED)


def _new_init_seed() -> None:
    st.session_state[key("init_seed")] = random.randrange(MAX_SEED)


def _add_layer() -> None:
    n = st.session_state[key("n_layers")]
    if n < MAX_LAYERS:
        st.session_state[unit_key(n)] = st.session_state.get(unit_key(max(n - 1, 0)), 4) if n else 4
        st.session_state[key("n_layers")] = n + 1


def _remove_layer() -> None:
    st.session_state[key("n_layers")] = max(0, st.session_state[key("n_layers")] - 1)


def _problem_changed() -> None:
    """Switching problem type picks a dataset of that type, and for regression a learning
    rate that does not blow up on the first step (TensorFlow Playground keeps both, and
    its regression then diverges with ReLU)."""
    problem = st.session_state[key("problem")]
    if problem is None:          # the selected choice clicked off: load_config puts it back
        return
    st.session_state[key("dataset")] = (DATASETS_REGRESSION if problem == "regression"
                                        else DATASETS_CLASSIFICATION)[0]
    if problem == "regression" and st.session_state[key("lr")] > REGRESSION_SAFE_LR:
        st.session_state[key("lr")] = REGRESSION_SAFE_LR
        st.session_state["toast"] = (f"Learning rate set to {REGRESSION_SAFE_LR:g}: regression targets are "
                                     "on a different scale and larger steps diverge at once.")


def _pick_dataset(name: str) -> None:
    st.session_state[key("dataset")] = name


# --- widgets ---------------------------------------------------------------------------------
def visible(name: str, cfg: Config) -> bool:
    return name not in cfg.hide


def dataset_picker(cfg: Config, thumbnails: dict[str, str]) -> None:
    """Datasets as small pictures with a button under each, as TensorFlow Playground shows
    them: a learner tells spiral from circle by looking, not by name."""
    names = DATASETS_REGRESSION if cfg.problem == "regression" else DATASETS_CLASSIFICATION
    st.caption(KNOBS["dataset"].label, help=KNOBS["dataset"].help)
    cols = st.columns(3)
    for i, name in enumerate(names):
        with cols[i % 3]:
            st.image(thumbnails[name], width="stretch")
            st.button(name, key=f"pick_{name}", on_click=_pick_dataset, args=(name,), width="stretch",
                      type="primary" if name == cfg.dataset else "secondary",
                      help=DATASETS[name].description)


def data_controls(cfg: Config, thumbnails: dict[str, str]) -> None:
    if visible("problem", cfg):
        st.segmented_control(KNOBS["problem"].label, KNOBS["problem"].choices, key=key("problem"),
                             help=KNOBS["problem"].help, on_change=_problem_changed,
                             selection_mode="single")
    if visible("dataset", cfg):
        dataset_picker(cfg, thumbnails)
    if cfg.dataset in MULTICLASS_DATASETS and visible("classes", cfg):
        k = KNOBS["classes"]
        st.slider(k.label, int(k.low), int(k.high), key=key("classes"), help=k.help)
    own = cfg.dataset == CUSTOM          # drawn or uploaded: the knobs that generate points do not apply
    if own:
        st.caption("Training on your own points (see **Your own data** below). Pick a dataset above to go back.")
    if visible("n_points", cfg) and not own:
        k = KNOBS["n_points"]
        st.select_slider(k.label, _with(POINTS_GRID, cfg.n_points), key=key("n_points"), help=k.help)
    if visible("noise", cfg) and not own:
        k = KNOBS["noise"]
        st.slider(k.label, k.low, k.high, step=0.01, key=key("noise"), help=k.help)
    if visible("train_fraction", cfg):
        k = KNOBS["train_fraction"]
        st.slider(k.label, k.low, k.high, step=0.05, key=key("train_fraction"), help=k.help,
                  format="%.2f")
    if visible("seed", cfg) and not own:
        left, right = st.columns([3, 2], vertical_alignment="bottom")
        k = KNOBS["seed"]
        left.number_input(k.label, int(k.low), int(k.high), step=1, key=key("seed"), help=k.help)
        right.button("New data", icon=":material/casino:", on_click=_new_data_seed, width="stretch",
                     help="Draw a fresh dataset of the same kind (a new seed).")
    if visible("features", cfg):
        k = KNOBS["features"]
        st.pills(k.label, k.choices, selection_mode="multi", key=key("features"), help=k.help,
                 format_func=FEATURE_LABELS.get)


def network_controls(cfg: Config) -> None:
    if visible("hidden", cfg):
        n_layers = st.session_state[key("n_layers")]
        limit = KNOBS["hidden"]
        if n_layers >= 1:
            st.slider("Hidden size", int(limit.low), int(limit.high), key=unit_key(0),
                      help="Units in the (first) hidden layer: the tutorial's one knob of capacity.")
        for i in range(1, n_layers):
            st.slider(f"Layer {i + 1} units", int(limit.low), int(limit.high), key=unit_key(i))
        add, remove = st.columns(2)
        add.button("Add layer", icon=":material/add:", on_click=_add_layer, disabled=n_layers >= MAX_LAYERS, width="stretch",
                   help=f"Up to {MAX_LAYERS} hidden layers.")
        remove.button("Remove", icon=":material/remove:", on_click=_remove_layer, disabled=n_layers == 0, width="stretch",
                      help="With no hidden layer the network is a linear model.")
        st.caption(f"Network: {' → '.join(map(str, cfg.layer_sizes))}")
    if visible("activation", cfg):
        k = KNOBS["activation"]
        st.segmented_control(k.label, k.choices, key=key("activation"), help=k.help)


def training_controls(cfg: Config) -> None:
    if visible("lr", cfg):
        k = KNOBS["lr"]
        st.select_slider(k.label + " (log scale)", _with(LR_GRID, cfg.lr), key=key("lr"), help=k.help,
                         format_func=_fmt_number)
    if visible("optimizer", cfg):
        k = KNOBS["optimizer"]
        st.segmented_control(k.label, k.choices, key=key("optimizer"), help=k.help)
    if visible("batch_size", cfg):
        k = KNOBS["batch_size"]
        st.select_slider(k.label, _with(BATCH_GRID, cfg.batch_size), key=key("batch_size"), help=k.help,
                         format_func=lambda b: "full" if b == 0 else str(b))
    if visible("regularization", cfg):
        k = KNOBS["regularization"]
        st.segmented_control(k.label, k.choices, key=key("regularization"), help=k.help)
    if visible("reg_rate", cfg) and cfg.regularization != "none":
        k = KNOBS["reg_rate"]
        st.select_slider(k.label, _with(REG_RATE_GRID, cfg.reg_rate), key=key("reg_rate"), help=k.help,
                         format_func=_fmt_number)
    if visible("epochs", cfg):
        k = KNOBS["epochs"]
        st.select_slider(k.label, _with(EPOCH_GRID, cfg.epochs), key=key("epochs"), help=k.help,
                         format_func=lambda e: f"{e:,}")


def advanced_controls(cfg: Config) -> None:
    names = ("init", "init_seed", "backprop", "target_accuracy")
    if not any(visible(n, cfg) for n in names):
        return
    with st.expander("Advanced"):
        if visible("init", cfg):
            k = KNOBS["init"]
            st.selectbox(k.label, k.choices, key=key("init"), help=k.help)
        if visible("init_seed", cfg):
            left, right = st.columns([3, 2], vertical_alignment="bottom")
            k = KNOBS["init_seed"]
            left.number_input(k.label, int(k.low), int(k.high), step=1, key=key("init_seed"), help=k.help)
            right.button("New weights", icon=":material/casino:", on_click=_new_init_seed, width="stretch",
                         help="Start from different random weights (a new init seed).")
        if visible("backprop", cfg):
            k = KNOBS["backprop"]
            st.segmented_control(k.label, k.choices, key=key("backprop"), help=k.help)
        if visible("target_accuracy", cfg):
            k = KNOBS["target_accuracy"]
            st.slider(k.label, k.low, k.high, step=0.01, key=key("target_accuracy"), help=k.help)


def view_toggles(cfg: Config, stacked: bool = False) -> None:
    names = [n for n in ("show_test", "discretize", "presentation") if visible(n, cfg)]
    places = [st.container() for _ in names] if stacked else st.columns(max(1, len(names)))
    for place, name in zip(places, names):
        k = KNOBS[name]
        place.toggle(k.label, key=key(name), help=k.help)


def speed_control(cfg: Config) -> None:
    if visible("speed", cfg):
        k = KNOBS["speed"]
        st.select_slider(k.label, k.choices, key=key("speed"), help=k.help,
                         format_func=lambda v: v if v in ("auto", "max") else f"{v}/s")


GROUPS = {
    "Network": (("hidden", "activation"), network_controls),
    "Training": (("lr", "optimizer", "batch_size", "regularization", "reg_rate", "epochs"), training_controls),
    "Data": (("problem", "dataset", "classes", "n_points", "noise", "train_fraction", "seed", "features"),
             None),
}


def sidebar(cfg: Config, thumbnails: dict[str, bytes], own_data_panel: Callable[[Config], None]) -> None:
    """Every control, grouped; a group whose controls a lesson link hides is left out whole."""
    for title, (names, draw) in GROUPS.items():
        if any(visible(n, cfg) for n in names):
            st.subheader(title)
            (draw or (lambda c: data_controls(c, thumbnails)))(cfg)
    if visible("dataset", cfg):
        own_data_panel(cfg)
    advanced_controls(cfg)
    lesson_link_builder(cfg)


def lesson_link_builder(cfg: Config) -> None:
    """TensorFlow Playground's classroom link: the current setup, with chosen controls hidden,
    so students see only what the lesson is about."""
    if "hide" in cfg.hide:
        return
    with st.expander("Lesson link (for teachers)", icon=":material/school:"):
        names = [n for n in KNOBS if n != "hide"]
        hidden = st.multiselect("Hide these controls", names, default=[n for n in cfg.hide if n in names],
                                format_func=lambda n: KNOBS[n].label, key="lesson_hide",
                                help="Students who open the link see the same setup without these controls.")
        present = st.checkbox("Open in presentation mode", value=cfg.presentation, key="lesson_presentation")
        link_cfg = cfg.replace(hide=tuple(hidden), presentation=present)
        st.code(share_link(link_cfg), language=None, wrap_lines=True)
        st.caption("Copy the link with the button at its top right. Controls can be shown again by "
                   "removing `hide=` from the address.")
