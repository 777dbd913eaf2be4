"""The classroom's flood benchmark, small: the script itself runs against a real server with a real
redis-server (the full one is `python benchmarks/class_floods.py --redis`, a class of 30 for 30 s), so what
it reports cannot drift from what is tested. A bot on its own address starts the classes it may and no more,
a real teacher on another still starts one; a class of real students all get in beside a bot that takes its
whole seat budget; the teacher's lock and "remove selected" leave only the real ones; wrong codes and teacher
links are refused after the budget, the same for a live class and a made-up one."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from classroom.limits import CREATES, WRONG_TRIES
from tests.conftest import ROOT

pytestmark = pytest.mark.slow          # a real server and a real Redis: not in the quick loop
BENCHMARK = ROOT / "benchmarks" / "class_floods.py"


def test_a_class_survives_a_bot():
    proc = subprocess.run([sys.executable, str(BENCHMARK), "--students", "4", "--seconds", "6", "--json"],
                          cwd=ROOT, text=True, capture_output=True, timeout=600)
    assert proc.returncode == 0, proc.stderr[-3000:]
    created, joined = json.loads(proc.stdout.strip().splitlines()[-1])
    assert created["bot_classes"] == CREATES.count and set(created["bot_refused"]) == {"client"}, created
    assert created["teacher_started"], created
    assert joined["real_joined"] == 4 and joined["real_refused"] == {}, joined
    assert joined["board_before"]["real"] == 4 and joined["board_before"]["bot"] == joined["bot_seats"] > 0, joined
    assert joined["board_after"] == {"real": 4, "bot": 0} and joined["bot_after_lock"] == "locked", joined
    assert joined["code_guesses"] == {"nosuch": WRONG_TRIES.count, "tries": 40 - WRONG_TRIES.count}, joined
    assert joined["teacher_link_same_answer"] and joined["teacher_link_answers"]["live class"] == ["link", "tries"]
