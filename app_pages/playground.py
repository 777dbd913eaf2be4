"""Playground: sliders drive the engine; the boundary and the loss stream live.

Training runs on the server's training thread (ui/scheduler.py), never in this script; the live
part (numbers, boundary, loss, hidden units) is redrawn by `ui.live_panel` while the run plays.
How the live view is made fast: docs/live-view.md.
"""

from __future__ import annotations

import math
import time

import streamlit as st

from scratchnet.config import Config
from scratchnet.figures import Style, boundary_spec, figure_json, loss_spec, units_height, units_spec
from scratchnet.surface import decision_surface, unit_surfaces
from ui import controls, keys, own_data, session, theme, toolbar
from ui.confusion import confusion_markdown
from ui.live_chart import live_chart
from ui.live_metrics import live_metrics
from ui.live_panel import frame_seconds, live_panel
from ui.live_run import LiveRun, RunView
from ui.thumbnails import all_thumbnails

BOUNDARY_RESOLUTION = 100
UNITS_RESOLUTION = 32
UNITS_EVERY_SECONDS = 0.5          # hidden-unit pictures change slowly; redraw them less often
UNITS_TITLE = "What each hidden unit computes (first 8 per layer; blue > 0 > orange)"
LOSS_EVERY_SECONDS = 0.25          # the loss curve reads as live at 4 redraws a second
PRESENTATION_HEIGHT = "max(340px, calc(100vh - 300px))"    # what is left under the toolbar and metrics
# The sidebar's controls come once the first chart is drawn (see `controls_ready`), or after this.
CONTROLS_LATEST_SECONDS = 3.0


@st.cache_data(show_spinner=False)
def thumbnails(classes: int) -> dict[str, bytes]:
    return all_thumbnails(classes)


def page_config() -> tuple[Config, str | None]:
    """The session's config: from the URL on a first visit or a new link, then from the widgets."""
    cfg = session.config(from_url=True)
    if st.session_state.pop(keys.RELOAD_WIDGETS, False):
        controls.load_config(cfg)                   # a fresh session, a link or an imported run
    controls.load_config(cfg, only_missing=True)
    cfg, invalid = controls.read_config(cfg)
    session.set_config(cfg)
    return cfg, invalid


def show_notes(invalid: str | None) -> None:
    notes = st.session_state.get(keys.URL_NOTES) or []
    if notes:
        with st.container(border=True):
            st.markdown("**This link had settings that could not be used as they were:**")
            for note in notes:              # as plain text: a note quotes the link, which anyone can write
                st.text(f"• {note}")
            if st.button("Got it", key="dismiss_url_notes"):
                st.session_state[keys.URL_NOTES] = []
                st.rerun()
    if invalid:
        st.warning(f"That combination is not possible: {invalid}. Kept the previous settings.")
    toast = st.session_state.pop(keys.TOAST, None)
    if toast:
        st.toast(toast)


def run_toolbar(live: LiveRun, cfg: Config) -> None:
    play, step, reset, speed, view = st.columns([1.1, 1, 1, 1.8, 1.2], vertical_alignment="bottom")
    toolbar.play_pause(live, play)
    toolbar.step(live, step)
    toolbar.reset(live.reset, reset)
    with speed:
        controls.speed_control(cfg)
    with view.popover("View", icon=":material/visibility:", width="stretch"):
        controls.view_toggles(cfg)


# --- the live view ----------------------------------------------------------------------------
def _shown(value: float | None, form: str) -> str:
    """A metric as text; no points to measure on (a test set still empty) shows a dash."""
    return "–" if value is None or not math.isfinite(value) else format(value, form)


def metrics(view: RunView) -> None:
    snap = view.snapshot
    items = [("Epoch", f"{snap.epoch:,}"), ("Train loss", _shown(snap.train_loss, ".4f")),
             ("Test loss", _shown(snap.test_loss, ".4f"))]
    if view.cfg.is_classification:
        items += [("Train accuracy", _shown(snap.train_accuracy, ".1%")),
                  ("Test accuracy", _shown(snap.test_accuracy, ".1%"))]
    items.append(("Epochs / s", f"{view.epochs_per_second:,.0f}" if view.playing else "–"))
    live_metrics(items, key="metrics", big=view.cfg.presentation)


def status(view: RunView, live: LiveRun) -> None:
    snap = view.snapshot
    if not live.trainable:
        need = "at least one point" if view.cfg.problem == "regression" else "points of at least two classes"
        st.info(f"Draw {need} to train on (pick a class under **Your own data**, then click the chart).")
    elif live.error:
        st.error(live.error)
    elif snap.stopped == "diverged":
        st.error(f"**Training diverged.** {snap.message}", icon="💥")
    elif snap.stopped in ("epochs", "target"):
        st.success(f"{snap.message} Press Play to train again from the start, or Step to go on.")


def _pixels(height: int | str) -> int:
    """A figure's own height (the chart element's CSS height wins in the browser)."""
    return height if isinstance(height, int) else 600


def boundary_chart(view: RunView, style: Style, height: int | str) -> None:
    surface = decision_surface(view.net, view.cfg.features, view.data.bounds, view.cfg.problem,
                               BOUNDARY_RESOLUTION)
    spec = boundary_spec(surface, view.data, show_test=view.cfg.show_test, discretize=view.cfg.discretize,
                         style=style, height=_pixels(height), uirevision=f"boundary-{view.data.name}",
                         class_names=session.class_names(), as_image=True)
    drawing = bool(st.session_state.get(keys.DRAW_MODE))
    live_chart(figure_json(spec), key=keys.BOUNDARY_CHART, height=height,
               on_click=own_data.on_chart_click if drawing else None,
               on_first_draw=None if st.session_state.get(keys.CONTROLS_DRAWN) else first_chart_drawn,
               priority=1)   # on page load the boundary draws before the loss and unit charts


def throttled(name: str, seconds: float, view: RunView, style: Style, build) -> str:
    """A chart's figure JSON, rebuilt at most every `seconds` while training (and at once when
    paused or changed by a control), so the browser spends its frames on the boundary. An
    unchanged figure costs the browser nothing: live_chart skips it."""
    cached = st.session_state.get(f"{name}_json")
    now = time.monotonic()
    fresh = (cached is None or not view.playing or cached[2] != (view.cfg, style)
             or now - cached[0] >= seconds and cached[1] != view.version)
    if fresh:
        cached = (now, view.version, (view.cfg, style), build())
        st.session_state[f"{name}_json"] = cached
    return cached[3]


def loss_chart(view: RunView, style: Style, height: int | str, pace: float) -> None:
    def build() -> str:
        return figure_json(loss_spec(view.curve_losses, view.eval_epochs, view.eval_test_losses, style=style,
                                     height=_pixels(height), train_epochs=view.curve_epochs, uirevision="loss"))

    every = max(LOSS_EVERY_SECONDS, 3 * pace)                 # busy server: fewer loss redraws
    live_chart(throttled("loss", every, view, style, build), key="loss_chart", height=height)


def units_chart(view: RunView, style: Style, pace: float) -> None:
    """What each hidden unit computes; redrawn at most every UNITS_EVERY_SECONDS."""
    if not view.cfg.hidden:
        st.caption("No hidden layers: the network is a linear model of the input features.")
        return

    def build() -> str:
        layers = unit_surfaces(view.net, view.cfg.features, view.data.bounds, UNITS_RESOLUTION)
        return figure_json(units_spec(layers, style=style, title=UNITS_TITLE))

    every = max(UNITS_EVERY_SECONDS, 6 * pace)
    live_chart(throttled("units", every, view, style, build), key="units_chart",
               height=units_height(len(view.cfg.hidden), style, titled=True))


def confusion(view: RunView) -> None:
    table = confusion_markdown(view, session.class_names())
    if table is not None:
        title, markdown = table
        with st.expander(title):
            st.markdown(markdown)


def draw_live_view(cfg: Config, style: Style) -> bool:
    """One frame of the live view; returns whether the run still plays."""
    if st.session_state.pop(keys.DATA_EDITED, False):     # a point drawn or erased on the chart
        now = session.config()
        session.ensure_run(now)
        if (now.dataset, now.classes, now.problem) != (cfg.dataset, cfg.classes, cfg.problem):
            st.rerun()                              # the controls show other choices now
    live = session.run()
    if live is None:
        return False
    session.keep(live)
    view = live.view()
    pace = frame_seconds()                          # the redraw interval, for the throttled charts
    metrics(view)
    status(view, live)
    if cfg.presentation:                            # the boundary and the loss fill the screen
        left, right = st.columns([1, 1])
        with left:
            boundary_chart(view, style, PRESENTATION_HEIGHT)
        with right:
            loss_chart(view, style, PRESENTATION_HEIGHT, pace)
    else:
        left, right = st.columns([3, 2])
        with left:
            boundary_chart(view, style, 540)
        with right:
            loss_chart(view, style, 260, pace)
            units_chart(view, style, pace)
            if not view.playing:                # a table re-rendered every frame costs the browser
                confusion(view)
    controls_now_due()
    return view.playing


# --- progressive first load ---------------------------------------------------------------------
# A session's first page run draws the toolbar and the charts; the sidebar's controls and the export
# row follow once the browser has drawn the first chart. The browser renders nothing until the code of
# every kind of widget on the page has loaded (Streamlit loads it lazily, ~100 files for the sidebar),
# which held the first chart back by ~1.2 s. Without a browser (AppTest) everything comes at once.
def controls_ready() -> bool:
    ready = bool(st.session_state.get(keys.CONTROLS_READY)) or st.context.url is None
    if ready:
        st.session_state[keys.CONTROLS_DRAWN] = True          # this run draws them (below the charts)
    else:
        st.session_state.setdefault(keys.CONTROLS_DUE, time.monotonic() + CONTROLS_LATEST_SECONDS)
    return ready


def first_chart_drawn() -> None:
    st.session_state[keys.CONTROLS_READY] = True


def controls_now_due() -> None:
    """Called by the live view: bring in the controls once the first chart is up."""
    if st.session_state.get(keys.CONTROLS_DRAWN):
        return
    if (st.session_state.get(keys.CONTROLS_READY)
            or time.monotonic() >= st.session_state.get(keys.CONTROLS_DUE, 0)):
        st.session_state[keys.CONTROLS_READY] = True
        st.rerun()


# --- share and export ---------------------------------------------------------------------------
def share_and_export(live: LiveRun, cfg: Config) -> None:
    share, weights, history, figures = st.columns(4)
    with share.popover("Share link", icon=":material/link:", width="stretch"):
        st.caption("This link opens the Playground with exactly these settings.")
        st.code(session.share_link(cfg), language=None, wrap_lines=True)
    weights.download_button("Weights (JSON)", icon=":material/download:", data=live.run_file_json,
                            file_name="scratchnet-weights.json", mime="application/json", on_click="ignore",
                            width="stretch")
    history.download_button("Loss history (CSV)", icon=":material/download:", data=live.history_csv,
                            file_name="scratchnet-loss.csv", mime="text/csv", on_click="ignore", width="stretch")
    figures.download_button("Figures (HTML)", icon=":material/download:", data=live.figures_html,
                            file_name="scratchnet-figures.html", mime="text/html", on_click="ignore",
                            width="stretch")


# --- the page, top to bottom ----------------------------------------------------------------------
cfg, invalid = page_config()
run = session.ensure_run(cfg)
own_data.apply_pending_import(run)
session.sync_url(cfg)
style = theme.apply(cfg.presentation)
ready = controls_ready()

if not cfg.presentation:
    st.title("ScratchNet Playground")
    st.caption(cfg.describe())
show_notes(invalid)
run_toolbar(run, cfg)
live_panel("playground", lambda: draw_live_view(cfg, style),
           every=frame_seconds() if run.playing else None if ready else CONTROLS_LATEST_SECONDS)
with st.sidebar:
    if ready:
        controls.sidebar(cfg, thumbnails(cfg.classes), own_data.panel)
    else:
        st.caption("Loading the controls…")
if ready:
    share_and_export(run, cfg)
