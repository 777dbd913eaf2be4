"""People's text (names, messages) inside Streamlit's markdown, shown as typed and nothing more.

Streamlit renders HTML as text already, but markdown itself would act: `![x](http://…)` loads an
image from elsewhere, `[here](…)` is a link, `:red[…]`, `:material/…:` and `$…$` are Streamlit's own.
A backslash before every ASCII punctuation character makes each one literal (CommonMark allows it for
all of them), so a name reads exactly as it was typed.
"""

from __future__ import annotations

import string

_ESCAPED = {ord(c): "\\" + c for c in string.punctuation}


def escape(text: str) -> str:
    return str(text).translate(_ESCAPED)
