"""The code's pointers into docs/ lead somewhere: every `docs/<page>.md#<section>` a comment names exists."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
POINTER = re.compile(r"docs/([\w-]+\.md)#([\w-]+)")
SOURCES = ("app.py", "navigation.py", "app_pages", "scratchnet", "live", "classroom", "ui", "benchmarks", "deploy")


def _anchors(page: Path) -> set[str]:
    text = page.read_text(encoding="utf-8")
    ids = set(re.findall(r'<a id="([\w-]+)"></a>', text))
    slugs = {re.sub(r"[^\w\- ]", "", h.strip().lower()).replace(" ", "-")
             for h in re.findall(r"^#+ (.+)$", text, flags=re.M)}
    return ids | slugs


def test_every_pointer_into_docs_names_a_section_that_exists():
    files = [ROOT / s for s in SOURCES if (ROOT / s).is_file()]
    files += [f for s in SOURCES if (ROOT / s).is_dir() for f in (ROOT / s).rglob("*")
              if f.suffix in (".py", ".js", ".css", ".md")]
    pointers = [(f, page, anchor) for f in files for page, anchor in POINTER.findall(f.read_text(encoding="utf-8"))]
    assert len(pointers) >= 8, "the history comments point at docs/measured.md"
    missing = [f"{f.relative_to(ROOT)} -> docs/{page}#{anchor}" for f, page, anchor in pointers
               if not (ROOT / "docs" / page).is_file() or anchor not in _anchors(ROOT / "docs" / page)]
    assert not missing, missing
