"""Memory back after sessions close (live/janitor.py): disconnected sessions are shut down before Streamlit's
reconnect window ends, and what they held is collected; measured on a real server in the slow test."""

from __future__ import annotations

import asyncio
import gc
import threading
import time

import pytest

from live import janitor


class FakeRuntime:
    def __init__(self, active: set[str]):
        self.active, self.closed = active, []

    def is_active_session(self, session_id: str) -> bool:
        return session_id in self.active

    def close_session(self, session_id: str) -> None:
        self.closed.append(session_id)


@pytest.fixture(autouse=True)
def no_sessions(monkeypatch):
    monkeypatch.setattr(janitor, "_seen", {})


def test_a_session_gone_for_the_window_is_shut_down_and_a_connected_one_never():
    runtime = FakeRuntime({"here"})
    janitor.seen("here")
    janitor.seen("gone")
    janitor.seen(None)                                    # outside a session: nothing to look after
    start = time.monotonic()
    assert janitor.close_gone(runtime, 30.0, now=start + 29.0) == 0
    assert janitor.close_gone(runtime, 30.0, now=start + 31.0) == 1
    assert runtime.closed == ["gone"] and set(janitor._seen) == {"here"}
    assert janitor.close_gone(runtime, 30.0, now=start + 1000.0) == 0, "a connected session stays"
    runtime.active.clear()                                # it leaves: its window starts when it was last seen
    assert janitor.close_gone(runtime, 30.0, now=start + 1020.0) == 0
    assert janitor.close_gone(runtime, 30.0, now=start + 1031.0) == 1 and runtime.closed == ["gone", "here"]


def test_the_training_thread_hears_of_every_session_shut_down():
    runtime, ended = FakeRuntime(set()), []
    janitor.seen("a")
    janitor.seen("b")
    assert janitor.close_gone(runtime, 0.0, ended=ended.append) == 2
    assert sorted(ended) == sorted(runtime.closed) == ["a", "b"]


def test_the_janitor_collects_after_closing_and_goes_on_after_an_error(monkeypatch):
    collected = []
    monkeypatch.setattr(janitor, "give_back", lambda: collected.append(1) or 0.0)
    monkeypatch.setattr(janitor, "SHUTDOWN_SECONDS", 0.0)

    class Broken(FakeRuntime):
        calls = 0

        def is_active_session(self, session_id: str) -> bool:
            Broken.calls += 1
            if Broken.calls == 1:
                raise RuntimeError("the runtime is stopping")
            return False

    runtime = Broken(set())
    janitor.seen("gone")

    async def run() -> None:
        task = asyncio.create_task(janitor.look_after(lambda: runtime, 0.0, every=0.01))
        await asyncio.sleep(0.2)
        task.cancel()

    on_its_own = threading.Thread(target=asyncio.run, args=(run(),))   # a thread whose loop no other test
    on_its_own.start()                                                # left marked running (seen once on a
    on_its_own.join(timeout=10)                                       # worker that ran other modules first)
    assert runtime.closed == ["gone"] and collected == [1]


def test_giving_back_collects_reference_cycles():
    class Node:
        pass

    a, b = Node(), Node()
    a.other, b.other = b, a
    ref = __import__("weakref").ref(a)
    del a, b
    gc.disable()
    try:
        janitor.give_back()
    finally:
        gc.enable()
    assert ref() is None
