"""Batched training: M models stacked on a leading dimension give the same results as M
separate Trainers (same init, same batches, same updates), within float tolerance."""

from __future__ import annotations

import math

import pytest
import torch

from scratchnet import BatchedTrainer, Config, Sweep, Trainer
from scratchnet.config import ACTIVATIONS, KNOBS, NORMS, OPTIMIZERS, SCHEDULES
from scratchnet.train.batched import SWEEPABLE, _hits_needed, stack_key

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
    ("dropout", [0.0, 0.2, 0.5], {"dataset": "stripes", "hidden": (12, 12)}),
    ("dropout", [0.1, 0.5], {"hidden": (4, 8), "batch_size": 32, "optimizer": "nesterov"}),
    ("hidden", [(3,), (10,), (6,)], {"dropout": 0.3}),
    ("schedule", ["constant", "step", "cosine", "warmup"], {"optimizer": "rmsprop", "lr": 0.01}),
    ("lr", [0.01, 0.1, 0.5], {"schedule": "cosine", "batch_size": 40}),
    ("weight_decay", [0.0, 0.01, 0.5], {"optimizer": "adamw", "lr": 0.01, "hidden": (8, 8)}),
    ("lr", [0.01, 0.05], {"norm": "layer", "hidden": (6, 6), "activation": "gelu", "dropout": 0.2}),
    ("init_seed", [1, 2], {"norm": "layer", "batch_size": 16, "optimizer": "adamw", "lr": 0.01}),
    ("lr", [0.003, 0.01], {"dataset": "rings", "classes": 4, "hidden": (16,), "activation": "silu"}),
    ("lr", [0.01, 0.1], {"dataset": "checkerboard", "hidden": (8, 8), "activation": "elu"}),
], ids=["lr", "l2-rate", "l1-rate-momentum", "init-seed-minibatch", "widths", "widths-2-layers-adam",
        "regression", "5-classes", "dropout-stripes", "dropout-minibatch-widths", "widths-with-dropout",
        "schedules", "lr-cosine-minibatch", "adamw-decay", "layer-norm-dropout", "layer-norm-seeds", "rings",
        "checkerboard"])
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
    ("activation", list(ACTIVATIONS)),
    ("optimizer", list(OPTIMIZERS)),
    ("norm", list(NORMS)),
    ("dropout", [0.0, 0.2, 0.5]),
    ("schedule", list(SCHEDULES)),
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
    moons = Config(dataset="moons", lr=0.07)             # reaches 85% within 30 epochs at a rate of 0.1
    cfgs = [moons.replace(epochs=10), moons.replace(epochs=30), moons.replace(epochs=30, target_accuracy=0.85, lr=0.1)]
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
    with pytest.raises(ValueError, match="Sweep"):
        BatchedTrainer([Config(norm="layer", hidden=(4,)), Config(norm="layer", hidden=(6,))])


def test_which_new_knobs_share_a_stack():
    """Rates, schedules and seeds ride along in one stack; the kind of network does not; widths do,
    except under layer norm (a padded unit would count in the layer's mean and variance)."""
    base = Config()
    same = [base.replace(dropout=0.5), base.replace(schedule="cosine"), base.replace(weight_decay=0.3),
            base.replace(hidden=(4,)), base.replace(lr=0.3, schedule="warmup", dropout=0.1)]
    assert {stack_key(c) for c in same} == {stack_key(base)}
    apart = [base.replace(norm="layer"), base.replace(activation="gelu"), base.replace(optimizer="adamw"),
             base.replace(dataset="rings")]
    assert len({stack_key(c) for c in [base, *apart]}) == 5
    normed = base.replace(norm="layer")
    assert stack_key(normed.replace(hidden=(4,))) != stack_key(normed)
    assert stack_key(normed.replace(dropout=0.3, lr=1.0)) == stack_key(normed)
    stackable = {name for name, knob in KNOBS.items() if knob.stackable}
    assert {"dropout", "schedule", "weight_decay"} <= stackable and not {"norm", "activation"} & stackable


def test_six_activations_and_three_dropout_rates_on_stripes_as_compare_runs_them():
    """Compare's examples: six activations side by side (six stacks), dropout 0/0.2/0.5 on stripes
    (one stack), each run as it would run alone."""
    activations = Sweep([Config(epochs=EPOCHS, activation=a) for a in KNOBS["activation"].compare])
    assert len(activations.stacks) == len(KNOBS["activation"].compare) == 6
    rates = [Config(epochs=EPOCHS, dataset="stripes", dropout=p) for p in KNOBS["dropout"].compare]
    dropout = Sweep(rates)
    assert len(dropout.stacks) == 1 and KNOBS["dropout"].compare == (0.0, 0.2, 0.5)
    while not dropout.done:
        dropout.advance(EPOCHS)
    assert_same_as_separate(torch.stack(dropout.loss_histories(), dim=1),
                            [dropout.model(i) for i in range(len(rates))], rates)


def test_a_stopped_model_stays_frozen_under_a_schedule():
    """The schedule sets every model's rate each epoch; a model that reached its epoch limit keeps 0."""
    cfgs = [Config(epochs=5, schedule="warmup"), Config(epochs=20, schedule="warmup")]
    stack = BatchedTrainer(cfgs)
    stack.advance(20)
    assert stack.stopped_at == [5, 20]
    frozen = stack.model(0)
    alone = separate(cfgs[0], 5)
    for p, q in zip(frozen.params, alone.net.params):
        torch.testing.assert_close(p, q, rtol=2e-4, atol=2e-5)
    assert float(stack.lr[0]) == 0.0


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


def test_compare_can_vary_every_new_knob():
    assert {"activation", "optimizer", "norm", "dropout", "schedule"} <= set(SWEEPABLE)
    assert SWEEPABLE == tuple(name for name, knob in KNOBS.items() if knob.compare)
