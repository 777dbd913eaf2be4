"""Which settings a running network can take mid-run, and which start a new run."""

from __future__ import annotations

from .config import CUSTOM, KNOBS, Config

# Knobs a running network can take mid-run (as TensorFlow Playground does); any other change
# alters the data or the architecture and so starts a new run. The schedule, the dropout rate and
# AdamW's decay change no parameter: the next epoch simply uses them.
LIVE_KNOBS = frozenset({"lr", "regularization", "reg_rate", "epochs", "target_accuracy", "backprop",
                        "schedule", "dropout", "weight_decay"}
                       | {name for name, knob in KNOBS.items() if knob.group == "view"})

# Knobs that choose the points. Moving to one's own data (a learner starts drawing on the points
# shown) changes them, but the network goes on learning with `Trainer.use_data`.
POINT_KNOBS = frozenset({"dataset", "n_points", "noise", "seed", "train_fraction"})


def needs_restart(old: Config, new: Config) -> bool:
    """True when `new` differs from `old` in anything a running network cannot absorb."""
    absorbed = LIVE_KNOBS | (POINT_KNOBS if new.dataset == CUSTOM else frozenset())
    return any(getattr(old, name) != getattr(new, name) for name in KNOBS if name not in absorbed)
