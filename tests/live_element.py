"""Reading a page's live element (ui/live_view.py) in AppTest, which runs no browser and no socket:
the element's data carries the page's figures and its first frame, built by the page script."""

from __future__ import annotations

import base64
import json
from typing import Any

import numpy as np
from streamlit.testing.v1 import AppTest

from ui.keys import LIVE_VIEW


def live_data(at: AppTest, key: str = LIVE_VIEW) -> dict[str, Any]:
    """The data the page handed to its live element on its last run (one JSON string, ui/live_view.py)."""
    element = next(c for c in at.get("bidi_component") if c.key == key)
    return json.loads(json.loads(element.proto.json))


def live_frame(at: AppTest) -> dict[str, Any]:
    """The first frame the page built (its header; blobs as bytes)."""
    frame = dict(live_data(at)["frame"])
    frame["blobs"] = [base64.b64decode(b) for b in frame["blobs"]]
    return frame


def live_metrics(at: AppTest) -> dict[str, str]:
    """The live numbers, label -> text, as the page shows them."""
    return dict(live_frame(at)["metrics"])


def live_epoch(at: AppTest) -> int:
    return int(live_metrics(at)["Epoch"].split("/")[0].replace(",", ""))


def live_figure(at: AppTest, chart: str) -> dict[str, Any]:
    """A chart's Plotly figure as the page built it."""
    return json.loads(live_data(at)["charts"][chart]["figure"])


def live_image(at: AppTest, chart: str, index: int = 0) -> np.ndarray:
    """A chart's image in the first frame: uint8 codes, rows top first."""
    frame = live_frame(at)
    image = next(i for i in frame["images"] if i["chart"] == chart and i["index"] == index)
    return np.frombuffer(frame["blobs"][image["blob"]], dtype=np.uint8).reshape(image["h"], image["w"])


def trigger(at: AppTest, event: str, value: Any, key: str = LIVE_VIEW) -> AppTest:
    """Run the page again as the browser would after the live element sent a trigger value (a click in the
    network diagram, say): the element's `on_<event>_change` callback runs first, then the script.

    AppTest cannot click inside a custom element, so this sends the widget states the browser would: the
    current ones plus the element's trigger-aggregator payload (Streamlit 1.67's internal id for it). `key`:
    another element of the same kind (Under the hood's step diagram)."""
    from streamlit.components.v2.bidi_component.main import _make_trigger_id

    element = next(c for c in at.get("bidi_component") if c.key == key)
    states = at._tree.get_widget_states()
    state = states.widgets.add()
    state.id = _make_trigger_id(element.proto.id, "events")
    state.json_trigger_value = json.dumps([{"event": event, "value": value}])
    at._run(states)
    assert not at.exception, [e.value for e in at.exception]
    return at
