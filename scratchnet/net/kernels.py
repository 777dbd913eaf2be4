"""The engine's speed tricks, each behind a name that says what it computes.

The model, the backward pass, the losses and the optimizers read as the math (`h @ W + b`, the mean of
a row, ReLU's derivative); what makes them fast at these tiny sizes lives here, where every function is
tested equal to its plain form (tests/net/test_kernels.py). At a tutorial's size every kernel launch costs
about a microsecond whatever it computes, so fewer and cheaper launches are the whole game; the measured
story is in docs/engine.md.
"""

from __future__ import annotations

import functools
from collections.abc import Callable

import torch
from torch import Tensor


def gradless(fn: Callable) -> Callable:
    """Run `fn` in inference mode (no autograd bookkeeping, in-place updates of leaf parameters
    allowed), skipping the mode's entry when gradients are already off: it runs every step."""

    @functools.wraps(fn)
    def wrapper(*args, **kwargs):
        if torch.is_grad_enabled():
            with torch.inference_mode():
                return fn(*args, **kwargs)
        return fn(*args, **kwargs)

    return wrapper


@functools.lru_cache(maxsize=128)
def constant(value: float, dtype: torch.dtype) -> Tensor:
    """`value` as a cached 0-dim tensor: multiplying by it skips the copy of a Python number into a
    tensor that every `t * 0.5` costs. Made outside inference mode, so autograd can use it too."""
    with torch.inference_mode(False):
        return torch.tensor(value, dtype=dtype)


def matmul_add(h: Tensor, w: Tensor, b: Tensor) -> Tensor:
    """h @ w + b, for one model (h (N, d_in), w (d_in, d_out)) or a stack of M (w (M, d_in, d_out),
    h shared (N, d_in) or (M, N, d_in)). One model: mm, then the bias added in place (cheaper than
    addmm's broadcast at these sizes)."""
    if w.dim() == 2:
        return h.mm(w).add_(b)                                        # (N, d_out)
    if h.dim() == 2:
        h = h.expand(w.shape[0], *h.shape)                            # the same x for every model
    return stacked_matmul(h, w).add_(b)                               # (M, N, d_out)


def matmul(a: Tensor, b: Tensor) -> Tensor:
    """a @ b, for one model (2-D) or a stack (3-D; a 2-D `a` is shared by every model)."""
    if a.dim() == 2 and b.dim() == 2:
        return a.mm(b)                                                # skips matmul's shape dispatch
    if a.dim() == 2:
        # contiguous before the expand: bmm reads an expanded transposed view 4x slower
        a = a.contiguous().expand(b.shape[0], *a.shape)
    return stacked_matmul(a, b)


def stacked_matmul(a: Tensor, b: Tensor) -> Tensor:
    """a @ b for stacks of small matrices (M, n, k) @ (M, k, m). CPU bmm runs one small GEMM per model
    and is fastest when the result has at least as many columns as rows, so a taller result is
    computed transposed, (bᵀ aᵀ)ᵀ: the .mT views cost no copy."""
    if a.shape[-2] > b.shape[-1]:
        return torch.bmm(b.mT, a.mT).mT
    return torch.bmm(a, b)


def row_mean(t: Tensor) -> Tensor:
    """The mean of each row, (…, N, H) -> (…, N, 1), as a product with a column of 1/H: one GEMM,
    about three times cheaper here than `t.mean(-1, keepdim=True)`."""
    return torch.matmul(t, _mean_column(t.shape[-1], t.dtype))


@functools.lru_cache(maxsize=64)
def _mean_column(width: int, dtype: torch.dtype) -> Tensor:
    with torch.inference_mode(False):                                 # a normal tensor, usable by autograd
        return torch.full((width, 1), 1.0 / width, dtype=dtype)


_THRESHOLD_BACKWARD = torch.ops.aten.threshold_backward.default


def keep_where_positive(grad: Tensor, z: Tensor) -> Tensor:
    """`grad * (z > 0)`: grad where z > 0, else 0 (ReLU's backward), in one kernel where the plain
    form takes three (compare, bool to float, multiply)."""
    return _THRESHOLD_BACKWARD(grad, z, 0)


def subtract_scaled(params: list[Tensor], grads: list[Tensor], lr: float | Tensor) -> None:
    """`for p, g in zip(params, grads): p -= lr * g` (each rounded once, as p.add_(g, alpha=-lr)) in one
    multi-tensor kernel call, torch.optim's own fast path. `lr`: a float, or (M, 1, 1) for one rate per
    stacked model (a tensor scalar goes through addcmul: _foreach_mul takes only a 0-dim one)."""
    if isinstance(lr, Tensor):
        torch._foreach_addcmul_(params, grads, [lr] * len(params), value=-1.0)
    else:
        torch._foreach_add_(params, grads, alpha=-lr)
