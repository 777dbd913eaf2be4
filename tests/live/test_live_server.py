"""The live route on a real `streamlit run app.py`, spoken to at protocol level (tests/protocol_client.py):
a session opened as a browser opens it gets frames over its socket, under the server's baseUrlPath too;
tokens that are made up, foreign Origins and the tokens of ended sessions are refused; and the class
benchmark's protocol-level client runs (5 sessions, a few seconds) without an error.
(The socket's rules one by one are in test_live_socket.py, through Starlette's test client.)"""

from __future__ import annotations

import json
import subprocess
import sys
import time
import urllib.error
import urllib.request
from urllib.parse import urlencode

import pytest
import websockets
from websockets.exceptions import InvalidStatus

from live import scripts
from live.route import CLOSE_SESSION_ENDED, SESSION_CHECK_SECONDS
from scratchnet.config import Setup
from tests.browser.harness import ROOT, serve_app
from tests.protocol_client import (
    LiveClient,
    PlaygroundClient,
    SessionError,
    StreamlitSession,
    check_server,
    run_in_own_loop,
)

pytestmark = pytest.mark.slow          # real servers: not in the quick loop

BENCHMARK = ROOT / "benchmarks" / "bench_class.py"
FAST = Setup().replace(epochs=1_000_000, speed="max")


@pytest.fixture(scope="module")
def server():
    with serve_app() as (url, proc):
        yield url


def run(coro):
    return run_in_own_loop(coro, 120)


def test_a_session_opened_as_a_browser_does_gets_frames_that_follow_its_run(server):
    async def scenario():
        client = PlaygroundClient(server, urlencode(FAST.to_query()))
        await client.open()
        try:
            assert client.live.url == server.replace("http", "ws", 1) + "live/ws"
            first_epoch = client.live.epoch                 # the page's own first frame
            await client.press("play")
            for _ in range(15):
                await client.frame()
            assert client.live.playing and client.live.epoch > first_epoch >= 0
            assert sum(map(len, client.live.curve.x)) > 1, "the loss curve grows frame by frame"
            epoch = client.live.epoch
            await client.press("play")                      # Pause now: one button
            await client.frame()                            # the frame that says it paused
            assert not client.live.playing and client.live.epoch >= epoch
        finally:
            await client.close()
        assert client.problems() == []
        assert client.frames == 16

    run(scenario())


def test_a_made_up_token_or_a_foreign_origin_is_refused_by_the_real_server(server):
    async def scenario():
        session = StreamlitSession(server)
        await session.open()
        try:
            genuine = LiveClient.for_page(session)
            for token, origin in [("x" * 43, genuine.origin), (genuine.token, "http://evil.example"),
                                  (genuine.token[:-1] + ("A" if genuine.token[-1] != "A" else "B"), genuine.origin)]:
                refused = LiveClient(genuine.url, token, origin)
                with pytest.raises(InvalidStatus) as err:
                    await refused.open()
                assert err.value.response.status_code == 403
            await genuine.open()                            # while the right token and Origin still work
            await genuine.next_frame()
            await genuine.close()
        finally:
            await session.close()
        assert session.problems == [] and genuine.problems == []

    run(scenario())


def test_a_token_dies_with_its_session(server):
    async def scenario():
        client = PlaygroundClient(server)
        await client.open()
        live, token, url, origin = client.live, client.live.token, client.live.url, client.live.origin
        await client.session.close()                        # the tab closes: Streamlit's socket goes
        start = time.monotonic()
        with pytest.raises(websockets.ConnectionClosed) as closed:
            while True:                                     # the live socket closes by itself soon after
                await live.next_frame(timeout=3 * SESSION_CHECK_SECONDS + 5)
        assert closed.value.rcvd is not None and closed.value.rcvd.code == CLOSE_SESSION_ENDED
        assert time.monotonic() - start < 3 * SESSION_CHECK_SECONDS + 5
        with pytest.raises(InvalidStatus):
            await LiveClient(url, token, origin).open()

    run(scenario())


def test_under_a_base_url_path_the_live_route_moves_with_it():
    with serve_app(extra_args=["--server.baseUrlPath", "sn"]) as (url, _):
        assert url.endswith("/sn/")
        seen = run(check_server(url, frames=10))
        assert seen["url"].endswith("/sn/live/ws") and seen["frames"] == 10
        root = url.removesuffix("sn/")
        with pytest.raises((InvalidStatus, SessionError)):       # nothing is served outside the base path
            run(check_server(root, frames=1))
        # and the live element's modules with it
        with urllib.request.urlopen(url + scripts.entry_path(), timeout=10) as answer:
            assert answer.headers["content-type"].startswith("text/javascript")
            assert answer.read() == scripts.modules()[scripts.ENTRY]
        with pytest.raises(urllib.error.HTTPError):
            urllib.request.urlopen(root + scripts.entry_path(), timeout=10)


def test_the_class_benchmark_runs_five_protocol_sessions_without_an_error():
    proc = subprocess.run([sys.executable, str(BENCHMARK), "--client", "protocol", "--sessions", "5",
                           "--seconds", "4", "--json"], cwd=ROOT, capture_output=True, text=True, timeout=240)
    assert proc.returncode == 0, proc.stderr[-3000:]
    (result,) = json.loads(proc.stdout.strip().splitlines()[-1])
    assert result["n"] == 5 and result["sessions_playing"] == 5, result
    assert result["errors"] == 0, result["error_samples"]
    assert result["fps_min"] > 1, ("every session keeps getting frames", result)
    assert result["epochs_min"] > 0, ("every session keeps training", result)
    assert result["gap_max"] < 5, ("no session waits long for a frame", result)
    assert result["latency"] < 10, ("a control change reaches the socket", result)
    assert result["rss_per_session"] < 50, ("server memory per session stays small", result)
