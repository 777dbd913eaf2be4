"""The Compare page in a real browser: reached from the menu, trains every run at once, no errors."""

from __future__ import annotations

from urllib.parse import urlencode

from scratchnet.config import Config


def test_compare_trains_all_runs_and_fills_the_table(page, app_url, wait_for_app, screenshot_path):
    page.goto(app_url + "?" + urlencode(Config(epochs=200).to_query()))
    wait_for_app(page)
    page.locator('[data-testid="stSidebarNav"] a[href$="/compare"]').click()
    page.get_by_role("button", name="Train all").wait_for(timeout=30_000)
    page.get_by_role("button", name="Train all").click()
    page.get_by_text("200 / 200").wait_for(timeout=60_000)
    wait_for_app(page)
    grid = page.locator(".snl-plot[data-chart=\"grid\"]")
    assert grid.evaluate("gd => gd.layout.images.filter(i => i.source.startsWith('data:image/png')).length") == 7
    assert page.locator(".snl-plot[data-chart=\"losses\"]").evaluate("gd => gd.data.length") == 7
    assert page.locator(".snl-table tbody tr").count() == 7
    page.locator(".snl-table th", has_text="test loss").click()          # sortable by any column
    losses = [float(t) for t in page.locator(".snl-table tbody tr td:nth-child(3)").all_inner_texts()]
    assert losses == sorted(losses)
    page.screenshot(path=str(screenshot_path("compare-trained")), full_page=True)
