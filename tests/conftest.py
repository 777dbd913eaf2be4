"""What every test shares.

Fixtures
--------
apps
    Opens the app under ``streamlit.testing.v1.AppTest``: ``apps.open(query, page="compare")``,
    ``apps.switch(at, "playground")``, ``apps.rerun(at)``. Each opened app has run without an
    exception; every run and sweep it started is paused at teardown (one training thread per
    process serves them all, so a run left playing would slow the next test).
app
    ``apps.open()``: the Playground as a learner first sees it.
eventually
    ``eventually(condition, rerun=at)``: poll until ``condition()`` holds. AppTest never fires a
    fragment's ``run_every``, so with ``rerun`` the script runs again before each check.

Markers: ``browser`` (tests/browser/, real Chromium) and ``perf`` (wall-clock bounds, noisy on a
shared machine). The quick loop leaves both out: ``python -m pytest -m "not browser and not perf"``.
"""

from __future__ import annotations

import contextlib
import os
import time
from collections.abc import Callable, Iterator, Mapping
from pathlib import Path
from typing import TYPE_CHECKING

import pytest
import torch
from _pytest.nodeid import NodeId

if TYPE_CHECKING:  # streamlit is imported only by the tests that open the app
    from streamlit.testing.v1 import AppTest

ROOT = Path(__file__).resolve().parents[1]
APP = ROOT / "navigation.py"       # the frame script: AppTest runs scripts, not app.py's st.App
# The pages' scripts, relative to navigation.py (st.switch_page takes these paths).
PAGES_DIR = "app_pages"
PAGES = {name: f"{PAGES_DIR}/{name}.py"
         for name in ("playground", "under_the_hood", "compare", "lesson", "classroom")}
# AppTest's own default is 3 s; a first run imports torch and plotly, and the suite shares 2 cores.
APPTEST_TIMEOUT = 30


# pytest runs on two workers (pyproject's `-n 2`): a test of one thread used one core of two. What measures time
# or drives Chromium (a browser, its server and the training thread want both cores) runs on one worker, one test
# at a time, first; the other tests run beside it at a lower priority, so they take what it leaves idle.
SERIAL = "serial"
SERIAL_MARKS = ("browser", "perf")
BROWSER_TESTS = Path(__file__).resolve().parent / "browser"     # marked `browser` by their conftest, later
BESIDE_NICENESS = 5      # a little lower: the serial tests keep their pace, an AppTest run stays inside its timeout


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """The serial tests as one group (one worker runs them, one at a time), listed first; every other module a
    group of its own (a module's tests may lean on its fixtures' order)."""
    items.sort(key=lambda item: not _serial(item))      # stable: collection order otherwise
    if os.environ.get("PYTEST_XDIST_WORKER"):
        for item in items:
            _group(item, SERIAL if _serial(item) else item.nodeid.split("::")[0])


def _group(item: pytest.Item, name: str) -> None:
    """What `--dist loadgroup` does for an xdist_group mark: xdist 3.8 renames `item._nodeid`, which pytest 9 no
    longer reads (a node's id is `item._id`), so its groups never formed."""
    item._id = NodeId.parse(f"{item.nodeid}@{name}")


def _serial(item: pytest.Item) -> bool:
    return BROWSER_TESTS in item.path.parents or any(item.get_closest_marker(m) for m in SERIAL_MARKS)


def pytest_runtest_setup(item: pytest.Item) -> None:
    if os.environ.get("PYTEST_XDIST_WORKER"):
        _priority(0 if _serial(item) else BESIDE_NICENESS)


def _priority(niceness: int) -> None:
    """This worker's niceness. Only root may lower it again (as in CI and Docker); elsewhere a worker that ran
    other tests before the serial ones runs them a little lower too."""
    with contextlib.suppress(PermissionError):
        os.setpriority(os.PRIO_PROCESS, 0, niceness)


@pytest.fixture(autouse=True)
def _one_torch_thread():
    """The engine's networks are tiny, so one thread is faster and steadier."""
    before = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(before)


def assert_no_exception(at: AppTest) -> None:
    assert not at.exception, [e.value for e in at.exception]


class Apps:
    """Opens the app (or another script) under AppTest and pauses what it trained afterwards."""

    def __init__(self) -> None:
        self.opened: list[AppTest] = []

    def open(self, query: Mapping[str, str] | None = None, page: str = "playground", *, first: bool = False,
             script: Path = APP) -> AppTest:
        """The app with ``query`` in its address, showing ``page``: reached from the Playground (the
        usual way in) or, with ``first``, as the very first page of the session."""
        from streamlit.testing.v1 import AppTest

        at = AppTest.from_file(str(script), default_timeout=APPTEST_TIMEOUT)
        self.opened.append(at)
        for key, value in (query or {}).items():
            at.query_params[key] = value
        if page == "playground" or not first:
            self.rerun(at)
        if page != "playground":
            self.switch(at, page)
        return at

    def switch(self, at: AppTest, page: str) -> AppTest:
        """Go to another page, as its menu link does."""
        at.switch_page(PAGES[page])
        return self.rerun(at)

    @staticmethod
    def rerun(at: AppTest) -> AppTest:
        at.run()
        assert_no_exception(at)
        return at

    def pause_all(self) -> None:
        for at in self.opened:
            for name in ("run", "sweep"):
                trainer = at.session_state[name] if name in at.session_state else None
                if trainer is not None:
                    trainer.pause()


@pytest.fixture
def apps() -> Iterator[Apps]:
    opened = Apps()
    yield opened
    opened.pause_all()


@pytest.fixture
def app(apps: Apps) -> AppTest:
    return apps.open()


def eventually(condition: Callable[[], object], *, rerun: AppTest | None = None, timeout: float = 15.0,
               interval: float | None = None, what: str = "the condition") -> None:
    """Poll ``condition()`` until it is true, for at most ``timeout`` seconds.

    With ``rerun``, the app's script runs (without an exception) before each check, and once more
    after the check that passed: a background thread may change the state between a rerun and the
    check, and the page must then show the state that was checked. Polls every 0.2 s with reruns
    (time for the training thread between them), every 0.02 s without.
    """
    pause = interval if interval is not None else (0.2 if rerun is not None else 0.02)
    deadline = time.monotonic() + timeout
    while True:
        if rerun is not None:
            Apps.rerun(rerun)
        if condition():
            if rerun is not None:
                Apps.rerun(rerun)
            return
        assert time.monotonic() < deadline, f"{what} was not reached within {timeout:g} s"
        time.sleep(pause)


@pytest.fixture(name="eventually", scope="session")
def eventually_fixture() -> Callable[..., None]:
    return eventually


@pytest.fixture(scope="session")
def redis_url() -> Iterator[str]:
    """A real redis-server for this test session (tests/redis_server.py); skipped where it is missing."""
    from tests.redis_server import find_redis_server, redis_server

    if find_redis_server() is None:
        pytest.skip("redis-server is not installed (Debian: apt-get install -y redis-server)")
    with redis_server() as url:
        yield url
