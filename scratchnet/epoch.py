"""One pass over the training data, shape-generic: the single Trainer and a stack of M models
(batched.py) run exactly this code, so model m of a sweep trains as it would alone."""

from __future__ import annotations

from collections.abc import Sequence

import torch
from torch import Tensor

from .backward import LOSS_AND_GRADS, Objective
from .dropout import Dropout
from .model import Net
from .optim import SGD
from .tensors import Tensors


def batch_indices(n: int, batch_size: int, shufflers: Sequence[torch.Generator], stacked: bool
                  ) -> list[Tensor] | None:
    """Mini-batches of one epoch, freshly shuffled; None means full batch.

    Each model has its own shuffle generator, so model m of a stack sees exactly the batches
    it would see trained alone. Stacked indices are (M, B); a single model's are (B,).
    """
    if batch_size == 0 or batch_size >= n:
        return None
    perms = [torch.randperm(n, generator=g) for g in shufflers]
    order = torch.stack(perms) if stacked else perms[0]
    return list(order.split(batch_size, dim=-1))


def train_epoch(net: Net, optimizer: SGD, objective: Objective, backprop: str, tensors: Tensors,
                batches: list[Tensor] | None, dropout: Dropout | None = None, keep: list[Tensor] | None = None
                ) -> Tensor:
    """One pass over the training data; returns the epoch's mean training loss: () or (M,).
    With `dropout`, every step draws fresh masks (the loss is then the loss with units dropped).
    `keep`, if given, ends up holding the gradients of the epoch's last step (the tensors themselves:
    nothing changes them after their step, so keeping them costs no copy)."""
    loss_and_grads = LOSS_AND_GRADS[backprop]
    if backprop == "hand" and torch.is_grad_enabled():
        with torch.inference_mode():   # once per epoch rather than once per call inside
            return train_epoch(net, optimizer, objective, backprop, tensors, batches, dropout, keep)
    if dropout is not None and not dropout.active:
        dropout = None
    if batches is None:
        drops = None if dropout is None else dropout.draw(tensors.x_train.shape[0])
        loss, grads = loss_and_grads(net, tensors.x_train, tensors.t_train, objective, drops)
        optimizer.step(net.params, grads)
        if keep is not None:
            keep[:] = grads
        return loss
    total = 0.0
    n = tensors.x_train.shape[0]
    for idx in batches:
        drops = None if dropout is None else dropout.draw(idx.shape[-1])
        loss, grads = loss_and_grads(net, tensors.x_train[idx], tensors.t_train[idx], objective, drops)
        optimizer.step(net.params, grads)
        total = total + loss * (idx.shape[-1] / n)
        if keep is not None:
            keep[:] = grads
    return total
