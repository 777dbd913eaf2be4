"""Long computations in pieces, so whoever runs them can do something else in between.

A server trains every learner's network on one thread, taking turns (live/scheduler.py): a turn that
cannot end until a huge computation does stalls everyone else. The few computations that grow with the
knobs (a forward pass over thousands of points through 8 layers of 128 units, a batch of 5,000 points)
are written here as generators that `yield` between pieces of about `PIECE_MACS` multiply-adds, and
return their result at the end (`Steps[T]`). `finish` runs one to the end in one go, as a notebook, the
CLI or a test wants it.

A piece is sized from the network's shape, never from a clock, so the same config is always cut the same
way and a run stays reproducible. Work that fits one piece (every tutorial-sized network) is done in a
single call, exactly as without pieces.
"""

from __future__ import annotations

from collections.abc import Callable, Generator
from typing import TypeVar

import torch
from torch import Tensor

from scratchnet.net.model import Net, forward

T = TypeVar("T")
Steps = Generator[None, None, T]

# Multiply-adds of one piece: ~2-4 ms on one core of a classroom server (5-10 GMAC/s for these small
# matrices); smaller pieces pay torch's per-call overhead (a few µs per op) too often.
PIECE_MACS = 20_000_000


def finish(steps: Steps[T]) -> T:
    """Run `steps` to the end; its result."""
    while True:
        try:
            next(steps)
        except StopIteration as done:
            return done.value


def next_piece(steps: Steps[T]) -> bool:
    """Do one piece of `steps`; True if that was its last."""
    try:
        next(steps)
    except StopIteration:
        return True
    return False


def macs_per_row(net: Net) -> int:
    """Multiply-adds of one point's forward pass (every model's, for a stack of models)."""
    per_model = sum(int(w.shape[-2]) * int(w.shape[-1]) for w in net.weights)
    return per_model * (net.n_models or 1)


def one_piece(points: int, net: Net, passes: int = 1) -> bool:
    """`points` through the network fit one piece (`passes`: 1 for a forward pass, 3 with the backward)."""
    return points * passes * macs_per_row(net) <= PIECE_MACS


def rows_per_piece(net: Net, passes: int = 1) -> int:
    """How many points one piece takes: `passes` is 1 for a forward pass, 3 for forward and backward."""
    return max(1, PIECE_MACS // (passes * macs_per_row(net)))


def in_rows(compute: Callable[[Tensor], T], x: Tensor, rows: int, join: Callable[[list[T]], T]) -> Steps[T]:
    """`compute(x)` over x's rows (dim -2) `rows` at a time, yielding between pieces; `join` puts the
    pieces' results together. All of x in one call, and no yield, when it fits one piece."""
    n = x.shape[-2]
    if n <= rows:
        return compute(x)
    parts = []
    for start in range(0, n, rows):
        parts.append(compute(x[..., start:start + rows, :]))
        yield
    return join(parts)


def forward_steps(net: Net, x: Tensor) -> Steps[Tensor]:
    """The network's output for x (…, N, d), in inference mode, in pieces of rows."""
    def compute(rows: Tensor) -> Tensor:
        with torch.inference_mode():
            return forward(net, rows)[0]

    return (yield from in_rows(compute, x, rows_per_piece(net), lambda parts: torch.cat(parts, dim=-2)))


def layers_steps(net: Net, x: Tensor) -> Steps[list[Tensor]]:
    """What every layer outputs for x: [(…, N, H_1), …, (…, N, K)] (hidden activations, then the
    output), in inference mode, in pieces of rows."""
    def compute(rows: Tensor) -> list[Tensor]:
        with torch.inference_mode():
            out, cache = forward(net, rows)
        return [*cache.inputs[1:], out]

    def join(parts: list[list[Tensor]]) -> list[Tensor]:
        return [torch.cat(layer, dim=-2) for layer in zip(*parts)]

    return (yield from in_rows(compute, x, rows_per_piece(net), join))
