"""A run's history stays bounded however long it trains, and stays an even record of the run."""

from __future__ import annotations

import math

from scratchnet.config import Config
from scratchnet.train import history as history_module
from scratchnet.train.history import Evaluation, History
from scratchnet.train.trainer import Trainer


def test_losses_thin_to_an_even_record_past_the_limit(monkeypatch):
    monkeypatch.setattr(history_module, "MAX_LOSSES", 8)
    history = History()
    for epoch in range(1, 41):
        history.record(epoch, float(epoch))
    assert len(history.losses) <= 8 and history.stride == 8
    assert list(history.epochs) == [8, 16, 24, 32, 40]
    assert history.losses == [8.0, 16.0, 24.0, 32.0, 40.0], "each kept loss is its own epoch's"
    assert history.last_epoch == 40
    history.truncate(27)
    assert list(history.epochs) == [8, 16, 24] and history.losses == [8.0, 16.0, 24.0]
    csv = history.to_csv().splitlines()
    assert [row.split(",")[0] for row in csv[1:]] == ["8", "16", "24"]


def test_evaluations_thin_and_keep_the_newest(monkeypatch):
    monkeypatch.setattr(history_module, "MAX_EVALUATIONS", 10)
    history = History()
    for epoch in range(1, 101):
        history.add_evaluation(Evaluation(epoch, 1.0, 1.0, None, None))
    epochs = [e.epoch for e in history.evaluations]
    assert len(epochs) <= 10 and epochs[-1] == 100 and epochs == sorted(epochs)


def test_a_long_run_trains_on_with_a_bounded_history(monkeypatch):
    monkeypatch.setattr(history_module, "MAX_LOSSES", 64)
    t = Trainer(Config(epochs=1000, target_accuracy=0.999))
    t.advance(1000)
    assert t.epoch == 1000 and len(t.history.losses) <= 64
    assert t.history.last_epoch == 1000 - 1000 % t.history.stride
    assert all(math.isfinite(v) for v in t.history.losses)
