"""Every HTML page the app sends (live/page_head.py): it names the live element's modules in its `Link` header and
carries the pages' CSS in its head, compressed or not, whole or in pieces; other answers pass as they were."""

from __future__ import annotations

import pytest
from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.middleware.gzip import GZipMiddleware
from starlette.responses import HTMLResponse, JSONResponse, Response, StreamingResponse
from starlette.routing import Route
from starlette.testclient import TestClient

from live import page_head, scripts
from ui.theme import PAGE_CSS, PAGE_SCRIPT

PAGE = "<!doctype html><html><head><title>ScratchNet</title></head><body>" + "<div></div>" * 400 + "</body></html>"
STYLE = f"<style>{PAGE_CSS}</style>"


async def _in_pieces(request):
    async def pieces():
        for i in range(0, len(PAGE), 1000):
            yield PAGE[i:i + 1000].encode()
    return StreamingResponse(pieces(), media_type="text/html")


def _client(*inner: Middleware, css: str = PAGE_CSS) -> TestClient:
    routes = [Route("/sn/", lambda request: HTMLResponse(PAGE, headers={"ETag": '"abc"'})),
              Route("/sn/compare", lambda request: HTMLResponse(PAGE)),
              Route("/sn/pieces", _in_pieces),
              Route("/sn/unchanged", lambda request: Response(status_code=304, headers={"ETag": '"abc"'},
                                                              media_type="text/html")),
              Route("/sn/_stcore/health", lambda request: JSONResponse({"ok": True}))]
    middleware = [Middleware(page_head.PageHead, base_url_path="sn", css=css), *inner]
    return TestClient(Starlette(routes=routes, middleware=middleware))


@pytest.mark.parametrize("path", ["/sn/", "/sn/compare", "/sn/pieces", "/sn/unchanged"])
def test_every_html_page_names_every_module_for_the_browser_to_fetch(path):
    link = _client().get(path).headers["link"]
    wanted = {f"</sn/{scripts.entry_path(name)}>; rel=modulepreload" for name in scripts.modules()}
    assert set(link.split(", ")) == wanted


def test_only_html_pages_name_the_modules():
    assert "link" not in _client().get("/sn/_stcore/health").headers


@pytest.mark.parametrize("path", ["/sn/", "/sn/compare", "/sn/pieces"])
@pytest.mark.parametrize("compressed", [False, True], ids=["plain", "gzip"])
def test_every_page_has_the_css_at_the_end_of_its_head(path, compressed):
    """Streamlit compresses the pages of some paths (its gzip middleware is inside this one)."""
    inner = [Middleware(GZipMiddleware, minimum_size=100)] if compressed else []
    answer = _client(*inner).get(path, headers={"Accept-Encoding": "gzip"})
    assert answer.status_code == 200
    assert answer.text == PAGE.replace("</head>", STYLE + "</head>")
    assert int(answer.headers["content-length"]) == len(answer.content)
    assert "content-encoding" not in answer.headers


def test_a_page_with_the_css_has_no_validator_that_would_outlive_the_css():
    """The file's ETag is the same for a new version of the CSS: a browser would keep the old one."""
    headers = _client().get("/sn/").headers
    assert "etag" not in headers and "last-modified" not in headers
    assert headers["content-type"].startswith("text/html")


def test_other_answers_pass_as_they_were():
    client = _client()
    unchanged = client.get("/sn/unchanged")
    assert unchanged.status_code == 304 and unchanged.content == b"" and unchanged.headers["etag"] == '"abc"'
    health = client.get("/sn/_stcore/health")
    assert health.json() == {"ok": True}
    assert _client(css="").get("/sn/").text == PAGE


def test_a_script_goes_after_the_css():
    client = TestClient(Starlette(routes=[Route("/sn/", lambda request: HTMLResponse(PAGE))], middleware=[
        Middleware(page_head.PageHead, base_url_path="sn", css=PAGE_CSS, script=PAGE_SCRIPT)]))
    assert client.get("/sn/").text == PAGE.replace("</head>", f"{STYLE}<script>{PAGE_SCRIPT}</script></head>")


def test_the_real_index_page_gets_its_style_in_its_head():
    """Streamlit's own index.html has one `</head>`, and the style goes right before it."""
    from pathlib import Path

    import streamlit

    index = (Path(streamlit.__file__).parent / "static" / "index.html").read_bytes()
    page = page_head.with_head(index, STYLE.encode())
    head, _, body = page.partition(b"</head>")
    assert head.endswith(STYLE.encode()) and STYLE.encode() not in body
