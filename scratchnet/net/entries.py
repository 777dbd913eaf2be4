"""One entry of a network's parameters, named as the tutorial writes it, and changing one.

Layers count from 1 as in the tutorial's W1/b1, units from 1. In `Wl[i,j]` row i is the input unit
and column j the output unit, so `W1[2,3]` is `net.weights[0][1, 2]` and `b2[1]` is
`net.biases[1][0, 0]`. The diagram, its accessible names, Under the hood's tables and a learner's
edits all use these names.
"""

from __future__ import annotations

import math
import re
from collections.abc import Sequence
from dataclasses import dataclass

import torch

from scratchnet.net.model import Net

# The largest |value| a learner may type. Trained weights here stay within about ±10; a hundred is
# room to experiment (a huge weight saturates a unit) without feeding the loss an overflow.
EDIT_LIMIT = 100.0

_NAME = re.compile(r"\s*([Wb])\s*(\d+)\s*\[\s*(\d+)\s*(?:,\s*(\d+)\s*)?\]\s*")


@dataclass(frozen=True)
class Entry:
    """One number of a network: weight W[layer][row, col] or bias b[layer][0, col], all 0-based."""

    kind: str           # "W" | "b"
    layer: int
    row: int            # the input unit (0 for a bias)
    col: int            # the output unit

    @property
    def name(self) -> str:
        if self.kind == "W":
            return weight_name(self.layer, self.row, self.col)
        return bias_name(self.layer, self.col)


def weight_name(layer: int, row: int, col: int) -> str:
    """`W{layer+1}[{row+1},{col+1}]` from 0-based indices."""
    return f"W{layer + 1}[{row + 1},{col + 1}]"


def bias_name(layer: int, col: int) -> str:
    """`b{layer+1}[{col+1}]` from 0-based indices."""
    return f"b{layer + 1}[{col + 1}]"


def parse_entry(name: str, layer_sizes: Sequence[int]) -> Entry:
    """`"W1[2,3]"` or `"b2[1]"` as an Entry of a network with these layer sizes (ValueError if it is
    not a name or names no entry of that network)."""
    match = _NAME.fullmatch(str(name)) if isinstance(name, str) and len(name) <= 40 else None
    if match is None:
        raise ValueError(f"{str(name)[:40]!r} is not a weight or bias name like W1[2,3] or b1[2]")
    kind, layer, first, second = match.group(1), int(match.group(2)), int(match.group(3)), match.group(4)
    if (kind == "W") != (second is not None):
        raise ValueError(f"{name!r}: a weight has two indices (W1[2,3]), a bias one (b1[2])")
    n_layers = len(layer_sizes) - 1
    if not 1 <= layer <= n_layers:
        raise ValueError(f"{name!r}: this network has layers 1 to {n_layers}")
    rows, cols = layer_sizes[layer - 1], layer_sizes[layer]
    row, col = (first, int(second)) if kind == "W" else (1, first)
    if kind == "W" and not 1 <= row <= rows:
        raise ValueError(f"{name!r}: W{layer} has rows 1 to {rows}")
    if not 1 <= col <= cols:
        raise ValueError(f"{name!r}: layer {layer} has units 1 to {cols}")
    return Entry(kind, layer - 1, row - 1, col - 1)


def parse_value(text: str | float) -> float:
    """What a learner typed as a parameter's new value, or ValueError saying what is allowed."""
    shown = str(text).strip()
    try:
        value = float(shown.replace("−", "-"))        # a minus sign copied from the page counts too
    except ValueError:
        raise ValueError(f"{shown[:20]!r} is not a number") from None
    if not math.isfinite(value):
        raise ValueError(f"{shown[:20]!r} is not a finite number")
    if abs(value) > EDIT_LIMIT:
        raise ValueError(f"{shown[:20]} is out of range: a value must be from {-EDIT_LIMIT:g} to {EDIT_LIMIT:g}")
    return value


def tensor_of(net: Net, entry: Entry) -> torch.Tensor:
    return (net.weights if entry.kind == "W" else net.biases)[entry.layer]


def entry_value(net: Net, entry: Entry) -> float:
    return float(tensor_of(net, entry).detach()[entry.row, entry.col])


def set_entry(net: Net, entry: Entry, value: float) -> None:
    """Write one entry in place (the tensors are autograd leaves: no graph may record the write)."""
    with torch.no_grad():
        tensor_of(net, entry)[entry.row, entry.col] = value
