"""The join link as a QR code (segno: a maintained, pure-Python QR library) to scan from a projector.

A link of ~45 characters is a version 3-4 symbol (29-33 modules) at error correction level M; with
the 4-module quiet zone the standard asks for and 12 pixels a module, the PNG is ~450 px: from the
back of a classroom a projected code needs to be big, and its modules sharp (no smoothing).
"""

from __future__ import annotations

import io

import segno

MODULE_PIXELS = 12
QUIET_ZONE = 4


def qr_png(text: str, scale: int = MODULE_PIXELS) -> bytes:
    """`text` as a black-on-white QR code, PNG bytes."""
    code = segno.make(text, error="m", micro=False)
    out = io.BytesIO()
    code.save(out, kind="png", scale=scale, border=QUIET_ZONE, dark="#000000", light="#ffffff")
    return out.getvalue()
