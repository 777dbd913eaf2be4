"""ui.live_chart under streamlit.testing.v1.AppTest, and ui.assets.ensure_static_plotly.

In AppTest a st.components.v2 element is an ``UnknownElement`` of type
``"bidi_component"``: ``at.get("bidi_component")`` lists them, ``.key`` is the
user key, and ``.proto`` is the BidiComponent proto, whose ``json`` field holds
the ``data`` passed at mount (here ``{"key", "figure", "rev", "height"}``,
``figure`` being the figure JSON string). Its JS never runs in AppTest.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

from streamlit.testing.v1 import AppTest

from ui import assets
from ui.assets import (
    PLOTLY_JS_NAME,
    STATIC_DIR,
    bundled_plotly_js,
    plotly_js_version,
    python_package_plotly_js,
)

DEMO = Path(__file__).resolve().parents[1] / "browser" / "apps" / "live_chart_demo.py"


def test_demo_runs_and_figure_json_reaches_the_component(apps, tmp_path):
    at = apps.open(script=DEMO)

    charts = at.get("bidi_component")
    assert len(charts) == 1
    chart = charts[0]
    assert chart.key == "boundary"
    assert chart.proto.component_name == "scratchnet_live_chart"
    assert chart.proto.WhichOneof("data") == "json"

    data = json.loads(chart.proto.json)
    assert data["key"] == "boundary" and data["height"] == 420
    figure = json.loads(data["figure"])
    heatmap, scatter = figure["data"]
    assert (heatmap["type"], scatter["type"]) == ("heatmap", "scatter")
    assert heatmap["z"]["dtype"] == "u1" and heatmap["z"]["shape"] == "100, 100"
    assert figure["layout"]["uirevision"] == "demo"
    assert "updates: 1" in [t.value for t in at.text]

    # run_every never fires in AppTest; a rerun runs the fragment again: new figure, new rev.
    at.run()
    data2 = json.loads(at.get("bidi_component")[0].proto.json)
    assert data2["rev"] != data["rev"]
    assert "updates: 2" in [t.value for t in at.text]


def test_the_served_folder_is_part_of_the_checkout_and_holds_only_what_the_browser_gets():
    """Nothing is copied at run time (a first start has no static folder to warn about): static/ is the
    app root's served folder, committed, with the bundle and its licence only (all of it is public)."""
    assert STATIC_DIR == Path(__file__).resolve().parents[2] / "static"
    assert sorted(p.name for p in STATIC_DIR.iterdir()) == ["PLOTLY-LICENSE", PLOTLY_JS_NAME]
    assert "plotly" in (STATIC_DIR / "PLOTLY-LICENSE").read_text().lower()


def test_the_vendored_plotly_js_is_the_python_packages_version():
    """Figures are built by the Python plotly package and drawn by the vendored bundle: the two
    must be the same plotly.js (upgrade ui/vendor/ together with plotly; see its README)."""
    assert plotly_js_version(bundled_plotly_js()) == plotly_js_version(python_package_plotly_js())
    assert bundled_plotly_js().stat().st_size < python_package_plotly_js().stat().st_size / 2


def _registered_trace_types() -> set[str]:
    """Trace types in the vendored bundle: scatter (plotly.js core) + what build/entry.js registers."""
    entry = (Path(assets.__file__).resolve().parent / "vendor" / "build" / "entry.js").read_text()
    return {"scatter"} | set(re.findall(r"require\('plotly\.js/lib/(\w+)'\)", entry))


def _sent_trace_types(at: AppTest) -> set[str]:
    types = set()
    for element in at.get("bidi_component"):
        payload = json.loads(element.proto.json or "{}")
        if isinstance(payload, str):                       # a live element's data: one JSON string
            payload = json.loads(payload)
        specs = [payload, *payload.get("charts", {}).values()]
        for spec in specs:
            if "figure" in spec:
                types |= {trace.get("type", "scatter") for trace in json.loads(spec["figure"])["data"]}
    return types


def test_the_bundle_has_every_trace_type_the_pages_draw(apps):
    """The browser gets a partial plotly.js (ui/vendor/README.md): a figure with a trace type it
    lacks would fail only in the browser. Every page, with its live charts on screen, sends only
    trace types the bundle registers."""
    registered = _registered_trace_types()
    assert {"scatter", "heatmap"} <= registered
    at = apps.open({"show_test": "1"})
    sent = _sent_trace_types(at)
    sent |= _sent_trace_types(apps.switch(at, "compare"))
    apps.switch(at, "under_the_hood")
    for tab in ("Hidden space", "History"):
        at.session_state["uth_tab"] = tab
        sent |= _sent_trace_types(apps.rerun(at))
    assert {"scatter", "heatmap"} <= sent, sent        # the pages were really drawn
    assert sent <= registered, f"trace types missing from ui/vendor/build/entry.js: {sent - registered}"
