"""Static assets the browser needs, served by the app itself (never a CDN).

Streamlit serves ``<app root>/static/`` at ``<base url>/app/static/`` when
``[server] enableStaticServing = true`` (``<app root>`` is the folder of the
main script given to ``streamlit run``). :func:`ensure_static_plotly` puts the
vendored partial plotly.js bundle (``ui/vendor/``, the same plotly.js version the
installed ``plotly`` package ships, cut to the trace types the app draws) there.
"""

from __future__ import annotations

import hashlib
import os
import re
import tempfile
from pathlib import Path

PLOTLY_JS_NAME = "plotly-scratchnet.min.js"
_VERSION = re.compile(rb"plotly\.js(?: \([^)]*\))? v(\d+\.\d+\.\d+)")


def bundled_plotly_js() -> Path:
    """The plotly.js the browser gets: a partial bundle vendored in ui/vendor/ with just the
    trace types the app draws (same plotly.js version as the Python package's; see its README)."""
    path = Path(__file__).resolve().parent / "vendor" / PLOTLY_JS_NAME
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


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _is_same(src: Path, dst: Path) -> bool:
    """True if ``dst`` already holds the bytes of ``src``.

    Fast path: same size and same mtime (we copy with the source's mtime).
    Otherwise, with the same size, compare hashes, and try to align the mtime
    so the next check is fast (ignoring a read-only file or folder).
    """
    try:
        dst_stat = dst.stat()
    except OSError:
        return False
    src_stat = src.stat()
    if dst_stat.st_size != src_stat.st_size:
        return False
    if int(dst_stat.st_mtime) == int(src_stat.st_mtime):
        return True
    if _sha256(src) != _sha256(dst):
        return False
    try:
        os.utime(dst, (dst_stat.st_atime, src_stat.st_mtime))
    except OSError:
        pass
    return True


def ensure_static_plotly(static_dir: Path) -> Path:
    """Make ``static_dir/<PLOTLY_JS_NAME>`` a copy of the vendored plotly.js.

    Copies only when the file is missing or differs (size + mtime, then
    SHA-256). The copy is written to a temporary file in ``static_dir`` and
    renamed over the target, so a concurrent reader (another server process,
    or the browser) never sees a half-written file. If the file is already
    right, nothing is written, so a read-only ``static_dir`` is fine.

    Returns the path of the served file. Raises ``OSError`` if the file is
    wrong or missing and cannot be written.
    """
    static_dir = Path(static_dir)
    src = bundled_plotly_js()
    dst = static_dir / PLOTLY_JS_NAME
    if _is_same(src, dst):
        return dst

    static_dir.mkdir(parents=True, exist_ok=True)
    fd, tmp_name = tempfile.mkstemp(prefix=f".{PLOTLY_JS_NAME}.", suffix=".tmp", dir=static_dir)
    tmp = Path(tmp_name)
    try:
        with os.fdopen(fd, "wb") as out, src.open("rb") as inp:
            for block in iter(lambda: inp.read(1 << 20), b""):
                out.write(block)
            out.flush()
            os.fsync(out.fileno())
        src_stat = src.stat()
        os.chmod(tmp, 0o644)
        os.utime(tmp, (src_stat.st_atime, src_stat.st_mtime))
        os.replace(tmp, dst)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    return dst
