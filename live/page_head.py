"""Every HTML page the app sends, with what the browser needs from its first bytes (ASGI middleware, app.py).

- A `Link` header names the live element's modules (`scripts.preload_link`): they download beside Streamlit's own
  code instead of after the page's first run (~80 ms sooner to the first picture).
- The pages' CSS (`ui/theme.py` PAGE_CSS) is a `<style>` in the page's `<head>`, so it applies from the first paint.
  As a Markdown `<style>` in each page's first element it came with the first run, waited for Streamlit's HTML
  plugin (three more script files), and a first run paused 80 ms so that Streamlit's narrow loading layout could
  turn wide before anything was on it; in the head, the CSS holds the wide layout from the start and neither is
  needed (docs/measured.md#page-css-in-the-head). A script beside it marks the page's root while presentation mode's
  marker is on the page (ui/theme.py PAGE_SCRIPT).

Streamlit serves one `index.html` for every page's path, compressed on some; the page is read whole (~11 kB),
the style put in, and sent uncompressed without validators (its ETag would not change with the CSS).
"""

from __future__ import annotations

import gzip

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from live.scripts import preload_link

_HEAD_END = b"</head>"
_STALE = {b"content-length", b"content-encoding", b"etag", b"last-modified"}


def with_head(page: bytes, head: bytes) -> bytes:
    """The HTML page with `head` at the end of its head (unchanged if it has no head)."""
    return page.replace(_HEAD_END, head + _HEAD_END, 1)


class PageHead:
    """Every HTML page: the modules' `Link` header, and `css` and `script` in its head (a 200's page; other answers
    keep theirs)."""

    def __init__(self, app: ASGIApp, base_url_path: str = "", css: str = "", script: str = ""):
        self.app = app
        self.link = preload_link(base_url_path).encode()
        style, code = (f"<style>{css}</style>" if css else ""), (f"<script>{script}</script>" if script else "")
        self.head = (style + code).encode()

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] != "GET":
            await self.app(scope, receive, send)
            return
        start: Message | None = None
        body: list[bytes] = []

        async def send_page(message: Message) -> None:
            nonlocal start
            if message["type"] == "http.response.start":
                headers = [*message.get("headers", []), (b"link", self.link)]
                if not _is_html(message):
                    await send(message)
                    return
                if message["status"] != 200 or not self.head or _encoding(message) not in (b"", b"gzip"):
                    await send({**message, "headers": headers})
                    return
                start = {**message, "headers": headers}
                return
            if start is None or message["type"] != "http.response.body":
                await send(message)
                return
            body.append(message.get("body", b""))
            if message.get("more_body", False):
                return
            page = b"".join(body)
            if _encoding(start) == b"gzip":
                page = gzip.decompress(page)
            page = with_head(page, self.head)
            headers = [(k, v) for k, v in start["headers"] if k.lower() not in _STALE]
            await send({**start, "headers": [*headers, (b"content-length", str(len(page)).encode())]})
            await send({"type": "http.response.body", "body": page})

        await self.app(scope, receive, send_page)


def _is_html(start: Message) -> bool:
    return any(k.lower() == b"content-type" and v.startswith(b"text/html") for k, v in start.get("headers", []))


def _encoding(start: Message) -> bytes:
    return next((v.strip().lower() for k, v in start.get("headers", []) if k.lower() == b"content-encoding"), b"")
