"""Playground: sliders drive the engine; the network, the boundary and the loss stream live.

Training runs on the server's training thread (live/scheduler.py), never in this script; the live
element (numbers, the network diagram, boundary, loss) is fed by its own socket (ui/live_view.py), so
this script runs only when the learner does something (a slider, a click in the diagram) or the run
stops. See docs/live-view.md.
"""

from __future__ import annotations

import functools
import time

import streamlit as st

from live.run import FrameState, LiveRun
from scratchnet.config import Config, Setup
from scratchnet.draw.palette import Style
from ui import controls, data_panel, keys, live_view, notices, own_data, session, theme, toolbar
from ui.classroom import student as class_student
from ui.classroom import teacher as class_teacher
from ui.confusion import confusion_markdown
from ui.diagram_actions import playground_diagram
from ui.markdown import escape

FIT = "fit"                 # the live element sizes its charts to the window (live/js/live_view.js fit)


def page_setup() -> tuple[Setup, str | None]:
    """The session's setup: from the URL on a first visit or a new link, then from the widgets."""
    setup = session.setup(from_url=True)
    if st.session_state.pop(keys.RELOAD_WIDGETS, False):
        controls.load_setup(setup)                  # a fresh session, a link or an imported run
    controls.load_setup(setup, only_missing=True)
    setup, invalid = controls.read_setup(setup)
    session.set_setup(setup)
    return setup, invalid


def url_notes() -> None:
    """What was repaired in the link the page was opened with, until the learner has read it."""
    notes = st.session_state.get(keys.URL_NOTES) or []
    if not notes:
        return
    with notices.area():
        with st.container(horizontal=True, vertical_alignment="center"):
            st.markdown("**This link had settings that could not be used as they were:**")
            if st.button("Got it", key="dismiss_url_notes"):
                st.session_state[keys.URL_NOTES] = []
                st.rerun()
        for note in notes:              # as plain text: a note quotes the link, which anyone can write
            st.text(f"• {note}")


def page_notices(invalid: str | None) -> None:
    if invalid:
        notices.show(f"That combination is not possible: {escape(invalid)}. Kept the previous settings.", "warning")
    toast = st.session_state.pop(keys.TOAST, None)
    if toast:
        st.toast(toast)


def notice_lines(in_class: bool, touch: bool) -> int:
    """How many lines the page's notice place needs, known before any notice comes: one (two on a phone, whose
    lines are short), one more for a link's notes, and all of them in a class (its badge, the teacher's news, a
    challenge: they come while the learner watches, and the place is already their size)."""
    if in_class or class_teacher.current() is not None:
        return notices.MAX_LINES
    return min(notices.MAX_LINES, 1 + touch + bool(st.session_state.get(keys.URL_NOTES)))


def top_of_screen(live: LiveRun, setup: Setup, ready: bool, touch: bool, in_class: bool) -> bool:
    """Play, Step and Reset, then the knobs a learner turns most and what the view shows, on one line above
    everything (TensorFlow Playground's top bar); the notice place under it. Every part has its size from the
    first paint (theme.bar_px, notices.height): nothing moves when the knobs come with the second run or the
    page's CSS applies. On a phone the knobs go under the charts and Play, Step and Reset stay at the top of the
    screen while the charts scroll under them; on a projector the notices take the knobs' place on the line.
    Returns whether the knobs were drawn here."""
    big = setup.view.presentation
    knobs_here = not (touch or big)
    lines = notice_lines(in_class, touch)
    with st.container(horizontal=True, key="topbar", vertical_alignment="center", gap="small"):
        with st.container(horizontal=True, key="runbar", vertical_alignment="center", gap="small", wrap=False,
                          width="stretch" if touch else "content"):
            width = (lambda name: "stretch") if touch else (lambda name: theme.bar_px(name, big))
            toolbar.play_pause(live, st, width=width("play"))
            toolbar.step(live, st, width=width("step"))
            toolbar.reset(live.reset, st, width=width("reset"))
        if knobs_here:
            bar_knobs(setup, ready)
        if not touch:
            view_popover(setup)
        if big:
            notices.reserve(lines=lines, hint=hint(live, short=True), presentation=True)
    if not big:
        notices.reserve(lines=lines, hint=hint(live))
    return knobs_here


def view_popover(setup: Setup) -> None:
    with st.popover("View", icon=":material/visibility:"):
        controls.view_toggles(setup)


def bar_knobs(setup: Setup, ready: bool) -> None:
    """The learning rate, the activation and the speed, each in a place of its own size (drawn with the first
    run; a slider's code is what the first chart waited for longest, so the knobs come with the second)."""
    big = setup.view.presentation
    for name in controls.BAR_KNOBS:
        if setup.view.shows(name):
            with st.container(key=f"slot_{name}", width=theme.bar_px(name, big),
                              height=theme.bar_px("height", big), border=False):
                if ready:
                    controls.bar_knob(name, setup)


# --- the live view ----------------------------------------------------------------------------
def hint(live: LiveRun, short: bool = False) -> str:
    """What to do next, when no notice says more (the notice place shows it; `short`: one line on a projector)."""
    if toolbar.busy(live):
        return "Training…" if short else ("Training… change any knob while it trains: the learning rate goes on "
                                          "from here, the data and the network start over.")
    if live.frame_state().snapshot.epoch > 0:
        return "Paused. **Play** goes on from here, **Step** trains one epoch, **Reset** goes back to epoch 0."
    if short:
        return "Press **Play** to train."
    return ("Press **Play** to train. Click a dataset's picture to change the data, **+** and **−** on the network "
            "to add layers and units.")


def status(live: LiveRun, cfg: Config) -> None:
    """What the run's state asks of the learner (the page runs again when the run stops)."""
    trainable, error, _, _ = live.status()
    notice = live.stop_notice()
    if not trainable:
        need = "at least one point" if cfg.problem == "regression" else "points of at least two classes"
        notices.show(f"Draw {need} to train on (pick a class under **Your own data**, then click the chart).")
    elif notice is not None:
        kind, text = notice
        text = escape(text) if text == error else text          # an error's words may quote what a user wrote
        notices.show(text, kind, icon=":material/error:" if kind == "error" else None)


def live_charts(live: LiveRun, setup: Setup, style: Style) -> None:
    """The numbers, the network diagram, the boundary and the loss curve, streamed while the run trains."""
    drawing = bool(st.session_state.get(keys.DRAW_MODE))
    element = live_view.PlaygroundElement(style, setup.view, class_names=session.class_names(),
                                          clickable=drawing, boundary_height=FIT, loss_height=FIT,
                                          diagram_height=FIT, fit=True)
    diagram_extra, on_diagram = playground_diagram()
    switched = functools.partial(controls.problem_changed, setup.config)
    on_data = {"dataset": functools.partial(data_panel.on_dataset, switched),
               "knob": data_panel.on_knob}
    live_view.playground(live, element, on_click=own_data.on_chart_click if drawing else None,
                         on_first_draw=None if st.session_state.get(keys.CHART_DRAWN) else first_chart_drawn,
                         diagram_extra=diagram_extra, on_diagram={**on_diagram, **on_data}, follows_news=True)


def confusion(state: FrameState) -> None:
    table = confusion_markdown(state, session.class_names())
    if table is not None:
        title, markdown = table
        with st.expander(title):
            st.markdown(markdown)


# --- progressive first load ---------------------------------------------------------------------
# A session's first page run draws the top bar's buttons, the notice place and the live element; the knobs (the
# bar's, the sidebar's) and what is under the live element follow once the browser has drawn the first chart
# (the live element reports it). The browser renders nothing until the code of every kind of widget on the page
# has loaded (Streamlit loads it lazily, ~100 files for the sidebar), which held the first chart back by ~1.2 s.
# What comes later has its place already (the knobs') or is under the live element, which has its size by then:
# nothing on the screen moves. Without a browser (AppTest) everything comes at once.
CONTROLS_LATEST_SECONDS = 3.0       # the knobs come after this even if the chart never reports
UNDER_LATEST_SECONDS = 12.0         # ...and what is under the live element after this


def load_stage() -> tuple[bool, bool]:
    """(the knobs may come, what is under the live element may come)."""
    if st.context.url is None:
        return True, True
    drawn = bool(st.session_state.get(keys.CHART_DRAWN))
    if not drawn:
        st.session_state.setdefault(keys.CONTROLS_DUE, time.monotonic() + CONTROLS_LATEST_SECONDS)
    return drawn or bool(st.session_state.get(keys.CONTROLS_READY)), drawn


def first_chart_drawn() -> None:
    st.session_state[keys.CONTROLS_READY] = True
    st.session_state[keys.CHART_DRAWN] = True


def bring_the_rest_later() -> None:
    """If the chart never reports its first draw, a timer brings the knobs anyway, and later the rest."""
    due, now = st.session_state.get(keys.CONTROLS_DUE, 0), time.monotonic()
    if not st.session_state.get(keys.CONTROLS_READY) and now >= due:
        st.session_state[keys.CONTROLS_READY] = True
        st.rerun()
    if now >= due + UNDER_LATEST_SECONDS - CONTROLS_LATEST_SECONDS:
        st.session_state[keys.CHART_DRAWN] = True
        st.rerun()


# --- share and export ---------------------------------------------------------------------------
CODE_HELP = ("This setup as a standalone PyTorch {what} in the tutorial's style (W1, b1, … as tensors, the backward "
             "and the optimizer written out). Run it and it reproduces this run from epoch 0: its last line is the "
             "final training loss.")


def share_and_export(live: LiveRun, setup: Setup) -> None:
    share, weights, history, figures = st.columns(4)
    with share.popover("Share link", icon=":material/link:", width="stretch"):
        st.caption("This link opens the Playground with exactly these settings.")
        st.code(session.share_link(setup), language=None, wrap_lines=True)
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
setup, invalid = page_setup()
cfg = setup.config
run = session.ensure_run(setup)
own_data.apply_pending_import(run)
session.sync_url(setup)
style = theme.apply(setup.view.presentation)
ready, under = load_stage()

touch = theme.touch_screen()          # a phone's top bar holds only Play, Step, Reset and View
with st.container(key="screen", gap=theme.SCREEN_GAP_PX):      # what the first screen shows, close together
    knobs_on_top = top_of_screen(run, setup, ready, touch, in_class is not None)
    url_notes()
    if in_class is not None:
        with notices.area():
            class_student.panel(in_class, run, setup, compact=touch)
    if class_teacher.current() is not None:
        with notices.area():
            class_teacher.playground_badge()
    page_notices(invalid)
    status(run, cfg)
    live_charts(run, setup, style)       # DATA | NETWORK | OUTPUT, sized to the screen
if under:                           # under the screen: nothing here may move what is on it as it loads
    if not knobs_on_top:
        with st.container(horizontal=True, key="knobbar", gap="small", vertical_alignment="center"):
            bar_knobs(setup, ready)
            if touch:
                view_popover(setup)
    st.caption(cfg.describe())
    if not run.playing:             # a table that would be out of date a moment later is not shown
        confusion(run.frame_state())
    share_and_export(run, setup)
with st.sidebar:
    if ready:
        controls.sidebar(setup, own_data.panel)
    if not under:
        st.fragment(bring_the_rest_later, run_every=CONTROLS_LATEST_SECONDS)()
