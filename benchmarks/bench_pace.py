"""What the Speed knob's `auto` pace and the default setup are chosen by (scratchnet/train/pace.py, config.py).

    python benchmarks/bench_pace.py [--horizon 5000] [--quick]

No browser and no clock: each setup is trained epoch by epoch with the engine and its decision boundary
(40×40 cells over the data) recorded as it goes; a pace is then a mapping from epochs to seconds.

1. Where the visible change happens: for 31 setups (every dataset; full-batch SGD, mini-batch tanh and
   Adam) the share of the boundary's changes (cells that change class, summed epoch by epoch) in each
   tenfold of epochs. If change came early and stopped, a fixed pace would do; it is spread over tenfolds.
2. Pace rules compared: the seconds until the boundary is within 5% of its shape at the horizon (cells of
   another class), over the setups: a fixed number of epochs/s, the old `auto` (the whole run in 5 s), and
   the watching pace (every tenfold of epochs in the same time). A watchable pace settles every setup in
   seconds to tens of seconds: neither in a flash (< 3 s) nor beyond patience (> 40 s).
3. Default setup candidates at the chosen pace: training accuracy at epoch 0 and 3, 6 and 10 s after Play
   (the first round of 300 epochs ends before 10 s), the share of the boundary that changed class by the
   end of the round, and the same over ten init seeds (a default must not depend on a lucky seed).
"""

from __future__ import annotations

import argparse
import statistics
import sys
from collections.abc import Callable
from pathlib import Path

import numpy as np
import torch

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from scratchnet.config import Config
from scratchnet.draw.surface import decision_surface
from scratchnet.train.pace import SECONDS_PER_TENFOLD, watch_epochs, watch_rate, watch_seconds
from scratchnet.train.trainer import Trainer

RESOLUTION = 40
SETTLED = 0.05                      # within 5% of the cells of the boundary at the horizon
ROUND = 300                         # the default Epochs


def setups() -> dict[str, Config]:
    out = {}
    for ds in ("moons", "blobs", "circle", "xor", "gauss", "spiral", "checkerboard", "stripes", "rings"):
        base = Config(dataset=ds, lr=0.07)
        out[f"{ds} 10 relu sgd 0.07"] = base
        out[f"{ds} 8,8 tanh batch 10 0.03"] = base.replace(hidden=(8, 8), activation="tanh", batch_size=10, lr=0.03)
        out[f"{ds} 10 relu adam 0.01"] = base.replace(optimizer="adam", lr=0.01)
    for ds in ("plane", "multigauss"):
        base = Config(problem="regression", dataset=ds, lr=0.01)
        out[f"{ds} 10 relu sgd 0.01"] = base
        out[f"{ds} 8,8 tanh batch 10 0.01"] = base.replace(hidden=(8, 8), activation="tanh", batch_size=10)
    return out


def recorded_epochs(horizon: int) -> list[int]:
    """Every epoch up to 200, then every 1% of the epoch count (change is slow there)."""
    epochs = list(range(min(horizon, 200) + 1))
    while epochs[-1] < horizon:
        epochs.append(min(horizon, epochs[-1] + max(1, epochs[-1] // 100)))
    return epochs


def boundary(trainer: Trainer) -> np.ndarray:
    cfg = trainer.cfg
    values = decision_surface(trainer.net, cfg.features, trainer.data.bounds, cfg.problem, RESOLUTION).values
    if cfg.problem == "regression":
        return values
    return (values > 0.5) if values.ndim == 2 else values.argmax(-1)


def difference(a: np.ndarray, b: np.ndarray) -> float:
    """Share of cells of another class; for regression the mean change in units of half the targets' range."""
    return float((a != b).mean()) if a.dtype == bool or a.dtype.kind == "i" else float(np.abs(a - b).mean() / 0.5)


def record(cfg: Config, horizon: int) -> tuple[list[int], list[np.ndarray]]:
    trainer = Trainer(cfg.replace(epochs=horizon))
    epochs, maps = [], []
    for target in recorded_epochs(horizon):
        trainer.advance(target - trainer.epoch)
        if trainer.stopped == "diverged":
            break
        epochs.append(trainer.epoch)
        maps.append(boundary(trainer))
    return epochs, maps


def settle_epoch(epochs: list[int], maps: list[np.ndarray]) -> int:
    """The first epoch from which the boundary stays within SETTLED of its shape at the horizon."""
    far = [difference(m, maps[-1]) >= SETTLED for m in maps]
    last_far = max((i for i, f in enumerate(far) if f), default=-1)
    return epochs[min(last_far + 1, len(epochs) - 1)]


def tenfold_shares(epochs: list[int], maps: list[np.ndarray], horizon: int) -> list[float]:
    steps = np.array([difference(maps[i], maps[i - 1]) for i in range(1, len(maps))])
    ends = np.array(epochs[1:])
    edges = [0, 10, 100, 1000, horizon]
    total = max(float(steps.sum()), 1e-12)
    return [float(steps[(ends > lo) & (ends <= hi)].sum()) / total for lo, hi in zip(edges, edges[1:])]


def pace_rules() -> dict[str, Callable[[int], float]]:
    """Seconds after Play at which each rule has trained `e` epochs."""
    return {
        "fixed 30 epochs/s": lambda e: e / 30,
        "fixed 100 epochs/s": lambda e: e / 100,
        f"old auto, a {ROUND}-epoch run in 5 s": lambda e: e / (ROUND / 5),
        "old auto, a 5,000-epoch run in 5 s": lambda e: e / 1000,
        f"watching pace (a tenfold in {SECONDS_PER_TENFOLD:g} s)": watch_seconds,
        "watching pace, a tenfold in 4 s": lambda e: watch_seconds(e) * 4 / SECONDS_PER_TENFOLD,
        "watching pace, a tenfold in 8 s": lambda e: watch_seconds(e) * 8 / SECONDS_PER_TENFOLD,
    }


def report_pace(horizon: int, quick: bool) -> None:
    chosen = setups()
    if quick:
        chosen = {k: v for k, v in chosen.items() if "batch 10" not in k}
    print(f"1. Where the boundary changes: share of its changes in each tenfold of epochs (horizon {horizon:,})")
    print(f"{'setup':34s} {'0-10':>6s} {'10-100':>7s} {'100-1k':>7s} {'1k-':>6s}   settled at epoch")
    settles = {}
    for name, cfg in chosen.items():
        epochs, maps = record(cfg, horizon)
        settles[name] = settle_epoch(epochs, maps)
        shares = tenfold_shares(epochs, maps, horizon)
        print(f"{name:34s} " + " ".join(f"{s:6.0%}" for s in shares) + f"   {settles[name]:,}", flush=True)
    print(f"\n2. Seconds after Play until the boundary is within {SETTLED:.0%} of its final shape, over the "
          f"{len(settles)} setups (the computer's own limit aside)")
    print(f"{'pace':42s} {'median':>7s} {'10th':>6s} {'90th':>6s} {'max':>6s}  {'< 3 s':>6s} {'> 40 s':>6s}")
    for rule, seconds in pace_rules().items():
        times = sorted(seconds(e) for e in settles.values())
        tenth, ninetieth = np.percentile(times, [10, 90])
        print(f"{rule:42s} {statistics.median(times):7.1f} {tenth:6.1f} {ninetieth:6.1f} {max(times):6.1f}  "
              f"{sum(t < 3 for t in times):6d} {sum(t > 40 for t in times):6d}")


def default_candidates() -> dict[str, Config]:
    return {
        "moons 2-10-2 relu 0.07 (the old default)": Config(dataset="moons", lr=0.07),
        "moons 2-10-2 relu 0.07, init small": Config(dataset="moons", lr=0.07, init="small"),
        "circle 2-10-2 relu 0.07": Config(dataset="circle", lr=0.07),
        "circle 2-10-2 relu 0.1 (the default)": Config(dataset="circle", lr=0.1),
        "circle 2-10-2 relu 0.03": Config(dataset="circle", lr=0.03),
        "circle 2-10-2 tanh 0.1": Config(dataset="circle", activation="tanh", lr=0.1),
        "circle 2-4-2-2 tanh 0.03 batch 10 (TF's)": Config(dataset="circle", hidden=(4, 2), activation="tanh",
                                                           lr=0.03, batch_size=10),
        "xor 2-10-2 relu 0.1": Config(dataset="xor", lr=0.1),
        "gauss 2-10-2 relu 0.1": Config(dataset="gauss", lr=0.1),
    }


def first_round(cfg: Config) -> tuple[dict[float, float], float]:
    """(training accuracy 0, 3, 6 and 10 s after Play at the watching pace, share of the boundary that
    changed class by the end of the first round)."""
    trainer = Trainer(cfg.replace(epochs=ROUND))
    start = boundary(trainer)
    accuracy = {0.0: trainer.evaluate().train_accuracy}
    for seconds in (3.0, 6.0, 10.0):
        trainer.advance(min(ROUND, int(watch_epochs(seconds))) - trainer.epoch)
        accuracy[seconds] = trainer.evaluate().train_accuracy
    return accuracy, difference(boundary(trainer), start)


def report_defaults() -> None:
    print(f"\n3. Default setup candidates, at the watching pace (a round of {ROUND} epochs ends after "
          f"{watch_seconds(ROUND):.1f} s): training accuracy after Play, and the share of the boundary that "
          "changed class")
    print(f"{'setup':44s} {'0 s':>5s} {'3 s':>5s} {'6 s':>5s} {'10 s':>5s} {'changed':>8s}   "
          "init seeds 0-9: accuracy at 0 s (range), at the round's end (lowest), changed (mean)")
    for name, cfg in default_candidates().items():
        accuracy, changed = first_round(cfg)
        seeds = [first_round(cfg.replace(init_seed=s)) for s in range(10)]
        starts = [a[0.0] for a, _ in seeds]
        print(f"{name:44s} " + " ".join(f"{accuracy[s]:5.0%}" for s in (0.0, 3.0, 6.0, 10.0))
              + f" {changed:8.0%}   {min(starts):.0%}-{max(starts):.0%}, {min(a[10.0] for a, _ in seeds):.0%}, "
              f"{statistics.mean(c for _, c in seeds):.0%}", flush=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--horizon", type=int, default=5000, help="epochs each setup is recorded for")
    parser.add_argument("--quick", action="store_true", help="leave out the (slow) mini-batch setups")
    args = parser.parse_args()
    torch.set_num_threads(1)
    report_pace(args.horizon, args.quick)
    report_defaults()
    print(f"\nThe watching pace: {watch_epochs(SECONDS_PER_TENFOLD):.0f} epochs in {SECONDS_PER_TENFOLD:g} s, "
          f"{ROUND} in {watch_seconds(ROUND):.1f} s, 5,000 in {watch_seconds(5000):.1f} s "
          f"(it starts at {watch_rate(0):.1f} epochs/s).")


if __name__ == "__main__":
    main()
