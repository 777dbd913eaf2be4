"""What one session may upload: a few files held at a time, a few a minute.

Streamlit keeps every file uploaded to a session in memory until the session ends (its uploaders
say which files they show, but a file put to the upload URL under another id stays too), and takes
as many as are sent: one session could fill the server's memory with `server.maxUploadSize` files.
This ASGI middleware (app.py) answers an upload to a session that already holds MAX_FILES files,
or that sent MAX_PER_MINUTE in the last minute, with 429 before reading its body. A learner uses
two uploaders (points, a run) and replaces a file now and then: neither limit is near.

The size of one file is Streamlit's own limit (`server.maxUploadSize`, .streamlit/config.toml),
checked from the request's Content-Length before its body is read, and again as it streams.
"""

from __future__ import annotations

import re
import threading
import time
from collections import deque
from collections.abc import Callable

from starlette.responses import PlainTextResponse
from starlette.types import ASGIApp, Receive, Scope, Send

MAX_FILES = 3               # held at once: the points CSV, a run file, and one replacing either
MAX_PER_MINUTE = 12         # uploads a session may send in a minute
_UPLOAD = re.compile(r"/_stcore/upload_file/([^/]+)/[^/]+$")


def held_by(session_id: str) -> int:
    """How many uploaded files Streamlit holds for this session now."""
    from streamlit.runtime import Runtime

    if not Runtime.exists():
        return 0
    storage = getattr(Runtime.instance().uploaded_file_mgr, "file_storage", {})
    return len(storage.get(session_id, ()))


class UploadLimits:
    """ASGI middleware: MAX_FILES and MAX_PER_MINUTE per session on Streamlit's upload route."""

    def __init__(self, app: ASGIApp, held: Callable[[str], int] = held_by, max_files: int = MAX_FILES,
                 max_per_minute: int = MAX_PER_MINUTE):
        self.app, self.held = app, held
        self.max_files, self.max_per_minute = max_files, max_per_minute
        self._sent: dict[str, deque[float]] = {}
        self._lock = threading.Lock()

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        match = _UPLOAD.search(scope.get("path", "")) if scope["type"] == "http" and scope["method"] == "PUT" else None
        refusal = self._refusal(match.group(1)) if match else None
        if refusal is not None:
            await PlainTextResponse(refusal, status_code=429)(scope, receive, send)
            return
        await self.app(scope, receive, send)

    def _refusal(self, session_id: str) -> str | None:
        """Why this session may not upload now, or None (then the upload counts)."""
        now = time.monotonic()
        with self._lock:
            for gone in [s for s, times in self._sent.items() if not times or now - times[-1] > 60.0]:
                del self._sent[gone]
            sent = self._sent.setdefault(session_id, deque())
            while sent and now - sent[0] > 60.0:
                sent.popleft()
            if len(sent) >= self.max_per_minute:
                return f"At most {self.max_per_minute} uploads a minute; wait a moment and upload again."
            if self.held(session_id) >= self.max_files:
                return f"At most {self.max_files} uploaded files at a time; remove one and upload again."
            sent.append(now)
        return None
