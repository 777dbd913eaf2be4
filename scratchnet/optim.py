"""Optimizers written out over a list of tensors (no torch.optim).

`lr` is a plain attribute, so it can change between steps without losing momentum or Adam's
moments. It is a float for one model, or a (M, 1, 1) tensor giving each stacked model its own.
"""

from __future__ import annotations

import torch
from torch import Tensor

from .model import gradless

MOMENTUM_MU = 0.9                 # PyTorch's and most tutorials' choice
ADAM_BETAS = (0.9, 0.999)         # Kingma & Ba (2015), the defaults everyone uses
ADAM_EPS = 1e-8


def _add_scaled(p: Tensor, update: Tensor, lr: float | Tensor) -> None:
    """p ← p − lr · update, in place."""
    if isinstance(lr, Tensor):
        p.addcmul_(update, lr, value=-1.0)                             # lr (M, 1, 1) broadcasts
    else:
        p.add_(update, alpha=-lr)


class SGD:
    """p ← p − lr·g"""

    def __init__(self, params: list[Tensor], lr: float | Tensor):
        self.lr = lr

    @gradless
    def step(self, params: list[Tensor], grads: list[Tensor]) -> None:
        if isinstance(self.lr, Tensor):
            # One learning rate per stacked model: lr is (M, 1, 1) and broadcasts over each
            # (M, …) parameter. (_foreach_mul with a tensor scalar only takes a 0-dim tensor.)
            torch._foreach_addcmul_(params, grads, [self.lr] * len(params), value=-1.0)
        else:
            # The loop `for p, g in zip(params, grads): p -= lr * g` as one multi-tensor
            # kernel call (torch.optim's own fast path): this runs every step.
            torch._foreach_add_(params, grads, alpha=-self.lr)


class Momentum(SGD):
    """v ← μ·v + g;  p ← p − lr·v   (PyTorch's convention)"""

    def __init__(self, params: list[Tensor], lr: float | Tensor, mu: float = MOMENTUM_MU):
        super().__init__(params, lr)
        self.mu = mu
        self.velocity = [torch.zeros_like(p, requires_grad=False) for p in params]

    @gradless
    def step(self, params: list[Tensor], grads: list[Tensor]) -> None:
        for p, g, v in zip(params, grads, self.velocity):
            v.mul_(self.mu).add_(g)
            _add_scaled(p, v, self.lr)


class Adam(SGD):
    """m ← β₁m + (1−β₁)g;  v ← β₂v + (1−β₂)g²;  p ← p − lr·m̂ / (√v̂ + ε), with bias correction."""

    def __init__(self, params: list[Tensor], lr: float | Tensor,
                 betas: tuple[float, float] = ADAM_BETAS, eps: float = ADAM_EPS):
        super().__init__(params, lr)
        self.beta1, self.beta2 = betas
        self.eps = eps
        self.t = 0
        self.m = [torch.zeros_like(p, requires_grad=False) for p in params]
        self.v = [torch.zeros_like(p, requires_grad=False) for p in params]

    @gradless
    def step(self, params: list[Tensor], grads: list[Tensor]) -> None:
        self.t += 1
        correction1 = 1.0 - self.beta1 ** self.t
        correction2 = 1.0 - self.beta2 ** self.t
        for p, g, m, v in zip(params, grads, self.m, self.v):
            m.mul_(self.beta1).add_(g, alpha=1.0 - self.beta1)
            v.mul_(self.beta2).addcmul_(g, g, value=1.0 - self.beta2)
            denom = (v / correction2).sqrt_().add_(self.eps)
            _add_scaled(p, m / denom, self.lr / correction1)


OPTIMIZERS = {"sgd": SGD, "momentum": Momentum, "adam": Adam}


def make_optimizer(name: str, params: list[Tensor], lr: float | Tensor) -> SGD:
    try:
        return OPTIMIZERS[name](params, lr)
    except KeyError:
        raise ValueError(f"optimizer must be one of {', '.join(OPTIMIZERS)}, not {name!r}") from None
