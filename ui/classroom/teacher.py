"""The teacher's side of the Classroom page: the class's code, link and QR code, "Send setup to class",
challenges, messages, the students, the board, and ending the class.

The teacher's powers are the class's teacher key, kept in this session, in a cookie of the teacher's
browser (a reload finds the class again: ui/classroom/teacher_key.py) and in the teacher's own link, which
the page shows folded away (a projected address bar must not give it to the class).
"""

from __future__ import annotations

import time
from urllib.parse import urlencode

import streamlit as st

from classroom import hub as class_hub
from classroom.board_frames import DATA_KNOBS, BoardView, board_frame, board_luts, setup_text
from classroom.qr import qr_png
from classroom.store import (
    GOALS,
    IDLE_SECONDS,
    Board,
    Challenge,
    ClassError,
    NoSuchClass,
    NotAllowed,
    StoreUnavailable,
)
from scratchnet.config import CUSTOM, KNOBS, Config, Setup, from_mapping
from scratchnet.draw.png import data_uri
from ui import clients, keys, live_view, session
from ui.classroom import teacher_key
from ui.classroom.markdown import escape
from ui.classroom.teacher_key import base_url

NOT_SENT = ("presentation",)            # the teacher's projector setting stays theirs


def current() -> tuple[str, str] | None:
    """(code, teacher key) of the class this session teaches: the session's own, or, in a new session
    (a reload), the one its browser keeps, checked with the store."""
    teaching = st.session_state.get(keys.CLASS_TEACHER)
    if teaching is None and not st.session_state.get(keys.CLASS_RESUMED):
        kept = teacher_key.from_browser()
        if kept is None or st.session_state.get(keys.CLASS_SEAT) is not None:
            st.session_state[keys.CLASS_RESUMED] = True
        else:
            try:
                class_hub.shared().store.check_teacher(*kept, client=clients.current())
                teaching = _teach(*kept)
                st.session_state[keys.CLASS_RESUMED] = True
            except StoreUnavailable:
                pass                                        # Redis is down: keep the key, try on the next run
            except ClassError:                              # ended, or not a key: the browser forgets it
                st.session_state[keys.CLASS_RESUMED] = True
                st.session_state[keys.CLASS_TEACHER_COOKIE] = ""
                teacher_key.keep(None, base_url(), key="class_teacher_key_forget")
    if teaching is not None:
        class_hub.shared().teach(live_view.channel(), *teaching)
    return teaching


def _teach(code: str, key: str) -> tuple[str, str]:
    st.session_state[keys.CLASS_TEACHER] = (code, key)
    st.session_state[keys.CLASS_TEACHER_COOKIE] = teacher_key.cookie_value(code, key)
    class_hub.shared().teach(live_view.channel(), code, key)
    return code, key


def _stop_teaching() -> None:
    st.session_state.pop(keys.CLASS_TEACHER, None)
    channel = st.session_state.get(keys.CHANNEL)
    if channel is not None:
        class_hub.shared().forget(channel)
    st.session_state[keys.CLASS_TEACHER_COOKIE] = ""                 # the next page run tells the browser to forget


def start() -> None:
    """The "Start a class" button."""
    try:
        code, key = class_hub.shared().store.create(client=clients.current())
    except ClassError as err:
        st.session_state[keys.CLASS_TEACHER_ERROR] = ("start", str(err))
        return
    st.session_state.pop(keys.CLASS_TEACHER_ERROR, None)
    _teach(code, key)


def claim(code: str, key: str) -> str | None:
    """A teacher's own link opened in this session: its powers are this session's. Returns what went
    wrong, in words (one answer whether the class exists or not), or None."""
    try:
        class_hub.shared().store.check_teacher(code, key, client=clients.current())
    except ClassError as err:
        return str(err)
    _teach(code, key)
    return None


def open_link(code: str, key: str) -> None:
    """A teacher link opened in this session (its key is already out of the address bar). It works, or it
    gets the one refusal; a session that is in a class already (as a student, or teaching another) is
    asked before it leaves that class (`link_question`)."""
    from ui.classroom import student

    if current() == (code, key):
        return
    try:
        class_hub.shared().store.check_teacher(code, key, client=clients.current())
    except ClassError as err:
        st.session_state[keys.CLASS_LINK_REFUSED] = str(err)
        return
    if student.seat() is not None or current() is not None:
        st.session_state[keys.CLASS_LINK_PENDING] = (code, key)
    else:
        _teach(code, key)


def _accept_link() -> None:
    from ui.classroom import student

    code, key = st.session_state.pop(keys.CLASS_LINK_PENDING)
    if student.seat() is not None:
        student.leave()
    _stop_teaching()
    problem = claim(code, key)
    if problem:
        st.session_state[keys.CLASS_LINK_REFUSED] = problem


def _decline_link() -> None:
    st.session_state.pop(keys.CLASS_LINK_PENDING, None)


def link_question() -> bool:
    """Say what came of a teacher link: its refusal, or the question of a session already in a class.
    True while the question waits for an answer."""
    refused = st.session_state.pop(keys.CLASS_LINK_REFUSED, None)
    if refused:
        st.error(refused)
    pending = st.session_state.get(keys.CLASS_LINK_PENDING)
    if pending is None:
        return False
    from ui.classroom import student

    mine = student.seat()
    now = (f"You are in class **{mine.code}** as **{escape(mine.name)}**" if mine is not None else
           f"You teach class **{current()[0]}**")
    with st.container(border=True, key="class_link_question"):
        st.markdown(f"{now}. This link makes you the teacher of class **{pending[0]}**: "
                    f"open it, and leave class {mine.code if mine is not None else current()[0]}?")
        yes, no = st.columns(2)
        yes.button(f"Teach class {pending[0]}", key="class_link_accept", on_click=_accept_link, type="primary",
                   width="stretch")
        no.button("Stay where I am", key="class_link_decline", on_click=_decline_link, width="stretch")
    return True


# Links open the app's root (the Playground sends them on to the Classroom page, ui/classroom/student.py
# follow_class_link): a page's own address, opened afresh, makes Streamlit's page probe
# /<page>/_stcore/health first, two 404s in the student's console.
def join_link(code: str) -> str:
    return f"{base_url()}?{urlencode({'class': code})}"


def teacher_link(code: str, key: str) -> str:
    return f"{base_url()}?{urlencode({'class': code, 'teacher': key})}"


def setup_to_send(setup: Setup) -> dict[str, str]:
    """The teacher's Playground setup with the controls chosen to hide, without their own view choices."""
    hide = st.session_state.get(keys.CLASS_HIDE)
    chosen = setup.replace(hide=tuple(setup.view.hide if hide is None else hide))
    return {k: v for k, v in chosen.to_query().items() if k not in NOT_SENT}


def send_setup() -> None:
    """The "Send setup to class" buttons (Classroom page and the teacher's Playground badge)."""
    code, key = current()
    setup = session.stored_setup()
    cfg = setup.config
    _act(lambda: class_hub.shared().store.send_setup(code, key, setup_to_send(setup)),
         f"Setup sent to class {code}: {cfg.describe()}.", "setup", needs_dataset=cfg)


OWN_POINTS = ("Your Playground trains on your own points, which a setup cannot carry: pick one of the datasets "
              "on your Playground first, then send again.")


def in_teacher_words(err: ClassError) -> str:
    """What went wrong, said to the teacher with what to do about it."""
    code = (current() or ("",))[0]
    if isinstance(err, NoSuchClass):
        return (f"Class {code} has ended (a class ends when its teacher ends it or after "
                f"{IDLE_SECONDS / 3600:g} hours unused): nothing was sent. Start a new class on the Classroom page.")
    if isinstance(err, NotAllowed):
        return (f"This browser tab is no longer the teacher of class {code}: nothing was sent. Open your teacher "
                "link (under \"Your teacher link\" on the Classroom page) in this tab, then try again.")
    if isinstance(err, StoreUnavailable):
        return f"Nothing was sent: {err} Try again in a moment; your students keep what they have."
    return str(err)


def _act(action, done: str, where: str, needs_dataset: Config | None = None) -> None:
    """Run a teacher's action: `done` as a toast, or what went wrong kept beside the button pressed
    (`where`) until the next action, in words that say what to do (a toast would vanish)."""
    st.session_state.pop(keys.CLASS_TEACHER_ERROR, None)
    if needs_dataset is not None and needs_dataset.dataset == CUSTOM:
        st.session_state[keys.CLASS_TEACHER_ERROR] = (where, OWN_POINTS)
        return
    try:
        action()
    except ClassError as err:
        st.session_state[keys.CLASS_TEACHER_ERROR] = (where, in_teacher_words(err))
        return
    st.session_state[keys.TOAST] = done


def show_error(where: str) -> None:
    """The teacher's last action's error, if it was made at `where`."""
    found = st.session_state.get(keys.CLASS_TEACHER_ERROR)
    if found and found[0] == where:
        st.error(found[1], icon=":material/error:")


# --- the Classroom page ------------------------------------------------------------------------------
def page() -> None:
    if st.session_state.pop(keys.CLASS_GO_PLAYGROUND, False):          # a tile's "Open on my Playground"
        st.switch_page("app_pages/playground.py")
    code, key = current()
    store = class_hub.shared().store
    try:
        board = store.board(code, key)
    except StoreUnavailable as err:
        st.error(str(err))
        return
    except ClassError:
        _stop_teaching()
        st.warning(f"Class {code} has ended.")
        teacher_key.sync(base_url())
        return
    if st.session_state.get(keys.CLASS_PROJECTOR, False):
        # The board is the whole screen (live/js/board.js's projector view), over this page; the toggle stays
        # under it so that its state lives on (a widget not drawn forgets its value).
        projector_toggle()
        board_view(code, key, wall=True)
        teacher_key.sync(base_url())
        return
    header(code, board)
    with st.container(border=True):
        send, challenge, message = st.columns(3, gap="large")
        with send:
            setup_panel(board)
        with challenge:
            challenge_panel(board)
        with message:
            message_panel()
    board_view(code, key)
    students_panel(board)
    private_panel(code, key)
    teacher_key.sync(base_url())                # last: an element of no height, out of the way


def projector_toggle() -> None:
    st.toggle("Projector view", key=keys.CLASS_PROJECTOR,
              help="The board on the whole screen, for the wall the class sees: a large QR code, the class code and "
                   "the join address beside every student's tile.")


def leave_projector() -> None:
    """The projector view's "Leave projector view" button."""
    st.session_state[keys.CLASS_PROJECTOR] = False


def header(code: str, board: Board) -> None:
    link = join_link(code)
    text, qr = st.columns([3, 1], vertical_alignment="top")
    with text:
        st.markdown(f"# Class `{code}`")
        st.markdown(f"**Join:** scan the code, or open **{escape(link, links=True)}**, or open the Classroom page and "
                    f"type **{code}**.")
        st.code(link, language=None)
        st.caption(f"{board.info.students} student{'s' if board.info.students != 1 else ''} joined")
        projector_toggle()
    qr.image(qr_png(link), width="stretch", caption="Scan to join")


def setup_panel(board: Board) -> None:
    st.subheader("Setup")
    setup = session.stored_setup()
    cfg = setup.config
    st.caption(f"Your Playground now: {cfg.describe()}")
    if board.info.setup:
        st.caption(f"Your students have: {setup_text(board.info.setup)}")
    k = KNOBS["hide"]
    names = [n for n in k.choices if n != "hide"]
    if keys.CLASS_HIDE not in st.session_state:
        st.session_state[keys.CLASS_HIDE] = [n for n in setup.view.hide if n in names]
    st.multiselect("Hide these controls from students", names, key=keys.CLASS_HIDE, format_func=k.show,
                   help="Students get the same setup without these controls.")
    custom = cfg.dataset == CUSTOM
    st.button("Send setup to class", key="class_send", type="primary", icon=":material/send:",
              on_click=send_setup, disabled=custom, width="stretch",
              help="Every student's Playground switches to this setup; students who join later get it too.")
    if custom:
        st.caption(OWN_POINTS)
    show_error("setup")


def set_challenge() -> None:
    code, key = current()
    setup = session.stored_setup()
    cfg = setup.config
    goal, target = st.session_state[keys.CLASS_GOAL], st.session_state[keys.CLASS_TARGET] / 100
    data = {k: v for k, v in cfg.to_query().items() if k in DATA_KNOBS}
    described = cfg.describe().split(" · ")[0]
    text = f"reach {target:.0%} test accuracy on {described} {GOALS[goal]}."
    text = text[0].upper() + text[1:]

    def both() -> None:
        store = class_hub.shared().store
        if st.session_state.get(keys.CLASS_CHALLENGE_SETUP, True):
            store.send_setup(code, key, setup_to_send(setup))
        store.set_challenge(code, key, Challenge(goal, target, data, text))

    _act(both, f"Challenge set: {text}", "challenge", needs_dataset=cfg)


def end_challenge() -> None:
    code, key = current()
    _act(lambda: class_hub.shared().store.set_challenge(code, key, None), "The challenge is over.", "challenge")


def challenge_panel(board: Board) -> None:
    st.subheader("Challenge")
    challenge = board.info.challenge
    if challenge is not None:
        st.markdown(f"**Now:** {escape(challenge.text)}")
    cfg = session.stored_setup().config
    st.selectbox("Goal", list(GOALS), key=keys.CLASS_GOAL, format_func=lambda g: f"Test accuracy {GOALS[g]}")
    st.slider("Test accuracy to reach (%)", 50, 100, 90, step=1, key=keys.CLASS_TARGET)
    st.checkbox("Send my setup with it", value=True, key=keys.CLASS_CHALLENGE_SETUP,
                help="The challenge is on your Playground's data; students start from your setup.")
    why_not = ("" if cfg.is_classification and cfg.dataset != CUSTOM else OWN_POINTS if cfg.is_classification else
               "A challenge is about test accuracy, which a regression has not: pick a classification dataset "
               "on your Playground first.")
    left, right = st.columns(2)
    left.button("Set challenge", key="class_set_challenge", on_click=set_challenge, width="stretch",
                disabled=bool(why_not), help="On your Playground's data (a classification dataset).")
    right.button("End challenge", key="class_end_challenge", on_click=end_challenge, width="stretch",
                 disabled=challenge is None)
    if why_not:
        st.caption(why_not)
    show_error("challenge")


def post_message() -> None:
    code, key = current()
    text = st.session_state.get(keys.CLASS_MESSAGE, "")

    def send() -> None:
        if not text.strip():
            raise ClassError("Type your message in the box first, then press Send message.")
        class_hub.shared().store.post_message(code, key, text)
        st.session_state[keys.CLASS_MESSAGE] = ""

    _act(send, "Message sent.", "message")


def message_panel() -> None:
    st.subheader("Message")
    st.text_area("Message to the class", key=keys.CLASS_MESSAGE, max_chars=280, height=90,
                 placeholder="e.g. Try a learning rate of 0.3: what happens?")
    st.button("Send message", key="class_send_message", on_click=post_message, width="stretch")
    show_error("message")


def open_on_playground() -> None:
    """A tile's "Open on my Playground": that student's setup becomes the teacher's."""
    seat = (st.session_state.get(keys.LIVE_VIEW) or {}).get("open")
    code, key = current()
    try:
        board = class_hub.shared().store.board(code, key)
    except ClassError as err:
        st.session_state[keys.CLASS_TEACHER_ERROR] = ("board", in_teacher_words(err))
        return
    student = next((s for s in board.students if s.seat == seat), None)
    if student is None or not student.setup:
        st.session_state[keys.CLASS_TEACHER_ERROR] = ("board", "That student has left the class, so their run is not "
                                                          "on the board any more: pick another tile.")
        return
    theirs, _ = from_mapping(student.setup, strict=False)
    mine = session.stored_setup()
    session.adopt_setup(theirs.replace(presentation=mine.view.presentation, hide=()))
    st.session_state[keys.TOAST] = f"{escape(student.name)}'s setup is on your Playground: press Play to run it."
    st.session_state[keys.CLASS_GO_PLAYGROUND] = True


def board_view(code: str, key: str, wall: bool = False) -> None:
    """The board: a live element of its own kind, fed over this page's socket (classroom/board_frames.py).
    `wall`: the projector view, with what a student needs to join (the QR code, the code, the address)."""
    hub = class_hub.shared()
    channel = live_view.channel()
    feed = hub.board(channel, code, key)
    frame = board_frame(feed, "", -1)
    board = {"type": "board", "luts": board_luts(), "colors": list(BoardView().style.class_colors),
             "empty": f"No students yet: they join with code {code}."}
    if wall:
        link = join_link(code)
        board["wall"] = {"code": code, "link": link.split("://", 1)[-1], "qr": data_uri(qr_png(link))}
    data = {"layout": {"rows": [{"cols": [1], "cells": [["board"]]}]}, "charts": {"board": board},
            "luts": {}, "frame": frame.inline(), "big": True}
    live_view.custom(feed, BoardView(), data, {"open": open_on_playground, "projector": leave_projector})




def _names(names: list[str], most: int = 5) -> str:
    shown = ", ".join(escape(n) for n in names[:most])
    return shown + (f" and {len(names) - most} more" if len(names) > most else "")


def remove_selected() -> None:
    """The "Remove selected" button: the students picked in the table leave the class (their pages say so)."""
    code, key = current()
    shown = st.session_state.get(keys.CLASS_SHOWN_SEATS) or []
    rows = (st.session_state.get(keys.CLASS_SELECTED) or {}).get("selection", {}).get("rows", [])
    picked = [shown[r] for r in rows if isinstance(r, int) and 0 <= r < len(shown)]
    if not picked:
        return
    seats = [seat for seat, _ in picked]
    names = [name for _, name in picked]
    _act(lambda: class_hub.shared().store.remove(code, key, seats),
         f"{_names(names)} {'was' if len(names) == 1 else 'were'} removed from the class.", "students")
    st.session_state.pop(keys.CLASS_SELECTED, None)


def set_lock() -> None:
    code, key = current()
    locked = bool(st.session_state.get(keys.CLASS_LOCK))
    _act(lambda: class_hub.shared().store.lock(code, key, locked),
         "The class is locked: nobody new can join." if locked else "The class is open: students can join again.",
         "students")


def students_panel(board: Board) -> None:
    """Who is in the class (only students whose page is open count), locking it, removing many at once."""
    with st.expander(f"Students ({len(board.students)})", icon=":material/group:"):
        st.toggle("Lock the class: nobody new can join", value=board.info.locked, key=keys.CLASS_LOCK,
                  on_change=set_lock, help="Students already in the class stay. Lock it once everyone is in.")
        show_error("students")
        if not board.students:
            st.caption("Nobody has joined yet.")
            return
        st.session_state[keys.CLASS_SHOWN_SEATS] = [(s.seat, s.name) for s in board.students]
        rows = {"Name": [s.name for s in board.students],
                "Joined": [time.strftime("%H:%M:%S", time.localtime(s.joined)) for s in board.students]}
        st.dataframe(rows, key=keys.CLASS_SELECTED, on_select="rerun", selection_mode="multi-row", hide_index=True,
                     width="stretch", height=min(400, 38 + 35 * len(board.students)))
        chosen = len((st.session_state.get(keys.CLASS_SELECTED) or {}).get("selection", {}).get("rows", []))
        st.button(f"Remove selected ({chosen})" if chosen else "Remove selected", key="class_remove_selected",
                  on_click=remove_selected, disabled=not chosen, icon=":material/person_remove:",
                  help="Pick rows in the table (shift-click for a range, the box at the top for everyone).")


def end_class() -> None:
    code, key = current()
    try:
        class_hub.shared().store.end(code, key)
    except ClassError as err:
        st.session_state[keys.CLASS_TEACHER_ERROR] = ("end", in_teacher_words(err))
        return
    _stop_teaching()
    st.session_state[keys.TOAST] = f"Class {code} has ended; its state is cleared."


def private_panel(code: str, key: str) -> None:
    with st.expander("Your teacher link (private)", icon=":material/key:"):
        st.caption("This link gives the class's teacher powers to whoever opens it (e.g. the computer at the "
                   "projector). Do not show it to the class.")
        st.code(teacher_link(code, key), language=None, wrap_lines=True)
    with st.popover("End class", icon=":material/stop_circle:"):
        st.markdown("Ending the class removes its students' seats, runs on the board, messages and "
                    "submissions. Students keep their Playground.")
        st.button("End the class now", key="class_end", type="primary", on_click=end_class)
    show_error("end")


# --- the teacher's badge on the Playground --------------------------------------------------------------
def playground_badge() -> None:
    code, _ = current()
    with st.container(border=True, key="class_teacher_badge"):
        text, send, link = st.columns([4, 2, 2], vertical_alignment="center")
        text.markdown(f":material/school: You teach **class {code}**.")
        with text:
            teacher_key.sync(base_url())
        send.button("Send setup to class", key="class_send_from_playground", on_click=send_setup,
                    icon=":material/send:", width="stretch")
        link.page_link("app_pages/classroom.py", label="Classroom page", icon=":material/co_present:")
        show_error("setup")
