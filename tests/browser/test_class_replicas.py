"""One class on two replicas: a real redis-server (tests/redis_server.py) and two `streamlit run app.py`
processes with REDIS_URL, as deploy/compose.yaml runs them. The teacher's browser talks to one replica,
the students' to the other (and one to the teacher's): the join link, a setup sent, the board's live
tiles and a challenge's submissions all cross between them, through Redis only.

Skipped where redis-server is missing (apt-get install -y redis-server, as the README's test command does).
"""

from __future__ import annotations

import contextlib
import time
from urllib.parse import urlencode

import pytest
import redis

from scratchnet.config import Setup
from tests.browser.class_people import SETUP_NOTE, accuracy, student_joins, teacher_starts, tiles
from tests.browser.harness import APP, serve_app
from tests.redis_server import find_redis_server, redis_server

LESSON = Setup().replace(dataset="xor", hidden=(4,), activation="tanh", lr=0.1, epochs=100_000, speed="max")


@pytest.fixture(scope="module")
def replicas():
    if find_redis_server() is None:
        pytest.skip("redis-server is not installed (Debian: apt-get install -y redis-server)")
    with contextlib.ExitStack() as stack:
        url = stack.enter_context(redis_server())
        one, _ = stack.enter_context(serve_app(APP, env={"REDIS_URL": url}))
        two, _ = stack.enter_context(serve_app(APP, env={"REDIS_URL": url}))
        yield one, two, url


def test_a_class_spans_two_replicas(browser, replicas, screenshot_path):
    one, two, redis_url = replicas
    assert one != two
    teacher, code = teacher_starts(browser, one, LESSON)
    ana = student_joins(browser, two, code, "Ana")                   # the other replica
    bo = student_joins(browser, one, code, "Bo")                     # the teacher's replica
    cy = student_joins(browser, two, code, "Cy", by_link=False)      # the other, code typed
    students = (ana, bo, cy)
    teacher.page.wait_for_function("() => document.querySelectorAll('.snb-tile').length === 3", timeout=20_000)

    sent = time.monotonic()
    teacher.click("Send setup to class")
    for s in students:
        s.wait_text(SETUP_NOTE, timeout=20)
    took = time.monotonic() - sent
    print(f"the setup reached the students on both replicas {took:.2f} s after the click")
    assert took < 10
    for s in students:
        s.settle()
        assert LESSON.config.describe() in s.text
        s.click("Play")
    time.sleep(2.0)                       # every tile keeps changing; how often is bench_class's figure (four
    before = {t["name"]: t["frames"] for t in tiles(teacher)}    # Chromium pages, two replicas, nginx and Redis
    time.sleep(4.0)                                              # share two cores here)
    after = {t["name"]: t for t in tiles(teacher)}
    for name, frames in before.items():
        assert after[name]["frames"] - frames >= 2 and after[name]["playing"], (name, frames, after[name])
    teacher.page.screenshot(path=str(screenshot_path("replicas-teacher-board")))

    teacher.click("Set challenge")                                   # 90% on xor, fewest parameters
    ana.wait_text("Challenge:", timeout=20)
    ana.settle()
    if "Pause" not in ana.text:
        ana.click("Play")
    deadline = time.monotonic() + 90
    while accuracy(ana) < 0.92 and time.monotonic() < deadline:
        time.sleep(0.3)
    ana.click("Submit my run")
    ana.wait_text("It is on the board", timeout=20)
    assert "It is on the board" in ana.text
    teacher.page.wait_for_function("() => document.querySelectorAll('.snb-ranking tr').length === 2", timeout=20_000)
    assert "Ana" in teacher.page.inner_text(".snb-ranking")

    teacher.page.get_by_role("button", name="End class").click()
    teacher.page.get_by_role("button", name="End the class now").click()
    for s in students:
        s.wait_text(f"Class {code} has ended", timeout=20)
    assert list(redis.Redis.from_url(redis_url).scan_iter(f"sn:{{{code}}}:*")) == [], "nothing of it left in Redis"
    errors = [e for p in (teacher, *students) for e in p.errors]
    for p in (teacher, *students):
        p.page.context.close()
    assert not errors, errors


def test_a_redis_that_cannot_be_reached_is_said_in_words_and_playing_alone_works(browser):
    from tests.browser.class_people import person
    from tests.browser.harness import CONTROLS_UP, epoch, free_port, wait_for_chart

    nowhere = f"redis://127.0.0.1:{free_port()}/0"                   # nothing listens there
    with serve_app(APP, env={"REDIS_URL": nowhere}) as (url, _):
        learner = person(browser, "learner")
        learner.page.goto(url + "?" + urlencode(Setup().replace(speed="max", epochs=100_000).to_query()))
        wait_for_chart(learner.page, timeout=60_000)
        learner.page.wait_for_selector(CONTROLS_UP, state="attached", timeout=30_000)
        learner.settle()
        learner.click("Play")
        learner.page.wait_for_function("() => +document.querySelector('.snl-item[data-label=\"Epoch\"] .snl-value')"
                                       ".textContent.replace(/,/g, '') > 100", timeout=30_000)
        learner.click("Pause")
        learner.go("classroom")
        learner.wait_text("cannot be reached", timeout=20)
        assert "Playing alone still works" in learner.text and nowhere.split("//")[1].split("/")[0] in learner.text
        learner.go("")
        assert epoch(learner.page) > 100
        learner.page.context.close()
        assert not learner.errors, learner.errors
