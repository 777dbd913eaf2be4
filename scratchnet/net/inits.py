"""Weight initializations, each defined once: the spread of a layer's initial weights, the code a learner
reads, and what it is. Weights start as N(0, std²) draws, biases at zero.

The init knob's `auto` is none of these: it stands for He's rule for the ReLU family (the activations
whose record says `he_init`) and Xavier's for the others (`model.resolve_init`).
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass

AUTO = "auto"


@dataclass(frozen=True)
class Init:
    """One choice of the init knob (besides auto). `code` computes exactly what `std` does; {fan_in} and
    {fan_out} are the layer's sizes."""

    name: str                                       # the config's value
    hint: str                                       # what it is, for the knob's help
    std: Callable[[int, int], float]                # (fan_in, fan_out) -> the initial weights' std
    code: str
    note: str                                       # what it is, for the code's comment


def _he(fan_in: int, fan_out: int) -> float:
    return math.sqrt(2.0 / fan_in)


def _xavier(fan_in: int, fan_out: int) -> float:
    return math.sqrt(2.0 / (fan_in + fan_out))


def _small(fan_in: int, fan_out: int) -> float:
    return 0.1


HE = Init("he", "he: std √(2 / fan_in)", _he, "math.sqrt(2 / {fan_in})", "He, std √(2 / fan_in) (made for ReLU)")
XAVIER = Init("xavier", "xavier: std √(2 / (fan_in + fan_out))", _xavier, "math.sqrt(2 / ({fan_in} + {fan_out}))",
              "Xavier, std √(2 / (fan_in + fan_out))")
SMALL = Init("small", "small: N(0, 0.1²) as in the tutorial", _small, "0.1", "the tutorial's, std 0.1")

# The choices after auto, in the order the app lists them.
ALL: tuple[Init, ...] = (HE, XAVIER, SMALL)
BY_NAME: dict[str, Init] = {i.name: i for i in ALL}
