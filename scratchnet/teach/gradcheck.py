"""The gradient check: hand-written backward vs autograd vs central finite differences.

Run in float64, where finite differences are accurate to ~1e-9, so a disagreement means a
wrong derivative, not rounding. Used by the tests, `python -m scratchnet gradcheck` and the
app's "Under the hood" page. With dropout, one set of masks is drawn (seeded) and held fixed
for all three, so the loss being differentiated is one deterministic function.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass

import torch
from torch import Tensor

from scratchnet.config import ACTIVATIONS, NORMS, PROBLEMS, REGULARIZATIONS
from scratchnet.net.backward import Objective, autograd_loss_and_grads, data_loss, hand_loss_and_grads
from scratchnet.net.dropout import Dropout
from scratchnet.net.model import Net, forward, init_net
from scratchnet.net.penalties import penalty

ABS_TOL = 1e-6     # hand vs autograd, and hand vs finite differences
REL_TOL = 1e-6
DROPOUTS = (0.0, 0.5)          # the dropout rates the full check tries (a mask drops about half the units)
DEPTHS = (0, 1, 2, 3)


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


def numeric_gradients(net: Net, x: Tensor, target: Tensor, objective: Objective, eps: float = 1e-6,
                      drops: list[Tensor] | None = None) -> list[Tensor]:
    """Central differences (L(θ+ε) − L(θ−ε)) / 2ε, one parameter entry at a time. For M stacked
    models L is the sum of their losses: each entry belongs to one model, so that is its gradient."""
    grads = []
    with torch.inference_mode():
        for p in net.params:
            g = torch.zeros_like(p)
            flat_p, flat_g = p.view(-1), g.view(-1)
            for i in range(flat_p.numel()):
                original = float(flat_p[i])
                flat_p[i] = original + eps
                plus = _loss(net, x, target, objective, drops)
                flat_p[i] = original - eps
                minus = _loss(net, x, target, objective, drops)
                flat_p[i] = original
                flat_g[i] = (plus - minus) / (2 * eps)
            grads.append(g)
    return grads


def _loss(net: Net, x: Tensor, target: Tensor, objective: Objective, drops: list[Tensor] | None) -> float:
    """The loss alone (the forward pass only: finite differences need no gradient)."""
    out, _ = forward(net, x, drops)
    loss = data_loss(out, target, objective.task) + penalty(net.weights, objective.regularization, objective.rate)
    return float(loss.sum())


def param_names(net: Net) -> list[str]:
    """W1, b1, (γ1, β1,) W2, ...: the names of `net.params`, in their order."""
    names = []
    for layer in range(net.n_layers):
        names += [f"W{layer + 1}", f"b{layer + 1}"]
        if layer < len(net.gains):
            names += [f"γ{layer + 1}", f"β{layer + 1}"]
    return names


def compare_gradients(net: Net, x: Tensor, target: Tensor, objective: Objective, case: str = "",
                      drops: list[Tensor] | None = None, hand: list[Tensor] | None = None
                      ) -> tuple[list[GradCheckRow], dict[str, list[Tensor]]]:
    """All three gradients of one batch (with the dropout masks `drops`, if any) and their largest
    differences per parameter. `hand` are the hand-written gradients to check (by default the engine's
    written-out backward)."""
    if hand is None:
        _, hand = hand_loss_and_grads(net, x, target, objective, drops)
    _, auto = autograd_loss_and_grads(net, x, target, objective, drops)
    numeric = numeric_gradients(net, x, target, objective, drops=drops)
    rows = []
    for name, p, h, a, n in zip(param_names(net), net.params, hand, auto, numeric):
        rows.append(GradCheckRow(case, name, tuple(p.shape), *_errors(h, a), *_errors(h, n)))
    return rows, {"hand": hand, "autograd": auto, "numeric": numeric}


def check_case(activation: str, task: str, regularization: str, depth: int, seed: int = 0,
               norm: str = "none", dropout: float = 0.0) -> list[GradCheckRow]:
    """One small float64 network and batch for a given combination."""
    gen = torch.Generator().manual_seed(seed)
    n_in, n_out, n = 3, (3 if task == "classification" else 1), 12
    hidden = [4] * depth
    net = init_net([n_in, *hidden, n_out], activation, seed, "xavier", torch.float64, norm)
    with torch.no_grad():  # non-zero biases (and gains away from 1) exercise their gradients too
        for b in net.biases + net.shifts:
            b.normal_(0.0, 0.1, generator=gen)
        for g in net.gains:
            g.normal_(1.0, 0.2, generator=gen)
    x = torch.randn(n, n_in, generator=gen, dtype=torch.float64)
    if task == "classification":
        labels = torch.randint(0, n_out, (n,), generator=gen)
        target = torch.nn.functional.one_hot(labels, n_out).double()
    else:
        target = torch.randn(n, 1, generator=gen, dtype=torch.float64)
    rate = 0.0 if regularization == "none" else 0.05
    drops = Dropout([dropout], [hidden], [seed], stacked=False, dtype=torch.float64).draw(n)
    rows, _ = compare_gradients(net, x, target, Objective(task, regularization, rate), case_name(
        activation, task, regularization, depth, norm, dropout), drops)
    return rows


def case_name(activation: str, task: str, regularization: str, depth: int, norm: str = "none",
              dropout: float = 0.0) -> str:
    name = f"{activation} · {'cross-entropy' if task == 'classification' else 'MSE'} · {regularization} · depth {depth}"
    return name + (" · layer norm" if norm == "layer" else "") + (f" · dropout {dropout:g}" if dropout else "")


def full_check(depths: tuple[int, ...] = DEPTHS, activations: tuple[str, ...] = ACTIVATIONS,
               problems: tuple[str, ...] = PROBLEMS, regularizations: tuple[str, ...] = REGULARIZATIONS,
               norms: tuple[str, ...] = NORMS, dropouts: tuple[float, ...] = DROPOUTS) -> list[GradCheckRow]:
    """Every activation × loss × penalty × norm × dropout × depth. Without a hidden layer there
    is nothing to normalize or drop, so depth 0 is checked plain only."""
    rows = []
    for activation, task, regularization, norm, dropout, depth in itertools.product(
            activations, problems, regularizations, norms, dropouts, depths):
        if depth == 0 and (norm != "none" or dropout):
            continue
        rows.extend(check_case(activation, task, regularization, depth, norm=norm, dropout=dropout))
    return rows


CASE_WIDTH = len(case_name("leaky_relu", "classification", "none", 3, "layer", 0.55))


def format_table(rows: list[GradCheckRow]) -> str:
    """A fixed-width table a person can read in a terminal."""
    header = (f"{'case':<{CASE_WIDTH}} {'param':<5} {'shape':<8} {'|hand-auto|':>11} {'rel':>9} "
              f"{'|hand-fd|':>10} {'rel':>9}  ok")
    lines = [header, "-" * len(header)]
    for r in rows:
        shape = "x".join(map(str, r.shape))
        lines.append(f"{r.case:<{CASE_WIDTH}} {r.param:<5} {shape:<8} {r.autograd_abs:>11.2e} "
                     f"{r.autograd_rel:>9.1e} {r.numeric_abs:>10.2e} {r.numeric_rel:>9.1e}  {'yes' if r.ok else 'NO'}")
    return "\n".join(lines)
