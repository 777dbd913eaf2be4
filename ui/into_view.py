"""Bring what a learner's click just caused into view, once.

A result drawn where the learner clicked often lands below the fold (the Lesson's verdict and output at 1440×900
started ~150 px under the window's edge; Under the hood's picked gradient under its diagram). The page run that
follows the click asks for it once; later runs leave the scroll where the learner put it.
"""

from __future__ import annotations

from typing import Literal

import streamlit as st

# `start`: the element goes under the header, unless its top is already within the window's top 30%.
# `nearest`: the least scroll that shows the whole element (its top first if it is taller than the window).
_SCRIPT = """<script>
(() => {
  const deadline = performance.now() + 3000;
  const look = () => {
    const el = document.querySelector(".st-key-%(key)s");
    if (!el) { if (performance.now() < deadline) requestAnimationFrame(look); return; }
    const header = document.querySelector('[data-testid="stHeader"]');
    const under = header ? header.getBoundingClientRect().bottom : 0;
    el.style.scrollMarginTop = `${Math.max(0, under) + 8}px`;
    el.style.scrollMarginBottom = "8px";
    const box = el.getBoundingClientRect(), view = window.innerHeight;
    let block = null;
    if ("%(block)s" === "start") {
      if (box.top < under || box.top > 0.3 * view) block = "start";
    } else if (box.top < under || box.bottom > view) {
      block = box.height > view - under ? "start" : "nearest";
    }
    if (block) el.scrollIntoView({ behavior: "smooth", block });
  };
  setTimeout(look, 50);
})();
</script>"""


def bring_into_view(key: str, block: Literal["start", "nearest"] = "start") -> None:
    """Scroll the container drawn with `st.container(key=key)` into view (call it in the same page run)."""
    st.html(_SCRIPT % {"key": key, "block": block}, unsafe_allow_javascript=True)
