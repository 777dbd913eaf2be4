"""Per-user state for every page: the config, the live run, and the shared training thread.

What is per session lives in `st.session_state` under the names in `ui/keys.py` (two tabs are
two playgrounds). The only thing shared by sessions is the `Scheduler` — the training thread that
takes turns between everyone's runs — which holds references to runs but no user data of its own.
"""

from __future__ import annotations

import threading
import time
from urllib.parse import urlencode

import streamlit as st
from streamlit.runtime.scriptrunner import get_script_run_ctx

from live import page_gate
from live.run import LiveRun, take_over
from live.scheduler import Scheduler
from live.scheduler import shared as shared_scheduler
from scratchnet.config import CUSTOM, Config, Setup, View, datasets_for, from_mapping
from scratchnet.data.datasets import Dataset
from ui import clients, keys


def scheduler() -> Scheduler:
    """One training thread per server process (see live/scheduler.py for why)."""
    return shared_scheduler()


def setup(from_url: bool = False) -> Setup:
    """The session's setup: the run's Config and the View. It comes from the URL on the first visit (a shared
    link) and, on the Playground (`from_url`), whenever the URL carries settings other than the ones the page
    last wrote there: a link opened in this tab, e.g. a run picked on the Compare page. (Not
    "other than the setup's": a control's callback changes the setup before the page runs.)"""
    params = st.query_params.to_dict()
    linked = from_url and params and params != st.session_state.get(keys.URL_WRITTEN)
    if keys.CONFIG not in st.session_state or linked:
        linked_setup, notes = setup_from_query(params)
        cfg = linked_setup.config
        if cfg.dataset == CUSTOM and own_data() is None:
            cfg = cfg.replace(dataset=datasets_for(cfg.problem)[0], classes=2)
            notes.append(f"The link was made with the sender's own points, which a link cannot carry; showing "
                         f"{cfg.dataset} instead. Ask for their CSV file (the Download data button) and upload it.")
        adopt_setup(Setup(cfg, linked_setup.view), notes)
    return stored_setup()


def config() -> Config:
    """The session's run settings (the engine's Config)."""
    return setup().config


def setup_from_query(params: dict[str, str]) -> tuple[Setup, list[str]]:
    """A link's query parameters as a Setup. Never raises: bad values are clamped or
    dropped, and each repair is described in the notes the page shows."""
    return from_mapping(params, strict=False)


def stored_setup() -> Setup:
    """The session's setup as it is (the defaults where it has none yet), never read from the URL."""
    return Setup(st.session_state.get(keys.CONFIG) or Config(), st.session_state.get(keys.VIEW) or View())


def set_setup(chosen: Setup) -> None:
    st.session_state[keys.CONFIG], st.session_state[keys.VIEW] = chosen.config, chosen.view


def adopt_setup(chosen: Setup, notes: list[str] | None = None) -> None:
    """A setup from outside the page's widgets (a link, a class's setup, a student's tile): the session's now, and
    the widgets load it on this page run. `notes`: what the page says about it (the last link's notes go)."""
    set_setup(chosen)
    st.session_state[keys.URL_NOTES] = notes or []
    st.session_state[keys.RELOAD_WIDGETS] = True


def set_config(cfg: Config) -> None:
    """New run settings, the view as it is."""
    st.session_state[keys.CONFIG] = cfg


def query_for(chosen: Setup) -> dict[str, str]:
    """The link's parameters: every knob, not only those that differ from today's defaults,
    so a link made now reproduces the same run after a default changes."""
    return chosen.to_query()


def sync_url(chosen: Setup) -> None:
    """Keep the address bar equal to the setup, so copying it reproduces it."""
    wanted = query_for(chosen)
    if st.query_params.to_dict() != wanted:
        st.query_params.from_dict(wanted)
    st.session_state[keys.URL_WRITTEN] = wanted


def share_link(chosen: Setup, **extra: str) -> str:
    """The full link to this setup (the app's own address plus the setup)."""
    base = (st.context.url or "http://localhost:8501/").split("?")[0]
    query = {**query_for(chosen), **extra}
    return f"{base}?{urlencode(query)}" if query else base


def run() -> LiveRun | None:
    return st.session_state.get(keys.RUN)


def own_data() -> Dataset | None:
    return st.session_state.get(keys.OWN_DATA)


def class_names() -> tuple[str, ...] | None:
    return st.session_state.get(keys.CLASS_NAMES) if own_data() is not None else None


def ensure_run(chosen: Setup) -> LiveRun:
    """The session's run for `chosen`: the same run if its config only changes what a running network
    absorbs (learning rate, regularization, edited points...), else a fresh run that keeps
    playing if the old one was; either at the view's speed."""
    cfg, speed = chosen.config, chosen.view.speed
    data = own_data() if cfg.dataset == CUSTOM else None
    current = run()
    if current is not None and current.can_take(cfg):
        try:
            if data is not None and current.trainer.data is not data:
                current.set_data(data)
            if cfg != current.cfg:
                current.apply(cfg)
            current.set_speed(speed)
            return current
        except ValueError:          # the points need another network (a new class appeared)
            pass
    fresh = LiveRun(cfg, data, speed=speed)
    st.session_state[keys.RUN] = fresh
    return take_over(current, fresh, scheduler())


def session_id() -> str | None:
    """This session's id (None outside a script run): whose share the training thread's work for it is."""
    ctx = get_script_run_ctx(suppress_warning=True)
    return ctx.session_id if ctx is not None else None


def charge_page_run(starting: bool = False) -> None:
    """The CPU time this session's script thread used since it last said so (its callbacks, an upload read,
    the page drawn) is paid from its share of the training thread (navigation.py calls this as a page run
    starts and ends). How much of the time page runs may take at all is the page-run gate's (`page_run_turn`)."""
    now, thread = time.thread_time(), threading.get_ident()
    last = st.session_state.get(keys.CPU_MARK)
    st.session_state[keys.CPU_MARK] = (thread, now)
    if last is None:
        return                     # the session's first run: what its thread did before may not be its own
    # Streamlit runs a session's scripts on a thread of its own, new after a pause: all of a new one's time is ours.
    spent = now - last[1] if last[0] == thread and now >= last[1] else now
    scheduler().charge(session_id(), spent)


def page_run_turn():
    """This page run's turn at the server's page-run gate (live/page_gate.py): one page run at a time, clients
    (addresses) least recently served first, held to a share of the time while others' runs train."""
    if keys.CLIENT not in st.session_state:
        st.session_state[keys.CLIENT] = clients.current()
    return page_gate.shared().turn(st.session_state[keys.CLIENT], session_id())


def keep(job) -> None:
    """A page showed `job`: it counts as seen, and trains again if it was dropped for idling, from this
    session's share of the training thread."""
    scheduler().keep(job, session_id())


def play(job) -> None:
    """Play a run (or a sweep): it trains on the shared thread from now on (a button's callback)."""
    job.play()
    keep(job)


def step(job) -> None:
    """Step a run (a button's callback): a big network's epoch trains on the shared thread, woken here."""
    job.step()
    keep(job)
