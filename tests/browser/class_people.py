"""A teacher and students in real browsers, each in a browser context of their own (their own cookies,
their own Streamlit session), as tests/browser/test_class_lesson.py and test_class_replicas.py run them.

Every person records the console errors, uncaught errors and dialogs of their page; a lesson ends with
none. Free of pytest.
"""

from __future__ import annotations

import re
import time
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlencode, urlparse

from scratchnet.config import Setup
from tests.browser.harness import CONTROLS_UP, NAV_LINK, metric, wait_for_app, wait_for_chart

TILE = ".snb-tile"
SETUP_NOTE = "Your teacher changed the setup"


@dataclass
class Person:
    who: str
    page: Any
    errors: list[str] = field(default_factory=list)

    @property
    def text(self) -> str:
        return self.page.inner_text("body")

    def settle(self) -> None:
        """The page ran, and its pictures have loaded (leaving a page while Streamlit's images load
        gets them a 404 in the console, whoever's page it is)."""
        wait_for_app(self.page)
        self.page.wait_for_function("() => [...document.images].every((i) => i.complete)", timeout=30_000)
        wait_for_app(self.page)

    def go(self, path: str) -> None:
        """To another page through the menu."""
        self.page.locator(NAV_LINK.format(path=path)).first.click()
        # The page's own path, not a pattern: "**/*" (the Playground's, path "") matched the page it left.
        self.page.wait_for_url(lambda url: urlparse(url).path.split("/")[-1] == path, timeout=30_000)
        self.settle()

    def wait_text(self, text: str, timeout: float = 30.0) -> float:
        """Seconds until the page shows `text`."""
        start = time.monotonic()
        self.page.wait_for_function("(t) => document.body.innerText.includes(t)", arg=text, timeout=timeout * 1000)
        return time.monotonic() - start

    def wait_setup(self, timeout: float = 30.0) -> None:
        """The teacher's setup is on the page itself: the live element's banner says so first (the setup comes
        over its socket, classroom/setup_push.py), and the page run that brings the controls along follows;
        its note is in the class badge."""
        self.page.wait_for_function("(t) => [...document.querySelectorAll('.st-key-class_badge')]"
                                    ".some((badge) => badge.innerText.includes(t))", arg=SETUP_NOTE,
                                    timeout=timeout * 1000)
        self.settle()

    def click(self, name: str) -> None:
        self.page.get_by_role("button", name=name, exact=True).first.click()


def person(browser, who: str, width: int = 1400, height: int = 1000, context: dict | None = None) -> Person:
    """Someone with a browser context of their own: a window of `width`×`height`, or `context`'s settings (a
    phone's: touch, its User-Agent)."""
    context = browser.new_context(**(context or {"viewport": {"width": width, "height": height}}))
    page = context.new_page()
    found = Person(who, page)
    page.on("console", lambda m: found.errors.append(f"{who} console: {m.text}") if m.type == "error" else None)
    page.on("pageerror", lambda e: found.errors.append(f"{who} page error: {e}"))

    def dialog(d) -> None:
        found.errors.append(f"{who} dialog: {d.message}")
        d.dismiss()

    page.on("dialog", dialog)
    return found


def teacher_starts(browser, url: str, cfg: Setup | None, **size) -> tuple[Person, str]:
    """A teacher sets up their Playground with `cfg` (None: as it opens), opens the Classroom page, starts a class."""
    teacher = person(browser, "teacher", **size)
    teacher.page.goto(url + ("?" + urlencode(cfg.to_query()) if cfg else ""))
    wait_for_chart(teacher.page, timeout=60_000)
    teacher.page.wait_for_selector(CONTROLS_UP, state="attached", timeout=30_000)   # the controls are up
    teacher.settle()
    teacher.go("classroom")
    teacher.click("Start a class")
    teacher.page.wait_for_selector(".snb-board", timeout=60_000)
    teacher.settle()
    code = re.search(r"Class\s+([A-Z0-9]{6})", teacher.text).group(1)
    return teacher, code


def student_joins(browser, url: str, code: str, name: str, by_link: bool = True) -> Person:
    """A student opens the join link (or the Classroom page, and types the code), enters a name, joins."""
    student = person(browser, name)
    if by_link:
        student.page.goto(f"{url}?class={code}")
        student.settle()
    else:
        student.page.goto(url)
        wait_for_chart(student.page, timeout=60_000)
        student.page.wait_for_selector(CONTROLS_UP, state="attached", timeout=30_000)
        student.settle()
        student.go("classroom")
        student.page.get_by_role("textbox", name="Class code").fill(code.lower())
    student.page.get_by_role("textbox", name="Your name").fill(name)
    student.click("Join")
    student.page.wait_for_selector(".st-key-class_badge", timeout=30_000)
    wait_for_chart(student.page, timeout=60_000)
    student.settle()
    return student


def tiles(teacher: Person) -> list[dict]:
    """The board's tiles in the order shown: name, the numbers' text, frames drawn."""
    return teacher.page.evaluate("""() => [...document.querySelectorAll('.snb-tile')].map((t) => ({
        name: t.querySelector('.snb-name').textContent, numbers: t.querySelector('.snb-numbers').textContent,
        frames: +(t.dataset.frames || 0), playing: t.dataset.playing === 'true', seat: t.dataset.seat}))""")


def accuracy(student: Person) -> float:
    """The test accuracy the student's Playground shows (0 before it shows one)."""
    text = metric(student.page, "Test accuracy") or ""
    return float(text.rstrip("%")) / 100 if re.fullmatch(r"[\d.]+%", text) else 0.0
