"""Text from users (names, messages, file names, class names, the values of a link) shown inside
Streamlit's markdown (st.markdown, captions, alerts, toasts): as typed and nothing more.

Streamlit renders HTML as text already, but markdown itself would act: `![x](//host/x)` loads an
image from elsewhere, `[here](…)` is a link, `:red[…]`, `:material/…:` and `$…$` are Streamlit's own.
A backslash before every ASCII punctuation character makes each one literal (CommonMark allows it for
all of them). Bare addresses are turned into links after parsing (GitHub's autolinks), escaped or
not: unless links are wanted, a zero-width space keeps "www.", "://" and "@" from being one.
"""

from __future__ import annotations

import re
import string

_ESCAPED = {ord(c): "\\" + c for c in string.punctuation}
_WWW = re.compile(r"(www)(\.)", re.IGNORECASE)


def escape(text: object, links: bool = False) -> str:
    """`text` as literal markdown; bare web and mail addresses stay links only with `links`."""
    text = str(text)
    if not links:
        text = _WWW.sub("\\1\u200b\\2", text.replace("://", ":\u200b//").replace("@", "\u200b@"))
    return text.translate(_ESCAPED)
