"""A run as one self-contained HTML page: its decision boundary and loss curve, opening offline."""

from __future__ import annotations

import html
from collections.abc import Sequence
from typing import TYPE_CHECKING

import plotly.graph_objects as go

from scratchnet.draw.figures import boundary_spec, loss_spec
from scratchnet.draw.palette import DEFAULT, Style
from scratchnet.draw.plotly_json import as_figure
from scratchnet.draw.surface import decision_surface

if TYPE_CHECKING:
    from scratchnet.train.trainer import Trainer


def run_figures(trainer: Trainer, style: Style = DEFAULT) -> list[go.Figure]:
    """A run's decision boundary (train and test points) and loss curve."""
    cfg, history = trainer.cfg, trainer.history
    surface = decision_surface(trainer.net, cfg.features, trainer.data.bounds, cfg.problem)
    boundary = boundary_spec(surface, trainer.data, show_test=True, style=style, title=cfg.describe())
    loss = loss_spec(history.losses, [e.epoch for e in history.evaluations],
                     [e.test_loss for e in history.evaluations], style=style, title="Loss",
                     train_epochs=history.epochs)
    return [as_figure(boundary), as_figure(loss)]


def figures_html(figures: Sequence[go.Figure], title: str = "scratchnet run") -> str:
    """Figures in one page: plotly.js is inlined once, so it opens offline."""
    parts = [fig.to_html(full_html=False, include_plotlyjs=(i == 0)) for i, fig in enumerate(figures)]
    return (f"<!doctype html><html><head><meta charset='utf-8'><title>{html.escape(title)}</title></head>"
            f"<body>{''.join(parts)}</body></html>")
