"""Work in pieces (scratchnet/train/pieces.py): a big epoch, a big batch, a big network's evaluation and pictures
are cut into pieces of bounded size, and the result is the one computed in one go (exactly, where a piece
holds all of it; to rounding, where a batch's gradient is added up from chunks)."""

from __future__ import annotations

import time

import pytest
import torch

from scratchnet import BatchedTrainer, Config, Sweep, Trainer
from scratchnet.draw.surface import decision_surface, decision_surface_steps
from scratchnet.net.backward import LOSS_AND_GRADS
from scratchnet.net.entries import parse_entry
from scratchnet.train import pieces as pieces_module
from scratchnet.train.epoch import batch_indices, epoch_steps, train_on_batches
from scratchnet.train.metrics import measure, measure_steps
from scratchnet.train.pieces import PIECE_MACS, finish, macs_per_row, rows_per_piece

BIG = Config(hidden=(128,) * 8, n_points=5000, epochs=10)


def count_pieces(steps) -> tuple[int, object]:
    n = 0
    while True:
        try:
            next(steps)
        except StopIteration as done:
            return n, done.value
        n += 1


def one_epoch(cfg: Config, rows: int | None):
    """A trainer after one epoch: in one go (`rows` None), or in pieces with batches in chunks of `rows`."""
    t = Trainer(cfg)
    batches = batch_indices(t.tensors.x_train.shape[0], cfg.batch_size, [t.shuffler], stacked=False)
    dropout = t.dropout if cfg.dropout else None
    if rows is None:
        with torch.inference_mode(cfg.backprop == "hand"):
            loss = train_on_batches(t.net, t.optimizer, t.objective, cfg.backprop, t.tensors, batches, dropout)
    else:
        loss = finish(epoch_steps(t, cfg.backprop, t.tensors, batches, dropout, None, rows))
    return t, loss


CASES = [dict(), dict(batch_size=50), dict(dropout=0.3, regularization="l2", reg_rate=0.01),
         dict(regularization="l1", reg_rate=0.003, batch_size=64),
         dict(backprop="autograd", norm="layer", optimizer="adam", lr=0.01),
         dict(optimizer="nesterov", dataset="spiral", classes=4), dict(problem="regression", dataset="plane")]


@pytest.mark.parametrize("knobs", CASES, ids=lambda k: ",".join(f"{a}={b}" for a, b in k.items()) or "default")
def test_an_epoch_in_pieces_is_the_epoch_exactly_while_no_batch_is_cut(knobs):
    cfg = Config(hidden=(16, 16), n_points=300, **knobs)
    whole, loss = one_epoch(cfg, None)
    cut, cut_loss = one_epoch(cfg, 10_000)
    assert float(cut_loss) == float(loss)
    for p, q in zip(whole.net.params, cut.net.params):
        assert torch.equal(p, q)


@pytest.mark.parametrize("knobs", CASES, ids=lambda k: ",".join(f"{a}={b}" for a, b in k.items()) or "default")
def test_a_batch_cut_into_chunks_makes_the_same_update(knobs):
    """Chunks of 7 points: their gradients, weighted by their share of the batch, add up to the batch's
    (a penalty included once); one epoch and its loss agree with the unchunked to float32 rounding."""
    cfg = Config(hidden=(16, 16), n_points=300, **knobs)
    whole, loss = one_epoch(cfg, None)
    cut, cut_loss = one_epoch(cfg, 7)
    torch.testing.assert_close(cut_loss, loss, rtol=1e-5, atol=1e-6)
    for p, q in zip(whole.net.params, cut.net.params):
        torch.testing.assert_close(p, q, rtol=1e-5, atol=1e-6)


def test_chunked_gradients_of_a_stack_match_too():
    cfgs = [Config(hidden=(12,), n_points=200, lr=lr, dropout=0.2) for lr in (0.03, 0.1, 0.3)]
    whole, cut = BatchedTrainer(cfgs), BatchedTrainer(cfgs)
    whole.advance(3)
    for _ in range(3):
        batches = batch_indices(cut.tensors.x_train.shape[0], 0, cut.shufflers, stacked=True)
        finish(cut._after_epoch(finish(epoch_steps(cut, "hand", cut.tensors, batches, cut._dropout, None, 9))))
    torch.testing.assert_close(cut.loss_history(), whole.loss_history(), rtol=1e-5, atol=1e-6)
    for p, q in zip(whole.net.params, cut.net.params):
        torch.testing.assert_close(p, q, rtol=1e-5, atol=1e-6)


def test_a_piece_is_bounded_in_work_whatever_the_knobs(monkeypatch):
    """Every call of the loss and gradients in a piece-trained epoch takes at most a piece's points (or one
    point, for a network bigger than a piece), and a piece makes at most one such call."""
    seen: list[int] = []
    hand = LOSS_AND_GRADS["hand"]

    def counted(net, x, *args):
        seen.append(x.shape[-2])
        return hand(net, x, *args)

    monkeypatch.setitem(LOSS_AND_GRADS, "hand", counted)
    for batch_size in (0, 1, 700):
        t = Trainer(BIG.replace(batch_size=batch_size))
        assert t.in_pieces
        seen.clear()
        steps = t._epoch_steps()
        for _ in range(40):
            calls = len(seen)
            next(steps)
            assert len(seen) - calls <= 1
        limit = rows_per_piece(t.net, passes=3)
        assert limit * 3 * macs_per_row(t.net) <= PIECE_MACS and max(seen) <= limit
        assert batch_size != 1 or set(seen) == {1}


def test_advance_keeps_to_its_time_mid_epoch_and_goes_on_from_there(monkeypatch):
    """With a clock that jumps a second per reading, every advance() does exactly one piece; the epoch ends
    after as many calls as it has pieces, where one advance(1) without a time limit ends it too."""
    cfg = Config(hidden=(32, 32), n_points=400, batch_size=0, epochs=100)
    monkeypatch.setattr(pieces_module, "PIECE_MACS", 40_000)      # this small network in pieces of ~13 points
    whole, cut = Trainer(cfg), Trainer(cfg)
    assert whole.advance(1) == 1
    clock = iter(range(10**6))
    monkeypatch.setattr("scratchnet.train.trainer.time.perf_counter", lambda: float(next(clock)))
    calls = 0
    while cut.epoch == 0:
        cut.advance(10**6, max_seconds=0.5)
        calls += 1
    assert calls == cut.progress > 20
    for p, q in zip(whole.net.params, cut.net.params):
        assert torch.equal(p, q), "the same pieces whoever drives them"


def test_step_finishes_an_epoch_under_way_and_new_points_drop_it(monkeypatch):
    cfg = Config(hidden=(32, 32), n_points=400, epochs=100)
    monkeypatch.setattr(pieces_module, "PIECE_MACS", 40_000)
    t = Trainer(cfg)
    t._pieces = t._epoch_steps()
    next(t._pieces)                                # a piece of epoch 1 done
    t.step()                                       # Step: the rest of it
    assert t.epoch == 1 and t._pieces is None
    t._pieces = t._epoch_steps()
    next(t._pieces)
    t.use_data(t.data)
    assert t._pieces is None and t.epoch == 1
    assert t.advance(1) == 1 and t.epoch == 2


def test_a_big_networks_evaluation_and_boundary_come_in_pieces_equal_to_one_go():
    t = Trainer(BIG)
    n, values = count_pieces(measure_steps(t.net, t.tensors, "classification"))
    assert n >= 10
    for a, b in zip(values, measure(t.net, t.tensors, "classification")):
        torch.testing.assert_close(a, b, rtol=1e-5, atol=1e-6)
    n, surface = count_pieces(decision_surface_steps(t.net, BIG.features, t.data.bounds, "classification", 100))
    assert n >= 10
    torch.testing.assert_close(torch.from_numpy(surface.values),
                               torch.from_numpy(decision_surface(t.net, BIG.features, t.data.bounds,
                                                                 "classification", 100).values), rtol=1e-5, atol=1e-6)


def test_a_small_network_is_never_cut():
    t = Trainer(Config())
    assert not t.in_pieces and count_pieces(measure_steps(t.net, t.tensors, "classification"))[0] == 0
    assert t.evaluation_steps() is not None and count_pieces(t.evaluation_steps())[0] == 0


def test_an_evaluation_in_pieces_is_recorded_unless_the_network_changed_meanwhile():
    t = Trainer(BIG)
    t.history.evaluations.clear()
    steps = t.evaluation_steps()
    next(steps)
    t.set_entry(parse_entry("W1[1,1]", BIG.layer_sizes), 0.5)
    n, evaluation = count_pieces(steps)
    assert evaluation.epoch == 0 and not t.history.evaluations, "measured before the edit: not recorded"
    n, evaluation = count_pieces(t.evaluation_steps())
    assert t.history.evaluations == [evaluation]


def test_compare_at_its_largest_trains_in_bounded_pieces():
    """24 seeds of 8×128 on 5,000 points in batches of one held one turn for 23 s."""
    cfgs = [BIG.replace(batch_size=1, init_seed=s) for s in range(24)]
    sweep = Sweep(cfgs)
    (_, stack), = sweep.stacks
    assert stack.in_pieces
    start = time.thread_time()
    sweep.advance(10**9, max_seconds=0.02)
    assert stack.progress >= 1 and stack.epoch == 0
    assert time.thread_time() - start < 2.0, "a piece is a batch of one: milliseconds, not an epoch"


@pytest.mark.parametrize("batch_size", [0, 8])
def test_step_in_pieces_is_step_exactly_even_past_the_rounds_end(monkeypatch, batch_size):
    """Step on a network too big for one piece (the app's training thread trains it, a piece per call here):
    the same epochs as `step`, and the end of a round stops neither."""
    cfg = Config(hidden=(32, 32), n_points=400, batch_size=batch_size, epochs=1)
    monkeypatch.setattr(pieces_module, "PIECE_MACS", 40_000)      # ~11 points a piece
    whole, cut = Trainer(cfg), Trainer(cfg)
    assert cut.in_pieces
    for epoch in (1, 2):
        whole.step()
        calls = 1
        while not cut.step_in_pieces(max_seconds=0.0):             # one piece a call
            calls += 1
        assert cut.epoch == whole.epoch == epoch and calls > 10 and not cut.mid_epoch
        assert cut.stopped is None and whole.stopped is None
        for p, q in zip(whole.net.params, cut.net.params):
            assert torch.equal(p, q)


def test_step_traced_can_leave_the_rest_of_its_epoch_to_pieces(monkeypatch):
    cfg = Config(hidden=(32, 32), n_points=400, batch_size=8, epochs=100)
    monkeypatch.setattr(pieces_module, "PIECE_MACS", 40_000)
    whole, cut = Trainer(cfg), Trainer(cfg)
    first = whole.step_traced()
    trace = cut.step_traced(rest_in_pieces=True)
    assert cut.epoch == 0 and cut.mid_epoch, "only the traced step is taken at once"
    assert torch.equal(trace.grads[0], first.grads[0])
    while not cut.step_in_pieces(max_seconds=0.0):
        pass
    assert cut.epoch == whole.epoch == 1
    assert cut.history.losses == pytest.approx(whole.history.losses)
    for p, q in zip(whole.net.params, cut.net.params):
        assert torch.equal(p, q)
