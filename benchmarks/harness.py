"""What the browser benchmarks share: the app on a free 127.0.0.1 port, and Debian's Chromium.

Kept free of pytest so a benchmark runs as a plain script; tests/browser/conftest.py has the
pytest flavour of the same two things.
"""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run", "--disable-quic"]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _healthy(url: str) -> bool:
    try:
        with urllib.request.build_opener(urllib.request.ProxyHandler({})).open(url, timeout=2) as resp:
            return resp.status == 200
    except OSError:
        return False


@contextlib.contextmanager
def serve_app(*extra_args: str, timeout: float = 60.0, app: Path = ROOT / "app.py",
              env: dict[str, str] | None = None) -> Iterator[tuple[str, subprocess.Popen]]:
    """`streamlit run app.py` (or another script) on 127.0.0.1:<free port>, with `env` added to
    its environment; yields (base URL, process); always stopped."""
    port = free_port()
    cmd = [sys.executable, "-m", "streamlit", "run", str(app), "--server.address", "127.0.0.1",
           "--server.port", str(port), "--server.headless", "true", "--browser.gatherUsageStats", "false",
           *extra_args]
    environment = {**os.environ, "PYTHONPATH": str(ROOT), "PYTHONUNBUFFERED": "1", **(env or {})}
    with tempfile.TemporaryFile() as log:
        proc = subprocess.Popen(cmd, cwd=ROOT, env=environment, stdout=log, stderr=subprocess.STDOUT,
                                stdin=subprocess.DEVNULL, start_new_session=True)
        try:
            url = f"http://127.0.0.1:{port}/"
            deadline = time.monotonic() + timeout
            while not _healthy(url + "_stcore/health"):
                if proc.poll() is not None or time.monotonic() > deadline:
                    log.seek(0)
                    raise RuntimeError("the app did not start:\n" + log.read().decode(errors="replace")[-3000:])
                time.sleep(0.1)
            yield url, proc
        finally:
            for sig in (signal.SIGTERM, signal.SIGKILL):
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(proc.pid, sig)
                try:
                    proc.wait(timeout=10)
                    break
                except subprocess.TimeoutExpired:
                    continue


def launch_chromium(playwright):
    return playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)


def wait_for_chart(page, key: str = "boundary_chart", timeout: float = 30_000) -> float:
    """Wait until the keyed live chart has drawn; return performance.now() at that moment (ms
    since the page's navigation started)."""
    return page.wait_for_function(
        """(key) => {
            const svg = document.querySelector(`.st-key-${key} .snlc-plot .main-svg`);
            return svg ? performance.now() : false;
        }""", arg=key, timeout=timeout, polling="raf").json_value()


# The Playground's live numbers (ui/live_metrics.py): one tile per label.
READ_METRIC = """(label) => {
  const value = document.querySelector(`.snm-item[data-label="${label}"] .snm-value`);
  return value ? value.textContent : null;
}"""
READ_EPOCH = """() => {
  const value = document.querySelector('.snm-item[data-label="Epoch"] .snm-value');
  return value ? parseInt(value.textContent.replace(/,/g, '')) : -1;
}"""


def metric(page, label: str) -> str | None:
    """The text of one of the Playground's live numbers, or None if it is not shown."""
    return page.evaluate(READ_METRIC, label)


def epoch(page) -> int:
    """The epoch the Playground shows (-1 before its numbers are up)."""
    return page.evaluate(READ_EPOCH)
