"""ScratchNet Playground's frame: page setup and navigation (app.py serves it).

Each page lives in `app_pages/` and calls the engine (`scratchnet/`) and the UI helpers (`ui/`).
"""

import contextlib
from pathlib import Path

import streamlit as st
import torch

from live import janitor
from ui import keys, session, theme
from ui.live_chart import preload_plotly

# Tiny networks: a second torch thread only adds contention, and one server process trains
# every session's run on one thread anyway (live/scheduler.py).
torch.set_num_threads(1)

# The pages are a bar at the top; the sidebar holds the Playground's controls that its screen has no room for, and
# opens when asked (its » button). It starts folded on every screen: a sidebar that opened as the page loaded
# pushed the whole page 300 px to the right (a layout shift of 0.21 at every load), and on a phone it covered the
# page (a student arriving from the class's QR code saw controls, not the network).
# The tab's icon is a picture: an emoji's glyph is the browser's fonts' to draw (Debian's Chromium has none for one).
ICON = Path(__file__).parent / "ui" / "images" / "favicon.png"
st.set_page_config(page_title="ScratchNet Playground", page_icon=str(ICON), layout="wide",
                   initial_sidebar_state="collapsed")

janitor.seen(session.session_id())   # closed, its memory comes back (live/janitor.py)
session.charge_page_run(starting=True)   # its callbacks (an upload read) are paid from the session's share

LESSON = "app_pages/lesson.py"


def show_page() -> None:
    """Presentation mode's marker, the menu and the page itself (the pages' CSS is in the HTML page's head)."""
    playground = st.Page("app_pages/playground.py", title="Playground", icon=":material/tune:", default=True)
    pages = [
        playground,
        st.Page("app_pages/under_the_hood.py", title="Under the hood", icon=":material/biotech:"),
        st.Page("app_pages/compare.py", title="Compare", icon=":material/compare:"),
        st.Page(LESSON, title="Lesson", icon=":material/menu_book:"),
        st.Page("app_pages/classroom.py", title="Classroom", icon=":material/school:"),
    ]
    with theme.marked_before_the_menu():     # (the menu is drawn at its size from its first paint)
        shown = st.navigation(pages, position="top")
        # plotly.js fetched while the page script runs (the pages' CSS is in the HTML page: live/page_head.py). On the
        # Playground the preloader goes in its (folded) sidebar: until its code has loaded, Streamlit holds its place in
        # the page with a grey box, and the Playground's screen would have moved up when it went.
        with st.sidebar if shown.url_path == playground.url_path else contextlib.nullcontext():
            preload_plotly()
        # A teacher's link to a lesson step points at the front page (`/?lesson=tutorial&step=3`): opening a page's
        # own path directly makes Streamlit probe `<path>/_stcore/health` first (two 404s in the console).
        if "lesson" in st.query_params and shown.url_path == "":
            st.switch_page(LESSON, query_params=st.query_params.to_dict())
        shown.run()
    # A one-off message a callback left (a bad value from the page, ui/events.py) on a page that shows none itself.
    if toast := st.session_state.pop(keys.TOAST, None):
        st.toast(toast)


# The page, menu and all, when it is this session's turn: page runs take turns on the server, addresses in turns,
# each held to a share of the time while another address's run trains (live/page_gate.py: a bot's fresh sessions
# took the server). The menu and the CSS too: a fifth of a flood's page runs (docs/measured.md#page-run-floods).
with session.page_run_turn():
    try:
        show_page()
    finally:
        session.charge_page_run()    # and so is drawing the page (a rerun or a stop ends it here too)
