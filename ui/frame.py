"""Make sure a page runs inside app.py's frame (navigation, page config, torch threads).

Streamlit 1.67 decides at the first request of a fresh server process whether the app uses
the old "pages/ folder" multipage mode: it does if a pages/ folder exists, until some run
calls st.navigation. So when the very first request of a new server is a page URL (a shared
link to /compare, say), Streamlit runs pages/compare.py on its own, with an auto-generated
menu and without app.py. Every page calls `ensure_app_frame()` first: in that one case it
switches the process to st.navigation mode and reruns, which then goes through app.py.
"""

from __future__ import annotations

import streamlit as st
from streamlit.runtime.pages_manager import PagesManager


def ensure_app_frame() -> None:
    if PagesManager.uses_pages_directory:
        PagesManager.uses_pages_directory = False
        st.rerun()
