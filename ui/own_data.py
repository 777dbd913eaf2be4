"""Your own data on the Playground: draw points by clicking the chart, erase them, undo, upload a
CSV, download the points, import an exported run.

Every input goes through the engine's parsers (scratchnet/data/points_csv.py, run_file.py), which turn anything they
cannot
use into one sentence; that sentence is shown and the current data and run stay as they were.
"""

from __future__ import annotations

import streamlit as st

from scratchnet.config import CUSTOM, KNOBS, Config
from scratchnet.data.class_names import class_label, new_class_name
from scratchnet.data.datasets import Dataset, add_point, config_for_points, editable_copy, empty_data, erase_near
from scratchnet.data.points_csv import MAX_BYTES, MAX_CLASSES, MAX_ROWS, dataset_to_csv, points_from_csv
from scratchnet.data.uploads import DataError
from scratchnet.export.run_file import MAX_RUN_BYTES, load_run
from ui import events, keys, session
from ui.data_panel import OWN_DATA
from ui.markdown import escape

UNDO_LIMIT = 50
NEW_CLASS = "new"            # the "Your own data" choice that draws one more class than the data has
ERASE_RADIUS = 0.05          # share of the plot's width
LIMITS = (f"Up to {MAX_ROWS:,} rows and {MAX_BYTES // (1024 * 1024)} MB; columns x1, x2, label (a header is "
          f"optional); labels are names or whole numbers, at most {MAX_CLASSES} classes; for regression the "
          "third column is the target value. An optional fourth column 'split' (train/test) keeps a split.")


# --- state --------------------------------------------------------------------------------------
def _adopt(data: Dataset, cfg: Config, names: tuple[str, ...] | None = None, message: str = "") -> None:
    """Make `data` the session's own data and the config point at it (callbacks only)."""
    previous = session.own_data() if cfg.dataset == CUSTOM else None
    undo: list = st.session_state.setdefault(keys.DATA_UNDO, [])
    undo.append((previous, cfg))
    del undo[:-UNDO_LIMIT]
    new_cfg = config_for_points(cfg, data)
    st.session_state[keys.OWN_DATA] = data
    st.session_state[keys.CLASS_NAMES] = names
    _set_config(new_cfg)
    if message:
        st.session_state[keys.DATA_MESSAGE] = ("success", message)


def _set_config(cfg: Config) -> None:
    session.set_config(cfg)
    for name in ("dataset", "problem", "classes"):
        st.session_state[keys.widget(name)] = getattr(cfg, name)


def _undo() -> None:
    undo = st.session_state.get(keys.DATA_UNDO) or []
    if not undo:
        return
    data, cfg = undo.pop()
    if data is None:
        st.session_state.pop(keys.OWN_DATA, None)
    else:
        st.session_state[keys.OWN_DATA] = data
    _set_config(cfg)


def _clear() -> None:
    cfg = session.config()
    frame = session.run().trainer.data.bounds if session.run() else None
    task = cfg.problem
    _adopt(empty_data(task, max(2, cfg.classes), frame) if frame else empty_data(task, max(2, cfg.classes)), cfg,
           message="Cleared: click on the chart to draw points.")


def draw_at(x: float, y: float) -> None:
    """A click on the boundary chart while drawing: add a point of the chosen class, or erase."""
    mode = st.session_state.get(keys.DRAW_MODE)
    live = session.run()
    if not mode or live is None:
        return
    cfg = session.config()
    base = session.own_data() if cfg.dataset == CUSTOM and session.own_data() is not None else editable_copy(
        live.trainer.data)
    names = session.class_names()
    if mode == "erase":
        x_min, x_max, _, _ = base.bounds
        data = erase_near(base, x, y, ERASE_RADIUS * (x_max - x_min))
    elif base.x_train.shape[0] + base.x_test.shape[0] >= MAX_ROWS:      # as many as an upload may hold
        raise events.EventError(f"There are {MAX_ROWS:,} points already, the most a dataset holds here: "
                                "erase some to draw more.")
    elif mode == "point":
        data = add_point(base, x, y, float(st.session_state.get(keys.DRAW_VALUE, 0.5)), cfg.train_fraction)
    elif mode == NEW_CLASS:                 # the first point of one more class; the next clicks draw it too
        label = base.n_classes
        data = add_point(base, x, y, label, cfg.train_fraction)
        names = (*names, new_class_name(names)) if names else names
        st.session_state[keys.DRAW_MODE] = str(label)
    else:
        data = add_point(base, x, y, int(mode), cfg.train_fraction)
    _adopt(data, cfg, names)


def _start_drawing() -> None:
    """Picking a class to draw turns the points shown into one's own, right away: the clicks that
    follow then only edit points, and the network goes on learning (no restart, no full rerun)."""
    cfg, live = session.config(), session.run()
    if st.session_state.get(keys.DRAW_MODE) and cfg.dataset != CUSTOM and live is not None:
        _adopt(editable_copy(live.trainer.data), cfg, session.class_names())


def on_chart_click() -> None:
    live = session.run()
    if live is not None:
        draw_at(*events.point(events.payload("click"), live.trainer.data.bounds))


def _upload_csv() -> None:
    upload = st.session_state.get(keys.CSV_UPLOAD)
    if upload is None:
        return
    cfg = session.config()
    try:
        parsed, data = points_from_csv(upload, cfg)
    except DataError as err:
        st.session_state[keys.DATA_MESSAGE] = ("error", f"{upload.name}: {err}")
        return
    names = parsed.class_names if parsed.task == "classification" else None
    classes = f", {parsed.n_classes} classes" if parsed.task == "classification" else ""
    _adopt(data, cfg, names, f"Loaded {parsed.n_rows:,} points{classes} from {upload.name}.")


def _import_run() -> None:
    upload = st.session_state.get(keys.RUN_UPLOAD)
    if upload is None:
        return
    try:
        loaded = load_run(upload)
    except DataError as err:
        st.session_state[keys.DATA_MESSAGE] = ("error", f"{upload.name}: {err}")
        return
    cfg = loaded.config
    if cfg.dataset == CUSTOM and session.own_data() is None:
        st.session_state[keys.DATA_MESSAGE] = ("error", (f"{upload.name} was trained on its author's own points, which "
                                         "a run file does not carry: upload their data CSV first, then the run."))
        return
    session.set_config(cfg)
    st.session_state[keys.RELOAD_WIDGETS] = True
    st.session_state[keys.PENDING_IMPORT] = (loaded.net, loaded.history)
    notes = " ".join(loaded.notes)
    st.session_state[keys.DATA_MESSAGE] = ("success", f"Imported {upload.name}: {cfg.describe()}. {notes}".strip())


def apply_pending_import(live) -> None:
    """After an import, the fresh run for its config takes the imported parameters."""
    pending = st.session_state.pop(keys.PENDING_IMPORT, None)
    if pending is not None:
        live.load(*pending)


# --- widgets ------------------------------------------------------------------------------------
def _draw_options(cfg: Config, n_classes: int) -> list[str]:
    """The classes the data has (`n_classes`), one more while there is room for it, and erase."""
    if cfg.problem == "regression":
        return ["point", "erase"]
    more = [NEW_CLASS] if n_classes < int(KNOBS["classes"].high) else []
    return [str(c) for c in range(n_classes)] + more + ["erase"]


# A dot before each class's name, coloured by the page's CSS in that class's colour (ui/theme.py, from the
# palette): Streamlit's documented coloured text knows only its own few named colours.
CLASS_DOT = ":material/circle:"


def _draw_label(option: str, n_classes: int) -> str:
    if option == "erase":
        return "✕ erase"
    if option == "point":
        return "● add point"
    if option == NEW_CLASS:
        return f"{CLASS_DOT} + new class"
    return f"{CLASS_DOT} {escape(class_label(int(option), session.class_names()))}"


def panel(cfg: Config) -> None:
    """The "Your own data" controls (in the sidebar's Data group)."""
    live = session.run()
    with st.expander(OWN_DATA, expanded=cfg.dataset == CUSTOM, icon=":material/edit:"):
        k = live.trainer.data.n_classes if live is not None else cfg.n_classes
        options = _draw_options(cfg, k)
        if st.session_state.get(keys.DRAW_MODE) not in (*options, None):
            st.session_state[keys.DRAW_MODE] = None
        st.segmented_control("Click on the chart to add", options, key=keys.DRAW_MODE,
                             format_func=lambda option: _draw_label(option, k),
                             on_change=_start_drawing,
                             help="Pick a class (or erase), then click on the boundary chart. The network goes "
                                  "on learning from the edited points. Click the choice again to stop drawing.")
        if cfg.problem == "regression":
            st.slider("Value of new points", -1.0, 1.0, 0.5, 0.1, key=keys.DRAW_VALUE)
        undo, clear = st.columns(2)
        undo.button("Undo", icon=":material/undo:", on_click=_undo, width="stretch",
                    disabled=not st.session_state.get(keys.DATA_UNDO), help="Take back the last change to the points.")
        clear.button("Clear", icon=":material/delete:", on_click=_clear, width="stretch",
                     help="Remove every point and draw from scratch.")
        st.file_uploader("Upload points (CSV)", type=["csv", "txt"], key=keys.CSV_UPLOAD, on_change=_upload_csv,
                         help=LIMITS, max_upload_size=max(1, MAX_BYTES // (1024 * 1024)))
        if live is not None:                # the points as they are when the button is clicked
            names = session.class_names()
            st.download_button("Download points (CSV)", icon=":material/download:", on_click="ignore",
                               data=lambda: dataset_to_csv(live.trainer.data, names), file_name="scratchnet-data.csv",
                               mime="text/csv", width="stretch")
        st.file_uploader("Import a run (JSON)", type=["json"], key=keys.RUN_UPLOAD, on_change=_import_run,
                         help="A file from 'Weights (JSON)': its settings and trained weights, to continue or "
                              "inspect the run. Only JSON is read; nothing in it is executed.",
                         max_upload_size=max(1, MAX_RUN_BYTES // (1024 * 1024)))
        message = st.session_state.pop(keys.DATA_MESSAGE, None)
        if message:                         # it quotes the file: its name, its labels
            (st.error if message[0] == "error" else st.success)(escape(message[1]))
