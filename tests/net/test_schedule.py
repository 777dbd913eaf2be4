"""Learning-rate schedules as pure functions of (epoch, config), and the rate a run reports."""

from __future__ import annotations

import math

import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st

from scratchnet import Config, Trainer
from scratchnet.config import KNOBS, SCHEDULES
from scratchnet.net.backward import hand_loss_and_grads
from scratchnet.net.schedule import STEP_EVERY, STEP_FACTOR, WARMUP_SHARE, lr_at, warmup_epochs


def test_constant_is_the_rate_at_every_epoch():
    cfg = Config(lr=0.03, epochs=100)
    assert [lr_at(e, cfg) for e in (0, 1, 50, 99, 100, 10_000)] == [0.03] * 6


def test_step_halves_every_quarter_of_the_run():
    cfg = Config(lr=0.08, epochs=100, schedule="step")
    assert (STEP_FACTOR, STEP_EVERY) == (0.5, 0.25)
    expected = {0: 0.08, 24: 0.08, 25: 0.04, 49: 0.04, 50: 0.02, 74: 0.02, 75: 0.01, 99: 0.01}
    assert {e: lr_at(e, cfg) for e in expected} == pytest.approx(expected, rel=1e-15)


@pytest.mark.parametrize("schedule", ["step", "cosine"])
def test_a_decaying_schedule_starts_again_in_every_further_round(schedule):
    """Play after the end trains another round of `epochs`: its rates are the first round's again (warm
    restarts), not a cosine stuck at 0 or a step decay halving on until nothing moves."""
    cfg = Config(lr=0.08, epochs=100, schedule=schedule)
    first = [lr_at(e, cfg) for e in range(100)]
    assert [lr_at(e, cfg) for e in range(100, 200)] == first == [lr_at(e, cfg) for e in range(700, 800)]
    assert lr_at(100, cfg) == 0.08 and lr_at(99, cfg) < 0.011


def test_step_with_a_run_shorter_than_four_epochs_still_has_its_plateaus():
    cfg = Config(lr=1.0, epochs=3, schedule="step")           # quarters of 0.75 epochs
    assert [lr_at(e, cfg) for e in range(3)] == [1.0, 0.5, 0.25]


def test_cosine_eases_from_the_rate_towards_zero_over_the_run():
    cfg = Config(lr=0.1, epochs=200, schedule="cosine")
    assert lr_at(0, cfg) == 0.1
    assert lr_at(100, cfg) == pytest.approx(0.05, rel=1e-12)
    assert lr_at(50, cfg) == pytest.approx(0.1 * (1 + math.cos(math.pi / 4)) / 2, rel=1e-12)
    assert 0 < lr_at(199, cfg) < 1e-5                         # the last epoch still moves, barely
    rates = [lr_at(e, cfg) for e in range(200)]
    assert all(a >= b for a, b in zip(rates, rates[1:]))     # never rises within the run


def test_warmup_rises_linearly_over_the_first_tenth_then_holds():
    cfg = Config(lr=0.5, epochs=300, schedule="warmup")
    assert WARMUP_SHARE == 0.1 and warmup_epochs(300) == 30
    assert [lr_at(e, cfg) for e in (0, 1, 14, 29)] == pytest.approx([0.5 / 30, 1 / 30, 0.25, 0.5])
    assert [lr_at(e, cfg) for e in (30, 299, 10_000)] == [0.5] * 3
    assert warmup_epochs(1) == 1 and warmup_epochs(5) == 1 and warmup_epochs(11) == 2
    assert lr_at(0, Config(lr=0.5, epochs=5, schedule="warmup")) == 0.5     # a one-epoch warm-up


@settings(max_examples=200, deadline=None)
@given(schedule=st.sampled_from(SCHEDULES), lr=st.floats(KNOBS["lr"].low, KNOBS["lr"].high),
       epochs=st.integers(1, 5000), epoch=st.integers(0, 20_000))
def test_every_schedule_stays_within_zero_and_the_rate_and_is_pure(schedule, lr, epochs, epoch):
    cfg = Config(lr=lr, epochs=epochs, schedule=schedule)
    rate = lr_at(epoch, cfg)
    assert 0.0 <= rate <= lr and rate == lr_at(epoch, cfg)
    assert lr_at(epoch, cfg.replace(lr=2 * lr if 2 * lr <= 10 else lr)) >= rate     # proportional to lr


def test_unknown_schedule_is_refused():
    cfg = Config()
    object.__setattr__(cfg, "schedule", "exponential")        # past the config's own validation
    with pytest.raises(ValueError, match="unknown schedule 'exponential'"):
        lr_at(0, cfg)


@pytest.mark.parametrize("schedule", SCHEDULES)
def test_a_run_trains_each_epoch_at_its_scheduled_rate_and_reports_the_next(schedule):
    """Full-batch SGD moves the weights by exactly lr·g, so each epoch's step shows the rate it used;
    the snapshot reports the rate of the epoch to come."""
    cfg = Config(lr=0.05, epochs=8, schedule=schedule)
    trainer = Trainer(cfg, dtype=torch.float64)
    for epoch in range(8):
        assert trainer.snapshot(with_gradients=False).lr == lr_at(epoch, cfg)
        before = [p.detach().clone() for p in trainer.net.params]
        _, grads = hand_loss_and_grads(trainer.net, trainer.tensors.x_train, trainer.tensors.t_train,
                                       trainer.objective)
        trainer.train_epoch()
        for p, q, g in zip(trainer.net.params, before, grads):
            torch.testing.assert_close(p.detach(), q - lr_at(epoch, cfg) * g, rtol=0, atol=1e-14)
    assert trainer.snapshot().lr == lr_at(8, cfg)


def test_changing_the_schedule_mid_run_takes_effect_at_the_next_epoch():
    trainer = Trainer(Config(lr=0.1, epochs=40))
    trainer.advance(10)
    assert trainer.update(trainer.cfg.replace(schedule="cosine"))          # a live knob: no restart
    assert trainer.epoch == 10
    assert trainer.snapshot().lr == pytest.approx(0.1 * (1 + math.cos(math.pi * 10 / 40)) / 2)
    trainer.train_epoch()
    assert trainer.optimizer.lr == pytest.approx(0.1 * (1 + math.cos(math.pi * 10 / 40)) / 2)


def test_a_run_goes_on_past_its_end_in_rounds_that_repeat_the_schedule():
    cfg = Config(lr=0.05, epochs=8, schedule="cosine")
    trainer = Trainer(cfg)
    trainer.advance(100)
    assert trainer.epoch == 8 and trainer.stopped == "epochs" and trainer.next_stop == 16
    assert trainer.advance(100) == 0                           # stopped until told to go on
    trainer.go_on()
    assert trainer.snapshot(with_gradients=False).lr == 0.05   # the second round starts at the full rate
    trainer.advance(100)
    assert trainer.epoch == 16 and trainer.stopped == "epochs" and trainer.history.epochs[-1] == 16
