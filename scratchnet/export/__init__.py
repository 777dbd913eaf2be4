"""Import and export: a run as a standalone script or notebook (script.py, with the dataset's code from
data_code.py), as an HTML page of its figures, and as a JSON run file read back with clear errors. It may
import every other package of scratchnet; never live/, classroom/, ui/ or Streamlit.
"""
