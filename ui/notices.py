"""A page's place for notices, reserved before any notice comes: nothing under it moves when one does.

The Playground calls `reserve(lines)` once, under its run bar. Anything later in the same script run puts a
notice there: `show(text, kind)` for a line of text, `with area(): ...` for a notice with its own widgets
(a class's news with its buttons). The place keeps its height whatever it holds (notices that do not fit
scroll inside it), so a run that finishes, a teacher's message or a setup that arrives moves nothing on the
page: a notice pushed above the charts was most of the Playground's layout shift (CLS 0.40, web-vitals'
"good" is < 0.1). Empty, the place shows the page's hint: what to do next.

On a page without a reserved place `show` draws the notice where it is called, as st.info etc. would.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any, Literal

import streamlit as st
from streamlit.runtime.scriptrunner import get_script_run_ctx

from ui import keys

Kind = Literal["info", "success", "warning", "error"]
MAX_LINES = 3


@dataclass
class _Place:
    area: Any                   # the reserved container
    hint: Any                   # an st.empty holding the hint until a notice comes
    run: object                 # the script run that drew it (a place belongs to one run)
    shown: int = 0


def _run() -> object:
    """This script run's identity: Streamlit gives every run (and fragment run) a fresh cursor table."""
    ctx = get_script_run_ctx(suppress_warning=True)
    return ctx.cursors if ctx is not None else None


def _place() -> _Place | None:
    place = st.session_state.get(keys.NOTICE_PLACE)
    if place is None or place.run is not _run() or place.run is None:
        return None
    return place


LINE_PX = 40                    # one notice: a compact alert (ui/theme.py), at the normal font
PRESENTATION_SCALE = 22 / 16    # presentation mode's base font is 22 px


def height(lines: int, presentation: bool = False) -> int:
    """The place's height in CSS pixels: Streamlit gives it the height itself, from the first paint."""
    return round((lines * LINE_PX + (lines - 1) * 4) * (PRESENTATION_SCALE if presentation else 1))


def reserve(*, lines: int = 1, hint: str = "", presentation: bool = False) -> None:
    """Draw the page's place for notices here: `lines` lines high (1 to MAX_LINES), showing `hint` until a
    notice comes."""
    lines = max(1, min(MAX_LINES, lines))
    area = st.container(key="notices", height=height(lines, presentation), border=False)
    slot = area.empty()
    if hint:
        slot.caption(hint)
    st.session_state[keys.NOTICE_PLACE] = _Place(area, slot, _run())


def _taken(place: _Place) -> None:
    if place.shown == 0:
        place.hint.empty()
    place.shown += 1


def show(text: str, kind: Kind = "info", *, icon: str | None = None) -> None:
    """A notice in the page's reserved place (or here, on a page without one). `text` is Markdown: escape
    what a user wrote (ui/markdown.py)."""
    place = _place()
    if place is None:
        getattr(st, kind)(text, icon=icon)
        return
    _taken(place)
    getattr(place.area, kind)(text, icon=icon)


@contextmanager
def area() -> Iterator[None]:
    """`with notices.area(): ...`: what is drawn inside goes to the reserved place (or stays here, on a page
    without one)."""
    place = _place()
    if place is None:
        yield
        return
    _taken(place)
    with place.area:
        yield
