"""The Playground's screen, measured in a real browser where it is seen (issue 20): a laptop's first sight, a
projector's back row, a student's phone, and nothing jumping while a learner uses it.

Geometry is read from the page (bounding boxes, computed font sizes, Plotly's own plot areas); layout shifts
from a `PerformanceObserver('layout-shift')` installed before the page loads (web-vitals' CLS counts shifts
without recent input; this sums them all, a stricter figure than CLS's largest session window). One server
for the module, one browser for the session. Screenshots go to artifacts/screenshots/screen-*.png.
"""

from __future__ import annotations

import io
import time
from urllib.parse import urlencode, urljoin

import numpy as np
import pytest
from PIL import Image

from classroom.qr import qr_png
from scratchnet.config import Config, Setup
from tests.browser.class_people import Person, person, teacher_starts
from tests.browser.harness import (
    CONTROLS_UP,
    LOSS,
    NAV_LINK,
    READ_EPOCH,
    SCREEN_PARTS,
    SHIFTS,
    WATCH_SHIFTS,
    WATCH_SHIFTS_FROM_NOW,
    epoch,
    shift_report,
    wait_for_app,
    wait_for_chart,
)

# Every text a person reads on the first screen, in the main area, with its size in CSS pixels: HTML text by
# its element's computed font size, SVG text (the network's words, Plotly's ticks and legends) likewise.
TEXT_SIZES = """() => {
  const main = document.querySelector('[data-testid="stMain"]');
  const out = [];
  const seen = (el) => { const r = el.getBoundingClientRect(); const cs = getComputedStyle(el);
    return r.width > 0 && r.height > 0 && r.bottom > 0 && r.top < innerHeight && r.right > 0 && r.left < innerWidth
           && cs.visibility !== 'hidden' && cs.opacity !== '0' && !el.closest('[aria-hidden="true"], [hidden]'); };
  const walker = document.createTreeWalker(main, NodeFilter.SHOW_TEXT);
  for (let n = walker.nextNode(); n; n = walker.nextNode()) {
    const text = n.textContent.trim();
    const el = n.parentElement;
    if (!text || !el || !seen(el) || el.closest('[data-testid="stTooltipIcon"], style, script')) continue;
    if (el.closest('[data-testid="stIconMaterial"], .material-symbols-rounded')) continue;     // icons, not words
    out.push([text.slice(0, 40), parseFloat(getComputedStyle(el).fontSize)]);
  }
  return out;
}"""

# Every target a finger can hit in the main area: its box, and whether a 24 px circle on its centre meets no
# other target (WCAG 2.2 2.5.8's spacing exception for smaller ones).
TARGETS = """() => {
  const main = document.querySelector('[data-testid="stMain"]');
  const sel = 'button, a[href], input, select, textarea, [role="button"], [role="switch"], [role="radio"], ' +
              '[role="slider"], [role="checkbox"], [tabindex="0"], rect.legendtoggle';
  const clipped = (el) => {         // inside a visually hidden box (an input only screen readers use)
    for (let a = el.parentElement; a && a !== main; a = a.parentElement) {
      const cs = getComputedStyle(a); const r = a.getBoundingClientRect();
      if (cs.clip !== 'auto' || cs.clipPath.startsWith('inset(50%') || (r.width <= 1 && r.height <= 1)) return true;
    }
    return false;
  };
  const els = [...main.querySelectorAll(sel)].filter((el) => {
    const r = el.getBoundingClientRect(); const cs = getComputedStyle(el);
    return r.width > 0 && r.height > 0 && cs.pointerEvents !== 'none' && cs.visibility !== 'hidden'
           && !el.disabled && !el.closest('[hidden], [aria-hidden="true"]') && !clipped(el);
  });
  const boxes = els.map((el) => el.getBoundingClientRect());
  const meets = (c, r, b) => {          // a circle of radius r around c meets box b
    const dx = Math.max(b.left - c[0], 0, c[0] - b.right);
    const dy = Math.max(b.top - c[1], 0, c[1] - b.bottom);
    return dx * dx + dy * dy < r * r;
  };
  return els.map((el, i) => {
    const b = boxes[i]; const c = [b.left + b.width / 2, b.top + b.height / 2];
    const inside = (o) => el.contains(els[o]) || els[o].contains(el);
    const spaced = boxes.every((o, k) => k === i || inside(k) || !meets(c, 12, o));
    const name = el.getAttribute('aria-label') || el.textContent.trim().slice(0, 30) || el.tagName;
    return [name, b.width, b.height, spaced];
  });
}"""

# The top bar's height and the run bar's buttons at every frame from now on (window.snsBar).
WATCH_BAR = """() => {
  const bar = () => document.querySelector('.st-key-topbar');
  const seen = window.snsBar = {before: bar().getBoundingClientRect().height, height: [], buttons: []};
  const look = () => {
    seen.height.push(bar().getBoundingClientRect().height);
    seen.buttons.push(document.querySelectorAll('.st-key-runbar [data-testid="stButton"]').length);
    if (seen.height.length < 1200) requestAnimationFrame(look);
  };
  requestAnimationFrame(look);
}"""
LAPTOPS = [(1440, 900), (1366, 768)]
PROJECTORS = [(1920, 1080), (1280, 720)]
PHONES = {
    "iphone13": {"viewport": {"width": 390, "height": 844}, "device_scale_factor": 3, "is_mobile": True,
                 "has_touch": True, "user_agent": "Mozilla/5.0 (iPhone; CPU iPhone OS 15_0 like Mac OS X) "
                 "AppleWebKit/605.1.15 (KHTML, like Gecko) Version/15.0 Mobile/15E148 Safari/604.1"},
    "pixel7": {"viewport": {"width": 412, "height": 915}, "device_scale_factor": 2.625, "is_mobile": True,
               "has_touch": True, "user_agent": "Mozilla/5.0 (Linux; Android 14; Pixel 7) AppleWebKit/537.36 "
               "(KHTML, like Gecko) Chrome/120.0.0.0 Mobile Safari/537.36"},
}
FAST = Setup().replace(epochs=60, speed="300")            # a run that finishes within a test


def opened(browser, url: str, cfg: Setup | None = None, **context):
    """A fresh page on the Playground with its layout shifts watched; returns it once its controls are up."""
    ctx = browser.new_context(**(context or {"viewport": {"width": 1440, "height": 900}}))
    ctx.add_init_script(WATCH_SHIFTS)
    page = ctx.new_page()
    page.errors = []
    page.on("console", lambda m: page.errors.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: page.errors.append(str(e)))
    page.goto(url + ("?" + urlencode(cfg.to_query()) if cfg else ""))
    wait_for_chart(page, plotly=True, timeout=60_000)
    page.wait_for_selector(CONTROLS_UP, state="attached", timeout=30_000)
    page.wait_for_function(f"() => ({READ_EPOCH})() >= 0", timeout=30_000)
    wait_for_app(page)
    time.sleep(0.5)                 # what the second run brought is drawn
    return page


def inside(box, viewport, what: str) -> None:
    assert box is not None, f"{what} is not on the page"
    x, y, w, h = box
    assert x >= -1 and y >= -1 and x + w <= viewport[0] + 1 and y + h <= viewport[1] + 1, \
        f"{what} {[round(v) for v in box]} is not inside the first screen {viewport}"


def apart(a, b) -> bool:
    return a[0] + a[2] <= b[0] + 1 or b[0] + b[2] <= a[0] + 1 or a[1] + a[3] <= b[1] + 1 or b[1] + b[3] <= a[1] + 1


def no_overlaps(parts: dict, names: list[str]) -> None:
    boxes = {n: parts[n] for n in names if parts.get(n)}
    for i, a in enumerate(boxes):
        for b in list(boxes)[i + 1:]:
            assert apart(boxes[a], boxes[b]), f"{a} {boxes[a]} and {b} {boxes[b]} overlap"


def done(page) -> None:
    assert not page.errors, page.errors
    page.context.close()


# --- a laptop: everything at first sight --------------------------------------------------------------
@pytest.mark.parametrize("width, height", LAPTOPS)
def test_a_laptop_shows_play_the_data_the_network_the_boundary_and_the_loss_at_once(browser, app_url, width,
                                                                                 height, screenshot_path):
    page = opened(browser, app_url, viewport={"width": width, "height": height})
    page.screenshot(path=str(screenshot_path(f"screen-laptop-{width}x{height}")))
    parts = page.evaluate(SCREEN_PARTS)
    view = parts["viewport"]
    for name in ("play", "step", "reset", "diagram", "boundary", "loss", "metrics", "knobs"):
        inside(parts[name], view, name)
    assert len(parts["pictures"]) == 11, "every dataset's picture (9 to classify, 2 to predict a number)"
    for i, picture in enumerate(parts["pictures"]):
        inside(picture, view, f"dataset picture {i}")
    assert parts["layers_plus"] and parts["units_plus"], "+ and − for layers and units, on the network"
    for i, button in enumerate(parts["layers_plus"] + parts["units_plus"]):
        inside(button, view, f"a + or − button ({i})")
    assert parts["sidebar"] is None or parts["sidebar"][0] + parts["sidebar"][2] <= 1, "the sidebar waits folded"
    assert parts["boundary_plot"][3] >= 280, f"the boundary's plot is {parts['boundary_plot'][3]:.0f} px tall"
    assert parts["loss_plot"][3] >= 120, f"the loss curve's plot is {parts['loss_plot'][3]:.0f} px tall: not readable"
    inside(parts["boundary_legend"], view, "the boundary's legend")
    assert apart(parts["boundary_legend"], parts["boundary_plot"]), "the legend is over the boundary"
    assert parts["scroll_width"] <= width and parts["main_scroll_width"] <= width, "nothing sideways"
    no_overlaps(parts, ["play", "step", "reset", "notices", "knobs", "diagram", "metrics", "boundary", "loss"])
    assert parts["modebars"] == [] or all(apart(m, parts["boundary_plot"]) for m in parts["modebars"])
    # Play: the button's words change in place, the bar keeps its one line (a Play left beside the new Pause
    # until the page's run ended wrapped it at 1366x768: everything under it moved 56 px down and back)
    page.evaluate(WATCH_BAR)
    page.get_by_role("button", name="Play").click()
    page.wait_for_function(f"() => ({READ_EPOCH})() > 0", timeout=30_000)
    wait_for_app(page)
    bar = page.evaluate("() => window.snsBar")
    assert max(bar["buttons"]) == 3 and max(bar["height"]) <= bar["before"] + 1, \
        f"the run bar had {max(bar['buttons'])} buttons and grew {bar['before']:.0f} -> {max(bar['height']):.0f} px"
    done(page)


def test_a_picture_changes_the_data_and_plus_minus_change_the_network(browser, app_url):
    page = opened(browser, app_url, Setup().replace(epochs=100_000, speed="300"))
    page.locator('.snp-item[data-name="spiral"]').click()
    page.wait_for_function("() => location.search.includes('dataset=spiral')", timeout=20_000)
    wait_for_app(page)
    assert page.get_attribute('.snp-item[data-name="spiral"]', "aria-checked") == "true"
    assert page.get_attribute(f'.snp-item[data-name="{Config().dataset}"]', "aria-checked") == "false"
    page.get_by_role("button", name="Play").click()
    page.wait_for_function(f"() => ({READ_EPOCH})() > 20", timeout=20_000)
    page.get_by_role("button", name="One more unit in hidden layer 1").click()        # the run follows, playing
    page.wait_for_function("() => location.search.includes('hidden=11')", timeout=20_000)
    page.get_by_role("button", name="Add a hidden layer").click()
    page.wait_for_function("() => /hidden=11(%2C|,)11/.test(location.search)", timeout=20_000)
    wait_for_app(page)
    titles = page.locator(".snd-title").all_text_contents()
    assert any("11" in t for t in titles[1:3]) and len(titles) == 4, titles          # inputs, 11, 11, output
    page.wait_for_function(f"() => ({READ_EPOCH})() > 5", timeout=20_000)         # the new network trains
    page.get_by_role("button", name="Remove the last hidden layer").click()
    page.wait_for_function("() => location.search.includes('hidden=11&') || location.search.endsWith('hidden=11')",
                           timeout=20_000)
    page.get_by_role("button", name="Pause").click()
    noise = page.locator('.snk-range[data-knob="noise"]')
    noise.focus()
    noise.press("ArrowRight")                                                     # a data knob, by keyboard
    page.wait_for_function("() => location.search.includes('noise=0.23')", timeout=20_000)
    done(page)


# --- nothing jumps -----------------------------------------------------------------------------------
def test_nothing_moves_on_load_a_new_dataset_play_a_finished_run_and_a_class_notice(browser, app_url,
                                                                                   screenshot_path):
    """CLS over a learner's first minute, at 1440×900: the page loads, a dataset picture is clicked, Play, the
    run finishes (its notice comes); then a student on a phone joins from the class's QR code link, lands on the
    network, and the teacher's message comes while they watch. Sum of every shift < 0.1."""
    teacher, code = teacher_starts(browser, app_url, FAST)
    learner = person(browser, "learner", width=1440, height=900)
    learner.page.context.add_init_script(WATCH_SHIFTS)
    learner.page.goto(app_url + "?" + urlencode(FAST.to_query()))
    wait_for_chart(learner.page, plotly=True, timeout=60_000)
    learner.page.wait_for_selector(CONTROLS_UP, state="attached", timeout=30_000)
    learner.settle()
    time.sleep(1.0)
    shifts = {"load": learner.page.evaluate(SHIFTS)}
    # The pages' CSS in the HTML page holds Streamlit's wide layout from the first paint (live/page_head.py): the
    # load's shift was 0.013 when a first run waited 80 ms for it, 0.0005 now.
    assert shifts["load"] < 0.005, (shifts, shift_report(learner.page, least=0.001))
    learner.page.locator('.snp-item[data-name="xor"]').click()
    learner.page.wait_for_function("() => location.search.includes('dataset=xor')", timeout=20_000)
    learner.settle()
    time.sleep(1.0)
    shifts["dataset"] = learner.page.evaluate(SHIFTS) - sum(shifts.values())
    learner.click("Play")
    learner.page.wait_for_function("() => document.querySelector('.st-key-notices').innerText"
                                   ".includes('Trained to epoch 60')", timeout=30_000)
    learner.settle()
    time.sleep(1.0)
    shifts["play and finish"] = learner.page.evaluate(SHIFTS) - sum(shifts.values())
    learner.page.screenshot(path=str(screenshot_path("screen-cls-finished")))
    explained = shift_report(learner.page, least=0.005)        # what moved, and what came just before
    learner.page.close()
    # the class, on a phone: the link of the teacher's QR code, a name, Join, and the Playground opens on the network
    student = phone_joins(browser, qr_link(teacher), code, "Ana")
    joined = student.page.evaluate(SCREEN_PARTS)
    on_the_network(joined, "after joining")
    badge = student.page.locator(".st-key-class_badge").bounding_box()
    notices = joined["notices"]
    assert notices[1] - 1 <= badge["y"] < notices[1] + notices[3], "the class's badge is in the notice place"
    student.page.evaluate(WATCH_SHIFTS_FROM_NOW)
    time.sleep(1.0)
    teacher.page.get_by_role("textbox", name="Message to the class").fill(LONG_MESSAGE)
    teacher.click("Send message")
    student.page.wait_for_function("(t) => document.querySelector('.st-key-notices').innerText.includes(t)",
                                   arg=LONG_MESSAGE[:20], timeout=30_000)
    student.settle()
    time.sleep(1.0)
    shifts["class notice"] = student.page.evaluate(SHIFTS)
    on_the_network(student.page.evaluate(SCREEN_PARTS), "with the teacher's message")
    student.page.screenshot(path=str(screenshot_path("screen-cls-class-notice-phone")))
    the_whole_message_a_tap_away(student, screenshot_path)
    total = sum(shifts.values())
    print("layout shift:", {k: round(v, 4) for k, v in shifts.items()}, f"total {total:.4f}")
    assert total < 0.1, (shifts, explained + shift_report(student.page, least=0.005))
    for who in (teacher, student):
        assert not who.errors, who.errors


# A teacher's message longer than a phone's line: the class panel shows its start, a tap shows all of it.
LONG_MESSAGE = ("Now try the spiral: two hidden layers of 8 units, tanh, a learning rate of 0.03, and watch the loss "
                "flatten before you submit.")


def qr_link(teacher: Person) -> str:
    """The join link under the teacher's QR code, checked against the code itself: its picture is that link's."""
    link = teacher.page.locator('[data-testid="stCode"] code').first.inner_text().strip()
    qr = teacher.page.locator('[data-testid="stImage"] img').first.get_attribute("src")
    shown = dark_modules(teacher.page.request.get(urljoin(teacher.page.url, qr)).body())
    wanted = dark_modules(qr_png(link))
    # Streamlit serves it as a JPEG, whose edges blur a little; a link one letter apart differs in 8% of them
    assert shown.shape == wanted.shape and (shown != wanted).mean() < 0.01, \
        f"the QR code on the teacher's screen is not the link {link}"
    return link


def dark_modules(picture: bytes) -> np.ndarray:
    """A QR code's picture as dark (True) and light pixels."""
    return np.asarray(Image.open(io.BytesIO(picture)).convert("L")) < 128


def phone_joins(browser, link: str, code: str, name: str) -> Person:
    """A student on a phone (touch) opens the class's join link (its QR code's), types a name and taps Join."""
    student = person(browser, name, context=PHONES["iphone13"])
    assert link.endswith(f"?class={code}"), link
    student.page.goto(link)
    student.settle()
    student.page.get_by_role("textbox", name="Your name").fill(name)
    student.page.get_by_role("button", name="Join").tap()
    student.page.wait_for_selector(".st-key-class_badge", timeout=30_000)
    wait_for_chart(student.page, plotly=True, timeout=60_000)
    student.page.wait_for_selector(CONTROLS_UP, state="attached", timeout=30_000)
    student.settle()
    return student


def the_whole_message_a_tap_away(student: Person, screenshot_path) -> None:
    """A phone's class panel: every line of it inside the notice place, one line high (the message's start);
    a tap on the message shows all of it on the screen, over the page."""
    page = student.page
    place = page.locator(".st-key-notices").bounding_box()
    for line in (".st-key-class_badge [data-testid='stHorizontalBlock']", ".st-key-class_news button"):
        box = page.locator(line).first.bounding_box()
        assert box["height"] <= 44, f"{line} is {box['height']:.0f} px tall: more than one line"
        assert place["y"] - 1 <= box["y"] and box["y"] + box["height"] <= place["y"] + place["height"] + 1, \
            f"{line} {box} is not all inside the notice place {place}"
    page.locator(".st-key-class_news button").tap()
    body = page.locator('[data-testid="stPopoverBody"]')
    body.wait_for(timeout=10_000)
    assert LONG_MESSAGE in " ".join(body.inner_text().split())
    inside(list(body.bounding_box().values()), page.evaluate(SCREEN_PARTS)["viewport"], "the whole message")
    page.screenshot(path=str(screenshot_path("screen-class-message-phone")))


def on_the_network(parts: dict, when: str) -> None:
    """A phone's first screen: Play and the whole boundary, as wide as the screen, nothing sideways."""
    view = parts["viewport"]
    inside(parts["play"], view, f"Play, {when}")
    inside(parts["boundary"], view, f"the boundary, {when}")
    assert parts["boundary"][2] >= 0.9 * view[0], f"the boundary is {parts['boundary'][2]:.0f} px of {view[0]}"
    assert parts["scroll_width"] <= view[0], f"sideways scrolling {when}"


# --- a projector: the back row reads it ------------------------------------------------------------------
@pytest.mark.parametrize("width, height", PROJECTORS)
def test_a_projector_shows_the_loss_and_every_word_is_20_px_or_more(browser, app_url, width, height,
                                                                     screenshot_path):
    page = opened(browser, app_url, Setup().replace(presentation=True),
                  viewport={"width": width, "height": height})
    page.screenshot(path=str(screenshot_path(f"screen-projector-{width}x{height}")))
    parts = page.evaluate(SCREEN_PARTS)
    for name in ("play", "diagram", "boundary", "loss", "metrics"):
        inside(parts[name], parts["viewport"], name)
    small = [(text, size) for text, size in page.evaluate(TEXT_SIZES) if size < 20]
    assert not small, f"words smaller than 20 px on the projector: {small[:12]}"
    words = {text for text, _ in page.evaluate(TEXT_SIZES)}
    assert {"Inputs", "x₁"} <= words or {"in", "x₁"} <= words, "the network's words are among those measured"
    assert parts["scroll_width"] <= width
    no_overlaps(parts, ["play", "notices", "diagram", "metrics", "boundary", "loss"])
    # Presentation mode's CSS is in the HTML page's head (ui/theme.py): it applies with the first elements. As a
    # Markdown style that came after them, the load's shift was 0.030 at 1920×1080 and 0.051 at 1280×720.
    assert page.evaluate(SHIFTS) < 0.005, shift_report(page, least=0.001)
    done(page)


def test_presentation_mode_s_class_follows_its_marker(browser, app_url):
    """Presentation mode's rules are scoped by a class on the page's root that a script keeps equal to whether the
    marker is on the page (ui/theme.py PAGE_SCRIPT): on with it, off on a page without it, on again."""
    page = opened(browser, app_url, Setup().replace(presentation=True), viewport={"width": 1280, "height": 720})
    state = ("() => [document.documentElement.classList.contains('sn-presenting'), "
             "getComputedStyle(document.documentElement).fontSize]")
    assert page.evaluate(state) == [True, "22px"]
    page.locator(NAV_LINK.format(path="classroom")).first.click()
    page.get_by_role("button", name="Start a class").wait_for(timeout=30_000)
    page.wait_for_function(f"() => !({state})()[0]", timeout=10_000)
    assert page.evaluate(state) == [False, "16px"]
    page.locator(NAV_LINK.format(path="compare")).first.click()
    page.wait_for_function(f"() => ({state})()[0]", timeout=30_000)
    assert page.evaluate(state) == [True, "22px"]
    done(page)


# --- a phone: the network first, Play within reach ---------------------------------------------------------
@pytest.mark.parametrize("phone", list(PHONES))
def test_a_phone_opens_on_the_network_with_play_within_reach(browser, app_url, phone, screenshot_path):
    page = opened(browser, app_url, Setup().replace(epochs=100_000, speed="300"), **PHONES[phone])
    page.screenshot(path=str(screenshot_path(f"screen-phone-{phone}")))
    parts = page.evaluate(SCREEN_PARTS)
    width, height = parts["viewport"]
    assert parts["sidebar"] is None or parts["sidebar"][0] + parts["sidebar"][2] <= 1, "no sidebar over the page"
    inside(parts["play"], parts["viewport"], "Play")
    inside(parts["boundary"], parts["viewport"], "the boundary")
    assert parts["boundary"][2] >= 0.9 * width, f"the boundary is {parts['boundary'][2]:.0f} px of {width}"
    assert parts["boundary_plot"][2] >= 0.9 * width, f"its plot is {parts['boundary_plot'][2]:.0f} px of {width}"
    assert parts["boundary"][1] < parts["loss"][1] < parts["diagram"][1] < parts["knobs"][1], \
        "the boundary, then the loss, then the network, then the data"
    assert parts["modebars"] == [], "no Plotly modebar over a chart on a touch screen"
    assert parts["scroll_width"] <= width and parts["main_scroll_width"] <= width, "nothing sideways"
    small = [t for t in page.evaluate(TARGETS) if (t[1] < 24 or t[2] < 24) and not t[3]]
    assert not small, f"tap targets under 24×24 px without room around them: {small[:10]}"
    # Play stays within reach while the boundary and the loss are on screen
    page.get_by_role("button", name="Play").tap()
    page.wait_for_function(f"() => ({READ_EPOCH})() > 5", timeout=20_000)
    page.locator(LOSS).scroll_into_view_if_needed()
    time.sleep(0.3)
    inside(page.evaluate(SCREEN_PARTS)["play"], parts["viewport"], "Pause, scrolled to the loss")
    page.get_by_role("button", name="Pause").tap()
    # the network's values: a tap on a unit lists its bias and the weights into it, each a button
    page.locator(".snd-unit.snd-hidden").first.scroll_into_view_if_needed()
    page.locator(".snd-unit.snd-hidden").first.tap()
    page.wait_for_selector(".snd-panel:not([hidden]) .snd-panel-item", timeout=5_000)
    items = page.locator(".snd-panel-item").all_text_contents()
    assert items[0].startswith("b1[1] = ") and any(t.startswith("W1[1,1] = ") for t in items), items
    assert all(b["height"] >= 24 for b in page.locator(".snd-panel-item").evaluate_all(
        "els => els.map(e => e.getBoundingClientRect().toJSON())"))
    page.locator(".snd-panel-item").first.tap()
    page.wait_for_selector(".snd-editor:not([hidden])", timeout=5_000)
    assert epoch(page) > 5
    page.screenshot(path=str(screenshot_path(f"screen-phone-{phone}-network")))
    done(page)
