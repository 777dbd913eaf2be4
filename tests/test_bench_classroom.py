"""The classroom benchmark, small: a teacher and five protocol-level students on one real server. The
benchmark script itself runs (the full one is `python benchmarks/bench_classroom.py`, N = 30 and 100),
so what it measures cannot drift from what is tested: a setup sent switches every student's Playground
(its frame) and then their page's controls, the
board changes every student's tile at least once a second, nothing goes wrong."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from tests.conftest import ROOT

pytestmark = pytest.mark.slow          # a real server: not in the quick loop
BENCHMARK = ROOT / "benchmarks" / "bench_classroom.py"


def test_a_small_class_gets_its_setup_and_its_board():
    proc = subprocess.run([sys.executable, str(BENCHMARK), "--students", "5", "--rounds", "2", "--seconds", "4",
                           "--json"], cwd=ROOT, text=True, capture_output=True, timeout=300)
    assert proc.returncode == 0, proc.stderr[-3000:]
    (result,) = json.loads(proc.stdout.strip().splitlines()[-1])
    assert result["joined"] == 5 and result["errors"] == 0, result["error_samples"]
    assert result["setup_max"] < 10, ("every Playground showed the setup, each round", result)
    assert result["setup_p95"] <= result["controls_p95"], ("the Playground switches before its page runs", result)
    assert result["tiles_per_second_min"] >= 1.0, ("every student's tile changes at least once a second", result)
    assert result["rss"] < 2048, result
