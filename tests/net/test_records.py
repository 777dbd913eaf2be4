"""One record per choice: every activation, norm, optimizer, schedule, penalty and init has every part, its code runs
and computes exactly what the engine computes, its derivative agrees with autograd and finite
differences, and the config table's choices, labels and help come from the records.

These tests run over the registries, so a new record is checked by them without a line added here.
"""

from __future__ import annotations

import dataclasses
import math
import re

import pytest
import torch

from scratchnet.config import KNOBS
from scratchnet.net import activations, inits, norms, optim, penalties, schedule

F64 = torch.float64
RECORD_KINDS = {"activation": activations, "norm": norms, "optimizer": optim, "schedule": schedule,
                "regularization": penalties}


def balanced(tex: str) -> bool:
    depth = 0
    for char in re.sub(r"\\[{}]", "", tex):
        depth += {"{": 1, "}": -1}.get(char, 0)
        if depth < 0:
            return False
    return depth == 0


def run(code: str, **scope: object) -> object:
    return eval(code, {"torch": torch, "math": math}, scope)  # noqa: S307 — the records' own code


# --- the config table reads the records ----------------------------------------------------------------
@pytest.mark.parametrize("knob", RECORD_KINDS)
def test_the_knobs_choices_labels_and_hints_come_from_the_records(knob):
    records = RECORD_KINDS[knob].ALL
    assert KNOBS[knob].choices == tuple(r.name for r in records)
    assert dict(KNOBS[knob].names) == {r.name: r.label for r in records}
    assert RECORD_KINDS[knob].BY_NAME == {r.name: r for r in records}
    for record in records:
        assert record.name and record.label and record.name == record.name.lower()
        if hasattr(record, "hint") and record.hint:
            assert record.hint in KNOBS[knob].help
    assert len({r.name for r in records}) == len(records)


def test_inits_auto_rule_and_its_help_come_from_the_records():
    family = [a.label for a in activations.ALL if a.he_init]
    assert "ReLU" in family and "tanh" not in family
    assert ", ".join(family) in KNOBS["init"].help


# --- activations ------------------------------------------------------------------------------------------
def sample_z(dtype: torch.dtype = F64) -> torch.Tensor:
    """Values across every regime: far below and above 0, near it, exactly 0 and −0."""
    gen = torch.Generator().manual_seed(0)
    spread = torch.cat([torch.randn(200, generator=gen, dtype=F64) * 3, torch.linspace(-40, 40, 81, dtype=F64),
                        torch.tensor([0.0, -0.0, 1e-8, -1e-8, 700.0, -700.0], dtype=F64)])
    return spread.to(dtype).reshape(-1, 7)


@pytest.mark.parametrize("act", activations.ALL, ids=lambda a: a.name)
def test_every_activation_has_every_part(act):
    assert callable(act.forward) and callable(act.grad) and isinstance(act.he_init, bool)
    assert "{z}" in act.code and "{dh}" in act.code_grad and act.code_note and act.tex_name
    tex, tex_grad = act.tex.format(z="Z_l", h="H_l"), act.tex_grad.format(z="Z_l", h="H_l")
    assert "Z_l" in tex and balanced(tex) and balanced(tex_grad) and balanced(act.tex_name)
    assert act.code_note.format(z="Z1")                      # a note may name the input, nothing else


@pytest.mark.parametrize("dtype", [torch.float32, F64])
@pytest.mark.parametrize("act", activations.ALL, ids=lambda a: a.name)
def test_the_code_a_learner_reads_computes_exactly_what_the_engine_does(act, dtype):
    """To the last bit: an exported script reproduces a run digit for digit."""
    z = sample_z(dtype)
    dh = torch.randn(z.shape, generator=torch.Generator().manual_seed(1), dtype=F64).to(dtype)
    h = act.forward(z)
    assert torch.equal(run(act.code.format(z="z"), z=z), h)
    z_before, h_before = z.clone(), h.clone()
    expected = act.grad(dh.clone(), z, h)
    assert torch.equal(z, z_before) and torch.equal(h, h_before), "grad may overwrite dh only"
    assert torch.equal(run(act.code_grad.format(dh="dh", z="z", h="h"), dh=dh, z=z, h=h), expected)


@pytest.mark.parametrize("act", activations.ALL, ids=lambda a: a.name)
def test_every_derivative_agrees_with_autograd_and_finite_differences(act):
    gen = torch.Generator().manual_seed(2)
    z = torch.randn(300, generator=gen, dtype=F64) * 3
    z = z[z.abs() > 1e-3]                                     # off the kinks (ReLU's, leaky ReLU's, ELU's at 0)
    dh = torch.randn(z.shape, generator=gen, dtype=F64)
    ours = act.grad(dh.clone(), z, act.forward(z))
    leaf = z.clone().requires_grad_()
    (auto,) = torch.autograd.grad((act.forward(leaf) * dh).sum(), leaf)
    torch.testing.assert_close(ours, auto, rtol=1e-12, atol=1e-12)
    eps = 1e-6
    numeric = (act.forward(z + eps) - act.forward(z - eps)) / (2 * eps) * dh
    torch.testing.assert_close(ours, numeric, rtol=1e-6, atol=1e-7)


def test_a_wrong_derivative_in_a_record_is_caught_by_the_network_check(monkeypatch):
    """Records are read at every call: a derivative off by 1 % shows in the network's gradient check."""
    from scratchnet.teach.gradcheck import check_case

    def off(dh, z, h):
        return activations.SINE.grad(dh, z, h) * 1.01

    monkeypatch.setitem(activations.BY_NAME, "sine", dataclasses.replace(activations.SINE, grad=off))
    assert not all(r.ok for r in check_case("sine", "classification", "none", depth=1))
    assert all(r.ok for r in check_case("tanh", "classification", "none", depth=1))


# --- norms -------------------------------------------------------------------------------------------------
@pytest.mark.parametrize("norm", [n for n in norms.ALL if n.forward], ids=lambda n: n.name)
def test_a_norms_code_computes_exactly_what_the_engine_does(norm):
    gen = torch.Generator().manual_seed(3)
    z, dy = torch.randn(9, 5, generator=gen, dtype=F64), torch.randn(9, 5, generator=gen, dtype=F64)
    gain, shift = 1 + 0.3 * torch.randn(1, 5, generator=gen, dtype=F64), torch.randn(1, 5, generator=gen, dtype=F64)
    scope: dict = {"torch": torch, "math": math}
    exec(norm.code, scope)  # noqa: S102 — the record's own code
    into = "U1"
    exec(norm.code_call.format(into=into, l=1, z="Z1"), scope, local := {"Z1": z, "gain1": gain, "shift1": shift})
    y, normed, rstd = norm.forward(z, gain, shift)
    assert torch.equal(local[into], y) and torch.equal(local["Xhat1"], normed) and torch.equal(local["rstd1"], rstd)
    local["d" + into] = dy
    for line, _ in norm.code_grad:
        exec(line.format(l=1, dy="d" + into), scope, local)  # noqa: S102
    dz, d_gain, d_shift = norm.grad(dy.clone(), normed, rstd, gain)
    assert torch.equal(local["dZ1"], dz) and torch.equal(local["dgain1"], d_gain)
    assert torch.equal(local["dshift1"], d_shift)
    for line in norm.tex:
        assert balanced(line.format(l=1, width=5))
    for line in norm.tex_grad:
        assert balanced(line.format(l=1, z=r"\tilde Z_{1}", n=9, width=5))


@pytest.mark.parametrize("norm", [n for n in norms.ALL if n.forward], ids=lambda n: n.name)
def test_a_norms_gradient_agrees_with_autograd(norm):
    gen = torch.Generator().manual_seed(4)
    z, dy = torch.randn(6, 4, generator=gen, dtype=F64), torch.randn(6, 4, generator=gen, dtype=F64)
    gain, shift = 1 + 0.3 * torch.randn(1, 4, generator=gen, dtype=F64), torch.randn(1, 4, generator=gen, dtype=F64)
    leaves = [t.clone().requires_grad_() for t in (z, gain, shift)]
    y, _, _ = norm.forward(*leaves)
    auto = torch.autograd.grad((y * dy).sum(), leaves)
    _, normed, rstd = norm.forward(z, gain, shift)
    for ours, theirs in zip(norm.grad(dy, normed, rstd, gain), auto):
        torch.testing.assert_close(ours, theirs, rtol=1e-12, atol=1e-12)


def test_no_norm_has_no_parts():
    assert norms.NONE.forward is None and norms.NONE.grad is None and not norms.NONE.tex and not norms.NONE.code


# --- optimizers --------------------------------------------------------------------------------------------
@pytest.mark.parametrize("choice", optim.ALL, ids=lambda o: o.name)
def test_an_optimizers_code_steps_exactly_as_the_engine_does(choice):
    gen = torch.Generator().manual_seed(5)
    shapes = [(3, 4), (1, 4), (4, 2), (1, 2)]
    start = [torch.randn(s, generator=gen, dtype=F64) for s in shapes]
    steps = [[torch.randn(s, generator=gen, dtype=F64) for s in shapes] for _ in range(4)]
    ours = [p.clone() for p in start]
    engine = optim.make_optimizer(choice.name, ours, 0.05, weight_decay=0.1, decayed=[True, False, True, False])
    theirs = [p.clone() for p in start]
    scope = {"torch": torch, "math": math, "params": theirs, "lr": 0.05, "WEIGHT_DECAY": 0.1,
             "W1": theirs[0], "W2": theirs[2]}
    state = "\n".join(line for line, _ in choice.code_state)
    exec(state + "\n" + choice.code_update.replace("{weights}", "(W1, W2)"), scope)  # noqa: S102
    for grads in steps:
        engine.step(ours, grads)
        scope["update"](grads)
    for a, b in zip(ours, theirs):
        assert torch.equal(a, b)
    assert isinstance(engine, choice.make) and choice.title


@pytest.mark.parametrize("choice", optim.ALL, ids=lambda o: o.name)
def test_an_optimizers_formula_ends_with_the_update_of_theta(choice):
    lines = choice.tex(r"\eta", r"\nabla_{\theta}\mathcal{L}", 0.25)
    assert lines[-1][0].startswith(r"\theta &\leftarrow \theta - \eta")
    for equation, constants in lines:
        assert balanced(equation) and all(balanced(c) for c in constants)
    assert (r"\lambda = 0.25" in str(lines)) == choice.decays


# --- schedules ---------------------------------------------------------------------------------------------
@pytest.mark.parametrize("rate", schedule.ALL, ids=lambda s: s.name)
def test_a_schedules_code_is_its_rate(rate):
    for lr, epochs in ((0.07, 300), (1.0, 3), (0.5, 7)):
        for epoch in (0, 1, epochs // 4, epochs // 2, epochs - 1, epochs, 10 * epochs):
            expected = rate.rate(lr, epoch, epochs)
            if rate.code:
                assert run(rate.code, LR=lr, epoch=epoch, EPOCHS=epochs) == expected
            else:
                assert expected == lr
    assert (rate.tex is None) == (not rate.code)
    if rate.tex:
        assert rate.tex(0.1, 200).startswith(r"\eta_e &=") and balanced(rate.tex(0.1, 200))


# --- weight penalties --------------------------------------------------------------------------------------
@pytest.mark.parametrize("choice", [p for p in penalties.ALL if p.term], ids=lambda p: p.name)
def test_a_penaltys_code_value_gradient_and_formula(choice):
    gen = torch.Generator().manual_seed(6)
    w1, w2 = torch.randn(3, 4, generator=gen, dtype=F64), torch.randn(4, 2, generator=gen, dtype=F64)
    value = penalties.penalty([w1, w2], choice.name, 0.3)
    terms = " + ".join(choice.code_term.format(w=w) for w in ("W1", "W2"))
    assert torch.equal(run(f"{choice.code_scale} * ({terms})", REG_RATE=0.3, W1=w1, W2=w2), value)
    grad = penalties.penalty_grad(w1, choice.name, 0.3)
    assert torch.equal(run(choice.code_grad.format(w="W1"), REG_RATE=0.3, W1=w1), grad)
    leaf = w1.clone().requires_grad_()
    (auto,) = torch.autograd.grad(penalties.penalty([leaf, w2], choice.name, 0.3), leaf)
    torch.testing.assert_close(grad, auto, rtol=1e-12, atol=1e-12)
    assert choice.doc and balanced(choice.tex_scale) and balanced(choice.tex_sum)
    assert balanced(choice.tex_grad.format(l=2)) and "W_{2}" in choice.tex_grad.format(l=2)


def test_no_penalty_adds_nothing():
    w = [torch.ones(2, 2)]
    assert penalties.penalty(w, "none", 1.0) == 0.0 and penalties.penalty_grad(w[0], "none", 1.0) is None
    with pytest.raises(ValueError, match="unknown regularization 'l3'"):
        penalties.penalty(w, "l3", 1.0)


# --- initializations -----------------------------------------------------------------------------------------
def test_the_init_knob_is_auto_and_the_records():
    assert KNOBS["init"].choices == (inits.AUTO, *(i.name for i in inits.ALL))
    assert all(i.hint in KNOBS["init"].help for i in inits.ALL)


@pytest.mark.parametrize("init", inits.ALL, ids=lambda i: i.name)
def test_an_inits_code_is_its_std(init):
    for fan_in, fan_out in ((2, 10), (10, 2), (128, 96), (7, 1)):
        assert run(init.code.format(fan_in=fan_in, fan_out=fan_out)) == init.std(fan_in, fan_out) > 0
    assert init.note
