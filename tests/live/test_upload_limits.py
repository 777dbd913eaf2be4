"""Per-session upload limits (live/upload_limits.py) in front of an upload route, through Starlette's test client."""

from __future__ import annotations

from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route
from starlette.testclient import TestClient

from live.upload_limits import UploadLimits

PATH = "/_stcore/upload_file/{session}/{file}"


def server(held: dict[str, int], **limits) -> tuple[TestClient, list[str]]:
    """An app whose upload route keeps what it is sent, as Streamlit's does, behind the limits."""
    received: list[str] = []

    async def upload(request: Request) -> Response:
        await request.body()
        session = request.path_params["session"]
        received.append(session)
        held[session] = held.get(session, 0) + 1
        return Response(status_code=204)

    async def other(request: Request) -> Response:
        return Response(status_code=204)

    app = Starlette(routes=[Route(PATH, upload, methods=["PUT"]), Route("/other", other, methods=["PUT"])],
                    middleware=[Middleware(UploadLimits, held=lambda s: held.get(s, 0), **limits)])
    return TestClient(app), received


def put(client: TestClient, session: str, file: str = "f") -> int:
    return client.put(f"/_stcore/upload_file/{session}/{file}", content=b"x" * 100).status_code


def test_a_session_holds_a_few_files_and_the_next_is_refused_before_it_is_read():
    held: dict[str, int] = {}
    client, received = server(held, max_files=3, max_per_minute=100)
    assert [put(client, "a", f"f{i}") for i in range(5)] == [204, 204, 204, 429, 429]
    assert received == ["a"] * 3
    assert put(client, "b") == 204, "another session is not held to a's files"
    held["a"] = 2                                       # the page removed one (DELETE)
    assert put(client, "a", "f9") == 204


def test_a_session_sends_a_few_files_a_minute():
    held: dict[str, int] = {}
    client, received = server(held, max_files=1000, max_per_minute=4)
    assert [put(client, "a", f"f{i}") for i in range(6)] == [204] * 4 + [429] * 2
    assert put(client, "b") == 204
    response = client.put("/_stcore/upload_file/a/x", content=b"x")
    assert response.status_code == 429 and "uploads a minute" in response.text


def test_other_requests_pass_untouched():
    held: dict[str, int] = {"a": 99}
    client, received = server(held, max_files=1, max_per_minute=1)
    assert client.put("/other", content=b"x").status_code == 204
    assert client.get(PATH.format(session="a", file="f")).status_code == 405     # only PUT is an upload
