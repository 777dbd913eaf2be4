"""Engine speed, as ratios measured in one run (the machine is noisy; absolute times are not).

    python benchmarks/bench_engine.py [--repeats 7] [--epochs 2000]

Measures, median over the repeats, interleaving the contenders so drift hits all alike:
  1. epochs/s on the tutorial's config (moons 200 points, 2-10-2 ReLU, full batch, SGD):
     hand-written backward vs autograd vs a baseline written with torch.nn.Linear + torch.optim.SGD;
  2. the time of one 100×100 decision-surface evaluation;
  3. model-epochs/s of 16 models trained as one stack vs the same 16 trained one after another
     (and the Compare page's way: a Sweep that also tracks epochs-to-90%-test-accuracy).
  4. the same comparison for every activation, for dropout and layer norm, and for the other optimizers:
     hand-written epochs/s against nn.Sequential (nn.LeakyReLU, nn.GELU, nn.LayerNorm, nn.Dropout, …) +
     the matching torch.optim, as a table of ratios.
Targets: hand-written ≥ 3× the nn.Module baseline; batched ≥ 5× sequential.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path

import torch

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # run from a checkout without installing

import itertools

from scratchnet import TUTORIAL_SETUP, BatchedTrainer, Config, Sweep, Trainer, decision_surface
from scratchnet.data.datasets import dataset_for, featurize


def timed(fn: Callable[[], None]) -> float:
    start = time.perf_counter()
    fn()
    return time.perf_counter() - start


def trainer_run(cfg: Config, epochs: int) -> Callable[[], None]:
    def run() -> None:
        trainer = Trainer(cfg)
        trainer.advance(epochs)
        assert trainer.epoch == epochs, trainer.message
    return run


class Sine(torch.nn.Module):
    def forward(self, z: torch.Tensor) -> torch.Tensor:
        return torch.sin(z)


# What a tutorial would write for each of the engine's activations and optimizers.
NN_ACTIVATIONS: dict[str, Callable[[], torch.nn.Module]] = {
    "relu": torch.nn.ReLU, "tanh": torch.nn.Tanh, "sigmoid": torch.nn.Sigmoid, "linear": torch.nn.Identity,
    "leaky_relu": lambda: torch.nn.LeakyReLU(0.01), "elu": torch.nn.ELU, "gelu": torch.nn.GELU,
    "silu": torch.nn.SiLU, "softplus": torch.nn.Softplus, "sine": Sine,
}
TORCH_OPTIMIZERS: dict[str, Callable[..., torch.optim.Optimizer]] = {
    "sgd": torch.optim.SGD, "momentum": lambda p, lr: torch.optim.SGD(p, lr, momentum=0.9),
    "nesterov": lambda p, lr: torch.optim.SGD(p, lr, momentum=0.9, nesterov=True),
    "rmsprop": lambda p, lr: torch.optim.RMSprop(p, lr, alpha=0.99, eps=1e-8), "adam": torch.optim.Adam,
    "adamw": lambda p, lr: torch.optim.AdamW(p, lr, weight_decay=0.01),
}


def nn_module_run(cfg: Config, epochs: int) -> Callable[[], None]:
    """What most tutorials write: nn.Sequential of nn.Linear (+ nn.LayerNorm), the activation's module
    (+ nn.Dropout), F.cross_entropy and the matching torch.optim optimizer."""
    data = dataset_for(cfg)
    x = featurize(data.x_train, cfg.features)
    y = data.y_train

    def run() -> None:
        torch.manual_seed(cfg.init_seed)
        sizes = cfg.layer_sizes
        layers: list[torch.nn.Module] = []
        for i, (a, b) in enumerate(itertools.pairwise(sizes)):
            layers.append(torch.nn.Linear(a, b))
            if i < len(sizes) - 2:
                if cfg.norm == "layer":
                    layers.append(torch.nn.LayerNorm(b))
                layers.append(NN_ACTIVATIONS[cfg.activation]())
                if cfg.dropout:
                    layers.append(torch.nn.Dropout(cfg.dropout))
        model = torch.nn.Sequential(*layers).train()
        opt = TORCH_OPTIMIZERS[cfg.optimizer](model.parameters(), lr=cfg.lr)
        for _ in range(epochs):
            opt.zero_grad()
            loss = torch.nn.functional.cross_entropy(model(x), y)
            loss.backward()
            opt.step()
            loss.item()   # read the loss every epoch, as the engine does for its history
    return run


def median_rate(samples: list[float], work: float) -> float:
    return work / statistics.median(samples)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=7)
    parser.add_argument("--epochs", type=int, default=2000)
    parser.add_argument("--table-repeats", type=int, default=3, help="repeats per row of the settings table")
    args = parser.parse_args()
    torch.set_num_threads(1)
    epochs = args.epochs
    cfg = Config(**TUTORIAL_SETUP).replace(epochs=epochs)

    contenders = {
        "hand-written backward": trainer_run(cfg, epochs),
        "autograd (loss.backward)": trainer_run(cfg.replace(backprop="autograd"), epochs),
        "nn.Linear + optim.SGD": nn_module_run(cfg, epochs),
    }
    for run in contenders.values():   # warm-up
        run()
    times: dict[str, list[float]] = {name: [] for name in contenders}
    for _ in range(args.repeats):
        for name, run in contenders.items():
            times[name].append(timed(run))
    rates = {name: median_rate(t, epochs) for name, t in times.items()}
    base = rates["nn.Linear + optim.SGD"]
    print(f"ScratchNet engine benchmark — {cfg.describe()}")
    print(f"medians of {args.repeats} repeats of {epochs} epochs, 1 torch thread\n")
    print(f"{'training loop':<28} {'epochs/s':>10} {'vs nn.Module':>13}")
    for name, rate in rates.items():
        print(f"{name:<28} {rate:>10,.0f} {rate / base:>12.2f}x")
    hand_ratio = rates["hand-written backward"] / base
    print(f"target hand-written ≥ 3x nn.Module baseline: {hand_ratio:.2f}x "
          f"{'MET' if hand_ratio >= 3 else 'NOT MET'}")

    trainer = Trainer(cfg)
    trainer.advance(100)
    grid_times = [timed(lambda: decision_surface(trainer.net, cfg.features, trainer.data.bounds, cfg.problem,
                                                 resolution=100)) for _ in range(max(50, args.repeats))]
    print(f"\n100x100 decision surface: median {statistics.median(grid_times) * 1000:.2f} ms "
          f"(min {min(grid_times) * 1000:.2f} ms) over {len(grid_times)} evaluations")

    stack_epochs = max(200, epochs // 4)
    sweep_cfgs = [cfg.replace(lr=lr, epochs=stack_epochs) for lr in torch.logspace(-3, 0, 16).tolist()]

    def sequential() -> None:
        for c in sweep_cfgs:
            trainer_run(c, stack_epochs)()

    def batched() -> None:
        stack = BatchedTrainer(sweep_cfgs, accuracy_mark=None)
        stack.advance(stack_epochs)

    def compare_page() -> None:
        sweep = Sweep(sweep_cfgs)
        while sweep.epoch < stack_epochs:
            sweep.advance(stack_epochs - sweep.epoch)

    stacked = {"16 one after another": sequential, "16 stacked (BatchedTrainer)": batched,
               "16 via Sweep (+ accuracy tracking)": compare_page}
    for run in stacked.values():
        run()
    stack_times: dict[str, list[float]] = {name: [] for name in stacked}
    for _ in range(max(5, args.repeats)):
        for name, run in stacked.items():
            stack_times[name].append(timed(run))
    work = len(sweep_cfgs) * stack_epochs
    stack_rates = {name: median_rate(t, work) for name, t in stack_times.items()}
    seq = stack_rates["16 one after another"]
    print(f"\n{'16 models, ' + str(stack_epochs) + ' epochs each':<36} {'model-epochs/s':>15} {'vs sequential':>14}")
    for name, rate in stack_rates.items():
        print(f"{name:<36} {rate:>15,.0f} {rate / seq:>13.2f}x")
    batch_ratio = stack_rates["16 stacked (BatchedTrainer)"] / seq
    print(f"target batched ≥ 5x sequential: {batch_ratio:.2f}x {'MET' if batch_ratio >= 5 else 'NOT MET'}")

    settings_table(cfg, epochs, args.table_repeats)


SETTINGS = ([{"activation": a} for a in NN_ACTIVATIONS]
            + [{"dropout": 0.2}, {"norm": "layer"}, {"norm": "layer", "dropout": 0.2}]
            + [{"optimizer": o} for o in ("momentum", "nesterov", "rmsprop", "adam", "adamw")])


def settings_table(cfg: Config, epochs: int, repeats: int) -> None:
    """Hand-written vs nn.Module + torch.optim, setting by setting, each pair interleaved."""
    print(f"\n{'setting (the tutorial config otherwise)':<40} {'hand epochs/s':>14} {'nn.Module':>10} {'ratio':>7}")
    for changes in SETTINGS:
        setting = cfg.replace(**changes)
        pair = {"hand": trainer_run(setting, epochs), "nn": nn_module_run(setting, epochs)}
        for run in pair.values():
            run()
        times: dict[str, list[float]] = {name: [] for name in pair}
        for _ in range(repeats):
            for name, run in pair.items():
                times[name].append(timed(run))
        hand, nn = (median_rate(times[name], epochs) for name in pair)
        label = ", ".join(f"{k}={v}" for k, v in changes.items())
        print(f"{label:<40} {hand:>14,.0f} {nn:>10,.0f} {hand / nn:>6.2f}x")


if __name__ == "__main__":
    main()
