"""The Playground's knobs come with a session's second page run (after the first chart is drawn), on a real
`streamlit run app.py` spoken to at protocol level (tests/protocol_client.py).

A knob's value reaches the browser two ways: as the element's default, and as a one-off "set this value" that
the browser applies once the widget has mounted. A browser whose next message left before that (a rerun that
crosses the late run: the live element's report, a timer, a click) sends back what the widget showed at mount,
its element default; the page then read it as the learner's choice. With defaults at each knob's minimum, every
slider arrived at it (20 points, noise 0, 1 unit, lr 1e-05, 10 epochs, speed 1/s: seen twice on a loaded
machine). Here the browser is made to send exactly that, and the setup must not change.
"""

from __future__ import annotations

from urllib.parse import parse_qs, urlencode

import pytest
from streamlit.proto.Element_pb2 import Element
from streamlit.proto.Slider_pb2 import Slider
from streamlit.proto.WidgetStates_pb2 import WidgetState

from scratchnet.config import Setup
from tests.browser.harness import serve_app
from tests.protocol_client import LIVE_KEY, StreamlitSession, run_in_own_loop

pytestmark = pytest.mark.slow          # a real server: not in the quick loop

# Nothing here is a knob's default or its minimum: a widget that falls back to either shows it.
SETUP = Setup().replace(hidden=(7, 5), lr=0.3, epochs=500, dropout=0.2, batch_size=64, activation="tanh",
                        optimizer="adam", speed="30")
KNOB_KINDS = ("slider", "number_input", "checkbox", "selectbox", "button_group")


def shown_at_mount(element: Element) -> WidgetState | None:
    """What a browser sends for a knob it mounted from the element alone (its default), or None for an element
    that is not a knob."""
    kind = element.WhichOneof("type")
    if kind not in KNOB_KINDS:
        return None
    proto = getattr(element, kind)
    if not proto.id.startswith("$$ID-") or "-w_" not in proto.id:
        return None
    state = WidgetState(id=proto.id)
    if kind == "slider" and proto.type == Slider.SELECT_SLIDER:
        state.string_array_value.data.extend(proto.options[int(i)] for i in proto.default)
    elif kind == "slider":
        state.double_array_value.data.extend(proto.default)
    elif kind == "number_input":
        state.double_value = proto.default
    elif kind == "checkbox":
        state.bool_value = proto.default
    elif kind == "selectbox":
        state.string_value = proto.options[proto.default]
    else:
        state.string_array_value.data.extend(proto.options[i].content for i in proto.default)
    return state


def test_a_browser_that_mounts_the_late_knobs_from_their_elements_keeps_the_setup():
    async def scenario() -> tuple[dict, dict, list[str]]:
        with serve_app() as (url, _):
            session = StreamlitSession(url, urlencode(SETUP.to_query()))
            await session.open()
            before = parse_qs(session.query)
            assert session.widget("w_lr") is None, "the first run leaves the knobs for later"
            await session.component_event(LIVE_KEY, "drawn", True)          # the first chart is drawn
            mounted = [s for s in map(shown_at_mount, session.elements.values()) if s is not None]
            names = [s.id.rsplit("-", 1)[-1] for s in mounted]
            await session.rerun(mounted)                  # what the browser showed, sent back as its values
            await session.close()
            return before, parse_qs(session.query), names

    before, after, names = run_in_own_loop(scenario(), 180)
    assert {"w_lr", "w_epochs", "w_speed", "w_units_0", "w_units_1", "w_dropout", "w_activation"} <= set(names)
    changed = {k: (before[k], after.get(k)) for k in before if after.get(k) != before[k]}
    assert not changed, f"the knobs' element defaults changed the setup: {changed}"
