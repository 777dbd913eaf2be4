"""The classroom board built for the wall, and a teacher's setup that hides every control, in real browsers.

One server for the module. The wall test fills a class with 30 protocol-level students (real Streamlit
sessions, nothing rendered: tests/protocol_client.py), five of whom submit to a challenge, and measures the
teacher's projector view at 1920×1080 and then 1280×720 (the same page, resized): the QR code's size, the join
code and address, every text ≥ 20 px, all 30 students on the screen without scrolling, nothing of Streamlit's
page over or beside it, and a ranked student's tile agreeing with the ranking. Screenshots:
artifacts/screenshots/board-wall-*.png, for a person to judge from the back of the room.
"""

from __future__ import annotations

import asyncio
import threading
import time

from streamlit.proto.WidgetStates_pb2 import WidgetState

from benchmarks.bench_classroom import JOIN_BUTTON, Session
from scratchnet.config import KNOBS, Setup
from tests.browser.class_people import student_joins, teacher_starts
from tests.browser.harness import READ_EPOCH

STUDENTS = 30
SUBMITTING = 5
TARGET = 50                                   # % test accuracy: an untrained moons network reaches it
LESSON = Setup().replace(dataset="spiral", hidden=(8, 8), activation="tanh", lr=0.03, optimizer="adam", epochs=100_000,
                speed="max", show_test=True)
EVERY_CONTROL = [n for n in KNOBS["hide"].choices if n != "hide"]
ERROR = "[data-testid='stAlertContentError']"
KNOB_WIDGETS = "[data-testid='stSlider'], [data-testid='stSelectbox'], [data-testid='stButtonGroup']"


class Crowd:
    """N protocol-level students on their own event loop in a thread: they join, and when told, the first
    `submitting` of them press "Submit my run"; their sessions stay open until `close`."""

    def __init__(self, url: str, code: str, n: int, submitting: int):
        self.url, self.code, self.n, self.submitting = url, code, n, submitting
        self.joined, self.submit, self.submitted, self.done = (threading.Event() for _ in range(4))
        self.errors: list[str] = []
        self.thread = threading.Thread(target=lambda: asyncio.run(self._run()), daemon=True)
        self.thread.start()

    async def _join(self, i: int) -> Session:
        session = Session(self.url, "")
        await session.open()
        await session.goto("classroom")
        fields = {session.widget_id("class_code"): self.code, session.widget_id("class_name"): f"Student {i + 1:02d}"}
        for _ in range(30):
            for widget_id, text in fields.items():
                session.values[widget_id] = WidgetState(id=widget_id, string_value=text)
            await session.press(JOIN_BUTTON)
            if "joining right now" not in session.text():
                break
            await asyncio.sleep(2.0)
        for widget_id in fields:
            session.values.pop(widget_id, None)
        return session

    async def _run(self) -> None:
        sessions: list[Session] = []
        try:
            gate = asyncio.Semaphore(4)

            async def one(i: int) -> None:
                async with gate:
                    sessions.append(await self._join(i))

            await asyncio.gather(*(one(i) for i in range(self.n)))
            self.joined.set()
            await asyncio.to_thread(self.submit.wait)
            for session in sorted(sessions, key=lambda s: s.session_id)[: self.submitting]:
                await session.rerun()                      # the page that shows the challenge
                await session.press("class_submit")
            self.submitted.set()
            await asyncio.to_thread(self.done.wait)
        except Exception as err:  # noqa: BLE001 — the test reports it
            self.errors.append(repr(err))
        finally:
            self.joined.set()
            self.submitted.set()
            self.errors += [p for s in sessions for p in s.problems]
            for session in sessions:
                await session.close()

    def close(self) -> None:
        self.done.set()
        self.thread.join(30)


# What the projector view shows, measured in the page.
MEASURE = """() => {
  const rect = (e) => { const r = e.getBoundingClientRect(); return {x: r.x, y: r.y, w: r.width, h: r.height}; };
  const wall = document.querySelector('.snb-wall');
  const grid = wall.querySelector('.snb-tiles');
  const small = [];
  for (const e of wall.querySelectorAll('*')) {
    const own = [...e.childNodes].some((n) => n.nodeType === 3 && n.textContent.trim());
    const r = e.getBoundingClientRect();
    const shown = r.width > 0 && r.height > 0 && getComputedStyle(e).visibility !== 'hidden';
    const px = parseFloat(getComputedStyle(e).fontSize);
    if (own && shown && px < 20) small.push([e.className, e.textContent.trim().slice(0, 40), px]);
  }
  const badge = (t) => t.querySelector('.snb-badge');
  const tiles = [...wall.querySelectorAll('.snb-tile')].map((t) => ({seat: t.dataset.seat,
    rank: badge(t).hidden ? 0 : +badge(t).textContent.slice(1),
    name: t.querySelector('.snb-name').textContent, box: rect(t), thumb: rect(t.querySelector('.snb-thumb')),
    labels: [...t.querySelectorAll('.snb-num-label')].map((l) => l.textContent),
    numbers: Object.fromEntries([...t.querySelectorAll('.snb-num')].map((c) =>
      [c.dataset.label, c.querySelector('.snb-num-value').textContent]))}));
  const ranking = [...wall.querySelectorAll('.snb-rank-item')].map((i) => ({seat: i.dataset.seat,
    place: i.querySelector('.snb-rank-place').textContent, name: i.querySelector('.snb-rank-name').textContent,
    labels: [...i.querySelectorAll('.snb-num-label')].map((l) => l.textContent),
    values: [...i.querySelectorAll('.snb-num-value')].map((v) => v.textContent)}));
  const hit = document.elementFromPoint(40, innerHeight / 2);
  return {viewport: [innerWidth, innerHeight], wall: rect(wall), join: rect(wall.querySelector('.snb-join')),
          qr: rect(wall.querySelector('.snb-qr')), code: wall.querySelector('.snb-code').textContent,
          codePx: parseFloat(getComputedStyle(wall.querySelector('.snb-code')).fontSize),
          link: wall.querySelector('.snb-link').textContent,
          linkPx: parseFloat(getComputedStyle(wall.querySelector('.snb-link')).fontSize),
          scrolls: grid.scrollHeight > grid.clientHeight + 1, layout: grid.dataset.layout, fit: grid.dataset.fit,
          leftIsWall: !!(hit && hit.closest('.snb-wall')), small, tiles, ranking};
}"""


def test_the_board_on_the_wall(browser, app_url, screenshot_path):
    teacher, code = teacher_starts(browser, app_url, None, width=1920, height=1080)
    crowd = Crowd(app_url, code, STUDENTS, SUBMITTING)
    page = teacher.page
    try:
        assert crowd.joined.wait(300) and not crowd.errors, crowd.errors
        page.wait_for_function(f"() => document.querySelectorAll('.snb-tile').length === {STUDENTS}", timeout=60_000)
        page.locator(".st-key-class_target input[type='range']").focus()
        page.keyboard.press("Home")                                       # 50%: reached before any training
        teacher.settle()
        teacher.click("Set challenge")
        teacher.settle()
        crowd.submit.set()
        assert crowd.submitted.wait(300) and not crowd.errors, crowd.errors
        page.get_by_text("Projector view", exact=True).click()
        teacher.settle()
        page.wait_for_function(f"() => document.querySelectorAll('.snb-wall .snb-rank-item').length === {SUBMITTING}",
                               timeout=30_000)
        for width, height, least_qr in ((1920, 1080, 300), (1280, 720, 200)):
            page.set_viewport_size({"width": width, "height": height})
            page.wait_for_function("([w, h]) => { const f = document.querySelector('.snb-tiles').dataset.fit;"
                                   " return f && innerWidth === w && innerHeight === h && JSON.parse(f).width > 0; }",
                                   arg=[width, height], timeout=10_000)
            time.sleep(0.5)                                                   # the canvases drawn at their size
            page.screenshot(path=str(screenshot_path(f"board-wall-{width}x{height}")))
            m = page.evaluate(MEASURE)
            where = f"at {width}x{height} ({m['layout']}, {m['fit']})"
            # the sidebar and Streamlit's page out of the way: the board is the screen
            assert (m["wall"]["x"], m["wall"]["y"], m["wall"]["w"], m["wall"]["h"]) == (0, 0, width, height), where
            assert m["leftIsWall"], f"the sidebar's place shows the board {where}"
            # a large QR code (≥ 300 px at 1080p, the same on the wall at 720p), a large code and address
            assert m["qr"]["w"] >= least_qr and m["qr"]["h"] == m["qr"]["w"], (m["qr"], where)
            assert m["code"] == code and m["codePx"] >= 48, (m["codePx"], where)
            assert m["link"].endswith(f"?class={code}") and m["linkPx"] >= (26 if height >= 1080 else 20), where
            # everything the room reads is ≥ 20 px
            assert not m["small"], (m["small"], where)
            # 30 students on one screen: inside the screen, beside the join column, not scrolling, no overlaps
            tiles = m["tiles"]
            assert len(tiles) == STUDENTS and not m["scrolls"], where
            right = m["join"]["x"] + m["join"]["w"]
            for t in tiles:
                b = t["box"]
                assert b["x"] >= right and b["y"] >= 0 and b["x"] + b["w"] <= width + 0.5 \
                    and b["y"] + b["h"] <= height + 0.5, (t["name"], b, where)
                assert t["thumb"]["w"] >= 24, (t["thumb"], where)
            boxes = sorted((t["box"]["y"], t["box"]["x"], t["box"]["w"], t["box"]["h"]) for t in tiles)
            for (y1, x1, w1, h1), (y2, x2, w2, h2) in zip(boxes, boxes[1:]):
                assert y2 >= y1 + h1 - 0.5 or x2 >= x1 + w1 - 0.5 or x1 >= x2 + w2 - 0.5, where
            # labelled numbers that agree with the ranking
            ranking = m["ranking"]
            assert [r["place"] for r in ranking] == [f"#{i + 1}" for i in range(SUBMITTING)], where
            by_seat = {t["seat"]: t for t in tiles}
            for place, row in enumerate(ranking, start=1):
                tile = by_seat[row["seat"]]
                assert tile["rank"] == place and tile["name"] == row["name"], (tile, row, where)
                assert row["labels"] == ["params", f"reached {TARGET}% at epoch"], row
                params, reached = (int(v.replace(",", "")) for v in row["values"])
                assert int(tile["numbers"]["params"].replace(",", "")) == params, (tile, row)
                assert int(tile["numbers"]["epoch"].replace(",", "")) >= reached, (tile, row)
            assert sum(1 for t in tiles if t["rank"]) == SUBMITTING
            if m["layout"] != "rows":                    # (rows say the labels once, in their column heads)
                assert all(t["labels"] == ["test acc.", "epoch", "params"] for t in tiles), tiles[0]
            else:
                heads = page.evaluate("() => [...document.querySelector('.snb-row-head').children]"
                                      ".map((s) => s.textContent)")
                assert heads == ["", "Name", "Test acc.", "Epoch", "Params"], heads
        page.get_by_role("button", name="Leave projector view").click()
        page.wait_for_selector(".snb-wall", state="detached", timeout=20_000)
        teacher.settle()
        assert page.get_by_role("button", name="Send setup to class").count() == 1
    finally:
        crowd.close()
        page.context.close()
    assert not crowd.errors, crowd.errors
    assert not teacher.errors, teacher.errors


def choose_every_control(teacher) -> None:
    """Hide these controls: "Select all", as a teacher tries first."""
    teacher.page.locator(".st-key-class_hide input[role='combobox']").click()
    teacher.page.get_by_role("option", name="Select all").click()
    teacher.page.keyboard.press("Escape")
    teacher.settle()


def test_a_setup_hiding_every_control_reaches_two_students(browser, app_url):
    teacher, code = teacher_starts(browser, app_url, LESSON, width=1400, height=1000)
    students = [student_joins(browser, app_url, code, name) for name in ("Ana", "Bo")]
    try:
        choose_every_control(teacher)
        chosen = teacher.page.locator(".st-key-class_hide [data-tag]").count()
        assert chosen == len(EVERY_CONTROL), chosen
        teacher.click("Send setup to class")
        for s in students:
            s.wait_setup()
            assert LESSON.config.describe() in s.text
            sidebar = s.page.locator('[data-testid="stSidebar"]')
            knobs = sidebar.locator(KNOB_WIDGETS)
            assert knobs.count() == 0, sidebar.inner_text()
            s.click("Play")
            s.page.wait_for_function(f"() => ({READ_EPOCH})() > 0", timeout=30_000)
        teacher.settle()
        assert teacher.page.locator(ERROR).count() == 0, "nothing for the teacher to fix"
        teacher.click("Set challenge")
        for s in students:
            s.wait_text("Challenge:", timeout=30)
        teacher.settle()
        assert teacher.page.locator(ERROR).count() == 0
        teacher.page.wait_for_selector(".snb-challenge:not([hidden])", timeout=20_000)
    finally:
        for p in (teacher, *students):
            p.page.context.close()
    errors = [e for p in (teacher, *students) for e in p.errors]
    assert not errors, errors
