"""Playground: sliders drive the engine; the network, the boundary and the loss stream live.

Training runs on the server's training thread (ui/scheduler.py), never in this script; the live
element (numbers, the network diagram, boundary, loss) is fed by its own socket (ui/live_view.py), so
this script runs only when the learner does something (a slider, a click in the diagram) or the run
stops. See docs/live-view.md.
"""

from __future__ import annotations

import functools
import time

import streamlit as st

from scratchnet.config import Config
from scratchnet.palette import Style
from ui import controls, keys, live_view, own_data, session, theme, toolbar
from ui.classroom import student as class_student
from ui.classroom import teacher as class_teacher
from ui.confusion import confusion_markdown
from ui.diagram_actions import playground_diagram
from ui.live_run import LiveRun, RunView
from ui.thumbnails import thumbnail_uris

PRESENTATION_HEIGHT = "max(340px, calc(100vh - 345px))"    # what is left under the header, toolbar and metrics
BOUNDARY_HEIGHT, LOSS_HEIGHT = 440, 230                    # the right column, beside the network diagram
DIAGRAM_HEIGHT = f"{BOUNDARY_HEIGHT + LOSS_HEIGHT + 8}px"  # as tall as both with the gap between them
# The sidebar's controls come once the first chart is drawn (see `controls_ready`), or after this.
CONTROLS_LATEST_SECONDS = 3.0


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


def run_toolbar(live: LiveRun, cfg: Config, ready: bool) -> None:
    play, step, reset, speed, view = st.columns([1.1, 1, 1, 1.8, 1.2], vertical_alignment="bottom")
    toolbar.play_pause(live, play)
    toolbar.step(live, step)
    toolbar.reset(live.reset, reset)
    if ready:                           # a slider's code is what the first chart waited for longest
        with speed:
            controls.speed_control(cfg)
    with view.popover("View", icon=":material/visibility:", width="stretch"):
        controls.view_toggles(cfg)


# --- the live view ----------------------------------------------------------------------------
def status(live: LiveRun, cfg: Config) -> None:
    """What the run's state asks of the learner (the page runs again when the run stops)."""
    trainable, _, _, _ = live.status()
    notice = live.stop_notice()
    if not trainable:
        need = "at least one point" if cfg.problem == "regression" else "points of at least two classes"
        st.info(f"Draw {need} to train on (pick a class under **Your own data**, then click the chart).")
    elif notice is not None:
        kind, text = notice
        (st.error if kind == "error" else st.success)(text, icon=":material/error:" if kind == "error" else None)


def live_charts(live: LiveRun, cfg: Config, style: Style) -> None:
    """The numbers, the network diagram, the boundary and the loss curve, streamed while the run trains."""
    drawing = bool(st.session_state.get(keys.DRAW_MODE))
    heights = (PRESENTATION_HEIGHT, PRESENTATION_HEIGHT) if cfg.presentation else (BOUNDARY_HEIGHT, LOSS_HEIGHT)
    element = live_view.PlaygroundElement(style, cfg.presentation, class_names=session.class_names(),
                                          clickable=drawing, boundary_height=heights[0], loss_height=heights[1],
                                          diagram_height=PRESENTATION_HEIGHT if cfg.presentation else DIAGRAM_HEIGHT)
    diagram_extra, on_diagram = playground_diagram()
    live_view.playground(live, element, on_click=own_data.on_chart_click if drawing else None,
                         on_first_draw=None if st.session_state.get(keys.CONTROLS_DRAWN) else first_chart_drawn,
                         diagram_extra=diagram_extra, on_diagram=on_diagram, follows_news=True)


def confusion(view: RunView) -> None:
    table = confusion_markdown(view, session.class_names())
    if table is not None:
        title, markdown = table
        with st.expander(title):
            st.markdown(markdown)


# --- progressive first load ---------------------------------------------------------------------
# A session's first page run draws the toolbar and the charts; the sidebar's controls and the export
# row follow once the browser has drawn the first chart (the live element reports it). The browser
# renders nothing until the code of every kind of widget on the page has loaded (Streamlit loads it
# lazily, ~100 files for the sidebar), which held the first chart back by ~1.2 s. Without a browser
# (AppTest) everything comes at once.
def controls_ready() -> bool:
    ready = bool(st.session_state.get(keys.CONTROLS_READY)) or st.context.url is None
    if ready:
        st.session_state[keys.CONTROLS_DRAWN] = True          # this run draws them (below the charts)
    else:
        st.session_state.setdefault(keys.CONTROLS_DUE, time.monotonic() + CONTROLS_LATEST_SECONDS)
    return ready


def first_chart_drawn() -> None:
    st.session_state[keys.CONTROLS_READY] = True


def bring_controls_later() -> None:
    """If the chart never reports its first draw, a timer brings the controls anyway."""
    if time.monotonic() >= st.session_state.get(keys.CONTROLS_DUE, 0):
        st.session_state[keys.CONTROLS_READY] = True
        st.rerun()


# --- share and export ---------------------------------------------------------------------------
CODE_HELP = ("This setup as a standalone PyTorch {what} in the tutorial's style (W1, b1, … as tensors, the backward "
             "and the optimizer written out). Run it and it reproduces this run from epoch 0: its last line is the "
             "final training loss.")


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
    # the code of this setup, one row down: six labels in one row would be cut short on a laptop
    script, notebook, note = st.columns([1, 1, 2], vertical_alignment="center")
    refusal = live.code_refusal()          # a setup the export cannot write out exactly: said, not downloaded
    script.download_button("Code (.py)", icon=":material/code:", data=functools.partial(live.code, "py"),
                           file_name="scratchnet-run.py", mime="text/x-python", on_click="ignore", width="stretch",
                           disabled=bool(refusal), help=refusal or CODE_HELP.format(what="script"))
    notebook.download_button("Notebook (.ipynb)", icon=":material/code_blocks:",
                             data=functools.partial(live.code, "ipynb"), file_name="scratchnet-run.ipynb",
                             mime="application/x-ipynb+json", on_click="ignore", width="stretch",
                             disabled=bool(refusal), help=refusal or CODE_HELP.format(what="notebook"))
    note.caption(refusal or "This setup as plain PyTorch in the tutorial's style (no scratchnet needed): run it and it "
                 "reproduces the run.")


# --- the page, top to bottom ----------------------------------------------------------------------
in_class = class_student.before_playground()     # a setup the class's teacher sent, before the config is read
cfg, invalid = page_config()
run = session.ensure_run(cfg)
own_data.apply_pending_import(run)
session.sync_url(cfg)
style = theme.apply(cfg.presentation)
ready = controls_ready()

if not cfg.presentation:
    st.title("ScratchNet Playground")
    st.caption(cfg.describe())
if in_class is not None:
    class_student.panel(in_class, run, cfg)
if class_teacher.current() is not None:
    class_teacher.playground_badge()
show_notes(invalid)
run_toolbar(run, cfg, ready)
status(run, cfg)
live_charts(run, cfg, style)
if not run.playing:                 # a table that would be out of date a moment later is not shown
    confusion(run.view())
with st.sidebar:
    if ready:
        controls.sidebar(cfg, thumbnail_uris(cfg.classes), own_data.panel)
    else:
        st.caption("Loading the controls…")
        st.fragment(bring_controls_later, run_every=CONTROLS_LATEST_SECONDS)()
if ready:
    share_and_export(run, cfg)
