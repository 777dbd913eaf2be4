// The classroom's board (classroom/board_frames.py): one tile per student with their boundary and
// their labelled numbers (test accuracy, epoch, parameters), sortable; a click shows that run big with its
// setup and offers it to the teacher's Playground; the challenge and its ranking, whose rows carry the
// same labels (and a ranked student's tile its rank). Every name is set as text, never as HTML.
//
// Projector view (`spec.wall`): the board is the whole screen, built for the wall: on the left the QR code,
// the class code and the join address, large, then the challenge; on the right the tiles, sized so that
// every student fits on one screen (`fitWall`, from the space there is and the tiles' own text).
//
// A frame lists every student; it carries thumbnails (uint8 codes, side x side, rows top first) only
// for the tiles that changed. Codes are coloured with the page's colour table of the tile's kind.
// A part of the live element (live/js/parts.js), for charts of type "board".

import { bytesOf, colourCodes } from "./parts.js";

const BOARD_SORTS = [
  ["joined", "Joined", false], ["name", "Name", false], ["accuracy", "Test accuracy", true],
  ["epoch", "Epoch", true], ["params", "Parameters", false], ["rank", "Rank", false],
];
const TILE_MIN_PX = 130;
const TILE_MAX_PX = 280;
const WALL_THUMB_MIN_PX = 48;         // below this the wall's tiles become rows (and scroll, past that)
const WALL_MAX_COLUMNS = 12;
const ROW_HEADS = ["", "Name", "Test acc.", "Epoch", "Params"];   // the rows' columns: a tile's labels, once

function boardElement(tag, className, text) {
  const node = document.createElement(tag);
  if (className) node.className = className;
  if (text !== undefined) node.textContent = text;
  return node;
}

function percent(value) {
  return `${(100 * value).toFixed(1)}%`;
}

function count(value) {
  return value.toLocaleString("en-US");
}

// A tile's numbers as [label, value] pairs, labelled as the ranking's columns are.
function boardNumbers(tile) {
  if (tile.epoch === undefined) return [];
  const out = [];
  if (tile.accuracy !== null && tile.accuracy !== undefined) out.push(["test acc.", percent(tile.accuracy)]);
  else if (tile.loss !== null && tile.loss !== undefined) out.push(["test loss", tile.loss.toFixed(3)]);
  out.push(["epoch", count(tile.epoch)], ["params", count(tile.params)]);
  return out;
}

function numbersText(tile) {
  const pairs = boardNumbers(tile);
  return pairs.length ? pairs.map(([label, value]) => `${label} ${value}`).join(" · ") : "waiting for the first picture…";
}

const CODES_CANVAS = document.createElement("canvas");

function paintCodes(canvas, codes, side, lut) {
  // The codes at their own size on a scratch canvas, then drawn smoothly at the size the tile shows
  // (34 cells stretched by CSS alone look blocky).
  if (CODES_CANVAS.width !== side || CODES_CANVAS.height !== side) {
    CODES_CANVAS.width = side;
    CODES_CANVAS.height = side;
  }
  CODES_CANVAS.getContext("2d").putImageData(new ImageData(colourCodes(codes, lut), side, side), 0, 0);
  const size = Math.max(side, Math.round((canvas.clientWidth || 4 * side) * (window.devicePixelRatio || 1)));
  if (canvas.width !== size || canvas.height !== size) {
    canvas.width = size;
    canvas.height = size;
  }
  const ctx = canvas.getContext("2d");
  ctx.imageSmoothingEnabled = true;
  ctx.imageSmoothingQuality = "high";
  ctx.drawImage(CODES_CANVAS, 0, 0, size, size);
}

function drawPoints(canvas, data, colors, lut) {
  // A run's training points over its boundary: class colours (or the value's colour) with a white rim.
  if (!data) return;
  const ctx = canvas.getContext("2d");
  const size = canvas.width;
  const [x0, x1, y0, y1] = data.bounds;
  const radius = Math.max(1.5, size / 110);
  ctx.lineWidth = Math.max(0.75, radius / 3);
  ctx.strokeStyle = "#ffffff";
  for (let i = 0; i < data.n; i++) {
    const px = ((data.xy[2 * i] - x0) / (x1 - x0)) * size;
    const py = (1 - (data.xy[2 * i + 1] - y0) / (y1 - y0)) * size;
    const label = data.labels[i];
    ctx.fillStyle = data.task === "classification" ? colors[label % colors.length]
      : `rgb(${lut[3 * label]},${lut[3 * label + 1]},${lut[3 * label + 2]})`;
    ctx.beginPath();
    ctx.arc(px, py, radius, 0, 2 * Math.PI);
    ctx.fill();
    ctx.stroke();
  }
}

// Labelled numbers as chips that wrap as a whole: "test acc. 97.5%", "epoch 300", "params 52".
function setNumbers(host, pairs) {
  const key = JSON.stringify(pairs);
  if (host.dataset.key === key) return;
  host.dataset.key = key;
  const chips = pairs.map(([label, value]) => {
    const chip = boardElement("span", "snb-num");
    chip.dataset.label = label;
    chip.append(boardElement("span", "snb-num-label", label), " ", boardElement("b", "snb-num-value", value));
    return chip;
  });
  if (!pairs.length) chips.push(boardElement("span", "snb-num snb-waiting", "waiting for the first picture…"));
  host.replaceChildren(...chips);
}

class BoardTile {
  constructor(seat, onOpen) {
    this.seat = seat;
    this.data = {};
    this.codes = null;
    this.root = boardElement("button", "snb-tile");
    this.root.type = "button";
    this.root.dataset.seat = seat;
    this.canvas = boardElement("canvas", "snb-thumb");
    this.text = boardElement("div", "snb-text");
    this.name = boardElement("div", "snb-name");
    this.numbers = boardElement("div", "snb-numbers");
    this.badge = boardElement("span", "snb-badge");       // its place in the challenge's ranking
    this.badge.hidden = true;
    this.text.append(this.name, this.numbers);
    this.root.append(this.canvas, this.text, this.badge);
    this.root.addEventListener("click", () => onOpen(seat));
  }

  update(tile, blob, luts, board) {
    this.data = tile;
    if (this.name.textContent !== tile.name) this.name.textContent = tile.name;
    this.rank = board.ranks.get(tile.seat) || 0;
    setNumbers(this.numbers, boardNumbers(tile));
    this.name.dataset.rank = this.rank ? `#${this.rank}` : "";      // (rows show it before the name)
    this.badge.textContent = this.rank ? `#${this.rank}` : "";
    this.badge.hidden = !this.rank;
    this.root.dataset.rank = String(this.rank);
    this.root.dataset.playing = String(!!tile.playing);
    this.root.dataset.away = String(!!tile.away);
    this.root.title = tile.away ? `${tile.setup || ""} (no news from this page for a while)` : tile.setup || "";
    if (blob && luts[tile.lut]) {
      this.codes = blob.slice();
      this.paint(luts, board);
      this.root.dataset.frames = String(Number(this.root.dataset.frames || 0) + 1);
    }
  }

  paint(luts, board) {
    const tile = this.data;
    if (!this.codes || !luts[tile.lut]) return;
    paintCodes(this.canvas, this.codes, tile.side, luts[tile.lut]);
    drawPoints(this.canvas, board.datasets.get(tile.data), board.colors, luts[tile.lut]);
  }
}

export class Board {
  constructor(name, host, view) {
    this.name = name;
    this.view = view;
    this.luts = {};
    this.colors = [];
    this.datasets = new Map();         // data id -> {bounds, task, n, xy: Float32Array, labels: Uint8Array}
    this.tiles = new Map();            // seat -> BoardTile
    this.ranks = new Map();            // seat -> place in the challenge's ranking (1 = first)
    this.sortBy = "joined";
    this.descending = false;
    this.focus = null;                 // the seat shown big
    this.heads = [];                   // the column heads of the wall's rows layout
    this.wall = null;                  // the projector view's join details, or null
    this.root = boardElement("div", "snb-board");
    this.root.dataset.chart = name;
    this.join = null;                  // the projector view's join details (makeJoin), only while it is on
    this.main = boardElement("div", "snb-main");
    this.banner = boardElement("div", "snb-banner");
    this.banner.hidden = true;
    this.toolbar = boardElement("div", "snb-toolbar");
    this.toolbar.append(boardElement("span", "snb-sort-label", "Sort by"));
    this.sortButtons = new Map();
    for (const [key, label, descending] of BOARD_SORTS) {
      const button = boardElement("button", "snb-sort", label);
      button.type = "button";
      button.dataset.sort = key;
      button.addEventListener("click", () => this.sort(key, descending));
      this.sortButtons.set(key, button);
      this.toolbar.append(button);
    }
    this.body = boardElement("div", "snb-body");
    this.grid = boardElement("div", "snb-tiles");
    this.empty = boardElement("div", "snb-empty");
    this.side = boardElement("aside", "snb-challenge");
    this.side.hidden = true;
    this.body.append(this.grid, this.side);
    this.big = this.makeBig();
    this.main.append(this.banner, this.toolbar, this.empty, this.body, this.big.root);
    this.root.append(this.main);
    host.appendChild(this.root);
    this.markSort();
    // Fit again when the space changes, and when the page's font does (presentation mode's CSS can arrive
    // after the board's first fit): `em` is a box 1rem wide.
    this.em = boardElement("div", "snb-em");
    this.root.append(this.em);
    this.resizing = new ResizeObserver(() => this.fit());
    this.resizing.observe(this.grid);
    this.resizing.observe(this.em);
    this.resize = () => this.fit();
    window.addEventListener("resize", this.resize);
  }

  makeJoin() {
    // The projector view's left column: what a student needs to join, readable from the back of the room.
    const root = boardElement("aside", "snb-join");
    const title = boardElement("div", "snb-join-title", "Scan to join");
    const qr = boardElement("img", "snb-qr");
    qr.alt = "QR code of the class's join link";
    const code = boardElement("div", "snb-code");
    const link = boardElement("div", "snb-link");
    const how = boardElement("div", "snb-how", "or open this address, type your name and press Join:");
    const codeLine = boardElement("div", "snb-code-line");
    codeLine.append(boardElement("span", "snb-code-label", "Class code"), code);
    const people = boardElement("div", "snb-people");
    const end = boardElement("div", "snb-join-end");           // where the challenge goes (setWall)
    root.append(title, qr, codeLine, how, link, people, end);
    // At the end of the board's toolbar, the way back to the teacher's page.
    const leave = boardElement("button", "snb-leave", "Leave projector view");
    leave.type = "button";
    leave.addEventListener("click", () => this.view.send("projector", false));
    this.toolbar.append(leave);
    return { root, qr, code, link, people, leave, end };
  }

  makeBig() {
    const root = boardElement("div", "snb-big");
    root.hidden = true;
    root.setAttribute("role", "dialog");
    const canvas = boardElement("canvas", "snb-big-thumb");
    const text = boardElement("div", "snb-big-text");
    const name = boardElement("div", "snb-big-name");
    const numbers = boardElement("div", "snb-big-numbers");
    const setup = boardElement("div", "snb-big-setup");
    const actions = boardElement("div", "snb-big-actions");
    const open = boardElement("button", "snb-open", "Open on my Playground");
    open.type = "button";
    open.addEventListener("click", () => { if (this.focus) this.view.send("open", this.focus); });
    const close = boardElement("button", "snb-close", "Back to the board");
    close.type = "button";
    close.addEventListener("click", () => this.show(null));
    actions.append(open, close);
    text.append(name, numbers, setup, actions);
    root.append(canvas, text);
    root.addEventListener("keydown", (ev) => { if (ev.key === "Escape") this.show(null); });
    return { root, canvas, name, numbers, setup };
  }

  setSpec(spec) {
    for (const [key, lut] of Object.entries(spec.luts || {})) this.luts[key] = bytesOf(lut);
    this.emptyText = spec.empty || "No students yet.";
    this.colors = spec.colors;                       // the class colours (scratchnet/draw/palette.py)
    this.setWall(spec.wall || null);
  }

  setWall(wall) {
    this.wall = wall;
    this.root.classList.toggle("snb-wall", !!wall);
    document.documentElement.classList.toggle("snb-walled", !!wall);     // the page under it does not scroll
    if (wall) {
      if (!this.join) {
        this.join = this.makeJoin();
        this.root.prepend(this.join.root);
      }
      if (this.join.qr.getAttribute("src") !== wall.qr) this.join.qr.src = wall.qr;
      this.join.code.textContent = wall.code;
      this.join.link.textContent = wall.link;
      this.join.root.insertBefore(this.side, this.join.end);      // the ranking under the join details
      this.countPeople();
    } else {
      if (this.side.parentNode !== this.body) this.body.append(this.side);
      if (this.join) {
        this.join.root.remove();
        this.join.leave.remove();
      }
      this.join = null;
    }
    this.fit();
  }

  applyFrame(frame) {
    if (frame.kind !== "board") return;
    this.banner.hidden = !frame.ended;
    this.banner.textContent = frame.ended ? "This class has ended." : "";
    for (const [id, d] of Object.entries(frame.datasets || {})) {
      this.datasets.set(id, { bounds: d.bounds, task: d.task, n: d.n, labels: frame.blobs[d.labels].slice(),
                              xy: new Float32Array(frame.blobs[d.xy].slice().buffer) });
    }
    const ranking = frame.ranking || [];
    this.ranks = new Map(ranking.map((row, i) => [row.seat, i + 1]));
    const seen = new Set();
    for (const tile of frame.tiles || []) {
      seen.add(tile.seat);
      let part = this.tiles.get(tile.seat);
      if (!part) {
        part = new BoardTile(tile.seat, (seat) => this.show(seat));
        this.tiles.set(tile.seat, part);
      }
      part.update(tile, tile.blob === undefined ? null : frame.blobs[tile.blob], this.luts, this);
    }
    for (const [seat, part] of this.tiles) {
      if (!seen.has(seat)) {
        part.root.remove();
        this.tiles.delete(seat);
      }
    }
    if (this.focus && !this.tiles.has(this.focus)) this.show(null);
    this.empty.hidden = this.tiles.size > 0;
    this.empty.textContent = this.emptyText;
    this.countPeople();
    this.order();
    this.setChallenge(frame.challenge, ranking);
    if (this.focus) this.drawBig();
    this.root.dataset.frames = String(Number(this.root.dataset.frames || 0) + 1);
  }

  countPeople() {
    if (!this.join) return;
    const playing = [...this.tiles.values()].filter((t) => t.data.playing).length;
    this.join.people.textContent = `${this.tiles.size} student${this.tiles.size === 1 ? "" : "s"} joined` +
      (playing ? ` · ${playing} training` : "");
  }

  sort(key, descendingFirst) {
    this.descending = this.sortBy === key ? !this.descending : descendingFirst;
    this.sortBy = key;
    this.markSort();
    this.order();
  }

  markSort() {
    for (const [key, button] of this.sortButtons) {
      const active = key === this.sortBy;
      button.setAttribute("aria-pressed", String(active));
      button.dataset.direction = active ? (this.descending ? "down" : "up") : "";
    }
  }

  order() {
    const key = this.sortBy;
    const sign = this.descending ? -1 : 1;
    const value = (t) => (key === "name" ? t.data.name.toLocaleLowerCase() : key === "rank" ? t.rank || null
      : t.data[key]);
    const parts = [...this.tiles.values()].sort((a, b) => {
      const x = value(a);
      const y = value(b);
      if (x === y || (x == null && y == null)) return a.data.joined - b.data.joined;
      if (x == null) return 1;                     // no number yet: last, whichever the direction
      if (y == null) return -1;
      return (x < y ? -1 : 1) * sign;
    });
    const wanted = [...this.heads, ...parts.map((p) => p.root)];
    const current = [...this.grid.children].filter((node) => node !== this.probe);
    if (wanted.length !== current.length || wanted.some((node, i) => node !== current[i])) {
      this.grid.replaceChildren(...wanted);
    }
    this.fit();
  }

  fit() {
    // Only when what it depends on changed (a fit that changes the grid's height must not start another).
    const key = [!!this.wall, this.tiles.size, this.grid.clientWidth, this.wall ? this.grid.clientHeight : 0,
                 window.innerHeight, this.em.offsetWidth].join();
    if (key === this.fitKey) return;
    this.fitKey = key;
    if (this.wall) {
      this.fitWall();
      return;
    }
    // Tiles as large as lets every one fit in the window's height (within TILE_MIN/MAX_PX).
    this.grid.removeAttribute("data-layout");
    this.setHeads(0);
    const n = Math.max(1, this.tiles.size);
    const width = Math.max(320, this.grid.clientWidth || this.root.clientWidth || 1200);
    const height = Math.max(360, window.innerHeight - 220);
    let size = TILE_MAX_PX;
    while (size > TILE_MIN_PX && Math.floor(width / size) * Math.floor(height / (size * 1.35)) < n) size -= 10;
    this.grid.style.setProperty("--snb-tile", `${size}px`);
    this.repaint();
  }

  fitWall() {
    // The largest thumbnails that let every tile fit in the space the grid has, over the column counts and
    // two shapes (the thumbnail beside the text, or above it); the text's height is measured on a tile
    // with the longest name, at the width it would have.
    const n = this.tiles.size;
    const width = this.grid.clientWidth;
    const height = this.grid.clientHeight;
    if (!n || !width || !height) return;
    const style = getComputedStyle(this.grid);
    const gap = parseFloat(style.columnGap) || 8;
    const sample = this.widestTile();
    const pad = sample ? parseFloat(getComputedStyle(sample.root).paddingLeft) * 2 + 4 : 12;
    const textHeight = (w) => this.measureText(sample, w);
    const textWidth = this.widestChip(sample);        // the text is never narrower than its widest number
    let best = null;
    for (let cols = 1; cols <= Math.min(n, WALL_MAX_COLUMNS); cols++) {
      const rows = Math.ceil(n / cols);
      const w = (width - (cols - 1) * gap) / cols;
      const h = (height - (rows - 1) * gap) / rows;
      const beside = Math.min(h - pad, w - pad - gap - textWidth);
      const besideText = beside > 0 ? textHeight(w - pad - gap - beside) : Infinity;
      if (besideText <= h - pad && (!best || beside > best.thumb)) {
        best = { cols, w, h: Math.max(beside, besideText) + pad, thumb: beside, layout: "beside" };
      }
      if (w - pad < textWidth) continue;
      const aboveText = textHeight(w - pad);
      const above = Math.min(w - pad, h - pad - gap - aboveText);
      if (above > 0 && (!best || above > best.thumb)) {
        best = { cols, w, h: above + gap + aboveText + pad, thumb: above, layout: "above" };
      }
    }
    const rows = this.fitRows(n, width, height, gap);   // one line a student, when that draws them larger
    if (!best || best.thumb < WALL_THUMB_MIN_PX || rows.thumb > best.thumb) best = rows;
    this.setHeads(best.layout === "rows" ? best.cols : 0);
    this.grid.dataset.layout = best.layout;
    this.grid.dataset.fit = JSON.stringify({ cols: best.cols, thumb: Math.floor(best.thumb), width, height,
                                             row: Math.ceil(best.h), textWidth });
    this.grid.style.setProperty("--snb-cols", String(best.cols));
    // (rows share out the height there is: rounded down; a tile's row is as tall as its content: up)
    this.grid.style.setProperty("--snb-row", `${best.layout === "rows" ? Math.floor(best.h) : Math.ceil(best.h)}px`);
    this.grid.style.setProperty("--snb-thumb", `${Math.floor(best.thumb)}px`);
    this.repaint();
  }

  fitRows(n, width, height, gap) {
    // Too many students for tiles: one line each (thumbnail, name, the numbers under column heads that say
    // what they are, as the ranking's do), in as many columns of rows as fit; the grid scrolls past that.
    const em = this.em.offsetWidth || 22;
    const line = 1.25 * 0.95 * em;                    // the numbers' line height (board.css)
    const head = 2 * line;                            // the column heads: "Test acc." on two lines
    const pad = 8;
    const rowGap = 2;
    const fixed = (4.5 + 10.6 + 1.6) * 0.95 * em;     // the name's least width, the numbers, their gaps (board.css)
    let best = null;
    for (let cols = 1; cols <= 4; cols++) {
      const w = (width - (cols - 1) * gap) / cols;
      const rows = Math.ceil(n / cols);
      const h = (height - head - rows * rowGap) / rows;
      const thumb = Math.min(h - pad, w - pad - fixed);
      if (h >= line + pad && thumb >= 16 && (!best || thumb > best.thumb)) {
        best = { cols, w, h, thumb, layout: "rows" };
      }
    }
    if (!best) {                                       // more than fit: rows that scroll
      const cols = Math.max(1, Math.floor((width + gap) / (fixed + line + 2 * pad + gap)));
      best = { cols, w: (width - (cols - 1) * gap) / cols, h: line + pad + 4, thumb: line + 4, layout: "rows" };
    }
    return best;
  }

  setHeads(cols) {
    if (this.heads.length === cols) return;
    for (const head of this.heads) head.remove();
    this.heads = Array.from({ length: cols }, () => {
      const head = boardElement("div", "snb-row-head");
      head.setAttribute("aria-hidden", "true");          // each tile's own text says what its numbers are
      head.append(...ROW_HEADS.map((label) => boardElement("span", "", label)));
      return head;
    });
    this.grid.prepend(...this.heads);
  }

  widestTile() {
    let widest = null;
    for (const part of this.tiles.values()) {
      if (!widest || part.name.textContent.length > widest.name.textContent.length) widest = part;
    }
    return widest;
  }

  widestChip(part) {
    if (!part) return 0;
    const chips = [...part.numbers.children];
    if (!chips.length || !chips[0].offsetWidth) return 7.5 * parseFloat(getComputedStyle(this.root).fontSize);
    return Math.ceil(Math.max(...chips.map((c) => c.offsetWidth))) + 2;
  }

  measureText(part, width) {
    // How tall a tile's name and numbers are at `width` (a hidden copy, so nothing on screen moves).
    if (!part) return 0;
    if (!this.probe) {
      this.probe = boardElement("div", "snb-text snb-probe");
      this.probe.setAttribute("aria-hidden", "true");
    }
    if (this.probe.parentNode !== this.grid) this.grid.append(this.probe);
    this.probe.replaceChildren(part.name.cloneNode(true), part.numbers.cloneNode(true));
    this.probe.style.width = `${Math.max(1, Math.floor(width))}px`;
    const needed = this.probe.scrollHeight;
    return needed;
  }

  repaint() {
    // Canvases sized by CSS are drawn again at their new size.
    requestAnimationFrame(() => {
      if (this.probe) this.probe.remove();
      for (const part of this.tiles.values()) part.paint(this.luts, this);
    });
  }

  setChallenge(challenge, ranking) {
    this.side.hidden = !challenge;
    if (this.join) this.join.root.dataset.challenge = String(!!challenge);
    this.sortButtons.get("rank").hidden = !challenge;             // sorting by rank, while there is one
    if (!challenge && this.sortBy === "rank") this.sort("joined", false);
    if (!challenge) {
      this.side.replaceChildren();
      return;
    }
    const target = `${Math.round(100 * challenge.target)}%`;
    const title = boardElement("h3", "snb-challenge-title", this.wall ? `Challenge: ${target}, ${
      challenge.goal === "params" ? "fewest params" : "fewest epochs"}` : "Challenge");
    const text = boardElement("p", "snb-challenge-text", challenge.text);
    const table = boardElement("table", "snb-ranking");
    const head = boardElement("tr");
    const reached = `Reached ${Math.round(100 * challenge.target)}% at epoch`;
    // What ranks, labelled as the tiles' numbers are ("params"; the epoch a run first reached the target, which
    // its tile's epoch, where it is now, is never below); the column that ranks first is marked. (No accuracy:
    // every run here reached the target, and a tile's test accuracy now is another number than at submission.)
    const columns = [["#", ""], ["Name", ""], ["Params", "params"], [reached, "epochs"]];
    for (const [label, key] of columns) {
      const th = boardElement("th", "", label);
      if (key === challenge.goal) th.dataset.ranks = "true";
      head.append(th);
    }
    table.append(head);
    ranking.forEach((row, i) => {
      const tr = boardElement("tr");
      tr.dataset.seat = row.seat;
      tr.append(boardElement("td", "", String(i + 1)), boardElement("td", "snb-rank-name", row.name),
                boardElement("td", "", count(row.params)),
                boardElement("td", "", count(row.epochs)));
      table.append(tr);
    });
    const none = boardElement("p", "snb-ranking-empty", "No submissions yet.");
    if (this.wall) this.side.replaceChildren(title, ranking.length ? this.rankList(challenge, ranking) : none);
    else this.side.replaceChildren(title, text, ranking.length ? table : none);
  }

  rankList(challenge, ranking) {
    // The projector view's ranking: a narrow list, each number labelled in its line (as on the tiles).
    const list = boardElement("ol", "snb-rank-list");
    const target = `${Math.round(100 * challenge.target)}%`;
    ranking.forEach((row, i) => {
      const item = boardElement("li", "snb-rank-item");
      item.dataset.seat = row.seat;
      const head = boardElement("div", "snb-rank-head");
      head.append(boardElement("span", "snb-rank-place", `#${i + 1}`), " ", boardElement("span", "snb-rank-name", row.name));
      const params = boardElement("span", "snb-num");
      params.append(boardElement("span", "snb-num-label", "params"), " ", boardElement("b", "snb-num-value", count(row.params)));
      const reached = boardElement("span", "snb-num");
      reached.append(boardElement("span", "snb-num-label", `reached ${target} at epoch`), " ",
                     boardElement("b", "snb-num-value", count(row.epochs)));
      const numbers = boardElement("div", "snb-numbers");
      numbers.append(params, reached);
      item.append(head, numbers);
      list.append(item);
    });
    return list;
  }

  show(seat) {
    this.focus = seat;
    this.big.root.hidden = !seat;
    this.body.classList.toggle("snb-dimmed", !!seat);
    if (seat) {
      this.drawBig();
      this.big.root.tabIndex = -1;
      this.big.root.focus();
    }
  }

  drawBig() {
    const part = this.tiles.get(this.focus);
    if (!part) return;
    const t = part.data;
    this.big.name.textContent = t.name;
    this.big.numbers.textContent = numbersText(t) + (part.rank ? ` · #${part.rank} in the challenge` : "") +
      (t.playing ? " · training" : "");
    this.big.setup.textContent = t.setup || "";
    if (part.codes && this.luts[t.lut]) {
      paintCodes(this.big.canvas, part.codes, t.side, this.luts[t.lut]);
      drawPoints(this.big.canvas, this.datasets.get(t.data), this.colors, this.luts[t.lut]);
    }
    this.big.root.dataset.seat = this.focus;
  }

  destroy() {
    window.removeEventListener("resize", this.resize);
    this.resizing.disconnect();
    document.documentElement.classList.remove("snb-walled");
    this.root.remove();
  }
}

