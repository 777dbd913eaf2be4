"""A feedforward network as plain tensors: a list of weights, a list of biases, one forward.

Shapes work for one model or for M models stacked on a leading model dimension, so the
same forward (and the same hand-written backward) trains one network or a whole sweep:

    one model:   W[l]: (d_l, d_{l+1})      b[l]: (1, d_{l+1})      x: (N, d_0)
    M models:    W[l]: (M, d_l, d_{l+1})   b[l]: (M, 1, d_{l+1})   x: (N, d_0) or (M, N, d_0)
"""

from __future__ import annotations

import functools
import itertools
import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import torch
from torch import Tensor

from .config import ACTIVATIONS, KNOBS, Config


def gradless(fn: Callable) -> Callable:
    """Run `fn` in inference mode (no autograd bookkeeping, in-place updates of leaf
    parameters allowed). Skips entering the mode when grad is already off: entering costs
    about a microsecond and these functions run every step."""

    @functools.wraps(fn)
    def wrapper(*args, **kwargs):
        if torch.is_grad_enabled():
            with torch.inference_mode():
                return fn(*args, **kwargs)
        return fn(*args, **kwargs)

    return wrapper


def linear(z: Tensor) -> Tensor:
    return z


# Elementwise nonlinearities come from torch; their derivatives are written out in backward.py.
ACTIVATION_FUNCTIONS = {"relu": torch.relu, "tanh": torch.tanh, "sigmoid": torch.sigmoid, "linear": linear}
assert tuple(ACTIVATION_FUNCTIONS) == ACTIVATIONS


@dataclass
class Net:
    """The parameters of a network. Every tensor here is a leaf with requires_grad=True."""

    weights: list[Tensor]
    biases: list[Tensor]
    activation: str
    # (M, 1, H_l) zeros and ones per hidden layer when stacked models have different widths:
    # narrower models are padded with units that are held at zero.
    masks: list[Tensor] | None = None

    @property
    def params(self) -> list[Tensor]:
        """[W1, b1, W2, b2, ...]: the order gradients and optimizer state use."""
        return [p for pair in zip(self.weights, self.biases) for p in pair]

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
            copy = [p.detach().clone().requires_grad_() for p in self.params]
        return Net(copy[0::2], copy[1::2], self.activation, self.masks)


def resolve_init(activation: str, init: str) -> str:
    """The initialization 'auto' stands for: He for ReLU, Xavier for the saturating ones."""
    if init == "auto":
        return "he" if activation == "relu" else "xavier"
    return init


def init_std(fan_in: int, fan_out: int, activation: str, init: str) -> float:
    """He for ReLU, Xavier for the saturating ones; 'small' is the tutorial's fixed 0.1."""
    init = resolve_init(activation, init)
    if init == "he":
        return math.sqrt(2.0 / fan_in)
    if init == "xavier":
        return math.sqrt(2.0 / (fan_in + fan_out))
    if init == "small":
        return 0.1
    raise ValueError(f"unknown init {init!r}")


def init_net(layer_sizes: Sequence[int], activation: str = KNOBS["activation"].default,
             seed: int = KNOBS["init_seed"].default, init: str = KNOBS["init"].default,
             dtype: torch.dtype = torch.float32) -> Net:
    """Seeded weights, zero biases. requires_grad is set on the *final* tensor, so each
    parameter is a leaf and gets a .grad — unlike `torch.randn(..., requires_grad=True) * 0.1`,
    whose result is computed from a leaf and therefore is not one."""
    if activation not in ACTIVATION_FUNCTIONS:
        raise ValueError(f"activation must be one of {', '.join(ACTIVATIONS)}, not {activation!r}")
    gen = torch.Generator().manual_seed(seed)
    weights, biases = [], []
    for fan_in, fan_out in itertools.pairwise(layer_sizes):
        std = init_std(fan_in, fan_out, activation, init)
        # drawn in float32 whatever the dtype, so a float64 copy of a run starts from the same weights
        w = (torch.randn(fan_in, fan_out, generator=gen) * std).to(dtype)
        weights.append(w.requires_grad_())
        biases.append(torch.zeros(1, fan_out, dtype=dtype, requires_grad=True))
    return Net(weights, biases, activation)


def net_for(cfg: Config, dtype: torch.dtype = torch.float32) -> Net:
    """The network a config describes (the tutorial's 2-10-2 ReLU net is `net_for(Config())`)."""
    return init_net(cfg.layer_sizes, cfg.activation, cfg.init_seed, cfg.init, dtype)


@dataclass
class Cache:
    """What the backward pass needs from the forward: each layer's input and pre-activation."""

    inputs: list[Tensor]   # inputs[l]: the input of layer l; inputs[0] is x
    pre: list[Tensor]      # pre[l]: z of hidden layer l (before the activation)


def affine(h: Tensor, w: Tensor, b: Tensor) -> Tensor:
    """h @ w + b. For one model, mm then an in-place add (measured faster than addmm, whose
    bias broadcast costs more than the add at these sizes). For a stack, see `bmm`."""
    if w.dim() == 2:
        return h.mm(w).add_(b)                                        # (N, d_out)
    if h.dim() == 2:
        h = h.expand(w.shape[0], *h.shape)                            # share x across models
    return bmm(h, w).add_(b)                                          # (M, N, d_out)


def bmm(a: Tensor, b: Tensor) -> Tensor:
    """a @ b for stacks of small matrices, in whichever orientation is fast.

    torch.bmm on CPU runs one small GEMM per model, and its speed depends on the shape of the
    result: measured for 16 models, (160×10)@(10×2) takes 33 µs but the same product computed
    as ((10×2)ᵀ@(160×10)ᵀ)ᵀ takes 16 µs; dz@Wᵀ 45 µs vs 8 µs. A result with more rows than
    columns is therefore computed transposed (the .mT views cost no copy; bmm reads them as
    transposed operands)."""
    if a.shape[-2] > b.shape[-1]:
        return torch.bmm(b.mT, a.mT).mT
    return torch.bmm(a, b)


def forward(net: Net, x: Tensor) -> tuple[Tensor, Cache]:
    """x -> output (logits, or the regression value) and the cache for the backward pass."""
    inputs: list[Tensor] = []
    pre: list[Tensor] = []
    act = ACTIVATION_FUNCTIONS[net.activation]
    masks = net.masks
    last = len(net.weights) - 1
    h = x                                                             # (…, N, d_0)
    for layer, (w, b) in enumerate(zip(net.weights, net.biases)):
        inputs.append(h)
        z = affine(h, w, b)                                           # (…, N, d_{l+1})
        if layer == last:
            return z, Cache(inputs, pre)                              # no activation on the output
        pre.append(z)
        h = act(z)
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
