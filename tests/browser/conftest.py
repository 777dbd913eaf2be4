"""Fixtures for real-browser tests: a Streamlit server in a subprocess + headless Chromium.

The machinery is tests/browser/harness.py (shared with benchmarks/); this file wraps it for pytest.

Fixtures
--------
streamlit_server (session)
    ``with streamlit_server(script, extra_args=(), env=None) as base_url: ...``: the harness's
    :func:`serve_app`, yielding the base URL only. It ends with "/" (and includes
    ``--server.baseUrlPath`` if given).
browser (session)
    Playwright (sync API) Chromium from /usr/bin/chromium, headless.
page
    A fresh context + page. Console errors and uncaught page errors are collected
    in ``page.console_errors``; the test fails at teardown if any are left. Clear
    the list, or mark the test ``@pytest.mark.expect_console_errors``, when they
    are expected. On a failed test a screenshot is saved.
wait_for_app, screenshot_path
    The helpers, as fixtures (no need to import this conftest).

Tests are skipped, not failed, when /usr/bin/chromium or playwright is missing.
Screenshots go to <project root>/artifacts/screenshots/ (git-ignored).
"""

from __future__ import annotations

import contextlib
import re
from collections.abc import Iterator, Mapping, Sequence
from pathlib import Path
from typing import Any

import pytest

from tests.browser.harness import APP, CHROMIUM, ROOT, launch_chromium, serve_app, wait_for_app

SCREENSHOT_DIR = ROOT / "artifacts" / "screenshots"


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Every test under tests/browser/ gets the ``browser`` marker (``-m "not browser"``)."""
    here = Path(__file__).resolve().parent
    for item in items:
        if here in Path(str(item.path)).resolve().parents:
            item.add_marker(pytest.mark.browser)


@pytest.hookimpl(wrapper=True, tryfirst=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[Any]):
    report = yield
    setattr(item, f"rep_{report.when}", report)
    return report


def screenshot_path(name: str) -> Path:
    """``artifacts/screenshots/<name>.png`` under the project root (folder created)."""
    SCREENSHOT_DIR.mkdir(parents=True, exist_ok=True)
    safe = re.sub(r"[^A-Za-z0-9_.-]+", "_", name).strip("_") or "screenshot"
    return SCREENSHOT_DIR / (safe if safe.endswith(".png") else f"{safe}.png")


@contextlib.contextmanager
def streamlit_url(script: str | Path, extra_args: Sequence[str] = (), env: Mapping[str, str] | None = None,
                  **options: Any) -> Iterator[str]:
    """:func:`serve_app`, yielding the base URL only (a server that does not start raises RuntimeError
    with its output)."""
    with serve_app(script, extra_args, env, **options) as (url, _):
        yield url


# ---------------------------------------------------------------- fixtures


@pytest.fixture(scope="session", name="screenshot_path")
def screenshot_path_fixture():
    return screenshot_path


@pytest.fixture(scope="session", name="wait_for_app")
def wait_for_app_fixture():
    return wait_for_app


@pytest.fixture(scope="session")
def streamlit_server():
    """The :func:`streamlit_url` context manager (usable from any fixture scope)."""
    return streamlit_url


@pytest.fixture(scope="module")
def app_url(streamlit_server):
    """The whole app (app.py) on a server of this test module's own."""
    with streamlit_server(APP) as url:
        yield url


@pytest.fixture(scope="session")
def chromium_installed() -> None:
    """Skip (not fail) where Debian's Chromium or Playwright is missing."""
    if not CHROMIUM.exists():
        pytest.skip(f"{CHROMIUM} is missing (apt-get install chromium)")
    pytest.importorskip("playwright.sync_api", reason="playwright (Python) is not installed")


@pytest.fixture(scope="session")
def browser(chromium_installed):
    from playwright.sync_api import Error as PlaywrightError
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        try:
            chromium = launch_chromium(pw)
        except PlaywrightError as exc:  # a browser that cannot start is an environment issue
            pytest.skip(f"could not launch {CHROMIUM}: {exc}")
        try:
            yield chromium
        finally:
            chromium.close()


@pytest.fixture
def page(browser, request):
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    pg = context.new_page()
    errors: list[str] = []

    def on_console(msg: Any) -> None:
        if msg.type == "error":
            loc = msg.location or {}
            errors.append(f"console.error: {msg.text} ({loc.get('url', '')}:{loc.get('lineNumber', '')})")

    pg.on("console", on_console)
    pg.on("pageerror", lambda exc: errors.append(f"pageerror: {exc}"))
    pg.console_errors = errors
    try:
        yield pg
    finally:
        failed = getattr(request.node, "rep_call", None)
        if failed is not None and failed.failed:
            with contextlib.suppress(Exception):
                pg.screenshot(path=str(screenshot_path(f"FAILED-{request.node.name}")), full_page=True)
        context.close()
    if errors and request.node.get_closest_marker("expect_console_errors") is None:
        pytest.fail("browser console errors:\n" + "\n".join(errors), pytrace=False)
