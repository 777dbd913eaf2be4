"""The Playground's screen without a browser: the reserved notice place (ui/notices.py), the network's + and −
(ui/diagram_actions.py on_shape) and what the screen's parts are given. Geometry is tests/browser/test_screen.py's."""

from __future__ import annotations

from streamlit.testing.v1 import AppTest

from scratchnet.config import KNOBS
from tests.live_element import live_data, trigger


def notices_app(reserve: bool, after: bool = True) -> AppTest:
    def script(reserve: bool, after: bool) -> None:
        import streamlit as st

        from ui import notices

        if reserve and not after:
            notices.show("early", "warning")        # before the place exists: drawn where it is called
        if reserve:
            notices.reserve(lines=2, hint="What to do next")
        st.text("under the place")
        notices.show("Finished 300 epochs.", "success")
        with notices.area():
            st.button("Got it", key="ok")

    return AppTest.from_function(script, kwargs={"reserve": reserve, "after": after}).run()


def test_notices_go_to_the_reserved_place_and_its_hint_goes():
    at = notices_app(reserve=True)
    assert not at.exception
    place = at.main.children[0]                           # the place comes first, with its height
    assert place.proto.height_config.pixel_height == 2 * 40 + 4
    assert [s.value for s in place.success] == ["Finished 300 epochs."]
    assert [b.key for b in place.button] == ["ok"]
    assert not place.caption, "the hint gives way to the notices"
    assert at.main.children[1].value == "under the place", "notices drawn later go above what came before them"


def test_with_no_notice_the_place_shows_the_hint():
    def script() -> None:
        from ui import notices

        notices.reserve(hint="Press **Play** to train.")

    at = AppTest.from_function(script).run()
    assert [c.value for c in at.caption] == ["Press **Play** to train."]


def test_a_page_without_a_place_draws_notices_where_they_are_called():
    at = notices_app(reserve=False)
    assert [s.value for s in at.success] == ["Finished 300 epochs."] and at.button(key="ok")
    early = notices_app(reserve=True, after=False)
    assert [w.value for w in early.warning] == ["early"]
    assert [s.value for s in early.main.children[1].success] == ["Finished 300 epochs."]     # [0]: the early one


def test_the_place_belongs_to_one_script_run():
    """A place reserved in an earlier run (the session state still holds it) takes no notice in this one."""
    def script() -> None:
        import streamlit as st

        from ui import notices

        if not st.session_state.get("second"):
            st.session_state["second"] = True
            notices.reserve(hint="hint")
        notices.show("Finished.", "success")

    at = AppTest.from_function(script).run()
    assert [c.value for c in at.caption] == [] and [s.value for s in at.success] == ["Finished."]
    at.run()
    assert not at.exception and [s.value for s in at.success] == ["Finished."]


def test_plus_and_minus_on_the_network_set_the_layers_and_their_widths(app):
    at = app
    shape = live_data(at)["charts"]["diagram"]["shape"]
    assert shape == {"hidden": [10], "min": 1, "max": KNOBS["hidden"].high, "layers": KNOBS["hidden"].max_items,
                     "new_units": KNOBS["hidden"].default[-1]}
    trigger(at, "shape", {"hidden": [11], "id": 1})
    assert at.session_state["cfg"].hidden == (11,) and at.sidebar.slider(key="w_units_0").value == 11
    trigger(at, "shape", {"hidden": [11, 11], "id": 2})
    assert at.session_state["cfg"].hidden == (11, 11)
    assert live_data(at)["charts"]["diagram"]["shape"]["hidden"] == [11, 11]
    run = at.session_state["run"]
    for bad in ([0], [129], [1] * 9, [True], ["3"], "10", None):         # outside the table's bounds, or not ints
        trigger(at, "shape", {"hidden": bad, "id": 3})
        assert at.session_state["cfg"].hidden == (11, 11) and at.session_state["run"] is run
    trigger(at, "shape", {"hidden": [], "id": 4})                          # no hidden layer: a linear model
    assert at.session_state["cfg"].hidden == ()


def test_a_lesson_link_that_hides_the_layers_hides_their_plus_and_minus(apps):
    at = apps.open({"hide": "hidden"})
    assert "shape" not in live_data(at)["charts"]["diagram"]
