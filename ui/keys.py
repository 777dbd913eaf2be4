"""Every `st.session_state` key the app shares between modules, named once.

A knob's widget lives under `widget(name)` (`w_lr`, `w_units_0`, ...); keys used by one widget of
one page only stay next to that widget.
"""

CONFIG = "cfg"                      # the session's Config: what every page shows and trains
RUN = "run"                         # the session's LiveRun (Playground and Under the hood)
SWEEP = "sweep"                     # the session's LiveSweep (Compare)
URL_NOTES = "url_notes"             # what was repaired in the link the session was opened with
URL_WRITTEN = "url_written"         # the query the Playground last wrote into the address bar
RELOAD_WIDGETS = "reload_widgets"   # a link or an import set the config: put it into the widgets
TOAST = "toast"                     # a one-off message for the next page run

OWN_DATA = "own_data"               # the learner's drawn or uploaded points (a Dataset)
CLASS_NAMES = "class_names"         # their class names, when a CSV named them
DATA_UNDO = "data_undo"             # [(points, config)] before each edit
DATA_MESSAGE = "data_message"       # ("success" | "error", text) about the last upload
PENDING_IMPORT = "pending_import"   # (net, history) of an imported run, for the run made next
DRAW_MODE = "draw_mode"             # the class being drawn, "erase", or None
DRAW_VALUE = "draw_value"           # the target of new points in regression
CSV_UPLOAD = "csv_upload"
RUN_UPLOAD = "run_upload"

CONTROLS_READY = "controls_ready"   # the first chart is up (or was due): the sidebar's and the bar's knobs may come
CHART_DRAWN = "chart_drawn"         # the first chart is up: what is under it may come
CONTROLS_DUE = "controls_due"       # when the knobs come even if the chart never reports

CLASS_SEAT = "class_seat"           # a student's Seat in a class (ui/classroom/student.py)
CLASS_TEACHER = "class_teacher"     # (code, teacher key) of the class this session teaches
CLASS_APPLIED = "class_applied"     # the number of the class setup this student's Playground applied
CLASS_NOTE = "class_note"           # what the teacher changed, until the student dismisses it
CLASS_REPORTED = "class_reported"   # the setup this student last reported to the board

CPU_MARK = "cpu_mark"               # (script thread, its CPU time) when the page run last paid for itself
CPU_SPENT = "cpu_spent"             # [(when, CPU seconds)] of the page runs of the last few seconds
CHANNEL = "live_channel"            # the session's live channel (live/channel.py): its socket's token
LIVE_VIEW = "live_view"             # a page's live element (its clicks on the boundary draw points)
DIAGRAM_MESSAGE = "diagram_message" # the answer to the last edit in the network diagram ({id, ok, text})
DIAGRAM_WALK = "diagram_walk"       # "Step slowly": the step to walk through, for the next page run


def widget(knob: str) -> str:
    """The widget key of a knob."""
    return f"w_{knob}"


def units(layer: int) -> str:
    """The widget key of hidden layer `layer`'s width (0-based)."""
    return f"w_units_{layer}"
