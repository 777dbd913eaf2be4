"""The live route through Starlette's test client: who may open a socket, what a frame holds, how the
browser sets the pace, and what happens to bad messages and ended sessions."""

from __future__ import annotations

import json
import queue
import threading
import time

import pytest
from starlette.applications import Starlette
from starlette.testclient import TestClient
from starlette.websockets import WebSocketDisconnect

from live.channel import CurveAsk, Registry
from live.frames import CompareView, PlaygroundView, decode
from live.route import (
    CLOSE_POLICY,
    CLOSE_REPLACED,
    CLOSE_SESSION_ENDED,
    CLOSE_TOO_BIG,
    MAX_CHARTS,
    MAX_MESSAGE_CHARS,
    MAX_MESSAGES_PER_SECOND,
    MAX_SOCKETS_PER_TOKEN,
    PROTOCOL,
    BadMessage,
    Request,
    SocketState,
    build_frame,
    live_routes,
    parse_request,
)
from live.run import LiveRun
from live.sweep import LiveSweep
from scratchnet.config import Config
from scratchnet.draw.figures import DEFAULT

ORIGIN = {"origin": "http://testserver"}
VIEW = PlaygroundView(DEFAULT)


class Server:
    """A Starlette app with only the live route, and a registry whose sessions the test ends."""

    def __init__(self, base: str = ""):
        self.sessions: set[str] = set()
        self.registry = Registry(alive=lambda sid: sid in self.sessions)
        self.client = TestClient(Starlette(routes=live_routes(base, self.registry)))
        self.path = f"/{base}/live/ws" if base else "/live/ws"

    def session(self, name: str, cfg: Config | None = None):
        self.sessions.add(name)
        channel = self.registry.open(name)
        run = LiveRun(cfg or Config(epochs=100_000))
        channel.show(run, VIEW)
        return channel, run

    def connect(self, token: str, headers: dict | None = None, protocol: str = PROTOCOL):
        return self.client.websocket_connect(self.path, subprotocols=[protocol, token],
                                             headers=dict(ORIGIN if headers is None else headers))


def ask(ws, key: str = "", v: int = -1, rev: int = -1, after=(), stride: int = 1, chart: str = "loss"):
    """A "next" request, as the browser sends it: what the curve chart `chart` has."""
    charts = {chart: {"after": list(after), "stride": stride}} if after else {}
    ws.send_text(json.dumps({"t": "next", "key": key, "v": v, "rev": rev, "charts": charts}))
    return decode(ws.receive_bytes())


def ask_again(ws, frame, **extra):
    """The request a browser sends after drawing `frame`."""
    loss = next(c for c in frame.header["curves"] if c["chart"] == "loss")
    after = [xs[-1] if xs else -1 for xs in loss["x"]]
    return ask(ws, frame.header["key"], frame.header["v"], frame.header["rev"], after, loss["stride"], **extra)


class Inbox:
    """Everything a socket receives, read by a thread of its own, so a test can wait a while for a
    message that should (or should not) come."""

    def __init__(self, ws):
        self.messages: queue.Queue = queue.Queue()
        threading.Thread(target=self._read, args=(ws,), daemon=True).start()

    def _read(self, ws) -> None:
        while True:
            try:
                message = ws.receive()
            except Exception:                      # noqa: BLE001 - the socket closed
                return
            self.messages.put(message)
            if message["type"] == "websocket.close":
                return

    def within(self, seconds: float):
        try:
            return self.messages.get(timeout=seconds)
        except queue.Empty:
            return None


@pytest.fixture
def server():
    return Server()


# --- who may open a socket -----------------------------------------------------------------------
def test_a_made_up_token_a_foreign_origin_or_no_origin_is_refused_at_the_handshake(server):
    channel, _ = server.session("a")
    for token, headers, protocol in [("x" * 43, None, PROTOCOL),                     # made up
                                     (channel.token, {"origin": "http://evil.example"}, PROTOCOL),
                                     (channel.token, {}, PROTOCOL),                  # no Origin
                                     (channel.token, None, "other-protocol"),
                                     (channel.token[:-1], None, PROTOCOL)]:          # almost the token
        with pytest.raises(WebSocketDisconnect) as refused:
            with server.connect(token, headers, protocol):
                pass
        assert refused.value.code == CLOSE_POLICY          # the same refusal whatever was wrong


def test_tokens_are_long_random_and_one_per_session(server):
    a, _ = server.session("a")
    b, _ = server.session("b")
    assert len(a.token) >= 43 and a.token != b.token                 # 32 bytes from secrets, base64url
    assert server.registry.open("a", a) is a                         # the same session keeps its token


def test_a_socket_sees_its_own_session_only(server):
    a, run_a = server.session("a", Config(dataset="xor", epochs=1000))
    b, run_b = server.session("b", Config(dataset="circle", epochs=1000))
    run_b.step()
    with server.connect(a.token) as ws_a, server.connect(b.token) as ws_b:
        frame_a, frame_b = ask(ws_a), ask(ws_b)
    assert frame_a.header["key"] == run_a.key and frame_b.header["key"] == run_b.key
    assert frame_a.header["epoch"] == 0 and frame_b.header["epoch"] == 1


def test_an_ended_session_closes_its_socket_and_its_token_opens_nothing(server):
    channel, run = server.session("a")
    with server.connect(channel.token) as ws:
        ask(ws)
        server.sessions.discard("a")
        run.step()                                                   # news for the waiting request
        ws.send_text(json.dumps({"t": "next", "key": run.key, "v": run.version, "rev": channel.revision}))
        with pytest.raises(WebSocketDisconnect) as closed:
            ws.receive_bytes()
        assert closed.value.code == CLOSE_SESSION_ENDED
    with pytest.raises(WebSocketDisconnect):
        with server.connect(channel.token):
            pass
    assert server.registry.find(channel.token) is None


def test_a_session_has_a_few_sockets_and_one_more_replaces_its_oldest(server):
    """A page and 64 sockets asking for full frames took another learner from 45.9 to 2.6 frames/s; and a
    teacher going Classroom → Playground → Classroom in 3 s opens a third while the first two close."""
    channel, _ = server.session("a")
    other, _ = server.session("b")
    with server.connect(channel.token) as first, server.connect(channel.token) as second:
        ask(first), ask(second)
        assert channel.sockets == MAX_SOCKETS_PER_TOKEN
        with server.connect(other.token) as theirs, server.connect(channel.token) as third:
            assert ask(third).header["kind"] == "playground"               # the newest is served
            with pytest.raises(WebSocketDisconnect) as replaced:
                ask(first)
            assert replaced.value.code == CLOSE_REPLACED                   # the oldest made room
            assert channel.sockets == MAX_SOCKETS_PER_TOKEN
            assert ask(second).header["kind"] == "playground"              # the one between goes on
            assert ask(theirs).header["kind"] == "playground"              # another session's page is not touched
    assert channel.sockets == 0


def test_frames_are_built_from_the_share_of_the_session_that_asks(server, monkeypatch):
    from live import scheduler

    asked: list = []
    build = scheduler.shared().build
    monkeypatch.setattr(scheduler.shared(), "build", lambda make, owner=None: asked.append(owner) or build(make, owner))
    channel, run = server.session("a")
    with server.connect(channel.token) as ws:
        ask(ws)
    assert asked == ["a"] and scheduler.shared().owner_of(run) == "a"


# --- bad messages close that socket only ------------------------------------------------------------
@pytest.mark.parametrize("message, code", [
    ("not json", CLOSE_POLICY),
    ('{"t": "next", "v": "1"}', CLOSE_POLICY),
    ('{"t": "next", "charts": {"loss": {"after": [1.5]}}}', CLOSE_POLICY),
    ('{"t": "next", "charts": {"loss": {"stride": 3}}}', CLOSE_POLICY),
    ('{"t": "hello"}', CLOSE_POLICY),
    ("[" * (MAX_MESSAGE_CHARS + 1), CLOSE_TOO_BIG),
    (b"\x00\x01", CLOSE_TOO_BIG),
])
def test_a_malformed_or_oversized_message_closes_that_socket_only(server, message, code):
    a, _ = server.session("a")
    b, _ = server.session("b")
    with server.connect(a.token) as bad, server.connect(b.token) as good:
        (bad.send_bytes if isinstance(message, bytes) else bad.send_text)(message)
        with pytest.raises(WebSocketDisconnect) as closed:
            bad.receive_bytes()
        assert closed.value.code == code
        assert ask(good).header["kind"] == "playground"             # the other socket goes on


def test_a_flood_of_requests_closes_the_socket(server):
    channel, _ = server.session("a")
    with server.connect(channel.token) as ws:
        inbox = Inbox(ws)
        for _ in range(MAX_MESSAGES_PER_SECOND + 10):
            ws.send_text('{"t": "next"}')
        message = inbox.within(5.0)
        while message is not None and message["type"] != "websocket.close":
            message = inbox.within(5.0)                     # the frames asked for before the flood was seen
        assert message is not None and message["code"] == CLOSE_POLICY


def test_requests_are_validated_field_by_field():
    request = parse_request('{"t": "next", "key": "3.1", "v": 7, "rev": 2, "charts": {"loss": {"after": [10, -1], '
                            '"stride": 4}, "grad_norms": {"after": [3]}}}')
    assert (request.key, request.version, request.revision) == ("3.1", 7, 2)
    assert request.curve("loss") == CurveAsk((10, -1), 4) and request.curve("grad_norms") == CurveAsk((3,), 1)
    assert request.curve("losses") == CurveAsk()                    # a chart that has nothing yet
    many = json.dumps({"t": "next", "charts": {f"c{i}": {} for i in range(MAX_CHARTS + 1)}})
    for bad in ['{"t": "next", "key": 5}', '{"t": "next", "v": true}', '{"t": "next", "charts": []}',
                '{"t": "next", "charts": {"loss": {"after": "1"}}}', '{"t": "next", "charts": {"loss": [1]}}',
                '{"t": "next", "charts": {"Loss!": {}}}', '{"t": "next", "charts": {"loss": {"stride": 0}}}',
                '{"t": "next", "charts": {"loss": {"stride": 6}}}',
                '{"t": "next", "charts": {"loss": {"stride": true}}}',
                '{"t": "next", "charts": {"loss": {"after": [0' + ', 0' * 64 + "]}}}", many,
                '{"t": "next", "v": 1e20}', "null", "7"]:
        with pytest.raises(BadMessage):
            parse_request(bad)


# --- the browser sets the pace; the server sends the newest state ------------------------------------
def test_one_frame_per_request_and_a_paused_run_waits_for_news(server):
    channel, run = server.session("a")
    with server.connect(channel.token) as ws:
        first = ask(ws)
        assert first.header["v"] == run.version and first.header["rev"] == channel.revision
        loss = first.header["curves"][0]
        inbox = Inbox(ws)
        ws.send_text(json.dumps({"t": "next", "key": run.key, "v": run.version, "rev": channel.revision,
                                 "charts": {"loss": {"after": [xs[-1] for xs in loss["x"]],
                                                     "stride": loss["stride"]}}}))
        assert inbox.within(0.4) is None                            # nothing changed: nothing sent
        for _ in range(3):
            run.step()
        newest = decode(inbox.within(5.0)["bytes"])
        assert newest.header["epoch"] >= 1
        assert inbox.within(0.3) is None                            # one request, one frame: no backlog
        if newest.header["epoch"] < 3:                              # built before the last steps: ask again
            loss = newest.header["curves"][0]
            ws.send_text(json.dumps({"t": "next", "key": run.key, "v": newest.header["v"], "rev": channel.revision,
                                     "charts": {"loss": {"after": [xs[-1] for xs in loss["x"]],
                                                     "stride": loss["stride"]}}}))
            newest = decode(inbox.within(5.0)["bytes"])
        assert newest.header["epoch"] == 3 and newest.header["v"] == run.version


def test_frames_carry_only_the_new_loss_points(server):
    channel, run = server.session("a")
    with server.connect(channel.token) as ws:
        first = ask(ws)
        loss = first.header["curves"][0]
        assert loss["full"] and loss["x"] == [[0], [0]]              # epoch 0: the untrained network
        for _ in range(5):
            run.step()
        second = ask_again(ws, first)
        loss = second.header["curves"][0]
        assert not loss["full"] and loss["x"][0] == [1, 2, 3, 4, 5] and loss["x"][1][-1] == 5
        run.reset()                                                 # a new start: the whole curve again
        third = ask_again(ws, second)
        assert third.header["curves"][0]["full"] and third.header["key"] != second.header["key"]


def test_a_frame_is_small(server):
    channel, run = server.session("a")
    with server.connect(channel.token) as ws:
        ws.send_text('{"t": "next"}')
        message = ws.receive_bytes()
    frame = decode(message)
    image = frame.header["images"][0]
    assert (image["w"], image["h"]) == (VIEW.resolution, VIEW.resolution)
    assert len(frame.blobs[image["blob"]]) == VIEW.resolution ** 2              # one byte per cell
    assert len(message) < 40_000, "a 100×100 surface, 8 unit pictures and the numbers"


def test_compare_frames_stream_every_run(server):
    server.sessions.add("c")
    channel = server.registry.open("c")
    sweep = LiveSweep([Config(lr=lr, epochs=50) for lr in (0.01, 0.1, 1.0)])
    labels = ("lr=0.01", "lr=0.1", "lr=1")
    channel.show(sweep, CompareView(DEFAULT, labels, ("a", "b", "c")))
    with server.connect(channel.token) as ws:
        first = ask(ws)
        sweep.play()
        deadline = time.monotonic() + 10
        while not sweep.sweep.done and time.monotonic() < deadline:
            sweep.work(0.05)
        losses = first.header["curves"][0]
        frame = ask(ws, first.header["key"], first.header["v"], first.header["rev"],
                    [xs[-1] if xs else 0 for xs in losses["x"]], losses["stride"], chart="losses")
    assert len(frame.header["images"]) == 3 and [r["run"] for r in frame.header["table"]] == list(labels)
    assert all(xs == list(range(1, 51)) for xs in frame.header["curves"][0]["x"])
    assert frame.header["stopped"] == "done" and frame.header["metrics"][0] == ["Epoch", "50 / 50"]


def test_the_route_follows_the_base_url_path():
    server = Server(base="sn")
    channel, _ = server.session("a")
    with server.connect(channel.token) as ws:
        assert ask(ws).header["kind"] == "playground"


def test_a_paused_run_still_hears_from_its_socket(server, monkeypatch):
    """Nothing to draw for a while: an idle note, so the browser does not take the quiet for a dead line."""
    import live.route as live_socket

    monkeypatch.setattr(live_socket, "IDLE_SECONDS", 0.3)
    channel, run = server.session("a")
    with server.connect(channel.token) as ws:
        first = ask(ws)
        inbox = Inbox(ws)
        loss = first.header["curves"][0]
        ws.send_text(json.dumps({"t": "next", "key": run.key, "v": run.version, "rev": channel.revision,
                                 "charts": {"loss": {"after": [xs[-1] for xs in loss["x"]],
                                                     "stride": loss["stride"]}}}))
        notes = [inbox.within(2.0) for _ in range(2)]
    assert [n["text"] for n in notes] == ['{"t":"idle"}', '{"t":"idle"}']


def test_a_run_nobody_watches_stops_training_until_a_socket_comes_back(server, monkeypatch):
    """A closed tab's run rests after a short grace (it would take the others' training time); a
    socket that comes back (a reconnect) makes it train again, and a socket open elsewhere keeps it."""
    import live.route as live_socket

    monkeypatch.setattr(live_socket, "ORPHAN_GRACE_SECONDS", 0.2)
    channel, run = server.session("a", Config(epochs=1_000_000))
    run.play()
    try:
        with server.connect(channel.token) as ws:
            ask(ws)
            with server.connect(channel.token) as second:
                ask(second)
            time.sleep(0.5)                                       # one of two sockets closed: still watched
            assert run.wants_cpu() and channel.sockets == 1
        deadline = time.monotonic() + 5
        while run.wants_cpu() and time.monotonic() < deadline:
            time.sleep(0.05)
        assert not run.wants_cpu() and run.playing, "rests, still Play-ing, once its last socket is gone"
        with server.connect(channel.token) as ws:
            ask(ws)
            assert run.wants_cpu(), "a socket back: training again"
    finally:
        run.pause()


def test_unit_pictures_come_with_every_fourth_frame_of_a_playing_run_and_every_frame_of_a_paused_one(server):
    """They are most of a frame's cost: a class of 100 at ~3 frames/s each must not pay for them every frame;
    a paused run's rare frames (a Step, an edit) always show them."""
    from live.route import UNITS_EVERY_FRAMES

    channel, run = server.session("a", Config(epochs=1_000_000))

    def has_units(frame) -> bool:
        return any(i["chart"] == "units" for i in frame.header["images"])

    with server.connect(channel.token) as ws:
        frame = ask(ws)
        assert has_units(frame), "a new run's first frame"
        run.step()
        frame = ask_again(ws, frame)
        assert has_units(frame), "a paused run's frame after a Step"
        run.play()
        try:
            seen = []
            for _ in range(3 * UNITS_EVERY_FRAMES):
                time.sleep(0.3)                              # past the four-a-second rule: frames set the pace
                frame = ask_again(ws, frame)
                seen.append(has_units(frame))
        finally:
            run.pause()
    assert sum(seen) == 3 and seen[UNITS_EVERY_FRAMES - 1::UNITS_EVERY_FRAMES] == [True] * 3, seen


def test_a_switch_while_a_frame_is_built_sends_the_new_runs_data_with_its_own_first_frame():
    """The hub may switch a channel to another run (a class's setup) while a frame of the old run is
    built on the training thread: that frame keeps the old revision, so the browser's next request still
    gets the new run's data (`mount`) with the new run's first frame."""
    registry = Registry(alive=lambda sid: True)
    channel = registry.open("ana")
    old, new = LiveRun(Config()), LiveRun(Config(dataset="xor"))
    channel.show(old, VIEW)
    built = old.frame_state

    def switched_meanwhile(*args, **kwargs):
        channel.switch(new, VIEW, b'{"kind":"playground"}')
        return built(*args, **kwargs)

    old.frame_state = switched_meanwhile
    state = SocketState()
    first = decode(build_frame(channel, Request(), state, time.monotonic()))
    assert first.header["key"] == old.key and first.header["rev"] == 1 and "mount" not in first.header
    after = Request(first.header["key"], first.header["v"], first.header["rev"])
    second = decode(build_frame(channel, after, state, time.monotonic()))
    assert second.header["key"] == new.key and second.header["rev"] == channel.revision == channel.mount_sent == 2
    assert second.blobs[second.header["mount"]] == b'{"kind":"playground"}'
    done = Request(second.header["key"], second.header["v"], second.header["rev"])
    assert "mount" not in decode(build_frame(channel, done, state, time.monotonic())).header
