"""Weight penalties (the regularization knob), each defined once: its value and gradient, the code a
learner reads, its formula and its label.

A penalty adds scale·λ·Σ_l term(W_l) to the loss, over the weights W only (never the biases). With a
leading model dimension (M models) the rate λ is (M, 1, 1), one per model, and the penalty is (M,).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import torch
from torch import Tensor


@dataclass(frozen=True)
class Penalty:
    """One choice of the regularization knob, defined once: a penalty on the weights W (never the biases)
    added to the loss, `scale`·λ·Σ_l term(W_l), with its gradient λ·grad(W) added to each dW.

    The code is the tutorial's ({w} is a weight matrix's name; REG_RATE is λ), computing what `term`
    and `grad` compute. The LaTeX: the factor and the sum of the loss's extra term, and (a template whose
    {l} is the layer) the extra term of dW_l."""

    name: str                                       # the config's value
    label: str                                      # what the app shows
    hint: str                                       # what it does, for the knob's help
    term: Callable[[Tensor], Tensor] | None = None  # one weight matrix's share, summed over its entries
    grad: Callable[[Tensor], Tensor] | None = None  # d term / dW
    scale: float = 1.0
    code_term: str = ""
    code_scale: str = ""                            # the factor in front of the sum
    code_grad: str = ""                             # added to dW
    doc: str = ""                                   # the penalty function's docstring
    tex_scale: str = ""
    tex_sum: str = ""
    tex_grad: str = ""


NONE = Penalty("none", "none", "")


# --- L1: λ·Σ|W|, whose gradient λ·sign(W) pushes weights to exactly zero ------------------------------
def _abs_sum(w: Tensor) -> Tensor:
    return w.abs().sum((-2, -1))


L1 = Penalty(
    "l1", "L1", "l1 pushes weights to zero", _abs_sum, torch.sign, 1.0,
    "{w}.abs().sum()", "REG_RATE", "REG_RATE * {w}.sign()",
    "L1: λ·Σ|W| over the weights (biases are not penalized); its gradient is λ·sign(W).",
    r"\lambda", r"\sum_{l} \lVert W_l \rVert_1", r"\lambda \operatorname{{sign}}(W_{{{l}}})")


# --- L2: λ/2·ΣW², whose gradient λ·W keeps weights small ----------------------------------------------
def _square_sum(w: Tensor) -> Tensor:
    return w.pow(2).sum((-2, -1))


def _itself(w: Tensor) -> Tensor:
    return w                                                          # d(½w²)/dw


L2 = Penalty(
    "l2", "L2", "l2 keeps them small", _square_sum, _itself, 0.5,
    "({w} ** 2).sum()", "0.5 * REG_RATE", "REG_RATE * {w}",
    "L2: λ/2·ΣW² over the weights (biases are not penalized); its gradient is λ·W.",
    r"\frac{\lambda}{2}", r"\sum_{l} \lVert W_l \rVert_2^2", r"\lambda W_{{{l}}}")


# The choices, in the order the app lists them.
ALL: tuple[Penalty, ...] = (NONE, L1, L2)
BY_NAME: dict[str, Penalty] = {p.name: p for p in ALL}


def _penalty_named(kind: str) -> Penalty:
    choice = BY_NAME.get(kind)
    if choice is None:
        raise ValueError(f"unknown regularization {kind!r}")
    return choice


def penalty(weights: list[Tensor], kind: str, rate: float | Tensor) -> Tensor | float:
    """The penalty `kind` of the weights at rate λ: L1 λ·Σ|w|, L2 λ·Σw²/2. Biases are not penalized."""
    choice = _penalty_named(kind)
    if choice.term is None:
        return 0.0
    total = sum(choice.term(w) for w in weights)
    if choice.scale != 1.0:
        total = total * choice.scale
    return _per_model(rate) * total


def penalty_grad(w: Tensor, kind: str, rate: float | Tensor) -> Tensor | None:
    """d penalty / d w, or None when there is no penalty."""
    choice = _penalty_named(kind)
    return None if choice.grad is None else choice.grad(w) * rate


def _per_model(rate: float | Tensor) -> float | Tensor:
    """A per-model rate arrives as (M, 1, 1) to broadcast over weights; losses are (M,)."""
    return rate.reshape(-1) if isinstance(rate, Tensor) else rate
