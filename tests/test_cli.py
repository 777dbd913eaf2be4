"""The command line: `python -m scratchnet train|gradcheck`, success and every kind of bad argument."""

from __future__ import annotations

import dataclasses
import json
import math
import re
import subprocess
import sys
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from scratchnet import cli
from scratchnet.cli import main
from scratchnet.config import ACTIVATIONS, KNOBS, OPTIMIZERS, Config
from scratchnet.data.datasets import config_for_points
from scratchnet.data.points_csv import points_from_csv
from scratchnet.net import activations
from scratchnet.teach.gradcheck import full_check
from scratchnet.train.trainer import Trainer

ROOT = Path(__file__).resolve().parents[1]
RESULT_KEYS = {"config", "final_train_loss", "final_test_loss", "train_accuracy", "test_accuracy",
               "epochs_per_second"}


def run(capsys, *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


# ----------------------------------------------------------------------------- train

def test_the_readme_command_trains_the_tutorials_network(capsys):
    code, out, err = run(capsys, "train", "--dataset", "moons", "--hidden", "10", "--lr", "0.07", "--epochs", "300",
                         "--noise", "0.22", "--seed", "42")
    assert code == 0 and err == ""
    lines = out.splitlines()
    assert lines[0] == ("scratchnet: moons (200 points, noise 0.22) · 2-10-2 relu · sgd lr=0.07 · full batch"
                        " · 300 epochs")
    progress = [line for line in lines if line.startswith("epoch ")]
    assert [int(re.match(r"epoch +(\d+)/300", p).group(1)) for p in progress] == list(range(0, 301, 30))
    losses = [float(re.search(r"loss (\d+\.\d+)", p).group(1)) for p in progress]
    assert losses[-1] < losses[0]
    final = lines[-1]
    match = re.fullmatch(r"final: train loss (\S+), test loss (\S+), train accuracy (\S+)%, "
                         r"test accuracy (\S+)% \(([\d,]+) epochs/s\)", final)
    assert match, final
    assert float(match.group(3)) > 90 and float(match.group(4)) > 85
    assert int(match.group(5).replace(",", "")) > 0


def test_json_is_one_object_with_the_config_and_results(capsys):
    code, out, err = run(capsys, "train", "--dataset", "spiral", "--layers", "8,8", "--activation", "tanh",
                         "--optimizer", "adam", "--lr", "0.01", "--epochs", "40", "--batch-size", "16", "--json")
    assert code == 0 and err == ""
    assert len(out.strip().splitlines()) == 1
    result = json.loads(out)
    assert RESULT_KEYS <= set(result)
    cfg = result["config"]
    assert (cfg["dataset"], cfg["hidden"], cfg["activation"], cfg["optimizer"], cfg["lr"], cfg["batch_size"],
            cfg["epochs"]) == ("spiral", [8, 8], "tanh", "adam", 0.01, 16, 40)
    assert Config(**{k: tuple(v) if isinstance(v, list) else v for k, v in cfg.items()}) == Config(
        dataset="spiral", hidden=(8, 8), activation="tanh", optimizer="adam", lr=0.01, epochs=40, batch_size=16)
    assert result["epochs"] == 40 and result["stopped"] == "epochs"
    for key in ("final_train_loss", "final_test_loss", "epochs_per_second"):
        assert isinstance(result[key], float) and math.isfinite(result[key]) and result[key] > 0
    assert 0 <= result["train_accuracy"] <= 1 and 0 <= result["test_accuracy"] <= 1


@pytest.mark.parametrize("backprop", ["hand", "autograd"])
def test_backprop_flag(capsys, backprop):
    code, out, _ = run(capsys, "train", "--epochs", "30", "--backprop", backprop, "--json")
    assert code == 0
    result = json.loads(out)
    assert result["config"]["backprop"] == backprop
    assert result["final_train_loss"] == pytest.approx(0.26, abs=0.2)


def test_hand_and_autograd_flags_train_the_same_network(capsys):
    outs = []
    for backprop in ("hand", "autograd"):
        _, out, _ = run(capsys, "train", "--epochs", "30", "--backprop", backprop, "--json", "--layers", "6,6")
        outs.append(json.loads(out))
    assert outs[0]["final_train_loss"] == pytest.approx(outs[1]["final_train_loss"], rel=1e-4)


def test_regression_and_multiclass_from_the_command_line(capsys):
    code, out, _ = run(capsys, "train", "--problem", "regression", "--epochs", "20", "--lr", "0.01", "--json")
    assert code == 0
    result = json.loads(out)
    assert result["config"]["dataset"] == "plane" and result["train_accuracy"] is None
    code, out, _ = run(capsys, "train", "--dataset", "blobs", "--classes", "5", "--epochs", "20", "--json")
    assert code == 0 and json.loads(out)["config"]["classes"] == 5


def test_every_and_seed(capsys):
    code, out, _ = run(capsys, "train", "--epochs", "10", "--every", "5", "--seed", "7")
    assert code == 0
    assert [line.split()[1] for line in out.splitlines() if line.startswith("epoch")] == ["0/10", "5/10", "10/10"]
    runs = {}
    for flags in (("--seed", "7"), ("--seed", "8"), ("--seed", "7", "--init-seed", "8")):
        _, out, _ = run(capsys, "train", "--epochs", "10", *flags, "--json")
        runs[flags] = json.loads(out)
    data_seed, other_data, other_weights = runs.values()
    # --seed seeds the data only, as ?seed= in a link and the Data seed slider do; --init-seed the weights
    assert (data_seed["config"]["seed"], data_seed["config"]["init_seed"]) == (7, KNOBS["init_seed"].default)
    assert (other_data["config"]["seed"], other_data["config"]["init_seed"]) == (8, KNOBS["init_seed"].default)
    assert (other_weights["config"]["seed"], other_weights["config"]["init_seed"]) == (7, 8)
    assert Config(**{k: tuple(v) if isinstance(v, list) else v for k, v in data_seed["config"].items()}) == \
        Config(seed=7, epochs=10)
    losses = {run["initial_train_loss"] for run in runs.values()}
    assert len(losses) == 3                                         # other points, or other weights: other runs


def test_csv_trains_on_the_files_points_split_by_the_seed(capsys, tmp_path):
    path = tmp_path / "points.csv"
    path.write_text("x1,x2,label\n" + "".join(f"{i / 10},{(i % 7) / 3},{'cat dog eel'.split()[i % 3]}\n"
                                               for i in range(40)))
    code, out, err = run(capsys, "train", "--csv", str(path), "--epochs", "5", "--train-fraction", "0.5",
                         "--json")
    assert code == 0 and err == ""
    result = json.loads(out)
    assert (result["config"]["dataset"], result["config"]["classes"], result["config"]["problem"]) == (
        "custom", 3, "classification")
    parsed, data = points_from_csv(path.read_bytes(), Config(train_fraction=0.5))
    cfg = config_for_points(Config(train_fraction=0.5, epochs=5), data)
    assert (cfg.dataset, cfg.classes) == ("custom", 3) and parsed.class_names == ("cat", "dog", "eel")
    trainer = Trainer(cfg, data)
    trainer.advance(5)
    assert result["final_train_loss"] == trainer.snapshot().train_loss      # the same points, the same run
    _, other, _ = run(capsys, "train", "--csv", str(path), "--epochs", "5", "--train-fraction", "0.5",
                      "--seed", "3", "--json")
    assert json.loads(other)["final_train_loss"] != result["final_train_loss"]  # --seed re-splits the file


def test_csv_problems_are_one_line(capsys, tmp_path):
    path = tmp_path / "bad.csv"
    path.write_text("x1,x2,label\n1,2,a\n")
    code, out, err = run(capsys, "train", "--csv", str(path))
    assert code == 2 and out == "" and err.count("\n") == 1 and "only 1 data row" in err
    code, _, err = run(capsys, "train", "--csv", str(tmp_path / "missing.csv"))
    assert code == 2 and "a file you can read" in err
    code, _, err = run(capsys, "train", "--dataset", "custom")
    assert code == 2 and "--csv FILE" in err


def test_divergence_is_reported_not_crashed(capsys):
    code, out, err = run(capsys, "train", "--dataset", "xor", "--lr", "5", "--epochs", "500", "--json")
    assert code == 0 and err == ""
    result = json.loads(out)
    assert result["stopped"] == "diverged" and "diverged" in result["message"]
    assert math.isfinite(result["final_train_loss"])
    code, out, _ = run(capsys, "train", "--dataset", "xor", "--lr", "5", "--epochs", "500")
    assert "stopped: The loss became" in out and out.splitlines()[-1].startswith("final:")


def test_html_writes_a_self_contained_page(capsys, tmp_path):
    target = tmp_path / "run.html"
    code, out, err = run(capsys, "train", "--dataset", "xor", "--epochs", "20", "--html", str(target))
    assert code == 0 and err == "" and out.splitlines()[-1].startswith("final:")
    page = target.read_text(encoding="utf-8")
    assert page.startswith("<!doctype html>") and page.rstrip().endswith("</html>")
    assert page.count("Plotly.newPlot") == 2                       # boundary and loss
    assert not re.search(r"<script[^>]*\bsrc=", page)              # plotly.js inlined: opens offline
    assert len(page) > 1_000_000
    code, out, _ = run(capsys, "train", "--epochs", "5", "--html", str(target), "--json")
    assert json.loads(out)["html"] == str(target)


# ----------------------------------------------------------------------------- gradcheck

@pytest.mark.slow
def test_gradcheck_prints_the_table_and_exits_0(capsys):
    code, out, err = run(capsys, "gradcheck")
    assert code == 0 and err == ""
    lines = out.splitlines()
    assert "|hand-auto|" in lines[0] and "|hand-fd|" in lines[0]
    rows = [line for line in lines[2:-1]]
    # per activation × loss × penalty: depth 0 plain (W1, b1); depths 1-3 plain and layer-normed
    # (γ, β per hidden layer too), each without dropout and with a fixed mask of rate 0.5
    plain = [2 * (d + 1) for d in (1, 2, 3)]
    normed = [2 * (d + 1) + 2 * d for d in (1, 2, 3)]
    per_combination = 2 + 2 * sum(plain) + 2 * sum(normed)
    assert per_combination == 98
    assert len(rows) == len(ACTIVATIONS) * 2 * 3 * per_combination and all(r.endswith("yes") for r in rows)
    cases = len(ACTIVATIONS) * 2 * 3 * (1 + 3 * 4)
    assert re.fullmatch(rf"{len(rows)}/{len(rows)} parameter gradients of {cases} cases agree \(worst "
                        r"\|hand-autograd\| \S+, worst \|hand-finite difference\| \S+\)", lines[-1])
    for activation in ACTIVATIONS:                       # every activation has its own rows
        assert sum(r.startswith(f"{activation} · ") for r in rows) == 2 * 3 * per_combination
    assert any("· layer norm · dropout 0.5" in r and " γ3 " in r for r in rows)


@pytest.mark.slow
@pytest.mark.parametrize(("flags", "cases", "rows"), [
    (["--activation", "gelu", "--norm", "layer", "--dropout", "0.3", "--problem", "regression"],
     3 * 3, 3 * (6 + 10 + 14)),
    (["--activation", "sine", "--regularization", "l2", "--norm", "none"], 2 * (1 + 3 * 2), 2 * (2 + 2 * (4 + 6 + 8))),
    (["--dropout", "0"], 10 * 2 * 3 * (1 + 3 * 2), 10 * 2 * 3 * (2 + 4 + 6 + 8 + 6 + 10 + 14)),
])
def test_gradcheck_flags_narrow_the_check(capsys, flags, cases, rows):
    code, out, err = run(capsys, "gradcheck", *flags, "--quiet")
    assert code == 0 and err == ""
    assert out.startswith(f"{rows}/{rows} parameter gradients of {cases} cases agree"), out


def test_gradcheck_exits_1_when_a_derivative_is_wrong(capsys, monkeypatch):
    """A real disagreement, not a doctored row: GELU's derivative off by 1 %."""
    def wrong(dh, z, h):
        return activations.GELU.grad(dh, z, h) * 1.01

    monkeypatch.setitem(activations.BY_NAME, "gelu", dataclasses.replace(activations.GELU, grad=wrong))
    code, out, err = run(capsys, "gradcheck", "--activation", "gelu", "--problem", "classification",
                         "--regularization", "none", "--quiet")
    assert code == 1
    assert "NO" in err and "gelu · cross-entropy · none · depth 1" in err
    code, _, _ = run(capsys, "gradcheck", "--activation", "elu", "--quiet")
    assert code == 0


def test_gradcheck_quiet_and_failure(capsys, monkeypatch):
    small = full_check(depths=(0,))
    monkeypatch.setattr(cli, "full_check", lambda: small)
    code, out, _ = run(capsys, "gradcheck", "--quiet")
    assert code == 0 and len(out.splitlines()) == 1 and out.startswith(f"{len(small)}/{len(small)}")
    broken = [type(r)(**{**r.__dict__, "autograd_abs": 1.0, "autograd_rel": 1.0}) if i == 3 else r
              for i, r in enumerate(small)]
    monkeypatch.setattr(cli, "full_check", lambda: broken)
    code, out, err = run(capsys, "gradcheck", "--quiet")
    assert code == 1
    assert out.startswith(f"{len(small) - 1}/{len(small)}") and "NO" in err


# ----------------------------------------------------------------------------- bad arguments

BAD = [
    # (argv, words the one line must contain)
    ([], ["command", "train", "gradcheck"]),
    (["fit"], ["fit", "train", "gradcheck"]),
    (["train", "--lr", "100"], ["--lr 100", "from 1e-05 to 10"]),
    (["train", "--lr", "-0.1"], ["--lr -0.1", "from 1e-05 to 10"]),
    (["train", "--lr", "fast"], ["--lr fast", "a number from 1e-05 to 10"]),
    (["train", "--lr", "nan"], ["--lr nan", "a number"]),
    (["train", "--lr", "inf"], ["--lr inf", "a number"]),
    (["train", "--lr=1e999"], ["--lr 1e999", "a number"]),
    (["train", "--lr", ""], ["--lr ''", "a number"]),
    (["train", "--epochs", "2.5"], ["--epochs 2.5", "a whole number from 1 to 1000000"]),
    (["train", "--epochs", "0"], ["--epochs 0", "from 1 to 1000000"]),
    (["train", "--epochs", "9" * 400], ["--epochs 999", "from 1 to 1000000"]),
    (["train", "--seed", "-1"], ["--seed -1", "from 0 to 2147483647"]),
    (["train", "--n-points", "5"], ["--n-points 5", "from 10 to 5000"]),
    (["train", "--noise", "2"], ["--noise 2", "from 0 to 1"]),
    (["train", "--batch-size", "-1"], ["--batch-size -1", "from 0 to 5000"]),
    (["train", "--hidden", "10,x"], ["--hidden 10,x", "each from 1 to 128"]),
    (["train", "--layers", "8,8,8,8,8,8,8,8,8"], ["8,8,8", "up to 8"]),
    (["train", "--layers", "200"], ["200", "each from 1 to 128"]),
    (["train", "--activation", "swish"], ["--activation swish", ", ".join(ACTIVATIONS)]),
    (["train", "--optimizer", "lbfgs"], ["--optimizer lbfgs", ", ".join(OPTIMIZERS)]),
    (["train", "--norm", "batch"], ["--norm batch", "one of none, layer"]),
    (["train", "--schedule", "linear"], ["--schedule linear", "one of constant, step, cosine, warmup"]),
    (["train", "--dropout", "1"], ["--dropout 1", "a number from 0 to 0.9"]),
    (["train", "--dropout", "half"], ["--dropout half", "a number from 0 to 0.9"]),
    (["train", "--dropout"], ["--dropout needs a value", "a number from 0 to 0.9"]),
    (["train", "--weight-decay", "-0.1"], ["--weight-decay -0.1", "a number from 0 to 1"]),
    (["train", "--dataset", "rings", "--classes", "9"], ["--classes 9", "from 2 to 8"]),
    (["train", "--dataset", "stripes", "--classes", "3"], ["--classes 3", "blobs, spiral, rings or custom"]),
    (["gradcheck", "--activation", "swish"], ["--activation swish", ", ".join(ACTIVATIONS)]),
    (["gradcheck", "--dropout", "0.95"], ["--dropout 0.95", "a number from 0 to 0.9"]),
    (["gradcheck", "--norm", "batch"], ["--norm batch", "one of none, layer"]),
    (["gradcheck", "--problem", "ranking"], ["--problem ranking", "classification, regression"]),
    (["gradcheck", "--lr", "0.1"], ["unknown flag --lr", "--activation", "--dropout", "--quiet"]),
    (["train", "--backprop", "magic"], ["--backprop magic", "hand, autograd"]),
    (["train", "--dataset", "iris"], ["--dataset iris", "moons"]),
    (["train", "--features", "x1,x9"], ["--features x1,x9", "x1sq"]),
    (["train", "--dataset", "moons", "--classes", "3"], ["--classes 3", "blobs, spiral, rings or custom"]),
    (["train", "--problem", "regression", "--dataset", "xor"], ["--dataset xor", "plane, multigauss"]),
    (["train", "--every", "0"], ["--every 0", "at least 1"]),
    (["train", "--every", "often"], ["--every often", "at least 1"]),
    (["train", "--lr"], ["--lr", "a number from 1e-05 to 10"]),
    (["train", "--layers"], ["--layers", "comma-separated"]),
    (["train", "--colour", "red"], ["--colour", "--lr", "--epochs"]),
    (["train", "--lr", "0.1", "extra"], ["extra", "--lr"]),
    (["gradcheck", "--fast"], ["--fast", "--quiet"]),
    (["train", "--html", ""], ["--html ''", "file path"]),
    (["train", "--html", "/no/such/folder/run.html"], ["/no/such/folder/run.html", "existing folder"]),
    (["train", "--html", "/"], ["--html /", "not a directory"]),
    (["train", "--lr", "1\n2"], ["--lr '1\\n2'", "a number"]),
]


@pytest.mark.parametrize(("argv", "words"), BAD, ids=[" ".join(a) or "(nothing)" for a, _ in BAD])
def test_bad_arguments_give_one_line_and_status_2(capsys, argv, words):
    code, out, err = run(capsys, *argv)
    assert code == 2
    assert out == ""                                    # nothing trained, nothing half-printed
    assert err.endswith("\n") and err.count("\n") == 1, err
    assert err.startswith("python -m scratchnet: error: ")
    assert "Traceback" not in err
    for word in words:
        assert word in err, (word, err)


class _Validated(Exception):
    """Raised instead of training: the arguments got through validation."""


FLAGS = [f"--{name.replace('_', '-')}" for name, knob in KNOBS.items() if knob.group != "view"] + [
    "--layers", "--every", "--html", "--json", "--csv", "--colour", "-x", "--"]
VALUES = st.one_of(st.sampled_from(["", " ", "nan", "inf", "-inf", "1e400", "-1", "0", "1", "0.5", "2.5", "8,8",
                                    "x1,x2", "relu", "adam", "hand", "moons", "blobs", "plane", "\n", "9" * 50, "-",
                                    "--lr", "/", "/no/such/dir/f.html", "é", "1,2,3,4,5,6,7,8,9"]),
                   st.text(max_size=12), st.integers(-10**6, 10**7).map(str), st.floats().map(repr))


@settings(max_examples=250, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(pairs=st.lists(st.tuples(st.sampled_from(FLAGS), VALUES), max_size=5),
       command=st.sampled_from(["train", "train", "train", "gradcheck", "", "fit"]))
def test_any_command_line_validates_or_fails_in_one_line(monkeypatch, capsys, pairs, command):
    """Fuzzed arguments: either they pass validation (and training would start) or the CLI
    prints exactly one error line and returns 2 — never a traceback, never another status."""
    def refuse(*args, **kwargs):
        raise _Validated

    monkeypatch.setattr(cli, "Trainer", refuse)
    monkeypatch.setattr(cli, "full_check", refuse)
    argv = ([command] if command else []) + [item for pair in pairs for item in pair]
    try:
        code = main(argv)
    except _Validated:
        capsys.readouterr()
        return
    out, err = capsys.readouterr()
    if code == 0:          # --help
        assert "usage" in out
        return
    assert code == 2, (argv, code, err)
    assert err.count("\n") == 1 and err.startswith("python -m scratchnet: error: "), (argv, err)
    assert "Traceback" not in err


def test_every_train_flag_comes_from_the_knob_table():
    parser = cli.build_parser()
    train = parser._subparsers._group_actions[0].choices["train"]
    flags = {opt for action in train._actions for opt in action.option_strings}
    for name, knob in KNOBS.items():
        assert (f"--{name.replace('_', '-')}" in flags) == (knob.group != "view"), name
    assert {"--layers", "--every", "--json", "--html"} <= flags


def test_unwritable_html_after_training_is_one_line(capsys, tmp_path, monkeypatch):
    def refuse(trainer, path):
        raise PermissionError(13, "Permission denied", path)

    monkeypatch.setattr(cli, "write_html", refuse)
    code, _, err = run(capsys, "train", "--epochs", "3", "--html", str(tmp_path / "x.html"))
    assert code == 2 and err.count("\n") == 1 and "Permission denied" in err and "Traceback" not in err


def test_help_exits_0(capsys):
    code, out, _ = run(capsys, "train", "--help")
    assert code == 0 and "--layers" in out and "--backprop" in out
    for flag in ("--norm", "--dropout", "--schedule", "--weight-decay"):
        assert flag in out
    assert "25% of them" in out and "first 10%" in out          # the schedule's help, % and all
    code, out, _ = run(capsys, "gradcheck", "--help")
    assert code == 0
    for flag in ("--activation", "--problem", "--regularization", "--norm", "--dropout", "--quiet"):
        assert flag in out
    assert "default all of them" in out and "default 0 and 0.5" in out


NEW_SETTINGS = ([["--activation", a] for a in ("leaky_relu", "elu", "gelu", "silu", "softplus", "sine")]
                + [["--optimizer", o] for o in ("rmsprop", "nesterov", "adamw")]
                + [["--optimizer", "adamw", "--weight-decay", "0.1"], ["--dropout", "0.3"], ["--norm", "layer"]]
                + [["--schedule", s] for s in ("constant", "step", "cosine", "warmup")]
                + [["--dataset", d] for d in ("checkerboard", "stripes", "rings")]
                + [["--dataset", "rings", "--classes", "4"]])


@pytest.mark.parametrize("flags", NEW_SETTINGS, ids=[" ".join(f) for f in NEW_SETTINGS])
def test_every_new_setting_trains_from_the_command_line(capsys, flags):
    code, out, err = run(capsys, "train", *flags, "--epochs", "30", "--hidden", "8", "--json")
    assert code == 0 and err == ""
    result = json.loads(out)
    given = dict(zip(flags[0::2], flags[1::2]))
    for flag, value in given.items():
        knob = KNOBS[flag[2:].replace("-", "_")]
        assert result["config"][knob.name] == knob.parse(value)
    assert result["epochs"] == 30 and math.isfinite(result["final_train_loss"])
    assert result["final_train_loss"] < result["initial_train_loss"]


def test_the_first_line_names_the_new_settings(capsys):
    code, out, _ = run(capsys, "train", "--activation", "gelu", "--norm", "layer", "--dropout", "0.2",
                       "--optimizer", "adamw", "--schedule", "cosine", "--epochs", "10")
    assert code == 0
    assert out.splitlines()[0] == ("scratchnet: circle (200 points, noise 0.22) · 2-10-2 gelu layer-norm dropout=0.2 "
                                   "· adamw wd=0.01 lr=0.1 (cosine) · full batch · 10 epochs")


# ----------------------------------------------------------------------------- a real process

@pytest.mark.slow
def test_python_dash_m_scratchnet():
    """One real process (torch's import makes each ~2 s): `sys.exit(main())` carries the status."""
    ok = subprocess.run([sys.executable, "-m", "scratchnet", "train", "--epochs", "10", "--json"], cwd=ROOT,
                        capture_output=True, text=True, timeout=120, check=False)
    assert ok.returncode == 0, ok.stderr
    assert RESULT_KEYS <= set(json.loads(ok.stdout))
    assert ok.stderr == ""
