"""The lesson's steps run as written on the engine's tensors, and what they print proves each
question's answer key right (a wrong key would teach a wrong thing)."""

from __future__ import annotations

import io
import json
import math
import re
from contextlib import redirect_stdout

import pytest

from scratchnet import cli
from scratchnet.teach.lesson import LESSON_CONFIG, LESSONS, TUTORIAL, parameter_rows, run_step, workspace


def _number(pattern: str, text: str) -> float:
    found = re.search(pattern, text)
    assert found, f"{pattern!r} not in {text!r}"
    return float(found.group(1))


def test_the_tutorials_four_exercises_in_order():
    assert [s.key for s in TUTORIAL.steps] == ["leaf", "forward", "backward", "train"]
    assert LESSONS == {"tutorial": TUTORIAL}
    assert (LESSON_CONFIG.dataset, LESSON_CONFIG.layer_sizes, LESSON_CONFIG.activation, LESSON_CONFIG.init) == \
        ("moons", (2, 10, 2), "relu", "small")
    for step in TUTORIAL.steps:
        q = step.question
        assert 0 <= q.answer < len(q.options) and len(set(q.options)) == len(q.options) >= 3
        assert q.prompt.endswith("?") and q.why and step.notice and len(step.code.splitlines()) <= 16


def test_step_1_the_tutorials_weight_is_not_a_leaf_and_gets_no_grad():
    ran = run_step(TUTORIAL.step(1))
    assert TUTORIAL.step(1).question.options[TUTORIAL.step(1).question.answer] == "None"
    assert ran.output == "W1.grad: None\n"
    assert "W1.is_leaf: False   W1.grad_fn: MulBackward0" in ran.then_output      # why, once committed
    assert "fixed W1.is_leaf: True   W1.grad.shape: (2, 10)" in ran.then_output    # and the fix
    assert any("not a leaf Tensor" in w for w in ran.warnings), "PyTorch's own warning is shown"
    rows = parameter_rows()
    assert [r["tensor"] for r in rows] == ["W1", "b1", "W2", "b2"]
    assert all(r["is_leaf"] and r["requires_grad"] and r["grad_fn"] == "None" for r in rows)


@pytest.mark.parametrize("number", range(1, len(TUTORIAL.steps) + 1))
def test_what_a_step_shows_before_the_answer_does_not_give_it_away(number):
    """The goal, the code and its comments are on screen while the learner predicts: none of them may say the
    answer (step 1 used to explain leaves and show the fixed line before the question)."""
    step = TUTORIAL.step(number)
    shown = "\n".join((step.goal, step.code, step.before)).lower()       # (the prompt names the options)
    answer = step.question.options[step.question.answer].lower()
    assert not re.search(rf"(?<![\w.]){re.escape(answer)}(?![\w.])", shown), answer
    if step.key == "leaf":
        for giveaway in ("is_leaf", "grad_fn", "requires_grad_()", "not a leaf", "must be a"):
            assert giveaway not in shown, giveaway
    if step.key == "backward":
        assert "adds to" not in shown                      # the goal asks what forgetting to zero does


def test_step_2_an_untrained_network_scores_about_ln_2():
    ran = run_step(TUTORIAL.step(2))
    assert TUTORIAL.step(2).question.options[TUTORIAL.step(2).question.answer] == "about 0.69"
    loss = _number(r"loss: ([0-9.]+)", ran.output)
    assert abs(loss - math.log(2)) < 0.03
    assert ran.scope["Z2"].shape == (8, 2) and ran.scope["H1"].shape == (8, 10)


def test_step_3_gradients_have_their_parameters_shapes_and_add_up_unless_zeroed():
    ran = run_step(TUTORIAL.step(3))
    q = TUTORIAL.step(3).question
    assert q.options[q.answer] == "(2, 10)" and "W1.grad  shape (2, 10)  size 20" in ran.output
    for name, shape in (("b1", "(1, 10)"), ("W2", "(10, 2)"), ("b2", "(1, 2)")):
        assert f"{name}.grad  shape {shape}" in ran.output
    first = _number(r"W1.grad  shape \(2, 10\)  size 20  norm ([0-9.]+)", ran.output)
    assert _number(r"zeroed, then again:  W1.grad norm ([0-9.]+)", ran.output) == first
    assert _number(r"= ([0-9.]+) × the first", ran.output) == 2.0


def test_step_4_one_step_lowers_the_loss_and_300_epochs_match_the_engine():
    ran = run_step(TUTORIAL.step(4))
    q = TUTORIAL.step(4).question
    assert q.options[q.answer] == "down"
    losses = ran.scope["losses"]
    assert len(losses) == 300 and losses[1] < losses[0]
    out = io.StringIO()
    with redirect_stdout(out):
        assert cli.main(["train", "--dataset", "moons", "--lr", "0.07", "--init", "small", "--json"]) == 0
    engine = json.loads(out.getvalue())["final_train_loss"]
    final = _number(r"after 300 ([0-9.]+)", ran.output)
    assert final == pytest.approx(engine, abs=6e-5), "the loop and the engine's run end at the same loss"


def test_each_step_starts_from_a_fresh_untrained_network():
    first, again = run_step(TUTORIAL.step(4)), run_step(TUTORIAL.step(4))
    assert first.output == again.output
    untouched = workspace()["W1"]
    assert untouched.grad is None and float(untouched.detach().abs().max()) < 1.0
