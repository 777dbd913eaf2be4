"""Losses written out, each with the gradient the hand-written backward uses (weight penalties: penalties.py).

Every loss is a mean over the N points of a batch, so dividing by N appears in its gradient.
With a leading model dimension (M models) the result has one loss per model: shape (M,).
"""

from __future__ import annotations

import torch
from torch import Tensor

from scratchnet.net.kernels import constant


def log_softmax(logits: Tensor) -> Tensor:
    """log p_k = z_k - log Σ_j exp z_j, stable because the max is subtracted before exp."""
    shifted = logits - logits.amax(-1, keepdim=True)                  # (…, N, K), max is 0
    return shifted - shifted.exp().sum(-1, keepdim=True).log()


def cross_entropy(logits: Tensor, onehot: Tensor) -> Tensor:
    """Softmax cross-entropy on logits: mean over points of -log p(true class)."""
    return -(log_softmax(logits) * onehot).sum(-1).mean(-1)


def cross_entropy_with_grad(logits: Tensor, onehot: Tensor) -> tuple[Tensor, Tensor]:
    """The loss and dL/dlogits = (softmax - onehot) / N, sharing the exponentials.

    Same math as `cross_entropy`, arranged for speed (this runs every step, and at these
    sizes every kernel launch counts): with s = z - max z and
    S = Σ exp s, log p = s - log S, the loss is -Σ onehot·log p / N and softmax = exp s / S.
    """
    n = logits.shape[-2]
    neg_inv_n, inv_n = constant(-1.0 / n, logits.dtype), constant(1.0 / n, logits.dtype)
    shifted = logits - logits.amax(-1, keepdim=True)                  # (…, N, K), max is 0
    exps = shifted.exp()
    total = exps.sum(-1, keepdim=True)                                # (…, N, 1)
    log_p = shifted.sub_(total.log())                                 # log-softmax, in place
    if log_p.dim() == 2:                                              # Σ onehot·log p: one kernel
        loss = torch.dot(log_p.view(-1), onehot.reshape(-1)).mul_(neg_inv_n)
    else:
        loss = (log_p * onehot).sum((-2, -1)).mul_(neg_inv_n)         # (M,) one per model
    grad = exps.div_(total).sub_(onehot).mul_(inv_n)                  # (softmax - onehot) / N
    return loss, grad


def mse(pred: Tensor, target: Tensor) -> Tensor:
    """Mean squared error; pred and target are (…, N, 1)."""
    return (pred - target).pow(2).mean((-2, -1))


def mse_with_grad(pred: Tensor, target: Tensor) -> tuple[Tensor, Tensor]:
    """The loss and dL/dpred = 2 (pred - target) / N."""
    diff = pred - target
    return diff.pow(2).mean((-2, -1)), diff * (2.0 / pred.shape[-2])
