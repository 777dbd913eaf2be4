"""A run as code one can take home: a standalone script (.py) or notebook (.ipynb) in the tutorial's
style that imports torch (and matplotlib if it is there), never scratchnet, and reproduces the run.

It is assembled from tutorial_code.py (the network, loss, backward, optimizer: what Under the hood
shows) and data_code.py (the dataset's generator, or one's own points), plus the training loop of
`python -m scratchnet train`: same seeds, same data, same order of updates, same stops (epochs, a
target accuracy, divergence). Its last printed line is `final train loss: <value>`, the `train`
command's `final_train_loss`.
"""

from __future__ import annotations

import json
import textwrap
from dataclasses import dataclass

from scratchnet.config import CUSTOM, KNOBS, Config
from scratchnet.data.datasets import Dataset, dataset_for
from scratchnet.draw.palette import CLASS_COLORS
from scratchnet.export import data_code
from scratchnet.net import optim
from scratchnet.teach import tutorial_code
from scratchnet.teach.tutorial_code import NotExportable, aligned
from scratchnet.train.trainer import BLOWUP

FORMATS = ("py", "ipynb")
FINAL_LINE = "final train loss:"
TEXT_WIDTH = 100


@dataclass(frozen=True)
class Cell:
    """One cell of the notebook; a script is the cells one after the other (markdown as comments)."""

    kind: str           # "markdown" | "code"
    text: str


def default_every(cfg: Config) -> int:
    """How often the `train` command prints: about ten lines per run."""
    return max(1, cfg.epochs // 10)


def check(cfg: Config, data: Dataset | None = None) -> Dataset:
    """The points the export writes out; raises NotExportable (one sentence) if the run cannot be."""
    tutorial_code.check_exportable(cfg)
    if cfg.dataset == CUSTOM:
        if data is None:
            raise NotExportable("The run learns your own points: give them to the export (the app does; "
                                "the command line takes --csv FILE).")
        return data
    data_code.generator_code(cfg.dataset)             # refuses a generator it cannot write out
    return data if data is not None else dataset_for(cfg)


# --- the cells -------------------------------------------------------------------------------------------
def cells(cfg: Config, data: Dataset | None = None, every: int | None = None) -> list[Cell]:
    """The program, cell by cell (a script is these cells one after the other)."""
    data = check(cfg, data)
    every = default_every(cfg) if every is None else every
    n_train = int(data.x_train.shape[0])
    full_batch = cfg.batch_size == 0 or cfg.batch_size >= n_train
    backward = ([Cell("markdown", _BACKWARD_HAND), Cell("code", tutorial_code.backward(cfg))]
                if cfg.backprop == "hand" else [Cell("markdown", _BACKWARD_AUTOGRAD)])
    return [
        Cell("markdown", _title(cfg)),
        Cell("code", _settings(cfg, every, full_batch)),
        Cell("markdown", _DATA_OWN if cfg.dataset == CUSTOM else _DATA),
        Cell("code", data_code.data_code(cfg, data)),
        Cell("markdown", _PARAMETERS),
        Cell("code", tutorial_code.parameters(cfg)),
        *_helpers(cfg),
        Cell("markdown", _FORWARD),
        Cell("code", tutorial_code.forward(cfg)),
        Cell("markdown", _LOSS),
        Cell("code", tutorial_code.loss(cfg)),
        *backward,
        Cell("markdown", f"## The optimizer: {optim.BY_NAME[cfg.optimizer].title}, written out"
                         + ("" if cfg.schedule == "constant" else ", and the learning-rate schedule")),
        Cell("code", tutorial_code.joined([tutorial_code.optimizer(cfg), tutorial_code.learning_rate(cfg)])),
        Cell("markdown", _STEP),
        Cell("code", tutorial_code.train_step(cfg) + "\n\n" + _epoch(cfg, full_batch)),
        Cell("markdown", _TRAINING),
        Cell("code", _measure(cfg) + "\n\n" + _loop(cfg)),
        Cell("markdown", _PLOTS),
        Cell("code", _plots(cfg)),
    ]


def script(cfg: Config, data: Dataset | None = None, every: int | None = None) -> str:
    """The run as one Python file, in cells (`# %%`) that editors can also run one by one."""
    parts = []
    for i, cell in enumerate(cells(cfg, data, every)):
        if i == 0:
            text = _wrapped(cell.text.removeprefix("# ")).replace('"""', "'''")
            parts.append(f'r"""{text}\n"""\n')          # raw: the command line's backslashes stay as they are
        elif cell.kind == "markdown":
            lines = _wrapped(cell.text, TEXT_WIDTH - 2).splitlines()
            parts.append("# %% [markdown]\n" + "".join(f"# {line}".rstrip() + "\n" for line in lines))
        else:
            parts.append("# %%\n" + cell.text.rstrip("\n") + "\n")
    return "\n".join(parts)


def _wrapped(markdown: str, width: int = TEXT_WIDTH) -> str:
    """Paragraphs filled to `width`; indented (code) paragraphs kept as they are."""
    out = []
    for paragraph in markdown.split("\n\n"):
        if paragraph.startswith("    "):
            out.append(paragraph)
        else:
            out.append(textwrap.fill(paragraph, width, break_on_hyphens=False, break_long_words=False))
    return "\n\n".join(out)


def notebook(cfg: Config, data: Dataset | None = None, every: int | None = None) -> str:
    """The run as a Jupyter notebook (nbformat 4.5), unexecuted."""
    nb_cells = []
    for i, cell in enumerate(cells(cfg, data, every)):
        source = cell.text.rstrip("\n").splitlines(keepends=True)
        entry = {"cell_type": cell.kind, "id": f"cell-{i}", "metadata": {}, "source": source}
        if cell.kind == "code":
            entry |= {"execution_count": None, "outputs": []}
        nb_cells.append(entry)
    document = {"cells": nb_cells, "nbformat": 4, "nbformat_minor": 5,
                "metadata": {"kernelspec": {"display_name": "Python 3", "language": "python", "name": "python3"},
                             "language_info": {"name": "python"}}}
    return json.dumps(document, indent=1, ensure_ascii=False) + "\n"


def export(cfg: Config, data: Dataset | None = None, fmt: str = "py", every: int | None = None) -> str:
    if fmt not in FORMATS:
        raise ValueError(f"format must be one of {', '.join(FORMATS)}, not {fmt!r}")
    return script(cfg, data, every) if fmt == "py" else notebook(cfg, data, every)


# --- text ---------------------------------------------------------------------------------------------------
def command_line(cfg: Config) -> str:
    """The `train` command of the same run (every knob that shapes it, spelled as the CLI spells it)."""
    flags = []
    for name, knob in KNOBS.items():
        if knob.group == "view" or (cfg.dataset == CUSTOM and name in _DATA_KNOBS):
            continue
        value = knob.format(getattr(cfg, name))
        if knob.kind in ("ints", "set") and not value:
            value = "''"
        flags.append(f"--{name.replace('_', '-')} {value}")
    if cfg.dataset == CUSTOM:
        flags.insert(0, "--csv your-points.csv")
    lines, line = [], "python -m scratchnet train"
    for flag in flags:
        if len(line) + len(flag) > TEXT_WIDTH - 10:
            lines.append(line + " \\")
            line = "   "
        line += " " + flag
    return "\n    ".join([*lines, line])


_DATA_KNOBS = ("dataset", "classes", "n_points", "noise", "train_fraction", "seed")


def _title(cfg: Config) -> str:
    backprop = ("its gradients come from autograd (`loss.backward()`)" if cfg.backprop == "autograd"
                else "the backward pass is the chain rule written out")
    return (f"# {cfg.describe()}\n\n"
            "A ScratchNet Playground run written out as plain PyTorch, in the style of the tutorial "
            "“feedforward networks from scratch”: the weights and biases are tensors W1, b1, …; the forward "
            f"pass, the loss and the {optim.BY_NAME[cfg.optimizer].title} update are written "
            f"out, and {backprop}. It needs torch (and matplotlib for the plots).\n\n"
            "Same seeds, same data, same order of updates: it reproduces the run. Its last line, "
            f"`{FINAL_LINE} …`, is the final training loss that the app and\n\n"
            f"    {command_line(cfg)}\n\n"
            "report (`final_train_loss` with `--json`): the same number, since the script does the engine's "
            "arithmetic operation for operation.")


_DATA = ("## The data\n\nThe dataset's generator, exactly as the app runs it, with its own seeded random numbers; "
         "the same generator then shuffles the points into a training and a test set.")
_DATA_OWN = ("## The data\n\nYour own points, drawn or uploaded, exactly as they were in the app (float32 values "
             "written so that they read back bit for bit).")
_PARAMETERS = ("## The parameters: leaf tensors\n\nEach weight matrix is drawn at random and each bias starts at "
               "zero. `requires_grad_()` comes last, so every tensor we keep is a leaf: autograd can give it a "
               "`.grad`, and an update can change it in place.")
_FORWARD = ("## The forward pass\n\nEach layer is an affine map `H @ W + b` followed by the activation; the last "
            "layer has none.")
_LOSS = "## The loss"
_BACKWARD_HAND = ("## The backward pass, written out\n\nThe chain rule from the loss back to every parameter, "
                  "last layer first. Every gradient has the shape of what it differentiates.")
_BACKWARD_AUTOGRAD = ("## The backward pass\n\nThis run lets autograd compute the gradients: `loss.backward()` "
                      "in `train_step` below fills `.grad` of every leaf tensor.")
_STEP = ("## One training step and one epoch\n\nA step: forward, loss, gradients, update. An epoch: one pass "
         "over the training points.")
_TRAINING = ("## Training\n\nPrinted as `python -m scratchnet train` prints it. Training stops at the last epoch, "
             "at the target accuracy if there is one, or when the loss stops being a number (it diverged): then "
             "the network goes back to the newest one whose loss was still sane, as in the app.")
_PLOTS = "## The loss curve and the decision boundary"


def _helpers(cfg: Config) -> list[Cell]:
    code = tutorial_code.helpers(cfg)
    if not code:
        return []
    parts = [what for what, used in (("layer norm", tutorial_code.normed(cfg)),
                                     ("dropout", tutorial_code.dropped(cfg))) if used]
    text = {"layer norm": "Layer norm brings each point's values in a hidden layer to mean 0 and variance 1, "
                          "then scales and shifts them by learned gains and shifts.",
            "dropout": "Dropout switches hidden units off at random in every training step (inverted dropout: "
                       "the kept ones are scaled up, so evaluation needs no mask)."}
    return [Cell("markdown", f"## {' and '.join(parts).capitalize()}\n\n" + " ".join(text[p] for p in parts)),
            Cell("code", code)]


def _settings(cfg: Config, every: int, full_batch: bool) -> str:
    rows = [*data_code.settings(cfg),
            (f"INIT_SEED = {cfg.init_seed!r}", "the initial weights, the mini-batch order, the dropout masks"),
            *tutorial_code.hyperparameter_rows(cfg)]
    if not full_batch:
        rows.append((f"BATCH_SIZE = {cfg.batch_size!r}", "points per update"))
    rows.append((f"EPOCHS = {cfg.epochs!r}", "passes over the training points"))
    if _has_target(cfg):
        rows.append((f"TARGET_ACCURACY = {cfg.target_accuracy!r}", "stop once the training accuracy reaches it"))
    rows.append((f"PRINT_EVERY = {every!r}", "epochs between two printed lines"))
    tensor = "" if cfg.dataset == CUSTOM else "from torch import Tensor\n"          # the generator's type hints
    imports = ("import math\n\nimport torch\n" + tensor + "\n"
               + aligned([("torch.set_num_threads(1)", "as the app: one thread sums in one order, same numbers")])
               + "\n")
    return imports + aligned(rows)


def _has_target(cfg: Config) -> bool:
    return cfg.target_accuracy > 0 and cfg.is_classification


def _epoch(cfg: Config, full_batch: bool) -> str:
    if full_batch:
        return ('def train_epoch():\n'
                '    """One pass over the training points: one step on all of them (full batch)."""\n'
                '    return float(train_step(X_train, Y_train))\n')
    return (aligned([("shuffle_gen = torch.Generator().manual_seed(INIT_SEED)",
                      "the order of the mini-batches, seeded like the weights")])
            + "\n\n"
            'def train_epoch():\n'
            '    """One pass over the training points in shuffled mini-batches; returns their mean loss."""\n'
            "    n = len(X_train)\n"
            "    order = torch.randperm(n, generator=shuffle_gen)\n"
            "    total = 0.0\n"
            "    for batch in order.split(BATCH_SIZE):\n"
            "        loss = train_step(X_train[batch], Y_train[batch])\n"
            + aligned([("total = total + loss * (len(batch) / n)", "each batch weighs by its size")], "        ")
            + "    return float(total)\n")


def _measure(cfg: Config) -> str:
    name = tutorial_code.LOSS_CODE[cfg.problem].name
    accuracy = "(Z.argmax(dim=1) == y).double().mean().item()" if cfg.is_classification else "None"
    line = ('    print(f"epoch {epoch:>{len(str(EPOCHS))}}/{EPOCHS}  loss {train_loss:.4f}  test loss {test_loss:.4f}"'
            + ('\n          f"  train acc {train_acc:6.1%}  test acc {test_acc:6.1%}")\n' if cfg.is_classification
               else ")\n"))
    return ("@torch.no_grad()\n"
            "def measure(X, Y, y):\n"
            '    """The data loss (without a penalty, as the app reports it) and the accuracy on some points."""\n'
            "    Z, _ = forward(X)\n"
            f"    return {name}(Z, Y).item(), {accuracy}\n\n\n"
            "def report(epoch):\n"
            '    """Print the losses now, as `python -m scratchnet train` does."""\n'
            "    train_loss, train_acc = measure(X_train, Y_train, y_train)\n"
            "    test_loss, test_acc = measure(X_test, Y_test, y_test)\n"
            + line +
            "    return train_loss, test_loss\n")


def _loop(cfg: Config) -> str:
    target = ""
    if _has_target(cfg):
        target = ("    train_loss, train_acc = measure(X_train, Y_train, y_train)\n"
                  "    keep_if_sane(epoch, train_loss, measure(X_test, Y_test, y_test)[0])\n"
                  "    if train_acc >= TARGET_ACCURACY:\n"
                  "        report(epoch)\n"
                  '        print(f"stopped: reached {train_acc:.1%} training accuracy at epoch {epoch}.")\n'
                  "        break\n")
    return (
        aligned([("losses = []", "the training loss of every epoch, for the curve"),
                 ("kept, kept_epoch = [p.detach().clone() for p in params], 0", "where a divergence goes back to")])
        + "start_loss, _ = report(0)\n"
        + "# a loss above this is already running away: not worth going back to\n"
        + f"sane_loss = {BLOWUP!r} * max(start_loss, 1.0) if math.isfinite(start_loss) else math.inf\n"
        + "\n\n"
        "def keep_if_sane(epoch, train_loss, test_loss):\n"
        '    """Remember the network while its loss is a number and not running away."""\n'
        "    global kept, kept_epoch\n"
        "    if math.isfinite(train_loss) and math.isfinite(test_loss) and train_loss <= sane_loss:\n"
        "        kept, kept_epoch = [p.detach().clone() for p in params], epoch\n\n\n"
        "for epoch in range(1, EPOCHS + 1):\n"
        + ("    lr = learning_rate(epoch - 1)\n" if cfg.schedule != "constant" else "")
        + "    loss = train_epoch()\n"
        "    if not math.isfinite(loss):\n"
        '        print(f"stopped: the loss became {loss} at epoch {epoch}: training diverged. Try a learning rate "\n'
        '              f"about 10x smaller; going back to the network of epoch {kept_epoch}.")\n'
        "        with torch.no_grad():\n"
        "            for p, saved in zip(params, kept):\n"
        "                p.copy_(saved)\n"
        "        del losses[kept_epoch:]\n"
        "        break\n"
        "    losses.append(loss)\n"
        + target +
        "    if epoch % PRINT_EVERY == 0 or epoch == EPOCHS:\n"
        "        keep_if_sane(epoch, *report(epoch))\n")


def _plots(cfg: Config) -> str:
    k = cfg.n_classes
    if cfg.is_classification:
        colors = ", ".join(f'"{c}"' for c in CLASS_COLORS[:k])
        surface = (
            f"    colors = ListedColormap([{colors}])      # the app's class colours\n"
            "    predicted = Z.argmax(dim=1).reshape(g1.shape)\n"
            f"    ax_map.contourf(g1, g2, predicted, levels=torch.arange({k + 1}) - 0.5, cmap=colors, alpha=0.35)\n"
            f"    ax_map.scatter(x_train[:, 0], x_train[:, 1], c=y_train, cmap=colors, vmin=0, vmax={k - 1}, s=18,\n"
            '                   edgecolors="white", linewidths=0.5)\n'
            '    ax_map.set(title="Decision boundary (predicted class)", xlabel="x1", ylabel="x2")\n')
        imports = "    from matplotlib.colors import ListedColormap\n\n"
    else:
        surface = (
            "    predicted = Z.reshape(g1.shape)\n"
            '    shading = ax_map.contourf(g1, g2, predicted, levels=20, cmap="RdBu_r", alpha=0.6)\n'
            '    ax_map.scatter(x_train[:, 0], x_train[:, 1], c=y_train, cmap="RdBu_r", s=18, edgecolors="white",\n'
            "                   linewidths=0.5, vmin=float(predicted.min()), vmax=float(predicted.max()))\n"
            '    fig.colorbar(shading, ax=ax_map)\n'
            '    ax_map.set(title="Prediction", xlabel="x1", ylabel="x2")\n')
        imports = ""
    return (
        "try:\n"
        "    import matplotlib.pyplot as plt\n"
        "except ImportError:\n"
        "    plt = None\n\n"
        "final_loss, _ = measure(X_train, Y_train, y_train)\n"
        "if plt is None:\n"
        '    print("matplotlib is not installed, so no plots (pip install matplotlib for the loss curve and the "\n'
        '          "decision boundary).")\n'
        "else:\n"
        + imports +
        "    fig, (ax_loss, ax_map) = plt.subplots(1, 2, figsize=(11, 4.5))\n"
        "    ax_loss.plot(range(1, len(losses) + 1), losses)\n"
        '    ax_loss.set(title="Training loss", xlabel="epoch", ylabel="loss", yscale="log")\n'
        "    # the network's answer on a grid over the points (a square with a margin, as in the app)\n"
        "    points = torch.cat([x_train, x_test])\n"
        "    low, high = points.min(dim=0).values, points.max(dim=0).values\n"
        "    half = 0.6 * max(float((high - low).max()), 1.0)\n"
        "    (cx, cy) = ((low + high) / 2).tolist()\n"
        "    g1, g2 = torch.meshgrid(torch.linspace(cx - half, cx + half, 200),\n"
        '                            torch.linspace(cy - half, cy + half, 200), indexing="xy")\n'
        "    with torch.no_grad():\n"
        f"        Z, _ = forward(features(torch.stack([g1, g2], dim=-1)).reshape(-1, {len(cfg.features)}))\n"
        + surface +
        "    plt.tight_layout()\n"
        "    plt.show()\n\n"
        f'print(f"{FINAL_LINE} {{final_loss}}")\n')


__all__ = ["FORMATS", "NotExportable", "cells", "check", "export", "notebook", "script"]
