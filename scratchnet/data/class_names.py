"""Class names: what a label may be, and the order that numbers the classes.

One set of rules for reading a CSV, writing one, and exporting or importing a run, so a name
accepted in one place is accepted in all of them.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from scratchnet.data.uploads import quote

MAX_LABEL_CHARS = 40                      # class names are shown in legends and tables
_INTEGER = re.compile(r"[+-]?\d+", re.ASCII)
_MISSING_LABELS = frozenset({"nan", "na", "n/a", "null", "none"})


def label_problem(name: str) -> str:
    """What is wrong with one class name, or ''."""
    if not name:
        return "the label is empty"
    if len(name) > MAX_LABEL_CHARS:
        return f"the label {quote(name)} is longer than {MAX_LABEL_CHARS} characters"
    if not name.isprintable() or name != name.strip():
        return f"the label {quote(name)} contains control characters or surrounding spaces"
    if name.lower() in _MISSING_LABELS:
        return f"the label {quote(name)} looks like a missing value"
    return ""


def class_names_problem(names: Sequence[str], n_classes: int) -> str:
    """What keeps `names` from naming classes 0..n_classes-1 (valid, distinct, one each), or ''."""
    for name in names:
        problem = label_problem(name)
        if problem:
            return problem
    if len(names) != n_classes:
        return f"{n_classes} labels are needed, one per class, not {len(names)}"
    duplicate = next((name for i, name in enumerate(names) if name in names[:i]), None)
    if duplicate is not None:
        return f"the label {quote(duplicate)} names two classes"
    return ""


def canonical(name: str) -> str:
    """Whole numbers in one form ('+01' is '1'), so '1' and '01' are one class."""
    return str(int(name)) if _INTEGER.fullmatch(name) else name


def class_label(c: int, names: Sequence[str] | None = None) -> str:
    """How class c is named to people (legends, buttons, the diagram's outputs, the confusion matrix): its
    label from the data (a CSV's "bird"), or "class c"."""
    return str(names[c]) if names and 0 <= c < len(names) else f"class {c}"


def new_class_name(names: Sequence[str]) -> str:
    """A name for one more class after `names` that none of them has ("class 3", or "class 3 (2)")."""
    name, n = f"class {len(names)}", 2
    while name in names:
        name, n = f"class {len(names)} ({n})", n + 1
    return name


def label_order(name: str) -> tuple[int, int, str]:
    """Sort key: whole numbers first in numeric order, then names alphabetically. A total order
    that any subset of classes keeps, so a downloaded file re-reads with the same class numbers."""
    return (0, int(name), "") if _INTEGER.fullmatch(name) else (1, 0, name)
