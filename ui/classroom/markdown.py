"""People's text (names, messages) inside Streamlit's markdown, shown as typed: the app's one escape
(ui/markdown.py), here for the classroom's modules."""

from ui.markdown import escape

__all__ = ["escape"]
