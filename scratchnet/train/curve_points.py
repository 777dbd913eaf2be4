"""How many points a loss curve keeps: the one thinning rule of every curve the app draws.

A run can train for millions of epochs; a chart reads the same with about a thousand points, and its
message stays small. Two forms of the same rule: a curve with a point every epoch keeps the epochs that are
multiples of a power-of-two stride (so later points, sent at that stride, line up with the kept ones: the
live charts, live/run.py and live/sweep.py, and the browser's own thinning in live/js/live_view.js); a curve
measured now and then (test losses) keeps evenly spaced points. The last point always stays.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TypeVar

MAX_CURVE_POINTS = 1000

T = TypeVar("T")


def curve_stride(epochs: int, at_least: int = 1, limit: int = MAX_CURVE_POINTS) -> int:
    """The smallest power-of-two multiple of `at_least` that keeps a curve of `epochs` epochs within
    `limit` points."""
    stride = max(1, at_least)
    while epochs / stride > limit:
        stride *= 2
    return stride


def thin_indices(n: int, limit: int = MAX_CURVE_POINTS) -> list[int]:
    """At most `limit` indices of `n` points, evenly spaced, the first and the last always among them."""
    if n <= limit:
        return list(range(n))
    step = -(-(n - 1) // (limit - 1))                  # ceil: (n - 1) / step <= limit - 1
    kept = list(range(0, n, step))
    if kept[-1] != n - 1:
        kept.append(n - 1)
    return kept


def thinned(points: Sequence[T], limit: int = MAX_CURVE_POINTS) -> list[T]:
    """`points` thinned to at most `limit`, evenly spaced, the last always kept."""
    return [points[i] for i in thin_indices(len(points), limit)]
