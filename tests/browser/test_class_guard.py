"""A teacher who reloads the page is still the teacher, in a real browser: the page keeps the class's key in a
cookie (SameSite=Strict, readable by nothing but this site's pages), the new session reads it, the board is
back; another browser gets nothing; ending the class makes the browser forget it. And a student whose name is
markdown shows up on the board and in the teacher's toast as typed, loading nothing from elsewhere."""

from __future__ import annotations

import contextlib
import re

from scratchnet.config import Config
from tests.browser.class_people import person, student_joins, teacher_starts
from tests.browser.harness import wait_for_app

TEACHER_COOKIE = "scratchnet_teacher"


def test_a_teacher_who_reloads_keeps_the_class_and_a_name_is_text(browser, app_url):
    from playwright.sync_api import TimeoutError as PlaywrightTimeout

    teacher, code = teacher_starts(browser, app_url, Config())
    teacher.page.wait_for_function("(name) => document.cookie.includes(name + '=')", arg=TEACHER_COOKIE,
                                   timeout=30_000)
    (cookie,) = [c for c in teacher.page.context.cookies() if c["name"] == TEACHER_COOKIE]
    assert cookie["sameSite"] == "Strict" and cookie["value"].startswith(code + ".") and cookie["path"] == "/"
    assert cookie["expires"] > 0, "kept for a school day, not only this tab's life"

    requests: list[str] = []
    teacher.page.on("request", lambda r: requests.append(r.url))
    name = "![](//evil.example/x)"
    student = student_joins(browser, app_url, code, name)
    teacher.page.wait_for_function("(n) => [...document.querySelectorAll('.snb-name')].some((e) => "
                                   "e.textContent === n)", arg=name, timeout=30_000)

    missing: list[str] = []
    teacher.page.on("response", lambda r: missing.append(r.url) if r.status == 404 else None)
    teacher.page.reload()
    wait_for_app(teacher.page)
    teacher.page.wait_for_selector(".snb-board", timeout=30_000)
    assert re.search(rf"Class\s+{code}", teacher.text), "the reloaded page is the class's teacher page"
    teacher.page.wait_for_function("(n) => [...document.querySelectorAll('.snb-name')].some((e) => "
                                   "e.textContent === n)", arg=name, timeout=30_000)

    # the student's name, in the teacher's toast when removed: text, and nothing loaded from elsewhere
    teacher.page.get_by_text("Students (1)").click()
    teacher.page.locator('[data-testid="stDataFrame"]').wait_for(timeout=30_000)
    remove = teacher.page.get_by_role("button", name=re.compile("Remove selected"))
    selected = teacher.page.locator('[data-testid="stDataFrame"] tr[aria-selected="true"]')   # (its a11y table)
    for _ in range(10):                 # the first row's selection box (the table draws on a canvas)
        box = teacher.page.locator('[data-testid="stDataFrame"] canvas').first.bounding_box()
        teacher.page.mouse.click(box["x"] + 15, box["y"] + 52)
        with contextlib.suppress(PlaywrightTimeout):
            selected.wait_for(timeout=2000)     # clicked again only if not selected: a second click unselects
            break
    teacher.page.wait_for_function("() => [...document.querySelectorAll('button')].some((b) => "
                                   "b.innerText.includes('Remove selected (1)') && !b.disabled)", timeout=30_000)
    remove.click()
    toast = teacher.page.locator('[data-testid="stToast"]')
    toast.wait_for(timeout=30_000)
    assert name in toast.inner_text() and not toast.locator("img, a").count()
    assert not [u for u in requests if "evil.example" in u]

    other = person(browser, "stranger")                              # another browser: no cookie, no class
    other.page.goto(app_url)
    other.settle()
    other.go("classroom")
    other.page.get_by_role("button", name="Start a class").wait_for(timeout=30_000)

    teacher.page.get_by_role("button", name="End class").click()
    teacher.page.get_by_role("button", name="End the class now").click()
    teacher.page.get_by_role("button", name="Start a class").wait_for(timeout=30_000)
    teacher.page.wait_for_function("(name) => !document.cookie.includes(name + '=')", arg=TEACHER_COOKIE,
                                   timeout=30_000)
    teacher.page.reload()
    wait_for_app(teacher.page)
    teacher.page.get_by_role("button", name="Start a class").wait_for(timeout=30_000)
    # Reloading a page's own address (/classroom) makes Streamlit's frontend probe /classroom/_stcore/...
    # first (404s, then it finds the server): Streamlit's, not the class's, and only those
    assert all("/classroom/_stcore/" in url for url in missing), missing
    teacher.errors = [e for e in teacher.errors if "status of 404" not in e]
    for who in (teacher, student, other):
        assert not who.errors, who.errors
        who.page.context.close()
