"""ScratchNet Playground's server: the pages, and beside them the socket that streams live frames.

`streamlit run app.py` finds `app` below and serves both on one port: the Streamlit pages (the frame
is navigation.py; each page is one file in app_pages/) and the live route of live/route.py,
under the same `server.baseUrlPath`; uploads go through live/upload_limits.py's per-session limits, every HTML
page carries the pages' CSS and names the live element's modules for the browser to fetch early
(live/page_head.py), and live/janitor.py gives closed sessions' memory back. At the server's start, its
listening socket gets TCP_NODELAY (live/no_delay.py).
"""

import contextlib
from collections.abc import AsyncIterator
from typing import Any

import streamlit as st
from starlette.middleware import Middleware
from streamlit import config

from live import janitor, no_delay
from live.page_head import PageHead
from live.route import live_routes
from live.scripts import script_routes
from live.upload_limits import UploadLimits
from ui.theme import PAGE_CSS, PAGE_SCRIPT


def _listed_origins() -> tuple[str, ...]:
    """Origins besides the page's own that may open the live socket (`server.corsAllowedOrigins`)."""
    return tuple(config.get_option("server.corsAllowedOrigins") or ())


@contextlib.asynccontextmanager
async def lifespan(app: Any) -> AsyncIterator[None]:
    """The server's life: TCP_NODELAY before it accepts a connection, then the janitor's care of sessions."""
    async with no_delay.lifespan(app), janitor.lifespan(app):
        yield


BASE_URL_PATH = config.get_option("server.baseUrlPath") or ""
app = st.App("navigation.py", routes=[*live_routes(BASE_URL_PATH, extra_origins=_listed_origins),
                                      *script_routes(BASE_URL_PATH)],
             middleware=[Middleware(UploadLimits),
                         Middleware(PageHead, base_url_path=BASE_URL_PATH, css=PAGE_CSS, script=PAGE_SCRIPT)],
             lifespan=lifespan)
