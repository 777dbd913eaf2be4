"""The live runtime, without Streamlit's UI: the one training thread that takes turns (scheduler), a page's live
run and sweep, what a channel carries, the frames the browser draws (with the diagram's), the WebSocket route
that sends them, and the server's housekeeping. It may import scratchnet and starlette; from Streamlit only
streamlit.runtime and streamlit.config, inside a function (is a session still there, the server's settings).
Never classroom/ or ui/.
"""
