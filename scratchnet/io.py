"""Your own data in and out: CSV datasets and exported runs, with bad input made harmless.

Uploads come from strangers: a spreadsheet in the wrong encoding, a photo picked by mistake,
a million rows, a hand-edited JSON file. Each function here either returns well-formed
tensors or raises `DataError`, whose message is one sentence for people saying what is wrong
(with the line where it helps) and what is accepted. No other exception escapes a parser, so
the page can keep the previous data and run untouched with a single `except DataError`.

Formats
- CSV: columns x1, x2, label (a class name or a whole number; a number for regression) and
  an optional fourth column split = train | test. Header optional; comma, semicolon or tab.
- Runs: JSON only (never pickle, never torch.load), see `export_run`.

Round trips are exact: floats are written in the shortest form that parses back to the same
float32, so download -> upload -> download gives the same bytes.
"""

from __future__ import annotations

import csv
import io
import itertools
import json
import math
import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, BinaryIO, TextIO

import numpy as np
import torch
from torch import Tensor

from .config import KNOBS, Config, from_mapping
from .data import Dataset
from .history import Evaluation, History
from .model import Net

# ----------------------------------------------------------------------------- limits

MAX_BYTES = 2 * 1024 * 1024               # a CSV upload; 5000 rows of full-precision floats is ~250 KB
MAX_ROWS = int(KNOBS["n_points"].high)    # the Points slider's maximum: uploaded data trains like generated
MIN_ROWS = 2                              # one point to train on and one to test
MAX_CLASSES = int(KNOBS["classes"].high)  # the Classes knob's maximum: palette and outputs are sized for it
MIN_CLASSES = int(KNOBS["classes"].low)   # one class leaves nothing to learn
MAX_ABS = 1e6                             # |x1|, |x2|, |target|: larger is a unit mistake, and overflows training
MAX_LABEL_CHARS = 40                      # class names are shown in legends and tables
MAX_RUN_BYTES = 8 * 1024 * 1024           # a run file: the largest network (~117k weights) plus history
MAX_HISTORY_POINTS = 20_000               # per-epoch losses kept in a run file; longer runs export no history
MAX_ABS_PARAM = 1e30                      # a weight beyond this is corrupt (float32 overflows near 3.4e38)
RUN_FORMAT = "scratchnet-run"
RUN_VERSION = 1
TASKS = ("classification", "regression")

Source = bytes | bytearray | memoryview | str | BinaryIO | TextIO


class DataError(ValueError):
    """Bad user input; `str()` is one sentence saying what is wrong and what is accepted."""


# ----------------------------------------------------------------------------- bytes to text

_SIGNATURES = (  # binary formats people upload by mistake, named so the message can say which
    (b"PK\x03\x04", "a ZIP archive or an Excel workbook (.xlsx)"),
    (b"\xd0\xcf\x11\xe0", "an old Excel workbook (.xls)"),
    (b"%PDF", "a PDF document"),
    (b"\x89PNG", "a PNG image"),
    (b"\xff\xd8\xff", "a JPEG image"),
    (b"\x1f\x8b", "a gzip archive"),
)
_UTF16_BOMS = (b"\xff\xfe", b"\xfe\xff")


def _text_from(data: Source, max_bytes: int, expected: str) -> str:
    """Any upload form to str, rejecting big, binary and non-UTF-8 input before any parsing.

    A stream is read only up to max_bytes + 1, so a huge upload costs no more than the limit.
    """
    if hasattr(data, "read"):
        data = _read_limited(data, max_bytes)
    if isinstance(data, str):
        return _checked_str(data, max_bytes, expected)
    if isinstance(data, (bytes, bytearray, memoryview)):
        view = memoryview(data)
        if view.nbytes > max_bytes:
            raise _too_large(max_bytes, expected)
        return _decoded(view.tobytes(), expected)
    raise DataError(f"Expected the contents of a file (bytes or text), got {type(data).__name__}; "
                    f"upload {expected}.")


def _read_limited(stream: BinaryIO | TextIO, max_bytes: int) -> bytes | str:
    try:
        return stream.read(max_bytes + 1)
    except (OSError, ValueError, TypeError) as err:
        raise DataError(f"The file could not be read ({type(err).__name__}); upload it again.") from None


def _too_large(max_bytes: int, expected: str) -> DataError:
    return DataError(f"The file is larger than {_size_text(max_bytes)}, the most accepted; upload {expected}.")


def _size_text(n: int) -> str:
    for unit, size in (("MB", 1024 * 1024), ("KB", 1024)):
        if n >= size:
            return f"{n / size:g} {unit}"
    return f"{n} bytes"


def _checked_str(text: str, max_bytes: int, expected: str) -> str:
    # characters never outnumber UTF-8 bytes, so the cheap length test rejects huge text first
    if len(text) > max_bytes or len(text.encode("utf-8", "surrogatepass")) > max_bytes:
        raise _too_large(max_bytes, expected)
    if "\x00" in text:
        raise _binary_error(expected)
    return text.removeprefix("\ufeff")


def _decoded(raw: bytes, expected: str) -> str:
    if raw.startswith(_UTF16_BOMS):
        raise DataError(f"The file is UTF-16 text, not UTF-8; save it as UTF-8 (in Excel: 'CSV UTF-8') "
                        f"and upload {expected}.")
    for signature, what in _SIGNATURES:
        if raw.startswith(signature):
            raise DataError(f"The file is {what}, not text; upload {expected}.")
    if b"\x00" in raw:
        raise _binary_error(expected)
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as err:
        line = raw.count(b"\n", 0, err.start) + 1
        raise DataError(f"The file is not UTF-8 text (byte 0x{raw[err.start]:02x} on line {line}, at offset "
                        f"{err.start}, is not valid UTF-8); save it as UTF-8 (in Excel: 'CSV UTF-8') and upload "
                        f"{expected}.") from None


def _binary_error(expected: str) -> DataError:
    return DataError(f"The file contains NUL bytes, so it is binary (or UTF-16) rather than UTF-8 text; "
                     f"upload {expected}.")


def _show(text: str, limit: int = 24) -> str:
    """A cell quoted for a message: short, one line, control characters escaped by repr."""
    return repr(text if len(text) <= limit else text[: limit - 1] + "…")


# ----------------------------------------------------------------------------- CSV in

_CSV_EXPECTED = "a UTF-8 CSV file with columns x1, x2, label"
_NUMBER = re.compile(r"[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?", re.ASCII)
_NONFINITE = re.compile(r"[+-]?(?:nan|inf|infinity)", re.IGNORECASE)
_INTEGER = re.compile(r"[+-]?\d+", re.ASCII)
_MISSING_LABELS = frozenset({"nan", "na", "n/a", "null", "none"})


@dataclass(frozen=True, eq=False)  # eq=False: tensor fields have no single truth value
class ParsedData:
    """A validated upload: every value finite and within limits, labels mapped to classes.

    Class names are kept so a download writes the same labels back. Their order is the
    sorted order (whole numbers numerically first, then names alphabetically), not the
    order of first appearance: shuffling a file's rows must not renumber its classes.
    """

    x: Tensor                         # (N, 2) float32
    y: Tensor                         # (N,) int64 class index, or float32 target for regression
    task: str                         # "classification" | "regression"
    class_names: tuple[str, ...]      # names of classes 0..k-1; () for regression
    is_test: Tensor | None            # (N,) bool from the file's split column; None if it has none
    has_header: bool

    @property
    def n_rows(self) -> int:
        return int(self.x.shape[0])

    @property
    def n_classes(self) -> int:
        """Network outputs this data needs: one per class, or one value for regression."""
        return len(self.class_names) if self.task == "classification" else 1


@dataclass
class _Rows:
    """The cells of a CSV before any number is read, with the line each row came from."""

    cells: list[list[str]]
    lines: list[int]
    has_header: bool
    decimal_comma: bool


def parse_csv(data: Source, task: str = "classification", *, max_bytes: int = MAX_BYTES,
              max_rows: int = MAX_ROWS, max_classes: int = MAX_CLASSES) -> ParsedData:
    """Read an uploaded CSV of points, or raise DataError saying what is wrong.

    `data` is the file's bytes, its text, or an open file (read at most max_bytes + 1).
    Columns: x1, x2, label (class name or whole number; a number for task="regression"),
    optionally split (train or test). A first row whose x1 and x2 are not numbers is a
    header. Separator: tab or semicolon if the first line has one (then "1,5" also reads
    as 1.5), otherwise comma. Blank lines are skipped.
    """
    if task not in TASKS:
        raise ValueError(f"task must be one of {', '.join(TASKS)}, got {task!r}")
    text = _text_from(data, max_bytes, _CSV_EXPECTED)
    if not text.strip():
        raise DataError(f"The file is empty; upload {_CSV_EXPECTED}, one point per line.")
    rows = _split_rows(text, max_rows)
    label_column = "label" if task == "classification" else "target"
    x = [[_number(row[c], line, f"x{c + 1}", rows.decimal_comma) for c in (0, 1)]
         for row, line in zip(rows.cells, rows.lines)]
    is_test = _split_column(rows) if len(rows.cells[0]) == 4 else None
    if len(x) < MIN_ROWS:
        raise DataError(f"The file has only {len(x)} data row; at least {MIN_ROWS} are needed, "
                        f"one to train on and one to test.")
    if task == "regression":
        targets = [_number(row[2], line, label_column, rows.decimal_comma)
                   for row, line in zip(rows.cells, rows.lines)]
        y, names = torch.tensor(targets, dtype=torch.float32), ()
    else:
        y, names = _classes(rows, max_classes)
    return ParsedData(torch.tensor(x, dtype=torch.float32), y, task, names, is_test, rows.has_header)


def _split_rows(text: str, max_rows: int) -> _Rows:
    """Cells per non-blank row, a detected header dropped, column counts checked, rows capped."""
    delimiter = _delimiter(text)
    rows = _Rows([], [], False, delimiter != ",")
    width = 0
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    try:
        for raw in reader:
            cells = [cell.strip() for cell in raw]
            if not any(cells):
                continue
            if not width:
                width = _first_row_width(cells, reader.line_num, delimiter)
                if not (_numberish(cells[0], rows.decimal_comma) or _numberish(cells[1], rows.decimal_comma)):
                    rows.has_header = True
                    continue
            if len(cells) != width:
                raise DataError(f"Line {reader.line_num} has {len(cells)} column{'s' * (len(cells) != 1)} "
                                f"but the first row has {width}; every row needs x1, x2, label"
                                f"{', split' if width == 4 else ''}.")
            if len(rows.cells) == max_rows:
                raise DataError(f"The file has more than {max_rows} data rows, the most accepted; "
                                f"upload at most {max_rows} points.")
            rows.cells.append(cells)
            rows.lines.append(reader.line_num)
    except csv.Error as err:
        raise DataError(f"Line {reader.line_num} could not be read as CSV ({_one_line(str(err))}); "
                        f"upload {_CSV_EXPECTED}.") from None
    if not rows.cells and rows.has_header:
        raise DataError(f"The file has a header but no data rows; add one point per line under it "
                        f"({_CSV_EXPECTED}).")
    if not rows.cells:
        raise DataError(f"The file has only empty cells; upload {_CSV_EXPECTED}, one point per line.")
    return rows


def _one_line(text: str) -> str:
    return " ".join(text.split())[:80]


def _delimiter(text: str) -> str:
    """Tab or semicolon when the first line uses one (European Excel writes ';'), else comma."""
    head = text.lstrip(" \r\n")[:4096]
    first = re.split(r"[\r\n]", head, maxsplit=1)[0]
    for candidate in ("\t", ";"):
        if candidate in first:
            return candidate
    return ","


def _first_row_width(cells: list[str], line: int, delimiter: str) -> int:
    if len(cells) not in (3, 4):
        name = {",": "commas", ";": "semicolons", "\t": "tabs"}[delimiter]
        raise DataError(f"Line {line} has {len(cells)} column{'s' * (len(cells) != 1)} (reading {name} as "
                        f"separators); "
                        f"expected 3 (x1, x2, label) or 4 (x1, x2, label, split).")
    return len(cells)


def _numberish(cell: str, decimal_comma: bool) -> bool:
    """Looks like a number (NaN and infinity included): tells a data row from a header."""
    cell = _dot_decimal(cell, decimal_comma)
    return bool(_NUMBER.fullmatch(cell) or _NONFINITE.fullmatch(cell))


def _dot_decimal(cell: str, decimal_comma: bool) -> str:
    if decimal_comma and cell.count(",") == 1 and "." not in cell:
        return cell.replace(",", ".")
    return cell


def _number(cell: str, line: int, column: str, decimal_comma: bool) -> float:
    """A finite number within ±MAX_ABS, or DataError naming the line and column."""
    if not cell:
        raise DataError(f"Line {line}: the {column} value is empty; every row needs a number in x1 and x2 "
                        f"and a {'target number' if column == 'target' else 'label'}.")
    text = _dot_decimal(cell, decimal_comma)
    if _NONFINITE.fullmatch(text):
        raise DataError(f"Line {line}: the {column} value {_show(cell)} is not a finite number; NaN and "
                        f"infinity are not accepted, only decimal numbers such as -1.5 or 2e-3.")
    if not _NUMBER.fullmatch(text):
        raise DataError(f"Line {line}: the {column} value {_show(cell)} is not a number; {column} must be "
                        f"a decimal number such as -1.5 or 2e-3.")
    value = float(text)
    if not abs(value) <= MAX_ABS:
        raise DataError(f"Line {line}: the {column} value {_show(cell)} is too large; numbers must lie "
                        f"between -{MAX_ABS:,.0f} and {MAX_ABS:,.0f}.")
    return value


def _split_column(rows: _Rows) -> Tensor:
    flags = []
    for row, line in zip(rows.cells, rows.lines):
        value = row[3].lower()
        if value not in ("train", "test"):
            raise DataError(f"Line {line}: the split value {_show(row[3])} must be train or test.")
        flags.append(value == "test")
    if all(flags) or not any(flags):
        side = "test" if flags[0] else "train"
        raise DataError(f"The split column marks every row as {side}; at least one row must be train and "
                        f"one test (or leave the column out to split at random).")
    return torch.tensor(flags, dtype=torch.bool)


def _classes(rows: _Rows, max_classes: int) -> tuple[Tensor, tuple[str, ...]]:
    """Labels to class indices 0..k-1 in sorted name order; stops at the first class too many."""
    labels = []
    seen: set[str] = set()
    for row, line in zip(rows.cells, rows.lines):
        name = _label_name(row[2], line)
        if name not in seen:
            if len(seen) == max_classes:
                hint = "; for numeric targets choose regression" if _looks_numeric(seen | {name}) else ""
                raise DataError(f"The file has more than {max_classes} different labels (the next one, "
                                f"{_show(name)}, is on line {line}); at most {max_classes} classes are "
                                f"accepted{hint}.")
            seen.add(name)
        labels.append(name)
    if len(seen) < MIN_CLASSES:
        raise DataError(f"Every row has the label {_show(labels[0])}; classification needs at least "
                        f"{MIN_CLASSES} different labels.")
    names = tuple(sorted(seen, key=_name_key))
    index = {name: i for i, name in enumerate(names)}
    return torch.tensor([index[name] for name in labels], dtype=torch.int64), names


def _label_name(cell: str, line: int) -> str:
    """The class name a label cell stands for; whole numbers in canonical form ('+01' is '1')."""
    problem = _name_problem(cell)
    if problem:
        raise DataError(f"Line {line}: {problem}; a label must be a class name of up to {MAX_LABEL_CHARS} "
                        f"characters or a whole number.")
    return str(int(cell)) if _INTEGER.fullmatch(cell) else cell


def _name_problem(name: str) -> str:
    """What is wrong with a class name, or '' (shared by reading, writing and importing)."""
    if not name:
        return "the label is empty"
    if len(name) > MAX_LABEL_CHARS:
        return f"the label {_show(name)} is longer than {MAX_LABEL_CHARS} characters"
    if not name.isprintable() or name != name.strip():
        return f"the label {_show(name)} contains control characters or surrounding spaces"
    if name.lower() in _MISSING_LABELS:
        return f"the label {_show(name)} looks like a missing value"
    return ""


def _name_key(name: str) -> tuple[int, int, str]:
    """Whole numbers first in numeric order, then names alphabetically: a total order that
    any subset of classes keeps, so a download re-reads with the same class numbers."""
    return (0, int(name), "") if _INTEGER.fullmatch(name) else (1, 0, name)


def _looks_numeric(names: set[str]) -> bool:
    return all(_NUMBER.fullmatch(name) for name in names)


# ----------------------------------------------------------------------------- datasets

def dataset_from_parsed(parsed: ParsedData, train_fraction: float = 0.8, seed: int = 42,
                        name: str = "uploaded") -> Dataset:
    """Turn an upload into a Dataset: the file's split column if it has one, else a seeded split.

    The split draws from its own torch.Generator (the global RNG is untouched) and keeps
    file order within each side, so the same file and seed always give the same dataset and
    at least one point lands on each side.
    """
    if parsed.is_test is not None:
        is_test = parsed.is_test
    else:
        is_test = _random_split(parsed.n_rows, train_fraction, seed)
    train, test = (~is_test).nonzero().squeeze(1), is_test.nonzero().squeeze(1)  # (N_train,), (N_test,)
    return Dataset(name=name, task=parsed.task, n_classes=parsed.n_classes,
                   x_train=parsed.x[train], y_train=parsed.y[train],
                   x_test=parsed.x[test], y_test=parsed.y[test])


def _random_split(n: int, train_fraction: float, seed: int) -> Tensor:
    if not (isinstance(train_fraction, (int, float)) and 0.0 < train_fraction < 1.0):
        raise ValueError(f"train_fraction must be a number strictly between 0 and 1, got {train_fraction!r}")
    if not (isinstance(seed, int) and 0 <= seed < 2**64):
        raise ValueError(f"seed must be a whole number from 0 to 2**64 - 1, got {seed!r}")
    if n < MIN_ROWS:
        raise ValueError(f"need at least {MIN_ROWS} points to split, got {n}")
    order = torch.randperm(n, generator=torch.Generator().manual_seed(seed))  # (n,)
    n_train = min(max(round(n * train_fraction), 1), n - 1)  # never an empty side
    is_test = torch.zeros(n, dtype=torch.bool)
    is_test[order[n_train:]] = True
    return is_test


# ----------------------------------------------------------------------------- CSV out

def dataset_to_csv(dataset: Dataset, class_names: Sequence[str] | None = None, *,
                   include_split: bool = True) -> str:
    """The dataset as CSV text that `parse_csv` reads back exactly (same bytes on a re-download).

    Header x1,x2,label (target for regression), then train rows, then test rows. With
    include_split (and points on both sides) a split column keeps the train/test division.
    class_names label classes 0..k-1 and must be in the order parse_csv gives (sorted, see
    ParsedData); without them classes are written as their numbers.
    """
    names = _names_for(dataset, class_names)
    parts = (("train", dataset.x_train, dataset.y_train), ("test", dataset.x_test, dataset.y_test))
    with_split = include_split and all(x.shape[0] > 0 for _, x, _ in parts)
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    header = ["x1", "x2", "label" if dataset.task == "classification" else "target"]
    writer.writerow(header + ["split"] * with_split)
    for split, x, y in parts:
        coords = _float_texts(x.reshape(-1))
        ys = [names[i] for i in y.tolist()] if names is not None else _float_texts(y)
        for i, label in enumerate(ys):
            writer.writerow([coords[2 * i], coords[2 * i + 1], label] + [split] * with_split)
    return out.getvalue()


def _names_for(dataset: Dataset, class_names: Sequence[str] | None) -> list[str] | None:
    if dataset.task != "classification":
        return None
    if class_names is None:
        return [str(i) for i in range(dataset.n_classes)]
    names = list(class_names)
    problems = [p for p in map(_name_problem, names) if p]
    if problems or len(names) < dataset.n_classes:
        raise ValueError(f"class_names must name all {dataset.n_classes} classes with valid labels"
                         f"{': ' + problems[0] if problems else ''}")
    canonical = [str(int(n)) if _INTEGER.fullmatch(n) else n for n in names]
    if canonical != names or sorted(set(names), key=_name_key) != names:
        raise ValueError("class_names must be unique, whole numbers written plainly, and in parse_csv's order "
                         "(numbers ascending, then names alphabetically), or an upload would renumber them")
    return names


def _float_texts(values: Tensor) -> list[str]:
    """Each float32 in its shortest text that parses back (via float64) to the same bits."""
    v32 = values.detach().to(torch.float32).cpu().numpy()  # (n,)
    texts = [str(v) for v in v32]  # numpy's shortest round-trip form for float32
    back = np.array([float(t) for t in texts], dtype=np.float64).astype(np.float32)
    for i in np.flatnonzero(back.view(np.uint32) != v32.view(np.uint32)):
        texts[i] = repr(float(v32[i]))  # exact double of the float32: always round-trips
    return texts


# ----------------------------------------------------------------------------- runs out

def export_run(cfg: Config, net: Net, history: History | None = None,
               class_names: Sequence[str] | None = None) -> str:
    """A run as JSON text: config, weights and biases, optionally class names and history.

    Layout: {"format": "scratchnet-run", "version": 1, "config": cfg.to_query() (every knob
    as text, so defaults changing later cannot alter it), "layer_sizes", "activation",
    "weights": [d_in x d_out nested lists per layer], "biases": [d_out lists], "class_names",
    "history": {"losses": [...], "evaluations": [[epoch, train_loss, test_loss,
    train_accuracy, test_accuracy], ...]} or null}. float32 values are written in their
    shortest exact form, so an import predicts bit-identically. History longer than
    MAX_HISTORY_POINTS is left out (null) to keep files small.
    """
    _check_exportable(cfg, net)
    body = {
        "format": RUN_FORMAT,
        "version": RUN_VERSION,
        "config": cfg.to_query(),
        "layer_sizes": list(cfg.layer_sizes),
        "activation": net.activation,
        "weights": [_json_floats(w) for w in net.weights],
        "biases": [_json_floats(b.reshape(-1)) for b in net.biases],
        "class_names": _export_names(cfg, class_names),
        "history": _history_json(history),
    }
    lines = (f"  {json.dumps(key)}: {json.dumps(value, separators=(',', ':'), allow_nan=False)}"
             for key, value in body.items())
    return "{\n" + ",\n".join(lines) + "\n}\n"


def _check_exportable(cfg: Config, net: Net) -> None:
    if net.n_models is not None or net.masks is not None:
        raise ValueError("export_run takes a single network, not a stack of models")
    shapes = [tuple(w.shape) for w in net.weights], [tuple(b.shape) for b in net.biases]
    sizes = cfg.layer_sizes
    expected = list(itertools.pairwise(sizes)), [(1, b) for b in sizes[1:]]
    if shapes != expected or net.activation != cfg.activation:
        raise ValueError(f"the network ({net.activation}, weight shapes {shapes[0]}) does not match the config "
                         f"({cfg.activation}, layer sizes {sizes})")
    if not all(torch.isfinite(p).all() for p in net.params):
        raise ValueError("the network has NaN or infinite parameters; export the last finite ones")


def _json_floats(t: Tensor) -> list:
    """Nested lists of Python floats whose JSON form is short yet exact for float32 tensors."""
    t = t.detach().cpu()
    if t.dtype != torch.float32:
        return t.to(torch.float64).tolist()
    flat = [float(s) for s in _float_texts(t.reshape(-1))]
    if t.dim() == 1:
        return flat
    cols = t.shape[1]
    return [flat[r * cols:(r + 1) * cols] for r in range(t.shape[0])]


def _export_names(cfg: Config, class_names: Sequence[str] | None) -> list[str] | None:
    if class_names is None:
        return None
    names = list(class_names)
    problems = [p for p in map(_name_problem, names) if p]
    if not cfg.is_classification or len(names) != cfg.n_classes or problems or len(set(names)) != len(names):
        raise ValueError(f"class_names must be {cfg.n_classes} distinct valid labels for a classification run"
                         f"{': ' + problems[0] if problems else ''}")
    return names


def _history_json(history: History | None) -> dict | None:
    if history is None or max(len(history.losses), len(history.evaluations)) > MAX_HISTORY_POINTS:
        return None
    return {"losses": [_finite_or_none(v) for v in history.losses],
            "evaluations": [[e.epoch] + [_finite_or_none(v) for v in (e.train_loss, e.test_loss,
                                                                       e.train_accuracy, e.test_accuracy)]
                            for e in history.evaluations]}


def _finite_or_none(value: float | None) -> float | None:
    return None if value is None or not math.isfinite(value) else float(value)


# ----------------------------------------------------------------------------- runs in

_RUN_EXPECTED = "a run exported from ScratchNet (a .json file)"
_RUN_KEYS = ("format", "version", "config", "layer_sizes", "activation", "weights", "biases",
             "class_names", "history")


@dataclass(frozen=True)
class RunFile:
    """An imported run: a config (repaired where needed, see notes) and a network that fits it."""

    config: Config
    net: Net
    notes: list[str]                       # one sentence per repair or ignored field
    class_names: tuple[str, ...] | None
    history: History | None


def import_run(data: Source, *, max_bytes: int = MAX_RUN_BYTES,
               dtype: torch.dtype = torch.float32) -> tuple[Config, Net, list[str]]:
    """(config, net, notes) from an exported run, or DataError; see `load_run` for everything."""
    run = load_run(data, max_bytes=max_bytes, dtype=dtype)
    return run.config, run.net, run.notes


def load_run(data: Source, *, max_bytes: int = MAX_RUN_BYTES, dtype: torch.dtype = torch.float32) -> RunFile:
    """Validate an exported run completely before building anything from it.

    JSON only: nothing is unpickled or executed. The config goes through
    `from_mapping(strict=False)`, so out-of-range knobs are repaired with notes; the weights
    must then fit that config's layer sizes exactly, and every number must be finite. The
    net's parameters are fresh leaf tensors with requires_grad, ready to train on.
    """
    obj = _json_object(_text_from(data, max_bytes, _RUN_EXPECTED))
    _check_header(obj)
    cfg, notes = _run_config(obj.get("config"))
    sizes = _check_layers(obj, cfg, notes)
    weights = _layer_list(obj.get("weights"), "weights", len(sizes) - 1)
    biases = _layer_list(obj.get("biases"), "biases", len(sizes) - 1)
    params_w = [_tensor(w, (a, b), f"weights[{i}]", dtype) for i, (w, a, b)
                in enumerate(zip(weights, sizes, sizes[1:]))]
    params_b = [_tensor([_flat_bias(v)], (1, b), f"biases[{i}]", dtype)
                for i, (v, b) in enumerate(zip(biases, sizes[1:]))]
    net = Net([w.requires_grad_() for w in params_w], [b.requires_grad_() for b in params_b], cfg.activation)
    names = _run_names(obj.get("class_names"), cfg)
    history = _run_history(obj.get("history"))
    notes += [f"Ignored unknown field {_show(str(key))} in the run file." for key in obj if key not in _RUN_KEYS]
    return RunFile(cfg, net, notes, names, history)


def _json_object(text: str) -> dict:
    if not text.strip():
        raise DataError(f"The file is empty; upload {_RUN_EXPECTED}.")
    try:
        obj = json.loads(text, parse_constant=_reject_constant)
    except DataError:
        raise
    except json.JSONDecodeError as err:
        raise DataError(f"The file is not valid JSON (line {err.lineno}, column {err.colno}: "
                        f"{_one_line(err.msg)}); upload {_RUN_EXPECTED}.") from None
    except RecursionError:
        raise DataError(f"The file's JSON is nested too deeply; upload {_RUN_EXPECTED}.") from None
    except ValueError:  # e.g. an integer with thousands of digits
        raise DataError(f"The file holds a number JSON cannot read; upload {_RUN_EXPECTED}.") from None
    if not isinstance(obj, dict):
        raise DataError(f"The file holds a JSON {type(obj).__name__}, but a run is a JSON object with format, "
                        f"version, config and weights; upload {_RUN_EXPECTED}.")
    return obj


def _reject_constant(name: str) -> float:
    raise DataError(f"The file contains {name}, but every number in a run must be finite; upload {_RUN_EXPECTED}.")


def _check_header(obj: dict) -> None:
    fmt, version = obj.get("format"), obj.get("version")
    if fmt != RUN_FORMAT:
        shown = _show(fmt) if isinstance(fmt, str) else "missing"
        raise DataError(f"This JSON is not a ScratchNet run (format {shown}, expected '{RUN_FORMAT}'); "
                        f"upload {_RUN_EXPECTED}.")
    if not _is_int(version) or version < 1:
        raise DataError(f"The run's version must be a whole number such as {RUN_VERSION}; upload {_RUN_EXPECTED}.")
    if version > RUN_VERSION:
        raise DataError(f"The run was written by a newer ScratchNet (format version {_show(str(version))}); "
                        f"this one reads version {RUN_VERSION}, so update ScratchNet to import it.")


def _is_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _run_config(values: Any) -> tuple[Config, list[str]]:
    """The file's knobs through the same forgiving path as a shared link: repairs become notes."""
    if not isinstance(values, dict):
        raise DataError(f"The run has no config object (the knobs of the run); upload {_RUN_EXPECTED}.")
    texts = {str(key): _query_text(value) for key, value in values.items()}
    try:
        return from_mapping(texts, strict=False)
    except Exception as err:  # noqa: BLE001 - from_mapping(strict=False) promises not to raise; so do we
        raise DataError(f"The run's config could not be read ({type(err).__name__}); "
                        f"upload {_RUN_EXPECTED}.") from None


def _query_text(value: Any) -> str:
    """A JSON value as the text a link would carry (to_dict-style lists and numbers accepted)."""
    if isinstance(value, bool):
        return "1" if value else "0"
    if isinstance(value, (int, float)):
        return repr(value)
    if isinstance(value, list):
        return ",".join(_query_text(v) if not isinstance(v, (list, dict)) else "?" for v in value)
    if value is None:
        return ""
    return value if isinstance(value, str) else json.dumps(value)


def _check_layers(obj: dict, cfg: Config, notes: list[str]) -> tuple[int, ...]:
    sizes, activation = obj.get("layer_sizes"), obj.get("activation")
    if not (isinstance(sizes, list) and all(_is_int(s) for s in sizes)):
        raise DataError(f"The run's layer_sizes must be a list of whole numbers; upload {_RUN_EXPECTED}.")
    repaired = " after repairing its config" if notes else ""
    if tuple(sizes) != cfg.layer_sizes:
        shown = "-".join(map(str, sizes[:12])) or "empty"
        raise DataError(f"The run's weights are for a {shown} network but its config{repaired} describes "
                        f"{'-'.join(map(str, cfg.layer_sizes))}; export the run again.")
    if activation != cfg.activation:
        shown = _show(activation) if isinstance(activation, str) else "missing"
        raise DataError(f"The run's activation {shown} differs from its config's {cfg.activation!r}{repaired}; "
                        f"export the run again.")
    return cfg.layer_sizes


def _layer_list(value: Any, what: str, n_layers: int) -> list:
    if not isinstance(value, list) or len(value) != n_layers:
        raise DataError(f"The run's {what} must be a list of {n_layers} layer{'s' * (n_layers != 1)} "
                        f"matching layer_sizes; upload {_RUN_EXPECTED}.")
    return value


def _flat_bias(value: Any) -> Any:
    """Biases are written flat (d_out,); a (1, d_out) nesting is accepted too."""
    if isinstance(value, list) and len(value) == 1 and isinstance(value[0], list):
        return value[0]
    return value


def _tensor(rows: Any, shape: tuple[int, int], where: str, dtype: torch.dtype) -> Tensor:
    """A fresh (rows, cols) tensor from nested lists, checked number by number before torch sees them."""
    n_rows, n_cols = shape
    if not isinstance(rows, list) or len(rows) != n_rows or not all(
            isinstance(r, list) and len(r) == n_cols for r in rows):
        wanted = f"list of {n_cols} numbers" if where.startswith("biases") else f"{n_rows}x{n_cols} array of numbers"
        raise DataError(f"The run's {where} must be a {wanted} to fit layer_sizes; export the run again.")
    return torch.tensor([[_param(v, where) for v in r] for r in rows], dtype=dtype)


def _param(value: Any, where: str) -> float:
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        try:
            number = float(value)
        except OverflowError:
            number = math.inf
        if abs(number) <= MAX_ABS_PARAM:
            return number
        raise DataError(f"The run's {where} holds {_show(repr(value))}; every parameter must be a finite number "
                        f"no larger than {MAX_ABS_PARAM:g} in size.")
    raise DataError(f"The run's {where} holds a {type(value).__name__} where a number belongs; "
                    f"export the run again.")


def _run_names(value: Any, cfg: Config) -> tuple[str, ...] | None:
    if value is None:
        return None
    if not (isinstance(value, list) and all(isinstance(v, str) for v in value)):
        raise DataError("The run's class_names must be a list of text labels (or null).")
    problems = [p for p in map(_name_problem, value) if p]
    if problems:
        raise DataError(f"The run's class_names are not usable: {problems[0]}.")
    if not cfg.is_classification or len(value) != cfg.n_classes or len(set(value)) != len(value):
        raise DataError(f"The run's class_names must be {cfg.n_classes} distinct labels for its "
                        f"{cfg.problem} config (or null).")
    return tuple(value)


def _run_history(value: Any) -> History | None:
    """History is optional: a malformed one is an error, but a missing one is just None."""
    if value is None:
        return None
    bad = DataError(f"The run's history must hold at most {MAX_HISTORY_POINTS} finite losses and evaluations "
                    f"[epoch, train_loss, test_loss, train_accuracy, test_accuracy] (or be null).")
    if not isinstance(value, dict):
        raise bad
    losses, evaluations = value.get("losses", []), value.get("evaluations", [])
    if not (isinstance(losses, list) and isinstance(evaluations, list)
            and max(len(losses), len(evaluations)) <= MAX_HISTORY_POINTS):
        raise bad
    try:
        return History([_history_number(v, allow_none=False) for v in losses],
                       [_evaluation(e) for e in evaluations])
    except (TypeError, ValueError):
        raise bad from None


def _history_number(value: Any, allow_none: bool) -> float | None:
    if value is None:
        if allow_none:
            return None
        raise ValueError("missing")
    try:
        number = float(value) if isinstance(value, (int, float)) and not isinstance(value, bool) else math.nan
    except OverflowError:
        number = math.nan
    if not math.isfinite(number):
        raise ValueError("not a finite number")
    return number


def _evaluation(row: Any) -> Evaluation:
    if not (isinstance(row, list) and len(row) == 5 and _is_int(row[0]) and row[0] >= 0):
        raise ValueError("not an evaluation row")
    losses = [math.nan if v is None else _history_number(v, allow_none=False) for v in row[1:3]]
    accuracies = [_history_number(v, allow_none=True) for v in row[3:5]]
    return Evaluation(row[0], *losses, *accuracies)
