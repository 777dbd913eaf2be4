"""Learning-rate schedules: the rate of each epoch as a pure function of the epoch and the config.

The single Trainer and every model of a stack ask `lr_at` before each epoch, so a schedule needs no
state and a run is reproducible from its config. `epoch` counts the epochs already trained: the
first epoch trains with `lr_at(0, cfg)`. Schedules stretch over the run's `epochs`, the way
torch.optim.lr_scheduler's are given a total number of steps.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from .config import Config

STEP_FACTOR = 0.5        # step decay: the rate halves ...
STEP_EVERY = 0.25        # ... every quarter of the run (four plateaus: lr, lr/2, lr/4, lr/8)
WARMUP_SHARE = 0.1       # warm-up: the first 10 % of the epochs rise linearly to the rate


def lr_at(epoch: int, cfg: Config) -> float:
    """The learning rate of the epoch after `epoch` epochs of training.

        constant   η
        step       η · 0.5^⌊epoch / (0.25 · epochs)⌋
        cosine     η · ½ (1 + cos(π · min(epoch / epochs, 1)))        0 from the last epoch on
        warmup     η · min(1, (epoch + 1) / ⌈0.1 · epochs⌉)
    """
    if cfg.schedule == "constant":
        return cfg.lr
    if cfg.schedule == "step":
        return cfg.lr * STEP_FACTOR ** math.floor(epoch / (STEP_EVERY * cfg.epochs))
    if cfg.schedule == "cosine":
        return cfg.lr * 0.5 * (1.0 + math.cos(math.pi * min(epoch / cfg.epochs, 1.0)))
    if cfg.schedule == "warmup":
        return cfg.lr * min(1.0, (epoch + 1) / warmup_epochs(cfg.epochs))
    raise ValueError(f"unknown schedule {cfg.schedule!r}")


def warmup_epochs(epochs: int) -> int:
    """How many epochs the warm-up lasts: 10 % of the run, at least one."""
    return max(1, math.ceil(WARMUP_SHARE * epochs))
