"""A feedforward network as plain tensors: a list of weights, a list of biases, one forward.

Shapes work for one model or for M models stacked on a leading model dimension, so the
same forward (and the same hand-written backward) trains one network or a whole sweep:

    one model:   W[l]: (d_l, d_{l+1})      b[l]: (1, d_{l+1})      x: (N, d_0)
    M models:    W[l]: (M, d_l, d_{l+1})   b[l]: (M, 1, d_{l+1})   x: (N, d_0) or (M, N, d_0)

With layer normalization every hidden layer also has a gain γ[l] and a shift β[l], shaped like
its bias. With dropout the training forward is given one mask per hidden layer, (…, N, H_l).
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from dataclasses import dataclass, field

import torch
from torch import Tensor

from scratchnet.config import KNOBS, Config
from scratchnet.net import activations, inits, norms
from scratchnet.net.kernels import matmul_add


@dataclass
class Net:
    """The parameters of a network. Every tensor here is a leaf with requires_grad=True."""

    weights: list[Tensor]
    biases: list[Tensor]
    activation: str
    # (M, 1, H_l) zeros and ones per hidden layer when stacked models have different widths:
    # narrower models are padded with units that are held at zero.
    masks: list[Tensor] | None = None
    norm: str = "none"                                        # "none" | "layer"
    gains: list[Tensor] = field(default_factory=list)         # γ per hidden layer, like its bias; layer norm only
    shifts: list[Tensor] = field(default_factory=list)        # β per hidden layer

    @property
    def params(self) -> list[Tensor]:
        """[W1, b1, W2, b2, ...], or with layer norm [W1, b1, γ1, β1, W2, b2, γ2, β2, ..., W_L, b_L]
        (the output layer is not normalized): the order gradients and optimizer state use."""
        if not self.gains:
            return [p for pair in zip(self.weights, self.biases) for p in pair]
        params: list[Tensor] = []
        for layer, (w, b) in enumerate(zip(self.weights, self.biases)):
            params += (w, b, self.gains[layer], self.shifts[layer]) if layer < len(self.gains) else (w, b)
        return params

    @property
    def weight_slots(self) -> list[int]:
        """Where each W sits in `params` (penalties, weight decay and gradient norms are about W only)."""
        per_hidden = 4 if self.gains else 2
        return [per_hidden * layer for layer in range(self.n_layers)]

    def with_params(self, params: list[Tensor]) -> Net:
        """A network of the same kind made of `params`, given in `params` order."""
        per_hidden = 4 if self.gains else 2
        hidden = len(self.gains)
        weights = [params[per_hidden * layer] for layer in range(self.n_layers)]
        biases = [params[per_hidden * layer + 1] for layer in range(self.n_layers)]
        gains = [params[per_hidden * layer + 2] for layer in range(hidden)]
        shifts = [params[per_hidden * layer + 3] for layer in range(hidden)]
        return Net(weights, biases, self.activation, self.masks, self.norm, gains, shifts)

    @property
    def n_layers(self) -> int:
        return len(self.weights)

    @property
    def n_models(self) -> int | None:
        """M for stacked models, None for a single network."""
        return self.weights[0].shape[0] if self.weights[0].dim() == 3 else None

    def clone(self) -> Net:
        """A detached copy with fresh leaf tensors (for snapshots and history). Made outside
        inference mode even when called inside it, so autograd can still use the copy."""
        with torch.inference_mode(False):
            return self.with_params([p.detach().clone().requires_grad_() for p in self.params])


def resolve_init(activation: str, init: str) -> str:
    """The initialization 'auto' stands for: He for the ReLU family, Xavier for the others."""
    if init == inits.AUTO:
        return inits.HE.name if activations.BY_NAME[activation].he_init else inits.XAVIER.name
    return init


def init_std(fan_in: int, fan_out: int, activation: str, init: str) -> float:
    """The std of a layer's initial weights under `init` (see inits.py; 'auto' resolved first)."""
    choice = inits.BY_NAME.get(resolve_init(activation, init))
    if choice is None:
        raise ValueError(f"unknown init {init!r}")
    return choice.std(fan_in, fan_out)


def init_net(layer_sizes: Sequence[int], activation: str = KNOBS["activation"].default,
             seed: int = KNOBS["init_seed"].default, init: str = KNOBS["init"].default,
             dtype: torch.dtype = torch.float32, norm: str = KNOBS["norm"].default) -> Net:
    """Seeded weights, zero biases; with layer norm gains of 1 and shifts of 0 (so a normalized
    network starts from the same weights as a plain one). requires_grad is set on the *final*
    tensor, so each parameter is a leaf and gets a .grad — unlike `torch.randn(...,
    requires_grad=True) * 0.1`, whose result is computed from a leaf and therefore is not one."""
    if activation not in activations.BY_NAME:
        raise ValueError(f"activation must be one of {', '.join(activations.BY_NAME)}, not {activation!r}")
    if norm not in norms.BY_NAME:
        raise ValueError(f"norm must be one of {', '.join(norms.BY_NAME)}, not {norm!r}")
    gen = torch.Generator().manual_seed(seed)
    weights, biases = [], []
    for fan_in, fan_out in itertools.pairwise(layer_sizes):
        std = init_std(fan_in, fan_out, activation, init)
        # drawn in float32 whatever the dtype, so a float64 copy of a run starts from the same weights
        w = (torch.randn(fan_in, fan_out, generator=gen) * std).to(dtype)
        weights.append(w.requires_grad_())
        biases.append(torch.zeros(1, fan_out, dtype=dtype, requires_grad=True))
    hidden = layer_sizes[1:-1] if norms.BY_NAME[norm].forward else ()
    gains = [torch.ones(1, width, dtype=dtype, requires_grad=True) for width in hidden]
    shifts = [torch.zeros(1, width, dtype=dtype, requires_grad=True) for width in hidden]
    return Net(weights, biases, activation, None, norm, gains, shifts)


def net_for(cfg: Config, dtype: torch.dtype = torch.float32) -> Net:
    """The network a config describes (the tutorial's 2-10-2 ReLU net is `net_for(Config())`)."""
    return init_net(cfg.layer_sizes, cfg.activation, cfg.init_seed, cfg.init, dtype, cfg.norm)


@dataclass
class Cache:
    """What the backward pass needs from the forward, per hidden layer l unless said otherwise."""

    inputs: list[Tensor]          # inputs[l]: the input of layer l (all layers); inputs[0] is x
    pre: list[Tensor]             # pre[l]: what the activation is applied to (after layer norm, if any)
    acts: list[Tensor]            # acts[l]: f(pre[l]), before dropout
    drops: list[Tensor] | None    # the dropout masks the forward was given (0 or 1/(1 - p))
    normed: list[Tensor]          # layer norm: x̂[l], the values normalized to mean 0, variance 1
    rstd: list[Tensor]            # layer norm: 1/σ[l] per point, (…, N, 1)


def forward(net: Net, x: Tensor, drops: list[Tensor] | None = None) -> tuple[Tensor, Cache]:
    """x -> output (logits, or the regression value) and the cache for the backward pass.
    `drops`: dropout masks for training, one per hidden layer; without them nothing is dropped."""
    inputs: list[Tensor] = []
    pre: list[Tensor] = []
    acts: list[Tensor] = []
    normed: list[Tensor] = []
    rstd: list[Tensor] = []
    f = activations.BY_NAME[net.activation].forward
    norm = norms.BY_NAME[net.norm].forward
    masks, gains = net.masks, net.gains
    last = len(net.weights) - 1
    h = x                                                             # (…, N, d_0)
    for layer, (w, b) in enumerate(zip(net.weights, net.biases)):
        inputs.append(h)
        z = matmul_add(h, w, b)                                       # h @ W + b: (…, N, d_{l+1})
        if layer == last:
            return z, Cache(inputs, pre, acts, drops, normed, rstd)   # no activation on the output
        if gains:
            z, x_hat, r = norm(z, gains[layer], net.shifts[layer])    # γ ⊙ x̂ + β, x̂ = (z − μ) / σ
            normed.append(x_hat)
            rstd.append(r)
        pre.append(z)
        h = f(z)                                                      # (…, N, d_{l+1})
        acts.append(h)
        if drops is not None:
            h = h * drops[layer]
        if masks is not None:
            h = h * masks[layer]
    raise ValueError("a network needs at least one layer")


def hidden_activations(net: Net, x: Tensor) -> list[Tensor]:
    """What each hidden layer outputs for x: [(…, N, H_1), (…, N, H_2), ...]."""
    _, cache = forward(net, x)
    return cache.inputs[1:]


def predict(net: Net, x: Tensor) -> Tensor:
    """Inference only: the output with no graph recorded."""
    with torch.inference_mode():
        out, _ = forward(net, x)
    return out
