"""The class a browser teaches survives a reload: the teacher's key is kept in a cookie of that browser.

A reload is a new Streamlit session, whose state is empty; the teacher link folded away on the page is
one way back, this is the one that needs nothing. The page sets the cookie (a small element with
JavaScript, ui/js/teacher_key.js: `CODE.KEY`, SameSite=Strict, Secure over https, for a school day), and
the browser sends it with the WebSocket of every new session, where `st.context.cookies` reads it. It is
a credential like the teacher link and is checked the same way (`ClassStore.check_teacher`, counted
against the client's wrong tries): it cannot be forged (256 random bits, compared with the digest the
store keeps), and a class that ended makes the page forget it.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from urllib.parse import unquote, urlsplit

import streamlit as st

from classroom.store import normalize_code
from ui import keys

COOKIE = "scratchnet_teacher"
MAX_AGE_SECONDS = 12 * 3600             # a school day: the class itself ends sooner when nobody is in it
_KEY = re.compile(r"[A-Za-z0-9_-]{32,64}")
CLASSROOM_PAGE = "classroom"            # the Classroom page's url_path

_element = st.components.v2.component(
    "scratchnet_teacher_key",
    js=(Path(__file__).resolve().parents[1] / "js" / "teacher_key.js").read_text(encoding="utf-8"),
)


def cookie_value(code: str, key: str) -> str:
    return f"{code}.{key}"


def parse(value: object) -> tuple[str, str] | None:
    """(code, key) from a cookie's value, or None for anything else."""
    code, _, key = unquote(str(value or "")).partition(".")
    code = normalize_code(code)
    return (code, key) if code and _KEY.fullmatch(key) else None


def from_browser() -> tuple[str, str] | None:
    """The class this browser said it teaches when this session began (None if it said nothing)."""
    return parse(st.context.cookies.get(COOKIE))


def keep(teaching: tuple[str, str] | None, base_url: str, key: str = "class_teacher_key") -> None:
    """Tell the browser to keep `teaching` (or to forget what it keeps): an element of no height, drawn by
    the page run (the same value again costs nothing in the browser)."""
    value = cookie_value(*teaching) if teaching else ""
    path = urlsplit(base_url).path or "/"
    _element(key=key, height="content",
             data=json.dumps({"name": COOKIE, "value": value, "path": path, "maxAge": MAX_AGE_SECONDS}))


def sync(base_url: str) -> None:
    """Once per page run of the Classroom page (and the teacher's badge): the browser keeps what this
    session teaches, or forgets a class that ended or a key that did not work."""
    if keys.CLASS_TEACHER_COOKIE in st.session_state:
        kept = st.session_state[keys.CLASS_TEACHER_COOKIE]
        keep(parse(kept) if kept else None, base_url)


def base_url() -> str:
    """The app's address as this browser reached it, without a page or query."""
    url = (st.context.url or "http://localhost:8501/").split("?")[0]
    if url.rstrip("/").endswith("/" + CLASSROOM_PAGE):
        url = url.rstrip("/")[: -len(CLASSROOM_PAGE)]
    return url if url.endswith("/") else url + "/"
