"""A browser without a browser: real Streamlit sessions and their live sockets, spoken over the wire.

What the frontend does, in the same order, with nothing rendered (so a benchmark measures the server):

    /_stcore/stream   subprotocols ["streamlit", "PLACEHOLDER_AUTH_TOKEN"], an Origin like a page's
        -> BackMsg rerun_script {query_string, widget_states, page_script_hash, context_info}
        <- ForwardMsg new_session, deltas (elements by delta path), ..., script_finished
    the live element (`st.components.v2`, key "live_view") carries {"token", "path", ...} in its JSON
    /<base>/live/ws   subprotocols ["scratchnet-live", token], the page's Origin
        -> {"t": "next", "key", "v", "rev", "charts"}   (what was drawn; by curve chart, its last points)
        <- one binary frame (live/frames.py)                   ... and again, once it is "drawn"

Another page is a rerun with its script hash (`goto`, from the menu the server sent); an upload is a PUT to
the session's upload URL with the XSRF cookie's token, then a rerun with the uploader's new state.
A button press is a rerun whose widget states carry the button's trigger; a component event (the live
element's "drawn", "stopped") is its events widget's JSON trigger; a slider is its value. The frontend
sends every widget's value on every rerun; here only the values this client set are sent (the server
keeps the rest), which Streamlit treats alike. Timers (`st.fragment(run_every=...)`) are not run.

Every frame is checked as the browser would use it; what is wrong is counted in `problems`, never
raised, so a benchmark can report "0 errors" and a test can assert it. Free of pytest: benchmarks
import it with the project root on sys.path.
"""

from __future__ import annotations

import asyncio
import base64
import http.client
import http.cookiejar
import json
import secrets
import threading
import time
import urllib.request
from collections.abc import Awaitable, Iterable
from dataclasses import dataclass, field
from typing import Any, TypeVar
from urllib.parse import urljoin, urlsplit

import websockets
from streamlit.proto.BackMsg_pb2 import BackMsg
from streamlit.proto.ClientState_pb2 import ClientState, ContextInfo
from streamlit.proto.Common_pb2 import FileURLs, UploadedFileInfo
from streamlit.proto.Element_pb2 import Element
from streamlit.proto.ForwardMsg_pb2 import ForwardMsg
from streamlit.proto.WidgetStates_pb2 import WidgetState, WidgetStates
from websockets.asyncio.client import ClientConnection, connect

from live.frames import Frame, decode
from live.route import PROTOCOL

T = TypeVar("T")

STREAM_PATH = "_stcore/stream"
LIVE_KEY = "live_view"                       # the key every page gives its live element
EVENTS_ID = "$$STREAMLIT_INTERNAL_KEY_{id}__events"     # a v2 component's trigger widget
CURVE_MAX = 1000                             # live/js/live_view.js: a curve keeps at most 2x this many points
RUN_TIMEOUT = 120.0
FRAME_TIMEOUT = 30.0
# Not ClientConnection's default 1 MiB: a first page run with its figures can be larger.
MAX_MESSAGE_BYTES = 64 * 2**20


def _websocket_url(http_url: str) -> str:
    return "ws" + http_url.removeprefix("http")


def origin_of(url: str) -> str:
    """The Origin a page loaded from `url` sends (scheme://host:port)."""
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}"


class SessionError(Exception):
    """The server did not do what a page needs (no run finished, no live element, ...)."""


# --- Streamlit's own socket ------------------------------------------------------------------------
@dataclass
class StreamlitSession:
    """One browser tab's Streamlit session: its socket, the elements of its last script run, and the
    widget values it has set. `base_url` ends with "/" (and includes the server's baseUrlPath)."""

    base_url: str
    query: str = ""
    origin: str | None = None
    headers: dict[str, str] = field(default_factory=dict)
    ws: ClientConnection | None = None
    session_id: str = ""
    page_script_hash: str = ""
    elements: dict[tuple[int, ...], Element] = field(default_factory=dict)
    values: dict[str, WidgetState] = field(default_factory=dict)
    pages: dict[str, str] = field(default_factory=dict)     # the app's pages: url path -> page script hash
    problems: list[str] = field(default_factory=list)
    runs: int = 0                             # script runs finished (successfully or not)
    _finished: asyncio.Event = field(default_factory=asyncio.Event)
    _reader: asyncio.Task | None = None

    async def open(self, timeout: float = RUN_TIMEOUT) -> None:
        """Connect and run the page once, as a browser opening the link does."""
        self.ws = await connect(urljoin(_websocket_url(self.base_url), STREAM_PATH),
                                subprotocols=["streamlit", "PLACEHOLDER_AUTH_TOKEN"],
                                origin=self.origin or origin_of(self.base_url), additional_headers=self.headers,
                                max_size=MAX_MESSAGE_BYTES, proxy=None, open_timeout=timeout)
        self._reader = asyncio.create_task(self._read())
        await self.rerun(timeout=timeout)

    async def close(self) -> None:
        if self._reader is not None:
            self._reader.cancel()
        if self.ws is not None:
            await self.ws.close()

    async def rerun(self, triggers: Iterable[WidgetState] = (), timeout: float = RUN_TIMEOUT) -> None:
        """Ask for a script run with the widget values set so far plus one-off `triggers`, and wait
        until it has finished (a run the script restarts with st.rerun() counts once it ends)."""
        if self.ws is None:
            raise SessionError("not connected")
        states = WidgetStates(widgets=[*self.values.values(), *triggers])
        context = ContextInfo(timezone="UTC", timezone_offset=0, locale="en-US",
                              url=self.base_url + (f"?{self.query}" if self.query else ""), is_embedded=False,
                              color_scheme="light")
        message = BackMsg(rerun_script=ClientState(query_string=self.query, widget_states=states,
                                                   page_script_hash=self.page_script_hash, context_info=context))
        before = self.runs
        self._finished.clear()
        await self.ws.send(message.SerializeToString())
        deadline = time.monotonic() + timeout
        while self.runs == before:
            if self._reader is not None and self._reader.done():
                raise SessionError(f"the session's socket closed: {self.problems[-1:]}")
            left = deadline - time.monotonic()
            if left <= 0:
                raise SessionError(f"no script run finished within {timeout:g} s")
            self._finished.clear()
            try:
                await asyncio.wait_for(self._finished.wait(), min(left, 1.0))
            except TimeoutError:
                pass

    async def _read(self) -> None:
        """Every ForwardMsg, for as long as the socket is open (a browser reads them all, too)."""
        assert self.ws is not None
        try:
            async for data in self.ws:
                msg = ForwardMsg()
                msg.ParseFromString(data)
                self._handle(msg)
        except websockets.ConnectionClosed as err:
            if err.rcvd is None or err.rcvd.code != 1000:
                self.problems.append(f"Streamlit socket closed: {err}")
        except Exception as err:  # noqa: BLE001 — counted, the benchmark reports it
            self.problems.append(f"Streamlit socket reader: {err!r}")
        finally:
            self._finished.set()

    def _handle(self, msg: ForwardMsg) -> None:
        kind = msg.WhichOneof("type")
        if kind == "navigation":                           # the menu: the pages and the one shown
            self.pages = {page.url_pathname: page.page_script_hash for page in msg.navigation.app_pages}
            self.page_script_hash = msg.navigation.page_script_hash
        if kind == "new_session":                          # a script run starts: a new page
            self.page_script_hash = msg.new_session.page_script_hash
            self.session_id = msg.new_session.initialize.session_id or self.session_id
            self.elements = {}
        elif kind == "delta" and msg.delta.WhichOneof("type") == "new_element":
            element = msg.delta.new_element
            self.elements[tuple(msg.metadata.delta_path)] = element
            if element.WhichOneof("type") == "exception":
                self.problems.append(f"exception on the page: {element.exception.message}")
        elif kind == "page_info_changed":                  # st.query_params: the address bar changes
            self.query = msg.page_info_changed.query_string
        elif kind == "session_event" and msg.session_event.WhichOneof("type") == "script_compilation_exception":
            self.problems.append(f"script error: {msg.session_event.script_compilation_exception.message}")
        elif kind == "page_not_found":
            self.problems.append("page not found")
        elif kind == "script_finished" and msg.script_finished != ForwardMsg.FINISHED_EARLY_FOR_RERUN:
            if msg.script_finished == ForwardMsg.FINISHED_WITH_COMPILE_ERROR:
                self.problems.append("the script did not compile")
            self.runs += 1
            self._finished.set()

    # --- what is on the page --------------------------------------------------------------------
    def widget(self, key: str) -> Element | None:
        """The element of the last run whose widget has user key `key`."""
        for element in self.elements.values():
            kind = element.WhichOneof("type")
            element_id = getattr(getattr(element, kind), "id", "") if kind else ""
            if isinstance(element_id, str) and element_id.startswith("$$ID-") and \
                    element_id.split("-", 2)[-1] == key:
                return element
        return None

    def widget_id(self, key: str) -> str:
        element = self.widget(key)
        if element is None:
            raise SessionError(f"no widget with key {key!r} on the page")
        return getattr(element, element.WhichOneof("type")).id

    def live_data(self) -> dict[str, Any]:
        """The JSON the live element got in the last run (its token, path, first frame, ...): one JSON
        string (ui/live_view.py)."""
        element = self.widget(LIVE_KEY)
        if element is None or element.WhichOneof("type") != "bidi_component":
            raise SessionError("no live element on the page")
        proto = element.bidi_component
        return json.loads(json.loads(proto.json))

    # --- what a user does -------------------------------------------------------------------------
    async def press(self, key: str) -> None:
        """Click the button with user key `key` (e.g. "play")."""
        await self.rerun([WidgetState(id=self.widget_id(key), trigger_value=True)])

    async def component_event(self, key: str, event: str, value: Any) -> None:
        """What `setTriggerValue(event, value)` in a v2 component sends."""
        trigger = EVENTS_ID.format(id=self.widget_id(key))
        await self.rerun([WidgetState(id=trigger, json_trigger_value=json.dumps([{"event": event, "value": value}]))])

    async def set_slider(self, key: str, value: float) -> None:
        """Move a (single-valued) st.slider; the value stays set for later runs."""
        widget_id = self.widget_id(key)
        state = WidgetState(id=widget_id)
        state.double_array_value.data.append(float(value))
        self.values[widget_id] = state
        await self.rerun()

    async def goto(self, path: str) -> None:
        """Open another page of the app, as its menu link does (`path`: its URL path, "compare")."""
        self.page_script_hash, self.query = self.pages[path], ""
        await self.rerun()

    async def select(self, key: str, shown: str) -> None:
        """Pick the option shown as `shown` in an st.selectbox; it stays picked for later runs."""
        state = WidgetState(id=self.widget_id(key), string_value=shown)
        self.values[state.id] = state
        await self.rerun()

    async def upload(self, key: str, name: str, content: bytes, content_type: str = "application/json") -> int:
        """Upload a file into the st.file_uploader with user key `key` as the browser does (PUT to the
        session's upload URL with the XSRF cookie's token, then a run with the uploader's new state).
        Returns the upload's HTTP status; the page runs only if it was taken (204)."""
        widget_id = self.widget_id(key)
        file_id = secrets.token_hex(16)
        url = urljoin(self.base_url, f"_stcore/upload_file/{self.session_id}/{file_id}")
        status = await asyncio.to_thread(_put_file, self.base_url, url, name, content, content_type,
                                         self.origin or origin_of(self.base_url))
        if status == 204:
            info = UploadedFileInfo(file_id=file_id, name=name, size=len(content),
                                    file_urls=FileURLs(file_id=file_id, upload_url=url, delete_url=url))
            state = WidgetState(id=widget_id)
            state.file_uploader_state_value.uploaded_file_info.append(info)
            self.values[widget_id] = state
            await self.rerun()
        return status

    async def set_select_slider(self, key: str, shown: str) -> None:
        """Move a (single-valued) st.select_slider to the option shown as `shown`."""
        widget_id = self.widget_id(key)
        state = WidgetState(id=widget_id)
        state.string_array_value.data.append(shown)
        self.values[widget_id] = state
        await self.rerun()


def _put_file(base_url: str, url: str, name: str, content: bytes, content_type: str, origin: str) -> int:
    """A multipart PUT as Streamlit's frontend sends a file, with the XSRF cookie the server hands out.
    The status of an answer that comes before the whole body was sent (a refusal) counts too."""
    cookies = http.cookiejar.CookieJar()
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(cookies),
                                         urllib.request.ProxyHandler({}))
    opener.open(urljoin(base_url, "_stcore/health"), timeout=30).read()
    xsrf = next((c.value for c in cookies if c.name == "_streamlit_xsrf"), "")
    boundary = secrets.token_hex(16)
    body = (f'--{boundary}\r\nContent-Disposition: form-data; name="file"; filename="{name}"\r\n'
            f"Content-Type: {content_type}\r\n\r\n").encode() + content + f"\r\n--{boundary}--\r\n".encode()
    target = urlsplit(url)
    connection = http.client.HTTPConnection(target.hostname, target.port, timeout=60)
    try:
        connection.putrequest("PUT", target.path)
        for header, value in (("Content-Type", f"multipart/form-data; boundary={boundary}"),
                              ("Content-Length", str(len(body))), ("X-Xsrftoken", xsrf), ("Origin", origin),
                              ("Cookie", f"_streamlit_xsrf={xsrf}")):
            connection.putheader(header, value)
        connection.endheaders()
        try:
            for start in range(0, len(body), 2**20):
                connection.send(body[start:start + 2**20])
        except OSError:
            pass                                  # the server answered (and hung up) before the end
        try:
            return connection.getresponse().status
        except (OSError, http.client.HTTPException):
            return 0                              # it hung up without a word
    finally:
        connection.close()


# --- the live socket ---------------------------------------------------------------------------------
@dataclass
class Curve:
    """A live loss chart's points as live/js/live_view.js keeps them (only the epochs: the requests
    need the last ones, and the checks need the order)."""

    chart: str
    key: str
    stride: int
    regular: list[bool]
    x: list[list[int]]

    def add(self, update: dict) -> str | None:
        """Take a frame's curve update as the browser does; a problem with it, or None."""
        if update["key"] != self.key or update["full"]:
            self.key, self.stride, self.regular = update["key"], update["stride"], list(update.get("regular", []))
            self.x = [list(xs) for xs in update["x"]]
            return None
        if update["stride"] > self.stride:
            self.thin(update["stride"])
        for t, xs in enumerate(update["x"]):
            while len(self.x) <= t:
                self.x.append([])
            if xs and self.x[t] and xs[0] <= self.x[t][-1]:
                return f"curve points out of order: {xs[0]} after {self.x[t][-1]}"
            self.x[t].extend(xs)
        if any(len(xs) > 2 * CURVE_MAX for xs in self.x):
            self.thin(self.stride * 2)
        return None

    def thin(self, stride: int) -> None:
        for t, xs in enumerate(self.x):
            regular = t < len(self.regular) and self.regular[t]
            self.x[t] = [x for i, x in enumerate(xs) if (x % stride == 0 if regular else i % 2 == 0)
                         or i == len(xs) - 1]
        self.stride = stride

    def after(self) -> list[int]:
        return [xs[-1] if xs else -1 for xs in self.x]


@dataclass
class LiveClient:
    """One page's live socket: asks for a frame, checks it, keeps what a browser keeps to ask again."""

    url: str
    token: str
    origin: str
    headers: dict[str, str] = field(default_factory=dict)
    subprotocol: str = PROTOCOL
    ws: ClientConnection | None = None
    drawn: tuple[str, int, int] = ("", -1, -1)         # key, version, revision
    curve: Curve | None = None
    frames: int = 0
    epoch: int = -1
    stopped: str | None = None
    playing: bool = False
    problems: list[str] = field(default_factory=list)

    @classmethod
    def for_page(cls, session: StreamlitSession, origin: str | None = None) -> LiveClient:
        """The live socket of the page `session` shows (its base URL, and the element's token and path)."""
        data = session.live_data()
        return cls(urljoin(_websocket_url(session.base_url), data["path"]), data["token"],
                   origin or session.origin or origin_of(session.base_url), dict(session.headers))

    async def open(self, timeout: float = FRAME_TIMEOUT) -> None:
        self.ws = await connect(self.url, subprotocols=[self.subprotocol, self.token], origin=self.origin,
                                additional_headers=self.headers, max_size=MAX_MESSAGE_BYTES, proxy=None,
                                open_timeout=timeout)

    async def close(self) -> None:
        if self.ws is not None:
            await self.ws.close()

    def request(self) -> str:
        key, version, revision = self.drawn
        message: dict = {"t": "next", "key": key, "v": version, "rev": revision, "charts": {}}
        if self.curve is not None and self.curve.key == key:
            message["charts"][self.curve.chart] = {"after": self.curve.after(), "stride": self.curve.stride}
        return json.dumps(message, separators=(",", ":"))

    async def next_frame(self, timeout: float = FRAME_TIMEOUT) -> Frame:
        """Ask for the next frame and wait for it (an "idle" note in between is skipped). A closed
        socket or a timeout raises; a frame that is wrong is counted in `problems`."""
        if self.ws is None:
            raise SessionError("live socket not open")
        await self.ws.send(self.request())
        deadline = time.monotonic() + timeout
        while True:
            message = await asyncio.wait_for(self.ws.recv(), max(0.0, deadline - time.monotonic()))
            if isinstance(message, bytes):
                break
            if json.loads(message).get("t") != "idle":
                self.problems.append(f"unexpected text message: {message[:80]!r}")
        frame = decode(message)
        self.check(frame)
        return frame

    def check(self, frame: Frame) -> None:
        """Use the frame as the browser does; note what it could not use."""
        head = frame.header
        key, version, revision = head.get("key"), head.get("v"), head.get("rev")
        if head.get("t") != "frame" or not isinstance(key, str) or not isinstance(version, int):
            self.problems.append(f"not a frame: {sorted(head)}")
            return
        if (key, revision) == self.drawn[::2] and version <= self.drawn[1]:
            self.problems.append(f"a frame no newer than the one drawn: v{version} after v{self.drawn[1]}")
        for image in head.get("images", []):
            if len(frame.blobs[image["blob"]]) != image["w"] * image["h"]:
                self.problems.append(f"image {image['chart']}: {len(frame.blobs[image['blob']])} bytes for "
                                     f"{image['w']}x{image['h']}")
        for update in head.get("curves", []):
            if self.curve is None:
                self.curve = Curve(update["chart"], update["key"], update["stride"], list(update.get("regular", [])),
                                   [list(xs) for xs in update["x"]])
            else:
                problem = self.curve.add(update)
                if problem:
                    self.problems.append(problem)
        self.drawn = (key, version, revision)
        self.frames += 1
        self.epoch = int(head.get("epoch", -1))
        self.stopped, self.playing = head.get("stopped"), bool(head.get("playing"))

    def take_inline(self, inline: dict) -> None:
        """A frame in the element's data (the page's first): drawn if newer, as in the browser."""
        key, version, revision = inline.get("key"), inline.get("v", -1), inline.get("rev")
        if (key, revision) == self.drawn[::2] and version <= self.drawn[1]:
            return
        frames = self.frames
        self.check(Frame(dict(inline), [base64.b64decode(b) for b in inline.get("blobs", [])]))
        self.frames = frames                                # not a frame from the socket

    def carry_over(self, old: LiveClient) -> None:
        """A new socket for the same page: the browser still has what it drew."""
        self.drawn, self.curve, self.epoch, self.stopped, self.playing = (old.drawn, old.curve, old.epoch,
                                                                          old.stopped, old.playing)


# --- a page that plays ----------------------------------------------------------------------------------
@dataclass
class Mark:
    """A session's counters at one moment (`PlaygroundClient.mark`)."""

    at: float
    frames: int
    epochs: int
    longest_wait: float                       # the longest time between two frames since the last mark


@dataclass
class PlaygroundClient:
    """A learner on the Playground: a session, its live socket, Play, and frames as fast as they come."""

    base_url: str
    query: str = ""
    origin: str | None = None
    headers: dict[str, str] = field(default_factory=dict)
    session: StreamlitSession | None = None
    live: LiveClient | None = None
    errors: list[str] = field(default_factory=list)
    frames: int = 0                           # frames from the live socket(s)
    epochs: int = 0                           # epochs trained, over every run this session started
    longest_wait: float = 0.0                 # the longest time between two frames since `mark`
    _last_frame: float = 0.0

    async def open(self) -> None:
        """Open the page, report its first chart drawn (the sidebar follows), open the live socket."""
        self.session = StreamlitSession(self.base_url, self.query, self.origin, dict(self.headers))
        await self.session.open()
        data = self.session.live_data()
        if data.get("report_drawn"):
            await self.session.component_event(LIVE_KEY, "drawn", True)
            data = self.session.live_data()
        await self.connect_live(data)

    async def connect_live(self, data: dict | None = None) -> None:
        assert self.session is not None
        old, self.live = self.live, LiveClient.for_page(self.session, self.origin)
        if old is not None:
            await old.close()
            self.errors += old.problems
            self.live.carry_over(old)
        if data is not None and data.get("frame"):
            self.live.take_inline(data["frame"])
        await self.live.open()

    async def press(self, key: str) -> None:
        """A button; the page's run may show something else afterwards: the socket follows the token."""
        assert self.session is not None
        await self.session.press(key)
        await self._follow_token()

    async def set_slider(self, key: str, value: float) -> None:
        assert self.session is not None
        await self.session.set_slider(key, value)
        await self._follow_token()

    async def set_select_slider(self, key: str, shown: str) -> None:
        assert self.session is not None
        await self.session.set_select_slider(key, shown)
        await self._follow_token()

    async def report_stopped(self) -> None:
        """What the live element does when a frame says the run stopped: the page runs again."""
        assert self.session is not None and self.live is not None
        await self.session.component_event(LIVE_KEY, "stopped", self.live.epoch)
        await self._follow_token()

    async def _follow_token(self) -> None:
        assert self.session is not None and self.live is not None
        if self.session.live_data()["token"] != self.live.token:
            await self.connect_live()

    async def frame(self) -> Frame:
        """One frame from the live socket, counted (epochs, the wait since the last one)."""
        assert self.live is not None
        epoch = self.live.epoch
        frame = await self.live.next_frame()
        now = time.monotonic()
        if self._last_frame:
            self.longest_wait = max(self.longest_wait, now - self._last_frame)
        self._last_frame = now
        self.frames += 1
        # a run that starts over (a control changed, Play after the end) counts its epochs from 0
        self.epochs += self.live.epoch - epoch if self.live.epoch >= epoch >= 0 else max(0, self.live.epoch)
        return frame

    async def pump(self, stop: asyncio.Event, reconnect_after: float = 0.5) -> None:
        """Frames back to back until `stop`. A socket that closes or goes silent counts as an error
        and is opened again, as the browser's page does."""
        while not stop.is_set():
            try:
                await self.frame()
            except (websockets.ConnectionClosed, TimeoutError, OSError) as err:
                self.errors.append(f"live socket: {err!r}")
                await asyncio.sleep(reconnect_after)
                try:
                    await self.connect_live()
                except Exception as again:  # noqa: BLE001 — counted; the next loop tries again
                    self.errors.append(f"reconnect: {again!r}")

    def mark(self) -> Mark:
        """Counters now (and the longest wait starts over)."""
        now = time.monotonic()
        waited = max(self.longest_wait, now - self._last_frame) if self._last_frame else 0.0
        self.longest_wait, self._last_frame = 0.0, now
        return Mark(now, self.frames, self.epochs, waited)

    def problems(self) -> list[str]:
        found = list(self.errors)
        if self.session is not None:
            found += self.session.problems
        if self.live is not None:
            found += self.live.problems
        return found

    async def close(self) -> None:
        for part in (self.live, self.session):
            if part is not None:
                try:
                    await part.close()
                except Exception as err:  # noqa: BLE001 — counted
                    self.errors.append(f"close: {err!r}")


# --- a check of a running server ----------------------------------------------------------------------
async def check_server(base_url: str, frames: int = 10, query: str = "") -> dict:
    """Open the Playground at `base_url` as a browser would, press Play and take `frames` frames from
    its live socket. Returns what it saw; raises SessionError if the page or the socket fails."""
    client = PlaygroundClient(base_url, query)
    start = time.monotonic()
    try:
        await client.open()
        await client.press("play")
        for _ in range(frames):
            await client.frame()
    finally:
        await client.close()
    problems = client.problems()
    if problems:
        raise SessionError("; ".join(problems[:5]))
    assert client.live is not None
    return {"url": client.live.url, "frames": client.frames, "epoch": client.live.epoch,
            "seconds": round(time.monotonic() - start, 2)}


def run_in_own_loop(coro: Awaitable[T], timeout: float = 120) -> T:
    """Run `coro` to the end on a new event loop in its own thread: pytest may already have a loop
    running in the main thread (Playwright's sync API keeps one), where `asyncio.run` refuses."""
    result: list = []

    def target() -> None:
        try:
            result.append(("ok", asyncio.run(asyncio.wait_for(coro, timeout))))
        except BaseException as err:  # handed to the caller's thread below
            result.append(("err", err))

    thread = threading.Thread(target=target, name="protocol-client")
    thread.start()
    thread.join()
    kind, value = result[0]
    if kind == "err":
        raise value
    return value


def main() -> None:
    """`python -m tests.protocol_client http://host:port/[base/] [--frames 10]`: exit status 0 if a
    session opened, played and its live socket sent the frames."""
    import argparse

    parser = argparse.ArgumentParser(description=main.__doc__.splitlines()[0])
    parser.add_argument("url", help="the app's address, ending in / (with the server's baseUrlPath, if any)")
    parser.add_argument("--frames", type=int, default=10)
    args = parser.parse_args()
    url = args.url if args.url.endswith("/") else args.url + "/"
    try:
        seen = asyncio.run(check_server(url, args.frames))
    except (SessionError, OSError, TimeoutError, websockets.WebSocketException) as err:
        raise SystemExit(f"live check failed: {err!r}") from None
    print(f"live check ok: {seen['frames']} frames from {seen['url']} (epoch {seen['epoch']:,}) "
          f"in {seen['seconds']} s")


if __name__ == "__main__":
    main()
