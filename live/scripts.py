"""The live element's JavaScript: the ES modules in live/js/, served by the app under one version.

`live_view.js` imports what it uses (`parts.js`, the parts, `plotly_loader.js`) by relative URL, so the
browser fetches the modules once and keeps them: their path carries a digest of all of them
(`<app root>/live/js/<version>/live_view.js`), and a new version is a new path. The page's element then
carries only a small loader (`loader_js()`), not the modules' ~130 kB, on every page run.

The browser has the modules before the element asks for them: the app's HTML page names them all in its
response's `Link` header (live/page_head.py), so they download beside Streamlit's own code, from the page's
first bytes. Fetched when the element's code first ran (~1.2 s into a load, after Streamlit's first page
run), they delayed the first picture by ~80 ms: the entry, then what it imports (measured in headless
Chromium on the app's own machine).
"""

from __future__ import annotations

import functools
import hashlib
import json
import re
from pathlib import Path

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route

JS_DIR = Path(__file__).resolve().parent / "js"
PATH = "live/js"
ENTRY = "live_view.js"
# The plotly.js bundle the modules load from the app's static folder (ui/assets.py ships it).
PLOTLY_JS_NAME = "plotly-scratchnet.min.js"
_NAME = re.compile(r"[a-z_]{1,32}\.js")
_CACHE_FOREVER = "public, max-age=31536000, immutable"     # a changed module is a new version's path


@functools.cache
def modules() -> dict[str, bytes]:
    """Every module by file name, as the browser gets it."""
    return {p.name: p.read_text(encoding="utf-8").replace("__PLOTLY_JS__", PLOTLY_JS_NAME).encode()
            for p in sorted(JS_DIR.glob("*.js"))}


@functools.cache
def version() -> str:
    digest = hashlib.blake2b(digest_size=8)
    for name, text in modules().items():
        digest.update(name.encode() + b"\0" + text + b"\0")
    return digest.hexdigest()


def module_text(name: str) -> str:
    """A module's text (for a component that carries it inline)."""
    return modules()[name].decode()


_LOADER = """
const ENTRY_URL = new URL("__ENTRY__", appRootUrl()).href;
let entryModule = null;
const entryLoading = import(ENTRY_URL).then((m) => (entryModule = m));
// What the entry imports, at once rather than after it (the page's Link header has usually brought them all).
for (const path of __MODULES__) import(new URL(path, appRootUrl()).href).catch(() => {});

export default function loadedEntry(component) {
  let cleanup = null;
  let gone = false;
  const run = (m) => { if (!gone) cleanup = m.default(component); };
  if (entryModule) run(entryModule);
  else entryLoading.then(run, (err) => {
    if (!gone) component.parentElement.textContent = `The live view could not load (${err.message}): reload the page.`;
  });
  return () => {
    gone = true;
    if (typeof cleanup === "function") cleanup();
  };
}
"""
_PRELOAD = """
export default function preload() {
  loadPlotly().catch(() => {});   // the chart reports a failure where it is seen
  import(new URL("__ENTRY__", appRootUrl()).href).catch(() => {});
}
"""


def entry_path(entry: str = ENTRY) -> str:
    """Where the app serves a module, relative to the app's root URL."""
    return f"{PATH}/{version()}/{entry}"


def loader_js(entry: str = ENTRY) -> str:
    """A component's JavaScript that imports `entry` from the app and hands it the component: the same
    default export as the module's, called once the module has come (at once after the first time)."""
    others = json.dumps([entry_path(name) for name in modules() if name != entry])
    loader = _LOADER.replace("__ENTRY__", entry_path(entry)).replace("__MODULES__", others)
    return module_text("plotly_loader.js") + loader


def preload_js() -> str:
    """A component's JavaScript that starts plotly.js and the live element's modules (the first element of
    every page: they download and compile while the page script still runs)."""
    return module_text("plotly_loader.js") + _PRELOAD.replace("__ENTRY__", entry_path())


def script_routes(base_url_path: str = "") -> list[BaseRoute]:
    """The modules' route for `st.App(routes=...)`, under the server's base URL path."""
    base = base_url_path.strip("/")

    async def endpoint(request: Request) -> Response:
        name = request.path_params["name"]
        if request.path_params["version"] != version() or not _NAME.fullmatch(name) or name not in modules():
            return Response("Not found", status_code=404, media_type="text/plain")
        return Response(modules()[name], media_type="text/javascript",
                        headers={"Cache-Control": _CACHE_FOREVER})

    prefix = f"/{base}/{PATH}" if base else f"/{PATH}"
    return [Route(prefix + "/{version}/{name}", endpoint, methods=["GET"])]


def preload_link(base_url_path: str = "") -> str:
    """The `Link` header that has the browser fetch every module while Streamlit's own code loads (page_head.py)."""
    base = base_url_path.strip("/")
    root = f"/{base}/" if base else "/"
    return ", ".join(f"<{root}{entry_path(name)}>; rel=modulepreload" for name in modules())
