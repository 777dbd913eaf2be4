"""A page's live part: redrawn on its own while the page's job trains.

`live_panel(name, draw, every)` shows `draw` in a fragment redrawn every `every` seconds (None: only
with the page); pages pass `frame_seconds()` while their job plays. Each redraw is drawn with training held back
(`Scheduler.drawing`), and when the job stops by itself (its last epoch, a divergence) the whole
page reruns once, so its buttons show Play again.
"""

from __future__ import annotations

from collections.abc import Callable

import streamlit as st

from ui import session

MIN_FRAME_SECONDS = 0.08        # 12.5 redraws a second for one user (see frame_seconds)


def frame_seconds() -> float:
    """Time between redraws: 12.5 a second for one user (the browser here draws ~10 a second;
    polling faster only took CPU from training: 20/s gave 9.9 fps and 28 s to settle the spiral,
    12.5/s gave 10.4 fps and 24 s), fewer as more sessions play at once, so a whole class on one
    server degrades evenly instead of stalling."""
    return max(MIN_FRAME_SECONDS, 0.025 * session.scheduler().active_jobs())


def live_panel(name: str, draw: Callable[[], bool], every: float | None) -> None:
    """Show `draw` (it returns whether the job still plays) as a fragment redrawn every `every` seconds."""
    drawn_playing = f"{name}_drawn_playing"

    def panel() -> None:
        with session.scheduler().drawing():         # training waits while this frame is drawn
            still_playing = draw()
        if st.session_state.get(drawn_playing) and not still_playing:
            st.session_state[drawn_playing] = False
            st.rerun()                              # the job stopped itself: refresh the buttons
        st.session_state[drawn_playing] = still_playing

    st.fragment(panel, run_every=every)()
