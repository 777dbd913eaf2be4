"""Classroom use in a real browser: presentation mode at projector resolutions, and a page that
asks nothing of the internet.

Screenshots of presentation mode are kept in artifacts/screenshots/ for a person to judge
from the back of the room.
"""

from __future__ import annotations

import time
from urllib.parse import urlencode, urlsplit

import pytest

from scratchnet.config import Setup
from tests.browser.harness import BOUNDARY, NAV_LINK

LESSON = Setup().replace(dataset="spiral", hidden=(8, 8), activation="tanh", lr=0.03, optimizer="adam", epochs=100_000,
                show_test=True, presentation=True, speed="max")


@pytest.mark.parametrize("width, height", [(1280, 720), (1920, 1080)])
def test_presentation_mode_fills_a_projector_screen(browser, app_url, wait_for_app, screenshot_path, width, height):
    context = browser.new_context(viewport={"width": width, "height": height})
    page = context.new_page()
    errors: list[str] = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.goto(app_url + "?" + urlencode(LESSON.to_query()))
    wait_for_app(page)
    page.wait_for_selector(BOUNDARY + " .main-svg", timeout=30_000)
    page.get_by_role("button", name="Play").click()
    time.sleep(3.0)
    page.screenshot(path=str(screenshot_path(f"presentation-{width}x{height}")))

    sidebar = page.locator('[data-testid="stSidebar"]')
    assert sidebar.get_attribute("data-collapsed") == "true", "the controls start folded away"
    metric_px = page.evaluate("() => parseFloat(getComputedStyle("
                              "document.querySelector('.snl-value')).fontSize)")
    assert metric_px >= 40, f"metric numbers are {metric_px}px: too small for the back row"
    box = page.locator(BOUNDARY).bounding_box()
    loss = page.locator(".snl-plot[data-chart=\"loss\"]").bounding_box()
    assert box["height"] >= 0.5 * height and loss["height"] >= 0.5 * height, "the charts dominate the screen"
    assert box["y"] + box["height"] <= height + 5, "the boundary fits on the screen without scrolling"
    tick_px = page.evaluate("(sel) => parseFloat(getComputedStyle("
                            "document.querySelector(sel + ' .xtick text')).fontSize)", BOUNDARY)
    assert tick_px >= 20
    pause = page.locator(".st-key-play button:visible").first.bounding_box()     # under the header, not behind it
    on_top = page.evaluate("([x, y]) => document.elementFromPoint(x, y).closest('button').innerText",
                           [pause["x"] + pause["width"] / 2, pause["y"] + pause["height"] / 2])
    assert "Pause" in on_top, f"the run bar's Pause is covered (by {on_top!r})"
    context.close()
    assert not errors, errors


def test_the_page_asks_nothing_of_the_internet(browser, app_url, wait_for_app):
    """Every request goes to the server the page came from: no fonts, scripts or analytics
    from elsewhere. Other requests are blocked and recorded."""
    context = browser.new_context(viewport={"width": 1400, "height": 1000})
    own = urlsplit(app_url).netloc
    outside: list[str] = []
    visited: list[str] = []

    def guard(route):
        url = route.request.url
        if urlsplit(url).netloc == own or url.startswith(("data:", "blob:")):
            route.continue_()
        else:
            outside.append(url)
            route.abort()

    context.route("**/*", guard)
    page = context.new_page()
    page.goto(app_url + "?" + urlencode(Setup().replace(epochs=100_000, speed="max", show_test=True).to_query()))
    wait_for_app(page)
    page.wait_for_selector(BOUNDARY + " .main-svg", timeout=30_000)
    page.get_by_role("button", name="Play").click()
    time.sleep(2.0)
    page.get_by_role("button", name="Pause").click()
    for path in ("under_the_hood", "compare"):
        page.locator(NAV_LINK.format(path=path)).first.click()
        page.wait_for_url(f"**/{path}*")
        wait_for_app(page)
        time.sleep(2.0)
    visited.append(page.url)
    context.close()
    assert outside == [], f"requests outside {own}: {outside}"
    assert visited and visited[0].split("?")[0].endswith("/compare")
