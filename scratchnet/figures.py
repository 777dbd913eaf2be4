"""Plotly figures as pure functions of engine data (no Streamlit here).

Each live figure sets `layout.uirevision`, so a viewer that updates it with Plotly.react
keeps the user's zoom and pan. Grids go out as uint8 (plotly encodes numpy arrays as
base64): a 100×100 boundary is ~27 KiB per frame instead of ~200 KiB of JSON numbers.
Colours come from the Okabe–Ito palette, which stays distinguishable with the common
colour-vision deficiencies and on a washed-out projector.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace

import numpy as np
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from .data import Dataset
from .surface import Surface

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
    codes = (cls + np.clip(conf, 0.0, 0.999)) / k * 255
    return codes.round().astype(np.uint8), banded_scale(k, style), 255.0


def boundary_figure(surface: Surface, data: Dataset, *, show_test: bool = False,
                    discretize: bool = False, style: Style = DEFAULT, title: str = "",
                    height: int = 520, uirevision: str = "boundary") -> go.Figure:
    """The decision surface as a heatmap with the training points on top (test points as
    diamonds with a dark outline when `show_test`)."""
    codes, scale, top = surface_codes(surface, discretize, style)
    fig = go.Figure(go.Heatmap(x=surface.xs.astype(np.float32), y=surface.ys.astype(np.float32), z=codes,
                               zmin=0, zmax=top, colorscale=scale, showscale=False, hoverinfo="skip",
                               zsmooth=False))
    fig.add_trace(_points(data.x_train, data.y_train, data, style, "train", test=False))
    if show_test:
        fig.add_trace(_points(data.x_test, data.y_test, data, style, "test", test=True))
    x_min, x_max, y_min, y_max = data.bounds
    _base_layout(fig, style, height, uirevision, title)
    fig.update_xaxes(range=[x_min, x_max], title_text="x₁", constrain="domain")
    fig.update_yaxes(range=[y_min, y_max], title_text="x₂", scaleanchor="x", scaleratio=1,
                     constrain="domain")
    return fig


def _points(x, y, data: Dataset, style: Style, name: str, test: bool) -> go.Scatter:
    x = np.asarray(x, dtype=np.float32)
    y = np.asarray(y)
    marker = {"size": style.marker_size * (1.1 if test else 1.0),
                  "line": {"width": style.marker_line * (1.6 if test else 1.0),
                            "color": "#222222" if test else "#FFFFFF"},
                  "symbol": "diamond" if test else "circle"}
    if data.task == "classification":
        marker["color"] = [style.class_colors[int(c) % len(style.class_colors)] for c in y]
        text = [f"class {int(c)}" for c in y]
    else:
        marker.update(color=y.astype(np.float32), colorscale=diverging_scale(style), cmin=-1, cmax=1)
        text = [f"{v:.2f}" for v in y]
    return go.Scatter(x=x[:, 0], y=x[:, 1], mode="markers", name=name, marker=marker, text=text,
                      hovertemplate=f"{name}: %{{text}}<br>(%{{x:.2f}}, %{{y:.2f}})<extra></extra>")


def downsample(values: Sequence[float], max_points: int = 1000) -> tuple[np.ndarray, np.ndarray]:
    """(epochs, values) with at most `max_points` points, always keeping the last one: the
    curve looks the same and the message stays small however long the run."""
    values = np.asarray(values, dtype=np.float32)
    epochs = np.arange(1, len(values) + 1, dtype=np.int32)
    if len(values) <= max_points:
        return epochs, values
    idx = np.unique(np.linspace(0, len(values) - 1, max_points).round().astype(np.int64))
    return epochs[idx], values[idx]


def loss_figure(train_losses: Sequence[float], eval_epochs: Sequence[int] = (),
                test_losses: Sequence[float] = (), *, style: Style = DEFAULT, height: int = 300,
                log_y: bool = False, uirevision: str = "loss", title: str = "") -> go.Figure:
    """Training loss per epoch and test loss where it was evaluated."""
    epochs, train = downsample(train_losses)
    fig = go.Figure(go.Scatter(x=epochs, y=train, mode="lines", name="train",
                               line={"color": style.train_line, "width": style.line_width}))
    if len(test_losses):
        ev_epochs, test = _thin(np.asarray(eval_epochs, dtype=np.int32), np.asarray(test_losses))
        fig.add_trace(go.Scatter(x=ev_epochs, y=test.astype(np.float32), mode="lines", name="test",
                                 line={"color": style.test_line, "width": style.line_width, "dash": "dash"}))
    _base_layout(fig, style, height, uirevision, title)
    fig.update_xaxes(title_text="epoch", rangemode="tozero")
    fig.update_yaxes(title_text="loss", type="log" if log_y else "linear",
                     rangemode="tozero" if not log_y else "normal")
    fig.update_layout(legend={"orientation": "h", "x": 1, "xanchor": "right", "y": 1.02, "yanchor": "bottom"})
    return fig


def _thin(x: np.ndarray, y: np.ndarray, max_points: int = 1000) -> tuple[np.ndarray, np.ndarray]:
    if len(x) <= max_points:
        return x, y
    idx = np.unique(np.linspace(0, len(x) - 1, max_points).round().astype(np.int64))
    return x[idx], y[idx]


def units_figure(layers: Sequence[np.ndarray], *, max_units: int = 8, style: Style = DEFAULT,
                 height: int | None = None, uirevision: str = "units") -> go.Figure:
    """Small heatmaps of what each hidden unit computes: a row per layer, each unit scaled
    to its own largest magnitude (the shape matters here, not the size)."""
    rows = max(1, len(layers))
    cols = max([min(max_units, layer.shape[0]) for layer in layers] or [1])
    fig = make_subplots(rows=rows, cols=cols, horizontal_spacing=0.01, vertical_spacing=0.04,
                        row_titles=[f"layer {i + 1}" for i in range(len(layers))] or None)
    for r, layer in enumerate(layers):
        for c in range(min(max_units, layer.shape[0])):
            unit = layer[c]
            scale = float(np.abs(unit).max()) or 1.0
            codes = ((unit / scale + 1.0) * 127.5).round().astype(np.uint8)
            fig.add_trace(go.Heatmap(z=codes, zmin=0, zmax=255, colorscale=diverging_scale(style),
                                     showscale=False, hoverinfo="skip"), row=r + 1, col=c + 1)
    fig.update_xaxes(visible=False)
    fig.update_yaxes(visible=False)
    _base_layout(fig, style, height or 70 * rows + 30, uirevision, "")
    fig.update_layout(margin={"l": 4, "r": 40, "t": 4, "b": 4})
    return fig


def compare_grid_figure(surfaces: Sequence[Surface], data: Dataset, titles: Sequence[str], *,
                        cols: int = 4, style: Style = DEFAULT, uirevision: str = "compare") -> go.Figure:
    """One small boundary per run, on the same colour scale, so runs compare at a glance."""
    n = len(surfaces)
    cols = max(1, min(cols, n))
    rows = (n + cols - 1) // cols
    fig = make_subplots(rows=rows, cols=cols, subplot_titles=list(titles), horizontal_spacing=0.02,
                        vertical_spacing=0.08 if rows > 1 else 0.1)
    x = np.asarray(data.x_train, dtype=np.float32)
    colors = ([style.class_colors[int(c) % len(style.class_colors)] for c in data.y_train]
              if data.task == "classification" else "#333333")
    for i, surface in enumerate(surfaces):
        codes, scale, top = surface_codes(surface, style=style)
        r, c = i // cols + 1, i % cols + 1
        fig.add_trace(go.Heatmap(x=surface.xs.astype(np.float32), y=surface.ys.astype(np.float32),
                                 z=codes, zmin=0, zmax=top, colorscale=scale, showscale=False,
                                 hoverinfo="skip"), row=r, col=c)
        fig.add_trace(go.Scatter(x=x[:, 0], y=x[:, 1], mode="markers", hoverinfo="skip",
                                 marker={"size": 3, "color": colors, "line": {"width": 0.5, "color": "white"}}),
                      row=r, col=c)
    fig.update_xaxes(visible=False)
    fig.update_yaxes(visible=False)
    _base_layout(fig, style, 190 * rows + 40, uirevision, "")
    fig.update_layout(showlegend=False, margin={"l": 4, "r": 4, "t": 30, "b": 4})
    fig.update_annotations(font_size=style.font_size - 2)
    return fig


def compare_loss_figure(histories: Sequence[Sequence[float]], names: Sequence[str], *,
                        style: Style = DEFAULT, height: int = 320, log_y: bool = True,
                        uirevision: str = "compare-loss") -> go.Figure:
    """Every run's training loss on one chart (log scale: runs differ by orders of magnitude)."""
    fig = go.Figure()
    palette = style.class_colors
    for i, (history, name) in enumerate(zip(histories, names)):
        epochs, values = downsample(history, 400)
        values = np.where(np.isfinite(values), values, np.nan).astype(np.float32)
        fig.add_trace(go.Scatter(x=epochs, y=values, mode="lines", name=name,
                                 line={"width": style.line_width * 0.75, "color": palette[i % len(palette)],
                                           "dash": ("solid", "dash", "dot", "dashdot")[(i // len(palette)) % 4]}))
    _base_layout(fig, style, height, uirevision, "")
    fig.update_xaxes(title_text="epoch")
    fig.update_yaxes(title_text="training loss", type="log" if log_y else "linear")
    return fig


def _base_layout(fig: go.Figure, style: Style, height: int, uirevision: str, title: str) -> None:
    fig.update_layout(template="plotly_white", height=height, uirevision=uirevision,
                      margin={"l": 50, "r": 10, "t": 40 if title else 10, "b": 40},
                      font={"size": style.font_size}, paper_bgcolor=style.paper,
                      title={"text": title} if title else None, showlegend=True)
