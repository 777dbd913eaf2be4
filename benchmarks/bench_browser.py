"""How the Playground feels in a real browser (headless Debian Chromium, app on 127.0.0.1).

    python benchmarks/bench_browser.py [--repeats 5] [--fps-seconds 10]

Reports medians over the repeats:
  1. time from navigation start to the first drawn boundary chart, beside Streamlit's own floor:
     the same time for a one-line Streamlit app to show its text, measured in the same run;
  2. frames per second the browser actually draws (figures of the 100×100 boundary the live
     chart drew) while training, and how many epochs each frame shows;
  3. time from Play until the *shown* training accuracy reaches 95% on TensorFlow Playground's
     spiral setup (two hidden layers of 8 tanh units, 500 points, noise 0, half for training,
     SGD lr 0.03, batch 10), against what one epoch per animation frame at ~15 epochs/s — TF
     Playground's pace on this machine — needs for the same number of epochs.
Targets: first chart ≤ 1.5 s; ≥ 10 frames/s; settling in a small fraction of TF's time.
Browser and server share the machine's 2 cores, so every figure is a lower bound.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path
from urllib.parse import urlencode

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from playwright.sync_api import sync_playwright

from scratchnet.config import Config
from tests.browser.harness import READ_METRIC, launch_chromium, metric, serve_app, wait_for_chart

TF_EPOCHS_PER_SECOND = 15.0
SPIRAL = Config(dataset="spiral", hidden=(8, 8), activation="tanh", n_points=500, noise=0.0, train_fraction=0.5,
                lr=0.03, batch_size=10, epochs=100_000, speed="max")


def epoch_of(text: str | None) -> int:
    return int((text or "0").replace(",", ""))


def drawn_frames(page, key: str = "boundary_chart") -> int:
    """How many figures the live chart has drawn so far (ui/live_chart.py counts them)."""
    return int(page.get_attribute(f".st-key-{key} .snlc-plot", "data-renders") or 0)


def first_chart_seconds(browser, url: str) -> float:
    context = browser.new_context(viewport={"width": 1400, "height": 1000})
    page = context.new_page()
    page.goto(url)
    ms = wait_for_chart(page)
    context.close()
    return ms / 1000


HELLO_APP = 'import streamlit as st\n\nst.write("hello")\n'


def hello_text_seconds(browser, url: str) -> float:
    """Streamlit's floor: navigation start to the text of a one-line app on screen."""
    context = browser.new_context(viewport={"width": 1400, "height": 1000})
    page = context.new_page()
    page.goto(url)
    ms = page.wait_for_function(
        "() => document.querySelector('[data-testid=\"stMarkdown\"]') ? performance.now() : false",
        timeout=30_000, polling="raf").json_value()
    context.close()
    return ms / 1000


def streamlit_floor(browser, repeats: int) -> list[float]:
    with tempfile.TemporaryDirectory() as folder:
        app = Path(folder) / "hello.py"
        app.write_text(HELLO_APP)
        with serve_app(app) as (url, _):
            hello_text_seconds(browser, url)                              # warm up
            return [hello_text_seconds(browser, url) for _ in range(repeats)]


def play(page) -> None:
    page.get_by_role("button", name="Play").click()


def frames_per_second(browser, url: str, seconds: float) -> tuple[float, float]:
    """(frames drawn per second, epochs per drawn frame) over `seconds` of training."""
    context = browser.new_context(viewport={"width": 1400, "height": 1000})
    page = context.new_page()
    page.goto(url + "?" + urlencode(Config(epochs=1_000_000, speed="max").to_query()))
    wait_for_chart(page)
    play(page)
    page.wait_for_function("() => !!document.querySelector('[data-testid=\"stBaseButton-primary\"]')"
                           " && document.body.innerText.includes('Pause')")
    time.sleep(1.0)                                                      # past the first redraws
    frames0 = drawn_frames(page)
    epoch0 = epoch_of(metric(page, "Epoch"))
    time.sleep(seconds)
    frames = drawn_frames(page) - frames0
    epoch1 = epoch_of(metric(page, "Epoch"))
    context.close()
    return frames / seconds, (epoch1 - epoch0) / max(frames, 1)


def spiral_to_95(browser, url: str) -> tuple[float, int]:
    """(seconds from the Play click until 95% shows, epoch shown then)."""
    context = browser.new_context(viewport={"width": 1400, "height": 1000})
    page = context.new_page()
    page.goto(url + "?" + urlencode(SPIRAL.to_query()))
    wait_for_chart(page)
    page.evaluate("() => { window.__t0 = performance.now(); }")
    play(page)
    result = page.wait_for_function(
        """(read) => {
            const f = eval(read);
            const acc = f("Train accuracy");
            if (acc && parseFloat(acc) >= 95) return {ms: performance.now() - window.__t0, epoch: f("Epoch")};
            return false;
        }""", arg=READ_METRIC, timeout=300_000, polling="raf").json_value()
    context.close()
    return result["ms"] / 1000, epoch_of(result["epoch"])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--fps-seconds", type=float, default=10.0)
    args = parser.parse_args()
    with serve_app() as (url, _), sync_playwright() as pw:
        browser = launch_chromium(pw)
        first_chart_seconds(browser, url)                                 # warm the server's caches
        loads = [first_chart_seconds(browser, url) for _ in range(args.repeats)]
        fps = [frames_per_second(browser, url, args.fps_seconds) for _ in range(max(3, args.repeats // 2))]
        spirals = [spiral_to_95(browser, url) for _ in range(max(3, args.repeats // 2))]
    with sync_playwright() as pw:
        browser = launch_chromium(pw)
        floor = streamlit_floor(browser, args.repeats)
        browser.close()

    print("ScratchNet Playground in headless Chromium (server and browser share 2 cores)\n")
    load = statistics.median(loads)
    print(f"first boundary chart after page load: median {load:.2f} s over {len(loads)} loads "
          f"(min {min(loads):.2f}, max {max(loads):.2f})  target ≤ 1.5 s: {'MET' if load <= 1.5 else 'NOT MET'}")
    hello = statistics.median(floor)
    print(f"  Streamlit's floor, a one-line app's text on screen: median {hello:.2f} s over {len(floor)} loads; "
          f"the Playground's first chart takes {load / hello:.2f}x that (+{load - hello:.2f} s)")
    rate = statistics.median(f for f, _ in fps)
    per_frame = statistics.median(e for _, e in fps)
    print(f"frames drawn while training (100×100 boundary): median {rate:.1f} fps over {len(fps)} runs of "
          f"{args.fps_seconds:g} s, {per_frame:,.0f} epochs per frame  target ≥ 10 fps: "
          f"{'MET' if rate >= 10 else 'NOT MET'}")
    seconds = statistics.median(s for s, _ in spirals)
    epochs = statistics.median(e for _, e in spirals)
    tf_seconds = epochs / TF_EPOCHS_PER_SECOND
    print(f"spiral 8-8 tanh, 500 points, noise 0, SGD lr 0.03 batch 10: 95% training accuracy shown after "
          f"median {seconds:.1f} s ({epochs:,.0f} epochs; runs: "
          + ", ".join(f"{s:.1f} s/{e:,} ep" for s, e in spirals) + ")")
    print(f"  one epoch per frame at {TF_EPOCHS_PER_SECOND:g} epochs/s needs {tf_seconds:.0f} s for those epochs: "
          f"ours takes {seconds / tf_seconds:.1%} of that ({tf_seconds / seconds:.1f}x faster)")


if __name__ == "__main__":
    main()
