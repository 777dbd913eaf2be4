"""Batched training: M models stacked on a leading dimension give the same results as M
separate Trainers (same init, same batches, same updates), within float tolerance."""

from __future__ import annotations

import math

import pytest
import torch

from scratchnet import BatchedTrainer, Config, Sweep, Trainer
from scratchnet.batched import _hits_needed, stack_key

EPOCHS = 25


def separate(cfg: Config, epochs: int = EPOCHS) -> Trainer:
    t = Trainer(cfg)
    t.advance(epochs)
    return t


def assert_same_as_separate(stack_losses: torch.Tensor, nets, cfgs, epochs: int = EPOCHS, rtol: float = 2e-4):
    for m, cfg in enumerate(cfgs):
        alone = separate(cfg, epochs)
        torch.testing.assert_close(stack_losses[:, m], torch.tensor(alone.history.losses), rtol=rtol, atol=1e-6,
                                   msg=lambda text, m=m, cfg=cfg: f"model {m} ({cfg.describe()}): {text}")
        net = nets[m]
        assert [tuple(w.shape) for w in net.weights] == [tuple(w.shape) for w in alone.net.weights]
        for p, q in zip(net.params, alone.net.params):
            torch.testing.assert_close(p, q, rtol=rtol, atol=2e-5)


@pytest.mark.parametrize(("field", "values", "base"), [
    ("lr", [0.001, 0.03, 0.1, 0.5], {}),
    ("reg_rate", [0.0, 0.001, 0.01, 0.1], {"regularization": "l2"}),
    ("reg_rate", [0.0, 0.001, 0.01], {"regularization": "l1", "optimizer": "momentum"}),
    ("init_seed", [1, 2, 3, 4, 5], {"batch_size": 32}),
    ("hidden", [(3,), (10,), (6,)], {"activation": "sigmoid"}),
    ("hidden", [(4, 8), (8, 2), (5, 5)], {"activation": "tanh", "optimizer": "adam", "lr": 0.01, "batch_size": 50}),
    ("lr", [0.003, 0.01, 0.03], {"problem": "regression", "dataset": "plane", "hidden": (8, 8)}),
    ("lr", [0.01, 0.05], {"dataset": "spiral", "classes": 5, "hidden": (12,), "optimizer": "adam"}),
], ids=["lr", "l2-rate", "l1-rate-momentum", "init-seed-minibatch", "widths", "widths-2-layers-adam",
        "regression", "5-classes"])
def test_a_stack_equals_separate_runs(field, values, base):
    cfgs = [Config(epochs=EPOCHS, **base, **{field: v}) for v in values]
    stack = BatchedTrainer(cfgs)
    assert stack.n_models == len(values)
    stack.advance(EPOCHS)
    assert stack.epoch == EPOCHS and stack.loss_history().shape == (EPOCHS, len(values))
    assert_same_as_separate(stack.loss_history(), [stack.model(m) for m in range(len(values))], cfgs)
    ev = stack.evaluate()
    for m, cfg in enumerate(cfgs):
        alone = separate(cfg).evaluate()
        assert ev.train_loss[m] == pytest.approx(alone.train_loss, rel=2e-4, abs=1e-6)
        assert ev.test_loss[m] == pytest.approx(alone.test_loss, rel=2e-4, abs=1e-6)
        if cfg.is_classification:
            assert ev.train_accuracy[m] == pytest.approx(alone.train_accuracy, abs=0.011)


def test_hand_and_autograd_stacks_agree():
    cfgs = [Config(epochs=EPOCHS, lr=lr, hidden=(6, 6), activation="tanh") for lr in (0.01, 0.1)]
    hand = BatchedTrainer(cfgs)
    auto = BatchedTrainer([c.replace(backprop="autograd") for c in cfgs])
    hand.advance(EPOCHS)
    auto.advance(EPOCHS)
    torch.testing.assert_close(hand.loss_history(), auto.loss_history(), rtol=1e-4, atol=1e-6)


@pytest.mark.parametrize(("field", "values"), [
    ("activation", ["relu", "tanh", "sigmoid", "linear"]),
    ("optimizer", ["sgd", "momentum", "adam"]),
    ("batch_size", [0, 10, 64]),
    ("hidden", [(), (4,), (4, 4), (8, 8, 8)]),
    ("lr", [0.001, 0.01, 0.1]),
])
def test_a_sweep_equals_separate_runs_whatever_it_varies(field, values):
    cfgs = [Config(epochs=EPOCHS, **{"lr": 0.02, field: v}) for v in values]
    sweep = Sweep(cfgs)
    groups = len({stack_key(c) for c in cfgs})
    assert len(sweep.stacks) == groups
    while sweep.epoch < EPOCHS:
        sweep.advance(EPOCHS - sweep.epoch)
    assert sweep.epoch == EPOCHS and sweep.done
    histories = sweep.loss_histories()
    assert_same_as_separate(torch.stack(histories, dim=1), [sweep.model(i) for i in range(len(cfgs))], cfgs)
    rows = sweep.evaluations()
    assert [r["epoch"] for r in rows] == [EPOCHS] * len(cfgs)
    for row, cfg in zip(rows, cfgs):
        assert row["train_loss"] == pytest.approx(separate(cfg).evaluate().train_loss, rel=2e-4)
        assert row["diverged_at"] is None


def test_different_epoch_limits_and_targets_in_one_stack_stop_each_model_like_its_own_run():
    cfgs = [Config(epochs=10), Config(epochs=30), Config(epochs=30, target_accuracy=0.85, lr=0.1)]
    assert len({stack_key(c) for c in cfgs}) == 1
    stack = BatchedTrainer(cfgs)
    while not stack.done:
        stack.advance(100)
    assert stack.epoch == 30
    for m, cfg in enumerate(cfgs):
        alone = Trainer(cfg)
        list(alone.run(every=1000))
        for p, q in zip(stack.model(m).params, alone.net.params):
            torch.testing.assert_close(p, q, rtol=2e-4, atol=2e-5)
        assert stack.stopped_at[m] == alone.epoch
    assert stack.stopped_at[2] < 30
    sweep = Sweep(cfgs)
    while not sweep.done:
        sweep.advance(100)
    assert [len(h) for h in sweep.loss_histories()] == stack.stopped_at
    assert [r["epoch"] for r in sweep.evaluations()] == stack.stopped_at


def test_divergence_in_one_model_leaves_the_others_alone():
    cfgs = [Config(epochs=40, lr=lr, dataset="xor") for lr in (0.03, 5.0, 0.1)]
    stack = BatchedTrainer(cfgs)
    stack.advance(40)
    assert stack.diverged_at[0] is None and stack.diverged_at[2] is None
    assert stack.diverged_at[1] is not None and stack.diverged_at[1] <= 40
    history = stack.loss_history()
    assert not torch.isfinite(history[:, 1]).all()
    assert torch.isfinite(history[:, [0, 2]]).all()
    assert_same_as_separate(history[:, [0, 2]], [stack.model(0), stack.model(2)], [cfgs[0], cfgs[2]], epochs=40)
    assert float(stack.lr.reshape(-1)[1]) == 0.0      # frozen
    rows = Sweep(cfgs).evaluations()
    assert len(rows) == 3


def test_all_diverged_stack_is_done():
    stack = BatchedTrainer([Config(problem="regression", dataset="plane", lr=10.0, epochs=500)] * 2)
    stack.advance(500)
    assert stack.done and stack.epoch < 500 and all(d is not None for d in stack.diverged_at)


def test_sweep_tracks_epochs_to_the_accuracy_mark_and_keeps_order():
    cfgs = [Config(epochs=150, lr=0.3), Config(epochs=150, lr=0.001, activation="linear"),
            Config(epochs=150, lr=0.3, hidden=(4, 4))]
    sweep = Sweep(cfgs)
    assert len(sweep.stacks) == 3
    rows = []
    for rows in sweep.run(every=50):
        pass
    assert sweep.done and [r["epoch"] for r in rows] == [150] * 3
    fast, slow = rows[0], rows[1]
    assert fast["epochs_to_mark"] is not None and fast["test_accuracy"] >= 0.9
    assert slow["epochs_to_mark"] is None and slow["test_accuracy"] < 0.9
    # the mark is the first epoch with ≥ 90 % test accuracy, as a separate run measures it
    t = Trainer(cfgs[0])
    first = None
    while first is None:
        t.advance(1)
        if t.evaluate().test_accuracy >= 0.9:
            first = t.epoch
    assert fast["epochs_to_mark"] == first


def test_stacks_refuse_configs_that_cannot_share_a_stack():
    with pytest.raises(ValueError, match="Sweep"):
        BatchedTrainer([Config(), Config(activation="tanh")])
    with pytest.raises(ValueError):
        BatchedTrainer([Config(hidden=(4,)), Config(hidden=(4, 4))])


def test_reset_and_reproducibility():
    cfgs = [Config(epochs=20, lr=lr, batch_size=16) for lr in (0.01, 0.1)]
    a = BatchedTrainer(cfgs)
    a.advance(20)
    first = a.loss_history().clone()
    a.reset()
    assert a.epoch == 0 and a.loss_history().shape == (0, 2)
    a.advance(20)
    assert torch.equal(a.loss_history(), first)
    b = BatchedTrainer(cfgs)
    b.advance(20)
    assert torch.equal(b.loss_history(), first)
    assert a.model_epochs_per_second > 0


def test_time_budget_and_model_epochs_per_second():
    stack = BatchedTrainer([Config(epochs=100_000, lr=lr) for lr in (0.01, 0.1, 0.3)])
    done = stack.advance(100_000, max_seconds=0.02)
    assert 1 <= done < 100_000
    assert stack.model_epochs_per_second > 0
    assert math.isfinite(stack.model_epochs_per_second)


@pytest.mark.parametrize(("mark", "n", "need"), [(0.9, 40, 36), (0.9, 7, 7), (0.9, 10, 9), (1.0, 3, 3), (0.0, 5, 0),
                                                 (0.5, 3, 2), (0.95, 20, 19), (0.8, 41, 33)])
def test_accuracy_mark_as_a_count_of_correct_points(mark, n, need):
    assert _hits_needed(mark, n) == need
    assert need / n >= mark and (need == 0 or (need - 1) / n < mark)
