"""Numbers as the formulas show them (the records' LaTeX and the Under the hood page's)."""

from __future__ import annotations


def tex_number(x: float) -> str:
    """A constant as LaTeX: 0.9, 0.01, and 10^{-8} rather than 1e-08."""
    text = f"{x:g}"
    if "e" not in text:
        return text
    mantissa, exponent = text.split("e")
    power = f"10^{{{int(exponent)}}}"
    return power if mantissa == "1" else rf"{mantissa} \cdot {power}"
