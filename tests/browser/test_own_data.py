"""Your own data in a real browser: draw points by clicking the chart, download them, upload a
CSV and download it back unchanged."""

from __future__ import annotations

from pathlib import Path

from scratchnet.data.datasets import make_dataset
from scratchnet.data.points_csv import dataset_to_csv, parse_csv
from tests.browser.harness import BOUNDARY, CONTROLS_UP

# The training points drawn on the chart (its first scatter trace), counted in the page; Plotly draws no
# trace group at all for a trace without points.
POINT_COUNT = ("(sel) => { if (!document.querySelector(sel + ' .main-svg')) return -1;"
               " const trace = document.querySelector(sel + ' .scatterlayer .trace');"
               " return trace ? trace.querySelectorAll('.point').length : 0; }")


def open_own_data(page, url, wait_for_app):
    page.goto(url)
    wait_for_app(page)
    page.wait_for_selector(BOUNDARY + " .main-svg", timeout=30_000)
    page.wait_for_selector(CONTROLS_UP, state="attached", timeout=30_000)      # the sidebar's panel is there
    page.get_by_role("button", name="Your own data").click()     # under the dataset pictures: opens the sidebar's
    page.wait_for_selector(".st-key-draw_mode button", timeout=20_000)


def choose(page, label: str, wait_for_app) -> None:
    page.locator(".st-key-draw_mode button", has_text=label).first.click()
    page.wait_for_function("(label) => [...document.querySelectorAll('.st-key-draw_mode button')]"
                           ".some(b => b.innerText.includes(label) && b.getAttribute('aria-checked') === 'true')",
                           arg=label, timeout=10_000)
    page.wait_for_selector(f"{BOUNDARY}[data-clickable='true']", timeout=15_000)   # the chart answers clicks
    wait_for_app(page)


def click_plot(page, fx: float, fy: float) -> None:
    box = page.locator(f"{BOUNDARY} .nsewdrag").bounding_box()
    page.mouse.click(box["x"] + box["width"] * fx, box["y"] + box["height"] * fy)


def wait_points(page, n: int) -> None:
    page.wait_for_function(f"(sel) => ({POINT_COUNT})(sel) === {n}", arg=BOUNDARY, timeout=15_000)


def download_points(page) -> bytes:
    with page.expect_download() as info:
        page.get_by_role("button", name="Download points (CSV)").click()
    return Path(info.value.path()).read_bytes()


def test_draw_points_by_clicking_then_download_them(page, app_url, wait_for_app, screenshot_path):
    open_own_data(page, app_url, wait_for_app)
    page.get_by_role("button", name="Clear").click()
    wait_points(page, 0)
    choose(page, "class 0", wait_for_app)
    for i, (fx, fy) in enumerate([(0.2, 0.2), (0.3, 0.25), (0.25, 0.35)]):
        click_plot(page, fx, fy)
        wait_points(page, i + 1)
        wait_for_app(page)
    choose(page, "class 1", wait_for_app)
    click_plot(page, 0.7, 0.7)
    wait_points(page, 4)
    wait_for_app(page)
    click_plot(page, 0.8, 0.75)                         # the 5th point drawn goes to the test set
    page.get_by_text("Test accuracy").wait_for()
    wait_for_app(page)
    assert "dataset=custom" in page.url
    page.screenshot(path=str(screenshot_path("own-data-drawn")), full_page=True)
    parsed = parse_csv(download_points(page))
    assert parsed.n_rows == 5 and sorted(parsed.y.tolist()) == [0, 0, 0, 1, 1]
    xs = parsed.x[:, 0].tolist()
    assert min(xs) < max(xs), "the points are where they were clicked, not all in one place"
    choose(page, "erase", wait_for_app)
    click_plot(page, 0.7, 0.7)
    wait_points(page, 3)


def test_upload_a_csv_and_download_it_back_unchanged(page, app_url, wait_for_app, tmp_path):
    original = dataset_to_csv(make_dataset("spiral", n_points=90, noise=0.1, classes=3), ["blue", "green", "red"])
    source = tmp_path / "spiral.csv"
    source.write_text(original, encoding="utf-8")
    open_own_data(page, app_url, wait_for_app)
    page.set_input_files(".st-key-csv_upload input[type=file]", str(source))
    page.get_by_text("Loaded 90 points, 3 classes from spiral.csv").wait_for(timeout=20_000)
    assert download_points(page).decode("utf-8") == original
    bad = tmp_path / "bad.csv"
    bad.write_bytes(b"\x00\x01\x02 not a csv")
    page.set_input_files(".st-key-csv_upload input[type=file]", str(bad))
    page.get_by_text("bad.csv: ").wait_for(timeout=20_000)
    assert download_points(page).decode("utf-8") == original, "a bad file leaves the data as it was"
