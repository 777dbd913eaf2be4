"""ui.live_chart in a real browser: local plotly.js, in-place updates, zoom kept.

The demo app (apps/live_chart_demo.py) is copied to a temporary folder beside a copy of the app's
``static/`` (Streamlit serves the folder next to the main script) and run from there; the server runs
with the project root as its working folder (the project's .streamlit/config.toml applies).
"""

from __future__ import annotations

import re
import shutil
import time
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from ui.assets import PLOTLY_JS_NAME, STATIC_DIR

DEMO = Path(__file__).resolve().parent / "apps" / "live_chart_demo.py"
SERVER_ARGS = ("--server.enableStaticServing", "true", "--runner.postScriptGC", "false")
PLOT = ".js-plotly-plot"
HEATMAP_IMAGE = ".js-plotly-plot .heatmaplayer image"
# Streamlit itself, loaded on a page URL, first probes <page URL>/_stcore/health and
# /host-config (404) before it finds the app root: its noise, not the chart's.
STREAMLIT_PROBE_404 = re.compile(r"status of 404 .*/(compare|broken)/_stcore/(health|host-config)")


@pytest.fixture(scope="module")
def demo_dir(tmp_path_factory):
    app_dir = tmp_path_factory.mktemp("live_chart_demo")
    shutil.copy2(DEMO, app_dir / DEMO.name)
    shutil.copytree(STATIC_DIR, app_dir / "static")
    return app_dir


@pytest.fixture(scope="module")
def demo_url(streamlit_server, demo_dir):
    with streamlit_server(demo_dir / DEMO.name, SERVER_ARGS) as url:
        yield url


def open_demo(page, url, wait_for_app):
    page.goto(url)
    wait_for_app(page, selector=HEATMAP_IMAGE)
    page.wait_for_selector(HEATMAP_IMAGE, timeout=30_000)


def texts(page) -> list[str]:
    return page.locator('[data-testid="stText"]').all_inner_texts()


def update_count(page) -> int:
    for text in texts(page):
        if text.startswith("updates: "):
            return int(text.split(":")[1])
    raise AssertionError(f"no 'updates:' text in {texts(page)}")


def test_renders_from_own_server(page, demo_url, wait_for_app, screenshot_path):
    requests: list[str] = []
    page.on("request", lambda req: requests.append(req.url))
    open_demo(page, demo_url, wait_for_app)

    info = page.evaluate(
        """() => {
            const gd = document.querySelector('.js-plotly-plot');
            const z = gd._fullData[0].z;
            return {
                plots: document.querySelectorAll('.js-plotly-plot').length,
                types: gd._fullData.map(t => t.type),
                zRows: z.length, zCols: z[0].length, z00: z[0][0],
                height: gd.getBoundingClientRect().height,
                loaderTags: document.querySelectorAll('script[data-scratchnet-plotly]').length,
                logo: !!gd.querySelector('.modebar-btn--logo'),
            };
        }"""
    )
    assert info["plots"] == 1
    assert info["types"] == ["heatmap", "scatter"]
    # plotly.py sent z as base64 uint8 ({"dtype": "u1", "bdata": ...}); plotly.js decoded it.
    assert (info["zRows"], info["zCols"]) == (100, 100)
    assert isinstance(info["z00"], (int, float))
    assert abs(info["height"] - 420) < 2
    assert info["loaderTags"] == 1
    assert not info["logo"]

    foreign = [
        u for u in requests
        if urlsplit(u).scheme not in ("data", "blob") and urlsplit(u).hostname != "127.0.0.1"
    ]
    assert not foreign, f"requests to other hosts: {foreign}"
    plotly_requests = [u for u in requests if u.endswith(PLOTLY_JS_NAME)]
    assert plotly_requests == [demo_url + "app/static/" + PLOTLY_JS_NAME]
    page.screenshot(path=str(screenshot_path("live_chart_demo")), full_page=True)


def test_updates_in_place_and_never_blank(page, demo_url, wait_for_app, screenshot_path):
    open_demo(page, demo_url, wait_for_app)
    page.evaluate(
        """() => {
            const gd = document.querySelector('.js-plotly-plot');
            gd.__testTag = 'original';
            const s = window.__probe = {afterplot: 0, frames: 0, blank: 0, swapped: 0,
                                        hrefs: new Set(), running: true};
            gd.on('plotly_afterplot', () => { s.afterplot += 1; });
            const tick = () => {
                if (!s.running) return;
                s.frames += 1;
                const cur = document.querySelector('.js-plotly-plot');
                if (cur !== gd) s.swapped += 1;
                const img = cur && cur.querySelector('.heatmaplayer image');
                const box = cur && cur.getBoundingClientRect();
                if (!img || !img.getAttribute('href') || !box || box.height < 100) s.blank += 1;
                else s.hrefs.add(img.getAttribute('href').length + ':' + img.getAttribute('href').slice(-40));
                requestAnimationFrame(tick);
            };
            requestAnimationFrame(tick);
        }"""
    )
    n0 = update_count(page)
    t0 = time.monotonic()
    time.sleep(3.0)
    probe = page.evaluate(
        """() => { const s = window.__probe; s.running = false;
                   const gd = document.querySelector('.js-plotly-plot');
                   return {afterplot: s.afterplot, frames: s.frames, blank: s.blank,
                           swapped: s.swapped, images: s.hrefs.size,
                           tag: gd && gd.__testTag,
                           plots: document.querySelectorAll('.js-plotly-plot').length}; }"""
    )
    elapsed = time.monotonic() - t0
    n1 = update_count(page)
    fps = probe["afterplot"] / elapsed
    print(
        f"\n[live_chart] browser redraws: {probe['afterplot']} in {elapsed:.1f} s = {fps:.1f}/s; "
        f"server updates: {n1 - n0} = {(n1 - n0) / elapsed:.1f}/s; "
        f"sampled frames: {probe['frames']}, blank: {probe['blank']}, distinct images: {probe['images']}"
    )
    assert probe["tag"] == "original", "the plot div was replaced (remount)"
    assert probe["swapped"] == 0 and probe["plots"] == 1
    assert probe["blank"] == 0, f"{probe['blank']} blank frames"
    assert probe["afterplot"] >= 10, f"only {probe['afterplot']} redraws in {elapsed:.1f} s"
    assert probe["images"] >= 5, "the heatmap image did not change"
    page.screenshot(path=str(screenshot_path("live_chart_updating")))


def test_zoom_survives_updates(page, demo_url, wait_for_app):
    open_demo(page, demo_url, wait_for_app)
    box = page.locator(f"{PLOT} .nsewdrag").bounding_box()
    assert box is not None
    # A real mouse drag (Plotly's default dragmode is zoom) over part of the plot.
    x0, y0 = box["x"] + box["width"] * 0.25, box["y"] + box["height"] * 0.25
    x1, y1 = box["x"] + box["width"] * 0.60, box["y"] + box["height"] * 0.65
    page.mouse.move(x0, y0)
    page.mouse.down()
    for i in range(1, 11):
        page.mouse.move(x0 + (x1 - x0) * i / 10, y0 + (y1 - y0) * i / 10)
    page.mouse.up()
    ranges = """() => { const fl = document.querySelector('.js-plotly-plot')._fullLayout;
                        return [fl.xaxis.range.slice(), fl.yaxis.range.slice()]; }"""
    zoomed_x, zoomed_y = page.evaluate(ranges)
    assert zoomed_x[1] - zoomed_x[0] < 1.2, f"drag did not zoom: {zoomed_x}"
    page.evaluate(
        """() => { const gd = document.querySelector('.js-plotly-plot');
                   window.__after = 0; gd.on('plotly_afterplot', () => { window.__after += 1; }); }"""
    )
    page.wait_for_function("() => window.__after >= 10", timeout=15_000)
    kept_x, kept_y = page.evaluate(ranges)
    assert kept_x == pytest.approx(zoomed_x, abs=1e-9)
    assert kept_y == pytest.approx(zoomed_y, abs=1e-9)

    # And a programmatic zoom, too.
    page.evaluate(
        """() => Plotly.relayout(document.querySelector('.js-plotly-plot'),
                                 {'xaxis.range': [-0.5, 0.25], 'yaxis.range': [-0.4, 0.3]})"""
    )
    page.evaluate("() => { window.__after = 0; }")
    page.wait_for_function("() => window.__after >= 10", timeout=15_000)
    kept_x, kept_y = page.evaluate(ranges)
    assert kept_x == pytest.approx([-0.5, 0.25])
    assert kept_y == pytest.approx([-0.4, 0.3])


def test_full_reruns_keep_plot_and_zoom(page, demo_url, wait_for_app):
    """Full reruns (a widget outside the polling fragment) while the chart streams.

    Streamlit 1.67 sometimes replaces the whole fragment block on such a rerun,
    remounting the component; live_chart then moves its existing plot div into
    the new container, so the node, its zoom and the picture survive.
    """
    open_demo(page, demo_url, wait_for_app)
    page.evaluate(
        """() => {
            const gd = document.querySelector('.js-plotly-plot');
            gd.__testTag = 'original';
            // blank: frames without the picture; stretches: runs of such frames, one per gap.
            const s = window.__probe = {frames: 0, blank: 0, stretches: [], remounts: 0, running: true};
            new MutationObserver((ms) => {
                for (const m of ms) for (const n of m.removedNodes)
                    if (n.nodeType === 1 && n.querySelector && n.querySelector('.snlc-root')) s.remounts += 1;
            }).observe(document.body, {childList: true, subtree: true});
            const tick = () => {
                if (!s.running) return;
                s.frames += 1;
                if (!document.querySelector('.js-plotly-plot .heatmaplayer image')) {
                    if (s.last !== s.frames - 1) s.stretches.push(0);
                    s.stretches[s.stretches.length - 1] += 1;
                    s.blank += 1;
                    s.last = s.frames;
                }
                requestAnimationFrame(tick);
            };
            requestAnimationFrame(tick);
            return Plotly.relayout(gd, {'xaxis.range': [-0.6, 0.2], 'yaxis.range': [-0.3, 0.5]});
        }"""
    )
    button = page.get_by_role("button", name="full rerun")
    for i in range(8):
        button.click()
        time.sleep(0.3 + 0.07 * i)  # land at different points of the fragment's cycle
    page.wait_for_function(
        """() => Array.from(document.querySelectorAll('[data-testid="stText"]'))
                     .some(e => e.innerText === 'full runs: 9')""",
        timeout=15_000,
    )
    time.sleep(0.5)
    probe = page.evaluate(
        """() => { const s = window.__probe; s.running = false;
                   const gd = document.querySelector('.js-plotly-plot');
                   return {frames: s.frames, blank: s.blank, stretches: s.stretches, remounts: s.remounts,
                           tag: gd.__testTag, plots: document.querySelectorAll('.js-plotly-plot').length,
                           x: gd._fullLayout.xaxis.range.slice(), y: gd._fullLayout.yaxis.range.slice()}; }"""
    )
    print(
        f"\n[live_chart] 8 full reruns: element remounts {probe['remounts']}, "
        f"blank frames {probe['blank']} of {probe['frames']} (gaps: {probe['stretches']})"
    )
    assert probe["tag"] == "original" and probe["plots"] == 1
    assert probe["x"] == pytest.approx([-0.6, 0.2])
    assert probe["y"] == pytest.approx([-0.3, 0.5])
    # Only the gap between React dropping the old container and the JS adopting the plot into the
    # new one: one gap per remount, a blink. React can commit the removal and the new container in
    # separate tasks: 1 to 3 animation frames measured on a quiet machine, so at most 6 (~0.1 s).
    assert len(probe["stretches"]) <= probe["remounts"]
    assert max(probe["stretches"], default=0) <= 6


def test_plotly_url_under_base_path_on_a_page_url(page, streamlit_server, demo_dir, wait_for_app):
    with streamlit_server(
        demo_dir / DEMO.name, (*SERVER_ARGS, "--server.baseUrlPath", "sn")
    ) as url:
        assert url.endswith("/sn/")
        requests: list[str] = []
        page.on("request", lambda req: requests.append(req.url))
        page.goto(url + "compare")
        wait_for_app(page, selector=HEATMAP_IMAGE)
        assert page.locator(PLOT).count() == 1
        assert [u for u in requests if u.endswith(PLOTLY_JS_NAME)] == [
            url + "app/static/" + PLOTLY_JS_NAME
        ]
        assert "compare page ready" in texts(page)
        page.goto("about:blank")  # before the server stops: no reconnect errors
    page.console_errors[:] = [e for e in page.console_errors if not STREAMLIT_PROBE_404.search(e)]


def test_js_error_is_reported_once(page, demo_url, wait_for_app):
    page.goto(demo_url + "broken")
    wait_for_app(page, selector=".snlc-msg:not([hidden])")
    time.sleep(0.5)
    assert page.locator(".snlc-msg").inner_text().startswith("Chart error:")
    ours = [e for e in page.console_errors if "[live_chart]" in e]
    others = [e for e in page.console_errors if e not in ours and not STREAMLIT_PROBE_404.search(e)]
    assert len(ours) == 1, page.console_errors
    assert not others, others
    page.console_errors.clear()
