"""Which classes the network mixes up, as a markdown table (a data grid's code is the biggest thing
the browser would load for the Playground, and it would delay the first chart)."""

from __future__ import annotations

from collections.abc import Sequence

from live.run import FrameState
from scratchnet.data.class_names import class_label
from scratchnet.data.datasets import featurize
from scratchnet.net.model import predict
from scratchnet.train.metrics import confusion_matrix
from ui.markdown import escape


def confusion_markdown(state: FrameState, class_names: Sequence[str] | None) -> tuple[str, str] | None:
    """(title, table) on the test points (the training points if there are none); None for
    regression or no points at all."""
    data, cfg = state.data, state.cfg
    on_test = len(data.y_test) > 0
    x, y = (data.x_test, data.y_test) if on_test else (data.x_train, data.y_train)
    if not cfg.is_classification or not len(y):
        return None
    k = cfg.n_classes
    counts = confusion_matrix(predict(state.net, featurize(x, cfg.features)), y, k).numpy()
    names = [class_label(c, class_names) for c in range(k)]
    header = "| true ↓ · predicted → | " + " | ".join(escape(n) for n in names) + " |"
    rows = [f"| **{escape(n)}** | " + " | ".join(str(int(v)) for v in row) + " |" for n, row in zip(names, counts)]
    title = f"Confusion matrix ({'test' if on_test else 'training'} points)"
    return title, "\n".join([header, "|---" * (k + 1) + "|", *rows])
