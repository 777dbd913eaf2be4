"""Training: one pass over the batches, a run (Trainer: epochs, snapshots, stops), many runs as one stacked
network (batched.py), what a run keeps (history, metrics, the traced step), when a change restarts it, how
fast it is shown (pace) and long computations in pieces. It may import scratchnet/config.py, net/ and data/;
never drawing, teaching, export, live/, classroom/, ui/ or Streamlit.
"""
