// The classroom's board (ui/classroom/board_frames.py): one tile per student with their boundary,
// epoch, test accuracy and parameters, sortable; a click shows that run big with its setup and offers
// it to the teacher's Playground; beside the tiles, the challenge and its ranking. Made for a
// projector: large type, strong contrast. Every name is set as text, never as HTML.
//
// A frame lists every student; it carries thumbnails (uint8 codes, side x side, rows top first) only
// for the tiles that changed. Codes are coloured with the page's colour table of the tile's kind.

const BOARD_SORTS = [
  ["joined", "Joined", false], ["name", "Name", false], ["accuracy", "Test accuracy", true],
  ["epoch", "Epoch", true], ["params", "Parameters", false],
];
const TILE_MIN_PX = 130;
const TILE_MAX_PX = 280;

function boardElement(tag, className, text) {
  const node = document.createElement(tag);
  if (className) node.className = className;
  if (text !== undefined) node.textContent = text;
  return node;
}

function boardNumbers(tile) {
  if (tile.epoch === undefined) return ["waiting for the first picture…"];
  const parts = [];
  if (tile.accuracy !== null && tile.accuracy !== undefined) parts.push(`${(100 * tile.accuracy).toFixed(1)}%`);
  else if (tile.loss !== null && tile.loss !== undefined) parts.push(`loss ${tile.loss.toFixed(3)}`);
  parts.push(`epoch ${tile.epoch.toLocaleString("en-US")}`);
  parts.push(`${tile.params.toLocaleString("en-US")} params`);
  return parts;
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

class BoardTile {
  constructor(seat, onOpen) {
    this.seat = seat;
    this.data = {};
    this.codes = null;
    this.root = boardElement("button", "snb-tile");
    this.root.type = "button";
    this.root.dataset.seat = seat;
    this.canvas = boardElement("canvas", "snb-thumb");
    this.name = boardElement("div", "snb-name");
    this.numbers = boardElement("div", "snb-numbers");
    this.root.append(this.canvas, this.name, this.numbers);
    this.root.addEventListener("click", () => onOpen(seat));
  }

  update(tile, blob, luts, board) {
    this.data = tile;
    if (this.name.textContent !== tile.name) this.name.textContent = tile.name;
    const text = boardNumbers(tile).join(" · ");
    if (this.numbers.textContent !== text) this.numbers.textContent = text;
    this.root.dataset.playing = String(!!tile.playing);
    this.root.dataset.away = String(!!tile.away);
    this.root.title = tile.away ? `${tile.setup || ""} (no news from this page for a while)` : tile.setup || "";
    if (blob && luts[tile.lut]) {
      this.codes = blob.slice();
      paintCodes(this.canvas, this.codes, tile.side, luts[tile.lut]);
      drawPoints(this.canvas, board.datasets.get(tile.data), board.colors, luts[tile.lut]);
      this.root.dataset.frames = String(Number(this.root.dataset.frames || 0) + 1);
    }
  }
}

class Board {
  constructor(name, host, view) {
    this.name = name;
    this.view = view;
    this.luts = {};
    this.colors = [];
    this.datasets = new Map();         // data id -> {bounds, task, n, xy: Float32Array, labels: Uint8Array}
    this.tiles = new Map();            // seat -> BoardTile
    this.sortBy = "joined";
    this.descending = false;
    this.focus = null;                 // the seat shown big
    this.root = boardElement("div", "snb-board");
    this.root.dataset.chart = name;
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
    this.root.append(this.banner, this.toolbar, this.empty, this.body, this.big.root);
    host.appendChild(this.root);
    this.markSort();
    this.resize = () => this.fit();
    window.addEventListener("resize", this.resize);
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
    this.colors = spec.colors;                       // the class colours (scratchnet/palette.py)
  }

  applyFrame(frame) {
    if (frame.kind !== "board") return;
    this.banner.hidden = !frame.ended;
    this.banner.textContent = frame.ended ? "This class has ended." : "";
    for (const [id, d] of Object.entries(frame.datasets || {})) {
      this.datasets.set(id, { bounds: d.bounds, task: d.task, n: d.n, labels: frame.blobs[d.labels].slice(),
                              xy: new Float32Array(frame.blobs[d.xy].slice().buffer) });
    }
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
    this.order();
    this.setChallenge(frame.challenge, frame.ranking || []);
    if (this.focus) this.drawBig();
    this.root.dataset.frames = String(Number(this.root.dataset.frames || 0) + 1);
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
    const value = (t) => (key === "name" ? t.data.name.toLocaleLowerCase() : t.data[key]);
    const parts = [...this.tiles.values()].sort((a, b) => {
      const x = value(a);
      const y = value(b);
      if (x === y || (x == null && y == null)) return a.data.joined - b.data.joined;
      if (x == null) return 1;                     // no number yet: last, whichever the direction
      if (y == null) return -1;
      return (x < y ? -1 : 1) * sign;
    });
    const current = [...this.grid.children];
    if (parts.length !== current.length || parts.some((p, i) => p.root !== current[i])) {
      this.grid.replaceChildren(...parts.map((p) => p.root));
    }
    this.fit();
  }

  fit() {
    // Tiles as large as lets every one fit in the window's height (within TILE_MIN/MAX_PX).
    const n = Math.max(1, this.tiles.size);
    const width = Math.max(320, this.grid.clientWidth || this.root.clientWidth || 1200);
    const height = Math.max(360, window.innerHeight - 220);
    let size = TILE_MAX_PX;
    while (size > TILE_MIN_PX && Math.floor(width / size) * Math.floor(height / (size * 1.25)) < n) size -= 10;
    this.grid.style.setProperty("--snb-tile", `${size}px`);
  }

  setChallenge(challenge, ranking) {
    this.side.hidden = !challenge;
    if (!challenge) {
      this.side.replaceChildren();
      return;
    }
    const title = boardElement("h3", "snb-challenge-title", "Challenge");
    const text = boardElement("p", "snb-challenge-text", challenge.text);
    const table = boardElement("table", "snb-ranking");
    const head = boardElement("tr");
    for (const label of ["#", "Name", "Test acc.", "Params", "Epochs"]) head.append(boardElement("th", "", label));
    table.append(head);
    ranking.forEach((row, i) => {
      const tr = boardElement("tr");
      tr.dataset.seat = row.seat;
      tr.append(boardElement("td", "", String(i + 1)), boardElement("td", "snb-rank-name", row.name),
                boardElement("td", "", `${(100 * row.accuracy).toFixed(1)}%`),
                boardElement("td", "", row.params.toLocaleString("en-US")),
                boardElement("td", "", row.epochs.toLocaleString("en-US")));
      table.append(tr);
    });
    const none = boardElement("p", "snb-ranking-empty", "No submissions yet.");
    this.side.replaceChildren(title, text, ranking.length ? table : none);
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
    this.big.numbers.textContent = boardNumbers(t).join(" · ") + (t.playing ? " · training" : "");
    this.big.setup.textContent = t.setup || "";
    if (part.codes && this.luts[t.lut]) {
      paintCodes(this.big.canvas, part.codes, t.side, this.luts[t.lut]);
      drawPoints(this.big.canvas, this.datasets.get(t.data), this.colors, this.luts[t.lut]);
    }
    this.big.root.dataset.seat = this.focus;
  }

  destroy() {
    window.removeEventListener("resize", this.resize);
    this.root.remove();
  }
}

PARTS.set("board", Board);
