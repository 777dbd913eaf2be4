"""The Playground in a real browser: loads clean, trains live, sliders continue or restart.

Screenshots land in artifacts/screenshots/ for a person to look at.
"""

from __future__ import annotations

import time
from urllib.parse import urlencode

import pytest

from scratchnet.config import Config
from tests.browser.harness import APP, READ_EPOCH, epoch

BOUNDARY = ".st-key-boundary_chart .snlc-plot"



# A cheap fingerprint of what the boundary shows now (the surface is a PNG behind the points).
HEATMAP_SUM = """(sel) => {
  const el = document.querySelector(sel);
  if (!el || !el.layout || !el.layout.images) return null;
  const text = el.layout.images[0].source;
  let s = 0;
  for (let i = 0; i < text.length; i++) s = (s * 31 + text.charCodeAt(i)) % 1000000007;
  return s;
}"""


@pytest.fixture(scope="module")
def app_url(streamlit_server):
    with streamlit_server(APP) as url:
        yield url


def open_page(page, url, wait_for_app, cfg: Config | None = None):
    page.goto(url + ("?" + urlencode(cfg.to_query()) if cfg else ""))
    wait_for_app(page)
    page.wait_for_selector(BOUNDARY + " .main-svg", timeout=30_000)
    page.wait_for_function(f"() => ({READ_EPOCH})() >= 0", timeout=30_000)   # the metrics are shown


def wait_epoch(page, predicate, timeout: float = 20.0) -> int:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = epoch(page)
        if predicate(value):
            return value
        time.sleep(0.1)
    raise AssertionError(f"epoch {epoch(page)} never met the condition")


def test_loads_clean_and_the_boundary_changes_while_training(page, app_url, wait_for_app, screenshot_path):
    open_page(page, app_url, wait_for_app, Config(epochs=1_000_000, speed="max"))
    page.screenshot(path=str(screenshot_path("playground-loaded")), full_page=True)
    before = page.evaluate(HEATMAP_SUM, BOUNDARY)
    assert before is not None and epoch(page) == 0
    page.get_by_role("button", name="Play").click()
    seen = {before}
    first = wait_epoch(page, lambda e: e > 0)
    for _ in range(15):
        time.sleep(0.2)
        seen.add(page.evaluate(HEATMAP_SUM, BOUNDARY))
    later = epoch(page)
    assert later > first > 0, "the epoch counter rises"
    assert len(seen) >= 4, f"the boundary redrew only {len(seen)} distinct pictures in 3 s"
    page.screenshot(path=str(screenshot_path("playground-training")), full_page=True)
    page.get_by_role("button", name="Pause").click()


def press(page, key: str, keys: str, times: int = 1) -> None:
    thumb = page.locator(f".st-key-{key} input[type='range']").first
    thumb.focus()
    for _ in range(times):
        thumb.press(keys)


def test_learning_rate_continues_hidden_size_restarts(page, app_url, wait_for_app, screenshot_path):
    open_page(page, app_url, wait_for_app, Config(epochs=1_000_000, speed="300"))
    page.get_by_role("button", name="Play").click()
    before = wait_epoch(page, lambda e: e > 200)
    press(page, "w_lr", "ArrowLeft")                      # learning rate: a live knob
    time.sleep(1.0)
    assert "lr=0.05" in page.url or "lr=0.05" in page.inner_text("body")
    after_lr = epoch(page)
    assert after_lr >= before, f"changing the learning rate restarted the run ({before} -> {after_lr})"
    press(page, "w_units_0", "ArrowRight")                # hidden size: a new network
    restarted = wait_epoch(page, lambda e: e < after_lr)
    assert restarted < after_lr
    wait_epoch(page, lambda e: e > restarted)             # and it keeps playing
    assert "hidden=11" in page.url
    page.screenshot(path=str(screenshot_path("playground-restarted")), full_page=True)
    page.get_by_role("button", name="Pause").click()


def test_zoom_survives_live_updates(page, app_url, wait_for_app):
    open_page(page, app_url, wait_for_app, Config(epochs=1_000_000, speed="max"))
    page.get_by_role("button", name="Play").click()
    wait_epoch(page, lambda e: e > 100)
    box = page.locator(f"{BOUNDARY} .nsewdrag").bounding_box()
    x0, y0 = box["x"] + box["width"] * 0.3, box["y"] + box["height"] * 0.3
    x1, y1 = box["x"] + box["width"] * 0.6, box["y"] + box["height"] * 0.6
    page.mouse.move(x0, y0)
    page.mouse.down()
    for i in range(1, 11):                                   # a real drag: Plotly's zoom box
        page.mouse.move(x0 + (x1 - x0) * i / 10, y0 + (y1 - y0) * i / 10)
    page.mouse.up()
    ranges = "(sel) => { const l = document.querySelector(sel)._fullLayout; return [l.xaxis.range, l.yaxis.range]; }"
    zoomed = page.evaluate(ranges, BOUNDARY)
    drawn = int(page.get_attribute(BOUNDARY, "data-renders"))
    page.wait_for_function(f"(sel) => +document.querySelector(sel).dataset.renders >= {drawn + 10}", arg=BOUNDARY,
                           timeout=20_000)
    assert page.evaluate(ranges, BOUNDARY) == zoomed
    page.get_by_role("button", name="Pause").click()


def test_a_link_opens_the_same_setup(page, app_url, wait_for_app):
    cfg = Config(dataset="xor", hidden=(4, 4), activation="tanh", lr=0.01, noise=0.1, show_test=True)
    open_page(page, app_url, wait_for_app, cfg)
    assert "xor" in page.inner_text("body") and "2-4-4-2 tanh" in page.inner_text("body")
    names = page.evaluate("(sel) => document.querySelector(sel).data.map(t => t.name)", BOUNDARY)
    assert names == ["train", "test"]
