"""A session's training run as the page sees it: controls, a consistent view, checkpoints.

The scheduler's thread trains (`work`) while the page script reads (`view`) and acts
(`play`, `apply`, ...); one lock per run keeps the two consistent. Reading takes a
copy of the parameters and a thinned history under the lock, so drawing — the slow part —
happens outside it and never holds training up. No Streamlit in here: it is tested as
plain Python.
"""

from __future__ import annotations

import itertools
import threading
import time
from dataclasses import dataclass

from live.channel import CurveAsk
from scratchnet.config import KNOBS, Config
from scratchnet.data.datasets import Dataset
from scratchnet.export.html import figures_html, run_figures
from scratchnet.net.entries import entry_value, parse_entry, parse_value
from scratchnet.net.model import Net
from scratchnet.train.curve_points import curve_stride, thinned
from scratchnet.train.history import Evaluation, History
from scratchnet.train.pace import PaceClock
from scratchnet.train.pieces import Steps
from scratchnet.train.restart import needs_restart
from scratchnet.train.step_trace import StepTrace
from scratchnet.train.trainer import LatestStep, Snapshot, Trainer

_SERIALS = itertools.count(1)
MAX_CHECKPOINTS = 80
# Knobs whose change starts something new to watch: the watching pace starts slow again (scratchnet/train/pace.py).
RESTART_PACE_KNOBS = ("lr", "schedule", "regularization", "reg_rate", "weight_decay", "dropout")
# Step pressed again while a big network's epoch is still training adds an epoch, up to this many still to
# train: what a learner pressing quickly means, while a held-down key (or a script) does not queue minutes of work.
MAX_STEPS_AHEAD = 10


def checkpoint_epochs(limit: int = 10**6) -> list[int]:
    """Epochs worth keeping for the history scrubber: every epoch early on, then spaced
    out roughly geometrically (1, 2, 2.5, 3, 4, 5, 6, 8 per decade), when change is slower."""
    epochs = list(range(10))
    decade = 10
    while decade <= limit:
        epochs += [int(decade * m) for m in (1, 1.25, 1.5, 2, 2.5, 3, 4, 5, 6, 8)]
        decade *= 10
    return sorted({e for e in epochs if e <= limit})


CHECKPOINT_PLAN = checkpoint_epochs(10**9)     # rounds go on past the Epochs knob's largest value


@dataclass(frozen=True)
class Curves:
    """Loss points a live chart does not have yet: the training loss at `train_epochs` (epoch 0 is
    the untrained network's) and the test loss where it was evaluated."""

    key: str                    # which run and which start of it: another key means "start over"
    full: bool                  # the whole curve (thinned), not just what follows the chart's points
    train_epochs: list[int]
    train_losses: list[float]
    test_epochs: list[int]
    test_losses: list[float]
    stride: int                 # training losses are those of epochs that are multiples of this


@dataclass(frozen=True)
class FrameState:
    """What one live frame shows, copied out of the run under its lock in well under a millisecond."""

    key: str
    version: int
    cfg: Config
    data: Dataset
    net: Net
    snapshot: Snapshot
    curves: Curves
    playing: bool
    epochs_per_second: float
    trainable: bool
    error: str
    latest: LatestStep | None = None     # the gradients of the newest step (the network diagram shows them)
    stepping: bool = False                # a Step's epochs still train (the page runs again when they are done)


class LiveRun:
    """One Playground run: a Trainer plus play state, owned by one session."""

    def __init__(self, cfg: Config, data: Dataset | None = None, speed: str = KNOBS["speed"].default):
        self.lock = threading.Lock()
        self.trainer = Trainer(cfg, data)
        self.serial = next(_SERIALS)
        self.generation = 0         # bumped when the run starts over (reset, an imported network)
        # Where its network comes from: "trained" here from its initialization, "imported" from a run file,
        # "edited" by hand in the diagram (a class challenge counts only the first: ui/classroom/student.py).
        self.origin = "trained"
        self.playing = False
        self.steps_left = 0         # epochs Step still has to train (a big network's, on the training thread)
        self.suspended = False
        self.last_seen = time.monotonic()
        self.version = 0
        self.error = ""
        self._rate_marks: list[tuple[float, int]] = []
        self.pace = PaceClock(speed)     # how fast it is shown: the view's Speed, not a setting of the run
        self.checkpoints: list[tuple[int, Net]] = []
        self._save_checkpoint()

    # --- what the page does -------------------------------------------------------------
    @property
    def cfg(self) -> Config:
        return self.trainer.cfg

    def touch(self) -> bool:
        """The page looked at this run; True if it had been suspended for being idle."""
        self.last_seen = time.monotonic()
        was = self.suspended
        self.suspended = False
        if was:
            self.pace.resume(self.trainer.epoch)   # the pace goes on from now, not a burst to catch up
        return was

    def play(self) -> None:
        """Train on from here. At the end of a round of `epochs` (or at the target accuracy) that is another
        round: to the next multiple of `epochs`, watched from slow again. Only Reset starts over."""
        with self.lock:
            if self.trainer.stopped in ("epochs", "target"):
                self.trainer.go_on()
                self.pace.restart(self.trainer.epoch)
            else:
                self.pace.resume(self.trainer.epoch)
            self.playing = self.trainer.stopped is None and self.trainable
            self.steps_left = 0                  # Play goes on with the epoch a Step left under way
            self._bump()

    def pause(self) -> None:
        """Stop training: Play's, and Step's epochs still to train."""
        with self.lock:
            self.playing = False
            self.steps_left = 0
            self._bump()

    def step(self) -> None:
        """Exactly one epoch, then paused (at the end of a round: the next round's first). An epoch that fits
        one piece of work (every tutorial-sized network) is trained here and now; a bigger one is left to the
        training thread, in pieces from this session's share (`work`), and the page's live view shows it when
        it is done. Pressed again meanwhile: one more epoch, up to MAX_STEPS_AHEAD still to train."""
        with self.lock:
            self.playing = False
            if self.trainable and self.trainer.stopped != "diverged":
                self._step_into_round()
                if self.trainer.in_pieces:
                    self.steps_left = min(self.steps_left + 1, MAX_STEPS_AHEAD)
                else:
                    self.trainer.step()
                    self._after_training()
            self._bump()

    @property
    def stepping(self) -> bool:
        """A Step's epoch is training on the training thread."""
        return self.steps_left > 0

    def reset(self) -> None:
        with self.lock:
            self._reset_locked()
            self._bump()

    def step_slowly(self) -> StepTrace | None:
        """Step, with the epoch's first optimizer step opened up for the diagram to walk through. On a big
        network only that step is taken here; the rest of the epoch trains as a Step's does (`step`). None
        when there is no step to take now: no points to learn from, a divergence, or a big network's epoch
        under way, which then trains to its end first (`stepping` says so: a walk opens an epoch's first step)."""
        with self.lock:
            self.playing = False
            if not self.trainable or self.stepping:
                return None
            if self.trainer.mid_epoch:           # a big network's epoch under way (paused): that one first
                self.steps_left = 1
                self._bump()
                return None
            self._step_into_round()
            trace = self.trainer.step_traced(rest_in_pieces=self.trainer.in_pieces)
            if self.trainer.mid_epoch:
                self.steps_left = 1              # the rest of its epoch, on the training thread
            elif trace is not None:
                self._after_training()
            self._bump()
            return trace

    def set_entry(self, name: str, value: str | float) -> float:
        """Set one weight or bias (`"W1[2,3]"`, `"b2[1]"`) to what a learner typed; training goes on from
        there and the next frame shows it. Returns the value as stored (float32); ValueError says what is
        wrong with a bad name or value, and nothing changes."""
        number = parse_value(value)
        with self.lock:
            entry = parse_entry(name, self.cfg.layer_sizes)
            self.trainer.set_entry(entry, number)
            self.origin = "edited"
            self.trainer.evaluate()
            self.pace.restart(self.trainer.epoch)      # watch what the edit does from slow
            self._bump()
            return entry_value(self.trainer.net, entry)

    def can_take(self, cfg: Config) -> bool:
        """True if `cfg` only changes knobs a running network absorbs (lr, regularization...)."""
        return not needs_restart(self.cfg, cfg)

    def apply(self, cfg: Config) -> None:
        """Change live knobs mid-run (the caller checked `can_take`)."""
        with self.lock:
            old = self.cfg
            self.trainer.update(cfg)
            if any(getattr(cfg, name) != getattr(old, name) for name in RESTART_PACE_KNOBS):
                self.pace.restart(self.trainer.epoch)    # the network learns differently now: watch from slow
            self._bump()

    def set_speed(self, speed: str) -> None:
        """Show the run at another Speed: it goes on from here at the new pace."""
        with self.lock:
            if speed != self.pace.speed:
                self.pace.set_speed(speed, self.trainer.epoch)
                self._bump()

    def set_data(self, data: Dataset) -> None:
        """Go on training on edited points (drawn, erased): same network, same optimizer."""
        with self.lock:
            self.trainer.use_data(data)
            if not self.trainable:
                self.playing = False
            self.pace.restart(self.trainer.epoch)
            self._bump()

    def load(self, net: Net, history: History | None = None) -> None:
        """Continue from an imported run's parameters."""
        with self.lock:
            self.trainer.load(net, history)
            self.steps_left = 0
            self.origin = "imported"
            self.generation += 1
            self.checkpoints = []
            self._save_checkpoint()
            self.pace.restart(self.trainer.epoch)
            self._bump()

    @property
    def trainable(self) -> bool:
        """Enough points to learn from: one to train on, and two classes for a classifier."""
        data = self.trainer.data
        if data.x_train.shape[0] == 0:
            return False
        return data.task == "regression" or data.y_train.unique().numel() >= 2

    # --- what the scheduler does --------------------------------------------------------
    def wants_cpu(self) -> bool:
        return (self.playing or self.stepping) and not self.suspended

    def suspend(self) -> None:
        self.suspended = True

    def work(self, seconds: float) -> int:
        """Train for about `seconds` at most, as far as the Speed knob allows, stopping at each
        planned checkpoint epoch to save it. Returns the epochs trained, at least 1 if part of a big
        epoch was (0: waiting for pace)."""
        deadline = time.perf_counter() + seconds
        trained = 0
        with self.lock:
            progress = self.trainer.progress
            try:
                while self.stepping and not self.playing and time.perf_counter() < deadline:
                    if self.trainer.step_in_pieces(max(0.0, deadline - time.perf_counter())):
                        self.steps_left = 0 if self.trainer.stopped == "diverged" else self.steps_left - 1
                        trained += 1
                        self._after_training()
                while self.playing and time.perf_counter() < deadline:
                    allowed = self.pace.due(self.trainer.epoch)
                    if allowed <= 0:
                        break
                    upcoming = [e for e in CHECKPOINT_PLAN if e > self.trainer.epoch]
                    chunk = min(allowed, (upcoming[0] - self.trainer.epoch) if upcoming else allowed)
                    trained += self.trainer.advance(chunk, max(0.0, deadline - time.perf_counter()))
                    self._after_training()
            except Exception as err:  # noqa: BLE001 — show it on the page instead of killing the thread
                self.playing, self.steps_left = False, 0
                self.error = f"Training stopped: {type(err).__name__}: {err}"
            worked = self.trainer.progress != progress       # a big epoch's pieces show on the page too
            if worked:
                self._bump()
        return trained or int(worked)

    # --- what a frame reads -------------------------------------------------------------
    def status(self) -> tuple[bool, str, str | None, str]:
        """(trainable, error, why it stopped, the trainer's message): what the page says about the run."""
        with self.lock:
            return self.trainable, self.error, self.trainer.stopped, self.trainer.message

    def play_goal(self) -> int:
        """The epoch Play trains to: the end of this round of `epochs` (or of the next, at a round's end)."""
        with self.lock:
            return self.trainer.next_stop

    def stop_notice(self) -> tuple[str, str] | None:
        """What the page says about a run that stopped by itself, as (kind, text), kind "success" or "error";
        None while it can go on."""
        with self.lock:
            t = self.trainer
            if self.error:
                return "error", self.error
            if t.stopped == "diverged":
                return "error", f"Training diverged. {t.message}"
            if t.stopped == "epochs":
                return "success", (f"Trained to epoch {t.epoch:,}. Play goes on to epoch {t.next_stop:,}; Reset "
                                   "starts over from epoch 0.")
            if t.stopped == "target":
                return "success", f"{t.message} Play goes on to epoch {t.next_stop:,}; Reset starts over from epoch 0."
            return None

    @property
    def key(self) -> str:
        return f"{self.serial}.{self.generation}"

    def frame_state(self, key: str = "", loss: CurveAsk = CurveAsk(), evaluation: Evaluation | None = None
                    ) -> FrameState:
        """The run now: what a page shows of it, read in one go under the lock. Its loss curve holds the
        points after the ones the chart has (`loss`), if the chart's points come from this run and start
        (`key`); otherwise the whole curve, thinned. `evaluation`: the metrics, measured already
        (`frame_state_steps`)."""
        with self.lock:
            t = self.trainer
            snapshot = t.snapshot(with_gradients=False, evaluation=evaluation)
            full = key != self.key
            train_after, test_after, stride = loss.last(0), loss.last(1), loss.stride
            if full:
                train_after, test_after = -1, -1
                stride = curve_stride(t.history.last_epoch + 1, t.history.stride)
            stride = max(stride, t.history.stride)
            curves = Curves(self.key, full, *self._train_since(train_after, stride), *self._test_since(test_after),
                            stride)
            return FrameState(self.key, self.version, t.cfg, t.data, t.net.clone(), snapshot, curves, self.playing,
                              self._rate(t.epoch), self.trainable, self.error, latest=t.latest_step(),
                              stepping=self.stepping)

    def frame_state_steps(self, key: str = "", loss: CurveAsk = CurveAsk()) -> Steps[FrameState]:
        """`frame_state` in pieces: a network too big to measure in one piece of work is measured a piece
        at a time first (scratchnet/train/pieces.py), with no lock held in between."""
        evaluation = yield from self.trainer.evaluation_steps(self.lock)
        return self.frame_state(key, loss, evaluation=evaluation)

    def _train_since(self, after: int, stride: int) -> tuple[list[int], list[float]]:
        """Training losses of the epochs after `after` that are multiples of `stride` (epoch 0: the
        loss before any training, from the first evaluation)."""
        history = self.trainer.history
        epochs: list[int] = []
        losses: list[float] = []
        if after < 0 and history.evaluations and history.evaluations[0].epoch == 0:
            epochs.append(0)
            losses.append(history.evaluations[0].train_loss)
        first = max(after + 1, stride)
        first += -first % stride                                   # the next multiple of stride
        step = stride // history.stride                            # entries between two kept epochs
        start = first // history.stride - 1                        # losses[i] is epoch (i + 1)·history.stride
        kept = history.losses[start::step] if start < len(history.losses) else []
        epochs += range(first, first + stride * len(kept), stride)
        losses += kept
        return epochs, losses

    def _test_since(self, after: int) -> tuple[list[int], list[float]]:
        evaluations = self.trainer.history.evaluations
        lo, hi = 0, len(evaluations)
        while lo < hi:                                             # the first evaluation after `after`
            mid = (lo + hi) // 2
            if evaluations[mid].epoch <= after:
                lo = mid + 1
            else:
                hi = mid
        fresh = thinned(evaluations[lo:])                         # a whole long run at once: thinned
        return [e.epoch for e in fresh], [e.test_loss for e in fresh]

    # --- exports (called when a download button is clicked, so they show the run as it is then)
    def run_file_json(self) -> str:
        """The run file (settings, weights, history) as the "Weights (JSON)" button downloads it."""
        from scratchnet.export.run_file import export_run

        with self.lock:
            t = self.trainer
            return export_run(t.cfg, t.net, t.history, getattr(t.data, "class_names", None))

    def history_csv(self) -> str:
        with self.lock:
            return self.trainer.history.to_csv()

    def figures_html(self) -> str:
        with self.lock:
            figures = run_figures(self.trainer)
        return figures_html(figures, self.cfg.describe())

    def code(self, fmt: str) -> str:
        """The run's setup as a standalone script ("py") or notebook ("ipynb") in the tutorial's style."""
        from scratchnet.export.script import export

        with self.lock:
            cfg, data = self.trainer.cfg, self.trainer.data
        return export(cfg, data, fmt)

    def code_refusal(self) -> str:
        """Why this setup cannot be exported as code (one sentence), or "" when it can."""
        from scratchnet.export.script import check
        from scratchnet.teach.tutorial_code import NotExportable

        with self.lock:
            cfg, data = self.trainer.cfg, self.trainer.data
        try:
            check(cfg, data)
        except NotExportable as refused:
            return str(refused)
        return ""

    def checkpoint_list(self) -> list[tuple[int, Net]]:
        with self.lock:
            return list(self.checkpoints)

    # --- internals ----------------------------------------------------------------------
    def _bump(self) -> None:
        self.version += 1

    def _step_into_round(self) -> None:
        """A Step at the end of a round begins the next one: Play then goes on at the next round's pace."""
        if self.trainer.stopped in ("epochs", "target"):
            self.pace.restart(self.trainer.epoch)

    def _reset_locked(self) -> None:
        self.trainer.reset()
        self.steps_left = 0
        self.origin = "trained"
        self.generation += 1
        self.error = ""
        self.checkpoints = []
        self._rate_marks = []
        self.pace.restart(0)
        self._save_checkpoint()

    def _after_training(self) -> None:
        if self.trainer.epoch in CHECKPOINT_PLAN and (
                not self.checkpoints or self.checkpoints[-1][0] != self.trainer.epoch):
            self._save_checkpoint()
        if self.trainer.stopped:
            self.playing = False

    def _save_checkpoint(self) -> None:
        self.checkpoints.append((self.trainer.epoch, self.trainer.net.clone()))
        if len(self.checkpoints) > MAX_CHECKPOINTS:   # thin the middle, keep the first and last
            del self.checkpoints[1:-1:2]

    def _rate(self, epoch: int) -> float:
        """Epochs per second of wall-clock time over the last ~2 s (what the viewer sees,
        including time this run waited for other sessions)."""
        now = time.monotonic()
        self._rate_marks.append((now, epoch))
        while len(self._rate_marks) > 2 and now - self._rate_marks[0][0] > 2.0:
            self._rate_marks.pop(0)
        (t0, e0), (t1, e1) = self._rate_marks[0], self._rate_marks[-1]
        return (e1 - e0) / (t1 - t0) if t1 > t0 and self.playing else 0.0


def take_over(old: LiveRun | None, new: LiveRun, scheduler) -> LiveRun:
    """`new` trains in `old`'s place on `scheduler` (live/scheduler.py), playing if `old` was."""
    scheduler.replace(old, new)
    if old is not None and old.playing:
        old.pause()
        new.play()
    return new

