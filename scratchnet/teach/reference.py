"""The tutorial-style code of a setup, run: the plain reference implementation a learner reads.

`tutorial_code.model_code(cfg)` (the very text Under the hood shows and the export writes out) is
executed with the given tensors bound to W1, b1, ...; its functions then compute what the page's
"one step, opened up" shows. The tests hold it equal to the engine's fast path (float64, 1e-10) for
every activation, loss, penalty and optimizer.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import torch
from torch import Tensor

from scratchnet.config import Config
from scratchnet.teach.tutorial_code import LOSS_CODE, model_code, param_names, saved_names


class TutorialNet:
    """The tutorial-style code of `cfg`, executed with `params` as W1, b1, ... (used in place: an
    update changes them)."""

    def __init__(self, cfg: Config, params: Sequence[Tensor]):
        names = param_names(cfg)
        if len(params) != len(names):
            raise ValueError(f"{cfg.describe()} has {len(names)} parameter tensors ({', '.join(names)}), "
                             f"got {len(params)}")
        self.cfg = cfg
        self.code = model_code(cfg)
        # the settings the code reads besides its own (the export writes them with the data's)
        self.scope: dict[str, object] = {"torch": torch, "math": math, "params": list(params),
                                         "INIT_SEED": cfg.init_seed, "EPOCHS": cfg.epochs,
                                         **dict(zip(names, params))}
        exec(compile(self.code, "<tutorial code>", "exec"), self.scope)  # noqa: S102 — our own generated code

    def _call(self, name: str, *args):
        return self.scope[name](*args)

    def forward(self, x: Tensor, masks: list[Tensor] | None = None) -> tuple[Tensor, dict[str, Tensor]]:
        """The output, and the hidden layers' values by name (Z1, H1, ...); with dropout masks, if given."""
        out, saved = self._call("forward", x) if masks is None else self._call("forward", x, masks)
        return out, dict(zip(saved_names(self.cfg), saved))

    def data_loss(self, out: Tensor, target: Tensor) -> Tensor:
        return self._call(LOSS_CODE[self.cfg.problem].name, out, target)

    def penalty(self) -> Tensor | float:
        return self._call("penalty") if self.cfg.regularization != "none" else 0.0

    def gradients(self, x: Tensor, target: Tensor, masks: list[Tensor] | None = None) -> list[Tensor]:
        """[dW1, db1, ...] by the written-out backward (with dropout masks, if given)."""
        if masks is None:
            out, saved = self._call("forward", x)
            return self._call("backward", x, target, out, saved)
        out, saved = self._call("forward", x, masks)
        return self._call("backward", x, target, out, saved, masks)

    def set_lr(self, lr: float) -> None:
        """The rate of the next updates (what a schedule does between epochs)."""
        self.scope["lr"] = lr

    def update(self, grads: Sequence[Tensor]) -> None:
        """One optimizer step on the parameters, in place."""
        with torch.no_grad():
            self._call("update", list(grads))

    def train_step(self, x: Tensor, target: Tensor) -> Tensor:
        """One whole step as the exported script takes it (written-out backward or autograd)."""
        return self._call("train_step", x, target)


@dataclass(frozen=True)
class ReferenceStep:
    """The values of one forward and backward pass, computed by the tutorial-style code."""

    code: str                            # what ran
    saved: dict[str, Tensor]             # Z1, H1, ... of the hidden layers
    out: Tensor                          # (n, K) logits, or (n, 1) predictions
    data_loss: float
    penalty: float
    grads: list[Tensor]                  # [dW1, db1, ...]

    @property
    def loss(self) -> float:
        return self.data_loss + self.penalty


def reference_step(cfg: Config, params: Sequence[Tensor], x: Tensor, target: Tensor) -> ReferenceStep:
    """Forward, loss and the written-out gradients of one batch by the code a learner reads."""
    net = TutorialNet(cfg.replace(backprop="hand"), [p.detach() for p in params])
    with torch.no_grad():
        out, saved = net.forward(x)
        data_loss = float(net.data_loss(out, target))
        penalty = float(net.penalty())
        grads = net.gradients(x, target)
    return ReferenceStep(net.code, saved, out, data_loss, penalty, grads)
