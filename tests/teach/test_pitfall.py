"""scratchnet.teach.pitfall: the tutorial's weights are not leaves; the fixed ones are."""

from __future__ import annotations

import torch

from scratchnet.teach.pitfall import ENGINE, RIGHT, SETUP, WRONG, leaf_pitfall_demo, run_snippet


def test_the_tutorials_line_leaves_w_without_a_grad():
    wrong = leaf_pitfall_demo()["wrong"]
    assert "torch.randn(d, h, requires_grad=True) * 0.1" in wrong.code
    assert wrong.is_leaf is False and wrong.requires_grad is True
    assert wrong.grad_fn == "MulBackward0"
    assert wrong.grad is None
    assert "W.is_leaf: False" in wrong.output and "W.grad: None" in wrong.output
    assert "MulBackward0" in wrong.output
    assert any("not a leaf Tensor" in w for w in wrong.warnings)
    assert not any("Triggered internally" in w for w in wrong.warnings)


def test_scaling_first_and_the_engines_init_give_leaves_with_grads():
    demo = leaf_pitfall_demo()
    for key in ("right", "engine"):
        attempt = demo[key]
        assert attempt.is_leaf and attempt.grad_fn is None and not attempt.warnings
        assert isinstance(attempt.grad, torch.Tensor) and attempt.grad.shape == (2, 3)
        assert "W.is_leaf: True" in attempt.output and "W.grad: tensor(" in attempt.output


def test_the_printed_gradient_is_the_true_one():
    # loss = mean((xW)²) over 4×3 entries, so dL/dW = 2 xᵀ(xW) / 12: the same draws as the snippet
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(0)
        x = torch.randn(4, 2)
        w = torch.randn(2, 3) * 0.1
    right = leaf_pitfall_demo(seed=0)["right"]
    torch.testing.assert_close(right.grad, 2 * x.T @ (x @ w) / 12)
    assert f"{right.grad[0, 0]:.4f}" in right.output


def test_running_the_demo_leaves_the_global_rng_alone_and_repeats_itself():
    before = torch.get_rng_state()
    first, second = leaf_pitfall_demo(), leaf_pitfall_demo()
    assert torch.equal(torch.get_rng_state(), before)
    assert first["right"].output == second["right"].output
    torch.testing.assert_close(first["engine"].grad, second["engine"].grad)


def test_snippets_print_only_to_their_own_output(capsys):
    attempt = run_snippet("demo", "W = torch.ones(d, h).requires_grad_()\nprint('hello')\n")
    assert attempt.output == "hello\n" and capsys.readouterr().out == ""
    assert SETUP.startswith("d, h = 2, 3")
    assert all(code.endswith('print("W.grad:", W.grad)\n') for code in (WRONG, RIGHT, ENGINE))
