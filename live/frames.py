"""Live frames: what a page's socket sends, built from a run in about a millisecond.

A frame is one binary WebSocket message: a 4-byte little-endian length, a JSON header, then the
header's binary parts (`blobs`) back to back. Surfaces travel as uint8 codes (one byte per cell,
rows top first) that the browser colours through a lookup table it got once with the page; loss
curves travel as the points the chart does not have yet (the browser says what it has); numbers
travel formatted, as the page shows them.

The page builds the first frame itself (ui/live_view.py puts it in the element's data), so its
charts draw before any socket is open, and tests without a browser (AppTest) can read it. No
Streamlit in here.
"""

from __future__ import annotations

import base64
import json
import math
import struct
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from live.channel import CurveAsk
from live.diagram import DiagramView, add_diagram_steps
from live.run import FrameState
from live.sweep import SweepFrameState
from scratchnet.draw.figures import compare_tile_title, hidden_space_spec, surface_codes, unit_tiles
from scratchnet.draw.hidden_space import hidden_space_steps
from scratchnet.draw.palette import Style, region_style
from scratchnet.draw.plotly_json import figure_json
from scratchnet.draw.png import color_table
from scratchnet.draw.surface import Surface, decision_surface_steps, unit_surfaces_steps
from scratchnet.train.pieces import Steps, finish

UNITS_EVERY_SECONDS = 0.25          # the hidden-unit pictures change slowly; a few redraws a second
HIDDEN_EVERY_SECONDS = 0.25         # the hidden-space picture, likewise


# --- what a page shows -------------------------------------------------------------------------------
@dataclass(frozen=True)
class PlaygroundView:
    """The Playground's live element: numbers, the boundary, the loss, the hidden units."""

    style: Style
    discretize: bool = False
    resolution: int = 100
    units: bool = True                      # the hidden-unit pictures (not in presentation mode)
    units_resolution: int = 32
    max_units: int = 8
    diagram: DiagramView | None = None       # the network diagram (live/diagram.py)
    curves: tuple[str, ...] = ("loss",)      # its live curve charts, by name (PLAYGROUND_CURVES)
    kind: str = field(default="playground", init=False)


@dataclass(frozen=True)
class CompareView:
    """Compare's live element: a boundary tile and a loss curve per run, and the table."""

    style: Style
    labels: tuple[str, ...]
    links: tuple[str, ...]
    resolution: int = 40
    kind: str = field(default="compare", init=False)


@dataclass(frozen=True)
class HiddenSpaceView:
    """Under the hood's hidden space: the plane as one hidden layer sees it."""

    style: Style
    layer: int
    units: tuple[int, int] | None
    height: int = 440
    kind: str = field(default="hidden", init=False)


# --- the wire format ---------------------------------------------------------------------------------
@dataclass
class Frame:
    header: dict[str, Any]
    blobs: list[bytes] = field(default_factory=list)

    def blob(self, data: np.ndarray | bytes) -> int:
        """Add a binary part; returns its index."""
        self.blobs.append(data if isinstance(data, bytes) else np.ascontiguousarray(data).tobytes())
        return len(self.blobs) - 1

    def encode(self) -> bytes:
        """The frame as one binary WebSocket message."""
        head = json.dumps({**self.header, "blobs": [len(b) for b in self.blobs]}, separators=(",", ":"),
                          allow_nan=False).encode()
        return struct.pack("<I", len(head)) + head + b"".join(self.blobs)

    def inline(self) -> dict[str, Any]:
        """The frame as JSON for a component's data (blobs as base64)."""
        return {**self.header, "blobs": [base64.b64encode(b).decode("ascii") for b in self.blobs]}


def decode(message: bytes) -> Frame:
    """`Frame.encode` backwards (for tests and the protocol-level benchmark client)."""
    (size,) = struct.unpack_from("<I", message)
    header = json.loads(message[4:4 + size])
    blobs, at = [], 4 + size
    for n in header.pop("blobs"):
        blobs.append(message[at:at + n])
        at += n
    return Frame(header, blobs)


def lut_base64(scale: Sequence[Sequence]) -> str:
    """A colour scale as the 256 RGB triples the browser colours codes with (768 bytes, base64)."""
    return base64.b64encode(color_table(scale).tobytes()).decode("ascii")


def _number(value: float | None) -> float | None:
    """JSON has no NaN or infinity: a missing or diverged value is a gap (null)."""
    return None if value is None or not math.isfinite(value) else float(value)


def _shown(value: float | None, form: str) -> str:
    """A metric as text; no points to measure on (an empty test set) shows a dash."""
    return "–" if value is None or not math.isfinite(value) else format(value, form)


# --- the Playground -----------------------------------------------------------------------------------
def boundary_codes(surface: Surface, style: Style, discretize: bool) -> tuple[np.ndarray, list[list]]:
    """The surface as uint8 codes, rows top first as an image is drawn, and their colour scale."""
    codes, scale, _ = surface_codes(surface, discretize, region_style(style))
    return codes[::-1], scale


def metrics(state: FrameState) -> list[list[str]]:
    snap = state.snapshot
    items = [["Epoch", f"{snap.epoch:,}"], ["Train loss", _shown(snap.train_loss, ".4f")],
             ["Test loss", _shown(snap.test_loss, ".4f")]]
    if state.cfg.is_classification:
        items += [["Train accuracy", _shown(snap.train_accuracy, ".1%")],
                  ["Test accuracy", _shown(snap.test_accuracy, ".1%")]]
    if state.cfg.schedule != "constant":          # the rate the next epoch trains with
        items.append(["Learning rate", f"{snap.lr:.3g}"])
    items.append(["Epochs / s", f"{state.epochs_per_second:,.0f}" if state.playing else "–"])
    return items


def curve_update(key: str, full: bool, stride: int, series: Sequence[tuple[Sequence[int], Sequence[float], bool]]
                 ) -> dict[str, Any]:
    """A curve chart's new points, as the browser adds them (live/js/live_view.js addPoints): per series its
    epochs, its values and whether it is regular (a point every `stride` epochs; the browser thins those by
    epoch, the others by count); `full`: the whole curve, not points to add."""
    return {"key": key, "full": full, "stride": stride, "regular": [regular for _, _, regular in series],
            "x": [list(epochs) for epochs, _, _ in series],
            "y": [[_number(v) for v in values] for _, values, _ in series]}


def loss_points(state: FrameState, ask: CurveAsk) -> dict[str, Any]:
    """The loss chart's new points: the run read them for the chart's ask already (`LiveRun.frame_state`)."""
    c = state.curves
    return curve_update(c.key, c.full, c.stride, [(c.train_epochs, c.train_losses, True),
                                                  (c.test_epochs, c.test_losses, False)])


# The Playground's live curve charts: chart name -> its new points in a frame, from the run's state and what
# the chart has drawn (the request's ask for it). A new chart: its builder here, its figure in the page's
# element (ui/live_view.py), its name in the view's `curves`.
PLAYGROUND_CURVES: dict[str, Callable[[FrameState, CurveAsk], dict[str, Any]]] = {"loss": loss_points}


def playground_frame(state: FrameState, view: PlaygroundView, *, units: bool, surface: Surface | None = None,
                     asks: Mapping[str, CurveAsk] | None = None) -> Frame:
    """One frame of the Playground: numbers, the boundary's codes, each curve chart's new points (after what
    `asks` says it has), and (when `units`) the hidden units' pictures. `surface`: the boundary's, if it was
    computed already."""
    return finish(playground_frame_steps(state, view, units=units, surface=surface, asks=asks))


def playground_frame_steps(state: FrameState, view: PlaygroundView, *, units: bool, surface: Surface | None = None,
                           asks: Mapping[str, CurveAsk] | None = None) -> Steps[Frame]:
    """`playground_frame` in pieces (scratchnet/train/pieces.py): a big network's boundary, unit pictures and
    diagram pictures a few hundred points at a time."""
    cfg, data, asks = state.cfg, state.data, asks or {}
    stopped = state.snapshot.stopped or ("error" if state.error else None)
    frame = Frame({"t": "frame", "kind": "playground", "key": state.key, "v": state.version,
                   "playing": state.playing, "stepping": state.stepping, "stopped": stopped,
                   "epoch": state.snapshot.epoch,
                   "metrics": metrics(state)})
    if surface is None:
        surface = yield from decision_surface_steps(state.net, cfg.features, data.bounds, cfg.problem,
                                                    view.resolution)
    codes, _ = boundary_codes(surface, view.style, view.discretize)
    frame.header["images"] = [{"chart": "boundary", "index": 0, "w": codes.shape[1], "h": codes.shape[0],
                               "lut": "boundary", "blob": frame.blob(codes)}]
    frame.header["curves"] = [{"chart": name, **PLAYGROUND_CURVES[name](state, asks.get(name, CurveAsk()))}
                              for name in view.curves]
    if units and view.units and cfg.hidden:
        layers = yield from unit_surfaces_steps(state.net, cfg.features, data.bounds, view.units_resolution)
        image = unit_tiles(layers, view.max_units)
        frame.header["images"].append({"chart": "units", "index": 0, "w": image.shape[1], "h": image.shape[0],
                                       "lut": "units", "blob": frame.blob(image)})
    if view.diagram is not None:
        yield from add_diagram_steps(frame, state, view.diagram, pictures=units)
    return frame


# --- Compare ----------------------------------------------------------------------------------------
def compare_frame(state: SweepFrameState, view: CompareView) -> Frame:
    """One frame of Compare: every run's tile, each curve's new loss points, the table's rows and
    the numbers above them."""
    base = state.cfgs[0]
    frame = Frame({"t": "frame", "kind": "compare", "key": state.key, "v": state.version,
                   "playing": state.playing, "stopped": "done" if state.done else None, "epoch": state.epoch})
    frame.header["images"] = [
        {"chart": "grid", "index": i, "w": codes.shape[1], "h": codes.shape[0], "lut": "grid",
         "blob": frame.blob(codes), "title": compare_tile_title(i, label, row, base.is_classification)}
        for i, (codes, label, row) in enumerate(zip((boundary_codes(s, view.style, False)[0] for s in state.surfaces),
                                                    view.labels, state.rows))]
    frame.header["curves"] = [{"chart": "losses", **curve_update(
        state.key, state.full, state.stride, [(x, y, True) for x, y in zip(state.curve_epochs, state.curve_losses)])}]
    diverged = sum(r["diverged_at"] is not None for r in state.rows)
    frame.header["metrics"] = [["Epoch", f"{state.epoch:,} / {base.epochs:,}"],
                               ["Model-epochs / s", f"{state.rate:,.0f}" if state.playing else "–"],
                               ["Diverged", str(diverged)]]
    frame.header["table"] = compare_rows(state.rows, view, base.is_classification)
    return frame


def compare_rows(rows: Sequence[dict], view: CompareView, classification: bool) -> list[dict]:
    table = []
    for label, link, row in zip(view.labels, view.links, rows):
        entry = {"run": label, "train loss": _number(row["train_loss"]), "test loss": _number(row["test_loss"])}
        if classification:
            entry.update({"train accuracy": _number(row["train_accuracy"]),
                          "test accuracy": _number(row["test_accuracy"]),
                          "epochs to 90% test": row["epochs_to_mark"]})
        entry.update({"diverged at": row["diverged_at"], "open": link})
        table.append(entry)
    return table


# --- the hidden space ----------------------------------------------------------------------------------
def hidden_figure(state: FrameState, view: HiddenSpaceView) -> str:
    """The training points and the grid as hidden layer `view.layer` sees them now (figure JSON)."""
    return finish(hidden_figure_steps(state, view))


def hidden_figure_steps(state: FrameState, view: HiddenSpaceView) -> Steps[str]:
    """`hidden_figure` in pieces (scratchnet/train/pieces.py)."""
    data = state.data
    mapped = yield from hidden_space_steps(state.net, state.cfg.features, data.x_train, data.bounds, view.layer,
                                           view.units)
    title = f"As hidden layer {view.layer} sees it (epoch {state.snapshot.epoch:,})"
    spec = hidden_space_spec(mapped, data.y_train.numpy(), data.task, data.n_classes, style=view.style,
                             height=view.height, title=title, uirevision=f"hidden-{view.layer}-{view.units}")
    return figure_json(spec)


def hidden_frame(state: FrameState, view: HiddenSpaceView) -> Frame:
    """The hidden layer's picture as a whole figure (a few redraws a second)."""
    return finish(hidden_frame_steps(state, view))


def hidden_frame_steps(state: FrameState, view: HiddenSpaceView) -> Steps[Frame]:
    """`hidden_frame` in pieces (scratchnet/train/pieces.py)."""
    figure = yield from hidden_figure_steps(state, view)
    return Frame({"t": "frame", "kind": "hidden", "key": state.key, "v": state.version, "playing": state.playing,
                  "stepping": state.stepping, "stopped": state.snapshot.stopped, "epoch": state.snapshot.epoch,
                  "figures": [{"chart": "hidden", "figure": figure}]})
