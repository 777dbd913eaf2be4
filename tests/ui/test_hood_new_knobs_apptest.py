"""Under the hood shows the math of issue 15's pieces for the Playground's network, and the opened-up
step checks a layer-normed network's gains and shifts too."""

from __future__ import annotations

QUERY = {"hidden": "5,4", "activation": "gelu", "norm": "layer", "dropout": "0.2", "optimizer": "adamw",
         "weight_decay": "0.05", "schedule": "cosine"}


def test_math_and_code_of_a_normalized_dropped_out_adamw_run(apps):
    at = apps.open(QUERY, page="under_the_hood")
    assert not at.exception, [e.value for e in at.exception]
    tex = "\n".join(e.value for e in at.latex)
    assert r"\operatorname{GELU}(\tilde Z_{1})" in tex and r"\hat Z_{2} &= (Z_{2} - \mu_{2})" in tex
    assert r"H_{1} &= A_{1} \odot D_{1}" in tex and r"d\gamma_{1}" in tex
    assert r"W &\leftarrow W - \eta_e\, \lambda\, W && \lambda = 0.05" in tex and r"\eta_e &= \tfrac{1}{2}" in tex
    code = "\n".join(c.value for c in at.code)
    for name in ("def layer_norm(", "def layer_norm_grad(", "def keep_mask(", "class AdamW(", "def lr_at("):
        assert name in code, name
    assert "Update (AdamW)" in [h.value for h in at.subheader]
    captions = " ".join(c.value for c in at.caption)
    assert "Φ is the standard normal CDF" in captions


def test_one_step_checks_gains_and_shifts(apps):
    at = apps.open(QUERY, page="under_the_hood")
    at.session_state["uth_tab"] = "One step, opened up"
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    table = next(d.value for d in at.dataframe if "parameter" in d.value.columns)
    assert list(table["parameter"]) == ["W1", "b1", "γ1", "β1", "W2", "b2", "γ2", "β2", "W3", "b3"]
    assert (table["ok"] == "✓").all()
    at.selectbox(key="uth_step_act").set_value("softplus").run()
    table = next(d.value for d in at.dataframe if "parameter" in d.value.columns)
    assert (table["ok"] == "✓").all()
