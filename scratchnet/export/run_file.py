"""A run as a file: config, weights, class names and history out as JSON, and back in safely.

JSON only: nothing is unpickled or executed, never torch.load. `load_run` validates the whole
file before building anything and raises `DataError` (one sentence) for anything unusable.
float32 values are written in their shortest exact form, so an imported run predicts
bit-identically and exports to the same bytes again.
"""

from __future__ import annotations

import itertools
import json
import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import torch
from torch import Tensor

from scratchnet.config import Config, from_mapping
from scratchnet.data.class_names import class_names_problem
from scratchnet.data.number_text import finite_or_none, float_texts
from scratchnet.data.uploads import DataError, Source, one_line, quote, read_text
from scratchnet.net.model import Net
from scratchnet.train.history import Evaluation, History

# A run file: the largest network (~117k weights, layer norm) with a full history and 8 class names is 3.8 MiB
# written at full precision. The server's upload limit (.streamlit/config.toml, deploy/nginx.conf.template)
# follows this number (tests/classroom/test_limits.py holds them together).
MAX_RUN_BYTES = 5 * 1024 * 1024
# A run file has ~35 texts (the config's knobs, class names) and 3 objects (the run, its config, its history).
# Counted before JSON is parsed: parsing 600k made-up keys held the server's one Python lock for 3 s.
MAX_RUN_QUOTES = 1000
MAX_RUN_OBJECTS = 8
MAX_HISTORY_POINTS = 20_000               # per-epoch losses kept in a run file; longer runs export no history
MAX_ABS_PARAM = 1e30                      # a weight beyond this is corrupt (float32 overflows near 3.4e38)
RUN_FORMAT = "scratchnet-run"
RUN_VERSION = 2                           # 2: layer-norm gains and shifts; a run without them is written as 1
PLAIN_VERSION = 1                         # what older ScratchNets read: a run without layer norm


# ----------------------------------------------------------------------------- out

def export_run(cfg: Config, net: Net, history: History | None = None,
               class_names: Sequence[str] | None = None) -> str:
    """A run as JSON text: config, weights and biases, optionally class names and history.

    Layout: {"format": "scratchnet-run", "version": 1, "config": cfg.to_query() (every knob
    as text, so defaults changing later cannot alter it), "layer_sizes", "activation",
    "weights": [d_in x d_out nested lists per layer], "biases": [d_out lists], "class_names",
    "history": {"losses": [...], "evaluations": [[epoch, train_loss, test_loss,
    train_accuracy, test_accuracy], ...]} or null}. With layer norm the version is 2 and
    "gains" and "shifts" follow "biases" ([H lists], one per hidden layer): an older ScratchNet
    then refuses the file rather than run the network without its normalization. float32
    values are written in their shortest exact form, so an import predicts bit-identically.
    History longer than MAX_HISTORY_POINTS is left out (null) to keep files small.
    """
    _check_exportable(cfg, net)
    body = {
        "format": RUN_FORMAT,
        "version": RUN_VERSION if net.gains else PLAIN_VERSION,
        "config": cfg.to_query(),
        "layer_sizes": list(cfg.layer_sizes),
        "activation": net.activation,
        "weights": [_json_floats(w) for w in net.weights],
        "biases": [_json_floats(b.reshape(-1)) for b in net.biases],
    }
    if net.gains:
        body["gains"] = [_json_floats(g.reshape(-1)) for g in net.gains]
        body["shifts"] = [_json_floats(b.reshape(-1)) for b in net.shifts]
    body |= {"class_names": _export_names(cfg, class_names), "history": _history_json(history)}
    lines = (f"  {json.dumps(key)}: {json.dumps(value, separators=(',', ':'), allow_nan=False)}"
             for key, value in body.items())
    return "{\n" + ",\n".join(lines) + "\n}\n"


def _check_exportable(cfg: Config, net: Net) -> None:
    if net.n_models is not None or net.masks is not None:
        raise ValueError("export_run takes a single network, not a stack of models")
    shapes = [tuple(w.shape) for w in net.weights], [tuple(b.shape) for b in net.biases]
    sizes = cfg.layer_sizes
    expected = list(itertools.pairwise(sizes)), [(1, b) for b in sizes[1:]]
    if shapes != expected or net.activation != cfg.activation or net.norm != cfg.norm:
        raise ValueError(f"the network ({net.activation}, norm {net.norm}, weight shapes {shapes[0]}) does not "
                         f"match the config ({cfg.activation}, norm {cfg.norm}, layer sizes {sizes})")
    if not all(torch.isfinite(p).all() for p in net.params):
        raise ValueError("the network has NaN or infinite parameters; export the last finite ones")


def _json_floats(t: Tensor) -> list:
    """Nested lists of Python floats whose JSON form is short yet exact for float32 tensors."""
    t = t.detach().cpu()
    if t.dtype != torch.float32:
        return t.to(torch.float64).tolist()
    flat = [float(s) for s in float_texts(t.reshape(-1))]
    if t.dim() == 1:
        return flat
    cols = t.shape[1]
    return [flat[r * cols:(r + 1) * cols] for r in range(t.shape[0])]


def _export_names(cfg: Config, class_names: Sequence[str] | None) -> list[str] | None:
    if class_names is None:
        return None
    names = list(class_names)
    if not cfg.is_classification:
        raise ValueError("class_names are for classification runs only")
    problem = class_names_problem(names, cfg.n_classes)
    if problem:
        raise ValueError(f"class_names cannot name the run's {cfg.n_classes} classes: {problem}")
    return names


def _history_json(history: History | None) -> dict | None:
    if history is None or max(len(history.losses), len(history.evaluations)) > MAX_HISTORY_POINTS:
        return None
    metrics = ("train_loss", "test_loss", "train_accuracy", "test_accuracy")
    return {"losses": [finite_or_none(v) for v in history.losses],
            "evaluations": [[e.epoch] + [finite_or_none(getattr(e, m)) for m in metrics]
                            for e in history.evaluations]}


# ----------------------------------------------------------------------------- in

_RUN_EXPECTED = "a run exported from ScratchNet (a .json file)"
_RUN_KEYS = ("format", "version", "config", "layer_sizes", "activation", "weights", "biases", "gains", "shifts",
             "class_names", "history")


@dataclass(frozen=True)
class RunFile:
    """An imported run: a config (repaired where needed, see notes) and a network that fits it."""

    config: Config
    net: Net
    notes: list[str]                       # one sentence per repair or ignored field
    class_names: tuple[str, ...] | None
    history: History | None


def load_run(data: Source, *, max_bytes: int = MAX_RUN_BYTES, dtype: torch.dtype = torch.float32) -> RunFile:
    """Validate an exported run completely before building anything from it.

    JSON only: nothing is unpickled or executed. The config goes through
    `from_mapping(strict=False)`, so out-of-range knobs are repaired with notes; the weights
    must then fit that config's layer sizes exactly, and every number must be finite. The
    net's parameters are fresh leaf tensors with requires_grad, ready to train on.
    """
    obj = _json_object(_plausible(read_text(data, max_bytes, _RUN_EXPECTED)))
    _check_header(obj)
    unknown = [key for key in obj if key not in _RUN_KEYS]
    if unknown:
        raise DataError(f"The run file has a field a run does not have ({quote(str(unknown[0]))}"
                        f"{f' and {len(unknown) - 1:,} more' if len(unknown) > 1 else ''}); export the run again.")
    cfg, notes = _run_config(obj.get("config"))
    sizes = _check_layers(obj, cfg, notes)
    weights = _layer_list(obj.get("weights"), "weights", len(sizes) - 1)
    biases = _layer_list(obj.get("biases"), "biases", len(sizes) - 1)
    params_w = [_tensor(w, (a, b), f"weights[{i}]", dtype) for i, (w, a, b)
                in enumerate(zip(weights, sizes, sizes[1:]))]
    params_b = [_tensor([_flat_bias(v)], (1, b), f"biases[{i}]", dtype)
                for i, (v, b) in enumerate(zip(biases, sizes[1:]))]
    gains, shifts = _norm_params(obj, cfg, sizes[1:-1], dtype)
    net = Net([w.requires_grad_() for w in params_w], [b.requires_grad_() for b in params_b], cfg.activation,
              None, cfg.norm, gains, shifts)
    names = _run_names(obj.get("class_names"), cfg)
    history = _run_history(obj.get("history"))
    return RunFile(cfg, net, notes, names, history)


def _plausible(text: str) -> str:
    """Refuse text with far more strings or objects than a run has, before any parsing (a few ms: a run's
    numbers are most of it; parsing a file of made-up fields is what would cost)."""
    if text.count('"') > 2 * MAX_RUN_QUOTES or text.count("{") > MAX_RUN_OBJECTS:
        raise DataError(f"The file holds far more fields than a run has; upload {_RUN_EXPECTED}.")
    return text


def _json_object(text: str) -> dict:
    if not text.strip():
        raise DataError(f"The file is empty; upload {_RUN_EXPECTED}.")
    try:
        obj = json.loads(text, parse_constant=_reject_constant)
    except DataError:
        raise
    except json.JSONDecodeError as err:
        raise DataError(f"The file is not valid JSON (line {err.lineno}, column {err.colno}: "
                        f"{one_line(err.msg)}); upload {_RUN_EXPECTED}.") from None
    except RecursionError:
        raise DataError(f"The file's JSON is nested too deeply; upload {_RUN_EXPECTED}.") from None
    except ValueError:  # e.g. an integer with thousands of digits
        raise DataError(f"The file holds a number JSON cannot read; upload {_RUN_EXPECTED}.") from None
    if not isinstance(obj, dict):
        raise DataError(f"The file holds a JSON {type(obj).__name__}, but a run is a JSON object with format, "
                        f"version, config and weights; upload {_RUN_EXPECTED}.")
    return obj


def _reject_constant(name: str) -> float:
    raise DataError(f"The file contains {name}, but every number in a run must be finite; upload {_RUN_EXPECTED}.")


def _check_header(obj: dict) -> None:
    fmt, version = obj.get("format"), obj.get("version")
    if fmt != RUN_FORMAT:
        shown = quote(fmt) if isinstance(fmt, str) else "missing"
        raise DataError(f"This JSON is not a ScratchNet run (format {shown}, expected '{RUN_FORMAT}'); "
                        f"upload {_RUN_EXPECTED}.")
    if not _is_int(version) or version < 1:
        raise DataError(f"The run's version must be a whole number such as {RUN_VERSION}; upload {_RUN_EXPECTED}.")
    if version > RUN_VERSION:
        raise DataError(f"The run was written by a newer ScratchNet (format version {quote(str(version))}); "
                        f"this one reads version {RUN_VERSION}, so update ScratchNet to import it.")


def _is_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _run_config(values: Any) -> tuple[Config, list[str]]:
    """The file's knobs through the same forgiving path as a shared link: repairs become notes."""
    if not isinstance(values, dict):
        raise DataError(f"The run has no config object (the knobs of the run); upload {_RUN_EXPECTED}.")
    texts = {str(key): _query_text(value) for key, value in values.items()}
    try:
        setup, notes = from_mapping(texts, strict=False)     # (a file written when it carried the view too)
        return setup.config, notes
    except Exception as err:  # noqa: BLE001 - from_mapping(strict=False) promises not to raise; so do we
        raise DataError(f"The run's config could not be read ({type(err).__name__}); "
                        f"upload {_RUN_EXPECTED}.") from None


def _query_text(value: Any) -> str:
    """A JSON value as the text a link would carry (to_dict-style lists and numbers accepted)."""
    if isinstance(value, bool):
        return "1" if value else "0"
    if isinstance(value, (int, float)):
        return repr(value)
    if isinstance(value, list):
        return ",".join(_query_text(v) if not isinstance(v, (list, dict)) else "?" for v in value)
    if value is None:
        return ""
    return value if isinstance(value, str) else json.dumps(value)


def _check_layers(obj: dict, cfg: Config, notes: list[str]) -> tuple[int, ...]:
    sizes, activation = obj.get("layer_sizes"), obj.get("activation")
    if not (isinstance(sizes, list) and all(_is_int(s) for s in sizes)):
        raise DataError(f"The run's layer_sizes must be a list of whole numbers; upload {_RUN_EXPECTED}.")
    repaired = " after repairing its config" if notes else ""
    if tuple(sizes) != cfg.layer_sizes:
        shown = "-".join(map(str, sizes[:12])) or "empty"
        raise DataError(f"The run's weights are for a {shown} network but its config{repaired} describes "
                        f"{'-'.join(map(str, cfg.layer_sizes))}; export the run again.")
    if activation != cfg.activation:
        shown = quote(activation) if isinstance(activation, str) else "missing"
        raise DataError(f"The run's activation {shown} differs from its config's {cfg.activation!r}{repaired}; "
                        f"export the run again.")
    return cfg.layer_sizes


def _layer_list(value: Any, what: str, n_layers: int) -> list:
    if not isinstance(value, list) or len(value) != n_layers:
        raise DataError(f"The run's {what} must be a list of {n_layers} layer{'s' * (n_layers != 1)} "
                        f"matching layer_sizes; upload {_RUN_EXPECTED}.")
    return value


def _norm_params(obj: dict, cfg: Config, hidden: Sequence[int], dtype: torch.dtype
                 ) -> tuple[list[Tensor], list[Tensor]]:
    """Layer norm's gains and shifts, (1, H) per hidden layer: required with norm=layer, else absent."""
    if cfg.norm == "none":
        for key in ("gains", "shifts"):
            if obj.get(key) is not None:
                raise DataError(f"The run has layer-norm {key} but its config has no layer norm; "
                                "export the run again.")
        return [], []
    tensors = []
    for key in ("gains", "shifts"):
        rows = obj.get(key)
        if not isinstance(rows, list) or len(rows) != len(hidden):
            raise DataError(f"The run's config uses layer norm, so it needs {key}: a list of {len(hidden)} "
                            f"layer{'s' * (len(hidden) != 1)} matching layer_sizes; export the run again.")
        tensors.append([_tensor([_flat_bias(v)], (1, h), f"{key}[{i}]", dtype).requires_grad_()
                        for i, (v, h) in enumerate(zip(rows, hidden))])
    return tensors[0], tensors[1]


def _flat_bias(value: Any) -> Any:
    """Biases are written flat (d_out,); a (1, d_out) nesting is accepted too."""
    if isinstance(value, list) and len(value) == 1 and isinstance(value[0], list):
        return value[0]
    return value


def _tensor(rows: Any, shape: tuple[int, int], where: str, dtype: torch.dtype) -> Tensor:
    """A fresh (rows, cols) tensor from nested lists, checked number by number before torch sees them."""
    n_rows, n_cols = shape
    if not isinstance(rows, list) or len(rows) != n_rows or not all(
            isinstance(r, list) and len(r) == n_cols for r in rows):
        one_row = where.startswith(("biases", "gains", "shifts"))
        wanted = f"list of {n_cols} numbers" if one_row else f"{n_rows}x{n_cols} array of numbers"
        raise DataError(f"The run's {where} must be a {wanted} to fit layer_sizes; export the run again.")
    return torch.tensor([[_param(v, where) for v in r] for r in rows], dtype=dtype)


def _param(value: Any, where: str) -> float:
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        try:
            number = float(value)
        except OverflowError:
            number = math.inf
        if abs(number) <= MAX_ABS_PARAM:
            return number
        raise DataError(f"The run's {where} holds {quote(repr(value))}; every parameter must be a finite number "
                        f"no larger than {MAX_ABS_PARAM:g} in size.")
    raise DataError(f"The run's {where} holds a {type(value).__name__} where a number belongs; "
                    f"export the run again.")


def _run_names(value: Any, cfg: Config) -> tuple[str, ...] | None:
    if value is None:
        return None
    if not (isinstance(value, list) and all(isinstance(v, str) for v in value)):
        raise DataError("The run's class_names must be a list of text labels (or null).")
    if not cfg.is_classification:
        raise DataError(f"The run's class_names must be null for its {cfg.problem} config.")
    problem = class_names_problem(value, cfg.n_classes)
    if problem:
        raise DataError(f"The run's class_names are not usable: {problem}.")
    return tuple(value)


def _run_history(value: Any) -> History | None:
    """History is optional: a malformed one is an error, but a missing one is just None."""
    if value is None:
        return None
    bad = DataError(f"The run's history must hold at most {MAX_HISTORY_POINTS} finite losses and evaluations "
                    f"[epoch, train_loss, test_loss, train_accuracy, test_accuracy] (or be null).")
    if not isinstance(value, dict):
        raise bad
    losses, evaluations = value.get("losses", []), value.get("evaluations", [])
    if not (isinstance(losses, list) and isinstance(evaluations, list)
            and max(len(losses), len(evaluations)) <= MAX_HISTORY_POINTS):
        raise bad
    try:
        return History([_history_number(v, allow_none=False) for v in losses],
                       [_evaluation(e) for e in evaluations])
    except (TypeError, ValueError):
        raise bad from None


def _history_number(value: Any, allow_none: bool) -> float | None:
    if value is None:
        if allow_none:
            return None
        raise ValueError("missing")
    try:
        number = float(value) if isinstance(value, (int, float)) and not isinstance(value, bool) else math.nan
    except OverflowError:
        number = math.nan
    if not math.isfinite(number):
        raise ValueError("not a finite number")
    return number


def _evaluation(row: Any) -> Evaluation:
    if not (isinstance(row, list) and len(row) == 5 and _is_int(row[0]) and row[0] >= 0):
        raise ValueError("not an evaluation row")
    losses = [math.nan if v is None else _history_number(v, allow_none=False) for v in row[1:3]]
    accuracies = [_history_number(v, allow_none=True) for v in row[3:5]]
    return Evaluation(row[0], *losses, *accuracies)
