"""The buttons every page's run has: Play/Pause, Step, Reset.

A job is a LiveRun (Playground, Under the hood) or a LiveSweep (Compare): both play, pause and
are trained by the shared scheduler once played (`session.play`).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Literal

from ui import session

Width = Literal["stretch", "content"]

PLAY_HELP = "Train on from here, to the end of this round of epochs; at its end, Play trains another round."


def _key(prefix: str, name: str) -> str:
    return f"{prefix}_{name}" if prefix else name


def busy(job) -> bool:
    """The job trains: it plays, or a Step's epochs of a big network are still training (Pause cancels them)."""
    return bool(job.playing or getattr(job, "stepping", False))


def play_pause(job, place, *, key: str = "", label: str = "Play", help: str = PLAY_HELP, primary: bool = True,
               disabled: bool = False, width: Width = "stretch") -> None:
    """Pause while `job` trains (`busy`), else Play (which hands it to the training thread). One button whose words
    change (one key: Streamlit keeps a keyed button and changes its label in place): as two buttons, the Play of the
    page's last run stayed beside the new Pause until the run ended, and at 1366x768 the run bar wrapped onto a
    second line for that time (the screen under it moved 56 px down and back: a layout shift of 0.59)."""
    kind = "primary" if primary else "secondary"
    if busy(job):
        place.button("Pause", icon=":material/pause:", key=_key(key, "play"), on_click=job.pause, type=kind,
                     width=width, help="Stop training; the network keeps what it learned.")
    else:
        place.button(label, icon=":material/play_arrow:", key=_key(key, "play"), on_click=session.play, args=(job,),
                     type=kind, width=width, help=help, disabled=disabled)


def step(job, place, *, key: str = "", width: Width = "stretch") -> None:
    place.button("Step", icon=":material/skip_next:", key=_key(key, "step"), on_click=session.step, args=(job,),
                 width=width, help="Train exactly one epoch.")


def reset(on_click: Callable[[], None], place, *, key: str = "",
          help: str = "Back to epoch 0 with the same initial weights.", width: Width = "stretch") -> None:
    place.button("Reset", icon=":material/replay:", key=_key(key, "reset"), on_click=on_click, width=width,
                 help=help)
