"""Plotly figures as pure functions of engine data (no Streamlit here).

Each live figure sets `layout.uirevision`, so a viewer that updates it with Plotly.react
keeps the user's zoom and pan. Grids go out as uint8 (plotly encodes numpy arrays as
base64): a 100×100 boundary is ~27 KiB per frame instead of ~200 KiB of JSON numbers.
Colours come from the Okabe–Ito palette, which stays distinguishable with the common
colour-vision deficiencies and on a washed-out projector.
"""

from __future__ import annotations

import base64
import functools
import hashlib
import html
import json
import struct
import zlib
from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING

import numpy as np
import plotly.graph_objects as go

from .data import Dataset
from .surface import Surface, decision_surface

if TYPE_CHECKING:
    from .trainer import Trainer

# Okabe & Ito (2008), "Color Universal Design"; black replaced by grey so points keep an outline.
CLASS_COLORS = ("#E69F00", "#0072B2", "#009E73", "#CC79A7", "#F0E442", "#56B4E9", "#D55E00", "#7F7F7F")
NEUTRAL = "#F7F7F7"


@dataclass(frozen=True)
class Style:
    """Sizes for one viewing situation; `PRESENTATION` is for the back row of a classroom."""

    font_size: int = 13
    line_width: float = 2.0
    marker_size: float = 6.0
    marker_line: float = 1.0
    class_colors: tuple[str, ...] = CLASS_COLORS
    neutral: str = NEUTRAL
    train_line: str = "#0072B2"
    test_line: str = "#D55E00"
    paper: str = "rgba(0,0,0,0)"
    region_lighten: float = 0.35      # share of white mixed into a class colour for its region


DEFAULT = Style()
# Stronger, darker hues and heavier strokes survive a projector's low contrast.
PRESENTATION = replace(DEFAULT, font_size=24, line_width=5.0, marker_size=11.0, marker_line=2.0,
                       class_colors=("#D55E00", "#0051A2", "#007D5C", "#B0457F", "#C9B800", "#2F8FCC",
                                     "#8F3A00", "#555555"),
                       train_line="#0051A2", test_line="#C24A00")


def diverging_scale(style: Style = DEFAULT) -> list[list]:
    """Class 0 colour → neutral → class 1 colour: confidence fades to white at p = 0.5."""
    return [[0.0, style.class_colors[0]], [0.5, style.neutral], [1.0, style.class_colors[1]]]


def banded_scale(k: int, style: Style = DEFAULT) -> list[list]:
    """For K classes: band c of [c/K, (c+1)/K) runs from a pale to the full class colour, so
    one heatmap shows both the predicted class and how sure the network is."""
    scale = []
    for c in range(k):
        lo, hi = c / k, (c + 1) / k
        scale.append([lo, _mix(style.class_colors[c], style.neutral, 0.85)])
        scale.append([hi - 1e-6 if c < k - 1 else hi, style.class_colors[c]])
    return scale


def _mix(color: str, other: str, weight: float) -> str:
    """`weight` of `other` blended into `color` (hex)."""
    a = np.array([int(color[i:i + 2], 16) for i in (1, 3, 5)])
    b = np.array([int(other[i:i + 2], 16) for i in (1, 3, 5)])
    r, g, bl = (a * (1 - weight) + b * weight).round().astype(int)
    return f"#{r:02X}{g:02X}{bl:02X}"


def surface_codes(surface: Surface, discretize: bool = False, style: Style = DEFAULT
                  ) -> tuple[np.ndarray, list[list], float]:
    """The surface as uint8 codes for a heatmap, with the colour scale and the code's maximum.

    Two classes: code = p(class 1)·255 on the diverging scale. K classes: code encodes
    class c with confidence q as (c + q)/K. Regression: the value from -1..1 mapped to 0..255.
    """
    values = surface.values
    if surface.task != "classification":
        codes = (np.clip(values, -1.0, 1.0) + 1.0) * 127.5
        return codes.round().astype(np.uint8), diverging_scale(style), 255.0
    if surface.n_classes == 2:
        p = (values > 0.5).astype(np.float32) if discretize else values
        return (p * 255).round().astype(np.uint8), diverging_scale(style), 255.0
    k = surface.n_classes
    cls = values.argmax(-1)
    conf = np.ones_like(cls, dtype=np.float32) if discretize else \
        (values.max(-1) - 1.0 / k) / (1.0 - 1.0 / k)
    # Class c owns the integer codes whose z/255 lies in its band [c/K, (c+1)/K): rounding
    # (c + q)/K·255 instead let a sure class-0 region (code 85 of 255 for K = 3) land on
    # the first, pale colour of class 1.
    lo, hi = _band_codes(k)
    codes = lo[cls] + np.clip(conf, 0.0, 1.0) * (hi[cls] - lo[cls])
    return codes.round().astype(np.uint8), banded_scale(k, style), 255.0


def _band_codes(k: int) -> tuple[np.ndarray, np.ndarray]:
    """Lowest and highest uint8 code inside each class's band of `banded_scale(k)`."""
    bounds = [c * 255 / k for c in range(k + 1)]
    lo = np.array([np.ceil(bounds[c]) for c in range(k)])
    hi = np.array([np.ceil(bounds[c + 1] - 1e-6 * 255) - 1 for c in range(k - 1)] + [255.0])
    return lo, hi


# --- figures as plain dicts -----------------------------------------------------------------------
# A live view redraws several figures many times a second. Building them as go.Figure objects
# validates every property (measured: 35 ms for one boundary, 84 ms for the hidden-unit grid),
# which would eat most of a frame; a plain dict in plotly's JSON schema takes well under a
# millisecond. So each builder makes the dict (`*_spec`), `figure_json` encodes it with numpy
# arrays as base64 typed arrays, and the `*_figure` names wrap the same dict in a go.Figure for
# notebooks, the CLI and exports.

_PLOTLY_DTYPES = {"int8": "i1", "uint8": "u1", "int16": "i2", "uint16": "u2", "int32": "i4",
                  "uint32": "u4", "float32": "f4", "float64": "f8"}


def _typed(value: np.ndarray) -> dict | list:
    """A numpy array as plotly.js's typed-array spec (base64), the compact form it decodes."""
    value = np.ascontiguousarray(value)
    if value.dtype == np.int64:
        value = value.astype(np.int32)
    if str(value.dtype) not in _PLOTLY_DTYPES:
        return value.tolist()
    spec = {"dtype": _PLOTLY_DTYPES[str(value.dtype)], "bdata": base64.b64encode(value.tobytes()).decode("ascii")}
    if value.ndim > 1:
        spec["shape"] = ", ".join(map(str, value.shape))
    return spec


def _encode(obj):
    if isinstance(obj, np.ndarray):
        return _typed(obj)
    if isinstance(obj, np.generic):
        return obj.item()
    raise TypeError(f"cannot encode {type(obj).__name__} in a figure")


def figure_json(spec: dict) -> str:
    """A figure dict as the JSON plotly.js takes (numpy arrays as base64 typed arrays)."""
    return json.dumps(spec, default=_encode, separators=(",", ":"), allow_nan=False)


def as_figure(spec: dict) -> go.Figure:
    """The same figure as a go.Figure (validated: slow, but what notebooks and exports want)."""
    return go.Figure(json.loads(figure_json(spec)))


def _axis(style: Style, **extra) -> dict:
    return {"gridcolor": "#E5E7EB", "zerolinecolor": "#CBD5E1", "linecolor": "#94A3B8", "showline": True,
            "gridwidth": 1 if style.font_size < 20 else 2, "automargin": True, **extra}


def _layout(style: Style, height: int, uirevision: str, title: str = "", **extra) -> dict:
    layout = {"height": height, "uirevision": uirevision, "font": {"size": style.font_size, "color": "#1F2937"},
              "paper_bgcolor": style.paper, "plot_bgcolor": "#FFFFFF", "hovermode": "closest",
              "margin": {"l": 50, "r": 10, "t": 40 if title else 10, "b": 40},
              "xaxis": _axis(style), "yaxis": _axis(style)}
    if title:
        layout["title"] = {"text": title}
    layout.update(extra)
    return layout


def _discrete_scale(colors: Sequence[str]) -> list[list]:
    """Colour c exactly at value c of 0..K-1 (used with cmin=0, cmax=K-1)."""
    k = len(colors)
    return [[c / max(k - 1, 1), colors[c]] for c in range(k)] if k > 1 else [[0, colors[0]], [1, colors[0]]]


def boundary_spec(surface: Surface, data: Dataset, *, show_test: bool = False, discretize: bool = False,
                  style: Style = DEFAULT, title: str = "", height: int = 520, uirevision: str = "boundary",
                  class_names: Sequence[str] | None = None, as_image: bool = False) -> dict:
    """The decision surface as a heatmap with the training points on top (test points as
    diamonds with a dark outline when `show_test`). Regions are lighter than the points so
    a misclassified point stands out against its background.

    `as_image` (the live view): the surface goes out as a small PNG behind the axes instead of a
    heatmap trace, and `layout.datarevision` names the points. A new frame then changes only a
    layout image, which Plotly.react redraws alone; with a heatmap trace it recomputed and
    redrew every trace and axis each frame (measured: most of the browser's time per frame)."""
    codes, scale, top = surface_codes(surface, discretize, region_style(style))
    traces = [] if as_image else [
        {"type": "heatmap", "x": surface.xs.astype(np.float32), "y": surface.ys.astype(np.float32), "z": codes,
         "zmin": 0, "zmax": top, "colorscale": scale, "showscale": False, "hoverinfo": "skip", "zsmooth": False}]
    traces.append(_points_spec(data.x_train, data.y_train, data, style, "train", False, class_names))
    if show_test:
        traces.append(_points_spec(data.x_test, data.y_test, data, style, "test", True, class_names))
    x_min, x_max, y_min, y_max = data.bounds
    layout = _layout(style, height, uirevision, title, showlegend=show_test,
                     legend={"orientation": "h", "x": 1, "xanchor": "right", "y": 1.01, "yanchor": "bottom"})
    layout["xaxis"].update(range=[x_min, x_max], title={"text": "x₁"}, constrain="domain", showgrid=False)
    layout["yaxis"].update(range=[y_min, y_max], title={"text": "x₂"}, scaleanchor="x", scaleratio=1,
                           constrain="domain", showgrid=False)
    if as_image:
        layout["images"] = [_surface_image(surface, codes, scale) | {"xref": "x", "yref": "y"}]
        layout["datarevision"] = _points_revision(data, show_test, class_names)
    return {"data": traces, "layout": layout}


def _surface_image(surface: Surface, codes: np.ndarray, scale: Sequence[Sequence]) -> dict:
    """A surface's codes as a PNG layout image over the cells it covers (rows top first)."""
    dx, dy = _half_cell(surface.xs), _half_cell(surface.ys)
    return {"source": png_data_uri(colorize(codes[::-1], scale)), "x": float(surface.xs[0]) - dx,
            "y": float(surface.ys[-1]) + dy, "sizex": float(surface.xs[-1] - surface.xs[0]) + 2 * dx,
            "sizey": float(surface.ys[-1] - surface.ys[0]) + 2 * dy, "sizing": "stretch", "layer": "below"}


def _half_cell(axis: np.ndarray) -> float:
    """Half a grid step: the image covers the cells around the first and last sample, as a heatmap does."""
    return float(axis[1] - axis[0]) / 2 if len(axis) > 1 else 0.5


def _points_revision(data: Dataset, show_test: bool, class_names: Sequence[str] | None) -> str:
    digest = hashlib.blake2b(digest_size=8)
    for part in (data.x_train, data.y_train, data.x_test, data.y_test):
        digest.update(np.ascontiguousarray(part.numpy()).tobytes())
    digest.update(repr((show_test, tuple(class_names or ()))).encode())
    return digest.hexdigest()


def colorize(codes: np.ndarray, scale: Sequence[Sequence]) -> np.ndarray:
    """uint8 codes (R, C) to RGB (R, C, 3) through a colour scale, as plotly.js maps a heatmap
    with zmin=0, zmax=255 (linear in RGB between the scale's stops)."""
    return color_table(scale)[codes]


def color_table(scale: Sequence[Sequence]) -> np.ndarray:
    """The RGB colour (256, 3) uint8 of every code a scale maps (what the live view colours with)."""
    return _lut(tuple((float(pos), str(color)) for pos, color in scale))


@functools.lru_cache(maxsize=32)
def _lut(scale: tuple[tuple[float, str], ...]) -> np.ndarray:
    positions = np.array([pos for pos, _ in scale]) * 255
    colors = np.array([[int(c[i:i + 2], 16) for i in (1, 3, 5)] for _, c in scale], dtype=np.float64)
    codes = np.arange(256)
    return np.stack([np.interp(codes, positions, colors[:, k]) for k in range(3)], axis=1).round().astype(np.uint8)


def png_data_uri(rgb: np.ndarray) -> str:
    """An RGB array as a PNG data URI (zlib and the PNG chunk layout, no imaging library)."""
    height, width, _ = rgb.shape
    raw = b"".join(b"\x00" + row.tobytes() for row in np.ascontiguousarray(rgb, dtype=np.uint8))

    def chunk(kind: bytes, body: bytes) -> bytes:
        return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))

    png = (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0))
           + chunk(b"IDAT", zlib.compress(raw, 6)) + chunk(b"IEND", b""))
    return "data:image/png;base64," + base64.b64encode(png).decode("ascii")


def region_style(style: Style) -> Style:
    """`style` with each class colour lightened for its region, so the points stand out on it."""
    return replace(style, class_colors=tuple(_mix(c, "#FFFFFF", style.region_lighten) for c in style.class_colors))


def _points_spec(x, y, data: Dataset, style: Style, name: str, test: bool,
                 class_names: Sequence[str] | None = None) -> dict:
    x = np.asarray(x, dtype=np.float32).reshape(-1, 2)
    y = np.asarray(y)
    marker = {"size": style.marker_size * (1.1 if test else 1.0), "symbol": "diamond" if test else "circle",
              "line": {"width": style.marker_line * (1.6 if test else 1.0), "color": "#222222" if test else "#FFFFFF"}}
    trace = {"type": "scatter", "x": x[:, 0], "y": x[:, 1], "mode": "markers",
             "name": name, "marker": marker}
    if data.task == "classification":
        k = max(data.n_classes, 2)
        colors = [style.class_colors[c % len(style.class_colors)] for c in range(k)]
        marker.update(color=y.astype(np.uint8), colorscale=_discrete_scale(colors), cmin=0, cmax=k - 1)
        if class_names:
            trace["text"] = [str(class_names[int(c)]) for c in y]
            trace["hovertemplate"] = f"{name}: %{{text}}<br>(%{{x:.2f}}, %{{y:.2f}})<extra></extra>"
        else:
            trace["customdata"] = y.astype(np.uint8)
            trace["hovertemplate"] = f"{name}: class %{{customdata}}<br>(%{{x:.2f}}, %{{y:.2f}})<extra></extra>"
    else:
        marker.update(color=y.astype(np.float32), colorscale=diverging_scale(style), cmin=-1, cmax=1)
        trace["customdata"] = y.astype(np.float32)
        trace["hovertemplate"] = f"{name}: %{{customdata:.2f}}<br>(%{{x:.2f}}, %{{y:.2f}})<extra></extra>"
    return trace


def boundary_figure(surface: Surface, data: Dataset, **options) -> go.Figure:
    """`boundary_spec` as a go.Figure."""
    return as_figure(boundary_spec(surface, data, **options))


def downsample(values: Sequence[float], max_points: int = 1000) -> tuple[np.ndarray, np.ndarray]:
    """(epochs, values) with at most `max_points` points, always keeping the last one: the
    curve looks the same and the message stays small however long the run."""
    values = np.asarray(values, dtype=np.float32)
    epochs = np.arange(1, len(values) + 1, dtype=np.int32)
    return _thin(epochs, values, max_points)


def _thin(x: np.ndarray, y: np.ndarray, max_points: int = 1000) -> tuple[np.ndarray, np.ndarray]:
    if len(x) <= max_points:
        return x, y
    idx = np.unique(np.linspace(0, len(x) - 1, max_points).round().astype(np.int64))
    return x[idx], y[idx]


def _finite(values: np.ndarray) -> np.ndarray:
    """Non-finite losses (a diverged run) as gaps, since JSON has no NaN or infinity."""
    values = np.asarray(values, dtype=np.float32)
    return np.where(np.isfinite(values), values, np.nan)


def loss_spec(train_losses: Sequence[float], eval_epochs: Sequence[int] = (), test_losses: Sequence[float] = (),
              *, style: Style = DEFAULT, height: int = 300, log_y: bool = False, uirevision: str = "loss",
              title: str = "", train_epochs: Sequence[int] | None = None, with_test: bool = False) -> dict:
    """Training loss per epoch and test loss where it was evaluated (`with_test`: a test curve even
    with no points yet, for a live chart to fill). `train_epochs` names the epoch of each loss when
    the caller already thinned the history (a live run does). A curve of one point is drawn as a
    marker (a line through one point draws nothing)."""
    if train_epochs is None:
        epochs, train = downsample(train_losses)
    else:
        epochs, train = _thin(np.asarray(train_epochs, dtype=np.int32), np.asarray(train_losses, dtype=np.float32))
    traces = [{"type": "scatter", "x": epochs, "y": _finite(train), "mode": _line_mode(epochs), "name": "train",
               "line": {"color": style.train_line, "width": style.line_width}}]
    if len(test_losses) or with_test:
        ev_epochs, test = _thin(np.asarray(eval_epochs, dtype=np.int32), np.asarray(test_losses, dtype=np.float32))
        traces.append({"type": "scatter", "x": ev_epochs, "y": _finite(test), "mode": _line_mode(ev_epochs),
                       "name": "test", "line": {"color": style.test_line, "width": style.line_width, "dash": "dash"}})
    layout = _layout(style, height, uirevision, title, showlegend=True,
                     legend={"orientation": "h", "x": 1, "xanchor": "right", "y": 1.02, "yanchor": "bottom"})
    layout["xaxis"].update(title={"text": "epoch"}, rangemode="tozero")
    layout["yaxis"].update(title={"text": "loss"}, type="log" if log_y else "linear",
                           rangemode="normal" if log_y else "tozero")
    return {"data": traces, "layout": layout}


def _line_mode(x: np.ndarray) -> str:
    return "lines" if len(x) > 1 else "lines+markers"


def loss_figure(train_losses: Sequence[float], eval_epochs: Sequence[int] = (), test_losses: Sequence[float] = (),
                **options) -> go.Figure:
    """`loss_spec` as a go.Figure."""
    return as_figure(loss_spec(train_losses, eval_epochs, test_losses, **options))


GAP = 255   # code of the white gutter between tiles in the hidden-unit picture


def unit_tiles(layers: Sequence[np.ndarray], max_units: int = 8) -> np.ndarray:
    """What each hidden unit computes, as ONE uint8 image of tiles (rows top first: layer 1 on top,
    a row per layer), each unit scaled to its own largest magnitude (the shape matters here, not the
    size): 127 is zero, 0 and 254 the extremes, GAP the white gutter between tiles."""
    rows = max(1, len(layers))
    cols = max([min(max_units, layer.shape[0]) for layer in layers] or [1])
    res = layers[0].shape[-1] if layers else 1
    cell = res + 2                                                       # tile plus a 2-pixel gutter
    image = np.full((rows * cell, cols * cell), GAP, dtype=np.uint8)     # (rows·cell, cols·cell)
    for r, layer in enumerate(layers):
        shown = layer[:max_units]                                        # (U, R, R), row i is y = ys[i]
        scale = np.abs(shown).reshape(len(shown), -1).max(1)
        tiles = ((shown / np.where(scale > 0, scale, 1.0)[:, None, None] + 1.0) * 127.0).round().astype(np.uint8)
        for c, tile in enumerate(tiles):
            image[r * cell + 1:r * cell + 1 + res, c * cell + 1:c * cell + 1 + res] = tile[::-1]
    return image


def units_scale(style: Style = DEFAULT) -> list[list]:
    """The units' colours: class 0's colour below zero, class 1's above, white gutters."""
    return [[0.0, style.class_colors[0]], [127 / 255, style.neutral], [254 / 255, style.class_colors[1]],
            [1.0, "#FFFFFF"]]


def units_spec(layers: Sequence[np.ndarray], *, max_units: int = 8, style: Style = DEFAULT,
               height: int | None = None, uirevision: str = "units", title: str = "", as_image: bool = False) -> dict:
    """The units' tiles (`unit_tiles`) as one heatmap, or (`as_image`, the live view) as one layout
    image, which a new frame replaces alone. One picture instead of a subplot per unit keeps the
    browser's redraw cheap with many units."""
    image = unit_tiles(layers, max_units)
    rows, cell = max(1, len(layers)), image.shape[0] // max(1, len(layers))
    scale = units_scale(style)
    layout = _layout(style, height or units_height(len(layers), style), uirevision,
                     margin={"l": 4, "r": 4, "t": 4, "b": 4}, showlegend=False)
    layout["xaxis"].update(visible=False, constrain="domain", range=[-0.5, image.shape[1] - 0.5])
    layout["yaxis"].update(visible=False, scaleanchor="x", scaleratio=1, constrain="domain",
                           range=[image.shape[0] - 0.5, -0.5])
    if as_image:
        traces = []
        layout["images"] = [{"source": png_data_uri(colorize(image, scale)), "xref": "x", "yref": "y",
                             "x": -0.5, "y": -0.5, "sizex": image.shape[1], "sizey": image.shape[0],
                             "sizing": "stretch", "layer": "below"}]
    else:
        traces = [{"type": "heatmap", "z": image, "zmin": 0, "zmax": 255, "colorscale": scale, "showscale": False,
                   "hoverinfo": "skip", "zsmooth": False}]
    layout["annotations"] = [{"text": f"layer {r + 1}", "xref": "paper", "yref": "y", "x": 1.0, "xanchor": "left",
                              "y": r * cell + cell / 2, "showarrow": False, "textangle": 90,
                              "font": {"size": style.font_size - 2}} for r in range(len(layers))]
    layout["margin"]["r"] = 24
    if title:
        layout["title"] = {"text": title, "font": {"size": style.font_size - 1}, "x": 0, "xanchor": "left",
                           "y": 1, "yanchor": "top", "yref": "container", "pad": {"t": 2}}
        layout["margin"]["t"] = TITLE_SPACE
        layout["height"] += TITLE_SPACE
    return {"data": traces, "layout": layout}


TITLE_SPACE = 24


def units_height(n_layers: int, style: Style = DEFAULT, titled: bool = False) -> int:
    """Pixels for the hidden-unit picture of `n_layers` layers (a row each)."""
    return int(70 * max(1, n_layers) * max(1.0, style.font_size / 13) + 10) + (TITLE_SPACE if titled else 0)


def units_figure(layers: Sequence[np.ndarray], **options) -> go.Figure:
    """`units_spec` as a go.Figure."""
    return as_figure(units_spec(layers, **options))


def compare_grid_spec(surfaces: Sequence[Surface], data: Dataset, titles: Sequence[str], *, cols: int = 4,
                      style: Style = DEFAULT, uirevision: str = "compare", cell_height: int = 190,
                      as_image: bool = False) -> dict:
    """One small boundary per run, on the same colour scale, so runs compare at a glance
    (`as_image`, the live view: each tile a layout image that a new frame replaces alone)."""
    n = len(surfaces)
    cols = max(1, min(cols, n))
    rows = max(1, (n + cols - 1) // cols)
    gap_x, gap_y = 0.02, 0.25 / rows
    width, height = (1 - gap_x * (cols - 1)) / cols, (1 - gap_y * (rows - 1)) / rows
    x = np.asarray(data.x_train, dtype=np.float32)
    points = {"mode": "markers", "hoverinfo": "skip", "x": x[:, 0], "y": x[:, 1]}
    if data.task == "classification":
        k = max(data.n_classes, 2)
        colors = [style.class_colors[c % len(style.class_colors)] for c in range(k)]
        points["marker"] = {"size": 3, "color": np.asarray(data.y_train).astype(np.uint8), "cmin": 0, "cmax": k - 1,
                            "colorscale": _discrete_scale(colors), "line": {"width": 0.5, "color": "white"}}
    else:
        points["marker"] = {"size": 3, "color": "#333333"}
    regions = region_style(style)
    traces, layout = [], _layout(style, cell_height * rows + 40, uirevision, showlegend=False,
                                 margin={"l": 4, "r": 4, "t": 30, "b": 4})
    del layout["xaxis"], layout["yaxis"]
    annotations, images = [], []
    x_min, x_max, y_min, y_max = data.bounds
    for i, surface in enumerate(surfaces):
        r, c = divmod(i, cols)
        suffix = "" if i == 0 else str(i + 1)
        codes, scale, top = surface_codes(surface, style=regions)
        if as_image:
            images.append(_surface_image(surface, codes, scale) | {"xref": f"x{suffix}", "yref": f"y{suffix}"})
        else:
            traces.append({"type": "heatmap", "x": surface.xs.astype(np.float32),
                           "y": surface.ys.astype(np.float32), "z": codes, "zmin": 0, "zmax": top,
                           "colorscale": scale, "showscale": False, "hoverinfo": "skip",
                           "xaxis": f"x{suffix}", "yaxis": f"y{suffix}"})
        traces.append({"type": "scatter", **points, "xaxis": f"x{suffix}", "yaxis": f"y{suffix}"})
        x0, y1 = c * (width + gap_x), 1 - r * (height + gap_y)
        layout[f"xaxis{suffix}"] = {"domain": [x0, x0 + width], "visible": False, "range": [x_min, x_max],
                                    "anchor": f"y{suffix}"}
        layout[f"yaxis{suffix}"] = {"domain": [y1 - height, y1], "visible": False, "range": [y_min, y_max],
                                    "anchor": f"x{suffix}"}
        annotations.append({"text": str(titles[i]) if i < len(titles) else "", "showarrow": False,
                            "xref": "paper", "yref": "paper", "x": x0 + width / 2, "y": y1, "yanchor": "bottom",
                            "xanchor": "center", "font": {"size": style.font_size - 2}})
    layout["annotations"] = annotations
    if as_image:
        layout["images"] = images
    return {"data": traces, "layout": layout}


def compare_grid_figure(surfaces: Sequence[Surface], data: Dataset, titles: Sequence[str], **options) -> go.Figure:
    """`compare_grid_spec` as a go.Figure."""
    return as_figure(compare_grid_spec(surfaces, data, titles, **options))


def compare_loss_spec(histories: Sequence[Sequence[float]], names: Sequence[str], *, style: Style = DEFAULT,
                      height: int = 320, log_y: bool = True, uirevision: str = "compare-loss") -> dict:
    """Every run's training loss on one chart (log scale: runs differ by orders of magnitude)."""
    palette = style.class_colors
    traces = []
    for i, (history, name) in enumerate(zip(histories, names)):
        epochs, values = downsample(history, 400)
        traces.append({"type": "scatter", "x": epochs, "y": _finite(values), "mode": "lines", "name": str(name),
                       "line": {"width": style.line_width * 0.75, "color": palette[i % len(palette)],
                                "dash": ("solid", "dash", "dot", "dashdot")[(i // len(palette)) % 4]}})
    layout = _layout(style, height, uirevision, showlegend=True)
    layout["xaxis"].update(title={"text": "epoch"})
    layout["yaxis"].update(title={"text": "training loss"}, type="log" if log_y else "linear")
    return {"data": traces, "layout": layout}


def compare_loss_figure(histories: Sequence[Sequence[float]], names: Sequence[str], **options) -> go.Figure:
    """`compare_loss_spec` as a go.Figure."""
    return as_figure(compare_loss_spec(histories, names, **options))


def figures_html(figures: Sequence[go.Figure], title: str = "scratchnet run") -> str:
    """Figures in one self-contained page: plotly.js is inlined once, so it opens offline."""
    parts = [fig.to_html(full_html=False, include_plotlyjs=(i == 0)) for i, fig in enumerate(figures)]
    return (f"<!doctype html><html><head><meta charset='utf-8'><title>{html.escape(title)}</title></head>"
            f"<body>{''.join(parts)}</body></html>")


def run_figures(trainer: Trainer, style: Style = DEFAULT) -> list[go.Figure]:
    """A run's decision boundary (train and test points) and loss curve, for export."""
    cfg, history = trainer.cfg, trainer.history
    surface = decision_surface(trainer.net, cfg.features, trainer.data.bounds, cfg.problem)
    boundary = boundary_figure(surface, trainer.data, show_test=True, style=style, title=cfg.describe())
    loss = loss_figure(history.losses, [e.epoch for e in history.evaluations],
                       [e.test_loss for e in history.evaluations], style=style, title="Loss",
                       train_epochs=history.epochs)
    return [boundary, loss]
