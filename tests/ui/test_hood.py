"""ui.hood without Streamlit: the LaTeX's shapes, the engine sources, and one opened-up step."""

from __future__ import annotations

import inspect

import pytest
import torch

from scratchnet.config import ACTIVATIONS, Config
from scratchnet.data.datasets import dataset_for
from scratchnet.net import activations
from scratchnet.net.activations import ELU_ALPHA, LEAKY_SLOPE
from scratchnet.net.backward import Objective, hand_loss_and_grads
from scratchnet.net.model import forward, net_for
from scratchnet.net.optim import ADAM_BETAS, ADAM_EPS, MOMENTUM_MU, RMSPROP_ALPHA, RMSPROP_EPS, Adam
from scratchnet.net.tex import tex_number
from ui import hood


def test_batch_rows_full_batch_or_one_mini_batch():
    assert hood.batch_rows(Config(), 160)[0] == 160
    assert hood.batch_rows(Config(batch_size=32), 160)[0] == 32
    assert hood.batch_rows(Config(batch_size=500), 160)[0] == 160


def test_forward_and_backward_tex_carry_every_layers_shapes():
    cfg = Config(hidden=(8, 5), activation="tanh", features=("x1", "x2", "sinx1"), dataset="spiral", classes=4)
    fwd, back = hood.forward_tex(cfg, 50), hood.backward_tex(cfg, 50)
    for tex in (fwd, back):
        assert tex.startswith(r"\begin{aligned}") and tex.endswith(r"\end{aligned}")
        assert tex.count("{") == tex.count("}")
    assert r"\underbrace{X}_{50\times 3}" in fwd and r"\underbrace{W_{1}}_{3\times 8}" in fwd
    assert r"\underbrace{W_{3}}_{5\times 4}" in fwd and r"\in \mathbb{R}^{50\times 4}" in fwd
    assert r"H_{2} &= \tanh(Z_{2})" in fwd
    assert r"dZ_{3} &= \tfrac{1}{50}\,(P - Y)" in back
    assert r"dW_{1} &= X^{\top} dZ_{1}" in back and r"\in \mathbb{R}^{3\times 8}" in back
    assert r"f'(Z_l) &= 1 - H_l \odot H_l" in back and r"dZ_{1} &= dH_{1} \odot f'(Z_{1})" in back
    assert "dH_{0}" not in back, "no gradient is propagated into the inputs"


@pytest.mark.parametrize("activation, derivative", [("relu", r"f'(Z_l) &= \mathbb{1}[Z_l > 0]"),
                                                    ("sigmoid", r"f'(Z_l) &= H_l \odot (1 - H_l)"),
                                                    ("linear", "f'(Z_l) &= 1 &&")])
def test_each_activations_derivative(activation, derivative):
    assert derivative in hood.backward_tex(Config(hidden=(4, 4), activation=activation), 10)
    assert "f'" not in hood.backward_tex(Config(hidden=(), activation=activation), 10), "no hidden layer"


def test_loss_tex_cross_entropy_mse_and_penalties():
    ce = hood.loss_tex(Config(regularization="l1", reg_rate=0.003), 160)
    assert r"\operatorname{LSE}_i &= m_i + \log \sum_{k=1}^{2}" in ce and r"\lambda = 0.003" in ce
    assert r"\lVert W_l \rVert_1" in ce
    mse = hood.loss_tex(Config(problem="regression", dataset="plane", regularization="l2", reg_rate=0.1), 160)
    assert r"(\hat Y_i - Y_i)^2" in mse and r"\frac{\lambda}{2}" in mse and "LSE" not in mse
    assert hood.penalty_tex(Config()) == ""
    assert r"+ \lambda \operatorname{sign}(W_{2})" in hood.backward_tex(Config(regularization="l1", reg_rate=0.1), 9)


def test_update_tex_per_optimizer_with_its_constants():
    assert r"\eta = 0.07" in hood.update_tex(Config(lr=0.07))
    assert r"\mu = 0.9" in hood.update_tex(Config(optimizer="momentum"))
    adam = hood.update_tex(Config(optimizer="adam", lr=0.01))
    assert r"\beta_2 = 0.999" in adam and r"\eta = 0.01" in adam and r"\sqrt{\hat v}" in adam


def test_shape_table_lists_every_tensor_in_forward_order():
    rows = hood.shape_table(Config(hidden=(3,)), 7)
    assert [r["tensor"] for r in rows] == ["X", "W1", "b1", "Z1, H1", "W2", "b2", "Z2", "Y"]
    assert rows[1]["shape"] == "(2, 3)" and rows[-2]["shape"] == "(7, 2)"


def test_sources_are_the_engines_own_code_on_disk():
    src = hood.source_of(forward)
    assert src.code == inspect.getsource(forward)
    assert src.where.startswith("scratchnet/net/model.py, line ")
    line = int(src.where.rsplit(" ", 1)[1])
    assert inspect.getsourcelines(forward)[1] == line
    assert "self.t += 1" in hood.source_of(Adam).code
    step = hood.source_of(Adam.step)                                   # decorated: the function written
    assert step.code.lstrip().startswith("@gradless")
    sections = hood.code_sections(Config(optimizer="adam", regularization="l2", reg_rate=0.1, backprop="autograd"))
    assert [s.name.rsplit(".", 1)[1] for s in sections["loss"]] == ["cross_entropy_with_grad", "penalty",
                                                                     "penalty_grad"]
    assert sections["backward"][0].name.endswith("autograd_loss_and_grads")
    assert [s.name.rsplit(".", 1)[1] for s in sections["update"]] == ["Adam", "_add_scaled"]
    assert hood.code_sections(Config(problem="regression", dataset="plane"))["loss"][0].name.endswith("mse_with_grad")


def test_readable_sections_are_the_tutorial_code_and_the_fast_path_stays_one_click_away():
    cfg = Config(hidden=(10,), optimizer="momentum", regularization="l1", reg_rate=0.01)
    readable = hood.readable_sections(cfg)
    assert set(readable) - {"parameters"} == set(hood.code_sections(cfg)) == set(hood.FAST_NOTES)
    assert "Z1 = X @ W1 + b1" in readable["forward"] and ".requires_grad_()" in readable["parameters"]
    assert "def cross_entropy(Z, Y):" in readable["loss"] and "def penalty():" in readable["loss"]
    assert "dW2 = H1.T @ dZ2 + REG_RATE * W2.sign()" in readable["backward"]
    assert "velocity = [torch.zeros_like(p) for p in params]" in readable["update"]
    auto = hood.readable_sections(cfg.replace(backprop="autograd"))["backward"]
    assert auto.index("loss.backward()") < auto.index("def backward(X, Y, Z2, saved):")
    for text in readable.values():
        assert "threshold_backward" not in text and "_foreach_" not in text and "_inverse" not in text
    assert "keep_where_positive" in "".join(s.code for s in hood.code_sections(cfg)["backward"])


def test_step_config_is_the_step_networks_setup():
    big = Config(hidden=(100, 100, 100, 100, 100), regularization="l2", reg_rate=0.1, backprop="autograd")
    step = hood.step_config(big, "tanh", "l1", 0.003)
    assert step.layer_sizes == hood.step_sizes(big) and step.activation == "tanh" and step.backprop == "hand"
    assert (step.regularization, step.reg_rate) == ("l1", 0.003)


def test_step_network_uses_the_runs_weights_when_small_else_a_capped_seeded_copy():
    cfg = Config()
    current = net_for(cfg)
    with torch.no_grad():
        current.weights[0].add_(1.0)                                    # "trained"
    net, from_run = hood.step_network(cfg, current, "tanh")
    assert from_run and net.activation == "tanh" and net.weights[0].dtype == torch.float64
    torch.testing.assert_close(net.weights[0], current.weights[0].double())
    assert net.weights[0].is_leaf and net.weights[0].data_ptr() != current.weights[0].data_ptr()
    big = Config(hidden=(100, 100, 100, 100, 100))
    net, from_run = hood.step_network(big, net_for(big), "relu")
    assert not from_run and hood.step_sizes(big) == (2, 8, 8, 8, 2)
    assert hood.n_params(hood.step_sizes(big)) <= hood.STEP_MAX_PARAMS
    torch.testing.assert_close(net.weights[0], net_for(big.replace(hidden=(8, 8, 8)), torch.float64).weights[0])


@pytest.mark.parametrize("activation", ACTIVATIONS)
@pytest.mark.parametrize("regularization", ["none", "l1", "l2"])
def test_open_step_forward_values_and_three_gradients_agree(activation, regularization):
    cfg = Config(dataset="spiral", classes=3, hidden=(5, 4))
    data = dataset_for(cfg)
    net, _ = hood.step_network(cfg, net_for(cfg), activation)
    raw, x, target, labels = hood.step_batch(data, cfg)
    assert raw.shape == (8, 2) and x.dtype == torch.float64 and target.shape == (8, 3)
    assert torch.equal(target.argmax(-1), labels)
    rate = 0.05 if regularization != "none" else 0.0
    objective = Objective("classification", regularization, rate)
    step = hood.open_step(hood.step_config(cfg, activation, regularization, rate), net, x, target)
    assert "def backward(X, Y, Z3, saved):" in step.code and "threshold_backward" not in step.code
    assert step.names == ["W1", "b1", "W2", "b2", "W3", "b3"]
    assert step.z1.shape == step.h1.shape == (8, 5)
    torch.testing.assert_close(step.probs.sum(-1), torch.ones(8, dtype=torch.float64))
    expected_loss, _ = hand_loss_and_grads(net, x, target, objective)
    assert step.loss == pytest.approx(float(expected_loss), abs=1e-12)
    assert (step.penalty > 0) == (regularization != "none")
    assert all(r.ok for r in step.rows)
    rows = hood.gradient_rows(step)
    assert rows[0]["shape"] == "2×5" and rows[0]["ok"] == "✓"
    entries = hood.gradient_entries(step, 1)
    assert [e["entry"] for e in entries] == [f"b1[{j}]" for j in range(1, 6)]      # named as the diagram names them
    assert max(abs(e["hand − finite diff"]) for e in entries) < 1e-7


def test_open_step_for_regression_and_no_hidden_layer():
    cfg = Config(problem="regression", dataset="multigauss", hidden=())
    net, from_run = hood.step_network(cfg, net_for(cfg), "relu")
    _, x, target, _ = hood.step_batch(dataset_for(cfg), cfg)
    step = hood.open_step(hood.step_config(cfg, "relu", "none", 0.0), net, x, target)
    assert from_run and step.z1 is None and step.h1 is None and step.probs is None
    assert step.out.shape == (8, 1) and step.loss == pytest.approx(float(((step.out - target) ** 2).mean()))
    assert all(r.ok for r in step.rows)


# ------------------------------------------------------------------------- new activations, norm, dropout, optimizers

@pytest.mark.parametrize("activation", ACTIVATIONS)
def test_every_activation_has_its_formula_and_derivative(activation):
    act = activations.BY_NAME[activation]
    name, formula, derivative = act.tex_name, act.tex, act.tex_grad
    cfg = Config(hidden=(4, 4), activation=activation)
    fwd, back = hood.forward_tex(cfg, 10), hood.backward_tex(cfg, 10)
    assert rf"H_{{1}} &= {name}(Z_{{1}}) = {formula.format(z='Z_{1}')}" in fwd
    assert rf"f'(Z_l) &= {derivative.format(z='Z_l', h='H_l')}" in back
    for tex in (fwd, back):
        assert tex.count("{") == tex.count("}")
    assert hood.ACTIVATION_NOTES.get(activation, "") == act.tex_note


def test_the_new_activations_formulas_carry_the_engines_constants():
    assert "0.01" in activations.LEAKY_RELU.tex and LEAKY_SLOPE == 0.01
    assert hood.ACTIVATION_NOTES["elu"].startswith(f"α = {ELU_ALPHA:g}")
    assert r"\Phi(Z_l) + Z_l \odot \varphi(Z_l)" in hood.backward_tex(Config(hidden=(3, 3), activation="gelu"), 5)
    assert r"f'(Z_l) &= \cos(Z_l)" in hood.backward_tex(Config(hidden=(3, 3), activation="sine"), 5)


def test_layer_norm_and_dropout_in_the_forward_and_backward():
    cfg = Config(hidden=(6, 5), norm="layer", dropout=0.25, activation="tanh")
    fwd, back = hood.forward_tex(cfg, 20), hood.backward_tex(cfg, 20)
    assert r"\hat Z_{1} &= (Z_{1} - \mu_{1}) / \sqrt{\sigma^2_{1} + \epsilon} && \epsilon = 10^{-5}" in fwd
    assert r"\tilde Z_{2} &= \gamma_{2} \odot \hat Z_{2} + \beta_{2}" in fwd
    assert r"A_{1} &= \tanh(\tilde Z_{1})" in fwd and r"H_{1} &= A_{1} \odot D_{1}" in fwd
    assert r"p = 0.25\ \text{(training only)}" in fwd
    assert r"f'(\tilde Z_l) &= 1 - A_l \odot A_l" in back
    assert r"dA_{1} &= dH_{1} \odot D_{1}" in back and r"d\tilde Z_{1} &= dA_{1} \odot f'(\tilde Z_{1})" in back
    assert r"d\gamma_{2} &= \textstyle\sum_{i} (d\tilde Z_{2} \odot \hat Z_{2})_{i,:}" in back
    assert (r"dZ_{1} &= \big(d\hat Z_{1} - \operatorname{mean}(d\hat Z_{1}) - \hat Z_{1} \odot "
            r"\operatorname{mean}(d\hat Z_{1} \odot \hat Z_{1})\big) / \sqrt{\sigma^2_{1} + \epsilon}") in back
    assert "D_{" not in hood.forward_tex(cfg.replace(dropout=0.0), 20)
    assert r"\tilde Z" not in hood.forward_tex(cfg.replace(norm="none"), 20)
    rows = hood.shape_table(cfg, 20)
    assert {"tensor": "γ2, β2", "shape": "(1, 5)", "what": "layer norm's gain and shift"} in rows
    sections = hood.code_sections(cfg)
    names = [s.name.rsplit(".", 1)[1] for s in sections["forward"]]
    assert names == ["forward", "matmul_add", "layer_norm", "keep_mask"]
    assert "layer_norm_grad" in [s.name.rsplit(".", 1)[1] for s in sections["backward"]]


@pytest.mark.parametrize(("optimizer", "pieces"), [
    ("nesterov", [rf"\mu = {MOMENTUM_MU:g}", r"(\nabla_{\theta}\mathcal{L} + \mu\, v)"]),
    ("rmsprop", [rf"\alpha = {RMSPROP_ALPHA:g}", r"\epsilon = 10^{-8}", r"/ (\sqrt{v} + \epsilon)"]),
    ("adam", [rf"\beta_1 = {ADAM_BETAS[0]:g}", rf"\beta_2 = {ADAM_BETAS[1]:g}", r"\epsilon = 10^{-8}"]),
    ("adamw", [r"W &\leftarrow W - \eta\, \lambda\, W && \lambda = 0.2", r"\beta_2 = 0.999", r"\sqrt{\hat v}"]),
])
def test_update_tex_of_the_new_optimizers_reads_the_engines_constants(optimizer, pieces):
    tex = hood.update_tex(Config(optimizer=optimizer, weight_decay=0.2, lr=0.01))
    for piece in pieces:
        assert piece in tex, piece
    assert r"\eta = 0.01" in tex and tex.count("{") == tex.count("}")
    assert tex_number(ADAM_EPS) == "10^{-8}" and tex_number(RMSPROP_EPS) == "10^{-8}"
    assert tex_number(0.999) == "0.999" and tex_number(2.5e-7) == r"2.5 \cdot 10^{-7}"


@pytest.mark.parametrize(("schedule", "line"), [
    ("step", r"\eta_e &= \eta \cdot 0.5^{\lfloor (e \bmod T) / 50 \rfloor} && \eta = 0.1,\ T = 200\text{ epochs}"),
    ("cosine", r"\eta_e &= \tfrac{1}{2}\,\eta\,\big(1 + \cos(\pi\,(e \bmod T) / T)\big)"),
    ("warmup", r"\eta_e &= \eta \cdot \min\big(1, (e + 1) / 20\big)"),
])
def test_a_schedule_shows_its_rate_above_the_update(schedule, line):
    tex = hood.update_tex(Config(lr=0.1, epochs=200, schedule=schedule, optimizer="momentum"))
    assert line in tex and r"\theta &\leftarrow \theta - \eta_e\, v" in tex
    assert hood.schedule_tex(Config()) == "" and r"\eta_e" not in hood.update_tex(Config())
    assert "lr_at" in [s.name.rsplit(".", 1)[1] for s in hood.code_sections(Config(schedule=schedule))["update"]]


@pytest.mark.parametrize("norm", ["none", "layer"])
def test_open_step_with_a_layer_normed_network(norm):
    cfg = Config(dataset="spiral", classes=3, hidden=(5, 4), norm=norm)
    current = net_for(cfg)
    net, from_run = hood.step_network(cfg, current, "gelu")
    assert from_run and net.norm == norm and net.activation == "gelu" and len(net.params) == len(current.params)
    _, x, target, _ = hood.step_batch(dataset_for(cfg), cfg)
    step = hood.open_step(hood.step_config(cfg, "gelu", "none", 0.0), net, x, target)
    assert all(r.ok for r in step.rows)
    assert ("Xhat1" in step.code) == (norm == "layer")
    assert step.names[:4] == (["W1", "b1", "γ1", "β1"] if norm == "layer" else ["W1", "b1", "W2", "b2"])
    torch.testing.assert_close(step.z1, x @ net.weights[0].detach() + net.biases[0].detach())   # Z₁ itself
    gains = hood.gradient_entries(step, 2)
    assert gains[0]["entry"] == ("γ1[1]" if norm == "layer" else "W2[1,1]")   # 1-based, as the diagram names
    assert hood.n_params(cfg.layer_sizes, norm) == hood.n_params(cfg.layer_sizes) + (18 if norm == "layer" else 0)
