"""One optimizer step opened up: what the forward pass computed, the loss, the hand-written gradients,
and the parameters before and after the update. The app's "Step slowly" walks through it.

The step itself is the real one (the run goes on from `after`): forward, `hand_loss_and_grads` (the
written-out chain rule the gradient check verifies) and the run's own optimizer.
"""

from __future__ import annotations

from dataclasses import dataclass

import torch
from torch import Tensor

from scratchnet.net.backward import Objective, data_loss, hand_loss_and_grads
from scratchnet.net.model import Net, forward
from scratchnet.net.optim import SGD


@dataclass(frozen=True)
class StepTrace:
    """The numbers of one step on a batch of N points (shapes for one network, K outputs)."""

    epoch: int                  # the epoch the step belongs to (1 for the first step of training)
    before: Net                 # parameters the step started from
    after: Net                  # and where the update left them
    hidden: list[Tensor]        # H_l = f(Z_l) of each hidden layer (after dropout, if any): (N, d_l)
    out: Tensor                 # Z_L, the logits or the prediction: (N, K)
    data_loss: float
    loss: float                 # the data loss plus the weight penalty
    grads: list[Tensor]         # hand-written, in `before.params` order: dW_l (d_{l-1}, d_l), db_l (1, d_l)
    points: int                 # N: rows of the batch
    train_points: int           # all training points (more than N for a mini-batch)

    def unit_means(self) -> list[Tensor]:
        """Each layer's output averaged over the batch, layer 1 to L: what lights up in the forward pass."""
        return [h.mean(0) for h in [*self.hidden, self.out]]


def trace_step(net: Net, optimizer: SGD, objective: Objective, x: Tensor, target: Tensor,
               drops: list[Tensor] | None = None, *, epoch: int, train_points: int) -> tuple[StepTrace, Tensor]:
    """Take one optimizer step on (x, target) (`drops`: the step's dropout masks), in place, and return it
    opened up with its loss (a tensor, as `epoch.train_on_batches` sums them)."""
    before = net.clone()
    with torch.inference_mode():
        out, cache = forward(net, x, drops)                                   # the values the step computes
        loss, grads = hand_loss_and_grads(net, x, target, objective, drops)   # the same forward again, then back
        optimizer.step(net.params, grads)
        data = float(data_loss(out, target, objective.task))
    trace = StepTrace(epoch, before, net.clone(), list(cache.inputs[1:]), out, data, float(loss), list(grads),
                      int(x.shape[0]), train_points)
    return trace, loss
