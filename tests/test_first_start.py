"""The first start of a fresh checkout says only that it is serving: no warning a newcomer reads as a failure.

`streamlit run app.py` from the project's root, one page session with a live socket (the page runs, the
plotly.js it asks for is served, its HTML pages carry the pages' CSS), then the server's whole output is read: the
start-up banner, nothing else.
"""

from __future__ import annotations

import re
import subprocess
import sys
import time
import urllib.request

import pytest

from tests.browser.harness import ROOT, free_port
from tests.protocol_client import check_server, run_in_own_loop
from ui.assets import PLOTLY_JS_NAME
from ui.theme import PAGE_CSS, PAGE_SCRIPT

pytestmark = pytest.mark.slow          # a real server: not in the quick loop

BANNER = re.compile(r"^(You can now view your Streamlit app in your browser\.|URL: http://127\.0\.0\.1:\d+/?)$")


def test_a_first_start_logs_its_banner_and_nothing_else(tmp_path):
    port = free_port()
    log = tmp_path / "server.log"
    cmd = [sys.executable, "-m", "streamlit", "run", "app.py", "--server.address", "127.0.0.1",
           "--server.port", str(port)]
    with log.open("wb") as out:
        proc = subprocess.Popen(cmd, cwd=ROOT, stdout=out, stderr=subprocess.STDOUT, start_new_session=True)
    url = f"http://127.0.0.1:{port}/"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                if urllib.request.urlopen(url + "_stcore/health", timeout=2).read() == b"ok":
                    break
            except OSError:
                pass
            assert proc.poll() is None and time.monotonic() < deadline, log.read_text()
            time.sleep(0.1)
        summary = run_in_own_loop(check_server(url, frames=3), 120)
        assert summary["frames"] >= 3, summary
        assert urllib.request.urlopen(url + "app/static/" + PLOTLY_JS_NAME, timeout=10).status == 200
        for path in ("", "compare"):      # the front page, and a page's own path (which Streamlit compresses)
            asked = urllib.request.Request(url + path, headers={"Accept-Encoding": "gzip"})
            head = f"<style>{PAGE_CSS}</style><script>{PAGE_SCRIPT}</script></head>"
            assert head in urllib.request.urlopen(asked, timeout=10).read().decode()
    finally:
        proc.terminate()
        proc.wait(timeout=30)
    lines = [line.strip() for line in log.read_text().splitlines() if line.strip()]
    unexpected = [line for line in lines if not BANNER.match(line) and line != "Stopping..."]
    assert not unexpected, "\n".join(lines)
