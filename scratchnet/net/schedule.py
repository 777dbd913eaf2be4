"""Learning-rate schedules, each defined once: its rate, the code a learner reads, its formula, its label.

A rate is a pure function of the base rate, the epoch and the run's length, so a schedule needs no
state and a run is reproducible from its config. `epoch` counts the epochs already trained: the first
epoch trains with `rate(lr, 0, epochs)`. Schedules stretch over the run's `epochs`, the way
torch.optim.lr_scheduler's are given a total number of steps. The single Trainer and every model of a
stack ask `lr_at` before each epoch.

A run the app trains on past its end goes on in rounds of `epochs` (Play after the end), and each round
repeats the decaying schedules from the full rate (warm restarts, as torch's CosineAnnealingWarmRestarts):
cosine past its end would be a rate of 0, and a step decay that went on halving would have stopped learning
within a few rounds. The warm-up is the first round's only: it exists for the untrained network. Within the
first round (a CLI run, an exported script) nothing changes, so `code` computes the same rates.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from scratchnet.net.tex import tex_number

if TYPE_CHECKING:
    from scratchnet.config import Config


@dataclass(frozen=True)
class Schedule:
    """One choice of the schedule knob. `code` is the rate as the exported script computes it (from LR,
    epoch and EPOCHS, exactly as `rate` does); `tex(lr, epochs)` its line of the update's formula.
    The constant rate has neither: the script and the formula simply use the rate."""

    name: str                                       # the config's value
    label: str                                      # what the app shows
    hint: str                                       # what it does, for the knob's help
    rate: Callable[[float, int, int], float]        # (lr, epoch, epochs) -> the rate of the next epoch
    code: str = ""
    code_note: str = ""                             # what the schedule does, for the code's docstring
    tex: Callable[[float, int], str] | None = None
    restarts: bool = False                          # each round of `epochs` starts it again (e = epoch mod T)


def _constant(lr: float, epoch: int, epochs: int) -> float:
    return lr


CONSTANT = Schedule("constant", "constant", "constant", _constant)


# --- step decay: ×0.5 every quarter of the run (four plateaus: lr, lr/2, lr/4, lr/8) ---------------
STEP_FACTOR = 0.5
STEP_EVERY = 0.25


def _step(lr: float, epoch: int, epochs: int) -> float:
    return lr * STEP_FACTOR ** math.floor(epoch / (STEP_EVERY * epochs))


def _step_tex(lr: float, epochs: int) -> str:
    return (rf"\eta_e &= \eta \cdot {tex_number(STEP_FACTOR)}^{{\lfloor (e \bmod T) / "
            rf"{tex_number(STEP_EVERY * epochs)} \rfloor}} && \eta = {lr:g},\ T = {epochs}\text{{ epochs}}")


STEP = Schedule(
    "step", "step decay", f"step: ×{STEP_FACTOR:g} every {STEP_EVERY:.0%} of them", _step,
    f"LR * {STEP_FACTOR!r} ** math.floor(epoch / ({STEP_EVERY!r} * EPOCHS))",
    f"step decay: ×{STEP_FACTOR:g} every {STEP_EVERY:.0%} of the run", _step_tex, restarts=True)


# --- cosine: eases down to 0 at the last epoch of a round -------------------------------------------
def _cosine(lr: float, epoch: int, epochs: int) -> float:
    return lr * 0.5 * (1.0 + math.cos(math.pi * min(epoch / epochs, 1.0)))


def _cosine_tex(lr: float, epochs: int) -> str:
    return (rf"\eta_e &= \tfrac{{1}}{{2}}\,\eta\,\big(1 + \cos(\pi\,(e \bmod T) / T)\big) && \eta = {lr:g},"
            rf"\ T = {epochs}\text{{ epochs}}")


COSINE = Schedule(
    "cosine", "cosine", "cosine: eases down to 0 at the last", _cosine,
    "LR * 0.5 * (1.0 + math.cos(math.pi * min(epoch / EPOCHS, 1.0)))", "cosine: eases down to 0", _cosine_tex,
    restarts=True)


# --- warm-up: rises linearly over the first 10 % of the epochs, then holds ---------------------------
WARMUP_SHARE = 0.1


def warmup_epochs(epochs: int) -> int:
    """How many epochs the warm-up lasts: 10 % of the run, at least one."""
    return max(1, math.ceil(WARMUP_SHARE * epochs))


def _warmup(lr: float, epoch: int, epochs: int) -> float:
    return lr * min(1.0, (epoch + 1) / warmup_epochs(epochs))


def _warmup_tex(lr: float, epochs: int) -> str:
    return (rf"\eta_e &= \eta \cdot \min\big(1, (e + 1) / {warmup_epochs(epochs)}\big) && \eta = {lr:g},"
            rf"\ \text{{warm-up over {warmup_epochs(epochs)} of {epochs} epochs}}")


WARMUP = Schedule(
    "warmup", "warm-up", f"warmup: rises linearly over the first {WARMUP_SHARE:.0%}, then stays", _warmup,
    f"LR * min(1.0, (epoch + 1) / max(1, math.ceil({WARMUP_SHARE!r} * EPOCHS)))",
    f"warm-up: rises linearly over the first {WARMUP_SHARE:.0%} of the run", _warmup_tex)


# The choices, in the order the app lists them.
ALL: tuple[Schedule, ...] = (CONSTANT, STEP, COSINE, WARMUP)
BY_NAME: dict[str, Schedule] = {s.name: s for s in ALL}


def lr_at(epoch: int, cfg: Config) -> float:
    """The learning rate of the epoch after `epoch` epochs of training, under the config's schedule (a
    schedule that restarts sees the epochs into the current round)."""
    schedule = BY_NAME.get(cfg.schedule)
    if schedule is None:
        raise ValueError(f"unknown schedule {cfg.schedule!r}")
    return schedule.rate(cfg.lr, epoch % cfg.epochs if schedule.restarts else epoch, cfg.epochs)
