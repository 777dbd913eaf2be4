"""`Trainer`: one run of one network, with the controls a playground needs.

It can be driven epoch by epoch (`step`), for a time budget (`advance`, what the app's
scheduler uses), or as a generator of snapshots at a cadence the caller picks (`run`, what
the CLI and notebooks use). The epoch itself is `epoch.train_on_batches`, shared with the batched
trainer, so a sweep of M models runs exactly the code a single run does.

An epoch too big for one piece of work (scratchnet/train/pieces.py: 8 layers of 128 units on 4,000 points
is ~70 pieces, and in batches of one ~4,000 steps) is trained in pieces (`epoch.epoch_steps`), so
`advance` keeps to its time budget mid-epoch and goes on from there next time; `epoch` counts finished
epochs. The pieces depend on the config only, so such a run is the same run whoever drives it (Play,
Step, the CLI).
"""

from __future__ import annotations

import math
import time
from collections.abc import Iterator
from contextlib import AbstractContextManager, nullcontext
from dataclasses import dataclass

import torch
from torch import Tensor

from scratchnet.config import Config
from scratchnet.data.datasets import Dataset, dataset_for
from scratchnet.data.tensors import prepare
from scratchnet.net.backward import LOSS_AND_GRADS, Objective
from scratchnet.net.dropout import Dropout
from scratchnet.net.entries import Entry, set_entry
from scratchnet.net.model import Net, net_for
from scratchnet.net.optim import AdamW, optimizer_for
from scratchnet.net.schedule import lr_at
from scratchnet.train.epoch import batch_indices, epoch_steps, train_on_batches
from scratchnet.train.history import Evaluation, History
from scratchnet.train.metrics import Metrics, gradient_norms, measure, measure_steps
from scratchnet.train.pieces import Steps, finish, next_piece, one_piece, rows_per_piece
from scratchnet.train.restart import needs_restart
from scratchnet.train.step_trace import StepTrace, trace_step

# A network whose loss has grown past BLOWUP × its starting loss is already running away: not
# worth falling back to after a divergence (its gradients overflow at any rate).
BLOWUP = 10.0


@dataclass(frozen=True)
class Snapshot:
    """What a viewer needs after some training: metrics, gradient health, speed, state."""

    epoch: int
    train_loss: float
    test_loss: float
    train_accuracy: float | None
    test_accuracy: float | None
    grad_norms: list[float]
    epochs_per_second: float
    lr: float                         # the rate the next epoch trains with (the schedule's, `lr_at`)
    stopped: str | None = None        # None while it can go on; else "epochs" | "target" | "diverged"
    message: str = ""


@dataclass(frozen=True)
class LatestStep:
    """The gradients the newest optimizer step used, as its update used them."""

    epoch: int                  # the epoch that step ended
    grads: tuple[Tensor, ...]   # [dW1, db1, dW2, ...]: the hand-written backward's, or autograd's
    points: int                 # rows of its batch (the whole training set for a full batch)
    backprop: str               # "hand" | "autograd"


class Trainer:
    """One run of one network, reproducible from its config (same seeds, same run)."""

    def __init__(self, cfg: Config, data: Dataset | None = None, dtype: torch.dtype = torch.float32):
        self.cfg = cfg
        self.data = data if data is not None else dataset_for(cfg)
        self.dtype = dtype
        self.tensors = prepare(self.data, cfg.features, cfg.n_classes, dtype)
        self._edits = 0             # changes to the network other than training (`evaluation_steps` checks it)
        self.reset()

    # --- controls -----------------------------------------------------------------------
    def reset(self) -> None:
        """Back to epoch 0 with the initial weights of `init_seed`: the same run again."""
        self.net = net_for(self.cfg, self.dtype)
        self._objective = Objective(self.cfg.problem, self.cfg.regularization, self.cfg.reg_rate)
        self.epoch = 0
        self.optimizer = self._new_optimizer()
        self.shuffler = torch.Generator().manual_seed(self.cfg.init_seed)
        self.dropout = Dropout([self.cfg.dropout], [self.cfg.hidden], [self.cfg.init_seed], stacked=False,
                               dtype=self.dtype)
        self.history = History()
        self.stopped: str | None = None
        self.message = ""
        self.paused = False
        self._target_met = False                    # a reached target stops a run once (then Play goes on)
        self._last_good, self._last_good_epoch = self.net.clone(), 0
        self._forget_latest_step()
        self._pieces: Steps[float] | None = None    # an epoch trained in pieces, under way
        self.progress = 0                           # pieces of work done so far (epochs, or parts of big ones)
        self._edits += 1                            # the network changed other than by training
        self._sane_loss = math.inf
        start = self.evaluate().train_loss          # epoch 0 is in the history: curves start untrained
        self._sane_loss = BLOWUP * max(start, 1.0) if math.isfinite(start) else math.inf   # NaN: no points
        self._speed = 0.0

    def update(self, cfg: Config) -> bool:
        """Take `cfg` without losing progress if only live knobs changed; False if a restart
        (a new Trainer) is needed instead."""
        if needs_restart(self.cfg, cfg):
            return False
        lr_changed = cfg.lr != self.cfg.lr
        if cfg.target_accuracy != self.cfg.target_accuracy:
            self._target_met = False                # a new target can stop the run again
        self.cfg = cfg
        self.optimizer.lr = lr_at(self.epoch, cfg)
        if isinstance(self.optimizer, AdamW):
            self.optimizer.weight_decay = cfg.weight_decay
        self.dropout.rates = [cfg.dropout]
        self._objective = Objective(cfg.problem, cfg.regularization, cfg.reg_rate)
        if self.stopped == "diverged" and lr_changed:
            # Go on from the last finite parameters with a fresh optimizer (its momentum is junk).
            self.optimizer = self._new_optimizer()
            self.stopped, self.message = None, ""
        if self.stopped in ("epochs", "target") and not self._finished():
            self.stopped, self.message = None, ""
        return True

    def use_data(self, data: Dataset) -> None:
        """Go on training the same network on other points (a learner drew or erased some).
        The inputs and outputs must keep their meaning: same features, same number of classes."""
        if data.task != self.cfg.problem or (data.task == "classification" and data.n_classes > self.cfg.n_classes):
            raise ValueError(f"these points need a new network ({data.task}, {data.n_classes} classes)")
        self.data = data
        self.tensors = prepare(data, self.cfg.features, self.cfg.n_classes, self.dtype)
        self._pieces = None                       # its batches were of the old points
        self._edits += 1
        self.history.evaluations.clear()          # old metrics were measured on other points
        if self.stopped == "diverged":
            self.stopped, self.message = None, ""

    def load(self, net: Net, history: History | None = None) -> None:
        """Continue from given parameters (an imported run): same shapes as this config's network."""
        shapes = [tuple(p.shape) for p in self.net.params]
        if ([tuple(p.shape) for p in net.params] != shapes or net.activation != self.cfg.activation
                or net.norm != self.cfg.norm):
            raise ValueError(f"the network does not fit this config: expected shapes {shapes}")
        self.net = self.net.with_params([p.detach().clone().requires_grad_() for p in net.params])
        self._pieces = None
        self._edits += 1
        self.history = history if history is not None else History()
        self.epoch = self.history.last_epoch
        self.optimizer = self._new_optimizer()
        self.stopped, self.message = None, ""
        self._last_good, self._last_good_epoch = self.net.clone(), self.epoch
        self._forget_latest_step()

    def set_entry(self, entry: Entry, value: float) -> None:
        """A learner changed one weight or bias: training goes on from the edited network."""
        set_entry(self.net, entry, value)
        self._edits += 1
        evaluations = self.history.evaluations
        if evaluations and evaluations[-1].epoch == self.epoch:
            evaluations.pop()                       # measured on the network before the edit

    def set_lr(self, lr: float) -> None:
        self.update(self.cfg.replace(lr=lr))

    def set_regularization(self, kind: str, rate: float) -> None:
        self.update(self.cfg.replace(regularization=kind, reg_rate=rate))

    def go_on(self) -> None:
        """Train on past a stop at the end of a round of epochs or at the target accuracy (the app's Play
        after the end): the run goes on to the next multiple of `epochs`, and the target, reached once,
        stops it no more."""
        if self.stopped == "target":
            self._target_met = True
        if self.stopped in ("epochs", "target"):
            self.stopped, self.message = None, ""

    @property
    def next_stop(self) -> int:
        """The epoch training stops at if nothing else stops it first: the next multiple of `epochs`
        (a run goes on in rounds of `epochs`; a CLI run is the first round)."""
        return (self.epoch // self.cfg.epochs + 1) * self.cfg.epochs

    def pause(self) -> None:
        self.paused = True

    def resume(self) -> None:
        self.paused = False

    # --- training -----------------------------------------------------------------------
    @property
    def objective(self) -> Objective:
        return self._objective

    def _new_optimizer(self):
        return optimizer_for(self.cfg.optimizer, self.net, lr_at(self.epoch, self.cfg), self.cfg.weight_decay)

    def train_epoch(self) -> float:
        """One epoch, whatever the stopping rules say (Step uses this); an epoch under way (trained in
        pieces) is finished instead."""
        if self.in_pieces:
            pieces, self._pieces = self._pieces or self._epoch_steps(), None
            return finish(pieces)
        if self.cfg.schedule != "constant":     # a constant rate is set once, by reset and update
            self.optimizer.lr = lr_at(self.epoch, self.cfg)
        batches = batch_indices(self.tensors.x_train.shape[0], self.cfg.batch_size, [self.shuffler],
                                stacked=False)
        loss = train_on_batches(self.net, self.optimizer, self.objective, self.cfg.backprop, self.tensors,
                           batches, self.dropout if self.cfg.dropout else None, self._latest_grads)
        return self._finish_epoch(loss, batches)

    def step_traced(self, rest_in_pieces: bool = False) -> StepTrace | None:
        """Exactly one epoch, as `step` trains it, with its first optimizer step opened up (through the
        hand-written backward, whichever backprop the config names; the two agree to rounding). None
        after a divergence, which a step cannot go on from. An epoch under way (trained in pieces) is
        finished first, so the step opened up is an epoch's first. `rest_in_pieces`: only the first step
        is taken now, the rest of the epoch is left under way, for `step_in_pieces` (or `advance`)."""
        if self.stopped == "diverged":
            return None
        self.stopped, self.message = None, ""
        if self._pieces is not None:
            self.train_epoch()
            if self.stopped == "diverged":
                return None
        if self.cfg.schedule != "constant":
            self.optimizer.lr = lr_at(self.epoch, self.cfg)
        batches = batch_indices(self.tensors.x_train.shape[0], self.cfg.batch_size, [self.shuffler],
                                stacked=False)
        t = self.tensors
        n = t.x_train.shape[0]
        first = slice(None) if batches is None else batches[0]
        x, target = t.x_train[first], t.t_train[first]
        dropout = self.dropout if self.cfg.dropout else None
        drops = dropout.draw(x.shape[0]) if dropout is not None else None
        trace, loss = trace_step(self.net, self.optimizer, self.objective, x, target, drops,
                                 epoch=self.epoch + 1, train_points=n)
        self._latest_grads[:] = trace.grads
        if rest_in_pieces and batches is not None and len(batches) > 1:
            self._pieces = self._rest_of_epoch_steps(loss * (batches[0].shape[-1] / n), batches)
            return trace
        if batches is not None:                     # the rest of the epoch's mini-batches, as ever
            loss = loss * (batches[0].shape[-1] / n)
            if len(batches) > 1:
                loss = loss + train_on_batches(self.net, self.optimizer, self.objective, self.cfg.backprop, t,
                                          batches[1:], dropout, self._latest_grads)
        self._finish_epoch(loss, batches)
        if batches is None or len(batches) == 1:    # the traced step was the epoch's last
            self._traced_epoch = self.epoch
        self._check_stop(epoch_limit=False)
        return trace

    def latest_step(self) -> LatestStep | None:
        """The gradients of the newest optimizer step (None before the first, after a reset or a load)."""
        if self._latest_epoch is None or not self._latest_grads:
            return None
        batches = self._latest_batches
        points = self.tensors.x_train.shape[0] if batches is None else batches[-1].shape[-1]
        backprop = "hand" if self._traced_epoch == self._latest_epoch else self.cfg.backprop
        return LatestStep(self._latest_epoch, tuple(self._latest_grads), points, backprop)

    def _finish_epoch(self, loss: Tensor | float, batches: list[Tensor] | None) -> float:
        value = float(loss)
        self.epoch += 1
        self._latest_epoch, self._latest_batches = self.epoch, batches     # (the step's size, worked out if asked)
        if math.isfinite(value):
            self.history.record(self.epoch, value)
        else:
            self._diverge(value)
        return value

    def _forget_latest_step(self) -> None:
        self._latest_grads: list[Tensor] = []
        self._latest_epoch: int | None = None
        self._latest_batches: list[Tensor] | None = None
        self._traced_epoch: int | None = None       # the epoch whose last step was traced (hand-written)

    @property
    def in_pieces(self) -> bool:
        """An epoch of this run is too big for one piece of work (or one is under way): `advance` trains
        it in pieces, stopping between two when its time is up."""
        return self._pieces is not None or not one_piece(self.tensors.x_train.shape[0], self.net, passes=3)

    @property
    def mid_epoch(self) -> bool:
        """Part of an epoch is trained (in pieces) and the rest is still to come."""
        return self._pieces is not None

    def _epoch_steps(self) -> Steps[float]:
        """One epoch in pieces (`epoch.epoch_steps`: a batch too big for a piece in chunks), then, when the
        stop rules will want it, the evaluation in pieces too. Returns the epoch's loss."""
        if self.cfg.schedule != "constant":
            self.optimizer.lr = lr_at(self.epoch, self.cfg)
        batches = batch_indices(self.tensors.x_train.shape[0], self.cfg.batch_size, [self.shuffler], stacked=False)
        loss = yield from epoch_steps(self, self.cfg.backprop, self.tensors, batches,
                                      self.dropout if self.cfg.dropout else None, self._latest_grads,
                                      rows_per_piece(self.net, passes=3))
        value = self._finish_epoch(loss, batches)
        if self.cfg.target_accuracy > 0 and self.cfg.is_classification and not self.stopped:
            yield from self.evaluation_steps()
        return value

    def _rest_of_epoch_steps(self, first_loss: Tensor, batches: list[Tensor]) -> Steps[float]:
        """A traced epoch's mini-batches after its first (`step_traced`), in pieces; returns the epoch's loss."""
        rest = yield from epoch_steps(self, self.cfg.backprop, self.tensors, batches[1:],
                                      self.dropout if self.cfg.dropout else None, self._latest_grads,
                                      rows_per_piece(self.net, passes=3))
        value = self._finish_epoch(first_loss + rest, batches)
        if self.cfg.target_accuracy > 0 and self.cfg.is_classification and not self.stopped:
            yield from self.evaluation_steps()
        return value

    def step_in_pieces(self, max_seconds: float) -> bool:
        """`step` for an epoch too big for one piece of work: pieces of it for about `max_seconds` (at least
        one); True once the epoch is done (stopped as `step` leaves it: the round's end does not stop it)."""
        if self.stopped == "diverged":
            return True
        self.stopped, self.message = None, ""              # as `step`: even past the round's end
        start = time.perf_counter()
        while True:
            self._pieces = self._pieces or self._epoch_steps()
            self.progress += 1
            if next_piece(self._pieces):
                self._pieces = None
                self._check_stop(epoch_limit=False)
                return True
            if time.perf_counter() - start >= max_seconds:
                return False

    def _advance_in_pieces(self, max_epochs: int, max_seconds: float | None) -> int:
        start = time.perf_counter()
        done = 0
        while done < max_epochs and not self.stopped:
            self._pieces = self._pieces or self._epoch_steps()
            self.progress += 1
            if next_piece(self._pieces):
                self._pieces = None
                done += 1
                self._check_stop()
            if max_seconds is not None and time.perf_counter() - start >= max_seconds:
                break
        return done

    def advance(self, max_epochs: int, max_seconds: float | None = None) -> int:
        """Train up to `max_epochs` (and at most `max_seconds`), stopping early at the config's
        epoch limit, a reached target accuracy or divergence. Returns the epochs trained (an epoch
        trained in pieces counts when its last piece is done; `progress` counts the pieces)."""
        if self.stopped:
            return 0
        if self.in_pieces:
            return self._advance_in_pieces(max_epochs, max_seconds)
        start = time.perf_counter()
        done = 0
        # The hand-written pass needs no autograd: enter inference mode once here rather than
        # every epoch (entering costs ~2.5 µs, a few percent of a tutorial-sized epoch).
        with torch.inference_mode(self.cfg.backprop == "hand"):
            while done < max_epochs and not self.stopped:
                self.train_epoch()
                done += 1
                self._check_stop()
                if max_seconds is not None and time.perf_counter() - start >= max_seconds:
                    break
        elapsed = time.perf_counter() - start
        self.progress += done
        if done and elapsed > 0:
            rate = done / elapsed
            self._speed = rate if self._speed == 0 else 0.7 * self._speed + 0.3 * rate
        return done

    def step(self) -> Snapshot:
        """Exactly one epoch (even past the epoch limit), then a snapshot."""
        if self.stopped != "diverged":
            self.stopped, self.message = None, ""
            self.train_epoch()
            self._check_stop(epoch_limit=False)
        return self.snapshot()

    def run(self, every: int = 10, every_seconds: float | None = None) -> Iterator[Snapshot]:
        """Yield a snapshot every `every` epochs (or `every_seconds`) until the run stops or
        is paused; the last snapshot carries the stop reason."""
        if every_seconds is None and (isinstance(every, bool) or not isinstance(every, int) or every < 1):
            raise ValueError(f"every must be a whole number of epochs, at least 1, not {every!r}")
        self.paused = False
        while not self.stopped and not self.paused:
            self.advance(every if every_seconds is None else 1 << 30, every_seconds)
            yield self.snapshot()

    def snapshot(self, with_gradients: bool = True, evaluation: Evaluation | None = None) -> Snapshot:
        """Metrics now. `with_gradients=False` skips the per-layer gradient norms, which cost a
        whole backward pass over the training set (a live view redrawn 20 times a second that
        does not show them leaves that time to training). `evaluation`: one made already
        (`evaluation_steps`), perhaps of an earlier epoch."""
        evaluation = evaluation or self.evaluate()
        norms = gradient_norms(self._grads_now(), self.net.weight_slots) if with_gradients else []
        return Snapshot(evaluation.epoch, evaluation.train_loss, evaluation.test_loss,
                        evaluation.train_accuracy, evaluation.test_accuracy, norms, self._speed,
                        lr_at(self.epoch, self.cfg), self.stopped, self.message)

    def evaluate(self) -> Evaluation:
        """Full train/test metrics now; recorded in the history once per epoch."""
        if self.history.evaluations and self.history.evaluations[-1].epoch == self.epoch:
            return self.history.evaluations[-1]
        return self._record(measure(self.net, self.tensors, self.cfg.problem))

    def evaluation_steps(self, lock: AbstractContextManager | None = None) -> Steps[Evaluation | None]:
        """`evaluate` in pieces, for a network too big to measure in one (None for one that is not: then
        `evaluate` is as quick). A copy of the network is measured, taken and recorded under `lock`
        (whatever guards this trainer; nothing is held between pieces), and recorded only if the run is
        still where it was; otherwise the evaluation of that earlier moment is returned all the same."""
        t = self.tensors
        if one_piece(t.x_train.shape[0] + t.x_test.shape[0], self.net):
            return None
        with lock or nullcontext():
            if self.history.evaluations and self.history.evaluations[-1].epoch == self.epoch:
                return self.history.evaluations[-1]
            net, epoch, edits, tensors = self.net.clone(), self.epoch, self._edits, self.tensors
        values = yield from measure_steps(net, tensors, self.cfg.problem)
        with lock or nullcontext():
            if (self.epoch, self._edits) == (epoch, edits):
                return self._record(values, net)
        return _evaluation(epoch, values)

    def _record(self, values: Metrics, net: Net | None = None) -> Evaluation:
        """The evaluation of this epoch, in the history. `net`: a copy of the network measured, if made."""
        evaluation = _evaluation(self.epoch, values)
        if (self.stopped != "diverged" and math.isfinite(evaluation.test_loss)
                and math.isfinite(evaluation.train_loss) and evaluation.train_loss <= self._sane_loss):
            # what a divergence falls back to: the newest parameters known to give a finite loss
            self._last_good, self._last_good_epoch = net or self.net.clone(), self.epoch
        self.history.add_evaluation(evaluation)
        return evaluation

    # --- internals ----------------------------------------------------------------------
    def _grads_now(self) -> list[Tensor]:
        """Gradients of the full training loss at the current parameters (for their norms)."""
        if self.tensors.x_train.shape[0] == 0:        # a learner cleared every point: nothing to learn from
            return [torch.zeros_like(p) for p in self.net.params]
        _, grads = LOSS_AND_GRADS["hand"](self.net, self.tensors.x_train, self.tensors.t_train,
                                          self.objective)
        return grads

    def _finished(self) -> bool:
        """At the end of a round: a multiple of `epochs` (the first one for a run from epoch 0)."""
        return self.epoch > 0 and self.epoch % self.cfg.epochs == 0

    def _check_stop(self, epoch_limit: bool = True) -> None:
        if self.stopped:
            return
        target = self.cfg.target_accuracy
        if target > 0 and self.cfg.is_classification and not self._target_met:
            accuracy = self.evaluate().train_accuracy
            if accuracy is not None and accuracy >= target:
                self.stopped = "target"
                self.message = f"Reached {accuracy:.1%} training accuracy at epoch {self.epoch}."
                return
        if epoch_limit and self._finished():
            self.stopped = "epochs"
            self.message = f"Finished {self.epoch} epochs."

    def _diverge(self, value: float) -> None:
        """Stop, and put back the last evaluated parameters that gave a finite (and not yet
        exploding) loss, so charts stay readable and a smaller learning rate can go on from there."""
        self.stopped = "diverged"
        good = self._last_good_epoch
        self.message = (f"The loss became {value} at epoch {self.epoch}: training diverged. "
                        f"Try a learning rate about 10× smaller (now {self.cfg.lr:g}). "
                        f"Showing the network as it was at epoch {good}.")
        self.net = self._last_good.clone()
        self._edits += 1
        self.epoch = good
        self.history.truncate(good)


def _evaluation(epoch: int, values: Metrics) -> Evaluation:
    return Evaluation(epoch, *[None if v is None else float(v) for v in values])
