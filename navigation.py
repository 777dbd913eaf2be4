"""ScratchNet Playground's frame: page setup and navigation (app.py serves it).

Each page lives in `app_pages/` and calls the engine (`scratchnet/`) and the UI helpers (`ui/`).
"""

import streamlit as st
import torch

from ui import janitor, keys, session
from ui.live_chart import preload_plotly

# Tiny networks: a second torch thread only adds contention, and one server process trains
# every session's run on one thread anyway (ui/scheduler.py).
torch.set_num_threads(1)

# A presentation link opens with the controls folded away: the charts get the screen.
presenting = st.query_params.get("presentation", "0").lower() in ("1", "true", "yes", "on")
st.set_page_config(page_title="ScratchNet Playground", page_icon="🧠", layout="wide",
                   initial_sidebar_state="collapsed" if presenting else "expanded")

preload_plotly()     # the browser fetches plotly.js while the page script runs
janitor.seen(session.session_id())   # closed, its memory comes back (ui/janitor.py)
session.charge_page_run(starting=True)   # its callbacks (an upload read) are paid from the session's share

LESSON = "app_pages/lesson.py"
PAGES = [
    st.Page("app_pages/playground.py", title="Playground", icon=":material/tune:", default=True),
    st.Page("app_pages/under_the_hood.py", title="Under the hood", icon=":material/biotech:"),
    st.Page("app_pages/compare.py", title="Compare", icon=":material/compare:"),
    st.Page(LESSON, title="Lesson", icon=":material/menu_book:"),
    st.Page("app_pages/classroom.py", title="Classroom", icon=":material/school:"),
]

shown = st.navigation(PAGES)
# A teacher's link to a lesson step points at the front page (`/?lesson=tutorial&step=3`): opening a page's
# own path directly makes Streamlit probe `<path>/_stcore/health` first (two 404s in the console).
if "lesson" in st.query_params and shown.url_path == "":
    st.switch_page(LESSON, query_params=st.query_params.to_dict())
try:
    shown.run()
    # A one-off message a callback left (a bad value from the page, ui/events.py) on a page that shows none itself.
    if toast := st.session_state.pop(keys.TOAST, None):
        st.toast(toast)
finally:
    session.charge_page_run()        # and so is drawing the page (a rerun or a stop ends it here too)
