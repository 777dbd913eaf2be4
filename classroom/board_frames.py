"""The board's live frames, and each student's summary taken from their own live frames.

The board is a view kind of the live socket ("board"): the teacher's page shows a `BoardFeed`, which
the hub (hub.py) keeps filled with the newest `Board` from the store; a frame lists every student
(name, epoch, test accuracy, parameters, playing or not) and carries the thumbnails of the tiles that
changed since the board number the browser last drew (its request's `v`), or all of them for a
browser that has none (another `key`). The browser (live/js/board.js) colours the codes with the colour
table of each tile's kind of problem, which the page sent once.

A student's summary comes from the frames their own page asks for, so the board costs the training
thread no extra surface: a 34×34 thumbnail is every third cell of the 100×100 boundary just built.
`install()` registers both with the live socket (live/route.py).
"""

from __future__ import annotations

import hashlib
import itertools
import json
import logging
import math
import threading
import time
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from classroom.store import Board, Summary
from live import route
from live.channel import Channel
from live.frames import Frame, boundary_codes, lut_base64
from live.run import FrameState, LiveRun
from scratchnet.config import CUSTOM, KNOBS, Config, ConfigError, from_mapping
from scratchnet.data.datasets import dataset_for
from scratchnet.draw.palette import PRESENTATION, Style, banded_scale, diverging_scale, region_style
from scratchnet.draw.surface import decision_surface

THUMBNAIL = 34                      # cells a side: every third of the Playground's 100
REPORT_SECONDS = 0.5                # a tile changes twice a second, at least once (docs/measured.md#board-report)
AWAY_SECONDS = 10.0                 # no summary for this long: the student's page is closed or hidden
KIND = "board"
LUT_KEYS = ("r", *(f"c{k}" for k in range(2, 9)))
# The knobs that make a run's points (its data), from the config table; a run shown big draws its
# training points (at most MAX_POINTS) over its boundary.
DATA_KNOBS = tuple(name for name, knob in KNOBS.items() if knob.group == "data" and name != "features")
MAX_POINTS = 1000
_SERIALS = itertools.count(1)
_LOG = logging.getLogger(__name__)


@dataclass(frozen=True)
class BoardView:
    style: Style = PRESENTATION
    kind: str = field(default=KIND, init=False)


class BoardFeed:
    """The teacher's board as the socket reads it: the newest Board from the store and its number.
    A job of the live channel, but nothing to train (`playing` is False: sockets look for news every
    50 ms)."""

    playing = False

    def __init__(self, code: str, teacher_key: str, board: Board):
        self.key = f"board.{next(_SERIALS)}"
        self.code, self.teacher_key = code, teacher_key
        self.lock = threading.Lock()
        self.board = board
        self.version = board.version
        self.ended = False
        self.fetched_at = time.monotonic()
        self._described: dict[tuple[str, tuple], str] = {}
        self._datasets: dict[str, tuple[int, dict[str, Any], bytes, bytes]] = {}

    def suspend(self) -> None:
        """Nothing trains here: a board nobody watches costs nothing (live/channel.py LiveJob)."""

    def update(self, board: Board) -> None:
        with self.lock:
            self.board, self.fetched_at = board, time.monotonic()
            self.version = board.version

    def end(self) -> None:
        with self.lock:
            self.ended = True
            self.version += 1

    def describe(self, seat: str, setup: dict[str, str] | None) -> str:
        """A student's setup in words (Config.describe), remembered while it stays the same."""
        if not setup:
            return ""
        key = (seat, tuple(sorted(setup.items())))
        if key not in self._described:
            if len(self._described) > 1000:
                self._described.clear()
            self._described[key] = setup_text(setup)
        return self._described[key]


    def dataset(self, setup: dict[str, str] | None, version: int) -> str | None:
        """The id of the points a setup makes (made and kept the first time it is seen, with the
        board number then), or None for a learner's own points."""
        if not setup or setup.get("dataset", CUSTOM) == CUSTOM:
            return None
        values = [setup.get(k) for k in DATA_KNOBS]
        found = hashlib.blake2b(json.dumps(values).encode(), digest_size=6).hexdigest()
        if found not in self._datasets:
            if len(self._datasets) > 64:
                self._datasets.clear()
            self._datasets[found] = (version, *_points(setup))
        return found

    def points(self, found: str) -> tuple[int, dict[str, Any], bytes, bytes]:
        return self._datasets[found]


def _points(setup: dict[str, str]) -> tuple[dict[str, Any], bytes, bytes]:
    """A setup's training points: where they lie (the boundary's bounds), xy as float32, labels as uint8."""
    chosen, _ = from_mapping({k: setup[k] for k in DATA_KNOBS if k in setup}, strict=False)
    data = dataset_for(chosen.config)
    xy = data.x_train.numpy().astype(np.float32)[:MAX_POINTS]
    labels = data.y_train.numpy()[:MAX_POINTS]
    if data.task == "classification":
        labels = labels.astype(np.uint8)
    else:
        labels = np.round((np.clip(labels, -1.0, 1.0) + 1.0) * 127.5).astype(np.uint8)
    return ({"bounds": [float(b) for b in data.bounds], "task": data.task, "n": int(len(xy))},
            np.ascontiguousarray(xy).tobytes(), np.ascontiguousarray(labels).tobytes())


def setup_text(setup: dict[str, str]) -> str:
    try:
        chosen, _ = from_mapping(setup, strict=False)
    except ConfigError:
        return ""
    return chosen.config.describe()


def board_luts(style: Style = PRESENTATION) -> dict[str, str]:
    """The colour table of every kind of tile: regression ("r") and 2 to 8 classes ("c2".."c8")."""
    regions = region_style(style)
    return {key: lut_base64(diverging_scale(regions) if key in ("r", "c2") else banded_scale(int(key[1:]), regions))
            for key in LUT_KEYS}


def lut_key(task: str, n_classes: int) -> str:
    return "r" if task != "classification" else f"c{min(max(n_classes, 2), 8)}"


def _number(value: float | None) -> float | None:
    return None if value is None or not math.isfinite(value) else float(value)


def board_frame(feed: BoardFeed, request_key: str, request_version: int) -> Frame:
    """Every student's numbers; thumbnails of the tiles changed since `request_version` (all of them
    for a browser that has another key)."""
    with feed.lock:
        board, version, ended = feed.board, feed.version, feed.ended
    full = request_key != feed.key
    now = time.time()
    frame = Frame({"t": "frame", "kind": KIND, "key": feed.key, "v": version, "playing": False, "stopped": None,
                   "epoch": 0, "ended": ended})
    tiles = []
    datasets: dict[str, Any] = {}
    for s in board.students:
        tile: dict[str, Any] = {"seat": s.seat, "name": s.name, "joined": s.joined,
                                "setup": feed.describe(s.seat, s.setup), "data": feed.dataset(s.setup, version)}
        if tile["data"] and tile["data"] not in datasets:
            seen, head, xy, labels = feed.points(tile["data"])
            if full or seen >= request_version:           # points the browser may not have yet
                datasets[tile["data"]] = {**head, "xy": frame.blob(xy), "labels": frame.blob(labels)}
        summary = s.summary
        if summary is not None:
            away = now - summary.at > AWAY_SECONDS
            tile.update(epoch=summary.epoch, accuracy=_number(summary.test_accuracy), loss=_number(summary.test_loss),
                        params=summary.params, playing=summary.playing and not away, away=away, lut=summary.lut,
                        side=summary.side)
            if full or s.v > request_version:
                tile["blob"] = frame.blob(summary.codes)
        tiles.append(tile)
    challenge = board.info.challenge
    frame.header.update(
        tiles=tiles,
        datasets=datasets,
        challenge=None if challenge is None else {"text": challenge.text, "goal": challenge.goal,
                                                  "target": challenge.target},
        ranking=[{"seat": s.seat, "name": s.name, "accuracy": s.test_accuracy, "params": s.params,
                  "epochs": s.epochs} for s in board.submissions],
        metrics=[["Students", f"{len(tiles)}"],
                 ["Training now", f"{sum(1 for t in tiles if t.get('playing'))}"],
                 ["Submitted", f"{len(board.submissions)}"]])
    return frame


# --- a student's summary ------------------------------------------------------------------------------
def summary_of(state: FrameState, codes: np.ndarray) -> Summary:
    """A student's run for the board: `codes` is the boundary (rows top first), thinned to THUMBNAIL."""
    step = max(1, (codes.shape[1] - 1) // (THUMBNAIL - 1))
    thumb = np.ascontiguousarray(codes[::step, ::step][:THUMBNAIL, :THUMBNAIL], dtype=np.uint8)
    side = min(thumb.shape)
    snap, data = state.snapshot, state.data
    return Summary(epoch=int(snap.epoch), test_accuracy=_number(snap.test_accuracy),
                   test_loss=_number(snap.test_loss), params=sum(int(p.numel()) for p in state.net.params),
                   playing=bool(state.playing), lut=lut_key(data.task, data.n_classes), side=side,
                   codes=thumb[:side, :side].tobytes(), at=time.time())


def summary_from_frame(frame: Frame, state: FrameState) -> Summary | None:
    """The summary of a Playground frame just built (None if it has no boundary)."""
    image = next((i for i in frame.header.get("images", ()) if i["chart"] == "boundary"), None)
    if image is None:
        return None
    codes = np.frombuffer(frame.blobs[image["blob"]], dtype=np.uint8).reshape(image["h"], image["w"])
    return summary_of(state, codes)


def summary_of_run(run: LiveRun, discretize: bool = False) -> Summary:
    """The summary a page run reports (before any frame): the boundary at the thumbnail's size, as the
    student's page shows it (`discretize`)."""
    state = run.frame_state()
    cfg: Config = state.cfg
    surface = decision_surface(state.net, cfg.features, state.data.bounds, cfg.problem, THUMBNAIL)
    codes, _ = boundary_codes(surface, PRESENTATION, discretize)
    return summary_of(state, codes)


# --- wiring into the live socket ------------------------------------------------------------------------
def _board_frame(channel: Channel, request: route.Request, state: route.SocketState, now: float) -> Frame | None:
    feed = channel.job
    return board_frame(feed, request.key, request.version) if isinstance(feed, BoardFeed) else None


def install(on_frame) -> None:
    """The board as a view kind of the live socket, and `on_frame(channel, frame, state)` shown every
    Playground frame (the hub takes students' summaries from them). Idempotent."""
    route.VIEW_KINDS[KIND] = _board_frame
    if on_frame not in route.FRAME_HOOKS:
        route.FRAME_HOOKS.append(on_frame)
