"""What the network predicts everywhere on the plane: the decision surface behind the points.

One batched forward over an R×R grid in inference mode (about a millisecond for 100×100),
for one network or for M stacked ones at once.
"""

from __future__ import annotations

import functools
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import torch

from scratchnet.data.datasets import featurize
from scratchnet.net.losses import log_softmax
from scratchnet.net.model import Net
from scratchnet.train.pieces import Steps, finish, forward_steps, layers_steps

Bounds = tuple[float, float, float, float]


@dataclass(frozen=True)
class Surface:
    """Predictions on a grid. values: (R, R) p(class 1) for two classes or the regressed value;
    (R, R, K) class probabilities for K > 2; a leading M for stacked models. Row i is y = ys[i]."""

    xs: np.ndarray          # (R,)
    ys: np.ndarray          # (R,)
    values: np.ndarray
    task: str
    n_classes: int


def grid_axes(bounds: Bounds, resolution: int) -> tuple[torch.Tensor, torch.Tensor]:
    x_min, x_max, y_min, y_max = bounds
    return torch.linspace(x_min, x_max, resolution), torch.linspace(y_min, y_max, resolution)


def grid_points(bounds: Bounds, resolution: int) -> torch.Tensor:
    """(R*R, 2) points, row-major with y outer, so values reshape to (R, R) as heatmaps expect."""
    xs, ys = grid_axes(bounds, resolution)
    gy, gx = torch.meshgrid(ys, xs, indexing="ij")
    return torch.stack([gx.reshape(-1), gy.reshape(-1)], dim=-1)


@functools.lru_cache(maxsize=64)
def grid_inputs(bounds: Bounds, resolution: int, features: tuple[str, ...], dtype: torch.dtype
                ) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    """(xs, ys, featurized grid points (R², d)): the same for every frame of a run, so made once.
    Callers must not change them in place."""
    xs, ys = grid_axes(bounds, resolution)
    return xs, ys, featurize(grid_points(bounds, resolution), features).to(dtype)


def decision_surface(net: Net, features: Sequence[str], bounds: Bounds, task: str,
                     resolution: int = 100) -> Surface:
    return finish(decision_surface_steps(net, features, bounds, task, resolution))


def decision_surface_steps(net: Net, features: Sequence[str], bounds: Bounds, task: str,
                           resolution: int = 100) -> Steps[Surface]:
    """`decision_surface` in pieces (scratchnet/train/pieces.py): a big network's grid a few hundred points at a
    time."""
    dtype = net.weights[0].dtype
    xs, ys, inputs = grid_inputs(tuple(bounds), resolution, tuple(features), dtype)   # inputs: (R², d)
    out = yield from forward_steps(net, inputs)                                 # (…, R², K)
    with torch.inference_mode():
        if task == "classification":
            probs = log_softmax(out).exp()
            out = probs[..., 1] if out.shape[-1] == 2 else probs
        else:
            out = out[..., 0]
    lead = out.shape[:1] if net.n_models is not None else ()                    # () or (M,)
    values = out.reshape(*lead, resolution, resolution, *out.shape[len(lead) + 1:])
    k = 1 if task != "classification" else max(2, net.weights[-1].shape[-1])
    return Surface(xs.numpy(), ys.numpy(), values.float().numpy(), task, k)


def unit_surfaces(net: Net, features: Sequence[str], bounds: Bounds, resolution: int = 32
                  ) -> list[np.ndarray]:
    """What every hidden unit computes over the plane: per layer an (H, R, R) array."""
    return finish(unit_surfaces_steps(net, features, bounds, resolution))


def unit_surfaces_steps(net: Net, features: Sequence[str], bounds: Bounds, resolution: int = 32
                        ) -> Steps[list[np.ndarray]]:
    """`unit_surfaces` in pieces (scratchnet/train/pieces.py)."""
    _, _, inputs = grid_inputs(tuple(bounds), resolution, tuple(features), net.weights[0].dtype)
    layers = (yield from layers_steps(net, inputs))[:-1]                         # [(R², H_l)]
    return [h.T.reshape(h.shape[-1], resolution, resolution).float().numpy() for h in layers]


def stacked_surfaces(net: Net, features: Sequence[str], bounds: Bounds, task: str, resolution: int = 40
                     ) -> list[Surface]:
    """One Surface per model of a stacked net, from a single batched forward."""
    return finish(stacked_surfaces_steps(net, features, bounds, task, resolution))


def stacked_surfaces_steps(net: Net, features: Sequence[str], bounds: Bounds, task: str, resolution: int = 40
                           ) -> Steps[list[Surface]]:
    """`stacked_surfaces` in pieces (scratchnet/train/pieces.py)."""
    surface = yield from decision_surface_steps(net, features, bounds, task, resolution)
    if net.n_models is None:
        return [surface]
    return [Surface(surface.xs, surface.ys, values, surface.task, surface.n_classes) for values in surface.values]
