"""Toy 2-D datasets and the input features the network sees.

Every generator draws from its own `torch.Generator` seeded from `seed`, so a dataset is a
pure function of its arguments: the same link always shows the same points, and building a
dataset never disturbs the global RNG that initialises weights elsewhere.

The TensorFlow Playground datasets (circle, xor, gauss, spiral, plane, multigauss) follow its
`src/dataset.ts` line by line, vectorised. TF's `noise` slider (0-50 %) is used there as
noise/100, which is exactly our `noise` in [0, 0.5]; we allow up to 1 by extrapolating.

Labels: TF uses ±1, we use class indices 0..k-1 so they can index a softmax output. The
mapping per dataset is written next to each generator.
"""

from __future__ import annotations

import dataclasses
import functools
import math
import numbers
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

import torch
from torch import Tensor

from scratchnet.config import (
    CUSTOM,
    DATASETS_CLASSIFICATION,
    DATASETS_REGRESSION,
    FEATURES,
    KNOBS,
    MULTICLASS_DATASETS,
    PROBLEMS,
)

if TYPE_CHECKING:
    from scratchnet.config import Config

BLOB_MIN_STD = 0.05  # at noise 0 each blob would collapse onto one spot; keep a visible spread
_DEFAULT_BOUNDS = (-6.0, 6.0, -6.0, 6.0)  # box for a dataset with no points yet (user drawing)


# ----------------------------------------------------------------------------- metadata

@dataclass(frozen=True)
class DatasetInfo:
    """What the dataset picker shows: a human name and a sentence to tell datasets apart."""

    name: str
    task: str  # "classification" | "regression"
    label: str
    description: str
    multiclass: bool


_TEXT = {  # name -> (label, description)
    "moons": ("Two moons",
              "Two interlocking half circles; a curved boundary has to snake between them."),
    "blobs": ("Blobs",
              "Round clusters along a diagonal, one per class; almost separable by straight lines."),
    "circle": ("Circle",
               "A disc of one class inside a ring of the other; no straight line separates them."),
    "xor": ("Exclusive or",
            "Four squares: same-sign corners are one class, mixed-sign corners the other."),
    "gauss": ("Two Gaussians",
              "Two round clouds on a diagonal; a single straight line separates them."),
    "spiral": ("Spiral",
               "Arms that wind around each other, one per class; the hardest shape to learn."),
    "checkerboard": ("Checkerboard",
                     "A 4×4 board of squares in alternating classes: many straight edges to learn."),
    "stripes": ("Stripes",
                "Four stripes in alternating classes with some labels flipped: a large network learns the "
                "flips by heart (overfits). Try few points, then dropout."),
    "rings": ("Rings",
              "Concentric rings, one per class; the boundaries between them are circles."),
    "plane": ("Plane",
              "A tilted plane: the target grows steadily towards the top-right corner."),
    "multigauss": ("Multi-Gaussian",
                   "Six bumps in two rows, alternately up and down, on a flat zero floor."),
}

DATASETS: dict[str, DatasetInfo] = {
    name: DatasetInfo(name, task, *_TEXT[name], multiclass=name in MULTICLASS_DATASETS)
    for task, names in (("classification", DATASETS_CLASSIFICATION),
                        ("regression", DATASETS_REGRESSION))
    for name in names
}


# ----------------------------------------------------------------------------- the dataset

@dataclass(frozen=True, eq=False)  # eq=False: comparing tensor fields with == has no single truth value
class Dataset:
    """Train and test points plus what they mean; immutable so caches can share it safely."""

    name: str
    task: str  # "classification" | "regression"
    n_classes: int  # 1 for regression
    x_train: Tensor  # (N_train, 2) float32 raw coordinates
    y_train: Tensor  # (N_train,) int64 class index, or float32 target for regression
    x_test: Tensor  # (N_test, 2) float32
    y_test: Tensor  # (N_test,) like y_train
    # A fixed plot box while a learner draws: without it every new point would move the axes.
    frame: tuple[float, float, float, float] | None = None

    def __post_init__(self) -> None:
        # user-drawn points arrive as lists or other dtypes: coerce once here, fail loudly on nonsense
        if self.task not in PROBLEMS:
            raise ValueError(f"task must be one of {', '.join(PROBLEMS)}, got {self.task!r}")
        for split in ("train", "test"):
            x, y = _checked_points(getattr(self, f"x_{split}"), getattr(self, f"y_{split}"),
                                   self.task, self.n_classes, split)
            object.__setattr__(self, f"x_{split}", x)
            object.__setattr__(self, f"y_{split}", y)

    @functools.cached_property
    def bounds(self) -> tuple[float, float, float, float]:
        """(x_min, x_max, y_min, y_max): a square around all points, 10 % margin each side (computed
        once: a live view asks for it with every frame).

        Square so the decision surface is not stretched; the margin shows how the network
        extrapolates just beyond the data.
        """
        if self.frame is not None:
            return self.frame
        points = torch.cat([self.x_train, self.x_test])  # (N, 2)
        if points.shape[0] == 0:
            return _DEFAULT_BOUNDS
        low, high = points.min(dim=0).values, points.max(dim=0).values  # (2,), (2,)
        span = max(float((high - low).max()), 1.0)  # a single point still gets a visible box
        half = 0.5 * span + 0.1 * span
        cx, cy = ((low + high) / 2).tolist()
        return (cx - half, cx + half, cy - half, cy + half)

    def with_points(self, x_train: Tensor, y_train: Tensor, x_test: Tensor, y_test: Tensor
                    ) -> Dataset:
        """Same name and task, new points: how user-drawn data replaces the generated set."""
        return dataclasses.replace(self, x_train=x_train, y_train=y_train,
                                   x_test=x_test, y_test=y_test)


# ----------------------------------------------------------------------------- editing points
# A learner's own data changes a point at a time; each edit returns a new Dataset (they are
# immutable), so the app can keep the previous ones for undo.

def editable_copy(source: Dataset, n_classes: int | None = None) -> Dataset:
    """`source`'s points as editable data of one's own, in a plot box that stays put."""
    k = source.n_classes if n_classes is None else n_classes
    return dataclasses.replace(source, name=CUSTOM, n_classes=k, frame=source.bounds)


def empty_data(task: str, n_classes: int = KNOBS["classes"].default,
               frame: tuple[float, float, float, float] = _DEFAULT_BOUNDS) -> Dataset:
    """No points yet: a blank canvas to draw on."""
    y_dtype = torch.int64 if task == "classification" else torch.float32
    none_x, none_y = torch.zeros(0, 2), torch.zeros(0, dtype=y_dtype)
    return Dataset(CUSTOM, task, n_classes if task == "classification" else 1, none_x, none_y, none_x, none_y,
                   frame=frame)


def add_point(data: Dataset, x: float, y: float, label: float,
              train_fraction: float = KNOBS["train_fraction"].default) -> Dataset:
    """One more point. Every k-th point drawn goes to the test set (k = 1 / test share), so drawn
    data keeps the train/test ratio without randomness: the same clicks give the same split."""
    n = data.x_train.shape[0] + data.x_test.shape[0]
    every = max(2, round(1.0 / max(1e-9, 1.0 - train_fraction)))
    to_test = n % every == every - 1
    k = max(data.n_classes, int(label) + 1) if data.task == "classification" else 1
    point = torch.tensor([[x, y]], dtype=torch.float32)
    value = torch.tensor([label], dtype=data.y_train.dtype)
    if to_test:
        return dataclasses.replace(data, n_classes=k, x_test=torch.cat([data.x_test, point]),
                                   y_test=torch.cat([data.y_test, value]))
    return dataclasses.replace(data, n_classes=k, x_train=torch.cat([data.x_train, point]),
                               y_train=torch.cat([data.y_train, value]))


def erase_near(data: Dataset, x: float, y: float, radius: float) -> Dataset:
    """Without the points within `radius` of (x, y)."""
    centre = torch.tensor([x, y])
    keep_train = torch.linalg.vector_norm(data.x_train - centre, dim=1) > radius
    keep_test = torch.linalg.vector_norm(data.x_test - centre, dim=1) > radius
    return dataclasses.replace(data, x_train=data.x_train[keep_train], y_train=data.y_train[keep_train],
                               x_test=data.x_test[keep_test], y_test=data.y_test[keep_test])


def _checked_points(x: Tensor, y: Tensor, task: str, n_classes: int, split: str
                    ) -> tuple[Tensor, Tensor]:
    x = torch.as_tensor(x, dtype=torch.float32)
    y = torch.as_tensor(y)
    if x.dim() != 2 or x.shape[1] != 2:
        raise ValueError(f"x_{split} must have shape (N, 2), got {tuple(x.shape)}")
    if y.shape != (x.shape[0],):
        raise ValueError(f"y_{split} must have shape ({x.shape[0]},) to match x_{split}, "
                         f"got {tuple(y.shape)}")
    if task == "regression":
        return x, y.to(torch.float32)
    if y.numel() and (y.is_floating_point() and not torch.equal(y, y.round())
                      or y.min() < 0 or y.max() >= n_classes):
        raise ValueError(f"y_{split} must hold class indices 0..{n_classes - 1}")
    return x, y.to(torch.int64)


# ----------------------------------------------------------------------------- public entry points

def generate(name: str, n_points: int, noise: float, seed: int, classes: int = KNOBS["classes"].default
             ) -> tuple[Tensor, Tensor]:
    """All points of a dataset before the train/test split, grouped by class.

    Exposed separately so the app can preview a dataset and tests can check its shape
    without the shuffle in the way. Returns x (N, 2) float32 and y (N,) int64 class indices
    or float32 regression targets.
    """
    _validate(name, n_points, noise, seed, classes)
    return _GENERATORS[name](int(n_points), float(noise), int(classes), seeded(seed))


def make_dataset(name: str, n_points: int = KNOBS["n_points"].default, noise: float = KNOBS["noise"].default,
                 train_fraction: float = KNOBS["train_fraction"].default, seed: int = KNOBS["seed"].default,
                 classes: int = KNOBS["classes"].default) -> Dataset:
    """Generate and split a dataset; the split is drawn from the same seed, so it is reproducible."""
    _validate(name, n_points, noise, seed, classes)
    check_train_fraction(train_fraction)
    g = seeded(seed)
    x, y = _GENERATORS[name](int(n_points), float(noise), int(classes), g)  # (N, 2), (N,)
    train, test = random_split(x.shape[0], train_fraction, g)  # the generator goes on from the points
    task = DATASETS[name].task
    return Dataset(name=name, task=task, n_classes=int(classes) if task == "classification" else 1,
                   x_train=x[train], y_train=y[train], x_test=x[test], y_test=y[test])


def dataset_for(cfg: Config) -> Dataset:
    """The dataset a config describes; the one place that maps config fields to data."""
    if cfg.dataset == CUSTOM:
        raise ValueError("dataset 'custom' is data you drew or uploaded: pass it as the data, "
                         "e.g. Trainer(cfg, data=...) or --csv FILE")
    return make_dataset(cfg.dataset, n_points=cfg.n_points, noise=cfg.noise,
                        train_fraction=cfg.train_fraction, seed=cfg.seed, classes=cfg.classes)


def config_for_points(cfg: Config, data: Dataset) -> Config:
    """`cfg` made to learn points of one's own (drawn or uploaded): dataset 'custom', the points'
    problem, and as many classes as they have (at least two)."""
    fewest = KNOBS["classes"].low
    return cfg.replace(dataset=CUSTOM, problem=data.task,
                       classes=max(fewest, data.n_classes) if data.task == "classification" else fewest)


def random_split(n: int, train_fraction: float, generator: torch.Generator) -> tuple[Tensor, Tensor]:
    """Shuffled indices of the train and the test points among n (n >= 2): a share of about
    `train_fraction` trains, and neither side is ever empty."""
    check_train_fraction(train_fraction)
    if n < 2:
        raise ValueError(f"need at least 2 points to split into train and test, got {n}")
    return _shuffled_split(n, train_fraction, generator)


def _shuffled_split(n: int, train_fraction: float, g: torch.Generator) -> tuple[Tensor, Tensor]:
    """A random order of the n points: the first share of it trains, the rest tests (neither is empty)."""
    n_train = min(max(round(n * train_fraction), 1), n - 1)
    order = torch.randperm(n, generator=g)  # (n,)
    return order[:n_train], order[n_train:]


def seeded(seed: int) -> torch.Generator:
    """A generator of its own for `seed`, so the global RNG that initialises weights stays untouched."""
    _check_seed(seed)
    return torch.Generator().manual_seed(int(seed))


def _check_seed(seed: int) -> None:
    knob = KNOBS["seed"]
    if not _is_int(seed) or not knob.low <= seed <= knob.high:
        raise ValueError(f"seed must be {knob.allowed()}, got {seed!r}")


def check_train_fraction(train_fraction: float) -> None:
    if not _is_real(train_fraction) or not 0.0 < train_fraction < 1.0:
        raise ValueError(f"train_fraction must be a number strictly between 0 and 1, "
                         f"got {train_fraction!r}")


def _is_int(value: object) -> bool:
    return isinstance(value, numbers.Integral) and not isinstance(value, bool)


def _is_real(value: object) -> bool:
    return (isinstance(value, numbers.Real) and not isinstance(value, bool)
            and math.isfinite(float(value)))


def _validate(name: str, n_points: int, noise: float, seed: int, classes: int) -> None:
    """A second line of defence behind Config, for direct calls from notebooks and tests."""
    if name not in DATASETS:
        raise ValueError(f"unknown dataset {name!r}; choose one of: {', '.join(DATASETS)}")
    fewest = KNOBS["classes"].low
    if not _is_int(classes) or classes < fewest:
        raise ValueError(f"classes must be a whole number of at least {fewest}, got {classes!r}")
    if classes != 2 and not DATASETS[name].multiclass:
        *others, last = MULTICLASS_DATASETS
        raise ValueError(f"{name!r} has exactly 2 classes, got classes={classes}; only "
                         f"{', '.join(others)} and {last} support more")
    minimum = max(2, classes)
    if not _is_int(n_points) or n_points < minimum:
        raise ValueError(f"n_points must be a whole number of at least {minimum} "
                         f"(one per class and a train and a test point), got {n_points!r}")
    noise_knob = KNOBS["noise"]
    if not _is_real(noise) or not noise_knob.low <= noise <= noise_knob.high:
        raise ValueError(f"noise must be {noise_knob.allowed()}, got {noise!r}")
    _check_seed(seed)


# ----------------------------------------------------------------------------- generators
# Each takes (n, noise, classes, generator) and returns x (n, 2) float32 and y (n,).
# They draw whole tensors at once, in a fixed order, so results are reproducible and fast.

def _uniform(g: torch.Generator, shape: tuple[int, ...], low: float, high: float) -> Tensor:
    return torch.rand(shape, generator=g) * (high - low) + low


def _class_sizes(n: int, k: int) -> Tensor:
    """n split over k classes as evenly as possible; leftovers go to the lowest classes."""
    return torch.tensor([n // k + (c < n % k) for c in range(k)])  # (k,)


def _class_labels(n: int, k: int) -> Tensor:
    return torch.repeat_interleave(torch.arange(k), _class_sizes(n, k))  # (n,) 0,0,..,1,1,..


def _moons(n: int, noise: float, classes: int, g: torch.Generator) -> tuple[Tensor, Tensor]:
    """The tutorial's moons: class 0 is the upper unit half circle, class 1 the lower one
    shifted by (0.6, -0.4); Gaussian noise of std `noise` on every coordinate."""
    y = _class_labels(n, 2)  # (n,)
    t = _uniform(g, (n,), 0.0, math.pi)  # (n,)
    upper = torch.stack([torch.cos(t), torch.sin(t)], dim=1)  # (n, 2)
    lower = torch.stack([torch.cos(t) + 0.6, -torch.sin(t) - 0.4], dim=1)  # (n, 2)
    x = torch.where((y == 0)[:, None], upper, lower)  # (n, 2)
    return x + noise * torch.randn(n, 2, generator=g), y


def _blobs(n: int, noise: float, classes: int, g: torch.Generator) -> tuple[Tensor, Tensor]:
    """The tutorial's blobs: class i is a round cluster at (2i, 2i) with std max(noise, 0.05)."""
    y = _class_labels(n, classes)  # (n,)
    centres = 2.0 * y.to(torch.float32)[:, None].expand(n, 2)  # (n, 2)
    return centres + max(noise, BLOB_MIN_STD) * torch.randn(n, 2, generator=g), y


def _circle(n: int, noise: float, classes: int, g: torch.Generator) -> tuple[Tensor, Tensor]:
    """TF classifyCircleData. Half the points in the disc r < 2.5, half in the ring 3.5..5;
    the label tests a randomly shifted copy, so noise flips labels but never moves points.
    TF's +1 (inside) is our class 0, TF's -1 (outside) our class 1."""
    radius = 5.0
    inner = _class_labels(n, 2) == 0  # (n,) True for the first half
    low = torch.where(inner, 0.0, radius * 0.7)  # (n,)
    high = torch.where(inner, radius * 0.5, radius)  # (n,)
    r = low + (high - low) * torch.rand(n, generator=g)  # (n,)
    angle = _uniform(g, (n,), 0.0, 2 * math.pi)  # (n,)
    x = torch.stack([r * torch.sin(angle), r * torch.cos(angle)], dim=1)  # (n, 2)
    shift = _uniform(g, (n, 2), -radius, radius) * noise  # (n, 2)
    return x, _circle_label(x + shift)


def _circle_label(p: Tensor) -> Tensor:
    return (torch.linalg.vector_norm(p, dim=-1) >= 2.5).to(torch.int64)  # (n,) 0 inside


def _xor(n: int, noise: float, classes: int, g: torch.Generator) -> tuple[Tensor, Tensor]:
    """TF classifyXORData: uniform in [-5, 5]², pushed 0.3 off the axes so quadrants are
    visibly apart; label by the sign of a shifted copy. TF's +1 is class 1, -1 class 0."""
    x = _uniform(g, (n, 2), -5.0, 5.0)  # (n, 2)
    x = torch.where(x > 0, x + 0.3, x - 0.3)
    shift = _uniform(g, (n, 2), -5.0, 5.0) * noise  # (n, 2)
    return x, _xor_label(x + shift)


def _xor_label(p: Tensor) -> Tensor:
    return (p[..., 0] * p[..., 1] >= 0).to(torch.int64)  # (n,) 1 where both signs agree


def _gauss(n: int, noise: float, classes: int, g: torch.Generator) -> tuple[Tensor, Tensor]:
    """TF classifyTwoGaussData: clouds at (-2, -2) (TF -1, our 0) and (2, 2) (TF +1, our 1).
    TF maps noise [0, 0.5] linearly to variance [0.5, 4]; above 0.5 we extend the same line."""
    y = _class_labels(n, 2)  # (n,)
    variance = 0.5 + noise * (4.0 - 0.5) / 0.5
    centres = (4.0 * y.to(torch.float32) - 2.0)[:, None].expand(n, 2)  # (n, 2)
    return centres + math.sqrt(variance) * torch.randn(n, 2, generator=g), y


def _spiral(n: int, noise: float, classes: int, g: torch.Generator) -> tuple[Tensor, Tensor]:
    """TF classifySpiralData with k arms: arm c is TF's arm rotated by c·2π/k (k=2: deltaT
    0 and π, TF's +1 arm is our class 0), plus uniform jitter of ±noise per coordinate."""
    sizes = _class_sizes(n, classes)  # (k,)
    y = torch.repeat_interleave(torch.arange(classes), sizes)  # (n,)
    starts = torch.cumsum(sizes, dim=0) - sizes  # (k,) index of each arm's first point
    frac = (torch.arange(n) - starts[y]).to(torch.float32) / sizes[y]  # (n,) i / n_c in [0, 1)
    r = frac * 5.0  # (n,)
    t = 1.75 * frac * 2 * math.pi + y.to(torch.float32) * (2 * math.pi / classes)  # (n,)
    x = torch.stack([r * torch.sin(t), r * torch.cos(t)], dim=1)  # (n, 2)
    return x + _uniform(g, (n, 2), -1.0, 1.0) * noise, y


CHECKER_CELL = 2.0      # checkerboard: squares of 2×2 on [-4, 4]², a 4×4 board


def _checkerboard(n: int, noise: float, classes: int, g: torch.Generator) -> tuple[Tensor, Tensor]:
    """A 4×4 board on [-4, 4]²: class 0 where ⌊x/2⌋ + ⌊y/2⌋ is even (the square right above the
    origin), class 1 where odd. As in xor, the label is read at a randomly shifted copy of the point
    (up to ±noise·cell per coordinate), so noise blurs the edges and never moves points."""
    x = _uniform(g, (n, 2), -2 * CHECKER_CELL, 2 * CHECKER_CELL)  # (n, 2)
    shift = _uniform(g, (n, 2), -CHECKER_CELL, CHECKER_CELL) * noise  # (n, 2)
    return x, _checker_label(x + shift)


def _checker_label(p: Tensor) -> Tensor:
    return (torch.floor(p / CHECKER_CELL).sum(dim=-1) % 2).to(torch.int64)  # (n,)


# stripes: four vertical stripes across [-5, 5]. Measured (200 points, noise 0.22, adam 0.01, 3,000
# epochs): 2-8-2 reaches 91 % train / 80 % test; 2-64-64-2 100 % / 78 % with a test loss of 4.0;
# the same with dropout 0.5 93 % / 82 %, test loss 0.56. Stripes 1 wide (ten of them) are not
# learnable from so few points at all (62 % / 50 %).
STRIPE_WIDTH = 2.5


def _stripes(n: int, noise: float, classes: int, g: torch.Generator) -> tuple[Tensor, Tensor]:
    """Made to show overfitting: uniform on [-5, 5]², class by the parity of ⌊x₁ / 2.5⌋ (class 0
    right of the origin), and a share noise/2 of the labels flipped at random (noise 1: half of
    them, pure chance). A flipped point sits alone among the other class: a network that fits it
    has learned that point, not the stripes, and does worse on the test points."""
    x = _uniform(g, (n, 2), -5.0, 5.0)  # (n, 2)
    flip = torch.rand(n, generator=g) < noise / 2  # (n,)
    clean = _stripe_label(x)
    return x, torch.where(flip, 1 - clean, clean)


def _stripe_label(p: Tensor) -> Tensor:
    return (torch.floor(p[..., 0] / STRIPE_WIDTH) % 2).to(torch.int64)  # (n,)


RINGS_RADIUS = 5.0      # rings: the outermost ring's radius; ring c of k at (c + 1)·5/k


def _rings(n: int, noise: float, classes: int, g: torch.Generator) -> tuple[Tensor, Tensor]:
    """k concentric rings, one per class, class 0 innermost: ring c has radius (c + 1)·5/k, and each
    point lies off it by a normal amount of std noise·(5/k)/2, so at noise 1 neighbours touch."""
    y = _class_labels(n, classes)  # (n,)
    gap = RINGS_RADIUS / classes
    r = (y.to(torch.float32) + 1.0) * gap + torch.randn(n, generator=g) * (noise * gap / 2)  # (n,)
    angle = _uniform(g, (n,), 0.0, 2 * math.pi)  # (n,)
    return torch.stack([r * torch.cos(angle), r * torch.sin(angle)], dim=1), y


def _plane(n: int, noise: float, classes: int, g: torch.Generator) -> tuple[Tensor, Tensor]:
    """TF regressPlane: target (x + y)/10 at a shifted copy of the point. TF's scale is not
    clamped; we clip to [-1, 1] because the corners (and our noise up to 1) overshoot it."""
    x = _uniform(g, (n, 2), -6.0, 6.0)  # (n, 2)
    shift = _uniform(g, (n, 2), -6.0, 6.0) * noise  # (n, 2)
    return x, _plane_target(x + shift)


def _plane_target(p: Tensor) -> Tensor:
    return (p.sum(dim=-1) / 10.0).clamp(-1.0, 1.0)  # (n,)


_GAUSSIANS = torch.tensor([[-4.0, 2.5, 1.0], [0.0, 2.5, -1.0], [4.0, 2.5, 1.0],
                           [-4.0, -2.5, -1.0], [0.0, -2.5, 1.0], [4.0, -2.5, -1.0]])  # (6, 3) cx, cy, sign


def _multigauss(n: int, noise: float, classes: int, g: torch.Generator) -> tuple[Tensor, Tensor]:
    """TF regressGaussian: six signed bumps of radius 2; target at a shifted copy."""
    x = _uniform(g, (n, 2), -6.0, 6.0)  # (n, 2)
    shift = _uniform(g, (n, 2), -6.0, 6.0) * noise  # (n, 2)
    return x, _multigauss_target(x + shift)


def _multigauss_target(p: Tensor) -> Tensor:
    """The signed bump value of largest magnitude; on a tie the first bump wins, as in TF's
    strict `>` loop (argmax returns the first maximum)."""
    dist = torch.linalg.vector_norm(p[:, None, :] - _GAUSSIANS[:, :2], dim=-1)  # (n, 6)
    magnitude = (1.0 - dist / 2.0).clamp(0.0, 1.0)  # (n, 6) TF labelScale [0, 2] -> [1, 0]
    best = magnitude.argmax(dim=1, keepdim=True)  # (n, 1)
    return (magnitude * _GAUSSIANS[:, 2]).gather(1, best).squeeze(1)  # (n,)


_GENERATORS: dict[str, Callable[[int, float, int, torch.Generator], tuple[Tensor, Tensor]]] = {
    "moons": _moons, "blobs": _blobs, "circle": _circle, "xor": _xor, "gauss": _gauss,
    "spiral": _spiral, "checkerboard": _checkerboard, "stripes": _stripes, "rings": _rings,
    "plane": _plane, "multigauss": _multigauss,
}
assert set(_GENERATORS) == set(DATASETS), "every configured dataset needs a generator"


# ----------------------------------------------------------------------------- features

FEATURE_LABELS: dict[str, str] = dict(KNOBS["features"].names)      # how each feature is written

_FEATURE_FUNCS: dict[str, Callable[[Tensor, Tensor], Tensor]] = {
    "x1": lambda a, b: a,
    "x2": lambda a, b: b,
    "x1sq": lambda a, b: a * a,
    "x2sq": lambda a, b: b * b,
    "x1x2": lambda a, b: a * b,
    "sinx1": lambda a, b: torch.sin(a),
    "sinx2": lambda a, b: torch.sin(b),
}


def featurize(x: Tensor, features: Sequence[str]) -> Tensor:
    """Raw coordinates to network inputs, in the order given.

    Hand-made features let a linear model draw curved boundaries, which is the point of
    TF Playground's feature column. Works for a batch (N, 2) and a plot grid (H, W, 2) alike.
    """
    if x.shape[-1:] != (2,):
        raise ValueError(f"featurize expects points with last dimension 2, got shape {tuple(x.shape)}")
    if isinstance(features, str) or not features:
        raise ValueError("features must be a non-empty sequence of names like ('x1', 'x2')")
    unknown = [f for f in features if f not in _FEATURE_FUNCS]
    if unknown:
        raise ValueError(f"unknown feature(s) {', '.join(map(repr, unknown))}; "
                         f"choose from: {', '.join(FEATURES)}")
    a, b = x[..., 0], x[..., 1]  # (...,), (...,)
    return torch.stack([_FEATURE_FUNCS[f](a, b) for f in features], dim=-1)  # (..., F)
