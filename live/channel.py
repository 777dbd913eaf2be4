"""A session's live channel: what its page's socket may read, found by an unguessable token.

A page says what it shows (`Channel.show(job, view)`: a LiveRun or LiveSweep and a view spec);
the socket route (live/route.py) finds the channel by the token the page handed to the
browser and builds frames from it. The token is the only key: 256 bits from `secrets`, one per
session, and a channel whose session has ended is forgotten, so its token opens nothing.

No Streamlit here: the session's liveness is a function handed in (`Registry(alive=...)`), so this
is tested as plain Python; ui/live_view.py wires it to Streamlit's runtime.
"""

from __future__ import annotations

import secrets
import threading
import weakref
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Protocol

from scratchnet.config import View

TOKEN_BYTES = 32


class LiveJob(Protocol):
    """What a page shows live: a LiveRun, a LiveSweep, the classroom's BoardFeed."""

    version: int                    # changes whenever there is something new to draw
    playing: bool                   # training now: sockets look for news more often

    @property
    def key(self) -> str:
        """Which run and which start of it (another key: the browser's charts start over)."""
        ...

    def suspend(self) -> None:
        """No page shows it any more: stop training until one does (`Scheduler.keep`)."""
        ...


class ViewSpec(Protocol):
    """How a page's live element shows its job (live/frames.py's views); `kind` picks the frame builder."""

    @property
    def kind(self) -> str: ...


class Redraw(Protocol):
    """How a page would draw its live element for another job, without a page run (ui/live_view.py's
    PlaygroundElement): the view spec and the element's data, in the element's `view` or another."""

    view: View

    def draw_for(self, job: Any, view: View | None = None) -> tuple[ViewSpec, dict]: ...


@dataclass(frozen=True)
class CurveAsk:
    """What one live curve chart has drawn: the last epoch of each of its series (-1: none yet) and the
    stride its regular series keep. The server sends only the points after these."""

    after: tuple[int, ...] = ()
    stride: int = 1

    def last(self, series: int) -> int:
        return self.after[series] if series < len(self.after) else -1


@dataclass
class Channel:
    """What one session's page shows now. `revision` changes whenever the page shows something else."""

    token: str
    session_id: str
    job: LiveJob | None = None
    view: ViewSpec | None = None
    revision: int = 0
    # News for the page from outside its run (the classroom's hub sets it): every frame carries it, and
    # the browser runs the page again when it changes.
    notice: int = 0
    sockets: int = 0                # open live sockets showing it (counted on the server's event loop)
    # How the page would draw its element for another job, for news that brings another run without a page
    # run (a class's setup); None where the page allows no such thing.
    redraw: Redraw | None = None
    # (revision, the element's data as JSON): a job switched to without a page run; the socket sends it
    # with that revision's first frame, and the browser draws it before the frame.
    mount: tuple[int, bytes] | None = None
    mount_sent: int = -1            # the last revision whose data a socket sent
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False, compare=False)

    def show(self, job: LiveJob, view: ViewSpec, redraw: Redraw | None = None) -> int:
        """The page (re)drew its live element: frames come from `job` as `view` describes. Returns the
        revision that says so (for the page's first frame)."""
        with self._lock:
            if job is not self.job or view != self.view:
                self.job, self.view = job, view
                self.revision += 1
                self.mount = None
            self.redraw = redraw
            return self.revision

    def switch(self, job: LiveJob, view: ViewSpec, data: bytes) -> None:
        """Show another job without a page run: `data` (the element's, as JSON) goes with its first frame."""
        with self._lock:
            self.job, self.view = job, view
            self.revision += 1
            self.mount = (self.revision, data)

    def current(self) -> tuple[LiveJob | None, ViewSpec | None, int, tuple[int, bytes] | None]:
        """(job, view, revision, mount) as one consistent whole, for a frame: a frame says which revision
        its job belongs to (a frame of the old job marked with the new revision would never be followed
        by the new job's data)."""
        with self._lock:
            return self.job, self.view, self.revision, self.mount


class Registry:
    """token -> Channel for every live session of this server process (thread-safe)."""

    def __init__(self, alive: Callable[[str], bool]):
        self._alive = alive
        self._lock = threading.Lock()
        # Weak values: a session's state owns its channel; when the session goes, so does the channel.
        self._channels: weakref.WeakValueDictionary[str, Channel] = weakref.WeakValueDictionary()

    def open(self, session_id: str, existing: Channel | None = None) -> Channel:
        """The session's channel: `existing` (kept in its session state) registered again, or a new one."""
        with self._lock:
            if existing is None or existing.session_id != session_id:
                existing = Channel(secrets.token_urlsafe(TOKEN_BYTES), session_id)
            self._channels[existing.token] = existing
            return existing

    def find(self, token: Any) -> Channel | None:
        """The channel of a live session with this token, else None (a made-up, stale or foreign
        token learns nothing more than that)."""
        if not isinstance(token, str) or not 16 <= len(token) <= 128:
            return None
        with self._lock:
            channel = self._channels.get(token)
        if channel is None or not self.alive(channel):
            return None
        return channel

    def alive(self, channel: Channel) -> bool:
        """True while the channel's session lives; a dead session's channel is forgotten."""
        if self._alive(channel.session_id):
            return True
        with self._lock:
            if self._channels.get(channel.token) is channel:
                del self._channels[channel.token]
        return False

    def close_session(self, session_id: str) -> None:
        with self._lock:
            for token, channel in list(self._channels.items()):
                if channel.session_id == session_id:
                    del self._channels[token]

    def __len__(self) -> int:
        with self._lock:
            return len(self._channels)
