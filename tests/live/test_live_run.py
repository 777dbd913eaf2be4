"""The UI's training machinery as plain Python: LiveRun, LiveSweep and the shared Scheduler."""

from __future__ import annotations

import json
import threading
import time

import pytest
import torch

from live.channel import CurveAsk
from live.run import MAX_STEPS_AHEAD, LiveRun, checkpoint_epochs
from live.scheduler import Scheduler
from live.sweep import LiveSweep
from scratchnet.config import Config


@pytest.fixture
def scheduler():
    return Scheduler(slice_seconds=0.01, idle_seconds=1.0)


def test_play_pause_step_reset_and_rounds_of_epochs():
    run = LiveRun(Config(epochs=40), speed="max")
    assert run.play_goal() == 40
    run.play()
    while run.playing:
        run.work(0.05)
    assert run.trainer.epoch == 40 and run.trainer.stopped == "epochs" and run.play_goal() == 80
    trained = run.trainer.net.clone()
    run.play()                                    # Play after the end: another round from here, not a start-over
    assert run.playing and run.trainer.epoch == 40 and run.trainer.stopped is None
    assert all(torch.equal(a, b) for a, b in zip(run.trainer.net.params, trained.params))
    while run.playing:
        run.work(0.05)
    assert run.trainer.epoch == 80 and run.trainer.stopped == "epochs"
    assert run.stop_notice() == ("success", "Trained to epoch 80. Play goes on to epoch 120; Reset starts over from "
                                            "epoch 0.")
    run.step()                                    # one epoch, into the next round
    assert run.trainer.epoch == 81 and not run.playing and run.stop_notice() is None and run.play_goal() == 120
    run.play()
    run.work(0.05)
    run.pause()
    at = run.trainer.epoch
    assert run.work(0.05) == 0 and run.trainer.epoch == at
    run.reset()
    assert run.trainer.epoch == 0 and run.checkpoints[0][0] == 0 and run.play_goal() == 40


def test_the_history_and_checkpoints_go_on_over_rounds():
    run = LiveRun(Config(epochs=30), speed="max")
    for _ in range(3):
        run.play()
        while run.playing:
            run.work(0.05)
    assert run.trainer.epoch == 90
    assert run.trainer.history.epochs[-1] == 90 and len(run.trainer.history.losses) == 90
    assert [e for e, _ in run.checkpoint_list()][-3:] == [50, 60, 80]   # the plan goes on past the knob
    assert run.frame_state().curves.train_epochs[-1] == 90


def test_a_shorter_epochs_knob_stops_at_its_next_multiple_and_a_longer_one_goes_on():
    run = LiveRun(Config(epochs=100), speed="max")
    run.play()
    while run.trainer.epoch < 30:
        run.work(0.001)
    run.pause()
    at = run.trainer.epoch
    run.apply(run.cfg.replace(epochs=20))         # a round is now 20 epochs: the run stops at the next multiple
    assert run.play_goal() == (at // 20 + 1) * 20
    run.play()
    while run.playing:
        run.work(0.05)
    assert run.trainer.epoch == (at // 20 + 1) * 20
    run.apply(run.cfg.replace(epochs=1000))       # a longer run: no longer at its end
    assert run.stop_notice() is None and run.play_goal() == 1000


def test_play_after_the_target_accuracy_goes_on_to_the_end_of_the_round():
    run = LiveRun(Config(dataset="xor", epochs=400, target_accuracy=0.9), speed="max")
    run.play()
    while run.playing:
        run.work(0.05)
    reached = run.trainer.epoch
    assert run.trainer.stopped == "target" and reached < 400
    kind, text = run.stop_notice()
    assert kind == "success" and text.startswith("Reached ") and text.endswith(
        "Play goes on to epoch 400; Reset starts over from epoch 0.")
    run.play()                                    # the target, reached once, does not stop it again
    while run.playing:
        run.work(0.05)
    assert run.trainer.epoch == 400 and run.trainer.stopped == "epochs"
    run.reset()                                   # a new run can reach it again
    run.play()
    while run.playing:
        run.work(0.05)
    assert run.trainer.stopped == "target" and run.trainer.epoch == reached


@pytest.mark.perf
def test_a_speed_of_30_trains_about_30_epochs_a_second():
    run = LiveRun(Config(epochs=10_000), speed="30")
    run.play()
    start = time.monotonic()
    while time.monotonic() - start < 1.0:
        run.work(0.02)
        time.sleep(0.005)
    assert 10 <= run.trainer.epoch <= 40                # the cap, never more; less on a busy machine


def test_live_knobs_apply_without_losing_progress():
    run = LiveRun(Config(epochs=10_000), speed="max")
    run.play()
    run.work(0.05)
    epoch = run.trainer.epoch
    new = run.cfg.replace(lr=0.5, regularization="l2", reg_rate=0.01)
    assert run.can_take(new)
    run.apply(new)
    assert run.trainer.epoch == epoch and run.trainer.optimizer.lr == 0.5
    assert not run.can_take(run.cfg.replace(hidden=(3,)))
    assert not run.can_take(run.cfg.replace(noise=0.5))


def test_frame_state_is_a_consistent_copy_with_a_thinned_curve():
    run = LiveRun(Config(epochs=5000), speed="max")
    run.play()
    while run.playing:
        run.work(0.1)
    state = run.frame_state()
    assert state.snapshot.epoch == 5000
    assert len(state.curves.train_losses) <= 1001 and state.curves.train_epochs[-1] == 5000
    assert state.curves.train_losses[-1] == run.trainer.history.losses[-1]
    state.net.weights[0].data.zero_()                       # a copy: the run is untouched
    assert run.trainer.net.weights[0].abs().sum() > 0


def test_checkpoints_cover_the_run_and_stay_bounded():
    plan = checkpoint_epochs(1000)
    assert plan[:10] == list(range(10)) and 1000 in plan and plan == sorted(set(plan))
    run = LiveRun(Config(epochs=300), speed="max")
    run.play()
    while run.playing:
        run.work(0.1)
    epochs = [e for e, _ in run.checkpoint_list()]
    assert epochs[0] == 0 and epochs[-1] == 300 and epochs == sorted(epochs)
    assert len(epochs) <= 80


def test_exports_show_the_run_as_it_is():
    run = LiveRun(Config(epochs=20), speed="max")
    run.play()
    while run.playing:
        run.work(0.1)
    assert run.history_csv().count("\n") == 21
    weights = json.loads(run.run_file_json())
    assert weights["config"]["epochs"] == "20" and len(weights["weights"]) == 2
    page = run.figures_html()
    assert page.startswith("<!doctype html>") and "Plotly" in page


def test_divergence_stops_the_run_with_the_message():
    run = LiveRun(Config(problem="regression", dataset="plane", lr=10.0, hidden=(64, 64), epochs=5000), speed="max")
    run.play()
    deadline = time.monotonic() + 10
    while run.playing and time.monotonic() < deadline:
        run.work(0.1)
    assert run.trainer.stopped == "diverged" and not run.playing
    assert "diverged" in run.frame_state().snapshot.message


def test_scheduler_trains_playing_runs_and_drops_idle_ones(scheduler, eventually):
    a, b = LiveRun(Config(epochs=10**6), speed="max"), LiveRun(Config(epochs=10**6, hidden=(4,)), speed="max")
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
    old = LiveRun(Config(epochs=10**6), speed="max")
    old.play()
    scheduler.add(old)
    for _ in range(20):                                 # a burst of slider changes
        new = LiveRun(Config(epochs=10**6, hidden=(3,)), speed="max")
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

    good = LiveRun(Config(epochs=10**6), speed="max")
    good.play()
    broken = Broken()
    scheduler.add(broken)
    scheduler.add(good)
    eventually(lambda: good.trainer.epoch > 10)
    assert broken.suspended
    good.pause()


def test_live_sweep_trains_all_runs_to_the_same_epoch():
    base = Config(epochs=60)
    sweep = LiveSweep([base.replace(lr=lr) for lr in (0.01, 0.1, 1.0)] + [base.replace(activation="tanh")], speed="max")
    sweep.play()
    while sweep.playing:
        sweep.work(0.1)
    state = sweep.frame_state()
    assert state.done and state.epoch == 60 and state.curve_epochs == [list(range(1, 61))] * 4
    assert len(state.surfaces) == 4 and state.surfaces[0].values.shape == (40, 40)
    assert state.rows[2]["train_loss"] < state.rows[0]["train_loss"]       # lr 1.0 beats lr 0.01 in 60 epochs


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
    run = LiveRun(Config(epochs=10**6), speed="max")
    run.play()
    scheduler.idle_seconds = 0.2
    scheduler.add(run)
    eventually(lambda: run.suspended)                # nobody looked at it: dropped
    assert scheduler.n_jobs == 0
    held = run.trainer.epoch
    scheduler.idle_seconds = 20.0
    scheduler.keep(run)                            # what a page or a live frame does when it shows the run
    eventually(lambda: run.trainer.epoch > held)
    run.pause()


def test_frame_state_gives_the_loss_points_a_chart_does_not_have():
    run = LiveRun(Config(epochs=10**6), speed="max")
    first = run.frame_state()
    assert first.curves.full and first.curves.train_epochs == [0] and first.curves.test_epochs == [0]
    assert first.curves.train_losses[0] == pytest.approx(first.snapshot.train_loss)
    for _ in range(7):
        run.step()
    c = first.curves
    later = run.frame_state(c.key, CurveAsk((c.train_epochs[-1], c.test_epochs[-1]), c.stride))
    assert not later.curves.full and later.curves.train_epochs == list(range(1, 8))
    assert later.curves.train_losses == run.trainer.history.losses
    assert later.curves.test_epochs[-1] == 7 and later.version == run.version
    sparser = run.frame_state(c.key, CurveAsk((2, 7), 4))        # the chart thinned itself to every 4th epoch
    assert sparser.curves.train_epochs == [4] and sparser.curves.test_epochs == []
    run.reset()
    again = run.frame_state(later.key, CurveAsk((7, 7)))         # a reset: another key, the whole curve
    assert again.key != later.key and again.curves.full and again.curves.train_epochs == [0]


def test_a_long_run_sends_its_curve_thinned_to_a_power_of_two_stride():
    run = LiveRun(Config(epochs=10**6), speed="max")
    with run.lock:
        run.trainer.advance(2500)
    state = run.frame_state()
    c = state.curves
    assert c.stride == 4 and len(c.train_epochs) == 2500 // 4 + 1        # epoch 0, then every 4th
    assert all(e % 4 == 0 for e in c.train_epochs)
    assert c.train_losses[-1] == run.trainer.history.losses[-1]


def test_sweep_frame_state_gives_each_run_its_new_points():
    sweep = LiveSweep([Config(lr=lr, epochs=300) for lr in (0.01, 0.1, 1.0)])
    first = sweep.frame_state()
    assert first.full and first.curve_epochs == [[], [], []] and len(first.surfaces) == 3
    sweep.sweep.advance(120)
    state = sweep.frame_state(first.key, CurveAsk((0, 0, 0)))
    assert [len(e) for e in state.curve_epochs] == [120] * 3
    histories = sweep.sweep.loss_histories()
    assert state.curve_losses[1] == pytest.approx(histories[1].tolist())
    sweep.sweep.advance(10)
    assert sweep.frame_state(first.key, CurveAsk((120,) * 3, 4)).curve_epochs == [[124, 128]] * 3


def test_frames_are_built_on_the_training_thread_in_arrival_order(scheduler):
    names = [scheduler.build(lambda i=i: (i, threading.current_thread().name)).result(timeout=5) for i in range(5)]
    assert names == [(i, "scratchnet-trainer") for i in range(5)]
    failing = scheduler.build(lambda: 1 / 0)
    with pytest.raises(ZeroDivisionError):
        failing.result(timeout=5)                    # a broken frame is its socket's problem, not the thread's
    assert scheduler.build(lambda: "still here").result(timeout=5) == "still here"


@pytest.mark.perf
def test_training_keeps_half_the_thread_however_many_frames_are_asked_for():
    scheduler = Scheduler(slice_seconds=0.005, idle_seconds=20.0)
    job = FakeJob(0.005)
    scheduler.add(job)
    stop = time.monotonic() + 1.5

    def frame() -> None:                             # a frame that costs a millisecond
        end = time.perf_counter() + 0.001
        while time.perf_counter() < end:
            pass

    def asker() -> None:                             # pages asking for frames as fast as they can
        while time.monotonic() < stop:
            scheduler.build(frame).result(timeout=5)

    askers = [threading.Thread(target=asker) for _ in range(8)]
    for thread in askers:
        thread.start()
    for thread in askers:
        thread.join()
    job.playing = False
    trained, framed = job.used, scheduler.frame_seconds
    assert trained >= 0.6 * framed > 0, (trained, framed)    # about half and half; never frames alone


BIG_STEP = Config(hidden=(32, 32), n_points=400, batch_size=8, epochs=2)


@pytest.fixture
def small_pieces(monkeypatch):
    """BIG_STEP's epoch is too big for one piece (~11 points a piece): a Step of it trains in pieces."""
    from scratchnet.train import pieces

    monkeypatch.setattr(pieces, "PIECE_MACS", 40_000)


def test_step_on_a_big_network_is_a_target_the_training_thread_reaches_in_pieces(small_pieces):
    run = LiveRun(BIG_STEP, speed="max")
    version = run.version
    run.step()
    assert run.trainer.epoch == 0 and run.stepping and run.wants_cpu() and not run.playing, "nothing trained here"
    assert run.version > version
    for _ in range(3):
        run.step()                                    # pressed again while it trains: more epochs to train
    assert run.steps_left == 4
    for _ in range(3 * MAX_STEPS_AHEAD):
        run.step()
    assert run.steps_left == MAX_STEPS_AHEAD, "a held-down Step queues a bounded number of epochs"
    version = run.version
    run.work(0.001)
    assert run.trainer.progress > 0 and run.version > version, "pieces of a turn, shown"
    while run.stepping:
        run.work(0.001)
    assert run.trainer.epoch == MAX_STEPS_AHEAD and run.trainer.stopped is None, "Step goes past a round's end"
    assert not run.wants_cpu() and run.work(0.05) == 0


def test_pause_reset_and_play_take_over_a_step_under_way(small_pieces):
    run = LiveRun(BIG_STEP, speed="max")
    run.step()
    run.step()
    run.work(0.001)
    run.pause()
    assert not run.stepping and not run.wants_cpu() and run.trainer.epoch == 0
    run.step()
    run.reset()
    assert not run.stepping and run.trainer.epoch == 0 and not run.trainer.mid_epoch
    run.step()
    run.work(0.001)
    under_way = run.trainer.progress
    assert run.trainer.mid_epoch and under_way > 0
    run.play()                                        # Play goes on with the epoch under way
    assert not run.stepping and run.playing
    assert run.trainer.mid_epoch and run.trainer.progress == under_way and run.trainer.epoch == 0
    run.work(0.001)
    assert run.trainer.progress > under_way           # (a turn may also finish the run's second epoch: no count)


def test_a_small_networks_step_is_trained_at_once():
    run = LiveRun(Config())
    run.step()
    assert run.trainer.epoch == 1 and not run.stepping and not run.wants_cpu()


def test_step_slowly_on_a_big_network_opens_the_first_step_and_leaves_the_rest_to_the_thread(small_pieces):
    run = LiveRun(BIG_STEP, speed="max")
    trace = run.step_slowly()
    assert trace is not None and trace.epoch == 1 and run.trainer.epoch == 0 and run.stepping
    assert run.step_slowly() is None, "the walk opens an epoch's first step: not while one trains"
    while run.stepping:
        run.work(0.001)
    assert run.trainer.epoch == 1
    run.play()
    run.work(0.001)
    run.pause()
    assert run.trainer.mid_epoch
    assert run.step_slowly() is None and run.stepping, "a paused epoch under way trains to its end first"
    while run.stepping:
        run.work(0.001)
    assert run.trainer.epoch == 2 and not run.trainer.mid_epoch and run.step_slowly() is not None


def test_the_scheduler_trains_a_big_step_from_its_sessions_share(small_pieces, scheduler):
    run = LiveRun(BIG_STEP, speed="max")
    scheduler.add(run, "learner")
    run.step()
    scheduler.keep(run, "learner")
    # The thread charges a turn after the turn: the step can be done a moment before its CPU time is counted.
    def charged() -> float:
        account = scheduler._accounts.get("learner")
        return account.used if account else 0.0

    deadline = time.monotonic() + 30
    while (run.stepping or not charged()) and time.monotonic() < deadline:
        time.sleep(0.01)
    assert run.trainer.epoch == 1 and not run.stepping
    assert charged() > 0, "paid from the learner's share"
