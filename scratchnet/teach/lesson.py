"""The tutorial as a guided lesson: its four exercises, each a few lines of code run on the engine's
own tensors, a prediction to commit to before running it, and what to notice afterwards.

The code shown is the code that runs: each step's lines are executed as written, in a workspace of
the engine's objects (the tutorial's 2-10-2 network from `net_for`, the moons from `dataset_for`, the
engine's `cross_entropy`), and what they print is what the Lesson page shows. No Streamlit here: the
page (app_pages/lesson.py) only lays it out.
"""

from __future__ import annotations

import functools
import io
import warnings
from dataclasses import dataclass, field
from typing import Any

import torch

from scratchnet.config import TUTORIAL_SETUP, Config
from scratchnet.data.datasets import dataset_for
from scratchnet.data.tensors import prepare
from scratchnet.net.losses import cross_entropy
from scratchnet.net.model import net_for
from scratchnet.teach.pitfall import _short

# The tutorial's setup: two moons, a 2-10-2 ReLU network with weights drawn from N(0, 0.1²), plain
# gradient descent at 0.07, full batch, 300 epochs.
LESSON_CONFIG = Config(**TUTORIAL_SETUP, init="small")
BATCH = 8
SEED = 0                             # the global RNG for snippets that call torch.randn themselves


@dataclass(frozen=True)
class Question:
    """A prediction to commit to before the code runs."""

    prompt: str
    options: tuple[str, ...]
    answer: int                      # index into options
    why: str                         # said once the learner has committed


@dataclass(frozen=True)
class Step:
    key: str
    title: str
    goal: str                        # markdown: what this exercise is about
    code: str                        # the lines shown and run
    question: Question
    notice: str                      # markdown: what to look at in the result
    before: str = ""                 # lines from earlier steps, run first (shown folded)
    then: str = ""                   # lines shown and run only once the learner has committed (the fix, say)


@dataclass(frozen=True)
class Lesson:
    key: str
    title: str
    intro: str
    steps: tuple[Step, ...]

    def step(self, number: int) -> Step:
        """Step `number`, counted from 1."""
        return self.steps[number - 1]


@dataclass(frozen=True)
class Ran:
    """A step's code, run: what it printed, what PyTorch warned, and the workspace it left."""

    output: str
    warnings: tuple[str, ...]
    scope: dict[str, Any] = field(repr=False)
    then_output: str = ""            # what the step's `then` lines printed


_FORWARD = '''def forward(X):
    return torch.relu(X @ W1 + b1) @ W2 + b2    # the logits
'''

LEAF = Step(
    "leaf", "Parameters as leaf tensors",
    "The network's parameters are four plain tensors: **W1** (2×10), **b1** (1×10), **W2** (10×2), **b2** (1×2), "
    "made so that autograd computes their gradients. The tutorial makes its first weight matrix with the line "
    "below, uses it in a loss and asks autograd for the gradient.",
    '''W1 = torch.randn(2, 10, requires_grad=True) * 0.1      # the tutorial's line
loss = (X @ W1).pow(2).mean()                            # a loss that uses W1
loss.backward()
print("W1.grad:", W1.grad)
''',
    Question("After `loss.backward()`, what will the tutorial's `W1.grad` be?",
             ("a 2×10 tensor of gradients", "None", "an error from backward()"), 1,
             "`torch.randn(..., requires_grad=True)` is a leaf, but `* 0.1` is an operation on it: the `W1` we keep is "
             "its *result*, with a `grad_fn` (MulBackward0). `backward()` fills `.grad` only on leaves, so the "
             "gradient went to the nameless tensor before the multiplication and `W1.grad` stays None."),
    "The first `W1` has a `grad_fn` and is not a leaf; PyTorch even warns when its `.grad` is read. Scaling first and "
    "calling `requires_grad_()` last makes the tensor we keep the leaf. The engine makes every parameter that way "
    "(`init_net`): the table below is the engine's own W1, b1, W2, b2.",
    before="X = X_train[:8]                                # a batch of 8 points (x1, x2)\n",
    then='''print("W1.is_leaf:", W1.is_leaf, "  W1.grad_fn:", W1.grad_fn.name())

W1 = (torch.randn(2, 10) * 0.1).requires_grad_()         # scale first, then ask for gradients
(X @ W1).pow(2).mean().backward()
print("fixed W1.is_leaf:", W1.is_leaf, "  W1.grad.shape:", tuple(W1.grad.shape))
''')

FORWARD = Step(
    "forward", "Forward a batch, and the loss on the logits",
    "A batch of 8 points goes through the network: an affine map, ReLU, another affine map. The last layer's "
    "outputs are the **logits**, one per class; softmax turns them into probabilities and the cross-entropy is "
    "the mean of −log(probability of the true class). The weights are the engine's, untrained, drawn with "
    "std 0.1 as in the tutorial.",
    '''X, Y = X_train[:8], Y_train[:8]      # 8 points (x1, x2) and their labels one-hot
Z1 = X @ W1 + b1                      # (8, 10)
H1 = torch.relu(Z1)                   # (8, 10)
Z2 = H1 @ W2 + b2                     # (8, 2): the logits
loss = cross_entropy(Z2, Y)           # softmax cross-entropy on the logits
print("logits of the first 3 points:\\n", Z2[:3].detach())
print("their softmax:\\n", torch.softmax(Z2[:3], dim=1).detach())
print("loss:", round(loss.item(), 4))
''',
    Question("Before any training, what will the loss of this two-class batch be, roughly?",
             ("about 0", "about 0.69", "about 2.3", "more than 10"), 1,
             "Weights this small make every logit close to 0, so softmax gives each of the two classes about ½ and "
             "the loss is −log ½ = ln 2 ≈ 0.693: the loss of a fair coin. (About 2.3 = ln 10 would be ten classes.)"),
    "The logits are all near 0 and the probabilities near 0.5: the untrained network knows nothing yet, and says "
    "so honestly. A loss far above ln 2 at the start would mean confident wrong guesses (weights too large).")

BACKWARD = Step(
    "backward", "Backward: the gradients, zeroed, and again",
    "`loss.backward()` fills `.grad` of every leaf. Print each gradient's shape and size, zero them, and repeat. "
    "What happens if you forget to zero them?",
    '''loss = cross_entropy(forward(X), Y)
loss.backward()
for name, p in params.items():
    print(f"{name}.grad  shape {tuple(p.grad.shape)}  size {p.grad.numel():2d}  norm {p.grad.norm():.5f}")
first = W1.grad.norm().item()

for p in params.values():
    p.grad.zero_()                       # zero them
cross_entropy(forward(X), Y).backward()  # repeat
print(f"zeroed, then again:  W1.grad norm {W1.grad.norm():.5f}")
cross_entropy(forward(X), Y).backward()  # and once more without zeroing
print(f"not zeroed:          W1.grad norm {W1.grad.norm():.5f} = {W1.grad.norm() / first:.2f} × the first")
''',
    Question("What shape is `W1.grad`?", ("(2, 10)", "(10, 2)", "(8, 10)", "(1, 10)"), 0,
             "A gradient has the shape of what it differentiates: one number per weight, so `W1.grad` is 2×10 like "
             "`W1`. The batch size (8) is summed away: each weight gets one gradient for the whole batch."),
    "Every gradient has its parameter's shape (the sizes add up to the network's 52 parameters). Zeroed and "
    "repeated, W1's gradient is the same again; not zeroed, it is twice as large: `backward()` *adds* to `.grad`, "
    "which is why a training loop zeroes the gradients after every update.",
    before="X, Y = X_train[:8], Y_train[:8]\n" + _FORWARD)

TRAIN = Step(
    "train", "Train 300 epochs: the loss and the boundary",
    "The whole loop: forward, loss, backward, a step of gradient descent, zero the gradients; 300 times over the "
    "160 training points. Below the code, the engine trains the same network live (its backward written out "
    "rather than autograd, the same steps): press **Train** and watch the loss and the decision boundary over a "
    "grid of the plane.",
    '''lr = 0.07
losses = []
for epoch in range(300):
    loss = cross_entropy(forward(X_train), Y_train)
    loss.backward()
    with torch.no_grad():
        for p in params.values():
            p -= lr * p.grad             # a step against the gradient
            p.grad.zero_()
    losses.append(loss.item())
print(f"loss at the start {losses[0]:.4f}, after one step {losses[1]:.4f}")
print(f"after 100 epochs {losses[100]:.4f}, after 300 {cross_entropy(forward(X_train), Y_train).item():.4f}")
''',
    Question("After the first update, will the training loss go up or down?",
             ("up", "down", "stay exactly the same"), 1,
             "Down: a small step against the gradient lowers the loss, to first order by lr·‖∇L‖². (Too large a "
             "step can overshoot and go up: try a learning rate of 10 on the Playground.)"),
    "The loss stays near ln 2 for a while (weights of std 0.1 give small gradients), then falls fast, then levels "
    "off. The boundary starts as nothing in particular (every logit near 0) and settles between the two moons: a "
    "gentle curve, since the tutorial's moons barely interlock. The loop above and the engine's run below end at "
    "the same loss.",
    before=_FORWARD)

TUTORIAL = Lesson(
    "tutorial", "A network from scratch, step by step",
    "The four exercises of the tutorial *feedforward networks from scratch, no nn.Module*, done with the "
    "Playground's engine. Each step shows a few lines of code and asks you to **predict** what they will do; "
    "lock in your answer, then see it run. The network is the tutorial's: two moons, 2 inputs → 10 ReLU units → "
    "2 logits, weights drawn with std 0.1.",
    (LEAF, FORWARD, BACKWARD, TRAIN))

LESSONS = {TUTORIAL.key: TUTORIAL}


def workspace(cfg: Config = LESSON_CONFIG) -> dict[str, Any]:
    """The engine's objects a step's code works on: W1, b1, W2, b2 (fresh leaves of the untrained network),
    `params` by name, the training set's features and one-hot labels, the engine's `cross_entropy`."""
    net = net_for(cfg)
    tensors = prepare(dataset_for(cfg), cfg.features, cfg.n_classes)
    names = [f"{kind}{layer + 1}" for layer in range(net.n_layers) for kind in ("W", "b")]
    params = dict(zip(names, net.params))
    return {"torch": torch, "cross_entropy": cross_entropy, "params": params, **params,
            "X_train": tensors.x_train, "Y_train": tensors.t_train, "y_train": tensors.y_train}


def run_step(step: Step, cfg: Config = LESSON_CONFIG) -> Ran:
    """Run `step.before`, `step.code` and `step.then` as written, on a fresh workspace; what `code` and `then`
    printed.

    The global RNG is forked (a snippet may call torch.randn as a learner would, without moving anyone
    else's random numbers); `print` writes to a buffer, not to sys.stdout, which a server's threads share.
    """
    scope = workspace(cfg)
    out = io.StringIO()
    with torch.random.fork_rng(devices=[]), torch.enable_grad(), warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        torch.manual_seed(SEED)
        scope["print"] = lambda *args, **kwargs: None
        exec(compile(step.before, f"<lesson {step.key}: before>", "exec"), scope)  # noqa: S102 — our own steps
        scope["print"] = functools.partial(print, file=out)
        exec(compile(step.code, f"<lesson {step.key}>", "exec"), scope)  # noqa: S102 — our own steps
        then = io.StringIO()
        scope["print"] = functools.partial(print, file=then)
        exec(compile(step.then, f"<lesson {step.key}: then>", "exec"), scope)  # noqa: S102 — our own steps
    return Ran(out.getvalue(), tuple(dict.fromkeys(_short(str(c.message)) for c in caught)), scope,
               then.getvalue())


def parameter_rows(cfg: Config = LESSON_CONFIG) -> list[dict[str, object]]:
    """The engine's own parameters of the lesson's network: what a leaf tensor looks like."""
    rows = []
    for name, p in workspace(cfg)["params"].items():
        grad_fn = "None" if p.grad_fn is None else p.grad_fn.name()
        rows.append({"tensor": name, "shape": "×".join(map(str, p.shape)), "is_leaf": p.is_leaf,
                     "requires_grad": p.requires_grad, "grad_fn": grad_fn})
    return rows
