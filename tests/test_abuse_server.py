"""A real `streamlit run app.py` against what a hostile client does, spoken to at protocol level: uploads
bigger than the app reads, more files than a session holds, more live sockets than a page has, and the
memory of closed sessions coming back. (How well another learner is served meanwhile: benchmarks/bench_abuse.py.)"""

from __future__ import annotations

import asyncio
import time
from urllib.parse import urlencode

import pytest
import websockets

from benchmarks.bench_abuse import LARGEST, largest_run_file
from live.janitor import CLOSE_MARGIN_SECONDS, EVERY_SECONDS, SHUTDOWN_SECONDS
from live.route import CLOSE_REPLACED
from live.upload_limits import MAX_FILES
from tests.browser.harness import rss_mib, serve_app
from tests.protocol_client import LiveClient, PlaygroundClient, StreamlitSession, run_in_own_loop

# A real server (slow: not in the quick loop) whose tests run in order, one worker, beside nothing else (perf): the
# memory test's idle is the server after the others' sessions and one of its own have come and gone, and it is
# a time bound.
pytestmark = [pytest.mark.slow, pytest.mark.perf]

TTL = int(CLOSE_MARGIN_SECONDS) + 2     # a short reconnect window, so closed sessions go within seconds
GONE = TTL - CLOSE_MARGIN_SECONDS + 2 * EVERY_SECONDS + SHUTDOWN_SECONDS + 1


@pytest.fixture(scope="module")
def server():
    with serve_app(extra_args=["--server.disconnectedSessionTTL", str(TTL)]) as (url, proc):
        yield url, proc.pid


def run(coro):
    return run_in_own_loop(coro, 300)


async def sidebar_session(url: str) -> StreamlitSession:
    session = StreamlitSession(url)
    await session.open()
    await session.component_event("live_view", "drawn", True)        # the sidebar and its uploaders come
    return session


def test_an_upload_larger_than_the_app_reads_is_refused_and_a_session_holds_a_few_files(server):
    url, _ = server

    async def scenario():
        session = await sidebar_session(url)
        try:
            assert await session.upload("run_upload", "huge.json", b" " * (20 * 2**20)) == 413
            run_file = largest_run_file()
            statuses = [await session.upload("run_upload", f"run{i}.json", run_file) for i in range(MAX_FILES + 1)]
            assert statuses == [204] * MAX_FILES + [429]
            assert any("Imported run" in getattr(e.alert, "body", "") for e in session.elements.values()
                       if e.WhichOneof("type") == "alert"), "the largest run file the app writes is read"
            assert not session.problems
        finally:
            await session.close()

    run(scenario())


def test_a_page_has_two_live_sockets_at_most(server):
    """One more socket with the page's token takes the place of its oldest: two at most are ever served."""
    url, _ = server

    async def scenario():
        session = StreamlitSession(url)
        await session.open()
        first, second, third = (LiveClient.for_page(session) for _ in range(3))
        for socket in (first, second):
            await socket.open()
        await second.next_frame()
        await first.next_frame()                                             # two: both are served
        await third.open()
        await third.next_frame()
        with pytest.raises(websockets.ConnectionClosed) as replaced:
            await first.next_frame()
        assert replaced.value.rcvd.code == CLOSE_REPLACED                   # the oldest made room
        second.drawn = ("", -1, -1)                                         # as if it had drawn nothing: a frame now
        await second.next_frame()                                            # the one between goes on
        for socket in (second, third):
            await socket.close()
        await session.close()

    run(scenario())


def test_closed_sessions_memory_comes_back(server):
    """Four sessions of the largest network play, draw and close: within the reconnect window and a
    janitor's round, the server is back within 10% of what it held idle. Idle is after one such session has
    come and gone: the first pays once for what the server then keeps (imports, torch's kernels and pools,
    the allocator's arenas: 266 MiB fresh, 381 after it here), and each round of four after that came back
    to 381-401 MiB, never growing."""
    url, pid = server

    async def sessions(count: int) -> float:
        clients = [PlaygroundClient(url, urlencode(LARGEST.to_query())) for _ in range(count)]
        for client in clients:
            await client.open()
            await client.press("play")
        for _ in range(10):
            await asyncio.gather(*(client.frame() for client in clients))
        await asyncio.sleep(5.0)
        held = rss_mib(pid)
        await asyncio.gather(*(client.close() for client in clients))
        return held

    run(sessions(1))
    time.sleep(GONE)                                                   # it and the other tests' sessions are gone
    idle = rss_mib(pid)
    held = run(sessions(4))
    assert held > idle + 20, ("the sessions should hold memory to give back", idle, held)
    deadline = time.monotonic() + GONE + 10
    while rss_mib(pid) > 1.1 * idle and time.monotonic() < deadline:
        time.sleep(1.0)
    assert rss_mib(pid) <= 1.1 * idle, (idle, held, rss_mib(pid))
