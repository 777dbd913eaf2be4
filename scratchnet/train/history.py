"""A run's record: the training loss of every epoch and the full evaluations, in bounded memory."""

from __future__ import annotations

from dataclasses import dataclass, field

MAX_LOSSES = 100_000         # per-epoch training losses kept before the history thins
MAX_EVALUATIONS = 20_000


@dataclass(frozen=True)
class Evaluation:
    """Full-dataset metrics at one epoch (accuracies are None for regression)."""

    epoch: int
    train_loss: float
    test_loss: float
    train_accuracy: float | None
    test_accuracy: float | None


@dataclass
class History:
    """The run so far, bounded however long it trains.

    A playground run can go on for hours at thousands of epochs a second; a list of every
    epoch's loss would grow by a gigabyte an hour. Up to MAX_LOSSES epochs every loss is kept
    (`losses[i]` is epoch i + 1); beyond that every other one is dropped and `stride` doubles,
    so `losses[i]` is the loss of epoch (i + 1)·stride: an evenly spaced record of the whole run.
    Evaluations are thinned the same way past MAX_EVALUATIONS, always keeping the newest.
    """

    losses: list[float] = field(default_factory=list)
    evaluations: list[Evaluation] = field(default_factory=list)
    stride: int = 1

    def record(self, epoch: int, loss: float) -> None:
        """The training loss of `epoch` (the next one)."""
        if epoch % self.stride == 0:
            self.losses.append(loss)
            if len(self.losses) > MAX_LOSSES:
                del self.losses[0::2]                # keep the epochs that are multiples of 2·stride
                self.stride *= 2

    def add_evaluation(self, evaluation: Evaluation) -> None:
        self.evaluations.append(evaluation)
        if len(self.evaluations) > MAX_EVALUATIONS:
            del self.evaluations[-2::-2]             # every other one, the newest kept

    def truncate(self, epoch: int) -> None:
        """Forget everything after `epoch` (a divergence goes back to an earlier network)."""
        del self.losses[epoch // self.stride:]
        self.evaluations[:] = [e for e in self.evaluations if e.epoch <= epoch]

    @property
    def epochs(self) -> range:
        """The epoch of each entry of `losses`."""
        return range(self.stride, self.stride * (len(self.losses) + 1), self.stride)

    @property
    def last_epoch(self) -> int:
        return len(self.losses) * self.stride

    def to_csv(self) -> str:
        """epoch,train_loss,test_loss,train_accuracy,test_accuracy (blank where not evaluated)."""
        by_epoch = {e.epoch: e for e in self.evaluations}
        rows = ["epoch,train_loss,test_loss,train_accuracy,test_accuracy"]
        for i, loss in zip(self.epochs, self.losses):
            e = by_epoch.get(i)
            extra = ["", "", ""] if e is None else [repr(e.test_loss), _text(e.train_accuracy),
                                                    _text(e.test_accuracy)]
            rows.append(",".join([str(i), repr(loss), *extra]))
        return "\n".join(rows) + "\n"


def _text(value: float | None) -> str:
    return "" if value is None else repr(value)
