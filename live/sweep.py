"""A session's Compare run: many configs trained at once by the engine's Sweep, on the shared
training thread, with the same play/pause/idle rules as a Playground run (live/run.py).
No Streamlit in here: it is tested as plain Python.
"""

from __future__ import annotations

import itertools
import threading
import time
from dataclasses import dataclass

import torch

from live.channel import CurveAsk
from scratchnet.config import KNOBS, Config
from scratchnet.data.datasets import Dataset
from scratchnet.draw.surface import Surface, stacked_surfaces_steps
from scratchnet.train.batched import Sweep
from scratchnet.train.curve_points import curve_stride
from scratchnet.train.pace import PaceClock
from scratchnet.train.pieces import Steps, finish

_SERIALS = itertools.count(1)


@dataclass(frozen=True)
class SweepFrameState:
    """One live frame of Compare: per run its tile, its new loss points (epochs after what the chart
    has, multiples of `stride`) and its table row."""

    key: str
    version: int
    cfgs: list[Config]
    data: Dataset
    rows: list[dict]
    full: bool                          # whole curves, not just the points after the chart's
    curve_epochs: list[list[int]]
    curve_losses: list[list[float]]
    stride: int
    surfaces: list[Surface]
    epoch: int
    playing: bool
    done: bool
    rate: float


class LiveSweep:
    def __init__(self, cfgs: list[Config], data: Dataset | None = None, resolution: int = 40,
                 speed: str = KNOBS["speed"].default):
        self.lock = threading.Lock()
        self.serial = next(_SERIALS)
        self.version = 0
        self.points = data                     # a learner's own points, or None for generated data
        self.sweep = Sweep(cfgs, data=data)
        self.resolution = resolution
        self.playing = False
        self.suspended = False
        self.last_seen = time.monotonic()
        self.error = ""
        self._rate = 0.0
        self._marks: list[tuple[float, int]] = []
        self.pace = PaceClock(speed)    # the Playground's Speed: auto watches the runs learn

    @property
    def speed(self) -> str:
        return self.pace.speed

    @property
    def cfgs(self) -> list[Config]:
        return self.sweep.cfgs

    @property
    def data(self) -> Dataset:
        return self.sweep.stacks[0][1].data

    # --- page side --------------------------------------------------------------------------
    def touch(self) -> bool:
        self.last_seen = time.monotonic()
        was, self.suspended = self.suspended, False
        if was:
            self.pace.resume(self.front)
        return was

    def play(self) -> None:
        with self.lock:
            self.playing = not self.sweep.done
            self.pace.resume(self.front)
            self.version += 1

    @property
    def front(self) -> int:
        """The epoch the runs still training are at (the pace's count)."""
        live = [t.epoch for _, t in self.sweep.stacks if not t.done]
        return min(live) if live else self.sweep.epoch

    def pause(self) -> None:
        with self.lock:
            self.playing = False
            self.version += 1

    @property
    def key(self) -> str:
        return str(self.serial)

    def frame_state(self, key: str = "", losses: CurveAsk = CurveAsk()) -> SweepFrameState:
        """The sweep now: what a page shows of it, with each run's loss points after epoch `losses.after[i]`
        (another `key`: all of them, thinned)."""
        return finish(self.frame_state_steps(key, losses))

    def frame_state_steps(self, key: str = "", losses: CurveAsk = CurveAsk()) -> Steps[SweepFrameState]:
        """`frame_state` in pieces (scratchnet/train/pieces.py): every run measured and drawn from a copy of its
        stack's network, a piece at a time for big stacks, with no lock held in between."""
        with self.lock:
            nets = [trainer.net.clone() for _, trainer in self.sweep.stacks]
        rows = yield from self.sweep.evaluations_steps(nets)
        surfaces: list[Surface] = [None] * len(self.cfgs)                # type: ignore[list-item]
        base = self.cfgs[0]
        for net, (indices, _) in zip(nets, self.sweep.stacks):
            drawn = yield from stacked_surfaces_steps(net, base.features, self.data.bounds, base.problem,
                                                      self.resolution)
            for i, surface in zip(indices, drawn):
                surfaces[i] = surface
        with self.lock:
            full = key != self.key
            stride = curve_stride(self.sweep.epoch) if full else losses.stride
            epochs: list[list[int]] = [[] for _ in self.cfgs]
            values: list[list[float]] = [[] for _ in self.cfgs]
            for indices, trainer in self.sweep.stacks:
                firsts = [_next_multiple((0 if full else max(losses.last(i), 0)) + 1, stride) for i in indices]
                start = min(firsts)
                # epoch e's losses are trainer.losses[e - 1]: one (M,) tensor per epoch, stacked once here
                table = (torch.stack(trainer.losses[start - 1::stride]).T.tolist()
                         if start <= len(trainer.losses) else [[] for _ in indices])
                for j, (i, first) in enumerate(zip(indices, firsts)):
                    end = trainer.stopped_at[j] or len(trainer.losses)
                    picked = range(first, end + 1, stride)
                    epochs[i] = list(picked)
                    skip = (first - start) // stride
                    values[i] = table[j][skip:skip + len(picked)]
            return SweepFrameState(self.key, self.version, list(self.cfgs), self.data, rows, full, epochs, values,
                                   stride, surfaces, self.sweep.epoch, self.playing, self.sweep.done, self._rate)

    # --- scheduler side -----------------------------------------------------------------------
    def wants_cpu(self) -> bool:
        return self.playing and not self.suspended

    def suspend(self) -> None:
        self.suspended = True

    def work(self, seconds: float) -> int:
        """Train for about `seconds`, no further than the pace allows; the epochs trained by all stacks, at least 1
        if part of a big epoch was."""
        with self.lock:
            pieces = self.sweep.progress
            try:
                due = self.pace.due(self.front)
                trained = self.sweep.advance(due, seconds) if due > 0 else 0
                trained = trained or int(self.sweep.progress != pieces)
            except Exception as err:  # noqa: BLE001 — shown on the page, the thread goes on
                self.playing, self.error = False, f"Training stopped: {type(err).__name__}: {err}"
                trained = 0
            stopped = self.sweep.done and self.playing
            if stopped:
                self.playing = False
            if trained or stopped:
                self.version += 1
                self._measure_rate()
        return trained

    def _measure_rate(self) -> None:
        """Model-epochs per second of wall-clock time over the last ~2 s: the pace the page shows."""
        now = time.monotonic()
        self._marks.append((now, self.sweep.epoch))
        while len(self._marks) > 2 and now - self._marks[0][0] > 2.0:
            self._marks.pop(0)
        (t0, e0), (t1, e1) = self._marks[0], self._marks[-1]
        self._rate = (e1 - e0) * len(self.cfgs) / (t1 - t0) if t1 > t0 else 0.0


def _next_multiple(n: int, stride: int) -> int:
    return n + (-n % stride)
