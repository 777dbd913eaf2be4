// The datasets as pictures you click (TensorFlow Playground's data column): one radio group, a picture and a
// name per dataset, the chosen one marked. A click (or Enter/Space; the arrow keys move) asks the page for that
// dataset through the element's "dataset" trigger; the page's callback sets the dataset control's state, as the
// control would. The chosen picture is marked at once; the page's next run confirms it.
// A part of the live element (live/js/parts.js).

export class PickerPart {
  constructor(name, host, view) {
    this.view = view;
    this.root = document.createElement("div");
    this.root.className = "snp-root";
    this.root.dataset.chart = name;
    this.root.setAttribute("role", "radiogroup");
    host.appendChild(this.root);
    this.signature = null;
    this.buttons = [];
    this.root.addEventListener("keydown", (ev) => this.key(ev));
  }

  setSpec(spec) {
    this.root.setAttribute("aria-label", spec.label);
    const signature = JSON.stringify(spec.items.map((item) => [item.name, item.label, item.picture.length]));
    if (signature !== this.signature) {
      this.signature = signature;
      this.buttons = spec.items.map((item) => this.button(item));
      // Groups (classification, regression) under a heading each, when there is more than one.
      const groups = new Set(spec.items.map((item) => item.group));
      const children = [];
      spec.items.forEach((item, i) => {
        if (groups.size > 1 && (i === 0 || spec.items[i - 1].group !== item.group)) {
          const heading = document.createElement("div");
          heading.className = "snp-group";
          heading.textContent = item.group;
          heading.setAttribute("aria-hidden", "true");     // each picture's name says its group
          children.push(heading);
        }
        children.push(this.buttons[i]);
      });
      this.root.replaceChildren(...children);
    }
    this.mark(spec.selected);
  }

  button(item) {
    const b = document.createElement("button");
    b.type = "button";
    b.className = "snp-item";
    b.dataset.name = item.name;
    b.setAttribute("role", "radio");
    b.title = item.help;
    b.setAttribute("aria-label", `${item.label} (${item.group})`);
    const picture = document.createElement("img");
    picture.className = "snp-picture";
    picture.src = item.picture;
    picture.alt = "";                      // the name below says it
    picture.draggable = false;
    const label = document.createElement("span");
    label.className = "snp-name";
    label.textContent = item.label;
    b.append(picture, label);
    b.addEventListener("click", () => this.pick(item.name));
    return b;
  }

  mark(name) {
    this.selected = name;
    const chosen = this.buttons.find((b) => b.dataset.name === name) || null;
    for (const b of this.buttons) {
      b.setAttribute("aria-checked", String(b === chosen));
      b.tabIndex = b === (chosen || this.buttons[0]) ? 0 : -1;   // one tab stop; arrows move within
    }
  }

  pick(name) {
    if (name === this.selected) return;
    this.mark(name);
    this.view.send("dataset", { name, id: Date.now() });
  }

  key(ev) {
    const moves = { ArrowRight: 1, ArrowDown: 1, ArrowLeft: -1, ArrowUp: -1 };
    const at = this.buttons.indexOf(document.activeElement);
    if (at < 0 || !(ev.key in moves)) return;
    ev.preventDefault();
    const next = this.buttons[(at + moves[ev.key] + this.buttons.length) % this.buttons.length];
    // Moving does not choose (a dataset is a new run): Enter or Space does, as a click.
    for (const b of this.buttons) b.tabIndex = b === next ? 0 : -1;
    next.focus();
  }

  destroy() {}
}

