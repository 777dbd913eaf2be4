"""Fixtures for real-browser tests: a Streamlit server in a subprocess + headless Chromium.

Fixtures
--------
streamlit_server (session)
    The :func:`run_streamlit` context manager:
    ``with streamlit_server(script, extra_args=(), env=None) as base_url: ...``.
    ``base_url`` ends with "/" (and includes ``--server.baseUrlPath`` if given).
browser (session)
    Playwright (sync API) Chromium from /usr/bin/chromium, headless.
page
    A fresh context + page. Console errors and uncaught page errors are collected
    in ``page.console_errors``; the test fails at teardown if any are left. Clear
    the list, or mark the test ``@pytest.mark.expect_console_errors``, when they
    are expected. On a failed test a screenshot is saved.
wait_for_app, free_port, screenshot_path
    The helpers below, as fixtures (no need to import this conftest).

Tests are skipped, not failed, when /usr/bin/chromium or playwright is missing.
Screenshots go to <project root>/artifacts/screenshots/ (git-ignored).
"""

from __future__ import annotations

import contextlib
import os
import re
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from collections.abc import Iterator, Mapping, Sequence
from pathlib import Path
from typing import Any

import pytest

PROJECT_ROOT = Path(__file__).resolve().parents[2]
SCREENSHOT_DIR = PROJECT_ROOT / "artifacts" / "screenshots"
CHROMIUM_PATH = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]
SERVER_START_TIMEOUT = 60.0


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers", "expect_console_errors: do not fail the test on browser console errors"
    )
    config.addinivalue_line("markers", "browser: drives headless Chromium against a real server (slow)")


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


# ---------------------------------------------------------------- helpers


def free_port() -> int:
    """A TCP port on 127.0.0.1 that was free a moment ago."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def screenshot_path(name: str) -> Path:
    """``artifacts/screenshots/<name>.png`` under the project root (folder created)."""
    SCREENSHOT_DIR.mkdir(parents=True, exist_ok=True)
    safe = re.sub(r"[^A-Za-z0-9_.-]+", "_", name).strip("_") or "screenshot"
    return SCREENSHOT_DIR / (safe if safe.endswith(".png") else f"{safe}.png")


def _base_url_path(extra_args: Sequence[str]) -> str:
    args = list(extra_args)
    for i, arg in enumerate(args):
        if arg.startswith("--server.baseUrlPath="):
            value = arg.split("=", 1)[1]
        elif arg == "--server.baseUrlPath" and i + 1 < len(args):
            value = args[i + 1]
        else:
            continue
        value = value.strip("/")
        return f"/{value}/" if value else "/"
    return "/"


_NO_PROXY = urllib.request.build_opener(urllib.request.ProxyHandler({}))


def _http_ok(url: str) -> bool:
    try:
        with _NO_PROXY.open(url, timeout=2) as resp:
            return resp.status == 200
    except (urllib.error.URLError, OSError):
        return False


def _stop_process_group(proc: subprocess.Popen[bytes]) -> None:
    if proc.poll() is not None:
        return
    # The server was started with start_new_session=True: its pid is its group id.
    for sig, wait in ((signal.SIGTERM, 10.0), (signal.SIGKILL, 5.0)):
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, sig)
        try:
            proc.wait(timeout=wait)
            return
        except subprocess.TimeoutExpired:
            continue


@contextlib.contextmanager
def run_streamlit(
    script_path: str | os.PathLike[str],
    extra_args: Sequence[str] = (),
    env: Mapping[str, str] | None = None,
    *,
    cwd: str | os.PathLike[str] | None = None,
    timeout: float = SERVER_START_TIMEOUT,
) -> Iterator[str]:
    """Run ``streamlit run script`` on 127.0.0.1:<free port>; yield its base URL.

    ``cwd`` defaults to the project root, so the project's .streamlit/config.toml
    applies; the project root is put first on PYTHONPATH so an app copied
    elsewhere can still import the project's packages. ``env`` entries are
    added to (and override) the current environment. The server's process
    group is always terminated on exit.
    """
    port = free_port()
    cmd = [
        sys.executable, "-m", "streamlit", "run", str(script_path),
        "--server.address", "127.0.0.1",
        "--server.port", str(port),
        "--server.headless", "true",
        "--browser.gatherUsageStats", "false",
        *extra_args,
    ]
    proc_env = dict(os.environ)
    proc_env["PYTHONPATH"] = os.pathsep.join(
        p for p in (str(PROJECT_ROOT), proc_env.get("PYTHONPATH", "")) if p
    )
    proc_env.setdefault("PYTHONUNBUFFERED", "1")
    if env:
        proc_env.update(env)
    base_url = f"http://127.0.0.1:{port}{_base_url_path(extra_args)}"

    with tempfile.TemporaryFile() as log:
        proc = subprocess.Popen(
            cmd,
            cwd=str(cwd or PROJECT_ROOT),
            env=proc_env,
            stdin=subprocess.DEVNULL,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )

        def output() -> str:
            log.flush()
            log.seek(0)
            return log.read().decode("utf-8", "replace")[-6000:]

        try:
            deadline = time.monotonic() + timeout
            while not _http_ok(base_url + "_stcore/health"):
                if proc.poll() is not None:
                    pytest.fail(
                        f"streamlit exited with {proc.returncode} before answering "
                        f"/_stcore/health.\ncmd: {cmd}\noutput:\n{output()}"
                    )
                if time.monotonic() > deadline:
                    pytest.fail(
                        f"streamlit did not answer {base_url}_stcore/health within "
                        f"{timeout:.0f} s.\ncmd: {cmd}\noutput:\n{output()}"
                    )
                time.sleep(0.1)
            proc.server_output = output  # type: ignore[attr-defined]
            yield base_url
        finally:
            _stop_process_group(proc)


def wait_for_app(page: Any, timeout: float = 30_000, selector: str | None = None) -> None:
    """Wait until the Streamlit app is connected and finished a script run.

    Done means: ``[data-testid="stApp"]`` is there, connected, its script state
    is ``notRunning``, and no status widget (running man) is shown. Apps with a
    polling fragment flip between running/notRunning; this waits for a moment
    when it is not running. ``selector``, if given, must also be attached.
    """
    page.wait_for_selector('[data-testid="stApp"]', state="attached", timeout=timeout)
    page.wait_for_function(
        """() => {
            const app = document.querySelector('[data-testid="stApp"]');
            if (!app) return false;
            if (app.getAttribute('data-test-connection-state') !== 'CONNECTED') return false;
            if (app.getAttribute('data-test-script-state') !== 'notRunning') return false;
            return !document.querySelector('[data-testid="stStatusWidget"]');
        }""",
        timeout=timeout,
    )
    if selector:
        page.wait_for_selector(selector, state="attached", timeout=timeout)


# ---------------------------------------------------------------- fixtures


@pytest.fixture(scope="session", name="free_port")
def free_port_fixture():
    return free_port


@pytest.fixture(scope="session", name="screenshot_path")
def screenshot_path_fixture():
    return screenshot_path


@pytest.fixture(scope="session", name="wait_for_app")
def wait_for_app_fixture():
    return wait_for_app


@pytest.fixture(scope="session")
def streamlit_server():
    """The :func:`run_streamlit` context manager (usable from any fixture scope)."""
    return run_streamlit


@pytest.fixture(scope="session")
def browser():
    if not CHROMIUM_PATH.exists():
        pytest.skip(f"{CHROMIUM_PATH} is missing (apt-get install chromium)")
    try:
        from playwright.sync_api import Error as PlaywrightError
        from playwright.sync_api import sync_playwright
    except ImportError as exc:
        pytest.skip(f"playwright (Python) is not installed: {exc}")
    with sync_playwright() as pw:
        try:
            chromium = pw.chromium.launch(
                executable_path=str(CHROMIUM_PATH), headless=True, args=CHROMIUM_ARGS
            )
        except PlaywrightError as exc:  # a browser that cannot start is an environment issue
            pytest.skip(f"could not launch {CHROMIUM_PATH}: {exc}")
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
