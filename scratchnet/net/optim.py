"""Optimizers written out over a list of tensors (no torch.optim), each defined once: its update, the
code a learner reads, its formula and its label (the `Optimizer` records at the end).

`lr` is a plain attribute, so it can change between steps without losing momentum or Adam's
moments. It is a float for one model, or a (M, 1, 1) tensor giving each stacked model its own.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

import torch
from torch import Tensor

from scratchnet.net.kernels import gradless, subtract_scaled
from scratchnet.net.tex import tex_number

if TYPE_CHECKING:
    from scratchnet.net.model import Net

WEIGHT_DECAY = 0.01               # AdamW's decoupled weight decay λ (torch.optim.AdamW's default)
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
        subtract_scaled(params, grads, self.lr)                        # p ← p − lr·g, every p at once


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




# --- the choices ------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Optimizer:
    """One choice of the optimizer knob: the class that steps, and what a learner reads of it.

    The code is the tutorial's (exported, and run by Under the hood): `state` made after `params`, then
    `def update(grads)`, rounding where the class rounds (fused forms such as `p.add_(g, alpha=-lr)`), so
    an exported run reproduces to the last bit; `{weights}` in it stands for the tuple of the weight
    matrices. `tex(eta, g, weight_decay)` gives the update's lines as (equation, constants); its last
    line updates θ, and the page adds the rate's value to that line's constants."""

    name: str                                       # the config's value
    label: str                                      # what the app shows
    hint: str                                       # what it does, for the knob's help
    make: type[SGD]
    title: str                                      # how the code's heading names it
    code_update: str
    tex: Callable[[str, str, float], list[tuple[str, list[str]]]]
    code_state: tuple[tuple[str, str], ...] = ()    # (line, comment)
    decays: bool = False                            # takes the weight_decay knob (decoupled weight decay)


def _sgd_tex(eta: str, g: str, weight_decay: float) -> list[tuple[str, list[str]]]:
    return [(rf"\theta &\leftarrow \theta - {eta}\, {g}", [])]


def _momentum_tex(eta: str, g: str, weight_decay: float) -> list[tuple[str, list[str]]]:
    return [(rf"v &\leftarrow \mu\, v + {g}", [rf"\mu = {tex_number(MOMENTUM_MU)}", "v_0 = 0"]),
            (rf"\theta &\leftarrow \theta - {eta}\, v", [])]


def _nesterov_tex(eta: str, g: str, weight_decay: float) -> list[tuple[str, list[str]]]:
    return [(rf"v &\leftarrow \mu\, v + {g}", [rf"\mu = {tex_number(MOMENTUM_MU)}", "v_0 = 0"]),
            (rf"\theta &\leftarrow \theta - {eta}\, ({g} + \mu\, v)", [])]


def _rmsprop_tex(eta: str, g: str, weight_decay: float) -> list[tuple[str, list[str]]]:
    return [(rf"v &\leftarrow \alpha\, v + (1 - \alpha)\, ({g})^2",
             [rf"\alpha = {tex_number(RMSPROP_ALPHA)}", "v_0 = 0"]),
            (rf"\theta &\leftarrow \theta - {eta}\, {g} / (\sqrt{{v}} + \epsilon)",
             [rf"\epsilon = {tex_number(RMSPROP_EPS)}"])]


def _adam_tex(eta: str, g: str, weight_decay: float) -> list[tuple[str, list[str]]]:
    beta1, beta2 = (tex_number(b) for b in ADAM_BETAS)
    return [(rf"m &\leftarrow \beta_1 m + (1 - \beta_1)\, {g}", [rf"\beta_1 = {beta1}"]),
            (rf"v &\leftarrow \beta_2 v + (1 - \beta_2)\, ({g})^2", [rf"\beta_2 = {beta2}"]),
            (r"\hat m &= m / (1 - \beta_1^{\,t}),\quad \hat v = v / (1 - \beta_2^{\,t})", [r"t = \text{step number}"]),
            (rf"\theta &\leftarrow \theta - {eta}\, \hat m / (\sqrt{{\hat v}} + \epsilon)",
             [rf"\epsilon = {tex_number(ADAM_EPS)}"])]


def _adamw_tex(eta: str, g: str, weight_decay: float) -> list[tuple[str, list[str]]]:
    return [(rf"W &\leftarrow W - {eta}\, \lambda\, W",
             [rf"\lambda = {weight_decay:g}", r"\text{weights only, before the step}"]),
            *_adam_tex(eta, g, weight_decay)]


_VELOCITY_STATE = ((f"MU = {MOMENTUM_MU!r}", "how much of the last step each step keeps"),
                   ("velocity = [torch.zeros_like(p) for p in params]", "one per parameter, starting at 0"))
_ADAM_STATE = ((f"BETA1, BETA2, EPS = {ADAM_BETAS[0]!r}, {ADAM_BETAS[1]!r}, {ADAM_EPS!r}", "Kingma & Ba's constants"),
               ("m = [torch.zeros_like(p) for p in params]", "running mean of each gradient"),
               ("v = [torch.zeros_like(p) for p in params]", "running mean of its square"),
               ("t = 0", "steps taken"))
_ADAM_STEP = '''    global t
    t += 1
    c1, c2 = 1 - BETA1 ** t, 1 - BETA2 ** t       # bias corrections: m and v start at 0
    for p, g, m_p, v_p in zip(params, grads, m, v):
        m_p.mul_(BETA1).add_(g, alpha=1 - BETA1)          # m = BETA1 * m + (1 - BETA1) * g
        v_p.mul_(BETA2).addcmul_(g, g, value=1 - BETA2)   # v = BETA2 * v + (1 - BETA2) * g²
        p.add_(m_p / ((v_p / c2).sqrt() + EPS), alpha=-lr / c1)   # p -= lr·m̂ / (√v̂ + ε), m̂ = m/c1, v̂ = v/c2
'''

GRADIENT_DESCENT = Optimizer(
    "sgd", "sgd", "sgd: plain steps", SGD, "gradient descent", '''def update(grads):
    """Gradient descent: θ ← θ - lr·∇θ for every parameter θ, in place."""
    for p, g in zip(params, grads):
        p.add_(g, alpha=-lr)                      # p -= lr * g, rounded once
''', _sgd_tex)
MOMENTUM = Optimizer(
    "momentum", "momentum", "momentum: steps that build up speed", Momentum, "momentum", '''def update(grads):
    """Momentum: v ← μ·v + ∇θ, then θ ← θ - lr·v (PyTorch's form), for every parameter θ."""
    for p, g, v in zip(params, grads, velocity):
        v.mul_(MU).add_(g)                        # v = MU * v + g
        p.add_(v, alpha=-lr)                      # p -= lr * v, rounded once
''', _momentum_tex, _VELOCITY_STATE)
NESTEROV = Optimizer(
    "nesterov", "Nesterov", "nesterov: momentum that looks one step ahead", Nesterov, "Nesterov momentum",
    '''def update(grads):
    """Nesterov: v ← μ·v + ∇θ, then θ ← θ - lr·(∇θ + μ·v): the step looks one velocity ahead."""
    for p, g, v in zip(params, grads, velocity):
        v.mul_(MU).add_(g)                        # v = MU * v + g
        p.add_(torch.add(g, v, alpha=MU), alpha=-lr)   # p -= lr * (g + MU * v), each rounded once
''', _nesterov_tex, _VELOCITY_STATE)
RMSPROP = Optimizer(
    "rmsprop", "RMSProp", "rmsprop: steps divided by the recent size of the gradient", RMSProp, "RMSProp",
    '''def update(grads):
    """RMSProp: each weight's step divided by the recent size of its gradient."""
    for p, g, v_p in zip(params, grads, v):
        v_p.mul_(ALPHA).addcmul_(g, g, value=1 - ALPHA)   # v = ALPHA * v + (1 - ALPHA) * g²
        p.add_(g / (v_p.sqrt() + EPS), alpha=-lr)         # p -= lr * g / (√v + ε), rounded once
''', _rmsprop_tex,
    ((f"ALPHA, EPS = {RMSPROP_ALPHA!r}, {RMSPROP_EPS!r}", "torch.optim.RMSprop's constants"),
     ("v = [torch.zeros_like(p) for p in params]", "running mean of each gradient's square")))
ADAM = Optimizer(
    "adam", "adam", "adam: momentum and per-weight step sizes", Adam, "Adam", '''def update(grads):
    """Adam: per-weight step sizes from running means of the gradient and of its square."""
''' + _ADAM_STEP, _adam_tex, _ADAM_STATE)
ADAMW = Optimizer(
    "adamw", "AdamW", "adamw: adam with decoupled weight decay", AdamW, "AdamW", '''def update(grads):
    """AdamW: shrink every weight by lr·λ (decoupled weight decay: not biases, gains or shifts),
    then Adam's step."""
    for W in {weights}:
        W.mul_(1 - lr * WEIGHT_DECAY)
''' + _ADAM_STEP, _adamw_tex, _ADAM_STATE, decays=True)

# The choices, in the order the app lists them.
ALL: tuple[Optimizer, ...] = (GRADIENT_DESCENT, MOMENTUM, NESTEROV, RMSPROP, ADAM, ADAMW)
BY_NAME: dict[str, Optimizer] = {o.name: o for o in ALL}


def make_optimizer(name: str, params: list[Tensor], lr: float | Tensor, *,
                   weight_decay: float | Tensor = WEIGHT_DECAY, decayed: Sequence[bool] | None = None) -> SGD:
    """The optimizer `name` over `params`. weight_decay and decayed are AdamW's (see AdamW)."""
    choice = BY_NAME.get(name)
    if choice is None:
        raise ValueError(f"optimizer must be one of {', '.join(BY_NAME)}, not {name!r}")
    if choice.decays:
        return choice.make(params, lr, weight_decay, decayed)
    return choice.make(params, lr)


def optimizer_for(name: str, net: Net, lr: float | Tensor, weight_decay: float | Tensor = WEIGHT_DECAY) -> SGD:
    """`make_optimizer` over a network's parameters; AdamW decays its weights W only."""
    slots = set(net.weight_slots)
    return make_optimizer(name, net.params, lr, weight_decay=weight_decay,
                          decayed=[i in slots for i in range(len(net.params))])
