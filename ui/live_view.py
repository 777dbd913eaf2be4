"""The live element of a page: one `st.components.v2` element fed by the page's socket.

`playground(...)`, `compare(...)` and `hidden_space(...)` draw the element with what the page shows
now (figures built here in Python, the colour tables, a first frame, the socket's token); from then
on the browser asks the socket (live/route.py) for frames and the page script runs again only
for what a user does and for rare changes of state (a run that stopped). The JavaScript is live/js/'s ES
modules, which the element imports from the app (live/scripts.py); the CSS is ui/css/'s.
"""

from __future__ import annotations

import base64
import dataclasses
import hashlib
import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import streamlit as st

from live import scripts
from live.channel import Channel
from live.diagram import DiagramView, playground_chart
from live.frames import (
    CompareView,
    Frame,
    HiddenSpaceView,
    PlaygroundView,
    boundary_codes,
    compare_frame,
    hidden_figure,
    lut_base64,
    metrics,
    playground_frame,
)
from live.route import CLOSE_REPLACED, CLOSE_SESSION_ENDED, PATH, REGISTRY
from live.run import FrameState, LiveRun
from live.sweep import LiveSweep
from scratchnet.config import Setup, View
from scratchnet.draw.figures import (
    boundary_spec,
    compare_grid_spec,
    compare_loss_spec,
    compare_tile_title,
    hidden_space_spec,
    loss_spec,
    units_height,
    units_spec,
)
from scratchnet.draw.hidden_space import hidden_space
from scratchnet.draw.palette import COLOR_NAMES, Style, diverging_scale, hex_rgb, units_scale
from scratchnet.draw.plotly_json import figure_json
from scratchnet.draw.png import color_table
from scratchnet.draw.surface import Surface, decision_surface, unit_surfaces
from ui import data_panel, keys, session
from ui.events import guarded

_HERE = Path(__file__).resolve().parent
UNITS_TITLE = ("What each hidden unit computes (first {n} per layer; "
               f"{COLOR_NAMES[1]} > 0 > {COLOR_NAMES[0]})")
CLICK_GRID = 200            # clicks on the boundary land on a 200×200 grid: 0.5 % of the plot's width


def _read(*parts: str) -> str:
    return (_HERE.joinpath(*parts)).read_text(encoding="utf-8")


_component = st.components.v2.component(
    "scratchnet_live_view",
    js=scripts.loader_js(),
    css=_read("css", "live.css") + _read("css", "board.css") + _read("css", "diagram.css"),
    isolate_styles=False,
)


def channel() -> Channel:
    """This session's live channel: kept in its state, registered for as long as the session lives."""
    opened = REGISTRY.open(session.session_id() or "no-session", st.session_state.get(keys.CHANNEL))
    st.session_state[keys.CHANNEL] = opened
    return opened


def socket_data(live: Channel) -> dict:
    """What the element opens its socket with: the channel's token, the route's path, and the close codes it acts
    on (live/route.py's, so the JavaScript holds no copy of them)."""
    return {"token": live.token, "path": PATH,
            "closes": {"ended": CLOSE_SESSION_ENDED, "replaced": CLOSE_REPLACED}}


def _chart(figure: dict | str, height: int | str, **extra: Any) -> dict:
    text = figure if isinstance(figure, str) else figure_json(figure)
    return {"type": "plotly", "figure": text, "rev": hashlib.blake2b(text.encode(), digest_size=8).hexdigest(),
            "height": height if isinstance(height, str) else f"{height}px", **extra}


def _pixels(height: int | str) -> int:
    """A figure's own height (the element's CSS height wins in the browser)."""
    return height if isinstance(height, int) else 600


def _noop() -> None:
    return None


def _mount(key: str, data: dict, callbacks: dict[str, Callable[[], None] | None]) -> Any:
    # Every trigger value is checked by its callback (ui/events.py); a bad one is told in a toast.
    handlers = {f"on_{name}_change": guarded(fn) if fn else _noop for name, fn in callbacks.items()}
    # One JSON string, not a dict: Streamlit checks each value of a dict for dataframes, a tenth of a page run
    # (docs/measured.md#element-json); live/js/live_view.js parses the string.
    return _component(key=key, data=json.dumps(data, separators=(",", ":")), height="content", **handlers)


def _click_layer(bounds: tuple[float, float, float, float]) -> dict:
    """An invisible heatmap over the plot: a click anywhere on it reports its place (plotly_click)."""
    x_min, x_max, y_min, y_max = bounds
    return {"type": "heatmap", "name": "click", "x": np.linspace(x_min, x_max, CLICK_GRID, dtype=np.float32),
            "y": np.linspace(y_min, y_max, CLICK_GRID, dtype=np.float32),
            "z": np.zeros((CLICK_GRID, CLICK_GRID), dtype=np.uint8), "opacity": 0, "showscale": False,
            "hoverinfo": "none"}


def _preview(figure: dict, data, style: Style) -> dict:
    """What the browser paints while plotly.js still loads: the surface and the training points, where
    Plotly will draw them (live/js/live_view.js drawPreview)."""
    x, y = data.x_train.numpy().astype(np.float32), data.y_train.numpy()
    if data.task == "classification":
        palette = np.array([hex_rgb(c) for c in style.class_colors], dtype=np.uint8)
        colors = palette[y.astype(np.int64) % len(palette)]
    else:
        codes = np.round((np.clip(y, -1.0, 1.0) + 1.0) * 127.5).astype(np.uint8)
        colors = color_table(diverging_scale(style))[codes]
    layout = figure["layout"]
    return {"image": layout["images"][0]["source"], "x": layout["xaxis"]["range"], "y": layout["yaxis"]["range"],
            "margin": layout["margin"], "radius": style.marker_size / 2,
            "points": base64.b64encode(np.ascontiguousarray(x).tobytes()).decode("ascii"),
            "colors": base64.b64encode(np.ascontiguousarray(colors, dtype=np.uint8).tobytes()).decode("ascii")}


# --- the Playground ---------------------------------------------------------------------------
@dataclass(frozen=True)
class PlaygroundElement:
    """How a page draws the Playground's live element, all but the run (whose config says the network):
    enough to draw it again for another run without a page run (a class's setup arriving with its own
    view, classroom/setup_push.py)."""

    style: Style
    view: View = View()                     # presentation mode, test points, discretized, hidden controls
    class_names: tuple[str, ...] | None = None
    clickable: bool = False                 # drawing points: a click on the boundary reports its place
    boundary_height: int | str = 540
    loss_height: int | str = 260
    diagram_height: str | None = None       # the Playground's network diagram beside the boundary (None: units)
    fit: bool = False                       # sized to the window by the browser (the heights above: "fit")

    def data(self, state: FrameState, diagram_extra: dict | None = None) -> tuple[PlaygroundView, dict, Surface]:
        """The view, the element's data for a run's `state` (without the socket's token or a frame), and
        the boundary's surface it drew (the page's first frame draws the same). `diagram_extra`: what the
        page adds to the diagram (ui/diagram_actions.py)."""
        cfg, data, style, shown = state.cfg, state.data, self.style, self.view
        big = shown.presentation
        diagram = None
        if self.diagram_height is not None:
            diagram = {**playground_chart(cfg, data.bounds, style, height=self.diagram_height,
                                          class_names=self.class_names, hide=shown.hide,
                                          presentation=big), **(diagram_extra or {})}
        view = PlaygroundView(style, shown.discretize, units=not big and diagram is None,
                              diagram=DiagramView() if diagram is not None else None)
        surface = decision_surface(state.net, cfg.features, data.bounds, cfg.problem, view.resolution)
        _, boundary_scale = boundary_codes(surface, style, shown.discretize)
        boundary = boundary_spec(surface, data, show_test=shown.show_test, discretize=shown.discretize, style=style,
                                 height=_pixels(self.boundary_height), uirevision=f"boundary-{data.name}",
                                 class_names=self.class_names, as_image=True)
        if self.clickable:
            boundary["data"].insert(0, _click_layer(data.bounds))
        charts = {"boundary": _chart(boundary, self.boundary_height, clickable=self.clickable,
                                     preview=_preview(boundary, data, style)),
                  "loss": _chart(loss_spec([], style=style, height=_pixels(self.loss_height), uirevision="loss",
                                           with_test=True), self.loss_height)}
        luts = {"boundary": lut_base64(boundary_scale)}
        cells: list[list[str]] = [["boundary"], ["loss"]]
        if view.units and cfg.hidden:
            layers = unit_surfaces(state.net, cfg.features, data.bounds, view.units_resolution)
            shown = min(view.max_units, max(cfg.hidden))
            units = units_spec(layers, max_units=view.max_units, style=style, as_image=True,
                               title=UNITS_TITLE.format(n=shown))
            charts["units"] = _chart(units, units_height(len(cfg.hidden), style, titled=True))
            luts["units"] = lut_base64(units_scale(style))
            cells[1].append("units")
        layout: dict[str, Any] = {"rows": [{"cols": [1, 1] if big else [3, 2], "cells": cells}]}
        if diagram is not None:              # the network beside the boundary, as TensorFlow Playground has it
            charts["diagram"] = diagram
            luts["units"] = lut_base64(units_scale(style))
            rows = ([{"cols": [1, 1], "cells": [["diagram"], ["boundary"]]}, {"cols": [1], "cells": [["loss"]]}]
                    if big else [{"cols": [6, 5], "cells": [["diagram"], ["boundary", "loss"]]}])
            layout = {"rows": rows}
            if self.fit:                     # the whole screen: the data column too (ui/css/live.css places it)
                data_parts = data_panel.parts(Setup(cfg, shown))
                charts.update(data_parts)
                areas = {"data": list(data_parts), "metrics": [], "net": ["diagram"],
                         "out": ["boundary"] if big else ["boundary", "loss"]}
                if big:
                    areas["loss"] = ["loss"]
                layout = {"fit": "playground", "template": "pg-big" if big else "pg", "areas": areas}
        return view, {"kind": "playground", "layout": layout, "charts": charts, "luts": luts,
                      "big": big, "first_chart": "boundary",
                      "metrics": [label for label, _ in metrics(state)]}, surface

    def draw_for(self, run: LiveRun, view: View | None = None) -> tuple[PlaygroundView, dict]:
        """The element for another run on the same page (in another `view`, if given)."""
        element = self if view is None else dataclasses.replace(self, view=view)
        spec, data, _ = element.data(run.frame_state())
        return spec, data


def playground(run: LiveRun, element: PlaygroundElement, *, on_click: Callable[[], None] | None,
               on_first_draw: Callable[[], None] | None, on_stop: Callable[[], None] | None = None,
               diagram_extra: dict | None = None, on_diagram: dict[str, Callable[[], None]] | None = None,
               follows_news: bool = False) -> dict:
    """The Playground's numbers, boundary, loss curve and either the network diagram (with
    `element.diagram_height`; `diagram_extra` and `on_diagram`, its callbacks by trigger name, from
    ui/diagram_actions.py) or (outside presentation mode) the hidden units' strip. `on_click` (with
    `element.clickable`): drawing points (a click on the boundary reruns the page with the point in
    `st.session_state[keys.LIVE_VIEW]["click"]`).
    `follows_news`: news may switch the element to another run without a page run (a class's setup).
    Returns the element's state."""
    state = run.frame_state()
    view, data_out, surface = element.data(state, diagram_extra)
    live = channel()
    shown = live.revision
    revision = live.show(run, view, redraw=element if follows_news else None)
    # The unit pictures (a forward per unit's grid, a fifth of a page run) only where the browser has none
    # yet: another run or view, or no live socket (a first load). Otherwise the socket keeps them coming.
    frame = playground_frame(state, view, units=revision != shown or not live.sockets, surface=surface)
    frame.header["rev"] = revision
    frame.header["notice"] = live.notice
    data_out.update(socket_data(live), frame=frame.inline(), report_drawn=on_first_draw is not None)
    return _mount(keys.LIVE_VIEW, data_out, {"click": on_click, "drawn": on_first_draw, "stopped": on_stop,
                                             "rejoin": None, "notice": None, **(on_diagram or {})})


# --- Compare ----------------------------------------------------------------------------------
COMPARE_COLUMNS = ("run", "train loss", "test loss", "train accuracy", "test accuracy", "epochs to 90% test",
                   "diverged at", "open")
COMPARE_FORMATS = {"train loss": "loss", "test loss": "loss", "train accuracy": "percent",
                   "test accuracy": "percent", "open": "link"}


def compare(sweep: LiveSweep, labels: Sequence[str], links: Sequence[str], style: Style, *, classification: bool,
            cell_height: int = 190, on_stop: Callable[[], None] | None = None) -> dict:
    """Compare's tiles, loss curves, table and numbers, live."""
    view = CompareView(style, tuple(labels), tuple(links))
    state = sweep.frame_state()
    titles = [compare_tile_title(i, label, row, classification)
              for i, (label, row) in enumerate(zip(labels, state.rows))]
    grid = compare_grid_spec(state.surfaces, state.data, titles, cols=min(len(labels), 4), style=style,
                             cell_height=cell_height, as_image=True)
    losses = compare_loss_spec([[] for _ in labels], labels, style=style)
    _, scale = boundary_codes(state.surfaces[0], style, False)
    columns = [c for c in COMPARE_COLUMNS if classification or c not in ("train accuracy", "test accuracy",
                                                                         "epochs to 90% test")]
    charts = {"grid": _chart(grid, grid["layout"]["height"]),
              "losses": _chart(losses, losses["layout"]["height"]),
              "table": {"type": "table", "columns": columns, "formats": COMPARE_FORMATS}}
    live = channel()
    revision = live.show(sweep, view)
    frame = compare_frame(state, view)
    frame.header["rev"] = revision
    layout = {"rows": [{"cols": [1], "cells": [["grid"]]}, {"cols": [1], "cells": [["losses"]]},
                       {"cols": [1], "cells": [["table"]]}]}
    data_out = {**socket_data(live), "kind": "compare", "layout": layout, "charts": charts,
                "luts": {"grid": lut_base64(scale)}, "frame": frame.inline(), "big": False}
    return _mount(keys.LIVE_VIEW, data_out, {"stopped": on_stop, "rejoin": None})


# --- Under the hood's hidden space ------------------------------------------------------------
def hidden_space_view(run: LiveRun, style: Style, layer: int, units: tuple[int, int] | None,
                      on_stop: Callable[[], None] | None = None, height: int = 440) -> dict:
    """The input plane beside the plane as hidden layer `layer` sees it, redrawn as the run trains."""
    view = HiddenSpaceView(style, layer, units, height)
    state = run.frame_state()
    data = state.data
    plane = hidden_space(state.net, state.cfg.features, data.x_train, data.bounds, 0)
    plane_spec = hidden_space_spec(plane, data.y_train.numpy(), data.task, data.n_classes, style=style,
                                   height=height, title="The input plane", uirevision=f"plane-{data.name}")
    charts = {"plane": _chart(plane_spec, height),
              "hidden": _chart(hidden_figure(state, view), height)}
    live = channel()
    live.show(run, view)
    layout = {"rows": [{"cols": [1, 1], "cells": [["plane"], ["hidden"]]}]}
    data_out = {**socket_data(live), "kind": "hidden", "layout": layout, "charts": charts,
                "luts": {}, "big": False}
    return _mount(keys.LIVE_VIEW, data_out, {"stopped": on_stop, "rejoin": None})


# --- a network diagram that does not stream (Under the hood's opened-up step) -------------------
def static_diagram(key: str, chart: dict, frame: Frame, style: Style,
                   on_select: Callable[[], None] | None = None) -> dict:
    """The diagram (live/diagram.py) with the numbers of `frame` and no socket: the same element and drawing
    as the Playground's. `on_select`: a click on a line or bias, its name in
    `st.session_state[key]["select"]["name"]`."""
    data_out = {"kind": "diagram", "layout": {"rows": [{"cols": [1], "cells": [["diagram"]]}]},
                "charts": {"diagram": chart}, "luts": {"units": lut_base64(units_scale(style))},
                "frame": frame.inline(), "big": False}
    return _mount(key, data_out, {"select": on_select})


# --- a view kind of another feature (live/route.py VIEW_KINDS) ------------------------------------
def custom(job: Any, view: Any, data: dict, callbacks: dict[str, Callable[[], None] | None]) -> dict:
    """The live element for a view kind defined elsewhere (the classroom's board): `data` holds its
    layout, charts and first frame; the token, the socket's path and the kind are added here."""
    live = channel()
    revision = live.show(job, view)
    data_out = {**data, **socket_data(live), "kind": view.kind}
    if data.get("frame") is not None:                 # the first frame, as the socket would send it
        data_out["frame"] = {**data["frame"], "rev": revision, "notice": live.notice}
    return _mount(keys.LIVE_VIEW, data_out, {**callbacks, "rejoin": None})
