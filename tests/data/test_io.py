"""Unit tests for uploads (points_csv.py, run_file.py, uploads.py, class_names.py) and scratchnet.train.metrics.

Happy paths, exact round trips (CSV bytes, float32 bits, imported nets predicting identically)
and one test per kind of bad input, each checking that its one-sentence message names the
problem. The property-based tests live in test_io_properties.py.
"""

from __future__ import annotations

import ast
import csv
import importlib
import io
import json
import math
import pathlib
import time

import pytest
import torch

from scratchnet.config import KNOBS, Config
from scratchnet.data.class_names import MAX_LABEL_CHARS, label_order
from scratchnet.data.datasets import Dataset, make_dataset, random_split, seeded
from scratchnet.data.points_csv import (
    MAX_ABS,
    MAX_BYTES,
    MAX_CLASSES,
    MAX_ROWS,
    ParsedData,
    dataset_from_parsed,
    dataset_to_csv,
    parse_csv,
    points_from_csv,
)
from scratchnet.data.tensors import prepare
from scratchnet.data.uploads import DataError
from scratchnet.export.run_file import MAX_HISTORY_POINTS, RUN_FORMAT, export_run, load_run
from scratchnet.net.losses import cross_entropy
from scratchnet.net.model import forward, init_net, net_for, predict
from scratchnet.train.metrics import accuracy, accuracy_from_confusion, confusion_matrix, per_class_accuracy
from scratchnet.train.trainer import Trainer


def one_sentence(message: str) -> bool:
    return bool(message) and "\n" not in message and message.isprintable() and message.endswith(".")


def bits(t: torch.Tensor) -> torch.Tensor:
    return t.contiguous().view(torch.int32)


def same_dataset(a: Dataset, b: Dataset) -> bool:
    pairs = [(a.x_train, b.x_train), (a.x_test, b.x_test), (a.y_train, b.y_train), (a.y_test, b.y_test)]
    return (a.task == b.task and a.n_classes == b.n_classes
            and all(x.dtype == y.dtype and x.shape == y.shape for x, y in pairs)
            and all(torch.equal(bits(x), bits(y)) if x.is_floating_point() else torch.equal(x, y)
                    for x, y in pairs))


def error_of(data, **kwargs) -> str:
    with pytest.raises(DataError) as info:
        parse_csv(data, **kwargs)
    message = str(info.value)
    assert one_sentence(message), message
    return message


# ----------------------------------------------------------------------------- limits

def test_limits_come_from_the_knobs():
    assert MAX_ROWS == KNOBS["n_points"].high == 5000
    assert MAX_CLASSES == KNOBS["classes"].high == 8
    assert MAX_BYTES == 2 * 1024 * 1024 and MAX_ABS == 1e6


# ----------------------------------------------------------------------------- parse_csv: accepted

def test_header_names_and_bom():
    parsed = parse_csv("\ufeffx1,x2,label\n0.5,-1,cat\n2,3e-1,dog\n-4,5,cat\n".encode())
    assert isinstance(parsed, ParsedData) and parsed.has_header
    assert parsed.class_names == ("cat", "dog") and parsed.n_classes == 2 and parsed.n_rows == 3
    assert parsed.y.tolist() == [0, 1, 0] and parsed.y.dtype == torch.int64
    assert parsed.x.dtype == torch.float32 and parsed.x.tolist() == [[0.5, -1.0], [2.0, pytest.approx(0.3)], [-4, 5]]
    assert parsed.is_test is None


def test_no_header_integer_labels_are_canonical_and_sorted_numerically():
    parsed = parse_csv(b"1,2,10\n3,4,+02\n5,6,-1\n7,8,2\n")
    assert not parsed.has_header
    assert parsed.class_names == ("-1", "2", "10")
    assert parsed.y.tolist() == [2, 1, 0, 1]


def test_names_sort_numbers_first_then_alphabetically_not_by_appearance():
    parsed = parse_csv(b"x1,x2,label\n0,0,zebra\n0,1,7\n1,0,Ant\n1,1,ant\n")
    assert parsed.class_names == ("7", "Ant", "ant", "zebra")
    shuffled = parse_csv(b"x1,x2,label\n1,1,ant\n0,1,7\n0,0,zebra\n1,0,Ant\n")
    assert shuffled.class_names == parsed.class_names   # row order never renumbers classes


def test_regression_targets_are_floats():
    parsed = parse_csv(b"x1,x2,target\n0,0,0.25\n1,1,-3.5\n2,2,1e3\n", task="regression")
    assert parsed.task == "regression" and parsed.class_names == () and parsed.n_classes == 1
    assert parsed.y.dtype == torch.float32 and parsed.y.tolist() == [0.25, -3.5, 1000.0]


def test_semicolons_with_decimal_commas_tabs_crlf_and_blank_lines():
    semi = parse_csv(b"x1;x2;label\r\n1,5;-2,25;a\r\n\r\n3;4;b\r\n")
    assert semi.x.tolist() == [[1.5, -2.25], [3.0, 4.0]] and semi.class_names == ("a", "b")
    tab = parse_csv(b"\n\n1.5\t2\ta\n3\t4\tb\n\n")
    assert tab.x.tolist() == [[1.5, 2.0], [3.0, 4.0]]
    old_mac = parse_csv(b"1,2,a\r3,4,b\r")
    assert old_mac.n_rows == 2


def test_quoted_names_whitespace_and_unicode():
    parsed = parse_csv('x1,x2,label\n 1 , 2 ,"big, red"\n3,4, café \n5,6,"say ""hi"""\n'.encode())
    assert parsed.class_names == ("big, red", "café", 'say "hi"')


def test_split_column_is_read_case_insensitively():
    parsed = parse_csv(b"x1,x2,label,split\n0,0,a,train\n1,1,b,TEST\n2,2,a,Train\n")
    assert parsed.is_test.tolist() == [False, True, False]
    ds = dataset_from_parsed(parsed, train_fraction=0.5, seed=1)   # the file's split wins
    assert ds.x_train.tolist() == [[0, 0], [2, 2]] and ds.x_test.tolist() == [[1, 1]]


def test_every_input_form_gives_the_same_result():
    text = "x1,x2,label\n1,2,a\n3,4,b\n"
    forms = [text, text.encode(), bytearray(text.encode()), memoryview(text.encode()),
             io.BytesIO(text.encode()), io.StringIO(text)]
    results = [parse_csv(form) for form in forms]
    assert all(torch.equal(r.x, results[0].x) and r.class_names == ("a", "b") for r in results)


def test_limits_can_be_tightened_per_call():
    assert "more than 3 data rows" in error_of(b"1,2,a\n3,4,b\n5,6,a\n7,8,b\n", max_rows=3)
    assert "more than 2 different labels" in error_of(b"1,2,a\n3,4,b\n5,6,c\n", max_classes=2)
    assert "larger than 10 bytes" in error_of(b"1,2,a\n3,4,b\n", max_bytes=10)


def test_bad_task_is_a_programming_error():
    with pytest.raises(ValueError, match="task must be"):
        parse_csv(b"1,2,3\n", task="clustering")


# ----------------------------------------------------------------------------- parse_csv: rejected

REJECTED = {
    "empty": (b"", "is empty"),
    "whitespace only": (b" \r\n\n\t\n", "is empty"),
    "bom only": (b"\xef\xbb\xbf", "is empty"),
    "only a header": (b"x1,x2,label\n\n", "header but no data rows"),
    "only separators": (b",,,\n , ,\n", "only empty cells"),
    "two columns": (b"1,2\n3,4\n", "Line 1 has 2 columns"),
    "five columns": (b"x1,x2,label,split,extra\n", "Line 1 has 5 columns"),
    "ragged row": (b"x1,x2,label\n1,2,a\n3,4\n5,6,b\n", "Line 3 has 2 columns but the first row has 3"),
    "extra column later": (b"1,2,a\n3,4,b,test\n", "Line 2 has 4 columns"),
    "text in x1": (b"x1,x2,label\n1,2,a\nabc,4,b\n", "Line 3: the x1 value 'abc' is not a number"),
    "text in x2": (b"1,2,a\n3,4..5,b\n", "Line 2: the x2 value '4..5' is not a number"),
    "header in only one column": (b"x1,2,a\n1,2,b\n", "Line 1: the x1 value 'x1' is not a number"),
    "unicode digits": ("١,2,a\n3,4,b\n".encode(), "is not a number"),
    "underscore digits": (b"1_000,2,a\n3,4,b\n", "is not a number"),
    "empty cell": (b"1,,a\n3,4,b\n", "Line 1: the x2 value is empty"),
    "nan": (b"1,2,a\nNaN,4,b\n", "Line 2: the x1 value 'NaN' is not a finite number"),
    "inf": (b"1,inf,a\n3,4,b\n", "'inf' is not a finite number"),
    "-infinity": (b"1,2,a\n3,-Infinity,b\n", "'-Infinity' is not a finite number"),
    "huge": (b"1,2,a\n3,1e7,b\n", "Line 2: the x2 value '1e7' is too large"),
    "overflow": (b"1,2,a\n1e400,4,b\n", "'1e400' is too large"),
    "single class": (b"x1,x2,label\n1,2,a\n3,4,a\n", "Every row has the label 'a'"),
    "single data row": (b"x1,x2,label\n1,2,a\n", "only 1 data row"),
    "empty label": (b"1,2,a\n3,4,\n", "Line 2: the label is empty"),
    "missing label": (b"1,2,a\n3,4,NaN\n", "looks like a missing value"),
    "long label": (f"1,2,a\n3,4,{'x' * (MAX_LABEL_CHARS + 1)}\n".encode(), "longer than 40 characters"),
    "control char in label": (b"1,2,a\n3,4,b\x07\n", "control characters"),
    "bad split value": (b"1,2,a,train\n3,4,b,validation\n", "the split value 'validation' must be train or test"),
    "one-sided split": (b"1,2,a,test\n3,4,b,test\n", "marks every row as test"),
    "binary NUL": (b"1,2,a\n\x00\x01\x02", "contains NUL bytes"),
    "utf-16": ("x1,x2,label\n1,2,a\n".encode("utf-16"), "UTF-16"),
    "utf-16 without BOM": ("x1,x2,label\n1,2,a\n".encode("utf-16-le"), "NUL bytes"),
    "latin-1": ("x1,x2,label\n1,2,café\n3,4,b\n".encode("latin-1"),
                "not UTF-8 text (byte 0xe9 on line 2, at offset 19"),
    "png": (b"\x89PNG\r\n\x1a\n" + b"\x00" * 20, "a PNG image"),
    "xlsx": (b"PK\x03\x04" + b"rest of zip", "Excel workbook"),
    "overlong field": (b'"' + b"1" * 140_000 + b'",2,a\n', "could not be read as CSV"),
}


@pytest.mark.parametrize("kind", sorted(REJECTED))
def test_each_bad_input_gets_its_own_message(kind):
    data, expected = REJECTED[kind]
    assert expected in error_of(data)


def test_regression_rejects_text_targets_and_single_rows():
    assert "the target value 'high' is not a number" in error_of(b"1,2,0.5\n3,4,high\n", task="regression")
    assert "the target value is empty" in error_of(b"1,2,0.5\n3,4,\n", task="regression")


def test_too_many_classes_and_the_regression_hint():
    names = "\n".join(f"{i},{i},class{i}" for i in range(MAX_CLASSES + 1)).encode()
    message = error_of(names)
    assert f"more than {MAX_CLASSES} different labels" in message and "'class8'" in message
    assert "regression" not in message
    numeric = "\n".join(f"{i},{i},{i / 10}" for i in range(20)).encode()
    assert "for numeric targets choose regression" in error_of(numeric)


def test_too_many_rows_is_rejected_at_the_first_row_too_many():
    rows = "\n".join(f"{i % 100},{i % 7},{i % 2}" for i in range(MAX_ROWS + 1)) + "\n"
    assert f"more than {MAX_ROWS} data rows" in error_of(rows.encode())
    assert parse_csv("\n".join(rows.splitlines()[:MAX_ROWS]).encode()).n_rows == MAX_ROWS


@pytest.mark.perf
def test_a_huge_upload_is_rejected_without_reading_it():
    class Endless(io.RawIOBase):
        """A stream of a billion bytes that remembers how much was asked of it."""

        asked = 0

        def readable(self):
            return True

        def read(self, size=-1):
            assert size != -1, "the parser must never read a stream to the end"
            Endless.asked += size
            return b"1,2,a\n" * (size // 6 + 1)

    start = time.perf_counter()
    assert "larger than 2 MB" in error_of(Endless())
    assert Endless.asked == MAX_BYTES + 1
    big = b"1,2,a\n" * (MAX_BYTES // 6 + 1)
    assert "larger than 2 MB" in error_of(big)
    assert "larger than 2 MB" in error_of(big.decode())
    assert time.perf_counter() - start < 1.0


def test_wrong_types_and_failing_streams_are_data_errors():
    class Broken(io.RawIOBase):
        def read(self, size=-1):
            raise OSError("disk on fire")

    assert "could not be read (OSError)" in error_of(Broken())
    assert "got int" in error_of(12)


# ----------------------------------------------------------------------------- datasets and CSV out

def test_split_is_seeded_reproducible_and_leaves_the_global_rng_alone():
    parsed = parse_csv("\n".join(f"{i},{-i},{i % 3}" for i in range(50)).encode())
    torch.manual_seed(0)
    before = torch.get_rng_state()
    a, b = dataset_from_parsed(parsed, 0.8, seed=7), dataset_from_parsed(parsed, 0.8, seed=7)
    assert torch.equal(torch.get_rng_state(), before)
    assert same_dataset(a, b) and a.x_train.shape[0] == 40 and a.x_test.shape[0] == 10
    assert not same_dataset(a, dataset_from_parsed(parsed, 0.8, seed=8))
    assert a.name == "uploaded" and a.n_classes == 3
    # file order is kept within each side
    assert a.x_train[:, 0].tolist() == sorted(a.x_train[:, 0].tolist())


def test_the_split_is_datas_random_split_in_file_order():
    parsed = parse_csv("\n".join(f"{i},{-i},{i % 2}" for i in range(30)).encode())
    ds = dataset_from_parsed(parsed, 0.6, seed=11)
    train, test = random_split(30, 0.6, seeded(11))
    assert ds.x_train[:, 0].tolist() == sorted(train.tolist()) and ds.x_test[:, 0].tolist() == sorted(test.tolist())


@pytest.mark.parametrize("fraction", [0.1, 0.5, 0.9])
def test_two_points_still_give_one_on_each_side(fraction):
    ds = dataset_from_parsed(parse_csv(b"1,2,a\n3,4,b\n"), fraction, seed=3)
    assert ds.x_train.shape[0] == 1 and ds.x_test.shape[0] == 1


def test_bad_split_arguments_are_programming_errors():
    parsed = parse_csv(b"1,2,a\n3,4,b\n")
    for kwargs, message in (({"train_fraction": 1.0}, "strictly between 0 and 1"),
                            ({"train_fraction": 0.0}, "strictly between 0 and 1"),
                            ({"seed": -1}, "from 0 to 2147483647"),
                            ({"seed": int(KNOBS["seed"].high) + 1}, "from 0 to 2147483647")):
        with pytest.raises(ValueError, match=message):
            dataset_from_parsed(parsed, **{"train_fraction": 0.5, "seed": 1, **kwargs})
    dataset_from_parsed(parsed, seed=int(KNOBS["seed"].high))               # the knob's largest seed is fine


@pytest.mark.parametrize("name, classes", [("moons", 2), ("spiral", 5), ("blobs", 8), ("plane", 2),
                                           ("multigauss", 2)])
def test_download_upload_download_is_byte_identical(name, classes):
    original = make_dataset(name, n_points=300, noise=0.3, seed=5, classes=classes)
    first = dataset_to_csv(original)
    parsed = parse_csv(first.encode(), task=original.task)
    again = dataset_from_parsed(parsed, train_fraction=0.5, seed=99)   # the split column wins
    assert same_dataset(original, again)
    assert dataset_to_csv(again, parsed.class_names or None) == first


def test_names_round_trip():
    parsed = parse_csv(b"x1,x2,label\n0.1,0.2,setosa\n0.3,0.4,virginica\n0.5,0.6,versicolor\n"
                       b"0.7,0.8,\"a, b\"\n")
    ds = dataset_from_parsed(parsed, 0.5, seed=0)
    text = dataset_to_csv(ds, parsed.class_names)
    back = parse_csv(text.encode())
    assert back.class_names == parsed.class_names
    assert same_dataset(ds, dataset_from_parsed(back))
    assert dataset_to_csv(dataset_from_parsed(back), back.class_names) == text


FORMULAS = ("=HYPERLINK(\"http://evil.example\",\"x\")", "+SUM(A1:A9)", "-2+3", "@cmd", "\uff1d1+1", "'=quoted",
            "'plain", "-1")


def test_a_label_a_spreadsheet_would_run_is_written_as_text_and_read_back_as_it_was():
    """OWASP's CSV injection: a cell that starts with = + - @ is a formula to a spreadsheet; after an
    apostrophe it is text. Numbers (-1) stay numbers; the app's own import reads every name back exactly."""
    names = tuple(sorted(FORMULAS, key=label_order))
    k = len(names)
    ds = Dataset("u", "classification", k, torch.rand(k, 2), torch.arange(k), torch.rand(k, 2), torch.arange(k))
    text = dataset_to_csv(ds, names)
    cells = {row[2] for row in csv.reader(io.StringIO(text))} - {"label"}
    assert cells == {"'=HYPERLINK(\"http://evil.example\",\"x\")", "'+SUM(A1:A9)", "'-2+3", "'@cmd", "'\uff1d1+1",
                     "''=quoted", "''plain", "-1"}
    back = parse_csv(text.encode())
    assert back.class_names == names
    assert same_dataset(ds, dataset_from_parsed(back))
    assert dataset_to_csv(dataset_from_parsed(back), back.class_names) == text


def test_a_guarded_label_from_another_program_reads_as_the_text_it_guards():
    parsed = parse_csv(b"x1,x2,label\n0.1,0.2,'=1+1\n0.3,0.4,'+x\n0.5,0.6,'keep\n")
    assert parsed.class_names == ("'keep", "+x", "=1+1")


def test_floats_are_short_and_exact():
    values = torch.tensor([0.1, 1 / 3, -0.0, 1e-40, 999999.94, -98765.43, 3e-8], dtype=torch.float32)
    ds = Dataset("t", "regression", 1, torch.stack([values, -values], 1), values, torch.zeros(1, 2), torch.zeros(1))
    text = dataset_to_csv(ds)
    assert "0.1," in text and "0.33333334" in text and "-0.0" in text
    back = dataset_from_parsed(parse_csv(text, task="regression"))
    assert torch.equal(bits(back.x_train), bits(ds.x_train)) and torch.equal(bits(back.y_train), bits(ds.y_train))


def test_download_without_split_column():
    ds = make_dataset("xor", n_points=20, seed=1)
    text = dataset_to_csv(ds, include_split=False)
    assert text.splitlines()[0] == "x1,x2,label" and text.count("\n") == 21
    one_sided = ds.with_points(ds.x_train, ds.y_train, torch.zeros(0, 2), torch.zeros(0, dtype=torch.int64))
    assert dataset_to_csv(one_sided).splitlines()[0] == "x1,x2,label"   # a split needs both sides


def test_class_names_that_would_be_renumbered_are_refused():
    ds = make_dataset("moons", n_points=10)
    for names, message in ((("dog", "cat"), "parse_csv's order"), (("01", "2"), "written plainly"),
                           (("a",), "2 labels are needed"), (("a", "a"), "names two classes"),
                           (("a", "b\n"), "control characters"), ((" a", "b"), "surrounding spaces")):
        with pytest.raises(ValueError, match=message):
            dataset_to_csv(ds, names)
    assert dataset_to_csv(ds, ("cat", "dog")).count("cat") > 0


def test_names_beyond_the_datasets_classes_are_not_written():
    ds = make_dataset("moons", n_points=10)
    text = dataset_to_csv(ds, ("cat", "dog", "zebra"))
    assert text == dataset_to_csv(ds, ("cat", "dog")) and "zebra" not in text


def test_points_from_csv_reads_and_splits_as_the_config_says():
    text = "".join(f"{i},{-i},{'ab'[i % 2]}\n" for i in range(20)).encode()
    cfg = Config(train_fraction=0.6, seed=5)
    parsed, data = points_from_csv(text, cfg)
    assert parsed.class_names == ("a", "b")
    assert same_dataset(data, dataset_from_parsed(parse_csv(text), 0.6, seed=5))
    assert data.x_train.shape[0] == 12
    with pytest.raises(DataError, match="is not a number"):
        points_from_csv(text, cfg.replace(problem="regression", dataset="plane"))


# ----------------------------------------------------------------------------- runs

def trained(cfg: Config, epochs: int = 15) -> Trainer:
    trainer = Trainer(cfg)
    for _ in range(epochs):
        trainer.train_epoch()
    trainer.evaluate()
    return trainer


SPIRAL = Config(dataset="spiral", classes=3, n_points=90, hidden=(6, 5), activation="tanh", lr=0.05,
                features=("x1", "x2", "x1x2"))


def test_export_import_predicts_identically_and_round_trips_exactly():
    trainer = trained(SPIRAL)
    text = export_run(SPIRAL, trainer.net, trainer.history, class_names=("a", "b", "c"))
    body = json.loads(text)
    assert body["format"] == RUN_FORMAT and body["version"] == 1 and body["layer_sizes"] == [3, 6, 5, 3]
    assert body["config"] == SPIRAL.to_query()
    imported = load_run(text.encode())
    cfg, net, notes = imported.config, imported.net, imported.notes
    assert cfg == SPIRAL and notes == []
    for p in net.params:
        assert p.is_leaf and p.requires_grad and p.dtype == torch.float32
    for mine, theirs in zip(net.params, trainer.net.params):
        assert torch.equal(bits(mine.detach()), bits(theirs.detach()))
    x = trainer.tensors.x_test
    assert torch.equal(predict(net, x), predict(trainer.net, x))
    run = load_run(text)
    assert run.class_names == ("a", "b", "c")
    assert run.history.losses == trainer.history.losses and run.history.evaluations == trainer.history.evaluations
    assert export_run(run.config, run.net, run.history, run.class_names) == text


def test_a_layer_normed_run_round_trips_as_version_2():
    cfg = SPIRAL.replace(norm="layer", activation="gelu", dropout=0.2, optimizer="adamw", schedule="cosine")
    trainer = trained(cfg)
    text = export_run(cfg, trainer.net, trainer.history)
    body = json.loads(text)
    assert body["version"] == 2 and list(body)[7:9] == ["gains", "shifts"]
    assert [len(g) for g in body["gains"]] == [6, 5] and [len(s) for s in body["shifts"]] == [6, 5]
    run = load_run(text)
    assert run.config == cfg and run.notes == [] and run.net.norm == "layer"
    for mine, theirs in zip(run.net.params, trainer.net.params):
        assert torch.equal(bits(mine.detach()), bits(theirs.detach()))
    assert all(p.is_leaf and p.requires_grad for p in run.net.params)
    x = trainer.tensors.x_test
    assert torch.equal(predict(run.net, x), predict(trainer.net, x))
    assert export_run(run.config, run.net, run.history) == text
    assert json.loads(export_run(SPIRAL, net_for(SPIRAL)))["version"] == 1          # plain runs stay version 1
    assert "gains" not in json.loads(export_run(SPIRAL, net_for(SPIRAL)))


def changed(run: dict, **changes) -> str:
    """The run file with some fields replaced (`...` deletes one), as JSON text."""
    for key, value in changes.items():
        if value is ...:
            del run[key]
        else:
            run[key] = value
    return json.dumps(run)


def normed_run(norm: str = "layer", **changes) -> str:
    cfg = Config(hidden=(3,), norm=norm)
    return changed(json.loads(export_run(cfg, net_for(cfg))), **changes)


@pytest.mark.parametrize(("data", "expected"), [
    (normed_run(gains=...), "uses layer norm, so it needs gains: a list of 1 layer"),
    (normed_run(shifts=[[0.0] * 3, [0.0] * 3]), "needs shifts: a list of 1 layer"),
    (normed_run(gains=[[1.0, 1.0]]), "gains[0] must be a list of 3 numbers"),
    (normed_run(shifts=[[0.0, "x", 0.0]]), "shifts[0] holds a str"),
    (normed_run("none", gains=[[1.0] * 3]), "has layer-norm gains but its config has no layer norm"),
])
def test_layer_norm_parameters_are_checked_like_the_weights(data, expected):
    assert expected in run_error(data)


def test_a_network_that_does_not_match_the_configs_norm_is_not_exported():
    with pytest.raises(ValueError, match="norm none"):
        export_run(Config(hidden=(3,), norm="layer"), net_for(Config(hidden=(3,))))


def test_imported_parameters_are_leaves_that_collect_gradients():
    cfg = Config(hidden=(4, 3), n_points=40)
    net = load_run(export_run(cfg, net_for(cfg))).net
    data = prepare(make_dataset("moons", 40), cfg.features, cfg.n_classes)
    logits, _ = forward(net, data.x_train)
    cross_entropy(logits, data.t_train).backward()
    assert all(p.is_leaf and p.grad is not None and torch.isfinite(p.grad).all() for p in net.params)


def test_regression_and_float64_runs_round_trip():
    cfg = Config(problem="regression", dataset="plane", hidden=(), n_points=30)
    trainer = trained(cfg, epochs=3)
    net = load_run(export_run(cfg, trainer.net)).net
    assert torch.equal(predict(net, trainer.tensors.x_train), predict(trainer.net, trainer.tensors.x_train))
    net64 = init_net((2, 3, 2), seed=4, dtype=torch.float64)
    back = load_run(export_run(Config(hidden=(3,)), net64), dtype=torch.float64).net
    assert all(torch.equal(a, b) for a, b in zip(back.params, net64.params))


def test_long_histories_are_left_out():
    cfg = Config(hidden=(2,))
    trainer = Trainer(cfg)
    trainer.history.losses.extend([0.5] * (MAX_HISTORY_POINTS + 1))
    assert json.loads(export_run(cfg, trainer.net, trainer.history))["history"] is None


def test_export_refuses_what_it_cannot_write():
    cfg = Config()
    with pytest.raises(ValueError, match="does not match"):
        export_run(cfg.replace(hidden=(3,)), net_for(cfg))
    broken = net_for(cfg)
    with torch.no_grad():
        broken.weights[0][0, 0] = float("nan")
    with pytest.raises(ValueError, match="NaN"):
        export_run(cfg, broken)
    with pytest.raises(ValueError, match="class_names cannot name the run's 2 classes: 2 labels are needed"):
        export_run(cfg, net_for(cfg), class_names=("only one",))
    with pytest.raises(ValueError, match="the label 'a' names two classes"):
        export_run(cfg, net_for(cfg), class_names=("a", "a"))
    with pytest.raises(ValueError, match="contains control characters"):
        export_run(cfg, net_for(cfg), class_names=("a", "b\n"))
    plane = Config(problem="regression", dataset="plane")
    with pytest.raises(ValueError, match="class_names are for classification runs only"):
        export_run(plane, net_for(plane), class_names=("a", "b"))


def good_run() -> dict:
    cfg = Config(hidden=(3,))
    return json.loads(export_run(cfg, net_for(cfg), Trainer(cfg).history, class_names=("a", "b")))


def run_error(data, **kwargs) -> str:
    with pytest.raises(DataError) as info:
        load_run(data, **kwargs)
    message = str(info.value)
    assert one_sentence(message), message
    return message


def mutated(**changes) -> str:
    return changed(good_run(), **changes)


def regression_run(**changes) -> str:
    cfg = Config(problem="regression", dataset="plane", hidden=(3,))
    return json.dumps({**json.loads(export_run(cfg, net_for(cfg))), **changes})


RUN_REJECTED = {
    "empty": (b"", "is empty"),
    "not json": (b"{'format': 1}", "not valid JSON (line 1, column 2"),
    "array": (b"[1, 2]", "holds a JSON list"),
    "nan literal": (b'{"format": NaN}', "contains NaN"),
    "huge integer": (b'{"a": ' + b"9" * 5000 + b"}", "number JSON cannot read"),
    "deep nesting": (b"[" * 100_000 + b"]" * 100_000, "nested too deeply"),
    "binary": (b"\x00\x01PK", "NUL bytes"),
    "latin-1": ('{"x": "é"}'.encode("latin-1"), "not UTF-8"),
    "wrong format": (mutated(format="tfjs"), "not a ScratchNet run (format 'tfjs'"),
    "missing format": (mutated(format=...), "format missing"),
    "newer version": (mutated(version=3), "newer ScratchNet"),
    "bool version": (mutated(version=True), "version must be a whole number"),
    "no config": (mutated(config=...), "no config object"),
    "sizes not ints": (mutated(layer_sizes=[2, "3", 2]), "layer_sizes must be a list of whole numbers"),
    "sizes mismatch": (mutated(layer_sizes=[2, 4, 2]),
                       "weights are for a 2-4-2 network but its config describes 2-3-2"),
    "activation mismatch": (mutated(activation="tanh"), "activation 'tanh' differs"),
    "too few layers": (mutated(weights=[[[1.0] * 3] * 2]), "weights must be a list of 2 layers"),
    "wrong weight shape": (mutated(weights=[[[1.0] * 2] * 2, [[1.0] * 2] * 3]), "weights[0] must be a 2x3 array"),
    "wrong bias length": (mutated(biases=[[0.0] * 2, [0.0] * 2]), "biases[0] must be a list of 3 numbers"),
    "string weight": (mutated(weights=[[[1.0, "2", 3.0]] * 2, [[1.0] * 2] * 3]), "holds a str"),
    "bool weight": (mutated(weights=[[[1.0, True, 3.0]] * 2, [[1.0] * 2] * 3]), "holds a bool"),
    "null weight": (mutated(weights=[[[1.0, None, 3.0]] * 2, [[1.0] * 2] * 3]), "holds a NoneType"),
    "infinite weight": (mutated(biases=[[0.0, 1e400, 0.0], [0.0] * 2]).replace("Infinity", "1e400"), "'inf'"),
    "absurd weight": (mutated(biases=[[0.0, 1e31, 0.0], [0.0] * 2]), "no larger than 1e+30"),
    "names wrong length": (mutated(class_names=["a"]), "class_names are not usable: 2 labels are needed, one per "
                                                       "class, not 1"),
    "names repeated": (mutated(class_names=["a", "a"]), "class_names are not usable: the label 'a' names two classes"),
    "names for regression": (regression_run(class_names=["a"]), "class_names must be null for its regression config"),
    "names not text": (mutated(class_names=[1, 2]), "class_names must be a list of text labels"),
    "bad name": (mutated(class_names=["a", "b\n"]), "not usable: the label 'b\\n' contains control"),
    "bad history": (mutated(history={"losses": ["x"]}), "history must hold"),
    "bad evaluation": (mutated(history={"evaluations": [[1, 0.5]]}), "history must hold"),
    "history not object": (mutated(history=[1]), "history must hold"),
    "unknown field": (mutated(extra=1), "has a field a run does not have ('extra')"),
    "unknown fields": (mutated(**{f"k{i}": i for i in range(5)}), "('k0' and 4 more)"),
    "made-up fields": (mutated(**{f"k{i}": i for i in range(2000)}), "far more fields than a run has"),
    "made-up objects": (mutated(config={**good_run()["config"], "x": [{}] * 20}), "far more fields than a run has"),
}


def test_a_file_of_made_up_fields_is_refused_before_it_is_parsed(monkeypatch):
    """600k made-up keys (7.8 MB) took 3.4 s to parse, holding the server's one Python lock all along."""
    text = "{" + ",".join(f'"k{i}":1' for i in range(200_000)) + "}"
    monkeypatch.setattr(json, "loads", lambda *a, **k: pytest.fail("parsed"))
    assert "far more fields than a run has" in run_error(text)


def test_the_largest_run_the_app_writes_fits_the_upload_limit():
    """8 layers of 128 units with layer norm, a full history and 8 class names, every number at full length."""
    from scratchnet.export.run_file import MAX_RUN_BYTES
    from scratchnet.train.history import Evaluation, History

    cfg = Config(hidden=(128,) * 8, norm="layer", dataset="blobs", classes=8, epochs=MAX_HISTORY_POINTS)
    net = net_for(cfg)
    with torch.no_grad():
        for p in net.params:
            p.mul_(torch.rand_like(p) * 1e-3)          # small values have the longest shortest forms
    long = 1.2345678e-05
    history = History([long] * MAX_HISTORY_POINTS,
                      [Evaluation(i, long, long, long, long) for i in range(MAX_HISTORY_POINTS)])
    text = export_run(cfg, net, history, [f"class name {i}" for i in range(8)])
    assert 0.6 * MAX_RUN_BYTES < len(text.encode()) <= MAX_RUN_BYTES
    assert load_run(text).config.hidden == cfg.hidden


@pytest.mark.parametrize("kind", sorted(RUN_REJECTED))
def test_each_bad_run_gets_its_own_message(kind):
    data, expected = RUN_REJECTED[kind]
    assert expected in run_error(data)


def test_run_size_limit_and_streams():
    text = mutated()
    assert "larger than 100 bytes" in run_error(text, max_bytes=100)
    assert load_run(io.BytesIO(text.encode())).config == Config(hidden=(3,))


def test_config_repairs_become_notes_and_shape_changes_are_refused():
    run = good_run()
    run["config"]["lr"] = "1e9"
    run["config"]["colour"] = "blue"
    imported = load_run(json.dumps(run))
    cfg, notes = imported.config, imported.notes
    assert cfg.lr == 10.0
    assert any("Learning rate" in n for n in notes) and any("colour" in n for n in notes)
    run["config"]["hidden"] = "999"
    assert "after repairing its config" in run_error(json.dumps(run))


def test_config_may_be_written_like_to_dict():
    cfg = Config(hidden=(3, 2), features=("x1", "x2", "sinx1"))
    run = json.loads(export_run(cfg, net_for(cfg)))
    run["config"] = cfg.to_dict()
    assert load_run(json.dumps(run)).config == cfg
    run["config"] = {**cfg.to_query(), "show_test": "1", "speed": "max"}   # written when a Config carried the view
    imported = load_run(json.dumps(run))
    assert imported.config == cfg and imported.notes == []


UPLOAD_MODULES = ("scratchnet.data.uploads", "scratchnet.data.points_csv", "scratchnet.export.run_file",
                  "scratchnet.data.class_names",
                  "scratchnet.data.number_text")


@pytest.mark.parametrize("module", UPLOAD_MODULES)
def test_no_unpickling_anywhere_uploads_are_read(module):
    """Uploads are only ever parsed as text: no pickle-like module, no torch.load, no eval."""
    tree = ast.parse(pathlib.Path(importlib.import_module(module).__file__).read_text(encoding="utf-8"))
    imported = {alias.name.split(".")[0] for node in ast.walk(tree) if isinstance(node, (ast.Import, ast.ImportFrom))
                for alias in node.names} | {node.module for node in ast.walk(tree) if isinstance(node, ast.ImportFrom)
                                            and node.module}
    assert not imported & {"pickle", "dill", "marshal", "shelve", "joblib", "cloudpickle"}
    attributes = {node.attr for node in ast.walk(tree) if isinstance(node, ast.Attribute)}
    names = {node.id for node in ast.walk(tree) if isinstance(node, ast.Name)}
    assert not attributes & {"load", "loads_pickle", "from_file"} and not names & {"eval", "exec", "compile"}


# ----------------------------------------------------------------------------- metrics

def test_confusion_matrix_from_labels_and_logits():
    labels = torch.tensor([0, 0, 1, 1, 2, 2])
    predicted = torch.tensor([0, 1, 1, 1, 0, 2])
    cm = confusion_matrix(predicted, labels, 3)
    assert cm.tolist() == [[1, 1, 0], [0, 2, 0], [1, 0, 1]] and cm.dtype == torch.int64
    logits = torch.nn.functional.one_hot(predicted, 3).float() * 5 - 1
    assert torch.equal(confusion_matrix(logits, labels, 3), cm)
    assert per_class_accuracy(cm).tolist() == [0.5, 1.0, 0.5]
    assert accuracy_from_confusion(cm) == pytest.approx(4 / 6)


def test_per_class_accuracy_of_an_absent_class_is_nan():
    cm = confusion_matrix(torch.tensor([0, 1]), torch.tensor([0, 0]), 3)
    acc = per_class_accuracy(cm)
    assert acc[0] == 0.5 and math.isnan(acc[1]) and math.isnan(acc[2])
    assert math.isnan(accuracy_from_confusion(torch.zeros(2, 2, dtype=torch.int64)))


def test_confusion_matches_the_trainers_accuracy():
    trainer = trained(SPIRAL, epochs=30)
    logits = predict(trainer.net, trainer.tensors.x_train)
    cm = confusion_matrix(logits, trainer.tensors.y_train, 3)
    assert cm.sum() == trainer.tensors.y_train.shape[0]
    assert cm.sum(1).tolist() == torch.bincount(trainer.tensors.y_train, minlength=3).tolist()
    assert accuracy_from_confusion(cm) == pytest.approx(float(accuracy(trainer.net, trainer.tensors.x_train,
                                                                        trainer.tensors.y_train)))


def test_metrics_reject_nonsense():
    for args in ((torch.tensor([0, 3]), torch.tensor([0, 1]), 3), (torch.tensor([0]), torch.tensor([0, 1]), 2),
                 (torch.zeros(2, 4), torch.tensor([0, 1]), 3), (torch.tensor([0.5]), torch.tensor([0]), 2),
                 (torch.tensor([0]), torch.tensor([-1]), 2), (torch.tensor([0]), torch.tensor([0]), 0)):
        with pytest.raises(ValueError):
            confusion_matrix(*args)
    with pytest.raises(ValueError):
        per_class_accuracy(torch.zeros(2, 3))
