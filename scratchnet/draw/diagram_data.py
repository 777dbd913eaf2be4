"""The network as a diagram: which units and weights are drawn, in which order, and their numbers.

A pure description, drawn by the app (live/diagram.py sends it, live/js/diagram.js draws it). A layer of
up to MAX_SHOWN units is drawn unit by unit. A wider one shows its first MAX_SHOWN − 1 units and a
"+N more" band standing for the rest; a line to or from a band stands for all the weights between
its ends and carries their mean and mean magnitude. So 8 layers of 128 units stay a readable picture
of at most 16 units a column, and a frame's numbers stay small (~2,000 instead of ~116,000).

Order of the numbers (`Diagram.values`), which the browser reads back by position:
  1. the drawn weights, layer by layer, each layer's W[i, j] row by row (i = input unit, j = output);
  2. the drawn biases, layer by layer;
  3. (mean, mean |w|) of each weight band (`weight_bands`), then of each bias band (`bias_bands`).
"""

from __future__ import annotations

import functools
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import torch

from scratchnet.data.datasets import featurize
from scratchnet.draw.surface import Bounds, grid_points
from scratchnet.net.entries import Entry
from scratchnet.net.model import Net
from scratchnet.train.pieces import Steps, finish, layers_steps

MAX_SHOWN = 16          # a wider layer shows its first MAX_SHOWN - 1 units and a "+N more" band


@dataclass(frozen=True)
class Band:
    """Weights W[layer][rows, cols] (0-based, half-open) drawn as one line, or biases b[layer][cols]."""

    kind: str                    # "W" | "b"
    layer: int
    rows: tuple[int, int]
    cols: tuple[int, int]

    @property
    def count(self) -> int:
        return (self.rows[1] - self.rows[0]) * (self.cols[1] - self.cols[0])

    @property
    def name(self) -> str:
        """`W2[3,16–20]`, `W2[16–20,16–30]` or `b2[16–20]`: 1-based and inclusive, as entries are named."""
        cols = _span(self.cols)
        return f"W{self.layer + 1}[{_span(self.rows)},{cols}]" if self.kind == "W" else f"b{self.layer + 1}[{cols}]"


def _span(bounds: tuple[int, int]) -> str:
    first, last = bounds[0] + 1, bounds[1]
    return str(first) if first == last else f"{first}–{last}"


@dataclass(frozen=True)
class Diagram:
    """What is drawn of a network with these layer sizes (inputs first, outputs last)."""

    layer_sizes: tuple[int, ...]
    shown: tuple[int, ...]                       # units drawn one by one, per layer

    @property
    def more(self) -> tuple[int, ...]:
        """Units of each layer drawn only as part of its "+N more" band (0: none)."""
        return tuple(size - shown for size, shown in zip(self.layer_sizes, self.shown))

    @property
    def n_layers(self) -> int:
        """Layers of weights (W1 … WL)."""
        return len(self.layer_sizes) - 1

    def weights(self) -> list[Entry]:
        """The weights drawn one by one, in the order of `values`."""
        s = self.shown
        return [Entry("W", layer, i, j) for layer in range(self.n_layers)
                for i in range(s[layer]) for j in range(s[layer + 1])]

    def biases(self) -> list[Entry]:
        s = self.shown
        return [Entry("b", layer, 0, j) for layer in range(self.n_layers) for j in range(s[layer + 1])]

    def weight_bands(self) -> list[Band]:
        """Per layer of weights: each drawn input unit to the output band, the input band to each drawn
        output unit, then band to band."""
        bands = []
        for layer in range(self.n_layers):
            rows, cols = self.layer_sizes[layer], self.layer_sizes[layer + 1]
            r, c = self.shown[layer], self.shown[layer + 1]
            if c < cols:
                bands += [Band("W", layer, (i, i + 1), (c, cols)) for i in range(r)]
            if r < rows:
                bands += [Band("W", layer, (r, rows), (j, j + 1)) for j in range(c)]
            if r < rows and c < cols:
                bands.append(Band("W", layer, (r, rows), (c, cols)))
        return bands

    def bias_bands(self) -> list[Band]:
        return [Band("b", layer, (0, 1), (self.shown[layer + 1], self.layer_sizes[layer + 1]))
                for layer in range(self.n_layers) if self.more[layer + 1]]

    def values(self, weights: Sequence[np.ndarray], biases: Sequence[np.ndarray]) -> np.ndarray:
        """The drawn numbers of these weights (d_in, d_out) and biases (1, d_out), as float32 in the
        order described at the top of this module. Also used for their gradients."""
        s = self.shown
        parts = [w[:s[layer], :s[layer + 1]].reshape(-1) for layer, w in enumerate(weights)]
        parts += [b.reshape(-1)[:s[layer + 1]] for layer, b in enumerate(biases)]
        for layer, w in enumerate(weights):          # vectorized, in weight_bands' order
            r, c = s[layer], s[layer + 1]
            if c < w.shape[1]:
                parts.append(_mean_pairs(w[:r, c:], axis=1))
            if r < w.shape[0]:
                parts.append(_mean_pairs(w[r:, :c], axis=0))
            if r < w.shape[0] and c < w.shape[1]:
                parts.append(_mean_pairs(w[r:, c:], axis=None))
        for layer, b in enumerate(biases):
            if self.more[layer + 1]:
                parts.append(_mean_pairs(b.reshape(-1)[s[layer + 1]:], axis=None))
        return np.concatenate([np.asarray(p, dtype=np.float32).reshape(-1) for p in parts])

    def net_values(self, net: Net) -> np.ndarray:
        """`values` of a network's parameters."""
        return self.values([w.detach().numpy() for w in net.weights], [b.detach().numpy() for b in net.biases])


def _mean_pairs(block: np.ndarray, axis: int | None) -> np.ndarray:
    """(mean, mean |x|) along `axis`, interleaved: [m0, a0, m1, a1, ...]. The gradients of a diverged step
    hold infinities; their means are NaN or infinite as they are, and drawn so."""
    with np.errstate(invalid="ignore", over="ignore"):
        return np.stack([block.mean(axis=axis), np.abs(block).mean(axis=axis)], axis=-1)


@functools.lru_cache(maxsize=64)
def build_diagram(layer_sizes: tuple[int, ...], max_shown: int = MAX_SHOWN) -> Diagram:
    """The diagram of a network with these layer sizes (cached: every frame asks)."""
    if len(layer_sizes) < 2 or min(layer_sizes) < 1:
        raise ValueError(f"a network has at least an input and an output layer, not sizes {layer_sizes}")
    if max_shown < 2:
        raise ValueError(f"max_shown must be at least 2 (a unit and a band), not {max_shown}")
    shown = tuple(size if size <= max_shown else max_shown - 1 for size in layer_sizes)
    return Diagram(tuple(layer_sizes), shown)


# --- what each unit computes over the plane --------------------------------------------------------
def picture_codes(values: np.ndarray) -> np.ndarray:
    """(U, R, R) values on the grid (row i is y = ys[i]) as uint8 pictures, rows top first: each scaled
    to its own largest magnitude (the shape matters, not the size), 127 is zero, 0 and 254 the extremes."""
    scale = np.abs(values).reshape(len(values), -1).max(1) if len(values) else np.zeros(0)
    scale = np.where(np.isfinite(scale) & (scale > 0), scale, 1.0)[:, None, None]
    codes = (np.nan_to_num(values / scale, nan=0.0, posinf=1.0, neginf=-1.0) + 1.0) * 127.0
    return np.clip(codes, 0, 254).round().astype(np.uint8)[:, ::-1]


def unit_pictures(net: Net, features: Sequence[str], bounds: Bounds, diagram: Diagram, resolution: int = 32
                  ) -> tuple[np.ndarray, np.ndarray]:
    """What every drawn unit of the hidden and output layers computes over the plane: uint8 pictures
    (U, R, R) (`picture_codes`) and each unit's lowest and highest value there (U, 2), in layer order.
    A hidden unit's value is its activation h, an output unit's its z (a logit, or the prediction)."""
    return finish(unit_pictures_steps(net, features, bounds, diagram, resolution))


def unit_pictures_steps(net: Net, features: Sequence[str], bounds: Bounds, diagram: Diagram, resolution: int = 32
                        ) -> Steps[tuple[np.ndarray, np.ndarray]]:
    """`unit_pictures` in pieces (scratchnet/train/pieces.py)."""
    inputs = featurize(grid_points(bounds, resolution), features).to(net.weights[0].dtype)   # (R², d)
    layers = yield from layers_steps(net, inputs)                                   # [(R², d_l)], l ≥ 1
    drawn = [h[:, :shown] for h, shown in zip(layers, diagram.shown[1:])]
    values = torch.cat(drawn, dim=1).T.float().numpy()                              # (U, R²)
    ranges = np.stack([values.min(1), values.max(1)], axis=1) if values.size else np.zeros((0, 2))
    pictures = picture_codes(values.reshape(-1, resolution, resolution))
    return pictures, ranges.astype(np.float32)


def feature_pictures(features: Sequence[str], bounds: Bounds, resolution: int = 32
                     ) -> tuple[np.ndarray, np.ndarray]:
    """Each input feature over the plane, as `unit_pictures` draws units (they do not change)."""
    values = featurize(grid_points(bounds, resolution), features).T.float().numpy()       # (F, R²)
    ranges = np.stack([values.min(1), values.max(1)], axis=1).astype(np.float32)
    return picture_codes(values.reshape(-1, resolution, resolution)), ranges
