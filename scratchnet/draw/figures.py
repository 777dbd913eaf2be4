"""Plotly figures as plain dicts, pure functions of engine data (no Streamlit here).

Each `*_spec` builds a dict in plotly's JSON schema: cheap enough to rebuild every frame (see
plotly_json.py for why not go.Figure). Each live figure sets `layout.uirevision`, so a viewer
that updates it with Plotly.react keeps the user's zoom and pan. Grids are uint8 codes, which
travel as bytes.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from typing import TYPE_CHECKING

import numpy as np

from scratchnet.data.class_names import class_label
from scratchnet.data.datasets import Dataset
from scratchnet.draw.palette import (
    DEFAULT,
    Style,
    banded_scale,
    class_color,
    class_colors,
    discrete_scale,
    diverging_scale,
    region_style,
    units_scale,
)
from scratchnet.draw.plotly_json import plotly_text
from scratchnet.draw.png import colorize, png_data_uri
from scratchnet.draw.surface import Surface
from scratchnet.train.curve_points import MAX_CURVE_POINTS, thin_indices

if TYPE_CHECKING:
    from scratchnet.draw.hidden_space import HiddenView

GRID_COLORS = ("#64748B", "#B45309")     # hidden-space grid lines along x₁ (x₂ fixed) / along x₂ (x₁ fixed)


# --- shared parts -------------------------------------------------------------------------------

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


def class_marker(labels: np.ndarray, task: str, n_classes: int, style: Style = DEFAULT) -> dict:
    """Marker colours for points: each class in its palette colour, or a regression target on
    the diverging scale from -1 to 1."""
    labels = np.asarray(labels)
    if task == "classification":
        k = max(n_classes, 2)
        return {"color": labels.astype(np.uint8), "colorscale": discrete_scale(class_colors(k, style)),
                "cmin": 0, "cmax": k - 1}
    return {"color": labels.astype(np.float32), "colorscale": diverging_scale(style), "cmin": -1, "cmax": 1}


# --- decision surface ----------------------------------------------------------------------------

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
    # (c + q)/K·255 would put a sure class-0 region (code 85 of 255 for K = 3) on the first,
    # pale colour of class 1.
    lo, hi = _band_codes(k)
    codes = lo[cls] + np.clip(conf, 0.0, 1.0) * (hi[cls] - lo[cls])
    return codes.round().astype(np.uint8), banded_scale(k, style), 255.0


def _band_codes(k: int) -> tuple[np.ndarray, np.ndarray]:
    """Lowest and highest uint8 code inside each class's band of `banded_scale(k)`."""
    bounds = [c * 255 / k for c in range(k + 1)]
    lo = np.array([np.ceil(bounds[c]) for c in range(k)])
    hi = np.array([np.ceil(bounds[c + 1] - 1e-6 * 255) - 1 for c in range(k - 1)] + [255.0])
    return lo, hi


def boundary_spec(surface: Surface, data: Dataset, *, show_test: bool = False, discretize: bool = False,
                  style: Style = DEFAULT, title: str = "", height: int = 520, uirevision: str = "boundary",
                  class_names: Sequence[str] | None = None, as_image: bool = False) -> dict:
    """The decision surface as a heatmap with the training points on top (test points as
    diamonds with a dark outline when `show_test`). Regions are lighter than the points so
    a misclassified point stands out against its background.

    `as_image` (the live view): the surface goes out as a small PNG behind the axes instead of a
    heatmap trace, and `layout.datarevision` names the points. A new frame then changes only a
    layout image, which Plotly.react redraws alone; a heatmap trace makes it recompute and redraw
    every trace and axis each frame (measured: most of the browser's time per frame)."""
    codes, scale, top = surface_codes(surface, discretize, region_style(style))
    traces = [] if as_image else [
        {"type": "heatmap", "x": surface.xs.astype(np.float32), "y": surface.ys.astype(np.float32), "z": codes,
         "zmin": 0, "zmax": top, "colorscale": scale, "showscale": False, "hoverinfo": "skip", "zsmooth": False}]
    traces.append(_points_spec(data.x_train, data.y_train, data, style, "train", False, class_names))
    if show_test:
        traces.append(_points_spec(data.x_test, data.y_test, data, style, "test", True, class_names))
    legend = legend_traces(data, style, show_test, class_names)
    traces += legend
    x_min, x_max, y_min, y_max = data.bounds
    layout = _layout(style, height, uirevision, title, showlegend=bool(legend),
                     legend={"orientation": "h", "x": 1, "xanchor": "right", "y": 1.01, "yanchor": "bottom",
                             "itemclick": False, "itemdoubleclick": False})
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


def legend_traces(data: Dataset, style: Style, show_test: bool, class_names: Sequence[str] | None = None
                  ) -> list[dict]:
    """The boundary's legend, as traces with no points: each class's colour and name (its label from the
    data, or "class c"), then what a training and a test point look like when both are shown."""
    def entry(name: str, color: str, symbol: str = "circle", line: str = "#FFFFFF") -> dict:
        return {"type": "scatter", "x": [None], "y": [None], "mode": "markers", "name": name, "hoverinfo": "skip",
                "marker": {"size": style.marker_size * 1.4, "color": color, "symbol": symbol,
                           "line": {"width": style.marker_line, "color": line}}}

    entries = ([entry(class_label(c, class_names), class_color(c, style)) for c in range(data.n_classes)]
               if data.task == "classification" else [])
    if show_test:
        entries += [entry("train", "#BDBDBD"), entry("test", "#BDBDBD", "diamond", "#222222")]
    return entries


def _points_spec(x, y, data: Dataset, style: Style, name: str, test: bool,
                 class_names: Sequence[str] | None = None) -> dict:
    x = np.asarray(x, dtype=np.float32).reshape(-1, 2)
    y = np.asarray(y)
    marker = {"size": style.marker_size * (1.1 if test else 1.0), "symbol": "diamond" if test else "circle",
              "line": {"width": style.marker_line * (1.6 if test else 1.0), "color": "#222222" if test else "#FFFFFF"},
              **class_marker(y, data.task, data.n_classes, style)}
    trace = {"type": "scatter", "x": x[:, 0], "y": x[:, 1], "mode": "markers", "name": name, "marker": marker,
             "showlegend": False}
    if data.task == "classification" and class_names:
        names = [plotly_text(n) for n in class_names]
        trace["text"] = [names[int(c)] for c in y]
        trace["hovertemplate"] = f"{name}: %{{text}}<br>(%{{x:.2f}}, %{{y:.2f}})<extra></extra>"
    elif data.task == "classification":
        trace["customdata"] = y.astype(np.uint8)
        trace["hovertemplate"] = f"{name}: class %{{customdata}}<br>(%{{x:.2f}}, %{{y:.2f}})<extra></extra>"
    else:
        trace["customdata"] = y.astype(np.float32)
        trace["hovertemplate"] = f"{name}: %{{customdata:.2f}}<br>(%{{x:.2f}}, %{{y:.2f}})<extra></extra>"
    return trace


# --- loss curves ---------------------------------------------------------------------------------

def downsample(values: Sequence[float], max_points: int = MAX_CURVE_POINTS) -> tuple[np.ndarray, np.ndarray]:
    """(epochs, values) with at most `max_points` points, always keeping the last one: the
    curve looks the same and the message stays small however long the run."""
    values = np.asarray(values, dtype=np.float32)
    epochs = np.arange(1, len(values) + 1, dtype=np.int32)
    return _thin(epochs, values, max_points)


def _thin(x: np.ndarray, y: np.ndarray, max_points: int = MAX_CURVE_POINTS) -> tuple[np.ndarray, np.ndarray]:
    if len(x) <= max_points:
        return x, y
    idx = np.asarray(thin_indices(len(x), max_points), dtype=np.int64)
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


# --- hidden units --------------------------------------------------------------------------------

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


def units_spec(layers: Sequence[np.ndarray], *, max_units: int = 8, style: Style = DEFAULT,
               height: int | None = None, uirevision: str = "units", title: str = "", as_image: bool = False) -> dict:
    """The units' tiles (`unit_tiles`) as one heatmap, or (`as_image`, the live view) as one layout
    image, which a new frame replaces alone. One picture instead of a subplot per unit keeps the
    browser's redraw cheap with many units."""
    image = unit_tiles(layers, max_units)
    cell = image.shape[0] // max(1, len(layers))
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


# --- compare page --------------------------------------------------------------------------------
# A run's colour (its tile's swatch and its loss curve): Tableau 10, ten hues told apart at a glance (the class
# palette has eight, and a seventh learning rate took the first one's colour again). Past ten runs the colours
# come round again with another dash.
RUN_COLORS = ("#4E79A7", "#F28E2B", "#E15759", "#76B7B2", "#59A14F", "#EDC948", "#B07AA1", "#FF9DA7", "#9C755F",
              "#BAB0AC")
RUN_DASHES = ("solid", "dash", "dot")


def run_color(i: int) -> str:
    return RUN_COLORS[i % len(RUN_COLORS)]


def run_dash(i: int) -> str:
    return RUN_DASHES[(i // len(RUN_COLORS)) % len(RUN_DASHES)]


def compare_tile_title(i: int, label: str, row: dict | None, classification: bool) -> str:
    """A tile's title: the run's swatch (its loss curve's colour and dash), its label and how it does now
    (test accuracy, or the test loss of a regression; "diverged" once it has)."""
    swatch = {"solid": "━━", "dash": "╍╍", "dot": "┅┅"}[run_dash(i)]
    text = f"<span style='color:{run_color(i)}'><b>{swatch}</b></span> {label}"
    if row is None:
        return text
    if row.get("diverged_at") is not None:
        return f"{text} · diverged"
    if classification and row.get("test_accuracy") is not None:
        return f"{text} · <b>{row['test_accuracy']:.0%}</b>"
    if row.get("test_loss") is not None:
        return f"{text} · loss {row['test_loss']:.3g}"
    return text


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
        points["marker"] = {"size": 3, "line": {"width": 0.5, "color": "white"},
                            **class_marker(data.y_train.numpy(), data.task, data.n_classes, style)}
    else:
        points["marker"] = {"size": 3, "color": "#333333"}
    regions = region_style(style)
    traces, layout = [], _layout(style, cell_height * rows + 40, uirevision, showlegend=False,
                                 margin={"l": 4, "r": 4, "t": 12 + 2 * style.font_size, "b": 4})
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
                            "xanchor": "center", "font": {"size": style.font_size + 1}})
    layout["annotations"] = annotations
    if as_image:
        layout["images"] = images
    return {"data": traces, "layout": layout}


def compare_loss_spec(histories: Sequence[Sequence[float]], names: Sequence[str], *, style: Style = DEFAULT,
                      height: int = 320, log_y: bool = True, uirevision: str = "compare-loss") -> dict:
    """Every run's training loss on one chart (log scale: runs differ by orders of magnitude), in the run's
    colour. The legend is on the right, below the top margin where the chart's tool bar appears (it covered
    the first entry)."""
    traces = []
    for i, (history, name) in enumerate(zip(histories, names)):
        epochs, values = downsample(history, 400)
        traces.append({"type": "scatter", "x": epochs, "y": _finite(values), "mode": "lines", "name": str(name),
                       "line": {"width": style.line_width * 0.75, "color": run_color(i), "dash": run_dash(i)}})
    layout = _layout(style, height, uirevision, showlegend=True,
                     legend={"x": 1.01, "xanchor": "left", "y": 1, "yanchor": "top"})
    layout["margin"]["t"] = 34                    # room for the tool bar above the plot and its legend
    layout["xaxis"].update(title={"text": "epoch"})
    layout["yaxis"].update(title={"text": "training loss"}, type="log" if log_y else "linear")
    return {"data": traces, "layout": layout}


# --- hidden space --------------------------------------------------------------------------------

def _polyline(lines: np.ndarray) -> np.ndarray:
    """Lines (L, S, 2) as one (L·(S+1), 2) array with a NaN row after each line: one trace
    draws them all, and the NaN gaps keep lines apart (float32 typed arrays keep NaN)."""
    gap = np.full((lines.shape[0], 1, 2), np.nan, dtype=np.float32)
    return np.concatenate([lines.astype(np.float32), gap], axis=1).reshape(-1, 2)


def hidden_space_spec(view: HiddenView, labels: np.ndarray, task: str, n_classes: int, *,
                      style: Style = DEFAULT, height: int = 460, uirevision: str = "hidden-space",
                      title: str = "") -> dict:
    """The warped grid (thin lines, one colour per direction) with the data points on top,
    coloured by class (or by target value for regression)."""
    half = view.lines.shape[0] // 2
    traces = []
    for name, lines, color in (("grid: x₂ fixed", view.lines[:half], GRID_COLORS[0]),
                               ("grid: x₁ fixed", view.lines[half:], GRID_COLORS[1])):
        xy = _polyline(lines)
        traces.append({"type": "scatter", "x": xy[:, 0], "y": xy[:, 1], "mode": "lines", "name": name,
                       "hoverinfo": "skip", "opacity": 0.55,
                       "line": {"color": color, "width": max(1.0, style.line_width * 0.5)}})
    marker = {"size": style.marker_size, "line": {"width": style.marker_line, "color": "#FFFFFF"},
              **class_marker(labels, task, n_classes, style)}
    points = view.points.astype(np.float32)
    if task == "classification":
        hover, custom = "class %{customdata}", np.asarray(labels).astype(np.uint8)
    else:
        hover, custom = "target %{customdata:.2f}", np.asarray(labels).astype(np.float32)
    traces.append({"type": "scatter", "x": points[:, 0], "y": points[:, 1], "mode": "markers", "name": "data",
                   "marker": marker, "customdata": custom,
                   "hovertemplate": hover + "<br>(%{x:.2f}, %{y:.2f})<extra></extra>"})
    layout = _layout(style, height, uirevision, title, showlegend=False)
    layout["xaxis"].update(title={"text": view.axis_titles[0]})
    layout["yaxis"].update(title={"text": view.axis_titles[1]})
    if view.layer == 0:                       # the input plane keeps its true proportions
        layout["yaxis"].update(scaleanchor="x", scaleratio=1, constrain="domain")
        layout["xaxis"].update(constrain="domain")
    return {"data": traces, "layout": layout}
