"""One pass over the training data, shape-generic: the single Trainer and a stack of M models
(batched.py) run exactly this code, so model m of a sweep trains as it would alone.

`train_on_batches` is the pass in one go. `epoch_steps` is the same pass in pieces (scratchnet/train/pieces.py),
for epochs too big for one turn of a server's training thread: it yields after every optimizer step, and
a batch too big for one piece is taken in chunks of rows whose gradients, weighted by their share of the
batch, add up to the batch's gradient (the loss is a mean over points, and a penalty counted once per
chunk at the chunk's weight is counted once in all), so the update is the batch's, to rounding.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol

import torch
from torch import Tensor

from scratchnet.data.tensors import Tensors
from scratchnet.net.backward import LOSS_AND_GRADS, Objective
from scratchnet.net.dropout import Dropout
from scratchnet.net.model import Net
from scratchnet.net.optim import SGD
from scratchnet.train.pieces import Steps


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


def train_on_batches(net: Net, optimizer: SGD, objective: Objective, backprop: str, tensors: Tensors,
                batches: list[Tensor] | None, dropout: Dropout | None = None, keep: list[Tensor] | None = None
                ) -> Tensor:
    """One pass over the training data; returns the epoch's mean training loss: () or (M,).
    With `dropout`, every step draws fresh masks (the loss is then the loss with units dropped).
    `keep`, if given, ends up holding the gradients of the epoch's last step (the tensors themselves:
    nothing changes them after their step, so keeping them costs no copy)."""
    loss_and_grads = LOSS_AND_GRADS[backprop]
    if backprop == "hand" and torch.is_grad_enabled():
        with torch.inference_mode():   # once per epoch rather than once per call inside
            return train_on_batches(net, optimizer, objective, backprop, tensors, batches, dropout, keep)
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


class Learner(Protocol):
    """What `epoch_steps` trains: read again at every step, so a knob changed between two pieces (the
    learning rate, a penalty) takes effect from the next step, as it would between two epochs."""

    net: Net
    optimizer: SGD

    @property
    def objective(self) -> Objective: ...


def epoch_steps(learner: Learner, backprop: str, tensors: Tensors, batches: list[Tensor] | None,
                dropout: Dropout | None, keep: list[Tensor] | None, rows: int) -> Steps[Tensor]:
    """`train_on_batches` in pieces: a yield after every optimizer step, and between chunks of at most `rows`
    points of a larger batch (a batch's dropout masks are drawn once, for all its chunks). Returns the
    epoch's mean training loss, () or (M,). A batch that fits one chunk is trained as `train_on_batches`
    trains it. (Nothing is left in inference mode across a yield: whoever runs in between may need autograd.)"""
    loss_and_grads = LOSS_AND_GRADS[backprop]
    hand = backprop == "hand"
    n = tensors.x_train.shape[0]
    total: Tensor | float = 0.0
    for idx in batches if batches is not None else [None]:
        size = n if idx is None else idx.shape[-1]
        drops = dropout.draw(size) if dropout is not None and dropout.active else None
        loss: Tensor | float = 0.0
        grads: list[Tensor] = []
        for start in range(0, size, rows):
            part = slice(start, start + rows)
            chunk = part if idx is None else idx[..., part]
            with torch.inference_mode(hand):
                chunk_loss, chunk_grads = loss_and_grads(learner.net, tensors.x_train[chunk], tensors.t_train[chunk],
                                                         learner.objective,
                                                         None if drops is None else [d[..., part, :] for d in drops])
                if size <= rows:                  # one chunk: the batch itself
                    loss, grads = chunk_loss, chunk_grads
                    break
                share = min(rows, size - start) / size
                loss = loss + chunk_loss * share
                grads = ([g * share for g in chunk_grads] if not grads
                         else [a.add_(g, alpha=share) for a, g in zip(grads, chunk_grads)])
            if start + rows < size:
                yield
        with torch.inference_mode(hand):
            learner.optimizer.step(learner.net.params, grads)
            total = loss if batches is None else total + loss * (size / n)
        if keep is not None:
            keep[:] = grads
        yield
    return total
