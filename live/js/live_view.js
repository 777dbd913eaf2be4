// The live view of one page: its numbers and charts, fed by one WebSocket (live/route.py).
//
// Streamlit calls the default export on every page run with the page's data: the layout, each
// chart's figure (built in Python), the colour tables, a first frame (so the charts draw before the
// socket is open) and the token that opens the socket. Frames then arrive over the socket, one per
// request: this page asks for the next frame only once the last one is on screen, so the browser
// sets the pace and the server always sends the newest state.

import { Board } from "./board.js";
import { DiagramPart } from "./diagram.js";
import { KnobsPart } from "./knobs.js";
import { bytesOf, colourCodes, onceAFrame } from "./parts.js";
import { PickerPart } from "./picker.js";
import { appRootUrl, loadPlotly } from "./plotly_loader.js";

const PARTS = new Map([["board", Board], ["diagram", DiagramPart], ["picker", PickerPart], ["knobs", KnobsPart]]);
const VIEWS = new Map();          // parentElement -> LiveView
const CURVE_MAX = 1000;           // a curve keeps at most 2x this many points, then drops every other one
const CURVE_EVERY_MS = 100;       // loss curves redraw at most ten times a second,
const CURVE_SHARE = 0.25;         // and take at most a quarter of the page's time (a slow CPU redraws them less often)
const RETRY_MS = [500, 1000, 2000, 4000, 8000];
const STALE_MS = 25000;           // no word from the server for this long after a request: reconnect
const UNMOUNT_GRACE_MS = 3000;
const NARROW_PX = 640;            // a fitted element narrower than this is one column,
const PHONE_MAX_PX = 820;         // and so is any in a window this narrow (phones, tablets upright)
// On a laptop the loss curve under the boundary gets a plot at least this tall (a learner reads the curve on the
// first screen: 78 px at 1366x768 was a line along the bottom); the boundary's legend goes beside its plot where
// that leaves a larger square (over it, it takes ~35 px of the column's height: 1366x768's boundary kept 288 px).
const LOSS_PLOT_MIN_PX = 120;
const LOSS_MARGIN_PX = 52;        // the loss chart's top (its legend is inside the plot) and bottom (ticks, "epoch")
const BOUNDARY_MARGIN = Object.freeze({ l: 50, t: 8, b: 46 });   // ticks and x₂ left, ticks and x₁ under it
const LEGEND_GAP_PX = 10;         // between the boundary's plot and its legend beside it
const LEGEND_OVER_PX = 43;        // the top margin of a boundary whose legend is over its plot
const LEGEND_ITEM_PX = 52;        // a legend entry's symbol, gaps and padding around its words (Plotly's)
const FIT_BOTTOM_PX = 12;         // room left under a fitted element
const BLEED_PX = 12;              // on a phone the boundary reaches this far into the page's side margins
// No modebar: Plotly draws it over the plot's top right (a corner of the boundary, the loss chart's legend),
// under a finger on a touch screen; a drag still zooms and a double click goes back. On a touch screen a drag
// on a chart scrolls the page instead of drawing a zoom box (plotLayout).
const TOUCH = typeof matchMedia === "function" && matchMedia("(hover: none) and (pointer: coarse)").matches;
const PLOT_CONFIG = Object.freeze({ displaylogo: false, responsive: true, showTips: false, displayModeBar: false });

// Streamlit folds rerun requests that come before a page run starts into one, and the newest one's page wins:
// a trigger sent just after a click on another page's link took the learner back (measured: a knob's change
// sent in the click's own task kept the Playground 2 times in 2). So after such a click an element stays
// quiet until its page runs again (`update`); on another page it is gone by then.
const PAGE_LINKS = ["stTopNavLink", "stTopNavDropdownLink", "stSidebarNavLink", "stPageLink-NavLink"]
  .map((id) => `[data-testid="${id}"]`).join(", ");
let leftAt = -1;
if (typeof document !== "undefined") {
  document.addEventListener("click", (ev) => {
    if (ev.target instanceof Element && ev.target.closest(PAGE_LINKS)) leftAt = performance.now();
  }, true);
}

// A binary frame: u32 length (little-endian), a JSON header, then its blobs back to back.
function parseFrame(buffer) {
  const size = new DataView(buffer).getUint32(0, true);
  const header = JSON.parse(new TextDecoder().decode(new Uint8Array(buffer, 4, size)));
  const blobs = [];
  let at = 4 + size;
  for (const n of header.blobs) {
    blobs.push(new Uint8Array(buffer, at, n));
    at += n;
  }
  header.blobs = blobs;
  return header;
}

function nextFrame() {
  return new Promise((resolve) => requestAnimationFrame(() => resolve()));
}

// uint8 codes -> a PNG data URL through a 256-colour table (the same table Python colours with).
function imageUrl(canvas, codes, w, h, lut) {
  if (canvas.width !== w || canvas.height !== h) {
    canvas.width = w;
    canvas.height = h;
  }
  canvas.getContext("2d").putImageData(new ImageData(colourCodes(codes, lut), w, h), 0, 0);
  return canvas.toDataURL("image/png");
}

// `done` once the browser has painted the page as it is now (a task after the next frame), or after 0.1 s in a
// hidden tab, which paints no frames.
function afterPaint(done) {
  requestAnimationFrame(() => setTimeout(done, 0));
  setTimeout(done, 100);
}

function socketUrl(path) {
  const url = new URL(path, appRootUrl());
  url.protocol = url.protocol === "https:" ? "wss:" : "ws:";
  return url.href;
}

function formatCell(value, format) {
  if (value === null || value === undefined) return "";
  if (format === "percent") return `${(100 * value).toFixed(1)}%`;
  if (format === "loss") return value.toFixed(4);
  return String(value);
}

// A figure's layout as this page draws it: sized by its element (not by the figure), and on a touch screen
// without a drag mode (a finger's drag scrolls the page). `compact`: a narrow screen's margins, so the plot
// itself takes the width (tick labels tucked in, the axes' titles left out: x₁ and x₂ are the ticks' own).
// `fitted`: a chart the element sizes to the window (the Playground's), where height is short: a legend drawn
// above the plot goes inside its top right corner (the loss falls away from it), and the plot gets its height.
// `frame` ({legend, l, r, t, b}: LiveView.fit's margins): where the plot goes, and its legend right of it, top
// aligned ("beside"), or over it, right aligned ("over").
function plotLayout(figure, compact, fitted = false, frame = null) {
  const layout = Object.assign({}, figure.layout || {}, { autosize: true });
  delete layout.width;
  delete layout.height;
  if (TOUCH) layout.dragmode = false;
  const above = layout.legend && layout.legend.yanchor === "bottom" && layout.legend.y >= 1;
  if (fitted && above && !(layout.images && layout.images.length)) {
    layout.legend = Object.assign({}, layout.legend, { y: 0.98, yanchor: "top", bgcolor: "rgba(255,255,255,0.85)" });
    layout.margin = Object.assign({}, layout.margin || {}, { t: 8 });
  }
  if (frame && !compact) {
    const { legend, ...margin } = frame;
    if (legend === "beside") {
      layout.legend = Object.assign({}, layout.legend, { orientation: "v", x: 1.02, xanchor: "left", y: 1, yanchor: "top" });
    }
    layout.margin = Object.assign({}, layout.margin || {}, margin, { autoexpand: false });
  }
  if (compact) {
    // A picture (the boundary) keeps its tick labels inside its edges: the plot is then the screen's width.
    const inside = !!(layout.images && layout.images.length);
    const m = layout.margin || {};
    layout.margin = Object.assign({}, m, inside ? { l: 2, r: 2, b: 2 }
      : { l: Math.min(m.l || 0, 30), r: Math.min(m.r || 0, 4), b: Math.min(m.b || 0, 22) });
    for (const axis of ["xaxis", "yaxis"]) {
      if (!layout[axis]) continue;
      layout[axis] = Object.assign({}, layout[axis], { title: { text: "" } },
        inside ? { ticklabelposition: "inside", automargin: false } : {});
    }
  }
  return layout;
}

class Chart {
  // One Plotly chart: its figure from Python, and what the frames added to it since.
  constructor(name, host) {
    this.name = name;
    this.div = document.createElement("div");
    this.div.className = "snl-plot";
    this.div.dataset.chart = name;
    this.div.dataset.frames = "0";
    host.appendChild(this.div);
    this.rev = null;
    this.plotted = false;
    this.images = [];             // current image URLs, by layout image index
    this.titles = [];             // current annotation texts, by index (Compare's tile titles)
    this.canvases = [];
    this.curve = null;            // {key, stride, regular, x: [[...]], y: [[...]]}
    this.curveTimer = null;
    this.curveDrawnAt = 0;
    this.clickable = false;
    this.onClick = null;
    this.preview = null;
    this.frame = null;
  }

  setHeight(height) {
    if (height && height !== "fit") this.div.style.height = height;
  }

  async setFigure(spec, onFirstDraw) {
    this.clickable = !!spec.clickable;
    this.setHeight(spec.height);
    this.spec = spec;
    if (spec.rev === this.rev) return;
    this.showPreview(spec, onFirstDraw);
    const Plotly = await loadPlotly();
    // The preview on screen before Plotly's first chart, which holds the page for ~0.2 s: plotly.js is often
    // here before this element's code (the page's first element starts it), and the page stayed blank meanwhile.
    if (!this.plotted && this.previewShown) await this.previewShown;
    const figure = JSON.parse(spec.figure);
    const layout = plotLayout(figure, this.compact, this.fitted, this.frame);
    const config = this.clickable ? Object.assign({}, PLOT_CONFIG, { doubleClick: false }) : PLOT_CONFIG;
    const first = !this.plotted;
    await Plotly.react(this.div, figure.data || [], layout, config);
    this.rev = spec.rev;
    this.plotted = true;
    this.div.dataset.clickable = String(this.clickable);     // drawn: clicks now land on this figure
    if (first) {
      this.div.on("plotly_click", (ev) => this.clicked(ev));
      if (this.preview) this.preview.remove();
      this.preview = null;
      this.reportFirst(onFirstDraw);
    }
    await this.restore(Plotly);        // the figure from Python knows only the page's first frame
  }

  showPreview(spec, onFirstDraw) {
    this.setHeight(spec.height);
    if (!this.plotted && !this.preview && spec.preview) this.previewShown = this.drawPreview(spec.preview, onFirstDraw);
  }

  drawPreview(preview, onFirstDraw) {
    // The page's first picture while plotly.js still loads and sets up (~0.3 s): the surface and the
    // points on a canvas where Plotly will draw its plot area (a square inside the margins, centred,
    // as Plotly's constrained axes place it). Plotly's own chart replaces it as soon as it is drawn.
    // Resolves once the picture is on screen (or could not be drawn).
    const canvas = document.createElement("canvas");
    canvas.className = "snl-preview";
    const w = this.div.clientWidth;
    const h = this.div.clientHeight;
    const ratio = window.devicePixelRatio || 1;
    canvas.width = Math.round(w * ratio);
    canvas.height = Math.round(h * ratio);
    canvas.style.width = `${w}px`;
    canvas.style.height = `${h}px`;
    this.div.appendChild(canvas);
    this.preview = canvas;
    const m = this.frame || preview.margin;
    const side = Math.min(w - m.l - m.r, h - m.t - m.b);
    const left = m.l + (w - m.l - m.r - side) / 2;
    const top = m.t + (h - m.t - m.b - side) / 2;
    const [x0, x1] = preview.x;
    const [y0, y1] = preview.y;
    const xy = new Float32Array(bytesOf(preview.points).buffer);
    const rgb = bytesOf(preview.colors);
    const image = preview.loading || new Image();
    let shown;
    const painted = new Promise((resolve) => { shown = resolve; });
    const paint = () => {
      if (this.preview !== canvas) return shown();          // Plotly was quicker
      const ctx = canvas.getContext("2d");
      ctx.scale(ratio, ratio);
      ctx.drawImage(image, left, top, side, side);
      ctx.lineWidth = 1;
      ctx.strokeStyle = "#ffffff";
      for (let i = 0; i < xy.length / 2; i++) {
        const px = left + ((xy[2 * i] - x0) / (x1 - x0)) * side;
        const py = top + (1 - (xy[2 * i + 1] - y0) / (y1 - y0)) * side;
        ctx.beginPath();
        ctx.arc(px, py, preview.radius, 0, 2 * Math.PI);
        ctx.fillStyle = `rgb(${rgb[3 * i]},${rgb[3 * i + 1]},${rgb[3 * i + 2]})`;
        ctx.fill();
        ctx.stroke();
      }
      canvas.dataset.drawn = "true";
      this.reportFirst(onFirstDraw);
      afterPaint(shown);
    };
    if (image.complete && image.naturalWidth) {
      paint();
    } else {
      image.onerror = () => shown();
      image.onload = paint;
      if (!image.src) image.src = preview.image;
    }
    return painted;
  }

  async fitTo(height, compact, frame = null) {
    // The element's fit (LiveView.fit) sizes the chart; Plotly learns it here (it watches only the window).
    // `frame`: the margins that place the plot and its legend (plotLayout).
    const px = `${Math.round(height)}px`;
    const resized = this.div.style.height !== px;
    this.fitted = true;
    this.div.style.height = px;
    if (compact !== this.compact || JSON.stringify(frame) !== JSON.stringify(this.frame)) {
      this.compact = compact;
      this.frame = frame;
      if (this.plotted && this.spec) {
        this.rev = null;                   // drawn again with the margins of the new width
        await this.setFigure(this.spec, null);
        return;
      }
    }
    if (resized && this.plotted && window.Plotly) await window.Plotly.Plots.resize(this.div);
  }

  reportFirst(onFirstDraw) {
    if (!this.reported && onFirstDraw) onFirstDraw();
    this.reported = true;
  }

  clicked(ev) {
    if (!this.clickable || !this.onClick || !ev || !ev.points || !ev.points.length) return;
    const point = ev.points.find((p) => p.data && p.data.name === "click") || ev.points[0];
    if (Number.isFinite(point.x) && Number.isFinite(point.y)) this.onClick({ x: point.x, y: point.y });
  }

  async restore(Plotly) {
    const update = {};
    this.images.forEach((url, i) => { if (url) update[`images[${i}].source`] = url; });
    this.titles.forEach((text, i) => { if (text !== undefined) update[`annotations[${i}].text`] = text; });
    if (Object.keys(update).length) await Plotly.relayout(this.div, update);
    if (this.curve) await this.drawCurve(Plotly);
  }

  async setImages(updates, luts, blobs) {
    const Plotly = await loadPlotly();
    const relayout = {};
    for (const u of updates) {
      const lut = luts[u.lut];
      if (!lut) continue;
      this.canvases[u.index] = this.canvases[u.index] || document.createElement("canvas");
      const url = imageUrl(this.canvases[u.index], blobs[u.blob], u.w, u.h, lut);
      this.images[u.index] = url;
      relayout[`images[${u.index}].source`] = url;
      if (u.title !== undefined) {                         // Compare's tiles say how their run does
        this.titles[u.index] = u.title;
        relayout[`annotations[${u.index}].text`] = u.title;
      }
    }
    if (this.plotted && Object.keys(relayout).length) await Plotly.relayout(this.div, relayout);
    this.div.dataset.frames = String(Number(this.div.dataset.frames) + 1);
  }

  async addPoints(update) {
    const Plotly = await loadPlotly();
    const fresh = !this.curve || this.curve.key !== update.key || update.full;
    if (fresh) {
      this.curve = { key: update.key, stride: update.stride, regular: update.regular || [],
                     x: update.x.map((a) => a.slice()), y: update.y.map((a) => a.slice()) };
    } else {
      const c = this.curve;
      if (update.stride > c.stride) this.thin(update.stride);
      update.x.forEach((xs, t) => {
        c.x[t] = (c.x[t] || []).concat(xs);
        c.y[t] = (c.y[t] || []).concat(update.y[t]);
      });
    }
    const grew = this.curve.x.some((xs) => xs.length > 2 * CURVE_MAX);
    if (grew) this.thin(this.curve.stride * 2);
    if (!this.plotted) return;
    if (fresh || grew) {
      await this.drawCurve(Plotly);
    } else if (update.x.some((xs) => xs.length)) {
      this.queueCurve(Plotly);
    }
  }

  queueCurve(Plotly) {
    // New points reach the chart at most every CURVE_EVERY_MS: a redraw of a long curve costs the
    // browser more than a boundary frame, and ten a second read as live.
    // Measured on a phone (Chromium's CPU throttled 4x): a redraw of the loss chart cost ~4x a boundary frame and,
    // every 100 ms, it took the page's whole time; its own cost now sets how often it comes.
    if (this.curveTimer) return;
    const every = Math.max(CURVE_EVERY_MS, (this.curveCost || 0) / CURVE_SHARE);
    const wait = Math.max(0, every - (performance.now() - (this.curveDrawnAt || 0)));
    this.curveTimer = setTimeout(() => {
      this.curveTimer = null;
      this.drawCurve(Plotly).catch((err) => console.error("[live_view]", err));
    }, wait);
  }

  thin(stride) {
    // A regular curve (a point every `stride` epochs) keeps the epochs that are multiples of the new
    // stride, so later points from the server, sent at that stride, line up with the kept ones; an
    // irregular one (test losses, measured every so often) keeps every other point. The last stays.
    const c = this.curve;
    c.x.forEach((xs, t) => {
      const keepX = [];
      const keepY = [];
      const regular = !!c.regular[t];
      xs.forEach((x, i) => {
        if ((regular ? x % stride === 0 : i % 2 === 0) || i === xs.length - 1) {
          keepX.push(x);
          keepY.push(c.y[t][i]);
        }
      });
      c.x[t] = keepX;
      c.y[t] = keepY;
    });
    c.stride = stride;
  }

  async drawCurve(Plotly) {
    this.curveDrawnAt = performance.now();
    const c = this.curve;
    const traces = c.x.map((_, t) => t).filter((t) => t < this.div.data.length);
    if (!traces.length) return;
    // One point is drawn as a marker: a line through one point draws nothing.
    await Plotly.restyle(this.div, {
      x: traces.map((t) => c.x[t]), y: traces.map((t) => c.y[t]),
      mode: traces.map((t) => (c.x[t].length > 1 ? "lines" : "lines+markers")),
    }, traces);
    this.curveCost = performance.now() - this.curveDrawnAt;
  }

  async setWhole(figureJson) {
    const Plotly = await loadPlotly();
    const figure = JSON.parse(figureJson);
    const layout = plotLayout(figure, this.compact, this.fitted, this.frame);
    await Plotly.react(this.div, figure.data || [], layout, PLOT_CONFIG);
    this.plotted = true;
    this.div.dataset.frames = String(Number(this.div.dataset.frames) + 1);
  }

  destroy() {
    clearTimeout(this.curveTimer);
    if (this.plotted && window.Plotly) {
      try { window.Plotly.purge(this.div); } catch (err) { /* already gone */ }
    }
  }
}

class Table {
  // A live table: rows replaced by each frame, sortable by clicking a column's header.
  constructor(name, host) {
    this.name = name;
    this.root = document.createElement("table");
    this.root.className = "snl-table";
    this.root.dataset.chart = name;
    host.appendChild(this.root);
    this.columns = [];
    this.formats = {};
    this.rows = [];
    this.sortBy = null;
    this.descending = false;
  }

  setSpec(spec) {
    if (JSON.stringify(spec.columns) === JSON.stringify(this.columns)) return;
    this.columns = spec.columns;
    this.formats = spec.formats || {};
    const head = document.createElement("thead");
    const tr = document.createElement("tr");
    for (const name of this.columns) {
      const th = document.createElement("th");
      th.textContent = name;
      th.tabIndex = 0;
      th.title = "Sort by this column";
      const sort = () => {
        this.descending = this.sortBy === name ? !this.descending : false;
        this.sortBy = name;
        this.render();
      };
      th.addEventListener("click", sort);
      th.addEventListener("keydown", (ev) => { if (ev.key === "Enter") sort(); });
      tr.appendChild(th);
    }
    head.appendChild(tr);
    this.root.replaceChildren(head, document.createElement("tbody"));
  }

  setRows(rows) {
    this.rows = rows;
    this.render();
  }

  render() {
    let rows = this.rows.slice();
    if (this.sortBy) {
      const key = this.sortBy;
      const sign = this.descending ? -1 : 1;
      rows.sort((a, b) => {
        const x = a[key];
        const y = b[key];
        if (x === y) return 0;
        if (x === null || x === undefined) return 1;
        if (y === null || y === undefined) return -1;
        return (x < y ? -1 : 1) * sign;
      });
    }
    const body = this.root.tBodies[0];
    body.replaceChildren(...rows.map((row) => {
      const tr = document.createElement("tr");
      for (const name of this.columns) {
        const td = document.createElement("td");
        const value = row[name];
        if (this.formats[name] === "link" && typeof value === "string" && /^https?:/.test(value)) {
          const a = document.createElement("a");
          a.href = value;
          a.target = "_blank";
          a.rel = "noopener";
          a.textContent = "open ↗";
          td.appendChild(a);
        } else {
          td.textContent = formatCell(value, this.formats[name]);
        }
        tr.appendChild(td);
      }
      return tr;
    }));
  }
}

class LiveView {
  constructor(parentElement) {
    this.parent = parentElement;
    this.queueFit = onceAFrame(() => this.fit());
    this.root = document.createElement("div");
    this.root.className = "snl-root";
    this.status = document.createElement("div");
    this.status.className = "snl-status";
    this.status.setAttribute("role", "status");
    this.status.hidden = true;
    this.banner = document.createElement("div");     // news that switched the run without a page run
    this.banner.className = "snl-banner";
    this.banner.setAttribute("role", "status");
    this.banner.hidden = true;
    this.metricsRow = document.createElement("div");
    this.metricsRow.className = "snl-metrics";
    this.grid = document.createElement("div");
    this.grid.className = "snl-grid";
    this.root.append(this.status, this.banner, this.metricsRow, this.grid);
    parentElement.appendChild(this.root);
    this.parts = new Map();        // name -> Chart | Table
    this.layoutKey = null;
    this.data = null;
    this.luts = {};
    this.trigger = null;
    this.updatedAt = -1;
    this.socket = null;
    this.token = null;
    this.retries = 0;
    this.retryTimer = null;
    this.staleTimer = null;
    this.drawn = { key: null, v: -1, rev: -1 };
    this.stopped = undefined;
    this.stepping = false;
    this.busy = Promise.resolve();
    this.dead = false;
    this.reportedDrawn = false;
    this.rejoinedAt = 0;
    this.notice = undefined;       // the channel's notice of the last frame drawn (frames carry it)
  }

  // --- what the page sends on every run ------------------------------------------------------
  update(data, setTriggerValue) {
    this.trigger = setTriggerValue;
    this.updatedAt = performance.now();
    this.queue(this.draw(data));
    if (data.token !== this.token) this.connect(data.token, data.path);
    else if (!this.socket && !this.retryTimer) this.connect(data.token, data.path);
  }

  // The element's data, from a page run or from the socket (a run switched to without one): the layout
  // now, the charts in the returned work (queued after the frame being drawn).
  draw(data) {
    // A first picture to show (nothing drawn on its chart yet): its image loads while the element is laid out
    // (loaded after it, it came ~20 ms later), and it goes on screen before the other parts (below).
    const firstSpec = (data.charts || {})[data.first_chart];
    const firstChart = this.parts.get(data.first_chart);
    const previewFirst = !!(firstSpec && firstSpec.preview)
      && !(firstChart instanceof Chart && (firstChart.plotted || firstChart.preview));
    if (previewFirst) {
      firstSpec.preview.loading = new Image();
      firstSpec.preview.loading.src = firstSpec.preview.image;
    }
    this.data = data;
    this.banner.textContent = data.banner || "";
    this.banner.hidden = !data.banner;
    for (const [name, lut] of Object.entries(data.luts || {})) this.luts[name] = bytesOf(lut);
    this.root.classList.toggle("snl-big", !!data.big);
    this.buildLayout(data.layout);
    // The numbers' tiles before their numbers: the first frame fills them in without moving the charts.
    if (data.metrics && this.metricsRow.dataset.signature !== data.metrics.join("\u0000")) {
      this.setMetrics(data.metrics.map((label) => [label, "–"]));
    }
    this.fit();
    // Parts other than Plotly charts (the network diagram, the dataset pictures, the knobs), in their fitted size.
    // On a first draw the first picture goes on screen before them, and they come right after its paint: they
    // were ~60 ms of one task before it (measured: stApp -> picture 0.41 -> 0.39 s, the baseline's). Until then
    // they are unseen (`snl-pending`): their bars and buttons, drawn after a paint, moved what was under them (a
    // layout shift of 0.03-0.05).
    const specs = data.charts || {};
    const others = [...this.parts].filter(([name, part]) => !(part instanceof Chart) && specs[name]);
    const drawParts = () => {
      for (const [name, part] of others) part.setSpec(specs[name]);
      this.fit();               // again: a part's size may follow its spec (the network's units on a phone)
      for (const [, part] of others) part.root.classList.remove("snl-pending");
    };
    if (previewFirst) for (const [, part] of others) part.root.classList.add("snl-pending");
    else drawParts();
    return async () => {
      // The first picture before anything else (the diagram, the other charts), and plotly.js on its way.
      const first = this.parts.get(data.first_chart);
      if (first instanceof Chart && (data.charts || {})[data.first_chart]) {
        first.showPreview(data.charts[data.first_chart], () => this.firstDrawn());
      }
      loadPlotly().catch(() => {});     // the charts below await it and report a failure
      if (previewFirst) {
        if (first instanceof Chart && first.previewShown) await first.previewShown;
        drawParts();
      }
      for (const [name, spec] of Object.entries(data.charts || {})) {
        const part = this.parts.get(name);
        if (!part) continue;
        if (part instanceof Chart) {
          part.onClick = spec.clickable ? (point) => this.send("click", point) : null;
          await part.setFigure(spec, name === data.first_chart ? () => this.firstDrawn() : null);
        }
      }
      if (data.frame) await this.apply(this.inline(data.frame));
    };
  }

  inline(frame) {
    return Object.assign({}, frame, { blobs: frame.blobs.map(bytesOf) });
  }

  send(name, value) {
    if (this.trigger && leftAt < this.updatedAt) this.trigger(name, value);
  }

  firstDrawn() {
    if (this.data && this.data.report_drawn && !this.reportedDrawn) {
      this.reportedDrawn = true;
      this.send("drawn", true);
    }
  }

  buildLayout(layout) {
    const key = JSON.stringify(layout);
    if (key === this.layoutKey) return;
    this.layoutKey = key;
    for (const part of this.parts.values()) if (part.destroy) part.destroy();
    this.parts.clear();
    this.grid.replaceChildren();
    this.grid.className = "snl-grid";
    this.root.dataset.fit = layout.fit || "";
    this.root.prepend(this.metricsRow);
    const addParts = (cell, names) => {
      cell.dataset.parts = names.join(" ");
      for (const name of names) {
        const spec = (this.data.charts || {})[name] || {};
        const Part = PARTS.get(spec.type);           // a part of another file (PARTS)
        this.parts.set(name, Part ? new Part(name, cell, this)
          : spec.type === "table" ? new Table(name, cell) : new Chart(name, cell));
      }
    };
    if (layout.areas) {
      // Named areas of one grid, placed by the page's CSS (ui/css/live.css `.snl-t-<template>`): a laptop, a
      // phone (one column, `snl-narrow`) and a projector each get their own arrangement of the same parts.
      this.grid.classList.add("snl-areas", `snl-t-${layout.template}`);
      for (const [area, names] of Object.entries(layout.areas)) {
        const cell = document.createElement("div");
        cell.className = "snl-cell";
        cell.dataset.area = area;
        cell.style.gridArea = area;
        if (area === "metrics") cell.appendChild(this.metricsRow);
        addParts(cell, names);
        this.grid.appendChild(cell);
      }
      return;
    }
    for (const row of layout.rows) {
      const line = document.createElement("div");
      line.className = "snl-row";
      line.style.gridTemplateColumns = row.cols.map((c) => `minmax(0, ${c}fr)`).join(" ");
      row.cells.forEach((names) => {
        const cell = document.createElement("div");
        cell.className = "snl-cell";
        addParts(cell, names);
        line.appendChild(cell);
      });
      this.grid.appendChild(line);
    }
  }

  // --- fitting the screen -----------------------------------------------------------------------
  // A layout with `fit` ("playground") is sized here to the window it is seen in, before it is drawn: on a
  // laptop the data, the network, the boundary and the loss all fit under the page's run bar (nothing to
  // scroll to); on a narrow screen (a phone) it is one column, the boundary as wide as the screen, then the
  // loss, the network and the data; on a projector (`big`) the network, the boundary and the loss side by
  // side. The sizes follow the window and nothing else, so nothing moves once drawn (a frame, a notice, a
  // finished run: no layout shift).
  fit() {
    const fit = this.data && this.data.layout && this.data.layout.fit;
    if (!fit) return;
    if (!this.fitWatch) {
      this.fitWatch = new ResizeObserver(() => this.queueFit());
      this.fitWatch.observe(this.root);
      window.addEventListener("resize", () => this.queueFit());
    }
    const width = this.root.clientWidth;
    if (!width) return;
    const narrow = width < NARROW_PX || window.innerWidth <= PHONE_MAX_PX;
    this.root.classList.toggle("snl-narrow", narrow);
    const gap = parseFloat(getComputedStyle(this.grid).rowGap) || 12;
    const cellOf = (name) => {
      const part = this.parts.get(name);
      return part ? (part.div || part.root).parentElement : null;
    };
    const widthOf = (name) => (cellOf(name) ? cellOf(name).clientWidth : width);
    const big = !!this.data.big;
    // A square plot: the chart's width less its side margins, plus its top and bottom ones.
    const square = (w) => (narrow ? w + 8 : big ? w - 80 + 80 : w - 60 + 50);
    const boundaryW = widthOf("boundary") + (narrow ? 2 * BLEED_PX : 0);
    const diagram = this.parts.get("diagram");
    let sizes;
    let frame = null;
    if (narrow) {
      sizes = { boundary: square(boundaryW), loss: Math.max(200, 0.6 * widthOf("loss")),
                diagram: Math.max(340, Math.min(1.05 * width, 560), diagram && diagram.minHeight ? diagram.minHeight() : 0) };
    } else {
      const room = this.room();
      // The data column (pictures, knobs, buttons) closer together where a short window would cut it off
      // (docs/measured.md#tight-data).
      const data = this.grid.querySelector('.snl-cell[data-area="data"]');
      this.root.classList.remove("snl-tight");
      if (data && !big && data.offsetHeight > room) this.root.classList.add("snl-tight");
      const metrics = this.metricsRow.offsetParent ? this.metricsRow.offsetHeight + gap : 0;
      const height = Math.max(big ? 300 : 420, room - metrics);
      const shared = cellOf("boundary") === cellOf("loss");
      if (shared) {
        // A laptop: the boundary over the loss in one column. The boundary's plot is the largest square that
        // leaves the loss its least plot, with its legend right of it (the two centred in the column).
        // A square plot: the largest that leaves the loss its least plot, with the legend over it or beside it,
        // whichever leaves the larger square (a short window: beside; 1440x900: over), the two centred.
        const cellGap = parseFloat(getComputedStyle(cellOf("boundary")).rowGap) || 8;
        const legend = this.legendWidth("boundary");
        const m = BOUNDARY_MARGIN;
        const tall = height - cellGap - LOSS_PLOT_MIN_PX - LOSS_MARGIN_PX - m.b;
        const frames = [{ legend: "beside", t: m.t, wide: boundaryW - m.l - (legend ? legend + LEGEND_GAP_PX : m.t) },
                        { legend: "over", t: legend ? LEGEND_OVER_PX : m.t, wide: boundaryW - m.l - m.t }];
        const sideOf = (f) => Math.max(160, Math.min(f.wide, tall - f.t));
        const f = sideOf(frames[0]) >= sideOf(frames[1]) ? frames[0] : frames[1];
        const side = sideOf(f);
        const l = m.l + Math.max(0, f.wide - side) / 2;
        frame = { legend: f.legend, l: Math.round(l), r: Math.round(boundaryW - l - side), t: f.t, b: m.b };
        sizes = { boundary: side + f.t + m.b, loss: height - cellGap - side - f.t - m.b, diagram: height };
      } else {
        // A projector: the numbers are over the boundary and the loss only, the network has the whole height.
        const boundary = Math.min(square(boundaryW), height);
        sizes = { boundary, loss: boundary, diagram: big ? Math.max(360, room) : height };
      }
    }
    const boundary = this.parts.get("boundary");
    const loss = this.parts.get("loss");
    if (boundary instanceof Chart) boundary.fitTo(sizes.boundary, narrow, frame).catch((err) => this.fail(err));
    if (loss instanceof Chart) loss.fitTo(sizes.loss, narrow).catch((err) => this.fail(err));
    if (diagram && diagram.fitTo) diagram.fitTo(sizes.diagram);
    this.root.dataset.fitted = JSON.stringify(Object.fromEntries(Object.entries(sizes).map(([k, v]) => [k, Math.round(v)])));
  }

  legendWidth(name) {
    // The width of a chart's legend drawn beside its plot (0: none), from its figure's entries' words, measured
    // in the figure's font before Plotly draws it: the plot's size follows from it, so it is known first.
    const spec = (this.data.charts || {})[name];
    if (!spec || !spec.figure) return 0;
    if (spec.legendWidth === undefined) {
      const figure = JSON.parse(spec.figure);
      const layout = figure.layout || {};
      const names = layout.showlegend ? (figure.data || []).filter((t) => t.showlegend !== false).map((t) => t.name || "") : [];
      const font = layout.font || {};
      const ctx = document.createElement("canvas").getContext("2d");
      ctx.font = `${font.size || 12}px ${font.family || '"Open Sans", verdana, arial, sans-serif'}`;
      spec.legendWidth = names.length ? Math.ceil(LEGEND_ITEM_PX + Math.max(...names.map((n) => ctx.measureText(n).width))) : 0;
    }
    return spec.legendWidth;
  }

  room() {
    // The height left under the element's top in its scrolling container (Streamlit's main area).
    let scroller = this.root.parentElement;
    while (scroller && scroller !== document.body && !/(auto|scroll)/.test(getComputedStyle(scroller).overflowY)) {
      scroller = scroller.parentElement;
    }
    const view = scroller && scroller !== document.body ? scroller : document.documentElement;
    const top = this.root.getBoundingClientRect().top - (view === document.documentElement ? 0 : view.getBoundingClientRect().top)
      + view.scrollTop;
    return Math.min(view.clientHeight, window.innerHeight) - top - FIT_BOTTOM_PX;
  }

  // --- frames -------------------------------------------------------------------------------
  queue(work) {
    this.busy = this.busy.then(work).catch((err) => this.fail(err));
    return this.busy;
  }

  fail(err) {
    console.error("[live_view]", err);
    this.showStatus(`Live view error: ${err && err.message ? err.message : err}`);
  }

  newer(frame) {
    const d = this.drawn;
    return frame.key !== d.key || frame.rev !== d.rev || frame.v >= d.v;
  }

  async apply(frame) {
    this.noticed(frame);
    if (!this.newer(frame)) return;
    const byChart = new Map();
    for (const image of frame.images || []) {
      if (!byChart.has(image.chart)) byChart.set(image.chart, []);
      byChart.get(image.chart).push(image);
    }
    const work = [];
    for (const [name, images] of byChart) {
      const chart = this.parts.get(name);
      if (chart) work.push(chart.setImages(images, this.luts, frame.blobs));
    }
    for (const update of frame.curves || []) {
      const chart = this.parts.get(update.chart);
      if (chart) work.push(chart.addPoints(update));
    }
    for (const figure of frame.figures || []) {
      const chart = this.parts.get(figure.chart);
      if (chart) work.push(chart.setWhole(figure.figure));
    }
    if (frame.table) {
      const table = [...this.parts.values()].find((p) => p instanceof Table);
      if (table) table.setRows(frame.table);
    }
    for (const part of this.parts.values()) if (part.applyFrame) work.push(part.applyFrame(frame));
    if (frame.metrics) this.setMetrics(frame.metrics);
    await Promise.all(work);
    this.drawn = { key: frame.key, v: frame.v, rev: frame.rev };
    this.root.dataset.epoch = String(frame.epoch);
    this.root.dataset.frames = String(Number(this.root.dataset.frames || 0) + 1);
    // A run that stopped by itself (its last epoch, a target, a divergence, an error): the page
    // runs again, so its buttons and messages say so.
    // So does the end of a Step's epochs (its Pause becomes Play).
    const stopped = frame.stopped || null;
    const stepping = !!frame.stepping;
    if ((this.stopped === null && stopped !== null) || (this.stepping && !stepping)) this.send("stopped", frame.epoch);
    this.stopped = stopped;
    this.stepping = stepping;
  }

  async mount(frame) {
    // The server switched this element to another run (news: a class's setup): its data came with
    // this frame, and is drawn before the frame.
    const data = JSON.parse(new TextDecoder().decode(frame.blobs[frame.mount]));
    await this.draw(Object.assign(data, { token: this.token, path: this.data.path, closes: this.data.closes }))();
  }

  noticed(frame) {
    // News from outside the page's own run (e.g. the class's teacher sent a setup): the page runs again.
    if (frame.notice === undefined) return;
    if (this.notice !== undefined && frame.notice !== this.notice) this.send("notice", frame.notice);
    this.notice = frame.notice;
  }

  setMetrics(items) {
    const signature = items.map((item) => item[0]).join("\u0000");
    if (this.metricsRow.dataset.signature !== signature) {
      this.metricsRow.replaceChildren(...items.map(([label]) => {
        const tile = document.createElement("div");
        tile.className = "snl-item";
        tile.dataset.label = label;
        const name = document.createElement("div");
        name.className = "snl-label";
        name.textContent = label;
        const value = document.createElement("div");
        value.className = "snl-value";
        tile.append(name, value);
        return tile;
      }));
      this.metricsRow.dataset.signature = signature;
    }
    items.forEach(([, value], i) => {
      const cell = this.metricsRow.children[i].lastChild;
      if (cell.textContent !== value) cell.textContent = value;
    });
  }

  // --- the socket ---------------------------------------------------------------------------
  connect(token, path) {
    this.closeSocket();
    this.token = token;
    if (!token || this.dead) return;
    let ws;
    try {
      ws = new WebSocket(socketUrl(path), ["scratchnet-live", token]);
    } catch (err) {
      this.retry(`could not open the live connection (${err.message})`);
      return;
    }
    ws.binaryType = "arraybuffer";
    this.socket = ws;
    ws.onopen = () => {
      this.retries = 0;
      this.hideStatus();
      this.request();
    };
    ws.onmessage = (ev) => {
      this.awake();
      if (typeof ev.data === "string") return;            // an "idle" note: the server is there
      let frame;
      try {
        frame = parseFrame(ev.data);
      } catch (err) {
        this.fail(err);
        return;
      }
      this.queue(async () => {
        if (frame.mount !== undefined) await this.mount(frame);
        await this.apply(frame);
        await nextFrame();                                // on screen: ask for the next one
        this.request();
      });
    };
    ws.onclose = (ev) => {
      if (this.socket !== ws) return;
      this.socket = null;
      clearTimeout(this.staleTimer);
      if (this.dead) return;
      // "replaced": a newer socket of this session took its place. An element that has left the page stays closed;
      // one still on it (a remount it was not told of) reconnects, or it would stand still until the page's next run.
      const closes = this.data.closes || {};
      if (ev.code === closes.replaced && !this.root.isConnected) return;
      if (ev.code === closes.ended) this.rejoin();        // the session ended: the page gets a new one
      this.retry(ev.code === 1006 ? "the live connection was refused or lost" : `the live connection closed (${ev.code})`);
    };
  }

  request() {
    const ws = this.socket;
    if (!ws || ws.readyState !== WebSocket.OPEN) return;
    const message = { t: "next", key: this.drawn.key || "", v: this.drawn.v, rev: this.drawn.rev, charts: {},
                      n: this.notice === undefined ? -1 : this.notice };
    for (const [name, part] of this.parts) {          // each curve chart: the points it has (live/route.py)
      const curve = part instanceof Chart && part.curve;
      if (curve && curve.key === this.drawn.key) {
        message.charts[name] = { after: curve.x.map((xs) => (xs.length ? xs[xs.length - 1] : -1)), stride: curve.stride };
      }
    }
    ws.send(JSON.stringify(message));
    this.awake();
  }

  awake() {
    clearTimeout(this.staleTimer);
    this.staleTimer = setTimeout(() => {
      if (this.socket) this.socket.close();
    }, STALE_MS);
  }

  retry(reason) {
    const wait = RETRY_MS[Math.min(this.retries, RETRY_MS.length - 1)];
    this.retries += 1;
    this.showStatus(`Live view paused: ${reason}. Reconnecting in ${Math.round(wait / 1000) || 1} s` +
                    (this.retries > 1 ? ` (attempt ${this.retries})…` : "…"));
    if (this.retries >= 3) this.rejoin();                 // maybe the token is stale: the page gives a new one
    clearTimeout(this.retryTimer);
    this.retryTimer = setTimeout(() => {
      this.retryTimer = null;
      if (this.root.isConnected) this.connect(this.token, this.data.path);   // not while leaving the page
    }, wait);
  }

  rejoin() {
    const now = Date.now();
    if (now - this.rejoinedAt < 10000) return;
    this.rejoinedAt = now;
    this.send("rejoin", now);
  }

  showStatus(text) {
    this.status.textContent = text;
    this.status.hidden = false;
  }

  hideStatus() {
    this.status.hidden = true;
  }

  closeSocket() {
    clearTimeout(this.retryTimer);
    clearTimeout(this.staleTimer);
    this.retryTimer = null;
    const ws = this.socket;
    this.socket = null;
    if (ws) ws.close();
  }

  destroy() {
    this.dead = true;
    this.closeSocket();
    for (const part of this.parts.values()) if (part.destroy) part.destroy();
    this.root.remove();
  }
}

export default function liveView(component) {
  const { data, parentElement, setTriggerValue } = component;
  let view = VIEWS.get(parentElement);
  if (!view) {
    view = new LiveView(parentElement);
    VIEWS.set(parentElement, view);
  }
  try {
    view.update(typeof data === "string" ? JSON.parse(data) : data || {}, setTriggerValue);
  } catch (err) {
    view.fail(err);
  }
  const mine = view;
  return () => {
    setTimeout(() => {
      if (!parentElement.isConnected && VIEWS.get(parentElement) === mine) {
        VIEWS.delete(parentElement);
        mine.destroy();
      }
    }, UNMOUNT_GRACE_MS);
  };
}
