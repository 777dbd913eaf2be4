// A Plotly chart that updates in place (ui/live_chart.py): one persistent div per keyed element,
// Plotly.react on every new figure, so zoom and pan (layout.uirevision) survive updates.
// Concatenated after plotly_loader.js by ui/live_chart.py.
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
    ro: null, size: [0, 0], resizeQueued: false,
  };
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

async function render(st, payload) {
  const Plotly = await loadPlotly();
  const [data, layout] = figureParts(payload);
  const rest = withoutImageSources(payload);
  if (!st.plotted) {
    await Plotly.newPlot(st.plot, data, layout, CONFIG);
    st.plotted = true;
    st.size = [st.plot.clientWidth, st.plot.clientHeight];
    observeSize(st, Plotly);
  } else if (rest !== null && rest === st.rest && Array.isArray(layout.images) && layout.images.length) {
    const update = {};
    layout.images.forEach((image, i) => { update[`images[${i}].source`] = image.source; });
    await Plotly.relayout(st.plot, update);
  } else {
    await Plotly.react(st.plot, data, layout, CONFIG);
  }
  st.rest = rest;
  st.rev = payload.rev;
  st.renders += 1;
  st.plot.dataset.renders = String(st.renders);   // for tests and benchmarks: frames actually drawn
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

function destroy(st) {
  st.dead = true;
  st.pending = null;
  BY_PARENT.delete(st.parentElement);
  if (st.id && CHARTS.get(st.id) === st) CHARTS.delete(st.id);
  if (st.ro) st.ro.disconnect();
  if (st.plotted && window.Plotly) {
    try { window.Plotly.purge(st.plot); } catch (err) { /* already gone */ }
  }
  st.wrap.remove();
}

export default function liveChart(component) {
  const { data, parentElement } = component;
  let st = null;
  try {
    const payload = data || {};
    st = getState(parentElement, typeof payload.key === "string" ? payload.key : null);
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
