"""Points as CSV: reading an upload (with its label rules and limits) and writing a download.

Columns x1, x2, label (a class name or a whole number; a number, the target, for regression) and
an optional fourth column split = train | test. Header optional; comma, semicolon or tab.
`parse_csv` returns well-formed tensors or raises `DataError` with one sentence saying what is
wrong (with the line where it helps) and what is accepted. Writing is exact: floats go out in
the shortest form that parses back to the same float32, so download -> upload -> download gives
the same bytes. A label a spreadsheet would run as a formula (`=HYPERLINK(…)`, `+SUM(…)`, `@cmd`) is
written after an apostrophe, which spreadsheets read as "this is text"; reading takes it off again.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Sequence
from dataclasses import dataclass

import torch
from torch import Tensor

from scratchnet.config import KNOBS, PROBLEMS, Config
from scratchnet.data.class_names import MAX_LABEL_CHARS, canonical, class_names_problem, label_order, label_problem
from scratchnet.data.datasets import Dataset, random_split, seeded
from scratchnet.data.number_text import float_texts
from scratchnet.data.uploads import DataError, Source, one_line, quote, read_text

MAX_BYTES = 2 * 1024 * 1024               # a CSV upload; 5000 rows of full-precision floats is ~250 KB
MAX_ROWS = int(KNOBS["n_points"].high)    # the Points slider's maximum: uploaded data trains like generated
MIN_ROWS = 2                              # one point to train on and one to test
MAX_CLASSES = int(KNOBS["classes"].high)  # the Classes knob's maximum: palette and outputs are sized for it
MIN_CLASSES = int(KNOBS["classes"].low)   # one class leaves nothing to learn
MAX_ABS = 1e6                             # |x1|, |x2|, |target|: larger is a unit mistake, and overflows training

# ----------------------------------------------------------------------------- in

_CSV_EXPECTED = "a UTF-8 CSV file with columns x1, x2, label"
_NUMBER = re.compile(r"[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?", re.ASCII)
_NONFINITE = re.compile(r"[+-]?(?:nan|inf|infinity)", re.IGNORECASE)
# What makes a spreadsheet read a cell as a formula (OWASP, "CSV injection"; full-width forms too), and the
# apostrophe that guards such a cell (a label that starts with one is guarded too, so the rule reads back).
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r", "\uff1d", "\uff0b", "\uff0d", "\uff20")
GUARD = "'"


def guard_cell(cell: str) -> str:
    """A cell as written: after an apostrophe if a spreadsheet would run it (plain numbers are safe)."""
    if cell.startswith((*FORMULA_STARTS, GUARD)) and not _NUMBER.fullmatch(cell):
        return GUARD + cell
    return cell


def unguard_cell(cell: str) -> str:
    """`guard_cell` backwards: the apostrophe before a formula-like cell (or another apostrophe) goes."""
    if cell.startswith(GUARD) and cell[1:].startswith((*FORMULA_STARTS, GUARD)):
        return cell[1:]
    return cell


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


def parse_csv(data: Source, task: str = KNOBS["problem"].default, *, max_bytes: int = MAX_BYTES,
              max_rows: int = MAX_ROWS, max_classes: int = MAX_CLASSES) -> ParsedData:
    """Read an uploaded CSV of points, or raise DataError saying what is wrong.

    `data` is the file's bytes, its text, or an open file (read at most max_bytes + 1).
    Columns: x1, x2, label (class name or whole number; a number for task="regression"),
    optionally split (train or test). A first row whose x1 and x2 are not numbers is a
    header. Separator: tab or semicolon if the first line has one (then "1,5" also reads
    as 1.5), otherwise comma. Blank lines are skipped.
    """
    if task not in PROBLEMS:
        raise ValueError(f"task must be one of {', '.join(PROBLEMS)}, got {task!r}")
    text = read_text(data, max_bytes, _CSV_EXPECTED)
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
        raise DataError(f"Line {reader.line_num} could not be read as CSV ({one_line(str(err))}); "
                        f"upload {_CSV_EXPECTED}.") from None
    if not rows.cells and rows.has_header:
        raise DataError(f"The file has a header but no data rows; add one point per line under it "
                        f"({_CSV_EXPECTED}).")
    if not rows.cells:
        raise DataError(f"The file has only empty cells; upload {_CSV_EXPECTED}, one point per line.")
    return rows


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
        raise DataError(f"Line {line}: the {column} value {quote(cell)} is not a finite number; NaN and "
                        f"infinity are not accepted, only decimal numbers such as -1.5 or 2e-3.")
    if not _NUMBER.fullmatch(text):
        raise DataError(f"Line {line}: the {column} value {quote(cell)} is not a number; {column} must be "
                        f"a decimal number such as -1.5 or 2e-3.")
    value = float(text)
    if not abs(value) <= MAX_ABS:
        raise DataError(f"Line {line}: the {column} value {quote(cell)} is too large; numbers must lie "
                        f"between -{MAX_ABS:,.0f} and {MAX_ABS:,.0f}.")
    return value


def _split_column(rows: _Rows) -> Tensor:
    flags = []
    for row, line in zip(rows.cells, rows.lines):
        value = row[3].lower()
        if value not in ("train", "test"):
            raise DataError(f"Line {line}: the split value {quote(row[3])} must be train or test.")
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
                                f"{quote(name)}, is on line {line}); at most {max_classes} classes are "
                                f"accepted{hint}.")
            seen.add(name)
        labels.append(name)
    if len(seen) < MIN_CLASSES:
        raise DataError(f"Every row has the label {quote(labels[0])}; classification needs at least "
                        f"{MIN_CLASSES} different labels.")
    names = tuple(sorted(seen, key=label_order))
    index = {name: i for i, name in enumerate(names)}
    return torch.tensor([index[name] for name in labels], dtype=torch.int64), names


def _label_name(cell: str, line: int) -> str:
    """The class name a label cell stands for, in canonical form ('+01' is '1')."""
    cell = unguard_cell(cell)
    problem = label_problem(cell)
    if problem:
        raise DataError(f"Line {line}: {problem}; a label must be a class name of up to {MAX_LABEL_CHARS} "
                        f"characters or a whole number.")
    return canonical(cell)


def _looks_numeric(names: set[str]) -> bool:
    return all(_NUMBER.fullmatch(name) for name in names)


# ----------------------------------------------------------------------------- to a dataset

def dataset_from_parsed(parsed: ParsedData, train_fraction: float = KNOBS["train_fraction"].default,
                        seed: int = KNOBS["seed"].default, name: str = "uploaded") -> Dataset:
    """Turn an upload into a Dataset: the file's split column if it has one, else a seeded split.

    The split is `data.random_split` (the one generated datasets use) from its own generator, with
    file order kept within each side, so the same file and seed always give the same dataset and
    at least one point lands on each side.
    """
    if parsed.is_test is not None:
        train, test = (~parsed.is_test).nonzero().squeeze(1), parsed.is_test.nonzero().squeeze(1)
    else:
        train, test = random_split(parsed.n_rows, train_fraction, seeded(seed))
        train, test = train.sort().values, test.sort().values             # file order within each side
    return Dataset(name=name, task=parsed.task, n_classes=parsed.n_classes,
                   x_train=parsed.x[train], y_train=parsed.y[train],
                   x_test=parsed.x[test], y_test=parsed.y[test])


def points_from_csv(data: Source, cfg: Config) -> tuple[ParsedData, Dataset]:
    """An uploaded CSV read for `cfg`'s problem and split by its train fraction and seed: the
    parsed file (class names, rows) and its points. DataError if the file is not usable."""
    parsed = parse_csv(data, cfg.problem)
    return parsed, dataset_from_parsed(parsed, cfg.train_fraction, cfg.seed)


# ----------------------------------------------------------------------------- out

def dataset_to_csv(dataset: Dataset, class_names: Sequence[str] | None = None, *,
                   include_split: bool = True) -> str:
    """The dataset as CSV text that `parse_csv` reads back exactly (same bytes on a re-download).

    Header x1,x2,label (target for regression), then train rows, then test rows. With
    include_split (and points on both sides) a split column keeps the train/test division.
    class_names label classes 0..k-1 and must be in the order parse_csv gives (sorted, see
    ParsedData); without them classes are written as their numbers.
    """
    names = _names_for(dataset, class_names)
    if names is not None:
        names = [guard_cell(name) for name in names]
    parts = (("train", dataset.x_train, dataset.y_train), ("test", dataset.x_test, dataset.y_test))
    with_split = include_split and all(x.shape[0] > 0 for _, x, _ in parts)
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    header = ["x1", "x2", "label" if dataset.task == "classification" else "target"]
    writer.writerow(header + ["split"] * with_split)
    for split, x, y in parts:
        coords = float_texts(x.reshape(-1))
        ys = [names[i] for i in y.tolist()] if names is not None else float_texts(y)   # numbers: never guarded
        for i, label in enumerate(ys):
            writer.writerow([coords[2 * i], coords[2 * i + 1], label] + [split] * with_split)
    return out.getvalue()


def _names_for(dataset: Dataset, class_names: Sequence[str] | None) -> list[str] | None:
    """The label written for each class; names beyond the dataset's classes are not written."""
    if dataset.task != "classification":
        return None
    if class_names is None:
        return [str(i) for i in range(dataset.n_classes)]
    names = list(class_names)[:dataset.n_classes]
    problem = class_names_problem(names, dataset.n_classes)
    if problem:
        raise ValueError(f"class_names cannot name the {dataset.n_classes} classes: {problem}")
    if [canonical(n) for n in names] != names or sorted(names, key=label_order) != names:
        raise ValueError("class_names must be whole numbers written plainly and in parse_csv's order "
                         "(numbers ascending, then names alphabetically), or an upload would renumber them")
    return names
