"""A Plotly chart that updates in place: ``live_chart(fig_json, key=...)``.

Why not ``st.plotly_chart``: its element identity hashes the whole figure, so
every new frame mounts a fresh chart (zoom/pan lost, blank flashes). This is a
keyed ``st.components.v2`` element instead. Streamlit keeps the same React
element for the same ``key``; each new figure re-invokes the component's JS
with new ``data`` and the same ``parentElement``, and the JS calls
``Plotly.react`` on one persistent div. With ``layout.uirevision`` set in the
figure, zoom/pan survive updates.

plotly.js is served by the app itself: :func:`ui.assets.ensure_static_plotly`
copies the vendored partial bundle (ui/vendor/) to ``<app root>/static/``
(``[server] enableStaticServing = true`` serves it at
``<app root URL>/app/static/plotly-scratchnet.min.js``), and the JS loads it once per
page.

How the JS finds the app root URL: Streamlit's own ``index.html`` loads its
bundle with the relative URL ``./static/js/index.<hash>.js``, and Streamlit
serves that bundle from the app root (``/`` or ``/<server.baseUrlPath>/``),
whatever the page (``/compare``, ``/sn/compare``). So the app root is
``new URL("../../", <src of that bundle's script tag>)``. Fallback when that
tag is not found: ``new URL("./", location.href)``, which gives the same
answer for every Streamlit URL shape (``/``, ``/sn/``, ``/compare``,
``/sn/compare``: pages are one path segment below the root and Streamlit
redirects trailing slashes away). Plain ``new URL("app/static/...",
location.href)`` would also work for these shapes; the bundle's URL is used
first because it does not depend on how the page URL is written.
"""

from __future__ import annotations

import hashlib
import logging
import re
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any, NamedTuple

import streamlit as st
from streamlit.runtime.scriptrunner import get_script_run_ctx

from ui.assets import PLOTLY_JS_NAME, ensure_static_plotly

__all__ = ["COMPONENT_NAME", "ChartClick", "live_chart", "preload_plotly"]

COMPONENT_NAME = "scratchnet_live_chart"

_LOG = logging.getLogger(__name__)

_CSS = """
.snlc-plot { width: 100%; position: relative; }
.snlc-msg {
  position: absolute; inset: 0; display: flex; align-items: center;
  justify-content: center; text-align: center; padding: 1rem;
  font: 0.9rem sans-serif; color: #6b7280; pointer-events: none;
}
.snlc-msg[hidden] { display: none; }
"""

# Loading plotly.js once per page, from the app's own server; shared by the chart and the preloader.
_LOADER_JS = r"""
const LOADER_KEY = "__scratchnetPlotlyLoader";

function appRootUrl() {
  // Streamlit's index.html loads "./static/js/index.<hash>.js" from the app root.
  const scripts = document.querySelectorAll('script[type="module"][src]');
  for (const s of scripts) {
    if (/\/static\/js\/index\.[^/]*\.js(\?|$)/.test(s.src)) {
      return new URL("../../", s.src).href;
    }
  }
  return new URL("./", window.location.href).href;
}

function loadPlotly() {
  const w = window;
  if (w.Plotly && typeof w.Plotly.react === "function") {
    return Promise.resolve(w.Plotly);
  }
  if (!w[LOADER_KEY]) {
    const url = new URL("app/static/__PLOTLY_JS__", appRootUrl()).href;
    w[LOADER_KEY] = new Promise((resolve, reject) => {
      const tag = document.createElement("script");
      tag.src = url;
      tag.async = true;
      tag.dataset.scratchnetPlotly = "1";
      tag.addEventListener("load", () => {
        if (w.Plotly && typeof w.Plotly.react === "function") resolve(w.Plotly);
        else reject(new Error(`${url} loaded but did not define window.Plotly`));
      });
      tag.addEventListener("error", () => {
        reject(new Error(
          `could not load Plotly.js from ${url} ` +
          "(needs [server] enableStaticServing = true and static/__PLOTLY_JS__)"));
      });
      document.head.appendChild(tag);
    });
  }
  return w[LOADER_KEY];
}
"""

_LOADER_JS = _LOADER_JS.replace("__PLOTLY_JS__", PLOTLY_JS_NAME)

# Started at the top of every page (app.py), so the 1.2 MB of plotly.js download and compile
# while the page script still runs, instead of after the first chart arrives (measured: the
# first boundary chart ~1 s sooner).
_PRELOAD_JS = _LOADER_JS + r"""
export default function preload() {
  loadPlotly().catch(() => {});   // the chart reports a failure where it is seen
}
"""

# The default export is called by Streamlit on mount and again whenever the
# element's data (or the theme) changes, with the same parentElement while the
# element stays mounted (isolate_styles=False: a plain div in the app DOM).
# The module is imported once per page, so its state is shared by every
# live_chart on the page; per-chart state is kept by the chart's user key.
#
# Streamlit 1.67 sometimes remounts the element anyway: a full rerun (a widget
# outside the fragment) that lands while a run_every fragment run is in flight
# replaces the fragment's whole block (~1 in 4 reruns measured). A new
# parentElement then arrives with the same key, and the existing plot div is
# moved into it (Plotly state, zoom and listeners intact) instead of being
# re-created, right after React's DOM commit (see watchRemounts). An old
# container that nobody adopted is torn down after a grace period.
_JS = _LOADER_JS + r"""
const CHARTS = new Map();      // user key -> chart state
const BY_PARENT = new WeakMap(); // parentElement -> chart state
const GRACE_MS = 3000;
const CONFIG = Object.freeze({
  displaylogo: false,
  responsive: true,
  showSendToCloud: false,
  showTips: false,
  modeBarButtonsToRemove: ["sendChartToCloud"],
});

function nextFrame() {
  return new Promise((resolve) => requestAnimationFrame(() => resolve()));
}

// First draws take turns, one per animation frame, highest priority first. The first
// Plotly.newPlot on a page also pays plotly.js's one-time set-up (~80 ms measured), and charts
// that all draw in one task appear together only when the last is done: taking turns puts the
// most important chart (the decision boundary) on screen ~100-150 ms sooner on page load.
const FIRST_DRAWS = [];  // {priority, order, resolve}
let firstDrawOrder = 0;
let firstDrawScheduled = false;

function firstDrawTurn(priority) {
  return new Promise((resolve) => {
    FIRST_DRAWS.push({ priority, order: firstDrawOrder++, resolve });
    if (!firstDrawScheduled) {
      firstDrawScheduled = true;
      requestAnimationFrame(nextFirstDraw);
    }
  });
}

function nextFirstDraw() {
  if (!FIRST_DRAWS.length) {
    firstDrawScheduled = false;
    return;
  }
  FIRST_DRAWS.sort((a, b) => (b.priority - a.priority) || (a.order - b.order));
  FIRST_DRAWS.shift().resolve();   // that chart draws in this frame; the next one in the next
  requestAnimationFrame(nextFirstDraw);
}

function report(st, err) {
  if (st.errored) return;
  st.errored = true;
  console.error("[live_chart]", err);
  st.msg.textContent = `Chart error: ${err && err.message ? err.message : err}`;
  st.msg.hidden = false;
}

function createState(parentElement, id) {
  const plot = document.createElement("div");
  plot.className = "snlc-plot";
  const msg = document.createElement("div");
  msg.className = "snlc-msg";
  msg.hidden = true;
  const wrap = document.createElement("div");
  wrap.className = "snlc-root";
  wrap.style.position = "relative";
  wrap.appendChild(plot);
  wrap.appendChild(msg);
  parentElement.appendChild(wrap);
  const st = {
    id, parentElement, wrap, plot, msg,
    rev: null, pending: null, busy: false, plotted: false, errored: false, dead: false, renders: 0,
    clickable: false, setTrigger: null, ro: null, size: [0, 0], resizeQueued: false,
    onClick: null,
  };
  st.onClick = (ev) => handleClick(st, ev);
  plot.addEventListener("click", st.onClick, true);
  return st;
}

function adopt(st, parentElement) {
  // Remounted: move the live plot (state, zoom, listeners) into the new container.
  BY_PARENT.delete(st.parentElement);
  st.parentElement = parentElement;
  BY_PARENT.set(parentElement, st);
  parentElement.appendChild(st.wrap);
}

function getState(parentElement, id) {
  let st = BY_PARENT.get(parentElement) || (id ? CHARTS.get(id) : undefined);
  if (st && st.parentElement !== parentElement) adopt(st, parentElement);
  if (!st) st = createState(parentElement, id);
  BY_PARENT.set(parentElement, st);
  if (id) CHARTS.set(id, st);
  watchRemounts();
  return st;
}

// Streamlit calls the JS of a remounted element only after React painted the
// new, empty container (effects run after paint), which would show a blank
// frame or two. A MutationObserver callback runs right after React's DOM
// commit, before paint: when a chart's plot got detached, find the new
// container by the element's key class (Streamlit gives keyed elements
// "st-key-<key>") and move the plot there at once.
let remountWatcher = null;
function keyClass(id) {
  return "st-key-" + id.trim().replace(/[^a-zA-Z0-9_-]/g, "-");
}
function watchRemounts() {
  if (remountWatcher || typeof MutationObserver !== "function") return;
  remountWatcher = new MutationObserver(() => {
    for (const st of CHARTS.values()) {
      if (st.dead || !st.id || st.wrap.isConnected) continue;
      const host = document.querySelector(
        `.${CSS.escape(keyClass(st.id))} [data-testid="stBidiComponentRegular"]`);
      if (host && host !== st.parentElement) adopt(st, host);
    }
  });
  remountWatcher.observe(document.body, { childList: true, subtree: true });
}

function figureParts(payload) {
  const fig = typeof payload.figure === "string" ? JSON.parse(payload.figure) : (payload.figure || {});
  const data = Array.isArray(fig.data) ? fig.data : [];
  const layout = Object.assign({}, fig.layout || {});
  // The element's height decides the plot's size; the width follows the column.
  delete layout.width;
  delete layout.height;
  layout.autosize = true;
  return [data, layout];
}

// The figure with its layout images' sources left out: when only those differ from the last
// figure (a live decision boundary sent as a PNG), Plotly.relayout of the sources alone redraws
// the picture in ~0.5 ms where Plotly.react re-derives the whole figure (~20-30 ms measured).
const IMAGE_SOURCE = /"source":\s*"data:image\/[^"]*"/g;

function withoutImageSources(payload) {
  return typeof payload.figure === "string" ? payload.figure.replace(IMAGE_SOURCE, '"source":""') : null;
}

// A chart that takes clicks (drawing points) turns off Plotly's double-click autoscale: two
// quick clicks at two places are two points, not a request to zoom out to the data.
function configFor(st) {
  return st.clickable ? Object.assign({}, CONFIG, { doubleClick: false }) : CONFIG;
}

async function render(st, payload) {
  const Plotly = await loadPlotly();
  const [data, layout] = figureParts(payload);
  const rest = withoutImageSources(payload);
  if (!st.plotted) {
    await firstDrawTurn(Number(payload.priority) || 0);
    await Plotly.newPlot(st.plot, data, layout, configFor(st));
    st.plotted = true;
    st.size = [st.plot.clientWidth, st.plot.clientHeight];
    observeSize(st, Plotly);
  } else if (rest !== null && rest === st.rest && Array.isArray(layout.images) && layout.images.length) {
    const update = {};
    layout.images.forEach((image, i) => { update[`images[${i}].source`] = image.source; });
    await Plotly.relayout(st.plot, update);
  } else {
    await Plotly.react(st.plot, data, layout, configFor(st));
  }
  st.rest = rest;
  st.rev = payload.rev;
  st.renders += 1;
  st.plot.dataset.renders = String(st.renders);   // for tests and benchmarks: frames actually drawn
  if (st.renders === 1 && payload.report_drawn && st.setTrigger) st.setTrigger("drawn", true);
}

function schedule(st) {
  if (st.busy) return;  // the running loop picks up st.pending
  st.busy = true;
  (async () => {
    try {
      while (st.pending && !st.dead) {
        await nextFrame();  // several updates within one frame: draw the last
        const payload = st.pending;
        st.pending = null;
        if (!payload || st.dead || (st.plotted && payload.rev === st.rev)) continue;
        try {
          await render(st, payload);
        } catch (err) {
          report(st, err);
          if (!st.plotted) break;
        }
      }
    } finally {
      st.busy = false;
    }
  })();
}

function observeSize(st, Plotly) {
  if (typeof ResizeObserver !== "function" || st.ro) return;
  st.ro = new ResizeObserver(() => {
    if (st.resizeQueued) return;
    st.resizeQueued = true;
    // Resize outside the observer callback (no "ResizeObserver loop" errors).
    requestAnimationFrame(() => {
      st.resizeQueued = false;
      const w = st.plot.clientWidth;
      const h = st.plot.clientHeight;
      if (!st.plotted || !w || !h || (w === st.size[0] && h === st.size[1])) return;
      st.size = [w, h];
      Promise.resolve(Plotly.Plots.resize(st.plot)).catch(() => {});
    });
  });
  st.ro.observe(st.plot);
}

function handleClick(st, ev) {
  // Plotly re-dispatches a "click" on the drag rectangle that got the
  // mousedown when the mouse did not move (no zoom/pan drag). Points under the
  // cursor (a heatmap covers everything) do not matter: the mouse position is
  // translated to data coordinates through the subplot's axes.
  if (!st.clickable || !st.setTrigger || !st.plotted) return;
  const target = ev.target;
  if (!(target instanceof Element) || !target.classList.contains("nsewdrag")) return;
  const fl = st.plot._fullLayout;
  if (!fl) return;
  const group = target.parentNode && target.parentNode.getAttribute
    ? (target.parentNode.getAttribute("class") || "").split(/\s+/)[0] : "";
  const sub = (fl._plots && fl._plots[group]) || null;
  const xa = sub ? sub.xaxis : fl.xaxis;
  const ya = sub ? sub.yaxis : fl.yaxis;
  if (!xa || !ya) return;
  const r = target.getBoundingClientRect();
  const px = ev.clientX - r.left;
  const py = ev.clientY - r.top;
  if (px < 0 || py < 0 || px > xa._length || py > ya._length) return;
  const x = xa.p2c(px);
  const y = ya.p2c(py);
  if (!Number.isFinite(x) || !Number.isFinite(y)) return;
  st.setTrigger("click", { x, y });
}

function destroy(st) {
  st.dead = true;
  st.pending = null;
  BY_PARENT.delete(st.parentElement);
  if (st.id && CHARTS.get(st.id) === st) CHARTS.delete(st.id);
  if (st.ro) st.ro.disconnect();
  st.plot.removeEventListener("click", st.onClick, true);
  if (st.plotted && window.Plotly) {
    try { window.Plotly.purge(st.plot); } catch (err) { /* already gone */ }
  }
  st.wrap.remove();
}

export default function liveChart(component) {
  const { data, parentElement, setTriggerValue } = component;
  let st = null;
  try {
    const payload = data || {};
    st = getState(parentElement, typeof payload.key === "string" ? payload.key : null);
    st.setTrigger = setTriggerValue;
    st.clickable = !!payload.clickable;
    st.plot.dataset.clickable = String(st.clickable);
    // A number of pixels, or a CSS length such as "calc(100vh - 300px)" that follows the window.
    const height = typeof payload.height === "string" ? payload.height
      : `${Number(payload.height) > 0 ? Number(payload.height) : 420}px`;
    if (st.plot.style.height !== height) st.plot.style.height = height;
    // Skip unchanged data (a theme change also re-invokes us) unless a render
    // is queued or running: then the latest payload must win (A -> B -> A).
    if (st.busy || !st.plotted || payload.rev !== st.rev) {
      st.pending = payload;
      schedule(st);
    }
  } catch (err) {
    if (st) report(st, err);
    else console.error("[live_chart]", err);
  }
  // Streamlit calls the cleanup returned by the latest call on unmount, and
  // also right away when a call is superseded before it ran. Tear down only
  // when the element really left the page and no remount adopted the plot.
  const mine = st;
  return () => {
    setTimeout(() => {
      if (mine && !mine.dead && mine.parentElement === parentElement && !parentElement.isConnected) {
        destroy(mine);
      }
    }, GRACE_MS);
  };
}
"""

_preloader = st.components.v2.component("scratchnet_plotly_preload", js=_PRELOAD_JS, isolate_styles=False)


def preload_plotly() -> None:
    """Start loading plotly.js in the browser now (an invisible element; call it early)."""
    _ensure_plotly_served()
    _preloader(key="plotly_preload", data={}, height="content")


_component = st.components.v2.component(
    COMPONENT_NAME,
    js=_JS,
    css=_CSS,
    isolate_styles=False,
)


class ChartClick(NamedTuple):
    """A click on the plot area, in data coordinates of the clicked subplot."""

    x: float
    y: float


_CSS_LENGTH = re.compile(r"[0-9a-z().+\-*/%\s,]{1,80}")
_served_lock = threading.Lock()
_served_dirs: set[str] = set()


def _app_static_dir() -> Path | None:
    ctx = get_script_run_ctx(suppress_warning=True)
    if ctx is None or not ctx.main_script_path:
        return None
    return Path(ctx.main_script_path).resolve().parent / "static"


def _ensure_plotly_served() -> None:
    """Once per process and app folder, put plotly.js in <app root>/static."""
    static_dir = _app_static_dir()
    if static_dir is None:
        return
    marker = str(static_dir)
    if marker in _served_dirs:
        return
    with _served_lock:
        if marker in _served_dirs:
            return
        if not st.get_option("server.enableStaticServing"):
            _LOG.warning(
                "live_chart needs [server] enableStaticServing = true to serve plotly.js"
            )
        try:
            ensure_static_plotly(static_dir)
        except OSError as exc:
            _LOG.warning("live_chart could not copy %s to %s: %s", PLOTLY_JS_NAME, static_dir, exc)
        _served_dirs.add(marker)


def _figure_json(fig_json: Any) -> str:
    if isinstance(fig_json, str):
        return fig_json
    if isinstance(fig_json, dict):
        import plotly.io.json as pio_json

        return pio_json.to_json_plotly(fig_json)
    to_json = getattr(fig_json, "to_json", None)
    if callable(to_json):  # a plotly.graph_objects.Figure
        return to_json()
    raise TypeError(f"live_chart expects figure JSON (str or dict), got {type(fig_json).__name__}")


def _noop() -> None:
    return None


def live_chart(
    fig_json: str | dict[str, Any],
    *,
    key: str,
    height: int | str = 420,
    on_click: Callable[[], Any] | bool | None = None,
    on_first_draw: Callable[[], Any] | None = None,
    priority: int = 0,
) -> ChartClick | None:
    """Show a Plotly figure that later calls update in place.

    Parameters
    ----------
    fig_json
        The figure as ``go.Figure.to_json()`` returns it (numpy arrays as
        base64 ``{"dtype", "bdata"}``; plotly.js decodes them), or as a dict.
        Set ``layout.uirevision`` to a constant to keep zoom/pan across updates.
    key
        Required and stable across reruns: it is the element's identity. Use it
        once per script run.
    height
        Height of the plot in pixels, or a CSS length (``"max(360px, calc(100vh - 300px))"``)
        so the plot follows the window's height, as presentation mode does. ``layout.width``/``layout.height`` of the
        figure are ignored; the width follows the container.
    on_click
        A callback (no arguments, run before the rerun like any widget
        callback), or ``True`` for clicks without a callback. Clicks on the
        plot area (also over a heatmap) are sent as data coordinates; inside a
        callback read them from ``st.session_state[key]["click"]``.

    on_first_draw
        A callback run (with a rerun, like a widget's) once the browser has drawn this chart's
        first figure: a page can hold back its less urgent parts until then.
    priority
        Charts on a page draw their first figures one per animation frame, highest priority
        first (then in page order), so the chart that matters most shows first.

    Returns
    -------
    ChartClick or None
        The clicked point in the run that the click triggered, else ``None``.
    """
    if not isinstance(key, str) or not key:
        raise ValueError("live_chart needs a non-empty string key")
    if isinstance(height, str):
        if not _CSS_LENGTH.fullmatch(height):
            raise ValueError(f"height must be pixels or a CSS length like 'calc(100vh - 300px)', got {height!r}")
    elif not isinstance(height, int) or isinstance(height, bool) or height <= 0:
        raise ValueError(f"height must be a positive int or a CSS length, got {height!r}")

    figure = _figure_json(fig_json)
    _ensure_plotly_served()
    rev = hashlib.blake2b(figure.encode("utf-8") + bytes([bool(on_click)]), digest_size=8).hexdigest()
    clickable = bool(on_click)
    callbacks: dict[str, Callable[[], Any]] = {}
    if clickable:
        callbacks["on_click_change"] = on_click if callable(on_click) else _noop
    if on_first_draw is not None:
        callbacks["on_drawn_change"] = on_first_draw

    result = _component(
        key=key,
        data={"key": key, "figure": figure, "rev": rev, "height": height, "clickable": clickable,
              "report_drawn": on_first_draw is not None, "priority": int(priority)},
        height="content",
        **callbacks,
    )
    if not clickable:
        return None
    click = result.get("click")
    if isinstance(click, dict):
        try:
            return ChartClick(float(click["x"]), float(click["y"]))
        except (KeyError, TypeError, ValueError):
            return None
    return None
