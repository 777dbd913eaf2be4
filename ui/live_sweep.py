"""A session's Compare run: many configs trained at once by the engine's Sweep, on the shared
training thread, with the same play/pause/idle rules as a Playground run (ui/live_run.py).
No Streamlit in here: it is tested as plain Python.
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass

from scratchnet.batched import Sweep
from scratchnet.config import Config
from scratchnet.data import Dataset
from scratchnet.surface import Surface, stacked_surfaces


@dataclass(frozen=True)
class SweepView:
    """One frame of the Compare page, copied out under the lock."""

    cfgs: list[Config]
    data: Dataset
    rows: list[dict]
    histories: list[list[float]]
    surfaces: list[Surface]
    epoch: int
    playing: bool
    done: bool
    model_epochs_per_second: float


class LiveSweep:
    def __init__(self, cfgs: list[Config], data: Dataset | None = None, resolution: int = 40):
        self.lock = threading.Lock()
        self.points = data                     # a learner's own points, or None for generated data
        self.sweep = Sweep(cfgs, data=data)
        self.resolution = resolution
        self.playing = False
        self.suspended = False
        self.last_seen = time.monotonic()
        self.error = ""
        self._rate = 0.0

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
        return was

    def play(self) -> None:
        with self.lock:
            self.playing = not self.sweep.done

    def pause(self) -> None:
        with self.lock:
            self.playing = False

    def view(self) -> SweepView:
        with self.lock:
            rows = self.sweep.evaluations()
            histories = [h.tolist() for h in self.sweep.loss_histories()]
            surfaces: list[Surface] = [None] * len(self.cfgs)            # type: ignore[list-item]
            base = self.cfgs[0]
            for indices, trainer in self.sweep.stacks:
                for i, surface in zip(indices, stacked_surfaces(trainer.net, base.features, self.data.bounds,
                                                                 base.problem, self.resolution)):
                    surfaces[i] = surface
            return SweepView(list(self.cfgs), self.data, rows, histories, surfaces, self.sweep.epoch,
                             self.playing, self.sweep.done, self._rate)

    # --- scheduler side -----------------------------------------------------------------------
    def wants_cpu(self) -> bool:
        return self.playing and not self.suspended

    def suspend(self) -> None:
        self.suspended = True

    def work(self, seconds: float) -> int:
        start = time.perf_counter()
        with self.lock:
            try:
                before = self.sweep.epoch
                trained = self.sweep.advance(10**9, seconds)
                progress = self.sweep.epoch - before
            except Exception as err:  # noqa: BLE001 — shown on the page, the thread goes on
                self.playing, self.error = False, f"Training stopped: {type(err).__name__}: {err}"
                trained = progress = 0
            if self.sweep.done:
                self.playing = False
        elapsed = time.perf_counter() - start
        if progress and elapsed > 0:
            rate = progress * len(self.cfgs) / elapsed
            self._rate = rate if not self._rate else 0.8 * self._rate + 0.2 * rate
        return trained
