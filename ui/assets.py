"""Static assets the browser needs, served by the app itself (never a CDN).

Streamlit serves ``<app root>/static/`` at ``<base url>/app/static/`` when ``[server] enableStaticServing =
true`` (``<app root>`` is the folder of the main script given to ``streamlit run``). The folder is part of the
checkout: the partial plotly.js bundle (the same plotly.js version the installed ``plotly`` package ships, cut
to the trace types the app draws; its recipe is ``ui/vendor/``) and its licence, nothing generated at run time.
"""

from __future__ import annotations

import re
from pathlib import Path

from live.scripts import PLOTLY_JS_NAME

STATIC_DIR = Path(__file__).resolve().parents[1] / "static"
_VERSION = re.compile(rb"plotly\.js(?: \([^)]*\))? v(\d+\.\d+\.\d+)")


def bundled_plotly_js() -> Path:
    """The plotly.js the browser gets (``static/``, built by ``ui/vendor/build``; see its README)."""
    path = STATIC_DIR / PLOTLY_JS_NAME
    if not path.is_file():
        raise FileNotFoundError(f"the vendored {PLOTLY_JS_NAME} is missing: {path}")
    return path


def plotly_js_version(path: Path) -> str:
    """The version a plotly.js bundle states in its header comment ("plotly.js v4.1.1")."""
    with path.open("rb") as fh:
        found = _VERSION.search(fh.read(400))
    if found is None:
        raise ValueError(f"no plotly.js version in the header of {path}")
    return found.group(1).decode()


def python_package_plotly_js() -> Path:
    """The full plotly.js that the installed Python ``plotly`` package bundles."""
    import plotly

    return Path(plotly.__file__).resolve().parent / "package_data" / "plotly.min.js"
