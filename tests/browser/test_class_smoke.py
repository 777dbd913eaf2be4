"""The class benchmark, small: five browser sessions training on one server at once keep
updating and answering, without errors (the full N = 1, 10, 30 run is benchmarks/bench_class.py)."""

from __future__ import annotations

from benchmarks.bench_class import run


def test_five_sessions_keep_working_together():
    (result,) = run([5], seconds=6.0)
    assert result["errors"] == 0, result
    assert result["fps_min"] > 0, ("every session's charts keep updating", result)
    assert result["epochs_min"] > 0, ("every session keeps training", result)
    assert result["latency"] < 20, ("a control change shows up", result)
    assert result["rss"] < 2048, result
