"""The Playground page (being built)."""

import streamlit as st

st.title("ScratchNet Playground")
