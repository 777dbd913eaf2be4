"""How fast a live run is shown: the Speed knob as a clock that says how many epochs are due.

`auto`, the default, is a watching pace: every tenfold of epochs takes the same time, SECONDS_PER_TENFOLD
(epochs 0 → 10, 10 → 100, 100 → 1,000 ...). A network changes most in its first epochs and less and less
after (how much of its boundary changes per epoch falls roughly like 1/epoch), so equal time per tenfold is
roughly equal time per visible change: the first steps come one by one, the long tail goes by fast, and a
run of 300 epochs and one of 5,000 both settle within seconds of each other. Measured over 31 setups (every
dataset, full batch and mini-batch, SGD and Adam; benchmarks/bench_pace.py): the boundary is within 5% of
its final shape after 5 to 16 s at this pace (10th to 90th percentile, median 10 s), against 0.7 to 48 s
at a fixed 100 epochs/s and 1 to 80 s when a 300-epoch run was fitted into 5 s.

The clock starts over (slow again) whenever the network's learning starts something new: a new run, a new
round of epochs, a changed learning rate, an edited weight, new points (`restart`). A pause does not
(`resume` goes on at the pace it had). Fixed rates (epochs per second) and `max` are the other settings.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable

SECONDS_PER_TENFOLD = 6.0   # auto: epochs 10 → 100 take as long as 100 → 1,000
WATCH_EPOCHS = 10.0         # ... and as long as 0 → 10: the pace starts at 10·ln 10 / 6 ≈ 3.8 epochs/s
MAX_BEHIND_SECONDS = 0.5    # a run that fell behind its pace (a busy server) catches up at most this much
UNLIMITED = 10**9


def watch_epochs(seconds: float) -> float:
    """Epochs trained `seconds` after the watching pace started: WATCH_EPOCHS · (10^(s / T) − 1)."""
    return WATCH_EPOCHS * (10.0 ** (seconds / SECONDS_PER_TENFOLD) - 1.0)


def watch_seconds(epochs: float) -> float:
    """The inverse: seconds until `epochs` epochs are due, T · log10(1 + epochs / WATCH_EPOCHS)."""
    return SECONDS_PER_TENFOLD * math.log10(1.0 + max(0.0, epochs) / WATCH_EPOCHS)


def watch_rate(epochs: float) -> float:
    """Epochs per second of the watching pace once `epochs` are trained: (WATCH_EPOCHS + epochs) · ln 10 / T."""
    return (WATCH_EPOCHS + max(0.0, epochs)) * math.log(10.0) / SECONDS_PER_TENFOLD


def fixed_rate(speed: str) -> float | None:
    """Epochs per second of a fixed Speed ("30"), None for "auto" and "max"."""
    return None if speed in ("auto", "max") else float(speed)


class PaceClock:
    """When to train how much, for one Speed setting. `due(epoch)` is how many epochs the run may train now.

    The clock keeps the epoch its pace started from (`origin`) and an anchor in time; `now` is injectable
    for tests (time.monotonic by default)."""

    def __init__(self, speed: str, epoch: int = 0, now: Callable[[], float] = time.monotonic):
        self.speed = speed
        self._now = now
        self.origin = epoch           # the epoch the watching pace counts from
        self._anchor = (now(), float(epoch))    # (time, epoch the clock had reached then)

    def restart(self, epoch: int) -> None:
        """The watching pace starts slow again from `epoch` (something new to watch)."""
        self.origin = epoch
        self._anchor = (self._now(), float(epoch))

    def resume(self, epoch: int) -> None:
        """Go on from `epoch` at the pace reached there (after a pause, a Step, an idle tab, a new Speed)."""
        self._anchor = (self._now(), float(max(epoch, self.origin)))

    def set_speed(self, speed: str, epoch: int) -> None:
        self.speed = speed
        self.resume(epoch)

    def target(self) -> float:
        """The epoch the pace has reached now."""
        since, reached = self._anchor
        elapsed = max(0.0, self._now() - since)
        rate = fixed_rate(self.speed)
        if rate is not None:
            return reached + rate * elapsed
        return self.origin + watch_epochs(watch_seconds(reached - self.origin) + elapsed)

    def rate(self, epoch: int) -> float | None:
        """Epochs per second the pace asks for at `epoch` (None: as fast as possible)."""
        if self.speed == "max":
            return None
        fixed = fixed_rate(self.speed)
        return fixed if fixed is not None else watch_rate(epoch - self.origin)

    def due(self, epoch: int) -> int:
        """Epochs the run may train now. A run that fell behind its pace (the computer or the other sessions
        were slower) is let off all but MAX_BEHIND_SECONDS of it: it never trains in a burst to catch up."""
        if self.speed == "max":
            return UNLIMITED
        behind = self.target() - epoch
        most = (self.rate(epoch) or 0.0) * MAX_BEHIND_SECONDS
        if behind > most:
            self._anchor = (self._now(), epoch + most)
            behind = most
        return max(0, int(behind))
