"""Compare: many runs at once, one setting varied, everything else from the Playground.

All runs train together with the engine's batched trainer (runs that differ only in learning
rate, seed or width share one stacked network), on the shared training thread, and stream
into a grid of small boundaries, one loss chart and a sortable table.
"""

from __future__ import annotations

import pandas as pd
import streamlit as st

from scratchnet.config import ACTIVATIONS, CUSTOM, KNOBS, OPTIMIZERS, Config, ConfigError
from scratchnet.figures import compare_grid_spec, compare_loss_spec
from scratchnet.plotly_json import figure_json
from ui import session, theme
from ui.controls import BATCH_GRID, LR_GRID
from ui.frame import ensure_app_frame
from ui.live_chart import live_chart
from ui.live_sweep import LiveSweep, SweepView

ensure_app_frame()

MAX_RUNS = 24
VARY = {"lr": "Learning rate", "hidden": "Hidden layers", "activation": "Activation", "optimizer": "Optimizer",
        "batch_size": "Batch size", "init_seed": "Init seed"}

cfg = session.config()
style = theme.apply(cfg.presentation)
st.title("Compare runs")
st.caption(f"Everything not varied comes from the Playground: {cfg.describe()}")


# --- what to vary ------------------------------------------------------------------------------
def pick_values(name: str, base: Config) -> list:
    """The values to try for `name`, each checked by the engine's config."""
    if name == "lr":
        return st.multiselect("Learning rates", LR_GRID, default=[0.003, 0.01, 0.03, 0.1, 0.3, 1.0, 3.0],
                              format_func=lambda v: f"{v:g}", key="cmp_lr")
    if name == "hidden":
        text = st.text_input("Hidden layers to try (one network per ';', layers separated by ',')",
                             "2; 4; 8; 16; 8,8; 16,16", key="cmp_hidden",
                             help="A blank entry is a network with no hidden layer (a linear model).")
        values = []
        for item in text.split(";"):
            try:
                values.append(KNOBS["hidden"].parse(item))
            except ConfigError as err:
                st.warning(f"Skipped '{item.strip()}': {err.allowed}.")
        return values
    if name == "activation":
        return st.multiselect("Activations", ACTIVATIONS, default=list(ACTIVATIONS), key="cmp_activation")
    if name == "optimizer":
        return st.multiselect("Optimizers", OPTIMIZERS, default=list(OPTIMIZERS), key="cmp_optimizer")
    if name == "batch_size":
        return st.multiselect("Batch sizes", BATCH_GRID, default=[0, 64, 16, 4], key="cmp_batch",
                              format_func=lambda b: "full" if b == 0 else str(b))
    count = st.slider("Number of seeds", 2, MAX_RUNS, 8, key="cmp_seeds",
                      help="Same data and settings, different initial weights: how much luck matters.")
    return [base.init_seed + i for i in range(count)]


def run_label(name: str, value) -> str:
    if name == "hidden":
        return "hidden " + ("-".join(map(str, value)) or "none")
    if name == "batch_size":
        return "batch " + ("full" if value == 0 else str(value))
    return f"{name}={value:g}" if isinstance(value, float) else f"{name}={value}"


left, right = st.columns([1, 2])
with left:
    vary = st.selectbox("Vary", list(VARY), format_func=VARY.get, key="cmp_vary")
with right:
    values = list(dict.fromkeys(pick_values(vary, cfg)))                # unique, in the order picked
if len(values) > MAX_RUNS:
    st.warning(f"Comparing the first {MAX_RUNS} of {len(values)} values.")
    values = values[:MAX_RUNS]
runs = [cfg.replace(**{vary: v}) for v in values]
labels = [run_label(vary, v) for v in values]


# --- the sweep in this session ---------------------------------------------------------------------
def current_sweep() -> LiveSweep | None:
    """The session's sweep, rebuilt (and the old one stopped) when the runs asked for change."""
    sweep: LiveSweep | None = st.session_state.get("sweep")
    if not runs:
        return None
    points = session.own_data() if cfg.dataset == CUSTOM else None
    if sweep is None or sweep.cfgs != runs or sweep.points is not points:
        fresh = LiveSweep(runs, points)
        session.scheduler().replace(sweep, fresh)
        if sweep is not None:
            sweep.pause()
        st.session_state.sweep = sweep = fresh
    return sweep


def reset(sweep: LiveSweep) -> None:
    sweep.pause()
    session.scheduler().remove(sweep)
    st.session_state.sweep = None


sweep = current_sweep()
if sweep is None:
    st.info("Pick at least one value to compare.")
    st.stop()

buttons = st.columns([1, 1, 4], vertical_alignment="center")
if sweep.playing:
    buttons[0].button("Pause", icon=":material/pause:", key="cmp_pause", on_click=sweep.pause, type="primary",
                      width="stretch")
else:
    buttons[0].button("Train all", icon=":material/play_arrow:", key="cmp_play", on_click=session.play, args=(sweep,),
                      type="primary", width="stretch", disabled=sweep.sweep.done,
                      help=f"Train the {len(runs)} runs at once for {cfg.epochs:,} epochs each.")
buttons[1].button("Reset", icon=":material/replay:", key="cmp_reset", on_click=reset, args=(sweep,),
                  width="stretch", help="Start the comparison again from the initial weights.")
buttons[2].caption(f"{len(runs)} runs · {len(sweep.sweep.stacks)} stacked network(s) · "
                   f"{cfg.epochs:,} epochs each")


# --- the live view -------------------------------------------------------------------------------------
def table(view: SweepView) -> pd.DataFrame:
    frame = pd.DataFrame({
        "run": labels,
        "train loss": [r["train_loss"] for r in view.rows],
        "test loss": [r["test_loss"] for r in view.rows],
    })
    if cfg.is_classification:
        frame["train accuracy"] = [r["train_accuracy"] for r in view.rows]
        frame["test accuracy"] = [r["test_accuracy"] for r in view.rows]
        frame["epochs to 90% test"] = [r["epochs_to_mark"] for r in view.rows]
    frame["diverged at"] = [r["diverged_at"] for r in view.rows]
    frame["open"] = ["./?" + "&".join(f"{k}={v}" for k, v in c.to_query().items()) for c in view.cfgs]
    return frame


COLUMNS = {
    "train accuracy": st.column_config.ProgressColumn(format="percent", min_value=0.0, max_value=1.0),
    "test accuracy": st.column_config.ProgressColumn(format="percent", min_value=0.0, max_value=1.0),
    "train loss": st.column_config.NumberColumn(format="%.4f"),
    "test loss": st.column_config.NumberColumn(format="%.4f"),
    "epochs to 90% test": st.column_config.NumberColumn(help="First epoch with ≥ 90% test accuracy"),
    "diverged at": st.column_config.NumberColumn(help="Epoch at which the loss became NaN or infinite"),
    "open": st.column_config.LinkColumn("open on Playground", display_text="open ↗",
                                        help="Open this run's setup on the Playground (new tab)"),
}


def live_view() -> None:
    with session.scheduler().drawing():             # training waits while this frame is drawn
        draw_live_view()


def draw_live_view() -> None:
    live: LiveSweep | None = st.session_state.get("sweep")
    if live is None:
        return
    session.keep(live)
    view = live.view()
    a, b, c = st.columns(3)
    a.metric("Epoch", f"{view.epoch:,} / {cfg.epochs:,}")
    b.metric("Model-epochs / s", f"{view.model_epochs_per_second:,.0f}" if view.playing else "–")
    c.metric("Diverged", sum(r["diverged_at"] is not None for r in view.rows))
    if live.error:
        st.error(live.error)
    cols = min(len(view.cfgs), 4)
    grid = compare_grid_spec(view.surfaces, view.data, labels, cols=cols, style=style,
                             cell_height=230 if cfg.presentation else 190)
    live_chart(figure_json(grid), key="compare_grid", height=grid["layout"]["height"])
    losses = compare_loss_spec(view.histories, labels, style=style)
    live_chart(figure_json(losses), key="compare_loss", height=losses["layout"]["height"])
    st.dataframe(table(view), column_config=COLUMNS, hide_index=True, width="stretch")
    if st.session_state.get("cmp_drawn_playing") and not view.playing:
        st.session_state.cmp_drawn_playing = False
        st.rerun()
    st.session_state.cmp_drawn_playing = view.playing


def frame_seconds() -> float:
    return max(0.1, 0.025 * session.scheduler().active_jobs())


st.fragment(live_view, run_every=frame_seconds() if sweep.playing else None)()

with st.expander("Open a run on the Playground in this tab"):
    pick = st.selectbox("Run", range(len(runs)), format_func=lambda i: labels[i], key="cmp_open")
    st.page_link("pages/playground.py", label=f"Open {labels[pick]} on the Playground",
                 icon=":material/open_in_new:", query_params=runs[pick].to_query())
