"""The data of an exported run as code: the dataset's generator written out, the seeded split, the
features and the targets; or, for points a learner drew or uploaded, the points themselves.

A generator is written out from the engine's own source (`scratchnet/data/datasets.py`), with every helper
and constant it uses, so the exported script draws the same random numbers in the same order as
the app. Anything a generator needs that cannot be written out this way is refused with a sentence.
"""

from __future__ import annotations

import functools
import inspect
import keyword
import re
import tokenize
import types
from pathlib import Path

from torch import Tensor

from scratchnet.config import CUSTOM, Config
from scratchnet.data import datasets as data_module
from scratchnet.data.datasets import Dataset
from scratchnet.data.number_text import float_texts
from scratchnet.teach.tutorial_code import FEATURE_CODE, NotExportable, aligned

MODULES = ("math", "torch")        # what the written-out code may use; the script imports both
POINTS_PER_LINE = 4


# --- a generator and everything it uses, as source ---------------------------------------------------
def _names_used(code: types.CodeType) -> set[str]:
    """Global names a function's code (and the code nested in it) refers to."""
    names = set(code.co_names)
    for const in code.co_consts:
        if isinstance(const, types.CodeType):
            names |= _names_used(const)
    return names


def _needed(start: str) -> dict[str, object]:
    """`start` and every function or constant of data.py it reaches, by name."""
    scope = vars(data_module)
    found: dict[str, object] = {}
    todo = [start]
    while todo:
        name = todo.pop()
        if name in found or name in MODULES:
            continue
        value = scope[name]
        if isinstance(value, types.FunctionType) and value.__module__ == data_module.__name__:
            found[name] = value
            todo += sorted(n for n in _names_used(value.__code__) if n in scope)
        elif isinstance(value, (int, float, Tensor)) and not isinstance(value, bool):
            found[name] = value
        else:
            raise NotExportable(f"The code export cannot write out {name!r}, which the dataset's generator "
                                "uses, so it cannot write this run out exactly.")
    return found


@functools.cache          # data.py does not change while the app runs
def _assignments() -> dict[str, tuple[int, int]]:
    """Module-level constants of data.py: name -> (first line, last line). Read with `tokenize`, not `ast`:
    CPython 3.11's `ast.parse` is not thread-safe (gh-106905), and a class's page runs asked for a new
    dataset's generator at once ("SystemError: AST constructor recursion depth mismatch" at 100 students)."""
    spans: dict[str, tuple[int, int]] = {}
    line: list[tokenize.TokenInfo] = []            # the significant tokens of one logical line
    with open(data_module.__file__, "rb") as source:
        for token in tokenize.tokenize(source.readline):
            if token.type == tokenize.NEWLINE:
                if (len(line) >= 2 and line[0].type == tokenize.NAME and line[0].start[1] == 0
                        and line[1].string in ("=", ":") and not keyword.iskeyword(line[0].string)):
                    spans[line[0].string] = (line[0].start[0], token.start[0])
                line = []
            elif token.type not in (tokenize.COMMENT, tokenize.NL, tokenize.INDENT, tokenize.DEDENT,
                                    tokenize.ENCODING):
                line.append(token)
    return spans


def _public(name: str) -> str:
    return name.lstrip("_")


def generator_code(dataset: str) -> tuple[str, str]:
    """(source, name): the generator of `dataset` and what it uses, in the order data.py defines
    them, with the leading underscores of private names dropped (a script has no privates)."""
    generators = data_module._GENERATORS
    if dataset not in generators:
        raise NotExportable(f"The code export has no generator for the dataset “{dataset}”, so it cannot "
                            "write this run out exactly.")
    return _code_of(generators[dataset])


@functools.cache          # the source does not change while the app runs; the Playground asks on every run
def _code_of(function: types.FunctionType) -> tuple[str, str]:
    needed = _needed(function.__name__)
    lines = Path(data_module.__file__).read_text(encoding="utf-8").splitlines()
    spans = _assignments()
    pieces = []
    for name, value in needed.items():
        if isinstance(value, types.FunctionType):
            source, start = inspect.getsourcelines(value)
            pieces.append((start, "".join(source)))
        else:                          # a constant: its lines, continuation lines kept in line with the name
            first, last = spans[name]
            head, *rest = lines[first - 1:last]
            shift = len(name) - len(_public(name))
            pieces.append((first, "\n".join([head, *(line[shift:] for line in rest)]) + "\n"))
    text = "\n\n\n".join(piece.rstrip("\n") for _, piece in sorted(pieces, key=lambda p: p[0])) + "\n"
    for name in needed:
        if name.startswith("_"):
            text = re.sub(rf"\b{name}\b", _public(name), text)
    return text, _public(function.__name__)


# --- the data section ---------------------------------------------------------------------------------
def settings(cfg: Config) -> list[tuple[str, str]]:
    """The data knobs as constants (none for one's own points: they are written out below)."""
    if cfg.dataset == CUSTOM:
        return []
    return [(f"SEED = {cfg.seed!r}", "data seed: same seed, same points"),
            (f"N_POINTS = {cfg.n_points!r}", "train and test together"),
            (f"NOISE = {cfg.noise!r}", ""),
            (f"CLASSES = {cfg.classes!r}", ""),
            (f"TRAIN_FRACTION = {cfg.train_fraction!r}", "the rest is held out to test")]


def generated_points(cfg: Config) -> str:
    """The generator written out, then called with the data seed, then the seeded split."""
    source, name = generator_code(cfg.dataset)
    split_source, split = generator_split_code()
    calls = aligned([
        ("data_gen = torch.Generator().manual_seed(SEED)", "the data's own random numbers"),
        (f"x, y = {name}(N_POINTS, NOISE, CLASSES, data_gen)", "(N_POINTS, 2) points, (N_POINTS,) "
         + ("labels" if cfg.is_classification else "targets")),
        (f"train, test = {split}(len(x), TRAIN_FRACTION, data_gen)", "the same generator goes on to the split"),
        ("x_train, y_train, x_test, y_test = x[train], y[train], x[test], y[test]", ""),
    ])
    return f"{source}\n\n{split_source}\n\n{calls}"


def generator_split_code() -> tuple[str, str]:
    """The engine's seeded train/test split, written out: (source, name)."""
    function = data_module._shuffled_split
    name = _public(function.__name__)
    return inspect.getsource(function).replace(function.__name__, name), name


def embedded_points(data: Dataset) -> str:
    """One's own points as literals, split into train and test as they were in the app."""
    what = "labels" if data.task == "classification" else "targets"
    parts = [f"# Your own points, as they were in the app: {len(data.x_train)} to train and "
             f"{len(data.x_test)} to test, with their {what}.\n"]
    for split in ("train", "test"):
        x, y = getattr(data, f"x_{split}"), getattr(data, f"y_{split}")
        parts.append(f"x_{split} = {_points(x)}\n")
        parts.append(f"y_{split} = {_values(y, data.task)}\n")
    return "".join(parts)


def _points(x: Tensor) -> str:
    if x.shape[0] == 0:
        return "torch.zeros(0, 2)"
    columns = [float_texts(x[:, 0]), float_texts(x[:, 1])]
    pairs = [f"[{a}, {b}]" for a, b in zip(*columns)]
    return _wrapped(pairs)


def _values(y: Tensor, task: str) -> str:
    if y.shape[0] == 0:
        return "torch.zeros(0, dtype=torch.int64)" if task == "classification" else "torch.zeros(0)"
    if task == "classification":
        return _wrapped([str(int(v)) for v in y.tolist()], per_line=24)
    return _wrapped(float_texts(y), per_line=8)


def _wrapped(items: list[str], per_line: int = POINTS_PER_LINE) -> str:
    rows = [", ".join(items[i:i + per_line]) for i in range(0, len(items), per_line)]
    return "torch.tensor([\n" + "".join(f"    {row},\n" for row in rows) + "])"


def features(cfg: Config, n_train: int, n_test: int) -> str:
    """features(x): the network's inputs from the points, and the targets in the loss's form."""
    names = ", ".join(cfg.features)
    stack = ", ".join(FEATURE_CODE[f] for f in cfg.features)
    d, k = len(cfg.features), cfg.n_classes
    code = ('def features(x):\n'
            f'    """What the network sees of each point (x1, x2): {names}."""\n'
            "    x1, x2 = x[..., 0], x[..., 1]\n"
            + aligned([(f"return torch.stack([{stack}], dim=-1)", f"(..., {d})")], "    ")
            + "\n\n")
    rows = [("X_train, X_test = features(x_train), features(x_test)", f"({n_train}, {d}) and ({n_test}, {d})")]
    if cfg.is_classification:
        rows += [(f"Y_train = torch.nn.functional.one_hot(y_train, {k}).float()", f"({n_train}, {k}) labels one-hot"),
                 (f"Y_test = torch.nn.functional.one_hot(y_test, {k}).float()", f"({n_test}, {k})")]
    else:
        rows += [("Y_train = y_train.unsqueeze(1)", f"({n_train}, 1) targets as a column"),
                 ("Y_test = y_test.unsqueeze(1)", f"({n_test}, 1)")]
    return code + aligned(rows)


def data_code(cfg: Config, data: Dataset) -> str:
    """The whole data section: the points (generated or embedded), the features and the targets."""
    points = embedded_points(data) if cfg.dataset == CUSTOM else generated_points(cfg)
    return points + "\n\n" + features(cfg, int(data.x_train.shape[0]), int(data.x_test.shape[0]))
