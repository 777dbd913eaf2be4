"""Docker and several replicas (deploy/): the files' shape, and the sticky proxy run for real.

The tests need no docker engine: ``deploy/nginx.conf.template`` is filled in exactly as the official
nginx image does it (envsubst of its two placeholders) and run in Debian's nginx in front of two real
``streamlit run app.py`` replicas on 127.0.0.1. Checked through the proxy: health, the route cookie and
its stickiness, the spread of different browsers over both replicas, a WebSocket handshake and a
ping/pong on ``/_stcore/stream``, a whole session at protocol level (its Streamlit socket and its live
socket ``/live/ws`` on the same replica, frames flowing; a made-up token refused), and failover when a
replica goes away. Skipped if nginx is not installed (``apt-get install -y nginx``, as the README's test
command does).
"""

from __future__ import annotations

import base64
import contextlib
import hashlib
import http.client
import os
import re
import secrets
import shutil
import signal
import socket
import struct
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest
import yaml
from websockets.exceptions import InvalidStatus

from tests.protocol_client import LiveClient, PlaygroundClient, run_in_own_loop

pytestmark = pytest.mark.slow          # real servers: not in the quick loop

ROOT = Path(__file__).resolve().parents[1]
DEPLOY = ROOT / "deploy"
TEMPLATE = DEPLOY / "nginx.conf.template"
COMPOSE = DEPLOY / "compose.yaml"
PLACEHOLDERS = {"UPSTREAM_SERVERS", "PROXY_LISTEN"}
COOKIE = "scratchnet_route"
# The upstream parameters compose uses, so the test runs the same peer settings.
PEER_OPTIONS = "max_fails=2 fail_timeout=10s"
WRONG_TRIES = 3
START_TIMEOUT = 60.0


# --------------------------------------------------------------------------------------------------
# helpers


def render_template(text: str, values: dict[str, str]) -> str:
    """What the nginx image's envsubst does: replace $NAME / ${NAME} for the given names only."""

    def sub(match: re.Match[str]) -> str:
        name = match.group(1) or match.group(2)
        return values[name] if name in values else match.group(0)

    return re.sub(r"\$\{(\w+)\}|\$(\w+)", sub, text)


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def get(port: int, path: str, headers: dict[str, str] | None = None, timeout: float = 10.0):
    """GET through 127.0.0.1:port; returns (status, headers, body)."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    try:
        conn.request("GET", path, headers=headers or {})
        resp = conn.getresponse()
        return resp.status, resp.headers, resp.read()
    finally:
        conn.close()


def replica_of(headers) -> str:
    """The replica that answered, from the proxy's X-Upstream (the last one tried on failover)."""
    upstream = headers.get("X-Upstream") or ""
    return upstream.split(",")[-1].strip()


def route_cookie(headers) -> str | None:
    for value in headers.get_all("Set-Cookie") or []:
        match = re.match(rf"\s*{COOKIE}=([^;]*)", value)
        if match:
            return match.group(1)
    return None


def stop_group(proc: subprocess.Popen, grace: float = 10.0) -> None:
    """Stop a process started with start_new_session=True, and everything it started."""
    if proc.poll() is None:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(timeout=grace)
        except subprocess.TimeoutExpired:
            pass
    with contextlib.suppress(ProcessLookupError):
        os.killpg(proc.pid, signal.SIGKILL)
    with contextlib.suppress(subprocess.TimeoutExpired):
        proc.wait(timeout=5)


def die_with_parent() -> list[str]:
    """A command prefix: the child gets SIGTERM if the test process dies without cleaning up."""
    setpriv = shutil.which("setpriv")  # util-linux, on every Debian
    return [setpriv, "--pdeathsig", "TERM", "--"] if setpriv else []


def find_nginx() -> str | None:
    found = shutil.which("nginx")
    if found:
        return found
    for candidate in ("/usr/sbin/nginx", "/usr/local/sbin/nginx", "/usr/local/nginx/sbin/nginx"):
        if os.access(candidate, os.X_OK):
            return candidate
    return None


# --------------------------------------------------------------------------------------------------
# the files


def test_template_has_exactly_the_two_placeholders():
    text = TEMPLATE.read_text()
    names = {m.group(1) or m.group(2) for m in re.finditer(r"\$\{(\w+)\}|\$(\w+)", text)}
    upper = {n for n in names if not n.islower()}
    # The official image substitutes only these (NGINX_ENVSUBST_FILTER); nginx's own are lower case.
    assert upper == PLACEHOLDERS, upper
    rendered = render_template(text, {"UPSTREAM_SERVERS": "server 127.0.0.1:1;", "PROXY_LISTEN": "2"})
    assert "${" not in rendered
    for needed in (
        "hash $scratchnet_route_key consistent",
        "proxy_set_header Upgrade $http_upgrade",
        "proxy_set_header Host $http_host",
        "proxy_buffering off",
        "location /_stcore/stream",
        f"{COOKIE}=$request_id",
    ):
        assert needed in text, needed
    assert "ip_hash" not in re.sub(r"#.*", "", text), "stickiness is cookie-based (one school NAT = one IP)"
    # Both WebSockets (Streamlit's and the live frames') stream unbuffered and stay open for a lesson.
    for path in ("/_stcore/stream", "/live/ws"):
        block = location_block(text, path)
        assert "proxy_buffering off" in block and "proxy_pass http://scratchnet_app;" in block, path
        assert read_timeout_seconds(block) >= 3600, path


def location_block(text: str, path: str) -> str:
    """The body of `location <path> { ... }` (comments dropped; blocks there do not nest)."""
    match = re.search(rf"location\s+{re.escape(path)}\s*\{{([^}}]*)\}}", re.sub(r"#.*", "", text))
    assert match, f"no location {path}"
    return match.group(1)


def read_timeout_seconds(block: str) -> int:
    timeouts = re.findall(r"proxy_read_timeout\s+(\d+)([smhd]?)\s*;", block)
    seconds = {"": 1, "s": 1, "m": 60, "h": 3600, "d": 86400}
    return max((int(n) * seconds[u] for n, u in timeouts), default=0)


def test_compose_file_structure():
    text = COMPOSE.read_text()
    assert "\t" not in text
    data = yaml.safe_load(text)
    assert isinstance(data, dict)

    services = data["services"]
    assert set(services) == {"app", "proxy", "redis"}
    app, proxy, redis = services["app"], services["proxy"], services["redis"]

    # app: built from the project's Dockerfile; scalable (no fixed name, no host port).
    build = app["build"]
    context = (DEPLOY / build["context"]).resolve()
    assert context == ROOT
    assert (context / build.get("dockerfile", "Dockerfile")).is_file()
    assert "ports" not in app and "container_name" not in app
    assert [str(p) for p in app.get("expose", [])] == ["8501"]

    # redis: the classes every replica shares (classroom/redis_store.py), healthy before the app starts.
    assert str(redis["image"]).startswith("redis:") and "ports" not in redis and "container_name" not in redis
    assert "redis-cli" in " ".join(map(str, redis["healthcheck"]["test"]))
    assert app["environment"]["REDIS_URL"] == "redis://redis:6379/0"
    assert app["depends_on"]["redis"]["condition"] == "service_healthy"
    # a class lives and dies as one key: never evicted in part (classroom/redis_store.py)
    command = [str(c) for c in redis["command"]]
    assert command[command.index("--maxmemory-policy") + 1] == "noeviction"
    # who a browser is: the address the proxy names (it replaces a browser's own X-Forwarded-For)
    assert app["environment"]["FORWARDED_ALLOW_IPS"] == "*"
    assert re.search(r"proxy_set_header\s+X-Forwarded-For\s+\$remote_addr;", TEMPLATE.read_text())

    # proxy: the official nginx image, fed the template this test runs.
    assert str(proxy["image"]).startswith("nginx:")
    assert "container_name" not in proxy
    mounts = [str(v) for v in proxy["volumes"]]
    assert "./nginx.conf.template:/etc/nginx/templates/default.conf.template:ro" in mounts
    for mount in mounts:
        assert (DEPLOY / mount.split(":")[0]).exists(), mount
    env = {k: str(v) for k, v in proxy["environment"].items()}
    assert PLACEHOLDERS <= set(env)
    assert re.fullmatch(r"server app:8501( [a-z_]+=\w+)*;", env["UPSTREAM_SERVERS"]), env["UPSTREAM_SERVERS"]
    assert PEER_OPTIONS in env["UPSTREAM_SERVERS"]
    # Compose turns $$ into $; the image's awk filter then lets only the two placeholders through.
    flt = env["NGINX_ENVSUBST_FILTER"].replace("$$", "$")
    for name in ("UPSTREAM_SERVERS", "PROXY_LISTEN", "PATH", "HOSTNAME", "NGINX_VERSION"):
        assert bool(re.search(flt, name)) == (name in PLACEHOLDERS), name
    ports = [str(p) for p in proxy["ports"]]
    assert len(ports) == 1 and ports[0].endswith(":" + env["PROXY_LISTEN"]), ports
    assert proxy["depends_on"]["app"]["condition"] == "service_healthy"


def dockerfile_instructions(text: str) -> list[tuple[str, str]]:
    """(KEYWORD, arguments) per instruction, continuation lines joined, comments dropped."""
    instructions: list[tuple[str, str]] = []
    current = ""
    for line in text.splitlines():
        stripped = line.strip()
        if not stripped or stripped.startswith("#"):
            continue
        part = stripped.removesuffix("\\").strip()
        current = f"{current} {part}" if current else part
        if not stripped.endswith("\\"):
            keyword, _, args = current.partition(" ")
            instructions.append((keyword.upper(), args.strip()))
            current = ""
    return instructions


def test_dockerfile_and_dockerignore():
    text = (ROOT / "Dockerfile").read_text()
    steps = dockerfile_instructions(text)
    assert steps[0] == ("FROM", "python:3.11-slim")
    args = [a for k, a in steps if k == "ARG"]
    assert "TORCH_INDEX_URL=https://download.pytorch.org/whl/cpu" in args
    runs = " ".join(a for k, a in steps if k == "RUN")
    assert '--index-url "${TORCH_INDEX_URL}"' in runs and 'if [ -n "${TORCH_INDEX_URL}" ]' in runs
    assert "-r requirements.txt" in runs and "--no-cache-dir" in runs
    users = [a for k, a in steps if k == "USER"]
    assert users and users[-1] not in ("root", "0")
    assert ("EXPOSE", "8501") in steps
    (health,) = [a for k, a in steps if k == "HEALTHCHECK"]
    assert "http://localhost:8501/_stcore/health" in health and "urllib" in health and "curl" not in health
    cmd = [a for k, a in steps if k == "CMD"][-1]
    for part in ('"streamlit", "run", "app.py"', "--server.address=0.0.0.0", "--server.port=8501",
                 "--server.headless=true"):
        assert part in cmd, part
    copied = [src for k, a in steps if k == "COPY" for src in a.split()[:-1]]
    for needed in ("app.py", "navigation.py", "app_pages/", "ui/", "live/", "classroom/", "scratchnet/", ".streamlit/",
                   "static/"):
        assert needed in copied, needed
    for src in copied:
        assert (ROOT / src).exists(), src
    # What the server reads at run time by path: st.App's frame, and the live element's files
    # (live/scripts.py serves live/js/*.js; ui/ reads ui/js/*.js and ui/css/*.css at import), none of them kept out
    # of the context.
    assert 'st.App("navigation.py"' in (ROOT / "app.py").read_text()
    assert "compileall" in runs and "navigation.py" in runs
    assert "gatherUsageStats = false" in (ROOT / ".streamlit" / "config.toml").read_text()

    ignored = {ln.strip() for ln in (ROOT / ".dockerignore").read_text().splitlines()}
    for needed in (".git", "tests", "artifacts", "benchmarks", "**/__pycache__", ".pytest_cache",
                   ".ruff_cache", ".hypothesis", "**/*.egg-info"):
        assert needed in ignored, needed
    for kept in ("app.py", "navigation.py", "app_pages", "ui", "live", "classroom", "scratchnet", ".streamlit",
                 "requirements.txt",
                 "*.js", "*.css", "live/js", "ui/js", "ui/css", "static"):
        assert kept not in ignored, kept


# --------------------------------------------------------------------------------------------------
# two replicas behind the real proxy


@dataclass
class Stack:
    proxy_port: int
    replicas: dict[str, subprocess.Popen]  # "127.0.0.1:port" -> process
    logs: Path
    procs: list[subprocess.Popen] = field(default_factory=list)

    def describe(self) -> str:
        parts = []
        for log in sorted(self.logs.glob("*.log")):
            parts.append(f"--- {log.name}\n{log.read_text(errors='replace')[-2000:]}")
        return "\n".join(parts)


def _wait(check, what: str, deadline: float, stack: Stack | None = None, proc: subprocess.Popen | None = None):
    last: object = None
    while time.monotonic() < deadline:
        if proc is not None and proc.poll() is not None:
            break
        try:
            if check():
                return
        except OSError as exc:
            last = exc
        time.sleep(0.25)
    extra = stack.describe() if stack else ""
    raise AssertionError(f"{what} (last error: {last!r})\n{extra}")


def _health(port: int) -> bool:
    status, _, body = get(port, "/_stcore/health", timeout=3)
    return status == 200 and body.strip() == b"ok"


@pytest.fixture(scope="module")
def stack(tmp_path_factory) -> Iterator[Stack]:
    nginx = find_nginx()
    if nginx is None:
        pytest.skip("nginx is not installed (Debian: apt-get install -y nginx); the proxy test needs it")

    work = tmp_path_factory.mktemp("deploy")
    logs = work / "logs"
    logs.mkdir()
    stack = Stack(proxy_port=free_port(), replicas={}, logs=logs)
    # (3 wrong class codes per client: test_a_browser_cannot_name_its_own_address_through_the_proxy)
    env = dict(os.environ, PYTHONUNBUFFERED="1", SCRATCHNET_CLASS_WRONG_TRIES_PER_10_MIN=str(WRONG_TRIES))
    deadline = time.monotonic() + START_TIMEOUT
    try:
        for i in range(2):
            port = free_port()
            log = (logs / f"replica{i}.log").open("wb")
            proc = subprocess.Popen(
                [*die_with_parent(), sys.executable, "-m", "streamlit", "run", "app.py",
                 "--server.address=127.0.0.1", f"--server.port={port}", "--server.headless=true",
                 "--server.fileWatcherType=none", "--browser.gatherUsageStats=false"],
                cwd=ROOT, env=env, stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT,
                start_new_session=True,
            )
            log.close()
            stack.procs.append(proc)
            stack.replicas[f"127.0.0.1:{port}"] = proc

        # The proxy: the template as compose renders it, inside a minimal main config.
        upstreams = " ".join(f"server {addr} {PEER_OPTIONS};" for addr in stack.replicas)
        site = render_template(TEMPLATE.read_text(), {
            "UPSTREAM_SERVERS": upstreams, "PROXY_LISTEN": f"127.0.0.1:{stack.proxy_port}",
        })
        (work / "scratchnet.conf").write_text(site)
        temp_dirs = "\n".join(f"    {kind}_temp_path {work / kind};"
                              for kind in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi"))
        user = "user root;\n" if os.geteuid() == 0 else ""  # workers must reach this private folder
        (work / "nginx.conf").write_text(
            f"{user}worker_processes 1;\npid {work / 'nginx.pid'};\nerror_log {logs / 'nginx-error.log'} notice;\n"
            f"events {{ worker_connections 512; }}\n"
            f"http {{\n    access_log {logs / 'nginx-access.log'};\n{temp_dirs}\n"
            f"    include {work / 'scratchnet.conf'};\n}}\n"
        )
        args = [nginx, "-p", str(work), "-c", str(work / "nginx.conf"), "-e", str(logs / "nginx-error.log")]
        checked = subprocess.run([*args, "-t"], check=False, capture_output=True, text=True, timeout=30)
        assert checked.returncode == 0, f"nginx -t:\n{checked.stdout}{checked.stderr}\n{site}"
        nginx_log = (logs / "nginx-stdout.log").open("wb")
        proxy = subprocess.Popen(
            [*die_with_parent(), *args, "-g", "daemon off;"],
            stdin=subprocess.DEVNULL, stdout=nginx_log, stderr=subprocess.STDOUT, start_new_session=True,
        )
        nginx_log.close()
        stack.procs.append(proxy)

        for addr, proc in stack.replicas.items():
            port = int(addr.rsplit(":", 1)[1])
            _wait(lambda port=port: _health(port), f"replica {addr} did not become healthy in {START_TIMEOUT:.0f} s",
                  deadline, stack, proc)
        _wait(lambda: _health(stack.proxy_port), "no health through the proxy", deadline, stack, proxy)
        yield stack
    finally:
        for proc in reversed(stack.procs):
            stop_group(proc)


def test_health_through_the_proxy(stack: Stack):
    status, headers, body = get(stack.proxy_port, "/_stcore/health")
    assert (status, body.strip()) == (200, b"ok")
    assert replica_of(headers) in stack.replicas
    # The app's page itself comes through too.
    status, headers, body = get(stack.proxy_port, "/", {"Cookie": f"{COOKIE}=page"})
    assert status == 200 and b"<html" in body.lower()


def test_first_response_sets_the_route_cookie_and_it_sticks(stack: Stack):
    status, headers, _ = get(stack.proxy_port, "/_stcore/health")
    assert status == 200
    route = route_cookie(headers)
    assert route and re.fullmatch(r"[0-9a-f]{32}", route), headers.get_all("Set-Cookie")
    cookie_header = next(v for v in headers.get_all("Set-Cookie") if v.startswith(f"{COOKIE}="))
    assert "Path=/" in cookie_header and "HttpOnly" in cookie_header
    first = replica_of(headers)
    # The cookie routes to the replica that set it, every time, and is not set again.
    for _ in range(12):
        status, headers, _ = get(stack.proxy_port, "/_stcore/health", {"Cookie": f"{COOKIE}={route}"})
        assert status == 200
        assert replica_of(headers) == first
        assert route_cookie(headers) is None


@pytest.mark.perf
def test_a_request_through_the_proxy_adds_milliseconds_not_tens(stack: Stack):
    """1 ms measured; ~40 ms when nginx kept upstream connections alive (Nagle against a delayed ACK)."""
    cookie = {"Cookie": f"{COOKIE}={secrets.token_hex(16)}"}
    times = []
    for _ in range(15):
        start = time.perf_counter()
        get(stack.proxy_port, "/_stcore/health", cookie)
        times.append(time.perf_counter() - start)
    assert sorted(times)[len(times) // 2] < 0.02, times


def test_different_browsers_spread_over_both_replicas(stack: Stack):
    seen: dict[str, int] = {}
    for _ in range(40):
        cookie = {"Cookie": f"{COOKIE}={secrets.token_hex(16)}"}
        answers = {replica_of(get(stack.proxy_port, "/_stcore/health", cookie)[1]) for _ in range(3)}
        assert len(answers) == 1, answers  # sticky
        (replica,) = answers
        seen[replica] = seen.get(replica, 0) + 1
    assert set(seen) == set(stack.replicas), seen
    assert min(seen.values()) >= 5, seen  # not all but one on the same replica
    # Browsers without a cookie (first visits) spread too: nginx draws a fresh route for each.
    fresh = {replica_of(get(stack.proxy_port, "/_stcore/health")[1]) for _ in range(30)}
    assert fresh == set(stack.replicas), fresh


class _Frames:
    """Reads WebSocket frames from a socket, starting with bytes already received."""

    def __init__(self, sock: socket.socket, buffered: bytes = b"") -> None:
        self.sock, self.buf = sock, buffered

    def _exact(self, n: int) -> bytes:
        while len(self.buf) < n:
            chunk = self.sock.recv(65536)
            if not chunk:
                raise ConnectionError("connection closed")
            self.buf += chunk
        data, self.buf = self.buf[:n], self.buf[n:]
        return data

    def next(self) -> tuple[int, bytes]:
        head = self._exact(2)
        opcode, length = head[0] & 0x0F, head[1] & 0x7F
        if length == 126:
            length = struct.unpack("!H", self._exact(2))[0]
        elif length == 127:
            length = struct.unpack("!Q", self._exact(8))[0]
        mask = self._exact(4) if head[1] & 0x80 else b""
        payload = self._exact(length)
        if mask:
            payload = bytes(b ^ mask[i % 4] for i, b in enumerate(payload))
        return opcode, payload


def _send_frame(sock: socket.socket, opcode: int, payload: bytes) -> None:
    """A masked (client) WebSocket frame; payload < 126 bytes."""
    mask = os.urandom(4)
    masked = bytes(b ^ mask[i % 4] for i, b in enumerate(payload))
    sock.sendall(bytes([0x80 | opcode, 0x80 | len(payload)]) + mask + masked)


def test_websocket_stream_through_the_proxy(stack: Stack):
    route = secrets.token_hex(16)
    cookie = f"{COOKIE}={route}"
    expected = replica_of(get(stack.proxy_port, "/_stcore/health", {"Cookie": cookie})[1])

    # What a browser on another machine sends: its own Host and Origin (Streamlit checks they match).
    host = f"classroom.example:{stack.proxy_port}"
    key = base64.b64encode(os.urandom(16)).decode()
    request = (
        "GET /_stcore/stream HTTP/1.1\r\n"
        f"Host: {host}\r\n"
        f"Origin: http://{host}\r\n"
        "Upgrade: websocket\r\n"
        "Connection: Upgrade\r\n"
        f"Sec-WebSocket-Key: {key}\r\n"
        "Sec-WebSocket-Version: 13\r\n"
        "Sec-WebSocket-Protocol: streamlit\r\n"
        f"Cookie: {cookie}\r\n"
        "\r\n"
    )
    with socket.create_connection(("127.0.0.1", stack.proxy_port), timeout=15) as sock:
        sock.sendall(request.encode())
        raw = b""
        while b"\r\n\r\n" not in raw:
            chunk = sock.recv(4096)
            assert chunk, f"connection closed during the handshake: {raw!r}"
            raw += chunk
        head, rest = raw.split(b"\r\n\r\n", 1)
        status_line, *header_lines = head.decode("latin-1").split("\r\n")
        headers = {}
        for line in header_lines:
            name, _, value = line.partition(":")
            headers.setdefault(name.strip().lower(), value.strip())
        assert status_line.startswith("HTTP/1.1 101"), f"{status_line}\n{head.decode('latin-1')}"
        assert headers.get("upgrade", "").lower() == "websocket"
        accept = base64.b64encode(
            hashlib.sha1((key + "258EAFA5-E914-47DA-95CA-C5AB0DC85B11").encode()).digest()
        ).decode()
        assert headers.get("sec-websocket-accept") == accept
        assert headers.get("sec-websocket-protocol") == "streamlit"
        # Same replica as the browser's other requests.
        assert headers.get("x-upstream", "").split(",")[-1].strip() == expected

        # Frames cross the proxy both ways, unbuffered: a ping comes back as a pong.
        frames = _Frames(sock, rest)
        payload = b"scratchnet-" + secrets.token_hex(4).encode()
        _send_frame(sock, 0x9, payload)
        deadline = time.monotonic() + 10
        while True:
            assert time.monotonic() < deadline, "no pong through the proxy"
            opcode, data = frames.next()
            assert opcode != 0x8, f"the server closed the stream: {data!r}"
            if opcode == 0xA:
                assert data == payload
                break
        _send_frame(sock, 0x8, struct.pack("!H", 1000))


def test_a_session_and_its_live_socket_through_the_proxy(stack: Stack):
    """A browser's Streamlit socket and its page's live socket reach the same replica (the route
    cookie), frames flow through nginx, and a made-up token is refused through it too."""
    route = secrets.token_hex(16)
    cookie = {"Cookie": f"{COOKIE}={route}"}
    expected = replica_of(get(stack.proxy_port, "/_stcore/health", cookie)[1])

    async def scenario() -> None:
        client = PlaygroundClient(f"http://127.0.0.1:{stack.proxy_port}/", headers=cookie)
        await client.open()
        try:
            await client.press("play")
            for _ in range(10):
                await client.frame()
            assert client.live.playing and client.live.epoch > 0
            assert replica_of(client.session.ws.response.headers) == expected
            assert replica_of(client.live.ws.response.headers) == expected
            with pytest.raises(InvalidStatus) as refused:
                await LiveClient(client.live.url, "x" * 43, client.live.origin, dict(cookie)).open()
            assert refused.value.response.status_code == 403
        finally:
            await client.close()
        assert client.problems() == [], client.problems()

    run_in_own_loop(scenario(), 120)


def test_a_browser_cannot_name_its_own_address_through_the_proxy(stack: Stack):
    """The classroom counts wrong class codes per client address (ui/clients.py). Through the proxy a
    browser's own X-Forwarded-For is replaced by the address nginx saw: a new made-up address for every
    try is still one client, refused after its tries. Straight to a replica from loopback (where a trusted
    proxy would be) the header is believed: the proxy is what makes the address one a browser cannot choose."""
    from benchmarks.class_floods import join

    route = secrets.token_hex(16)
    cookie = {"Cookie": f"{COOKIE}={route}"}                  # every try on the same replica
    replica = replica_of(get(stack.proxy_port, "/_stcore/health", cookie)[1])

    async def wrong_code(url: str, address: str) -> str:
        session, joined, said = await join(url, address, "AAAAAA", "guess", headers=cookie)
        await session.close()
        assert not joined
        return said

    async def scenario() -> None:
        proxy = f"http://127.0.0.1:{stack.proxy_port}/"
        said = [await wrong_code(proxy, f"203.0.113.{i}") for i in range(WRONG_TRIES + 1)]
        assert all("There is no class" in s for s in said[:-1]), said
        assert "Too many wrong class codes" in said[-1], said
        direct = await wrong_code(f"http://{replica}/", "198.51.100.7")
        assert "There is no class" in direct, "a trusted peer's X-Forwarded-For names another client"

    run_in_own_loop(scenario(), 120)


def test_failover_when_a_replica_stops(stack: Stack):
    """Last (it stops a replica): browsers of the lost replica are served by the other one."""
    routes: dict[str, str] = {}
    for _ in range(100):
        if len(routes) == 2:
            break
        route = secrets.token_hex(16)
        routes.setdefault(replica_of(get(stack.proxy_port, "/_stcore/health", {"Cookie": f"{COOKIE}={route}"})[1]),
                          route)
    assert set(routes) == set(stack.replicas), routes
    lost, kept = list(stack.replicas)
    stop_group(stack.replicas[lost])
    for _ in range(3):
        for replica, route in routes.items():
            status, headers, body = get(stack.proxy_port, "/_stcore/health", {"Cookie": f"{COOKIE}={route}"})
            assert (status, body.strip()) == (200, b"ok"), (replica, status)
            assert replica_of(headers) == kept
