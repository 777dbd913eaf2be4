"""One config object for every knob: defaults, bounds and validation live here only.

The sliders, the URL query parameters and the CLI all read the same `KNOBS` table, so a
bound changed here changes everywhere at once. Bad values raise `ConfigError`, whose
message names the knob, the value and what is allowed — a sentence, never a traceback.
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from scratchnet.net import activations, inits, norms, optim, penalties, schedule
from scratchnet.train.pace import SECONDS_PER_TENFOLD, watch_seconds

DATASETS_CLASSIFICATION = ("moons", "blobs", "circle", "xor", "gauss", "spiral", "checkerboard", "stripes", "rings")
DATASETS_REGRESSION = ("plane", "multigauss")
MULTICLASS_DATASETS = ("blobs", "spiral", "rings")
# Points a learner drew or uploaded: either problem, any number of classes. The points live in
# the app's session (a link cannot carry them); the knobs that generate data do not apply.
CUSTOM = "custom"
ANY_CLASSES = (*MULTICLASS_DATASETS, CUSTOM)
FEATURES = ("x1", "x2", "x1sq", "x2sq", "x1x2", "sinx1", "sinx2")
# The choices defined by records (each with its math, its code and its formula): derived, never typed here.
ACTIVATIONS = tuple(a.name for a in activations.ALL)
OPTIMIZERS = tuple(o.name for o in optim.ALL)
NORMS = tuple(n.name for n in norms.ALL)
SCHEDULES = tuple(s.name for s in schedule.ALL)
REGULARIZATIONS = tuple(p.name for p in penalties.ALL)
INITS = (inits.AUTO, *(i.name for i in inits.ALL))
BACKPROPS = ("hand", "autograd")
PROBLEMS = ("classification", "regression")
SPEEDS = ("1", "3", "10", "30", "100", "300", "1000", "auto", "max")
MAX_LAYERS = 8
MAX_UNITS = 128


class ConfigError(ValueError):
    """A value outside what a knob allows; `str()` is a one-line message for people."""

    def __init__(self, knob: str, value: Any, allowed: str):
        self.knob, self.value, self.allowed = knob, value, allowed
        super().__init__(f"{knob}={show_value(value)}: must be {allowed}")


def show_value(value: Any) -> str:
    """A value as a message shows it: short, on one line, and visible even when empty."""
    text = ",".join(map(str, value)) if isinstance(value, (list, tuple)) else str(value)
    if not text.strip() or not text.isprintable():
        text = repr(text)                     # '' or '1\n2' rather than nothing or a line break
    return text if len(text) <= 40 else text[:37] + "..."


@dataclass(frozen=True)
class Knob:
    """What one setting accepts. `kind` is int, float, bool, choice, ints (a list) or set.

    What a change of it may do: `live`, a running network takes it mid-run (any other change starts a
    new run); `stackable`, the models of one stack (a sweep) may differ in it; `exportable`, the code
    export writes it out exactly (a view knob changes no number: trivially). A new knob is none of these
    until somebody makes it so."""

    name: str
    kind: str
    default: Any
    label: str
    help: str
    group: str
    low: float | None = None
    high: float | None = None
    log: bool = False
    choices: tuple[str, ...] = ()
    max_items: int | None = None
    min_items: int = 1
    # What the app shows. grid: the values a slider offers (a link may still carry any allowed value);
    # step: a plain slider's step; names: display names of choices or special values; fmt/suffix: how
    # other numbers read; advanced: tucked under "Advanced"; compare: what Compare tries by default
    # (empty: Compare does not offer the knob).
    grid: tuple[Any, ...] = ()
    step: float | None = None
    names: tuple[tuple[Any, str], ...] = ()
    fmt: str = ""
    suffix: str = ""
    advanced: bool = False
    compare: tuple[Any, ...] = ()
    live: bool = False
    stackable: bool = False
    exportable: bool = False

    def __post_init__(self) -> None:
        for value in (*self.grid, *self.compare):
            self.validate(value)              # a grid beyond the bounds fails at import, not in a slider

    def show(self, value: Any) -> str:
        """A value as the app shows it: 'ReLU', 'full', '0.003', '1,000 epochs/s'."""
        named = dict(self.names)
        if not isinstance(value, (list, tuple)) and value in named:
            return named[value]
        if self.kind == "ints":
            return ",".join(map(str, value))
        if self.kind == "set":
            return ", ".join(named.get(v, v) for v in value)
        return format(value, self.fmt) + self.suffix

    def allowed(self) -> str:
        if self.kind == "choice":
            return "one of " + ", ".join(self.choices)
        if self.kind == "bool":
            return "true or false"
        if self.kind == "set":
            return (f"a comma-separated list of at least {self.min_items} of " if self.min_items
                    else "a comma-separated list (possibly empty) of ") + ", ".join(self.choices)
        if self.kind == "ints":
            return (f"up to {self.max_items} comma-separated whole numbers, "
                    f"each from {_num(self.low)} to {_num(self.high)}")
        what = "a whole number" if self.kind == "int" else "a number"
        return f"{what} from {_num(self.low)} to {_num(self.high)}"

    def validate(self, value: Any) -> Any:
        """Return `value` in canonical form or raise ConfigError."""
        if self.kind == "bool":
            if not isinstance(value, bool):
                raise ConfigError(self.name, value, self.allowed())
            return value
        if self.kind == "choice":
            if value not in self.choices:
                raise ConfigError(self.name, value, self.allowed())
            return value
        if self.kind == "set":
            items = tuple(value)
            if (len(items) < self.min_items or any(v not in self.choices for v in items)
                    or len(set(items)) != len(items)):
                raise ConfigError(self.name, value, self.allowed())
            return tuple(c for c in self.choices if c in items)  # canonical order
        if self.kind == "ints":
            items = tuple(value)
            if len(items) > (self.max_items or 0) or any(not _in_range(v, self, int) for v in items):
                raise ConfigError(self.name, value, self.allowed())
            return tuple(int(v) for v in items)
        number_type = int if self.kind == "int" else float
        if not _in_range(value, self, number_type):
            raise ConfigError(self.name, value, self.allowed())
        return number_type(value)

    def parse(self, text: str) -> Any:
        """Text (a URL value, a CLI argument) to a validated value, or ConfigError."""
        text = str(text).strip()
        try:
            if self.kind == "bool":
                lowered = text.lower()
                if lowered in ("1", "true", "yes", "on"):
                    return True
                if lowered in ("0", "false", "no", "off"):
                    return False
                raise ValueError
            if self.kind == "choice":
                return self.validate(text.lower())
            if self.kind == "set":
                return self.validate([t.strip().lower() for t in text.split(",") if t.strip()])
            if self.kind == "ints":
                return self.validate([int(t) for t in text.split(",") if t.strip()])
            if self.kind == "int":
                number = float(text)
                if not number.is_integer():
                    raise ValueError
                return self.validate(int(number))
            return self.validate(float(text))
        except (ValueError, OverflowError):
            raise ConfigError(self.name, text, self.allowed()) from None

    def clamp(self, text: str) -> Any:
        """Like `parse`, but a number out of range is pulled to the nearest bound."""
        if self.kind not in ("int", "float"):
            return self.parse(text)
        try:
            number = float(str(text).strip())
        except ValueError:
            raise ConfigError(self.name, text, self.allowed()) from None
        if math.isnan(number):
            raise ConfigError(self.name, text, self.allowed())
        number = min(max(number, self.low), self.high)
        return self.validate(round(number) if self.kind == "int" else number)

    def format(self, value: Any) -> str:
        """The text form used in URLs and shown to people; `parse(format(v)) == v`."""
        if self.kind == "bool":
            return "1" if value else "0"
        if self.kind in ("ints", "set"):
            return ",".join(map(str, value))
        if self.kind == "float":
            return repr(float(value))
        return str(value)


def _num(x: float | None) -> str:
    """A bound as people read it: 2147483647 and 1000000 in full (not 2.14748e+09), 1e-05 short."""
    if x is None:
        return ""
    if float(x).is_integer() and abs(x) < 1e16:
        return str(int(x))
    return f"{x:g}"


def _in_range(value: Any, knob: Knob, number_type: type) -> bool:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return False
    if isinstance(value, float) and not math.isfinite(value):
        return False
    if number_type is int and not float(value).is_integer():
        return False
    return knob.low <= value <= knob.high


def log_grid(low: float, high: float, mantissas: tuple[float, ...]) -> tuple[float, ...]:
    """m·10^e for every mantissa m and power e that lands within [low, high] (a log-scale slider)."""
    first, last = math.floor(math.log10(low)), math.ceil(math.log10(high))
    values = {round(m * 10.0 ** e, 10) for e in range(first, last + 1) for m in mantissas}
    return tuple(sorted(v for v in values if low <= v <= high))


SEED_HIGH = 2**31 - 1     # a seed any tool takes (numpy's legacy seeds stop at 2**32 - 1)


def _labels(records: tuple) -> tuple[tuple[str, str], ...]:
    return tuple((r.name, r.label) for r in records)


def _hints(records: tuple) -> str:
    """Each choice's hint ("sgd: plain steps"), for the knob's help."""
    return "; ".join(r.hint for r in records if r.hint) + "."


# What a knob's change may do (see Knob): the view's knobs change no number of a run.
_VIEW = {"live": True, "stackable": True, "exportable": True}

_KNOB_LIST = (
    # data
    Knob("problem", "choice", "classification", "Problem type",
         "Classification predicts a class; regression predicts a number.", "data", choices=PROBLEMS,
         exportable=True),
    # circle, not the tutorial's moons: no line separates a ring from its centre, so every first network is
    # wrong (40-55% over init seeds) and the first Play visibly bends it into a ring (95-97% at epoch 300; the
    # moons are ~86% linearly separable, and init seed 42 started at 86%). benchmarks/bench_pace.py measures it.
    Knob("dataset", "choice", "circle", "Dataset", "Which toy data the network learns.", "data",
         choices=(*DATASETS_CLASSIFICATION, *DATASETS_REGRESSION, CUSTOM),
         # short names: a label under a thumbnail has ~9 characters, three to a row (docs/measured.md#dataset-names)
         names=(("checkerboard", "checkers"), ("multigauss", "gaussians"), (CUSTOM, "your own")),
         exportable=True),
    Knob("classes", "int", 2, "Classes",
         f"Number of classes ({', '.join(MULTICLASS_DATASETS)} and your own data only).", "data",
         low=2, high=8, step=1, exportable=True),
    Knob("n_points", "int", 200, "Points", "How many points to generate (train and test together).",
         "data", low=10, high=5000,
         grid=(20, 50, 100, 150, 200, 300, 400, 500, 750, 1000, 1500, 2000, 3000, 5000), exportable=True),
    Knob("noise", "float", 0.22, "Noise",
         "How messy the data is: spread for moons, blobs and rings; for stripes, twice the share of labels "
         "flipped; label and position noise for the others.",
         "data", low=0.0, high=1.0, step=0.01, exportable=True),
    Knob("train_fraction", "float", 0.8, "Train fraction",
         "Share of the points used for training; the rest is held out as test data.",
         "data", low=0.1, high=0.9, step=0.05, fmt=".2f", exportable=True),
    Knob("seed", "int", 42, "Data seed", "Same seed, same data.", "data", low=0, high=SEED_HIGH,
         exportable=True),
    Knob("features", "set", ("x1", "x2"), "Input features",
         "What the network sees of each point: the coordinates and functions of them.", "data",
         choices=FEATURES,
         names=(("x1", "x₁"), ("x2", "x₂"), ("x1sq", "x₁²"), ("x2sq", "x₂²"), ("x1x2", "x₁x₂"),
                ("sinx1", "sin(x₁)"), ("sinx2", "sin(x₂)")), exportable=True),
    # network
    # hidden stacks: narrower models of a stack are zero-padded and masked (not with layer norm: see batched.py)
    Knob("hidden", "ints", (10,), "Hidden layers",
         "Units per hidden layer; an empty list is a linear model.", "network",
         low=1, high=MAX_UNITS, max_items=MAX_LAYERS,
         compare=((2,), (4,), (8,), (16,), (8, 8), (16, 16)), stackable=True, exportable=True),
    # Ten choices: the sidebar shows them as a drop-down (a segmented control wraps past five).
    Knob("activation", "choice", "relu", "Activation", "The nonlinearity after each hidden layer.",
         "network", choices=ACTIVATIONS, names=_labels(activations.ALL),
         compare=("relu", "tanh", "elu", "gelu", "silu", "sine"), exportable=True),
    Knob("norm", "choice", "none", "Normalization", _hints(norms.ALL), "network",
         choices=NORMS, names=_labels(norms.ALL), compare=NORMS, exportable=True),
    Knob("init", "choice", "auto", "Initialization",
         f"auto: He for the ReLU family ({', '.join(a.label for a in activations.ALL if a.he_init)}), Xavier "
         "otherwise; " + _hints(inits.ALL), "network",
         choices=INITS, advanced=True, exportable=True),
    # compare: how many seeds Compare tries by default, counted up from the current one.
    Knob("init_seed", "int", 42, "Init seed",
         "Seeds the initial weights, the mini-batch shuffle and the dropout masks.", "network", low=0,
         high=SEED_HIGH, advanced=True, compare=tuple(range(8)), stackable=True, exportable=True),
    # training
    Knob("lr", "float", 0.1, "Learning rate", "Step size of each update.", "training",
         low=1e-5, high=10.0, log=True, grid=log_grid(1e-5, 10.0, (1, 2, 3, 5, 7)), fmt="g",
         compare=(0.003, 0.01, 0.03, 0.1, 0.3, 1.0, 3.0), live=True, stackable=True, exportable=True),
    Knob("optimizer", "choice", "sgd", "Optimizer", _hints(optim.ALL), "training", choices=OPTIMIZERS,
         names=_labels(optim.ALL), compare=OPTIMIZERS, exportable=True),
    # A schedule, a dropout rate or AdamW's decay changes no parameter: the next epoch simply uses them.
    Knob("schedule", "choice", "constant", "Rate schedule",
         "How the learning rate changes over the run's epochs: " + _hints(schedule.ALL) + " Play after the "
         "last epoch trains another round of epochs, and step decay and cosine start again from the full rate.",
         "training", choices=SCHEDULES, names=_labels(schedule.ALL), compare=SCHEDULES, live=True,
         stackable=True, exportable=True),
    Knob("batch_size", "int", 0, "Batch size",
         "Points per update; 0 means the whole training set (full batch).", "training",
         low=0, high=5000, grid=(0, 1, 2, 4, 8, 10, 16, 32, 64, 128, 256, 512, 1024), names=((0, "full"),),
         compare=(0, 64, 16, 4), exportable=True),
    Knob("regularization", "choice", "none", "Regularization",
         "Penalty on large weights: " + _hints(penalties.ALL), "training",
         choices=REGULARIZATIONS, names=_labels(penalties.ALL), live=True,
         exportable=True),
    Knob("reg_rate", "float", 0.0, "Regularization rate", "Strength of the penalty.", "training",
         low=0.0, high=10.0, grid=(0.0, *log_grid(1e-4, 10.0, (1, 3))), fmt="g", live=True, stackable=True,
         exportable=True),
    # AdamW's own knob, not reg_rate: its decay is a step of the optimizer, not a term of the loss, and
    # an L2 penalty can still be added on top.
    Knob("weight_decay", "float", optim.WEIGHT_DECAY, "Weight decay",
         "AdamW only: every step also shrinks each weight by lr·λ, apart from the gradient (decoupled "
         "weight decay); biases and layer norm's gains and shifts are not decayed.", "training",
         low=0.0, high=1.0, grid=(0.0, *log_grid(1e-4, 1.0, (1, 3))), fmt="g", live=True, stackable=True,
         exportable=True),
    Knob("dropout", "float", 0.0, "Dropout",
         "Share of hidden units switched off at random in every training step (the others scaled by "
         "1/(1 − p)); the boundary, the metrics and the test loss use the whole network.", "training",
         low=0.0, high=0.9, grid=tuple(round(0.05 * i, 2) for i in range(19)), fmt=".2f",
         compare=(0.0, 0.2, 0.5),            # a grid, not a step: Compare offers the grid's values
         live=True, stackable=True, exportable=True),
    Knob("epochs", "int", 300, "Epochs",
         "How far a run goes: passes over the training data. Play at the end trains another round of as many.",
         "training", low=1, high=1_000_000, fmt=",",
         grid=(10, 20, 50, 100, 200, 300, 500, 1000, 2000, 3000, 5000, 10_000, 20_000, 50_000, 100_000,
               200_000, 500_000, 1_000_000), live=True, stackable=True, exportable=True),
    Knob("target_accuracy", "float", 0.0, "Stop at accuracy",
         "Stop once training accuracy reaches this (0 = never).", "training", low=0.0, high=1.0, step=0.01,
         advanced=True, live=True, stackable=True, exportable=True),
    Knob("backprop", "choice", "hand", "Backprop",
         "hand: the chain rule written out; autograd: loss.backward().", "training",
         choices=BACKPROPS, advanced=True, live=True, exportable=True),
    # view (read by the app only)
    Knob("show_test", "bool", False, "Show test data", "Draw the held-out points too.", "view", **_VIEW),
    Knob("discretize", "bool", False, "Discretize output",
         "Colour each region by its predicted class only, without confidence.", "view", **_VIEW),
    Knob("presentation", "bool", False, "Presentation mode",
         "Large type, thick lines and a high-contrast palette for a projector.", "view", **_VIEW),
    Knob("speed", "choice", "auto", "Speed",
         f"Epochs per second while playing. auto: slow at first, when the network changes most, then faster: "
         f"every tenfold of epochs takes about {SECONDS_PER_TENFOLD:g} s (10 epochs in {watch_seconds(10):.0f} s, "
         f"100 in {watch_seconds(100):.0f} s, 1,000 in {watch_seconds(1000):.0f} s), and a change you make starts "
         "it slow again; max: as fast as the computer allows.", "view", choices=SPEEDS,
         names=(("auto", "auto"), ("max", "max")), suffix="/s", **_VIEW),
)
# A teacher's link can hide any of the controls above (TensorFlow Playground's classroom links).
_KNOB_LIST += (Knob("hide", "set", (), "Hidden controls",
                    "Controls a lesson link hides from students.", "view",
                    choices=tuple(k.name for k in _KNOB_LIST), min_items=0,
                    names=tuple((k.name, k.label) for k in _KNOB_LIST), **_VIEW),)
KNOBS: dict[str, Knob] = {k.name: k for k in _KNOB_LIST}
# How the app shows a run (a View's knobs) and what makes the run (a Config's): no number of a run depends on the view.
VIEW_KNOBS = tuple(name for name, knob in KNOBS.items() if knob.group == "view")
CONFIG_KNOBS = tuple(name for name in KNOBS if name not in VIEW_KNOBS)
# The tutorial's network (the Lesson's, the README's): two moons, 2-10-2 ReLU, full-batch SGD at 0.07, 300 epochs.
TUTORIAL_SETUP: dict[str, Any] = {"dataset": "moons", "n_points": 200, "noise": 0.22, "hidden": (10,),
                                  "activation": "relu", "optimizer": "sgd", "lr": 0.07, "batch_size": 0,
                                  "epochs": 300}
# The sidebar's groups, in the order it shows them (a knob's `group` says where it goes).
GROUPS = {"network": "Network", "training": "Training", "data": "Data"}


@dataclass(frozen=True)
class Config:
    """Every knob of a run. Construct with keywords; invalid values raise ConfigError."""

    problem: str = KNOBS["problem"].default
    dataset: str = KNOBS["dataset"].default
    classes: int = KNOBS["classes"].default
    n_points: int = KNOBS["n_points"].default
    noise: float = KNOBS["noise"].default
    train_fraction: float = KNOBS["train_fraction"].default
    seed: int = KNOBS["seed"].default
    features: tuple[str, ...] = field(default=KNOBS["features"].default)
    hidden: tuple[int, ...] = field(default=KNOBS["hidden"].default)
    activation: str = KNOBS["activation"].default
    norm: str = KNOBS["norm"].default
    init: str = KNOBS["init"].default
    init_seed: int = KNOBS["init_seed"].default
    lr: float = KNOBS["lr"].default
    optimizer: str = KNOBS["optimizer"].default
    schedule: str = KNOBS["schedule"].default
    batch_size: int = KNOBS["batch_size"].default
    regularization: str = KNOBS["regularization"].default
    reg_rate: float = KNOBS["reg_rate"].default
    weight_decay: float = KNOBS["weight_decay"].default
    dropout: float = KNOBS["dropout"].default
    epochs: int = KNOBS["epochs"].default
    target_accuracy: float = KNOBS["target_accuracy"].default
    backprop: str = KNOBS["backprop"].default

    def __post_init__(self) -> None:
        _validate(self, CONFIG_KNOBS)
        for problem_error in _cross_field_errors(self):
            raise problem_error

    def replace(self, **changes: Any) -> Config:
        return dataclasses.replace(self, **changes)

    def to_dict(self) -> dict[str, Any]:
        return {name: (list(v) if isinstance(v, tuple) else v) for name, v in dataclasses.asdict(self).items()}

    def to_query(self) -> dict[str, str]:
        """Every knob of the run as text: a link made from this restores the run even if defaults change."""
        return _as_text(self, CONFIG_KNOBS)

    @property
    def n_classes(self) -> int:
        """Network outputs: one per class, or a single value for regression."""
        return 1 if self.problem == "regression" else self.classes

    @property
    def layer_sizes(self) -> tuple[int, ...]:
        return (len(self.features), *self.hidden, self.n_classes)

    @property
    def is_classification(self) -> bool:
        return self.problem == "classification"

    def describe(self) -> str:
        """One line a person reads: the network and how it learns."""
        shape = "-".join(map(str, self.layer_sizes))
        reg = "" if self.regularization == "none" else f", {self.regularization}={self.reg_rate:g}"
        batch = "full batch" if self.batch_size == 0 else f"batch {self.batch_size}"
        data = ("your own data" if self.dataset == CUSTOM
                else f"{self.dataset} ({self.n_points} points, noise {self.noise:g})")
        net = shape + " " + self.activation + (" layer-norm" if self.norm == "layer" else "")
        net += f" dropout={self.dropout:g}" if self.dropout else ""
        optimizer = self.optimizer + (f" wd={self.weight_decay:g}" if optim.BY_NAME[self.optimizer].decays else "")
        rate = f"lr={self.lr:g}" + ("" if self.schedule == "constant" else f" ({self.schedule})")
        return f"{data} · {net} · {optimizer} {rate}{reg} · {batch} · {self.epochs} epochs"


@dataclass(frozen=True)
class View:
    """How the app shows a run: the knobs of group "view". No number of the run depends on them, so the
    engine never reads them. Construct with keywords; invalid values raise ConfigError."""

    show_test: bool = KNOBS["show_test"].default
    discretize: bool = KNOBS["discretize"].default
    presentation: bool = KNOBS["presentation"].default
    speed: str = KNOBS["speed"].default
    hide: tuple[str, ...] = field(default=KNOBS["hide"].default)

    def __post_init__(self) -> None:
        _validate(self, VIEW_KNOBS)

    def replace(self, **changes: Any) -> View:
        return dataclasses.replace(self, **changes)

    def shows(self, name: str) -> bool:
        """Whether the knob `name` is on the page (a lesson's or a teacher's link can hide it)."""
        return name not in self.hide

    def to_query(self) -> dict[str, str]:
        return _as_text(self, VIEW_KNOBS)


@dataclass(frozen=True)
class Setup:
    """What a link, a run file, the CLI or a class's setup carries: the run (Config) and how it is shown (View)."""

    config: Config = field(default_factory=Config)
    view: View = field(default_factory=View)

    def get(self, name: str) -> Any:
        """A knob's value, whether the run's or the view's."""
        return getattr(self.view if name in VIEW_KNOBS else self.config, name)

    def replace(self, **changes: Any) -> Setup:
        """The setup with knobs of either changed, by the knobs' names."""
        shown = {name: value for name, value in changes.items() if name in VIEW_KNOBS}
        run = {name: value for name, value in changes.items() if name not in VIEW_KNOBS}
        return Setup(self.config.replace(**run), self.view.replace(**shown))

    def to_query(self) -> dict[str, str]:
        """Every knob as text, in the table's order: the link of a run and its view together."""
        texts = {**self.config.to_query(), **self.view.to_query()}
        return {name: texts[name] for name in KNOBS}


def _validate(record: Config | View, names: tuple[str, ...]) -> None:
    """Each of `names` in its canonical form (frozen: set in place), or ConfigError."""
    for name in names:
        object.__setattr__(record, name, KNOBS[name].validate(getattr(record, name)))


def _as_text(record: Config | View, names: tuple[str, ...]) -> dict[str, str]:
    return {name: KNOBS[name].format(getattr(record, name)) for name in names}


def datasets_for(problem: str) -> tuple[str, ...]:
    """The generated datasets of a problem type; the first is where switching to it lands."""
    return DATASETS_CLASSIFICATION if problem == "classification" else DATASETS_REGRESSION


# Above this learning rate the regression sets (targets in [-1, 1], inputs up to ±6) diverge at once.
REGRESSION_SAFE_LR = 0.01


def switch_problem(cfg: Config, problem: str) -> tuple[Config, str]:
    """`cfg` moved to another problem type: its first dataset, and for regression a learning rate that
    does not blow up on the first step (TensorFlow Playground keeps the rate, and its regression then
    diverges with ReLU). Returns the new config and a note when the rate had to change."""
    lr, note = cfg.lr, ""
    if problem == "regression" and cfg.lr > REGRESSION_SAFE_LR:
        lr = REGRESSION_SAFE_LR
        note = (f"Learning rate set to {REGRESSION_SAFE_LR:g}: regression targets are on a different scale "
                "and larger steps diverge at once.")
    return cfg.replace(problem=problem, dataset=datasets_for(problem)[0], classes=2, lr=lr), note


def _cross_field_errors(cfg: Config) -> list[ConfigError]:
    errors = []
    allowed = (*datasets_for(cfg.problem), CUSTOM)
    if cfg.dataset not in allowed:
        errors.append(ConfigError("dataset", cfg.dataset,
                                  "one of " + ", ".join(allowed) + f" for {cfg.problem}"))
    if cfg.classes != 2 and cfg.dataset not in ANY_CLASSES:
        errors.append(ConfigError("classes", cfg.classes,
                                  "2 unless the dataset is " + ", ".join(MULTICLASS_DATASETS) + " or " + CUSTOM))
    return errors


def from_mapping(values: Mapping[str, Any], *, strict: bool, base: Setup | None = None
                 ) -> tuple[Setup, list[str]]:
    """Build a Setup (a Config and its View) from text values (URL query, CLI, run file), starting from `base`.

    strict=True (the CLI) raises the first ConfigError. strict=False (a shared link) never
    raises: numbers out of range are clamped, malformed or unknown keys are dropped, a
    combination that does not fit falls back to defaults, and each repair is described in
    the returned notes so the page can show them.
    """
    notes: list[str] = []
    chosen: dict[str, Any] = {}
    unknown: list[str] = []
    for key, raw in values.items():
        knob = KNOBS.get(str(key))
        if knob is None:
            if strict:
                raise ConfigError(str(key), raw, "a known setting: " + ", ".join(KNOBS))
            unknown.append(str(key))
            continue
        text = raw[-1] if isinstance(raw, (list, tuple)) and raw else raw
        try:
            chosen[knob.name] = knob.parse(text)
        except ConfigError as err:
            if strict:
                raise
            try:
                chosen[knob.name] = knob.clamp(text)
                notes.append(f"{knob.label}: {show_value(text)} is out of range, using "
                             f"{knob.format(chosen[knob.name])} ({knob.allowed()}).")
            except ConfigError:
                notes.append(f"{knob.label}: ignored {show_value(text)!s} — {err.allowed}.")
    if unknown:             # one note, however many a hand-made link or file holds
        shown = ", ".join(f"'{show_value(key)}'" for key in unknown[:3])
        more = f" and {len(unknown) - 3:,} more" if len(unknown) > 3 else ""
        notes.append(f"Ignored unknown setting{'s' * (len(unknown) > 1)} {shown}{more}.")
    return _combine(base or Setup(), chosen, strict, notes), notes


def _combine(setup: Setup, chosen: dict[str, Any], strict: bool, notes: list[str]) -> Setup:
    # Settings that were not given follow the ones that were: a dataset implies its problem,
    # a problem the first dataset of its kind, a two-class dataset two classes.
    base = setup.config
    if "dataset" in chosen and "problem" not in chosen and chosen["dataset"] != CUSTOM:
        chosen["problem"] = "regression" if chosen["dataset"] in DATASETS_REGRESSION else "classification"
    if "problem" in chosen and "dataset" not in chosen:
        fitting = datasets_for(chosen["problem"])
        if base.dataset not in fitting:
            chosen["dataset"] = fitting[0]
    if "classes" not in chosen and base.classes != 2 and chosen.get("dataset", base.dataset) not in ANY_CLASSES:
        chosen["classes"] = 2
    try:
        return setup.replace(**chosen)
    except ConfigError as err:
        if strict:
            raise
        notes.append(f"{KNOBS[err.knob].label}: {err}; using the default instead.")
        repaired = dict(chosen)
        repaired.pop(err.knob, None)
        if err.knob == "dataset":
            repaired["dataset"] = datasets_for(repaired.get("problem", base.problem))[0]
        if err.knob == "classes":
            repaired["classes"] = 2
        return _combine(setup, repaired, strict, notes)
