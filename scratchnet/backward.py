"""Two ways to get the gradients of one batch: the chain rule written out, and autograd.

Both start from the same forward and the same hand-written losses, so any difference
between them is a bug in the hand-written backward — which is what the gradient check
(gradcheck.py) and the tests look for.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import torch
from torch import Tensor

from .config import KNOBS
from .losses import cross_entropy, cross_entropy_with_grad, mse, mse_with_grad, penalty, penalty_grad
from .model import ELU_ALPHA, LEAKY_SLOPE, Cache, Net, bmm, forward, gradless, row_mean


@dataclass(frozen=True)
class Objective:
    """What is minimized: the data loss for the task plus an optional weight penalty."""

    task: str = KNOBS["problem"].default                  # classification: cross-entropy on logits; regression: MSE
    regularization: str = KNOBS["regularization"].default  # "none" | "l1" | "l2"
    rate: float | Tensor = KNOBS["reg_rate"].default       # a float, or (M, 1, 1) for one rate per model


_THRESHOLD_BACKWARD = torch.ops.aten.threshold_backward.default
_INV_SQRT_2PI = 1.0 / math.sqrt(2.0 * math.pi)


def activation_grad(dh: Tensor, z: Tensor, h: Tensor, activation: str) -> Tensor:
    """dL/dz from dL/dh for h = f(z). dh is a fresh tensor, so it is updated in place."""
    if activation == "relu":
        # f' = 1 where z > 0, else 0: dh kept where z > 0. threshold_backward is exactly that
        # in one kernel; `dh * (z > 0)` costs three (compare, bool→float, multiply).
        return _THRESHOLD_BACKWARD(dh, z, 0)
    if activation == "tanh":
        return dh.mul_(1.0 - h * h)                                   # f' = 1 - tanh²
    if activation == "sigmoid":
        return dh.mul_(h * (1.0 - h))                                 # f' = σ(1 - σ)
    if activation == "leaky_relu":
        return torch.where(z > 0, dh, dh * LEAKY_SLOPE)               # f' = 1 where z > 0, else 0.01
    if activation == "elu":
        return torch.where(z > 0, dh, dh * (h + ELU_ALPHA))           # f' = 1, or α·e^z = f(z) + α below 0
    if activation == "gelu":
        # f = z·Φ(z), so f' = Φ(z) + z·φ(z): Φ the normal CDF (ndtr), φ(z) = e^{−z²/2}/√(2π) its density
        bell = z.square().mul_(-0.5).exp_()                               # √(2π)·φ(z)
        return dh.mul_(torch.special.ndtr(z).addcmul_(z, bell, value=_INV_SQRT_2PI))
    if activation == "silu":
        # f = z·σ(z), f' = σ(z)(1 + z(1 − σ(z))) = σ(z)(1 − f) + f: four kernels where the first form takes six
        return dh.mul_(torch.addcmul(h, torch.sigmoid(z), 1.0 - h))
    if activation == "softplus":
        return dh.mul_(torch.sigmoid(z))                              # f = log(1 + e^z), f' = σ(z)
    if activation == "sine":
        return dh.mul_(torch.cos(z))                                  # f' = cos z
    return dh                                                         # linear: f' = 1


def layer_norm_grad(dy: Tensor, normed: Tensor, rstd: Tensor, gain: Tensor
                    ) -> tuple[Tensor, Tensor, Tensor]:
    """Back through y = γ ⊙ x̂ + β, x̂ = (z − μ)/σ: (dz, dγ, dβ), the classic formula.

    dγ = Σ_points dy ⊙ x̂,   dβ = Σ_points dy,   dx̂ = dy ⊙ γ, and since μ and σ depend on every
    unit of the point:  dz = (dx̂ − mean(dx̂) − x̂ ⊙ mean(dx̂ ⊙ x̂)) / σ   (means over the H units)
    """
    d_gain = (dy * normed).sum(-2, keepdim=True)                     # (…, 1, H)
    d_shift = dy.sum(-2, keepdim=True)                               # (…, 1, H)
    d_normed = dy * gain                                             # (…, N, H)
    dz = d_normed - row_mean(d_normed)
    dz -= normed * row_mean(d_normed * normed)
    return dz.mul_(rstd), d_gain, d_shift


def backward(net: Net, cache: Cache, dout: Tensor) -> list[Tensor]:
    """The chain rule, last layer first: gradients in `net.params` order [dW1, db1, ...].

    For z = h_in @ W + b:   dW = h_inᵀ @ dz,   db = Σ_points dz,   dh_in = dz @ Wᵀ
    With dropout, h = f(z) ⊙ mask: dh is masked the same way before f'. With layer norm, f is
    applied to LN(z), and `layer_norm_grad` carries the gradient on to z (and gives dγ, dβ).
    """
    weights, inputs, pre, acts, activation = net.weights, cache.inputs, cache.pre, cache.acts, net.activation
    drops, gains = cache.drops, net.gains
    matmul = Tensor.mm if dout.dim() == 2 else _matmul                # one model: plain mm
    per_layer = 4 if gains else 2                                     # dW, db (, dγ, dβ)
    grads: list[Tensor] = [dout] * (per_layer * len(weights) - (2 if gains else 0))
    dz = dout                                                         # (…, N, d_out)
    for layer in range(len(weights) - 1, -1, -1):
        h_in = inputs[layer]                                          # (…, N, d_in)
        grads[per_layer * layer] = matmul(h_in.mT, dz)                # (…, d_in, d_out)
        grads[per_layer * layer + 1] = dz.sum(-2, keepdim=True)       # (…, 1, d_out)
        if layer:
            dh = matmul(dz, weights[layer].mT)                        # (…, N, d_in)
            if drops is not None:
                dh.mul_(drops[layer - 1])                             # dropped units pass nothing back
            dz = activation_grad(dh, pre[layer - 1], acts[layer - 1], activation)
            if gains:
                hidden = layer - 1
                dz, grads[per_layer * hidden + 2], grads[per_layer * hidden + 3] = layer_norm_grad(
                    dz, cache.normed[hidden], cache.rstd[hidden], gains[hidden])
    return grads


def _matmul(a: Tensor, b: Tensor) -> Tensor:
    """`a @ b`. Plain 2-D products go straight to mm, which skips matmul's shape dispatch
    (turning them around as `model.bmm` does measured slower here, in context); stacks go to
    `model.bmm`, which picks the fast orientation."""
    if a.dim() == 2 and b.dim() == 2:
        return a.mm(b)
    if a.dim() == 2:
        # xᵀ shared by a stack: contiguous before the expand, or bmm reads it transposed (4x slower)
        a = a.contiguous().expand(b.shape[0], *a.shape)
    return bmm(a, b)


def data_loss_and_grad(out: Tensor, target: Tensor, task: str) -> tuple[Tensor, Tensor]:
    if task == "classification":
        return cross_entropy_with_grad(out, target)
    return mse_with_grad(out, target)


def data_loss(out: Tensor, target: Tensor, task: str) -> Tensor:
    return cross_entropy(out, target) if task == "classification" else mse(out, target)


@gradless
def hand_loss_and_grads(net: Net, x: Tensor, target: Tensor, objective: Objective,
                        drops: list[Tensor] | None = None) -> tuple[Tensor, list[Tensor]]:
    """Forward, loss, and the written-out backward, with no autograd graph at all.
    `drops`: dropout masks for this batch (see dropout.py), or None for the whole network."""
    out, cache = forward(net, x, drops)
    loss, dout = data_loss_and_grad(out, target, objective.task)
    grads = backward(net, cache, dout)
    if objective.regularization != "none":
        loss = loss + penalty(net.weights, objective.regularization, objective.rate)
        for slot, w in zip(net.weight_slots, net.weights):
            grads[slot] += penalty_grad(w, objective.regularization, objective.rate)
    return loss, grads


def autograd_loss_and_grads(net: Net, x: Tensor, target: Tensor, objective: Objective,
                            drops: list[Tensor] | None = None) -> tuple[Tensor, list[Tensor]]:
    """The same loss, differentiated by `loss.backward()`. Each model's loss depends only on
    its own slice of the stacked parameters, so the sum's gradient is every model's gradient."""
    out, _ = forward(net, x, drops)
    loss = data_loss(out, target, objective.task)
    loss = loss + penalty(net.weights, objective.regularization, objective.rate)
    loss.sum().backward()
    grads = []
    for p in net.params:
        grads.append(p.grad)
        p.grad = None
    return loss.detach(), grads


LOSS_AND_GRADS = {"hand": hand_loss_and_grads, "autograd": autograd_loss_and_grads}
