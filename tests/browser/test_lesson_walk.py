"""The Lesson in a real browser, end to end: reached from the menu, each of the four steps asks for a
prediction before anything runs, shows the code's real output once the learner locks in (the verdict and the
output brought into view: at 1280x900 they start below the fold), and the last
step trains the tutorial's network live (frames streaming, the epoch reaching 300); a step's link
opens that step. No console errors on the way.

Screenshots land in artifacts/screenshots/lesson-step-N.png for a person to look at.
"""

from __future__ import annotations

import re
import time

from scratchnet.teach.lesson import TUTORIAL
from tests.browser.harness import drawn_frames, epoch, wait_for_chart

# The option each walk picks: a wrong prediction on step 2, the right ones elsewhere (both paths show).
PICKS = {1: "None", 2: "about 2.3", 3: "(2, 10)", 4: "down"}
OUTPUT = {1: "W1.grad: None", 2: "loss: 0.6", 3: "not zeroed:", 4: "after one step"}


def code_output(page) -> str:
    """What the step's code printed (the only plain-text code block on the page)."""
    return page.locator('[data-testid="stCode"] code:not([class*="language-python"])').first.inner_text()


def verdict_in_view(page) -> tuple[float, float, float]:
    """Where the verdict's top and the code's output's bottom are once the page's smooth scroll has ended, and
    the window's height."""
    verdict = page.locator(".st-key-lesson_verdict")
    output = page.locator('[data-testid="stCode"] code:not([class*="language-python"])').first
    view = page.evaluate("() => window.innerHeight")
    deadline = time.monotonic() + 5
    while True:
        top, out = verdict.bounding_box()["y"], output.bounding_box()
        if (0 <= top <= 0.3 * view and out["y"] + out["height"] <= view) or time.monotonic() > deadline:
            return top, out["y"] + out["height"], view
        time.sleep(0.2)


def test_walking_the_lesson_end_to_end(page, app_url, wait_for_app, screenshot_path):
    page.goto(app_url)
    wait_for_app(page)
    page.get_by_role("link", name="Lesson").click()                        # the way a learner gets here
    page.wait_for_selector("h1:has-text('Lesson:')", timeout=30_000)
    wait_for_app(page)
    assert re.search(r"lesson=tutorial&step=1", page.url), page.url

    for number, step in enumerate(TUTORIAL.steps, start=1):
        page.wait_for_selector(f"h3:has-text('Step {number} of 4')", timeout=30_000)
        wait_for_app(page)
        assert f"step={number}" in page.url
        lock = page.get_by_role("button", name="Lock in my answer")
        assert lock.is_disabled(), "no run before a prediction"
        assert page.get_by_text("What to notice").count() == 0
        page.get_by_text(PICKS[number], exact=True).click()
        wait_for_app(page)
        page.get_by_role("button", name="Lock in my answer").click()
        page.wait_for_selector("text=You predicted", timeout=30_000)
        wait_for_app(page)
        right = PICKS[number] == step.question.options[step.question.answer]
        assert page.get_by_text("Right." if right else "Not quite").count() >= 1
        assert OUTPUT[number] in code_output(page)
        if number == 1:
            top, bottom, view = verdict_in_view(page)
            assert 0 <= top <= 0.3 * view, f"the verdict's top at {top:.0f} px of {view}: not brought into view"
            assert bottom <= view, f"what the code printed ends at {bottom:.0f} px of {view}"
            page.screenshot(path=str(screenshot_path("lesson-verdict-in-view")))
        if number == 4:
            wait_for_chart(page, "boundary", plotly=True)
            page.get_by_role("button", name="Train").click()
            page.wait_for_function("() => { const v = document.querySelector("
                                   "'.snl-item[data-label=\"Epoch\"] .snl-value');"
                                   " return v && parseInt(v.textContent.replace(/,/g, '')) >= 300; }",
                                   timeout=60_000)
            assert epoch(page) == 300 and drawn_frames(page, "boundary") >= 2
            wait_for_app(page)
        page.get_by_text("What to notice").first.wait_for(timeout=30_000)
        page.screenshot(path=str(screenshot_path(f"lesson-step-{number}")), full_page=True)
        if number < 4:
            page.get_by_role("button", name="Next step").click()


def test_a_teachers_link_opens_its_step(page, app_url, wait_for_app, screenshot_path):
    page.goto(app_url + "?lesson=tutorial&step=3&presentation=1")           # the link the page offers
    page.wait_for_selector("h3:has-text('Step 3 of 4: Backward')", timeout=30_000)
    wait_for_app(page)
    assert "What shape is W1.grad?" in page.inner_text("body").replace("`", "")
    assert "lesson?lesson=tutorial&step=3&presentation=1" in page.url
    page.get_by_role("button", name="Link to this step").click()
    assert f"{app_url}?lesson=tutorial&step=3&presentation=1" in page.inner_text("body")
    page.screenshot(path=str(screenshot_path("lesson-link-step-3-presentation")), full_page=True)


def test_the_address_bar_of_a_step_opens_it_too(page, app_url, wait_for_app):
    page.goto(app_url + "lesson?lesson=tutorial&step=2")                    # copied from the address bar
    page.wait_for_selector("h3:has-text('Step 2 of 4')", timeout=30_000)
    wait_for_app(page)
    # Streamlit finds its base path by probing the page's own path first: these two 404s are that probe.
    probe = [e for e in page.console_errors if "/lesson/_stcore/" in e and "404" in e]
    assert len(probe) <= 2
    for error in probe:
        page.console_errors.remove(error)
