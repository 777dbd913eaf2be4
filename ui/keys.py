"""Every `st.session_state` key of the app, named once: what a page run keeps for the next, and the widgets
whose values the code reads or sets there.

A knob's widget lives under `widget(name)` (`w_lr`, `w_units_0`, ...). Keys that only give an element its
identity (a button, a container the CSS styles, a table) stay next to that element.
"""

CONFIG = "cfg"                      # the session's Config: what every page trains
VIEW = "view"                       # the session's View: how every page shows it (presentation, speed, hidden...)
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
PRESENTING = "presenting"           # whether the last page run was in presentation mode (ui/theme.py)
CHART_DRAWN = "chart_drawn"         # the first chart is up: what is under it may come
CONTROLS_DUE = "controls_due"       # when the knobs come even if the chart never reports

CLASS_SEAT = "class_seat"           # a student's Seat in a class (ui/classroom/student.py)
CLASS_TEACHER = "class_teacher"     # (code, teacher key) of the class this session teaches
CLASS_APPLIED = "class_applied"     # the number of the class setup this student's Playground applied
CLASS_NOTE = "class_note"           # what the teacher changed, until the student dismisses it
CLASS_REPORTED = "class_reported"   # the setup this student last reported to the board

CPU_MARK = "cpu_mark"               # (script thread, its CPU time) when the page run last paid for itself
CLIENT = "client"                   # the client (address) this session belongs to (ui/clients.py)
CHANNEL = "live_channel"            # the session's live channel (live/channel.py): its socket's token
LIVE_VIEW = "live_view"             # a page's live element (its clicks on the boundary draw points)
DIAGRAM_MESSAGE = "diagram_message" # the answer to the last edit in the network diagram ({id, ok, text})
DIAGRAM_WALK = "diagram_walk"       # "Step slowly": the step to walk through, for the next page run
NOTICE_PLACE = "_notice_place"      # this script run's notice place (ui/notices.py)

# --- the Lesson
LESSON_RUN = "lesson_run"           # its own run of the tutorial's network (step 4)
LESSON_ANSWERS = "lesson_answers"   # {(lesson, step key): the option the learner locked in}
LESSON_STEP = "lesson_step"         # the step picker
LESSON_JUST_LOCKED = "lesson_just_locked"   # the page run after "Lock in my answer": bring the verdict into view

# --- Under the hood
UTH_STEP_DIAGRAM = "uth_step_diagram"   # the opened-up step's network diagram (its clicks pick a table entry)
UTH_STEP_ENTRY = "uth_step_entry"   # the entry picked there, as "W2[1,3]"
UTH_STEP_PARAM = "uth_step_param"   # the parameter whose gradient table is shown ("W2")
UTH_JUST_PICKED = "uth_just_picked" # the page run after a click on the diagram: bring the pick into view
UTH_UNIT_X = "uth_unit_x"           # the hidden space's units on its axes
UTH_UNIT_Y = "uth_unit_y"
UTH_EPOCH = "uth_epoch"             # the history's chosen checkpoint
UTH_EPOCH_NEWEST = "uth_epoch_newest"   # the newest checkpoint when it was chosen (the slider follows the newest)

# --- the Classroom: the teacher's side
CLASS_TEACHER_COOKIE = "class_teacher_cookie"   # what the browser should keep: "CODE.KEY", or "" to forget it
CLASS_RESUMED = "class_teacher_resumed"         # this session looked for a class its browser teaches
CLASS_LINK_PENDING = "class_teacher_link"       # (code, key) of a working teacher link, until the person says yes
CLASS_LINK_REFUSED = "class_teacher_link_refused"   # why a teacher link did not open
CLASS_TEACHER_ERROR = "class_teacher_error"     # (where, words): what the teacher's last action could not do, and why
CLASS_PROJECTOR = "class_projector" # the board on the whole screen
CLASS_GO_PLAYGROUND = "class_go_playground"     # a tile's "Open on my Playground" was pressed
CLASS_HIDE = "class_hide"           # the controls the teacher's setup hides from students
CLASS_GOAL = "class_goal"           # the challenge's goal, its target accuracy (%), and whether the setup goes with it
CLASS_TARGET = "class_target"
CLASS_CHALLENGE_SETUP = "class_challenge_setup"
CLASS_MESSAGE = "class_message"     # the message to the class being written
CLASS_LOCK = "class_lock"           # nobody new may join
CLASS_SHOWN_SEATS = "class_students_shown"  # the seats of the students table as the teacher saw it, in its order
CLASS_SELECTED = "class_students"   # the students table's selection (its rows)

# --- the Classroom: the student's side
CLASS_PENDING_SETUP = "class_pending_setup"     # (the setup, the config before it, when applied, times applied again)
CLASS_SUBMIT_MESSAGE = "class_submit_message"   # (kind, text) about the student's last submission


def widget(knob: str) -> str:
    """The widget key of a knob."""
    return f"w_{knob}"


def units(layer: int) -> str:
    """The widget key of hidden layer `layer`'s width (0-based)."""
    return f"w_units_{layer}"


def lesson_pick(lesson: str, step: str) -> str:
    """The key of the option a learner picked in a Lesson step's question."""
    return f"lesson_pick_{lesson}_{step}"
