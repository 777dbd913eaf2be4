"""A real redis-server (Debian's package) on a free 127.0.0.1 port for the tests and benchmarks that
need one: nothing saved to disk, stopped (with everything in it) when the block ends.

    with redis_server() as url:      # "redis://127.0.0.1:<port>/0"
        ...
"""

from __future__ import annotations

import contextlib
import shutil
import socket
import subprocess
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

START_TIMEOUT = 15.0


def find_redis_server() -> str | None:
    found = shutil.which("redis-server")
    if found:
        return found
    candidate = Path("/usr/bin/redis-server")
    return str(candidate) if candidate.exists() else None


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _answers(port: int) -> bool:
    """A PING gets a PONG (the plain protocol, so this needs no client library)."""
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=0.5) as sock:
            sock.sendall(b"PING\r\n")
            return sock.recv(16).startswith(b"+PONG")
    except OSError:
        return False


@contextlib.contextmanager
def redis_server(port: int | None = None) -> Iterator[str]:
    """Start redis-server, yield its URL, stop it. RuntimeError if it is missing or does not answer."""
    exe = find_redis_server()
    if exe is None:
        raise RuntimeError("redis-server is not installed (Debian: apt-get install -y redis-server)")
    port = port or _free_port()
    with tempfile.TemporaryDirectory() as folder, tempfile.TemporaryFile() as log:
        proc = subprocess.Popen([exe, "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no",
                                 "--dir", folder, "--daemonize", "no", "--loglevel", "warning"],
                                stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT,
                                start_new_session=True)
        try:
            deadline = time.monotonic() + START_TIMEOUT
            while not _answers(port):
                if proc.poll() is not None or time.monotonic() > deadline:
                    log.seek(0)
                    raise RuntimeError(f"redis-server did not answer on port {port}:\n"
                                       f"{log.read().decode(errors='replace')[-2000:]}")
                time.sleep(0.05)
            yield f"redis://127.0.0.1:{port}/0"
        finally:
            proc.terminate()
            try:
                proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait(timeout=5)
