"""Tests for scratchnet.train.trainer: the tutorial's runs, reproducibility, the playground's controls,
mini-batches, stopping rules, snapshots and the history."""

from __future__ import annotations

import csv
import io
import itertools
import math

import pytest
import torch

from scratchnet import Config, Sweep, Trainer
from scratchnet.config import CONFIG_KNOBS, KNOBS
from scratchnet.data.datasets import make_dataset
from scratchnet.data.tensors import prepare
from scratchnet.net.backward import Objective, hand_loss_and_grads
from scratchnet.net.model import net_for
from scratchnet.net.optim import Momentum
from scratchnet.train.epoch import batch_indices
from scratchnet.train.history import History
from scratchnet.train.restart import needs_restart
from scratchnet.train.trainer import Snapshot

MOONS = Config(dataset="moons", n_points=200, noise=0.22, hidden=(10,), lr=0.07, epochs=300, init="small")
BLOBS = Config(dataset="blobs", n_points=200, noise=0.22, hidden=(12,), lr=0.05, epochs=250, init="small")


def params_equal(a, b) -> bool:
    return all(torch.equal(p, q) for p, q in zip(a.params, b.params))


# ----------------------------------------------------------------------------- the tutorial

@pytest.mark.parametrize(("cfg", "shape"), [(MOONS, (2, 10, 2)), (BLOBS, (2, 12, 2))], ids=["moons", "blobs"])
def test_the_tutorials_runs(cfg, shape):
    """N(0, 0.1²) weights give near-zero logits, so the first loss is ≈ ln 2; the loss falls
    and the accuracy ends far above the 50 % of guessing."""
    trainer = Trainer(cfg)
    assert cfg.layer_sizes == shape
    assert all(p.is_leaf and p.requires_grad for p in trainer.net.params)
    first = trainer.snapshot()
    assert first.epoch == 0
    assert abs(first.train_loss - math.log(2)) < 0.03
    snaps = list(trainer.run(every=50))
    assert [s.epoch for s in snaps] == [*range(50, cfg.epochs, 50), cfg.epochs]
    losses = [first.train_loss] + [s.train_loss for s in snaps]
    assert losses[-1] < 0.5 * losses[0]
    assert sum(b < a for a, b in itertools.pairwise(losses)) >= len(losses) - 2     # falls (almost) every time
    last = snaps[-1]
    assert last.stopped == "epochs" and last.message == f"Finished {cfg.epochs} epochs."
    assert last.train_accuracy >= 0.9 and last.test_accuracy >= 0.85
    assert len(trainer.history.losses) == cfg.epochs


def test_initial_loss_is_ln2_for_small_init_across_seeds():
    for seed in range(4):
        t = Trainer(MOONS.replace(init_seed=seed, seed=seed))
        assert abs(t.snapshot().train_loss - math.log(2)) < 0.05


# ----------------------------------------------------------------------------- reproducibility

@pytest.mark.parametrize("changes", [{}, {"batch_size": 16}, {"optimizer": "adam", "lr": 0.01},
                                     {"regularization": "l1", "reg_rate": 0.001, "optimizer": "momentum"}])
def test_same_seed_same_run(changes):
    cfg = Config(epochs=40, **changes)
    a, b = Trainer(cfg), Trainer(cfg)
    list(a.run(every=10))
    list(b.run(every=10))
    assert a.history.losses == b.history.losses
    assert a.history.evaluations == b.history.evaluations
    assert params_equal(a.net, b.net)
    c = Trainer(cfg.replace(init_seed=cfg.init_seed + 1))
    list(c.run(every=10))
    assert c.history.losses != a.history.losses


def test_reset_is_the_same_run_again():
    t = Trainer(Config(epochs=30, batch_size=20, optimizer="adam", lr=0.01))
    list(t.run(every=10))
    first, first_net = list(t.history.losses), t.net.clone()
    t.reset()
    assert t.epoch == 0 and t.history.losses == [] and t.stopped is None
    list(t.run(every=15))
    assert t.history.losses == first
    assert params_equal(t.net, first_net)


def test_a_run_leaves_the_global_random_state_alone():
    torch.manual_seed(7)
    before = torch.random.get_rng_state()
    t = Trainer(Config(epochs=20, batch_size=16))
    list(t.run(every=5))
    t.reset()
    t.step()
    assert torch.equal(torch.random.get_rng_state(), before)


def test_hand_and_autograd_backprop_give_the_same_run():
    hand = Trainer(Config(epochs=60, hidden=(8, 8), activation="tanh", batch_size=32))
    auto = Trainer(hand.cfg.replace(backprop="autograd"))
    hand.advance(60)
    auto.advance(60)
    torch.testing.assert_close(torch.tensor(hand.history.losses), torch.tensor(auto.history.losses),
                               rtol=1e-4, atol=1e-6)
    for p, q in zip(hand.net.params, auto.net.params):
        torch.testing.assert_close(p, q, rtol=1e-4, atol=1e-5)


def test_float64_run_follows_the_float32_run():
    a = Trainer(Config(epochs=50))
    b = Trainer(Config(epochs=50), dtype=torch.float64)
    a.advance(50)
    b.advance(50)
    assert b.net.weights[0].dtype == torch.float64
    torch.testing.assert_close(torch.tensor(a.history.losses), torch.tensor(b.history.losses, dtype=torch.float32),
                               rtol=1e-4, atol=1e-5)


# ----------------------------------------------------------------------------- controls

def test_pause_and_resume_continue_the_same_run():
    cfg = Config(epochs=60, batch_size=25)
    straight = Trainer(cfg)
    list(straight.run(every=10))
    t = Trainer(cfg)
    seen = []
    for snap in t.run(every=10):
        seen.append(snap.epoch)
        if snap.epoch == 20:
            t.pause()
    assert seen == [10, 20] and t.paused and t.stopped is None
    assert t.advance(0) == 0 and t.epoch == 20
    t.resume()
    assert not t.paused
    seen += [s.epoch for s in t.run(every=10)]
    assert seen == [10, 20, 30, 40, 50, 60]
    assert t.history.losses == straight.history.losses
    assert params_equal(t.net, straight.net)


def test_step_trains_exactly_one_epoch_even_past_the_limit():
    t = Trainer(Config(epochs=3))
    for expected in (1, 2, 3, 4, 5):
        snap = t.step()
        assert isinstance(snap, Snapshot) and snap.epoch == expected == t.epoch
    assert len(t.history.losses) == 5
    assert t.stopped is None          # stepping is the user's explicit choice, not a stop
    again = Trainer(Config(epochs=3))
    again.advance(10)
    assert again.epoch == 3 and again.stopped == "epochs"
    again.step()
    assert again.epoch == 4


def test_advance_respects_its_epoch_and_time_budgets():
    t = Trainer(Config(epochs=10_000))
    assert t.advance(7) == 7 and t.epoch == 7
    done = t.advance(10_000, max_seconds=0.02)
    assert 1 <= done < 10_000 - 7
    assert t.snapshot().epochs_per_second > 0


@pytest.mark.parametrize("every", [0, -1, 2.5, None])
def test_run_refuses_a_cadence_that_would_never_advance(every):
    with pytest.raises(ValueError, match="every"):
        next(Trainer(Config(epochs=5)).run(every=every))
    with pytest.raises(ValueError, match="every"):
        next(Sweep([Config(epochs=5)]).run(every=every))


def test_run_every_seconds_yields_over_time():
    t = Trainer(Config(epochs=400))
    snaps = list(t.run(every_seconds=0.005))
    assert snaps[-1].epoch == 400 and snaps[-1].stopped == "epochs"
    assert len(snaps) >= 1


def test_live_changes_keep_the_optimizer_state():
    """lr and the penalty change mid-run without resetting momentum: the run equals a hand-made
    loop that changes them at the same epoch."""
    cfg = Config(epochs=40, optimizer="momentum", lr=0.05)
    t = Trainer(cfg)
    t.advance(10)
    optimizer = t.optimizer
    assert t.update(cfg.replace(lr=0.01)) is True
    t.advance(10)
    t.set_regularization("l2", 0.01)
    t.advance(10)
    t.set_lr(0.1)
    t.advance(10)
    assert t.optimizer is optimizer and t.optimizer.lr == 0.1
    assert t.objective == Objective("classification", "l2", 0.01)

    net = net_for(cfg)
    tensors = prepare(t.data, cfg.features, cfg.n_classes)
    opt = Momentum(net.params, 0.05)
    schedule = [(0.05, Objective())] * 10 + [(0.01, Objective())] * 10 + \
        [(0.01, Objective("classification", "l2", 0.01))] * 10 + [(0.1, Objective("classification", "l2", 0.01))] * 10
    losses = []
    for lr, objective in schedule:
        opt.lr = lr
        loss, grads = hand_loss_and_grads(net, tensors.x_train, tensors.t_train, objective)
        opt.step(net.params, grads)
        losses.append(float(loss))
    assert t.history.losses == losses
    assert params_equal(t.net, net)


def test_changes_a_running_network_cannot_take_need_a_restart():
    cfg = Config()
    for name in CONFIG_KNOBS:
        knob = KNOBS[name]
        other = {"bool": lambda k: not k.default, "choice": lambda k: next(c for c in k.choices if c != k.default),
                 "int": lambda k: k.default + 1, "float": lambda k: min(k.high, k.default + 0.01),
                 "ints": lambda k: (5, 5), "set": lambda k: (k.choices[0],) if k.default != (k.choices[0],)
                 else k.choices[:2]}[knob.kind](knob)
        if name in ("problem", "classes"):
            continue          # these need a companion change (dataset); the dataset itself is checked
        new = cfg.replace(**{name: other})
        assert needs_restart(cfg, new) == (not knob.live), name
    live = {name for name, knob in KNOBS.items() if knob.live}
    assert {"lr", "regularization", "reg_rate", "epochs", "target_accuracy"} <= live
    assert not {"dataset", "hidden", "activation", "optimizer", "batch_size", "seed", "init_seed"} & live
    t = Trainer(cfg)
    t.advance(5)
    assert t.update(cfg.replace(hidden=(4,))) is False
    assert t.cfg == cfg and t.epoch == 5


def test_raising_the_epoch_limit_continues_a_finished_run():
    t = Trainer(Config(epochs=10))
    list(t.run())
    assert t.stopped == "epochs"
    t.update(t.cfg.replace(epochs=15))
    assert t.stopped is None
    snaps = list(t.run(every=100))
    assert snaps[-1].epoch == 15 and snaps[-1].stopped == "epochs"


# ----------------------------------------------------------------------------- mini-batches

def test_batch_indices_are_a_fresh_partition_each_epoch():
    g = torch.Generator().manual_seed(0)
    epochs = [batch_indices(50, 16, [g], stacked=False) for _ in range(3)]
    for batches in epochs:
        assert [len(b) for b in batches] == [16, 16, 16, 2]
        assert sorted(torch.cat(batches).tolist()) == list(range(50))
    assert not torch.equal(torch.cat(epochs[0]), torch.cat(epochs[1]))
    assert batch_indices(50, 0, [g], stacked=False) is None          # 0 = full batch
    assert batch_indices(50, 50, [g], stacked=False) is None
    gens = [torch.Generator().manual_seed(s) for s in (1, 2)]
    stacked = batch_indices(10, 4, gens, stacked=True)
    assert [tuple(b.shape) for b in stacked] == [(2, 4), (2, 4), (2, 2)]
    assert torch.equal(torch.cat(stacked, dim=1)[0], torch.randperm(10, generator=torch.Generator().manual_seed(1)))


def test_minibatch_epochs_take_one_step_per_batch_on_shuffled_points(monkeypatch):
    t = Trainer(Config(epochs=5, batch_size=48, n_points=200))          # 160 training points: 48,48,48,16
    seen: list[int] = []
    step = t.optimizer.step
    monkeypatch.setattr(t.optimizer, "step", lambda params, grads: (seen.append(1), step(params, grads)))
    batches: list[list[torch.Tensor]] = []
    import scratchnet.train.trainer as trainer_module
    original = trainer_module.batch_indices

    def spy(*args, **kwargs):
        out = original(*args, **kwargs)
        batches.append(out)
        return out

    monkeypatch.setattr(trainer_module, "batch_indices", spy)
    t.advance(3)
    assert len(seen) == 3 * 4
    assert [[len(b) for b in epoch] for epoch in batches] == [[48, 48, 48, 16]] * 3
    orders = [torch.cat(epoch).tolist() for epoch in batches]
    assert orders[0] != orders[1] != orders[2] and all(sorted(o) == list(range(160)) for o in orders)


def test_minibatch_loss_is_the_epoch_mean_and_full_batch_when_bigger_than_the_data():
    full = Trainer(Config(epochs=5))
    huge = Trainer(Config(epochs=5, batch_size=5000))
    full.advance(5)
    huge.advance(5)
    assert full.history.losses == huge.history.losses
    mini = Trainer(Config(epochs=5, batch_size=10))
    mini.advance(5)
    assert mini.history.losses != full.history.losses
    assert all(math.isfinite(v) for v in mini.history.losses)


# ----------------------------------------------------------------------------- stopping

@pytest.mark.parametrize("every", [1, 10])
@pytest.mark.parametrize("cfg", [
    Config(problem="regression", dataset="plane", lr=10.0, epochs=500),
    Config(dataset="xor", lr=5.0, epochs=500),
], ids=["regression", "classification"])
def test_divergence_stops_with_a_message_and_the_last_finite_network(cfg, every):
    t = Trainer(cfg)
    snaps = list(t.run(every=every))
    last = snaps[-1]
    assert t.stopped == last.stopped == "diverged"
    assert "diverged" in last.message and f"now {cfg.lr:g}" in last.message and "smaller" in last.message
    assert ("inf" in last.message) or ("nan" in last.message)
    assert "\n" not in last.message
    good = t.epoch
    assert last.epoch == good < cfg.epochs and f"at epoch {good}." in last.message
    assert all(torch.isfinite(p).all() for p in t.net.params)
    assert all(p.is_leaf and p.requires_grad for p in t.net.params)
    assert len(t.history.losses) == good and all(math.isfinite(v) for v in t.history.losses)
    assert all(e.epoch <= good for e in t.history.evaluations)
    assert math.isfinite(last.train_loss) and math.isfinite(last.test_loss)
    assert len(last.grad_norms) == len(t.net.weights)
    # a diverged run stays stopped until the learning rate changes ...
    assert t.advance(10) == 0 and t.step().epoch == good
    t.set_lr(cfg.lr / 1000)
    assert t.stopped is None
    t.advance(5)
    assert t.epoch == good + 5 and all(math.isfinite(v) for v in t.history.losses)


def test_a_diverged_run_can_go_on_with_autograd():
    """The fallback network is made inside the inference-mode training loop; it must still be
    made of ordinary tensors, or switching backprop to autograd (a live knob) would fail."""
    t = Trainer(Config(dataset="xor", lr=5.0, epochs=500, target_accuracy=0.99))
    list(t.run(every=10))
    assert t.stopped == "diverged"
    assert not any(p.is_inference() for p in t.net.params)
    t.update(t.cfg.replace(lr=0.01, backprop="autograd"))
    good = t.epoch
    assert t.advance(5) == 5 and t.epoch == good + 5
    assert all(p.is_leaf and p.requires_grad and not p.is_inference() for p in t.net.params)


def test_target_accuracy_stops_early():
    t = Trainer(Config(epochs=5000, target_accuracy=0.9))
    snaps = list(t.run(every=25))
    last = snaps[-1]
    assert last.stopped == "target" and last.epoch < 5000
    assert last.train_accuracy >= 0.9
    assert last.message == f"Reached {last.train_accuracy:.1%} training accuracy at epoch {last.epoch}."
    # the epoch before did not reach it: the stop is at the first epoch that does
    before = Trainer(t.cfg.replace(target_accuracy=0.0, epochs=last.epoch - 1))
    list(before.run(every=1000))
    assert before.snapshot().train_accuracy < 0.9


def test_epoch_limit_stops_exactly():
    t = Trainer(Config(epochs=23))
    snaps = list(t.run(every=10))
    assert [s.epoch for s in snaps] == [10, 20, 23]
    assert [s.stopped for s in snaps] == [None, None, "epochs"]
    assert t.advance(5) == 0 and t.epoch == 23


# ----------------------------------------------------------------------------- snapshots and history

def test_snapshot_fields():
    cfg = Config(hidden=(8, 6), epochs=100)
    t = Trainer(cfg)
    t.advance(30)
    snap = t.snapshot()
    assert snap.epoch == 30 and snap.lr == cfg.lr and snap.stopped is None and snap.message == ""
    assert 0 <= snap.train_accuracy <= 1 and 0 <= snap.test_accuracy <= 1
    assert math.isfinite(snap.train_loss) and math.isfinite(snap.test_loss)
    assert snap.epochs_per_second > 0
    assert len(snap.grad_norms) == 3
    _, grads = hand_loss_and_grads(t.net, t.tensors.x_train, t.tensors.t_train, t.objective)
    assert snap.grad_norms == pytest.approx([float(g.norm()) for g in grads[0::2]])
    # the snapshot's losses are measured on the whole train and test sets
    x_test = t.tensors.x_test
    logits = x_test @ t.net.weights[0]
    assert logits.shape[0] == len(t.data.x_test)
    assert snap.train_loss == t.evaluate().train_loss


def test_regression_snapshots_have_no_accuracy():
    t = Trainer(Config(problem="regression", dataset="plane", epochs=200, lr=0.01))
    first = t.snapshot()
    snaps = list(t.run(every=100))
    assert snaps[-1].train_accuracy is None and snaps[-1].test_accuracy is None
    assert snaps[-1].train_loss < 0.3 * first.train_loss


@pytest.mark.parametrize(("dataset", "k"), [("blobs", 5), ("spiral", 5), ("blobs", 8)])
def test_multiclass_trains(dataset, k):
    cfg = Config(dataset=dataset, classes=k, n_points=300, noise=0.1, hidden=(32, 32), optimizer="adam",
                 lr=0.02, epochs=300)
    t = Trainer(cfg)
    assert t.net.weights[-1].shape[-1] == k
    first = t.snapshot()
    last = list(t.run(every=300))[-1]
    assert last.train_loss < 0.5 * first.train_loss
    assert last.train_accuracy > 0.8 > 3 / k          # chance is 1/k


def test_multigauss_regression_trains():
    t = Trainer(Config(problem="regression", dataset="multigauss", hidden=(16, 16), activation="tanh",
                       optimizer="adam", lr=0.01, epochs=300, noise=0.0))
    first = t.snapshot().train_loss
    last = list(t.run(every=300))[-1]
    assert last.train_loss < 0.5 * first


def test_history_to_csv():
    t = Trainer(Config(epochs=12))
    list(t.run(every=5))
    text = t.history.to_csv()
    rows = list(csv.reader(io.StringIO(text)))
    assert rows[0] == ["epoch", "train_loss", "test_loss", "train_accuracy", "test_accuracy"]
    assert [int(r[0]) for r in rows[1:]] == list(range(1, 13))
    assert [float(r[1]) for r in rows[1:]] == t.history.losses
    by_epoch = {e.epoch: e for e in t.history.evaluations}
    for r in rows[1:]:
        e = by_epoch.get(int(r[0]))
        if e is None:
            assert r[2:] == ["", "", ""]
        else:
            assert float(r[2]) == e.test_loss and float(r[3]) == e.train_accuracy and float(r[4]) == e.test_accuracy
    assert {5, 10, 12} <= set(by_epoch)
    assert History().to_csv() == "epoch,train_loss,test_loss,train_accuracy,test_accuracy\n"
    reg = Trainer(Config(problem="regression", dataset="plane", epochs=3))
    list(reg.run(every=3))
    assert reg.history.to_csv().splitlines()[-1].endswith(",,")


def test_trainer_on_user_supplied_points():
    base = make_dataset("moons", n_points=60)
    drawn = base.with_points([[0.0, 0.0], [1.0, 1.0], [0.0, 1.0], [1.0, 0.0]], [0, 1, 0, 1],
                             [[0.5, 0.5]], [1])
    t = Trainer(Config(epochs=20), data=drawn)
    snaps = list(t.run(every=20))
    assert snaps[-1].epoch == 20 and t.tensors.x_train.shape == (4, 2)


# ----------------------------------------------------------------------------- dropout and layer norm in a run

def test_dropout_trains_with_masks_but_measures_the_whole_network():
    """The per-epoch loss is the loss with units dropped; the metrics, the test loss and the boundary
    come from the forward without masks, so measuring twice gives the same numbers."""
    cfg = Config(dropout=0.5, epochs=30, hidden=(16,))
    t = Trainer(cfg)
    t.advance(30)
    first, again = t.evaluate(), Trainer.evaluate(t)
    assert first == again
    x, target = t.tensors.x_train, t.tensors.t_train
    whole, _ = hand_loss_and_grads(t.net, x, target, t.objective)
    assert float(t.snapshot().train_loss) == pytest.approx(float(whole), rel=1e-6)
    masks = t.dropout.draw(x.shape[0])
    dropped, _ = hand_loss_and_grads(t.net, x, target, t.objective, masks)
    assert float(dropped) != pytest.approx(float(whole), rel=1e-3)
    assert all(set(torch.unique(m).tolist()) <= {0.0, 2.0} for m in masks)      # kept units scaled by 1/(1 - p)


def test_dropout_masks_come_from_the_init_seed_and_each_epoch_draws_new_ones():
    cfg = Config(dropout=0.3, epochs=20, batch_size=32)
    a, b = Trainer(cfg), Trainer(cfg)
    a.advance(20)
    b.advance(20)
    assert a.history.losses == b.history.losses and params_equal(a.net, b.net)
    other = Trainer(cfg.replace(init_seed=cfg.init_seed + 1))
    assert not torch.equal(a.dropout.draw(10)[0], other.dropout.draw(10)[0])
    first, second = Trainer(cfg).dropout.draw(50), None
    t = Trainer(cfg)
    second = [t.dropout.draw(50)[0], t.dropout.draw(50)[0]]
    assert torch.equal(first[0], second[0]) and not torch.equal(second[0], second[1])
    no_dropout = Trainer(cfg.replace(dropout=0.0))
    no_dropout.advance(20)
    assert no_dropout.history.losses != a.history.losses


def test_dropout_with_a_linear_model_changes_nothing():
    plain, dropped = Trainer(Config(hidden=(), epochs=10)), Trainer(Config(hidden=(), epochs=10, dropout=0.5))
    plain.advance(10)
    dropped.advance(10)
    assert plain.history.losses == dropped.history.losses


def test_changing_the_dropout_rate_mid_run_keeps_the_network():
    t = Trainer(Config(epochs=40, hidden=(8,)))
    t.advance(10)
    before = t.net.clone()
    assert t.update(t.cfg.replace(dropout=0.4))
    assert t.epoch == 10 and params_equal(before, t.net) and t.dropout.rates == [0.4]
    t.advance(10)
    assert t.epoch == 20 and all(math.isfinite(v) for v in t.history.losses)


@pytest.mark.parametrize("changes", [{"norm": "layer", "hidden": (6, 4)}, {"optimizer": "adamw", "weight_decay": 0.1},
                                     {"optimizer": "rmsprop", "lr": 0.01}, {"optimizer": "nesterov"}])
def test_hand_and_autograd_runs_agree_for_the_new_settings(changes):
    cfg = Config(epochs=15, dropout=0.2, **changes)
    hand, auto = Trainer(cfg, dtype=torch.float64), Trainer(cfg.replace(backprop="autograd"), dtype=torch.float64)
    hand.advance(15)
    auto.advance(15)
    torch.testing.assert_close(torch.tensor(hand.history.losses), torch.tensor(auto.history.losses), rtol=1e-10,
                               atol=1e-12)


def test_a_layer_normed_run_loads_into_a_trainer_and_checks_the_kind():
    cfg = Config(norm="layer", hidden=(5,), epochs=10)
    source = Trainer(cfg)
    source.advance(10)
    target = Trainer(cfg)
    target.load(source.net.clone(), source.history)
    assert params_equal(target.net, source.net) and target.net.norm == "layer"
    with pytest.raises(ValueError, match="does not fit"):
        Trainer(cfg.replace(norm="none")).load(source.net.clone())
    assert len(target.snapshot().grad_norms) == 2                 # one per W, not per parameter tensor


@pytest.mark.parametrize("dataset", ["checkerboard", "stripes", "rings"])
def test_the_new_datasets_train(dataset):
    cfg = Config(dataset=dataset, hidden=(16, 16), optimizer="adam", lr=0.02, epochs=200, noise=0.0,
                 classes=3 if dataset == "rings" else 2)
    t = Trainer(cfg)
    first = t.snapshot()
    last = list(t.run(every=200))[-1]
    assert last.train_loss < 0.5 * first.train_loss and last.train_accuracy > 0.8


def test_stripes_show_overfitting_and_dropout_narrows_the_gap():
    """What the stripes are for: a large network fits the flipped labels (train ≈ 100 %, test loss far
    above the train loss); the same network with dropout 0.5 does better on the test points."""
    cfgs = [Config(dataset="stripes", hidden=(64, 64), dropout=p, optimizer="adam", lr=0.01, epochs=1500)
            for p in (0.0, 0.5)]
    sweep = Sweep(cfgs)
    while not sweep.done:
        sweep.advance(1500)
    plain, dropped = sweep.evaluations()
    assert plain["train_accuracy"] >= 0.95 and plain["test_loss"] > 5 * plain["train_loss"]
    assert dropped["test_loss"] < 0.5 * plain["test_loss"]
    assert dropped["test_accuracy"] > plain["test_accuracy"]
    assert (dropped["train_accuracy"] - dropped["test_accuracy"]) < (plain["train_accuracy"] - plain["test_accuracy"])
