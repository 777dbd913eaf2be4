"""The normalizations of a hidden layer, each defined once: its function, its gradient, the code a
learner reads, its formula and its label.

A normalization sits between a hidden layer's affine map and its activation, per point (row), with
a learned gain γ and shift β shaped like the layer's bias:

    y, x̂, r = forward(z, γ, β)           x̂: z normalized, r = 1/σ per point (what the backward reuses)
    dz, dγ, dβ = grad(dy, x̂, r, γ)
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import torch
from torch import Tensor

from scratchnet.net.kernels import row_mean
from scratchnet.net.tex import tex_number


@dataclass(frozen=True)
class Norm:
    """One choice of the norm knob; "none" has no function (the layer goes straight to f).

    The templates take {l}, the hidden layer's number; code also {z} (the affine output), {into} (what
    the activation gets) and {dy} (the gradient arriving at the norm's output); LaTeX also {z} (the
    norm's output symbol), {n} (rows) and {width} (units)."""

    name: str                                       # the config's value
    label: str                                      # what the app shows
    hint: str                                       # what it does, for the knob's help ("" for none)
    forward: Callable[[Tensor, Tensor, Tensor], tuple[Tensor, Tensor, Tensor]] | None = None
    grad: Callable[[Tensor, Tensor, Tensor, Tensor], tuple[Tensor, Tensor, Tensor]] | None = None
    code: str = ""                                  # the functions the forward calls, as the tutorial writes them
    code_call: str = ""                             # the forward's line
    code_grad: tuple[tuple[str, str], ...] = ()     # the backward's lines, (code, comment)
    tex: tuple[str, ...] = ()                       # the forward's lines
    tex_grad: tuple[str, ...] = ()                  # the backward's lines, after dL/d(its output)


NONE = Norm("none", "none", "")


# --- layer norm: per point, to mean 0 and variance 1 over the layer's units, then γ ⊙ x̂ + β ---------
LAYER_NORM_EPS = 1e-5     # added to the variance before the square root (torch.nn.LayerNorm's default)
_EPS_TEX = tex_number(LAYER_NORM_EPS).replace("{", "{{").replace("}", "}}")    # 10^{-5}, inside a template


def layer_norm(z: Tensor, gain: Tensor, shift: Tensor) -> tuple[Tensor, Tensor, Tensor]:
    """γ ⊙ x̂ + β with x̂ = (z − μ) / √(σ² + ε), μ and σ² over each point's units (the last dim).
    Returns the output, x̂ and 1/√(σ² + ε), which the backward pass reuses."""
    centred = z - row_mean(z)                                         # (…, N, H)
    rstd = row_mean(centred.square()).add_(LAYER_NORM_EPS).rsqrt_()  # (…, N, 1)
    normed = centred * rstd                                           # x̂
    return torch.addcmul(shift, normed, gain), normed, rstd          # β + x̂ ⊙ γ, rounded once


def layer_norm_grad(dy: Tensor, normed: Tensor, rstd: Tensor, gain: Tensor) -> tuple[Tensor, Tensor, Tensor]:
    """Back through y = γ ⊙ x̂ + β, x̂ = (z − μ)/σ: (dz, dγ, dβ), the classic formula.

    dγ = Σ_points dy ⊙ x̂,   dβ = Σ_points dy,   dx̂ = dy ⊙ γ, and since μ and σ depend on every
    unit of the point:  dz = (dx̂ − mean(dx̂) − x̂ ⊙ mean(dx̂ ⊙ x̂)) / σ   (means over the H units)
    """
    d_gain = (dy * normed).sum(-2, keepdim=True)                     # (…, 1, H)
    d_shift = dy.sum(-2, keepdim=True)                               # (…, 1, H)
    d_normed = dy * gain                                             # (…, N, H)
    dz = d_normed - row_mean(d_normed)
    dz -= normed * row_mean(d_normed * normed)
    return dz.mul_(rstd), d_gain, d_shift


LAYER = Norm(
    "layer", "layer norm",
    "layer: every hidden layer's values are normalized per point (mean 0, variance 1) before the activation, "
    "then scaled and shifted by a learned gain γ and shift β",
    layer_norm, layer_norm_grad,
    code=f'''def row_mean(Z):
    """The mean of each row as a product with a column of 1/H (the engine's way: the same numbers)."""
    return Z @ torch.full((Z.shape[1], 1), 1 / Z.shape[1], dtype=Z.dtype)


def layer_norm(Z, gain, shift):
    """Each point's values to mean 0 and variance 1 over its units, then scaled by gain and shifted."""
    centred = Z - row_mean(Z)
    rstd = (row_mean(centred ** 2) + {LAYER_NORM_EPS!r}).rsqrt()             # 1 / √(variance + ε), (N, 1)
    Xhat = centred * rstd
    return torch.addcmul(shift, Xhat, gain), Xhat, rstd       # shift + Xhat * gain, rounded once
''',
    code_call="{into}, Xhat{l}, rstd{l} = layer_norm({z}, gain{l}, shift{l})",
    code_grad=(("dgain{l} = ({dy} * Xhat{l}).sum(dim=0, keepdim=True)", "layer norm: dγ"),
               ("dshift{l} = {dy}.sum(dim=0, keepdim=True)", "dβ"),
               ("dXhat{l} = {dy} * gain{l}", ""),
               ("dZ{l} = (dXhat{l} - row_mean(dXhat{l}) - Xhat{l} * row_mean(dXhat{l} * Xhat{l})) * rstd{l}",
                "the mean and σ depend on every unit")),
    tex=(r"\mu_{{{l}}}, \sigma^2_{{{l}}} &= \text{{mean, variance of each row of }} Z_{{{l}}}"
         r" && \text{{over its {width} units}}",
         r"\hat Z_{{{l}}} &= (Z_{{{l}}} - \mu_{{{l}}}) / \sqrt{{\sigma^2_{{{l}}} + \epsilon}}"
         rf" && \epsilon = {_EPS_TEX}",
         r"\tilde Z_{{{l}}} &= \gamma_{{{l}}} \odot \hat Z_{{{l}}} + \beta_{{{l}}}"
         r" && \gamma_{{{l}}}, \beta_{{{l}}} \in \mathbb{{R}}^{{1\times {width}}}"),
    tex_grad=(r"d\gamma_{{{l}}} &= \textstyle\sum_{{i}} (d{z} \odot \hat Z_{{{l}}})_{{i,:}},\quad "
              r"d\beta_{{{l}}} = \textstyle\sum_{{i}} (d{z})_{{i,:}} && \in \mathbb{{R}}^{{1\times {width}}}",
              r"d\hat Z_{{{l}}} &= d{z} \odot \gamma_{{{l}}} && \in \mathbb{{R}}^{{{n}\times {width}}}",
              r"dZ_{{{l}}} &= \big(d\hat Z_{{{l}}} - \operatorname{{mean}}(d\hat Z_{{{l}}}) - \hat Z_{{{l}}} \odot "
              r"\operatorname{{mean}}(d\hat Z_{{{l}}} \odot \hat Z_{{{l}}})\big) / \sqrt{{\sigma^2_{{{l}}} + \epsilon}}"
              r" && \in \mathbb{{R}}^{{{n}\times {width}}}"),
)

# The choices, in the order the app lists them.
ALL: tuple[Norm, ...] = (NONE, LAYER)
BY_NAME: dict[str, Norm] = {n.name: n for n in ALL}
