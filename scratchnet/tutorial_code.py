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
from .model import resolve_init
from .optim import ADAM_BETAS, ADAM_EPS, MOMENTUM_MU

COMMENT_COLUMN = 44          # shape comments line up here (or two spaces after a longer line)


def aligned(rows: Iterable[tuple[str, str]], indent: str = "", column: int = COMMENT_COLUMN) -> str:
    """Lines of code with their comments lined up: [(code, comment)] -> text."""
    lines = []
    for code, comment in rows:
        line = indent + code
        if comment:
            line = line.ljust(max(column, len(line) + 2)) + "# " + comment
        lines.append(line)
    return "\n".join(lines) + "\n"


class NotExportable(ValueError):
    """A setup the tutorial-style code cannot write out exactly; `str()` is one sentence for people."""


# --- one small table per knob: each choice and its code ---------------------------------------------
@dataclass(frozen=True)
class ActivationCode:
    """H = f(Z) and dZ = dH ⊙ f'(Z) as code; {z}, {h}, {dh} are filled with the layer's names."""

    forward: str
    derivative: str
    note: str                   # what the derivative is, beside its line


ACTIVATION_CODE = {
    "relu": ActivationCode("torch.relu({z})", "{dh} * ({z} > 0)", "ReLU' is 1 where {z} > 0, else 0"),
    "tanh": ActivationCode("torch.tanh({z})", "{dh} * (1 - {h} ** 2)", "tanh' = 1 - tanh²"),
    "sigmoid": ActivationCode("torch.sigmoid({z})", "{dh} * ({h} * (1 - {h}))", "σ' = σ (1 - σ)"),
    "linear": ActivationCode("{z}", "{dh}", "the identity's derivative is 1"),
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


# The updates use torch's fused multiply-add forms (`p.add_(g, alpha=-LR)` rather than `p -= LR * g`):
# the same math rounded once, as the engine's optimizers round it, so a run reproduces to the last bit
# (with a batch of one, Adam turns a difference of one rounding into a different run within epochs).
OPTIMIZER_CODE = {
    "sgd": OptimizerCode("gradient descent", "", '''def update(grads):
    """Gradient descent: θ ← θ - lr·∇θ for every parameter θ, in place."""
    for p, g in zip(params, grads):
        p.add_(g, alpha=-LR)                      # p -= LR * g, rounded once
'''),
    "momentum": OptimizerCode("momentum", aligned([
        (f"MU = {MOMENTUM_MU!r}", "how much of the last step each step keeps"),
        ("velocity = [torch.zeros_like(p) for p in params]", "one per parameter, starting at 0")]),
        '''def update(grads):
    """Momentum: v ← μ·v + ∇θ, then θ ← θ - lr·v (PyTorch's form), for every parameter θ."""
    for p, g, v in zip(params, grads, velocity):
        v.mul_(MU).add_(g)                        # v = MU * v + g
        p.add_(v, alpha=-LR)                      # p -= LR * v, rounded once
'''),
    "adam": OptimizerCode("Adam", aligned([
        (f"BETA1, BETA2, EPS = {ADAM_BETAS[0]!r}, {ADAM_BETAS[1]!r}, {ADAM_EPS!r}", "Kingma & Ba's constants"),
        ("m = [torch.zeros_like(p) for p in params]", "running mean of each gradient"),
        ("v = [torch.zeros_like(p) for p in params]", "running mean of its square"),
        ("t = 0", "steps taken")]), '''def update(grads):
    """Adam: per-weight step sizes from running means of the gradient and of its square."""
    global t
    t += 1
    c1, c2 = 1 - BETA1 ** t, 1 - BETA2 ** t       # bias corrections: m and v start at 0
    for p, g, m_p, v_p in zip(params, grads, m, v):
        m_p.mul_(BETA1).add_(g, alpha=1 - BETA1)          # m = BETA1 * m + (1 - BETA1) * g
        v_p.mul_(BETA2).addcmul_(g, g, value=1 - BETA2)   # v = BETA2 * v + (1 - BETA2) * g²
        p.add_(m_p / ((v_p / c2).sqrt() + EPS), alpha=-LR / c1)   # p -= lr·m̂ / (√v̂ + ε), m̂ = m / c1, v̂ = v / c2
'''),
}

BACKPROPS = ("hand", "autograd")

# Features: what the network sees of a point (x1, x2); each is one expression.
FEATURE_CODE = {"x1": "x1", "x2": "x2", "x1sq": "x1 * x1", "x2sq": "x2 * x2", "x1x2": "x1 * x2",
                "sinx1": "torch.sin(x1)", "sinx2": "torch.sin(x2)"}

# Knobs with a table above; knobs whose value is written as a number; the view's knobs change no number.
CHOICE_TABLES: dict[str, Mapping[str, object] | Iterable[str]] = {
    "problem": LOSS_CODE, "activation": ACTIVATION_CODE, "optimizer": OPTIMIZER_CODE,
    "regularization": REGULARIZATION_CODE, "backprop": BACKPROPS, "features": FEATURE_CODE,
}
NUMBER_KNOBS = ("classes", "n_points", "noise", "train_fraction", "seed", "hidden", "init_seed", "lr", "batch_size",
                "reg_rate", "epochs", "target_accuracy")
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


def param_names(cfg: Config) -> list[str]:
    """['W1', 'b1', 'W2', 'b2', ...]: the order of `params` and of the gradients."""
    return [f"{kind}{layer}" for layer in range(1, n_layers(cfg) + 1) for kind in ("W", "b")]


def saved_names(cfg: Config) -> list[str]:
    """What the forward pass keeps for the backward: Z1, H1, Z2, H2, ... of the hidden layers."""
    return [f"{kind}{layer}" for layer in range(1, n_layers(cfg)) for kind in ("Z", "H")]


def output_name(cfg: Config) -> str:
    return f"Z{n_layers(cfg)}"


def _shape(rows: str, cols: int) -> str:
    return f"({rows}, {cols})"


# --- the sections -----------------------------------------------------------------------------------------
def hyperparameters(cfg: Config) -> str:
    """The training knobs the code below reads, as constants."""
    rows = [(f"LR = {cfg.lr!r}", "learning rate")]
    if cfg.regularization != "none":
        rows.append((f"REG_RATE = {cfg.reg_rate!r}", f"strength of the {cfg.regularization.upper()} penalty"))
    return aligned(rows)


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
    rows.append((f"params = [{', '.join(param_names(cfg))}]", "the order of the gradients too"))
    return ("# Scale first, then requires_grad_(): the tutorial's `torch.randn(..., requires_grad=True) * 0.1`\n"
            "# keeps the result of `* 0.1`, which is not a leaf, so backward() would leave its .grad at None.\n"
            f"# Initialization: {init.note}.\n"
            + aligned(rows))


def forward(cfg: Config) -> str:
    """def forward(X): the layers one after the other, returning the output and what backward needs."""
    sizes, last = cfg.layer_sizes, n_layers(cfg)
    act = ACTIVATION_CODE[cfg.activation]
    loss = LOSS_CODE[cfg.problem]
    rows = []
    h = "X"
    for layer in range(1, last + 1):
        z = f"Z{layer}"
        what = f" {loss.output}" if layer == last else ""
        rows.append((f"{z} = {h} @ W{layer} + b{layer}", f"{_shape('N', sizes[layer])}{what}"))
        if layer < last:
            h = f"H{layer}"
            rows.append((f"{h} = {act.forward.format(z=z)}", _shape("N", sizes[layer])))
    saved = saved_names(cfg)
    kept = "(" + ", ".join(saved) + ("," if len(saved) == 1 else "") + ")"
    rows.append((f"return {output_name(cfg)}, {kept}", ""))
    doc = (f'    """X {_shape("N", sizes[0])} → {loss.output} {_shape("N", sizes[-1])}, and the values the '
           'backward pass needs."""\n')
    return "def forward(X):\n" + doc + aligned(rows, "    ")


def loss(cfg: Config) -> str:
    """The data loss, and the weight penalty if there is one."""
    text = LOSS_CODE[cfg.problem].function
    penalty = REGULARIZATION_CODE[cfg.regularization]
    if penalty is not None:
        terms = " + ".join(penalty.term.format(w=f"W{layer}") for layer in range(1, n_layers(cfg) + 1))
        text += (f'\n\ndef penalty():\n    """{penalty.doc}"""\n'
                 f"    return {penalty.scale} * ({terms})\n")
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
        if layer > 1:
            z, h = f"Z{layer - 1}", f"H{layer - 1}"
            rows.append((f"d{h} = dZ{layer} @ W{layer}.T", _shape("N", sizes[layer - 1])))
            rows.append((f"d{z} = {act.derivative.format(dh=f'd{h}', z=z, h=h)}",
                         f"{_shape('N', sizes[layer - 1])} {act.note.format(z=z)}"))
    grads = ", ".join(f"d{name}" for name in param_names(cfg))
    rows.append((f"return [{grads}]", ""))
    head = (f"def backward(X, Y, {out}, saved):\n"
            '    """The chain rule, last layer first: the gradient of the loss for every parameter."""\n')
    softmax = SOFTMAX + "\n\n" if cfg.is_classification else ""
    return softmax + head + aligned(rows, "    ")


def optimizer(cfg: Config) -> str:
    """The optimizer's constants and state, and `update(grads)`."""
    code = OPTIMIZER_CODE[cfg.optimizer]
    return (code.state + "\n\n" if code.state else "") + code.update


def train_step(cfg: Config) -> str:
    """One update on a batch: by the written-out backward, or by autograd's `loss.backward()`."""
    loss_line = f"loss = {loss_expression(cfg)}"
    if cfg.backprop == "autograd":
        return aligned([
            ("def train_step(X, Y):", ""),
            ('    """One update on a batch by autograd; returns the batch\'s loss (before the update)."""', ""),
            ("    Z, _ = forward(X)", ""),
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
        ("    Z, saved = forward(X)", ""),
        (f"    {loss_line}", ""),
        ("    update(backward(X, Y, Z, saved))", ""),
        ("    return loss", ""),
    ])


def model_code(cfg: Config) -> str:
    """Everything one training step runs, after the parameters exist: what reference.py executes."""
    parts = [hyperparameters(cfg), forward(cfg), loss(cfg)]
    if cfg.backprop == "hand":
        parts.append(backward(cfg))
    parts += [optimizer(cfg), train_step(cfg)]
    return "\n\n".join(p.rstrip("\n") for p in parts) + "\n"

