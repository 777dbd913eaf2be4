"""Does anything on the Playground's screen jump, where it is seen? (headless Debian Chromium, app on 127.0.0.1)

    python benchmarks/bench_screen.py [--repeats 1] [--only laptop-1366x768,phone-390x844]

For each screen (laptops 1366×768 and 1440×900; a projector at 1920×1080 and 1280×720 in presentation mode; a
phone 390×844 with touch and a phone's User-Agent), a learner's first minute: the page loads, a dataset's
picture is clicked, Play, the run finishes (its notice comes); then, as a student in a class at the same size,
the teacher's message comes. Reported: the layout shift of each step and their sum, counted as web-vitals counts
CLS (shifts without recent input: 500 ms after a click or a tap do not count), summed over all of them (stricter
than CLS's largest 5-s window). Target: the sum < 0.1 on every screen. Also: the first screen's parts (Play, the
pictures, the network's + / −, the boundary, the loss) inside the viewport, and on the phone the boundary's
share of the width. Under a screen's row, each shift of at least 0.001: what moved (the element, its top and
height before -> after) and what came into or left the main area in the second before it.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path
from urllib.parse import urlencode

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from playwright.sync_api import sync_playwright

from scratchnet.config import Setup
from tests.browser.class_people import Person, teacher_starts
from tests.browser.harness import (
    CONTROLS_UP,
    SCREEN_PARTS,
    SHIFTS,
    WATCH_SHIFTS,
    WATCH_SHIFTS_FROM_NOW,
    launch_chromium,
    serve_app,
    shift_report,
    wait_for_app,
    wait_for_chart,
)

PHONE_UA = ("Mozilla/5.0 (iPhone; CPU iPhone OS 15_0 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) "
            "Version/15.0 Mobile/15E148 Safari/604.1")
SCREENS = {
    "laptop-1366x768": ({"viewport": {"width": 1366, "height": 768}}, False),
    "laptop-1440x900": ({"viewport": {"width": 1440, "height": 900}}, False),
    "projector-1920x1080": ({"viewport": {"width": 1920, "height": 1080}}, True),
    "projector-1280x720": ({"viewport": {"width": 1280, "height": 720}}, True),
    "phone-390x844": ({"viewport": {"width": 390, "height": 844}, "device_scale_factor": 3, "is_mobile": True,
                       "has_touch": True, "user_agent": PHONE_UA}, False),
}
FAST = Setup().replace(epochs=60, speed="300")          # a run that finishes within a few seconds
FIRST_SIGHT = ("play", "diagram", "boundary", "loss")


def _settled(page, seconds: float = 1.0) -> None:
    wait_for_app(page, timeout=60_000)
    time.sleep(seconds)


def _press(page, touch: bool, locator) -> None:
    (locator.tap if touch else locator.click)()


def _inside(box, viewport) -> bool:
    return box is not None and box[0] >= -1 and box[1] >= -1 and box[0] + box[2] <= viewport[0] + 1 \
        and box[1] + box[3] <= viewport[1] + 1


def learner(browser, url: str, context: dict, presentation: bool) -> tuple[dict[str, float], dict, list[str]]:
    """Load, a picture, Play and the run's end: the layout shift of each, the first screen's parts, and what
    shifted (shift_report)."""
    touch = bool(context.get("has_touch"))
    ctx = browser.new_context(**context)
    ctx.add_init_script(WATCH_SHIFTS)
    page = ctx.new_page()
    page.goto(url + "?" + urlencode(FAST.replace(presentation=presentation).to_query()))
    wait_for_chart(page, plotly=True, timeout=90_000)
    page.wait_for_selector(CONTROLS_UP, state="attached", timeout=60_000)
    _settled(page)
    shifts = {"load": page.evaluate(SHIFTS)}
    parts = page.evaluate(SCREEN_PARTS)
    _press(page, touch, page.locator('.snp-item[data-name="xor"]'))
    page.wait_for_function("() => location.search.includes('dataset=xor')", timeout=30_000)
    _settled(page)
    shifts["picture"] = page.evaluate(SHIFTS) - sum(shifts.values())
    _press(page, touch, page.get_by_role("button", name="Play"))
    page.wait_for_function("() => document.querySelector('.st-key-notices').innerText.includes('Trained to epoch 60')",
                           timeout=60_000)
    _settled(page)
    shifts["play, finished"] = page.evaluate(SHIFTS) - sum(shifts.values())
    report = shift_report(page)
    ctx.close()
    return shifts, parts, report


def class_notice(browser, url: str, code: str, name: str, teacher: Person, context: dict) -> tuple[float, list[str]]:
    """A student joins from the join link at this size; the layout shift while the teacher's message comes."""
    touch = bool(context.get("has_touch"))
    ctx = browser.new_context(**context)
    page = ctx.new_page()
    page.goto(f"{url}?class={code}")
    _settled(page, 0.2)
    page.get_by_role("textbox", name="Your name").fill(name)
    _press(page, touch, page.get_by_role("button", name="Join"))
    page.wait_for_selector(".st-key-class_badge", timeout=60_000)
    wait_for_chart(page, plotly=True, timeout=90_000)
    page.wait_for_selector(CONTROLS_UP, state="attached", timeout=60_000)
    _settled(page, 1.5)
    page.evaluate(WATCH_SHIFTS_FROM_NOW)
    text = f"Now try the spiral, {name}."
    teacher.page.get_by_role("textbox", name="Message to the class").fill(text)
    teacher.click("Send message")
    page.wait_for_function("(t) => document.body.innerText.includes(t)", arg=text, timeout=60_000)
    _settled(page)
    shift = page.evaluate(SHIFTS)
    report = shift_report(page)
    ctx.close()
    return shift, report


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--repeats", type=int, default=1)
    parser.add_argument("--only", default="", help="comma-separated screen names")
    args = parser.parse_args()
    names = [n for n in SCREENS if not args.only or n in args.only.split(",")]
    with sync_playwright() as playwright, serve_app() as (url, _):
        browser = launch_chromium(playwright)
        teacher, code = teacher_starts(browser, url, FAST)
        print(f"{'screen':22} {'load':>7} {'picture':>8} {'play,end':>9} {'class':>7} {'sum':>7}  first screen")
        for name in names:
            context, presentation = SCREENS[name]
            sums = []
            for repeat in range(args.repeats):
                shifts, parts, report = learner(browser, url, context, presentation)
                shifts["class notice"], in_class = class_notice(browser, url, code, f"S{len(sums)}{name[:5]}",
                                                                teacher, context)
                sums.append(sum(shifts.values()))
                view = parts["viewport"]
                off = [p for p in FIRST_SIGHT if not _inside(parts[p], view)]
                if not name.startswith("phone"):
                    off += [f"picture {i}" for i, b in enumerate(parts["pictures"]) if not _inside(b, view)]
                extra = f"boundary {parts['boundary'][2] / view[0]:.0%} of the width" if name.startswith("phone") \
                    else ("all inside" if not off else f"outside: {off}")
                values = list(shifts.values())
                print(f"{name:22} {values[0]:7.4f} {values[1]:8.4f} {values[2]:9.4f} {values[3]:7.4f} "
                      f"{sums[-1]:7.4f}  {extra}", flush=True)
                for line in report + [f"(in a class) {line}" for line in in_class]:
                    print(f"    {line}", flush=True)       # what shifted, and what came or went just before
            if args.repeats > 1:
                print(f"{name:22} median sum {statistics.median(sums):.4f} over {args.repeats}")
        browser.close()


if __name__ == "__main__":
    main()
