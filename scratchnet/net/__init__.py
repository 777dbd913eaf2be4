"""The network and its math: one record per choice (activations, norms, weight inits, penalties, optimizers,
schedules: each a function, its derivative or update, the code a learner reads, its formula and its label),
the model's forward, the losses, the hand-written backward pass, and the speed tricks in kernels.py. It
imports torch and, with scratchnet/config.py, forms the engine's lowest layer: config reads the records for
its choices, the model reads config's defaults. Nothing here imports the other packages of scratchnet, nor
live/, classroom/, ui/ or Streamlit.
"""
