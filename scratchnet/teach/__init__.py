"""Teaching: a setup's code in the tutorial's style and that code run (tutorial_code, reference), the Lesson's
steps, the leaf-tensor pitfall, and the gradient check (hand vs autograd vs finite differences). It may import
scratchnet/config.py, net/, data/ and train/; never drawing, export, live/, classroom/, ui/ or Streamlit.
"""
