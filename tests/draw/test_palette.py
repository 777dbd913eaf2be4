"""One palette (scratchnet/draw/palette.py): every place that draws a class takes its colour from CLASS_PALETTE,
in either style, and names the class the same way (scratchnet/data/class_names.py class_label)."""

from __future__ import annotations

import base64
import re
from pathlib import Path

import numpy as np
import pytest

from scratchnet.config import Config
from scratchnet.data.class_names import class_label, new_class_name
from scratchnet.draw.palette import (
    CLASS_COLORS,
    CLASS_PALETTE,
    COLOR_NAMES,
    DEFAULT,
    PRESENTATION,
    banded_scale,
    class_color,
    hex_rgb,
    output_scale,
    region_style,
)
from scratchnet.draw.png import color_table

ROOT = Path(__file__).resolve().parents[2]


def lut(text: str) -> np.ndarray:
    return np.frombuffer(base64.b64decode(text), dtype=np.uint8).reshape(256, 3)


def test_one_table_gives_every_class_its_colour_and_name_in_both_styles():
    assert CLASS_COLORS == tuple(c for _, c in CLASS_PALETTE) and len(set(CLASS_COLORS)) == len(CLASS_COLORS)
    assert PRESENTATION.class_colors == DEFAULT.class_colors == CLASS_COLORS, \
        "a class projected is the class on every student's screen"
    assert COLOR_NAMES[:2] == ("orange", "blue")
    assert [class_color(c) for c in range(10)] == [CLASS_COLORS[c % 8] for c in range(10)]
    assert class_label(2) == "class 2" and class_label(1, ("bird", "cat", "dog")) == "cat"
    assert new_class_name(("bird", "class 1")) == "class 2"
    assert new_class_name(("class 2", "x")) == "class 2 (2)"


def test_the_board_draws_tiles_in_the_palette():
    from classroom.board_frames import BoardView, board_luts

    assert BoardView().style.class_colors == CLASS_COLORS
    luts = board_luts()
    expected = color_table(banded_scale(3, region_style(PRESENTATION)))
    np.testing.assert_array_equal(lut(luts["c3"]), expected)
    assert tuple(lut(luts["c3"])[255]) == hex_rgb(region_style(PRESENTATION).class_colors[2])


@pytest.mark.parametrize("k", [2, 3, 5])
def test_each_output_unit_of_the_diagram_is_drawn_in_its_class_colour(k):
    from live.diagram import diagram_chart

    cfg = Config(dataset="spiral", classes=k)
    chart = diagram_chart(cfg, (-1.0, 1.0, -1.0, 1.0), DEFAULT, height="400px", editable=False, toggles=False)
    tables = [lut(t) for t in chart["output_luts"]]
    assert len(tables) == k
    for c, table in enumerate(tables):
        assert tuple(table[254]) == hex_rgb(CLASS_COLORS[c]), "a high logit z_c in class c's colour"
        np.testing.assert_array_equal(table, color_table(output_scale(c)))
    plane = diagram_chart(Config(problem="regression", dataset="plane"), (-1.0, 1.0, -1.0, 1.0), DEFAULT,
                          height="400px", editable=False, toggles=False)
    assert plane["output_luts"] == []


def test_no_other_file_spells_a_class_colour():
    """Every colour of a class is read from the table: no page, part or style sheet types one again."""
    spelled = re.compile("|".join(re.escape(c) for c in CLASS_COLORS), re.IGNORECASE)
    sources = [*ROOT.glob("ui/**/*.py"), *ROOT.glob("ui/js/*.js"), *ROOT.glob("ui/css/*.css"),
               *ROOT.glob("app_pages/*.py"), *ROOT.glob("scratchnet/**/*.py"), *ROOT.glob("live/**/*.py"),
               *ROOT.glob("live/js/*.js"), *ROOT.glob("classroom/**/*.py"), ROOT / "navigation.py"]
    found = {str(p.relative_to(ROOT)): spelled.findall(p.read_text(encoding="utf-8"))
             for p in sources if p.name != "palette.py"}
    assert not {p: hits for p, hits in found.items() if hits}
