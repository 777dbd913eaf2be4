"""Compare: many runs at once, one setting varied, everything else from the Playground.

All runs train together with the engine's batched trainer (runs that differ only in learning
rate, seed or width share one stacked network), on the shared training thread, and stream
(ui/live_view.py) into a grid of small boundaries, one loss chart and a sortable table.
"""

from __future__ import annotations

import streamlit as st

from live.sweep import LiveSweep
from scratchnet.config import CUSTOM, KNOBS, Config, ConfigError, Setup
from scratchnet.train.batched import SWEEPABLE
from ui import keys, live_view, session, theme, toolbar

MAX_RUNS = 24
VARY = list(SWEEPABLE)              # the knobs the config table gives Compare values for
FIRST_VARY = "lr"                   # the knob a first visit compares
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


def current_sweep(runs: list[Config], cfg: Config, speed: str) -> LiveSweep | None:
    """The session's sweep, rebuilt (and the old one stopped) when the runs asked for change."""
    sweep: LiveSweep | None = st.session_state.get(keys.SWEEP)
    if not runs:
        return None
    points = session.own_data() if cfg.dataset == CUSTOM else None
    if sweep is None or sweep.cfgs != runs or sweep.points is not points or sweep.speed != speed:
        fresh = LiveSweep(runs, points, speed=speed)
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


# --- the page, top to bottom ------------------------------------------------------------------------------
setup = session.setup()
cfg, view = setup.config, setup.view
style = theme.apply(view.presentation)
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

sweep = current_sweep(runs, cfg, view.speed)
if sweep is None:
    st.info("Pick at least one value to compare.")
    st.stop()
run_toolbar(sweep, cfg)
if sweep.error:
    st.error(sweep.error)
links = [session.share_link(Setup(c, view)) for c in runs]
live_view.compare(sweep, labels, links, style, classification=cfg.is_classification,
                  cell_height=230 if view.presentation else 190)

with st.expander("Open a run on the Playground in this tab"):
    pick = st.selectbox("Run", range(len(runs)), format_func=lambda i: labels[i], key="cmp_open")
    st.page_link("app_pages/playground.py", label=f"Open {labels[pick]} on the Playground",
                 icon=":material/open_in_new:", query_params=Setup(runs[pick], view).to_query())
