"""Every limit of the classroom in one place: what one client, one class and the whole server may do, and
how long a class, a seat and a teacher's absence last. The stores (memory and Redis) enforce them.

Each number is written once, here, with the environment variable that changes it (deploy/README.md lists
them for operators: `SCRATCHNET_CLASS_MAX_STUDENTS=60 streamlit run app.py`, or the app service's
`environment:` in deploy/compose.yaml). A value that is not a positive number is ignored with a warning
in the server's log, and the default holds.

A client is an address as the app's server saw it (ui/clients.py): a school behind one NAT address is one
client, so the per-client budgets fit several classes starting at once there, and hold a script to the same.

Guessing a class code is infeasible under WRONG_TRIES. There are 23^6 = 148,035,889 codes; a client gets
20 wrong codes (or teacher links that do not work) per 10 minutes, 2,880 a day. With C live classes a
guess hits one with probability C / 148M: at the server's cap of C = 500 classes that is one class per
296,072 guesses, 103 days of one client's budget, and a 0.16% chance over a 4-hour school day; with the
20 classes of a busy school, 0.0065% a day. A hit gives a student seat the teacher sees (and can remove,
then lock the class); the teacher's powers need the class's 256-bit key, which is never guessed.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from live.settings import env_number


def _setting(name: str, default: int) -> int:
    """`default`, or the positive whole number the environment variable `name` holds."""
    return int(env_number(name, default, whole=True))


@dataclass(frozen=True)
class Rate:
    """At most `count` in any `seconds`: counted in fixed windows, the previous window's count weighted by
    the share of it still inside the last `seconds` (a sliding window, so no burst of twice `count` where
    two windows meet; a fixed window let a code-guessing run through 37 tries of 20 at a boundary)."""

    count: int
    seconds: int

    def window(self, now: float) -> int:
        return int(now // self.seconds)

    def previous_weight(self, now: float) -> float:
        """The share of the previous window that is still inside the last `seconds`."""
        return 1.0 - (now % self.seconds) / self.seconds

    def used(self, previous: int, current: int, now: float) -> int:
        """How many of the budget the last `seconds` took (rounded up)."""
        return math.ceil(current + previous * self.previous_weight(now))

    def wait(self, now: float) -> int:
        """Seconds until the current window ends (for the words "try again in …")."""
        return max(1, int((self.window(now) + 1) * self.seconds - now))


# --- per client (an address: ui/clients.py) ---------------------------------------------------------
# Classes a client may start per hour: a school's teachers starting their lessons, not a script.
CREATES = Rate(_setting("SCRATCHNET_CLASS_CREATES_PER_HOUR", 10), 3600)
# Seats a client may take per 10 minutes, whatever the class: a class of 100 arriving behind one address.
# A script on another address gets no more: a class of 30 with a bot beside it keeps room to spare.
JOINS = Rate(_setting("SCRATCHNET_CLASS_JOINS_PER_10_MIN", 100), 600)
# ... and per 10 seconds: a class arriving at once (the rest wait a few seconds), not a script.
JOIN_BURST = Rate(_setting("SCRATCHNET_CLASS_JOINS_PER_10_S", 40), 10)
# Wrong class codes and teacher links that do not work, per 10 minutes; past it, every code and teacher
# link of that client is refused until the window ends (a right one too, or the refusal would tell).
WRONG_TRIES = Rate(_setting("SCRATCHNET_CLASS_WRONG_TRIES_PER_10_MIN", 20), 600)

# --- per class -----------------------------------------------------------------------------------------
MAX_STUDENTS = _setting("SCRATCHNET_CLASS_MAX_STUDENTS", 200)

# --- the whole server (memory) or the whole Redis ---------------------------------------------------
# Live classes at once. Memory bound: a full class of 200 (every student's thumbnail, setup and submission,
# 20 messages) is 0.70 MB in Redis (measured with MEMORY USAGE), so 500 full classes 350 MB: compose's Redis
# has 512 MB and no eviction (deploy/compose.yaml).
MAX_CLASSES = _setting("SCRATCHNET_MAX_CLASSES", 500)

# --- how long things live --------------------------------------------------------------------------------
# A class with no students whose teacher's page is gone ends this long after its last sign of life.
EMPTY_SECONDS = _setting("SCRATCHNET_CLASS_EMPTY_SECONDS", 120)
# A class with students that nobody touched (no teacher, no student page alive) ends after this long.
IDLE_SECONDS = _setting("SCRATCHNET_CLASS_IDLE_SECONDS", 3600)
# Every live session tells the store it is there this often (classroom/hub.py) ...
HEARTBEAT_SECONDS = 10
# ... so a seat not heard of for this long belongs to a server process that stopped: the seat is free.
# (A session that ends on a running server gives its seat back itself: the hub leaves for it.)
SEAT_SECONDS = max(3 * HEARTBEAT_SECONDS, _setting("SCRATCHNET_CLASS_SEAT_SECONDS", 60))
