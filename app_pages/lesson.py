"""Lesson: the tutorial's four exercises with the real engine. Each step shows its few lines of code,
asks the learner to predict what they will do, runs them once the learner has committed, and says
what to notice. Steps are links (`?lesson=tutorial&step=3`), so a teacher can project one.

The content and the running of each step's code are the engine's (scratchnet/teach/lesson.py); the last
step trains the tutorial's network live in the Playground's live element (ui/live_view.py) on the
shared training thread, as a run of this page's own.
"""

from __future__ import annotations

from urllib.parse import urlencode

import pandas as pd
import streamlit as st

from live.run import LiveRun
from scratchnet.config import Setup
from scratchnet.draw.palette import Style
from scratchnet.teach.lesson import LESSON_CONFIG, LESSONS, TUTORIAL, Lesson, Step, parameter_rows, run_step
from ui import keys, live_view, session, theme, toolbar
from ui.into_view import bring_into_view
from ui.markdown import escape

VERDICT = "lesson_verdict"              # the verdict's container (its key is its CSS class: st-key-…)


# --- where we are: the link says -------------------------------------------------------------------------
def location() -> tuple[Lesson, int, str]:
    """The lesson and step the address asks for (a bad value falls back, and says so)."""
    params = st.query_params
    note = ""
    lesson = LESSONS.get(params.get("lesson", TUTORIAL.key))
    if lesson is None:            # the link's words are shown as typed (escaped), never as Markdown
        lesson, note = TUTORIAL, f"There is no lesson “{quoted(params.get('lesson'))}”; here is “{TUTORIAL.title}”."
    text = params.get("step", "1")
    # ASCII digits only: "²" and "①" are digits to str.isdigit but not to int()
    number = int(text) if text.isascii() and text.isdigit() and len(text) <= 3 else 0
    if not 1 <= number <= len(lesson.steps):
        note = note or (f"This lesson has steps 1 to {len(lesson.steps)}; “{quoted(text)}” is not one of them, so "
                        "here is step 1.")
        number = 1
    return lesson, number, note


def quoted(text: str | None, limit: int = 24) -> str:
    """A value of the link, short and escaped for Markdown."""
    text = str(text)
    return escape(text if len(text) <= limit else text[:limit - 1] + "…")


def address(lesson: Lesson, number: int) -> dict[str, str]:
    """The link to a step; a projector's presentation mode stays on."""
    wanted = {"lesson": lesson.key, "step": str(number)}
    if theme.linked_presentation():
        wanted["presentation"] = "1"
    return wanted


def go(lesson: Lesson, number: int) -> None:
    """Show step `number` (a button's callback): the address follows, so it can be shared."""
    st.query_params.from_dict(address(lesson, number))


def step_link(lesson: Lesson, number: int) -> str:
    """The link to a step, on the app's front page (navigation.py sends it on to this page)."""
    here = (st.context.url or "http://localhost:8501/lesson").split("?")[0]
    front = here.removesuffix("/").removesuffix("lesson")
    return front + "?" + urlencode(address(lesson, number))


def picked(lesson: Lesson) -> None:
    go(lesson, st.session_state[keys.LESSON_STEP])


# --- the prediction ------------------------------------------------------------------------------------------
def answers() -> dict[tuple[str, str], int]:
    return st.session_state.setdefault(keys.LESSON_ANSWERS, {})


def lock_in(lesson: Lesson, step: Step) -> None:
    choice = st.session_state.get(keys.lesson_pick(lesson.key, step.key))
    if choice is not None:
        answers()[(lesson.key, step.key)] = step.question.options.index(choice)
        st.session_state[keys.LESSON_JUST_LOCKED] = True


def try_again(lesson: Lesson, step: Step) -> None:
    answers().pop((lesson.key, step.key), None)
    st.session_state.pop(keys.lesson_pick(lesson.key, step.key), None)


def prediction(lesson: Lesson, step: Step) -> int | None:
    """Ask for a prediction; returns the locked-in option, or None while the learner is still deciding."""
    question = step.question
    locked = answers().get((lesson.key, step.key))
    with st.container(border=True):
        st.markdown(f"**Predict first.** {question.prompt}")
        key = keys.lesson_pick(lesson.key, step.key)
        if locked is not None:
            st.session_state[key] = question.options[locked]
        choice = st.radio(question.prompt, question.options, index=None, key=key, disabled=locked is not None,
                          label_visibility="collapsed")
        if locked is None:
            st.button("Lock in my answer", key=f"lesson_lock_{step.key}", type="primary", disabled=choice is None,
                      on_click=lock_in, args=(lesson, step),
                      help="Commit to a prediction; then the code runs and you see who was right.")
            st.caption("The code runs once you have locked in an answer.")
            return None
        right = locked == question.answer
        verdict = "Right." if right else f"Not quite: the answer is **{question.options[question.answer]}**."
        with st.container(key=VERDICT):
            (st.success if right else st.warning)(f"You predicted **{question.options[locked]}**. {verdict} "
                                                  f"{question.why}")
    return locked


def bring_verdict_into_view() -> None:
    """After "Lock in my answer" the verdict and the code's output are drawn where the learner clicked, often
    below the fold (at 1440×900 step 1's output started ~150 px under the window's edge)."""
    if st.session_state.pop(keys.LESSON_JUST_LOCKED, False):
        bring_into_view(VERDICT)


# --- the result ------------------------------------------------------------------------------------------------
def lesson_run() -> LiveRun:
    """This page's run of the tutorial's network, kept in the session and on the shared training thread."""
    run = st.session_state.get(keys.LESSON_RUN)
    if run is None:
        run = LiveRun(LESSON_CONFIG)
        st.session_state[keys.LESSON_RUN] = run
    session.keep(run)
    return run


def train_live(style: Style) -> None:
    run = lesson_run()
    st.markdown("**The engine, live.** The same network and the same 300 epochs; the decision boundary is the "
                "network's answer over a grid of the plane.")
    play, reset, link = st.columns([1, 1, 2.4], vertical_alignment="center")
    toolbar.play_pause(run, play, key="lesson", label="Train", help="Train the tutorial's network for 300 epochs.")
    toolbar.reset(run.reset, reset, key="lesson", help="Back to the untrained network.")
    link.page_link("app_pages/playground.py", label="Open this network in the Playground", icon=":material/tune:",
                   query_params=session.query_for(Setup(LESSON_CONFIG)))
    element = live_view.PlaygroundElement(style, boundary_height=420, loss_height=240)
    live_view.playground(run, element, on_click=None, on_first_draw=None)


def result(step: Step, style: Style) -> None:
    ran = run_step(step)
    st.markdown("**Run.** What the code printed:")
    st.code(ran.output.rstrip("\n"), language=None)
    for warning in ran.warnings:
        st.warning(f"PyTorch warned: {warning}", icon=":material/warning:")
    if step.then:
        st.markdown("**Why, and the fix.** These lines run next, in the same workspace:")
        st.code(step.then.rstrip("\n"), language="python")
        st.code(ran.then_output.rstrip("\n"), language=None)
    if step.key == "leaf":
        st.markdown("The engine's own parameters of this network (`net_for`, which uses `init_net`):")
        st.dataframe(pd.DataFrame(parameter_rows()), hide_index=True, key="lesson_params")
    if step.key == "train":
        train_live(style)
    st.info(f"**What to notice.** {step.notice}", icon=":material/visibility:")


# --- the end of the lesson -------------------------------------------------------------------------------------
def where_next(lesson: Lesson) -> None:
    """After the last step: where the learner can take what they just learned."""
    with st.container(border=True, key="lesson_next_steps"):
        st.markdown("**Where next.** You have built, run and trained the tutorial's network by hand. Now:")
        st.page_link("app_pages/playground.py", icon=":material/tune:",
                     label="Playground: this network live — change its data, its layers, its learning rate",
                     query_params=session.query_for(Setup(LESSON_CONFIG)))
        st.page_link("app_pages/under_the_hood.py", icon=":material/biotech:",
                     label="Under the hood: the Playground network's math beside its code, one step opened up")
        st.page_link("app_pages/compare.py", icon=":material/compare:",
                     label="Compare: seven learning rates trained side by side")
        st.button("Start the lesson again", key="lesson_restart", icon=":material/restart_alt:",
                  on_click=start_again, args=(lesson,))


def start_again(lesson: Lesson) -> None:
    for step in lesson.steps:
        try_again(lesson, step)
    go(lesson, 1)


# --- the page, top to bottom ------------------------------------------------------------------------------------
lesson, number, note = location()
if st.query_params.to_dict() != address(lesson, number):
    go(lesson, number)                   # the address always says where we are: copy it, project it
step = lesson.step(number)
style = theme.apply(theme.linked_presentation())

st.title(f"Lesson: {lesson.title}")
if note:
    st.warning(note)
st.markdown(lesson.intro)
titles = {i + 1: f"{i + 1} · {s.title}" for i, s in enumerate(lesson.steps)}
st.session_state[keys.LESSON_STEP] = number
st.segmented_control("Step", list(titles), format_func=titles.get, key=keys.LESSON_STEP, required=True,
                     on_change=picked, args=(lesson,))

heading, share = st.columns([4, 1.5], vertical_alignment="bottom")
heading.subheader(f"Step {number} of {len(lesson.steps)}: {step.title}")
with share.popover("Link to this step", icon=":material/link:", width="stretch"):
    st.caption("Opens this step: for a class, add presentation=1 for large type on a projector.")
    st.code(step_link(lesson, number), language=None, wrap_lines=True)
st.markdown(step.goal)
if step.before:
    with st.expander("From the steps before (runs first)"):
        st.code(step.before.rstrip("\n"), language="python")
st.code(step.code.rstrip("\n"), language="python")
if prediction(lesson, step) is not None:
    result(step, style)
    st.button("Try this step again", key=f"lesson_again_{step.key}", on_click=try_again, args=(lesson, step),
              icon=":material/undo:")

bring_verdict_into_view()

if number == len(lesson.steps) and answers().get((lesson.key, step.key)) is not None:
    where_next(lesson)

back, _, forward = st.columns([1, 3, 1])
if number > 1:
    back.button("Back", key="lesson_back", icon=":material/arrow_back:", on_click=go, args=(lesson, number - 1),
                width="stretch")
if number < len(lesson.steps):
    forward.button("Next step", key="lesson_next", icon=":material/arrow_forward:", on_click=go,
                   args=(lesson, number + 1), width="stretch", type="primary")
