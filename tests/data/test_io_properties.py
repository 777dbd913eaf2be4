"""Property-based tests: hostile uploads against parse_csv and load_run, exact round trips.

Whatever bytes arrive, the parsers either return well-formed data or raise DataError with a
one-line message; no other exception ever escapes. Mutations that certainly break a valid file
must be reported, not silently accepted. Valid data survives download -> upload -> download
byte for byte.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass

import torch
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from scratchnet.config import KNOBS, Config
from scratchnet.data.datasets import Dataset
from scratchnet.data.points_csv import MAX_ABS, ParsedData, dataset_from_parsed, dataset_to_csv, parse_csv
from scratchnet.data.uploads import DataError
from scratchnet.export.run_file import MAX_ABS_PARAM, export_run, load_run
from scratchnet.net.model import net_for

SETTINGS = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
SMALL = {"max_bytes": 4000, "max_rows": 40, "max_classes": 5}   # small limits so they are hit often


def one_line(message: str) -> bool:
    return bool(message.strip()) and message.isprintable()


def check_parse(data, task: str = "classification", **limits) -> ParsedData | None:
    """parse_csv's contract: DataError with a one-line message, or data within every limit."""
    try:
        parsed = parse_csv(data, task, **limits)
    except DataError as err:
        assert one_line(str(err)), repr(str(err))
        return None
    n = parsed.n_rows
    assert 2 <= n <= limits.get("max_rows", 5000)
    assert parsed.x.shape == (n, 2) and parsed.x.dtype == torch.float32
    assert torch.isfinite(parsed.x).all() and parsed.x.abs().max() <= MAX_ABS
    assert parsed.y.shape == (n,)
    if task == "classification":
        k = len(parsed.class_names)
        assert 2 <= k <= limits.get("max_classes", 8) and parsed.y.dtype == torch.int64
        assert set(parsed.y.tolist()) == set(range(k))
    else:
        assert parsed.y.dtype == torch.float32 and torch.isfinite(parsed.y).all()
    if parsed.is_test is not None:
        assert parsed.is_test.any() and not parsed.is_test.all()
    return parsed


# ----------------------------------------------------------------------------- valid CSVs and their mutations

NAMES = ["0", "1", "2", "-1", "7", "cat", "dog", "Bird", "café", "a b", "x,y", 'q"t', "ünï"]
floats32 = st.floats(min_value=-MAX_ABS, max_value=MAX_ABS, allow_nan=False, width=32)


@dataclass
class Csv:
    """A valid CSV as cells, so a mutation can break exactly one thing and know it did."""

    header: list[str] | None
    rows: list[list[str]]
    delimiter: str
    task: str

    def text(self) -> str:
        lines = ([self.header] if self.header else []) + self.rows
        return "".join(self.delimiter.join(_quoted(c, self.delimiter) for c in row) + "\n" for row in lines)


def _quoted(cell: str, delimiter: str) -> str:
    if delimiter in cell or '"' in cell or "\n" in cell:
        return '"' + cell.replace('"', '""') + '"'
    return cell


def number_text(value: float, style: int, delimiter: str) -> str:
    text = (repr(value), f"{value:g}", f"{value:.3e}", str(value))[style]
    return text.replace(".", ",") if delimiter == ";" and style == 1 else text   # decimal comma


@st.composite
def valid_csvs(draw) -> Csv:
    task = draw(st.sampled_from(["classification", "regression"]))
    delimiter = draw(st.sampled_from([",", ";", "\t"]))
    n = draw(st.integers(min_value=2, max_value=12))
    split = draw(st.booleans())
    names = draw(st.lists(st.sampled_from(NAMES), min_size=2, max_size=4, unique=True))
    rows = []
    for i in range(n):
        x1, x2, t = (number_text(draw(floats32), draw(st.integers(0, 3)), delimiter) for _ in range(3))
        label = names[i] if i < 2 else draw(st.sampled_from(names))     # at least two classes
        row = [x1, x2, label if task == "classification" else t]
        if split:
            row.append(["train", "test"][i] if i < 2 else draw(st.sampled_from(["train", "test", "TEST"])))
        rows.append(row)
    header = draw(st.sampled_from([None, ["x1", "x2", "label"], ["a", "b", "c"]]))
    if header and split:
        header = [*header, "split"]
    return Csv(header, rows, delimiter, task)


@SETTINGS
@given(valid_csvs())
def test_valid_csvs_parse_to_the_numbers_written(csv_file):
    parsed = check_parse(csv_file.text().encode(), csv_file.task)
    assert parsed is not None and parsed.n_rows == len(csv_file.rows)
    expected = [[float(c.replace(",", ".")) for c in row[:2]] for row in csv_file.rows]
    assert torch.equal(parsed.x, torch.tensor(expected, dtype=torch.float32))


BAD_NUMBERS = ["nan", "NaN", "inf", "-Infinity", "1e7", "-2e300", "1e400", "abc", "1.2.3", "--1", "0x10",
               "1e", "١٢", "½", "1_000", "", " ", "e5", "+-3", "∞"]
BREAKING = ["drop_column", "add_column", "bad_number", "single_class", "nul_byte", "utf16", "latin1",
            "too_many_rows", "too_many_classes", "bad_split", "bad_label", "split_one_side", "huge_file"]
MAYBE = ["truncate", "flip_byte", "insert_text", "bom", "duplicate_header", "blank_lines"]


@st.composite
def mutations(draw) -> tuple[bytes, str, bool, dict]:
    """(bytes, task, certainly_invalid, limits) from a valid CSV and one mutation."""
    c = draw(valid_csvs())
    kind = draw(st.sampled_from(BREAKING + MAYBE))
    i = draw(st.integers(0, len(c.rows) - 1))
    limits = dict(SMALL)
    encoding = "utf-8"
    if kind == "drop_column":
        c.rows[i].pop(draw(st.integers(0, len(c.rows[i]) - 1)))
    elif kind == "add_column":
        c.rows[i].append(draw(st.sampled_from(["1", "train", "", "x"])))
    elif kind == "bad_number":
        column = 2 if c.task == "regression" else draw(st.integers(0, 1))
        column = draw(st.sampled_from([0, 1, column]))
        c.rows[i][column] = draw(st.sampled_from(BAD_NUMBERS))
    elif kind == "single_class":
        if c.task == "classification":
            for row in c.rows:
                row[2] = c.rows[0][2]
        else:
            c.rows[i][2] = "nan"
    elif kind == "too_many_rows":
        limits["max_rows"] = len(c.rows) - 1
    elif kind == "too_many_classes":
        if c.task == "classification":
            limits["max_classes"] = len({row[2] for row in c.rows}) - 1
        else:
            c.rows[i][2] = "inf"
    elif kind == "bad_split":
        if len(c.rows[0]) == 4:
            c.rows[i][3] = draw(st.sampled_from(["valid", "", "1", "tr ain"]))
        else:
            c.rows[i].append("extra")
    elif kind == "bad_label":
        if c.task == "classification":
            c.rows[i][2] = draw(st.sampled_from(["", "NaN", "null", "a\x07", "x" * 41]))
        else:
            c.rows[i][2] = "high"
    elif kind == "split_one_side":
        if len(c.rows[0]) == 4:
            side = draw(st.sampled_from(["train", "test"]))
            for row in c.rows:
                row[3] = side
        else:
            c.rows[i][0] = "nan"
    elif kind == "utf16":
        encoding = draw(st.sampled_from(["utf-16", "utf-16-le", "utf-32"]))
    elif kind == "latin1":
        c.rows[i][0] = "é" + c.rows[i][0]        # certainly invalid in any encoding
        encoding = draw(st.sampled_from(["latin-1", "cp1252", "utf-8"]))
    elif kind == "duplicate_header":
        c.rows.insert(i, c.header or ["x1", "x2", "label"])
    elif kind == "blank_lines":
        c.rows.insert(i, [""] * len(c.rows[0]))
    data = c.text().encode(encoding)
    if kind == "nul_byte":
        at = draw(st.integers(0, len(data)))
        data = data[:at] + b"\x00" + data[at:]
    elif kind == "huge_file":
        limits["max_bytes"] = len(data) - 1
    elif kind == "truncate":
        data = data[:draw(st.integers(0, len(data)))]
    elif kind == "flip_byte":
        at = draw(st.integers(0, len(data) - 1))
        data = data[:at] + bytes([draw(st.integers(0, 255))]) + data[at + 1:]
    elif kind == "insert_text":
        at = draw(st.integers(0, len(data)))
        data = data[:at] + draw(st.text(max_size=8)).encode("utf-8", "surrogatepass") + data[at:]
    elif kind == "bom":
        data = b"\xef\xbb\xbf" + data
    return data, c.task, kind in BREAKING, limits


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(mutations())
def test_mutated_csvs_never_raise_anything_but_data_error(case):
    data, task, certainly_invalid, limits = case
    parsed = check_parse(data, task, **limits)
    if certainly_invalid:
        assert parsed is None, f"a broken file was accepted: {data[:200]!r}"


@settings(max_examples=200, deadline=None)
@given(st.binary(max_size=300), st.sampled_from(["classification", "regression"]))
@example(b"\xff\xfe\x00", "classification")
@example(b'"' * 7, "classification")
@example(b"1,2,3\n4,5,6\n", "regression")
def test_random_bytes(data, task):
    check_parse(data, task, **SMALL)


@settings(max_examples=200, deadline=None)
@given(st.text(max_size=200), st.sampled_from(["utf-8", "utf-8-sig", "utf-16", "latin-1", "cp1252", "str"]))
def test_random_text_in_any_encoding(text, encoding):
    data = text if encoding == "str" else text.encode(encoding, errors="replace")
    check_parse(data, "classification", **SMALL)


@settings(max_examples=150, deadline=None)
@given(st.lists(st.lists(st.one_of(st.sampled_from(BAD_NUMBERS + NAMES + ["train", "test", "1", "0.5"]),
                                   st.text(max_size=6)), max_size=6), max_size=10),
       st.sampled_from([",", ";", "\t"]))
def test_random_tables(cells, delimiter):
    text = "\n".join(delimiter.join(row) for row in cells)
    check_parse(text.encode("utf-8", "surrogatepass"), "classification", **SMALL)
    check_parse(text.encode("utf-8", "surrogatepass"), "regression", **SMALL)


# ----------------------------------------------------------------------------- exact round trips

@st.composite
def datasets(draw) -> tuple[Dataset, tuple[str, ...] | None]:
    task = draw(st.sampled_from(["classification", "regression"]))
    n_train, n_test = draw(st.integers(1, 15)), draw(st.integers(1, 8))
    n = n_train + n_test
    x = torch.tensor(draw(st.lists(floats32, min_size=2 * n, max_size=2 * n)), dtype=torch.float32).reshape(n, 2)
    if task == "classification":
        k = draw(st.integers(2, min(8, n)))
        y = torch.tensor(list(range(k)) + draw(st.lists(st.integers(0, k - 1), min_size=n - k, max_size=n - k)))
        y = y[torch.randperm(n, generator=torch.Generator().manual_seed(draw(st.integers(0, 1000))))]
        names = draw(st.sampled_from([None, tuple(sorted(NAMES[4:4 + k])) if k <= 9 else None]))
        if names is not None and len(names) < k:
            names = None
    else:
        k = 1
        y = torch.tensor(draw(st.lists(floats32, min_size=n, max_size=n)), dtype=torch.float32)
        names = None
    data = Dataset("drawn", task, k, x[:n_train], y[:n_train], x[n_train:], y[n_train:])
    return data, names


@SETTINGS
@given(datasets())
def test_download_upload_download_is_exact(case):
    data, names = case
    text = dataset_to_csv(data, names)
    parsed = parse_csv(text.encode(), data.task)
    again = dataset_from_parsed(parsed, train_fraction=0.3, seed=1)
    for a, b in ((data.x_train, again.x_train), (data.x_test, again.x_test)):
        assert torch.equal(a.view(torch.int32), b.view(torch.int32))     # bit for bit, -0.0 included
    if data.task == "regression":
        assert torch.equal(data.y_train.view(torch.int32), again.y_train.view(torch.int32))
    assert dataset_to_csv(again, parsed.class_names or None) == text


@SETTINGS
@given(st.integers(2, 60), st.floats(0.1, 0.9), st.integers(int(KNOBS["seed"].low), int(KNOBS["seed"].high)))
def test_random_split_always_has_both_sides_and_is_reproducible(n, fraction, seed):
    parsed = parse_csv("".join(f"{i},{i},{i % 2}\n" for i in range(n)).encode())
    a, b = dataset_from_parsed(parsed, fraction, seed), dataset_from_parsed(parsed, fraction, seed)
    assert a.x_train.shape[0] >= 1 and a.x_test.shape[0] >= 1
    assert a.x_train.shape[0] + a.x_test.shape[0] == n
    assert torch.equal(a.x_train, b.x_train) and torch.equal(a.x_test, b.x_test)


# ----------------------------------------------------------------------------- hostile run files

CFG = Config(hidden=(3,), dataset="spiral", classes=3)
GOOD_RUN = json.loads(export_run(CFG, net_for(CFG), class_names=("a", "b", "c")))

json_leaves = st.one_of(st.none(), st.booleans(), st.integers(-(2**70), 2**70), st.floats(allow_nan=False),
                        st.text(max_size=10), st.sampled_from([1e300, -0.0, 1e31, "NaN", "scratchnet-run"]))
json_values = st.recursive(json_leaves, lambda inner: st.one_of(st.lists(inner, max_size=4),
                                                                 st.dictionaries(st.text(max_size=8), inner,
                                                                                 max_size=4)), max_leaves=20)


def paths(value, prefix=()):
    """Every place inside a JSON value that a mutation can replace."""
    yield prefix
    if isinstance(value, dict):
        for key, item in value.items():
            yield from paths(item, (*prefix, key))
    elif isinstance(value, list):
        for index, item in enumerate(value):
            yield from paths(item, (*prefix, index))


RUN_PATHS = [p for p in paths(GOOD_RUN) if p]


def replaced(value, path, new):
    if not path:
        return new
    copy = dict(value) if isinstance(value, dict) else list(value)
    copy[path[0]] = replaced(value[path[0]], path[1:], new)
    return copy


def check_import(data) -> None:
    try:
        run = load_run(data)
    except DataError as err:
        assert one_line(str(err)), repr(str(err))
        return
    assert isinstance(run.config, Config)
    assert [tuple(w.shape) for w in run.net.weights] == list(zip(run.config.layer_sizes, run.config.layer_sizes[1:]))
    for p in run.net.params:
        assert p.is_leaf and p.requires_grad and torch.isfinite(p).all() and p.abs().max() <= MAX_ABS_PARAM
    assert all(isinstance(note, str) and note for note in run.notes)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.sampled_from(RUN_PATHS), json_values)
def test_mutated_run_files_never_raise_anything_but_data_error(path, new):
    check_import(json.dumps(replaced(GOOD_RUN, path, new)))


@SETTINGS
@given(json_values)
def test_random_json_is_refused_cleanly(value):
    check_import(json.dumps(value))


@SETTINGS
@given(st.binary(max_size=200))
def test_random_bytes_as_a_run(data):
    check_import(data)


@SETTINGS
@given(st.integers(0, len(json.dumps(GOOD_RUN))))
def test_truncated_run_files(cut):
    check_import(json.dumps(GOOD_RUN)[:cut])


@SETTINGS
@given(st.lists(st.floats(-1e6, 1e6, width=32, allow_nan=False), min_size=9 + 3 + 9 + 3,
                max_size=9 + 3 + 9 + 3))
def test_exported_weights_import_bit_exactly(values):
    net = net_for(CFG)
    flat = torch.tensor(values, dtype=torch.float32)
    with torch.no_grad():
        offset = 0
        for p in net.params:
            p.copy_(flat[offset:offset + p.numel()].reshape(p.shape))
            offset += p.numel()
    run = load_run(export_run(CFG, net))
    for a, b in zip(run.net.params, net.params):
        assert torch.equal(a.detach().view(torch.int32), b.detach().view(torch.int32))
    assert not any(math.isnan(v) for v in values)
