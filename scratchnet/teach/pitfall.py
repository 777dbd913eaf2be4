"""The leaf-tensor pitfall, run for real: why the tutorial's weights never get a `.grad`.

    W = torch.randn(d, h, requires_grad=True) * 0.1

`torch.randn(..., requires_grad=True)` is a leaf, but `* 0.1` is an operation on it, so the
`W` we keep is its *result*: not a leaf, with a `grad_fn` (MulBackward0). `backward()` fills
`.grad` only on leaves, so `W.grad` stays None (PyTorch warns when it is read), the gradient
went to the nameless tensor before the multiplication, and an update `W -= lr * W.grad` fails.
Scaling first and asking for gradients last makes the tensor we keep the leaf; that is what
`scratchnet.net.model.init_net` does for every parameter.

Each snippet below is executed as written and its `print` output captured, so what the
"Under the hood" page shows is what PyTorch actually printed — never a transcript that can
drift from the code next to it.
"""

from __future__ import annotations

import functools
import io
import warnings
from dataclasses import dataclass

import torch
from torch import Tensor

SETUP = """\
d, h = 2, 3
x = torch.randn(4, d)                   # four points with d features
"""

_REPORT = """\
loss = (x @ W).pow(2).mean()
loss.backward()
print("W.is_leaf:", W.is_leaf)
print("W.grad_fn:", W.grad_fn)
print("W.grad:", W.grad)
"""

WRONG = "# the tutorial's line\nW = torch.randn(d, h, requires_grad=True) * 0.1\n" + _REPORT
RIGHT = "# scale first, then ask for gradients\nW = (torch.randn(d, h) * 0.1).requires_grad_()\n" + _REPORT
ENGINE = ("# how scratchnet makes every parameter\nnet = init_net([d, h], \"relu\", seed=0, init=\"small\")\n"
          "W = net.weights[0]\n" + _REPORT)


@dataclass(frozen=True)
class Attempt:
    """One snippet, run: its code, what it printed, and the facts the page and tests check."""

    title: str
    code: str
    output: str                          # exactly what the snippet printed
    is_leaf: bool
    requires_grad: bool
    grad_fn: str | None                  # the grad_fn's class name, e.g. "MulBackward0"
    grad: Tensor | None                  # W.grad after loss.backward()
    warnings: tuple[str, ...]            # what PyTorch warned about while it ran


def run_snippet(title: str, code: str, seed: int = 0) -> Attempt:
    """Execute SETUP + code with its own `print` and report on the `W` it leaves behind.

    The global RNG is forked, so the snippets can use plain `torch.randn` as a learner would
    without moving anyone else's random numbers; `print` writes to a buffer rather than
    redirecting sys.stdout, which other threads of a server share.
    """
    from scratchnet.net.model import init_net

    out = io.StringIO()
    scope = {"torch": torch, "init_net": init_net, "print": functools.partial(print, file=out)}
    with torch.random.fork_rng(devices=[]), torch.enable_grad(), warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        torch.manual_seed(seed)
        exec(compile(SETUP + code, f"<{title}>", "exec"), scope)  # noqa: S102 — our own constant snippets
    w = scope["W"]
    return Attempt(title, code, out.getvalue(), w.is_leaf, w.requires_grad,
                   None if w.grad_fn is None else type(w.grad_fn).__name__,
                   _grad_quietly(w), tuple(_short(str(c.message)) for c in caught))


def _short(message: str) -> str:
    """A warning without PyTorch's pointer into its own C++ build tree."""
    return message.split(" (Triggered internally at")[0].strip()


def _grad_quietly(w: Tensor) -> Tensor | None:
    """`w.grad` without a second copy of the non-leaf warning (the snippet already showed it)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return w.grad


def leaf_pitfall_demo(seed: int = 0) -> dict[str, Attempt]:
    """The pitfall and its fixes, each run live: 'wrong' (the tutorial's line: W.grad is None),
    'right' (scale, then requires_grad_: W.grad is a tensor) and 'engine' (init_net's W)."""
    return {"wrong": run_snippet("the tutorial's way", WRONG, seed),
            "right": run_snippet("the correct way", RIGHT, seed),
            "engine": run_snippet("scratchnet's init_net", ENGINE, seed)}
