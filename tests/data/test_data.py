"""Tests for scratchnet.data.datasets: shapes, determinism, noise semantics, splits and features."""

from __future__ import annotations

import math
import time

import pytest
import torch

from scratchnet.config import (
    CUSTOM,
    DATASETS_CLASSIFICATION,
    DATASETS_REGRESSION,
    FEATURES,
    KNOBS,
    MULTICLASS_DATASETS,
    Config,
)
from scratchnet.data.datasets import (
    _GENERATORS,
    BLOB_MIN_STD,
    DATASETS,
    FEATURE_LABELS,
    Dataset,
    DatasetInfo,
    _checker_label,
    _circle_label,
    _multigauss_target,
    _stripe_label,
    _xor_label,
    add_point,
    config_for_points,
    dataset_for,
    editable_copy,
    empty_data,
    erase_near,
    featurize,
    generate,
    make_dataset,
    random_split,
    seeded,
)

ALL = DATASETS_CLASSIFICATION + DATASETS_REGRESSION


def is_regression(name: str) -> bool:
    return name in DATASETS_REGRESSION


def class_sizes(y: torch.Tensor, k: int) -> list[int]:
    return torch.bincount(y, minlength=k).tolist()


CLEAN_RULES = {  # the noise-free label of a point, written out independently of the generators
    "circle": lambda x: (x.norm(dim=1) >= 2.5).long(),
    "xor": lambda x: (x[:, 0] * x[:, 1] >= 0).long(),
    "checkerboard": lambda x: ((torch.floor(x[:, 0] / 2) + torch.floor(x[:, 1] / 2)) % 2).long(),
    "stripes": lambda x: (torch.floor(x[:, 0] / 2.5) % 2).long(),
}


def label_flip_rate(name: str, noise: float) -> float:
    """Share of points whose label disagrees with the clean (noise-free) rule."""
    x, y = generate(name, 4000, noise, seed=3)
    return (y != CLEAN_RULES[name](x)).float().mean().item()


# ----------------------------------------------------------------------------- metadata

def test_registry_covers_every_configured_dataset():
    assert set(DATASETS) == set(ALL)
    for name, info in DATASETS.items():
        assert isinstance(info, DatasetInfo)
        assert info.name == name
        assert info.task == ("regression" if is_regression(name) else "classification")
        assert info.multiclass == (name in MULTICLASS_DATASETS)
        assert info.label and info.description.endswith(".")
    assert len({i.label for i in DATASETS.values()}) == len(DATASETS)
    assert DATASETS["moons"].label == "Two moons"


# ----------------------------------------------------------------------------- shapes and splits

@pytest.mark.parametrize("name", ALL)
def test_shapes_dtypes_and_labels(name):
    d = make_dataset(name, n_points=203, noise=0.2, train_fraction=0.7, seed=1)
    assert isinstance(d, Dataset)
    assert d.name == name and d.task == DATASETS[name].task
    assert d.x_train.shape == (142, 2) and d.x_test.shape == (61, 2)  # round(203 * 0.7) = 142
    assert d.y_train.shape == (142,) and d.y_test.shape == (61,)
    assert d.x_train.dtype == d.x_test.dtype == torch.float32
    y = torch.cat([d.y_train, d.y_test])
    assert torch.isfinite(torch.cat([d.x_train, d.x_test])).all()
    if is_regression(name):
        assert d.n_classes == 1
        assert y.dtype == torch.float32
        assert y.min() >= -1.0 and y.max() <= 1.0
    else:
        assert d.n_classes == 2
        assert y.dtype == torch.int64
        assert set(y.tolist()) == {0, 1}


@pytest.mark.parametrize("name", ALL)
def test_split_is_a_shuffled_partition_of_generate(name):
    k = 2
    x, y = generate(name, 150, 0.3, seed=11, classes=k)
    d = make_dataset(name, n_points=150, noise=0.3, train_fraction=0.6, seed=11, classes=k)
    xs = torch.cat([d.x_train, d.x_test])
    ys = torch.cat([d.y_train, d.y_test])
    order_a, order_b = torch.argsort(x[:, 0]), torch.argsort(xs[:, 0])
    assert torch.equal(x[order_a], xs[order_b])
    assert torch.equal(y[order_a], ys[order_b])
    assert not torch.equal(x[:90], d.x_train)  # shuffled, not the first 90 generated


@pytest.mark.parametrize(("n", "fraction", "n_train"), [
    (200, 0.8, 160), (10, 0.1, 1), (10, 0.9, 9), (2, 0.1, 1), (2, 0.9, 1), (3, 0.5, 2),
])
def test_split_sizes_keep_one_point_on_each_side(n, fraction, n_train):
    d = make_dataset("moons", n_points=n, train_fraction=fraction)
    assert len(d.x_train) == n_train
    assert len(d.x_test) == n - n_train


@pytest.mark.parametrize("name", MULTICLASS_DATASETS)
@pytest.mark.parametrize("k", range(3, 9))
def test_multiclass_every_class_present_and_balanced(name, k):
    n = 10 * k + 3
    x, y = generate(name, n, 0.1, seed=5, classes=k)
    sizes = class_sizes(y, k)
    assert len(sizes) == k and min(sizes) >= 1
    assert max(sizes) - min(sizes) <= 1
    assert sum(sizes) == n and x.shape == (n, 2)
    d = make_dataset(name, n_points=n, noise=0.1, seed=5, classes=k)
    assert d.n_classes == k
    assert int(torch.cat([d.y_train, d.y_test]).max()) == k - 1


@pytest.mark.parametrize("name", ("moons", "circle", "gauss"))  # xor's sizes follow its quadrants
def test_two_class_datasets_split_points_evenly(name):
    _, y = generate(name, 101, 0.0, seed=0)
    assert class_sizes(y, 2) == [51, 50]  # the odd point goes to class 0


# ----------------------------------------------------------------------------- determinism

@pytest.mark.parametrize("name", ALL)
def test_same_seed_same_tensors_different_seed_different(name):
    k = 3 if name in MULTICLASS_DATASETS else 2
    a = make_dataset(name, n_points=120, noise=0.3, seed=9, classes=k)
    b = make_dataset(name, n_points=120, noise=0.3, seed=9, classes=k)
    c = make_dataset(name, n_points=120, noise=0.3, seed=10, classes=k)
    for field in ("x_train", "y_train", "x_test", "y_test"):
        assert torch.equal(getattr(a, field), getattr(b, field))
    assert not torch.equal(a.x_train, c.x_train)


def test_global_rng_is_never_touched():
    saved = torch.get_rng_state()
    try:
        torch.manual_seed(1234)
        state = torch.get_rng_state()
        expected = torch.rand(5)
        torch.manual_seed(1234)
        for name in ALL:
            k = 3 if name in MULTICLASS_DATASETS else 2
            make_dataset(name, n_points=50, noise=0.5, seed=2, classes=k)
            generate(name, 50, 0.5, seed=2, classes=k)
        assert torch.equal(torch.get_rng_state(), state)
        assert torch.equal(torch.rand(5), expected)
    finally:
        torch.set_rng_state(saved)


# ----------------------------------------------------------------------------- noise semantics

def test_moons_at_noise_zero_lie_on_their_half_circles():
    x, y = generate("moons", 301, 0.0, seed=4)
    upper, lower = x[y == 0], x[y == 1]
    assert len(upper) == 151 and len(lower) == 150
    assert torch.allclose(upper.norm(dim=1), torch.ones(151), atol=1e-5)
    assert (upper[:, 1] >= -1e-6).all()
    centred = lower - torch.tensor([0.6, -0.4])
    assert torch.allclose(centred.norm(dim=1), torch.ones(150), atol=1e-5)
    assert (centred[:, 1] <= 1e-6).all()


def test_moons_noise_is_gaussian_with_std_noise():
    x, y = generate("moons", 5000, 0.3, seed=4)
    clean_radius = (x[y == 0]).norm(dim=1)
    assert 0.2 < (clean_radius - 1).std() < 0.4  # radial spread tracks the noise std


@pytest.mark.parametrize("name", ("blobs", "gauss"))
def test_cluster_spread_grows_with_noise(name):
    spreads = []
    for noise in (0.0, 0.2, 0.6, 1.0):
        x, y = generate(name, 2000, noise, seed=8)
        spreads.append(x[y == 0].std(dim=0).mean().item())
    assert spreads == sorted(spreads) and spreads[0] < spreads[-1]
    assert spreads[0] > 0  # never degenerate, even at noise 0


def test_blobs_centres_and_minimum_spread():
    x, y = generate("blobs", 4000, 0.0, seed=1, classes=4)
    for c in range(4):
        pts = x[y == c]
        assert torch.allclose(pts.mean(dim=0), torch.tensor([2.0 * c, 2.0 * c]), atol=0.01)
        assert pts.std(dim=0).mean().item() == pytest.approx(BLOB_MIN_STD, rel=0.1)
    x, y = generate("blobs", 4000, 0.5, seed=1)
    assert x[y == 1].std(dim=0).mean().item() == pytest.approx(0.5, rel=0.1)


def test_gauss_centres_and_tf_variance_scale():
    for noise, variance in ((0.0, 0.5), (0.5, 4.0), (1.0, 7.5)):
        x, y = generate("gauss", 6000, noise, seed=2)
        assert torch.allclose(x[y == 1].mean(dim=0), torch.tensor([2.0, 2.0]), atol=0.15)
        assert torch.allclose(x[y == 0].mean(dim=0), torch.tensor([-2.0, -2.0]), atol=0.15)
        assert x[y == 0].var(dim=0).mean().item() == pytest.approx(variance, rel=0.1)


def test_circle_at_noise_zero_is_labelled_exactly_by_radius():
    x, y = generate("circle", 1000, 0.0, seed=6)
    r = x.norm(dim=1)
    assert torch.equal(y, (r >= 2.5).long())  # TF: inside is positive, ours is class 0
    assert (r[y == 0] < 2.5).all() and (r[y == 0] >= 0).all()
    assert (r[y == 1] >= 3.5 - 1e-5).all() and (r[y == 1] <= 5 + 1e-5).all()


def test_xor_at_noise_zero_is_labelled_exactly_by_quadrant():
    x, y = generate("xor", 1000, 0.0, seed=6)
    assert torch.equal(y, (x[:, 0] * x[:, 1] >= 0).long())
    assert (x.abs() >= 0.3).all() and (x.abs() <= 5.3).all()  # pushed 0.3 off the axes


def test_label_rules_at_their_boundaries():
    # noise only moves the point these rules see, so their thresholds matter exactly
    circle = torch.tensor([[2.49, 0.0], [0.0, -2.51], [1.5, 2.0], [0.0, 0.0]])
    assert _circle_label(circle).tolist() == [0, 1, 1, 0]  # |(1.5, 2)| = 2.5 is outside, as in TF
    xor = torch.tensor([[1.0, 2.0], [-1.0, -2.0], [-1.0, 2.0], [0.0, -3.0], [3.0, 0.0]])
    assert _xor_label(xor).tolist() == [1, 1, 0, 1, 1]  # TF: x·y >= 0 is positive


@pytest.mark.parametrize("name", ("circle", "xor", "checkerboard", "stripes"))
def test_more_noise_flips_more_labels_but_does_not_move_points(name):
    rates = [label_flip_rate(name, noise) for noise in (0.0, 0.1, 0.3, 0.5, 1.0)]
    assert rates[0] == 0.0
    assert rates == sorted(rates) and rates[-1] > 0.1
    clean, _ = generate(name, 500, 0.0, seed=3)
    noisy, _ = generate(name, 500, 0.8, seed=3)
    assert torch.equal(clean, noisy)  # same draws for the points; noise only shifts the label test


def test_spiral_at_noise_zero_follows_the_tf_formula():
    n = 200
    x, y = generate("spiral", n, 0.0, seed=0)
    i = torch.arange(n // 2, dtype=torch.float64)
    r = i / (n // 2) * 5
    for c, delta in ((0, 0.0), (1, math.pi)):  # TF's deltaT 0 and π
        t = 1.75 * i / (n // 2) * 2 * math.pi + delta
        expected = torch.stack([r * torch.sin(t), r * torch.cos(t)], dim=1).float()
        assert torch.allclose(x[y == c], expected, atol=1e-5)
    assert (x.norm(dim=1) <= 5.0 + 1e-5).all()


@pytest.mark.parametrize("k", range(2, 9))
def test_spiral_arms_are_rotated_copies(k):
    x, y = generate("spiral", 40 * k, 0.0, seed=0, classes=k)
    assert (x.norm(dim=1) <= 5.0 + 1e-5).all()
    angle = 2 * math.pi / k
    rotate = torch.tensor([[math.cos(angle), -math.sin(angle)],
                           [math.sin(angle), math.cos(angle)]])
    # (r sin t, r cos t) with t advanced by 2π/k is the previous arm rotated clockwise by 2π/k
    assert torch.allclose(x[y == 0] @ rotate, x[y == 1], atol=1e-4)


def test_spiral_noise_is_bounded_jitter():
    clean, _ = generate("spiral", 400, 0.0, seed=0)
    noisy, _ = generate("spiral", 400, 0.4, seed=0)
    jitter = (noisy - clean).abs()
    assert jitter.max() <= 0.4 + 1e-6 and jitter.max() > 0.3


def test_plane_at_noise_zero_is_the_scaled_sum():
    x, t = generate("plane", 1000, 0.0, seed=2)
    assert torch.allclose(t, ((x[:, 0] + x[:, 1]) / 10).clamp(-1, 1), atol=1e-6)
    assert (x.abs() <= 6).all()
    _, t_noisy = generate("plane", 1000, 1.0, seed=2)
    assert t_noisy.min() >= -1 and t_noisy.max() <= 1
    assert not torch.allclose(t, t_noisy)


def _tf_multigauss_label(x: float, y: float) -> float:
    """A literal port of TF Playground's regressGaussian getLabel, for reference."""
    gaussians = [[-4, 2.5, 1], [0, 2.5, -1], [4, 2.5, 1],
                 [-4, -2.5, -1], [0, -2.5, 1], [4, -2.5, -1]]
    label = 0.0
    for cx, cy, sign in gaussians:
        scaled = min(max(1 - math.hypot(x - cx, y - cy) / 2, 0.0), 1.0)
        if abs(sign * scaled) > abs(label):
            label = sign * scaled
    return label


def test_multigauss_matches_the_tf_reference():
    grid = torch.linspace(-6, 6, 25)
    points = torch.cartesian_prod(grid, grid)  # (625, 2)
    got = _multigauss_target(points)
    expected = torch.tensor([_tf_multigauss_label(px, py) for px, py in points.tolist()])
    assert torch.allclose(got, expected, atol=1e-6)
    x, t = generate("multigauss", 500, 0.0, seed=1)
    assert torch.allclose(t, _multigauss_target(x))
    assert t.min() >= -1 and t.max() <= 1 and (t > 0.5).any() and (t < -0.5).any()
    assert (x.abs() <= 6).all()


def test_multigauss_noise_changes_targets_not_points():
    x0, t0 = generate("multigauss", 500, 0.0, seed=1)
    x1, t1 = generate("multigauss", 500, 0.5, seed=1)
    assert torch.equal(x0, x1) and not torch.allclose(t0, t1)
    assert t1.min() >= -1 and t1.max() <= 1


@pytest.mark.perf
@pytest.mark.parametrize("name", ALL)
def test_generation_is_fast(name):
    k = 3 if name in MULTICLASS_DATASETS else 2
    make_dataset(name, 5000, 0.3, classes=k)  # warm up
    best = min(_timed(lambda: make_dataset(name, 5000, 0.3, classes=k)) for _ in range(3))
    assert best < 0.05  # a few ms in practice; generous for slow CI machines


def _timed(fn) -> float:
    start = time.perf_counter()
    fn()
    return time.perf_counter() - start


# ----------------------------------------------------------------------------- Dataset

@pytest.mark.parametrize("name", ALL)
def test_bounds_cover_every_point_with_a_margin(name):
    d = make_dataset(name, n_points=300, noise=0.5, seed=3)
    x_min, x_max, y_min, y_max = d.bounds
    pts = torch.cat([d.x_train, d.x_test])
    assert all(isinstance(v, float) for v in d.bounds)
    assert x_min < pts[:, 0].min() and pts[:, 0].max() < x_max
    assert y_min < pts[:, 1].min() and pts[:, 1].max() < y_max
    assert x_max - x_min == pytest.approx(y_max - y_min)  # square
    span = max((pts.max(0).values - pts.min(0).values).tolist())
    assert x_max - x_min == pytest.approx(1.2 * span, rel=1e-5)


def test_bounds_of_degenerate_point_sets():
    d = make_dataset("moons")
    one = d.with_points(torch.tensor([[1.0, 2.0]]), torch.tensor([0]),
                        torch.zeros(0, 2), torch.zeros(0, dtype=torch.int64))
    x_min, x_max, y_min, y_max = one.bounds
    assert x_min < 1 < x_max and y_min < 2 < y_max
    empty = d.with_points(torch.zeros(0, 2), torch.zeros(0), torch.zeros(0, 2), torch.zeros(0))
    assert empty.bounds[0] < empty.bounds[1] and empty.bounds[2] < empty.bounds[3]


def test_with_points_keeps_metadata_and_coerces_types():
    d = make_dataset("spiral", classes=3)
    new = d.with_points([[0.0, 1.0], [2.0, 3.0]], [2, 0], [[1, 1]], [1.0])
    assert (new.name, new.task, new.n_classes) == ("spiral", "classification", 3)
    assert new.x_train.dtype == torch.float32 and new.y_train.dtype == torch.int64
    assert new.y_test.tolist() == [1] and new.x_test.tolist() == [[1.0, 1.0]]
    assert d.x_train.shape == (160, 2)  # the original is unchanged
    r = make_dataset("plane").with_points(torch.zeros(3, 2), [0.5, -0.5, 0], torch.zeros(1, 2), [1])
    assert r.y_train.dtype == torch.float32 and r.n_classes == 1


@pytest.mark.parametrize(("x", "y", "message"), [
    (torch.zeros(3, 3), torch.zeros(3, dtype=torch.int64), r"x_train must have shape \(N, 2\)"),
    (torch.zeros(3, 2), torch.zeros(2, dtype=torch.int64), r"y_train must have shape \(3,\)"),
    (torch.zeros(2, 2), torch.tensor([0, 2]), r"class indices 0\.\.1"),
    (torch.zeros(2, 2), torch.tensor([0, -1]), r"class indices 0\.\.1"),
    (torch.zeros(2, 2), torch.tensor([0.0, 0.5]), r"class indices 0\.\.1"),
])
def test_with_points_rejects_bad_points(x, y, message):
    d = make_dataset("moons")
    with pytest.raises(ValueError, match=message):
        d.with_points(x, y, d.x_test, d.y_test)


def test_dataset_is_frozen():
    d = make_dataset("moons")
    with pytest.raises(AttributeError):
        d.name = "xor"


# ----------------------------------------------------------------------------- config plumbing

def test_dataset_for_uses_every_data_field_of_the_config():
    cfg = Config(dataset="spiral", classes=5, n_points=123, noise=0.35, train_fraction=0.6, seed=77)
    got = dataset_for(cfg)
    want = make_dataset("spiral", n_points=123, noise=0.35, train_fraction=0.6, seed=77, classes=5)
    assert (got.name, got.task, got.n_classes) == ("spiral", "classification", 5)
    for field in ("x_train", "y_train", "x_test", "y_test"):
        assert torch.equal(getattr(got, field), getattr(want, field))


def test_dataset_for_regression_and_defaults():
    d = dataset_for(Config(problem="regression", dataset="multigauss"))
    assert d.task == "regression" and d.n_classes == 1 and d.y_train.dtype == torch.float32
    default = dataset_for(Config())
    assert torch.equal(default.x_train, make_dataset(Config().dataset).x_train)


def test_engine_defaults_are_the_knobs_defaults():
    default = make_dataset(Config().dataset)
    explicit = make_dataset("circle", n_points=200, noise=0.22, train_fraction=0.8, seed=42, classes=2)
    assert KNOBS["n_points"].default == 200 and KNOBS["seed"].default == 42      # what `explicit` spells out
    for field in ("x_train", "y_train", "x_test", "y_test"):
        assert torch.equal(getattr(default, field), getattr(explicit, field))
        assert torch.equal(getattr(default, field), getattr(dataset_for(Config()), field))


def test_seeds_are_bounded_by_the_seed_knob():
    top = int(KNOBS["seed"].high)
    assert make_dataset("moons", n_points=20, seed=top).x_train.shape == (16, 2)
    for seed in (top + 1, 2**64 - 1, -1):
        with pytest.raises(ValueError, match=f"seed must be a whole number from 0 to {top}"):
            make_dataset("moons", n_points=20, seed=seed)
        with pytest.raises(ValueError, match="seed must be"):
            seeded(seed)


def test_random_split_is_the_one_generated_and_uploaded_data_share():
    d = make_dataset("xor", n_points=50, train_fraction=0.7, seed=3)
    g = seeded(3)
    x, y = _GENERATORS["xor"](50, KNOBS["noise"].default, 2, g)       # the generator first draws the points...
    train, test = random_split(50, 0.7, g)                            # ...then the split, from the same stream
    assert torch.equal(d.x_train, x[train]) and torch.equal(d.x_test, x[test]) and torch.equal(d.y_train, y[train])
    for n, fraction in ((2, 0.9), (2, 0.1), (10, 0.99), (10, 0.01)):
        train, test = random_split(n, fraction, seeded(0))
        assert len(train) >= 1 and len(test) >= 1 and sorted(torch.cat([train, test]).tolist()) == list(range(n))
    with pytest.raises(ValueError, match="at least 2 points"):
        random_split(1, 0.5, seeded(0))
    with pytest.raises(ValueError, match="strictly between 0 and 1"):
        random_split(10, 1.0, seeded(0))


def test_editing_ones_own_points():
    shown = make_dataset("moons", n_points=20)
    mine = editable_copy(shown)
    assert mine.name == CUSTOM and mine.frame == shown.bounds and torch.equal(mine.x_train, shown.x_train)
    assert editable_copy(shown, n_classes=3).n_classes == 3
    blank = empty_data("classification")
    assert blank.n_classes == KNOBS["classes"].default and blank.x_train.shape == (0, 2)
    drawn = blank
    for i in range(10):
        drawn = add_point(drawn, float(i), 0.0, i % 3)
    # every 5th point drawn goes to the test set at the default train fraction of 0.8
    assert (drawn.x_train.shape[0], drawn.x_test.shape[0]) == (8, 2) and drawn.n_classes == 3
    assert drawn.x_test[:, 0].tolist() == [4.0, 9.0]
    erased = erase_near(drawn, 4.0, 0.0, 1.5)                          # 3, 4 and 5 are within 1.5
    assert sorted(torch.cat([erased.x_train, erased.x_test])[:, 0].tolist()) == [0, 1, 2, 6, 7, 8, 9]


def test_config_for_points_fits_the_config_to_ones_own_points():
    three = add_point(empty_data("classification"), 0.0, 0.0, 2)
    cfg = config_for_points(Config(lr=0.3, seed=5), three)
    assert (cfg.dataset, cfg.problem, cfg.classes, cfg.lr, cfg.seed) == (CUSTOM, "classification", 3, 0.3, 5)
    assert config_for_points(Config(), empty_data("classification", n_classes=1)).classes == KNOBS["classes"].low
    values = config_for_points(Config(dataset="blobs", classes=4), empty_data("regression"))
    assert (values.dataset, values.problem, values.classes, values.n_classes) == (CUSTOM, "regression", 2, 1)


# ----------------------------------------------------------------------------- argument errors

@pytest.mark.parametrize(("kwargs", "message"), [
    ({"name": "donut"}, r"unknown dataset 'donut'; choose one of: moons"),
    ({"n_points": 1}, r"n_points must be a whole number of at least 2"),
    ({"n_points": 10.0}, r"n_points must be a whole number"),
    ({"n_points": True}, r"n_points must be a whole number"),
    ({"name": "blobs", "classes": 5, "n_points": 4}, r"at least 5"),
    ({"noise": -0.1}, r"noise must be a number from 0 to 1"),
    ({"noise": 1.5}, r"noise must be a number from 0 to 1"),
    ({"noise": float("nan")}, r"noise must be a number from 0 to 1"),
    ({"seed": -1}, r"seed must be a whole number"),
    ({"seed": 1.5}, r"seed must be a whole number"),
    ({"classes": 3}, r"'moons' has exactly 2 classes, got classes=3; only blobs, spiral and rings support more"),
    ({"name": "plane", "classes": 4}, r"'plane' has exactly 2 classes"),
    ({"name": "spiral", "classes": 1}, r"classes must be a whole number of at least 2"),
    ({"train_fraction": 0.0}, r"train_fraction must be a number strictly between 0 and 1"),
    ({"train_fraction": 1.0}, r"train_fraction must be a number strictly between 0 and 1"),
])
def test_bad_arguments_raise_clear_value_errors(kwargs, message):
    args = {"name": "moons", "n_points": 20, "noise": 0.1, "seed": 0, "classes": 2} | kwargs
    with pytest.raises(ValueError, match=message):
        make_dataset(**args)
    if "train_fraction" not in kwargs:
        with pytest.raises(ValueError, match=message):
            generate(**args)


# ----------------------------------------------------------------------------- features

def test_feature_labels():
    assert FEATURE_LABELS == {"x1": "x₁", "x2": "x₂", "x1sq": "x₁²", "x2sq": "x₂²",
                              "x1x2": "x₁x₂", "sinx1": "sin(x₁)", "sinx2": "sin(x₂)"}
    assert tuple(FEATURE_LABELS) == FEATURES


@pytest.mark.parametrize(("feature", "formula"), [
    ("x1", lambda a, b: a),
    ("x2", lambda a, b: b),
    ("x1sq", lambda a, b: a**2),
    ("x2sq", lambda a, b: b**2),
    ("x1x2", lambda a, b: a * b),
    ("sinx1", lambda a, b: torch.sin(a)),
    ("sinx2", lambda a, b: torch.sin(b)),
])
def test_each_feature(feature, formula):
    x = torch.tensor([[1.5, -2.0], [0.0, 3.0], [-0.5, 0.25]])
    out = featurize(x, [feature])
    assert out.shape == (3, 1)
    assert torch.allclose(out[:, 0], formula(x[:, 0], x[:, 1]))


def test_featurize_keeps_order_and_leading_dims():
    x = torch.randn(4, 5, 6, 2, generator=torch.Generator().manual_seed(0))
    out = featurize(x, ("sinx2", "x1", "x1x2"))
    assert out.shape == (4, 5, 6, 3) and out.dtype == x.dtype
    assert torch.equal(out[..., 0], torch.sin(x[..., 1]))
    assert torch.equal(out[..., 1], x[..., 0])
    assert torch.equal(out[..., 2], x[..., 0] * x[..., 1])
    assert featurize(torch.tensor([3.0, 4.0]), FEATURES).shape == (len(FEATURES),)
    assert featurize(torch.zeros(0, 2), ["x1", "x2"]).shape == (0, 2)


@pytest.mark.parametrize(("x", "features", "message"), [
    (torch.zeros(3, 3), ["x1"], r"last dimension 2"),
    (torch.zeros(3, 2), ["x3"], r"unknown feature\(s\) 'x3'; choose from: x1, x2"),
    (torch.zeros(3, 2), [], r"non-empty"),
    (torch.zeros(3, 2), "x1", r"non-empty sequence"),
])
def test_featurize_rejects_bad_input(x, features, message):
    with pytest.raises(ValueError, match=message):
        featurize(x, features)


# ----------------------------------------------------------------------------- checkerboard, stripes, rings

def test_checkerboard_at_noise_zero_is_a_four_by_four_board():
    x, y = generate("checkerboard", 2000, 0.0, seed=4)
    assert torch.equal(y, CLEAN_RULES["checkerboard"](x))
    assert (x.abs() <= 4.0).all() and x.abs().max() > 3.9
    cells = {(int(a), int(b)) for a, b in torch.floor(x / 2).tolist()}
    assert cells == {(a, b) for a in range(-2, 2) for b in range(-2, 2)}          # 16 squares, all filled
    assert _checker_label(torch.tensor([[0.5, 0.5], [2.5, 0.5], [-0.5, 0.5], [-0.5, -0.5]])).tolist() == [0, 1, 1, 0]
    assert abs(float(y.float().mean()) - 0.5) < 0.05


def test_stripes_flip_a_share_of_noise_over_two_of_the_labels():
    """Labels flipped at random (not near the edges, as circle and xor do): isolated wrong points,
    the ones a large network memorizes."""
    assert label_flip_rate("stripes", 0.0) == 0.0
    for noise in (0.22, 0.6, 1.0):
        assert label_flip_rate("stripes", noise) == pytest.approx(noise / 2, abs=0.025)
    x, y = generate("stripes", 4000, 0.0, seed=3)
    assert (x.abs() <= 5.0).all()
    assert _stripe_label(torch.tensor([[0.1, 4.0], [2.6, -4.0], [-0.1, 0.0], [-2.6, 1.0]])).tolist() == [0, 1, 1, 0]
    noisy_x, noisy_y = generate("stripes", 4000, 0.5, seed=3)
    assert torch.equal(x, noisy_x)
    wrong = noisy_y != y
    edge = (x[:, 0] / 2.5 - torch.round(x[:, 0] / 2.5)).abs() < 0.1            # within 0.25 of an edge
    assert abs(float(wrong[edge].float().mean()) - float(wrong[~edge].float().mean())) < 0.06


@pytest.mark.parametrize("k", range(2, 9))
def test_rings_put_class_c_on_the_ring_of_radius_c_plus_1_times_5_over_k(k):
    x, y = generate("rings", 100 * k, 0.0, seed=2, classes=k)
    r = x.norm(dim=1)
    torch.testing.assert_close(r, (y.float() + 1) * 5 / k)
    assert class_sizes(y, k) == [100] * k
    noisy_x, noisy_y = generate("rings", 2000 * k, 0.22, seed=2, classes=k)
    spread = noisy_x.norm(dim=1) - (noisy_y.float() + 1) * 5 / k
    assert float(spread.std()) == pytest.approx(0.22 * 5 / k / 2, rel=0.05)      # radial std noise·gap/2
    assert abs(float(spread.mean())) < 0.01
    angle = torch.atan2(noisy_x[:, 1], noisy_x[:, 0])
    assert torch.histc(angle, bins=4, min=-math.pi, max=math.pi).min() > 0.2 * len(angle)   # all the way round


def test_new_datasets_are_in_the_registry_with_their_kinds():
    assert {"checkerboard", "stripes", "rings"} <= set(DATASETS_CLASSIFICATION)
    assert DATASETS["rings"].multiclass and not DATASETS["stripes"].multiclass
    assert not DATASETS["checkerboard"].multiclass and "overfit" in DATASETS["stripes"].description
