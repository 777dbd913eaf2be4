"""A Plotly chart that updates in place: ``live_chart(fig_json, key=...)`` (Under the hood's history).

Why not ``st.plotly_chart``: its element identity hashes the whole figure, so every new figure mounts
a fresh chart (zoom and pan lost, blank flashes). This is a keyed ``st.components.v2`` element
instead: Streamlit keeps the same element for the same ``key``, and its JavaScript
(``ui/js/live_chart.js``) calls ``Plotly.react`` on one persistent div. With ``layout.uirevision``
set in the figure, zoom and pan survive updates. (Charts fed by a page's socket are ui/live_view.py.)

plotly.js is served by the app itself: the partial bundle in ``<app root>/static/`` (ui/assets.py), which
``[server] enableStaticServing = true`` serves at ``<app root URL>/app/static/``; ``live/js/plotly_loader.js``
finds the app root from the URL of Streamlit's own bundle, so it works on page URLs and under
``server.baseUrlPath``.
"""

from __future__ import annotations

import hashlib
import re
from pathlib import Path
from typing import Any

import streamlit as st

from live import scripts

__all__ = ["COMPONENT_NAME", "live_chart", "preload_plotly"]

COMPONENT_NAME = "scratchnet_live_chart"
_HERE = Path(__file__).resolve().parent


def _read(*parts: str) -> str:
    return _HERE.joinpath(*parts).read_text(encoding="utf-8")


# The first element of every page: it starts plotly.js and the live element's modules (the page's CSS comes
# with the page: ui/theme.py).
_preloader = st.components.v2.component("scratchnet_plotly_preload", js=scripts.preload_js(), isolate_styles=False)
_component = st.components.v2.component(COMPONENT_NAME,
                                        js=scripts.module_text("plotly_loader.js") + _read("js", "live_chart.js"),
                                        css=_read("css", "live_chart.css"), isolate_styles=False)


def preload_plotly() -> None:
    """Start loading plotly.js and the live element's code in the browser now (an invisible element; call it
    first)."""
    _preloader(key="plotly_preload", data={}, height="content")


_CSS_LENGTH = re.compile(r"[0-9a-z().+\-*/%\s,]{1,80}")


def _figure_json(fig_json: Any) -> str:
    if isinstance(fig_json, str):
        return fig_json
    if isinstance(fig_json, dict):
        import plotly.io.json as pio_json

        return pio_json.to_json_plotly(fig_json)
    to_json = getattr(fig_json, "to_json", None)
    if callable(to_json):  # a plotly.graph_objects.Figure
        return to_json()
    raise TypeError(f"live_chart expects figure JSON (str or dict), got {type(fig_json).__name__}")


def live_chart(fig_json: str | dict[str, Any], *, key: str, height: int | str = 420) -> None:
    """Show a Plotly figure (``go.Figure.to_json()`` or a dict in Plotly's schema; numpy arrays as
    base64 typed arrays) that later calls with the same ``key`` update in place. ``height``: pixels,
    or a CSS length such as ``"max(360px, calc(100vh - 300px))"``; the width follows the container."""
    if not isinstance(key, str) or not key:
        raise ValueError("live_chart needs a non-empty string key")
    if isinstance(height, str):
        if not _CSS_LENGTH.fullmatch(height):
            raise ValueError(f"height must be pixels or a CSS length like 'calc(100vh - 300px)', got {height!r}")
    elif not isinstance(height, int) or isinstance(height, bool) or height <= 0:
        raise ValueError(f"height must be a positive int or a CSS length, got {height!r}")
    figure = _figure_json(fig_json)
    rev = hashlib.blake2b(figure.encode("utf-8"), digest_size=8).hexdigest()
    _component(key=key, data={"key": key, "figure": figure, "rev": rev, "height": height}, height="content")
