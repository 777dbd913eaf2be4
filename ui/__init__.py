"""The Streamlit app's building blocks: widgets from the config table, per-session state and its keys, the live
element and its JavaScript and CSS (js/, css/), the pages' presenters, and the classroom's two sides
(classroom/). What imports Streamlit lives here; it may import scratchnet, live/ and classroom/, and only
app_pages/ and the app's frame import it.
"""
