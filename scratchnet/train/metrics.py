"""How well a network does: losses and accuracies on its data, gradient norms, and where it
confuses which class.

With more than two classes a single accuracy hides which classes are learned and which are
not; a confusion matrix and per-class accuracy show it. Pure tensor functions: no state,
usable on train or test points alike, for one model or M stacked ones.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import NamedTuple

import torch
from torch import Tensor

from scratchnet.data.tensors import Tensors
from scratchnet.net.backward import data_loss
from scratchnet.net.model import Net
from scratchnet.train.pieces import Steps, finish, forward_steps


class Metrics(NamedTuple):
    """Losses and accuracies now, each () or (M,); accuracies are None for regression."""

    train_loss: Tensor
    test_loss: Tensor
    train_accuracy: Tensor | None
    test_accuracy: Tensor | None


def measure(net: Net, tensors: Tensors, task: str) -> Metrics:
    """Train and test loss and accuracy with the current parameters."""
    return finish(measure_steps(net, tensors, task))


def measure_steps(net: Net, tensors: Tensors, task: str) -> Steps[Metrics]:
    """`measure` in pieces (scratchnet/train/pieces.py): a big network's forward passes a few hundred points
    at a time."""
    out_train = yield from forward_steps(net, tensors.x_train)
    out_test = yield from forward_steps(net, tensors.x_test)
    with torch.inference_mode():
        train_loss = data_loss(out_train, tensors.t_train, task)
        test_loss = data_loss(out_test, tensors.t_test, task)
    if task != "classification":
        return Metrics(train_loss, test_loss, None, None)
    return Metrics(train_loss, test_loss, _hits(out_train, tensors.y_train), _hits(out_test, tensors.y_test))


def _hits(logits: Tensor, labels: Tensor) -> Tensor:
    """Share of correct points, in float64: 36 of 40 is exactly 0.9 (float32 makes it
    0.89999998, which misses a 90 % target that was in fact reached)."""
    return (logits.argmax(-1) == labels).to(torch.float64).mean(-1)


def accuracy(net: Net, x: Tensor, labels: Tensor) -> Tensor:
    """Share of points whose largest logit is the true class: () or (M,)."""
    return finish(accuracy_steps(net, x, labels))


def accuracy_steps(net: Net, x: Tensor, labels: Tensor) -> Steps[Tensor]:
    """`accuracy` in pieces (scratchnet/train/pieces.py)."""
    return _hits((yield from forward_steps(net, x)), labels)


def gradient_norms(grads: Sequence[Tensor], weight_slots: Sequence[int] | None = None) -> list[float]:
    """‖dL/dW‖ per layer: vanishing or exploding gradients show up here first. `weight_slots`:
    where the dW are among the gradients (`Net.weight_slots`); by default every other one."""
    slots = range(0, len(grads), 2) if weight_slots is None else weight_slots
    return [float(grads[i].norm()) for i in slots]


def predicted_classes(predictions: Tensor) -> Tensor:
    """(N,) class indices from (N,) indices or (N, k) logits/probabilities (largest wins)."""
    if predictions.dim() == 2:
        return predictions.argmax(dim=1)
    if predictions.dim() == 1 and not predictions.is_floating_point():
        return predictions
    raise ValueError(f"predictions must be (N,) class indices or (N, k) logits, got shape "
                     f"{tuple(predictions.shape)} and dtype {predictions.dtype}")


def confusion_matrix(predictions: Tensor, labels: Tensor, k: int) -> Tensor:
    """(k, k) int64 counts: entry [t, p] is how many points of true class t were predicted p.

    Rows are true classes and columns predictions (the scikit-learn convention), so a row
    sums to the class's number of points and the diagonal holds the correct ones.
    """
    if isinstance(k, bool) or not isinstance(k, int) or k < 1:
        raise ValueError(f"k must be a whole number of classes of at least 1, got {k!r}")
    if predictions.dim() == 2 and predictions.shape[1] != k:
        raise ValueError(f"logits have {predictions.shape[1]} columns but k={k}")
    predicted = predicted_classes(predictions).to(torch.int64)  # (N,)
    labels = labels.to(torch.int64)
    if labels.shape != predicted.shape:
        raise ValueError(f"labels {tuple(labels.shape)} and predictions {tuple(predicted.shape)} "
                         f"must hold one entry per point")
    for name, values in (("labels", labels), ("predictions", predicted)):
        if values.numel() and (values.min() < 0 or values.max() >= k):
            raise ValueError(f"{name} must be class indices 0..{k - 1}")
    return torch.bincount(labels * k + predicted, minlength=k * k).reshape(k, k)


def per_class_accuracy(confusion: Tensor) -> Tensor:
    """(k,) float32: share of each true class predicted correctly (its recall).

    A class with no points has no accuracy: NaN there, so a table can show a dash instead
    of a misleading 0 %.
    """
    _check_square(confusion)
    counts = confusion.sum(dim=1).to(torch.float32)  # (k,) points per true class
    correct = confusion.diagonal().to(torch.float32)  # (k,)
    return torch.where(counts > 0, correct / counts.clamp(min=1), torch.full_like(counts, float("nan")))


def accuracy_from_confusion(confusion: Tensor) -> float:
    """Overall share of correct predictions (NaN for no points): matches the trainer's accuracy."""
    _check_square(confusion)
    total = int(confusion.sum())
    return float(confusion.diagonal().sum()) / total if total else float("nan")


def _check_square(confusion: Tensor) -> None:
    if confusion.dim() != 2 or confusion.shape[0] != confusion.shape[1]:
        raise ValueError(f"a confusion matrix is (k, k), got shape {tuple(confusion.shape)}")
