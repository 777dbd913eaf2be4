"""Data and its files: the toy datasets and input features, the tensors a run trains on, one's own points as CSV,
class names, and reading uploads with clear errors. It may import scratchnet/config.py and scratchnet/net/;
never training, drawing, teaching, export, live/, classroom/, ui/ or Streamlit.
"""
