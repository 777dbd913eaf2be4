"""TCP_NODELAY on the server's listening socket (live/no_delay.py), set by the app's lifespan before it serves."""

from __future__ import annotations

import asyncio
import contextlib
import socket

import pytest
from streamlit.web.server.starlette import starlette_server

from live.no_delay import listening_sockets, no_delay_on_listening_sockets


def no_delay(sock: socket.socket) -> bool:
    return bool(sock.getsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY))


@pytest.fixture
def streamlit_socket():
    """A listening socket bound the way Streamlit binds its server's (protocol 0: asyncio leaves Nagle on)."""
    sock = starlette_server._bind_socket("127.0.0.1", 0, 8)
    yield sock
    sock.close()


def test_streamlits_socket_lacks_no_delay_and_gets_it_with_every_connection_it_accepts(streamlit_socket):
    assert not no_delay(streamlit_socket)            # the cause: if Streamlit sets it one day, this module can go
    assert streamlit_socket in listening_sockets()
    assert no_delay_on_listening_sockets() >= 1
    assert no_delay(streamlit_socket)
    with socket.create_connection(streamlit_socket.getsockname()) as client:
        streamlit_socket.setblocking(True)
        accepted, _ = streamlit_socket.accept()
        with accepted:
            assert no_delay(accepted)                # inherited: the option is set once, not per connection
        assert client not in listening_sockets()


def test_a_closed_or_connected_socket_is_not_a_listening_one(streamlit_socket):
    with socket.create_connection(streamlit_socket.getsockname()) as client:
        closed = socket.socket()
        closed.close()
        found = listening_sockets()
        assert client not in found and closed not in found and streamlit_socket in found


def test_without_a_listening_socket_the_lifespan_says_so(caplog, monkeypatch):
    from live import no_delay

    monkeypatch.setattr(no_delay, "listening_sockets", list)       # as if Streamlit bound its socket elsewhere

    async def start_and_stop() -> None:
        async with no_delay.lifespan(None):
            pass

    asyncio.run(start_and_stop())
    assert "No listening socket found" in caplog.text


def test_the_apps_lifespan_sets_it_before_the_server_serves(streamlit_socket, monkeypatch):
    import app
    from live import janitor

    monkeypatch.setattr(janitor, "lifespan", lambda _app: contextlib.nullcontext())

    async def start_and_stop() -> None:
        async with app.lifespan(None):
            assert no_delay(streamlit_socket)

    asyncio.run(start_and_stop())
