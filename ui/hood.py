"""What the "Under the hood" page shows, as plain Python (no Streamlit, so it is unit-tested).

- The math of the Playground's network as LaTeX, with the real sizes of the current config.
- The code beside each equation in the tutorial's style (`scratchnet.teach.tutorial_code`: the code
  the export writes out), and one click away how the engine makes it fast: its own source, read
  with `inspect` at run time (a copy pasted here would drift).
- "One step, opened up": a small float64 copy of the network on a few points, its forward values
  and hand-written gradients computed by that tutorial-style code (`scratchnet.teach.reference`), checked
  against autograd and finite differences (`scratchnet.teach.gradcheck.compare_gradients`).
"""

from __future__ import annotations

import dataclasses
import inspect
import itertools
import re
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch
from torch import Tensor

from live.diagram import diagram_chart, diagram_numbers
from live.frames import Frame
from scratchnet.config import Config
from scratchnet.data.datasets import FEATURE_LABELS, Dataset, featurize
from scratchnet.data.tensors import prepare
from scratchnet.draw.palette import Style
from scratchnet.draw.surface import Bounds
from scratchnet.net import activations, losses, norms, optim, penalties, schedule
from scratchnet.net.backward import Objective, autograd_loss_and_grads, backward, hand_loss_and_grads
from scratchnet.net.dropout import keep_mask
from scratchnet.net.entries import parse_entry, weight_name
from scratchnet.net.kernels import matmul_add
from scratchnet.net.losses import log_softmax
from scratchnet.net.model import Net, forward, init_net
from scratchnet.net.schedule import lr_at
from scratchnet.teach import tutorial_code
from scratchnet.teach.gradcheck import GradCheckRow, compare_gradients, param_names
from scratchnet.teach.reference import reference_step
from scratchnet.train.metrics import Metrics, measure

ROOT = Path(__file__).resolve().parents[1]


# What the symbols of an activation's formula mean, where they need saying (its record says it).
ACTIVATION_NOTES = {a.name: a.tex_note for a in activations.ALL if a.tex_note}


# Measured at 1280-1920 px: the code beside the math has lines of up to ~110 characters (its column showed 45-80),
# and the default network's formulas need up to ~420 px at 1.1em. So the math column takes 30rem (at most 55%) and
# the code the rest, and the code wraps, each wrapped line going on 6 characters in (a hanging indent), so it
# still reads as one line of Python: nothing scrolls sideways, nothing is cut off. A larger network's formulas are
# longer (7 inputs, 8 layers of 128, layer norm: ~670 px) and KaTeX cannot wrap a display formula: one wider than
# its column is zoomed out until it fits (to 60% at most).
MATH_CODE = [1, 1]
CODE_CSS = """<style>
[data-testid="stMain"] [data-testid="stCode"] code > span { display: block; padding-left: 6ch; text-indent: -6ch; }
[data-testid="stMain"] .katex-display > .katex { font-size: 1.1em; }
[data-testid="stHorizontalBlock"]:has(.katex-display) > [data-testid="stColumn"] {
  flex: 1 1 0 !important; width: auto !important; min-width: 0 !important; }
[data-testid="stHorizontalBlock"]:has(.katex-display) > [data-testid="stColumn"]:first-child {
  flex: 0 1 min(30rem, 55%) !important; }
</style>
<script>
(() => {
  if (window.__scratchnetFitMath) return;
  window.__scratchnetFitMath = true;
  let seen = "";
  const signature = (shown) => shown.map((d) => `${d.clientWidth}/${d.scrollWidth}/${d.textContent.length}`).join();
  const fit = () => {
    const shown = [...document.querySelectorAll('[data-testid="stMain"] .katex-display')];
    if (signature(shown) === seen) return;             // nothing new to fit (live charts change the page often)
    for (const display of shown) {
      const katex = display.firstElementChild;
      if (!katex) continue;
      katex.style.zoom = "";                           // zoom, not font-size: a formula has parts in px too
      const over = display.scrollWidth / Math.max(1, display.clientWidth);
      if (over > 1.0) katex.style.zoom = Math.max(0.6, 1 / over - 0.01).toFixed(3);
    }
    seen = signature(shown);
  };
  let queued = false;
  const later = () => {
    if (queued) return;
    queued = true;
    requestAnimationFrame(() => { queued = false; fit(); });
  };
  new MutationObserver(later).observe(document.body, { childList: true, subtree: true });
  const sized = new ResizeObserver(later);             // a column narrows when a scroll bar appears, say
  sized.observe(document.body);
  const main = document.querySelector('[data-testid="stMain"]');
  if (main) sized.observe(main);
  document.fonts.addEventListener("loadingdone", later);   // KaTeX's fonts change a formula's width
  later();
})();
</script>"""


# --- sizes --------------------------------------------------------------------------------------
def batch_rows(cfg: Config, n_train: int) -> tuple[int, str]:
    """Rows of X in one step and how to say it: the whole training set, or one mini-batch."""
    if cfg.batch_size == 0 or cfg.batch_size >= n_train:
        return n_train, f"N = {n_train}: the whole training set (full batch)"
    return cfg.batch_size, (f"N = {cfg.batch_size}: one mini-batch of the {n_train} training points "
                            "(the last batch of an epoch may be smaller)")


def shape_table(cfg: Config, n: int) -> list[dict[str, str]]:
    """Every tensor of one step with its shape, in the order the forward pass makes them."""
    sizes = cfg.layer_sizes
    last = len(sizes) - 1
    out = "logits" if cfg.is_classification else "prediction Ŷ"
    rows = [{"tensor": "X", "shape": f"({n}, {sizes[0]})",
             "what": "inputs: " + ", ".join(FEATURE_LABELS[f] for f in cfg.features)}]
    for layer in range(1, last + 1):
        rows.append({"tensor": f"W{layer}", "shape": f"({sizes[layer - 1]}, {sizes[layer]})", "what": "weights"})
        rows.append({"tensor": f"b{layer}", "shape": f"(1, {sizes[layer]})", "what": "biases (added to every row)"})
        if layer < last and cfg.norm == "layer":
            rows.append({"tensor": f"γ{layer}, β{layer}", "shape": f"(1, {sizes[layer]})",
                         "what": "layer norm's gain and shift"})
        if layer < last:
            rows.append({"tensor": f"Z{layer}, H{layer}", "shape": f"({n}, {sizes[layer]})",
                         "what": f"hidden layer {layer}: pre-activations and activations"})
        else:
            rows.append({"tensor": f"Z{layer}", "shape": f"({n}, {sizes[layer]})", "what": out})
    rows.append({"tensor": "Y", "shape": f"({n}, {sizes[-1]})",
                 "what": "one-hot targets" if cfg.is_classification else "targets"})
    return rows


def _dims(rows: int | str, cols: int | str) -> str:
    return rf"{rows}\times {cols}"


# --- the math as LaTeX ----------------------------------------------------------------------------
def _activation_input(cfg: Config, layer: int | str) -> str:
    """What f is applied to: Z_l, or with layer norm the normalized, scaled and shifted Z̃_l."""
    index = f"{{{layer}}}" if isinstance(layer, int) else layer
    return (r"\tilde Z_" if norms.BY_NAME[cfg.norm].forward else "Z_") + index


def forward_tex(cfg: Config, n: int) -> str:
    """Z_l = H_{l-1} W_l + b_l and H_l = f(Z_l), layer by layer, every factor with its shape; with
    layer norm the normalization in between, with dropout the mask after f (training only)."""
    sizes = cfg.layer_sizes
    last = len(sizes) - 1
    act, norm = activations.BY_NAME[cfg.activation], norms.BY_NAME[cfg.norm]
    lines = []
    for layer in range(1, last + 1):
        h_in = "X" if layer == 1 else f"H_{{{layer - 1}}}"
        lines.append(rf"Z_{{{layer}}} &= \underbrace{{{h_in}}}_{{{_dims(n, sizes[layer - 1])}}}\,"
                     rf"\underbrace{{W_{{{layer}}}}}_{{{_dims(sizes[layer - 1], sizes[layer])}}}"
                     rf" + \underbrace{{b_{{{layer}}}}}_{{{_dims(1, sizes[layer])}}}"
                     rf" && \in \mathbb{{R}}^{{{_dims(n, sizes[layer])}}}"
                     + (r" \quad\text{(logits)}" if layer == last and cfg.is_classification else "")
                     + (r" \quad\text{(prediction } \hat Y)" if layer == last and not cfg.is_classification else ""))
        if layer == last:
            break
        lines += [line.format(l=layer, width=sizes[layer]) for line in norm.tex]
        z = _activation_input(cfg, layer)
        out = f"A_{{{layer}}}" if cfg.dropout else f"H_{{{layer}}}"
        lines.append(rf"{out} &= {act.tex_name}({z}) = {act.tex.format(z=z)}"
                     rf" && \in \mathbb{{R}}^{{{_dims(n, sizes[layer])}}}")
        if cfg.dropout:
            lines.append(rf"H_{{{layer}}} &= A_{{{layer}}} \odot D_{{{layer}}}"
                         rf" && D_{{{layer}}} \in \{{0, \tfrac{{1}}{{1 - p}}\}}^{{{_dims(n, sizes[layer])}}},"
                         rf"\ p = {cfg.dropout:g}\ \text{{(training only)}}")
    return r"\begin{aligned}" + r" \\[4pt] ".join(lines) + r"\end{aligned}"


def penalty_tex(cfg: Config) -> str:
    """The weight penalty added to the loss, with its rate (empty when there is none)."""
    penalty = penalties.BY_NAME[cfg.regularization]
    if penalty.term is None:
        return ""
    return rf"+\; {penalty.tex_scale}\, {penalty.tex_sum}, \qquad \lambda = {cfg.reg_rate:g}"


def loss_tex(cfg: Config, n: int) -> str:
    """Softmax cross-entropy through log-sum-exp (or MSE), plus the penalty if there is one."""
    out = f"Z_{{{len(cfg.layer_sizes) - 1}}}"
    k = cfg.n_classes
    penalty = penalty_tex(cfg)
    if cfg.is_classification:
        lines = [
            rf"Z &= {out} && \in \mathbb{{R}}^{{{_dims(n, k)}}} \quad \text{{(the logits)}}",
            r"m_i &= \max_k Z_{ik}",
            rf"\operatorname{{LSE}}_i &= m_i + \log \sum_{{k=1}}^{{{k}}} e^{{Z_{{ik}} - m_i}}",
            rf"P &= \operatorname{{softmax}}(Z) && \in \mathbb{{R}}^{{{_dims(n, k)}}}",
            r"P_{ik} &= e^{Z_{ik} - \operatorname{LSE}_i}",
            rf"\mathcal{{L}} &= \frac{{1}}{{{n}}} \sum_{{i=1}}^{{{n}}} \big(\operatorname{{LSE}}_i - Z_{{i,y_i}}\big)",
            rf"&= -\frac{{1}}{{{n}}}\sum_{{i=1}}^{{{n}}} \log P_{{i,y_i}}",
        ]
    else:
        lines = [rf"\hat Y &= {out} && \in \mathbb{{R}}^{{{_dims(n, 1)}}}",
                 rf"\mathcal{{L}} &= \frac{{1}}{{{n}}} \sum_{{i=1}}^{{{n}}} (\hat Y_i - Y_i)^2"]
    if penalty:
        lines.append(rf"\mathcal{{L}} &\mathrel{{+}}= {penalty.removeprefix('+').strip()}")
    return r"\begin{aligned}" + r" \\[4pt] ".join(lines) + r"\end{aligned}"


def backward_tex(cfg: Config, n: int) -> str:
    """The chain rule from the loss back to W_1, unrolled over the real layers with shapes."""
    sizes = cfg.layer_sizes
    last = len(sizes) - 1
    derivative = activations.BY_NAME[cfg.activation].tex_grad
    if cfg.is_classification:
        first = rf"dZ_{{{last}}} &= \tfrac{{1}}{{{n}}}\,(P - Y)"
    else:
        first = rf"dZ_{{{last}}} &= \tfrac{{2}}{{{n}}}\,(\hat Y - Y)"
    lines = [first + rf" && \in \mathbb{{R}}^{{{_dims(n, sizes[-1])}}}"]
    if last > 1:                 # the activation's derivative, used at every hidden layer l
        z, h = _activation_input(cfg, "l"), ("A_l" if cfg.dropout else "H_l")
        lines.insert(0, rf"f'({z}) &= {derivative.format(z=z, h=h)} && \text{{for every hidden layer }} l")
    penalty = penalties.BY_NAME[cfg.regularization]
    for layer in range(last, 0, -1):
        h_in = "X" if layer == 1 else f"H_{{{layer - 1}}}"
        extra = " + " + penalty.tex_grad.format(l=layer) if penalty.grad else ""
        lines.append(rf"dW_{{{layer}}} &= {h_in}^{{\top}} dZ_{{{layer}}}" + extra
                     + rf" && \in \mathbb{{R}}^{{{_dims(sizes[layer - 1], sizes[layer])}}}")
        lines.append(rf"db_{{{layer}}} &= \textstyle\sum_{{i}} (dZ_{{{layer}}})_{{i,:}}"
                     rf" && \in \mathbb{{R}}^{{{_dims(1, sizes[layer])}}}")
        if layer > 1:
            lines += _hidden_backward_lines(cfg, layer - 1, n, sizes[layer - 1])
    return r"\begin{aligned}" + r" \\[2pt] ".join(lines) + r"\end{aligned}"


def _hidden_backward_lines(cfg: Config, layer: int, n: int, width: int) -> list[str]:
    """From dH_l (what layer l + 1 sends back) to dZ_l: dropout's mask, f', layer norm."""
    shape = rf" && \in \mathbb{{R}}^{{{_dims(n, width)}}}"
    z = _activation_input(cfg, layer)
    lines = [rf"dH_{{{layer}}} &= dZ_{{{layer + 1}}}\, W_{{{layer + 1}}}^{{\top}}" + shape]
    d_act = f"dH_{{{layer}}}"
    if cfg.dropout:
        lines.append(rf"dA_{{{layer}}} &= dH_{{{layer}}} \odot D_{{{layer}}}" + shape)
        d_act = f"dA_{{{layer}}}"
    norm = norms.BY_NAME[cfg.norm]
    lines.append(rf"d{z} &= {d_act} \odot f'({z})" + shape)                 # dZ_l, or with a norm dZ̃_l
    return lines + [line.format(l=layer, z=z, n=n, width=width) for line in norm.tex_grad]


def schedule_tex(cfg: Config) -> str:
    """The rate η_e of the epoch after e epochs (e = 0, 1, …) under the config's schedule, as
    scratchnet.net.schedule computes it (step decay and cosine start again every T epochs: a run goes on in
    rounds); empty for a constant rate."""
    tex = schedule.BY_NAME[cfg.schedule].tex
    return tex(cfg.lr, cfg.epochs) if tex else ""


def update_tex(cfg: Config) -> str:
    """The optimizer's update of every parameter θ ∈ {W_1, b_1, …}, with the constants the engine
    uses (scratchnet.net.optim) and, under a schedule, the rate η_e of epoch e (t counts steps)."""
    rate_line = schedule_tex(cfg)
    eta = r"\eta_e" if rate_line else r"\eta"
    lines = optim.BY_NAME[cfg.optimizer].tex(eta, r"\nabla_{\theta}\mathcal{L}", cfg.weight_decay)
    if not rate_line:                               # the rate's value, said where θ is updated (the last line)
        equation, constants = lines[-1]
        lines[-1] = (equation, [rf"\eta = {cfg.lr:g}", *constants])
    shown = [eq + (r" && " + r",\ ".join(constants) if constants else "") for eq, constants in lines]
    return r"\begin{aligned}" + r" \\[4pt] ".join([rate_line] * bool(rate_line) + shown) + r"\end{aligned}"


# --- the code that runs ---------------------------------------------------------------------------
@dataclass(frozen=True)
class Source:
    """One engine function or class as it is on disk now, and where it lives."""

    name: str
    code: str
    where: str          # "scratchnet/net/model.py, line 125"


def source_of(obj: Callable | type) -> Source:
    """`inspect.getsource` of the real object (decorators unwrapped to the function written)."""
    target = inspect.unwrap(obj) if callable(obj) and not isinstance(obj, type) else obj
    lines, start = inspect.getsourcelines(target)
    path = Path(inspect.getsourcefile(target) or "").resolve()
    shown = path.relative_to(ROOT) if path.is_relative_to(ROOT) else path.name
    return Source(f"{target.__module__}.{target.__qualname__}", "".join(lines), f"{shown}, line {start}")


def readable_sections(cfg: Config) -> dict[str, str]:
    """The tutorial-style code of each part of the math, for this config (what the export writes out
    and what computes "One step, opened up")."""
    if cfg.backprop == "autograd":
        backward_code = (tutorial_code.train_step(cfg) + "\n\n# the same gradients, written out:\n"
                         + tutorial_code.backward(cfg))
    else:
        backward_code = tutorial_code.backward(cfg)
    forward_code = tutorial_code.joined([tutorial_code.helpers(cfg), tutorial_code.forward(cfg)])
    return {"parameters": tutorial_code.parameters(cfg), "forward": forward_code,
            "loss": tutorial_code.loss(cfg), "backward": backward_code,
            "update": tutorial_code.joined([tutorial_code.optimizer(cfg), tutorial_code.learning_rate(cfg)])}


# What the engine does differently from the tutorial-style code, and why (the page's "How it is made fast").
FAST_NOTES = {
    "forward": "The same product, written once for one network or a stack of M networks (a sweep): `mm` and then "
               "`add_` in place, measured faster than `addmm` at these sizes; a stack picks the faster orientation "
               "of `bmm`.",
    "loss": "The loss and its gradient share one pass of exponentials, in place where a temporary is not needed; "
            "1/N is a cached 0-dim tensor (`kernels.constant`), which saves a scalar copy on every call.",
    "backward": "`kernels.keep_where_positive` is ReLU's derivative in one kernel (`threshold_backward`: "
                "`dH * (Z > 0)` takes three); the whole "
                "hand-written pass runs in `inference_mode`, so autograd records nothing.",
    "update": "Plain gradient descent updates every tensor in one multi-tensor call (`kernels.subtract_scaled`); the "
              "fused `add_(…, alpha=…)` forms round once, exactly like the tutorial-style code above.",
}


def code_sections(cfg: Config) -> dict[str, list[Source]]:
    """Which engine code implements each part of the math, for this config."""
    loss = [source_of(losses.cross_entropy_with_grad)] if cfg.is_classification else [source_of(losses.mse_with_grad)]
    if cfg.regularization != "none":
        loss += [source_of(penalties.penalty), source_of(penalties.penalty_grad)]
    act_grad, norm = activations.BY_NAME[cfg.activation].grad, norms.BY_NAME[cfg.norm]
    if cfg.backprop == "autograd":
        back = [source_of(autograd_loss_and_grads), source_of(backward), source_of(act_grad)]
    else:
        back = [source_of(backward), source_of(act_grad), source_of(hand_loss_and_grads)]
    if norm.grad:
        back.insert(2, source_of(norm.grad))
    update = [source_of(optim.BY_NAME[cfg.optimizer].make)]
    if cfg.optimizer != "sgd":
        update.append(source_of(optim._add_scaled))
    if cfg.schedule != "constant":
        update.append(source_of(lr_at))
    forward_code = [source_of(forward), source_of(matmul_add)]
    if norm.forward:
        forward_code.append(source_of(norm.forward))
    if cfg.dropout:
        forward_code.append(source_of(keep_mask))
    return {"forward": forward_code, "loss": loss, "backward": back, "update": update}


# --- one step, opened up --------------------------------------------------------------------------
STEP_POINTS = 8
STEP_MAX_PARAMS = 400        # finite differences cost two forward passes per parameter
STEP_MAX_HIDDEN_LAYERS = 3   # a larger network is replaced by a capped one of at most these sizes
STEP_MAX_UNITS = 8


def n_params(sizes: tuple[int, ...], norm: str = "none") -> int:
    """Weights and biases, and with layer norm a gain and a shift per hidden unit."""
    gains = 2 * sum(sizes[1:-1]) if norm == "layer" else 0
    return sum((a + 1) * b for a, b in itertools.pairwise(sizes)) + gains


def step_sizes(cfg: Config) -> tuple[int, ...]:
    """The layer sizes of the step's network: the Playground's when it has at most
    STEP_MAX_PARAMS parameters, else capped so the check stays well under a second."""
    if n_params(cfg.layer_sizes, cfg.norm) <= STEP_MAX_PARAMS:
        return cfg.layer_sizes
    hidden = tuple(min(h, STEP_MAX_UNITS) for h in cfg.hidden[:STEP_MAX_HIDDEN_LAYERS])
    return (len(cfg.features), *hidden, cfg.n_classes)


def step_config(cfg: Config, activation: str, regularization: str, rate: float) -> Config:
    """The setup of the step: the step network's sizes, the activation and penalty picked, and the
    written-out backward (the step checks it, whatever the run uses)."""
    return cfg.replace(hidden=step_sizes(cfg)[1:-1], activation=activation, regularization=regularization,
                       reg_rate=rate, backprop="hand")


def step_network(cfg: Config, current: Net, activation: str) -> tuple[Net, bool]:
    """A float64 network for the step: the run's current weights when the network is small
    enough (True), else a seeded network of the capped sizes, initialized as the run was."""
    sizes = step_sizes(cfg)
    if sizes == cfg.layer_sizes:
        params = [p.detach().to(torch.float64).clone().requires_grad_() for p in current.params]
        return dataclasses.replace(current.with_params(params), activation=activation, masks=None), True
    return init_net(sizes, activation, cfg.init_seed, cfg.init, torch.float64, cfg.norm), False


def step_batch(data: Dataset, cfg: Config, n: int = STEP_POINTS) -> tuple[Tensor, Tensor, Tensor, Tensor]:
    """n training points chosen by a seeded shuffle: raw (n, 2), features (n, d) float64,
    targets (one-hot (n, K) or (n, 1)) and labels (n,)."""
    order = torch.randperm(data.x_train.shape[0], generator=torch.Generator().manual_seed(cfg.init_seed))[:n]
    raw, labels = data.x_train[order], data.y_train[order]
    x = featurize(raw, cfg.features).to(torch.float64)
    if cfg.is_classification:
        target = torch.nn.functional.one_hot(labels, cfg.n_classes).to(torch.float64)
    else:
        target = labels.to(torch.float64).unsqueeze(-1)
    return raw, x, target, labels


@dataclass(frozen=True)
class OpenedStep:
    """The forward values and the three gradients of one small batch."""

    code: str                            # the tutorial-style code that computed the values and `hand`
    names: list[str]                     # ["W1", "b1", ...]
    z1: Tensor | None                    # (n, h1) first hidden layer before the activation
    h1: Tensor | None                    # (n, h1) and after it
    out: Tensor                          # (n, K) logits, or (n, 1) predictions
    probs: Tensor | None                 # (n, K) softmax, classification only
    point_losses: Tensor                 # (n,) each point's share of the data loss, times n
    data_loss: float
    penalty: float
    loss: float
    rows: list[GradCheckRow]
    grads: dict[str, list[Tensor]]       # "hand", "autograd", "numeric" -> [dW1, db1, ...]


def open_step(cfg: Config, net: Net, x: Tensor, target: Tensor) -> OpenedStep:
    """One step by the tutorial-style code of `cfg` (the step's setup, see `step_config`): its forward
    values and hand-written gradients, compared with autograd and finite differences."""
    step = reference_step(cfg, net.params, x, target)
    with torch.inference_mode():
        if cfg.is_classification:
            logp = log_softmax(step.out)
            probs, point_losses = logp.exp(), -(logp * target).sum(-1)
        else:
            probs, point_losses = None, (step.out - target).pow(2).sum(-1)
    objective = Objective(cfg.problem, cfg.regularization, cfg.reg_rate)
    rows, grads = compare_gradients(net, x, target, objective, hand=step.grads)
    return OpenedStep(step.code, param_names(net), step.saved.get("Z1"), step.saved.get("H1"), step.out,
                      probs, point_losses, step.data_loss, step.penalty, step.loss, rows, grads)


def gradient_rows(step: OpenedStep) -> list[dict[str, object]]:
    """The per-parameter comparison as table rows (numbers stay numbers, for sorting)."""
    return [{"parameter": r.param, "shape": "×".join(map(str, r.shape)),
             "max |hand − autograd|": r.autograd_abs, "relative (autograd)": r.autograd_rel,
             "max |hand − finite diff|": r.numeric_abs, "relative (finite diff)": r.numeric_rel,
             "ok": "✓" if r.ok else "✗"} for r in step.rows]


def gradient_entries(step: OpenedStep, index: int) -> list[dict[str, object]]:
    """One parameter's gradient entry by entry: the three values side by side and how far the
    hand-written one is from the other two."""
    name = step.names[index]
    hand, auto, numeric = (step.grads[k][index].detach().double() for k in ("hand", "autograd", "numeric"))
    rows = []
    for flat, position in enumerate(np.ndindex(*hand.shape)):    # named as the diagram names entries
        entry = weight_name(int(name[1:]) - 1, *position) if name.startswith("W") else f"{name}[{position[-1] + 1}]"
        h, a, fd = (float(t.reshape(-1)[flat]) for t in (hand, auto, numeric))
        rows.append({"entry": entry, "hand-written": h, "autograd": a, "finite differences": fd,
                     "hand − autograd": h - a, "hand − finite diff": h - fd})
    return rows


ENTRY_NAME = re.compile(r"[Wb][1-9]\d?\[\d{1,3}(,\d{1,3})?\]")     # what a click in the step's diagram names


def entry_of(net: Net, name: object) -> str | None:
    """`name` if it names an entry of this network (a pick survives only while its network does)."""
    if not isinstance(name, str):
        return None
    try:
        return parse_entry(name, (net.weights[0].shape[0], *(w.shape[1] for w in net.weights))).name
    except ValueError:
        return None


def step_diagram(cfg: Config, net: Net, step: OpenedStep, bounds: Bounds, style: Style,
                 selected: str | None = None) -> tuple[dict, Frame]:
    """The opened-up step as the Playground's network diagram (its chart and its one frame): the step's
    network, its lines sized and coloured by the hand-written gradients of these points, `selected` (an
    entry's name) marked. A click on a line or bias reports its name (trigger "select")."""
    sizes = (net.weights[0].shape[0], *(w.shape[1] for w in net.weights))
    shown = cfg.replace(hidden=sizes[1:-1], activation=net.activation)
    chart = diagram_chart(shown, bounds, style, height="420px", editable=False, toggles=False)
    chart.update(mode="gradients", actions={"select": True}, selected=selected)
    frame = Frame({"t": "frame", "kind": "diagram", "key": "step", "v": 0, "epoch": 0})
    note = {"text": f"∂L/∂W from the hand-written backward on these {step.out.shape[0]} points (the same numbers as "
                    "the table's “hand-written” column); a unit's frame: ∂L/∂z summed over the points (= ∂L/∂b). "
                    "Click a line or a bias to find its entry in the table below."}
    diagram_numbers(frame, shown, net, bounds, grads=step.grads["hand"], grad_note=note, pictures=True)
    return chart, frame


def checkpoint_metrics(net: Net, data: Dataset, cfg: Config) -> Metrics:
    """Losses and accuracies of a saved network on the run's points (the history scrubber's numbers)."""
    values = measure(net, prepare(data, cfg.features, cfg.n_classes), cfg.problem)
    return Metrics(*(None if v is None else float(v) for v in values))


def as_array(t: Tensor) -> np.ndarray:
    """A tensor as a 2-D numpy array for a table (a bias row (1, h) stays one row)."""
    a = t.detach().double().numpy()
    return a.reshape(1, -1) if a.ndim == 1 else a
