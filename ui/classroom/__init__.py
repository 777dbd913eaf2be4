"""The Classroom page's two sides, in Streamlit: the teacher's (teacher.py: start, board, setup, challenge) and
the student's (student.py, also the student's part of the Playground), the class a browser teaches kept in a
cookie (teacher_key.py), and names shown as typed (markdown.py). The class itself (store, Redis, hub, board
frames, limits) is the top-level classroom/ package.
"""
