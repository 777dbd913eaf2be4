"""An operator's setting: a number from an environment variable, or the default when it is missing or wrong.

Read by the server's limits (classroom/limits.py, live/page_gate.py); a wrong value never stops the server: it is
logged and the default holds (deploy/README.md lists the variables)."""

from __future__ import annotations

import logging
import math
import os

_LOG = logging.getLogger(__name__)


def env_number(name: str, default: float, lowest: float = 0, highest: float = math.inf, *,
               whole: bool = False) -> float:
    """`default`, or the number above `lowest` and at most `highest` (a whole one if `whole`) that the
    environment variable `name` holds."""
    text = os.environ.get(name, "").strip()
    if not text:
        return default
    try:
        value = int(text) if whole else float(text)
    except ValueError:
        value = math.nan
    if not lowest < value <= highest:
        kind = "a whole number" if whole else "a number"
        _LOG.warning("%s=%r is not %s above %g and at most %g: using %g.", name, text, kind, lowest, highest, default)
        return default
    return value
