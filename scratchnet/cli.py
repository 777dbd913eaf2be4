"""`python -m scratchnet train|export|gradcheck`: the engine from a terminal.

`export` takes the flags of `train` and writes that run as a standalone script or notebook.
Every `train` flag, and `gradcheck`'s flags that pick what to check, are generated from the
config's knob table, so the CLI accepts exactly what the app's sliders and links accept, with the
same bounds and messages. A bad value prints one line naming it and what is allowed, and exits
with status 2.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import re
import sys
import time
from collections.abc import Sequence
from pathlib import Path

import torch

from scratchnet.config import CUSTOM, KNOBS, Config, ConfigError, from_mapping, show_value
from scratchnet.data.datasets import Dataset, config_for_points
from scratchnet.data.number_text import finite_or_none
from scratchnet.data.points_csv import points_from_csv
from scratchnet.data.uploads import DataError
from scratchnet.export.html import figures_html, run_figures
from scratchnet.export.script import FORMATS, export
from scratchnet.teach.gradcheck import DROPOUTS, format_table, full_check
from scratchnet.teach.tutorial_code import NotExportable
from scratchnet.train.trainer import Trainer

EXIT_USAGE = 2


class UsageError(Exception):
    """A bad command line: `str()` is the one line printed before exiting with status 2."""


class _Parser(argparse.ArgumentParser):
    """argparse, but a usage error is one line that says what is allowed (exit status 2)."""

    def error(self, message: str) -> None:  # type: ignore[override]
        raise UsageError(_explain(self, message))


def _explain(parser: argparse.ArgumentParser, message: str) -> str:
    """argparse's terse messages, completed with what would have been accepted."""
    if message.startswith("the following arguments are required: command"):
        return f"a command is needed: {' or '.join(COMMANDS)} (python -m scratchnet train --help)"
    missing = re.fullmatch(r"argument (-[-\w]+)(?:/\S+)?: expected one argument", message)
    if missing:
        flag = missing.group(1)
        return f"{flag} needs a value: {_FLAG_HELP.get(flag) or _knob_allowed(flag)}"
    return message


def _knob_allowed(flag: str) -> str:
    knob = KNOBS.get(flag.lstrip("-").replace("-", "_"))
    return knob.allowed() if knob else "see --help"


COMMANDS = ("train", "export", "gradcheck")
_FLAG_HELP = {"--layers": KNOBS["hidden"].allowed(), "--every": "a whole number of at least 1",
              "--html": "a file path to write the page to", "--csv": "a CSV file with columns x1, x2, label",
              "-o": "a file path to write the code to", "--output": "a file path to write the code to",
              "--format": "py or ipynb"}


def _flag(name: str) -> str:
    return "--" + name.replace("_", "-")


# What `gradcheck` can narrow down to, and the full check's keyword for each (all values by default).
GRADCHECK_KNOBS = {"activation": "activations", "problem": "problems", "regularization": "regularizations",
                   "norm": "norms", "dropout": "dropouts"}


def _gradcheck_default(name: str) -> str:
    return "all of them" if KNOBS[name].kind == "choice" else " and ".join(f"{v:g}" for v in DROPOUTS)


def _knob_argument(parser: argparse.ArgumentParser, name: str, default_text: str) -> None:
    knob = KNOBS[name]
    text = f"{knob.help} ({knob.allowed()}; default {default_text})"
    parser.add_argument(_flag(name), dest=name, metavar=knob.kind.upper(),
                        help=text.replace("%", "%%"))          # argparse formats help with %


def _add_run_flags(command: argparse.ArgumentParser) -> None:
    """The flags that say which run: one per knob of the table, plus --layers, --every and --csv."""
    for name, knob in KNOBS.items():
        if knob.group != "view":
            _knob_argument(command, name, knob.format(knob.default))
    command.add_argument("--layers", dest="hidden", metavar="INTS",
                         help="several hidden layers at once, e.g. 8,8 (same as --hidden 8,8)")
    command.add_argument("--every", default=None, metavar="N",
                         help="print the loss every N epochs (default: about 10 lines per run)")
    command.add_argument("--csv", metavar="FILE",
                         help="train on your own points: a CSV with columns x1, x2, label (a class name or "
                              "number, or a target value with --problem regression)")


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="python -m scratchnet", description="A neural network from scratch, in tensors.")
    commands = parser.add_subparsers(dest="command", required=True, parser_class=_Parser)

    train = commands.add_parser("train", help="train one network and print its progress")
    _add_run_flags(train)
    train.add_argument("--json", action="store_true", help="print one JSON object with the result")
    train.add_argument("--html", metavar="FILE", help="write the loss and boundary figures to FILE")

    export_command = commands.add_parser("export", help="write the run as a standalone script or notebook in the "
                                                        "tutorial's style (plain PyTorch, no scratchnet)")
    _add_run_flags(export_command)
    export_command.add_argument("--format", choices=FORMATS, default=None,
                                help="py (a script) or ipynb (a notebook); default: from -o's extension, else py")
    export_command.add_argument("-o", "--output", metavar="FILE", default=None,
                                help="the file to write (default: print to the terminal)")

    check = commands.add_parser("gradcheck", help="hand-written backward vs autograd vs finite differences",
                                description="Checks every combination of the values below (each flag given "
                                            "narrows it to one value) at 0 to 3 hidden layers; exits with "
                                            "status 1 if any gradient disagrees. --problem picks the loss: "
                                            "cross-entropy for classification, MSE for regression.")
    for name in GRADCHECK_KNOBS:
        _knob_argument(check, name, _gradcheck_default(name))
    check.add_argument("--quiet", action="store_true", help="print only the summary line")
    return parser


def config_from_args(args: argparse.Namespace) -> Config:
    """The flags given, validated by the config. Each flag means what its knob means in the
    app and in a link: --seed seeds the data, --init-seed the weights."""
    given = {name: getattr(args, name) for name in KNOBS if getattr(args, name, None) is not None}
    setup, _ = from_mapping(given, strict=True)
    return setup.config


def _every(text: str | None, epochs: int) -> int:
    """--every N: how often to print; by default about ten lines per run."""
    if text is None:
        return max(1, epochs // 10)
    try:
        every = float(text)
    except ValueError:
        every = math.nan
    if not (math.isfinite(every) and every.is_integer() and every >= 1):
        raise ConfigError("every", text, _FLAG_HELP["--every"])
    return int(every)


def check_writable(path: str | None, flag: str = "html") -> None:
    """Refuse an output path that cannot be written before the work, not after."""
    if path is None:
        return
    target = Path(path)
    if not path.strip():
        raise ConfigError(flag, path, _FLAG_HELP["--" + flag])
    if target.is_dir():
        raise ConfigError(flag, path, "a file path, not a directory")
    folder = target.parent
    if not folder.is_dir():
        raise ConfigError(flag, path, f"a file in an existing folder ({show_value(str(folder))} does not exist)")
    if not os.access(folder, os.W_OK) or (target.exists() and not os.access(target, os.W_OK)):
        raise ConfigError(flag, path, "a file path you can write to")


def _points_from_args(args: argparse.Namespace, cfg: Config) -> tuple[Config, Dataset | None]:
    """--csv FILE: the points in the file, and the config that fits them (dataset 'custom',
    as many outputs as the file has classes); without --csv, `cfg` and its own dataset."""
    if args.csv is None:
        if cfg.dataset == CUSTOM:
            raise ConfigError("dataset", CUSTOM, "given with --csv FILE (the points to learn)")
        return cfg, None
    try:
        with open(args.csv, "rb") as source:
            _, data = points_from_csv(source, cfg)
    except DataError as err:
        raise ConfigError("csv", args.csv, f"readable: {err}") from None
    except OSError as err:
        raise ConfigError("csv", args.csv, f"a file you can read ({err.strerror})") from None
    return config_for_points(cfg, data), data


def run_train(args: argparse.Namespace) -> int:
    cfg, data = _points_from_args(args, config_from_args(args))
    every = _every(args.every, cfg.epochs)
    check_writable(args.html)
    trainer = Trainer(cfg, data)
    log = (lambda *a: None) if args.json else print
    log(f"scratchnet: {cfg.describe()}")
    start_loss = trainer.snapshot().train_loss
    log(f"epoch {0:>{len(str(cfg.epochs))}}/{cfg.epochs}  loss {start_loss:.4f}")
    train_seconds = 0.0
    snapshot = None
    while not trainer.stopped:
        started = time.perf_counter()
        trainer.advance(every)
        train_seconds += time.perf_counter() - started
        snapshot = trainer.snapshot()
        log(_progress_line(snapshot, cfg))
    assert snapshot is not None
    if snapshot.stopped == "diverged":
        log(f"stopped: {snapshot.message}")
    result = {
        "config": cfg.to_dict(),
        "epochs": snapshot.epoch,
        "stopped": snapshot.stopped,
        "message": snapshot.message,
        "initial_train_loss": start_loss,
        "final_train_loss": snapshot.train_loss,
        "final_test_loss": snapshot.test_loss,
        "train_accuracy": snapshot.train_accuracy,
        "test_accuracy": snapshot.test_accuracy,
        "epochs_per_second": trainer.epoch / train_seconds if train_seconds > 0 else 0.0,
    }
    if args.html:
        write_html(trainer, args.html)
        result["html"] = args.html
    if args.json:
        print(json.dumps({k: finite_or_none(v) if isinstance(v, float) else v for k, v in result.items()},
                         allow_nan=False))
    else:
        print(_final_line(result))
    return 0


def run_export(args: argparse.Namespace) -> int:
    """The run the same flags would train, written out as a standalone script or notebook."""
    cfg, data = _points_from_args(args, config_from_args(args))
    every = _every(args.every, cfg.epochs)
    check_writable(args.output, "output")
    fmt = args.format or ("ipynb" if (args.output or "").lower().endswith(".ipynb") else "py")
    text = export(cfg, data, fmt, every)
    if args.output is None:
        sys.stdout.write(text)
    else:
        with open(args.output, "w", encoding="utf-8") as out:
            out.write(text)
        print(f"wrote {args.output}: {cfg.describe()} as a {'notebook' if fmt == 'ipynb' else 'script'} "
              f"(run it: {'jupyter notebook' if fmt == 'ipynb' else 'python'} {args.output})")
    return 0


def _progress_line(s, cfg: Config) -> str:
    width = len(str(cfg.epochs))
    line = f"epoch {s.epoch:>{width}}/{cfg.epochs}  loss {s.train_loss:.4f}  test loss {s.test_loss:.4f}"
    if s.train_accuracy is not None:
        line += f"  train acc {s.train_accuracy:6.1%}  test acc {s.test_accuracy:6.1%}"
    return line


def _final_line(r: dict) -> str:
    text = (f"final: train loss {r['final_train_loss']:.4f}, test loss {r['final_test_loss']:.4f}")
    if r["train_accuracy"] is not None:
        text += f", train accuracy {r['train_accuracy']:.1%}, test accuracy {r['test_accuracy']:.1%}"
    return text + f" ({r['epochs_per_second']:,.0f} epochs/s)"


def write_html(trainer: Trainer, path: str) -> None:
    """Both figures in one self-contained page (plotly.js inlined: it opens offline)."""
    with open(path, "w", encoding="utf-8") as out:
        out.write(figures_html(run_figures(trainer)))


def gradcheck_grid(args: argparse.Namespace) -> dict[str, tuple]:
    """The full check's keywords for the flags given: one value each, validated by its knob."""
    return {grid: (KNOBS[name].parse(getattr(args, name)),) for name, grid in GRADCHECK_KNOBS.items()
            if getattr(args, name, None) is not None}


def run_gradcheck(args: argparse.Namespace) -> int:
    rows = full_check(**gradcheck_grid(args))
    failed = [r for r in rows if not r.ok]
    if not args.quiet:
        print(format_table(rows))
    worst_auto = max(r.autograd_abs for r in rows)
    worst_fd = max(r.numeric_abs for r in rows)
    cases = len({r.case for r in rows})
    print(f"{len(rows) - len(failed)}/{len(rows)} parameter gradients of {cases} cases agree "
          f"(worst |hand-autograd| {worst_auto:.1e}, worst |hand-finite difference| {worst_fd:.1e})")
    if failed:
        print(format_table(failed), file=sys.stderr)
    return 0 if not failed else 1


def _unexpected(parser: argparse.ArgumentParser, command: str, extras: list[str]) -> UsageError:
    """Arguments no flag took: name the first and list what the command accepts."""
    sub = parser._subparsers._group_actions[0].choices[command]           # type: ignore[union-attr]
    flags = [opt for action in sub._actions for opt in action.option_strings if opt.startswith("--")
             and opt != "--help"]
    first = extras[0]
    what = f"unknown flag {show_value(first.split('=')[0])}" if first.startswith("-") else \
        f"unexpected argument {show_value(first)}"
    return UsageError(f"{what}: {command} takes {', '.join(flags)}")


def main(argv: Sequence[str] | None = None) -> int:
    """Run the CLI; returns the exit status (2 for any bad argument, after one line on stderr)."""
    torch.set_num_threads(1)   # tiny networks: a second thread only adds contention
    parser = build_parser()
    try:
        args, extras = parser.parse_known_args(argv)
        if extras:
            raise _unexpected(parser, args.command, extras)
        return {"train": run_train, "export": run_export, "gradcheck": run_gradcheck}[args.command](args)
    except (UsageError, NotExportable) as err:
        return _fail(parser, str(err))
    except ConfigError as err:
        return _fail(parser, f"{_flag(err.knob)} {show_value(err.value)}: must be {err.allowed}")
    except OSError as err:
        return _fail(parser, f"cannot write {show_value(str(err.filename))}: {err.strerror}")
    except SystemExit as done:          # --help has been printed
        return done.code if isinstance(done.code, int) else EXIT_USAGE
    except KeyboardInterrupt:
        return _fail(parser, "interrupted", status=130)


def _fail(parser: argparse.ArgumentParser, message: str, status: int = EXIT_USAGE) -> int:
    sys.stderr.write(f"{parser.prog}: error: {' '.join(message.split())}\n")
    return status
