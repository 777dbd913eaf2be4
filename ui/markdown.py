"""Text from users (file names, class names, the values of a link) shown inside Streamlit's
markdown: escaped, so it reads as typed and cannot become a link, an image or formatting."""

from __future__ import annotations

_SPECIAL = set("\\`*_{}[]<>()#+-.!|~$:")


def escape(text: object) -> str:
    """`text` with every markdown-special character backslash-escaped."""
    return "".join("\\" + c if c in _SPECIAL else c for c in str(text))
