"""Two ways to get the gradients of one batch: the chain rule written out, and autograd.

Both start from the same forward and the same hand-written losses, so any difference
between them is a bug in the hand-written backward — which is what the gradient check
(gradcheck.py) and the tests look for.
"""

from __future__ import annotations

from dataclasses import dataclass

from torch import Tensor

from scratchnet.config import KNOBS
from scratchnet.net import activations, norms
from scratchnet.net.kernels import gradless, matmul
from scratchnet.net.losses import cross_entropy, cross_entropy_with_grad, mse, mse_with_grad
from scratchnet.net.model import Cache, Net, forward
from scratchnet.net.penalties import penalty, penalty_grad


@dataclass(frozen=True)
class Objective:
    """What is minimized: the data loss for the task plus an optional weight penalty."""

    task: str = KNOBS["problem"].default                  # classification: cross-entropy on logits; regression: MSE
    regularization: str = KNOBS["regularization"].default  # "none" | "l1" | "l2"
    rate: float | Tensor = KNOBS["reg_rate"].default       # a float, or (M, 1, 1) for one rate per model


def backward(net: Net, cache: Cache, dout: Tensor) -> list[Tensor]:
    """The chain rule, last layer first: gradients in `net.params` order [dW1, db1, ...].

    For z = h_in @ W + b:   dW = h_inᵀ @ dz,   db = Σ_points dz,   dh_in = dz @ Wᵀ
    then back through h = f(z) (dz = dh ⊙ f'(z), the activation's `grad`). With dropout, h = f(z) ⊙ mask:
    dh is masked the same way before f'. With layer norm, f is applied to LN(z), and the norm's `grad`
    carries the gradient on to z (and gives dγ, dβ).
    """
    weights, inputs, pre, acts, drops, gains = net.weights, cache.inputs, cache.pre, cache.acts, cache.drops, net.gains
    f_grad = activations.BY_NAME[net.activation].grad
    norm_grad = norms.BY_NAME[net.norm].grad
    per_layer = 4 if gains else 2                                     # dW, db (, dγ, dβ)
    grads: list[Tensor] = [dout] * (per_layer * len(weights) - (2 if gains else 0))
    dz = dout                                                         # (…, N, d_out)
    for layer in range(len(weights) - 1, -1, -1):
        h_in = inputs[layer]                                          # (…, N, d_in)
        grads[per_layer * layer] = matmul(h_in.mT, dz)                # dW = h_inᵀ dz: (…, d_in, d_out)
        grads[per_layer * layer + 1] = dz.sum(-2, keepdim=True)       # db = Σ dz: (…, 1, d_out)
        if layer == 0:
            break                                                     # no gradient for the inputs x
        below = layer - 1                                             # the hidden layer that fed this one
        dh = matmul(dz, weights[layer].mT)                            # dh_in = dz Wᵀ: (…, N, d_in)
        if drops is not None:
            dh.mul_(drops[below])                                     # dropped units pass nothing back
        dz = f_grad(dh, pre[below], acts[below])                      # dz = dh ⊙ f'(z)
        if gains:
            dz, grads[per_layer * below + 2], grads[per_layer * below + 3] = norm_grad(
                dz, cache.normed[below], cache.rstd[below], gains[below])
    return grads


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
