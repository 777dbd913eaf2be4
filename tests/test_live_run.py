"""The UI's training machinery as plain Python: LiveRun, LiveSweep and the shared Scheduler."""

from __future__ import annotations

import json
import threading
import time

import pytest

from scratchnet.config import Config
from ui.live_run import LiveRun, checkpoint_epochs, epochs_per_second_cap
from ui.live_sweep import LiveSweep
from ui.scheduler import FifoRLock, Scheduler


@pytest.fixture
def scheduler():
    return Scheduler(slice_seconds=0.01, idle_seconds=1.0)


def test_play_pause_step_reset_and_stop_at_the_epoch_limit():
    run = LiveRun(Config(epochs=40, speed="max"))
    run.play()
    while run.playing:
        run.work(0.05)
    assert run.trainer.epoch == 40 and run.trainer.stopped == "epochs"
    run.step()
    assert run.trainer.epoch == 41 and not run.playing
    run.play()                                    # Play after the end starts over, as TF does
    assert run.trainer.epoch == 0 and run.playing
    run.work(0.05)
    run.pause()
    at = run.trainer.epoch
    assert run.work(0.05) == 0 and run.trainer.epoch == at
    run.reset()
    assert run.trainer.epoch == 0 and run.checkpoints[0][0] == 0


def test_speed_caps_epochs_per_second():
    assert epochs_per_second_cap(Config(speed="max")) is None
    assert epochs_per_second_cap(Config(speed="100")) == 100
    assert epochs_per_second_cap(Config(epochs=1000, speed="auto")) == 200     # the run in ~5 s


@pytest.mark.perf
def test_a_speed_of_30_trains_about_30_epochs_a_second():
    run = LiveRun(Config(epochs=10_000, speed="30"))
    run.play()
    start = time.monotonic()
    while time.monotonic() - start < 1.0:
        run.work(0.02)
        time.sleep(0.005)
    assert 10 <= run.trainer.epoch <= 40                # the cap, never more; less on a busy machine


def test_live_knobs_apply_without_losing_progress():
    run = LiveRun(Config(epochs=10_000, speed="max"))
    run.play()
    run.work(0.05)
    epoch = run.trainer.epoch
    new = run.cfg.replace(lr=0.5, regularization="l2", reg_rate=0.01, show_test=True)
    assert run.can_take(new)
    run.apply(new)
    assert run.trainer.epoch == epoch and run.trainer.optimizer.lr == 0.5
    assert not run.can_take(run.cfg.replace(hidden=(3,)))
    assert not run.can_take(run.cfg.replace(noise=0.5))


def test_view_is_a_consistent_copy_with_a_thinned_curve():
    run = LiveRun(Config(epochs=5000, speed="max"))
    run.play()
    while run.playing:
        run.work(0.1)
    view = run.view()
    assert view.snapshot.epoch == 5000
    assert len(view.curve_losses) <= 1001 and view.curve_epochs[-1] == 5000
    assert view.curve_losses[-1] == run.trainer.history.losses[-1]
    view.net.weights[0].data.zero_()                        # a copy: the run is untouched
    assert run.trainer.net.weights[0].abs().sum() > 0


def test_checkpoints_cover_the_run_and_stay_bounded():
    plan = checkpoint_epochs(1000)
    assert plan[:10] == list(range(10)) and 1000 in plan and plan == sorted(set(plan))
    run = LiveRun(Config(epochs=300, speed="max"))
    run.play()
    while run.playing:
        run.work(0.1)
    epochs = [e for e, _ in run.checkpoint_list()]
    assert epochs[0] == 0 and epochs[-1] == 300 and epochs == sorted(epochs)
    assert len(epochs) <= 80


def test_exports_show_the_run_as_it_is():
    run = LiveRun(Config(epochs=20, speed="max"))
    run.play()
    while run.playing:
        run.work(0.1)
    assert run.history_csv().count("\n") == 21
    weights = json.loads(run.run_file_json())
    assert weights["config"]["epochs"] == "20" and len(weights["weights"]) == 2
    page = run.figures_html()
    assert page.startswith("<!doctype html>") and "Plotly" in page


def test_divergence_stops_the_run_with_the_message():
    run = LiveRun(Config(problem="regression", dataset="plane", lr=10.0, hidden=(64, 64), epochs=5000, speed="max"))
    run.play()
    deadline = time.monotonic() + 10
    while run.playing and time.monotonic() < deadline:
        run.work(0.1)
    assert run.trainer.stopped == "diverged" and not run.playing
    assert "diverged" in run.view().snapshot.message


def test_scheduler_trains_playing_runs_and_drops_idle_ones(scheduler, eventually):
    a, b = LiveRun(Config(epochs=10**6, speed="max")), LiveRun(Config(epochs=10**6, speed="max", hidden=(4,)))
    for run in (a, b):
        run.play()
        scheduler.add(run)
    def both_advance() -> bool:                                          # turns are fair
        a.touch(), b.touch()                                             # (both tabs are open)
        return a.trainer.epoch > 20 and b.trainer.epoch > 20

    eventually(both_advance)
    assert scheduler.active_jobs() == 2
    b.touch()
    eventually(lambda: a.suspended, timeout=5)                           # a was not looked at for 1 s
    assert scheduler.n_jobs <= 1
    frozen = a.trainer.epoch
    time.sleep(0.2)
    assert a.trainer.epoch == frozen
    assert a.touch() is True                                             # the tab came back
    scheduler.add(a)
    eventually(lambda: a.trainer.epoch > frozen)
    a.pause()
    b.pause()


def test_replace_swaps_runs_atomically(scheduler):
    old = LiveRun(Config(epochs=10**6, speed="max"))
    old.play()
    scheduler.add(old)
    for _ in range(20):                                 # a burst of slider changes
        new = LiveRun(Config(epochs=10**6, speed="max", hidden=(3,)))
        new.play()
        scheduler.replace(old, new)
        old.pause()
        old = new
    assert scheduler.n_jobs == 1
    old.pause()


def test_a_broken_run_does_not_stop_the_others(scheduler, eventually):
    class Broken:
        last_seen = time.monotonic()

        def wants_cpu(self):
            return True

        def work(self, seconds):
            raise RuntimeError("boom")

        def suspend(self):
            self.suspended = True

    good = LiveRun(Config(epochs=10**6, speed="max"))
    good.play()
    broken = Broken()
    scheduler.add(broken)
    scheduler.add(good)
    eventually(lambda: good.trainer.epoch > 10)
    assert broken.suspended
    good.pause()


def test_live_sweep_trains_all_runs_to_the_same_epoch():
    base = Config(epochs=60)
    sweep = LiveSweep([base.replace(lr=lr) for lr in (0.01, 0.1, 1.0)] + [base.replace(activation="tanh")])
    sweep.play()
    while sweep.playing:
        sweep.work(0.1)
    view = sweep.view()
    assert view.done and view.epoch == 60 and all(len(h) == 60 for h in view.histories)
    assert len(view.surfaces) == 4 and view.surfaces[0].values.shape == (40, 40)
    assert view.rows[2]["train_loss"] < view.rows[0]["train_loss"]       # lr 1.0 beats lr 0.01 in 60 epochs


class FakeJob:
    """A run whose every turn costs `cost` seconds of CPU, whatever slice it was given."""

    def __init__(self, cost: float):
        self.cost, self.used, self.turns = cost, 0.0, 0
        self.last_seen = time.monotonic()
        self.playing = True

    def wants_cpu(self):
        self.last_seen = time.monotonic()
        return self.playing

    def work(self, seconds):
        end = time.perf_counter() + self.cost
        while time.perf_counter() < end:
            pass
        self.used += self.cost
        self.turns += 1
        return 1

    def suspend(self):
        self.playing = False


@pytest.mark.perf
def test_a_huge_network_gets_the_same_cpu_time_not_more(scheduler):
    huge, small = FakeJob(0.2), FakeJob(0.01)
    scheduler.add(huge)
    scheduler.add(small)
    time.sleep(2.0)
    huge.playing = small.playing = False
    assert small.turns > 5 * huge.turns                                 # 20x when shared fairly
    assert 1 / 3 < small.used / huge.used < 3.0, (small.used, huge.used)    # by turns it would be 1/20


@pytest.mark.perf
def test_training_waits_while_a_page_draws_but_not_for_ever(eventually):
    patient = Scheduler(slice_seconds=0.005, max_yield_seconds=1.0)
    run = LiveRun(Config(epochs=10**6, speed="max"))
    run.play()
    patient.add(run)
    eventually(lambda: run.trainer.epoch > 10)
    with patient.drawing():
        # A slice already running (or just past its check) may finish; on a busy machine that
        # can take longer than the slice itself. Take the epoch once it has settled.
        held, settled = run.trainer.epoch, time.monotonic()
        deadline = settled + 0.5                # far less than max_yield_seconds
        while time.monotonic() - settled < 0.05:
            assert time.monotonic() < deadline, "training went on while a page was drawing"
            time.sleep(0.005)
            if run.trainer.epoch != held:
                held, settled = run.trainer.epoch, time.monotonic()
        time.sleep(0.1)                        # well within max_yield_seconds
        assert run.trainer.epoch == held
        eventually(lambda: run.trainer.epoch > held, timeout=3)     # a page that never stops drawing
    run.pause()


def test_frames_are_drawn_one_at_a_time_in_arrival_order(eventually):
    lock = FifoRLock()
    order, inside = [], []

    def draw(name: str) -> None:
        with lock.hold():
            inside.append(name)
            assert len(inside) == 1, inside      # one at a time
            with lock.hold():                    # re-entrant: a full run draws its fragment inside
                order.append(name)
            time.sleep(0.01)
            inside.remove(name)

    with lock.hold():                            # everyone queues behind a frame being drawn
        threads = []
        for i in range(12):
            thread = threading.Thread(target=draw, args=(f"s{i}",))
            thread.start()
            threads.append(thread)
            eventually(lambda n=i + 1: len(lock._waiting[1]) == n)
    for thread in threads:
        thread.join(timeout=5)
    assert order == [f"s{i}" for i in range(12)]


class PreemptedJob(FakeJob):
    """A FakeJob whose thread is stopped once for `pause` seconds in the middle of a turn, as the
    OS does to the training thread on a busy machine (wall time passes, no CPU is used)."""

    def __init__(self, cost: float, pause: float):
        super().__init__(cost)
        self.pause = pause

    def work(self, seconds):
        if self.pause:
            time.sleep(self.pause)
            self.pause = 0.0
        return super().work(seconds)


@pytest.mark.perf
def test_a_run_is_not_charged_for_time_its_thread_was_stopped(eventually):
    scheduler = Scheduler(slice_seconds=0.01, idle_seconds=20.0)
    stopped, other = PreemptedJob(0.005, pause=1.5), FakeJob(0.005)
    scheduler.add(stopped)
    scheduler.add(other)
    eventually(lambda: stopped.pause == 0.0 and stopped.turns >= 1)
    turns = stopped.turns, other.turns
    time.sleep(0.5)
    stopped.playing = other.playing = False
    gained = stopped.turns - turns[0], other.turns - turns[1]
    assert gained[0] > 0.5 * gained[1] > 0, ("charged by wall time, it would wait ~1.5 s for the other", gained)


def test_a_run_dropped_for_idling_comes_back_when_its_page_draws(scheduler, eventually):
    run = LiveRun(Config(epochs=10**6, speed="max"))
    run.play()
    scheduler.idle_seconds = 0.2
    scheduler.add(run)
    eventually(lambda: run.suspended)                # nobody looked at it: dropped
    assert scheduler.n_jobs == 0
    held = run.trainer.epoch
    scheduler.idle_seconds = 20.0
    run.touch()                                    # what a page does on every draw
    scheduler.add(run)
    eventually(lambda: run.trainer.epoch > held)
    run.pause()


def test_a_page_answering_a_click_draws_before_the_queued_redraws(eventually):
    lock = FifoRLock()
    order = []

    def draw(name: str, urgent: bool) -> None:
        with lock.hold(urgent):
            order.append(name)

    with lock.hold():
        threads = []
        for i, (name, urgent) in enumerate([("frame1", False), ("frame2", False), ("click", True)]):
            threads.append(threading.Thread(target=draw, args=(name, urgent)))
            threads[-1].start()
            eventually(lambda n=i + 1: sum(map(len, lock._waiting)) == n)
    for thread in threads:
        thread.join(timeout=5)
    assert order == ["click", "frame1", "frame2"]
