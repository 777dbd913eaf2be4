"""The classroom's backend: what a class shares behind one interface (store.py, its in-memory default;
redis_store.py for several replicas), every limit in one place, the process's one thread between the store and
the live path (hub.py), the board's frames, a setup pushed to a student's run, and the QR code of the join
link. It may import scratchnet and live/; from Streamlit only streamlit.runtime and streamlit.config, inside a
function. Never ui/.
"""
