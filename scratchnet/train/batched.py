"""Training many networks at once: M models stacked on a leading dimension.

Small networks leave the CPU idle between tiny kernels; stacking M of them into one
(M, …) tensor per layer turns M kernel launches into one, which is why a sweep of 16 runs
costs little more than one run. Model m of a stack follows exactly the arithmetic of its
own `Trainer` (same init, same batches, same updates); `tests/train/test_batched.py` checks that.

What can differ inside one stack (the knobs marked `stackable` in the config table): learning rate
and its schedule, regularization rate, weight decay, dropout rate, init seed, epoch limits, and the
widths of the hidden layers (narrower models are zero-padded and masked; not with layer norm, whose
means over a layer's units padding would change). Anything else (activation, norm, optimizer, batch
size, depth, data) splits a sweep into several stacks: see `Sweep`.

A stack too big for one piece of work per epoch (24 models of 8×128 units) is trained in pieces, as a
single Trainer is (scratchnet/train/pieces.py, `epoch.epoch_steps`), and measured in pieces: `advance` keeps to
its time budget mid-epoch.
"""

from __future__ import annotations

import math
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass

import torch
from torch import Tensor

from scratchnet.config import KNOBS, Config
from scratchnet.data.datasets import Dataset, dataset_for
from scratchnet.data.tensors import Tensors, prepare
from scratchnet.net.backward import Objective
from scratchnet.net.dropout import Dropout
from scratchnet.net.model import Net, net_for
from scratchnet.net.optim import optimizer_for
from scratchnet.net.schedule import lr_at
from scratchnet.train.epoch import batch_indices, epoch_steps, train_on_batches
from scratchnet.train.metrics import accuracy_steps, measure_steps
from scratchnet.train.pieces import Steps, finish, forward_steps, next_piece, one_piece, rows_per_piece

# What the Compare page offers to vary (all handled by `Sweep`): the knobs with Compare defaults.
SWEEPABLE = tuple(name for name, knob in KNOBS.items() if knob.compare)


def stack_key(cfg: Config) -> tuple:
    """Configs with equal keys can share a stack: hidden depth must match, widths may differ,
    except with layer norm (a padded unit would count in its layer's mean and variance)."""
    fixed = tuple((name, getattr(cfg, name)) for name, knob in KNOBS.items() if not knob.stackable)
    shape = cfg.hidden if cfg.norm != "none" else len(cfg.hidden)
    return fixed + (("hidden shape" if cfg.norm != "none" else "depth", shape),)


def stack_nets(nets: Sequence[Net]) -> Net:
    """One Net whose tensors carry a leading model dimension; widths padded to the widest."""
    widths = [max(n.weights[i].shape[1] for n in nets) for i in range(nets[0].n_layers)]
    masks = None
    if any(n.weights[i].shape[1] != widths[i] for n in nets for i in range(len(widths) - 1)):
        if nets[0].gains:
            raise ValueError("layer-normalized models stack only when their widths are equal")
        masks = [torch.stack([(torch.arange(widths[i]) < n.weights[i].shape[1]).to(n.weights[0].dtype)
                              .unsqueeze(0) for n in nets]) for i in range(len(widths) - 1)]
    weights, biases = [], []
    for i in range(len(widths)):
        fan_in = widths[i - 1] if i else nets[0].weights[0].shape[0]
        weights.append(torch.stack([_pad(n.weights[i].detach(), fan_in, widths[i]) for n in nets]))
        biases.append(torch.stack([_pad(n.biases[i].detach(), 1, widths[i]) for n in nets]))
    gains = [torch.stack([n.gains[i].detach() for n in nets]) for i in range(len(nets[0].gains))]
    shifts = [torch.stack([n.shifts[i].detach() for n in nets]) for i in range(len(nets[0].shifts))]
    for p in (*weights, *biases, *gains, *shifts):
        p.requires_grad_()
    return Net(weights, biases, nets[0].activation, masks, nets[0].norm, gains, shifts)


def _pad(t: Tensor, rows: int, cols: int) -> Tensor:
    return torch.nn.functional.pad(t, (0, cols - t.shape[1], 0, rows - t.shape[0]))


def unstack_net(stacked: Net, m: int, hidden: Sequence[int]) -> Net:
    """Model m of a stack as a plain Net of its own widths (a copy)."""
    widths = [*hidden, stacked.weights[-1].shape[-1]]
    fan_ins = [stacked.weights[0].shape[1], *hidden]
    weights = [w[m, :fan_in, :width].detach().clone().requires_grad_()
               for w, fan_in, width in zip(stacked.weights, fan_ins, widths)]
    biases = [b[m, :, :width].detach().clone().requires_grad_() for b, width in zip(stacked.biases, widths)]
    gains = [g[m].detach().clone().requires_grad_() for g in stacked.gains]
    shifts = [s[m].detach().clone().requires_grad_() for s in stacked.shifts]
    return Net(weights, biases, stacked.activation, None, stacked.norm, gains, shifts)


@dataclass(frozen=True)
class StackEvaluation:
    """Metrics for every model of a stack at one epoch: lists of length M."""

    epoch: int
    train_loss: list[float]
    test_loss: list[float]
    train_accuracy: list[float] | None
    test_accuracy: list[float] | None


class BatchedTrainer:
    """M runs whose configs share a `stack_key`, trained as one stacked network."""

    def __init__(self, cfgs: Sequence[Config], data: Dataset | None = None,
                 dtype: torch.dtype = torch.float32, accuracy_mark: float | None = 0.9):
        keys = {stack_key(c) for c in cfgs}
        if len(keys) != 1:
            stackable = sorted(name for name, knob in KNOBS.items() if knob.stackable and knob.group != "view")
            raise ValueError(f"these configs differ in more than {', '.join(stackable)} and widths "
                             "(without layer norm); use Sweep to train them")
        self.cfgs = list(cfgs)
        base = self.cfgs[0]
        self.data = data if data is not None else dataset_for(base)
        self.tensors: Tensors = prepare(self.data, base.features, base.n_classes, dtype)
        self.dtype = dtype
        self.accuracy_mark = accuracy_mark
        self.reset()

    @property
    def n_models(self) -> int:
        return len(self.cfgs)

    def reset(self) -> None:
        base = self.cfgs[0]
        self.net = stack_nets([net_for(c, self.dtype) for c in self.cfgs])
        self.lr = self._column([lr_at(0, c) for c in self.cfgs])
        self._scheduled = any(c.schedule != "constant" for c in self.cfgs)
        self.optimizer = optimizer_for(base.optimizer, self.net, self.lr,
                                       self._column([c.weight_decay for c in self.cfgs]))
        self.objective = Objective(base.problem, base.regularization,
                                   self._column([c.reg_rate for c in self.cfgs]))
        self.shufflers = [torch.Generator().manual_seed(c.init_seed) for c in self.cfgs]
        self.dropout = Dropout([c.dropout for c in self.cfgs], [c.hidden for c in self.cfgs],
                               [c.init_seed for c in self.cfgs], stacked=True, dtype=self.dtype)
        self._dropout = self.dropout if self.dropout.active else None       # asked once, not every epoch
        self.epoch = 0
        self.losses: list[Tensor] = []                       # one (M,) tensor per epoch
        self.diverged_at: list[int | None] = [None] * self.n_models
        # Epoch at which a model stopped as its own Trainer would: its epoch limit or its
        # target accuracy. A stopped or diverged model is frozen (learning rate 0).
        self.stopped_at: list[int | None] = [None] * self.n_models
        self._targets = (torch.tensor([c.target_accuracy for c in self.cfgs], dtype=torch.float64)
                         if base.is_classification and any(c.target_accuracy > 0 for c in self.cfgs) else None)
        # First epoch at which test accuracy reached `accuracy_mark` (-1: not yet).
        self.reached_at = torch.full((self.n_models,), -1, dtype=torch.long)
        self._speed = 0.0
        # Bookkeeping that runs every epoch, kept to a few integer comparisons.
        self._max_epochs = max(c.epochs for c in self.cfgs)
        self._first_limit = min(c.epochs for c in self.cfgs)
        self._finished = 0                                   # models stopped or diverged
        tracking = self.accuracy_mark is not None and base.is_classification
        self._mark_pending = list(range(self.n_models)) if tracking else []
        self._mark_hits = _hits_needed(self.accuracy_mark, len(self.tensors.y_test)) if tracking else 0
        self._pieces: Steps[Tensor] | None = None           # an epoch trained in pieces, under way
        self.progress = 0                                    # pieces of work done (epochs, or parts of big ones)

    def _column(self, values: Sequence[float]) -> Tensor:
        return torch.tensor(values, dtype=self.dtype).reshape(-1, 1, 1)

    @property
    def max_epochs(self) -> int:
        return self._max_epochs

    @property
    def done(self) -> bool:
        return self.epoch >= self._max_epochs or self._finished == self.n_models

    @property
    def in_pieces(self) -> bool:
        """An epoch of this stack is too big for one piece of work (or one is under way)."""
        return self._pieces is not None or not one_piece(self.tensors.x_train.shape[0], self.net, passes=3)

    def train_epoch(self) -> Tensor:
        if self.in_pieces:
            pieces, self._pieces = self._pieces or self._epoch_steps(), None
            return finish(pieces)
        base = self.cfgs[0]
        if self._scheduled:
            self._schedule_rates()
        batches = batch_indices(self.tensors.x_train.shape[0], base.batch_size, self.shufflers,
                                stacked=True)
        loss = train_on_batches(self.net, self.optimizer, self.objective, base.backprop, self.tensors,
                           batches, self._dropout)
        return finish(self._after_epoch(loss))

    def _epoch_steps(self) -> Steps[Tensor]:
        """`train_epoch` in pieces (`epoch.epoch_steps`), its bookkeeping too."""
        base = self.cfgs[0]
        if self._scheduled:
            self._schedule_rates()
        batches = batch_indices(self.tensors.x_train.shape[0], base.batch_size, self.shufflers, stacked=True)
        loss = yield from epoch_steps(self, base.backprop, self.tensors, batches, self._dropout, None,
                                      rows_per_piece(self.net, passes=3))
        return (yield from self._after_epoch(loss))

    def _after_epoch(self, loss: Tensor) -> Steps[Tensor]:
        """What follows every epoch: its losses, divergence, the mark, the stop rules (forward passes in
        pieces for a big stack)."""
        self.epoch += 1
        self.losses.append(loss)
        if not math.isfinite(float(loss.sum())):       # one cheap check; NaN and inf both survive a sum
            self._mark_divergence(loss)
        if self._mark_pending:
            yield from self._track_mark()
        if self._targets is not None or self.epoch >= self._first_limit:
            yield from self._check_stops()
        return loss

    def _schedule_rates(self) -> None:
        """Each model's rate for this epoch from its own schedule; stopped models stay frozen at 0."""
        rates = [0.0 if self.stopped_at[m] is not None or self.diverged_at[m] is not None else lr_at(self.epoch, c)
                 for m, c in enumerate(self.cfgs)]
        self.lr.copy_(torch.tensor(rates, dtype=torch.float64).reshape(-1, 1, 1))

    def _track_mark(self) -> Steps[None]:
        """Note the first epoch each model's test accuracy reaches `accuracy_mark`, comparing
        counts of correct points (exact, and cheaper than accuracies)."""
        out = yield from forward_steps(self.net, self.tensors.x_test)       # (M, N_test, K)
        with torch.inference_mode():
            reached = (out.argmax(-1) == self.tensors.y_test).sum(-1).ge(self._mark_hits).tolist()
        still = [m for m in self._mark_pending if not reached[m]]
        if len(still) != len(self._mark_pending):
            for m in self._mark_pending:
                if reached[m]:
                    self.reached_at[m] = self.epoch
            self._mark_pending = still

    def _check_stops(self) -> Steps[None]:
        """Stop (freeze) each model where its own Trainer would stop: target accuracy, then epochs."""
        reached = None
        if self._targets is not None:
            train_accuracy = yield from accuracy_steps(self.net, self.tensors.x_train, self.tensors.y_train)
            reached = (train_accuracy >= self._targets).tolist()
        for m, cfg in enumerate(self.cfgs):
            if self.stopped_at[m] is not None or self.diverged_at[m] is not None:
                continue
            if (reached is not None and cfg.target_accuracy > 0 and reached[m]) or self.epoch >= cfg.epochs:
                self.stopped_at[m] = self.epoch
                self.lr[m] = 0.0
                self._finished += 1

    def advance(self, max_epochs: int, max_seconds: float | None = None) -> int:
        """Train every model up to `max_epochs` more epochs (or `max_seconds`; an epoch trained in pieces
        counts when its last piece is done, `progress` counts the pieces)."""
        start = time.perf_counter()
        done = 0
        if self.in_pieces:
            while done < max_epochs and not self.done:
                self._pieces = self._pieces or self._epoch_steps()
                self.progress += 1
                if next_piece(self._pieces):
                    self._pieces = None
                    done += 1
                if max_seconds is not None and time.perf_counter() - start >= max_seconds:
                    break
        else:
            with torch.inference_mode(self.cfgs[0].backprop == "hand"):      # once, as in Trainer.advance
                while done < max_epochs and not self.done:
                    self.train_epoch()
                    done += 1
                    if max_seconds is not None and time.perf_counter() - start >= max_seconds:
                        break
            self.progress += done
        elapsed = time.perf_counter() - start
        if done and elapsed > 0:
            self._speed = done * self.n_models / elapsed
        return done

    def _mark_divergence(self, loss: Tensor) -> None:
        """Models whose loss just went non-finite: note the epoch, freeze them (learning rate 0).
        Checked every epoch, so a stack whose models all diverged stops at once."""
        for m, finite in enumerate(torch.isfinite(loss).tolist()):
            if not finite and self.diverged_at[m] is None:
                self.diverged_at[m] = self.epoch
                self.lr[m] = 0.0
                if self.stopped_at[m] is None:
                    self._finished += 1

    def evaluate(self) -> StackEvaluation:
        return finish(self.evaluate_steps())

    def evaluate_steps(self, net: Net | None = None) -> Steps[StackEvaluation]:
        """`evaluate` in pieces; `net`: a copy of the stack's network to measure instead (a frame's)."""
        values = yield from measure_steps(net or self.net, self.tensors, self.cfgs[0].problem)
        return StackEvaluation(self.epoch, *[None if v is None else v.tolist() for v in values])

    def loss_history(self) -> Tensor:
        """(epochs, M) training loss per epoch."""
        if not self.losses:
            return torch.empty(0, self.n_models)
        return torch.stack(self.losses)

    def model(self, m: int) -> Net:
        return unstack_net(self.net, m, self.cfgs[m].hidden)

    @property
    def model_epochs_per_second(self) -> float:
        return self._speed


class Sweep:
    """Any list of configs trained together: grouped into as few stacks as possible, results
    reported in the order given."""

    def __init__(self, cfgs: Sequence[Config], dtype: torch.dtype = torch.float32, data: Dataset | None = None):
        """`data`: points every run learns (a learner's own); by default each config's own dataset."""
        self.cfgs = list(cfgs)
        groups: dict[tuple, list[int]] = {}
        for i, cfg in enumerate(self.cfgs):
            groups.setdefault(stack_key(cfg), []).append(i)
        shared_data: dict[tuple, Dataset] = {}
        self.stacks: list[tuple[list[int], BatchedTrainer]] = []
        for indices in groups.values():
            first = self.cfgs[indices[0]]
            data_key = (first.dataset, first.n_points, first.noise, first.train_fraction, first.seed,
                        first.classes)
            points = data if data is not None else shared_data.setdefault(data_key, dataset_for(first))
            self.stacks.append((indices, BatchedTrainer([self.cfgs[i] for i in indices], points, dtype)))

    @property
    def done(self) -> bool:
        return all(t.done for _, t in self.stacks)

    @property
    def epoch(self) -> int:
        return min(t.epoch for _, t in self.stacks)

    @property
    def progress(self) -> int:
        """Pieces of work done by every stack (`BatchedTrainer.progress`)."""
        return sum(t.progress for _, t in self.stacks)

    def advance(self, max_epochs: int, max_seconds: float | None = None) -> int:
        """Advance the stack that is furthest behind, then bring the others up to its epoch, all
        within `max_seconds`: the runs' curves cover the same epochs, and a slow stack (batches
        of one) never holds a caller for longer than it asked. Returns the epochs trained by all
        stacks together."""
        start = time.perf_counter()
        live = sorted((t for _, t in self.stacks if not t.done), key=lambda t: t.epoch)
        if not live:
            return 0
        trained = live[0].advance(max_epochs, None if max_seconds is None else max_seconds / len(live))
        for trainer in live[1:]:
            left = None if max_seconds is None else max_seconds - (time.perf_counter() - start)
            if left is not None and left <= 0:
                break
            trained += trainer.advance(max(0, live[0].epoch - trainer.epoch), left)
        return trained

    def evaluations(self) -> list[dict]:
        """Per run, in the given order: epoch, losses, accuracies, diverged, epochs to the mark."""
        return finish(self.evaluations_steps())

    def evaluations_steps(self, nets: Sequence[Net] | None = None) -> Steps[list[dict]]:
        """`evaluations` in pieces; `nets`: copies of the stacks' networks to measure instead."""
        rows: list[dict] = [{} for _ in self.cfgs]
        for s, (indices, trainer) in enumerate(self.stacks):
            ev = yield from trainer.evaluate_steps(None if nets is None else nets[s])
            for j, i in enumerate(indices):
                rows[i] = {
                    "epoch": trainer.stopped_at[j] or trainer.epoch,
                    "train_loss": ev.train_loss[j],
                    "test_loss": ev.test_loss[j],
                    "train_accuracy": None if ev.train_accuracy is None else ev.train_accuracy[j],
                    "test_accuracy": None if ev.test_accuracy is None else ev.test_accuracy[j],
                    "diverged_at": trainer.diverged_at[j],
                    "epochs_to_mark": _or_none(int(trainer.reached_at[j])),
                }
        return rows

    def loss_histories(self) -> list[Tensor]:
        """Per run, its training loss per epoch (up to the epoch it stopped at)."""
        out: list[Tensor] = [torch.empty(0)] * len(self.cfgs)
        for indices, trainer in self.stacks:
            history = trainer.loss_history()
            for j, i in enumerate(indices):
                out[i] = history[:trainer.stopped_at[j], j]
        return out

    def model(self, i: int) -> Net:
        for indices, trainer in self.stacks:
            if i in indices:
                return trainer.model(indices.index(i))
        raise IndexError(i)

    def run(self, every: int = 10) -> Iterator[list[dict]]:
        """Yield every run's evaluation every `every` epochs until all are done."""
        if isinstance(every, bool) or not isinstance(every, int) or every < 1:
            raise ValueError(f"every must be a whole number of epochs, at least 1, not {every!r}")
        while not self.done:
            self.advance(every)
            yield self.evaluations()


def _hits_needed(mark: float, n: int) -> int:
    """The fewest correct points out of n whose share (in float64, as accuracies are
    computed) is at least `mark`; n + 1 if no number is enough."""
    need = max(0, math.ceil(mark * n))
    while need > 0 and (need - 1) / n >= mark:
        need -= 1
    while need <= n and need / n < mark:
        need += 1
    return need


def _or_none(epoch: int) -> int | None:
    return None if epoch < 0 else epoch
