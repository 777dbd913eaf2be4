"""The hand-written backward against autograd and central finite differences (float64).

Every activation × loss × penalty × depth, single and stacked (M-model) networks, plus the
losses themselves against torch's, and proof that the check fails when a derivative is wrong.
"""

from __future__ import annotations

import dataclasses
import itertools

import pytest
import torch
import torch.nn.functional as F
from hypothesis import given, settings
from hypothesis import strategies as st

from scratchnet.config import ACTIVATIONS, NORMS, PROBLEMS, REGULARIZATIONS
from scratchnet.net import activations, norms
from scratchnet.net import backward as backward_module
from scratchnet.net.backward import Objective, autograd_loss_and_grads, hand_loss_and_grads
from scratchnet.net.dropout import Dropout
from scratchnet.net.losses import cross_entropy, cross_entropy_with_grad, log_softmax, mse, mse_with_grad
from scratchnet.net.model import forward, init_net
from scratchnet.net.norms import LAYER_NORM_EPS
from scratchnet.net.penalties import penalty, penalty_grad
from scratchnet.teach.gradcheck import (
    ABS_TOL,
    check_case,
    compare_gradients,
    format_table,
    full_check,
    numeric_gradients,
    param_names,
)
from scratchnet.train.batched import stack_nets

DEPTHS = (0, 1, 2, 3, 4)
F64 = torch.float64


def batch(n_in: int, n_out: int, n: int, task: str, seed: int, lead: tuple[int, ...] = ()):
    gen = torch.Generator().manual_seed(seed)
    x = torch.randn(*lead, n, n_in, generator=gen, dtype=F64)
    if task == "classification":
        labels = torch.randint(0, n_out, (*lead, n), generator=gen)
        return x, F.one_hot(labels, n_out).to(F64)
    return x, torch.randn(*lead, n, 1, generator=gen, dtype=F64)


def random_biases(net, seed: int) -> None:
    gen = torch.Generator().manual_seed(seed)
    with torch.no_grad():
        for b in net.biases:
            b.copy_(torch.randn(b.shape, generator=gen, dtype=b.dtype) * 0.1)


def assert_three_agree(grads: dict[str, list[torch.Tensor]], fd_tol: float = 1e-6) -> None:
    for h, a, n in zip(grads["hand"], grads["autograd"], grads["numeric"]):
        assert h.shape == a.shape == n.shape
        torch.testing.assert_close(h, a, rtol=0, atol=1e-6)
        torch.testing.assert_close(h, n, rtol=0, atol=fd_tol)


# ----------------------------------------------------------------------------- the full grid

@pytest.mark.parametrize("depth", DEPTHS)
@pytest.mark.parametrize("regularization", REGULARIZATIONS)
@pytest.mark.parametrize("task", PROBLEMS)
@pytest.mark.parametrize("activation", ACTIVATIONS)
def test_hand_equals_autograd_and_finite_differences(activation, task, regularization, depth):
    rows = check_case(activation, task, regularization, depth, seed=depth)
    assert [r.param for r in rows] == [f"{k}{i}" for i in range(1, depth + 2) for k in ("W", "b")]
    for row in rows:
        assert row.autograd_abs <= 1e-6, row
        assert row.numeric_abs <= 1e-6, row
        assert row.ok


@pytest.mark.parametrize(("activation", "task", "regularization"),
                         list(itertools.product(ACTIVATIONS, PROBLEMS, REGULARIZATIONS)))
def test_wider_deeper_networks_with_more_classes(activation, task, regularization):
    """6 inputs (all features but one), three hidden layers of 7, five classes, 30 points."""
    n_out = 5 if task == "classification" else 1
    net = init_net([6, 7, 7, 7, n_out], activation, seed=11, init="he" if activation == "relu" else "xavier",
                   dtype=F64)
    random_biases(net, 12)
    x, target = batch(6, n_out, 30, task, seed=13)
    rate = 0.0 if regularization == "none" else 0.03
    _, grads = compare_gradients(net, x, target, Objective(task, regularization, rate))
    assert_three_agree(grads)


def test_eight_hidden_layers():
    net = init_net([2, *([5] * 8), 3], "tanh", seed=0, dtype=F64)
    random_biases(net, 1)
    x, target = batch(2, 3, 10, "classification", seed=2)
    _, grads = compare_gradients(net, x, target, Objective("classification", "l2", 0.01))
    assert_three_agree(grads)


@settings(max_examples=60, deadline=None)
@given(activation=st.sampled_from(ACTIVATIONS), task=st.sampled_from(PROBLEMS),
       regularization=st.sampled_from(REGULARIZATIONS), n_in=st.integers(1, 7),
       widths=st.lists(st.integers(1, 9), max_size=4), k=st.integers(2, 8), n=st.integers(1, 25),
       rate=st.floats(0.0, 1.0), seed=st.integers(0, 2**16))
def test_hand_equals_autograd_for_any_small_network(activation, task, regularization, n_in, widths, k, n, rate, seed):
    n_out = k if task == "classification" else 1
    net = init_net([n_in, *widths, n_out], activation, seed=seed, dtype=F64)
    random_biases(net, seed + 1)
    x, target = batch(n_in, n_out, n, task, seed=seed + 2)
    objective = Objective(task, regularization, rate)
    loss, hand = hand_loss_and_grads(net, x, target, objective)
    loss2, auto = autograd_loss_and_grads(net, x, target, objective)
    torch.testing.assert_close(loss, loss2, rtol=1e-12, atol=1e-12)
    for h, a in zip(hand, auto):
        torch.testing.assert_close(h, a, rtol=1e-9, atol=1e-9)


# ----------------------------------------------------------------------------- stacked models

@pytest.mark.parametrize("activation", ACTIVATIONS)
@pytest.mark.parametrize(("task", "regularization"), [("classification", "l1"), ("regression", "l2"),
                                                      ("classification", "none")])
def test_stacked_models_each_get_their_own_gradient(activation, task, regularization):
    """M = 3 models of different hidden widths (padded and masked) and a per-model penalty rate:
    the stacked gradient equals autograd and finite differences, and model m's slice equals
    the gradient of model m computed alone."""
    n_out = 3 if task == "classification" else 1
    widths = [(4, 3), (2, 3), (4, 4)]
    nets = [init_net([2, *w, n_out], activation, seed=m, dtype=F64) for m, w in enumerate(widths)]
    for m, net in enumerate(nets):
        random_biases(net, 10 + m)
    stacked = stack_nets(nets)
    assert stacked.masks is not None and stacked.n_models == 3
    rates = [0.01, 0.1, 0.0] if regularization != "none" else [0.0] * 3
    rate = torch.tensor(rates, dtype=F64).reshape(-1, 1, 1)
    x, target = batch(2, n_out, 9, task, seed=5)
    objective = Objective(task, regularization, rate)
    loss, hand = hand_loss_and_grads(stacked, x, target, objective)
    assert loss.shape == (3,)
    _, grads = compare_gradients(stacked, x, target, objective)
    assert_three_agree(grads)
    for m, (net, w) in enumerate(zip(nets, widths)):
        alone_loss, alone = hand_loss_and_grads(net, x, target, Objective(task, regularization, rates[m]))
        torch.testing.assert_close(loss[m], alone_loss)
        for layer, (g_stack, g_alone) in enumerate(zip(hand[0::2], alone[0::2])):
            torch.testing.assert_close(g_stack[m, :g_alone.shape[0], :g_alone.shape[1]], g_alone)
            # padding gets no gradient, so padded units stay exactly zero while training
            rest = g_stack[m].clone()
            rest[:g_alone.shape[0], :g_alone.shape[1]] = 0
            assert float(rest.abs().max()) == 0.0, f"layer {layer}"


def test_stacked_models_with_one_batch_per_model():
    """Mini-batches of a stack: x is (M, B, d), each model its own points."""
    nets = [init_net([2, 5, 2], "sigmoid", seed=m, dtype=F64) for m in range(4)]
    stacked = stack_nets(nets)
    x, target = batch(2, 2, 6, "classification", seed=3, lead=(4,))
    _, grads = compare_gradients(stacked, x, target, Objective("classification", "l2", 0.05))
    assert_three_agree(grads)
    _, hand = hand_loss_and_grads(stacked, x, target, Objective("classification", "l2", 0.05))
    for m, net in enumerate(nets):
        _, alone = hand_loss_and_grads(net, x[m], target[m], Objective("classification", "l2", 0.05))
        for g_stack, g_alone in zip(hand, alone):
            torch.testing.assert_close(g_stack[m], g_alone)


# ----------------------------------------------------------------------------- the two passes

def test_hand_pass_builds_no_graph_and_autograd_pass_leaves_no_grads():
    net = init_net([2, 4, 2], "relu", seed=0)
    x, target = batch(2, 2, 8, "classification", seed=0)
    x, target = x.float(), target.float()
    loss, grads = hand_loss_and_grads(net, x, target, Objective())
    assert loss.grad_fn is None and all(g.grad_fn is None for g in grads)
    assert all(p.grad is None for p in net.params)
    loss2, grads2 = autograd_loss_and_grads(net, x, target, Objective())
    assert all(p.grad is None for p in net.params)          # handed back, not accumulated
    assert not loss2.requires_grad
    torch.testing.assert_close(loss, loss2)
    for g, g2 in zip(grads, grads2):
        torch.testing.assert_close(g, g2, rtol=1e-5, atol=1e-6)   # float32 agrees too


def test_repeated_autograd_calls_do_not_accumulate():
    net = init_net([2, 4, 2], "tanh", seed=0, dtype=F64)
    x, target = batch(2, 2, 8, "classification", seed=0)
    _, first = autograd_loss_and_grads(net, x, target, Objective())
    _, second = autograd_loss_and_grads(net, x, target, Objective())
    for a, b in zip(first, second):
        torch.testing.assert_close(a, b)


def with_wrong_derivative(monkeypatch, name: str) -> None:
    """The activation `name`'s record, its derivative off by 1 %."""
    record = activations.BY_NAME[name]

    def wrong(dh, z, h):
        return record.grad(dh, z, h) * 1.01

    monkeypatch.setitem(activations.BY_NAME, name, dataclasses.replace(record, grad=wrong))


def test_a_wrong_derivative_is_caught(monkeypatch):
    """The check is not a tautology: a tanh derivative off by a factor shows up as failures."""
    with_wrong_derivative(monkeypatch, "tanh")
    rows = check_case("tanh", "classification", "none", depth=2)
    bad = [r for r in rows if not r.ok]
    assert {r.param for r in bad} >= {"W1", "b1", "W2", "b2"}
    assert all(r.param.endswith("3") for r in rows if r.ok)      # the output layer is still right
    assert all(r.ok for r in check_case("relu", "classification", "none", depth=2))


def test_a_wrong_penalty_gradient_is_caught(monkeypatch):
    monkeypatch.setattr(backward_module, "penalty_grad", lambda w, kind, rate: w * 2 * rate)
    rows = check_case("relu", "regression", "l2", depth=1)
    assert not any(r.ok for r in rows if r.param.startswith("W"))


def test_full_check_table():
    rows = full_check(depths=(0, 1))
    # depth 0: W1, b1 (nothing to normalize or drop); depth 1: plain 4 rows, layer-normed 6 (γ1, β1),
    # each without dropout and with a fixed mask
    assert len(rows) == len(ACTIVATIONS) * len(PROBLEMS) * len(REGULARIZATIONS) * (2 + 2 * 4 + 2 * 6)
    assert all(r.ok for r in rows)
    table = format_table(rows)
    lines = table.splitlines()
    assert len(lines) == len(rows) + 2
    assert "|hand-auto|" in lines[0] and "|hand-fd|" in lines[0]
    assert all(line.rstrip().endswith("yes") for line in lines[2:])
    assert "tanh · cross-entropy · l1 · depth 1" in table and "relu · MSE · l2 · depth 0" in table
    assert "leaky_relu · cross-entropy · none · depth 1 · layer norm · dropout 0.5" in table
    assert {r.param for r in rows} == {"W1", "b1", "W2", "b2", "γ1", "β1"}
    assert len({len(line) for line in lines[2:]}) == 1                   # one fixed width
    assert max(r.autograd_abs for r in rows) <= ABS_TOL
    assert {r.case.split(" · ")[0] for r in rows} == set(ACTIVATIONS)


def test_numeric_gradients_match_a_known_function():
    """Finite differences of L = mean((x·w + b − t)²) for a linear model, in closed form."""
    net = init_net([3, 1], "linear", seed=4, dtype=F64)
    x, t = batch(3, 1, 20, "regression", seed=9)
    numeric = numeric_gradients(net, x, t, Objective("regression"))
    w, b = net.weights[0].detach(), net.biases[0].detach()
    residual = x @ w + b - t
    torch.testing.assert_close(numeric[0], 2 * x.T @ residual / 20, rtol=0, atol=1e-8)
    torch.testing.assert_close(numeric[1], 2 * residual.sum(0, keepdim=True) / 20, rtol=0, atol=1e-8)
    assert param_names(net) == ["W1", "b1"]


# ----------------------------------------------------------------------------- losses

def test_cross_entropy_matches_torch_and_is_stable():
    gen = torch.Generator().manual_seed(0)
    logits = torch.randn(50, 5, generator=gen, dtype=F64) * 3
    labels = torch.randint(0, 5, (50,), generator=gen)
    onehot = F.one_hot(labels, 5).to(F64)
    torch.testing.assert_close(cross_entropy(logits, onehot), F.cross_entropy(logits, labels))
    torch.testing.assert_close(log_softmax(logits), F.log_softmax(logits, -1))
    huge = torch.tensor([[1e4, -1e4], [-3e4, 3e4], [1e30, 0.0]])
    hot = torch.tensor([[0.0, 1.0], [0.0, 1.0], [1.0, 0.0]])
    value = cross_entropy(huge, hot)
    assert torch.isfinite(value)
    torch.testing.assert_close(value, F.cross_entropy(huge, hot.argmax(1)))
    loss, grad = cross_entropy_with_grad(huge.clone(), hot)
    assert torch.isfinite(loss) and torch.isfinite(grad).all()


def test_cross_entropy_with_grad_is_the_loss_and_its_gradient():
    logits = torch.randn(4, 7, 3, dtype=F64, requires_grad=True)     # 4 stacked models
    onehot = F.one_hot(torch.randint(0, 3, (4, 7)), 3).to(F64)
    reference = cross_entropy(logits, onehot)
    assert reference.shape == (4,)
    reference.sum().backward()
    loss, grad = cross_entropy_with_grad(logits.detach().clone(), onehot)
    torch.testing.assert_close(loss, reference.detach())
    torch.testing.assert_close(grad, logits.grad)


def test_mse_matches_torch_and_its_gradient():
    pred = torch.randn(12, 1, dtype=F64, requires_grad=True)
    target = torch.randn(12, 1, dtype=F64)
    torch.testing.assert_close(mse(pred, target), F.mse_loss(pred, target))
    mse(pred, target).backward()
    loss, grad = mse_with_grad(pred.detach(), target)
    torch.testing.assert_close(loss, F.mse_loss(pred, target).detach())
    torch.testing.assert_close(grad, pred.grad)


def test_penalties_follow_their_formulas():
    w = [torch.tensor([[1.0, -2.0]], dtype=F64), torch.tensor([[3.0], [-0.5]], dtype=F64)]
    assert float(penalty(w, "l1", 0.1)) == pytest.approx(0.1 * (1 + 2 + 3 + 0.5))
    assert float(penalty(w, "l2", 0.1)) == pytest.approx(0.1 * (1 + 4 + 9 + 0.25) / 2)
    assert penalty(w, "none", 0.1) == 0.0
    torch.testing.assert_close(penalty_grad(w[0], "l1", 0.1), torch.tensor([[0.1, -0.1]], dtype=F64))
    torch.testing.assert_close(penalty_grad(w[0], "l2", 0.1), torch.tensor([[0.1, -0.2]], dtype=F64))
    assert penalty_grad(w[0], "none", 0.1) is None
    with pytest.raises(ValueError):
        penalty(w, "l3", 0.1)
    stacked = torch.stack([w[0], 2 * w[0]])                          # (2, 1, 2), a rate per model
    per_model = penalty([stacked], "l1", torch.tensor([1.0, 10.0], dtype=F64).reshape(-1, 1, 1))
    torch.testing.assert_close(per_model, torch.tensor([3.0, 60.0], dtype=F64))


# ----------------------------------------------------------------------------- norm and dropout

NEW_ACTIVATIONS = ("leaky_relu", "elu", "gelu", "silu", "softplus", "sine")


def fixed_masks(widths, n: int, rate: float, seed: int, lead: int | None = None):
    """One seeded set of dropout masks, held fixed (None for rate 0, as training passes)."""
    if lead is None:
        return Dropout([rate], [widths], [seed], stacked=False, dtype=F64).draw(n)
    return Dropout([rate] * lead, [widths] * lead, [seed + m for m in range(lead)], stacked=True, dtype=F64).draw(n)


def norm_net(sizes, activation: str, norm: str, seed: int):
    """A float64 network with non-trivial biases, and with layer norm gains away from 1 and shifts away from 0."""
    net = init_net(sizes, activation, seed=seed, init="xavier", dtype=F64, norm=norm)
    random_biases(net, seed + 100)
    gen = torch.Generator().manual_seed(seed + 200)
    with torch.no_grad():
        for g, b in zip(net.gains, net.shifts):
            g.copy_(1.0 + 0.3 * torch.randn(g.shape, generator=gen, dtype=F64))
            b.copy_(0.2 * torch.randn(b.shape, generator=gen, dtype=F64))
    return net


@pytest.mark.parametrize("task", PROBLEMS)
@pytest.mark.parametrize("dropout", (0.0, 0.5))
@pytest.mark.parametrize("norm", NORMS)
@pytest.mark.parametrize("activation", ACTIVATIONS)
def test_norm_and_dropout_hand_equals_autograd_and_finite_differences(activation, norm, dropout, task):
    n_out = 3 if task == "classification" else 1
    net = norm_net([3, 5, 4, n_out], activation, norm, seed=7)
    x, target = batch(3, n_out, 11, task, seed=8)
    drops = fixed_masks((5, 4), 11, dropout, seed=9)
    assert (drops is None) == (dropout == 0)
    rows, grads = compare_gradients(net, x, target, Objective(task, "l2", 0.02), drops=drops)
    expected = ["W1", "b1", "γ1", "β1", "W2", "b2", "γ2", "β2", "W3", "b3"] if norm == "layer" else \
        ["W1", "b1", "W2", "b2", "W3", "b3"]
    assert [r.param for r in rows] == expected == param_names(net)
    assert all(r.ok for r in rows), [r for r in rows if not r.ok]
    assert_three_agree(grads)


@settings(max_examples=120, deadline=None)
@given(activation=st.sampled_from(ACTIVATIONS), norm=st.sampled_from(NORMS), task=st.sampled_from(PROBLEMS),
       regularization=st.sampled_from(REGULARIZATIONS), dropout=st.sampled_from((0.0, 0.1, 0.5, 0.9)),
       n_in=st.integers(1, 6), widths=st.lists(st.integers(1, 7), max_size=3), k=st.integers(2, 6),
       n=st.integers(1, 20), rate=st.floats(0.0, 1.0), seed=st.integers(0, 2**16))
def test_hand_equals_autograd_for_any_network_with_norm_and_dropout(activation, norm, task, regularization, dropout,
                                                                      n_in, widths, k, n, rate, seed):
    """Every activation × norm × dropout (one fixed mask) × loss, random sizes and values."""
    n_out = k if task == "classification" else 1
    net = norm_net([n_in, *widths, n_out], activation, norm, seed)
    x, target = batch(n_in, n_out, n, task, seed=seed + 2)
    drops = fixed_masks(widths, n, dropout, seed + 3)
    objective = Objective(task, regularization, rate)
    loss, hand = hand_loss_and_grads(net, x, target, objective, drops)
    loss2, auto = autograd_loss_and_grads(net, x, target, objective, drops)
    torch.testing.assert_close(loss, loss2, rtol=1e-12, atol=1e-12)
    assert len(hand) == len(net.params)
    for h, a in zip(hand, auto):
        torch.testing.assert_close(h, a, rtol=1e-9, atol=1e-9)


@settings(max_examples=40, deadline=None)
@given(activation=st.sampled_from(ACTIVATIONS), norm=st.sampled_from(NORMS), task=st.sampled_from(PROBLEMS),
       dropout=st.sampled_from((0.0, 0.5)), widths=st.lists(st.integers(2, 5), min_size=1, max_size=2),
       n=st.integers(2, 8), seed=st.integers(0, 2**16))
def test_finite_differences_agree_for_any_network_with_norm_and_dropout(activation, norm, task, dropout, widths, n,
                                                                         seed):
    """Central differences in float64 against the hand-written gradient, within the check's tolerance
    (absolute or relative: a layer whose units nearly agree has a steep normalization)."""
    n_out = 3 if task == "classification" else 1
    net = norm_net([2, *widths, n_out], activation, norm, seed)
    x, target = batch(2, n_out, n, task, seed=seed + 2)
    rows, _ = compare_gradients(net, x, target, Objective(task, "l1", 0.01), drops=fixed_masks(widths, n, dropout,
                                                                                                 seed + 3))
    assert all(r.ok for r in rows), [r for r in rows if not r.ok]


@pytest.mark.parametrize("activation", NEW_ACTIVATIONS)
def test_a_wrong_new_derivative_is_caught(monkeypatch, activation):
    """Each new activation's own rows fail when its derivative is off by 1 %; the others still pass."""
    with_wrong_derivative(monkeypatch, activation)
    rows = check_case(activation, "classification", "none", depth=2)
    assert {r.param for r in rows if not r.ok} >= {"W1", "W2"}
    assert all(r.ok for r in check_case("tanh", "classification", "none", depth=2))


def test_a_wrong_layer_norm_gradient_is_caught(monkeypatch):
    """Dropping the variance term of dz (a common slip) breaks W and b of the normalized layers."""
    def without_variance_term(dy, normed, rstd, gain):
        d_normed = dy * gain
        return ((d_normed - d_normed.mean(-1, keepdim=True)) * rstd, (dy * normed).sum(-2, keepdim=True),
                dy.sum(-2, keepdim=True))

    monkeypatch.setitem(norms.BY_NAME, "layer", dataclasses.replace(norms.LAYER, grad=without_variance_term))
    rows = check_case("tanh", "regression", "none", depth=2, norm="layer")
    assert {r.param for r in rows if not r.ok} >= {"W1", "b1"}
    assert all(r.ok for r in rows if r.param in ("W3", "b3", "γ2", "β2"))      # above the slip: still right


def test_a_backward_that_ignores_the_dropout_mask_is_caught(monkeypatch):
    """The hand-written backward must drop the same units: without the mask, the check fails."""
    original = backward_module.backward

    def unmasked(net, cache, dout):
        return original(net, dataclasses.replace(cache, drops=None), dout)

    monkeypatch.setattr(backward_module, "backward", unmasked)
    rows = check_case("relu", "classification", "none", depth=2, dropout=0.5)
    assert not all(r.ok for r in rows)
    assert all(r.ok for r in check_case("relu", "classification", "none", depth=2))


def test_layer_norm_forward_normalizes_each_point():
    net = init_net([3, 6, 2], "linear", seed=1, dtype=F64, norm="layer")
    x, _ = batch(3, 2, 9, "regression", seed=1)
    _, cache = forward(net, x)
    z = cache.pre[0]                                           # γ = 1, β = 0: just the normalized values
    affine_out = x @ net.weights[0] + net.biases[0]
    variance = affine_out.var(-1, unbiased=False)
    torch.testing.assert_close(z.mean(-1), torch.zeros(9, dtype=F64), rtol=0, atol=1e-12)
    torch.testing.assert_close(z.var(-1, unbiased=False), variance / (variance + LAYER_NORM_EPS))   # ≈ 1
    torch.testing.assert_close(z, F.layer_norm(affine_out, (6,), eps=LAYER_NORM_EPS))


@pytest.mark.parametrize("activation", ACTIVATIONS)
def test_stacked_models_with_layer_norm_and_dropout_each_get_their_own_gradient(activation):
    """M = 3 layer-normed models of equal widths, each with its own dropout mask and rate: the stacked
    gradient equals autograd and finite differences, and model m's slice equals model m alone."""
    nets = [norm_net([2, 4, 3, 3], activation, "layer", seed=m) for m in range(3)]
    stacked = stack_nets(nets)
    assert stacked.norm == "layer" and stacked.masks is None and len(stacked.params) == 10
    x, target = batch(2, 3, 7, "classification", seed=5)
    dropout = Dropout([0.5, 0.0, 0.2], [(4, 3)] * 3, [0, 1, 2], stacked=True, dtype=F64)
    drops = dropout.draw(7)
    objective = Objective("classification", "l2", torch.tensor([0.01, 0.0, 0.1], dtype=F64).reshape(-1, 1, 1))
    _, grads = compare_gradients(stacked, x, target, objective, drops=drops)
    assert_three_agree(grads)
    _, hand = hand_loss_and_grads(stacked, x, target, objective, drops)
    alone_masks = [Dropout([rate], [(4, 3)], [m], stacked=False, dtype=F64).draw(7)
                   for m, rate in enumerate((0.5, 0.0, 0.2))]
    for m, net in enumerate(nets):
        if alone_masks[m] is not None:
            for stacked_mask, alone_mask in zip(drops, alone_masks[m]):
                assert torch.equal(stacked_mask[m], alone_mask)          # the same units dropped
        else:
            assert all(bool((d[m] == 1).all()) for d in drops)
        rate = [0.01, 0.0, 0.1][m]
        _, alone = hand_loss_and_grads(net, x, target, Objective("classification", "l2", rate), alone_masks[m])
        for g_stack, g_alone in zip(hand, alone):
            torch.testing.assert_close(g_stack[m], g_alone)


def test_layer_norm_does_not_stack_at_different_widths():
    nets = [init_net([2, w, 2], "relu", seed=0, norm="layer") for w in (3, 4)]
    with pytest.raises(ValueError, match="equal"):
        stack_nets(nets)
