"""Numbers as text files hold them: float32 exactly and briefly, non-finite values as JSON's null."""

from __future__ import annotations

import math

import numpy as np
import torch
from torch import Tensor


def float_texts(values: Tensor) -> list[str]:
    """Each float32 of a 1-D tensor in its shortest text that parses back (via float64) to the
    same bits, so download -> upload -> download gives the same bytes."""
    v32 = values.detach().to(torch.float32).cpu().numpy()  # (n,)
    texts = [str(v) for v in v32]  # numpy's shortest round-trip form for float32
    back = np.array([float(t) for t in texts], dtype=np.float64).astype(np.float32)
    for i in np.flatnonzero(back.view(np.uint32) != v32.view(np.uint32)):
        texts[i] = repr(float(v32[i]))  # exact double of the float32: always round-trips
    return texts


def finite_or_none(value: float | None) -> float | None:
    """JSON has no NaN or Infinity: a value that is not a finite number is written as null."""
    return None if value is None or not math.isfinite(value) else float(value)
