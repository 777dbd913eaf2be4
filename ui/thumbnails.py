"""Small pictures of each dataset for the picker, as TensorFlow Playground shows them.

Drawn with Pillow (it ships with Streamlit) into PNG bytes: a 72-pixel square of coloured
dots is faster to send and to tell apart than a Plotly chart per dataset.
"""

from __future__ import annotations

import functools
import io

import numpy as np
from PIL import Image, ImageDraw

from scratchnet.data.datasets import DATASETS, make_dataset
from scratchnet.draw.palette import CLASS_COLORS, NEUTRAL, hex_rgb
from scratchnet.draw.png import data_uri

SIZE = 72
DOT = 2


def _value_color(v: float) -> tuple[int, int, int]:
    """Regression target in [-1, 1] on the same diverging scale as the boundary chart."""
    low, mid, high = (np.array(hex_rgb(c), dtype=float) for c in (CLASS_COLORS[0], NEUTRAL, CLASS_COLORS[1]))
    t = float(np.clip(v, -1.0, 1.0))
    mixed = mid + (high - mid) * t if t >= 0 else mid + (low - mid) * -t
    return tuple(round(c) for c in mixed)  # type: ignore[return-value]


def thumbnail(name: str, classes: int = 2) -> bytes:
    """PNG of `name` with a little noise, at its own scale (square, centred)."""
    classes = classes if DATASETS[name].multiclass else 2
    data = make_dataset(name, n_points=300, noise=0.1, train_fraction=0.9, seed=1, classes=classes)
    points = np.concatenate([data.x_train.numpy(), data.x_test.numpy()])       # (N, 2)
    values = np.concatenate([data.y_train.numpy(), data.y_test.numpy()])       # (N,)
    x_min, x_max, y_min, y_max = data.bounds
    image = Image.new("RGB", (SIZE, SIZE), hex_rgb(NEUTRAL))
    draw = ImageDraw.Draw(image)
    for (x, y), v in zip(points, values):
        px = (x - x_min) / (x_max - x_min) * (SIZE - 1)
        py = (1.0 - (y - y_min) / (y_max - y_min)) * (SIZE - 1)             # y up, as in the chart
        color = (hex_rgb(CLASS_COLORS[int(v) % len(CLASS_COLORS)]) if data.task == "classification"
                 else _value_color(float(v)))
        draw.ellipse((px - DOT, py - DOT, px + DOT, py + DOT), fill=color)
    out = io.BytesIO()
    image.save(out, format="PNG", optimize=True)
    return out.getvalue()


def all_thumbnails(classes: int = 2) -> dict[str, bytes]:
    return {name: thumbnail(name, classes) for name in DATASETS}


@functools.cache
def thumbnail_uris(classes: int = 2) -> dict[str, str]:
    """The pictures as data URIs, which st.image passes through as they are (PNG bytes it would open and
    check with PIL on every page run). Made once per number of classes, here and not in a page's
    st.cache_data function, which keeps its page run's globals alive (docs/measured.md#thumbnails).
    Do not change the dict."""
    return {name: data_uri(png) for name, png in all_thumbnails(classes).items()}
