"""scratchnet.draw.hidden_space: the grid, the mapping through a layer, the PCA view, the figure."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from scratchnet.data.datasets import featurize, make_dataset
from scratchnet.draw.figures import hidden_space_spec
from scratchnet.draw.hidden_space import grid_lines, hidden_space, pca_basis
from scratchnet.draw.plotly_json import as_figure, figure_json
from scratchnet.net.model import Net, hidden_activations, init_net

BOUNDS = (-2.0, 3.0, -1.0, 1.0)


def net_of(weights: list[list[list[float]]], biases: list[list[float]], activation: str) -> Net:
    ws = [torch.tensor(w).requires_grad_() for w in weights]
    bs = [torch.tensor([b]).requires_grad_() for b in biases]
    return Net(ws, bs, activation)


def collinear(points: np.ndarray) -> bool:
    """All points on one straight line (up to float32 rounding)."""
    d = points - points[0]
    far = d[np.argmax(np.linalg.norm(d, axis=1))]
    cross = d[:, 0] * far[1] - d[:, 1] * far[0]
    return bool(np.abs(cross).max() <= 1e-4 * max(1.0, float(np.linalg.norm(far)) ** 2))


def test_grid_lines_cover_the_bounds_horizontal_first():
    lines = grid_lines(BOUNDS, n_lines=5, samples=7)
    assert lines.shape == (10, 7, 2)
    horizontal, vertical = lines[:5], lines[5:]
    assert torch.allclose(horizontal[:, :, 1], horizontal[:, :1, 1].expand(5, 7))       # x₂ fixed per line
    assert torch.allclose(vertical[:, :, 0], vertical[:, :1, 0].expand(5, 7))           # x₁ fixed per line
    assert horizontal[0, 0].tolist() == [-2.0, -1.0] and horizontal[-1, -1].tolist() == [3.0, 1.0]
    assert vertical[:, 0, 0].tolist() == torch.linspace(-2.0, 3.0, 5).tolist()
    with pytest.raises(ValueError):
        grid_lines(BOUNDS, n_lines=1)


def test_layer_zero_is_the_input_plane():
    x = torch.tensor([[0.5, -0.5], [1.0, 0.25]])
    view = hidden_space(init_net([2, 3, 2]), ("x1", "x2"), x, BOUNDS, 0, n_lines=4, samples=5)
    assert view.layer == 0 and view.axis_titles == ("x₁", "x₂")
    np.testing.assert_array_equal(view.points, x.numpy())
    np.testing.assert_array_equal(view.lines, grid_lines(BOUNDS, 4, 5).numpy())


def test_two_units_are_the_layers_own_coordinates():
    net = init_net([3, 6, 4, 2], "tanh", seed=3)
    data = make_dataset("moons", 40, 0.1, seed=1)
    features = ("x1", "x2", "x1x2")
    view = hidden_space(net, features, data.x_train, data.bounds, 2, units=(3, 0), n_lines=6, samples=9)
    expected = hidden_activations(net, featurize(data.x_train, features))[1].detach()[:, [3, 0]]
    np.testing.assert_allclose(view.points, expected.numpy(), rtol=1e-6, atol=1e-6)
    assert view.lines.shape == (12, 9, 2) and view.width == 4
    assert view.axis_titles == ("unit 4", "unit 1") and view.explained is None


def test_a_linear_layer_keeps_lines_straight_and_relu_folds_them():
    # One hidden layer of 2 units: z = x @ W + b. Linear: an affine map, lines stay lines.
    weights = [[[1.0, 0.5], [-0.5, 1.0]], [[1.0], [1.0]]]
    biases = [[0.2, -0.1], [0.0]]
    x = torch.zeros(3, 2)
    straight = hidden_space(net_of(weights, biases, "linear"), ("x1", "x2"), x, BOUNDS, 1, units=(0, 1))
    assert all(collinear(line) for line in straight.lines)
    folded = hidden_space(net_of(weights, biases, "relu"), ("x1", "x2"), x, BOUNDS, 1, units=(0, 1))
    assert not all(collinear(line) for line in folded.lines), "ReLU bends some line where a unit turns off"
    assert (folded.lines >= 0).all(), "ReLU puts everything in the positive quadrant"


def test_pca_view_centres_decorrelates_and_orders_the_data():
    net = init_net([2, 16, 2], "relu", seed=0)
    data = make_dataset("spiral", 120, 0.1, seed=2)
    view = hidden_space(net, ("x1", "x2"), data.x_train, data.bounds, 1)
    p = view.points.astype(np.float64)
    np.testing.assert_allclose(p.mean(0), 0.0, atol=1e-5)
    cov = np.cov(p.T)
    assert abs(cov[0, 1]) < 1e-4 * cov[0, 0], "principal components are uncorrelated"
    assert cov[0, 0] >= cov[1, 1]
    # explained shares equal the top eigenvalues of the hidden values' covariance over its trace
    h = hidden_activations(net, data.x_train)[0].detach().double().numpy()
    eig = np.sort(np.linalg.eigvalsh(np.cov(h.T)))[::-1]
    np.testing.assert_allclose(view.explained, eig[:2] / eig.sum(), rtol=1e-6)
    assert view.axis_titles[0].startswith("PC 1 (")


def test_pca_basis_signs_are_fixed_and_narrow_layers_are_flat():
    h = torch.randn(50, 5, generator=torch.Generator().manual_seed(0))
    _, basis, _ = pca_basis(h)
    for column in basis.T:
        assert column[column.abs().argmax()] > 0
    _, flipped, _ = pca_basis(-h)
    torch.testing.assert_close(basis, flipped)                      # the picture does not flip with the data
    _, basis, share = pca_basis(torch.arange(6.0).reshape(6, 1))
    assert basis[:, 1].abs().sum() == 0 and share.tolist() == [1.0, 0.0]
    _, _, share = pca_basis(torch.zeros(4, 3))                       # a dead layer: nothing varies
    assert share.tolist() == [0.0, 0.0]


def test_bad_layer_or_units_say_what_is_allowed():
    net = init_net([2, 3, 2])
    x = torch.zeros(2, 2)
    with pytest.raises(ValueError, match="layer must be from 0 to 1"):
        hidden_space(net, ("x1", "x2"), x, BOUNDS, 2)
    with pytest.raises(ValueError, match="units must be from 0 to 2"):
        hidden_space(net, ("x1", "x2"), x, BOUNDS, 1, units=(0, 3))


@pytest.mark.parametrize("task, k", [("classification", 3), ("regression", 1)])
def test_the_figure_is_plain_json_with_gaps_between_lines(task, k):
    net = init_net([2, 4, max(k, 1)], "tanh")
    x = torch.randn(10, 2, generator=torch.Generator().manual_seed(1))
    view = hidden_space(net, ("x1", "x2"), x, BOUNDS, 1, n_lines=5, samples=8)
    labels = np.arange(10) % k if task == "classification" else np.linspace(-1, 1, 10)
    spec = hidden_space_spec(view, labels, task, k, title="layer 1")
    grid_h, grid_v, points = spec["data"]
    for grid in (grid_h, grid_v):                                              # one gap after each line
        assert np.isnan(grid["x"]).sum() == 5 and len(grid["x"]) == 5 * 9
    assert points["mode"] == "markers" and len(points["x"]) == 10
    text = figure_json(spec)                                                   # NaN travels as binary
    assert "NaN" not in text and '"bdata"' in text
    assert spec["layout"]["title"]["text"] == "layer 1"
    fig = as_figure(spec)                                                      # plotly validates it
    assert fig.layout.xaxis.title.text == view.axis_titles[0] and fig.layout.showlegend is False
