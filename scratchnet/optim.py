"""Optimizers written out over a list of tensors (no torch.optim).

`lr` is a plain attribute, so it can change between steps without losing momentum or Adam's
moments. It is a float for one model, or a (M, 1, 1) tensor giving each stacked model its own.
"""

from __future__ import annotations

from collections.abc import Sequence

import torch
from torch import Tensor

from .config import KNOBS
from .config import OPTIMIZERS as OPTIMIZER_NAMES
from .model import Net, gradless

WEIGHT_DECAY = KNOBS["weight_decay"].default

MOMENTUM_MU = 0.9                 # PyTorch's and most tutorials' choice (Nesterov's too)
ADAM_BETAS = (0.9, 0.999)         # Kingma & Ba (2015), the defaults everyone uses
ADAM_EPS = 1e-8
RMSPROP_ALPHA = 0.99              # torch.optim.RMSprop's default (Hinton's lecture used 0.9)
RMSPROP_EPS = 1e-8


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


class Nesterov(Momentum):
    """v ← μ·v + g;  p ← p − lr·(g + μ·v)   (PyTorch's convention: the step looks one velocity ahead)"""

    @gradless
    def step(self, params: list[Tensor], grads: list[Tensor]) -> None:
        for p, g, v in zip(params, grads, self.velocity):
            v.mul_(self.mu).add_(g)
            _add_scaled(p, torch.add(g, v, alpha=self.mu), self.lr)


class RMSProp(SGD):
    """v ← α·v + (1−α)·g²;  p ← p − lr·g / (√v + ε)   (a running mean of g² sets each weight's step)"""

    def __init__(self, params: list[Tensor], lr: float | Tensor, alpha: float = RMSPROP_ALPHA,
                 eps: float = RMSPROP_EPS):
        super().__init__(params, lr)
        self.alpha, self.eps = alpha, eps
        self.v = [torch.zeros_like(p, requires_grad=False) for p in params]

    @gradless
    def step(self, params: list[Tensor], grads: list[Tensor]) -> None:
        for p, g, v in zip(params, grads, self.v):
            v.mul_(self.alpha).addcmul_(g, g, value=1.0 - self.alpha)
            _add_scaled(p, g / v.sqrt().add_(self.eps), self.lr)


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


class AdamW(Adam):
    """p ← p − lr·λ·p (weights only), then Adam's step: weight decay apart from the gradient
    (Loshchilov & Hutter, 2019), so it is not divided by √v̂ as an L2 penalty's gradient would be.

    `decayed[i]` says whether params[i] decays (the weights; not biases or layer-norm parameters,
    as the L1/L2 penalties). λ is a float, or (M, 1, 1) for one rate per stacked model."""

    def __init__(self, params: list[Tensor], lr: float | Tensor, weight_decay: float | Tensor = WEIGHT_DECAY,
                 decayed: Sequence[bool] | None = None, betas: tuple[float, float] = ADAM_BETAS,
                 eps: float = ADAM_EPS):
        super().__init__(params, lr, betas, eps)
        self.weight_decay = weight_decay
        self.decayed = list(decayed) if decayed is not None else [True] * len(params)

    @gradless
    def step(self, params: list[Tensor], grads: list[Tensor]) -> None:
        shrink = 1.0 - self.lr * self.weight_decay                      # float or (M, 1, 1)
        for p, decays in zip(params, self.decayed):
            if decays:
                p.mul_(shrink)
        super().step(params, grads)


OPTIMIZERS = {"sgd": SGD, "momentum": Momentum, "nesterov": Nesterov, "rmsprop": RMSProp, "adam": Adam,
              "adamw": AdamW}
assert tuple(OPTIMIZERS) == OPTIMIZER_NAMES


def make_optimizer(name: str, params: list[Tensor], lr: float | Tensor, *,
                   weight_decay: float | Tensor = WEIGHT_DECAY, decayed: Sequence[bool] | None = None) -> SGD:
    """The optimizer `name` over `params`. weight_decay and decayed are AdamW's (see AdamW)."""
    if name not in OPTIMIZERS:
        raise ValueError(f"optimizer must be one of {', '.join(OPTIMIZERS)}, not {name!r}")
    if name == "adamw":
        return AdamW(params, lr, weight_decay, decayed)
    return OPTIMIZERS[name](params, lr)


def optimizer_for(name: str, net: Net, lr: float | Tensor, weight_decay: float | Tensor = WEIGHT_DECAY) -> SGD:
    """`make_optimizer` over a network's parameters; AdamW decays its weights W only."""
    slots = set(net.weight_slots)
    return make_optimizer(name, net.params, lr, weight_decay=weight_decay,
                          decayed=[i in slots for i in range(len(net.params))])
