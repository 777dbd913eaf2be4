"""`python -m scratchnet train|gradcheck`: the engine from a terminal.

Every `train` flag is generated from the config's knob table, so the CLI accepts exactly
what the app's sliders and links accept, with the same bounds and messages. A bad value
prints one line naming it and what is allowed, and exits with status 2.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from collections.abc import Sequence

import torch

from .config import KNOBS, Config, ConfigError, from_mapping, show_value
from .figures import figures_html, run_figures
from .gradcheck import format_table, full_check
from .trainer import Trainer

EXIT_USAGE = 2


class _Parser(argparse.ArgumentParser):
    """argparse, but a usage error is one line (and still exit status 2)."""

    def error(self, message: str) -> None:  # type: ignore[override]
        self.exit(EXIT_USAGE, f"{self.prog}: error: {message}\n")


def _flag(name: str) -> str:
    return "--" + name.replace("_", "-")


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="python -m scratchnet", description="A neural network from scratch, in tensors.")
    commands = parser.add_subparsers(dest="command", required=True, parser_class=_Parser)

    train = commands.add_parser("train", help="train one network and print its progress")
    for name, knob in KNOBS.items():
        if knob.group == "view":
            continue
        train.add_argument(_flag(name), dest=name, metavar=knob.kind.upper(),
                           help=f"{knob.help} ({knob.allowed()}; default {knob.format(knob.default)})")
    train.add_argument("--layers", dest="hidden", metavar="INTS",
                       help="several hidden layers at once, e.g. 8,8 (same as --hidden 8,8)")
    train.add_argument("--every", type=int, default=None, metavar="N",
                       help="print the loss every N epochs (default: about 10 lines per run)")
    train.add_argument("--json", action="store_true", help="print one JSON object with the result")
    train.add_argument("--html", metavar="FILE", help="write the loss and boundary figures to FILE")

    check = commands.add_parser("gradcheck", help="hand-written backward vs autograd vs finite differences")
    check.add_argument("--quiet", action="store_true", help="print only the summary line")
    return parser


def config_from_args(args: argparse.Namespace) -> Config:
    """The flags given, validated by the config. --seed also seeds the weights unless
    --init-seed is given, as one torch.manual_seed would in the tutorial."""
    given = {name: getattr(args, name) for name in KNOBS if getattr(args, name, None) is not None}
    if "seed" in given and "init_seed" not in given:
        given["init_seed"] = given["seed"]
    cfg, _ = from_mapping(given, strict=True)
    return cfg


def run_train(args: argparse.Namespace) -> int:
    cfg = config_from_args(args)
    trainer = Trainer(cfg)
    every = args.every or max(1, cfg.epochs // 10)
    if every < 1:
        raise ConfigError("every", every, "a whole number of at least 1")
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
        print(json.dumps(result))
    else:
        print(_final_line(result))
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


def run_gradcheck(args: argparse.Namespace) -> int:
    rows = full_check()
    failed = [r for r in rows if not r.ok]
    if not args.quiet:
        print(format_table(rows))
    worst_auto = max(r.autograd_abs for r in rows)
    worst_fd = max(r.numeric_abs for r in rows)
    print(f"{len(rows) - len(failed)}/{len(rows)} parameter gradients agree "
          f"(worst |hand-autograd| {worst_auto:.1e}, worst |hand-finite difference| {worst_fd:.1e})")
    if failed:
        print(format_table(failed), file=sys.stderr)
    return 0 if not failed else 1


def main(argv: Sequence[str] | None = None) -> int:
    torch.set_num_threads(1)   # tiny networks: a second thread only adds contention
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        return run_train(args) if args.command == "train" else run_gradcheck(args)
    except ConfigError as err:
        sys.stderr.write(f"{parser.prog}: error: {_flag(err.knob)} {show_value(err.value)}: must be {err.allowed}\n")
        return EXIT_USAGE
    except OSError as err:
        sys.stderr.write(f"{parser.prog}: error: cannot write {err.filename}: {err.strerror}\n")
        return EXIT_USAGE
