"""The classroom's live path as plain Python: a notice on a channel reaching a paused page's socket,
the board as a view kind of the socket (every tile listed, thumbnails only for what changed), students'
summaries taken from their own frames, and the hub's round that ties the store to all of it."""

from __future__ import annotations

import json
import time

import numpy as np
import pytest

from classroom import board_frames
from classroom.board_frames import BoardFeed, BoardView, board_frame, summary_from_frame, summary_of_run
from classroom.hub import Hub
from classroom.setup_push import setup_config
from classroom.store import MemoryStore, Summary
from live import route
from live.diagram import diagram_key
from live.frames import decode, playground_frame
from live.run import LiveRun
from scratchnet.config import Config, Setup, View
from scratchnet.draw.palette import DEFAULT
from tests.live.test_live_socket import VIEW, Inbox, Server


@pytest.fixture
def store():
    return MemoryStore()


@pytest.fixture
def hub(store):
    made = Hub(store, poll_seconds=60, board_seconds=0, report_seconds=0)    # rounds run by hand (`tick`)
    board_frames.install(made.on_frame)
    yield made
    route.FRAME_HOOKS.remove(made.on_frame)


def ask(ws, key: str = "", v: int = -1, rev: int = -1, n: int = -1):
    """A "next" request with the notice the browser last saw (`n`); the frame that answers it."""
    ws.send_text(json.dumps({"t": "next", "key": key, "v": v, "rev": rev, "n": n}))
    return decode(ws.receive_bytes())


def summary(epoch: int) -> Summary:
    return Summary(epoch, 0.9, 0.2, 52, True, "c2", 34, bytes(34 * 34), time.time())


# --- a notice reaches a paused page ------------------------------------------------------------------
def test_a_notice_wakes_a_paused_pages_socket_and_nothing_else_does():
    server = Server()
    channel, _ = server.session("ana", Config())           # paused: no frame of its own to send
    with server.connect(channel.token) as ws:
        first = ask(ws, n=channel.notice)
        assert first.header["notice"] == channel.notice == 0
        inbox = Inbox(ws)
        ws.send_text(_next(first, n=0))
        assert inbox.within(0.4) is None, "a paused run and no news: no frame"
        channel.notice = 7                                  # the hub heard of a setup
        started = time.monotonic()
        message = inbox.within(2.0)
        assert message is not None and time.monotonic() - started < 0.5
        assert decode(message["bytes"]).header["notice"] == 7


def _next(frame, n: int) -> str:
    loss = next(c for c in frame.header["curves"] if c["chart"] == "loss")
    has = {"after": [xs[-1] if xs else -1 for xs in loss["x"]], "stride": loss["stride"]}
    return json.dumps({"t": "next", "key": frame.header["key"], "v": frame.header["v"], "rev": frame.header["rev"],
                       "charts": {"loss": has}, "n": n})


def test_a_request_without_a_notice_is_answered_as_before():
    server = Server()
    channel, _ = server.session("ana", Config())
    channel.notice = 3
    with server.connect(channel.token) as ws:
        assert ask(ws).header["notice"] == 3                # "n" is optional: old clients get frames as ever
    for bad in ("-2", "1.5", "true", '"7"'):
        with pytest.raises(route.BadMessage):
            route.parse_request(f'{{"t": "next", "n": {bad}}}')


# --- the board over the socket -------------------------------------------------------------------------
def test_the_board_is_a_view_kind_of_the_socket(hub, store):
    code, key = store.create()
    ana, bo = store.join(code, "Ana"), store.join(code, "Bo")
    store.report(code, ana.seat, ana.key, summary=summary(5))
    server = Server()
    server.sessions.add("teacher")
    channel = server.registry.open("teacher")
    feed = hub.board(channel, code, key)
    channel.show(feed, BoardView())
    with server.connect(channel.token) as ws:
        first = ask(ws, n=channel.notice)
        tiles = {t["name"]: t for t in first.header["tiles"]}
        assert set(tiles) == {"Ana", "Bo"} and "blob" in tiles["Ana"] and "epoch" not in tiles["Bo"]
        assert len(first.blobs[tiles["Ana"]["blob"]]) == 34 * 34
        store.report(code, bo.seat, bo.key, summary=summary(9))
        hub.tick()                                          # the hub's round brings the new board
        second = ask(ws, first.header["key"], first.header["v"], first.header["rev"], n=channel.notice)
        tiles = {t["name"]: t for t in second.header["tiles"]}
        assert "blob" in tiles["Bo"] and "blob" not in tiles["Ana"], "only the tile that changed"
        assert tiles["Bo"]["epoch"] == 9 and tiles["Ana"]["epoch"] == 5
        assert dict(second.header["metrics"])["Students"] == "2"


def test_board_frames_list_every_tile_and_send_changed_pictures_only(store):
    code, key = store.create()
    seats = [store.join(code, f"s{i}") for i in range(3)]
    for i, s in enumerate(seats):
        store.report(code, s.seat, s.key, summary=summary(i), setup=Config(hidden=(i + 1,)).to_query())
    feed = BoardFeed(code, key, store.board(code, key))
    full = board_frame(feed, "another key", -1)
    assert [t["name"] for t in full.header["tiles"]] == ["s0", "s1", "s2"]
    assert "2-2-2 relu" in full.header["tiles"][1]["setup"]
    (data,) = {t["data"] for t in full.header["tiles"]}                  # one dataset: moons, 200 points
    points = full.header["datasets"][data]
    assert points["task"] == "classification" and points["n"] == 160 and len(points["bounds"]) == 4
    assert len(full.blobs[points["xy"]]) == 160 * 2 * 4 and set(full.blobs[points["labels"]]) == {0, 1}
    assert len(full.blobs) == 3 + 2
    for step in range(2):
        version = feed.version
        store.report(code, seats[1].seat, seats[1].key, summary=summary(40 + step))
        feed.update(store.board(code, key))
        delta = board_frame(feed, feed.key, version)
        (blob,) = [t["blob"] for t in delta.header["tiles"] if "blob" in t]
        assert [t.get("blob") is not None for t in delta.header["tiles"]] == [False, True, False]
        assert len(delta.blobs[blob]) == 34 * 34
    assert delta.header["datasets"] == {} and len(delta.blobs) == 1, "the points went once"
    store.leave(code, seats[0].seat, seats[0].key)
    feed.update(store.board(code, key))
    assert [t["name"] for t in board_frame(feed, feed.key, feed.version).header["tiles"]] == ["s1", "s2"]


# --- students' summaries from their frames ------------------------------------------------------------
def test_a_summary_is_every_third_cell_of_the_frames_boundary():
    run = LiveRun(Config(dataset="spiral", classes=3, hidden=(8, 8)))
    state = run.frame_state()
    frame = playground_frame(state, VIEW, units=False)
    made = summary_from_frame(frame, state)
    image = frame.header["images"][0]
    codes = np.frombuffer(frame.blobs[image["blob"]], np.uint8).reshape(image["h"], image["w"])
    assert made.side == 34 and made.codes == codes[::3, ::3].tobytes()
    assert made.lut == "c3" and made.params == (2 * 8 + 8) + (8 * 8 + 8) + (8 * 3 + 3) and made.epoch == 0
    assert summary_of_run(run).codes == made.codes, "a page run reports the same picture"


def test_the_hub_hands_on_reports_at_most_every_report_seconds(store):
    hub = Hub(store, poll_seconds=60, report_seconds=0.5)
    code, _ = store.create()
    ana = store.join(code, "Ana")
    server = Server()
    channel, run = server.session("ana", Config())
    hub.member(channel, ana, 0, 0)
    state = run.frame_state()
    frame = playground_frame(state, VIEW, units=False)
    hub.on_frame(channel, frame, state)
    hub.on_frame(channel, frame, state)                    # too soon: not queued again
    assert len(hub._outbox) == 1
    hub.tick()
    assert store.student(code, ana.seat, ana.key).me.summary.epoch == 0 and not hub._outbox
    hub.on_frame(channel, frame, state)
    assert not hub._outbox
    stranger, _ = server.session("stranger", Config())
    hub.on_frame(stranger, frame, state)                   # not in a class: nothing
    assert not hub._outbox


def test_the_hub_tells_students_of_news_and_of_the_end(hub, store):
    code, key = store.create()
    ana = store.join(code, "Ana")
    server = Server()
    channel, _ = server.session("ana", Config())
    hub.member(channel, ana, store.info(code).events, 0)
    teacher = server.registry.open("teacher")
    feed = hub.board(teacher, code, key)
    hub.tick()
    assert channel.notice == 0 and not feed.ended
    store.send_setup(code, key, {"dataset": "xor"})
    hub.tick()
    assert channel.notice == store.info(code).events == 1
    store.end(code, key)
    hub.tick()
    assert channel.notice == 2, "the page runs again and finds the class gone"
    assert feed.ended and board_frame(feed, feed.key, -1).header["ended"]
    hub.tick()
    assert channel.notice == 2 and len(hub) == 1, "told once; the student is no longer watched"


def test_a_dead_channel_is_forgotten(hub, store):
    code, _ = store.create()
    ana = store.join(code, "Ana")
    server = Server()
    channel, _ = server.session("ana", Config())
    hub.member(channel, ana, 0, 0)
    assert len(hub) == 1
    del channel
    import gc

    gc.collect()
    hub.tick()
    assert len(hub) == 0


def test_a_tile_with_no_news_for_a_while_is_shown_away(store):
    code, key = store.create()
    gone, here = store.join(code, "Gone"), store.join(code, "Here")
    old = Summary(50, 0.8, 0.3, 52, True, "c2", 34, bytes(34 * 34), time.time() - board_frames.AWAY_SECONDS - 1)
    store.report(code, gone.seat, gone.key, summary=old)                  # its tab closed while it played
    store.report(code, here.seat, here.key, summary=summary(7))
    frame = board_frame(BoardFeed(code, key, store.board(code, key)), "", -1)
    tiles = {t["name"]: t for t in frame.header["tiles"]}
    assert tiles["Gone"]["away"] and not tiles["Gone"]["playing"]
    assert not tiles["Here"]["away"] and tiles["Here"]["playing"]
    assert dict(frame.header["metrics"])["Training now"] == "1"


# --- a setup switched onto a student's Playground without a page run -----------------------------------
LESSON = {**Config(dataset="spiral", hidden=(8, 8), activation="tanh").to_query(), "presentation": "1"}


@pytest.fixture
def playground_of():
    """A student's Playground as the page leaves it: showing a playing run, drawable again for another.
    Every run it made, and every run switched to, is paused afterwards (the shared training thread
    would go on training them while the interpreter exits)."""
    from ui.live_view import PlaygroundElement

    made = []

    def make(server, name: str, presentation: bool = False):
        channel, run = server.session(name, Config(epochs=100_000))
        element = PlaygroundElement(DEFAULT, View(presentation=presentation), diagram_height="600px")
        channel.show(run, VIEW, redraw=element)
        channel.sockets += 1                  # the page's socket is open (a test may connect a real one too)
        run.play()
        made.append(channel)
        return channel, run

    yield make
    for channel in made:
        channel.job.pause()


def test_a_setup_switches_a_students_playground_before_their_page_runs(hub, store, playground_of):
    code, key = store.create()
    ana, bo = store.join(code, "Ana"), store.join(code, "Bo")
    server = Server()
    (channel, old), (bos_channel, _) = playground_of(server, "ana"), playground_of(server, "bo", presentation=True)
    hub.member(channel, ana, 0, 0)
    hub.member(bos_channel, bo, 0, 0)
    with server.connect(channel.token) as ws:
        first = ask(ws, n=0)
        assert "mount" not in first.header, "the page drew this run itself"
        store.send_setup(code, key, LESSON)
        hub.tick()
        fresh = channel.job
        assert fresh is not old and fresh.cfg == setup_config(LESSON, Setup(old.cfg)).config
        assert fresh.playing and not old.playing, "it plays, as Ana's run did"
        assert channel.notice == 0, "the page runs once the class's new runs are on their sockets"
        frame = ask(ws, first.header["key"], first.header["v"], first.header["rev"], n=0)
        data = json.loads(frame.blobs[frame.header["mount"]])
        assert frame.header["key"] == fresh.key and frame.header["rev"] == channel.revision == channel.mount_sent
        assert data["banner"].startswith("Your teacher changed the setup: ") and "spiral" in data["banner"]
        assert data["charts"]["diagram"]["key"] == diagram_key(fresh.cfg), "the new network's diagram"
        assert "token" not in data, "the element keeps its own socket"
        assert data["big"] is False, "presentation stays Ana's (off)"
        again = ask(ws, frame.header["key"], frame.header["v"], frame.header["rev"], n=0)
        assert "mount" not in again.header, "sent once"
    hub.tick()
    assert channel.notice == bos_channel.notice == 0, "Bo's frame is not out yet: no page runs in the way"
    assert json.loads(bos_channel.mount[1])["big"] is True, "and Bo's stays on"
    bos_channel.mount_sent = bos_channel.revision           # (what Bo's socket does when it sends it)
    hub.tick()
    assert channel.notice == bos_channel.notice == 1
    assert hub.claim(channel, 1) is fresh, "Ana's page adopts the run"
    assert hub.claim(channel, 1) is None


def ana_playing_in_a_class(hub, store, playground_of) -> tuple:
    """Ana on her Playground in a class whose teacher has just sent LESSON: (her channel, her run, the code)."""
    code, key = store.create()
    ana = store.join(code, "Ana")
    channel, run = playground_of(Server(), "ana")
    hub.member(channel, ana, 0, 0)
    store.send_setup(code, key, LESSON)
    return channel, run, code


def test_a_page_that_applies_the_setup_first_keeps_its_own_run(hub, store, playground_of):
    channel, old, _ = ana_playing_in_a_class(hub, store, playground_of)
    assert hub.claim(channel, 1) is None, "the page run got there first (the student pressed something)"
    hub.tick()
    assert channel.job is old and channel.mount is None and channel.notice == 1


def test_the_page_runs_anyway_when_a_switched_frame_is_not_fetched(hub, store, playground_of):
    channel, _, code = ana_playing_in_a_class(hub, store, playground_of)
    hub.tick()
    assert channel.mount is not None and channel.notice == 0
    hub._held[code] = (time.monotonic(), hub._held[code][1])     # its hold is over (a tab in the background)
    hub.tick()
    assert channel.notice == 1


def test_no_switch_where_the_page_must_apply_the_setup(hub, store):
    """Another page (no redraw), or the teacher's own points: the page run applies it, as it always did."""
    code, key = store.create()
    ana = store.join(code, "Ana")
    server = Server()
    channel, old = server.session("ana", Config())            # e.g. a lesson's element: nothing to redraw with
    hub.member(channel, ana, 0, 0)
    store.send_setup(code, key, LESSON)
    hub.tick()
    assert channel.job is old and channel.notice == 1 and hub.claim(channel, 1) is None


# --- the hub ties seats and classes to live sessions -------------------------------------------------------
def _stores(request):
    if request.param == "memory":
        return MemoryStore()
    from classroom.redis_store import RedisStore

    made = RedisStore(request.getfixturevalue("redis_url"))
    made.r.flushdb()
    return made


@pytest.fixture(params=["memory", "redis"])
def any_store(request):
    return _stores(request)


def test_the_hub_keeps_live_sessions_seats_and_gives_back_those_of_sessions_gone(any_store):
    import gc

    from classroom.store import NotAllowed
    from live.channel import Channel

    connected = {"teacher": True, "ana": True, "bot": True, "cy": True}
    hub = Hub(any_store, poll_seconds=60, board_seconds=0, report_seconds=0, heartbeat_seconds=0,
              grace_seconds=0.3, alive=lambda channel: connected[channel.session_id])
    code, key = any_store.create()
    seats = {who: any_store.join(code, who, client=who) for who in ("ana", "bot", "cy")}
    channels = {who: Channel(f"token-of-{who}-" + "x" * 16, who) for who in ("teacher", "ana", "bot", "cy")}
    hub.teach(channels["teacher"], code, key)
    for who, seat in seats.items():
        hub.member(channels[who], seat, events=0)
    hub.tick()
    assert [s.name for s in any_store.board(code, key).students] == ["ana", "bot", "cy"]
    connected["bot"] = False                 # its browser went away: a reconnect within the grace keeps the seat
    hub.tick()
    assert len(any_store.board(code, key).students) == 3
    time.sleep(0.4)                          # ... and after it, the seat is free
    hub.tick()
    assert [s.name for s in any_store.board(code, key).students] == ["ana", "cy"]
    with pytest.raises(NotAllowed):
        any_store.student(code, seats["bot"].seat, seats["bot"].key)
    del channels["cy"]                       # a session whose state is gone leaves at once
    gc.collect()
    hub.tick()
    assert [s.name for s in any_store.board(code, key).students] == ["ana"]
    assert len(hub) == 2                     # ana and the teacher are what this process still holds


def test_a_class_lost_under_its_students_is_said_once_not_a_rerun_loop(any_store):
    """A class that vanished at once (ended, expired, or its Redis key evicted or flushed) raises a
    student's notice once: the page runs, finds it gone and forgets it; the hub does not nudge again."""
    from classroom.redis_store import RedisStore, class_key
    from live.channel import Channel

    hub = Hub(any_store, poll_seconds=60, board_seconds=0, report_seconds=0, heartbeat_seconds=0)
    code, key = any_store.create()
    ana = any_store.join(code, "Ana")
    channel = Channel("token-of-ana-" + "x" * 16, "ana")
    hub.member(channel, ana, events=any_store.info(code).events)
    hub.tick()
    before = channel.notice
    if isinstance(any_store, RedisStore):
        any_store.r.delete(class_key(code))
    else:
        any_store._classes.clear()
    for _ in range(20):
        hub.tick()
    assert channel.notice == before + 1
    assert len(hub) == 0


def test_a_store_whose_parts_disagree_makes_no_rerun_loop(store, hub, monkeypatch):
    """Were the counters gone while the class still reads as there (the defect of a lost `:events` key),
    the student's page would run, find the class, register again and be nudged again every round: it is
    told once, and its next page runs are not nudged again for a while."""
    from live.channel import Channel

    code, _ = store.create()
    ana = store.join(code, "Ana")
    channel = Channel("token-of-ana-" + "x" * 16, "ana")
    hub.member(channel, ana, events=0)
    monkeypatch.setattr(store, "versions", lambda codes: {})
    nudges = 0
    for _ in range(20):
        seen = channel.notice
        hub.tick()
        if channel.notice != seen:          # the browser would run the page now
            nudges += 1
            hub.member(channel, ana, events=store.student(code, ana.seat, ana.key).info.events)   # it ran
    assert nudges == 1
