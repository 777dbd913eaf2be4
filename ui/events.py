"""What a page's live element reports (its trigger values), checked before anything uses it.

The browser's JavaScript sends a trigger value for a click on the boundary, an edit in the network
diagram, a first chart drawn, ...; anyone can send any JSON in its place. Each reader here returns the
value a callback may use, or raises `EventError` with one sentence saying what is wrong. `guarded`
wraps a callback so that sentence becomes the page's toast and the page goes on (an exception in a
callback would end the page run: the live element vanished until the next one).
"""

from __future__ import annotations

import logging
import math
from collections.abc import Callable
from typing import Any

import streamlit as st

from ui import keys

_LOG = logging.getLogger(__name__)
MAX_TEXT = 40                 # a weight's name or a typed value; more is not something a person typed
MAX_ID = 2**53                # ids are JavaScript numbers (Date.now(), counters)


class EventError(ValueError):
    """A trigger value the page cannot use; `str()` is one sentence for the learner."""


def payload(name: str, key: str = keys.LIVE_VIEW) -> Any:
    """The element's latest value for trigger `name` (None when it sent none)."""
    state = st.session_state.get(key)
    return state.get(name) if isinstance(state, dict) else None


def fields(value: Any, what: str, *names: str) -> dict[str, Any]:
    """`value` as an object with (at least) these fields."""
    if not isinstance(value, dict) or any(name not in value for name in names):
        raise EventError(f"The {what} did not come with {_and(names)}, so nothing changed.")
    return value


def number(value: Any, what: str) -> float:
    """A finite number (JSON has no NaN, but a hand-made message may say "NaN" or 1e999)."""
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
        raise EventError(f"The {what} is not a finite number, so nothing changed.")
    return float(value)


def whole(value: Any, what: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value < MAX_ID:
        raise EventError(f"The {what} is not a whole number, so nothing changed.")
    return value


def text(value: Any, what: str, limit: int = MAX_TEXT) -> str:
    """Short text (or a number, as a typed value may arrive)."""
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        value = repr(value)
    if not isinstance(value, str) or len(value) > limit:
        raise EventError(f"The {what} is not text of at most {limit} characters, so nothing changed.")
    return value


def point(value: Any, bounds: tuple[float, float, float, float]) -> tuple[float, float]:
    """A click on the boundary chart: (x, y) inside the plotted square `bounds`."""
    click = fields(value, "click on the chart", "x", "y")
    x, y = number(click["x"], "click's x"), number(click["y"], "click's y")
    x_min, x_max, y_min, y_max = bounds
    if not (x_min <= x <= x_max and y_min <= y <= y_max):
        raise EventError("The click was outside the chart's area, so no point was drawn.")
    return x, y


def one_of(value: Any, allowed: tuple[str, ...], what: str) -> str:
    if not isinstance(value, str) or value not in allowed:
        raise EventError(f"The {what} is not one of {', '.join(allowed)}, so nothing changed.")
    return value


def guarded(callback: Callable[[], None]) -> Callable[[], None]:
    """`callback`, with a bad trigger value told in a toast instead of ending the page run."""

    def run() -> None:
        try:
            callback()
        except EventError as err:
            _LOG.info("live element %s: %s", getattr(callback, "__name__", "callback"), err)
            st.session_state[keys.TOAST] = str(err)

    run.__name__ = getattr(callback, "__name__", "callback")
    return run


def _and(names: tuple[str, ...]) -> str:
    return names[0] if len(names) == 1 else ", ".join(names[:-1]) + " and " + names[-1]
