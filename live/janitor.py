"""Memory back after sessions close.

Three things kept a closed session's memory (twenty sessions of the largest network: ~460 MiB, still held
130 s after they closed, until another session happened to start):
- Streamlit keeps a disconnected session for `server.disconnectedSessionTTL` seconds, so a page that lost
  its connection can come back to it; an expired one is only dropped when another session disconnects, and
  never shut down (its uploaded files stay in memory for good).
- The session's objects hold reference cycles, and with `[runner] postScriptGC = false` (a full collection
  after every script run took ~120 ms with torch and Plotly loaded) only Python's rare periodic collector
  frees them.
- glibc keeps freed heap for reuse instead of giving it back to the system.
- The training thread kept a closed session's runs (playing, for nobody) until they had idled for 20 s, after the
  collection had run: four of the largest networks' sessions left the server 7-12% above idle for good.

So, on the server's event loop (the app's lifespan, app.py): the objects the server has when it starts
(torch, Plotly, Streamlit: ~250k) are frozen out of the collector (`gc.freeze`: a full collection then
takes a few ms instead of ~120 ms); every EVERY_SECONDS a session that has been disconnected for
CLOSE_MARGIN_SECONDS less than its reconnect window is shut down (Streamlit's own close: its state and
uploaded files go), the training thread forgets its runs, and after any such close one collection runs and the
C heap is trimmed.
"""

from __future__ import annotations

import asyncio
import contextlib
import ctypes
import gc
import logging
import threading
import time
from collections.abc import AsyncIterator, Callable
from typing import Any, Protocol

from live import scheduler

_LOG = logging.getLogger(__name__)
EVERY_SECONDS = 5.0          # how often disconnected sessions are looked at
CLOSE_MARGIN_SECONDS = 10.0  # closed this long before Streamlit's reconnect window ends (then it cannot be shut down)
SHUTDOWN_SECONDS = 1.0       # from closing sessions to collecting what they held

M_ARENA_MAX = -8             # mallopt's parameter (malloc.h)

_seen: dict[str, float] = {}             # session id -> when it was last seen connected
_seen_lock = threading.Lock()


class Sessions(Protocol):
    """What the janitor needs of Streamlit's runtime (its `Runtime`)."""

    def is_active_session(self, session_id: str) -> bool: ...

    def close_session(self, session_id: str) -> None: ...


def seen(session_id: str | None) -> None:
    """A session ran its script (navigation.py calls this every run): the janitor looks after it."""
    if session_id:
        with _seen_lock:
            _seen[session_id] = time.monotonic()


def close_gone(sessions: Sessions, close_after: float, now: float | None = None,
               ended: Callable[[str], object] = scheduler.session_ended) -> int:
    """Shut down the sessions disconnected for `close_after` seconds, and tell `ended` (the training thread lets
    go of their runs, so the collection that follows frees them); how many. Call on the event loop."""
    now = time.monotonic() if now is None else now
    with _seen_lock:
        known = list(_seen.items())
    gone = []
    for session_id, last in known:
        if sessions.is_active_session(session_id):
            with _seen_lock:
                _seen[session_id] = now
        elif now - last >= close_after:
            gone.append(session_id)
    for session_id in gone:
        sessions.close_session(session_id)              # a no-op for one Streamlit closed already
        ended(session_id)
        with _seen_lock:
            _seen.pop(session_id, None)
    return len(gone)


def _fewer_heaps() -> None:
    """glibc gives each thread that allocates a heap of its own (up to 8 per core): the script threads of twenty
    sessions left freed memory scattered over heaps where trimming could not return it. Two heaps."""
    with contextlib.suppress(OSError, AttributeError):          # glibc only
        ctypes.CDLL("libc.so.6").mallopt(M_ARENA_MAX, 2)


def give_back() -> float:
    """Collect the reference cycles of closed sessions and return freed C heap to the system; seconds taken."""
    start = time.perf_counter()
    gc.collect()
    with contextlib.suppress(OSError, AttributeError):          # glibc only
        ctypes.CDLL("libc.so.6").malloc_trim(0)
    return time.perf_counter() - start


async def look_after(sessions: Callable[[], Sessions | None], close_after: float,
                     every: float = EVERY_SECONDS) -> None:
    """The janitor's loop (on the server's event loop, until cancelled)."""
    while True:
        await asyncio.sleep(every)
        runtime = sessions()
        if runtime is None:
            continue
        try:
            if close_gone(runtime, close_after):
                # A closed session lets go of its objects once the event loop has run its shutdown (its
                # script thread stopping, its messages dropped): collect a moment later.
                await asyncio.sleep(SHUTDOWN_SECONDS)
                _LOG.debug("closed sessions collected in %.3f s", give_back())
        except Exception:  # noqa: BLE001 — the janitor never takes the server down
            _LOG.exception("janitor")


def _runtime() -> Any:
    from streamlit.runtime import Runtime

    return Runtime.instance() if Runtime.exists() else None


@contextlib.asynccontextmanager
async def lifespan(app: Any) -> AsyncIterator[None]:
    """st.App's lifespan: freeze what the server has at start, look after sessions until it stops."""
    from streamlit import config

    gc.collect()
    gc.freeze()
    _fewer_heaps()
    ttl = float(config.get_option("server.disconnectedSessionTTL"))
    task = asyncio.create_task(look_after(_runtime, max(0.0, ttl - CLOSE_MARGIN_SECONDS)))
    try:
        yield
    finally:
        task.cancel()
