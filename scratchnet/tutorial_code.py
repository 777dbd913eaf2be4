"""The tutorial-style code of a setup: W1, b1, ... as plain tensors; the forward pass, the loss, the
chain rule and the optimizer written out as a learner would type them.

One source for two readers: the exported script or notebook (export.py) is assembled from these
sections, and Under the hood shows them and runs them (reference.py) for its opened-up step, so the
code a learner reads is code that ran. It mirrors the engine's arithmetic operation for operation
(same seeds, same order of updates), which is how an exported script reproduces a run number for
number; the engine's own code is the same math arranged for speed (in place, fused kernels).

Each choice of a knob maps to its code in one small table below. A value with no entry, or a knob
this module does not know, is refused with a sentence (`NotExportable`): a knob added to the
engine can never be exported silently wrong.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from .config import KNOBS, Config
from .dropout import SEED_OFFSET
from .model import ELU_ALPHA, LAYER_NORM_EPS, LEAKY_SLOPE, resolve_init
from .optim import ADAM_BETAS, ADAM_EPS, MOMENTUM_MU, RMSPROP_ALPHA, RMSPROP_EPS
from .schedule import STEP_EVERY, STEP_FACTOR, WARMUP_SHARE

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


# --- one small table per knob: each choice and its code ---------------------------------------------
@dataclass(frozen=True)
class ActivationCode:
    """H = f(Z) and dZ = dH ⊙ f'(Z) as code; {z}, {h}, {dh} are filled with the layer's names."""

    forward: str
    derivative: str
    note: str                   # what the derivative is, beside its line


# Where the engine rounds once (a fused multiply-add: addcmul), the code does too, and says so: the same
# numbers to the last bit. Functions torch has (GELU, SiLU, ELU) are called; derivatives are written out.
ACTIVATION_CODE = {
    "relu": ActivationCode("torch.relu({z})", "{dh} * ({z} > 0)", "ReLU' is 1 where {z} > 0, else 0"),
    "tanh": ActivationCode("torch.tanh({z})", "{dh} * (1 - {h} ** 2)", "tanh' = 1 - tanh²"),
    "sigmoid": ActivationCode("torch.sigmoid({z})", "{dh} * ({h} * (1 - {h}))", "σ' = σ (1 - σ)"),
    "linear": ActivationCode("{z}", "{dh}", "the identity's derivative is 1"),
    "leaky_relu": ActivationCode(f"torch.where({{z}} > 0, {{z}}, {LEAKY_SLOPE!r} * {{z}})",
                                 f"torch.where({{z}} > 0, {{dh}}, {{dh}} * {LEAKY_SLOPE!r})",
                                 f"1 where {{z}} > 0, else {LEAKY_SLOPE!r}"),
    "elu": ActivationCode(f"torch.nn.functional.elu({{z}}, {ELU_ALPHA!r})",
                          f"torch.where({{z}} > 0, {{dh}}, {{dh}} * ({{h}} + {ELU_ALPHA!r}))",
                          "1 above 0; below, α·e^z = f(z) + α"),
    "gelu": ActivationCode("torch.nn.functional.gelu({z})",
                           "{dh} * torch.special.ndtr({z}).addcmul({z}, torch.exp(-0.5 * {z} ** 2), "
                           "value=1 / math.sqrt(2 * math.pi))",
                           "Φ(z) + z·φ(z), the sum rounded once"),
    "silu": ActivationCode("torch.nn.functional.silu({z})", "{dh} * torch.addcmul({h}, torch.sigmoid({z}), 1 - {h})",
                           "σ(z)(1 - f) + f, rounded once"),
    "softplus": ActivationCode("torch.logaddexp({z}, torch.zeros(()))", "{dh} * torch.sigmoid({z})",
                               "log(1 + e^z)' = σ(z)"),
    "sine": ActivationCode("torch.sin({z})", "{dh} * torch.cos({z})", "sin' = cos"),
}


@dataclass(frozen=True)
class InitCode:
    """The standard deviation of a layer's initial weights; {fan_in}, {fan_out} are its sizes."""

    std: str
    note: str


INIT_CODE = {
    "he": InitCode("math.sqrt(2 / {fan_in})", "He, std √(2 / fan_in) (made for ReLU)"),
    "xavier": InitCode("math.sqrt(2 / ({fan_in} + {fan_out}))", "Xavier, std √(2 / (fan_in + fan_out))"),
    "small": InitCode("0.1", "the tutorial's, std 0.1"),
}


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


@dataclass(frozen=True)
class PenaltyCode:
    """A weight penalty: its value from the weights {w}, and its gradient for one weight."""

    term: str                   # one weight matrix's share, before the rate
    scale: str                  # the factor in front of the sum
    grad: str                   # added to dW
    doc: str


REGULARIZATION_CODE: dict[str, PenaltyCode | None] = {
    "none": None,
    "l1": PenaltyCode("{w}.abs().sum()", "REG_RATE", "REG_RATE * {w}.sign()",
                      "L1: λ·Σ|W| over the weights (biases are not penalized); its gradient is λ·sign(W)."),
    "l2": PenaltyCode("({w} ** 2).sum()", "0.5 * REG_RATE", "REG_RATE * {w}",
                      "L2: λ/2·ΣW² over the weights (biases are not penalized); its gradient is λ·W."),
}


@dataclass(frozen=True)
class OptimizerCode:
    """An optimizer written out: its constants and state (made after `params`), and `update`."""

    title: str
    state: str
    update: str


# The updates use torch's fused multiply-add forms (`p.add_(g, alpha=-lr)` rather than `p -= lr * g`):
# the same math rounded once, as the engine's optimizers round it, so a run reproduces to the last bit
# (with a batch of one, Adam turns a difference of one rounding into a different run within epochs).
# `lr` is the learning rate of the current epoch (a schedule changes it, see `learning_rate`).
_ADAM_STEP = '''    global t
    t += 1
    c1, c2 = 1 - BETA1 ** t, 1 - BETA2 ** t       # bias corrections: m and v start at 0
    for p, g, m_p, v_p in zip(params, grads, m, v):
        m_p.mul_(BETA1).add_(g, alpha=1 - BETA1)          # m = BETA1 * m + (1 - BETA1) * g
        v_p.mul_(BETA2).addcmul_(g, g, value=1 - BETA2)   # v = BETA2 * v + (1 - BETA2) * g²
        p.add_(m_p / ((v_p / c2).sqrt() + EPS), alpha=-lr / c1)   # p -= lr·m̂ / (√v̂ + ε), m̂ = m/c1, v̂ = v/c2
'''
_VELOCITY_STATE = aligned([                       # momentum and Nesterov keep the same state
    (f"MU = {MOMENTUM_MU!r}", "how much of the last step each step keeps"),
    ("velocity = [torch.zeros_like(p) for p in params]", "one per parameter, starting at 0")])
OPTIMIZER_CODE = {
    "sgd": OptimizerCode("gradient descent", "", '''def update(grads):
    """Gradient descent: θ ← θ - lr·∇θ for every parameter θ, in place."""
    for p, g in zip(params, grads):
        p.add_(g, alpha=-lr)                      # p -= lr * g, rounded once
'''),
    "momentum": OptimizerCode("momentum", _VELOCITY_STATE,
        '''def update(grads):
    """Momentum: v ← μ·v + ∇θ, then θ ← θ - lr·v (PyTorch's form), for every parameter θ."""
    for p, g, v in zip(params, grads, velocity):
        v.mul_(MU).add_(g)                        # v = MU * v + g
        p.add_(v, alpha=-lr)                      # p -= lr * v, rounded once
'''),
    "nesterov": OptimizerCode("Nesterov momentum", _VELOCITY_STATE,
        '''def update(grads):
    """Nesterov: v ← μ·v + ∇θ, then θ ← θ - lr·(∇θ + μ·v): the step looks one velocity ahead."""
    for p, g, v in zip(params, grads, velocity):
        v.mul_(MU).add_(g)                        # v = MU * v + g
        p.add_(torch.add(g, v, alpha=MU), alpha=-lr)   # p -= lr * (g + MU * v), each rounded once
'''),
    "rmsprop": OptimizerCode("RMSProp", aligned([
        (f"ALPHA, EPS = {RMSPROP_ALPHA!r}, {RMSPROP_EPS!r}", "torch.optim.RMSprop's constants"),
        ("v = [torch.zeros_like(p) for p in params]", "running mean of each gradient's square")]),
        '''def update(grads):
    """RMSProp: each weight's step divided by the recent size of its gradient."""
    for p, g, v_p in zip(params, grads, v):
        v_p.mul_(ALPHA).addcmul_(g, g, value=1 - ALPHA)   # v = ALPHA * v + (1 - ALPHA) * g²
        p.add_(g / (v_p.sqrt() + EPS), alpha=-lr)         # p -= lr * g / (√v + ε), rounded once
'''),
    "adam": OptimizerCode("Adam", aligned([
        (f"BETA1, BETA2, EPS = {ADAM_BETAS[0]!r}, {ADAM_BETAS[1]!r}, {ADAM_EPS!r}", "Kingma & Ba's constants"),
        ("m = [torch.zeros_like(p) for p in params]", "running mean of each gradient"),
        ("v = [torch.zeros_like(p) for p in params]", "running mean of its square"),
        ("t = 0", "steps taken")]), '''def update(grads):
    """Adam: per-weight step sizes from running means of the gradient and of its square."""
''' + _ADAM_STEP),
    "adamw": OptimizerCode("AdamW", aligned([
        (f"BETA1, BETA2, EPS = {ADAM_BETAS[0]!r}, {ADAM_BETAS[1]!r}, {ADAM_EPS!r}", "Kingma & Ba's constants"),
        ("m = [torch.zeros_like(p) for p in params]", "running mean of each gradient"),
        ("v = [torch.zeros_like(p) for p in params]", "running mean of its square"),
        ("t = 0", "steps taken")]), '''def update(grads):
    """AdamW: shrink every weight by lr·λ (decoupled weight decay: not biases, gains or shifts),
    then Adam's step."""
    for W in {weights}:
        W.mul_(1 - lr * WEIGHT_DECAY)
''' + _ADAM_STEP),
}

BACKPROPS = ("hand", "autograd")
NORMS = ("none", "layer")

ROW_MEAN = '''def row_mean(Z):
    """The mean of each row as a product with a column of 1/H (the engine's way: the same numbers)."""
    return Z @ torch.full((Z.shape[1], 1), 1 / Z.shape[1], dtype=Z.dtype)
'''

LAYER_NORM = f'''def layer_norm(Z, gain, shift):
    """Each point's values to mean 0 and variance 1 over its units, then scaled by gain and shifted."""
    centred = Z - row_mean(Z)
    rstd = (row_mean(centred ** 2) + {LAYER_NORM_EPS!r}).rsqrt()             # 1 / √(variance + ε), (N, 1)
    Xhat = centred * rstd
    return torch.addcmul(shift, Xhat, gain), Xhat, rstd       # shift + Xhat * gain, rounded once
'''

# The learning rate of the epoch after `epoch` epochs (the engine's schedule.lr_at, term by term).
SCHEDULE_CODE = {
    "constant": None,
    "step": (f"LR * {STEP_FACTOR!r} ** math.floor(epoch / ({STEP_EVERY!r} * EPOCHS))",
             f"step decay: ×{STEP_FACTOR:g} every {STEP_EVERY:.0%} of the run"),
    "cosine": ("LR * 0.5 * (1.0 + math.cos(math.pi * min(epoch / EPOCHS, 1.0)))", "cosine: eases down to 0"),
    "warmup": (f"LR * min(1.0, (epoch + 1) / max(1, math.ceil({WARMUP_SHARE!r} * EPOCHS)))",
               f"warm-up: rises linearly over the first {WARMUP_SHARE:.0%} of the run"),
}

# Features: what the network sees of a point (x1, x2); each is one expression.
FEATURE_CODE = {"x1": "x1", "x2": "x2", "x1sq": "x1 * x1", "x2sq": "x2 * x2", "x1x2": "x1 * x2",
                "sinx1": "torch.sin(x1)", "sinx2": "torch.sin(x2)"}

# Knobs with a table above; knobs whose value is written as a number; the view's knobs change no number.
CHOICE_TABLES: dict[str, Mapping[str, object] | Iterable[str]] = {
    "problem": LOSS_CODE, "activation": ACTIVATION_CODE, "optimizer": OPTIMIZER_CODE,
    "regularization": REGULARIZATION_CODE, "backprop": BACKPROPS, "features": FEATURE_CODE, "norm": NORMS,
    "schedule": SCHEDULE_CODE,
}
# `dropout` is a number too, written into `dropout_masks` below; `weight_decay` is AdamW's.
NUMBER_KNOBS = ("classes", "n_points", "noise", "train_fraction", "seed", "hidden", "init_seed", "lr", "batch_size",
                "reg_rate", "weight_decay", "dropout", "epochs", "target_accuracy")
# `dataset` is checked by data_code.py (a generator written out, or the points themselves) and `init`
# below (its 'auto' resolves through the engine's own rule first).
OWN_CHECKS = ("dataset", "init")


def check_exportable(cfg: Config) -> None:
    """Raise NotExportable unless every knob of `cfg` has code here."""
    for name, knob in KNOBS.items():
        if knob.group == "view" or name in NUMBER_KNOBS or name in OWN_CHECKS:
            continue
        table = CHOICE_TABLES.get(name)
        if table is None:
            raise NotExportable(f"The code export does not know the setting “{knob.label}” ({name}) yet, so it "
                                "cannot write this run out exactly.")
        values = getattr(cfg, name)
        for value in (values if knob.kind == "set" else (values,)):
            _known(name, value, table)
    _known("init", resolve_init(cfg.activation, cfg.init), INIT_CODE)


def _known(name: str, value: object, table: Iterable[str]) -> None:
    if value not in table:
        label = KNOBS[name].label if name in KNOBS else name
        raise NotExportable(f"The code export has no code for {label.lower()} “{value}” yet (it writes out "
                            f"{', '.join(map(str, table))}), so it cannot write this run out exactly.")


# --- names ---------------------------------------------------------------------------------------------
def n_layers(cfg: Config) -> int:
    return len(cfg.layer_sizes) - 1


def normed(cfg: Config) -> bool:
    return cfg.norm == "layer" and bool(cfg.hidden)


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
            ("lr = LR", "the rate of the current epoch" + (" (the schedule sets it)" if SCHEDULE_CODE[cfg.schedule]
                                                          else ""))]
    if cfg.regularization != "none":
        rows.append((f"REG_RATE = {cfg.reg_rate!r}", f"strength of the {cfg.regularization.upper()} penalty"))
    if cfg.optimizer == "adamw":
        rows.append((f"WEIGHT_DECAY = {cfg.weight_decay!r}", "AdamW's decay of the weights"))
    if dropped(cfg):
        rows.append((f"DROPOUT = {cfg.dropout!r}", "share of hidden units switched off in each step"))
    return rows


def hyperparameters(cfg: Config) -> str:
    return aligned(hyperparameter_rows(cfg))


def parameters(cfg: Config) -> str:
    """W1, b1, ... as leaf tensors, drawn as the engine draws them (same generator, same order)."""
    init = INIT_CODE[resolve_init(cfg.activation, cfg.init)]
    rows = [("gen = torch.Generator().manual_seed(INIT_SEED)", "the initial weights come from the init seed")]
    sizes = cfg.layer_sizes
    for layer, (fan_in, fan_out) in enumerate(itertools.pairwise(sizes), start=1):
        std = init.std.format(fan_in=fan_in, fan_out=fan_out)
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
        parts += [ROW_MEAN, LAYER_NORM]
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
    act = ACTIVATION_CODE[cfg.activation]
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
            rows.append((f"{n['into']}, Xhat{layer}, rstd{layer} = layer_norm({n['z']}, gain{layer}, shift{layer})",
                         "normalized per point"))
        rows.append((f"{n['act']} = {act.forward.format(z=n['into'])}", shape))
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
    penalty = REGULARIZATION_CODE[cfg.regularization]
    if penalty is not None:
        terms = " + ".join(penalty.term.format(w=f"W{layer}") for layer in range(1, n_layers(cfg) + 1))
        text = joined([text, f'def penalty():\n    """{penalty.doc}"""\n    return {penalty.scale} * ({terms})\n'])
    return text


def loss_expression(cfg: Config, z: str = "Z") -> str:
    """The loss a training step minimizes: the data loss plus the penalty, if any."""
    data = f"{LOSS_CODE[cfg.problem].name}({z}, Y)"
    return data + (" + penalty()" if cfg.regularization != "none" else "")


def backward(cfg: Config) -> str:
    """def backward(...): the chain rule written out, last layer first (the hand-written gradients)."""
    sizes, last = cfg.layer_sizes, n_layers(cfg)
    act = ACTIVATION_CODE[cfg.activation]
    loss_code = LOSS_CODE[cfg.problem]
    penalty = REGULARIZATION_CODE[cfg.regularization]
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
        extra = f" + {penalty.grad.format(w=f'W{layer}')}" if penalty is not None else ""
        note = " + the penalty's gradient" if penalty is not None else ""
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
        rows.append((f"d{n['into']} = {act.derivative.format(dh='d' + n['act'], z=n['into'], h=n['act'])}",
                     f"{width} {act.note.format(z=n['into'])}"))
        if normed(cfg):
            rows += [(f"dgain{below} = (d{n['into']} * Xhat{below}).sum(dim=0, keepdim=True)", "layer norm: dγ"),
                     (f"dshift{below} = d{n['into']}.sum(dim=0, keepdim=True)", "dβ"),
                     (f"dXhat{below} = d{n['into']} * gain{below}", ""),
                     (f"dZ{below} = (dXhat{below} - row_mean(dXhat{below}) "
                      f"- Xhat{below} * row_mean(dXhat{below} * Xhat{below})) * rstd{below}",
                      "the mean and σ depend on every unit")]
    grads = ", ".join(f"d{name}" for name in param_names(cfg))
    rows.append((f"return [{grads}]", ""))
    masks = ", masks=None" if dropped(cfg) else ""
    head = (f"def backward(X, Y, {out}, saved{masks}):\n"
            '    """The chain rule, last layer first: the gradient of the loss for every parameter."""\n')
    return joined([SOFTMAX if cfg.is_classification else "", head + aligned(rows, "    ")])


def optimizer(cfg: Config) -> str:
    """The optimizer's constants and state, and `update(grads)`."""
    code = OPTIMIZER_CODE[cfg.optimizer]
    weights = _tuple([f"W{layer}" for layer in range(1, n_layers(cfg) + 1)])
    return joined([code.state, code.update.replace("{weights}", weights)])


def learning_rate(cfg: Config) -> str:
    """def learning_rate(epoch): the schedule's rate (empty for a constant rate)."""
    schedule = SCHEDULE_CODE[cfg.schedule]
    if schedule is None:
        return ""
    formula, what = schedule
    return (f'def learning_rate(epoch):\n    """The rate of the epoch after `epoch` epochs; {what}."""\n'
            f"    return {formula}\n")


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
