"""The exported script and notebook reproduce the run: run for real (a fresh interpreter without
scratchnet; a Jupyter kernel) and compared with `python -m scratchnet train --json`."""

from __future__ import annotations

import ast
import io
import json
import math
import os
import subprocess
import sys
import types
from contextlib import redirect_stdout
from pathlib import Path

import pytest
import torch

from scratchnet import cli
from scratchnet.config import KNOBS, Config, Knob
from scratchnet.data import datasets as data
from scratchnet.data.datasets import editable_copy, make_dataset
from scratchnet.data.points_csv import dataset_to_csv
from scratchnet.export import script
from scratchnet.export.script import FINAL_LINE
from scratchnet.net import activations
from scratchnet.teach import tutorial_code
from scratchnet.teach.tutorial_code import NotExportable

REL_TOL = 1e-4          # what the export promises; the matrix measures about 1e-7 (float32 rounding)

# name -> the `train` flags of a setup (CSV files are made by the fixture below)
MATRIX: dict[str, list[str]] = {
    "default (circle, relu, sgd, full batch)": [],
    "moons lr 0.07 (the tutorial's)": ["--dataset", "moons", "--lr", "0.07"],
    "circle tanh momentum batch 16, l2, squares": [
        "--dataset", "circle", "--activation", "tanh", "--optimizer", "momentum", "--batch-size", "16",
        "--regularization", "l2", "--reg-rate", "0.01", "--features", "x1,x2,x1sq,x2sq"],
    "xor sigmoid adam batch 1, l1, all features": [
        "--dataset", "xor", "--activation", "sigmoid", "--optimizer", "adam", "--lr", "0.03", "--batch-size", "1",
        "--regularization", "l1", "--reg-rate", "0.001", "--features", "x1,x2,x1sq,x2sq,x1x2,sinx1,sinx2",
        "--epochs", "30"],
    "gauss linear model": ["--dataset", "gauss", "--hidden", "", "--activation", "linear", "--lr", "0.1"],
    "spiral 3 classes 8,8 tanh adam batch 32": [
        "--dataset", "spiral", "--classes", "3", "--layers", "8,8", "--activation", "tanh", "--optimizer", "adam",
        "--lr", "0.01", "--batch-size", "32", "--epochs", "200"],
    "blobs 4 classes, small init, momentum, sin features": [
        "--dataset", "blobs", "--classes", "4", "--init", "small", "--optimizer", "momentum", "--lr", "0.05",
        "--n-points", "300", "--features", "x1,x2,sinx1"],
    "regression plane": ["--dataset", "plane", "--lr", "0.01"],
    "regression multigauss tanh adam batch 64 l2": [
        "--dataset", "multigauss", "--activation", "tanh", "--optimizer", "adam", "--lr", "0.01",
        "--batch-size", "64", "--regularization", "l2", "--reg-rate", "0.001", "--layers", "16,8"],
    "autograd adam l1": ["--backprop", "autograd", "--optimizer", "adam", "--lr", "0.01", "--regularization", "l1",
                         "--reg-rate", "0.003"],
    "autograd regression momentum batch 10": [
        "--backprop", "autograd", "--dataset", "plane", "--optimizer", "momentum", "--lr", "0.003", "--batch-size",
        "10", "--activation", "sigmoid", "--epochs", "100"],
    "seeds, split, noise, xavier for relu": [
        "--init", "xavier", "--seed", "7", "--init-seed", "3", "--train-fraction", "0.5", "--n-points", "500",
        "--noise", "0.5", "--epochs", "150"],
    "he for tanh, batch larger than the training set": ["--activation", "tanh", "--init", "he",
                                                        "--batch-size", "1000"],
    "deep sigmoid": ["--layers", "6,6,6,6", "--activation", "sigmoid", "--lr", "0.5", "--epochs", "100"],
    "stops at a target accuracy": ["--target-accuracy", "0.9", "--epochs", "2000", "--every", "7"],
    "diverges, printed every 3": ["--dataset", "plane", "--lr", "10", "--every", "3"],
    "checkerboard leaky ReLU Nesterov, step decay, batch 32": [
        "--dataset", "checkerboard", "--activation", "leaky_relu", "--optimizer", "nesterov", "--lr", "0.05",
        "--schedule", "step", "--batch-size", "32", "--epochs", "120"],
    "stripes ELU RMSProp, cosine, dropout 0.3": [
        "--dataset", "stripes", "--activation", "elu", "--optimizer", "rmsprop", "--lr", "0.01", "--schedule",
        "cosine", "--dropout", "0.3", "--epochs", "120"],
    "rings 3 classes GELU AdamW, warm-up, layer norm, batch 16": [
        "--dataset", "rings", "--classes", "3", "--activation", "gelu", "--optimizer", "adamw", "--weight-decay",
        "0.05", "--lr", "0.01", "--schedule", "warmup", "--norm", "layer", "--layers", "8,8", "--batch-size", "16",
        "--epochs", "80"],
    "regression SiLU, layer norm, dropout, l1, momentum": [
        "--dataset", "multigauss", "--activation", "silu", "--norm", "layer", "--dropout", "0.2",
        "--regularization", "l1", "--reg-rate", "0.001", "--optimizer", "momentum", "--lr", "0.01", "--epochs", "100"],
    "autograd softplus, dropout 0.5, batch 8, adam": [
        "--activation", "softplus", "--backprop", "autograd", "--dropout", "0.5", "--batch-size", "8",
        "--optimizer", "adam", "--lr", "0.01", "--epochs", "40"],
    "autograd sine, layer norm, AdamW, cosine": [
        "--dataset", "xor", "--activation", "sine", "--backprop", "autograd", "--norm", "layer", "--optimizer",
        "adamw", "--lr", "0.02", "--schedule", "cosine", "--epochs", "100"],
    "own points, 3 named classes": ["--csv", "{own_classes}", "--layers", "12", "--optimizer", "adam",
                                    "--lr", "0.02", "--batch-size", "8", "--epochs", "60"],
    "own points, regression": ["--csv", "{own_targets}", "--problem", "regression", "--lr", "0.01",
                               "--activation", "tanh"],
}
NOTEBOOKS = ["default (circle, relu, sgd, full batch)", "spiral 3 classes 8,8 tanh adam batch 32",
             "autograd regression momentum batch 10", "own points, 3 named classes",
             "rings 3 classes GELU AdamW, warm-up, layer norm, batch 16"]
ALLOWED_IMPORTS = {"math", "torch", "matplotlib.pyplot", "matplotlib.colors"}


def _own_csvs(folder: Path) -> dict[str, str]:
    blobs = editable_copy(make_dataset("blobs", n_points=90, noise=0.6, seed=5, classes=3))
    plane = editable_copy(make_dataset("plane", n_points=80, noise=0.1, seed=9))
    paths = {"own_classes": folder / "classes.csv", "own_targets": folder / "targets.csv"}
    paths["own_classes"].write_text(dataset_to_csv(blobs, ["apple", "banana", "cherry"]), encoding="utf-8")
    paths["own_targets"].write_text(dataset_to_csv(plane), encoding="utf-8")
    return {k: str(v) for k, v in paths.items()}


def _engine(args: list[str]) -> dict:
    out = io.StringIO()
    with redirect_stdout(out):
        assert cli.main(["train", *args, "--json"]) == 0
    return json.loads(out.getvalue())


def _clean_env() -> dict[str, str]:
    """No scratchnet on the path, plots drawn off screen."""
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    return env | {"MPLBACKEND": "Agg"}


def _final(stdout: str) -> float:
    last = stdout.strip().splitlines()[-1]
    assert last.startswith(FINAL_LINE), f"last line {last!r}"
    return float(last.removeprefix(FINAL_LINE))


def _relative(a: float, b: float) -> float:
    return abs(a - b) / max(abs(b), 1e-12)


# Runs exported scripts one after another in one fresh interpreter, each as `python script.py` would (run as
# __main__, its own globals, plots closed after it): importing torch and matplotlib took ~4.4 of a script's
# ~5.8 s of CPU, 23 times over. The scripts seed their own generators, so nothing carries from one to the next.
RUNNER = """
import contextlib, io, json, runpy, sys, traceback
results = {}
for path in sys.argv[1:]:
    out = io.StringIO()
    try:
        with contextlib.redirect_stdout(out):
            runpy.run_path(path, run_name="__main__")
        error = ""
    except BaseException:
        error = traceback.format_exc()
    if "matplotlib.pyplot" in sys.modules:
        sys.modules["matplotlib.pyplot"].close("all")
    results[path] = {"stdout": out.getvalue(), "error": error}
print(json.dumps(results))
"""


@pytest.fixture(scope="module")
def runs(tmp_path_factory) -> dict[str, dict]:
    """Every setup exported and run as a script in a fresh interpreter without scratchnet (two interpreters, half
    of the matrix each), beside the engine's own result for the same flags."""
    folder = tmp_path_factory.mktemp("export")
    csvs = _own_csvs(folder)
    setups: dict[str, tuple[list[str], Path]] = {}
    for i, (name, flags) in enumerate(MATRIX.items()):
        args, path = [a.format(**csvs) for a in flags], folder / f"run{i}.py"
        assert cli.main(["export", *args, "-o", str(path)]) == 0
        setups[name] = (args, path)
    paths = [path.name for _, path in setups.values()]
    halves = [subprocess.Popen([sys.executable, "-I", "-c", RUNNER, *paths[i::2]], cwd=folder, env=_clean_env(),
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True) for i in range(2)]
    ran: dict[str, dict] = {}
    for half in halves:
        stdout, stderr = half.communicate(timeout=240)
        assert half.returncode == 0, stderr[-2000:]
        ran |= json.loads(stdout.strip().splitlines()[-1])
    results = {}
    for name, (args, path) in setups.items():
        assert not ran[path.name]["error"], f"{name}: {ran[path.name]['error'][-2000:]}"
        results[name] = {"stdout": ran[path.name]["stdout"], "engine": _engine(args), "path": path, "args": args}
    return results


@pytest.mark.slow
@pytest.mark.parametrize("name", list(MATRIX))
def test_exported_script_reproduces_the_run(runs, name):
    run = runs[name]
    engine, stdout = run["engine"], run["stdout"]
    value = _final(stdout)
    assert _relative(value, engine["final_train_loss"]) <= REL_TOL, (value, engine["final_train_loss"])
    assert math.isfinite(value)
    epochs = [int(line.split()[1].split("/")[0]) for line in stdout.splitlines() if line.startswith("epoch ")]
    assert epochs[0] == 0
    if engine["stopped"] == "diverged":
        assert "training diverged" in stdout and f"going back to the network of epoch {engine['epochs']}" in stdout
    else:
        assert epochs[-1] == engine["epochs"], "the script stops where the engine stops"
    if engine["stopped"] == "target":
        assert "stopped: reached" in stdout and engine["epochs"] < engine["config"]["epochs"]


@pytest.mark.slow
def test_the_matrix_covers_what_it_says(runs):
    """Every activation, optimizer, loss, penalty, init, backprop and feature, mini-batches and
    full batch, one's own points, a target stop and a divergence are in the matrix."""
    configs = [r["engine"]["config"] for r in runs.values()]
    every = ("activation", "optimizer", "problem", "regularization", "init", "backprop", "norm", "schedule",
             "dataset")
    seen = {name: {str(c[name]) for c in configs} for name in every}
    for name in every:
        assert seen[name] == set(KNOBS[name].choices), (name, set(KNOBS[name].choices) - seen[name])
    assert {c["dropout"] > 0 for c in configs} == {True, False}
    assert {f for c in configs for f in c["features"]} == set(KNOBS["features"].choices)
    assert "custom" in seen["dataset"] and {c["batch_size"] for c in configs} >= {0, 1, 16}
    assert {r["engine"]["stopped"] for r in runs.values()} == {"epochs", "target", "diverged"}


@pytest.mark.slow
def test_exported_script_imports_torch_and_matplotlib_only(runs):
    for run in runs.values():
        tree = ast.parse(run["path"].read_text(encoding="utf-8"))
        imported = {alias.name for node in ast.walk(tree) if isinstance(node, ast.Import) for alias in node.names}
        imported |= {node.module for node in ast.walk(tree) if isinstance(node, ast.ImportFrom)}
        assert imported <= ALLOWED_IMPORTS, imported


@pytest.mark.slow
def test_exported_script_is_lint_clean(runs):
    """What a learner takes home passes the project's own linter (pycodestyle, pyflakes)."""
    paths = [str(r["path"]) for r in runs.values()]
    result = subprocess.run([sys.executable, "-m", "ruff", "check", "--no-cache", "--isolated", "--line-length",
                             "120", "--select", "E,F,W", *paths], capture_output=True, text=True)
    assert result.returncode == 0, result.stdout[-3000:]


@pytest.mark.slow
def test_own_points_are_embedded_exactly(runs):
    """The learner's points are in the script as data (float32 written to read back bit for bit)."""
    text = runs["own points, 3 named classes"]["path"].read_text(encoding="utf-8")
    assert "def blobs(" not in text and "x_train = torch.tensor([" in text
    scope: dict = {"torch": torch}
    start, end = text.index("x_train = torch.tensor(["), text.index("def features(")
    exec(text[start:end], scope)  # noqa: S102 — the exported data literals only
    source = editable_copy(make_dataset("blobs", n_points=90, noise=0.6, seed=5, classes=3))
    parsed = cli._points_from_args(cli.build_parser().parse_args(
        ["train", "--csv", runs["own points, 3 named classes"]["args"][1]]), Config())[1]
    for split in ("train", "test"):
        assert torch.equal(scope[f"x_{split}"], parsed.__getattribute__(f"x_{split}"))
        assert torch.equal(scope[f"y_{split}"], parsed.__getattribute__(f"y_{split}"))
    assert scope["x_train"].shape[0] + scope["x_test"].shape[0] == source.x_train.shape[0] + source.x_test.shape[0]


@pytest.mark.slow
def test_without_matplotlib_the_plots_are_skipped_with_a_note(runs):
    path = runs["default (circle, relu, sgd, full batch)"]["path"]
    code = ("import runpy, sys; sys.modules['matplotlib'] = None; sys.modules['matplotlib.pyplot'] = None; "
            f"runpy.run_path({path.name!r}, run_name='__main__')")
    result = subprocess.run([sys.executable, "-I", "-c", code], cwd=path.parent, env=_clean_env(),
                            capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr[-2000:]
    lines = result.stdout.strip().splitlines()
    assert lines[-2].startswith("decision boundary).") or "matplotlib is not installed" in result.stdout
    assert _final(result.stdout) == _final(runs["default (circle, relu, sgd, full batch)"]["stdout"])


@pytest.mark.slow
def test_with_matplotlib_both_plots_are_drawn(runs):
    path = runs["spiral 3 classes 8,8 tanh adam batch 32"]["path"]
    code = ("import runpy; import matplotlib.pyplot as plt; "
            f"runpy.run_path({path.name!r}, run_name='__main__'); "
            "axes = plt.gcf().axes; print('axes', len(axes), [a.get_title() for a in axes], "
            "len(axes[0].lines[0].get_xdata()), len(axes[1].collections))")
    result = subprocess.run([sys.executable, "-I", "-c", code], cwd=path.parent, env=_clean_env(),
                            capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr[-2000:]
    last = result.stdout.strip().splitlines()[-1]
    assert last.startswith("axes 2 ['Training loss', 'Decision boundary (predicted class)'] 200"), last


@pytest.fixture(scope="module")
def kernel(tmp_path_factory):
    """One Jupyter kernel for the notebooks (a kernel's start and its torch import were most of each test's time);
    each notebook starts from `%reset -f`, so none sees another's variables."""
    pytest.importorskip("nbclient")
    from jupyter_client.manager import start_new_kernel

    env = {**os.environ, "MPLBACKEND": "module://matplotlib_inline.backend_inline"}
    manager, client = start_new_kernel(kernel_name="python3", cwd=str(tmp_path_factory.mktemp("kernel")), env=env)
    client.stop_channels()
    yield manager
    manager.shutdown_kernel(now=True)


def _execute_notebook(path: Path, kernel) -> list[str]:
    """Run a notebook in a real kernel from a clean namespace; every line it printed, in order."""
    import nbclient
    import nbformat

    notebook = nbformat.read(path, as_version=4)
    nbformat.validate(notebook)
    notebook.cells.insert(0, nbformat.v4.new_code_cell("%reset -f"))
    nbclient.NotebookClient(notebook, km=kernel, timeout=240).execute()
    lines, images = [], 0
    for cell in notebook.cells:
        for output in cell.get("outputs", []):
            if output["output_type"] == "stream" and output["name"] == "stdout":
                lines += output["text"].splitlines()
            images += "image/png" in output.get("data", {})
    return lines + [f"images {images}"]


@pytest.mark.slow
@pytest.mark.parametrize("name", NOTEBOOKS)
def test_exported_notebook_reproduces_the_run_in_a_kernel(runs, kernel, name, tmp_path):
    run = runs[name]
    path = tmp_path / "run.ipynb"
    assert cli.main(["export", *run["args"], "--format", "ipynb", "-o", str(path)]) == 0
    lines = _execute_notebook(path, kernel)
    assert lines[-1] == "images 1", "the loss curve and the boundary, drawn inline as one figure"
    value = _final("\n".join(lines[:-1]))
    assert _relative(value, run["engine"]["final_train_loss"]) <= REL_TOL
    assert value == _final(run["stdout"]), "the notebook is the script, cell by cell"


# --- what the export refuses, in one sentence -----------------------------------------------------------------
def test_every_choice_of_every_knob_has_code():
    """A new choice in the config table without code here fails this test (and the export refuses it)."""
    for name, table in tutorial_code.CHOICE_TABLES.items():
        assert set(KNOBS[name].choices) <= set(table), name
    assert set(data._GENERATORS) <= set(data.DATASETS)
    for name in data._GENERATORS:
        source, function = script.data_code.generator_code(name)
        assert f"def {function}(" in source and "scratchnet" not in source
    for name, knob in KNOBS.items():
        assert knob.exportable, f"the export does not know the knob {name}"
        if knob.kind in ("choice", "set") and knob.group != "view":
            assert name in tutorial_code.CHOICE_TABLES or name in tutorial_code.OWN_CHECKS, name


def _sneaked(cfg: Config, **values) -> Config:
    """A config holding values the config table does not allow yet (as a newer engine's would)."""
    for name, value in values.items():
        object.__setattr__(cfg, name, value)
    return cfg


@pytest.mark.parametrize("knob, value, words", [
    ("activation", "mish", "activation “mish”"), ("optimizer", "lion", "optimizer “lion”"),
    ("regularization", "elastic", "regularization “elastic”"), ("features", ("x1", "cosx1"), "features “cosx1”"),
    ("backprop", "jax", "backprop “jax”"), ("problem", "ranking", "problem type “ranking”"),
    ("init", "orthogonal", "initialization “orthogonal”"), ("norm", "batch", "normalization “batch”"),
    ("schedule", "cyclic", "rate schedule “cyclic”")])
def test_an_unknown_value_is_refused_with_one_sentence(knob, value, words):
    with pytest.raises(NotExportable) as refused:
        script.script(_sneaked(Config(), **{knob: value}))
    message = str(refused.value)
    assert words in message and message.endswith("cannot write this run out exactly.")
    assert message.count(". ") == 0 and "\n" not in message, "one sentence"


def test_an_unknown_knob_is_refused_even_at_its_default(monkeypatch):
    cfg = _sneaked(Config(), label_smoothing=0.0)
    knob = Knob("label_smoothing", "float", 0.0, "Label smoothing", "Softer targets.", "training", low=0.0, high=0.5)
    monkeypatch.setitem(KNOBS, "label_smoothing", knob)
    with pytest.raises(NotExportable, match="does not know the setting “Label smoothing” \\(label_smoothing\\) yet"):
        script.script(cfg)


def test_an_unknown_dataset_or_a_generator_it_cannot_write_out_is_refused(monkeypatch):
    with pytest.raises(NotExportable, match="no generator for the dataset “swiss_roll”"):
        script.script(_sneaked(Config(), dataset="swiss_roll"))

    # a generator of data.py's that uses a module the script does not import
    source = "def _odd(n, noise, classes, g):\n    return dataclasses.fields(n)\n"
    _odd = types.FunctionType(compile(source, data.__file__, "exec").co_consts[0], vars(data), "_odd")
    _odd.__module__ = data.__name__
    monkeypatch.setattr(data, "_odd", _odd, raising=False)
    monkeypatch.setitem(data._GENERATORS, Config().dataset, _odd)
    with pytest.raises(NotExportable, match="cannot write out 'dataclasses'"):
        script.script(Config())


def test_the_command_line_refuses_with_the_sentence_and_status_2(monkeypatch, capsys, tmp_path):
    without_tanh = {name: a for name, a in activations.BY_NAME.items() if name != "tanh"}
    monkeypatch.setitem(tutorial_code.CHOICE_TABLES, "activation", without_tanh)
    target = tmp_path / "run.py"
    assert cli.main(["export", "--activation", "tanh", "-o", str(target)]) == 2
    err = capsys.readouterr().err
    assert "has no code for activation “tanh” yet" in err and err.count("\n") == 1
    assert not target.exists(), "nothing is written when the export refuses"


def test_command_line_export_flags(capsys, tmp_path):
    assert cli.main(["export", "--dataset", "xor", "--epochs", "5"]) == 0
    printed = capsys.readouterr().out
    assert printed.startswith('r"""xor (200 points') and printed.rstrip().endswith('print(f"final train loss: '
                                                                                   '{final_loss}")')
    notebook = tmp_path / "run.ipynb"
    assert cli.main(["export", "--epochs", "5", "-o", str(notebook)]) == 0       # the format from the extension
    assert json.loads(notebook.read_text(encoding="utf-8"))["nbformat"] == 4
    assert cli.main(["export", "--dataset", "custom"]) == 2
    assert "--dataset custom: must be given with --csv FILE" in capsys.readouterr().err
    assert cli.main(["export", "-o", str(tmp_path / "missing" / "run.py")]) == 2
    assert "--output" in capsys.readouterr().err
    assert cli.main(["export", "--format", "pdf"]) == 2
    assert cli.main(["export", "--json"]) == 2
    assert "unknown flag --json: export takes" in capsys.readouterr().err


def test_data_pys_constants_are_found_as_python_reads_them():
    """The written-out constants' lines come from `tokenize` (ast.parse is not thread-safe in CPython 3.11,
    and page runs ask at once): the same lines as Python's own parser finds."""
    import ast
    from pathlib import Path

    from scratchnet.data import datasets as data
    from scratchnet.export import data_code

    tree = ast.parse(Path(data.__file__).read_text(encoding="utf-8"))
    expected = {target.id: (node.lineno, node.end_lineno) for node in tree.body
                for target in (node.targets if isinstance(node, ast.Assign)
                               else [node.target] if isinstance(node, ast.AnnAssign) else [])
                if isinstance(target, ast.Name)}
    assert data_code._assignments() == expected and "_GAUSSIANS" in expected
