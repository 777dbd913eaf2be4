"""The Speed knob as a clock (scratchnet/train/pace.py), and a LiveRun trained at its pace (with a fake clock)."""

from __future__ import annotations

import math

import pytest

from live.run import LiveRun
from live.sweep import LiveSweep
from scratchnet.config import Config
from scratchnet.train.pace import (
    MAX_BEHIND_SECONDS,
    SECONDS_PER_TENFOLD,
    WATCH_EPOCHS,
    PaceClock,
    watch_epochs,
    watch_rate,
    watch_seconds,
)


class FakeTime:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_every_tenfold_of_epochs_takes_the_same_time():
    assert watch_epochs(0) == 0
    for epochs in (WATCH_EPOCHS * 9, WATCH_EPOCHS * 99, WATCH_EPOCHS * 999):      # 90, 990, 9,990: 1, 2, 3 tenfolds
        assert watch_seconds(epochs) == pytest.approx(SECONDS_PER_TENFOLD * math.log10(1 + epochs / WATCH_EPOCHS))
    assert watch_seconds(990) - watch_seconds(90) == pytest.approx(SECONDS_PER_TENFOLD)
    for seconds in (0.5, 3.0, 12.0, 30.0):
        assert watch_seconds(watch_epochs(seconds)) == pytest.approx(seconds)
    h = 1e-6                                                  # the rate is the curve's slope
    assert watch_rate(50) == pytest.approx((watch_epochs(watch_seconds(50) + h) - 50) / h, rel=1e-4)


def paced(clock: PaceClock, time: FakeTime, seconds: float, epoch: int = 0, tick: float = 0.01) -> int:
    """Train as much as the clock allows, tick by tick, for `seconds`; the epoch reached."""
    for _ in range(round(seconds / tick)):
        time.now += tick
        epoch += clock.due(epoch)
    return epoch


def test_auto_follows_the_watching_curve_and_starts_again_when_told():
    time = FakeTime()
    clock = PaceClock("auto", now=time)
    epoch = paced(clock, time, 6.0)
    assert abs(epoch - watch_epochs(6.0)) <= 1                 # 90 epochs after one tenfold's time
    epoch = paced(clock, time, 6.0, epoch)
    assert abs(epoch - watch_epochs(12.0)) <= 2
    clock.restart(epoch)                                      # a change: slow again
    assert paced(clock, time, 1.0, epoch) - epoch == pytest.approx(watch_epochs(1.0), abs=1)


def test_a_pause_is_not_made_up_for_and_resume_goes_on_at_the_same_pace():
    time = FakeTime()
    clock = PaceClock("auto", now=time)
    epoch = paced(clock, time, 6.0)
    time.now += 60                                            # paused for a minute
    clock.resume(epoch)
    assert clock.due(epoch) == 0
    after = paced(clock, time, 1.0, epoch)
    assert after - epoch == pytest.approx(watch_epochs(7.0) - watch_epochs(6.0), abs=2)


def test_a_run_that_fell_behind_does_not_burst_to_catch_up():
    time = FakeTime()
    for speed, rate in (("auto", watch_rate(0)), ("100", 100.0)):
        clock = PaceClock(speed, now=time)
        time.now += 10                                        # 10 s without a turn (a busy server)
        assert clock.due(0) <= rate * MAX_BEHIND_SECONDS + 1
        time.now += 0.1
        assert clock.due(0) <= rate * (MAX_BEHIND_SECONDS + 0.1) + 1


def test_fixed_speeds_and_max():
    time = FakeTime()
    assert paced(PaceClock("30", now=time), time, 2.0) == pytest.approx(60, abs=1)
    clock = PaceClock("max", now=time)
    assert clock.due(123) >= 10**9 and clock.rate(123) is None
    clock.set_speed("10", 123)
    assert paced(clock, time, 1.0, 123) == pytest.approx(133, abs=1)


def live(cfg: Config) -> tuple[LiveRun, FakeTime]:
    run, time = LiveRun(cfg), FakeTime()
    run.pace._now = time
    run.pace.restart(0)
    return run, time


def play_for(run: LiveRun, time: FakeTime, seconds: float, tick: float = 0.02) -> None:
    for _ in range(round(seconds / tick)):
        time.now += tick
        run.work(1.0)


def test_a_run_at_auto_speed_is_watched_from_slow_whatever_its_epochs():
    for epochs in (300, 5000):                                # the Epochs knob does not set the pace
        run, time = live(Config(epochs=epochs))
        run.play()
        play_for(run, time, 2.0)
        assert abs(run.trainer.epoch - watch_epochs(2.0)) <= 1


def test_play_after_the_end_starts_the_watching_pace_again():
    run, time = live(Config(epochs=30))
    run.play()
    play_for(run, time, 30.0)
    assert run.trainer.epoch == 30 and not run.playing
    run.play()                                                # another round, watched from slow
    play_for(run, time, 1.0)
    assert run.trainer.epoch - 30 == pytest.approx(watch_epochs(1.0), abs=1)
    play_for(run, time, 10.0)
    assert run.trainer.epoch == 60


def test_a_changed_learning_rate_starts_the_watching_pace_again_and_more_epochs_do_not():
    run, time = live(Config(epochs=1000))
    run.play()
    play_for(run, time, 8.0)
    at = run.trainer.epoch
    run.apply(run.cfg.replace(lr=0.2))                        # the network learns differently now
    play_for(run, time, 1.0)
    assert run.trainer.epoch - at == pytest.approx(watch_epochs(1.0), abs=1)
    at = run.trainer.epoch
    run.apply(run.cfg.replace(epochs=2000))                   # a longer run is nothing new to watch
    play_for(run, time, 1.0)
    assert run.trainer.epoch - at == pytest.approx(watch_epochs(2.0) - watch_epochs(1.0), abs=1)


def test_a_new_speed_goes_on_from_where_the_run_is():
    run, time = live(Config(epochs=10_000))
    run.play()
    play_for(run, time, 2.0)
    at = run.trainer.epoch
    run.set_speed("30")                                       # the view's Speed: not a setting of the run
    play_for(run, time, 1.0)
    assert run.trainer.epoch - at == pytest.approx(30, abs=1) and run.cfg == Config(epochs=10_000)


def test_compare_runs_are_watched_at_the_same_pace():
    sweep, time = LiveSweep([Config(lr=lr) for lr in (0.01, 0.1, 1.0)]), FakeTime()
    sweep.pace._now = time
    sweep.pace.restart(0)
    sweep.play()
    for _ in range(100):                                      # 2 s
        time.now += 0.02
        sweep.work(1.0)
    assert abs(sweep.sweep.epoch - watch_epochs(2.0)) <= 1 and sweep.playing
