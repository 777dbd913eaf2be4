"""A class's setup onto a student's Playground without waiting for their page to run.

Each student's page run costs tens of milliseconds of the server's one Python core, and a class's
runs queue behind each other: a setup took up to 8 s to reach the last of 100 students' pages that
way (benchmarks/bench_classroom.py). So the hub's thread (classroom/hub.py) makes each student's
run of the new setup itself and switches their live channel to it (`Channel.switch`): the socket's
next frame carries the element's new data with a note, and the browser draws it. The page run that
follows (the notice) brings the sidebar's controls along and adopts that run (`Hub.claim`).

Students whose Playground nobody watches (they are on another page), or whose setup has the teacher's
own points, get the setup from their next Playground run, as before.
"""

from __future__ import annotations

import json
from collections.abc import Mapping

from live import scheduler
from live.channel import Channel
from live.run import LiveRun, take_over
from scratchnet.config import CUSTOM, Config, Setup, from_mapping

KEPT = ("presentation",)                # the student's own view choice: a teacher's projector setting is not theirs


def setup_config(setup: Mapping[str, str], current: Setup) -> Setup:
    """The teacher's setup as a student's, keeping the student's own view choices."""
    sent, _ = from_mapping(dict(setup), strict=False)
    return sent.replace(**{name: current.get(name) for name in KEPT})


def same_setup(a: Setup, b: Setup) -> bool:
    """`a` is `b` but for the student's own view choices."""
    return a.replace(**{name: b.get(name) for name in KEPT}) == b


def note(cfg: Config) -> str:
    return f"Your teacher changed the setup: {cfg.describe()}."


def push(channel: Channel, setup: Mapping[str, str], drawn: dict) -> LiveRun | None:
    """Switch a student's Playground (`channel`) to a fresh run of `setup`, playing if theirs was; None
    where their next page run must do it. `drawn` caches the element's data by (element, config) for
    one round: the class's students mostly share both, and the data is most of the cost (~6 ms)."""
    element, job, view = channel.redraw, channel.job, channel.view
    if element is None or not isinstance(job, LiveRun) or view is None or view.kind != "playground":
        return None
    if not channel.sockets:                     # nobody watches it (another page, no element): the page does it
        return None
    wanted = setup_config(setup, Setup(job.cfg, element.view))
    if wanted.config.dataset == CUSTOM:         # the teacher's own points are not in a setup
        return None
    fresh = LiveRun(wanted.config, speed=wanted.view.speed)  # (same config, same seeds: the same network and data)
    key = (element, wanted)
    if key not in drawn:
        shown, data = element.draw_for(fresh, wanted.view)
        data["banner"] = note(wanted.config)
        drawn[key] = shown, json.dumps(data, separators=(",", ":"), allow_nan=False).encode()
    shown, blob = drawn[key]
    take_over(job, fresh, scheduler.shared())
    channel.switch(fresh, shown, blob)
    return fresh
