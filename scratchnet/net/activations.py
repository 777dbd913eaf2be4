"""The activations, each defined once: its function, its derivative, the code a learner reads, its
formula and its label.

A record per activation, like TensorFlow Playground's `{output, der}` pairs, in the tutorial's terms:

    h = forward(z)            the nonlinearity after each hidden layer
    dz = grad(dh, z, h)       dL/dz = dL/dh ⊙ f'(z), from whichever of z and h = f(z) gives f' exactly and cheaply

The config table's choices and labels, the forward pass, the hand-written backward, the exported code
and the page's LaTeX all read `ALL`, so a new activation is one record here (and its gradient check,
the tests of its code and formula, come with it: tests/net/test_records.py runs over every record).
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass

import torch
import torch.nn.functional as F
from torch import Tensor

from scratchnet.net import kernels
from scratchnet.net.tex import tex_number


@dataclass(frozen=True)
class Activation:
    """One choice of the activation knob.

    `grad` receives a fresh dh it may overwrite. The code and the formulas are templates: {z} is the
    activation's input, {h} its output f(z), {dh} the gradient arriving at h (code only). The code
    computes exactly what `forward` and `grad` compute, to the last bit (an exported script reproduces
    a run digit for digit): where the engine rounds once (a fused multiply-add), so does the code."""

    name: str                                       # the config's value
    label: str                                      # what the app shows
    forward: Callable[[Tensor], Tensor]             # h = f(z)
    grad: Callable[[Tensor, Tensor, Tensor], Tensor]  # (dh, z, h) -> dz = dh ⊙ f'(z)
    code: str                                       # f(z) as the tutorial writes it
    code_grad: str                                  # dz as the tutorial writes it
    code_note: str                                  # what the derivative is, beside its line
    tex_name: str                                   # f's name in a formula
    tex: str                                        # f(z)
    tex_grad: str                                   # f'(z)
    tex_note: str = ""                              # what the formula's symbols mean, where that needs saying
    he_init: bool = False                           # the ReLU family: init=auto uses He's rule, not Xavier's


# --- ReLU: max(0, z) -----------------------------------------------------------------------------
def relu_grad(dh: Tensor, z: Tensor, h: Tensor) -> Tensor:
    return kernels.keep_where_positive(dh, z)                        # f' = 1 where z > 0, else 0


RELU = Activation(
    "relu", "ReLU", torch.relu, relu_grad,
    "torch.relu({z})", "{dh} * ({z} > 0)", "ReLU' is 1 where {z} > 0, else 0",
    r"\operatorname{ReLU}", r"\max(0,\,{z})", r"\mathbb{{1}}[{z} > 0]", he_init=True)


# --- tanh ----------------------------------------------------------------------------------------
def tanh_grad(dh: Tensor, z: Tensor, h: Tensor) -> Tensor:
    return dh.mul_(1.0 - h * h)                                       # f' = 1 - tanh²


TANH = Activation(
    "tanh", "tanh", torch.tanh, tanh_grad,
    "torch.tanh({z})", "{dh} * (1 - {h} ** 2)", "tanh' = 1 - tanh²",
    r"\tanh", r"\tanh({z})", r"1 - {h} \odot {h}")


# --- sigmoid: 1 / (1 + e^-z) ---------------------------------------------------------------------
def sigmoid_grad(dh: Tensor, z: Tensor, h: Tensor) -> Tensor:
    return dh.mul_(h * (1.0 - h))                                     # f' = σ(1 - σ)


SIGMOID = Activation(
    "sigmoid", "sigmoid", torch.sigmoid, sigmoid_grad,
    "torch.sigmoid({z})", "{dh} * ({h} * (1 - {h}))", "σ' = σ (1 - σ)",
    r"\sigma", r"1 / (1 + e^{{-{z}}})", r"{h} \odot (1 - {h})")


# --- linear: the identity ------------------------------------------------------------------------
def identity(z: Tensor) -> Tensor:
    return z


def identity_grad(dh: Tensor, z: Tensor, h: Tensor) -> Tensor:
    return dh                                                         # f' = 1


LINEAR = Activation(
    "linear", "linear", identity, identity_grad,
    "{z}", "{dh}", "the identity's derivative is 1",
    r"\operatorname{id}", r"{z}", r"1")


# --- leaky ReLU: z above 0, 0.01 z below ---------------------------------------------------------
LEAKY_SLOPE = 0.01        # the slope below 0 (torch's default, and the usual choice)


def leaky_relu(z: Tensor) -> Tensor:
    return F.leaky_relu(z, LEAKY_SLOPE)


def leaky_relu_grad(dh: Tensor, z: Tensor, h: Tensor) -> Tensor:
    return torch.where(z > 0, dh, dh * LEAKY_SLOPE)                   # f' = 1 where z > 0, else the slope


LEAKY_RELU = Activation(
    "leaky_relu", "leaky ReLU", leaky_relu, leaky_relu_grad,
    f"torch.where({{z}} > 0, {{z}}, {LEAKY_SLOPE!r} * {{z}})",
    f"torch.where({{z}} > 0, {{dh}}, {{dh}} * {LEAKY_SLOPE!r})", f"1 where {{z}} > 0, else {LEAKY_SLOPE!r}",
    r"\operatorname{LeakyReLU}", rf"\max({tex_number(LEAKY_SLOPE)}\,{{z}},\,{{z}})",
    rf"\mathbb{{{{1}}}}[{{z}} > 0] + {tex_number(LEAKY_SLOPE)}\,\mathbb{{{{1}}}}[{{z}} \le 0]", he_init=True)


# --- ELU: z above 0, α(e^z - 1) below ------------------------------------------------------------
ELU_ALPHA = 1.0           # below 0 the output saturates at -α (torch's default)


def elu(z: Tensor) -> Tensor:
    return F.elu(z, ELU_ALPHA)


def elu_grad(dh: Tensor, z: Tensor, h: Tensor) -> Tensor:
    return torch.where(z > 0, dh, dh * (h + ELU_ALPHA))               # f' = 1, or α·e^z = f(z) + α below 0


ELU = Activation(
    "elu", "ELU", elu, elu_grad,
    f"torch.nn.functional.elu({{z}}, {ELU_ALPHA!r})",
    f"torch.where({{z}} > 0, {{dh}}, {{dh}} * ({{h}} + {ELU_ALPHA!r}))", "1 above 0; below, α·e^z = f(z) + α",
    r"\operatorname{ELU}",
    r"\begin{{cases}} {z} & {z} > 0 \\ \alpha\,(e^{{{z}}} - 1) & {z} \le 0 \end{{cases}}",
    r"\begin{{cases}} 1 & {z} > 0 \\ {h} + \alpha & {z} \le 0 \end{{cases}}",
    f"α = {ELU_ALPHA:g}: below 0 the output saturates at −α.", he_init=True)


# --- GELU: z·Φ(z), the exact one (torch's default, not the tanh approximation) ---------------------
_INV_SQRT_2PI = 1.0 / math.sqrt(2.0 * math.pi)


def gelu_grad(dh: Tensor, z: Tensor, h: Tensor) -> Tensor:
    # f' = Φ(z) + z·φ(z): Φ the normal CDF (ndtr), φ(z) = e^{−z²/2}/√(2π) its density; the sum rounded once
    bell = z.square().mul_(-0.5).exp_()                               # √(2π)·φ(z)
    return dh.mul_(torch.special.ndtr(z).addcmul_(z, bell, value=_INV_SQRT_2PI))


GELU = Activation(
    "gelu", "GELU", F.gelu, gelu_grad,
    "torch.nn.functional.gelu({z})",
    "{dh} * torch.special.ndtr({z}).addcmul({z}, torch.exp(-0.5 * {z} ** 2), value=1 / math.sqrt(2 * math.pi))",
    "Φ(z) + z·φ(z), the sum rounded once",
    r"\operatorname{GELU}", r"{z} \odot \Phi({z})", r"\Phi({z}) + {z} \odot \varphi({z})",
    "Φ is the standard normal CDF, ½(1 + erf(z/√2)), and φ its density e^(−z²/2)/√(2π).", he_init=True)


# --- SiLU (swish): z·σ(z) -------------------------------------------------------------------------
def silu_grad(dh: Tensor, z: Tensor, h: Tensor) -> Tensor:
    # f' = σ(z)(1 + z(1 − σ(z))) = σ(z)(1 − f) + f: the second form in four kernels, the first takes six
    return dh.mul_(torch.addcmul(h, torch.sigmoid(z), 1.0 - h))


SILU = Activation(
    "silu", "SiLU (swish)", F.silu, silu_grad,
    "torch.nn.functional.silu({z})", "{dh} * torch.addcmul({h}, torch.sigmoid({z}), 1 - {h})",
    "σ(z)(1 - f) + f, rounded once",
    r"\operatorname{SiLU}", r"{z} \odot \sigma({z})", r"\sigma({z}) \odot (1 + {z} \odot (1 - \sigma({z})))",
    "σ is the sigmoid 1/(1 + e^(−z)).", he_init=True)


# --- softplus: log(1 + e^z) -----------------------------------------------------------------------
def softplus(z: Tensor) -> Tensor:
    """log(1 + e^z) as logaddexp(z, 0): exact for every z. torch's softplus returns z itself above
    z = 20, whose derivative is then 1 rather than σ(z); this one's is σ(z) everywhere."""
    return torch.logaddexp(z, kernels.constant(0.0, z.dtype))


def softplus_grad(dh: Tensor, z: Tensor, h: Tensor) -> Tensor:
    return dh.mul_(torch.sigmoid(z))                                  # f' = σ(z)


SOFTPLUS = Activation(
    "softplus", "softplus", softplus, softplus_grad,
    "torch.logaddexp({z}, torch.zeros(()))", "{dh} * torch.sigmoid({z})", "log(1 + e^z)' = σ(z)",
    r"\operatorname{softplus}", r"\log(1 + e^{{{z}}})", r"\sigma({z})",
    "σ is the sigmoid 1/(1 + e^(−z)): softplus is a smooth ReLU whose slope is the sigmoid.", he_init=True)


# --- sine -------------------------------------------------------------------------------------------
def sine_grad(dh: Tensor, z: Tensor, h: Tensor) -> Tensor:
    return dh.mul_(torch.cos(z))                                      # f' = cos z


SINE = Activation(
    "sine", "sine", torch.sin, sine_grad,
    "torch.sin({z})", "{dh} * torch.cos({z})", "sin' = cos",
    r"\sin", r"\sin({z})", r"\cos({z})")


# The choices, in the order the app lists them.
ALL: tuple[Activation, ...] = (RELU, TANH, SIGMOID, LINEAR, LEAKY_RELU, ELU, GELU, SILU, SOFTPLUS, SINE)
BY_NAME: dict[str, Activation] = {a.name: a for a in ALL}
