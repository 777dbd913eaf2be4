"""Colours and sizes of every figure: the class palette, colour scales, and two viewing styles.

One table of class colours (`CLASS_PALETTE`) serves every place a class is drawn: the points and
regions of the boundary, the legend that names the classes, the "Your own data" buttons, the network
diagram's output units, Compare, the classroom board's tiles, the exported code. A class has the same
colour on a student's laptop, on the teacher's projector and on the board; only sizes differ by style.
Colours come from the Okabe–Ito palette, which stays distinguishable with the common colour-vision
deficiencies and on a washed-out projector.
"""

from __future__ import annotations

import functools
from collections.abc import Sequence
from dataclasses import dataclass, replace

# Okabe & Ito (2008), "Color Universal Design"; black replaced by grey so points keep an outline. The names
# are what a screen reader or a sentence says ("blue > 0 > orange").
CLASS_PALETTE = (("orange", "#E69F00"), ("blue", "#0072B2"), ("green", "#009E73"), ("pink", "#CC79A7"),
                 ("yellow", "#F0E442"), ("sky blue", "#56B4E9"), ("vermilion", "#D55E00"), ("grey", "#7F7F7F"))
CLASS_COLORS = tuple(color for _, color in CLASS_PALETTE)
COLOR_NAMES = tuple(name for name, _ in CLASS_PALETTE)
NAMED = dict(CLASS_PALETTE)             # the palette's colours by name, for what is not a class (gradients)
NEUTRAL = "#F7F7F7"


@dataclass(frozen=True)
class Style:
    """Sizes for one viewing situation; `PRESENTATION` is for the back row of a classroom."""

    font_size: int = 13
    line_width: float = 2.0
    marker_size: float = 6.0
    marker_line: float = 1.0
    class_colors: tuple[str, ...] = CLASS_COLORS
    neutral: str = NEUTRAL
    train_line: str = "#0072B2"
    test_line: str = "#D55E00"
    paper: str = "rgba(0,0,0,0)"
    region_lighten: float = 0.35      # share of white mixed into a class colour for its region


DEFAULT = Style()
# Larger type and heavier strokes survive a projector's low contrast; the class colours stay the same, so a
# class projected is the class on every student's screen (the loss lines, not classes, are darker).
PRESENTATION = replace(DEFAULT, font_size=24, line_width=5.0, marker_size=11.0, marker_line=2.0,
                       train_line="#0051A2", test_line="#C24A00")


def hex_rgb(color: str) -> tuple[int, int, int]:
    """'#RRGGBB' to (r, g, b) in 0..255."""
    return int(color[1:3], 16), int(color[3:5], 16), int(color[5:7], 16)


def mix(color: str, other: str, weight: float) -> str:
    """`weight` of `other` blended into `color` (hex)."""
    r, g, b = (round(a * (1 - weight) + o * weight) for a, o in zip(hex_rgb(color), hex_rgb(other)))
    return f"#{r:02X}{g:02X}{b:02X}"


def class_color(c: int, style: Style = DEFAULT) -> str:
    """Class c's colour (the palette repeats past its length)."""
    return style.class_colors[c % len(style.class_colors)]


def class_colors(k: int, style: Style = DEFAULT) -> list[str]:
    """A colour for each of k classes."""
    return [class_color(c, style) for c in range(k)]


def region_colors(style: Style = DEFAULT) -> tuple[str, ...]:
    """The class colours lightened, for the regions behind the points."""
    return tuple(mix(c, "#FFFFFF", style.region_lighten) for c in style.class_colors)


@functools.lru_cache(maxsize=16)
def region_style(style: Style = DEFAULT) -> Style:
    """`style` with its class colours lightened: how the regions behind the points are coloured."""
    return replace(style, class_colors=region_colors(style))


def units_scale(style: Style = DEFAULT) -> list[list]:
    """The hidden units' pictures: class 0's colour below zero, class 1's above, white gutters."""
    return [[0.0, style.class_colors[0]], [127 / 255, style.neutral], [254 / 255, style.class_colors[1]],
            [1.0, "#FFFFFF"]]


def output_scale(c: int, style: Style = DEFAULT) -> list[list]:
    """Output unit c's picture (its logit z_c over the plane, coded like the hidden units'): grey below zero,
    class c's colour above it, so each output unit shows where it votes for its own class."""
    return [[0.0, mix(style.neutral, "#000000", 0.3)], [127 / 255, style.neutral],
            [254 / 255, class_color(c, style)], [1.0, "#FFFFFF"]]


def diverging_scale(style: Style = DEFAULT) -> list[list]:
    """Class 0 colour → neutral → class 1 colour: confidence fades to white at p = 0.5."""
    return [[0.0, style.class_colors[0]], [0.5, style.neutral], [1.0, style.class_colors[1]]]


def banded_scale(k: int, style: Style = DEFAULT) -> list[list]:
    """For K classes: band c of [c/K, (c+1)/K) runs from a pale to the full class colour, so
    one heatmap shows both the predicted class and how sure the network is."""
    scale = []
    for c in range(k):
        lo, hi = c / k, (c + 1) / k
        scale.append([lo, mix(style.class_colors[c], style.neutral, 0.85)])
        scale.append([hi - 1e-6 if c < k - 1 else hi, style.class_colors[c]])
    return scale


def discrete_scale(colors: Sequence[str]) -> list[list]:
    """Colour c exactly at value c of 0..K-1 (used with cmin=0, cmax=K-1)."""
    k = len(colors)
    return [[c / max(k - 1, 1), colors[c]] for c in range(k)] if k > 1 else [[0, colors[0]], [1, colors[0]]]
