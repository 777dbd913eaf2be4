"""The network diagram in a real browser: what its accessible names say is what the engine holds (and the
"Weights (JSON)" file), an edit through the page lands in both, the Gradients view shows the hand-written
gradients, Step slowly walks one step, inputs toggle, and the keyboard reaches everything.

Screenshots land in artifacts/screenshots/diagram-*.png.
"""

from __future__ import annotations

import json
import re
import time
from pathlib import Path
from urllib.parse import urlencode

import pytest
import torch

from scratchnet.config import Setup
from scratchnet.net.backward import hand_loss_and_grads
from scratchnet.net.model import net_for
from scratchnet.train.trainer import Trainer
from tests.browser.harness import BOUNDARY, IMAGE_SOURCE, READ_EPOCH, epoch, wait_for_playground

NETWORK = Setup().replace(hidden=(5, 3), epochs=100_000, speed="30")         # 2-5-3-2: 31 weights, 10 biases
DIAGRAM = ".snd-root"
NAMED = re.compile(r"^(?P<name>[Wb]\d+\[\d+(?:,\d+)?\]) = (?P<value>-?\d+\.\d{3})(?:;|$)")
GRADIENT = re.compile(r"gradient ∂L/∂[Wb] = (?P<value>[-+0-9.e]+)")
READ_LABELS = "() => [...document.querySelectorAll('.snd-root [data-param]')].map(e => e.getAttribute('aria-label'))"


def open_diagram(page, url, wait_for_app, cfg: Setup = NETWORK) -> None:
    page.goto(url + "?" + urlencode(cfg.to_query()))
    wait_for_app(page)
    page.wait_for_function(f"() => ({READ_EPOCH})() >= 0", timeout=30_000)
    page.wait_for_function("() => +document.querySelector('.snd-root').dataset.frames > 0", timeout=30_000)


def labels(page) -> dict[str, str]:
    """Every weight's and bias's accessible name, by its name."""
    named = {}
    for text in page.evaluate(READ_LABELS):
        match = NAMED.match(text or "")
        assert match, f"an accessible name that does not start 'W1[2,3] = -0.418': {text!r}"
        named[match["name"]] = text
    return named


def value(label: str) -> float:
    return float(NAMED.match(label)["value"])


def settled(page, seconds: float = 0.6) -> int:
    """Wait until the page's epoch stops changing (paused: the last frames have arrived); return it."""
    last, since = epoch(page), time.monotonic()
    while time.monotonic() - since < seconds:
        time.sleep(0.1)
        now = epoch(page)
        if now != last:
            last, since = now, time.monotonic()
    return last


def weights_file(page, tmp_path: Path) -> dict:
    """What the Playground's "Weights (JSON)" button downloads now."""
    with page.expect_download() as download:
        page.get_by_role("button", name="Weights (JSON)").click()
    path = tmp_path / "weights.json"
    download.value.save_as(path)
    return json.loads(path.read_text())


def file_entry(run: dict, name: str) -> float:
    kind, layer, indices = name[0], int(name[1]), [int(i) - 1 for i in name[3:-1].split(",")]
    if kind == "W":
        return run["weights"][layer - 1][indices[0]][indices[1]]
    return run["biases"][layer - 1][indices[0]]


def assert_shows(label: str, expected: float) -> None:
    """Three decimals of the value (rounding either way at an exact half)."""
    assert abs(value(label) - expected) <= 5e-4 + 1e-9, f"{label!r} but the value is {expected!r}"


def test_the_names_of_the_31_weights_and_10_biases_are_the_engines_numbers(page, app_url, wait_for_app,
                                                                              screenshot_path, tmp_path):
    open_diagram(page, app_url, wait_for_app)
    page.get_by_role("button", name="Play").click()
    page.wait_for_function(f"() => ({READ_EPOCH})() > 40", timeout=30_000)
    page.get_by_role("button", name="Pause").click()
    trained = settled(page)
    named = labels(page)
    assert len([n for n in named if n[0] == "W"]) == 31 and len([n for n in named if n[0] == "b"]) == 10
    run = weights_file(page, tmp_path)
    for name, label in named.items():
        assert_shows(label, file_entry(run, name))
    engine = Trainer(NETWORK.config)                         # the same seeds, the same epochs: the same tensors
    for _ in range(trained):
        engine.step()
    for layer, (w, b) in enumerate(zip(engine.net.weights, engine.net.biases)):
        assert torch.allclose(w.detach(), torch.tensor(run["weights"][layer]), atol=1e-6)
        assert torch.allclose(b.detach().reshape(-1), torch.tensor(run["biases"][layer]), atol=1e-6)
    assert_shows(named["W1[2,3]"], float(engine.net.weights[0].detach()[1, 2]))
    page.screenshot(path=str(screenshot_path("diagram-weights")), full_page=True)


def test_an_edit_through_the_page_lands_in_the_engine_and_the_file(page, app_url, wait_for_app, screenshot_path,
                                                                   tmp_path):
    open_diagram(page, app_url, wait_for_app)
    weight = page.locator('[data-param="W3[1,1]"]')
    original = weight.get_attribute("aria-label")
    boundary = page.evaluate(IMAGE_SOURCE, BOUNDARY)
    weight.focus()
    weight.press("Enter")
    field = page.get_by_label("New value of W3[1,1]")
    field.fill("abc")
    field.press("Enter")
    message = page.locator(".snd-editor-message")
    message.filter(has_text="'abc' is not a number. W3[1,1] is unchanged.").wait_for(timeout=15_000)
    page.screenshot(path=str(screenshot_path("diagram-edit-refused")), full_page=True)
    assert weight.get_attribute("aria-label") == original
    field.fill("-4.5")
    field.press("Enter")
    page.wait_for_function("() => document.querySelector('[data-param=\"W3[1,1]\"]').getAttribute('aria-label')"
                           ".startsWith('W3[1,1] = -4.500')", timeout=15_000)
    page.locator(".snd-editor").wait_for(state="hidden", timeout=15_000)          # the page said it is set
    page.wait_for_function(f"(old) => ({IMAGE_SOURCE})('{BOUNDARY}') !== old", arg=boundary, timeout=15_000)
    assert file_entry(weights_file(page, tmp_path), "W3[1,1]") == -4.5
    page.get_by_role("button", name="Step", exact=True).click()      # training goes on from the edited network
    page.wait_for_function(f"() => ({READ_EPOCH})() === 1", timeout=15_000)
    stepped = file_entry(weights_file(page, tmp_path), "W3[1,1]")
    assert stepped != -4.5 and abs(stepped + 4.5) < 0.1
    assert_shows(weight.get_attribute("aria-label"), stepped)
    page.get_by_role("button", name="Reset", exact=True).click()          # back to the seeded start
    page.wait_for_function("(old) => document.querySelector('[data-param=\"W3[1,1]\"]').getAttribute('aria-label')"
                           " === old", arg=original, timeout=15_000)


def test_the_gradients_view_shows_the_hand_written_gradients(page, app_url, wait_for_app, screenshot_path):
    open_diagram(page, app_url, wait_for_app)
    page.get_by_role("button", name="Gradients", exact=True).click()
    assert "No step yet" in page.locator(".snd-note").text_content()
    page.get_by_role("button", name="Step", exact=True).click()
    page.wait_for_function("() => document.querySelector('.snd-note').textContent.includes('ended epoch 1 ')",
                           timeout=15_000)
    note = page.locator(".snd-note").text_content()
    assert "(160 points, hand-written backward)" in note
    engine = Trainer(NETWORK.config)                          # the first step's gradients, at the seeded start
    _, grads = hand_loss_and_grads(net_for(NETWORK.config), engine.tensors.x_train, engine.tensors.t_train,
                                   engine.objective)
    named = labels(page)
    assert len(named) == 41
    for name, label in named.items():
        layer, indices = int(name[1]) - 1, [int(i) - 1 for i in name[3:-1].split(",")]
        tensor = grads[2 * layer] if name[0] == "W" else grads[2 * layer + 1][0]
        expected = float(tensor[tuple(indices)])
        shown = float(GRADIENT.search(label)["value"])
        assert shown == pytest.approx(expected, rel=1e-3, abs=1e-9), name
    unit = page.locator('[data-unit="h2[1]"]').get_attribute("aria-label")
    assert f"summed over the batch = {float(grads[3][0, 0]):.4g}"[:-1] in unit       # ∂L/∂b2[1] = Σ dZ2[:, 1]
    page.screenshot(path=str(screenshot_path("diagram-gradients")), full_page=True)


def test_step_slowly_walks_forward_loss_backward_and_the_update(page, app_url, wait_for_app, screenshot_path):
    open_diagram(page, app_url, wait_for_app)
    page.get_by_role("button", name="Step slowly").click()
    panel = page.get_by_role("region", name="Step slowly")
    panel.get_by_text("Stage 1 of 8").wait_for(timeout=15_000)
    assert epoch(page) == 1 or settled(page) == 1
    seen = []
    for _ in range(8):
        seen.append((page.locator(".snd-walk-title").text_content(), page.locator(".snd-shapes").text_content()))
        if len(seen) in (1, 6, 8):
            page.screenshot(path=str(screenshot_path(f"diagram-step-slowly-{len(seen)}")), full_page=True)
        page.get_by_role("button", name=re.compile("^(Next →|Done)$")).click()
    assert [title for title, _ in seen] == [
        "Forward: hidden layer 1", "Forward: hidden layer 2", "Forward: output layer (the logits)", "The loss",
        "Backward: output layer", "Backward: hidden layer 2", "Backward: hidden layer 1", "Update (sgd)"]
    assert seen[0][1] == "(160×2)·(2×5) + (1×5) → (160×5)"
    assert panel.is_hidden()


def test_inputs_toggle_and_the_keyboard_reaches_every_value(page, app_url, wait_for_app, screenshot_path):
    open_diagram(page, app_url, wait_for_app)
    square = page.locator('[data-unit="x₁²"]')
    assert square.get_attribute("role") == "switch" and square.get_attribute("aria-checked") == "false"
    square.click()
    page.wait_for_function("() => location.search.includes('features=x1%2Cx2%2Cx1sq')", timeout=15_000)
    page.wait_for_function("() => document.querySelectorAll('.snd-root [data-param^=\"W1\"]').length === 15",
                           timeout=15_000)
    assert page.locator('[data-unit="x₁²"]').get_attribute("aria-checked") == "true"
    first = page.locator(".snd-svg [tabindex='0']")
    assert first.count() == 1                           # one tab stop for the whole network
    first.focus()
    names = []
    for _ in range(page.locator(".snd-svg [tabindex]").count()):
        names.append(page.evaluate("() => document.activeElement.getAttribute('aria-label')"))
        page.keyboard.press("ArrowDown")
    reached = {NAMED.match(n)["name"] for n in names if n and NAMED.match(n)}
    assert len(reached) == len(labels(page)) == 3 * 5 + 15 + 6 + 10
    assert names[0].startswith("x₁: input feature, on") and NAMED.match(names[-1])["name"] == "b3[2]"
    page.keyboard.press("Home")
    assert page.evaluate("() => document.activeElement.getAttribute('aria-label')") == names[0]
    page.screenshot(path=str(screenshot_path("diagram-features")), full_page=True)


def test_under_the_hood_links_each_line_of_the_opened_step_to_its_entry(page, app_url, wait_for_app,
                                                                         screenshot_path):
    page.goto(app_url + "?" + urlencode(NETWORK.to_query()))
    wait_for_playground(page)
    page.get_by_role("link", name="Under the hood").click()
    page.wait_for_selector("h1:has-text('Under the hood')", timeout=30_000)
    wait_for_app(page)
    page.get_by_role("tab", name="One step, opened up").click()
    wait_for_app(page)
    line = page.locator('.snd-root [data-param="W2[4,3]"]')
    line.wait_for(state="attached", timeout=30_000)
    page.wait_for_function("() => (document.querySelector('.snd-root [data-param=\"W2[4,3]\"]')"
                           ".getAttribute('aria-label') || '').includes('gradient')", timeout=15_000)
    shown = float(GRADIENT.search(line.get_attribute("aria-label"))["value"])
    line.focus()
    line.press("Enter")
    marked = page.get_by_text("W2[4,3] (the marked line, first in the table)")
    marked.wait_for(timeout=15_000)
    hand = float(re.search(r"hand-written\s+(-?\d+\.\d+)", marked.inner_text())[1])
    assert shown == pytest.approx(hand, rel=1e-3, abs=1e-9)             # the line is the table's entry
    page.wait_for_function("() => document.querySelector('.snd-root [data-param=\"W2[4,3]\"]')"
                           ".previousElementSibling.classList.contains('snd-selected')", timeout=15_000)
    page.screenshot(path=str(screenshot_path("diagram-under-the-hood")), full_page=True)
