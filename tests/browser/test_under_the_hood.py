"""The "Under the hood" page in a real browser: reached from the Playground's menu, the LaTeX
renders (KaTeX, no parse errors), the gradient check reads as passed, and the hidden-space
picture redraws while the run trains — with no console errors. Nothing on the pages around the Playground
is cut off at laptop and projector widths (Under the hood's code beside its math was, and a dataset's name).

Screenshots land in artifacts/screenshots/ for a person to look at.
"""

from __future__ import annotations

import time
from urllib.parse import urlencode

import pytest

from scratchnet.config import Config, Setup
from tests.browser.harness import wait_for_playground

HIDDEN = '.snl-plot[data-chart="hidden"]'

# A cheap fingerprint of where the data points are drawn in the hidden-space chart now.
POINTS = """(sel) => {
  const el = document.querySelector(sel);
  if (!el || !el.data || el.data.length < 3) return null;
  const x = el.data[2].x;                      // a typed-array spec {dtype, bdata} or an array
  return typeof x.bdata === "string" ? x.bdata : Array.from(x).join(",");
}"""


def open_tab(page, wait_for_app, name: str) -> None:
    page.get_by_role("tab", name=name).click()
    wait_for_app(page)


def test_under_the_hood_renders_and_its_hidden_space_follows_training(page, app_url, wait_for_app,
                                                                       screenshot_path):
    cfg = Setup().replace(hidden=(8, 6), epochs=1_000_000, speed="300")
    page.goto(app_url + "?" + urlencode(cfg.to_query()))
    wait_for_playground(page)
    page.get_by_role("link", name="Under the hood").click()            # the way a learner gets here
    page.wait_for_selector("h1:has-text('Under the hood')", timeout=30_000)
    wait_for_app(page)
    assert "2-8-6-2" in page.inner_text("body")

    page.wait_for_selector(".katex", timeout=30_000)
    assert page.locator(".katex").count() >= 4, "forward, loss, backward and update as math"
    assert page.locator(".katex-error").count() == 0, "every formula parses"
    assert "160×2" in page.locator(".katex").first.inner_text().replace("\n", "").replace(" ", "")
    page.screenshot(path=str(screenshot_path("under-the-hood-math")), full_page=True)

    open_tab(page, wait_for_app, "One step, opened up")
    page.wait_for_selector("text=All 6 parameter tensors agree", timeout=30_000)
    page.wait_for_function("() => document.querySelectorAll('[data-testid=\"stDataFrame\"] canvas').length >= 6",
                           timeout=30_000)                                # the tables have drawn
    page.screenshot(path=str(screenshot_path("under-the-hood-one-step")), full_page=True)

    open_tab(page, wait_for_app, "Leaf-tensor pitfall")
    page.wait_for_selector("text=W.grad: None", timeout=30_000)
    assert page.locator("text=W.grad: tensor(").count() >= 2

    open_tab(page, wait_for_app, "Hidden space")
    page.wait_for_selector(HIDDEN + " .main-svg", timeout=30_000)
    before = page.evaluate(POINTS, HIDDEN)
    assert before
    page.get_by_role("button", name="Play").click()
    seen = {before}
    deadline = time.monotonic() + 8
    while len(seen) < 4 and time.monotonic() < deadline:
        time.sleep(0.25)
        seen.add(page.evaluate(POINTS, HIDDEN))
    assert len(seen) >= 4, f"the hidden space redrew only {len(seen)} distinct pictures while training"
    page.screenshot(path=str(screenshot_path("under-the-hood-hidden-space")), full_page=True)
    page.get_by_role("button", name="Pause").click()
    page.get_by_role("button", name="Play").wait_for(timeout=10_000)       # paused before the next click

    open_tab(page, wait_for_app, "History")
    page.wait_for_selector(".st-key-uth_history_boundary .main-svg", timeout=30_000)
    page.screenshot(path=str(screenshot_path("under-the-hood-history")), full_page=True)


# Every element that clips sideways (a scroll box, an ellipsis) and has more to show than it shows. Text hidden on
# purpose (KaTeX's MathML copy for screen readers, a folded sidebar) is left out.
CUT_OFF = """() => {
  const cut = [];
  for (const el of document.querySelectorAll('[data-testid="stMain"] *, [data-testid="stSidebar"] *')) {
    if (el.closest('.katex-mathml, [data-testid="stSidebar"][data-collapsed="true"]')) continue;
    const style = getComputedStyle(el);
    const box = el.getBoundingClientRect();
    if (style.display === 'none' || style.visibility === 'hidden' || box.width <= 2 || box.height <= 2) continue;
    const clips = ['auto', 'scroll', 'hidden', 'clip'].includes(style.overflowX) || style.textOverflow === 'ellipsis';
    if (clips && el.scrollWidth > el.clientWidth + 2) {
      cut.push(`${el.closest('[data-testid]')?.dataset.testid} ${el.tagName}: ${el.scrollWidth} > `
               + `${el.clientWidth} px: ${(el.innerText || el.textContent || '').trim().slice(0, 60)}`);
    }
  }
  return cut;
}"""
# The longest formulas and code the page draws: 7 inputs, three layers of 128, layer norm, L2, AdamW, cosine.
WIDE = Config(features=("x1", "x2", "x1sq", "x2sq", "x1x2", "sinx1", "sinx2"), hidden=(128, 128, 128), norm="layer",
              regularization="l2", reg_rate=0.01, optimizer="adamw", schedule="cosine", n_points=2000)
SETTLED = """() => document.querySelectorAll('[data-testid="stMain"] .katex-display').length >= 4
                 && document.querySelectorAll('[data-testid="stCode"] code').length >= 8"""


def open_expanders(page) -> None:
    closed = page.locator('[data-testid="stExpander"] details:not([open]) > summary')
    for _ in range(40):
        if not closed.count():
            break
        closed.first.click()


@pytest.mark.parametrize(("width", "height"), [(1280, 800), (1920, 1080)])
def test_nothing_is_cut_off_at_laptop_and_projector_widths(browser, app_url, wait_for_app, screenshot_path, width,
                                                           height):
    context = browser.new_context(viewport={"width": width, "height": height})
    page = context.new_page()
    try:
        for name, cfg in (("default", Config()), ("wide", WIDE)):    # every "How it is made fast" open
            page.goto(app_url + "under_the_hood?" + urlencode(cfg.to_query()))
            page.get_by_text("Forward pass").first.wait_for(timeout=60_000)
            wait_for_app(page, timeout=60_000)
            open_expanders(page)
            page.wait_for_function(SETTLED, timeout=30_000)
            time.sleep(0.5)                          # KaTeX's fonts, then the formulas fitted to their columns
            assert page.evaluate(CUT_OFF) == [], f"Under the hood at {width} px, {cfg.config.describe()}"
            page.screenshot(path=str(screenshot_path(f"under-the-hood-{name}-{width}")))
        page.goto(app_url + "?" + urlencode(Config(problem="regression", dataset="multigauss", lr=0.01).to_query()))
        page.get_by_text("gaussians", exact=True).first.wait_for(timeout=60_000)    # a dataset's name in full
        wait_for_app(page, timeout=60_000)
        assert page.evaluate(CUT_OFF) == [], f"the Playground at {width} px"
        page.goto(app_url + "compare")
        page.locator('.snl-plot[data-chart="grid"] .main-svg').first.wait_for(timeout=60_000)
        assert page.evaluate(CUT_OFF) == [], f"Compare at {width} px"
    finally:
        context.close()


def test_a_page_link_wins_over_what_the_playground_sends_after_it(page, app_url, wait_for_app):
    """Streamlit folds rerun requests that come before a page run starts, and the newest one's page wins: a
    trigger of the Playground's live element sent right after a click on another page's link took the learner
    back to the Playground (a knob's change in the click's own task did, 2 times in 2). The element now stays
    quiet once a page link is clicked."""
    page.goto(app_url)
    wait_for_playground(page)
    page.evaluate(
        """() => {
            const link = document.querySelector('[data-testid="stTopNavLink"][href*="under_the_hood"]');
            const knob = document.querySelector('.snk-range[data-knob="noise"]');
            link.click();
            knob.value = String(Number(knob.value) + 1);     // a data knob's change, sent in the same task
            knob.dispatchEvent(new Event('input', {bubbles: true}));
            knob.dispatchEvent(new Event('change', {bubbles: true}));
        }"""
    )
    page.wait_for_selector("h1:has-text('Under the hood')", timeout=30_000)
    wait_for_app(page)
    assert page.locator('.snl-plot[data-chart="boundary"]').count() == 0, "still on the Playground"
