"""examples/tutorial.ipynb runs top to bottom in a real Jupyter kernel and shows what it says."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOK = ROOT / "examples" / "tutorial.ipynb"
pytestmark = pytest.mark.slow          # a Jupyter kernel runs the whole notebook


@pytest.fixture(scope="module")
def executed():
    nbclient = pytest.importorskip("nbclient")
    import nbformat

    notebook = nbformat.read(NOTEBOOK, as_version=4)
    nbformat.validate(notebook)
    assert all(not c.get("outputs") for c in notebook.cells if c.cell_type == "code"), "stored without outputs"
    before = os.environ.get("MPLBACKEND")
    os.environ["MPLBACKEND"] = "module://matplotlib_inline.backend_inline"
    try:
        nbclient.NotebookClient(notebook, timeout=300, kernel_name="python3",
                                resources={"metadata": {"path": str(NOTEBOOK.parent)}}).execute()
    finally:
        os.environ.pop("MPLBACKEND", None) if before is None else os.environ.__setitem__("MPLBACKEND", before)
    return notebook


def _printed(notebook) -> str:
    return "".join(o.get("text", "") for c in notebook.cells for o in c.get("outputs", [])
                   if o.get("output_type") == "stream" and o.get("name") == "stdout")


def test_the_tutorial_notebook_runs_and_its_fixes_hold(executed):
    text = _printed(executed)
    assert "tutorial's W1: is_leaf = False  grad_fn = MulBackward0" in text
    assert "fixed W1:      is_leaf = True  grad_fn = None" in text
    assert text.count("leaf True, requires_grad True") == 4
    assert "after a second backward without zeroing: True" in text
    for name, shape in (("dW1", "(2, 10)"), ("db1", "(1, 10)"), ("dW2", "(10, 2)"), ("db2", "(1, 2)")):
        assert f"{name}: shape {shape}" in text


def test_the_tutorial_notebook_trains_and_plots(executed):
    text = _printed(executed)
    loss_at_start = float(text.split("loss ")[1].split()[0])
    assert abs(loss_at_start - 0.693) < 0.03, "an untrained net scores about ln 2"
    assert "epoch 300: loss 0.05" in text and "test accuracy 100.0%" in text
    blobs = float(text.split("blobs: loss ")[1].split(",")[0])
    assert blobs < 0.3
    images = sum("image/png" in o.get("data", {}) for c in executed.cells for o in c.get("outputs", []))
    assert images == 3, "the data, the moons' loss and boundary, the blobs' loss and boundary"
    assert not [o for c in executed.cells for o in c.get("outputs", []) if o.get("output_type") == "error"]
