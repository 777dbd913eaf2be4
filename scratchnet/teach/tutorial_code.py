"""The tutorial-style code of a setup: W1, b1, ... as plain tensors; the forward pass, the loss, the
chain rule and the optimizer written out as a learner would type them.

One source for two readers: the exported script or notebook (export.py) is assembled from these
sections, and Under the hood shows them and runs them (reference.py) for its opened-up step, so the
code a learner reads is code that ran. It mirrors the engine's arithmetic operation for operation
(same seeds, same order of updates), which is how an exported script reproduces a run number for
number; the engine's own code is the same math arranged for speed (in place, fused kernels).

An activation, an optimizer, a schedule and a norm bring their own code (their records:
activations.py, optim.py, schedule.py, norms.py); the other knobs' choices map to their code in small
tables below. A value with no code, or a knob the config table does not mark `exportable`, is refused
with a sentence (`NotExportable`): a knob added to the engine can never be exported silently wrong.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from scratchnet.config import KNOBS, Config
from scratchnet.net import activations, inits, norms, optim, penalties, schedule
from scratchnet.net.dropout import SEED_OFFSET
from scratchnet.net.model import resolve_init

COMMENT_COLUMN = 44          # shape comments line up here (or two spaces after a longer line)
WIDTH = 118                  # a longer line gets its comment on the line above


def aligned(rows: Iterable[tuple[str, str]], indent: str = "", column: int = COMMENT_COLUMN) -> str:
    """Lines of code with their comments lined up: [(code, comment)] -> text."""
    lines = []
    for code, comment in rows:
        line = indent + code
        if comment and len(line.ljust(max(column, len(line) + 2))) + len(comment) + 2 > WIDTH:
            lead = line[:len(line) - len(line.lstrip())]
            lines.append(f"{lead}# {comment}")
        elif comment:
            line = line.ljust(max(column, len(line) + 2)) + "# " + comment
        lines.append(line)
    return "\n".join(lines) + "\n"


def joined(parts: Iterable[str]) -> str:
    """Pieces of code two blank lines apart, as top-level definitions are."""
    return "\n\n\n".join(p.rstrip("\n") for p in parts if p) + "\n"


class NotExportable(ValueError):
    """A setup the tutorial-style code cannot write out exactly; `str()` is one sentence for people."""


# --- one small table per knob without records: each choice and its code ------------------------------
@dataclass(frozen=True)
class LossCode:
    """The data loss of a problem, and its gradient at the network's output Z."""

    name: str                   # the function's name
    function: str               # its definition
    output_grad: str            # dZ of the mean loss over the N points of a batch
    note: str
    output: str                 # what the last layer's Z is called


LOSS_CODE = {
    "classification": LossCode(
        "cross_entropy",
        '''def cross_entropy(Z, Y):
    """The mean over the points of -log softmax(Z)[true class]; Y holds the labels one-hot (N, K)."""
    shifted = Z - Z.amax(dim=1, keepdim=True)                        # largest logit 0: exp cannot overflow
    log_p = shifted - shifted.exp().sum(dim=1, keepdim=True).log()   # log softmax(Z), (N, K)
    return -(log_p * Y).sum(dim=1).mean()
''',
        "(softmax({z}) - Y) * (1 / N)", "of the mean cross-entropy, (P - Y) / N", "logits"),
    "regression": LossCode(
        "mse",
        '''def mse(Z, Y):
    """The mean squared error of the predictions Z (N, 1) against the targets Y (N, 1)."""
    return ((Z - Y) ** 2).mean()
''',
        "(2 / N) * ({z} - Y)", "of the mean squared error", "prediction"),
}

SOFTMAX = '''def softmax(Z):
    """Each row of logits as probabilities that sum to 1 (largest logit subtracted first)."""
    E = (Z - Z.amax(dim=1, keepdim=True)).exp()
    return E / E.sum(dim=1, keepdim=True)
'''


BACKPROPS = ("hand", "autograd")
# Features: what the network sees of a point (x1, x2); each is one expression.
FEATURE_CODE = {"x1": "x1", "x2": "x2", "x1sq": "x1 * x1", "x2sq": "x2 * x2", "x1x2": "x1 * x2",
                "sinx1": "torch.sin(x1)", "sinx2": "torch.sin(x2)"}

# The code of each choice, per choice knob (the records' own, or a table above); the other exportable
# knobs are numbers the code writes in, or view knobs that change no number.
CHOICE_TABLES: dict[str, Mapping[str, object] | Iterable[str]] = {
    "problem": LOSS_CODE, "activation": activations.BY_NAME, "optimizer": optim.BY_NAME,
    "regularization": penalties.BY_NAME, "backprop": BACKPROPS, "features": FEATURE_CODE, "norm": norms.BY_NAME,
    "schedule": schedule.BY_NAME,
}
# `dataset` is checked by data_code.py (a generator written out, or the points themselves) and `init`
# below (its 'auto' resolves through the engine's own rule first).
OWN_CHECKS = ("dataset", "init")


def check_exportable(cfg: Config) -> None:
    """Raise NotExportable unless every knob of `cfg` is exportable and each chosen value has code."""
    for name, knob in KNOBS.items():
        if not knob.exportable:
            raise NotExportable(f"The code export does not know the setting “{knob.label}” ({name}) yet, so it "
                                "cannot write this run out exactly.")
        table = CHOICE_TABLES.get(name)
        if table is None:
            continue
        values = getattr(cfg, name)
        for value in (values if knob.kind == "set" else (values,)):
            _known(name, value, table)
    _known("init", resolve_init(cfg.activation, cfg.init), inits.BY_NAME)


def _known(name: str, value: object, table: Iterable[str]) -> None:
    if value not in table:
        label = KNOBS[name].label if name in KNOBS else name
        raise NotExportable(f"The code export has no code for {label.lower()} “{value}” yet (it writes out "
                            f"{', '.join(map(str, table))}), so it cannot write this run out exactly.")


# --- names ---------------------------------------------------------------------------------------------
def n_layers(cfg: Config) -> int:
    return len(cfg.layer_sizes) - 1


def normed(cfg: Config) -> bool:
    return norms.BY_NAME[cfg.norm].forward is not None and bool(cfg.hidden)


def penalized(cfg: Config) -> bool:
    return penalties.BY_NAME[cfg.regularization].term is not None


def dropped(cfg: Config) -> bool:
    """Dropout draws masks only with a rate above 0 and a hidden layer to drop units of."""
    return cfg.dropout > 0 and bool(cfg.hidden)


def param_names(cfg: Config) -> list[str]:
    """['W1', 'b1', ('gain1', 'shift1',) 'W2', ...]: the order of `params`, of the gradients and of
    the engine's `net.params`."""
    names = []
    for layer in range(1, n_layers(cfg) + 1):
        names += [f"W{layer}", f"b{layer}"]
        if normed(cfg) and layer < n_layers(cfg):
            names += [f"gain{layer}", f"shift{layer}"]
    return names


def _hidden_names(cfg: Config, layer: int) -> dict[str, str]:
    """The names of hidden layer `layer`'s values: the affine output, what f is applied to, f's output,
    and what the next layer gets (the same as f's output without dropout)."""
    z = f"Z{layer}"
    into = f"U{layer}" if normed(cfg) else z
    act = f"A{layer}" if dropped(cfg) else f"H{layer}"
    return {"z": z, "into": into, "act": act, "out": f"H{layer}"}


def saved_names(cfg: Config) -> list[str]:
    """What the forward pass keeps for the backward, hidden layer by hidden layer."""
    names = []
    for layer in range(1, n_layers(cfg)):
        n = _hidden_names(cfg, layer)
        names.append(n["z"])
        if normed(cfg):
            names += [n["into"], f"Xhat{layer}", f"rstd{layer}"]
        if dropped(cfg):
            names.append(n["act"])
        names.append(n["out"])
    return names


def output_name(cfg: Config) -> str:
    return f"Z{n_layers(cfg)}"


def _shape(rows: str, cols: int) -> str:
    return f"({rows}, {cols})"


def _tuple(names: list[str]) -> str:
    return "(" + ", ".join(names) + ("," if len(names) == 1 else "") + ")"


# --- the sections -----------------------------------------------------------------------------------------
def hyperparameter_rows(cfg: Config) -> list[tuple[str, str]]:
    """The training knobs the code reads, as constants: [(line, comment)]."""
    rows = [(f"LR = {cfg.lr!r}", "learning rate"),
            ("lr = LR", "the rate of the current epoch" + (" (the schedule sets it)" if scheduled(cfg) else ""))]
    if penalized(cfg):
        rows.append((f"REG_RATE = {cfg.reg_rate!r}", f"strength of the {penalties.BY_NAME[cfg.regularization].label} "
                                                     "penalty"))
    choice = optim.BY_NAME[cfg.optimizer]
    if choice.decays:
        rows.append((f"WEIGHT_DECAY = {cfg.weight_decay!r}", f"{choice.label}'s decay of the weights"))
    if dropped(cfg):
        rows.append((f"DROPOUT = {cfg.dropout!r}", "share of hidden units switched off in each step"))
    return rows


def hyperparameters(cfg: Config) -> str:
    return aligned(hyperparameter_rows(cfg))


def parameters(cfg: Config) -> str:
    """W1, b1, ... as leaf tensors, drawn as the engine draws them (same generator, same order)."""
    init = inits.BY_NAME[resolve_init(cfg.activation, cfg.init)]
    rows = [("gen = torch.Generator().manual_seed(INIT_SEED)", "the initial weights come from the init seed")]
    sizes = cfg.layer_sizes
    for layer, (fan_in, fan_out) in enumerate(itertools.pairwise(sizes), start=1):
        std = init.code.format(fan_in=fan_in, fan_out=fan_out)
        rows.append((f"W{layer} = (torch.randn({fan_in}, {fan_out}, generator=gen) * {std}).requires_grad_()",
                     _shape(fan_in, fan_out)))
        rows.append((f"b{layer} = torch.zeros(1, {fan_out}, requires_grad=True)", _shape(1, fan_out)))
    if normed(cfg):                       # the engine makes every gain and shift after all weights
        for layer, width in enumerate(cfg.hidden, start=1):
            rows.append((f"gain{layer} = torch.ones(1, {width}, requires_grad=True)", "layer norm's γ, starts at 1"))
            rows.append((f"shift{layer} = torch.zeros(1, {width}, requires_grad=True)", "and β, at 0"))
    rows.append((f"params = [{', '.join(param_names(cfg))}]", "the order of the gradients too"))
    return ("# Scale first, then requires_grad_(): the tutorial's `torch.randn(..., requires_grad=True) * 0.1`\n"
            "# keeps the result of `* 0.1`, which is not a leaf, so backward() would leave its .grad at None.\n"
            f"# Initialization: {init.note}.\n"
            + aligned(rows))


def helpers(cfg: Config) -> str:
    """What the forward pass calls besides torch: layer norm, the dropout masks."""
    parts = []
    if normed(cfg):
        parts.append(norms.BY_NAME[cfg.norm].code)
    if dropped(cfg):
        widths = _tuple([str(w) for w in cfg.hidden])
        parts.append(aligned([(f"drop_gen = torch.Generator().manual_seed(INIT_SEED + {SEED_OFFSET:#x})",
                               "the masks' own random numbers")])
                     + "\n\n"
                     f'def dropout_masks(n):\n'
                     f'    """A mask per hidden layer for n points: 0 drops a unit, 1/(1 - p) scales a kept one."""\n'
                     f"    keep = 1 - DROPOUT\n"
                     f"    return [(torch.rand(n, width, generator=drop_gen) < keep) * (1 / keep) "
                     f"for width in {widths}]\n")
    return joined(parts) if parts else ""


def forward(cfg: Config) -> str:
    """def forward(X): the layers one after the other, returning the output and what backward needs."""
    sizes, last = cfg.layer_sizes, n_layers(cfg)
    act = activations.BY_NAME[cfg.activation]
    norm = norms.BY_NAME[cfg.norm]
    loss = LOSS_CODE[cfg.problem]
    rows = []
    h = "X"
    for layer in range(1, last + 1):
        shape = _shape("N", sizes[layer])
        if layer == last:
            rows.append((f"Z{layer} = {h} @ W{layer} + b{layer}", f"{shape} {loss.output}"))
            break
        n = _hidden_names(cfg, layer)
        rows.append((f"{n['z']} = {h} @ W{layer} + b{layer}", shape))
        if normed(cfg):
            rows.append((norm.code_call.format(into=n["into"], l=layer, z=n["z"]), "normalized per point"))
        rows.append((f"{n['act']} = {act.code.format(z=n['into'])}", shape))
        if dropped(cfg):
            rows.append((f"{n['out']} = {n['act']} * masks[{layer - 1}] if masks else {n['act']}",
                         "dropout, in training only"))
        h = n["out"]
    rows.append((f"return {output_name(cfg)}, {_tuple(saved_names(cfg))}", ""))
    doc = (f'    """X {_shape("N", sizes[0])} → {loss.output} {_shape("N", sizes[-1])}, and the values the '
           'backward pass needs."""\n')
    head = "def forward(X, masks=None):\n" if dropped(cfg) else "def forward(X):\n"
    return head + doc + aligned(rows, "    ")


def loss(cfg: Config) -> str:
    """The data loss, and the weight penalty if there is one."""
    text = LOSS_CODE[cfg.problem].function
    penalty = penalties.BY_NAME[cfg.regularization]
    if penalized(cfg):
        terms = " + ".join(penalty.code_term.format(w=f"W{layer}") for layer in range(1, n_layers(cfg) + 1))
        text = joined([text, f'def penalty():\n    """{penalty.doc}"""\n    return {penalty.code_scale} * ({terms})\n'])
    return text


def loss_expression(cfg: Config, z: str = "Z") -> str:
    """The loss a training step minimizes: the data loss plus the penalty, if any."""
    data = f"{LOSS_CODE[cfg.problem].name}({z}, Y)"
    return data + (" + penalty()" if penalized(cfg) else "")


def backward(cfg: Config) -> str:
    """def backward(...): the chain rule written out, last layer first (the hand-written gradients)."""
    sizes, last = cfg.layer_sizes, n_layers(cfg)
    act = activations.BY_NAME[cfg.activation]
    norm = norms.BY_NAME[cfg.norm]
    loss_code = LOSS_CODE[cfg.problem]
    penalty = penalties.BY_NAME[cfg.regularization]
    out = output_name(cfg)
    rows = []
    saved = saved_names(cfg)
    if saved:
        rows.append((f"{', '.join(saved)} = saved", ""))
    rows.append(("N = X.shape[0]", "points in the batch"))
    rows.append((f"d{out} = {loss_code.output_grad.format(z=out)}",
                 f"{_shape('N', sizes[-1])} the gradient {loss_code.note}"))
    for layer in range(last, 0, -1):
        h_in = "X" if layer == 1 else f"H{layer - 1}"
        extra = f" + {penalty.code_grad.format(w=f'W{layer}')}" if penalized(cfg) else ""
        note = " + the penalty's gradient" if penalized(cfg) else ""
        rows.append((f"dW{layer} = {h_in}.T @ dZ{layer}{extra}", f"{_shape(sizes[layer - 1], sizes[layer])}{note}"))
        rows.append((f"db{layer} = dZ{layer}.sum(dim=0, keepdim=True)", _shape(1, sizes[layer])))
        if layer == 1:
            continue
        below, width = layer - 1, _shape("N", sizes[layer - 1])
        n = _hidden_names(cfg, below)
        rows.append((f"d{n['out']} = dZ{layer} @ W{layer}.T", width))
        if dropped(cfg):
            rows.append((f"d{n['act']} = d{n['out']} * masks[{below - 1}] if masks else d{n['out']}",
                         "dropped units pass nothing back"))
        rows.append((f"d{n['into']} = {act.code_grad.format(dh='d' + n['act'], z=n['into'], h=n['act'])}",
                     f"{width} {act.code_note.format(z=n['into'])}"))
        if normed(cfg):
            rows += [(line.format(l=below, dy="d" + n["into"]), note) for line, note in norm.code_grad]
    grads = ", ".join(f"d{name}" for name in param_names(cfg))
    rows.append((f"return [{grads}]", ""))
    masks = ", masks=None" if dropped(cfg) else ""
    head = (f"def backward(X, Y, {out}, saved{masks}):\n"
            '    """The chain rule, last layer first: the gradient of the loss for every parameter."""\n')
    return joined([SOFTMAX if cfg.is_classification else "", head + aligned(rows, "    ")])


def optimizer(cfg: Config) -> str:
    """The optimizer's constants and state, and `update(grads)`."""
    choice = optim.BY_NAME[cfg.optimizer]
    weights = _tuple([f"W{layer}" for layer in range(1, n_layers(cfg) + 1)])
    state = aligned(choice.code_state) if choice.code_state else ""
    return joined([state, choice.code_update.replace("{weights}", weights)])


def scheduled(cfg: Config) -> bool:
    """Whether the rate changes over the run (the code then computes it every epoch)."""
    return bool(schedule.BY_NAME[cfg.schedule].code)


def learning_rate(cfg: Config) -> str:
    """def learning_rate(epoch): the schedule's rate (empty for a constant rate)."""
    if not scheduled(cfg):
        return ""
    rate = schedule.BY_NAME[cfg.schedule]
    return (f'def learning_rate(epoch):\n    """The rate of the epoch after `epoch` epochs; {rate.code_note}."""\n'
            f"    return {rate.code}\n")


def train_step(cfg: Config) -> str:
    """One update on a batch: by the written-out backward, or by autograd's `loss.backward()`."""
    loss_line = f"loss = {loss_expression(cfg)}"
    draw = [("    masks = dropout_masks(len(X))", "other units switched off in every step")] if dropped(cfg) else []
    masks = ", masks" if dropped(cfg) else ""
    if cfg.backprop == "autograd":
        return aligned([
            ("def train_step(X, Y):", ""),
            ('    """One update on a batch by autograd; returns the batch\'s loss (before the update)."""', ""),
            *draw,
            (f"    Z, _ = forward(X{masks})", ""),
            (f"    {loss_line}", ""),
            ("    loss.backward()", "autograd fills W1.grad, b1.grad, ...: the leaves"),
            ("    with torch.no_grad():", "the update is not part of the graph"),
            ("        update([p.grad for p in params])", ""),
            ("    for p in params:", ""),
            ("        p.grad = None", "zero the gradients: backward() adds to what is there"),
            ("    return loss.detach()", ""),
        ])
    return aligned([
        ("@torch.no_grad()", "the gradients are written out: autograd records nothing"),
        ("def train_step(X, Y):", ""),
        ('    """One update on a batch; returns the batch\'s loss (before the update)."""', ""),
        *draw,
        (f"    Z, saved = forward(X{masks})", ""),
        (f"    {loss_line}", ""),
        (f"    update(backward(X, Y, Z, saved{masks}))", ""),
        ("    return loss", ""),
    ])


def model_code(cfg: Config) -> str:
    """Everything one training step runs, after the parameters exist: what reference.py executes."""
    parts = [hyperparameters(cfg), helpers(cfg), forward(cfg), loss(cfg)]
    if cfg.backprop == "hand":
        parts.append(backward(cfg))
    parts += [optimizer(cfg), learning_rate(cfg), train_step(cfg)]
    return joined(parts)
