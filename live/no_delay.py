"""TCP_NODELAY on the server's listening sockets: every answer and every frame leaves when it is written.

Streamlit binds its server's socket itself, as `socket.socket(family)` (protocol 0), and asyncio sets
TCP_NODELAY only on connections from a socket made with IPPROTO_TCP. So Nagle's algorithm held back
the last small piece of each answer until the browser had acknowledged the one before, and the browser
acknowledges 40 ms late. Every request after the first on a kept-alive connection took ~42 ms (curl: 0.4–2 ms
with it), and Streamlit's 59 start-up scripts took 420 ms over a browser's six connections instead of
82 ms (docs/measured.md#no-delay).

A connection takes the option from the socket that accepted it, so it is set once, at the server's start,
on the listening sockets (`lifespan`: an st.App's lifespan runs before the server accepts).
"""

from __future__ import annotations

import contextlib
import gc
import logging
import socket
from collections.abc import AsyncIterator
from typing import Any


def listening_sockets() -> list[socket.socket]:
    """This process's open TCP sockets that are listening."""
    found = []
    for obj in gc.get_objects():
        # type(), not isinstance(): some of torch's objects warn when their __class__ is read.
        if not issubclass(type(obj), socket.socket) or obj.fileno() < 0 or obj.type != socket.SOCK_STREAM:
            continue
        if obj.family not in (socket.AF_INET, socket.AF_INET6):
            continue
        try:
            if obj.getsockopt(socket.SOL_SOCKET, socket.SO_ACCEPTCONN):
                found.append(obj)
        except OSError:
            continue
    return found


def no_delay_on_listening_sockets() -> int:
    """Set TCP_NODELAY on every listening TCP socket of this process; how many there were."""
    sockets = listening_sockets()
    for sock in sockets:
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    return len(sockets)


@contextlib.asynccontextmanager
async def lifespan(app: Any) -> AsyncIterator[None]:
    """An st.App's lifespan (app.py): TCP_NODELAY on its socket before the server accepts a connection."""
    if not no_delay_on_listening_sockets():
        logging.getLogger(__name__).warning("No listening socket found for TCP_NODELAY: answers may wait 40 ms")
    yield
