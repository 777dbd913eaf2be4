"""A heatmap as a small PNG: colour codes through a colour scale, then the PNG bytes.

The live boundary travels as an image behind the axes rather than a heatmap trace (see
`figures.boundary_spec`); this draws it without an imaging library.
"""

from __future__ import annotations

import base64
import functools
import struct
import zlib
from collections.abc import Sequence

import numpy as np

from scratchnet.draw.palette import hex_rgb


def colorize(codes: np.ndarray, scale: Sequence[Sequence]) -> np.ndarray:
    """uint8 codes (R, C) to RGB (R, C, 3) through a colour scale, as plotly.js maps a heatmap
    with zmin=0, zmax=255 (linear in RGB between the scale's stops)."""
    return color_table(scale)[codes]


def color_table(scale: Sequence[Sequence]) -> np.ndarray:
    """The RGB colour (256, 3) uint8 of every code a scale maps (the live view colours with it)."""
    return _lut(tuple((float(pos), str(color)) for pos, color in scale))


@functools.lru_cache(maxsize=32)
def _lut(scale: tuple[tuple[float, str], ...]) -> np.ndarray:
    positions = np.array([pos for pos, _ in scale]) * 255
    colors = np.array([hex_rgb(c) for _, c in scale], dtype=np.float64)        # (stops, 3)
    codes = np.arange(256)
    return np.stack([np.interp(codes, positions, colors[:, k]) for k in range(3)], axis=1).round().astype(np.uint8)


def png_data_uri(rgb: np.ndarray) -> str:
    """An RGB array (H, W, 3) as a PNG data URI (zlib and the PNG chunk layout)."""
    height, width, _ = rgb.shape
    raw = b"".join(b"\x00" + row.tobytes() for row in np.ascontiguousarray(rgb, dtype=np.uint8))

    def chunk(kind: bytes, body: bytes) -> bytes:
        return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))

    png = (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0))
           + chunk(b"IDAT", zlib.compress(raw, 6)) + chunk(b"IEND", b""))
    return data_uri(png)


def data_uri(png: bytes) -> str:
    """PNG bytes as a data URI (an <img> or st.image takes it as it is)."""
    return "data:image/png;base64," + base64.b64encode(png).decode("ascii")
