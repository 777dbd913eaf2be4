"""The live element's ES modules (live/scripts.py): each one imports by name what another exports, the app
serves them under one version that changes with any of them, and nothing else is served there."""

from __future__ import annotations

import re

import pytest
from starlette.applications import Starlette
from starlette.testclient import TestClient

from live import scripts

IMPORT = re.compile(r'^import \{([^}]*)\} from "\./([a-z_]+\.js)";$', re.MULTILINE)
EXPORT = re.compile(r"^export (?:async )?(?:function|class|const|let) ([A-Za-z_]+)", re.MULTILINE)


def exports(name: str) -> set[str]:
    return set(EXPORT.findall(scripts.module_text(name)))


@pytest.fixture(scope="module")
def client() -> TestClient:
    return TestClient(Starlette(routes=scripts.script_routes("sn")))


def test_every_import_names_what_the_other_module_exports():
    imported = 0
    for name in scripts.modules():
        for names, source in IMPORT.findall(scripts.module_text(name)):
            assert source in scripts.modules(), f"{name} imports a module the app does not serve: {source}"
            wanted = {n.strip() for n in names.split(",")}
            assert wanted <= exports(source), f"{name} imports {wanted - exports(source)} that {source} lacks"
            imported += 1
    assert imported >= 8                  # live_view.js's six, diagram.js's and board.js's


def test_the_entry_is_an_element_and_the_plotly_bundle_is_named():
    assert "export default function liveView(component)" in scripts.module_text(scripts.ENTRY)
    assert "__PLOTLY_JS__" not in scripts.module_text("plotly_loader.js")
    assert f"app/static/{scripts.PLOTLY_JS_NAME}" in scripts.module_text("plotly_loader.js")


def test_the_loader_imports_the_entry_of_this_version():
    loader = scripts.loader_js()
    assert f'"{scripts.PATH}/{scripts.version()}/{scripts.ENTRY}"' in loader
    assert loader.count("export default") == 1 and "import(ENTRY_URL)" in loader
    assert len(loader) < 4000 < sum(map(len, scripts.modules().values())) / 10   # the page carries the loader only


def test_modules_are_served_under_their_version_and_kept(client):
    for name, text in scripts.modules().items():
        answer = client.get(f"/sn/{scripts.PATH}/{scripts.version()}/{name}")
        assert answer.status_code == 200, name
        assert answer.headers["content-type"].startswith("text/javascript")
        assert "immutable" in answer.headers["cache-control"]
        assert answer.content == text


@pytest.mark.parametrize("path", [
    "0000000000000000/live_view.js",             # another version (a page of an older server)
    "{v}/nothing.js",                              # not a module
    "{v}/live_view.py",
    "{v}/..%2Fscripts.py",
    "{v}/LIVE_VIEW.JS",
])
def test_nothing_else_is_served(client, path):
    answer = client.get(f"/sn/{scripts.PATH}/" + path.format(v=scripts.version()))
    assert answer.status_code == 404


def test_the_version_follows_the_modules(monkeypatch):
    before = scripts.version()
    changed = {**scripts.modules(), "parts.js": scripts.modules()["parts.js"] + b"\n// changed\n"}
    scripts.version.cache_clear()
    monkeypatch.setattr(scripts, "modules", lambda: changed)
    try:
        assert scripts.version() != before
    finally:
        scripts.version.cache_clear()


def test_the_loader_starts_every_module_at_once():
    loader = scripts.loader_js()
    for name in scripts.modules():
        assert f'"{scripts.entry_path(name)}"' in loader, name
