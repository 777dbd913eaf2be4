"""The app in a real browser: a Streamlit server on a free 127.0.0.1 port, Debian's Chromium, and
readers of what the Playground shows.

One harness for the browser tests (tests/browser/conftest.py wraps it in fixtures) and the browser
benchmarks (benchmarks/*.py import it with the project root on sys.path). Free of pytest, so a
benchmark runs as a plain script.
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
from collections.abc import Iterator, Mapping, Sequence
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
APP = ROOT / "app.py"                          # the st.App: the pages and the live socket
CHROMIUM = Path("/usr/bin/chromium")          # Debian's; Playwright never downloads a browser here
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run", "--disable-quic"]
SERVER_START_TIMEOUT = 60.0
CLOCK_TICKS = 100                              # os.sysconf("SC_CLK_TCK") on Linux


def free_port() -> int:
    """A TCP port on 127.0.0.1 that was free a moment ago."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def base_url_path(extra_args: Sequence[str]) -> str:
    """The URL path the server answers under: "/" or "/<--server.baseUrlPath>/"."""
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


def _healthy(url: str) -> bool:
    try:
        with _NO_PROXY.open(url, timeout=2) as resp:
            return resp.status == 200
    except OSError:
        return False


def _stop_process_group(proc: subprocess.Popen[bytes]) -> None:
    """The server was started with start_new_session=True: its pid is its process group's id."""
    for sig, wait in ((signal.SIGTERM, 10.0), (signal.SIGKILL, 5.0)):
        if proc.poll() is not None:
            return
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, sig)
        with contextlib.suppress(subprocess.TimeoutExpired):
            proc.wait(timeout=wait)


@contextlib.contextmanager
def serve_app(script: str | os.PathLike[str] = APP, extra_args: Sequence[str] = (),
              env: Mapping[str, str] | None = None, *, cwd: str | os.PathLike[str] = ROOT,
              timeout: float = SERVER_START_TIMEOUT, port: int | None = None
              ) -> Iterator[tuple[str, subprocess.Popen[bytes]]]:
    """``streamlit run script`` on 127.0.0.1:<port> (a free one by default: a test that restarts a
    server passes the same port again); yields (base URL ending in "/", process).

    The working folder defaults to the project root, so the project's .streamlit/config.toml applies;
    the project root goes first on PYTHONPATH, so a script copied elsewhere still imports the
    project's packages. ``env`` is added to the environment. The server's process group is always
    stopped on exit. RuntimeError (with the server's output) if it does not answer in time.
    """
    port = port or free_port()
    cmd = [sys.executable, "-m", "streamlit", "run", str(script), "--server.address", "127.0.0.1",
           "--server.port", str(port), "--server.headless", "true", "--browser.gatherUsageStats", "false",
           *extra_args]
    pythonpath = os.pathsep.join(p for p in (str(ROOT), os.environ.get("PYTHONPATH", "")) if p)
    environment = {**os.environ, "PYTHONPATH": pythonpath, "PYTHONUNBUFFERED": "1", **(env or {})}
    url = f"http://127.0.0.1:{port}{base_url_path(extra_args)}"
    with tempfile.TemporaryFile() as log:
        proc = subprocess.Popen(cmd, cwd=str(cwd), env=environment, stdin=subprocess.DEVNULL, stdout=log,
                                stderr=subprocess.STDOUT, start_new_session=True)
        try:
            deadline = time.monotonic() + timeout
            while not _healthy(url + "_stcore/health"):
                if proc.poll() is not None or time.monotonic() > deadline:
                    log.seek(0)
                    output = log.read().decode("utf-8", "replace")[-6000:]
                    state = f"exited with {proc.returncode}" if proc.poll() is not None else f"silent for {timeout:g} s"
                    raise RuntimeError(f"streamlit {state} before answering {url}_stcore/health\n"
                                       f"cmd: {cmd}\noutput:\n{output}")
                time.sleep(0.1)
            yield url, proc
        finally:
            _stop_process_group(proc)


def launch_chromium(playwright: Any) -> Any:
    """Debian's Chromium, headless, through Playwright's sync API."""
    return playwright.chromium.launch(executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS)


def wait_for_app(page: Any, timeout: float = 30_000, selector: str | None = None) -> None:
    """Wait until the Streamlit app is connected and has finished a script run.

    Done means: ``[data-testid="stApp"]`` is there, connected, its script state is ``notRunning``,
    and no status widget (running man) is shown. Apps with a polling fragment flip between
    running and notRunning; this waits for a moment when it is not running. ``selector``, if
    given, must also be attached.
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


def wait_for_chart(page: Any, chart: str = "boundary", timeout: float = 30_000, plotly: bool = False) -> float:
    """Wait until a chart of the page's live element (live/js/live_view.js) shows its picture: its
    first preview (the surface and the points, painted while plotly.js loads) or Plotly's chart
    (`plotly`: only that); return performance.now() then (ms since the page's navigation started)."""
    return page.wait_for_function(
        """([chart, plotly]) => {
            const root = document.querySelector(`.snl-plot[data-chart="${chart}"]`);
            if (!root) return false;
            const preview = !plotly && root.querySelector(".snl-preview[data-drawn]");
            const shown = root.querySelector(".main-svg") || preview;
            return shown ? performance.now() : false;
        }""", arg=[chart, plotly], timeout=timeout, polling="raf").json_value()


def drawn_frames(page: Any, chart: str = "boundary") -> int:
    """How many live frames a chart has drawn (the live element counts them on the chart)."""
    return int(page.get_attribute(f'.snl-plot[data-chart="{chart}"]', "data-frames") or 0)


def diagram_frames(page: Any) -> int:
    """How many live frames the network diagram (live/js/diagram.js) has drawn."""
    return int(page.get_attribute('.snd-root[data-chart="diagram"]', "data-frames") or 0)


# The live numbers of a page's live element: one tile per label.
READ_METRIC = """(label) => {
  const value = document.querySelector(`.snl-item[data-label="${label}"] .snl-value`);
  return value ? value.textContent : null;
}"""
READ_EPOCH = """() => {
  const value = document.querySelector('.snl-item[data-label="Epoch"] .snl-value');
  return value ? parseInt(value.textContent.replace(/,/g, '')) : -1;
}"""
LIVE_STATUS = ".snl-status"                    # the live element's words when its socket is down
# The pages' menu: a bar at the top (navigation.py), in the sidebar on a narrow screen.
NAV_LINK = '[data-testid="stTopNavLink"][href$="/{path}"], [data-testid="stSidebarNav"] a[href$="/{path}"]'
# The Playground's second run is in: the sidebar has its controls (state="attached": the sidebar starts folded).
CONTROLS_UP = '[data-testid="stSidebar"] [data-testid="stHeading"]'
LOADING_WIDGET = '[data-testid="stSkeleton"]'      # a widget whose code is still on its way


def wait_for_playground(page: Any, timeout: float = 30_000) -> None:
    """Wait until the Playground has loaded in full: its chart drawn, the knobs that follow it there, the page
    run they brought finished, and every widget's code loaded (Streamlit holds a widget's place with a grey box
    until then: ~0.3 s after the run, the sidebar's 29, measured), so that what a test does next meets the page,
    not its load. A key pressed before the last ones came waited for them (+0.4 s on the slider's figure)."""
    wait_for_chart(page, timeout=timeout, plotly=True)
    page.wait_for_selector(CONTROLS_UP, state="attached", timeout=timeout)
    wait_for_app(page, timeout=timeout)
    page.wait_for_function(f"() => !document.querySelector('{LOADING_WIDGET}')", timeout=timeout)

# The Playground's screen, measured (tests/browser/test_screen.py, benchmarks/bench_screen.py).
# Layout shifts since the page began (WATCH_SHIFTS_FROM_NOW: from now on), each with what moved (its sources:
# the element, its top and height before -> after). Beside them, what came into and left the main area (outside
# the live element, whose charts redraw all the time), with its time, words and height: a shift is explained by
# what came or went just before it (shift_report).
WATCH_SHIFTS = """
window.snsShifts = [];
window.snsChanges = window.snsChanges || [];
window.snsDescribe = window.snsDescribe || ((n) => {
  if (!n || n.nodeType !== 1) return n ? n.nodeName : "?";
  const keyed = n.closest("[class*='st-key-']");
  const key = keyed ? [...keyed.classList].find((c) => c.startsWith("st-key-")) : "";
  const what = (n.dataset && n.dataset.testid) || String(n.className || n.nodeName).split(" ")[0].slice(0, 40);
  return key && keyed !== n ? `${what} in ${key}` : what || key;
});
new PerformanceObserver((list) => {
  for (const e of list.getEntries()) {
    if (e.hadRecentInput) continue;
    window.snsShifts.push({t: e.startTime, v: e.value, from: (e.sources || []).map((s) => {
      const r = s.currentRect, p = s.previousRect;
      const x = Math.round(p.x) !== Math.round(r.x) || Math.round(p.width) !== Math.round(r.width)
        ? ` x ${Math.round(p.x)}->${Math.round(r.x)} w ${Math.round(p.width)}->${Math.round(r.width)}` : "";
      const y = `y ${Math.round(p.y)}->${Math.round(r.y)} h ${Math.round(p.height)}->${Math.round(r.height)}`;
      return `${window.snsDescribe(s.node)} ${y}${x}`;
    })});
  }
}).observe({type: "layout-shift", buffered: true});
if (!window.snsChangesWatched) {
  window.snsChangesWatched = true;
  const watched = (n) => n.nodeType === 1 && n.closest && n.closest('[data-testid="stMain"]')
    && !n.closest(".snl-root");
  const note = (kind, n) => {
    if (window.snsChanges.length > 3000) window.snsChanges.splice(0, 1000);
    const entry = {t: performance.now(), kind, what: window.snsDescribe(n), text: (n.innerText || "").slice(0, 80),
                   h: null};
    window.snsChanges.push(entry);
    if (kind === "added") requestAnimationFrame(() => { entry.h = Math.round(n.getBoundingClientRect().height); });
  };
  new MutationObserver((records) => {
    for (const r of records) {
      for (const n of r.addedNodes) if (watched(n)) note("added", n);
      const inMain = r.target.closest && r.target.closest('[data-testid="stMain"]') && !r.target.closest(".snl-root");
      for (const n of r.removedNodes) if (n.nodeType === 1 && inMain) note("removed", n);
    }
  }).observe(document, {childList: true, subtree: true});
}
"""
WATCH_SHIFTS_FROM_NOW = WATCH_SHIFTS.replace("buffered: true", "buffered: false")
SHIFTS = "() => window.snsShifts.reduce((sum, s) => sum + s.v, 0)"


def shift_report(page: Any, since: float = 0.0, least: float = 0.001, before_ms: float = 1000.0) -> list[str]:
    """Each layout shift after `since` (ms, performance.now()) of at least `least`: when, how much, what moved,
    and what came into or left the main area in the `before_ms` before it."""
    shifts, changes = page.evaluate("() => [window.snsShifts, window.snsChanges || []]")
    lines = []
    for shift in shifts:
        if shift["t"] < since or shift["v"] < least:
            continue
        lines.append(f"shift {shift['v']:.4f} at {shift['t'] / 1000:.2f} s: moved {'; '.join(shift['from']) or '?'}")
        for c in changes:
            if shift["t"] - before_ms <= c["t"] <= shift["t"]:
                height = f" {c['h']} px" if c["h"] is not None else ""
                text = " ".join(c["text"].split())[:60]
                lines.append(f"    {c['t'] / 1000:.2f} s {c['kind']} {c['what']}{height} {text!r}")
    return lines

# The parts of the screen, as boxes [x, y, width, height] (null: not on the page).
SCREEN_PARTS = """() => {
  const box = (el) => { if (!el) return null; const r = el.getBoundingClientRect();
                        return r.width && r.height ? [r.x, r.y, r.width, r.height] : null; };
  const one = (sel) => [...document.querySelectorAll(sel)].map(box).find(Boolean) || null;
  const all = (sel) => [...document.querySelectorAll(sel)].map(box).filter(Boolean);
  return {
    play: one('.st-key-play button'), step: one('.st-key-step button'),
    reset: one('.st-key-reset button'), notices: one('.st-key-notices'),
    pictures: all('.snp-item'), knobs: one('.snk-root'), diagram: one('.snd-root'),
    units_plus: all('.snd-units-box .snd-pm'), layers_plus: all('.snd-layers .snd-pm'),
    metrics: one('.snl-metrics'), boundary: one('.snl-plot[data-chart="boundary"]'),
    boundary_plot: one('.snl-plot[data-chart="boundary"] .nsewdrag'), loss: one('.snl-plot[data-chart="loss"]'),
    boundary_legend: one('.snl-plot[data-chart="boundary"] .legend'),
    loss_plot: one('.snl-plot[data-chart="loss"] .nsewdrag'),
    modebars: all('.modebar-container .modebar'), sidebar: one('[data-testid="stSidebar"]'),
    viewport: [innerWidth, innerHeight], scroll_width: document.documentElement.scrollWidth,
    main_scroll_width: (document.querySelector('[data-testid="stMain"]') || document.body).scrollWidth,
  };
}"""

BOUNDARY = '.snl-plot[data-chart="boundary"]'  # the live element's charts (live/js/live_view.js)
LOSS = '.snl-plot[data-chart="loss"]'
# What a chart's surface shows now: an image behind the points (gd.layout is Plotly's copy of what it drew).
IMAGE_SOURCE = "(sel) => document.querySelector(sel).layout.images[0].source"


def metric(page: Any, label: str) -> str | None:
    """The text of one of the page's live numbers, or None if it is not shown."""
    return page.evaluate(READ_METRIC, label)


def epoch(page: Any) -> int:
    """The epoch the page shows (-1 before its numbers are up)."""
    return page.evaluate(READ_EPOCH)


def cpu_seconds(pid: int) -> float:
    """User + system CPU time a process has used so far (from /proc)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / CLOCK_TICKS


def rss_mib(pid: int) -> float:
    """A process's resident memory in MiB (from /proc)."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")
