"""Compare: many runs at once, one setting varied, everything else from the Playground.

All runs train together with the engine's batched trainer (runs that differ only in learning
rate, seed or width share one stacked network), on the shared training thread, and stream
into a grid of small boundaries, one loss chart and a sortable table.
"""

from __future__ import annotations

import pandas as pd
import streamlit as st

from scratchnet.config import CUSTOM, KNOBS, Config, ConfigError
from scratchnet.figures import Style, compare_grid_spec, compare_loss_spec, figure_json
from ui import keys, session, theme, toolbar
from ui.live_chart import live_chart
from ui.live_panel import frame_seconds, live_panel
from ui.live_sweep import LiveSweep, SweepView

MAX_RUNS = 24
VARY = [name for name, knob in KNOBS.items() if knob.compare]      # what the table says Compare can vary
FIRST_VARY = "lr"                   # the knob a first visit compares
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


# --- what to vary ------------------------------------------------------------------------------
def pick_values(name: str, base: Config) -> list:
    """The values to try for knob `name`, offered and checked by its entry in the config table."""
    knob = KNOBS[name]
    if knob.kind == "ints":
        default = "; ".join(knob.show(v) for v in knob.compare)
        text = st.text_input(f"{knob.label} to try (one network per ';', layers separated by ',')", default,
                             key=f"cmp_{name}", help="A blank entry is a network with no hidden layer.")
        values = []
        for item in text.split(";"):
            try:
                values.append(knob.parse(item))
            except ConfigError as err:
                st.warning(f"Skipped '{item.strip()}': {err.allowed}.")
        return values
    if knob.kind == "int" and not knob.grid:             # a seed: how many, counted up from the current one
        count = st.slider("Number of seeds", 2, MAX_RUNS, len(knob.compare), key=f"cmp_{name}",
                          help="Same data and settings, different initial weights: how much luck matters.")
        return [min(base.init_seed + i, int(knob.high)) for i in range(count)]
    options = knob.choices if knob.kind == "choice" else knob.grid
    return st.multiselect(knob.label, options, default=list(knob.compare), format_func=knob.show, key=f"cmp_{name}")


def run_label(name: str, value) -> str:
    return f"{name}={KNOBS[name].show(value) or 'none'}"


def current_sweep(runs: list[Config], cfg: Config) -> LiveSweep | None:
    """The session's sweep, rebuilt (and the old one stopped) when the runs asked for change."""
    sweep: LiveSweep | None = st.session_state.get(keys.SWEEP)
    if not runs:
        return None
    points = session.own_data() if cfg.dataset == CUSTOM else None
    if sweep is None or sweep.cfgs != runs or sweep.points is not points:
        fresh = LiveSweep(runs, points)
        session.scheduler().replace(sweep, fresh)
        if sweep is not None:
            sweep.pause()
        st.session_state[keys.SWEEP] = sweep = fresh
    return sweep


def reset(sweep: LiveSweep) -> None:
    sweep.pause()
    session.scheduler().remove(sweep)
    st.session_state[keys.SWEEP] = None


def run_toolbar(sweep: LiveSweep, cfg: Config) -> None:
    play, again, note = st.columns([1, 1, 4], vertical_alignment="center")
    toolbar.play_pause(sweep, play, key="cmp", label="Train all", disabled=sweep.sweep.done,
                       help=f"Train the {len(sweep.cfgs)} runs at once for {cfg.epochs:,} epochs each.")
    toolbar.reset(lambda: reset(sweep), again, key="cmp", help="Start the comparison again from the initial weights.")
    note.caption(f"{len(sweep.cfgs)} runs · {len(sweep.sweep.stacks)} stacked network(s) · "
                 f"{cfg.epochs:,} epochs each")


# --- the live view -------------------------------------------------------------------------------------
def table(view: SweepView, labels: list[str], cfg: Config) -> pd.DataFrame:
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
    frame["open"] = [session.share_link(c) for c in view.cfgs]
    return frame


def draw_live_view(labels: list[str], cfg: Config, style: Style) -> bool:
    """One frame of the comparison; returns whether it still trains."""
    live: LiveSweep | None = st.session_state.get(keys.SWEEP)
    if live is None:
        return False
    session.keep(live)
    view = live.view()
    a, b, c = st.columns(3)
    a.metric("Epoch", f"{view.epoch:,} / {cfg.epochs:,}")
    b.metric("Model-epochs / s", f"{view.model_epochs_per_second:,.0f}" if view.playing else "–")
    c.metric("Diverged", sum(r["diverged_at"] is not None for r in view.rows))
    if live.error:
        st.error(live.error)
    grid = compare_grid_spec(view.surfaces, view.data, labels, cols=min(len(view.cfgs), 4), style=style,
                             cell_height=230 if cfg.presentation else 190)
    live_chart(figure_json(grid), key="compare_grid", height=grid["layout"]["height"])
    losses = compare_loss_spec(view.histories, labels, style=style)
    live_chart(figure_json(losses), key="compare_loss", height=losses["layout"]["height"])
    st.dataframe(table(view, labels, cfg), column_config=COLUMNS, hide_index=True, width="stretch")
    return view.playing


# --- the page, top to bottom ------------------------------------------------------------------------------
cfg = session.config()
style = theme.apply(cfg.presentation)
st.title("Compare runs")
st.caption(f"Everything not varied comes from the Playground: {cfg.describe()}")

left, right = st.columns([1, 2])
with left:
    vary = st.selectbox("Vary", VARY, index=VARY.index(FIRST_VARY), format_func=lambda n: KNOBS[n].label,
                        key="cmp_vary")
with right:
    values = list(dict.fromkeys(pick_values(vary, cfg)))                # unique, in the order picked
if len(values) > MAX_RUNS:
    st.warning(f"Comparing the first {MAX_RUNS} of {len(values)} values.")
    values = values[:MAX_RUNS]
runs = [cfg.replace(**{vary: v}) for v in values]
labels = [run_label(vary, v) for v in values]

sweep = current_sweep(runs, cfg)
if sweep is None:
    st.info("Pick at least one value to compare.")
    st.stop()
run_toolbar(sweep, cfg)
live_panel("compare", lambda: draw_live_view(labels, cfg, style),
           every=max(0.1, frame_seconds()) if sweep.playing else None)

with st.expander("Open a run on the Playground in this tab"):
    pick = st.selectbox("Run", range(len(runs)), format_func=lambda i: labels[i], key="cmp_open")
    st.page_link("app_pages/playground.py", label=f"Open {labels[pick]} on the Playground",
                 icon=":material/open_in_new:", query_params=runs[pick].to_query())
