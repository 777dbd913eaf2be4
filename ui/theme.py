"""Page-level styling: the normal look and presentation mode for a projector.

Presentation mode is for the back row of a classroom: a larger base font (every rem-sized
Streamlit element grows with it), heavier metric numbers, and the boundary and loss charts
given most of the screen (the page does that part). Colours stay those of the figures'
`PRESENTATION` style, which keeps a colour-blind-safe palette with darker, more saturated
hues that survive a washed-out projector.
"""

from __future__ import annotations

import streamlit as st

from scratchnet.palette import CLASS_COLORS, DEFAULT, PRESENTATION, Style
from ui import keys

# Every page's CSS travels with the page's first element (ui/live_chart.py's plotly preloader), not in an
# st.html element: that one made the first page wait for two more script files (Html, DOMPurify).
PAGE_CSS = """
/* Tighter top padding: the charts are the page. */
.block-container { padding-top: 2.2rem; }
[data-testid="stMetricValue"] { font-variant-numeric: tabular-nums; }
.st-key-plotly_preload { display: none; }
/* The dataset picker's buttons sit three to a row under their pictures: little padding, so names fit. */
[class*="st-key-pick_"] button { padding-left: 0.2rem; padding-right: 0.2rem; }
"""
# "Your own data": each class's button has a dot in its class's colour (ui/own_data.py puts the icon first; the
# buttons come in class order, "new class" where the next class's colour goes, then "erase" without a dot).
PAGE_CSS += "".join(f'.st-key-{keys.DRAW_MODE} [role="radiogroup"] > button:nth-child({c + 1}) '
                    f'[data-testid="stIconMaterial"] {{ color: {color}; background: {color}; }}\n'
                    for c, color in enumerate(CLASS_COLORS))
# The icon's box filled as a dot (Streamlit's icon font draws only the outline of a circle).
PAGE_CSS += (f'.st-key-{keys.DRAW_MODE} [data-testid="stIconMaterial"] {{ width: 0.8em; height: 0.8em; '
             'border-radius: 50%; overflow: hidden; }\n')

_PRESENTATION = """
<style>
html { font-size: 22px; }
[data-testid="stMetricValue"] { font-size: 2.1rem; font-weight: 700; }
[data-testid="stMetricLabel"] p { font-size: 1.05rem; font-weight: 600; }
/* Below Streamlit's header (3.75rem: it grows with the font too), which hid the toolbar's "Speed" label. */
.block-container { max-width: 100%; padding-left: 1.5rem; padding-right: 1.5rem; padding-top: 3.9rem; }
button p { font-size: 1.1rem; font-weight: 600; }
</style>
"""


def apply(presentation: bool) -> Style:
    """Presentation mode's CSS, if on; the figure style to draw with."""
    if presentation:
        st.html(_PRESENTATION)
    return PRESENTATION if presentation else DEFAULT
