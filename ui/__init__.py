"""User-interface building blocks for the ScratchNet Streamlit app."""
