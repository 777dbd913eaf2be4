"""The Playground's live numbers (live/frames.metrics): the learning rate appears under a schedule."""

from __future__ import annotations

import pytest

from live.frames import metrics
from live.run import FrameState
from scratchnet import Config, Trainer
from scratchnet.net.schedule import lr_at


def state_of(trainer: Trainer) -> FrameState:
    return FrameState(key="k", version=1, cfg=trainer.cfg, data=trainer.data, net=trainer.net,
                      snapshot=trainer.snapshot(with_gradients=False), curves=None, playing=True,
                      epochs_per_second=1234.0, trainable=True, error="")


def test_a_constant_rate_is_not_repeated_in_the_numbers():
    labels = [label for label, _ in metrics(state_of(Trainer(Config(epochs=10))))]
    assert labels == ["Epoch", "Train loss", "Test loss", "Train accuracy", "Test accuracy", "Epochs / s"]


@pytest.mark.parametrize("schedule", ["step", "cosine", "warmup"])
def test_a_scheduled_rate_is_shown_with_the_loss_as_it_changes(schedule):
    cfg = Config(epochs=40, lr=0.1, schedule=schedule)
    trainer = Trainer(cfg)
    shown = []
    for _ in range(3):
        items = dict(metrics(state_of(trainer)))
        assert list(items)[-2:] == ["Learning rate", "Epochs / s"]
        shown.append(items["Learning rate"])
        assert shown[-1] == f"{lr_at(trainer.epoch, cfg):.3g}"
        trainer.advance(15)
    assert len(set(shown)) > 1                                             # it moves with the epochs
