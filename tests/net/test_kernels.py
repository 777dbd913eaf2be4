"""The speed tricks of scratchnet/net/kernels.py, each against the plain form it stands for."""

from __future__ import annotations

import pytest
import torch

from scratchnet.net import kernels

F64 = torch.float64


def randn(*shape: int, seed: int = 0, dtype: torch.dtype = F64) -> torch.Tensor:
    return torch.randn(*shape, generator=torch.Generator().manual_seed(seed), dtype=dtype)


def test_gradless_runs_without_autograd_whether_or_not_grad_was_on():
    @kernels.gradless
    def inside() -> tuple[bool, bool]:
        return torch.is_grad_enabled(), torch.is_inference_mode_enabled()

    assert inside() == (False, True)
    with torch.no_grad():
        assert inside() == (False, False)          # already off: the mode is not entered again
    p = torch.zeros(3, requires_grad=True)
    kernels.gradless(lambda: p.add_(1.0))()        # in-place on a leaf that requires grad: allowed
    assert p.is_leaf and float(p.detach().sum()) == 3.0


def test_constant_is_a_cached_scalar_autograd_can_use():
    with torch.inference_mode():
        c = kernels.constant(0.25, torch.float32)  # made in inference mode, still a normal tensor
    assert c.dim() == 0 and c.dtype == torch.float32 and float(c) == 0.25
    assert kernels.constant(0.25, torch.float32) is c and kernels.constant(0.25, F64) is not c
    x = torch.ones(2, requires_grad=True)
    (x * c).sum().backward()
    assert torch.equal(x.grad, torch.full((2,), 0.25))


@pytest.mark.parametrize("dtype", [torch.float32, F64])
def test_matmul_add_is_h_w_plus_b_for_one_model_and_stacks(dtype):
    h, w, b = randn(160, 10, dtype=dtype), randn(10, 2, seed=1, dtype=dtype), randn(1, 2, seed=2, dtype=dtype)
    assert torch.equal(kernels.matmul_add(h, w, b), h @ w + b)
    ws, bs = randn(16, 10, 2, seed=3, dtype=dtype), randn(16, 1, 2, seed=4, dtype=dtype)
    tol = {"rtol": 1e-6, "atol": 1e-6} if dtype == torch.float32 else {"rtol": 1e-13, "atol": 1e-13}
    torch.testing.assert_close(kernels.matmul_add(h, ws, bs), h @ ws + bs, **tol)        # x shared by the stack
    hs = randn(16, 160, 10, seed=5, dtype=dtype)
    torch.testing.assert_close(kernels.matmul_add(hs, ws, bs), hs @ ws + bs, **tol)


@pytest.mark.parametrize(("a", "b"), [((160, 10), (10, 2)), ((2, 160), (160, 10)), ((10, 2), (2, 160))])
def test_matmul_for_one_model_a_shared_operand_and_stacks(a, b):
    x, y = randn(*a), randn(*b, seed=1)
    assert torch.equal(kernels.matmul(x, y), x @ y)
    ys = randn(16, *b, seed=2)
    torch.testing.assert_close(kernels.matmul(x, ys), x @ ys, rtol=1e-13, atol=1e-13)
    torch.testing.assert_close(kernels.matmul(x.mT.contiguous().mT, ys), x @ ys, rtol=1e-13, atol=1e-13)
    xs = randn(16, *a, seed=3)
    torch.testing.assert_close(kernels.matmul(xs, ys), xs @ ys, rtol=1e-13, atol=1e-13)


@pytest.mark.parametrize(("a", "b"), [((160, 10), (10, 2)), ((10, 160), (160, 2)), ((2, 10), (10, 160))])
def test_stacked_matmul_either_orientation_is_bmm(a, b):
    x, y = randn(16, *a), randn(16, *b, seed=1)
    torch.testing.assert_close(kernels.stacked_matmul(x, y), torch.bmm(x, y), rtol=1e-13, atol=1e-13)
    torch.testing.assert_close(kernels.stacked_matmul(x.mT.contiguous().mT, y), x @ y, rtol=1e-13, atol=1e-13)


@pytest.mark.parametrize("shape", [(160, 10), (7, 1), (16, 40, 5)])
def test_row_mean_is_the_mean_of_each_row(shape):
    t = randn(*shape)
    torch.testing.assert_close(kernels.row_mean(t), t.mean(-1, keepdim=True), rtol=1e-14, atol=1e-15)
    t.requires_grad_()
    kernels.row_mean(t).sum().backward()                   # autograd goes through it too
    torch.testing.assert_close(t.grad, torch.full(shape, 1 / shape[-1], dtype=F64))


def test_keep_where_positive_is_grad_times_z_above_zero():
    z = torch.tensor([-2.0, -0.0, 0.0, 1e-30, 3.0, -1e-30])
    grad = torch.tensor([1.0, 2.0, -3.0, 4.0, -5.0, 6.0])
    out = kernels.keep_where_positive(grad.clone(), z)
    assert torch.equal(out, grad * (z > 0))
    big_z, big_grad = randn(200, 10, dtype=torch.float32), randn(200, 10, seed=1, dtype=torch.float32)
    assert torch.equal(kernels.keep_where_positive(big_grad, big_z), big_grad * (big_z > 0))


@pytest.mark.parametrize("stacked", [False, True])
def test_subtract_scaled_is_p_minus_lr_g_for_every_tensor(stacked):
    lead = (3,) if stacked else ()
    params = [randn(*lead, 4, 3, seed=0), randn(*lead, 1, 3, seed=1)]
    grads = [randn(*lead, 4, 3, seed=2), randn(*lead, 1, 3, seed=3)]
    lr = torch.tensor([0.1, 0.0, 2.0], dtype=F64).reshape(-1, 1, 1) if stacked else 0.1
    plain = [p.clone() for p in params]
    for p, g in zip(plain, grads):
        if stacked:
            p.addcmul_(g, lr, value=-1.0)                          # p -= lr * g, rounded once
        else:
            p.add_(g, alpha=-lr)
    kernels.subtract_scaled(params, grads, lr)
    for ours, expected, g, before in zip(params, plain, grads, [randn(*lead, 4, 3), randn(*lead, 1, 3, seed=1)]):
        assert torch.equal(ours, expected)
        torch.testing.assert_close(ours, before - lr * g, rtol=1e-15, atol=1e-15)
