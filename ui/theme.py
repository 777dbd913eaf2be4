"""Page-level styling: the normal look and presentation mode for a projector.

Presentation mode is for the back row of a classroom: a larger base font (every rem-sized
Streamlit element grows with it), heavier metric numbers, and the boundary and loss charts
given most of the screen (the page does that part). Colours stay those of the figures'
`PRESENTATION` style, which keeps a colour-blind-safe palette with darker, more saturated
hues that survive a washed-out projector.
"""

from __future__ import annotations

import contextlib
import re
from collections.abc import Iterator
from contextvars import ContextVar
from dataclasses import dataclass

import streamlit as st
from streamlit.delta_generator import DeltaGenerator

from scratchnet.config import KNOBS, ConfigError
from scratchnet.draw.palette import CLASS_COLORS, DEFAULT, PRESENTATION, Style
from ui import keys

# The Playground's screen (app_pages/playground.py): a top bar, the notice place under it (ui/notices.py), then
# the live element (DATA | NETWORK | OUTPUT). Streamlit sizes the bar's parts and the notice place itself (see
# BAR_PX); this CSS changes only how things look inside their boxes (a knob's label beside it, compact notices)
# and, on a phone, keeps the run buttons at the top of the screen (sticky).
PLAYGROUND_CSS = """
/* Streamlit's header lets clicks through where it draws nothing. */
[data-testid="stToolbar"] { pointer-events: none; }
[data-testid="stHeader"] button, [data-testid="stHeader"] a { pointer-events: auto; }
/* The bar's knobs: the label beside the knob, in the place Streamlit made for it. */
[class*="st-key-slot_"] [data-testid="stSlider"], [class*="st-key-slot_"] [data-testid="stSelectbox"] {
  display: flex; align-items: center; gap: 0.6rem;
}
[class*="st-key-slot_"] [data-testid="stWidgetLabel"] { margin: 0; min-height: 0; flex: 0 0 auto; }
[class*="st-key-slot_"] [data-testid="stWidgetLabel"] p { font-size: 0.85rem; }
[class*="st-key-slot_"] [data-testid="stSlider"] > div:last-child,
[class*="st-key-slot_"] [data-testid="stSelectbox"] > div:last-child { flex: 1 1 auto; min-width: 0; }
[class*="st-key-slot_"] { overflow: visible; }
/* The notice place: compact notices, one line each (a class's badge and news too). */
.st-key-notices { gap: 0.25rem; }
.st-key-notices [data-testid="stAlertContainer"] { padding: 0.4rem 0.75rem; }
.st-key-notices [data-testid="stAlertContainer"] p { margin: 0; }
.st-key-notices [data-testid="stVerticalBlock"] { gap: 0.25rem; }
.st-key-notices .st-key-class_badge, .st-key-notices .st-key-class_teacher_badge { padding: 0.2rem 0.6rem; }
.st-key-notices button { min-height: 2rem; padding-top: 0.1rem; padding-bottom: 0.1rem; }
.st-key-notices [data-testid="stMarkdownContainer"] p { margin-bottom: 0; }
@media (max-width: 820px) {
  [data-testid="stHeader"] { background: #ffffff; }
  /* Play, Step and Reset stay within reach while the charts scroll under them. */
  [data-testid="stLayoutWrapper"]:has(> .st-key-topbar) {
    position: sticky; top: 3.75rem; z-index: 999989; background: #ffffff; box-shadow: 0 6px 6px -6px rgba(0, 0, 0, 0.2);
  }
}
"""
# Every page's CSS, in the <head> of the HTML page the app sends (live/page_head.py): it applies from the first
# paint, before Streamlit has drawn anything. Streamlit's page starts narrow and turns wide when the first page
# run's settings come (navigation.py: every page is wide); the first rule holds the wide layout from the start (the
# jump moved the first run's elements: a layout shift of 0.07 at one load in two) as Streamlit's wide layout has it:
# no width limit, and 5rem sides in a window wider than its centred layout's 736 px plus 2 × 4rem.
PAGE_CSS = """
.stMain [data-testid="stMainBlockContainer"] { max-width: initial; min-width: auto; }
@media (min-width: calc(736px + 8rem)) {
  .stMain [data-testid="stMainBlockContainer"] { padding-left: 5rem; padding-right: 5rem; }
}
[data-testid="stMetricValue"] { font-variant-numeric: tabular-nums; }
.st-key-plotly_preload { display: none; }
""" + PLAYGROUND_CSS
# "Your own data": each class's button has a dot in its class's colour (ui/own_data.py puts the icon first; the
# buttons come in class order, "new class" where the next class's colour goes, then "erase" without a dot).
PAGE_CSS += "".join(f'.st-key-{keys.DRAW_MODE} [role="radiogroup"] > button:nth-child({c + 1}) '
                    f'[data-testid="stIconMaterial"] {{ color: {color}; background: {color}; }}\n'
                    for c, color in enumerate(CLASS_COLORS))
# The icon's box filled as a dot (Streamlit's icon font draws only the outline of a circle).
PAGE_CSS += (f'.st-key-{keys.DRAW_MODE} [data-testid="stIconMaterial"] {{ width: 0.8em; height: 0.8em; '
             'border-radius: 50%; overflow: hidden; }\n')

# Presentation mode (a projector): its CSS is in PAGE_CSS too, for a page whose run draws its marker (`apply`), so it
# applies with the run's first elements. As a Markdown <style> it came with Streamlit's HTML plugin, a moment after
# them, and moved them (a load shift of 0.036 at 1280×720).
PRESENTATION_MARK = "presentation_mode"


def scoped(scope: str, css: str) -> str:
    """`css` (rules without comments or nesting) for pages under the selector `scope` only: each of its rules'
    selectors put behind it, `:root` standing for the scope itself."""
    def rule(match: re.Match[str]) -> str:
        selectors = (scope if s.strip() == ":root" else f"{scope} {s.strip()}" for s in match[1].split(","))
        return f"{', '.join(selectors)} {{{match[2]}}}\n"
    return re.sub(r"([^{}]+)\{([^{}]*)\}", rule, css)


# Below Streamlit's header (3.75rem: it grows with the font too), which hid the toolbar's "Speed" label; and what the
# room reads is 20 px or more, the notice place's hint too.
_PRESENTATION = """
:root { font-size: 22px; }
[data-testid="stMetricValue"] { font-size: 2.1rem; font-weight: 700; }
[data-testid="stMetricLabel"] p { font-size: 1.05rem; font-weight: 600; }
.stMain .block-container { max-width: 100%; padding-left: 1.5rem; padding-right: 1.5rem; padding-top: 3.9rem; }
button p, .stApp button [data-testid="stMarkdownContainer"] p { font-size: 1.1rem; font-weight: 600; }
.st-key-notices [data-testid="stCaptionContainer"], .st-key-notices [data-testid="stCaptionContainer"] p {
  font-size: 0.95rem;
}
"""
PAGE_CSS += (f'.st-key-{PRESENTATION_MARK}, [data-testid="stLayoutWrapper"]:has(> .st-key-{PRESENTATION_MARK}) '
             '{ display: none; }\n')
# Its rules are scoped by a class on the page's root, which PAGE_SCRIPT (in the head too) keeps equal to whether the
# marker is on the page. Scoped by `:root:has(marker)`, every change of the page while it trained made Chrome restyle
# the whole page: 5.4 ms a frame against 0.7 (docs/measured.md#presentation-scope).
PRESENTING_CLASS = "sn-presenting"
PAGE_CSS += scoped(f":root.{PRESENTING_CLASS}", _PRESENTATION)
PAGE_SCRIPT = f"""(() => {{
  const marks = document.getElementsByClassName("st-key-{PRESENTATION_MARK}"), root = document.documentElement;
  new MutationObserver(() => root.classList.toggle("{PRESENTING_CLASS}", marks.length > 0))
    .observe(root, {{ childList: true, subtree: true }});
}})();"""


# The top bar's parts, in CSS pixels at the normal font (×22/16 in presentation mode, whose base font is 22 px):
# Streamlit gives them these sizes itself, from the first paint (no size depends on the CSS).
SCREEN_GAP_PX = 8                  # between the top bar, the notice place and the live element
BAR_PX = {"play": 120, "step": 92, "reset": 98, "lr": 250, "activation": 175, "speed": 205, "height": 46}
PRESENTATION_SCALE = 22 / 16
# What a phone or a tablet says it is (a desktop browser in a narrow window gets the laptop's page, folded).
TOUCH_AGENTS = ("Mobi", "Android", "iPhone", "iPad")


def bar_px(part: str, presentation: bool) -> int:
    return round(BAR_PX[part] * (PRESENTATION_SCALE if presentation else 1))


def touch_screen() -> bool:
    """Whether the browser says it is a phone or a tablet (its User-Agent)."""
    return any(word in (st.context.headers.get("User-Agent") or "") for word in TOUCH_AGENTS)


@dataclass
class _MarkPlace:
    """This page run's place for the marker, held before the menu (`marked_before_the_menu`), and what it shows."""
    place: DeltaGenerator
    marked: bool


_MARK_PLACE: ContextVar[_MarkPlace | None] = ContextVar("presentation_mark_place", default=None)


def linked_presentation() -> bool:
    """Whether the page's link asks for presentation mode (`presentation=1`; a value that is not a yes/no is no)."""
    try:
        return bool(KNOBS["presentation"].parse(st.query_params.get("presentation", "0")))
    except ConfigError:
        return False


@contextlib.contextmanager
def marked_before_the_menu() -> Iterator[None]:
    """Around a page's run (navigation.py): presentation mode's marker is drawn first, as this session's last page
    run left it (on its first, as its link asks); the page's `apply` keeps it or takes it away. Streamlit draws the
    menu the moment it comes: with the marker drawn by the page, the menu grew from 38 to 53 px after its first
    paint (a load shift of 0.006 at 1920×1080, on 2 loads in 3)."""
    last = st.session_state.get(keys.PRESENTING)
    held = _MarkPlace(st.empty(), last if last is not None else linked_presentation())
    if held.marked:
        _mark(held.place)
    token = _MARK_PLACE.set(held)
    try:
        yield
    finally:
        _MARK_PLACE.reset(token)


def apply(presentation: bool) -> Style:
    """Presentation mode's marker, if on (PAGE_CSS then applies its CSS); the figure style. In the place held before
    the menu, or where the page is when it runs alone (AppTest)."""
    held = _MARK_PLACE.get()
    if held is None:
        if presentation:
            _mark(st)
    elif held.marked != presentation:
        if presentation:
            _mark(held.place)
        else:
            held.place.empty()
        held.marked = presentation
    st.session_state[keys.PRESENTING] = presentation
    return PRESENTATION if presentation else DEFAULT


def _mark(place) -> None:          # the page (`st`) or the place held for it
    place.container(key=PRESENTATION_MARK).markdown("Presentation mode")   # (an empty container is not drawn)
