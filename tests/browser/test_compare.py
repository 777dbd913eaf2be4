"""The Compare page in a real browser: reached from the menu, trains every run at once, no errors."""

from __future__ import annotations

from urllib.parse import urlencode

import pytest

from scratchnet.config import Config
from tests.browser.harness import APP


@pytest.fixture(scope="module")
def app_url(streamlit_server):
    with streamlit_server(APP) as url:
        yield url


def test_compare_trains_all_runs_and_fills_the_table(page, app_url, wait_for_app, screenshot_path):
    page.goto(app_url + "?" + urlencode(Config(epochs=200).to_query()))
    wait_for_app(page)
    page.locator('[data-testid="stSidebarNav"] a[href$="/compare"]').click()
    page.get_by_role("button", name="Train all").wait_for(timeout=30_000)
    page.get_by_role("button", name="Train all").click()
    page.get_by_text("200 / 200").wait_for(timeout=60_000)
    wait_for_app(page)
    grid = page.locator(".st-key-compare_grid .snlc-plot")
    assert grid.evaluate("gd => gd._fullData.filter(t => t.type === 'heatmap').length") == 7
    assert page.locator(".st-key-compare_loss .snlc-plot").evaluate("gd => gd._fullData.length") == 7
    assert page.locator('[data-testid="stDataFrame"]').count() == 1
    page.screenshot(path=str(screenshot_path("compare-trained")), full_page=True)
