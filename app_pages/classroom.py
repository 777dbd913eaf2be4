"""Classroom: a teacher starts a class, students join it by link, QR code or code, the teacher sends a
setup or a challenge, and the board shows every student's network learning.

What the class shares lives in a store (classroom/store.py: this server's memory, or Redis when
REDIS_URL is set); the board streams over this page's live socket like any other live element.
"""

from __future__ import annotations

import streamlit as st

from classroom import hub as class_hub
from classroom.store import StoreUnavailable, normalize_code
from ui import keys, theme
from ui.classroom import student, teacher


def link_params() -> str:
    """The class code of a join link; a teacher link's key is taken into the session and out of the
    address bar (a projected address bar would show it to the class)."""
    params = st.query_params
    code = normalize_code(params.get("class", ""))
    key = params.get("teacher")
    if key is not None:
        teacher.open_link(code, key)
        st.query_params.from_dict({"class": code} if code else {})
    return code


def store_status() -> bool:
    """Say in words if the class store cannot be reached; True if it can."""
    hub = class_hub.shared()
    try:
        hub.store.ping()
    except StoreUnavailable as err:
        st.error(str(err), icon=":material/cloud_off:")
        return False
    if hub.error:
        st.warning(hub.error)
    return True


def start_or_join(code: str) -> None:
    st.title("Classroom")
    if code:
        student.join_form(code)
        return
    teach, learn = st.columns(2, gap="large")
    with teach:
        with st.container(border=True):
            st.subheader("Teach")
            st.markdown("Start a class: students join with a short code, a link or a QR code. You send them "
                        "your Playground's setup or a challenge, and the board shows every student's network "
                        "learning.")
            st.button("Start a class", key="class_start", type="primary", icon=":material/co_present:",
                      on_click=teacher.start)
            teacher.show_error("start")
    with learn:
        student.join_form("")
    where = class_hub.shared().store
    st.caption("Classes are shared by this app's servers through Redis." if where.kind == "redis" else
               "Classes live in this server's memory; they end after a few idle hours or when the teacher "
               "ends them.")


code = link_params()
theme.apply(bool(st.session_state.get(keys.CLASS_PROJECTOR)) and teacher.current() is not None)
toast = st.session_state.pop(keys.TOAST, None)
if toast:
    st.toast(toast)
if store_status() and not teacher.link_question():
    if teacher.current() is not None:
        teacher.page()
    elif student.seat() is not None:
        student.member_page()
    else:
        start_or_join(code)
