"""The code a learner reads (tutorial_code.py, run by reference.py) computes what the engine's fast
path computes: the same loss, gradients and updates in float64, to 1e-10, for random networks of
every activation, loss, penalty and optimizer."""

from __future__ import annotations

import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st

from scratchnet.config import ACTIVATIONS, NORMS, OPTIMIZERS, PROBLEMS, REGULARIZATIONS, SCHEDULES, Config
from scratchnet.net.backward import LOSS_AND_GRADS, Objective, hand_loss_and_grads
from scratchnet.net.dropout import keep_mask
from scratchnet.net.model import init_net
from scratchnet.net.optim import optimizer_for
from scratchnet.net.schedule import lr_at
from scratchnet.teach import tutorial_code
from scratchnet.teach.reference import TutorialNet, reference_step
from scratchnet.train.trainer import Trainer

TOL = 1e-10


def _setup(activation: str, problem: str, regularization: str, hidden: tuple[int, ...], seed: int,
           optimizer: str = "sgd", n_points: int = 9, n_features: int = 3, classes: int = 3, norm: str = "none",
           dropout: float = 0.0):
    """A random float64 network (non-zero biases), a batch and its targets, and the config they fit."""
    features = ("x1", "x2", "x1sq", "x2sq", "x1x2", "sinx1", "sinx2")[:n_features]
    dataset = ("spiral" if classes > 2 else "moons") if problem == "classification" else "plane"
    cfg = Config(problem=problem, dataset=dataset, classes=classes if problem == "classification" else 2,
                 features=features, hidden=hidden, activation=activation, optimizer=optimizer, lr=0.05,
                 regularization=regularization, reg_rate=0.0 if regularization == "none" else 0.03, norm=norm,
                 dropout=dropout)
    gen = torch.Generator().manual_seed(seed)
    net = init_net(cfg.layer_sizes, activation, seed, "xavier", torch.float64, norm)
    with torch.no_grad():                       # biases, gains and shifts away from their starting values
        for p in (*net.biases, *net.gains, *net.shifts):
            p.add_(torch.randn(p.shape, generator=gen, dtype=torch.float64), alpha=0.2)
    x = torch.randn(n_points, n_features, generator=gen, dtype=torch.float64)
    if problem == "classification":
        labels = torch.randint(0, cfg.n_classes, (n_points,), generator=gen)
        target = torch.nn.functional.one_hot(labels, cfg.n_classes).double()
    else:
        target = torch.randn(n_points, 1, generator=gen, dtype=torch.float64)
    return cfg, net, x, target


def _close(a: torch.Tensor, b: torch.Tensor) -> None:
    torch.testing.assert_close(a, b, rtol=TOL, atol=TOL)


networks = st.tuples(st.sampled_from(ACTIVATIONS), st.sampled_from(PROBLEMS), st.sampled_from(REGULARIZATIONS),
                     st.lists(st.integers(1, 7), max_size=3).map(tuple), st.integers(0, 10_000),
                     st.integers(1, 12), st.integers(1, 7), st.integers(2, 5), st.sampled_from(NORMS),
                     st.sampled_from([0.0, 0.5]))


@settings(max_examples=200, deadline=None)
@given(networks)
def test_reference_loss_and_gradients_equal_the_engines(case):
    """Every activation × loss × penalty × layer norm × dropout (one fixed set of masks), any sizes."""
    activation, problem, regularization, hidden, seed, n_points, n_features, classes, norm, dropout = case
    cfg, net, x, target = _setup(activation, problem, regularization, hidden, seed, n_points=n_points,
                                 n_features=n_features, classes=classes, norm=norm, dropout=dropout)
    objective = Objective(problem, regularization, cfg.reg_rate)
    if dropout and hidden:
        gen = torch.Generator().manual_seed(seed)
        masks = [keep_mask(n_points, width, dropout, gen, torch.float64) for width in hidden]
        tutorial = TutorialNet(cfg, [p.detach() for p in net.params])
        with torch.no_grad():
            mine = tutorial.gradients(x, target, masks)
        _, grads = hand_loss_and_grads(net, x, target, objective, masks)
        for a, b in zip(mine, grads, strict=True):
            _close(a, b)
    step = reference_step(cfg, net.params, x, target)
    loss, grads = hand_loss_and_grads(net, x, target, objective)
    assert step.loss == pytest.approx(float(loss), rel=TOL, abs=TOL)
    assert len(step.grads) == len(grads) == len(net.params)
    for mine, engines in zip(step.grads, grads):
        _close(mine, engines)
    assert list(step.saved) == tutorial_code.saved_names(cfg)
    if hidden:
        _close(step.saved["Z1"], x @ net.weights[0].detach() + net.biases[0].detach())


@pytest.mark.parametrize("optimizer", OPTIMIZERS)
@pytest.mark.parametrize("regularization", REGULARIZATIONS)
@pytest.mark.parametrize("backprop", ["hand", "autograd"])
def test_reference_training_steps_equal_the_engines(optimizer, regularization, backprop):
    """Five whole steps (gradients and the optimizer's update, its state carried over) by the
    tutorial-style `train_step` and by the engine leave the same parameters."""
    for activation in ACTIVATIONS:
        for problem in PROBLEMS:
            cfg, net, x, target = _setup(activation, problem, regularization, (5, 4), seed=3, optimizer=optimizer)
            cfg = cfg.replace(backprop=backprop)
            mine = [p.detach().clone().requires_grad_() for p in net.params]
            tutorial = TutorialNet(cfg, mine)
            engine_opt = optimizer_for(optimizer, net, cfg.lr, cfg.weight_decay)
            objective = Objective(problem, regularization, cfg.reg_rate)
            for _ in range(5):
                loss_mine = tutorial.train_step(x, target)
                loss, grads = LOSS_AND_GRADS[backprop](net, x, target, objective)
                engine_opt.step(net.params, grads)
                assert float(loss_mine) == pytest.approx(float(loss), rel=TOL, abs=TOL)
            for a, b in zip(mine, net.params):
                _close(a.detach(), b.detach())


@pytest.mark.parametrize("backprop", ["hand", "autograd"])
@pytest.mark.parametrize("optimizer, schedule", list(zip(OPTIMIZERS, [*SCHEDULES, *SCHEDULES])))
def test_reference_epochs_with_layer_norm_dropout_and_a_schedule_equal_the_engines(optimizer, schedule, backprop):
    """Whole epochs in float64: the engine's Trainer and the tutorial-style code, each drawing its own
    dropout masks from the same seed and following the schedule, end with the same parameters."""
    activation = ACTIVATIONS[OPTIMIZERS.index(optimizer) + (4 if backprop == "hand" else 0)]
    cfg = Config(dataset="spiral", classes=3, n_points=60, hidden=(6, 5), activation=activation, norm="layer",
                 dropout=0.3, optimizer=optimizer, lr=0.02, schedule=schedule, epochs=12, batch_size=16,
                 regularization="l2", reg_rate=0.01, backprop=backprop)
    trainer = Trainer(cfg, dtype=torch.float64)
    mine = [p.detach().clone().requires_grad_() for p in trainer.net.params]
    tutorial = TutorialNet(cfg, mine)
    x, target = trainer.tensors.x_train, trainer.tensors.t_train
    shuffle = torch.Generator().manual_seed(cfg.init_seed)
    for epoch in range(cfg.epochs):
        tutorial.set_lr(lr_at(epoch, cfg))
        for batch in torch.randperm(len(x), generator=shuffle).split(cfg.batch_size):
            tutorial.train_step(x[batch], target[batch])
    trainer.advance(cfg.epochs)
    assert trainer.epoch == cfg.epochs and trainer.stopped == "epochs"
    for a, b in zip(mine, trainer.net.params, strict=True):
        _close(a.detach(), b.detach())


def test_the_code_is_the_tutorials_style():
    """Plain names and plain products: the tutorial's way, what a learner reads."""
    cfg = Config(hidden=(10,), regularization="l2", reg_rate=0.01)
    code = tutorial_code.model_code(cfg)
    for line in ("Z1 = X @ W1 + b1", "H1 = torch.relu(Z1)", "Z2 = H1 @ W2 + b2", "dW2 = H1.T @ dZ2 + REG_RATE * W2",
                 "db2 = dZ2.sum(dim=0, keepdim=True)", "dH1 = dZ2 @ W2.T", "dZ1 = dH1 * (Z1 > 0)",
                 "dW1 = X.T @ dZ1 + REG_RATE * W1", "return [dW1, db1, dW2, db2]"):
        assert line in code, line
    for fast in ("threshold_backward", "_foreach_", "_inverse", "inference_mode", "addcmul_(update"):
        assert fast not in code
    deep = tutorial_code.forward(Config(hidden=(4, 3), activation="tanh"))
    assert "H2 = torch.tanh(Z2)" in deep and "return Z3, (Z1, H1, Z2, H2)" in deep
    linear = tutorial_code.backward(Config(hidden=()))
    assert "def backward(X, Y, Z1, saved):" in linear and "= saved" not in linear, "a linear model saves nothing"
    assert "dW1 = X.T @ dZ1" in linear and "dH" not in linear, "no gradient flows into the inputs"


def test_tutorial_net_checks_the_number_of_parameters():
    cfg = Config()
    with pytest.raises(ValueError, match="has 4 parameter tensors"):
        TutorialNet(cfg, [torch.zeros(2, 10)])
