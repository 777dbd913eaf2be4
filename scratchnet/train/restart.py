"""Which settings a running network can take mid-run, and which start a new run."""

from __future__ import annotations

from scratchnet.config import CUSTOM, KNOBS, Config

# Knobs that choose the points. Moving to one's own data (a learner starts drawing on the points
# shown) changes them, but the network goes on learning with `Trainer.use_data`.
POINT_KNOBS = frozenset({"dataset", "n_points", "noise", "seed", "train_fraction"})


def needs_restart(old: Config, new: Config) -> bool:
    """True when `new` differs from `old` in anything a running network cannot absorb: a knob that is
    not `live` (as in TensorFlow Playground, the data and the architecture start a new run)."""
    points_absorbed = new.dataset == CUSTOM
    return any(getattr(old, name) != getattr(new, name) for name, knob in KNOBS.items()
               if not (knob.live or (points_absorbed and name in POINT_KNOBS)))
