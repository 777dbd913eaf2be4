"""Decision surfaces (what the network predicts on a grid) and the Plotly figure builders."""

from __future__ import annotations

import base64
import json
import re
import struct
import time
import zlib

import numpy as np
import plotly.graph_objects as go
import pytest
import torch

from scratchnet import Config, Trainer
from scratchnet.data.datasets import featurize
from scratchnet.draw.figures import (
    boundary_spec,
    class_marker,
    compare_grid_spec,
    compare_loss_spec,
    downsample,
    loss_spec,
    surface_codes,
    units_spec,
)
from scratchnet.draw.palette import (
    CLASS_COLORS,
    DEFAULT,
    NEUTRAL,
    PRESENTATION,
    Style,
    banded_scale,
    diverging_scale,
    hex_rgb,
    mix,
)
from scratchnet.draw.plotly_json import as_figure, figure_json
from scratchnet.draw.png import colorize, png_data_uri
from scratchnet.draw.surface import Surface, decision_surface, grid_points, stacked_surfaces, unit_surfaces
from scratchnet.export.html import figures_html, run_figures
from scratchnet.net.model import hidden_activations, init_net, predict
from scratchnet.train.batched import stack_nets

BOUNDS = (-2.0, 3.0, -1.5, 2.5)


def trained(cfg: Config, epochs: int = 60) -> Trainer:
    t = Trainer(cfg.replace(epochs=epochs))
    list(t.run(every=epochs))
    return t


# ----------------------------------------------------------------------------- surfaces

def test_two_class_surface_is_p_class1_on_a_row_major_grid():
    net = init_net([2, 8, 2], "tanh", seed=0)
    s = decision_surface(net, ("x1", "x2"), BOUNDS, "classification", resolution=30)
    assert isinstance(s, Surface) and s.values.shape == (30, 30) and s.values.dtype == np.float32
    assert s.xs.shape == s.ys.shape == (30,) and s.n_classes == 2 and s.task == "classification"
    assert (s.xs[0], s.xs[-1], s.ys[0], s.ys[-1]) == pytest.approx(BOUNDS)
    assert 0 <= s.values.min() and s.values.max() <= 1
    # row i is y = ys[i], column j is x = xs[j]
    for i, j in [(0, 0), (3, 17), (29, 5), (12, 29)]:
        logits = predict(net, torch.tensor([[s.xs[j], s.ys[i]]]))
        assert s.values[i, j] == pytest.approx(float(torch.softmax(logits, -1)[0, 1]), abs=1e-6)


def test_multiclass_surface_has_a_probability_per_class():
    net = init_net([2, 8, 5], "relu", seed=1)
    s = decision_surface(net, ("x1", "x2"), BOUNDS, "classification", resolution=20)
    assert s.values.shape == (20, 20, 5) and s.n_classes == 5
    np.testing.assert_allclose(s.values.sum(-1), 1.0, atol=1e-5)


def test_regression_surface_is_the_value_and_features_are_applied():
    features = ("x1", "x2", "x1sq", "sinx2")
    net = init_net([4, 6, 1], "tanh", seed=2)
    s = decision_surface(net, features, BOUNDS, "regression", resolution=16)
    assert s.values.shape == (16, 16) and s.n_classes == 1
    expected = predict(net, featurize(grid_points(BOUNDS, 16), features))[:, 0].reshape(16, 16)
    np.testing.assert_allclose(s.values, expected.numpy(), atol=1e-6)


def test_stacked_surfaces_are_every_models_own():
    nets = [init_net([2, w, 2], "relu", seed=w) for w in (3, 6, 4)]
    stacked = stack_nets(nets)
    s = decision_surface(stacked, ("x1", "x2"), BOUNDS, "classification", resolution=12)
    assert s.values.shape == (3, 12, 12)
    for m, (net, one) in enumerate(zip(nets, stacked_surfaces(stacked, ("x1", "x2"), BOUNDS, "classification", 12))):
        alone = decision_surface(net, ("x1", "x2"), BOUNDS, "classification", resolution=12)
        np.testing.assert_allclose(one.values, alone.values, atol=1e-6)
        np.testing.assert_allclose(s.values[m], alone.values, atol=1e-6)


@pytest.mark.perf
def test_surface_is_inference_only_and_fast():
    t = trained(Config())
    net = t.net
    decision_surface(net, t.cfg.features, t.data.bounds, "classification", resolution=100)   # warm-up
    times = []
    for _ in range(5):
        start = time.perf_counter()
        s = decision_surface(net, t.cfg.features, t.data.bounds, "classification", resolution=100)
        times.append(time.perf_counter() - start)
    assert s.values.shape == (100, 100)
    assert sorted(times)[2] < 0.05           # ~1 ms measured; generous for a shared machine
    assert all(p.grad is None for p in net.params)


def test_trained_surface_agrees_with_the_data():
    t = trained(Config(epochs=300), 300)
    s = decision_surface(t.net, t.cfg.features, t.data.bounds, "classification", resolution=60)
    x, y = t.data.x_train, t.data.y_train
    j = np.clip(np.searchsorted(s.xs, x[:, 0].numpy()), 0, 59)
    i = np.clip(np.searchsorted(s.ys, x[:, 1].numpy()), 0, 59)
    predicted = (s.values[i, j] > 0.5).astype(int)
    assert (predicted == y.numpy()).mean() > 0.9


def test_unit_surfaces_show_every_hidden_unit():
    net = init_net([2, 5, 3, 2], "tanh", seed=3)
    layers = unit_surfaces(net, ("x1", "x2"), BOUNDS, resolution=10)
    assert [u.shape for u in layers] == [(5, 10, 10), (3, 10, 10)]
    with torch.no_grad():
        h1, _ = hidden_activations(net, grid_points(BOUNDS, 10))
    np.testing.assert_allclose(layers[0][2], h1[:, 2].reshape(10, 10).numpy(), atol=1e-6)
    assert unit_surfaces(init_net([2, 2], "relu"), ("x1", "x2"), BOUNDS) == []


# ----------------------------------------------------------------------------- colour codes

def scale_positions(scale):
    positions = [p for p, _ in scale]
    assert positions[0] == 0 and positions[-1] == 1 and positions == sorted(positions)
    for _, colour in scale:
        assert re.fullmatch(r"#[0-9A-Fa-f]{6}|rgba?\(.*\)", colour)
    return positions


def test_two_class_codes_are_uint8_probabilities():
    values = np.array([[0.0, 0.5, 1.0]], dtype=np.float32)
    codes, scale, top = surface_codes(Surface(np.arange(3.0), np.zeros(1), values, "classification", 2))
    assert codes.dtype == np.uint8 and codes.tolist() == [[0, 128, 255]] and top == 255
    assert scale == diverging_scale() and scale[1] == [0.5, DEFAULT.neutral]
    scale_positions(scale)
    discrete, _, _ = surface_codes(Surface(np.arange(3.0), np.zeros(1), np.array([[0.2, 0.6, 0.9]]),
                                           "classification", 2), discretize=True)
    assert discrete.tolist() == [[0, 255, 255]]


@pytest.mark.parametrize("k", range(3, 9))
def test_multiclass_codes_fall_in_their_class_band(k):
    """Every class, sure or unsure, gets a code inside its own band of the banded scale."""
    scale = banded_scale(k)
    positions = scale_positions(scale)
    rows = []
    for c in range(k):
        for sure in (1.0, 0.9, 0.5):
            p = np.full(k, (1 - sure) / (k - 1))
            p[c] = sure
            rows.append(p)
        rows.append(np.full(k, 1 / k))          # a tie: argmax picks class 0
    values = np.array(rows, dtype=np.float32)[None]
    for discretize in (False, True):
        codes, _, _ = surface_codes(Surface(np.zeros(len(rows)), np.zeros(1), values, "classification", k),
                                    discretize=discretize)
        assert codes.dtype == np.uint8
        for code, p in zip(codes[0], values[0]):
            c = int(p.argmax())
            z = code / 255
            assert positions[2 * c] <= z <= positions[2 * c + 1], (k, c, int(code))
    sure = surface_codes(Surface(np.zeros(2), np.zeros(1), np.array([[[1.0] + [0.0] * (k - 1),
                                                                     [1 / k] * k]]), "classification", k))[0]
    assert sure[0, 0] > sure[0, 1]              # more confident, deeper colour


def test_regression_codes_map_minus_one_to_one():
    values = np.array([[-5.0, -1.0, 0.0, 1.0, 7.0]], dtype=np.float32)
    codes, scale, _ = surface_codes(Surface(np.arange(5.0), np.zeros(1), values, "regression", 1))
    assert codes.tolist() == [[0, 0, 128, 255, 255]]
    scale_positions(scale)


def test_palette_is_okabe_ito_and_presentation_is_bigger():
    assert CLASS_COLORS[:3] == ("#E69F00", "#0072B2", "#009E73")
    assert len(set(CLASS_COLORS)) == len(CLASS_COLORS) >= 8
    assert PRESENTATION.font_size > DEFAULT.font_size and PRESENTATION.line_width > DEFAULT.line_width
    assert PRESENTATION.marker_size > DEFAULT.marker_size
    assert isinstance(PRESENTATION, Style)


# ----------------------------------------------------------------------------- figures

def arr(value) -> np.ndarray:
    """A figure array as numpy, whether plain or a base64 typed array ({'dtype', 'bdata', 'shape'})."""
    if isinstance(value, dict):
        out = np.frombuffer(base64.b64decode(value["bdata"]), dtype=np.dtype(value["dtype"]))
        return out.reshape([int(n) for n in value["shape"].split(",")]) if "shape" in value else out
    return np.asarray(value)


def heatmap(fig: go.Figure) -> go.Heatmap:
    (h,) = [t for t in fig.data if t.type == "heatmap"]
    return h


@pytest.mark.parametrize("cfg", [Config(), Config(dataset="spiral", classes=4, hidden=(8,)),
                                 Config(problem="regression", dataset="plane", lr=0.01)],
                         ids=["two-class", "four-class", "regression"])
def test_boundary_figure(cfg):
    t = trained(cfg, 20)
    s = decision_surface(t.net, cfg.features, t.data.bounds, cfg.problem, resolution=50)
    spec = boundary_spec(s, t.data, show_test=True, uirevision="keep-zoom")
    assert spec["data"][0]["z"].dtype == np.uint8 and spec["data"][0]["z"].shape == (50, 50)
    payload = json.loads(figure_json(spec))
    assert payload["data"][0]["z"]["dtype"] == "u1"              # base64 bytes, not a JSON list of numbers
    fig = as_figure(spec)                                          # validated by plotly
    assert fig.layout.uirevision == "keep-zoom"
    scale_positions([list(p) for p in heatmap(fig).colorscale])
    points = [tr for tr in fig.data if tr.type in ("scatter", "scattergl") and tr.showlegend is False]
    assert [tr.name for tr in points] == ["train", "test"]
    train, test = points
    assert len(arr(train.x)) == len(t.data.x_train) and len(arr(test.x)) == len(t.data.x_test)
    np.testing.assert_allclose(arr(train.y), t.data.x_train[:, 1].numpy())
    assert arr(heatmap(fig).z).dtype == np.uint8 and arr(heatmap(fig).z).shape == (50, 50)
    assert train.marker.symbol != test.marker.symbol
    x_min, x_max, y_min, y_max = t.data.bounds
    assert tuple(fig.layout.xaxis.range) == pytest.approx((x_min, x_max))
    assert tuple(fig.layout.yaxis.range) == pytest.approx((y_min, y_max))
    assert fig.layout.yaxis.scaleanchor == "x"
    only_train = as_figure(boundary_spec(s, t.data))
    assert [tr.name for tr in only_train.data if tr.type != "heatmap" and tr.showlegend is False] == ["train"]
    assert as_figure(boundary_spec(s, t.data, style=PRESENTATION)).layout.font.size == PRESENTATION.font_size


@pytest.mark.parametrize("presentation", [False, True])
def test_the_boundary_legend_names_each_class_in_its_colour(presentation):
    """One palette: a class's legend entry has the colour its points and region have, in either style,
    and the name the data gave it (a CSV's labels) or "class c"; a regression has no class legend."""
    style = PRESENTATION if presentation else DEFAULT
    cfg = Config(dataset="spiral", classes=3, hidden=(4,))
    t = trained(cfg, 2)
    s = decision_surface(t.net, cfg.features, t.data.bounds, cfg.problem, resolution=20)
    for names, shown in ((None, ["class 0", "class 1", "class 2"]), (("bird", "cat", "dog"), ["bird", "cat", "dog"])):
        fig = as_figure(boundary_spec(s, t.data, style=style, class_names=names, show_test=True))
        legend = [tr for tr in fig.data if tr.type == "scatter" and tr.showlegend is not False]
        assert [tr.name for tr in legend] == [*shown, "train", "test"] and fig.layout.showlegend
        assert [tr.marker.color for tr in legend[:3]] == list(CLASS_COLORS[:3])
        (train,) = [tr for tr in fig.data if tr.name == "train" and tr.showlegend is False]
        scale = [c for _, c in train.marker.colorscale]
        assert scale == list(CLASS_COLORS[:3]), "the points are drawn in the legend's colours"
    plane = Config(problem="regression", dataset="plane")
    r = trained(plane, 2)
    flat = decision_surface(r.net, plane.features, r.data.bounds, plane.problem, resolution=20)
    assert not as_figure(boundary_spec(flat, r.data, style=style)).layout.showlegend


def test_loss_figure_has_train_and_test_and_caps_its_points():
    losses = list(np.linspace(1.0, 0.1, 100_000))
    epochs, values = downsample(losses)
    assert len(epochs) <= 1000 and epochs[0] == 1 and epochs[-1] == 100_000 and values[-1] == pytest.approx(0.1)
    eval_epochs = list(range(0, 100_001, 10))
    fig = as_figure(loss_spec(losses, eval_epochs, [0.5] * len(eval_epochs), uirevision="loss-1"))
    train, test = fig.data
    assert (train.name, test.name) == ("train", "test")
    assert len(arr(train.x)) <= 1000 and len(arr(test.x)) <= 1000 and arr(train.x)[-1] == 100_000
    assert fig.layout.uirevision == "loss-1"
    assert len(arr(as_figure(loss_spec([0.7, 0.6, 0.5])).data[0].x)) == 3
    assert as_figure(loss_spec([0.7, 0.6], log_y=True)).layout.yaxis.type == "log"


def test_loss_figure_survives_a_diverged_history():
    spec = loss_spec([0.7, float("inf"), float("nan")], [0, 1], [0.7, float("inf")])
    text = figure_json(spec)                       # strict JSON: no NaN/Infinity tokens
    assert "NaN" not in text and "Infinity" not in text
    as_figure(loss_spec([0.7, float("inf"), float("nan")]))                 # and plotly accepts the gaps


def test_units_compare_and_html():
    t = trained(Config(hidden=(6, 4)), 20)
    layers = unit_surfaces(t.net, t.cfg.features, t.data.bounds, resolution=12)
    fig = as_figure(units_spec(layers, max_units=5))
    assert fig.layout.uirevision
    assert arr(heatmap(fig).z).shape == (2 * 14, 5 * 14) and arr(heatmap(fig).z).dtype == np.uint8
    scale_positions([list(p) for p in heatmap(fig).colorscale])

    sweep = [trained(Config(lr=lr), 20) for lr in (0.01, 0.1, 1.0)]
    surfaces = [decision_surface(s.net, s.cfg.features, s.data.bounds, "classification", 20) for s in sweep]
    grid = as_figure(compare_grid_spec(surfaces, sweep[0].data, ["a", "b", "c"], cols=2))
    assert sum(tr.type == "heatmap" for tr in grid.data) == 3 and grid.layout.uirevision
    assert [a.text for a in grid.layout.annotations] == ["a", "b", "c"]
    curves = as_figure(compare_loss_spec([s.history.losses for s in sweep], ["a", "b", "c"]))
    assert [tr.name for tr in curves.data] == ["a", "b", "c"] and curves.layout.yaxis.type == "log"

    page = figures_html(run_figures(t))
    assert page.startswith("<!doctype html>") and page.count("<script") >= 2
    assert len(re.findall(r"/\*! For license information|plotly\.js v\d", page)) >= 1     # plotly.js inlined
    assert not re.search(r"<script[^>]*\bsrc=", page)             # nothing fetched: opens offline
    assert page.count("Plotly.newPlot") == 2


def test_hex_colours_and_mixing():
    assert hex_rgb("#E69F00") == (230, 159, 0) and hex_rgb("#ffffff") == (255, 255, 255)
    assert mix("#0072B2", "#FFFFFF", 0.0) == "#0072B2" and mix("#0072B2", "#FFFFFF", 1.0) == "#FFFFFF"
    assert mix("#000000", "#FFFFFF", 0.25) == "#404040"


def png_pixels(uri: str) -> np.ndarray:
    """Decode our own PNGs (8-bit RGB, filter 0 on every row) with zlib alone, checking each chunk's CRC."""
    png = base64.b64decode(uri.removeprefix("data:image/png;base64,"))
    assert png[:8] == b"\x89PNG\r\n\x1a\n"
    chunks, pos = {}, 8
    while pos < len(png):
        (length,) = struct.unpack(">I", png[pos:pos + 4])
        kind, body = png[pos + 4:pos + 8], png[pos + 8:pos + 8 + length]
        assert struct.unpack(">I", png[pos + 8 + length:pos + 12 + length])[0] == zlib.crc32(kind + body)
        chunks[kind] = body
        pos += 12 + length
    width, height, depth, colour_type = struct.unpack(">IIBB", chunks[b"IHDR"][:10])
    assert (depth, colour_type) == (8, 2) and b"IEND" in chunks
    rows = np.frombuffer(zlib.decompress(chunks[b"IDAT"]), dtype=np.uint8).reshape(height, 1 + 3 * width)
    assert (rows[:, 0] == 0).all()
    return rows[:, 1:].reshape(height, width, 3)


def test_png_holds_exactly_the_pixels_it_was_given():
    rgb = np.random.default_rng(0).integers(0, 256, (5, 7, 3), dtype=np.uint8)
    assert np.array_equal(png_pixels(png_data_uri(rgb)), rgb)


def test_colorize_maps_codes_as_the_colour_scale_does():
    rgb = colorize(np.array([[0, 128, 255]], dtype=np.uint8), diverging_scale())
    assert tuple(rgb[0, 0]) == hex_rgb(CLASS_COLORS[0]) and tuple(rgb[0, 2]) == hex_rgb(CLASS_COLORS[1])
    assert np.abs(rgb[0, 1].astype(int) - hex_rgb(NEUTRAL)).max() <= 1          # code 128 sits just past 0.5


def test_the_live_boundary_is_an_image_behind_the_points():
    t = trained(Config(), 5)
    s = decision_surface(t.net, t.cfg.features, t.data.bounds, "classification", resolution=20)
    spec = boundary_spec(s, t.data, as_image=True)
    assert [trace["type"] for trace in spec["data"]] == ["scatter"] * 3, "the points and the legend, no heatmap"
    (image,) = spec["layout"]["images"]
    assert image["layer"] == "below" and png_pixels(image["source"]).shape == (20, 20, 3)
    assert image["x"] < s.xs[0] and image["x"] + image["sizex"] > s.xs[-1]
    assert image["y"] > s.ys[-1] and image["y"] - image["sizey"] < s.ys[0]
    as_figure(spec)                                                            # plotly accepts it
    same = boundary_spec(s, t.data, as_image=True)["layout"]["datarevision"]
    shown = boundary_spec(s, t.data, as_image=True, show_test=True)["layout"]["datarevision"]
    assert same == spec["layout"]["datarevision"] != shown


@pytest.mark.parametrize("task, k", [("classification", 3), ("regression", 1)])
def test_every_points_trace_colours_classes_the_same_way(task, k):
    labels = np.arange(6) % 3 if task == "classification" else np.linspace(-1, 1, 6)
    marker = class_marker(labels, task, k)
    if task == "classification":
        assert marker["cmin"] == 0 and marker["cmax"] == 2 and marker["color"].dtype == np.uint8
        assert [color for _, color in marker["colorscale"]] == list(CLASS_COLORS[:3])
    else:
        assert (marker["cmin"], marker["cmax"]) == (-1, 1) and marker["colorscale"] == diverging_scale()
    cfg = Config(dataset="spiral", classes=3) if task == "classification" else Config(problem="regression",
                                                                                        dataset="plane")
    t = Trainer(cfg)
    s = decision_surface(t.net, cfg.features, t.data.bounds, cfg.problem, resolution=8)
    boundary_points = boundary_spec(s, t.data)["data"][1]["marker"]
    assert boundary_points["colorscale"] == class_marker(t.data.y_train.numpy(), task, t.data.n_classes)["colorscale"]
    if task == "classification":
        grid_points_marker = compare_grid_spec([s], t.data, ["a"])["data"][1]["marker"]
        assert grid_points_marker["colorscale"] == boundary_points["colorscale"]


def test_the_engine_never_imports_streamlit():
    import pathlib
    import subprocess
    import sys

    import scratchnet
    paths = list(pathlib.Path(scratchnet.__file__).parent.rglob("*.py"))
    assert len(paths) > 30
    for path in paths:
        assert not re.search(r"^\s*(import|from)\s+streamlit\b", path.read_text(encoding="utf-8"), re.MULTILINE), path
    code = ("import sys, scratchnet, scratchnet.cli, pkgutil, importlib;"
            "[importlib.import_module(m.name) for m in pkgutil.walk_packages(scratchnet.__path__, 'scratchnet.')"
            " if not m.name.endswith('__main__')];"
            "print('streamlit' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"


def test_class_names_from_an_upload_reach_the_hover_as_typed_not_as_markup():
    """plotly.js reads <a href>, <b>, <br> in hover text as markup: a class named like a link made one."""
    from scratchnet.draw.figures import boundary_spec
    from scratchnet.draw.surface import decision_surface

    cfg = Config(hidden=(3,), n_points=40)
    trainer = Trainer(cfg)
    data = trainer.data
    surface = decision_surface(trainer.net, cfg.features, data.bounds, cfg.problem, 10)
    names = ("<a href='//evil.example/x'>go</a>", "A & <b>B</b>")
    spec = boundary_spec(surface, data, class_names=names)
    texts = {t for trace in spec["data"] for t in trace.get("text", [])}
    assert texts == {"&lt;a href='//evil.example/x'&gt;go&lt;/a&gt;", "A &amp; &lt;b&gt;B&lt;/b&gt;"}
