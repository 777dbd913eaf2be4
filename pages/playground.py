"""Playground: sliders drive the engine; the boundary and the loss stream live.

How the live view works, and why (measured, see /work/shared/notes/streamlit-streaming.md):
- Training runs on the server's one training thread (ui/scheduler.py), never in this
  script: a loop here would block widget handling, so a slider would wait for the loop.
- A fragment with `run_every` redraws only the charts and numbers, 12.5 times a second for one
  user (fewer as more sessions play) and not at all while paused; each redraw copies the run's
  state under its lock and draws outside it, and the training thread pauses while it draws.
- Charts are `ui.live_chart` elements (one persistent Plotly div updated in place; the decision
  surface is a PNG, so a frame is a cheap relayout), not st.plotly_chart, which remounts the
  chart on every new figure: zoom lost, blank flashes. The numbers are `ui.live_metrics`.
"""

from __future__ import annotations

import math
import time

import streamlit as st

from scratchnet.data import featurize
from scratchnet.figures import boundary_spec, loss_spec, units_height, units_spec
from scratchnet.metrics import confusion_matrix
from scratchnet.model import predict
from scratchnet.plotly_json import figure_json
from scratchnet.surface import decision_surface, unit_surfaces
from ui import controls, own_data, session, theme
from ui.frame import ensure_app_frame
from ui.live_chart import live_chart
from ui.live_metrics import live_metrics
from ui.live_run import LiveRun, RunView
from ui.markdown import escape
from ui.thumbnails import all_thumbnails

BOUNDARY_RESOLUTION = 100
UNITS_RESOLUTION = 32
UNITS_EVERY_SECONDS = 0.5          # hidden-unit pictures change slowly; redraw them less often
UNITS_TITLE = "What each hidden unit computes (first 8 per layer; blue > 0 > orange)"
LOSS_EVERY_SECONDS = 0.25          # the loss curve reads as live at 4 redraws a second
PRESENTATION_HEIGHT = "max(340px, calc(100vh - 300px))"    # what is left under the toolbar and metrics


ensure_app_frame()


@st.cache_data(show_spinner=False)
def thumbnails(classes: int) -> dict[str, bytes]:
    return all_thumbnails(classes)


# --- config: URL (first visit) -> session -> widgets -> session ---------------------------
cfg = session.config(from_url=True)
if st.session_state.pop("reload_widgets", False):
    controls.load_config(cfg)                       # a fresh session, a link or an imported run
controls.load_config(cfg, only_missing=True)
cfg, invalid = controls.read_config(cfg)
session.set_config(cfg)
run = session.ensure_run(cfg)
own_data.apply_pending_import(run)
session.sync_url(cfg)
style = theme.apply(cfg.presentation)


def show_notes() -> None:
    notes = st.session_state.get("url_notes") or []
    if notes:
        with st.container(border=True):
            st.markdown("**This link had settings that could not be used as they were:**")
            for note in notes:              # as plain text: a note quotes the link, which anyone can write
                st.text(f"• {note}")
            if st.button("Got it", key="dismiss_url_notes"):
                st.session_state.url_notes = []
                st.rerun()
    if invalid:
        st.warning(f"That combination is not possible: {invalid}. Kept the previous settings.")
    toast = st.session_state.pop("toast", None)
    if toast:
        st.toast(toast)


# --- the toolbar: play, pause, step, reset ------------------------------------------------------
def toolbar(live: LiveRun) -> None:
    play, step, reset, speed, view = st.columns([1.1, 1, 1, 1.8, 1.2], vertical_alignment="bottom")
    if live.playing:
        play.button("Pause", icon=":material/pause:", key="pause", on_click=live.pause, type="primary",
                    width="stretch", help="Stop training; the network keeps what it learned.")
    else:
        play.button("Play", icon=":material/play_arrow:", key="play", on_click=session.play, args=(live,), type="primary",
                    width="stretch", help="Train continuously. After the last epoch, Play starts over.")
    step.button("Step", icon=":material/skip_next:", key="step", on_click=live.step, width="stretch",
                help="Train exactly one epoch.")
    reset.button("Reset", icon=":material/replay:", key="reset", on_click=live.reset, width="stretch",
                 help="Back to epoch 0 with the same initial weights.")
    with speed:
        controls.speed_control(cfg)
    with view.popover("View", icon=":material/visibility:", width="stretch"):
        controls.view_toggles(cfg, stacked=True)


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


def boundary_chart(view: RunView, height: int | str) -> None:
    surface = decision_surface(view.net, view.cfg.features, view.data.bounds, view.cfg.problem,
                               BOUNDARY_RESOLUTION)
    spec = boundary_spec(surface, view.data, show_test=view.cfg.show_test, discretize=view.cfg.discretize,
                         style=style, height=_pixels(height), uirevision=f"boundary-{view.data.name}",
                         class_names=session.class_names(), as_image=True)
    drawing = bool(st.session_state.get(own_data.DRAW_KEY))
    live_chart(figure_json(spec), key="boundary_chart", height=height,
               on_click=own_data.on_chart_click if drawing else None,
               on_first_draw=None if st.session_state.get("controls_drawn") else first_chart_drawn,
               priority=1)   # on page load the boundary draws before the loss and unit charts


def loss_chart(view: RunView, height: int | str, pace: float) -> None:
    def build() -> str:
        return figure_json(loss_spec(view.curve_losses, view.eval_epochs, view.eval_test_losses, style=style,
                                     height=_pixels(height), train_epochs=view.curve_epochs, uirevision="loss"))

    every = max(LOSS_EVERY_SECONDS, 3 * pace)                 # busy server: fewer loss redraws
    live_chart(throttled("loss", every, view, build), key="loss_chart", height=height)


def throttled(name: str, seconds: float, view: RunView, build) -> str:
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


def units_chart(view: RunView, pace: float) -> None:
    """What each hidden unit computes; redrawn at most every UNITS_EVERY_SECONDS."""
    if not view.cfg.hidden:
        st.caption("No hidden layers: the network is a linear model of the input features.")
        return

    def build() -> str:
        layers = unit_surfaces(view.net, view.cfg.features, view.data.bounds, UNITS_RESOLUTION)
        return figure_json(units_spec(layers, style=style, title=UNITS_TITLE))

    every = max(UNITS_EVERY_SECONDS, 6 * pace)
    live_chart(throttled("units", every, view, build), key="units_chart",
               height=units_height(len(view.cfg.hidden), style, titled=True))


def confusion(view: RunView) -> None:
    """Which classes the network mixes up, on the test points (train points if there are none)."""
    x, y = (view.data.x_test, view.data.y_test) if len(view.data.y_test) else (view.data.x_train, view.data.y_train)
    if not view.cfg.is_classification or not len(y):
        return
    logits = predict(view.net, featurize(x, view.cfg.features))
    k = view.cfg.n_classes
    counts = confusion_matrix(logits, y, k).numpy()
    names = list(session.class_names() or [str(c) for c in range(k)])[:k]
    names += [str(c) for c in range(len(names), k)]
    header = "| true ↓ · predicted → | " + " | ".join(escape(n) for n in names) + " |"
    rows = [f"| **{escape(n)}** | " + " | ".join(str(int(v)) for v in row) + " |" for n, row in zip(names, counts)]
    # A markdown table, not st.dataframe: the data grid's code is the biggest thing the browser
    # would load for this page, and it would delay the first chart.
    with st.expander(f"Confusion matrix ({'test' if len(view.data.y_test) else 'training'} points)"):
        st.markdown("\n".join([header, "|---" * (k + 1) + "|", *rows]))


def live_panel() -> None:
    with session.scheduler().drawing():             # training waits while this frame is drawn
        draw_live_panel()


def draw_live_panel() -> None:
    if st.session_state.pop("data_edited", False):   # a point drawn or erased on the chart
        now = session.config()
        session.ensure_run(now)
        if (now.dataset, now.classes, now.problem) != (cfg.dataset, cfg.classes, cfg.problem):
            st.rerun()                              # the controls show other choices now
    live = session.run()
    if live is None:
        return
    session.keep(live)
    view = live.view()
    pace = frame_seconds()                          # the redraw interval, for the throttled charts
    metrics(view)
    status(view, live)
    if cfg.presentation:                            # the boundary and the loss fill the screen
        left, right = st.columns([1, 1])
        with left:
            boundary_chart(view, PRESENTATION_HEIGHT)
        with right:
            loss_chart(view, PRESENTATION_HEIGHT, pace)
    else:
        left, right = st.columns([3, 2])
        with left:
            boundary_chart(view, 540)
        with right:
            loss_chart(view, 260, pace)
            units_chart(view, pace)
            if not view.playing:                # a table re-rendered every frame costs the browser
                confusion(view)
    if st.session_state.get("drawn_playing") and not view.playing:
        st.session_state.drawn_playing = False
        st.rerun()                                  # the run stopped itself: refresh the buttons
    st.session_state.drawn_playing = view.playing
    controls_now_due()


def frame_seconds() -> float:
    """Time between redraws: 12.5 a second for one user (the browser here draws ~10 a second;
    polling faster only took CPU from training: 20/s gave 9.9 fps and 28 s to settle the spiral,
    12.5/s gave 10.4 fps and 24 s), fewer as more sessions play at once, so a whole class on one
    server degrades evenly instead of stalling."""
    return max(0.08, 0.025 * session.scheduler().active_jobs())


# --- share and export ---------------------------------------------------------------------------
def share_and_export(live: LiveRun) -> None:
    share, weights, history, figures = st.columns(4)
    with share.popover("Share link", icon=":material/link:", width="stretch"):
        st.caption("This link opens the Playground with exactly these settings.")
        st.code(session.share_link(cfg), language=None, wrap_lines=True)
    weights.download_button("Weights (JSON)", icon=":material/download:", data=live.weights_json, file_name="scratchnet-weights.json",
                            mime="application/json", on_click="ignore", width="stretch")
    history.download_button("Loss history (CSV)", icon=":material/download:", data=live.history_csv, file_name="scratchnet-loss.csv",
                            mime="text/csv", on_click="ignore", width="stretch")
    figures.download_button("Figures (HTML)", icon=":material/download:", data=live.figures_html, file_name="scratchnet-figures.html",
                            mime="text/html", on_click="ignore", width="stretch")


# --- the page, top to bottom ----------------------------------------------------------------------
# Progressive first load: a session's first run draws the toolbar and the charts; the sidebar's
# controls and the export row follow once the browser has drawn the first chart. The browser
# renders nothing until the code of every kind of widget on the page has loaded (Streamlit loads
# it lazily, ~100 files for the sidebar), which held the first chart back by ~1.2 s. Without a
# browser (AppTest) everything is drawn at once; if the chart never reports, a timer brings the
# controls after CONTROLS_LATEST_SECONDS.
CONTROLS_LATEST_SECONDS = 3.0
controls_ready = bool(st.session_state.get("controls_ready")) or st.context.url is None
if controls_ready:
    st.session_state.controls_drawn = True          # this run draws them (below the charts)
else:
    st.session_state.setdefault("controls_due", time.monotonic() + CONTROLS_LATEST_SECONDS)


def first_chart_drawn() -> None:
    st.session_state.controls_ready = True


def controls_now_due() -> None:
    """Called by the live panel: bring in the controls once the first chart is up."""
    if st.session_state.get("controls_drawn"):
        return
    if st.session_state.get("controls_ready") or time.monotonic() >= st.session_state.get("controls_due", 0):
        st.session_state.controls_ready = True
        st.rerun()


if not cfg.presentation:
    st.title("ScratchNet Playground")
    st.caption(cfg.describe())
show_notes()
toolbar(run)
refresh = frame_seconds() if run.playing else (None if controls_ready else CONTROLS_LATEST_SECONDS)
st.fragment(live_panel, run_every=refresh)()
with st.sidebar:
    if controls_ready:
        controls.sidebar(cfg, thumbnails(cfg.classes), own_data.panel)
    else:
        st.caption("Loading the controls…")
if controls_ready:
    share_and_export(run)
