"""A student in a class: joining, the class's setup arriving on their Playground, and their part of
the Playground (the class badge, the teacher's messages, the challenge and "Submit my run").

A student sees only their own run and what the teacher sends: everything here reads the store
through `ClassStore.student`, which answers for the student's own seat alone.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

import streamlit as st

from classroom import hub as class_hub
from classroom.board_frames import summary_of_run
from classroom.setup_push import note, same_setup, setup_config
from classroom.store import (
    ClassError,
    NoSuchClass,
    NotAllowed,
    Seat,
    StoreUnavailable,
    StudentView,
    Submission,
)
from live.run import LiveRun
from scratchnet.config import Config, Setup
from ui import clients, keys, live_view, session
from ui.classroom import teacher_key
from ui.classroom.markdown import escape

CONFIRM_SECONDS, MAX_REAPPLY = 2.0, 3
SHOWN_MESSAGES = 3


@dataclass(frozen=True)
class ClassState:
    """What the Playground's page run knows of the student's class: the class, or why not."""

    seat: Seat
    view: StudentView | None
    error: str = ""


def seat() -> Seat | None:
    return st.session_state.get(keys.CLASS_SEAT)


def join(code: str, name: str) -> Seat:
    """Join the class (ClassError with a sentence if not); the Playground then applies its setup. The
    seat is this session's: the hub keeps it while the session lives and gives it back when it ends."""
    joined = class_hub.shared().store.join(code, name, client=clients.current())
    class_hub.shared().member(live_view.channel(), joined)
    st.session_state[keys.CLASS_SEAT] = joined
    st.session_state[keys.CLASS_APPLIED] = 0
    st.session_state.pop(keys.CLASS_REPORTED, None)
    return joined


def leave() -> None:
    """The "Leave class" button."""
    mine = seat()
    if mine is not None:
        try:
            class_hub.shared().store.leave(mine.code, mine.seat, mine.key)
        except ClassError:
            pass                                    # gone already, or the store is down: leave anyway
    _forget(f"You left class {mine.code}." if mine else "")


def _forget(note: str) -> None:
    channel = st.session_state.get(keys.CHANNEL)
    if channel is not None:
        class_hub.shared().forget(channel)
    for key in (keys.CLASS_SEAT, keys.CLASS_APPLIED, keys.CLASS_NOTE, keys.CLASS_REPORTED,
                keys.CLASS_SUBMIT_MESSAGE, keys.CLASS_PENDING_SETUP):
        st.session_state.pop(key, None)
    if note:
        st.session_state[keys.TOAST] = note


# --- the Playground: before it reads its config ------------------------------------------------------
LINK_PARAMS = ("class", "teacher")


def follow_class_link() -> None:
    """A join link (or a teacher's own) opens the app's root, the Playground: it is for the Classroom page."""
    params = st.query_params
    if "class" in params:
        st.switch_page("app_pages/classroom.py", query_params={k: params[k] for k in LINK_PARAMS if k in params})


def before_playground() -> ClassState | None:
    """Follow a class link; read the class once for this page run and apply a setup newer than the one
    this Playground has."""
    follow_class_link()
    mine = seat()
    if mine is None:
        return None
    try:
        view = class_hub.shared().store.student(mine.code, mine.seat, mine.key)
    except NoSuchClass:
        _forget(f"Class {mine.code} has ended. Your Playground keeps its setup.")
        return None
    except NotAllowed:
        _forget(f"You are no longer in class {mine.code}.")
        return None
    except StoreUnavailable as err:
        return ClassState(mine, None, str(err))
    info = view.info
    if info.setup and info.setup_number > st.session_state.get(keys.CLASS_APPLIED, 0):
        # the run the hub already switched this Playground to (classroom/setup_push.py), if it did
        pushed = class_hub.shared().claim(live_view.channel(), info.setup_number)
        if pushed is not None:
            st.session_state[keys.RUN] = pushed
        apply_setup(info.setup)
        st.session_state[keys.CLASS_APPLIED] = info.setup_number
    return ClassState(mine, view)


def apply_setup(setup: dict[str, str]) -> Setup:
    """The teacher's setup as this session's (its widgets follow on this page run)."""
    current = session.stored_setup()
    wanted = setup_config(setup, current)
    session.adopt_setup(wanted)
    st.session_state[keys.CLASS_NOTE] = note(wanted.config)
    st.session_state[keys.CLASS_PENDING_SETUP] = (wanted, current, time.monotonic(), 0)
    return wanted


def confirm_setup(read: Setup) -> None:
    """The page read its setup (from its widgets and its address): is it the setup just applied?
    A page run the browser asked for before it had the new setup's widgets and address (it still
    sends the old ones) reads the old setup back, and the Playground takes an address it did not write
    for a link just opened. For CONFIRM_SECONDS after the setup arrived, a run that reads exactly the
    old setup puts the teacher's back (a few times at most); any other change is the student's own."""
    pending = st.session_state.get(keys.CLASS_PENDING_SETUP)
    if pending is None:
        return
    wanted, before, since, tries = pending
    if same_setup(read, wanted):
        if time.monotonic() - since >= CONFIRM_SECONDS:
            del st.session_state[keys.CLASS_PENDING_SETUP]
        return
    if not same_setup(read, before) or tries >= MAX_REAPPLY:
        del st.session_state[keys.CLASS_PENDING_SETUP]
        return
    session.adopt_setup(wanted)
    st.session_state[keys.CLASS_PENDING_SETUP] = (wanted, before, since, tries + 1)
    st.rerun()


# --- the Playground: the student's panel -------------------------------------------------------------
def panel(state: ClassState, run: LiveRun, setup: Setup, compact: bool = False) -> None:
    """The class badge, the teacher's news and the challenge; registers the page for news and reports
    this run's setup to the board. `compact` (a phone): one line each, the whole of it a tap away."""
    mine, cfg = state.seat, setup.config
    confirm_setup(setup)
    if compact:
        compact_panel(state, run, cfg)
    else:
        with st.container(border=True, key="class_badge"):
            _badge(state, run, cfg)
    if state.error:
        return
    hub = class_hub.shared()
    hub.member(live_view.channel(), mine, state.view.info.events, st.session_state.get(keys.CLASS_APPLIED, 0))
    texts = setup.to_query()
    if st.session_state.get(keys.CLASS_REPORTED) != texts:
        try:
            summary = summary_of_run(run, setup.view.discretize)
            hub.store.report(mine.code, mine.seat, mine.key, summary=summary, setup=texts)
            st.session_state[keys.CLASS_REPORTED] = texts
        except StoreUnavailable as err:
            st.warning(str(err))


def _badge(state: ClassState, run: LiveRun, cfg: Config) -> None:
    mine = state.seat
    badge, leave_col = st.columns([5, 1], vertical_alignment="center")
    badge.markdown(f":material/school: **Class {mine.code}** · you are **{escape(mine.name)}**")
    leave_col.button("Leave class", key="class_leave", on_click=leave, width="stretch")
    if state.error:
        st.warning(state.error)
        return
    _news(state.view)
    _challenge(state.view, run, cfg)


def compact_panel(state: ClassState, run: LiveRun, cfg: Config) -> None:
    """A phone's class panel, at most three lines in the notice place (ui/notices.py), each one line high
    whatever it says: the class and Leave; the newest news, whose button opens all of it in full (a popover,
    over the page: nothing under it moves); the challenge and Submit. On a phone the panel's notices wrapped
    to two lines or more and were cut off at the place's edge, to be scrolled inside it."""
    mine = state.seat
    with st.container(key="class_badge", gap="xxsmall"):
        with st.container(horizontal=True, vertical_alignment="center", gap="small"):
            st.markdown(f":material/school: **Class {mine.code}** · you are **{escape(mine.name)}**", width="stretch",
                        wrap=False)
            st.button("Leave", key="class_leave", on_click=leave, width="content")
        if state.error:
            st.warning(state.error)
            return
        view = state.view
        news = _latest_news(view)
        if news is not None:
            with st.popover(news, icon=":material/chat:", key="class_news", type="tertiary", wrap=False,
                            width="stretch"):
                _news(view)
        challenge = view.info.challenge
        if challenge is not None:
            with st.container(horizontal=True, vertical_alignment="center", gap="small"):
                with st.popover(f"**Challenge:** {escape(one_line(challenge.text))}", icon=":material/emoji_events:",
                                key="class_challenge", type="tertiary", wrap=False, width="stretch"):
                    st.markdown(f"**Challenge:** {escape(challenge.text)}")
                    _best_so_far(view, challenge.number)
                st.button("Submit", key="class_submit", type="primary", on_click=submit, args=(run,),
                          width="content", disabled=not cfg.is_classification)
        message = st.session_state.pop(keys.CLASS_SUBMIT_MESSAGE, None)
        if message:
            st.toast(message[1], icon=":material/check_circle:" if message[0] == "success" else ":material/warning:")


def one_line(text: str) -> str:
    """A text's words on one line (a button's label)."""
    return " ".join(text.split())


def _latest_news(view: StudentView) -> str | None:
    """The newest news as one line of Markdown (a note about the setup that came, or the teacher's latest message)."""
    note = st.session_state.get(keys.CLASS_NOTE)
    messages = view.info.messages
    if messages:
        return f"**Your teacher:** {escape(one_line(messages[-1].text))}"
    return one_line(note) if note else None


def _dismiss_note() -> None:
    st.session_state.pop(keys.CLASS_NOTE, None)


def _ago(at: float) -> str:
    seconds = max(0, int(time.time() - at))
    if seconds < 60:
        return "just now"
    return f"{seconds // 60} min ago" if seconds < 3600 else f"{seconds // 3600} h ago"


def _news(view: StudentView) -> None:
    note = st.session_state.get(keys.CLASS_NOTE)
    if note:
        text, button = st.columns([5, 1], vertical_alignment="center")
        text.info(note, icon=":material/campaign:")
        button.button("Got it", key="class_note_ok", on_click=_dismiss_note, width="stretch")
    messages = view.info.messages
    for message in reversed(messages[-SHOWN_MESSAGES:]):
        st.info(f"**Your teacher** ({_ago(message.at)}): {escape(message.text, links=True)}", icon=":material/chat:")


def _challenge(view: StudentView, run: LiveRun, cfg: Config) -> None:
    challenge = view.info.challenge
    if challenge is None:
        return
    text, button = st.columns([5, 1], vertical_alignment="center")
    text.markdown(f":material/emoji_events: **Challenge:** {escape(challenge.text)}")
    button.button("Submit my run", key="class_submit", type="primary", on_click=submit, args=(run,),
                  width="stretch", disabled=not cfg.is_classification)
    _best_so_far(view, challenge.number)
    message = st.session_state.pop(keys.CLASS_SUBMIT_MESSAGE, None)
    if message:
        kind, words = message
        (st.success if kind == "success" else st.warning)(words)


def _best_so_far(view: StudentView, challenge: int) -> None:
    done = view.submission
    if done is not None and done.challenge == challenge:
        st.caption(f"Your best so far: {done.test_accuracy:.1%} test accuracy, {done.params:,} parameters, "
                   f"reached by epoch {done.epochs:,}.")


NOT_TRAINED_HERE = {"imported": "imported from a run file", "edited": "edited by hand in the network diagram"}


def submission_of(run: LiveRun, target: float, number: int) -> Submission:
    """The run as this server measured it, for challenge `number`: its test accuracy now, its parameters,
    and the first epoch this server's own evaluation found it at `target`. A run whose network came from
    elsewhere (a run file, whose history anyone can edit; a hand edit) is refused (ClassError): its epochs
    and its accuracy along the way were not this server's to count."""
    with run.lock:
        origin = run.origin
        reached = next((e.epoch for e in run.trainer.history.evaluations
                        if e.test_accuracy is not None and e.test_accuracy >= target), None)
    if origin != "trained":
        raise ClassError(f"This run's network was {NOT_TRAINED_HERE.get(origin, 'not trained here')}: a challenge "
                         "counts a run trained here from its start. Press Reset, then train it.")
    state = run.frame_state()
    accuracy = state.snapshot.test_accuracy
    return Submission("", "", float("nan") if accuracy is None else float(accuracy),
                      sum(int(p.numel()) for p in state.net.params),
                      int(state.snapshot.epoch if reached is None else reached), state.cfg.to_query(), number,
                      time.time())


def submit(run: LiveRun) -> None:
    """The "Submit my run" button."""
    mine = seat()
    if mine is None:
        return
    store = class_hub.shared().store
    try:
        challenge = store.student(mine.code, mine.seat, mine.key).info.challenge
        if challenge is None:
            raise ClassError("The challenge is over.")
        entry = submission_of(run, challenge.target, challenge.number)
        best = store.submit(mine.code, mine.seat, mine.key, entry)
    except ClassError as err:
        st.session_state[keys.CLASS_SUBMIT_MESSAGE] = ("warning", str(err))
        return
    numbers = f"{entry.test_accuracy:.1%} test accuracy with {entry.params:,} parameters (epoch {entry.epochs:,})"
    st.session_state[keys.CLASS_SUBMIT_MESSAGE] = (
        ("success", f"Submitted: {numbers}. It is on the board.") if best else
        ("warning", f"Your earlier submission ranks higher than this one ({numbers}); the board keeps it."))


# --- the Classroom page: joining ----------------------------------------------------------------------
def join_form(code: str) -> None:
    """"Your name" and "Join" (with the class code typed, or from the join link). Wrong codes are counted
    by the store per client (classroom/limits.py), whichever session types them."""
    from classroom.store import CODE_LENGTH, MAX_NAME, normalize_code

    teacher_key.sync(teacher_key.base_url())        # a class this browser taught ended: it forgets it
    with st.form("class_join", border=True):
        st.subheader(f"Join class {code}" if code else "Join a class")
        typed = code if code else st.text_input("Class code", max_chars=CODE_LENGTH + 2, placeholder="e.g. K7PX3M",
                                                key="class_code")
        name = st.text_input("Your name", max_chars=MAX_NAME, key="class_name",
                             help="Shown on the class's board. No account needed.")
        joined = st.form_submit_button("Join", type="primary", icon=":material/login:")
    if not joined:
        return
    wanted = normalize_code(typed)
    try:
        if not wanted:
            raise ClassError(f"A class code is {CODE_LENGTH} letters and digits, like K7PX3M.")
        join(wanted, name)
    except ClassError as err:
        st.error(str(err))
        return
    st.switch_page("app_pages/playground.py")


def member_page() -> None:
    """The Classroom page of a student already in a class."""
    mine = seat()
    st.title("Classroom")
    st.markdown(f":material/school: You are in **class {mine.code}** as **{escape(mine.name)}**.")
    go, out = st.columns(2)
    go.page_link("app_pages/playground.py", label="Go to your Playground", icon=":material/tune:")
    out.button("Leave class", key="class_leave_page", on_click=leave)

    teacher_key.sync(teacher_key.base_url())
