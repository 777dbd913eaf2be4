"""The network diagram of a live element: what the page sends once, what each frame adds, and the
stages of "Step slowly". No Streamlit here (the page's callbacks are in ui/diagram_actions.py).

The browser side is live/js/diagram.js. Once per page run the element's data carries the diagram's
structure (`diagram_chart`: columns, the names of the drawn weights and biases in the order of the
numbers, colours, scales, the input features' pictures); each frame then carries only numbers
(`add_diagram`): the drawn weights and biases as float32, the gradients of the newest step likewise,
and a few times a second what each drawn unit computes over the plane (uint8 pictures).
"""

from __future__ import annotations

import base64
import hashlib
from collections.abc import Collection, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np
from torch import Tensor

from scratchnet.config import FEATURES, KNOBS, Config
from scratchnet.data.class_names import class_label
from scratchnet.draw.diagram_data import Diagram, build_diagram, feature_pictures, unit_pictures, unit_pictures_steps
from scratchnet.draw.palette import NAMED, Style, output_scale
from scratchnet.draw.png import color_table
from scratchnet.draw.surface import Bounds
from scratchnet.net.entries import EDIT_LIMIT
from scratchnet.net.model import Net
from scratchnet.net.optim import ADAM_BETAS, MOMENTUM_MU, RMSPROP_ALPHA
from scratchnet.net.schedule import lr_at
from scratchnet.train.pieces import Steps, finish
from scratchnet.train.step_trace import StepTrace

if TYPE_CHECKING:
    from live.frames import Frame
    from live.run import FrameState

ACTIVATION = KNOBS["activation"]
PICTURE_RESOLUTION = 32             # a unit's picture: 32×32 cells of the plane (1 kB a unit)
# Lines: width grows with |w| up to WEIGHT_FULL (then stays at the widest), so widths compare across
# layers and over time; gradients, whose size changes by orders of magnitude while a run trains, are
# drawn relative to the largest of their step (the legend says how large that is).
WEIGHT_FULL = 2.0
LINE_PX = (0.6, 7.0)                # the thinnest and widest line, CSS pixels (×1.6 in presentation mode)
LEGEND_WEIGHTS = (0.25, 1.0, 2.0)
GRADIENT_COLORS = (NAMED["pink"], NAMED["green"])    # ∂L/∂W > 0, < 0: Okabe–Ito, unlike the weights'
SUBSCRIPTS = str.maketrans("0123456789", "₀₁₂₃₄₅₆₇₈₉")


def _b64(array: np.ndarray) -> str:
    return base64.b64encode(np.ascontiguousarray(array).tobytes()).decode("ascii")


def _sub(layer: int) -> str:
    return str(layer).translate(SUBSCRIPTS)


# --- what the page sends once --------------------------------------------------------------------
def diagram_key(cfg: Config) -> str:
    """Names the structure: a frame for another network (a config just changed) is not drawn on this one."""
    text = f"{cfg.layer_sizes}|{','.join(cfg.features)}|{cfg.activation}|{cfg.problem}"
    return hashlib.blake2b(text.encode(), digest_size=6).hexdigest()


def unit_label(cfg: Config, layer: int, unit: int, class_names: Sequence[str] | None = None) -> str:
    """A unit's name, 1-based like its bias: `h1[3]` in hidden layer 1, `out[2] (class 1)` or `out[2] (dog)` at
    the output."""
    if layer < len(cfg.layer_sizes) - 1:
        return f"h{layer}[{unit + 1}]"
    if not cfg.is_classification:
        return "out[1] (the prediction)"
    return f"out[{unit + 1}] ({class_label(unit, class_names)})"


def _columns(cfg: Config, diagram: Diagram, class_names: Sequence[str] | None, all_features: bool) -> list[dict]:
    names = KNOBS["features"].show
    shown = FEATURES if all_features else cfg.features
    inputs = [{"label": names(f), "feature": f, "active": f in cfg.features,
               "row": cfg.features.index(f) if f in cfg.features else -1} for f in shown]
    columns = [{"kind": "input", "layer": 0, "title": "Inputs", "short": "in", "units": inputs, "more": 0}]
    last = diagram.n_layers
    for layer in range(1, last + 1):
        size, drawn = diagram.layer_sizes[layer], diagram.shown[layer]
        title = (f"Hidden layer {layer}" if layer < last else "Output") + f" · {size}"
        units = [{"label": unit_label(cfg, layer, j, class_names)} for j in range(drawn)]
        short = (f"h{layer}" if layer < last else "out") + f" · {size}"      # when the columns are narrow
        columns.append({"kind": "hidden" if layer < last else "output", "layer": layer, "title": title, "short": short,
                        "units": units, "more": diagram.more[layer],
                        "band": f"h{layer}[{drawn + 1}–{size}]" if drawn < size else ""})
    return columns


def diagram_chart(cfg: Config, bounds: Bounds, style: Style, *, height: str, editable: bool,
                  toggles: bool, class_names: Sequence[str] | None = None, presentation: bool = False) -> dict:
    """The diagram's part of the element's data: everything that changes only with the network.
    `editable`: a click on a weight or bias changes it; `toggles`: a click on an input feature turns it
    on or off (all seven features are drawn then, as TensorFlow Playground draws them)."""
    diagram = build_diagram(cfg.layer_sizes)
    shown_features = FEATURES if toggles else cfg.features
    pictures, ranges = feature_pictures(shown_features, bounds, PICTURE_RESOLUTION)
    widths = tuple(px * (1.6 if presentation else 1.0) for px in LINE_PX)
    return {
        "type": "diagram", "key": diagram_key(cfg), "height": height,
        "columns": _columns(cfg, diagram, class_names, toggles),
        "weights": [[e.layer, e.row, e.col, e.name] for e in diagram.weights()],
        "biases": [[e.layer, e.col, e.name] for e in diagram.biases()],
        "bands": [[b.layer, *b.rows, *b.cols, b.name, b.count] for b in diagram.weight_bands()],
        "bias_bands": [[b.layer, *b.cols, b.name, b.count] for b in diagram.bias_bands()],
        "activation": ACTIVATION.show(cfg.activation),
        "output": "logits" if cfg.is_classification else "prediction",
        "features": {"res": PICTURE_RESOLUTION, "pictures": _b64(pictures), "ranges": ranges.tolist()},
        "colors": {"positive": style.class_colors[1], "negative": style.class_colors[0],
                   "grad_positive": GRADIENT_COLORS[0], "grad_negative": GRADIENT_COLORS[1]},
        # each output unit's picture in its class's colour (the hidden units' use the "units" table)
        "output_luts": [_b64(color_table(output_scale(c, style)))
                        for c in range(cfg.n_classes if cfg.is_classification else 0)],
        "scale": {"full": WEIGHT_FULL, "px": widths, "legend": LEGEND_WEIGHTS},
        "edit": {"enabled": editable, "limit": EDIT_LIMIT},
        "toggles": toggles,
    }


def shape_spec(cfg: Config) -> dict:
    """What the diagram's + and − for layers and units need: today's widths and the config table's bounds."""
    limit = KNOBS["hidden"]
    return {"hidden": list(cfg.hidden), "min": int(limit.low), "max": int(limit.high), "layers": limit.max_items,
            "new_units": limit.default[-1]}


def playground_chart(cfg: Config, bounds: Bounds, style: Style, *, height: str, class_names: Sequence[str] | None,
                     hide: Collection[str] = (), presentation: bool = False) -> dict:
    """The Playground's diagram: editable, "Step slowly" on, + and − for layers and units, and its inputs
    toggle (unless a lesson link hides the hidden layers' or the features' control: `hide`)."""
    chart = diagram_chart(cfg, bounds, style, height=height, editable=True, toggles="features" not in hide,
                          class_names=class_names, presentation=presentation)
    chart["actions"] = {"walk": True}
    if "hidden" not in hide:
        chart["shape"] = shape_spec(cfg)
    return chart


# --- what each frame adds ------------------------------------------------------------------------
@dataclass(frozen=True)
class DiagramView:
    """A live element's diagram: its part of the frames."""

    resolution: int = PICTURE_RESOLUTION
    chart: str = "diagram"
    kind: str = field(default="diagram", init=False)


def _grad_values(diagram: Diagram, net: Net, grads: Sequence[Tensor]) -> np.ndarray | None:
    """The drawn numbers of gradients given in `net.params` order (with layer norm, γ and β sit between)."""
    slots = net.weight_slots
    if len(grads) != len(net.params):
        return None
    weights = [grads[s].detach().float().numpy() for s in slots]
    biases = [grads[s + 1].detach().float().numpy() for s in slots]
    if [w.shape for w in weights] != list(zip(diagram.layer_sizes, diagram.layer_sizes[1:])):
        return None
    return diagram.values(weights, biases)


def diagram_numbers(frame: Frame, cfg: Config, net: Net, bounds: Bounds, *, grads: Sequence[Tensor] | None,
                    grad_note: dict | None, pictures: bool, resolution: int = PICTURE_RESOLUTION,
                    chart: str = "diagram") -> None:
    """Add a network's numbers to a frame: its drawn weights and biases (float32), the gradients
    (`grads`, in `net.params` order) with what they are (`grad_note`), and (`pictures`) each drawn unit's
    picture and range over the plane."""
    finish(diagram_numbers_steps(frame, cfg, net, bounds, grads=grads, grad_note=grad_note, pictures=pictures,
                                 resolution=resolution, chart=chart))


def diagram_numbers_steps(frame: Frame, cfg: Config, net: Net, bounds: Bounds, *, grads: Sequence[Tensor] | None,
                          grad_note: dict | None, pictures: bool, resolution: int = PICTURE_RESOLUTION,
                          chart: str = "diagram") -> Steps[None]:
    """`diagram_numbers` in pieces (scratchnet/train/pieces.py): a big network's unit pictures a piece at a time."""
    diagram = build_diagram(cfg.layer_sizes)
    part: dict[str, Any] = {"chart": chart, "key": diagram_key(cfg),
                            "values": frame.blob(diagram.net_values(net))}
    numbers = _grad_values(diagram, net, grads) if grads else None
    if numbers is not None:
        part["grads"] = frame.blob(numbers)
        part["grad"] = grad_note or {}
    if pictures:
        codes, ranges = yield from unit_pictures_steps(net, cfg.features, bounds, diagram, resolution)
        part.update(res=resolution, pictures=frame.blob(codes), ranges=frame.blob(ranges))
    frame.header["diagram"] = part


def add_diagram(frame: Frame, state: FrameState, view: DiagramView, *, pictures: bool) -> None:
    """The live run's numbers for the diagram: its weights, its newest step's gradients, its units."""
    finish(add_diagram_steps(frame, state, view, pictures=pictures))


def add_diagram_steps(frame: Frame, state: FrameState, view: DiagramView, *, pictures: bool) -> Steps[None]:
    """`add_diagram` in pieces (scratchnet/train/pieces.py)."""
    latest = state.latest
    note = None if latest is None else {"epoch": latest.epoch, "points": latest.points, "backprop": latest.backprop}
    yield from diagram_numbers_steps(frame, state.cfg, state.net, state.data.bounds,
                                     grads=None if latest is None else latest.grads, grad_note=note,
                                     pictures=pictures, resolution=view.resolution, chart=view.chart)


# --- Step slowly ---------------------------------------------------------------------------------
def _dims(rows: int | str, cols: int | str) -> str:
    return f"({rows}×{cols})"


def walk_stages(cfg: Config, trace: StepTrace) -> list[dict]:
    """The stages of one step, each with its formula and the real shapes: forward layer by layer, the
    loss, backward from the output layer by layer, the update."""
    sizes, n = cfg.layer_sizes, trace.points
    last = len(sizes) - 1
    act = ACTIVATION.show(cfg.activation).split(" (")[0]     # "SiLU", not "SiLU (swish)", in a formula
    stages = []
    for layer in range(1, last + 1):
        h_in = "X" if layer == 1 else f"H{_sub(layer - 1)}"
        z = f"Z{_sub(layer)}"
        formula = f"{z} = {h_in}·W{_sub(layer)} + b{_sub(layer)}"
        shapes = (f"{_dims(n, sizes[layer - 1])}·{_dims(sizes[layer - 1], sizes[layer])} + {_dims(1, sizes[layer])}"
                  f" → {_dims(n, sizes[layer])}")
        if layer < last:
            if cfg.norm == "layer":                  # the affine map's output normalized per point, then γ, β
                formula = f"{z} = γ{_sub(layer)} ⊙ norm({h_in}·W{_sub(layer)} + b{_sub(layer)}) + β{_sub(layer)}"
            formula += f",   H{_sub(layer)} = {act}({z})"
            if cfg.dropout:
                formula += f" ⊙ mask  (dropout p = {cfg.dropout:g})"
            title = f"Forward: hidden layer {layer}"
        else:
            title = "Forward: output layer" + (" (the logits)" if cfg.is_classification else " (the prediction)")
        stages.append({"phase": "forward", "layer": layer, "title": title, "formula": formula, "shapes": shapes})
    z_out = f"Z{_sub(last)}"
    if cfg.is_classification:
        loss = f"L = −(1/N) Σᵢ log softmax({z_out})ᵢ,yᵢ"
        first = f"dZ{_sub(last)} = (softmax({z_out}) − Y) / N"
    else:
        loss = f"L = (1/N) Σᵢ ({z_out}ᵢ − Yᵢ)²"
        first = f"dZ{_sub(last)} = 2 ({z_out} − Y) / N"
    penalty = {"l1": " + λ Σ|W|", "l2": " + (λ/2) Σ W²"}.get(cfg.regularization, "")
    stages.append({"phase": "loss", "layer": last, "title": "The loss", "formula": loss + penalty,
                   "shapes": f"{_dims(n, sizes[-1])} → one number: {trace.loss:.4f}"})
    extra = {"l1": " + λ·sign(W{l})", "l2": " + λ·W{l}"}.get(cfg.regularization, "")
    for layer in range(last, 0, -1):
        h_in = "X" if layer == 1 else f"H{_sub(layer - 1)}"
        dz = f"dZ{_sub(layer)}"
        grads = f"dW{_sub(layer)} = {h_in}ᵀ·{dz}" + extra.format(l=_sub(layer)) + f",   db{_sub(layer)} = Σᵢ {dz}"
        shapes = (f"dW{_sub(layer)}: {_dims(sizes[layer - 1], n)}·{_dims(n, sizes[layer])} → "
                  f"{_dims(sizes[layer - 1], sizes[layer])},   db{_sub(layer)}: {_dims(1, sizes[layer])}")
        if layer == last:
            formula, title = f"{first},   {grads}", "Backward: output layer"
            shapes = f"{dz}: {_dims(n, sizes[layer])},   " + shapes
        else:
            dh = f"dH{_sub(layer)} = dZ{_sub(layer + 1)}·W{_sub(layer + 1)}ᵀ" + (" ⊙ mask" if cfg.dropout else "")
            through = " (then back through the layer norm: dγ, dβ)" if cfg.norm == "layer" else ""
            formula = f"{dh},   {dz} = dH{_sub(layer)} ⊙ {act}′(Z{_sub(layer)}){through},   {grads}"
            title = f"Backward: hidden layer {layer}"
            shapes = (f"dH{_sub(layer)}: {_dims(n, sizes[layer + 1])}·{_dims(sizes[layer + 1], sizes[layer])} → "
                      f"{_dims(n, sizes[layer])},   " + shapes)
        stages.append({"phase": "backward", "layer": layer, "title": title, "formula": formula, "shapes": shapes})
    stages.append({"phase": "update", "layer": 0, "title": f"Update ({KNOBS['optimizer'].show(cfg.optimizer)})",
                   "formula": update_formula(cfg, lr_at(trace.epoch - 1, cfg)),
                   "shapes": "every W and b keeps its shape"})
    return stages


def update_formula(cfg: Config, lr: float) -> str:
    """The optimizer's update of every parameter θ (W₁, b₁, …) with its constants (`lr`: this step's rate)."""
    rate = f"(η = {lr:g})"
    b1, b2 = ADAM_BETAS
    adam = (f"m ← {b1:g}·m + {1 - b1:.1g}·dθ,   v ← {b2:g}·v + {1 - b2:.1g}·dθ²,   "
            f"θ ← θ − η·m̂ / (√v̂ + ε)")
    return {
        "sgd": f"θ ← θ − η·dθ   {rate}",
        "momentum": f"v ← {MOMENTUM_MU:g}·v + dθ,   θ ← θ − η·v   {rate}",
        "nesterov": f"v ← {MOMENTUM_MU:g}·v + dθ,   θ ← θ − η·(dθ + {MOMENTUM_MU:g}·v)   {rate}",
        "rmsprop": f"v ← {RMSPROP_ALPHA:g}·v + {1 - RMSPROP_ALPHA:.2g}·dθ²,   θ ← θ − η·dθ / (√v + ε)   {rate}",
        "adam": f"{adam}   {rate}",
        "adamw": f"W ← W − η·λ·W (λ = {cfg.weight_decay:g}),   then {adam}   {rate}",
    }[cfg.optimizer]


def walk_spec(cfg: Config, bounds: Bounds, trace: StepTrace, walk_id: int) -> dict:
    """Everything "Step slowly" shows, for the element's data (numbers as base64 float32 in the order of
    `Diagram.values`; unit numbers in the order of the drawn units, layer 1 first)."""
    diagram = build_diagram(cfg.layer_sizes)
    grads = _grad_values(diagram, trace.before, trace.grads)
    means = np.concatenate([m[:shown].float().numpy() for m, shown in zip(trace.unit_means(), diagram.shown[1:])])
    pictures, _ = unit_pictures(trace.before, cfg.features, bounds, diagram, PICTURE_RESOLUTION)
    batch = ("the whole training set (full batch)" if trace.points == trace.train_points else
             f"the first mini-batch of epoch {trace.epoch} ({trace.train_points} training points; the epoch's "
             "other batches were then trained the same way)")
    return {"id": walk_id, "key": diagram_key(cfg), "epoch": trace.epoch, "points": trace.points,
            "batch": f"N = {trace.points}: {batch}", "loss": trace.loss,
            "before": _b64(diagram.net_values(trace.before)), "after": _b64(diagram.net_values(trace.after)),
            "grads": _b64(grads), "means": _b64(means.astype(np.float32)), "pictures": _b64(pictures),
            "stages": walk_stages(cfg, trace)}
