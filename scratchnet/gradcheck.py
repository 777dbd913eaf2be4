"""The gradient check: hand-written backward vs autograd vs central finite differences.

Run in float64, where finite differences are accurate to ~1e-9, so a disagreement means a
wrong derivative, not rounding. Used by the tests, `python -m scratchnet gradcheck` and the
app's "Under the hood" page.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass

import torch
from torch import Tensor

from .backward import Objective, autograd_loss_and_grads, hand_loss_and_grads
from .config import ACTIVATIONS, PROBLEMS, REGULARIZATIONS
from .model import Net, init_net

ABS_TOL = 1e-6     # hand vs autograd, and hand vs finite differences
REL_TOL = 1e-6


@dataclass(frozen=True)
class GradCheckRow:
    """Largest errors over one parameter tensor. `ok` if each comparison is within tolerance
    in absolute *or* relative terms (relative alone is meaningless for gradients near 0)."""

    case: str
    param: str
    shape: tuple[int, ...]
    autograd_abs: float
    autograd_rel: float
    numeric_abs: float
    numeric_rel: float

    @property
    def ok(self) -> bool:
        return ((self.autograd_abs <= ABS_TOL or self.autograd_rel <= REL_TOL)
                and (self.numeric_abs <= ABS_TOL or self.numeric_rel <= REL_TOL))


def _errors(a: Tensor, b: Tensor) -> tuple[float, float]:
    diff = (a - b).abs()
    scale = torch.maximum(a.abs(), b.abs()).clamp_min(1e-12)
    return float(diff.max()), float((diff / scale).max())


def numeric_gradients(net: Net, x: Tensor, target: Tensor, objective: Objective, eps: float = 1e-6
                      ) -> list[Tensor]:
    """Central differences (L(θ+ε) − L(θ−ε)) / 2ε, one parameter entry at a time. For M stacked
    models L is the sum of their losses: each entry belongs to one model, so that is its gradient."""
    grads = []
    with torch.no_grad():
        for p in net.params:
            g = torch.zeros_like(p)
            flat_p, flat_g = p.view(-1), g.view(-1)
            for i in range(flat_p.numel()):
                original = float(flat_p[i])
                flat_p[i] = original + eps
                plus = float(hand_loss_and_grads(net, x, target, objective)[0].sum())
                flat_p[i] = original - eps
                minus = float(hand_loss_and_grads(net, x, target, objective)[0].sum())
                flat_p[i] = original
                flat_g[i] = (plus - minus) / (2 * eps)
            grads.append(g)
    return grads


def param_names(net: Net) -> list[str]:
    return [f"{kind}{layer + 1}" for layer in range(net.n_layers) for kind in ("W", "b")]


def compare_gradients(net: Net, x: Tensor, target: Tensor, objective: Objective, case: str = "",
                      hand: list[Tensor] | None = None) -> tuple[list[GradCheckRow], dict[str, list[Tensor]]]:
    """All three gradients of one batch and their largest differences per parameter. `hand` are the
    hand-written gradients to check (by default the engine's written-out backward)."""
    if hand is None:
        _, hand = hand_loss_and_grads(net, x, target, objective)
    _, auto = autograd_loss_and_grads(net, x, target, objective)
    numeric = numeric_gradients(net, x, target, objective)
    rows = []
    for name, p, h, a, n in zip(param_names(net), net.params, hand, auto, numeric):
        rows.append(GradCheckRow(case, name, tuple(p.shape), *_errors(h, a), *_errors(h, n)))
    return rows, {"hand": hand, "autograd": auto, "numeric": numeric}


def check_case(activation: str, task: str, regularization: str, depth: int, seed: int = 0
               ) -> list[GradCheckRow]:
    """One small float64 network and batch for a given combination."""
    gen = torch.Generator().manual_seed(seed)
    n_in, n_out, n = 3, (3 if task == "classification" else 1), 12
    sizes = [n_in, *([4] * depth), n_out]
    net = init_net(sizes, activation, seed, "xavier", torch.float64)
    with torch.no_grad():  # non-zero biases exercise the bias gradients too
        for b in net.biases:
            b.normal_(0.0, 0.1, generator=gen)
    x = torch.randn(n, n_in, generator=gen, dtype=torch.float64)
    if task == "classification":
        labels = torch.randint(0, n_out, (n,), generator=gen)
        target = torch.nn.functional.one_hot(labels, n_out).double()
    else:
        target = torch.randn(n, 1, generator=gen, dtype=torch.float64)
    rate = 0.0 if regularization == "none" else 0.05
    case = f"{activation} · {'cross-entropy' if task == 'classification' else 'MSE'} · {regularization} · depth {depth}"
    rows, _ = compare_gradients(net, x, target, Objective(task, regularization, rate), case)
    return rows


def full_check(depths: tuple[int, ...] = (0, 1, 2, 3)) -> list[GradCheckRow]:
    """Every activation × loss × penalty × depth."""
    rows = []
    for activation, task, regularization, depth in itertools.product(ACTIVATIONS, PROBLEMS,
                                                                      REGULARIZATIONS, depths):
        rows.extend(check_case(activation, task, regularization, depth))
    return rows


def format_table(rows: list[GradCheckRow]) -> str:
    """A fixed-width table a person can read in a terminal."""
    header = (f"{'case':<42} {'param':<5} {'shape':<8} {'|hand-auto|':>11} {'rel':>9} "
              f"{'|hand-fd|':>10} {'rel':>9}  ok")
    lines = [header, "-" * len(header)]
    for r in rows:
        shape = "x".join(map(str, r.shape))
        lines.append(f"{r.case:<42} {r.param:<5} {shape:<8} {r.autograd_abs:>11.2e} {r.autograd_rel:>9.1e} "
                     f"{r.numeric_abs:>10.2e} {r.numeric_rel:>9.1e}  {'yes' if r.ok else 'NO'}")
    return "\n".join(lines)
