"""The class benchmark's Chromium variant, small: five browser sessions training on one server at once
keep drawing and answering, without errors. The benchmark script itself runs (the full runs are
`python benchmarks/bench_class.py --client chromium` for N = 1, 10 and `python benchmarks/bench_class.py`
for the protocol-level N = 30, 100; tests/live/test_live_server.py runs the latter small), so what it
measures cannot drift from what is tested."""

from __future__ import annotations

import json
import subprocess
import sys

from tests.browser.harness import ROOT

BENCHMARK = ROOT / "benchmarks" / "bench_class.py"


def run_benchmark(*args: str, timeout: float = 240) -> str:
    """The benchmark's standard output. On a timeout it gets SIGTERM, so it stops its server."""
    proc = subprocess.Popen([sys.executable, str(BENCHMARK), *args], cwd=ROOT, text=True,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    try:
        out, err = proc.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        proc.terminate()
        out, err = proc.communicate(timeout=30)
        raise AssertionError(f"the benchmark took over {timeout:g} s:\n{err[-3000:]}") from None
    assert proc.returncode == 0, err[-3000:]
    return out


def test_five_sessions_keep_working_together(chromium_installed):
    (result,) = json.loads(run_benchmark("--client", "chromium", "--sessions", "5", "--seconds", "6",
                                         "--json").strip().splitlines()[-1])
    assert result["n"] == 5 and result["client"] == "chromium", result
    assert result["errors"] == 0, result["error_samples"]
    assert result["fps_min"] > 0, ("every session's boundary keeps drawing frames", result)
    assert result["epochs_min"] > 0, ("every session keeps training", result)
    assert result["latency"] < 20, ("a control change shows up", result)
    assert result["rss"] < 2048, result
    assert result["rss_per_session"] < 100, ("server memory per session stays small", result)
