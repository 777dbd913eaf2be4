"""Drawing: decision surfaces over the plane, Plotly figure specs as plain dicts, the one palette, PNG pictures,
the network diagram's data and the hidden layer's space. It may import scratchnet/config.py, net/, data/ and
train/; never teaching, export, live/, classroom/, ui/ or Streamlit.
"""
