"""The dataset picker's pictures: one per dataset of the table, drawn from DATASETS without a list of its own."""

from __future__ import annotations

import base64
import io

from PIL import Image

from scratchnet.data.datasets import DATASETS
from ui.thumbnails import SIZE, all_thumbnails, thumbnail, thumbnail_uris


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


def test_the_page_gets_the_same_pictures_as_data_uris():
    pictures, uris = all_thumbnails(3), thumbnail_uris(3)
    assert uris.keys() == pictures.keys()
    for name, uri in uris.items():
        head, _, body = uri.partition(",")
        assert head == "data:image/png;base64" and base64.b64decode(body) == pictures[name]
