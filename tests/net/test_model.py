"""Tests for scratchnet.net.model: parameters are leaf tensors, seeded init, one forward for 1 or M models."""

from __future__ import annotations

import math
import warnings

import pytest
import torch

from scratchnet import Config, Trainer
from scratchnet.config import MAX_LAYERS, MAX_UNITS
from scratchnet.net.activations import softplus
from scratchnet.net.model import Net, forward, hidden_activations, init_net, init_std, net_for, predict
from scratchnet.train.batched import stack_nets


def test_the_tutorials_network_is_one_call():
    net = net_for(Config())
    assert [tuple(w.shape) for w in net.weights] == [(2, 10), (10, 2)]
    assert [tuple(b.shape) for b in net.biases] == [(1, 10), (1, 2)]
    assert net.activation == "relu" and net.n_layers == 2 and net.n_models is None
    assert all(p.dtype == torch.float32 for p in net.params)
    assert net.params == [net.weights[0], net.biases[0], net.weights[1], net.biases[1]]


@pytest.mark.parametrize("init", ["auto", "he", "xavier", "small"])
def test_every_parameter_is_a_leaf_that_receives_a_gradient(init):
    net = init_net([2, 10, 2], "relu", seed=0, init=init)
    for p in net.params:
        assert p.is_leaf and p.requires_grad and p.grad is None and p.grad_fn is None
    out, _ = forward(net, torch.randn(5, 2))
    out.pow(2).sum().backward()
    for p in net.params:
        assert p.grad is not None and p.grad.shape == p.shape
        assert torch.isfinite(p.grad).all()
    assert float(net.weights[0].grad.abs().sum()) > 0


def test_the_tutorials_way_is_not_a_leaf_and_its_grad_stays_none():
    """`torch.randn(..., requires_grad=True) * 0.1` is the product of a leaf, not a leaf: the
    gradient lands on the hidden random tensor and the weight the tutorial updates gets none."""
    w = torch.randn(2, 10, requires_grad=True) * 0.1
    assert not w.is_leaf and w.grad_fn is not None
    (torch.randn(4, 2) @ w).sum().backward()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)     # torch warns when .grad of a non-leaf is read
        assert w.grad is None
    # ours: the same numbers, requires_grad set on the final tensor
    ours = init_net([2, 10, 2], "relu", seed=0, init="small").weights[0]
    assert ours.is_leaf
    (torch.randn(4, 2) @ ours).sum().backward()
    assert ours.grad is not None


def test_trainer_parameters_stay_leaves_through_training_reset_and_divergence():
    trainer = Trainer(Config(epochs=20))
    for _ in trainer.run(every=5):
        pass
    checks = [trainer.net]
    trainer.reset()
    checks.append(trainer.net)
    diverging = Trainer(Config(problem="regression", dataset="plane", lr=10.0, epochs=100))
    list(diverging.run(every=1))
    assert diverging.stopped == "diverged"
    checks.append(diverging.net)
    for net in checks:
        for p in net.params:
            assert p.is_leaf and p.requires_grad


@pytest.mark.parametrize("depth", range(MAX_LAYERS + 1))
def test_depth_0_to_8_and_widths_up_to_128(depth):
    sizes = [7, *([MAX_UNITS] * depth), 5]
    net = init_net(sizes, "tanh", seed=depth)
    assert net.n_layers == depth + 1
    out, cache = forward(net, torch.randn(9, 7))
    assert out.shape == (9, 5)
    assert len(cache.inputs) == depth + 1 and len(cache.pre) == depth
    assert [h.shape for h in hidden_activations(net, torch.randn(9, 7))] == [(9, MAX_UNITS)] * depth


def test_zero_hidden_layers_is_a_linear_model():
    net = init_net([2, 3], "relu", seed=1)
    x = torch.randn(6, 2)
    out, _ = forward(net, x)
    torch.testing.assert_close(out, x @ net.weights[0] + net.biases[0])


def test_forward_is_the_written_out_network():
    net = init_net([3, 4, 5, 2], "sigmoid", seed=3)
    with torch.no_grad():
        for b in net.biases:
            b.normal_()
    x = torch.randn(8, 3)
    h = torch.sigmoid(x @ net.weights[0] + net.biases[0])
    h = torch.sigmoid(h @ net.weights[1] + net.biases[1])
    expected = h @ net.weights[2] + net.biases[2]
    torch.testing.assert_close(predict(net, x), expected)
    assert not predict(net, x).requires_grad


@pytest.mark.parametrize(("activation", "fn"), [
    ("relu", torch.relu), ("tanh", torch.tanh), ("sigmoid", torch.sigmoid), ("linear", lambda z: z),
    ("leaky_relu", lambda z: torch.where(z > 0, z, 0.01 * z)),
    ("elu", lambda z: torch.where(z > 0, z, torch.exp(z) - 1)),
    ("gelu", lambda z: z * 0.5 * (1 + torch.erf(z / math.sqrt(2)))),
    ("silu", lambda z: z / (1 + torch.exp(-z))),
    ("softplus", lambda z: torch.log1p(torch.exp(z))),
    ("sine", torch.sin),
])
def test_each_activation(activation, fn):
    net = init_net([2, 6, 1], activation, seed=2)
    x = torch.randn(10, 2)
    (h,) = hidden_activations(net, x)
    torch.testing.assert_close(h, fn(x @ net.weights[0] + net.biases[0]))


def test_softplus_is_exact_where_torchs_cuts_off():
    """torch's softplus returns z itself above 20; ours is log(1 + e^z) everywhere and never overflows."""
    z = torch.tensor([-800.0, -30.0, 0.0, 25.0, 800.0], dtype=torch.float64)
    expected = torch.tensor([0.0, math.log1p(math.exp(-30.0)), math.log(2.0), 25.0 + math.log1p(math.exp(-25.0)),
                             800.0], dtype=torch.float64)
    torch.testing.assert_close(softplus(z), expected, rtol=1e-15, atol=1e-300)
    assert torch.isfinite(softplus(torch.tensor([1e4]))).all()


def test_unknown_activation_or_init_is_refused():
    with pytest.raises(ValueError, match="activation"):
        init_net([2, 2], "swish")
    with pytest.raises(ValueError, match="init"):
        init_net([2, 2], "relu", init="orthogonal")
    with pytest.raises(ValueError, match="norm must be one of none, layer"):
        init_net([2, 2], "relu", norm="batch")


def test_same_seed_same_weights_and_global_rng_untouched():
    torch.manual_seed(123)
    before = torch.random.get_rng_state()
    a = init_net([2, 10, 2], "relu", seed=5)
    assert torch.equal(torch.random.get_rng_state(), before)
    b = init_net([2, 10, 2], "relu", seed=5)
    c = init_net([2, 10, 2], "relu", seed=6)
    assert all(torch.equal(p, q) for p, q in zip(a.params, b.params))
    assert not torch.equal(a.weights[0], c.weights[0])
    assert all(float(b.detach().abs().max()) == 0 for b in a.biases)        # biases start at zero


@pytest.mark.parametrize(("activation", "init", "expected"), [
    ("relu", "auto", math.sqrt(2 / 128)),            # He
    ("tanh", "auto", math.sqrt(2 / (128 + 96))),     # Xavier
    ("sigmoid", "auto", math.sqrt(2 / (128 + 96))),
    ("relu", "xavier", math.sqrt(2 / (128 + 96))),
    ("tanh", "he", math.sqrt(2 / 128)),
    ("relu", "small", 0.1),                          # the tutorial's N(0, 0.1²)
    *[(a, "auto", math.sqrt(2 / 128)) for a in ("leaky_relu", "elu", "gelu", "silu", "softplus")],   # ReLU family
    ("sine", "auto", math.sqrt(2 / (128 + 96))),
])
def test_init_scale(activation, init, expected):
    assert init_std(128, 96, activation, init) == pytest.approx(expected)
    w = init_net([128, 96], activation, seed=0, init=init).weights[0].detach()
    assert float(w.std()) == pytest.approx(expected, rel=0.03)        # 12288 draws
    assert abs(float(w.mean())) < 0.03 * expected * 3


def test_float64_networks():
    net = net_for(Config(), dtype=torch.float64)
    assert all(p.dtype == torch.float64 for p in net.params)
    same = net_for(Config())                       # same seed, same starting weights in either dtype
    torch.testing.assert_close(net.weights[0].float(), same.weights[0].detach(), rtol=0, atol=0)


def test_clone_is_an_independent_copy_of_leaves():
    net = init_net([2, 4, 2], "relu", seed=0)
    copy = net.clone()
    with torch.no_grad():
        net.weights[0].add_(1.0)
    assert not torch.equal(net.weights[0], copy.weights[0])
    assert all(p.is_leaf and p.requires_grad for p in copy.params)
    assert isinstance(copy, Net) and copy.activation == net.activation


def test_stacked_forward_equals_each_model_alone():
    nets = [init_net([2, 6, 6, 3], "tanh", seed=s) for s in range(4)]
    for n in nets:
        with torch.no_grad():
            for b in n.biases:
                b.normal_()
    stacked = stack_nets(nets)
    assert stacked.n_models == 4 and tuple(stacked.weights[1].shape) == (4, 6, 6)
    assert all(p.is_leaf and p.requires_grad for p in stacked.params)
    x = torch.randn(11, 2)
    out = predict(stacked, x)                                       # x shared by every model
    assert out.shape == (4, 11, 3)
    per_model_x = torch.randn(4, 11, 2)                             # or one batch per model
    out2 = predict(stacked, per_model_x)
    for m, n in enumerate(nets):
        torch.testing.assert_close(out[m], predict(n, x))
        torch.testing.assert_close(out2[m], predict(n, per_model_x[m]))
    hidden = hidden_activations(stacked, x)
    assert [h.shape for h in hidden] == [(4, 11, 6), (4, 11, 6)]


def test_stacked_models_of_different_widths_are_padded_and_masked():
    nets = [init_net([2, w, 2], "sigmoid", seed=w) for w in (3, 8, 5)]
    stacked = stack_nets(nets)
    assert stacked.masks is not None and tuple(stacked.weights[0].shape) == (3, 2, 8)
    x = torch.randn(7, 2)
    out = predict(stacked, x)
    for m, n in enumerate(nets):
        torch.testing.assert_close(out[m], predict(n, x))
    with torch.no_grad():
        (h,) = hidden_activations(stacked, x)
    assert float(h[0, :, 3:].abs().max()) == 0.0      # padded units stay silent (sigmoid(0) would be 0.5)


# ----------------------------------------------------------------------------- layer norm's parameters

def test_layer_norm_parameters_follow_each_hidden_layers_w_and_b():
    net = init_net([2, 5, 3, 2], "tanh", seed=3, norm="layer")
    assert net.norm == "layer" and len(net.gains) == len(net.shifts) == 2
    assert net.params == [net.weights[0], net.biases[0], net.gains[0], net.shifts[0],
                          net.weights[1], net.biases[1], net.gains[1], net.shifts[1], net.weights[2], net.biases[2]]
    assert net.weight_slots == [0, 4, 8]
    assert [tuple(g.shape) for g in net.gains] == [(1, 5), (1, 3)]
    assert all(bool((g == 1).all()) for g in net.gains) and all(bool((b == 0).all()) for b in net.shifts)
    assert all(p.is_leaf and p.requires_grad for p in net.params)
    plain = init_net([2, 5, 3, 2], "tanh", seed=3)
    assert plain.weight_slots == [0, 2, 4] and plain.gains == []
    assert all(torch.equal(a, b) for a, b in zip(net.weights, plain.weights))   # the same starting weights


def test_with_params_rebuilds_the_same_kind_of_network():
    net = net_for(Config(hidden=(4, 3), norm="layer", activation="gelu"))
    fresh = [torch.full_like(p, float(i)) for i, p in enumerate(net.params)]
    rebuilt = net.with_params(fresh)
    assert rebuilt.params == fresh and rebuilt.norm == "layer" and rebuilt.activation == "gelu"
    assert float(rebuilt.gains[1][0, 0]) == 6.0 and float(rebuilt.shifts[0][0, 0]) == 3.0


def test_clone_keeps_layer_norm_and_is_independent():
    net = net_for(Config(hidden=(4,), norm="layer"))
    copy = net.clone()
    with torch.no_grad():
        net.gains[0].mul_(3.0)
    assert copy.norm == "layer" and float(copy.gains[0].detach().max()) == 1.0
    assert all(p.is_leaf and p.requires_grad for p in copy.params)
    x = torch.randn(6, 2)
    torch.testing.assert_close(predict(copy, x), predict(net_for(Config(hidden=(4,), norm="layer")), x))


def test_dropout_masks_the_hidden_outputs_in_the_forward_only_when_given():
    net = init_net([2, 6, 2], "relu", seed=0)
    x = torch.randn(5, 2)
    drops = [torch.tensor([[0.0, 2.0, 2.0, 0.0, 2.0, 2.0]]).expand(5, 6)]
    out, cache = forward(net, x, drops)
    assert torch.equal(cache.inputs[1], cache.acts[0] * drops[0]) and cache.drops is drops
    plain, plain_cache = forward(net, x)
    assert torch.equal(plain_cache.inputs[1], plain_cache.acts[0])
    torch.testing.assert_close(out, (cache.acts[0] * drops[0]) @ net.weights[1] + net.biases[1])
    assert not torch.equal(out, plain)
