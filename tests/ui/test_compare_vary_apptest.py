"""Compare offers the knobs of issue 15 under "Vary", with their table defaults, stacked where they can be."""

from __future__ import annotations

import pytest

from scratchnet.config import KNOBS


@pytest.mark.parametrize("vary, stacks", [
    ("activation", 6),            # each activation a network of its own
    ("norm", 2),
    ("optimizer", 6),
    ("schedule", 1),              # schedules and dropout rates ride along in one stack
    ("dropout", 1),
])
def test_each_new_knob_can_be_varied_with_its_defaults(apps, vary, stacks):
    at = apps.open({"epochs": "20", "dataset": "stripes"}, page="compare")
    at.selectbox(key="cmp_vary").set_value(vary).run()
    assert not at.exception
    sweep = at.session_state["sweep"]
    assert tuple(getattr(c, vary) for c in sweep.cfgs) == KNOBS[vary].compare
    assert all(c.dataset == "stripes" for c in sweep.cfgs)
    assert len(sweep.sweep.stacks) == stacks


def test_dropout_values_come_from_its_grid(apps):
    at = apps.open({"epochs": "20"}, page="compare")
    at.selectbox(key="cmp_vary").set_value("dropout").run()
    picker = at.multiselect(key="cmp_dropout")
    assert list(picker.options) == [KNOBS["dropout"].show(v) for v in KNOBS["dropout"].grid]
    picker.set_value([0.1, 0.6]).run()
    assert [c.dropout for c in at.session_state["sweep"].cfgs] == [0.1, 0.6]
