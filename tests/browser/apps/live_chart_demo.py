"""Test-only app for ui.live_chart: a heatmap + scatter figure updated ~10x/s.

Pages (st.navigation): "Live" at the app root, "Compare" at ./compare (a
static chart, used to check the plotly.js URL on a page URL below the root),
"Broken" at ./broken (invalid figure JSON: the JS must report it once).

The "Live" page polls with ``@st.fragment(run_every=0.1)``: every fragment run
bumps a counter in session_state and sends a new 100x100 uint8 heatmap (a
moving wave) with 200 scatter points, ``uirevision`` fixed so zoom survives.
Text shown for the tests: ``updates: N``.
"""

from __future__ import annotations

import sys
from pathlib import Path

try:
    import ui.live_chart  # noqa: F401
except ImportError:  # run in place from tests/browser/apps/
    sys.path.insert(0, str(Path(__file__).resolve().parents[3]))

import numpy as np
import plotly.graph_objects as go
import streamlit as st

from ui.live_chart import live_chart

GRID = 100
_AXIS = np.linspace(-1.0, 1.0, GRID, dtype=np.float32)
_XX, _YY = np.meshgrid(_AXIS, _AXIS)
_RNG = np.random.default_rng(7)
_POINTS = _RNG.uniform(-0.9, 0.9, size=(200, 2)).astype(np.float32)
_LABELS = (_POINTS[:, 0] * _POINTS[:, 1] > 0).astype(np.uint8)


def make_figure(step: int) -> str:
    phase = step * 0.15
    z = 127.5 + 127.5 * np.sin(3.0 * _XX + phase) * np.cos(3.0 * _YY - 0.5 * phase)
    fig = go.Figure(
        [
            go.Heatmap(
                x=_AXIS,
                y=_AXIS,
                z=z.astype(np.uint8),
                zmin=0,
                zmax=255,
                colorscale="RdBu",
                showscale=False,
                hoverinfo="skip",
            ),
            go.Scatter(
                x=_POINTS[:, 0],
                y=_POINTS[:, 1],
                mode="markers",
                marker={"color": _LABELS, "colorscale": [[0, "#1d4ed8"], [1, "#b91c1c"]],
                        "size": 7, "line": {"width": 1, "color": "white"}},
                hoverinfo="skip",
            ),
        ]
    )
    fig.update_layout(
        uirevision="demo",
        margin={"l": 40, "r": 10, "t": 10, "b": 30},
        showlegend=False,
        xaxis={"title": None},
        yaxis={"title": None},
    )
    return fig.to_json()


@st.fragment(run_every=0.1)
def live_fragment() -> None:
    step = st.session_state.get("step", 0) + 1
    st.session_state.step = step
    live_chart(make_figure(step), key="boundary", height=420)
    st.text(f"updates: {step}")


def live_page() -> None:
    st.title("live_chart demo")
    runs = st.session_state.full_runs = st.session_state.get("full_runs", 0) + 1
    st.button("full rerun")  # a widget outside the fragment: reruns the whole page
    st.text(f"full runs: {runs}")
    live_fragment()


def compare_page() -> None:
    st.title("compare")
    live_chart(make_figure(0), key="compare_chart", height=300)
    st.text("compare page ready")


def broken_page() -> None:
    st.title("broken")
    live_chart("{not json", key="broken_chart", height=200)
    st.text("broken page ready")


st.set_page_config(page_title="live_chart demo")
st.navigation(
    [
        st.Page(live_page, title="Live", url_path="live", default=True),
        st.Page(compare_page, title="Compare", url_path="compare"),
        st.Page(broken_page, title="Broken", url_path="broken"),
    ]
).run()
