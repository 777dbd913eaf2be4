"""The network diagram's pure parts: entry names (the accessible-name contract), the builder's shapes,
order and "+N more" bands, unit pictures, the traced step behind "Step slowly", the Trainer's newest
gradients and edits, and the diagram's part of a live frame."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from live.diagram import DiagramView, diagram_chart, diagram_key, playground_chart, walk_spec, walk_stages
from live.frames import Frame, PlaygroundView, decode, playground_frame
from live.run import LiveRun
from scratchnet.config import FEATURES, Config
from scratchnet.draw.diagram_data import MAX_SHOWN, build_diagram, feature_pictures, picture_codes, unit_pictures
from scratchnet.draw.palette import DEFAULT
from scratchnet.draw.surface import grid_points
from scratchnet.net.backward import hand_loss_and_grads
from scratchnet.net.entries import EDIT_LIMIT, Entry, bias_name, entry_value, parse_entry, parse_value, weight_name
from scratchnet.net.model import Net, forward, init_net, net_for
from scratchnet.train.trainer import Trainer

SIZES = (2, 5, 3, 2)
BOUNDS = (-2.0, 2.0, -2.0, 2.0)


def numpy_params(net):
    return [w.detach().numpy() for w in net.weights], [b.detach().numpy() for b in net.biases]


# --- names --------------------------------------------------------------------------------------------
def test_names_count_from_one_with_the_input_unit_as_the_row():
    assert weight_name(0, 1, 2) == "W1[2,3]" and bias_name(1, 0) == "b2[1]"
    net = init_net(SIZES, seed=3)
    entry = parse_entry("W1[2,3]", SIZES)
    assert entry == Entry("W", 0, 1, 2) and entry.name == "W1[2,3]"
    assert entry_value(net, entry) == float(net.weights[0].detach()[1, 2])
    assert parse_entry(" b2 [ 1 ] ", SIZES) == Entry("b", 1, 0, 0)
    assert entry_value(net, parse_entry("W3[3,2]", SIZES)) == float(net.weights[2].detach()[2, 1])


@pytest.mark.parametrize("name, says", [
    ("W1[2]", "two indices"), ("b1[1,2]", "two indices"), ("W4[1,1]", "layers 1 to 3"),
    ("W1[3,1]", "W1 has rows 1 to 2"), ("W1[0,1]", "rows 1 to 2"), ("b2[4]", "units 1 to 3"),
    ("x1", "not a weight or bias name"), ("W1[1,1]; drop", "not a weight or bias name")])
def test_a_bad_name_says_what_is_wrong(name, says):
    with pytest.raises(ValueError, match=says.replace("[", r"\[")):
        parse_entry(name, SIZES)


def test_values_a_learner_may_type():
    assert parse_value(" -0.5 ") == -0.5 and parse_value("−1.25") == -1.25 and parse_value(3) == 3.0
    assert parse_value(str(EDIT_LIMIT)) == EDIT_LIMIT
    for text, says in (("abc", "is not a number"), ("nan", "not a finite number"), ("inf", "not a finite number"),
                       (str(EDIT_LIMIT * 1.01), "out of range"), ("", "is not a number")):
        with pytest.raises(ValueError, match=says):
            parse_value(text)


# --- the builder --------------------------------------------------------------------------------------
def test_a_small_network_is_drawn_whole_in_the_tensors_order():
    diagram = build_diagram(SIZES)
    assert diagram.shown == SIZES and diagram.more == (0, 0, 0, 0)
    weights, biases = diagram.weights(), diagram.biases()
    assert len(weights) == 2 * 5 + 5 * 3 + 3 * 2 == 31 and len(biases) == 5 + 3 + 2 == 10
    assert [e.name for e in weights[:6]] == ["W1[1,1]", "W1[1,2]", "W1[1,3]", "W1[1,4]", "W1[1,5]", "W1[2,1]"]
    assert weights[10].name == "W2[1,1]" and weights[-1].name == "W3[3,2]"
    assert [e.name for e in biases] == [f"b1[{j}]" for j in range(1, 6)] + ["b2[1]", "b2[2]", "b2[3]",
                                                                          "b3[1]", "b3[2]"]
    assert not diagram.weight_bands() and not diagram.bias_bands()
    net = init_net(SIZES, seed=7)
    with torch.no_grad():
        for b in net.biases:
            b.normal_()
    values = diagram.net_values(net)
    assert values.dtype == np.float32 and values.shape == (41,)
    expected = [entry_value(net, e) for e in weights + biases]
    assert values.tolist() == expected                    # the frame's numbers, in the names' order, exactly


def test_a_wide_layer_shows_its_first_units_and_a_band_of_the_rest():
    diagram = build_diagram((2, 20, 3, 2))
    assert diagram.shown == (2, MAX_SHOWN - 1, 3, 2) and diagram.more == (0, 5, 0, 0)
    assert len(diagram.weights()) == 2 * 15 + 15 * 3 + 3 * 2
    bands = diagram.weight_bands()
    assert [(b.name, b.count) for b in bands] == [
        ("W1[1,16–20]", 5), ("W1[2,16–20]", 5), ("W2[16–20,1]", 5), ("W2[16–20,2]", 5), ("W2[16–20,3]", 5)]
    assert [(b.name, b.count) for b in diagram.bias_bands()] == [("b1[16–20]", 5)]
    net = init_net((2, 20, 3, 2), seed=1)
    with torch.no_grad():
        net.biases[0].normal_()
    values = diagram.net_values(net)
    weights, biases = numpy_params(net)
    start = len(diagram.weights()) + len(diagram.biases())
    w1 = weights[0][0, 15:]                               # x1 to the band: the first band's numbers
    assert values[start:start + 2].tolist() == pytest.approx([w1.mean(), np.abs(w1).mean()])
    w2 = weights[1][15:, 2]
    assert values[start + 8:start + 10].tolist() == pytest.approx([w2.mean(), np.abs(w2).mean()])
    b1 = biases[0][0, 15:]
    assert values[-2:].tolist() == pytest.approx([b1.mean(), np.abs(b1).mean()])


def test_every_band_number_sits_where_the_bands_order_says():
    sizes = (3, 18, 20, 17, 4)                            # bands on both sides of a layer, and band to band
    diagram = build_diagram(sizes)
    net = init_net(sizes, seed=5)
    with torch.no_grad():
        for b in net.biases:
            b.normal_()
    weights, biases = numpy_params(net)
    values = diagram.net_values(net)
    start = len(diagram.weights()) + len(diagram.biases())
    bands = diagram.weight_bands() + diagram.bias_bands()
    assert values.shape == (start + 2 * len(bands),)
    assert {b.name for b in bands} >= {"W2[16–18,16–20]", "W3[16–20,16–17]", "b3[16–17]"}
    for k, band in enumerate(bands):
        source = weights if band.kind == "W" else biases
        block = source[band.layer][band.rows[0]:band.rows[1], band.cols[0]:band.cols[1]]
        assert block.size == band.count
        assert values[start + 2 * k:start + 2 * k + 2].tolist() == pytest.approx(
            [block.mean(), np.abs(block).mean()], rel=1e-5, abs=1e-7), band.name


def test_eight_layers_of_128_units_stay_a_readable_drawing():
    sizes = (7, *[128] * 8, 8)
    diagram = build_diagram(sizes)
    assert max(diagram.shown) <= MAX_SHOWN and diagram.shown == (7, *[15] * 8, 8)
    drawn = len(diagram.weights())
    assert drawn == 7 * 15 + 15 * 15 * 7 + 15 * 8
    values = diagram.net_values(init_net(sizes))
    assert values.size < 5_000 < sum(a * b for a, b in zip(sizes, sizes[1:]))   # the frame's numbers stay few


def test_the_builder_refuses_what_is_not_a_network():
    with pytest.raises(ValueError, match="at least an input and an output"):
        build_diagram((2,))
    with pytest.raises(ValueError, match="max_shown"):
        build_diagram((2, 3), max_shown=1)


# --- pictures -----------------------------------------------------------------------------------------
def test_pictures_put_zero_at_127_and_the_top_row_first():
    values = np.array([[[0.0, 1.0], [-2.0, 0.5]]])        # row 0 is the lowest y
    codes = picture_codes(values)
    assert codes.tolist() == [[[0, 159], [127, 190]]]     # flipped: the highest y on top; -2 is the extreme
    assert picture_codes(np.zeros((1, 2, 2))).tolist() == [[[127, 127], [127, 127]]]
    assert picture_codes(np.full((1, 1, 1), np.nan)).tolist() == [[[127]]]


def test_each_drawn_unit_pictures_what_it_computes_and_its_range():
    net = init_net((2, 20, 3, 2), seed=2)
    diagram = build_diagram((2, 20, 3, 2))
    pictures, ranges = unit_pictures(net, ("x1", "x2"), BOUNDS, diagram, resolution=8)
    assert pictures.shape == (15 + 3 + 2, 8, 8) and pictures.dtype == np.uint8 and ranges.shape == (20, 2)
    with torch.inference_mode():
        out, cache = forward(net, grid_points(BOUNDS, 8))
    unit = cache.inputs[2][:, 1].numpy()                  # hidden layer 2, unit 2: picture 15 + 1
    assert ranges[16].tolist() == pytest.approx([unit.min(), unit.max()])
    logit = out[:, 1].numpy()
    assert ranges[-1].tolist() == pytest.approx([logit.min(), logit.max()])
    features, feature_ranges = feature_pictures(FEATURES, BOUNDS, 8)
    assert features.shape == (7, 8, 8) and feature_ranges[0].tolist() == [-2.0, 2.0]


# --- the traced step and the Trainer ------------------------------------------------------------------
def test_a_traced_step_is_the_hand_written_step():
    cfg = Config(hidden=(5, 3))
    trainer = Trainer(cfg)
    start = net_for(cfg)
    trace = trainer.step_traced()
    _, grads = hand_loss_and_grads(start, trainer.tensors.x_train, trainer.tensors.t_train, trainer.objective)
    for traced, hand in zip(trace.grads, grads):
        assert torch.equal(traced, hand)
    for before, first, after, g, now in zip(trace.before.params, start.params, trace.after.params, grads,
                                            trainer.net.params):
        assert torch.equal(before.detach(), first.detach())
        assert torch.allclose(after.detach(), before.detach() - cfg.lr * g, atol=1e-7)
        assert torch.equal(after.detach(), now.detach())
    assert trace.points == trace.train_points == 160 and trace.epoch == 1 and trainer.epoch == 1
    with torch.inference_mode():
        _, cache = forward(start, trainer.tensors.x_train)
    assert torch.allclose(trace.unit_means()[0], cache.inputs[1].mean(0))
    plain = Trainer(cfg)
    plain.step()
    assert all(torch.equal(a.detach(), b.detach()) for a, b in zip(plain.net.params, trainer.net.params))


def test_a_traced_mini_batch_step_trains_the_rest_of_the_epoch_as_ever():
    cfg = Config(hidden=(4,), batch_size=16)
    traced, plain = Trainer(cfg), Trainer(cfg)
    trace = traced.step_traced()
    plain.step()
    assert trace.points == 16 and trace.train_points == 160
    assert all(torch.equal(a.detach(), b.detach()) for a, b in zip(plain.net.params, traced.net.params))
    assert traced.history.losses == pytest.approx(plain.history.losses, rel=1e-6)
    latest = traced.latest_step()
    assert latest.points == 16 and latest.backprop == "hand" and latest.epoch == 1


def test_the_trainer_keeps_the_gradients_of_its_newest_step():
    cfg = Config(hidden=(5, 3))
    trainer = Trainer(cfg)
    assert trainer.latest_step() is None
    trainer.step()
    before = [p.detach().clone() for p in trainer.net.params]
    trainer.step()
    latest = trainer.latest_step()
    net = Net([p.clone().requires_grad_() for p in before[0::2]], [p.clone().requires_grad_() for p in before[1::2]],
              "relu")
    _, grads = hand_loss_and_grads(net, trainer.tensors.x_train, trainer.tensors.t_train, trainer.objective)
    assert latest.epoch == 2 and latest.points == 160 and latest.backprop == "hand"
    for kept, hand in zip(latest.grads, grads):
        assert torch.allclose(kept, hand, atol=1e-7)
    trainer.reset()
    assert trainer.latest_step() is None
    auto = Trainer(cfg.replace(backprop="autograd"))
    auto.step()
    assert auto.latest_step().backprop == "autograd"


def test_an_edited_entry_is_trained_from_and_measured_again():
    trainer = Trainer(Config(hidden=(5, 3)))
    loss = trainer.evaluate().train_loss
    trainer.set_entry(parse_entry("W2[1,2]", SIZES), 7.5)
    assert float(trainer.net.weights[1].detach()[0, 1]) == 7.5
    assert trainer.net.weights[1].is_leaf and trainer.net.weights[1].requires_grad
    assert trainer.evaluate().train_loss != loss          # the metrics are of the edited network
    trainer.step()
    assert float(trainer.net.weights[1].detach()[0, 1]) != 7.5     # and training goes on from it


def test_a_live_run_edit_lands_under_its_lock_and_a_bad_one_changes_nothing():
    run = LiveRun(Config(hidden=(5, 3)))
    version = run.version
    assert run.set_entry("b2[1]", "0.052") == pytest.approx(0.052)
    assert float(run.trainer.net.biases[1].detach()[0, 0]) == pytest.approx(0.052) and run.version == version + 1
    before = [p.detach().clone() for p in run.trainer.net.params]
    for name, value, says in (("W1[2,3]", "abc", "not a number"), ("W9[1,1]", "1", "layers 1 to 3"),
                              ("W1[2,3]", "1e6", "out of range")):
        with pytest.raises(ValueError, match=says):
            run.set_entry(name, value)
    assert all(torch.equal(a, b.detach()) for a, b in zip(before, run.trainer.net.params))
    assert run.version == version + 1


# --- the page's part ----------------------------------------------------------------------------------
def test_the_chart_names_every_drawn_entry_in_the_frames_order():
    cfg = Config(hidden=(5, 3), features=("x1", "x2", "x1x2"))
    chart = diagram_chart(cfg, BOUNDS, DEFAULT, height="600px", editable=True, toggles=True)
    diagram = build_diagram(cfg.layer_sizes)
    assert [w[3] for w in chart["weights"]] == [e.name for e in diagram.weights()]
    assert [b[2] for b in chart["biases"]] == [e.name for e in diagram.biases()]
    inputs = chart["columns"][0]["units"]
    assert [u["feature"] for u in inputs] == list(FEATURES)                 # all seven, to turn on and off
    assert [(u["feature"], u["row"]) for u in inputs if u["active"]] == [("x1", 0), ("x2", 1), ("x1x2", 2)]
    assert [c["title"] for c in chart["columns"]] == ["Inputs", "Hidden layer 1 · 5", "Hidden layer 2 · 3",
                                                      "Output · 2"]
    assert chart["columns"][3]["units"][1]["label"] == "out[2] (class 1)"
    hidden = playground_chart(cfg, BOUNDS, DEFAULT, height="1px", class_names=None, hide=("features",))
    assert hidden["toggles"] is False and "shape" in hidden
    assert [u["feature"] for u in hidden["columns"][0]["units"]] == ["x1", "x2", "x1x2"]
    assert hidden["key"] == chart["key"] == diagram_key(cfg) != diagram_key(cfg.replace(hidden=(5, 4)))


def test_a_frame_carries_the_weights_the_gradients_and_the_pictures():
    cfg = Config(hidden=(5, 3))
    run = LiveRun(cfg)
    view = PlaygroundView(DEFAULT, units=False, diagram=DiagramView())
    first = decode(playground_frame(run.frame_state(), view, units=True).encode())
    part = first.header["diagram"]
    assert part["key"] == diagram_key(cfg) and "grads" not in part              # no step yet
    values = np.frombuffer(first.blobs[part["values"]], dtype=np.float32)
    assert values.tolist() == build_diagram(cfg.layer_sizes).net_values(run.trainer.net).tolist()
    assert np.frombuffer(first.blobs[part["pictures"]], dtype=np.uint8).size == (5 + 3 + 2) * part["res"] ** 2
    run.step()
    frame = decode(playground_frame(run.frame_state(), view, units=False).encode())
    part = frame.header["diagram"]
    assert "pictures" not in part and part["grad"] == {"epoch": 1, "points": 160, "backprop": "hand"}
    grads = np.frombuffer(frame.blobs[part["grads"]], dtype=np.float32)
    _, hand = hand_loss_and_grads(net_for(cfg), run.trainer.tensors.x_train, run.trainer.tensors.t_train,
                                  run.trainer.objective)
    expected = build_diagram(cfg.layer_sizes).values([g.numpy() for g in hand[0::2]], [g.numpy() for g in hand[1::2]])
    assert grads.tolist() == pytest.approx(expected.tolist(), abs=1e-7)


def test_step_slowly_walks_forward_loss_backward_and_the_update_with_real_shapes():
    cfg = Config(hidden=(5, 3), regularization="l1", reg_rate=0.001, optimizer="momentum", lr=0.07)
    run = LiveRun(cfg)
    trace = run.step_slowly()
    stages = walk_stages(cfg, trace)
    assert [(s["phase"], s["layer"]) for s in stages] == [
        ("forward", 1), ("forward", 2), ("forward", 3), ("loss", 3), ("backward", 3), ("backward", 2),
        ("backward", 1), ("update", 0)]
    assert stages[0]["formula"] == "Z₁ = X·W₁ + b₁,   H₁ = ReLU(Z₁)"
    assert stages[0]["shapes"] == "(160×2)·(2×5) + (1×5) → (160×5)"
    assert stages[3]["formula"].endswith("+ λ Σ|W|") and f"{trace.loss:.4f}" in stages[3]["shapes"]
    assert "dW₂: (5×160)·(160×3) → (5×3)" in stages[5]["shapes"] and "λ·sign(W₂)" in stages[5]["formula"]
    assert stages[-1]["formula"] == "v ← 0.9·v + dθ,   θ ← θ − η·v   (η = 0.07)"
    spec = walk_spec(cfg, BOUNDS, trace, 9)
    assert spec["id"] == 9 and spec["key"] == diagram_key(cfg) and spec["points"] == 160
    assert run.trainer.epoch == 1 and not run.playing


def test_frames_do_not_copy_a_wide_network_whole():
    cfg = Config(hidden=(128, 128), features=FEATURES)
    run = LiveRun(cfg)
    view = PlaygroundView(DEFAULT, units=False, diagram=DiagramView())
    frame = playground_frame(run.frame_state(), view, units=False)
    part = frame.header["diagram"]
    assert len(frame.blobs[part["values"]]) < 4 * 1_000 < 4 * (7 * 128 + 128 * 128)
    assert isinstance(frame, Frame)


@pytest.mark.parametrize("extra", [{"norm": "layer"}, {"dropout": 0.3}, {"norm": "layer", "dropout": 0.2,
                                                                          "batch_size": 32}])
def test_layer_norm_and_dropout_runs_draw_their_weights_and_trace_the_step_they_train(extra):
    cfg = Config(hidden=(5, 3), **extra)
    traced, plain = Trainer(cfg), Trainer(cfg)
    trace = traced.step_traced()
    plain.step()                                          # the same masks drawn, the same update
    assert all(torch.equal(a.detach(), b.detach()) for a, b in zip(plain.net.params, traced.net.params))
    run = LiveRun(cfg)
    run.step()
    view = PlaygroundView(DEFAULT, units=False, diagram=DiagramView())
    frame = decode(playground_frame(run.frame_state(), view, units=False).encode())
    part = frame.header["diagram"]
    diagram = build_diagram(cfg.layer_sizes)
    latest = run.trainer.latest_step()
    slots = run.trainer.net.weight_slots                  # with layer norm, γ and β sit between W and b's
    expected = diagram.values([latest.grads[s].numpy() for s in slots], [latest.grads[s + 1].numpy() for s in slots])
    assert np.frombuffer(frame.blobs[part["grads"]], dtype=np.float32).tolist() == expected.tolist()
    assert np.frombuffer(frame.blobs[part["values"]], dtype=np.float32).tolist() == \
        diagram.net_values(run.trainer.net).tolist()
    stages = walk_stages(cfg, trace)
    assert ("norm(X·W₁ + b₁)" in stages[0]["formula"]) == ("norm" in extra)
    assert ("dropout p = " in stages[0]["formula"]) == ("dropout" in extra)
