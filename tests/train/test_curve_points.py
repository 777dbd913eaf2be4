"""The one thinning rule of the app's curves (scratchnet/train/curve_points.py)."""

from __future__ import annotations

import pytest

from scratchnet.train.curve_points import MAX_CURVE_POINTS, curve_stride, thin_indices, thinned


@pytest.mark.parametrize("epochs, at_least, stride", [(0, 1, 1), (1000, 1, 1), (1001, 1, 2), (2500, 1, 4),
                                                      (10**6, 1, 1024), (10, 4, 4), (5000, 16, 16), (40_000, 16, 64)])
def test_the_stride_is_the_smallest_power_of_two_multiple_that_fits(epochs, at_least, stride):
    assert curve_stride(epochs, at_least) == stride
    assert epochs / stride <= MAX_CURVE_POINTS and (stride == at_least or epochs / (stride // 2) > MAX_CURVE_POINTS)


@pytest.mark.parametrize("n", [0, 1, 2, 999, 1000, 1001, 1999, 2000, 2001, 12_345, 100_000])
def test_thinning_keeps_the_first_and_the_last_evenly_within_the_limit(n):
    kept = thin_indices(n)
    assert len(kept) <= MAX_CURVE_POINTS and kept == sorted(set(kept))
    if n:
        assert kept[0] == 0 and kept[-1] == n - 1
    if n <= MAX_CURVE_POINTS:
        assert kept == list(range(n))
    else:
        gaps = {b - a for a, b in zip(kept[:-2], kept[1:-1])}
        assert len(gaps) == 1 and len(kept) >= MAX_CURVE_POINTS // 2        # even, and not needlessly sparse


def test_thinned_picks_the_points_themselves():
    points = [(e, 1 / (e + 1)) for e in range(5000)]
    kept = thinned(points, limit=10)
    assert len(kept) <= 10 and kept[0] == points[0] and kept[-1] == points[-1]
    assert thinned(points[:3], limit=10) == points[:3]
