// The network diagram of a live element (live/diagram.py sends it, scratchnet/draw/diagram_data.py decides what is drawn).
//
// A column of input features, one per hidden layer, the outputs. Each unit is a little picture of what
// it computes over the plane, each weight a line (colour = sign, width = |w|), each bias a small square
// at its unit. Everything a learner can read or change is a focusable SVG element whose accessible name
// starts with its value ("W1[2,3] = -0.418"); arrow keys move between them (one tab stop for the whole
// network), Enter changes a weight or bias or turns an input on or off. "Gradients" shows ∂L/∂W of the
// newest step on the lines and ∂L/∂z (summed over the batch, = ∂L/∂b) on the units; "Step slowly" walks
// through one step, stage by stage.
//
// The page's data brings the structure once (`setSpec`); frames bring numbers (`setNumbers`): float32
// weights and biases in the order of the spec's names, the newest step's gradients in the same order,
// and a few times a second each unit's picture (uint8 codes coloured through the "units" colour table).
// A part of the live element (live/js/parts.js), for charts of type "diagram".

import { bytesOf, colourCodes, onceAFrame } from "./parts.js";

const SVG_NS = "http://www.w3.org/2000/svg";
const DIAGRAM_TIP_PAD = 12;
// Accessible names and the open tooltip follow the numbers at most this often (and always catch up with the
// last frame): rewriting ~1,000 names 30 times a second cost the wide network's frames ~1.4 ms each.
const LABELS_EVERY_MS = 200;
// A finger, not a mouse: lines and the small bias squares are too thin to tap (WCAG 2.5.8 asks 24 px targets),
// so there a tap on a unit (24 px at least) lists its bias and the weights into it, each a button that opens
// the editor; the keyboard still reaches every line and square.
const COARSE = typeof matchMedia === "function" && matchMedia("(pointer: coarse)").matches;
const TAP_PX = 26;                 // a unit's side on a touch screen, and its slot at least this plus a gap
const TAP_PITCH_PX = 34;

function svgEl(tag, attrs = {}, parent = null) {
  const node = document.createElementNS(SVG_NS, tag);
  for (const [k, v] of Object.entries(attrs)) node.setAttribute(k, String(v));
  if (parent) parent.appendChild(node);
  return node;
}

function htmlEl(tag, className, parent = null, text = null) {
  const node = document.createElement(tag);
  if (className) node.className = className;
  if (text !== null) node.textContent = text;
  if (parent) parent.appendChild(node);
  return node;
}

function float32(blob) {
  // A copy: frame blobs are views at any byte offset, and a Float32Array needs an aligned buffer.
  return new Float32Array(blob.slice().buffer);
}

function fixed3(v) {
  return Number.isFinite(v) ? v.toFixed(3) : String(v);
}

function signif(v) {
  // Gradients: four significant digits, however small.
  if (!Number.isFinite(v)) return String(v);
  if (v === 0) return "0";
  const a = Math.abs(v);
  return a >= 1e-3 && a < 1e4 ? String(Number(v.toPrecision(4))) : v.toExponential(3);
}

function sprite(codes, res, lut, lastLuts = []) {
  // Pictures of `res`×`res` stacked top to bottom on one canvas, so drawing a unit is one drawImage.
  // `lastLuts` colour the last pictures (the output units: each in its own class's colour).
  const count = Math.floor(codes.length / (res * res));
  const canvas = document.createElement("canvas");
  canvas.width = res;
  canvas.height = Math.max(1, count * res);
  if (!count || !lut) return canvas;
  const pixels = colourCodes(codes, lut);
  const cells = res * res;
  lastLuts.forEach((table, i) => {
    const k = count - lastLuts.length + i;
    if (k >= 0) pixels.set(colourCodes(codes.subarray(k * cells, (k + 1) * cells), table), k * cells * 4);
  });
  canvas.getContext("2d").putImageData(new ImageData(pixels, res, count * res), 0, 0);
  return canvas;
}

export class DiagramPart {
  constructor(name, host, view) {
    this.name = name;
    this.view = view;
    this.root = htmlEl("div", "snd-root", host);
    this.root.dataset.chart = name;
    this.root.dataset.frames = "0";
    this.bar = htmlEl("div", "snd-bar", this.root);
    this.layersBox = htmlEl("div", "snd-shape snd-layers", this.bar);
    this.layersBox.setAttribute("role", "group");
    this.layersBox.hidden = true;
    this.modes = htmlEl("div", "snd-modes", this.bar);
    this.modes.setAttribute("role", "group");
    this.modes.setAttribute("aria-label", "What the lines show");
    this.modeButtons = {};
    for (const [mode, text] of [["weights", "Weights"], ["gradients", "Gradients"]]) {
      const b = htmlEl("button", "snd-button", this.modes, text);
      b.type = "button";
      b.addEventListener("click", () => this.setMode(mode));
      this.modeButtons[mode] = b;
    }
    this.stepButton = htmlEl("button", "snd-button snd-step", this.bar, "Step slowly");
    this.stepButton.type = "button";
    this.stepButton.title = "Train one step and walk through it: forward, loss, backward, update";
    this.stepButton.addEventListener("click", () => this.askWalk());
    this.legend = htmlEl("div", "snd-legend", this.bar);
    this.note = htmlEl("div", "snd-note", this.root);
    this.stage = htmlEl("div", "snd-stage", this.root);
    this.canvas = htmlEl("canvas", "snd-pictures", this.stage);
    this.svg = svgEl("svg", { class: "snd-svg", role: "group" }, this.stage);
    this.tip = htmlEl("div", "snd-tip", this.stage);
    this.tip.hidden = true;
    this.tip.setAttribute("aria-hidden", "true");          // the focused element's own name says it all
    this.buildEditor();
    this.buildWalkPanel();
    this.spec = null;
    this.signature = null;
    this.mode = "weights";
    this.values = null;
    this.grads = null;
    this.gradNote = null;
    this.unitSprite = null;
    this.ranges = null;
    this.items = [];
    this.current = 0;
    this.hover = null;
    this.walk = null;
    this.walkId = null;
    this.editId = 0;
    this.editing = null;
    this.shownMessage = null;
    this.ctx = { send: () => {}, luts: {} };
    this.queueLayout = onceAFrame(() => this.layout());
    this.resizer = new ResizeObserver(() => this.queueLayout());
    this.resizer.observe(this.stage);
    this.svg.addEventListener("keydown", (ev) => this.key(ev));
    this.svg.addEventListener("focusin", (ev) => this.focused(ev));
    this.svg.addEventListener("focusout", () => {
      this.focusedItem = null;
      if (!this.hover) this.hideTip();
    });
    this.svg.addEventListener("pointerleave", () => { this.hover = null; this.hideTip(); });
  }

  buildEditor() {
    this.editor = htmlEl("form", "snd-editor", this.stage);
    this.editor.hidden = true;
    this.editorLabel = htmlEl("label", "snd-editor-label", this.editor);
    this.editorInput = htmlEl("input", "snd-editor-input", this.editor);
    this.editorInput.type = "text";
    this.editorInput.inputMode = "decimal";
    this.editorInput.autocomplete = "off";
    this.editorInput.id = `snd-edit-${Math.random().toString(36).slice(2)}`;
    this.editorLabel.htmlFor = this.editorInput.id;
    this.editorMessage = htmlEl("div", "snd-editor-message", this.editor);
    this.editorMessage.setAttribute("role", "alert");
    this.editor.addEventListener("submit", (ev) => {
      ev.preventDefault();
      this.submitEdit();
    });
    this.editorInput.addEventListener("keydown", (ev) => {
      if (ev.key === "Escape") {
        ev.preventDefault();
        this.closeEditor(true);
      }
    });
  }

  buildWalkPanel() {
    this.walkPanel = htmlEl("section", "snd-walk", this.root);
    this.walkPanel.hidden = true;
    this.walkPanel.setAttribute("aria-label", "Step slowly");
    this.walkPanel.tabIndex = -1;
    const head = htmlEl("div", "snd-walk-head", this.walkPanel);
    this.walkProgress = htmlEl("span", "snd-walk-progress", head);
    this.walkTitle = htmlEl("h4", "snd-walk-title", head);
    this.walkText = htmlEl("div", "snd-walk-text", this.walkPanel);
    this.walkText.setAttribute("aria-live", "polite");
    this.walkFormula = htmlEl("div", "snd-formula", this.walkText);
    this.walkShapes = htmlEl("div", "snd-shapes", this.walkText);
    this.walkExtra = htmlEl("div", "snd-walk-extra", this.walkText);
    const buttons = htmlEl("div", "snd-walk-buttons", this.walkPanel);
    this.walkBack = htmlEl("button", "snd-button", buttons, "← Back");
    this.walkNext = htmlEl("button", "snd-button snd-primary", buttons, "Next →");
    this.walkClose = htmlEl("button", "snd-button", buttons, "Close");
    for (const b of [this.walkBack, this.walkNext, this.walkClose]) b.type = "button";
    this.walkBack.addEventListener("click", () => this.walkTo(this.stageIndex - 1));
    this.walkNext.addEventListener("click", () => this.walkTo(this.stageIndex + 1));
    this.walkClose.addEventListener("click", () => this.endWalk());
    this.walkPanel.addEventListener("keydown", (ev) => {
      if (ev.key === "ArrowRight") this.walkTo(this.stageIndex + 1);
      else if (ev.key === "ArrowLeft") this.walkTo(this.stageIndex - 1);
      else if (ev.key === "Escape") this.endWalk();
      else return;
      ev.preventDefault();
    });
  }

  // --- the structure, from the page's data -------------------------------------------------------
  setSpec(spec) {
    const view = this.view;
    this.ctx = { send: (name, value) => view.send(name, value), luts: view.luts, big: !!(view.data && view.data.big) };
    if (spec.height !== "fit") this.height = spec.height || "600px";   // "fit": the element's fit sizes it
    this.height = this.height || "480px";
    this.fitHeight();
    const signature = JSON.stringify([spec.key, spec.columns, spec.edit, spec.toggles, spec.colors, spec.scale,
                                      spec.actions, spec.features.pictures.length]);
    if (signature !== this.signature) {
      this.signature = signature;
      this.spec = spec;
      this.build();
    }
    this.spec.message = spec.message;
    this.spec.selected = spec.selected;
    this.stepButton.hidden = !(spec.actions && spec.actions.walk);
    if (spec.mode && !this.modeSet) this.setMode(spec.mode, false);
    if (spec.message) this.editResult(spec.message);
    if (spec.walk && spec.walk.id !== this.walkId) this.startWalk(spec.walk);
    this.markSelected();
  }

  fitTo(px) {
    // The element's fit (live/js/live_view.js) gives the diagram its height.
    this.height = `${Math.round(px)}px`;
    this.fitHeight();
  }

  fitHeight() {
    // The walk's panel goes below the drawing, which keeps its size: the element grows while it shows.
    const extra = this.walkPanel.hidden ? 0 : this.walkPanel.offsetHeight + 6;
    this.root.style.height = extra ? `calc(${this.height} + ${extra}px)` : this.height;
  }

  build() {
    const spec = this.spec;
    this.closeEditor(false);
    this.closeUnitPanel(false);
    this.endWalk(false);
    this.values = null;
    this.grads = null;
    this.unitSprite = null;
    this.svg.replaceChildren();
    this.svg.setAttribute("aria-label", `The network, ${spec.columns.map((c) => c.title).join(", ")}: ` +
                          "arrow keys move between its units, weights and biases");
    this.halo = svgEl("path", { class: "snd-halo" }, this.svg);
    this.edgeLayer = svgEl("g", { class: "snd-edges" }, this.svg);
    this.unitLayer = svgEl("g", { class: "snd-units" }, this.svg);
    this.textLayer = svgEl("g", { class: "snd-texts" }, this.svg);
    this.featureSprite = sprite(bytesOf(spec.features.pictures), spec.features.res, this.ctx.luts.units);
    this.outputLuts = (spec.output_luts || []).map(bytesOf);
    const nW = spec.weights.length;
    const nB = spec.biases.length;
    // Units: where each sits (column, slot) and what it is.
    this.columns = spec.columns.map((col, c) => {
      const units = col.units.map((u, k) => ({ kind: col.kind, col: c, slot: k, ...u }));
      if (col.more) units.push({ kind: "band", col: c, slot: units.length, label: col.band, more: col.more });
      const title = svgEl("text", { class: "snd-title", "text-anchor": "middle" }, this.textLayer);
      return { ...col, units, titleEl: title };
    });
    let picture = 0;
    for (const col of this.columns) {
      for (const u of col.units) {
        if (u.kind === "hidden" || u.kind === "output") u.picture = picture++;
      }
    }
    const unitAt = (column, index) => this.columns[column].units[index];
    const inputSlot = (row) => this.columns[0].units.find((u) => u.row === row);
    const source = (layer, row) => (layer === 0 ? inputSlot(row) : unitAt(layer, row));
    const bandOf = (column) => this.columns[column].units.find((u) => u.kind === "band");
    // Weights, then biases, then bands, in the order of the frames' numbers.
    this.edges = spec.weights.map(([layer, i, j, name], index) => ({
      kind: "weight", layer, name, index, from: source(layer, i), to: unitAt(layer + 1, j) }));
    this.biases = spec.biases.map(([layer, j, name], k) => {
      const unit = unitAt(layer + 1, j);
      const bias = { kind: "bias", layer, name, index: nW + k, unit };
      unit.bias = bias;
      return bias;
    });
    const bandStart = nW + nB;
    this.edges.push(...spec.bands.map(([layer, r0, r1, c0, c1, name, count], k) => {
      const shownRows = this.columns[layer].units.filter((u) => u.kind !== "band").length;
      const shownCols = this.columns[layer + 1].units.filter((u) => u.kind !== "band").length;
      const from = r1 - r0 === 1 && r0 < shownRows ? source(layer, r0) : bandOf(layer);
      const to = c1 - c0 === 1 && c0 < shownCols ? unitAt(layer + 1, c0) : bandOf(layer + 1);
      return { kind: "bandline", layer, name, count, index: bandStart + 2 * k, from, to };
    }));
    const biasBandStart = bandStart + 2 * spec.bands.length;
    spec.bias_bands.forEach(([layer, , , name, count], k) => {
      bandOf(layer + 1).biasBand = { name, count, index: biasBandStart + 2 * k };
    });
    // The DOM: lines under units; every readable thing focusable, in reading order.
    for (const e of this.edges) {
      e.line = svgEl("path", { class: e.kind === "bandline" ? "snd-line snd-band-line" : "snd-line" }, this.edgeLayer);
      e.el = svgEl("path", { class: "snd-hit", tabindex: -1, role: e.kind === "weight" ? "button" : "img" },
                   this.edgeLayer);
      e.el.dataset.param = e.name;
    }
    for (const col of this.columns) {
      for (const u of col.units) {
        u.el = svgEl("rect", { class: `snd-unit snd-${u.kind}`, tabindex: -1, rx: 3 }, this.unitLayer);
        if (u.kind === "input") {
          u.el.setAttribute("role", this.spec.toggles ? "switch" : "img");
          if (this.spec.toggles) u.el.setAttribute("aria-checked", String(u.active));
          u.el.classList.toggle("snd-off", !u.active);
        } else {
          u.el.setAttribute("role", COARSE && u.kind !== "band" ? "button" : "img");
        }
        u.el.dataset.unit = u.label;
        if (u.kind === "band") {
          u.text = svgEl("text", { class: "snd-band-text", "text-anchor": "middle" }, this.textLayer);
          u.text.textContent = `+${u.more} more`;
        } else if (u.kind === "input") {
          u.text = svgEl("text", { class: "snd-input-text", "text-anchor": "end" }, this.textLayer);
          u.text.textContent = u.label;
          u.text.classList.toggle("snd-off", !u.active);
        }
        u.num = svgEl("text", { class: "snd-num", "text-anchor": "middle" }, this.textLayer);
        if (u.bias) {
          u.bias.el = svgEl("rect", { class: "snd-bias", tabindex: -1, role: "button", rx: 1.5 }, this.unitLayer);
          u.bias.el.dataset.param = u.bias.name;
        }
      }
    }
    this.items = [];
    this.columns.forEach((col, c) => {
      for (const u of col.units) {
        this.items.push(u);
        if (u.bias) this.items.push(u.bias);
      }
      for (const e of this.edges) if (e.layer === c) this.items.push(e);
    });
    this.items.forEach((item, k) => {
      item.order = k;
      item.el.addEventListener("pointerenter", (ev) => { this.hover = item; this.showTip(item, ev); });
      item.el.addEventListener("pointermove", (ev) => { if (this.hover === item) this.placeTip(ev); });
      item.el.addEventListener("click", () => {
        this.focusItem(k);
        this.activate(item);
      });
    });
    this.current = 0;
    if (this.items.length) this.items[0].el.setAttribute("tabindex", "0");
    this.buildShape();
    this.renderLegend();
    this.layout();
    this.paint();
  }

  // --- + and − for layers and units (the Playground's network: spec.shape) -------------------------
  buildShape() {
    // The hidden layers' widths, changed on the diagram itself as TensorFlow Playground does: a click asks
    // the page for the whole new list (`shape` trigger), so clicks made before the page answers add up
    // instead of overwriting each other; the numbers show the asked-for widths at once.
    for (const box of this.unitBoxes || []) box.remove();
    this.unitBoxes = [];
    const shape = this.spec.shape;
    this.layersBox.hidden = !shape;
    if (!shape) return;
    this.hidden = shape.hidden.slice();
    const button = (parent, text, label, onClick) => {
      const b = htmlEl("button", "snd-button snd-pm", parent, text);
      b.type = "button";
      b.setAttribute("aria-label", label);
      b.title = label;
      b.addEventListener("click", onClick);
      return b;
    };
    this.layersBox.replaceChildren();
    htmlEl("span", "snd-shape-label", this.layersBox, "Hidden layers");
    this.layersMinus = button(this.layersBox, "−", "Remove the last hidden layer", () => this.reshape(this.hidden.slice(0, -1)));
    this.layersCount = htmlEl("span", "snd-count", this.layersBox);
    this.layersPlus = button(this.layersBox, "+", "Add a hidden layer", () => {
      const last = this.hidden.length ? this.hidden[this.hidden.length - 1] : shape.new_units;
      this.reshape(this.hidden.concat([last]));
    });
    this.columns.forEach((col) => {
      if (col.kind !== "hidden") return;
      const i = col.layer - 1;
      const box = htmlEl("div", "snd-shape snd-units-box", this.stage);
      box.setAttribute("role", "group");
      box.minus = button(box, "−", `One unit fewer in hidden layer ${col.layer}`, () => this.reshape(this.withUnits(i, -1)));
      box.count = htmlEl("span", "snd-count", box);
      box.plus = button(box, "+", `One more unit in hidden layer ${col.layer}`, () => this.reshape(this.withUnits(i, +1)));
      box.layer = i;
      this.unitBoxes.push(box);
    });
    this.showShape();
  }

  withUnits(i, delta) {
    const out = this.hidden.slice();
    out[i] = Math.max(this.spec.shape.min, Math.min(this.spec.shape.max, out[i] + delta));
    return out;
  }

  reshape(hidden) {
    const shape = this.spec.shape;
    if (hidden.length > shape.layers || JSON.stringify(hidden) === JSON.stringify(this.hidden)) return;
    this.hidden = hidden;
    this.showShape();
    this.ctx.send("shape", { hidden, id: Date.now() });
  }

  showShape() {
    const shape = this.spec.shape;
    const n = this.hidden.length;
    this.layersCount.textContent = String(n);
    this.layersBox.setAttribute("aria-label", `Hidden layers: ${n}`);
    this.layersMinus.disabled = n === 0;
    this.layersPlus.disabled = n >= shape.layers;
    for (const box of this.unitBoxes) {
      const units = this.hidden[box.layer];
      const gone = units === undefined;                  // a layer just removed: its controls wait for the page
      box.count.textContent = gone ? "" : String(units);
      box.setAttribute("aria-label", `Hidden layer ${box.layer + 1}: ${gone ? "removed" : `${units} units`}`);
      box.minus.disabled = gone || units <= shape.min;
      box.plus.disabled = gone || units >= shape.max;
    }
  }

  // --- geometry ----------------------------------------------------------------------------------
  layout() {
    if (!this.spec) return;
    const w = this.stage.clientWidth;
    const h = this.stage.clientHeight;
    if (!w || !h) return;
    this.size = [w, h];
    const big = !!this.ctx.big;
    this.svg.setAttribute("viewBox", `0 0 ${w} ${h}`);
    this.svg.setAttribute("width", w);
    this.svg.setAttribute("height", h);
    const n = this.columns.length;
    const slots = Math.max(...this.columns.map((c) => c.units.length));
    const bottom = big ? 26 : 18;
    const side = big ? 30 : 22;
    const labels = big ? 74 : 50;                        // room for the input features' names on the left
    const gap = n > 1 ? (w - labels - side) / (n - 1) : 0;
    const line = big ? 20 : 13;
    const staggered = gap < (big ? 110 : 64);            // narrow columns: titles on two rows, alternately
    const controls = this.unitBoxes && this.unitBoxes.length ? (big ? 46 : 32) : 0;   // + and − above the titles
    const top = (big ? 40 : 26) + (staggered ? line : 0) + controls;
    const pitch = (h - top - bottom) / Math.max(slots, 1);
    const s = Math.max(COARSE ? TAP_PX : 10, Math.min(big ? 96 : 64, pitch * 0.74, n > 1 ? gap * 0.4 : 64));
    this.tile = s;
    const roomy = gap >= (big ? 190 : 120);               // else "h1 · 20" instead of "Hidden layer 1 · 20"
    this.columns.forEach((col, c) => {
      const x = n > 1 ? labels + c * gap - (c === 0 ? 0 : c === n - 1 ? s : s / 2) : (w - s) / 2;
      const y0 = top + (h - top - bottom - col.units.length * pitch) / 2 + (pitch - s) / 2;
      col.titleEl.textContent = roomy || n < 2 ? col.title : col.short;
      col.titleEl.setAttribute("x", x + s / 2);
      col.titleEl.setAttribute("y", top - (big ? 14 : 10) - (staggered && c % 2 ? line : 0));
      for (const u of col.units) {
        u.x = x;
        u.y = y0 + u.slot * pitch;
        u.el.setAttribute("x", u.x);
        u.el.setAttribute("y", u.y);
        u.el.setAttribute("width", s);
        u.el.setAttribute("height", s);
        u.num.setAttribute("x", u.x + s / 2);
        u.num.setAttribute("y", u.y + s + (big ? 18 : 11));
        if (u.kind === "band") u.text.textContent = s >= 44 ? `+${u.more} more` : `+${u.more}`;
        if (u.text) {
          u.text.setAttribute("x", u.kind === "input" ? u.x - 6 : u.x + s / 2);
          u.text.setAttribute("y", u.y + s / 2 + 4);
        }
        if (u.bias) {
          const b = Math.max(big ? 12 : 8, s * 0.24);
          u.bias.x = u.x - b * 0.6;
          u.bias.y = u.y + s - b * 0.4;
          u.bias.size = b;
          u.bias.el.setAttribute("x", u.bias.x);
          u.bias.el.setAttribute("y", u.bias.y);
          u.bias.el.setAttribute("width", b);
          u.bias.el.setAttribute("height", b);
        }
      }
    });
    for (const box of this.unitBoxes || []) {
      const col = this.columns.find((c) => c.kind === "hidden" && c.layer === box.layer + 1);
      if (!col || !col.units.length) continue;
      const middle = col.units[0].x + s / 2;
      box.style.left = `${Math.round(Math.max(0, Math.min(w - box.offsetWidth, middle - box.offsetWidth / 2)))}px`;
      box.style.top = "0px";
    }
    for (const e of this.edges) {
      const x0 = e.from.x + s;
      const y0 = e.from.y + s / 2;
      const x1 = e.to.x;
      const y1 = e.to.y + s / 2;
      const mx = (x0 + x1) / 2;
      e.d = `M${x0.toFixed(1)},${y0.toFixed(1)} C${mx.toFixed(1)},${y0.toFixed(1)} ${mx.toFixed(1)},${y1.toFixed(1)} ` +
            `${x1.toFixed(1)},${y1.toFixed(1)}`;
      e.mid = [mx, (y0 + y1) / 2];
      e.line.setAttribute("d", e.d);
      e.el.setAttribute("d", e.d);
    }
    this.resizeCanvas(w, h);
    this.drawPictures();
    if (this.tipItem) this.showTip(this.tipItem);          // the same element, moved
  }

  resizeCanvas(w, h) {
    const ratio = window.devicePixelRatio || 1;
    const cw = Math.round(w * ratio);
    const ch = Math.round(h * ratio);
    if (this.canvas.width !== cw || this.canvas.height !== ch) {
      this.canvas.width = cw;
      this.canvas.height = ch;
      this.canvas.style.width = `${w}px`;
      this.canvas.style.height = `${h}px`;
    }
    this.ratio = ratio;
  }

  drawPictures() {
    if (!this.size) return;
    const ctx = this.canvas.getContext("2d");
    ctx.setTransform(this.ratio, 0, 0, this.ratio, 0, 0);
    ctx.clearRect(0, 0, this.size[0], this.size[1]);
    ctx.imageSmoothingEnabled = false;
    const s = this.tile;
    const walk = this.walk ? this.walk.stage : null;
    const res = this.spec.features.res;
    for (const col of this.columns) {
      for (const u of col.units) {
        let source = null;
        let index = 0;
        if (u.kind === "input") {
          source = this.featureSprite;
          index = u.slot;
        } else if (u.picture !== undefined) {
          const before = walk && walk.phase !== "update";
          source = before ? this.walk.sprite : this.unitSprite;
          index = u.picture;
        }
        if (!source || u.x === undefined) continue;
        ctx.globalAlpha = u.kind === "input" && !u.active ? 0.3 : this.lit(u) ? 1 : 0.18;
        ctx.drawImage(source, 0, index * res, res, res, u.x, u.y, s, s);
      }
    }
    ctx.globalAlpha = 1;
  }

  // --- numbers, from the frames --------------------------------------------------------------------
  applyFrame(frame) {
    const part = frame.diagram;
    return part && part.chart === this.name ? this.setNumbers(part, frame.blobs) : undefined;
  }

  async setNumbers(part, blobs) {
    if (!this.spec || part.key !== this.spec.key) return;         // a frame of the network before a change
    this.values = float32(blobs[part.values]);
    this.grads = part.grads !== undefined ? float32(blobs[part.grads]) : null;
    this.gradNote = part.grad || null;
    if (part.pictures !== undefined) {
      this.unitSprite = sprite(blobs[part.pictures], part.res, this.ctx.luts.units, this.outputLuts);
      this.ranges = float32(blobs[part.ranges]);
      if (!this.walk || this.walk.stage.phase === "update") this.drawPictures();
    }
    if (!this.walk) this.paint();
    this.scheduleLabels();
    this.root.dataset.frames = String(Number(this.root.dataset.frames) + 1);
  }

  setMode(mode, user = true) {
    this.mode = mode;
    if (user) this.modeSet = true;
    for (const [m, b] of Object.entries(this.modeButtons)) b.setAttribute("aria-pressed", String(m === mode));
    this.root.dataset.mode = mode;
    this.renderLegend();
    if (!this.walk) this.paint();
    this.updateLabels();
  }

  width(fraction) {
    // A diverged step's numbers may be NaN or infinite: drawn as the thinnest or the widest line.
    const [lo, hi] = this.spec.scale.px;
    const f = Number.isNaN(fraction) ? 0 : Math.min(1, Math.max(0, fraction));
    return lo + (hi - lo) * f;
  }

  colour(value, gradient) {
    const c = this.spec.colors;
    if (gradient) return value >= 0 ? c.grad_positive : c.grad_negative;
    return value >= 0 ? c.positive : c.negative;
  }

  gradMax(grads) {
    // The widest gradient line: the largest |∂L/∂W| drawn (bands by their mean magnitude).
    let top = 0;
    for (const e of this.edges) {
      const g = e.kind === "bandline" ? grads[e.index + 1] : Math.abs(grads[e.index]);
      if (Number.isFinite(g) && g > top) top = g;
    }
    return top;
  }

  biasMax(grads) {
    let top = 0;
    for (const b of this.biases) {
      const g = Math.abs(grads[b.index]);
      if (Number.isFinite(g) && g > top) top = g;
    }
    return top;
  }

  look(e, values, grads, style) {
    // How a line looks: {width, colour, faint}. style: "weights" | "gradients" | "faint".
    if (!values) return { width: this.width(0), colour: "#cbd5e1", faint: true };
    if (style === "gradients" && grads) {
      const top = this.gradTop || 1;
      const g = grads[e.index];
      const size = e.kind === "bandline" ? grads[e.index + 1] : Math.abs(g);
      return { width: this.width(size / top), colour: this.colour(g, true), faint: false };
    }
    const v = values[e.index];
    const size = e.kind === "bandline" ? values[e.index + 1] : Math.abs(v);
    return { width: this.width(size / this.spec.scale.full), colour: this.colour(v, false), faint: style === "faint" };
  }

  paint() {
    if (!this.spec) return;
    const gradients = this.mode === "gradients" && this.grads;
    this.gradTop = gradients ? this.gradMax(this.grads) : 0;
    const style = this.mode === "gradients" ? (this.grads ? "gradients" : "faint") : "weights";
    for (const e of this.edges) this.applyLook(e, this.look(e, this.values, this.grads, style));
    const biasTop = gradients ? this.biasMax(this.grads) : 0;
    for (const b of this.biases) this.paintBias(b, this.values, gradients ? this.grads : null, biasTop);
    for (const col of this.columns) {
      for (const u of col.units) {
        this.ring(u, gradients && u.bias ? this.grads[u.bias.index] : null, biasTop);
        this.setNum(u, "");
      }
    }
    this.noteText();
  }

  applyLook(e, look) {
    const width = (Math.round(look.width * 4) / 4).toFixed(2);     // quarter pixels: fewer writes, same picture
    if (e.shownWidth !== width) {
      e.line.setAttribute("stroke-width", width);
      e.shownWidth = width;
    }
    if (e.shownColour !== look.colour) {
      e.line.setAttribute("stroke", look.colour);
      e.shownColour = look.colour;
    }
    const faint = !!look.faint;
    if (e.shownFaint !== faint) {
      e.line.classList.toggle("snd-faint", faint);
      e.shownFaint = faint;
    }
  }

  paintBias(b, values, grads, top) {
    if (!values) return;
    const v = grads ? grads[b.index] : values[b.index];
    const size = grads ? Math.abs(v) / (top || 1) : Math.abs(v) / this.spec.scale.full;
    b.el.setAttribute("fill", this.colour(v, !!grads));
    b.el.setAttribute("fill-opacity", (0.25 + 0.75 * (Number.isNaN(size) ? 0 : Math.min(1, size))).toFixed(2));
  }

  ring(u, g, top) {
    // In the Gradients view a unit's frame shows its backward signal: colour = sign, width = size.
    if (g === null || g === undefined || !Number.isFinite(g)) {
      u.el.removeAttribute("stroke");
      u.el.removeAttribute("stroke-width");
      return;
    }
    u.el.setAttribute("stroke", this.colour(g, true));
    u.el.setAttribute("stroke-width", (1 + 5 * Math.min(1, Math.abs(g) / (top || 1))).toFixed(2));
  }

  setNum(u, text) {
    if (u.num.textContent !== text) u.num.textContent = text;
  }

  // --- what each element says (its accessible name and its tooltip) --------------------------------
  lines(item) {
    // [first line, more lines...]: the accessible name starts with the first.
    const v = this.values;
    const g = this.grads;
    const edit = this.spec.edit.enabled;
    if (item.kind === "weight" || item.kind === "bias") {
      const value = v ? fixed3(v[item.index]) : "…";
      const out = [`${item.name} = ${value}`];
      if (g) out.push(`gradient ∂L/∂${item.kind === "weight" ? "W" : "b"} = ${signif(g[item.index])}`);
      out.push(item.kind === "weight" ? `from ${item.from.label} to ${item.to.label}` : `the bias of ${item.unit.label}`);
      if (edit) out.push("click or press Enter to change it");
      return out;
    }
    if (item.kind === "bandline") {
      const out = [`${item.name}: ${item.count} weights, mean ${v ? fixed3(v[item.index]) : "…"}, ` +
                   `mean size ${v ? fixed3(v[item.index + 1]) : "…"}`];
      if (g) out.push(`gradient: mean ${signif(g[item.index])}, mean size ${signif(g[item.index + 1])}`);
      out.push(`${item.from.label} to ${item.to.label}`);
      return out;
    }
    return this.unitLines(item);
  }

  unitLines(u) {
    if (u.kind === "band") {
      const out = [`${u.label}: ${u.more} more units, drawn as one band`];
      if (u.biasBand && this.values) out.push(`their biases ${u.biasBand.name}: mean ${fixed3(this.values[u.biasBand.index])}`);
      out.push("lines to and from the band show the mean of the weights they stand for");
      return out;
    }
    if (u.kind === "input") {
      const range = this.spec.features.ranges[u.slot];
      const out = [`${u.label}: input feature, ${u.active ? "on" : "off"}`,
                   `its values over the plane: ${fixed3(range[0])} to ${fixed3(range[1])}`];
      if (u.active) out.push(`row ${u.row + 1} of W1`);
      if (this.spec.toggles) out.push(`click or press Enter to turn it ${u.active ? "off" : "on"}`);
      return out;
    }
    const what = u.kind === "hidden" ? `${this.spec.activation} unit` : `output (${this.spec.output})`;
    const out = [`${u.label}: ${what}`];
    if (u.bias && this.values) out.push(`bias ${u.bias.name} = ${fixed3(this.values[u.bias.index])}`);
    if (this.ranges && u.picture !== undefined) {
      out.push(`outputs ${fixed3(this.ranges[2 * u.picture])} to ${fixed3(this.ranges[2 * u.picture + 1])} over the plane`);
    }
    if (this.grads && u.bias) out.push(`backward signal ∂L/∂z summed over the batch = ${signif(this.grads[u.bias.index])}`);
    return out;
  }

  scheduleLabels() {
    if (this.labelTimer) return;
    const wait = Math.max(0, LABELS_EVERY_MS - (performance.now() - (this.labelsAt || 0)));
    this.labelTimer = setTimeout(() => {
      this.labelTimer = null;
      this.labelsAt = performance.now();
      this.updateLabels();
    }, wait);
  }

  label(item) {
    const lines = this.lines(item);
    return lines[0] + (lines.length > 1 ? `; ${lines.slice(1).join("; ")}` : "");
  }

  updateLabels() {
    for (const item of this.items) {
      const text = this.label(item);
      if (item.shownLabel !== text) {
        item.el.setAttribute("aria-label", text);
        item.shownLabel = text;
      }
    }
    const showing = this.tipItem;
    if (showing && !this.tip.hidden) this.fillTip(showing);
  }

  noteText() {
    let text;
    if (this.mode === "gradients") {
      const n = this.gradNote;
      text = !this.grads ? "No step yet: press Step, Step slowly or Play, and the gradients of the newest step show here."
        : n.text ? n.text : `∂L/∂W of the step that ended epoch ${n.epoch.toLocaleString()} (${n.points} points, ` +
          `${n.backprop === "hand" ? "hand-written backward" : "autograd"}); a unit's frame: ∂L/∂z summed over ` +
          "the batch (= ∂L/∂b). Training moves each weight against its gradient.";
    } else {
      const parts = ["Each unit shows what it computes over the plane; each line is a weight."];
      if (this.spec.edit.enabled) {
        parts.push(COARSE ? "Tap a unit for its bias and the weights into it, and change them."
          : "Click a weight or bias (the small square) to change it.");
      }
      if (this.spec.toggles) parts.push(`${COARSE ? "Tap" : "Click"} an input to turn it on or off.`);
      text = parts.join(" ");
    }
    if (this.note.textContent !== text) this.note.textContent = text;
    this.note.dataset.mode = this.mode;
  }

  renderLegend() {
    if (!this.spec) return;
    const c = this.spec.colors;
    const line = (width, colour) => {
      const s = svgEl("svg", { width: 28, height: 12, "aria-hidden": "true" });
      svgEl("line", { x1: 2, y1: 6, x2: 26, y2: 6, stroke: colour, "stroke-width": width, "stroke-linecap": "round" }, s);
      return s;
    };
    const item = (parts) => {
      const span = htmlEl("span", "snd-legend-item", null);
      for (const p of parts) span.append(typeof p === "string" ? document.createTextNode(p) : p);
      return span;
    };
    const items = [];
    if (this.mode === "gradients") {
      items.push(item([line(3, c.grad_positive), "∂L/∂W > 0"]), item([line(3, c.grad_negative), "< 0"]));
      const top = this.grads ? this.gradMax(this.grads) : 0;
      items.push(item([`width ∝ |∂L/∂W|, widest ${top ? signif(top) : "–"}`]));
    } else {
      items.push(item([line(3, c.positive), "w > 0"]), item([line(3, c.negative), "w < 0"]));
      const full = this.spec.scale.full;
      items.push(item(["|w|", ...this.spec.scale.legend.flatMap((v) => [line(this.width(v / full), "#6b7280"),
        v >= full ? `≥${v}` : String(v)])]));
    }
    this.legend.replaceChildren(...items);
    this.legendTop = this.mode === "gradients";
  }

  // --- focus, tooltip, keyboard ------------------------------------------------------------------
  focused(ev) {
    const item = this.items.find((i) => i.el === ev.target);
    if (!item) return;
    this.focusedItem = item;
    this.items[this.current].el.setAttribute("tabindex", "-1");
    this.current = item.order;
    item.el.setAttribute("tabindex", "0");
    this.showTip(item);
  }

  focusItem(k) {
    if (!this.items.length) return;
    const index = Math.max(0, Math.min(this.items.length - 1, k));
    this.items[index].el.focus();
  }

  key(ev) {
    const item = this.items[this.current];
    const moves = { ArrowDown: 1, ArrowRight: 1, ArrowUp: -1, ArrowLeft: -1 };
    if (ev.key in moves) this.focusItem(this.current + moves[ev.key]);
    else if (ev.key === "Home") this.focusItem(0);
    else if (ev.key === "End") this.focusItem(this.items.length - 1);
    else if (ev.key === "PageDown" || ev.key === "PageUp") this.focusColumn(ev.key === "PageDown" ? 1 : -1);
    else if ((ev.key === "Enter" || ev.key === " ") && item) this.activate(item);
    else if (ev.key === "Escape") this.hideTip();
    else return;
    ev.preventDefault();
  }

  focusColumn(step) {
    const here = this.items[this.current];
    const column = (here.col !== undefined ? here.col : here.layer) + step;
    const target = this.items.find((i) => i.kind !== "weight" && i.kind !== "bias" && i.col === column);
    if (target) this.focusItem(target.order);
  }

  minHeight() {
    // The height a touch screen needs for every unit to be a target of TAP_PX (the element's fit asks it).
    if (!COARSE || !this.columns) return 0;
    const slots = Math.max(...this.columns.map((c) => c.units.length));
    return this.bar.offsetHeight + this.note.offsetHeight + 26 + 32 + 18 + 16 + slots * TAP_PITCH_PX;
  }

  activate(item) {
    if (COARSE && (item.kind === "hidden" || item.kind === "output") && this.values && !this.walk) {
      this.openUnitPanel(item);
    } else if ((item.kind === "weight" || item.kind === "bias") && this.spec.edit.enabled && this.values && !this.walk) {
      this.openEditor(item);
    } else if (item.kind === "weight" || item.kind === "bias" || item.kind === "bandline") {
      if (this.spec.actions && this.spec.actions.select) this.ctx.send("select", { name: item.name });
    } else if (item.kind === "input" && this.spec.toggles) {
      this.ctx.send("feature", { feature: item.feature, id: Date.now() });
    }
  }

  anchor(item) {
    // Where an element sits, for its tooltip and editor: a line's middle, a unit's lower right.
    if (item.mid) return item.mid;
    if (item.kind === "bias") return [item.x + item.size, item.y + item.size];
    return [item.x + this.tile, item.y + this.tile];
  }

  showTip(item, ev = null) {
    if (!item || item.x === undefined && !item.mid) return;
    this.tipItem = item;
    this.fillTip(item);
    this.tip.hidden = false;
    this.highlight(item);
    if (ev) this.placeTip(ev);
    else this.placeAt(...this.anchor(item));
  }

  fillTip(item) {
    const lines = this.walk && (item.kind === "weight" || item.kind === "bias") ? this.walkLines(item) : this.lines(item);
    const nodes = lines.map((text, k) => htmlEl("div", k === 0 ? "snd-tip-head" : "snd-tip-line", null, text));
    this.tip.replaceChildren(...nodes);
  }

  placeTip(ev) {
    const box = this.stage.getBoundingClientRect();
    this.placeAt(ev.clientX - box.left, ev.clientY - box.top);
  }

  placeAt(x, y) {
    const [w, h] = this.size || [0, 0];
    const tw = this.tip.offsetWidth;
    const th = this.tip.offsetHeight;
    // Right of the point, else left of it, else (no room either side) under it: never over what it describes.
    let left = x + DIAGRAM_TIP_PAD;
    let top = y + DIAGRAM_TIP_PAD;
    if (left + tw > w && x - DIAGRAM_TIP_PAD - tw >= 0) {
      left = x - DIAGRAM_TIP_PAD - tw;
    } else if (left + tw > w) {
      left = Math.max(0, Math.min(w - tw, x - tw / 2));
      top = y + 2.5 * DIAGRAM_TIP_PAD;
    }
    if (top + th > h) top = Math.max(0, y - DIAGRAM_TIP_PAD - th);
    this.tip.style.left = `${left}px`;
    this.tip.style.top = `${top}px`;
  }

  hideTip() {
    this.tip.hidden = true;
    this.tipItem = null;
    this.highlight(null);
  }

  highlight(item) {
    const edge = item && item.d ? item : null;
    this.halo.setAttribute("d", edge ? edge.d : "");
    if (edge) this.halo.setAttribute("stroke-width", (Number(edge.shownWidth || 1) + 5).toFixed(1));
  }

  markSelected() {
    const name = this.spec && this.spec.selected;
    for (const e of this.edges || []) e.line.classList.toggle("snd-selected", !!name && e.name === name);
    for (const b of this.biases || []) b.el.classList.toggle("snd-selected", !!name && b.name === name);
  }

  // --- a unit's values, for a finger -----------------------------------------------------------------
  openUnitPanel(unit) {
    // The unit's bias and the weights into it, each a button (24 px tall at least) that opens the editor.
    if (!this.panel) {
      this.panel = htmlEl("div", "snd-panel", this.stage);
      this.panel.setAttribute("role", "dialog");
      this.panel.addEventListener("keydown", (ev) => { if (ev.key === "Escape") this.closeUnitPanel(true); });
    }
    const rows = [unit.bias, ...this.edges.filter((e) => e.to === unit && e.kind === "weight")].filter(Boolean);
    const head = htmlEl("div", "snd-panel-head", null, `${unit.label}: what it adds up`);
    const close = htmlEl("button", "snd-button snd-pm", null, "×");
    close.type = "button";
    close.setAttribute("aria-label", "Close");
    close.addEventListener("click", () => this.closeUnitPanel(true));
    const top = htmlEl("div", "snd-panel-top", null);
    top.append(head, close);
    const list = htmlEl("div", "snd-panel-list", null);
    for (const item of rows) {
      const b = htmlEl("button", "snd-button snd-panel-item", list, this.lines(item)[0]);
      b.type = "button";
      b.disabled = !this.spec.edit.enabled;
      b.addEventListener("click", () => {
        this.closeUnitPanel(false);
        this.openEditor(item);
      });
    }
    this.panel.setAttribute("aria-label", `${unit.label}: its bias and the weights into it`);
    this.panel.replaceChildren(top, list);
    this.panel.hidden = false;
    this.panelUnit = unit;
    const [w, h] = this.size || [0, 0];
    const [x, y] = this.anchor(unit);
    this.panel.style.left = `${Math.max(0, Math.min(x - this.panel.offsetWidth / 2, w - this.panel.offsetWidth))}px`;
    this.panel.style.top = `${Math.max(0, Math.min(y + 6, h - this.panel.offsetHeight))}px`;
    this.hideTip();
    (list.firstChild || close).focus();
  }

  closeUnitPanel(refocus) {
    if (!this.panel || this.panel.hidden) return;
    this.panel.hidden = true;
    if (refocus && this.panelUnit) this.panelUnit.el.focus();
    this.panelUnit = null;
  }

  // --- changing a value ----------------------------------------------------------------------------
  openEditor(item) {
    this.editing = item;
    this.editorLabel.textContent = `New value of ${item.name}`;
    const v = this.values[item.index];
    this.editorInput.value = Number.isFinite(v) ? String(Number(v.toPrecision(6))) : "";
    this.editorMessage.textContent = "";
    this.editor.hidden = false;
    const [x, y] = this.anchor(item);
    const [w, h] = this.size || [0, 0];
    this.editor.style.left = `${Math.max(0, Math.min(x, w - this.editor.offsetWidth - 4))}px`;
    this.editor.style.top = `${Math.max(0, Math.min(y + 8, h - this.editor.offsetHeight - 4))}px`;
    this.hideTip();
    this.editorInput.focus();
    this.editorInput.select();
  }

  submitEdit() {
    if (!this.editing) return;
    this.editId += 1;
    this.pendingEdit = this.editId;
    this.editorMessage.textContent = "Setting…";
    this.ctx.send("edit", { name: this.editing.name, value: this.editorInput.value, id: this.editId });
  }

  editResult(message) {
    // The page's answer to an edit: {id, ok, text}. A bad value keeps the field open with its message.
    if (message.id !== this.pendingEdit || message.id === this.shownMessage) return;
    this.shownMessage = message.id;
    if (message.ok) {
      this.closeEditor(true);
    } else {
      this.editorMessage.textContent = message.text;
      this.editorInput.focus();
      this.editorInput.select();
    }
  }

  closeEditor(refocus) {
    const item = this.editing;
    this.editing = null;
    this.pendingEdit = null;
    if (this.editor) this.editor.hidden = true;
    if (refocus && item) item.el.focus();
  }

  // --- Step slowly ---------------------------------------------------------------------------------
  askWalk() {
    this.stepButton.disabled = true;
    this.ctx.send("walk", { id: Date.now() });
    setTimeout(() => { this.stepButton.disabled = false; }, 1500);
  }

  startWalk(walk) {
    this.walkId = walk.id;
    this.stepButton.disabled = false;
    if (!this.spec || walk.key !== this.spec.key) return;
    this.closeEditor(false);
    const res = this.spec.features.res;
    this.walk = {
      ...walk,
      before: float32(bytesOf(walk.before)),
      after: float32(bytesOf(walk.after)),
      grads: float32(bytesOf(walk.grads)),
      means: float32(bytesOf(walk.means)),
      sprite: sprite(bytesOf(walk.pictures), res, this.ctx.luts.units, this.outputLuts),
    };
    this.walk.gradTop = this.gradMax(this.walk.grads);
    this.walk.biasTop = this.biasMax(this.walk.grads);
    this.walkPanel.hidden = false;
    this.root.classList.add("snd-walking");
    this.walkTo(0);
    this.walkPanel.focus();
  }

  walkTo(index) {
    const w = this.walk;
    if (!w) return;
    if (index >= w.stages.length) {
      this.endWalk();
      return;
    }
    this.stageIndex = Math.max(0, index);
    const stage = w.stages[this.stageIndex];
    w.stage = stage;
    this.walkProgress.textContent = `Stage ${this.stageIndex + 1} of ${w.stages.length}`;
    this.walkTitle.textContent = stage.title;
    this.walkFormula.textContent = stage.formula;
    this.walkShapes.textContent = stage.shapes;
    this.walkExtra.textContent = this.stageExtra(stage);
    this.walkBack.disabled = this.stageIndex === 0;
    this.walkNext.textContent = this.stageIndex === w.stages.length - 1 ? "Done" : "Next →";
    this.fitHeight();
    this.paintStage(stage);
    this.drawPictures();
    if (this.tipItem) this.fillTip(this.tipItem);
  }

  stageExtra(stage) {
    const w = this.walk;
    if (stage.phase === "forward") return `${w.batch}. Under each unit: its output averaged over the N points.`;
    if (stage.phase === "loss") return `L = ${w.loss.toFixed(4)} on ${w.points} points.`;
    if (stage.phase === "backward") {
      return "Lines: ∂L/∂W (width ∝ size, widest " + signif(w.gradTop) + "). Under each unit: Σᵢ dZ, its backward " +
             "signal summed over the batch (= ∂L/∂b).";
    }
    let best = null;
    for (const e of this.edges) {
      if (e.kind !== "weight") continue;
      const change = Math.abs(w.after[e.index] - w.before[e.index]);
      if (!best || change > best.change) best = { e, change };
    }
    return best ? `Largest change: ${best.e.name} ${fixed3(w.before[best.e.index])} → ${fixed3(w.after[best.e.index])}. ` +
      "The run goes on from here." : "The run goes on from here.";
  }

  lit(u) {
    // In a walk, the units the stage has reached; otherwise all of them.
    const stage = this.walk ? this.walk.stage : null;
    if (!stage || u.kind === "input") return true;
    if (stage.phase === "forward") return u.col <= stage.layer;
    return true;
  }

  paintStage(stage) {
    const w = this.walk;
    this.gradTop = w.gradTop;
    for (const e of this.edges) {
      e.line.classList.remove("snd-moving");
      let style = "weights";
      let values = w.before;
      if (stage.phase === "forward") style = e.layer < stage.layer ? "weights" : "faint";
      if (stage.phase === "backward") style = e.layer >= stage.layer - 1 ? "gradients" : "faint";
      if (stage.phase === "update") values = w.before;
      this.applyLook(e, this.look(e, values, w.grads, style));
    }
    const gradients = stage.phase === "backward";
    for (const b of this.biases) {
      const reached = b.layer >= stage.layer - 1;
      this.paintBias(b, w.before, gradients && reached ? w.grads : null, w.biasTop);
    }
    let k = 0;
    for (const col of this.columns) {
      for (const u of col.units) {
        if (u.picture === undefined) continue;
        const mean = w.means[k++];
        let text = "";
        let ring = null;
        if (stage.phase === "forward" && u.col <= stage.layer) text = fixed3(mean);
        if (stage.phase === "loss" && u.kind === "output") text = fixed3(mean);
        if (gradients && u.col >= stage.layer && u.bias) {
          ring = w.grads[u.bias.index];
          text = signif(ring);
        }
        this.ring(u, ring, w.biasTop);
        this.setNum(u, text);
      }
    }
    if (stage.phase === "update") {
      // The lines move: from the weights before the step to after it.
      this.stage.getBoundingClientRect();                              // the "before" widths are drawn first
      requestAnimationFrame(() => {
        if (!this.walk || this.walk.stage !== stage) return;
        for (const e of this.edges) {
          e.line.classList.add("snd-moving");
          this.applyLook(e, this.look(e, w.after, w.grads, "weights"));
        }
        for (const b of this.biases) this.paintBias(b, w.after, null, 0);
      });
    }
  }

  walkLines(item) {
    const w = this.walk;
    const out = [`${item.name}: ${fixed3(w.before[item.index])} before the step`];
    out.push(`∂L/∂${item.kind === "weight" ? "W" : "b"} = ${signif(w.grads[item.index])}`);
    out.push(`${fixed3(w.after[item.index])} after the update`);
    return out;
  }

  endWalk(repaint = true) {
    if (!this.walk) return;
    this.walk = null;
    this.walkPanel.hidden = true;
    this.fitHeight();
    this.root.classList.remove("snd-walking");
    for (const e of this.edges || []) e.line.classList.remove("snd-moving");
    if (repaint) {
      this.paint();
      this.drawPictures();
      this.focusItem(this.current);
    }
  }

  destroy() {
    this.resizer.disconnect();
    clearTimeout(this.labelTimer);
  }
}

