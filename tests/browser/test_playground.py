"""The Playground in a real browser: loads clean, streams live over its socket, sliders continue or
restart, and a dropped socket or a restarted server is said in words and recovered from.

Screenshots land in artifacts/screenshots/ for a person to look at.
"""

from __future__ import annotations

import re
import time
from urllib.parse import urlencode

from live.route import CLOSE_SESSION_ENDED
from live.scripts import PLOTLY_JS_NAME
from scratchnet.config import KNOBS, Config, Setup
from tests.browser.harness import (
    APP,
    BOUNDARY,
    CONTROLS_UP,
    IMAGE_SOURCE,
    LIVE_STATUS,
    LOSS,
    NAV_LINK,
    READ_EPOCH,
    drawn_frames,
    epoch,
    free_port,
    serve_app,
)

LIVE_SOCKET = re.compile(r".*/live/ws$")



def open_page(page, url, wait_for_app, cfg: Setup | None = None):
    page.goto(url + ("?" + urlencode(cfg.to_query()) if cfg else ""))
    wait_for_app(page)
    page.wait_for_selector(BOUNDARY + " .main-svg", timeout=30_000)
    page.wait_for_function(f"() => ({READ_EPOCH})() >= 0", timeout=30_000)   # the numbers are shown


def wait_epoch(page, predicate, timeout: float = 20.0) -> int:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = epoch(page)
        if predicate(value):
            return value
        time.sleep(0.1)
    raise AssertionError(f"epoch {epoch(page)} never met the condition")


def test_loads_clean_and_the_boundary_streams_while_training(page, app_url, wait_for_app, screenshot_path):
    open_page(page, app_url, wait_for_app, Setup().replace(epochs=1_000_000, speed="max"))
    page.screenshot(path=str(screenshot_path("playground-loaded")), full_page=True)
    before = page.evaluate(IMAGE_SOURCE, BOUNDARY)
    assert before.startswith("data:image/png") and epoch(page) == 0
    page.get_by_role("button", name="Play").click()
    first = wait_epoch(page, lambda e: e > 0)
    frames = drawn_frames(page)
    seen = {before}
    for _ in range(15):
        time.sleep(0.2)
        seen.add(page.evaluate(IMAGE_SOURCE, BOUNDARY))
    assert epoch(page) > first > 0, "the epoch counter rises"
    assert len(seen) >= 8, f"the boundary showed only {len(seen)} distinct pictures in 3 s"
    assert drawn_frames(page) - frames >= 20, "frames keep coming (20 in 3 s is far below the 30/s goal)"
    page.screenshot(path=str(screenshot_path("playground-training")), full_page=True)
    page.get_by_role("button", name="Pause").click()


def test_at_epoch_0_the_loss_chart_shows_train_and_test_as_points(page, app_url, wait_for_app):
    open_page(page, app_url, wait_for_app, Config(epochs=300))
    traces = page.evaluate(f"""() => document.querySelector('{LOSS}').data
                               .map(t => [t.name, Array.from(t.x), t.mode])""")
    assert traces == [["train", [0], "lines+markers"], ["test", [0], "lines+markers"]]
    legend = page.locator(f"{LOSS} .legendtext").all_text_contents()
    assert legend == ["train", "test"]
    page.get_by_role("button", name="Step", exact=True).click()
    page.wait_for_function(f"() => document.querySelector('{LOSS}').data[0].x.length === 2")
    assert page.evaluate(f"() => document.querySelector('{LOSS}').data[0].mode") == "lines"


def press(page, key: str, keys: str, times: int = 1) -> None:
    thumb = page.locator(f".st-key-{key} input[type='range']").first
    thumb.focus()
    for _ in range(times):
        thumb.press(keys)


def test_learning_rate_continues_hidden_size_restarts(page, app_url, wait_for_app, screenshot_path):
    open_page(page, app_url, wait_for_app, Setup().replace(epochs=1_000_000, speed="300"))
    page.get_by_role("button", name="Play").click()
    before = wait_epoch(page, lambda e: e > 200)
    press(page, "w_lr", "ArrowLeft")                      # learning rate: a live knob, one step of its grid down
    grid = KNOBS["lr"].grid
    page.wait_for_function(f"() => location.search.includes('lr={grid[grid.index(Config().lr) - 1]:g}&')")
    after_lr = epoch(page)
    assert after_lr >= before, f"changing the learning rate restarted the run ({before} -> {after_lr})"
    page.get_by_role("button", name="One more unit in hidden layer 1").click()      # hidden size: a new network
    restarted = wait_epoch(page, lambda e: e < after_lr)
    assert restarted < after_lr
    wait_epoch(page, lambda e: e > restarted)             # and it keeps playing
    assert "hidden=11" in page.url
    page.screenshot(path=str(screenshot_path("playground-restarted")), full_page=True)
    page.get_by_role("button", name="Pause").click()


def test_zoom_survives_live_updates(page, app_url, wait_for_app):
    open_page(page, app_url, wait_for_app, Setup().replace(epochs=1_000_000, speed="max"))
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
    ranges = "(sel) => { const l = document.querySelector(sel).layout; return [l.xaxis.range, l.yaxis.range]; }"
    zoomed = page.evaluate(ranges, BOUNDARY)
    frames = drawn_frames(page)
    page.wait_for_function(f"() => +document.querySelector('{BOUNDARY}').dataset.frames >= {frames + 20}",
                           timeout=20_000)
    assert page.evaluate(ranges, BOUNDARY) == zoomed
    page.get_by_role("button", name="Pause").click()


def test_a_link_opens_the_same_setup(page, app_url, wait_for_app):
    cfg = Setup().replace(dataset="xor", hidden=(4, 4), activation="tanh", lr=0.01, noise=0.1, show_test=True)
    open_page(page, app_url, wait_for_app, cfg)
    page.wait_for_function("() => document.body.innerText.includes('2-4-4-2 tanh')", timeout=30_000)
    assert "xor" in page.inner_text("body")
    assert page.get_attribute('.snp-item[data-name="xor"]', "aria-checked") == "true"
    # the points' traces stay out of the legend; the legend's own traces carry no points
    traces = page.evaluate("(sel) => document.querySelector(sel).data.map(t => [t.name, t.showlegend !== false])",
                           BOUNDARY)
    assert [name for name, legend in traces if not legend] == ["train", "test"]
    assert [name for name, legend in traces if legend] == ["class 0", "class 1", "train", "test"], "the legend"


def test_a_dropped_socket_is_said_in_words_and_reconnects(page, app_url, wait_for_app):
    sockets = []

    def through(ws):                                 # a proxy in the middle, which the test can cut
        ws.connect_to_server()
        sockets.append(ws)

    page.route_web_socket(LIVE_SOCKET, through)
    open_page(page, app_url, wait_for_app, Setup().replace(epochs=1_000_000, speed="300"))
    page.get_by_role("button", name="Play").click()
    wait_epoch(page, lambda e: e > 50)
    assert page.locator(LIVE_STATUS).is_hidden()
    sockets[-1].close(code=1001, reason="proxy restarted")
    page.wait_for_selector(LIVE_STATUS, state="visible", timeout=5_000)
    assert "Reconnecting" in page.inner_text(LIVE_STATUS)
    page.wait_for_selector(LIVE_STATUS, state="hidden", timeout=15_000)    # back on a fresh socket
    resumed = epoch(page)
    wait_epoch(page, lambda e: e > resumed + 50)
    assert len(sockets) >= 2
    page.get_by_role("button", name="Pause").click()


def test_a_socket_closed_because_its_session_ended_asks_the_page_for_a_new_one(page, app_url, wait_for_app):
    """The close code that says the session ended (live/route.py's, passed to the element with the socket's data)
    makes the element ask for a page run (its "rejoin"), which gives it a live socket again."""
    live_sockets, page_messages = [], []

    def through(ws):
        ws.connect_to_server()
        live_sockets.append(ws)

    def watch(ws):
        if "_stcore/stream" in ws.url:
            ws.on("framesent", lambda _: page_messages.append(time.monotonic()))

    page.on("websocket", watch)
    page.route_web_socket(LIVE_SOCKET, through)
    open_page(page, app_url, wait_for_app, Setup().replace(epochs=1_000_000, speed="300"))
    page.get_by_role("button", name="Play").click()
    wait_epoch(page, lambda e: e > 50)
    closed_at = time.monotonic()
    live_sockets[-1].close(code=CLOSE_SESSION_ENDED, reason="session ended")
    deadline = time.monotonic() + 10
    while not any(t > closed_at for t in page_messages) and time.monotonic() < deadline:
        page.wait_for_timeout(50)
    assert any(t > closed_at for t in page_messages), "no page run asked for after the session-ended close"
    page.wait_for_selector(LIVE_STATUS, state="hidden", timeout=15_000)
    resumed = epoch(page)
    wait_epoch(page, lambda e: e > resumed + 50)
    assert len(live_sockets) >= 2
    page.get_by_role("button", name="Pause").click()


def test_quick_switches_of_pages_keep_the_live_view(page, app_url, wait_for_app):
    """Playground → Compare → Playground inside the 3 s a left page's element keeps its socket
    (live_view.js UNMOUNT_GRACE_MS): the session's third socket replaces its first. Refused, it put an HTTP 403 in
    the console and "Live view paused" on the Playground."""
    opened: list[int] = []                          # for each live socket, how many had closed when it opened
    closed: list[int] = []

    def watch(ws):
        if LIVE_SOCKET.match(ws.url):
            opened.append(len(closed))
            ws.on("close", lambda _: closed.append(1))

    page.on("websocket", watch)
    open_page(page, app_url, wait_for_app, Setup().replace(epochs=1_000_000, speed="300"))
    for path in ("compare", ""):
        sockets = len(opened)
        page.locator(NAV_LINK.format(path=path)).first.click()
        deadline = time.monotonic() + 20
        while len(opened) == sockets and time.monotonic() < deadline:
            page.wait_for_timeout(20)                   # (Playwright's events come while it waits)
    assert len(opened) == 3 and opened[2] == 0, ("three sockets of one session open at once", opened, closed)
    wait_for_app(page)
    page.get_by_role("button", name="Play").click()
    wait_epoch(page, lambda e: e > 50)
    assert page.locator(LIVE_STATUS).is_hidden()
    page.get_by_role("button", name="Pause").click()


def test_after_a_server_restart_the_setup_comes_back_from_the_link(page, wait_for_app):
    port = free_port()
    cfg = Setup().replace(dataset="circle", hidden=(6,), activation="tanh", epochs=1_000_000, speed="300")
    with serve_app(APP, port=port) as (url, _):
        open_page(page, url, wait_for_app, cfg)
        page.get_by_role("button", name="Play").click()
        wait_epoch(page, lambda e: e > 50)
    page.wait_for_selector(LIVE_STATUS, state="visible", timeout=10_000)   # the server is gone: said so
    assert "Live view paused" in page.inner_text(LIVE_STATUS)
    page.console_errors.clear()            # the browser logs the failed reconnection attempts
    with serve_app(APP, port=port):
        page.wait_for_function("() => document.body.innerText.includes('circle (200 points')", timeout=60_000)
        page.wait_for_selector(LIVE_STATUS, state="hidden", timeout=30_000)
        page.wait_for_function("() => document.body.innerText.includes('2-6-2 tanh')", timeout=30_000)
        page.get_by_role("button", name="Play").click()
        wait_epoch(page, lambda e: e > 20, timeout=30)
        page.get_by_role("button", name="Pause").click()
        page.console_errors.clear()


def test_every_button_label_fits_in_a_1440_pixel_window(browser, app_url, wait_for_app):
    context = browser.new_context(viewport={"width": 1440, "height": 900})
    page = context.new_page()
    open_page(page, app_url, wait_for_app)
    page.wait_for_selector(CONTROLS_UP, state="attached")
    page.get_by_role("button", name="Your own data").click()       # the sidebar opens, with its buttons
    page.wait_for_selector(".st-key-draw_mode button", timeout=10_000)
    cut = page.evaluate("""() => [...document.querySelectorAll('button')]
        .filter(b => b.getBoundingClientRect().width > 0)           // not Streamlit's hidden tooltip copies
        .filter(b => [...b.querySelectorAll('*')].some(e => e.scrollWidth > e.clientWidth + 1
                                                             && getComputedStyle(e).textOverflow === 'ellipsis'))
        .map(b => b.innerText)""")
    context.close()
    assert cut == [], f"labels cut short: {cut}"


# When the boundary's first picture and Plotly's chart each appeared, and whether plotly.js was in the page when
# the live element's code first drew (live/js/live_view.js).
FIRST_PICTURES = """
window.snFirst = {};
new MutationObserver(() => {
  const f = window.snFirst;
  const chart = document.querySelector('.snl-plot[data-chart="boundary"]');
  if (!chart) return;
  if (!("plotlyAtStart" in f)) f.plotlyAtStart = !!window.Plotly;
  if (!f.preview && chart.querySelector(".snl-preview[data-drawn]")) f.preview = performance.now();
  if (!f.plotly && chart.querySelector(".main-svg")) f.plotly = performance.now();
}).observe(document, {subtree: true, childList: true, attributes: true});
"""


def test_the_live_modules_are_fetched_from_the_pages_first_bytes(page, app_url, wait_for_app):
    page.goto(app_url)
    wait_for_app(page)
    page.wait_for_selector(BOUNDARY + " .main-svg", timeout=30_000)
    starts = page.evaluate("""() => performance.getEntriesByType('resource').map(e => [e.name, e.startTime])""")
    modules = [t for name, t in starts if "/live/js/" in name]
    streamlit_chunks = [t for name, t in starts if "/static/js/BidiComponent" in name]
    assert len(modules) == 7 and streamlit_chunks
    # The page's Link header names them: they come beside Streamlit's code, not after its first page run.
    assert max(modules) < min(streamlit_chunks)


def test_the_first_picture_comes_before_plotlys_chart_even_when_plotly_js_came_first(page, app_url, wait_for_app):
    page.add_init_script(FIRST_PICTURES)
    # plotly.js from the page's first moment, the element's code 1.5 s later: plotly.js is surely there first.
    page.add_init_script(f"""document.addEventListener("DOMContentLoaded", () => {{
        const tag = document.createElement("script");
        tag.src = new URL("app/static/{PLOTLY_JS_NAME}", location.href).href;
        document.head.appendChild(tag);
    }});""")

    def late(route):
        time.sleep(1.5)
        route.continue_()

    page.route(re.compile(r".*/live/js/[^/]+/live_view\.js$"), late)
    page.goto(app_url)
    wait_for_app(page)
    page.wait_for_selector(BOUNDARY + " .main-svg", timeout=30_000)
    first = page.evaluate("window.snFirst")
    assert first["plotlyAtStart"], first
    assert first.get("preview") and first["preview"] < first["plotly"], first
