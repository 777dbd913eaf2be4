"""The live route: one WebSocket per page; the browser asks for a frame once it has drawn the last.

    browser                                   server
    new WebSocket(url, ["scratchnet-live", token])   token -> the session's Channel, Origin checked
    {"t": "next", "key", "v", "rev", "charts", "n"}  ->  waits until something changed, then
                                              <-  the newest frame (live/frames.py), never a queue

The browser sets the pace: a slow one gets fewer frames, each the newest state, and the server keeps
nothing per socket but a few numbers. Frames are built on the training thread between its turns
(live/scheduler.py says why), paid from the share of the session whose page asks for them; a big network's
frame a piece at a time. A session has at most MAX_SOCKETS_PER_TOKEN sockets: a page has one, and its
next (a page switch, a reconnect) may come before the server has seen the last one close; one more
replaces the session's oldest.

Refusals learn nothing: an unknown or dead token and a foreign Origin are all refused at the
handshake alike. A malformed, oversized or flooding message closes that socket only; a session that
ends closes its socket (code 4000) and its token opens nothing afterwards.
"""

from __future__ import annotations

import asyncio
import json
import logging
import re
import threading
import time
from collections.abc import Callable
from concurrent.futures import Future
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

from starlette.routing import BaseRoute, WebSocketRoute
from starlette.websockets import WebSocket, WebSocketDisconnect

from live import scheduler
from live.channel import Channel, CurveAsk, Registry
from live.frames import (
    HIDDEN_EVERY_SECONDS,
    UNITS_EVERY_SECONDS,
    CompareView,
    Frame,
    HiddenSpaceView,
    PlaygroundView,
    compare_frame,
    hidden_frame_steps,
    playground_frame_steps,
)
from live.run import FrameState, LiveRun
from live.sweep import LiveSweep
from scratchnet.train.pieces import Steps, finish

PROTOCOL = "scratchnet-live"
PATH = "live/ws"
MAX_MESSAGE_CHARS = 1024            # a "next" request is ~100 characters
MAX_MESSAGES_PER_SECOND = 120       # twice what a browser asks for at 60 frames a second
MIN_FRAME_SECONDS = 1 / 60          # never more frames than a display shows
IDLE_SECONDS = 10.0                 # nothing sent for this long: an "idle" note, so the browser knows we live
SESSION_CHECK_SECONDS = 2.0
UNITS_EVERY_FRAMES = 4             # unit pictures at most every 4th frame (docs/measured.md#unit-pictures)
# The page's last socket closed (its tab is gone): its run stops training after this grace, unless a socket
# comes back; a closed tab's run would slow every other run (docs/measured.md#orphan-grace).
ORPHAN_GRACE_SECONDS = 2.0
WAIT_PLAYING, WAIT_PAUSED = 0.004, 0.05   # how often a waiting socket looks for news
# A page keeps one socket; its next may open before the server noticed the last one close. More at once are
# an attack on the other learners (docs/measured.md#sockets-per-token): the newest replaces the oldest (which
# a switch of pages leaves open for the element's unmount grace; refusing the newest broke quick switches).
MAX_SOCKETS_PER_TOKEN = 2
CLOSE_SESSION_ENDED = 4000
CLOSE_REPLACED = 4001               # a newer socket of the session took its place (live_view.js: reconnect if shown)
CLOSE_POLICY = 1008                 # malformed or flooding
CLOSE_TOO_BIG = 1009

_LOG = logging.getLogger(__name__)
# token -> its open sockets, oldest first (touched on the server's event loop only)
_OPEN: dict[str, list[LiveSocket]] = {}


def session_alive(session_id: str) -> bool:
    """Streamlit still has this session connected."""
    from streamlit.runtime import Runtime

    return Runtime.exists() and Runtime.instance().is_active_session(session_id)


REGISTRY = Registry(alive=session_alive)


class BadMessage(Exception):
    """A message that is not a valid request: the socket closes."""


MAX_CHARTS = 8                      # curve charts one request may name (the Playground has one, Compare one)
CHART_NAME = re.compile(r"[a-z][a-z0-9_]{0,23}")


@dataclass
class Request:
    """What the browser has: the run (`key`) and version it last drew, and by curve chart the last points
    it has (`charts`: chart name -> CurveAsk)."""

    key: str = ""
    version: int = -1
    revision: int = -1
    charts: dict[str, CurveAsk] = field(default_factory=dict)
    notice: int = -1                # the channel's notice the browser last saw (-1: none yet)

    def curve(self, chart: str) -> CurveAsk:
        """What the chart `chart` has drawn (nothing yet: the whole curve)."""
        return self.charts.get(chart, CurveAsk())


def parse_request(text: Any) -> Request:
    """A "next" message, validated field by field (anything else raises BadMessage)."""
    if not isinstance(text, str) or len(text) > MAX_MESSAGE_CHARS:
        raise BadMessage("not a short text message")
    try:
        body = json.loads(text)
    except ValueError:
        raise BadMessage("not JSON") from None
    if not isinstance(body, dict) or body.get("t") != "next":
        raise BadMessage("not a request")
    key, version, revision = body.get("key", ""), body.get("v", -1), body.get("rev", -1)
    charts, notice = body.get("charts", {}), body.get("n", -1)
    if not isinstance(key, str) or len(key) > 40:
        raise BadMessage("bad key")
    if not (_small_int(version, -1) and _small_int(revision, -1) and _small_int(notice, -1)):
        raise BadMessage("bad numbers")
    if not isinstance(charts, dict) or len(charts) > MAX_CHARTS:
        raise BadMessage("bad curve state")
    return Request(key, version, revision, {name: _curve_ask(name, ask) for name, ask in charts.items()}, notice)


def _curve_ask(name: Any, ask: Any) -> CurveAsk:
    """One chart's {"after": [last epoch per series], "stride": power of two}, validated."""
    if not isinstance(name, str) or not CHART_NAME.fullmatch(name) or not isinstance(ask, dict):
        raise BadMessage("bad curve state")
    after, stride = ask.get("after", []), ask.get("stride", 1)
    if not isinstance(after, list) or len(after) > 64 or not all(_small_int(a, -1) for a in after):
        raise BadMessage("bad curve state")
    if not _small_int(stride, 1):
        raise BadMessage("bad numbers")
    if stride & (stride - 1):
        raise BadMessage("stride is not a power of two")
    return CurveAsk(tuple(after), stride)


def _small_int(value: Any, low: int) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and low <= value < 2**40


def origin_allowed(origin: str | None, host: str | None, extra: tuple[str, ...] = ()) -> bool:
    """Same origin as the page (the Host the browser connected to), or one the server lists."""
    if not origin or not host:
        return False
    if origin in extra:
        return True
    return urlsplit(origin).netloc.lower() == host.lower()


@dataclass
class SocketState:
    """The few numbers a socket keeps between frames."""

    units_at: float = 0.0
    frames_since_units: int = 0
    hidden_at: float = 0.0
    sent_at: float = field(default_factory=time.monotonic)     # the last frame or idle note


# Extensions from other features, without editing this file: a view kind of their own (kind -> a
# builder like `build_frame`, run on the training thread), and hooks shown every Playground frame just
# built (channel, frame, its FrameState), e.g. the classroom taking a student's summary from it.
VIEW_KINDS: dict[str, Callable[[Channel, Request, SocketState, float], Frame | None]] = {}
FRAME_HOOKS: list[Callable[[Channel, Frame, FrameState], None]] = []


def news(channel: Channel, request: Request, state: SocketState, now: float) -> bool:
    """Is there anything to draw that the browser has not drawn?"""
    job, view = channel.job, channel.view
    if job is None or view is None:
        return False
    if request.key != job.key or request.revision != channel.revision:
        return True
    if request.notice >= 0 and request.notice != channel.notice:
        return True
    if job.version == request.version:
        return False
    return view.kind != "hidden" or now - state.hidden_at >= HIDDEN_EVERY_SECONDS


def build_frame(channel: Channel, request: Request, state: SocketState, now: float) -> bytes | None:
    """The newest frame for this request, in one go."""
    return finish(build_frame_steps(channel, request, state, now))


def build_frame_steps(channel: Channel, request: Request, state: SocketState, now: float) -> Steps[bytes | None]:
    """The newest frame for this request, built on the training thread in pieces (a big network's
    evaluation, boundary and pictures; scratchnet/train/pieces.py)."""
    job, view, revision, mount = channel.current()
    if job is None or view is None:
        return None
    custom = VIEW_KINDS.get(view.kind)
    if custom is None:        # a page is watching: the run stays in the rotation, trained from its session's share
        scheduler.shared().keep(job, channel.session_id)
    if custom is not None:
        frame = custom(channel, request, state, now)
        if frame is None:
            return None
    elif isinstance(view, PlaygroundView) and isinstance(job, LiveRun):
        # Unit pictures are most of a frame's cost: while a run plays, a few a second (docs/measured.md#unit-pictures);
        # a paused run's rare frames (a Step, an edit) always carry them.
        due = now - state.units_at >= UNITS_EVERY_SECONDS and state.frames_since_units + 1 >= UNITS_EVERY_FRAMES
        units = request.key != job.key or not job.playing or due
        run_state = yield from job.frame_state_steps(request.key, request.curve("loss"))
        frame = yield from playground_frame_steps(run_state, view, units=units, asks=request.charts)
        state.frames_since_units = 0 if units else state.frames_since_units + 1
        if units:
            state.units_at = now
        for hook in FRAME_HOOKS:
            try:
                hook(channel, frame, run_state)
            except Exception:  # noqa: BLE001 — another feature's hook never breaks a page's frames
                _LOG.exception("live frame hook")
    elif isinstance(view, CompareView) and isinstance(job, LiveSweep):
        frame = compare_frame((yield from job.frame_state_steps(request.key, request.curve("losses"))), view)
    elif isinstance(view, HiddenSpaceView) and isinstance(job, LiveRun):
        state.hidden_at = now
        frame = yield from hidden_frame_steps((yield from job.frame_state_steps()), view)
    else:
        return None                 # a view no builder knows, or a job that does not go with it
    frame.header["rev"] = revision
    frame.header["notice"] = channel.notice
    if mount is not None and mount[0] == revision != request.revision:
        frame.header["mount"] = frame.blob(mount[1])       # the element's new data, drawn before this frame
        channel.mount_sent = revision
    return frame.encode()


class LiveSocket:
    """One browser page's socket, from handshake to close."""

    def __init__(self, ws: WebSocket, registry: Registry, extra_origins: Callable[[], tuple[str, ...]]):
        self.ws, self.registry, self.extra_origins = ws, registry, extra_origins
        self.request: Request | None = None
        self.asked = asyncio.Event()
        self.stamps: list[float] = []
        self.closed = False
        self.building: Future | None = None               # the frame the training thread builds for it

    async def run(self) -> None:
        channel = self._admit()
        if channel is None:
            await self.ws.close(code=CLOSE_POLICY)          # before accept: the handshake fails (HTTP 403)
            return
        await self.ws.accept(subprotocol=PROTOCOL)
        reader = asyncio.create_task(self._read())
        mine = _OPEN.setdefault(channel.token, [])
        replaced = mine[:len(mine) + 1 - MAX_SOCKETS_PER_TOKEN]
        del mine[:len(replaced)]
        mine.append(self)
        channel.sockets = len(mine)
        try:
            for old in replaced:
                await old._close(CLOSE_REPLACED)
            await self._serve(channel)
        except (WebSocketDisconnect, RuntimeError):        # the browser went away mid-send
            pass
        finally:
            reader.cancel()
            if self in mine:
                mine.remove(self)
            if not mine and _OPEN.get(channel.token) is mine:   # (a replaced socket may end after a new list began)
                del _OPEN[channel.token]
            channel.sockets = len(_OPEN.get(channel.token, ()))
            if not channel.sockets:
                timer = threading.Timer(ORPHAN_GRACE_SECONDS, rest_if_unwatched, (channel,))
                timer.daemon = True
                timer.start()

    async def _close(self, code: int) -> None:
        """Close once, from whichever side noticed first."""
        if not self.closed:
            self.closed = True
            if self.building is not None:
                self.building.cancel()                     # a frame not yet begun is not built
            try:
                await self.ws.close(code=code)
            except (WebSocketDisconnect, RuntimeError):
                pass
        self.asked.set()

    def _admit(self) -> Channel | None:
        headers = self.ws.headers
        if not origin_allowed(headers.get("origin"), headers.get("host"), self.extra_origins()):
            return None
        offered = [p.strip() for p in headers.get("sec-websocket-protocol", "").split(",")]
        if len(offered) != 2 or offered[0] != PROTOCOL:
            return None
        return self.registry.find(offered[1])

    async def _read(self) -> None:
        """Take requests as they come; anything wrong closes this socket (and only it)."""
        try:
            while True:
                message = await self.ws.receive()
                if message["type"] == "websocket.disconnect":
                    self.closed = True
                    self.asked.set()
                    return
                now = time.monotonic()
                self.stamps = [t for t in self.stamps if now - t < 1.0] + [now]
                if len(self.stamps) > MAX_MESSAGES_PER_SECOND:
                    raise BadMessage("too many messages")
                if message.get("bytes") is not None or len(message.get("text") or "") > MAX_MESSAGE_CHARS:
                    await self._close(CLOSE_TOO_BIG)
                    return
                self.request = parse_request(message.get("text"))
                self.asked.set()
        except BadMessage as err:
            _LOG.info("live socket closed: %s", err)
            await self._close(CLOSE_POLICY)
        except (WebSocketDisconnect, RuntimeError):
            self.closed = True
            self.asked.set()

    async def _serve(self, channel: Channel) -> None:
        state = SocketState()
        checked = time.monotonic()
        while not self.closed:
            try:
                await asyncio.wait_for(self.asked.wait(), IDLE_SECONDS)
            except TimeoutError:
                await self.ws.send_text('{"t":"idle"}')
                continue
            self.asked.clear()
            request = self.request
            if self.closed or request is None:
                continue
            while True:                                   # wait for something new to draw
                now = time.monotonic()
                if now - state.sent_at >= IDLE_SECONDS:    # a paused run: say we are here all the same
                    await self.ws.send_text('{"t":"idle"}')
                    state.sent_at = now
                if now - checked >= SESSION_CHECK_SECONDS:
                    checked = now
                    if not self.registry.alive(channel):
                        await self._close(CLOSE_SESSION_ENDED)
                        return
                if news(channel, request, state, now) and now - state.sent_at >= MIN_FRAME_SECONDS:
                    break
                if self.closed:
                    return
                job = channel.job
                await asyncio.sleep(WAIT_PLAYING if job is not None and job.playing else WAIT_PAUSED)
            self.building = scheduler.shared().build(
                lambda: build_frame_steps(channel, request, state, now), channel.session_id)
            try:
                frame = await asyncio.wrap_future(self.building)
            except asyncio.CancelledError:
                if self.closed:                            # closed while it waited its turn: nobody wants it
                    return
                raise
            if frame is not None and not self.closed:
                state.sent_at = time.monotonic()
                await self.ws.send_bytes(frame)


def rest_if_unwatched(channel: Channel) -> None:
    """No socket shows the channel's run any more: it stops training (suspended, as an idle run is),
    until a page or a frame shows it again (`Scheduler.keep`)."""
    job = channel.job
    if channel.sockets == 0 and job is not None:
        job.suspend()


def live_routes(base_url_path: str = "", registry: Registry = REGISTRY,
                extra_origins: Callable[[], tuple[str, ...]] = tuple) -> list[BaseRoute]:
    """The live route for `st.App(routes=...)`, under the server's base URL path."""
    base = base_url_path.strip("/")

    async def endpoint(ws: WebSocket) -> None:
        await LiveSocket(ws, registry, extra_origins).run()

    return [WebSocketRoute(f"/{base}/{PATH}" if base else f"/{PATH}", endpoint)]
