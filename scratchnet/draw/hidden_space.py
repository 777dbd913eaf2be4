"""How a hidden layer sees the plane: the data and a warped grid, mapped through the layer.

A hidden layer with H units sends every input point to a point in H dimensions. Drawing the
grid lines of the input plane through that map shows *how* the layer bends the plane: ReLU
folds it along lines, tanh squashes it into a box, a linear layer only shears it. The data goes
through the same map, so one can watch the classes pull apart until a straight line separates
them in the last hidden layer — which is all the output layer, a linear map, can use.

A screen has two dimensions, so a view is either two chosen units (the coordinates as they
are) or the plane of the two directions along which the data's hidden values vary most (PCA:
an SVD of the centred values). The figure is `figures.hidden_space_spec`.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import torch
from torch import Tensor

from scratchnet.data.datasets import featurize
from scratchnet.net.model import Net
from scratchnet.train.pieces import Steps, finish, layers_steps

Bounds = tuple[float, float, float, float]


def grid_lines(bounds: Bounds, n_lines: int = 11, samples: int = 64) -> Tensor:
    """Lines of the input plane as points: (2·n_lines, samples, 2). The first n_lines run
    left to right (x₂ fixed, bottom to top), the rest bottom to top (x₁ fixed, left to right).
    Many samples per line, because a straight line stops being straight after a layer."""
    if n_lines < 2 or samples < 2:
        raise ValueError(f"need at least 2 lines and 2 samples per line, got {n_lines} and {samples}")
    x_min, x_max, y_min, y_max = bounds
    along_x = torch.linspace(x_min, x_max, samples)                         # (S,)
    along_y = torch.linspace(y_min, y_max, samples)
    at_y = torch.linspace(y_min, y_max, n_lines)                            # (L,)
    at_x = torch.linspace(x_min, x_max, n_lines)
    horizontal = torch.stack(torch.broadcast_tensors(along_x[None, :], at_y[:, None]), dim=-1)  # (L, S, 2)
    vertical = torch.stack(torch.broadcast_tensors(at_x[:, None], along_y[None, :]), dim=-1)    # (L, S, 2)
    return torch.cat([horizontal, vertical])                                # (2L, S, 2)


def pca_basis(h: Tensor) -> tuple[Tensor, Tensor, Tensor]:
    """The centre (H,), the two directions of largest variance as columns (H, 2), and the
    share of the variance each explains (2,), from the SVD of the centred rows of h (N, H).

    Each direction's sign is fixed (its largest entry is positive), so the picture does not
    flip from one frame to the next while training nudges the weights. A layer narrower than
    two units, or data that varies in fewer directions, gets zero columns (a flat picture).
    """
    h = h.double()
    center = h.mean(0)                                                      # (H,)
    _, s, vh = torch.linalg.svd(h - center, full_matrices=False)            # vh: (min(N, H), H)
    basis = torch.zeros(h.shape[1], 2, dtype=h.dtype)
    k = min(2, vh.shape[0])
    basis[:, :k] = vh[:k].T
    biggest = basis.abs().argmax(0)                                         # (2,)
    signs = torch.sign(basis[biggest, torch.arange(2)])
    basis = basis * torch.where(signs == 0, 1.0, signs)
    variance = s.pow(2)
    explained = torch.zeros(2, dtype=h.dtype)
    total = float(variance.sum())
    if total > 0:
        explained[:k] = variance[:k] / total
    return center, basis, explained


@dataclass(frozen=True)
class HiddenView:
    """One layer's picture: where the data points and the grid lines land, in two dimensions.

    layer 0 is the input plane itself (straight lines, for comparison)."""

    layer: int
    width: int                          # units in the layer (H)
    points: np.ndarray                  # (N, 2) the data points
    lines: np.ndarray                   # (2L, S, 2) the grid lines, in grid_lines' order
    axis_titles: tuple[str, str]
    explained: tuple[float, float] | None = None   # PCA only: share of the data's variance


def hidden_space(net: Net, features: Sequence[str], x: Tensor, bounds: Bounds, layer: int,
                 units: tuple[int, int] | None = None, n_lines: int = 11, samples: int = 64) -> HiddenView:
    """Map raw points x (N, 2) and the grid of `bounds` through hidden layer `layer` (1-based;
    0 is the input plane) and view them through two units (0-based indices) or, with
    units=None, through the data's two principal directions in that layer."""
    return finish(hidden_space_steps(net, features, x, bounds, layer, units, n_lines, samples))


def hidden_space_steps(net: Net, features: Sequence[str], x: Tensor, bounds: Bounds, layer: int,
                       units: tuple[int, int] | None = None, n_lines: int = 11, samples: int = 64
                       ) -> Steps[HiddenView]:
    """`hidden_space` in pieces (scratchnet/train/pieces.py)."""
    n_hidden = net.n_layers - 1
    if not 0 <= layer <= n_hidden:
        raise ValueError(f"layer must be from 0 to {n_hidden} (0 is the input plane), got {layer}")
    lines = grid_lines(bounds, n_lines, samples)                            # (2L, S, 2)
    if layer == 0:
        return HiddenView(0, 2, x.float().numpy(), lines.numpy(), ("x₁", "x₂"))
    n = x.shape[0]
    raw = torch.cat([x.float(), lines.reshape(-1, 2)])                      # (N + 2L·S, 2)
    inputs = featurize(raw, features).to(net.weights[0].dtype)              # (N + 2L·S, d_0)
    h = (yield from layers_steps(net, inputs))[layer - 1].double()         # (N + 2L·S, H)
    width = h.shape[1]
    if units is not None:
        i, j = units
        if not (0 <= i < width and 0 <= j < width):
            raise ValueError(f"units must be from 0 to {width - 1} in layer {layer}, got {units}")
        coords = h[:, [i, j]]                                               # (N + 2L·S, 2)
        titles, explained = (f"unit {i + 1}", f"unit {j + 1}"), None
    else:
        center, basis, share = pca_basis(h[:n] if n >= 2 else h)
        coords = (h - center) @ basis                                       # (N + 2L·S, 2)
        explained = (float(share[0]), float(share[1]))
        titles = (f"PC 1 ({explained[0]:.0%} of variance)", f"PC 2 ({explained[1]:.0%})")
    coords = coords.float().numpy()
    return HiddenView(layer, width, coords[:n], coords[n:].reshape(lines.shape), titles, explained)
