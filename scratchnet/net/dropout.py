"""Dropout masks: which hidden units each training step switches off, drawn from seeded generators.

Inverted dropout: a kept unit is scaled by 1/(1 − p) in training, so a unit's expected output is
the same with and without dropout and evaluation (boundary, metrics, test loss) simply runs the
forward without masks. The masks go into the forward and stay in its cache, so the hand-written
backward (and autograd) sends gradients through exactly the units that were kept.

Each model draws from a generator of its own, seeded from its init seed, one (N, H_l) mask per
hidden layer at its own width: model m of a stack draws what it would draw alone, so a stack still
equals separate runs (narrower models' masks are padded with zeros, where their units are held
at zero anyway).
"""

from __future__ import annotations

from collections.abc import Sequence

import torch
from torch import Tensor

# The masks' generator is seeded with init_seed + this, so it is not the mini-batch shuffle's twin.
SEED_OFFSET = 0x5EED


def generator(init_seed: int) -> torch.Generator:
    return torch.Generator().manual_seed(init_seed + SEED_OFFSET)


def keep_mask(n: int, width: int, rate: float, gen: torch.Generator, dtype: torch.dtype) -> Tensor:
    """(n, width): 1/(1 − rate) for a kept unit, 0 for a dropped one. Drawn as float32 uniforms
    whatever the dtype, so a float64 copy of a run drops the same units."""
    keep = 1.0 - rate
    return torch.rand(n, width, generator=gen).lt_(keep).mul_(1.0 / keep).to(dtype)   # uniforms → 0 or 1/keep


class Dropout:
    """The masks of one model (`stacked=False`) or of a stack of models, step after step."""

    def __init__(self, rates: Sequence[float], widths: Sequence[Sequence[int]], init_seeds: Sequence[int],
                 stacked: bool, dtype: torch.dtype = torch.float32):
        """rates[m]: model m's dropout rate; widths[m]: its hidden widths; init_seeds[m]: its seed."""
        self.rates = list(rates)
        self.widths = [tuple(w) for w in widths]
        self.generators = [generator(seed) for seed in init_seeds]
        self.stacked = stacked
        self.dtype = dtype

    @property
    def active(self) -> bool:
        return any(rate > 0 for rate in self.rates) and any(self.widths)

    def draw(self, n: int) -> list[Tensor] | None:
        """Masks for a batch of n points: one per hidden layer, (n, H) or (M, n, H_max); None
        when no model drops anything. A model with rate 0 draws nothing (its mask is all ones),
        as it would alone."""
        if not self.active:
            return None
        if not self.stacked:
            gen, rate = self.generators[0], self.rates[0]
            return [keep_mask(n, width, rate, gen, self.dtype) for width in self.widths[0]]
        masks = []
        for layer in range(len(self.widths[0])):
            widest = max(w[layer] for w in self.widths)
            per_model = []
            for rate, widths, gen in zip(self.rates, self.widths, self.generators):
                if rate > 0:
                    mask = keep_mask(n, widths[layer], rate, gen, self.dtype)
                    mask = torch.nn.functional.pad(mask, (0, widest - widths[layer]))
                else:
                    mask = torch.ones(n, widest, dtype=self.dtype)
                per_model.append(mask)
            masks.append(torch.stack(per_model))                   # (M, n, H_max)
        return masks
