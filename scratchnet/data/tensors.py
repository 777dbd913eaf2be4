"""A dataset as the network consumes it: featurized inputs and targets in the training dtype."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import torch
from torch import Tensor

from scratchnet.data.datasets import Dataset, featurize


@dataclass(frozen=True)
class Tensors:
    """Features, one-hot or column targets, and labels, for the train and the test points."""

    x_train: Tensor     # (N, d) featurized inputs
    t_train: Tensor     # (N, K) one-hot for classification, (N, 1) targets for regression
    y_train: Tensor     # (N,) labels or targets, for accuracy
    x_test: Tensor
    t_test: Tensor
    y_test: Tensor


def prepare(data: Dataset, features: Sequence[str], n_outputs: int,
            dtype: torch.dtype = torch.float32) -> Tensors:
    """`data` featurized once, so an epoch only indexes ready tensors."""
    def targets(y: Tensor) -> Tensor:
        if data.task == "classification":
            return torch.nn.functional.one_hot(y, n_outputs).to(dtype)
        return y.to(dtype).unsqueeze(-1)

    return Tensors(featurize(data.x_train, features).to(dtype), targets(data.y_train), data.y_train,
                   featurize(data.x_test, features).to(dtype), targets(data.y_test), data.y_test)
