"""Live frames as plain Python: the wire format, and what a Playground frame holds for each kind of run."""

from __future__ import annotations

import base64
import math

import numpy as np
import pytest

from live.frames import Frame, PlaygroundView, decode, lut_base64, metrics, playground_frame
from live.run import LiveRun
from scratchnet.config import Config
from scratchnet.draw.palette import DEFAULT, PRESENTATION


def test_a_frame_survives_the_wire():
    frame = Frame({"t": "frame", "epoch": 3, "loss": [0.5, None]})
    first = frame.blob(np.arange(6, dtype=np.uint8).reshape(2, 3))
    second = frame.blob(b"\x07\x08")
    back = decode(frame.encode())
    assert back.header == {"t": "frame", "epoch": 3, "loss": [0.5, None]}
    assert back.blobs[first] == bytes(range(6)) and back.blobs[second] == b"\x07\x08"
    inline = frame.inline()
    assert [base64.b64decode(b) for b in inline["blobs"]] == back.blobs


def test_a_frame_refuses_nan():
    with pytest.raises(ValueError):
        Frame({"loss": math.nan}).encode()          # gaps travel as null, never as NaN


def test_a_classification_frame_has_the_surface_codes_the_loss_and_the_units():
    run = LiveRun(Config(hidden=(5, 3), epochs=50))
    run.step()
    frame = playground_frame(run.frame_state(), PlaygroundView(DEFAULT), units=True)
    boundary, units = frame.header["images"]
    codes = np.frombuffer(frame.blobs[boundary["blob"]], dtype=np.uint8)
    assert (boundary["w"], boundary["h"], codes.size) == (100, 100, 10_000)
    tiles = np.frombuffer(frame.blobs[units["blob"]], dtype=np.uint8).reshape(units["h"], units["w"])
    assert units["h"] == 2 * 34 and units["w"] == 5 * 34, "a row per layer, a 32-pixel tile per unit"
    loss = frame.header["curves"][0]
    assert loss["x"][0] == [0, 1] and loss["regular"] == [True, False]
    labels = [label for label, _ in frame.header["metrics"]]
    assert labels == ["Epoch", "Train loss", "Test loss", "Train accuracy", "Test accuracy", "Epochs / s"]
    assert tiles.max() == 255, "the white gutter between tiles"


def test_a_regression_frame_shows_no_accuracy_and_units_can_be_left_out():
    run = LiveRun(Config(problem="regression", dataset="plane", lr=0.01))
    frame = playground_frame(run.frame_state(), PlaygroundView(PRESENTATION, units=False), units=True)
    assert [i["chart"] for i in frame.header["images"]] == ["boundary"]
    assert "Train accuracy" not in dict(metrics(run.frame_state()))


def test_the_colour_table_is_256_colours():
    table = np.frombuffer(base64.b64decode(lut_base64([[0, "#000000"], [1, "#FFFFFF"]])), dtype=np.uint8)
    assert table.shape == (768,) and table[:3].tolist() == [0, 0, 0] and table[-3:].tolist() == [255, 255, 255]


def test_a_diverged_run_sends_gaps_not_infinities():
    run = LiveRun(Config(dataset="plane", problem="regression", lr=10.0, hidden=(64, 64)), speed="max")
    run.play()
    while run.playing:
        run.work(0.05)
    frame = decode(playground_frame(run.frame_state(), PlaygroundView(DEFAULT), units=False).encode())
    assert frame.header["stopped"] == "diverged"
    assert all(v is None or math.isfinite(v) for curve in frame.header["curves"][0]["y"] for v in curve)
