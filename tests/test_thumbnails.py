"""The dataset picker's pictures: one per dataset of the table, drawn from DATASETS without a list of its own."""

from __future__ import annotations

import io

from PIL import Image

from scratchnet.data import DATASETS
from ui.thumbnails import SIZE, all_thumbnails, thumbnail


def test_every_dataset_has_a_picture_including_the_new_ones():
    pictures = all_thumbnails()
    assert set(pictures) == set(DATASETS) >= {"checkerboard", "stripes", "rings"}
    for png in pictures.values():
        image = Image.open(io.BytesIO(png))
        assert image.format == "PNG" and image.size == (SIZE, SIZE)
    assert len(set(pictures.values())) == len(pictures)                  # no two look the same


def test_rings_draw_as_many_classes_as_asked():
    def colours(png: bytes) -> int:
        return len(Image.open(io.BytesIO(png)).convert("RGB").getcolors(maxcolors=4096))

    assert colours(thumbnail("rings", 5)) > colours(thumbnail("rings", 2))
    assert thumbnail("stripes", 5) == thumbnail("stripes", 2)            # a two-class set stays two-class
