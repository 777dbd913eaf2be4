"""A live classroom: a teacher's class, its students, the setup and challenge they share, and the board.

    store.py         what sessions share: the ClassStore interface and its in-memory default
    redis_store.py   the same interface over Redis (REDIS_URL), for several app replicas: one hash per class
    limits.py        every limit (per client, per class, per server) and how long things live, in one place
    hub.py           per server process: the one thread that talks to the store for the live path, and keeps
                     seats and classes alive while their sessions are
    teacher_key.py   the class a browser teaches, kept in a cookie: a reload keeps the class
    board_frames.py  the board's live frames, and each student's summary taken from their frames
    qr.py            the join link as a QR code
    markdown.py      names and messages shown as typed inside Streamlit's markdown
    teacher.py, student.py   the Classroom page's two sides and the student's part of the Playground

No Streamlit in store.py, redis_store.py, limits.py, hub.py or board_frames.py: they are tested as plain Python.
Who a client is (an address, for the per-client limits): ui/clients.py.
"""
