"""The hand-written optimizers against their formulas and against torch.optim (used here as a
reference only), including learning-rate changes mid-run and one rate per stacked model."""

from __future__ import annotations

import math

import pytest
import torch

from scratchnet import Config
from scratchnet.config import KNOBS, OPTIMIZERS
from scratchnet.net.model import net_for
from scratchnet.net.optim import (
    ADAM_BETAS,
    ADAM_EPS,
    MOMENTUM_MU,
    RMSPROP_ALPHA,
    RMSPROP_EPS,
    SGD,
    WEIGHT_DECAY,
    Adam,
    AdamW,
    Momentum,
    Nesterov,
    RMSProp,
    make_optimizer,
    optimizer_for,
)

F64 = torch.float64


def params_and_grads(steps: int, seed: int = 0, lead: tuple[int, ...] = ()):
    gen = torch.Generator().manual_seed(seed)
    shapes = [(*lead, 3, 4), (*lead, 1, 4), (*lead, 4, 2), (*lead, 1, 2)]
    params = [torch.randn(s, generator=gen, dtype=F64) for s in shapes]
    grads = [[torch.randn(s, generator=gen, dtype=F64) for s in shapes] for _ in range(steps)]
    return params, grads


def leaves(tensors):
    return [t.clone().requires_grad_() for t in tensors]


DECAY = 0.05                                      # AdamW's weight decay in these tests
WEIGHTS_ONLY = [True, False, True, False]         # params_and_grads gives W, b, W, b


def run_ours(kind: str, params, grads, lrs):
    ps = leaves(params)
    opt = make_optimizer(kind, ps, lrs[0], weight_decay=DECAY, decayed=WEIGHTS_ONLY)
    for lr, g in zip(lrs, grads):
        opt.lr = lr
        opt.step(ps, g)
    return ps, opt


def run_torch(kind: str, params, grads, lrs):
    ps = leaves(params)
    opt = {"sgd": lambda: torch.optim.SGD(ps, lr=lrs[0]),
           "momentum": lambda: torch.optim.SGD(ps, lr=lrs[0], momentum=0.9),
           "nesterov": lambda: torch.optim.SGD(ps, lr=lrs[0], momentum=0.9, nesterov=True),
           "rmsprop": lambda: torch.optim.RMSprop(ps, lr=lrs[0], alpha=0.99, eps=1e-8),
           "adam": lambda: torch.optim.Adam(ps, lr=lrs[0], betas=(0.9, 0.999), eps=1e-8),
           "adamw": lambda: torch.optim.AdamW([{"params": ps[0::2], "weight_decay": DECAY},
                                               {"params": ps[1::2], "weight_decay": 0.0}],
                                              lr=lrs[0], betas=(0.9, 0.999), eps=1e-8)}[kind]()
    for lr, g in zip(lrs, grads):
        for group in opt.param_groups:
            group["lr"] = lr
        for p, gi in zip(ps, g):
            p.grad = gi.clone()
        opt.step()
    return ps


def test_the_torch_references_use_our_constants():
    """The references above spell out torch's defaults; they must be the constants our optimizers use."""
    assert (MOMENTUM_MU, ADAM_BETAS, ADAM_EPS, RMSPROP_ALPHA, RMSPROP_EPS) == (0.9, (0.9, 0.999), 1e-8, 0.99, 1e-8)
    assert WEIGHT_DECAY == KNOBS["weight_decay"].default == 0.01


@pytest.mark.parametrize("kind", OPTIMIZERS)
def test_same_trajectory_as_torch_optim(kind):
    params, grads = params_and_grads(25)
    lrs = [0.05] * 25
    ours, _ = run_ours(kind, params, grads, lrs)
    for a, b in zip(ours, run_torch(kind, params, grads, lrs)):
        torch.testing.assert_close(a, b, rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize("kind", OPTIMIZERS)
def test_learning_rate_changes_mid_run_keep_the_state(kind):
    """torch.optim keeps momentum and Adam's moments when a group's lr changes; so do we."""
    params, grads = params_and_grads(30, seed=1)
    lrs = [0.1] * 10 + [0.01] * 10 + [0.3] * 10
    ours, opt = run_ours(kind, params, grads, lrs)
    for a, b in zip(ours, run_torch(kind, params, grads, lrs)):
        torch.testing.assert_close(a, b, rtol=1e-12, atol=1e-12)
    if kind in ("adam", "adamw"):
        assert opt.t == 30
    # and it is not a restart: a fresh optimizer from step 10 on would end elsewhere
    if kind != "sgd":
        ps = leaves(params)
        first = make_optimizer(kind, ps, 0.1, weight_decay=DECAY, decayed=WEIGHTS_ONLY)
        for g in grads[:10]:
            first.step(ps, g)
        second = make_optimizer(kind, ps, 0.01, weight_decay=DECAY, decayed=WEIGHTS_ONLY)
        for lr, g in zip(lrs[10:], grads[10:]):
            second.lr = lr
            second.step(ps, g)
        assert not torch.allclose(ps[0], ours[0])


def test_formulas_by_hand():
    p0 = torch.tensor([1.0, -2.0], dtype=F64)
    g1, g2 = torch.tensor([0.5, -1.0], dtype=F64), torch.tensor([2.0, 0.0], dtype=F64)

    p = [p0.clone()]
    SGD(p, 0.1).step(p, [g1])
    torch.testing.assert_close(p[0], p0 - 0.1 * g1)

    p = [p0.clone()]
    opt = Momentum(p, 0.1)
    opt.step(p, [g1])
    opt.step(p, [g2])
    v2 = 0.9 * g1 + g2
    torch.testing.assert_close(p[0], p0 - 0.1 * g1 - 0.1 * v2)

    p = [p0.clone()]
    opt = Adam(p, 0.1)
    opt.step(p, [g1])
    # first Adam step: m̂ = g, v̂ = g², so the step is lr·g/(|g| + ε) ≈ lr·sign(g)
    torch.testing.assert_close(p[0], p0 - 0.1 * g1 / (g1.abs() + 1e-8))
    opt.step(p, [g2])
    m = 0.9 * 0.1 * g1 + 0.1 * g2
    v = 0.999 * 0.001 * g1 ** 2 + 0.001 * g2 ** 2
    m_hat, v_hat = m / (1 - 0.9 ** 2), v / (1 - 0.999 ** 2)
    expected = p0 - 0.1 * g1 / (g1.abs() + 1e-8) - 0.1 * m_hat / (v_hat.sqrt() + 1e-8)
    torch.testing.assert_close(p[0], expected)

    p = [p0.clone()]
    opt = Nesterov(p, 0.1)
    opt.step(p, [g1])
    opt.step(p, [g2])
    v1, v2 = g1, 0.9 * g1 + g2
    torch.testing.assert_close(p[0], p0 - 0.1 * (g1 + 0.9 * v1) - 0.1 * (g2 + 0.9 * v2))

    p = [p0.clone()]
    opt = RMSProp(p, 0.1)
    opt.step(p, [g1])
    opt.step(p, [g2])
    s1 = 0.01 * g1 ** 2
    s2 = 0.99 * s1 + 0.01 * g2 ** 2
    torch.testing.assert_close(p[0], p0 - 0.1 * g1 / (s1.sqrt() + 1e-8) - 0.1 * g2 / (s2.sqrt() + 1e-8))

    p = [p0.clone(), p0.clone()]
    opt = AdamW(p, 0.1, weight_decay=0.5, decayed=[True, False])
    opt.step(p, [g1, g1])
    # decay first (weights only), then Adam's first step lr·g/(|g| + ε)
    torch.testing.assert_close(p[0], p0 * (1 - 0.1 * 0.5) - 0.1 * g1 / (g1.abs() + 1e-8))
    torch.testing.assert_close(p[1], p0 - 0.1 * g1 / (g1.abs() + 1e-8))


def test_adamw_decays_towards_zero_whatever_the_gradient_scale():
    """Decoupled: with a zero gradient a weight shrinks by (1 − lr·λ) per step, which an L2 penalty's
    gradient, divided by √v̂ in Adam, would not do."""
    p = [torch.tensor([2.0], dtype=F64)]
    opt = AdamW(p, 0.1, weight_decay=0.2)
    for _ in range(5):
        opt.step(p, [torch.zeros(1, dtype=F64)])
    assert float(p[0]) == pytest.approx(2.0 * (1 - 0.1 * 0.2) ** 5)


@pytest.mark.parametrize("kind", OPTIMIZERS)
def test_one_learning_rate_per_stacked_model(kind):
    """lr (and AdamW's decay) as (M, 1, 1) tensors: model m of the stack moves exactly as it would alone."""
    m_models = 5
    params, grads = params_and_grads(12, seed=2, lead=(m_models,))
    rates = [0.001, 0.01, 0.1, 1.0, 0.0]
    decays = [0.0, 0.01, 0.3, 0.1, 0.5]
    lr = torch.tensor(rates, dtype=F64).reshape(-1, 1, 1)
    decay = torch.tensor(decays, dtype=F64).reshape(-1, 1, 1)
    stacked = leaves(params)
    opt = make_optimizer(kind, stacked, lr, weight_decay=decay, decayed=WEIGHTS_ONLY)
    for g in grads:
        opt.step(stacked, g)
    for m, rate in enumerate(rates):
        alone = leaves([p[m] for p in params])
        single = make_optimizer(kind, alone, rate, weight_decay=decays[m], decayed=WEIGHTS_ONLY)
        for g in grads:
            single.step(alone, [gi[m] for gi in g])
        for a, b in zip(stacked, alone):
            torch.testing.assert_close(a[m], b, rtol=1e-12, atol=1e-12)
    assert all(torch.equal(a[4], p[4]) for a, p in zip(stacked, params))     # lr 0: frozen


@pytest.mark.parametrize("kind", OPTIMIZERS)
def test_steps_keep_parameters_leaves_without_a_graph(kind):
    params = leaves(params_and_grads(1)[0])
    grads = params_and_grads(1, seed=3)[1][0]
    opt = make_optimizer(kind, params, 0.1)
    with torch.enable_grad():
        opt.step(params, grads)
    for p in params:
        assert p.is_leaf and p.requires_grad and p.grad_fn is None and p.grad is None
    if kind != "sgd":
        state = {"momentum": "velocity", "nesterov": "velocity", "rmsprop": "v"}.get(kind)
        tensors = getattr(opt, state) if state else opt.m + opt.v
        assert len(tensors) == len(params) * (1 if state else 2) and all(not s.requires_grad for s in tensors)


def test_unknown_optimizer():
    with pytest.raises(ValueError, match="sgd, momentum, nesterov, rmsprop, adam, adamw"):
        make_optimizer("lbfgs", [], 0.1)


def test_adam_bias_correction_uses_the_step_count():
    p = [torch.zeros(1, dtype=F64)]
    opt = Adam(p, 1.0)
    for _ in range(3):
        opt.step(p, [torch.ones(1, dtype=F64)])
    # constant gradient 1: m̂ = v̂ = 1 at every step, so each step moves exactly lr/(1 + ε)
    assert float(p[0]) == pytest.approx(-3 / (1 + 1e-8))
    assert opt.t == 3 and math.isclose(float(opt.m[0]), 1 - 0.9 ** 3)


def test_optimizer_for_a_network_decays_its_weights_only():
    net = net_for(Config(hidden=(4, 3), norm="layer"))
    opt = optimizer_for("adamw", net, 0.1, 0.2)
    assert opt.decayed == [True, False, False, False, True, False, False, False, True, False]
    assert opt.weight_decay == 0.2 and opt.lr == 0.1
    assert type(optimizer_for("rmsprop", net, 0.1)) is RMSProp
