// The data's knobs under the dataset pictures (ui/data_panel.py): native range inputs over the values the config
// table allows (each with its label and its value beside it) and buttons ("New data"). A slider's new value is
// sent through the element's "knob" trigger when it is let go (key presses: at once, then at most four a second),
// and the page's callback sets the knob's state as a Streamlit control would. The value shown moves at once.
// A part of the live element (live/js/parts.js).

const KNOB_SETTLE_MS = 250;

// A panel of the page's sidebar (an expander titled `title`): the sidebar opens if it is folded, the panel opens
// and comes into view. (The page's own controls live there: Streamlit's sidebar has no API to open it.)
function openSidebarSection(title) {
  const sidebar = document.querySelector('[data-testid="stSidebar"]');
  const folded = !!sidebar && (sidebar.dataset.collapsed === "true" || sidebar.getAttribute("aria-expanded") === "false");
  const expand = document.querySelector('[data-testid="stExpandSidebarButton"]');
  if (folded && expand) expand.click();
  const find = () => [...document.querySelectorAll('[data-testid="stSidebar"] [data-testid="stExpander"] details')]
    .find((d) => d.querySelector("summary") && d.querySelector("summary").textContent.includes(title));
  let tries = 0;
  const open = () => {
    const details = find();
    if (!details) {
      if (++tries < 20) setTimeout(open, 100);           // the sidebar's controls may still be on their way
      return;
    }
    if (!details.open) details.querySelector("summary").click();
    details.scrollIntoView({ block: "start", behavior: "smooth" });
    details.querySelector("summary").focus();
  };
  setTimeout(open, folded ? 300 : 0);                     // after the sidebar's slide
}

export class KnobsPart {
  constructor(name, host, view) {
    this.view = view;
    this.root = document.createElement("div");
    this.root.className = "snk-root";
    this.root.dataset.chart = name;
    host.appendChild(this.root);
    this.signature = null;
    this.inputs = new Map();       // knob name -> {input, value, spec}
    this.timers = new Map();
  }

  setSpec(spec) {
    const signature = JSON.stringify([spec.sliders.map((s) => [s.name, s.shown]), spec.buttons.map((b) => b.name)]);
    if (signature !== this.signature) {
      this.signature = signature;
      this.build(spec);
    }
    for (const slider of spec.sliders) {          // the page's value (a refused one goes back), unless more is coming
      const knob = this.inputs.get(slider.name);
      if (!knob || this.timers.has(slider.name)) continue;
      knob.spec.index = slider.index;
      this.show(knob, slider.index);
    }
    for (const b of spec.buttons) {
      const button = this.root.querySelector(`button[data-knob="${b.name}"]`);
      if (button) button.title = b.help;
    }
  }

  build(spec) {
    this.inputs.clear();
    const children = spec.sliders.map((slider) => {
      const row = document.createElement("div");
      row.className = "snk-knob";
      const label = document.createElement("label");
      label.className = "snk-label";
      const id = `snk-${slider.name}-${Math.random().toString(36).slice(2)}`;
      label.htmlFor = id;
      const name = document.createElement("span");
      name.textContent = slider.label;
      const value = document.createElement("span");
      value.className = "snk-value";
      label.append(name, value);
      const input = document.createElement("input");
      input.type = "range";
      input.id = id;
      input.className = "snk-range";
      input.min = "0";
      input.max = String(slider.values.length - 1);
      input.step = "1";
      input.title = slider.help;
      input.dataset.knob = slider.name;
      const knob = { input, value, spec: slider };
      input.addEventListener("input", () => this.show(knob, Number(input.value)));
      input.addEventListener("change", () => this.settle(knob));
      row.append(label, input);
      this.inputs.set(slider.name, knob);
      this.show(knob, slider.index);
      return row;
    });
    for (const b of spec.buttons) {
      const button = document.createElement("button");
      button.type = "button";
      button.className = "snk-button";
      button.dataset.knob = b.name;
      button.textContent = b.label;
      button.title = b.help;
      button.addEventListener("click", () => (b.opens ? openSidebarSection(b.opens)
        : this.view.send("knob", { name: b.name, value: "new", id: Date.now() })));
      children.push(button);
    }
    this.root.replaceChildren(...children);
  }

  show(knob, index) {
    knob.input.value = String(index);
    knob.value.textContent = knob.spec.shown[index];
    knob.input.setAttribute("aria-valuetext", knob.spec.shown[index]);
  }

  settle(knob) {
    // A drag ends with one change event, arrow keys send one per press: the first goes at once, those that
    // follow within KNOB_SETTLE_MS go as one (the last value), so a held key is not a page run per step.
    const name = knob.spec.name;
    if (this.timers.has(name)) return;          // the window's end sends the newest value
    this.sendValue(knob);
    const close = () => {
      if (Number(knob.input.value) !== knob.spec.index) {
        this.sendValue(knob);
        this.timers.set(name, setTimeout(close, KNOB_SETTLE_MS));
      } else {
        this.timers.delete(name);
      }
    };
    this.timers.set(name, setTimeout(close, KNOB_SETTLE_MS));
  }

  sendValue(knob) {
    const index = Number(knob.input.value);
    if (index === knob.spec.index) return;
    knob.spec.index = index;
    this.view.send("knob", { name: knob.spec.name, value: knob.spec.values[index], id: Date.now() });
  }

  destroy() {
    for (const timer of this.timers.values()) clearTimeout(timer);
  }
}

