"""Tests for scratchnet.config: the one table of knobs the CLI, the sliders and links share."""

from __future__ import annotations

import dataclasses
import math
from urllib.parse import parse_qsl, urlencode

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from scratchnet.config import (
    CONFIG_KNOBS,
    DATASETS_CLASSIFICATION,
    DATASETS_REGRESSION,
    KNOBS,
    MAX_LAYERS,
    MAX_UNITS,
    MULTICLASS_DATASETS,
    TUTORIAL_SETUP,
    VIEW_KNOBS,
    Config,
    ConfigError,
    Knob,
    Setup,
    View,
    from_mapping,
    show_value,
)

NUMERIC = [k for k in KNOBS.values() if k.kind in ("int", "float")]
FAST = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def one_line(err: Exception) -> str:
    text = str(err)
    assert "\n" not in text and "\r" not in text and text.strip() == text and text
    assert "Traceback" not in text
    return text


def valid_value(knob: Knob) -> st.SearchStrategy:
    """Any value the knob accepts, in canonical form."""
    if knob.kind == "bool":
        return st.booleans()
    if knob.kind == "choice":
        return st.sampled_from(knob.choices)
    if knob.kind == "set":
        return (st.lists(st.sampled_from(knob.choices), min_size=knob.min_items, unique=True)
                .map(lambda items: tuple(c for c in knob.choices if c in items)))
    if knob.kind == "ints":
        return st.lists(st.integers(int(knob.low), int(knob.high)), max_size=knob.max_items).map(tuple)
    if knob.kind == "int":
        return st.integers(int(knob.low), int(knob.high))
    return st.floats(knob.low, knob.high, allow_nan=False)


# ----------------------------------------------------------------------------- the table

def test_every_knob_is_a_field_of_the_config_or_of_the_view_and_back():
    assert set(KNOBS) == set(Config.__dataclass_fields__) | set(View.__dataclass_fields__)


@pytest.mark.parametrize("name", KNOBS)
def test_every_default_is_valid_and_canonical(name):
    knob = KNOBS[name]
    assert knob.validate(knob.default) == knob.default
    assert knob.parse(knob.format(knob.default)) == knob.default
    assert Setup().get(name) == knob.default
    assert knob.label and knob.help and knob.group in ("data", "network", "training", "view")
    assert knob.allowed()


def test_default_config_is_the_tutorials_network_on_data_it_must_learn():
    """The tutorial's 2-10-2 ReLU network and 300 epochs, on a circle (no line separates it, so the first Play
    visibly learns: benchmarks/bench_pace.py) at a rate of 0.1; TUTORIAL_SETUP is the tutorial's own run."""
    cfg = Config()
    assert (cfg.dataset, cfg.n_points, cfg.noise, cfg.hidden, cfg.activation, cfg.lr, cfg.epochs) == (
        "circle", 200, 0.22, (10,), "relu", 0.1, 300)
    assert cfg.layer_sizes == (2, 10, 2) and cfg.n_classes == 2 and cfg.is_classification
    tutorial = Config(**TUTORIAL_SETUP)
    assert (tutorial.dataset, tutorial.n_points, tutorial.noise, tutorial.hidden, tutorial.activation, tutorial.lr,
            tutorial.epochs, tutorial.batch_size, tutorial.optimizer) == (
        "moons", 200, 0.22, (10,), "relu", 0.07, 300, 0, "sgd")
    assert cfg.replace(problem="regression", dataset="plane").layer_sizes == (2, 10, 1)


def test_the_issue_minimums_are_allowed():
    """0 to at least 8 hidden layers of up to at least 128 units; k up to at least 5 classes."""
    assert MAX_LAYERS >= 8 and MAX_UNITS >= 128
    Config(hidden=())
    Config(hidden=(MAX_UNITS,) * MAX_LAYERS)
    Config(dataset="blobs", classes=5)
    Config(dataset="spiral", classes=5)


@pytest.mark.parametrize("knob", NUMERIC, ids=lambda k: k.name)
def test_numeric_bounds_are_inclusive_and_enforced(knob):
    number = int if knob.kind == "int" else float
    base = {"dataset": "blobs"} if knob.name == "classes" else {}
    for inside in (knob.low, knob.high, (knob.low + knob.high) / 2 if knob.kind == "float" else int(knob.low)):
        assert knob.validate(number(inside)) == number(inside)
        Config(**base, **{knob.name: number(inside)})
    step = 1 if knob.kind == "int" else max(abs(knob.high), 1) * 1e-9
    for outside in (knob.low - step, knob.high + step, math.inf, -math.inf, math.nan):
        with pytest.raises(ConfigError) as info:
            Config(**base, **{knob.name: outside})
        text = one_line(info.value)
        assert text.startswith(f"{knob.name}=") and knob.allowed() in text


@pytest.mark.parametrize("knob", NUMERIC, ids=lambda k: k.name)
@pytest.mark.parametrize("bad", ["abc", "", " ", "1,2", "nan", "NaN", "inf", "-inf", "1e400", "-1e400", "9" * 400,
                                 "0x10", "1.5.2", None, [], True])
def test_parse_rejects_everything_that_is_not_a_number_in_range(knob, bad):
    with pytest.raises(ConfigError) as info:
        knob.parse(bad) if not isinstance(bad, bool) else knob.validate(bad)
    assert info.value.knob == knob.name
    one_line(info.value)


def test_int_knobs_take_whole_numbers_only():
    epochs = KNOBS["epochs"]
    assert epochs.parse("300") == 300 and epochs.parse("3e2") == 300 and epochs.parse(" 300.0 ") == 300
    for bad in ("300.5", "1e-3"):
        with pytest.raises(ConfigError):
            epochs.parse(bad)
    with pytest.raises(ConfigError):
        Config(epochs=300.5)
    with pytest.raises(ConfigError):
        Config(epochs=True)   # a bool is not a number here, although Python says it is an int


def test_float_knobs_accept_ints_and_store_floats():
    cfg = Config(lr=1, noise=0)
    assert isinstance(cfg.lr, float) and isinstance(cfg.noise, float)


def test_choices_sets_and_lists():
    assert KNOBS["activation"].parse(" TanH ") == "tanh"
    with pytest.raises(ConfigError):
        KNOBS["activation"].parse("swish")
    features = KNOBS["features"]
    assert features.parse("x2, x1,sinx1") == ("x1", "x2", "sinx1")        # canonical order
    for bad in ("", "x1,x1", "x3", "x1,,y"):
        with pytest.raises(ConfigError):
            features.parse(bad)
    hidden = KNOBS["hidden"]
    assert hidden.parse("8,8") == (8, 8) and hidden.parse("") == () and hidden.parse(" 4 ") == (4,)
    for bad in ("0", "129", "8," * 9, "a", "1.5", "-1"):
        with pytest.raises(ConfigError):
            hidden.parse(bad)
    assert KNOBS["hide"].parse("") == ()
    assert KNOBS["show_test"].parse("yes") is True and KNOBS["show_test"].parse("0") is False
    with pytest.raises(ConfigError):
        KNOBS["show_test"].parse("maybe")


@pytest.mark.parametrize("name", KNOBS)
@FAST
@given(data=st.data())
def test_parse_format_round_trip(name, data):
    knob = KNOBS[name]
    value = data.draw(valid_value(knob))
    canonical = knob.validate(value)
    text = knob.format(canonical)
    assert isinstance(text, str)
    assert knob.parse(text) == canonical
    assert knob.format(knob.parse(text)) == text


def test_config_to_query_and_back_is_the_same_config():
    cfg = Config(dataset="spiral", classes=5, hidden=(8, 8), activation="tanh", lr=0.0123456789,
                 optimizer="adam", batch_size=16, regularization="l2", reg_rate=0.001, features=("x1", "x2", "x1x2"))
    query = Setup(cfg).to_query()
    assert list(query) == list(KNOBS) and all(isinstance(v, str) for v in query.values())
    again, notes = from_mapping(query, strict=True)
    assert again == Setup(cfg) and notes == []
    assert cfg.to_dict()["hidden"] == [8, 8]


# A link made when the Config carried the view too: every knob, the view's last (the URL format is unchanged).
OLD_LINK = ("problem=classification&dataset=xor&classes=2&n_points=300&noise=0.1&train_fraction=0.8&seed=7"
            "&features=x1%2Cx2%2Cx1x2&hidden=4%2C4&activation=tanh&norm=none&init=auto&init_seed=42&lr=0.03"
            "&optimizer=adam&schedule=constant&batch_size=10&regularization=l2&reg_rate=0.001&weight_decay=0.01"
            "&dropout=0.0&epochs=1000&target_accuracy=0.0&backprop=hand&show_test=1&discretize=1&presentation=1"
            "&speed=max&hide=noise%2Clr")


def test_an_old_link_opens_the_same_run_and_view_and_a_setup_writes_it_again():
    setup, notes = from_mapping(dict(parse_qsl(OLD_LINK)), strict=True)
    assert setup == Setup(Config(dataset="xor", n_points=300, noise=0.1, seed=7, features=("x1", "x2", "x1x2"),
                                 hidden=(4, 4), activation="tanh", lr=0.03, optimizer="adam", batch_size=10,
                                 regularization="l2", reg_rate=0.001, epochs=1000),
                          View(show_test=True, discretize=True, presentation=True, speed="max", hide=("noise", "lr")))
    assert notes == [] and urlencode(setup.to_query()) == OLD_LINK
    assert setup.replace(lr=0.1, speed="30") == Setup(setup.config.replace(lr=0.1), setup.view.replace(speed="30"))
    assert setup.get("lr") == 0.03 and setup.get("hide") == ("noise", "lr")


def test_the_view_is_the_tables_view_knobs_and_the_config_the_rest():
    assert tuple(f.name for f in dataclasses.fields(View)) == VIEW_KNOBS == (
        "show_test", "discretize", "presentation", "speed", "hide")
    assert tuple(f.name for f in dataclasses.fields(Config)) == CONFIG_KNOBS
    assert View() == View(**{name: KNOBS[name].default for name in VIEW_KNOBS})
    with pytest.raises(ConfigError, match="speed=fast: must be one of 1, 3"):
        View(speed="fast")
    assert View(hide=("lr", "noise")).hide == ("noise", "lr")       # canonical, as a Config's sets are
    assert set(Config().to_query()) == set(CONFIG_KNOBS) and set(View().to_query()) == set(VIEW_KNOBS)
    assert View(hide=("noise",)).shows("lr") and not View(hide=("noise",)).shows("noise")


# ----------------------------------------------------------------------------- cross-field rules

def test_cross_field_rules():
    with pytest.raises(ConfigError, match="for regression"):
        Config(problem="regression", dataset="moons")
    with pytest.raises(ConfigError, match="for classification"):
        Config(dataset="plane")
    with pytest.raises(ConfigError, match="blobs, spiral, rings or custom"):
        Config(dataset="moons", classes=3)
    for name in MULTICLASS_DATASETS:
        assert Config(dataset=name, classes=8).n_classes == 8
    for name in DATASETS_REGRESSION:
        assert Config(problem="regression", dataset=name).n_classes == 1


def test_one_setting_brings_the_ones_that_must_follow_it():
    def config(values: dict, base: Config = Config()) -> Config:
        return from_mapping(values, strict=True, base=Setup(base))[0].config

    assert config({"dataset": "plane"}).problem == "regression"
    assert config({"problem": "regression"}).dataset == DATASETS_REGRESSION[0]
    cfg = config({"dataset": "moons"}, Config(dataset="blobs", classes=4))
    assert (cfg.dataset, cfg.classes) == ("moons", 2)
    assert config({"problem": "classification"}, Config(problem="regression", dataset="plane")).dataset == \
        DATASETS_CLASSIFICATION[0]
    with pytest.raises(ConfigError):            # given explicitly, a mismatch is still an error
        from_mapping({"dataset": "moons", "classes": "3"}, strict=True)


# ----------------------------------------------------------------------------- from_mapping

STRICT_BAD = [
    ({"lr": "100"}, "lr"), ({"lr": "-1"}, "lr"), ({"lr": "abc"}, "lr"), ({"lr": ""}, "lr"),
    ({"lr": "nan"}, "lr"), ({"lr": "inf"}, "lr"), ({"epochs": "1e400"}, "epochs"), ({"epochs": "9" * 500}, "epochs"),
    ({"epochs": "2.5"}, "epochs"), ({"hidden": "8,x"}, "hidden"), ({"hidden": "999"}, "hidden"),
    ({"activation": "swish"}, "activation"), ({"features": ""}, "features"), ({"show_test": "2"}, "show_test"),
    ({"colour": "red"}, "colour"), ({"dataset": "moons", "classes": "3"}, "classes"),
    ({"problem": "regression", "dataset": "xor"}, "dataset"), ({"n_points": " "}, "n_points"),
    ({"lr": "1\n2"}, "lr"),
]


@pytest.mark.parametrize(("values", "knob"), STRICT_BAD)
def test_strict_raises_one_line_naming_the_knob_value_and_what_is_allowed(values, knob):
    with pytest.raises(ConfigError) as info:
        from_mapping(values, strict=True)
    err = info.value
    assert err.knob == knob
    text = one_line(err)
    assert text.startswith(f"{knob}={show_value(err.value)}: must be ")
    assert err.allowed and err.allowed in text


def test_messages_show_empty_and_long_values_visibly():
    assert show_value("") == "''" and show_value("a\nb") == "'a\\nb'"
    assert len(show_value("x" * 1000)) == 40
    assert show_value((8, 8)) == "8,8"
    assert KNOBS["seed"].allowed() == "a whole number from 0 to 2147483647"     # not 2.14748e+09
    assert KNOBS["epochs"].allowed() == "a whole number from 1 to 1000000"
    assert KNOBS["lr"].allowed() == "a number from 1e-05 to 10"


NOT_STRICT = [
    ({"lr": "1000"}, {"lr": 10.0}, "Learning rate"),
    ({"lr": "0"}, {"lr": 1e-5}, "Learning rate"),
    ({"lr": "inf"}, {"lr": 10.0}, "Learning rate"),
    ({"lr": "-inf"}, {"lr": 1e-5}, "Learning rate"),
    ({"lr": "nan"}, {"lr": 0.1}, "Learning rate"),
    ({"lr": ""}, {"lr": 0.1}, "Learning rate"),
    ({"lr": "abc"}, {"lr": 0.1}, "Learning rate"),
    ({"epochs": "1e400"}, {"epochs": 1_000_000}, "Epochs"),
    ({"epochs": "9" * 500}, {"epochs": 1_000_000}, "Epochs"),
    ({"epochs": "12.7"}, {"epochs": 13}, "Epochs"),
    ({"n_points": "-5"}, {"n_points": 10}, "Points"),
    ({"hidden": "999,4"}, {"hidden": (10,)}, "Hidden layers"),
    ({"activation": "swish"}, {"activation": "relu"}, "Activation"),
    ({"show_test": "maybe"}, {"show_test": False}, "Show test data"),
    ({"colour": "red"}, {}, "'colour'"),
    ({"dataset": "moons", "classes": "5"}, {"dataset": "moons", "classes": 2}, "Classes"),
    ({"problem": "regression", "dataset": "xor"}, {"problem": "regression", "dataset": "plane"}, "Dataset"),
]


@pytest.mark.parametrize(("values", "expected", "mentioned"), NOT_STRICT)
def test_not_strict_repairs_and_says_so(values, expected, mentioned):
    setup, notes = from_mapping(values, strict=False)
    for name, value in expected.items():
        assert setup.get(name) == value
    assert notes and any(mentioned in n for n in notes)
    for note in notes:
        assert "\n" not in note


def test_not_strict_keeps_the_good_values_next_to_bad_ones():
    setup, notes = from_mapping({"lr": "0.5", "epochs": "abc", "hidden": "4,4", "x": "1"}, strict=False)
    cfg = setup.config
    assert cfg.lr == 0.5 and cfg.hidden == (4, 4) and cfg.epochs == 300
    assert len(notes) == 2


def test_query_lists_take_the_last_value():
    setup, _ = from_mapping({"lr": ["0.1", "0.2"]}, strict=True)
    assert setup.config.lr == 0.2


TEXT = st.one_of(st.text(max_size=30), st.sampled_from(["nan", "inf", "-inf", "1e400", "", " ", "0", "-1", "1e-400",
                                                        "8,8", "x1,x2", "true", "9" * 60]),
                 st.floats().map(str), st.integers().map(str))


@settings(max_examples=300, deadline=None)
@given(values=st.dictionaries(st.one_of(st.sampled_from(sorted(KNOBS)), st.text(max_size=8)),
                              st.one_of(TEXT, st.lists(TEXT, max_size=3), st.none(), st.integers(), st.floats()),
                              max_size=8))
def test_not_strict_never_raises_and_always_gives_a_valid_config(values):
    setup, notes = from_mapping(values, strict=False)
    assert isinstance(setup, Setup)
    Config(**{name: getattr(setup.config, name) for name in CONFIG_KNOBS})     # every field valid, rules hold
    View(**{name: getattr(setup.view, name) for name in VIEW_KNOBS})
    assert all(isinstance(n, str) and "\n" not in n for n in notes)


@settings(max_examples=200, deadline=None)
@given(values=st.dictionaries(st.sampled_from(sorted(KNOBS)), TEXT, max_size=6))
def test_strict_either_builds_or_raises_config_error_only(values):
    try:
        setup, notes = from_mapping(values, strict=True)
    except ConfigError as err:
        one_line(err)
    else:
        assert isinstance(setup, Setup) and notes == []


def test_describe_is_one_readable_line():
    text = Config().describe()
    assert text == ("circle (200 points, noise 0.22) · 2-10-2 relu · sgd lr=0.1 · full batch · 300 epochs")
    assert "l2=0.01" in Config(regularization="l2", reg_rate=0.01, batch_size=10).describe()


# ----------------------------------------------------------------------------- the knobs of issue 15

def test_the_new_knobs_and_their_defaults():
    cfg = Config()
    assert (cfg.norm, cfg.dropout, cfg.schedule, cfg.weight_decay) == ("none", 0.0, "constant", 0.01)
    # every choice a link may carry stays (a new record may add more: scratchnet/net/activations.py etc.)
    assert KNOBS["activation"].choices[:4] == ("relu", "tanh", "sigmoid", "linear")        # old links keep working
    assert {"leaky_relu", "elu", "gelu", "silu", "softplus", "sine"} <= set(KNOBS["activation"].choices[4:])
    assert {"sgd", "momentum", "nesterov", "rmsprop", "adam", "adamw"} <= set(KNOBS["optimizer"].choices)
    assert KNOBS["norm"].choices[:2] == ("none", "layer")
    assert KNOBS["schedule"].choices[:4] == ("constant", "step", "cosine", "warmup")
    assert {"checkerboard", "stripes", "rings"} <= set(KNOBS["dataset"].choices) and "rings" in MULTICLASS_DATASETS
    assert {k: KNOBS[k].group for k in ("norm", "dropout", "schedule", "weight_decay")} == {
        "norm": "network", "dropout": "training", "schedule": "training", "weight_decay": "training"}


@pytest.mark.parametrize("name", ["activation", "optimizer", "norm", "schedule"])
def test_every_choice_has_a_display_name(name):
    knob = KNOBS[name]
    assert {value for value, _ in knob.names} == set(knob.choices)
    assert len({label for _, label in knob.names}) == len(knob.choices)
    assert knob.show("silu" if name == "activation" else knob.choices[-1]) in dict(knob.names).values()


def test_compare_can_vary_each_new_knob_with_sensible_defaults():
    assert len(KNOBS["activation"].compare) == 6 and "relu" in KNOBS["activation"].compare
    assert KNOBS["optimizer"].compare == KNOBS["optimizer"].choices
    assert KNOBS["dropout"].compare == (0.0, 0.2, 0.5)
    assert KNOBS["norm"].compare == ("none", "layer") and KNOBS["schedule"].compare == KNOBS["schedule"].choices


@pytest.mark.parametrize(("text", "value"), [("0.25", 0.25), ("0", 0.0), ("0.9", 0.9)])
def test_dropout_parses_and_refuses_a_rate_that_drops_everything(text, value):
    assert KNOBS["dropout"].parse(text) == value
    with pytest.raises(ConfigError, match="dropout=1: must be a number from 0 to 0.9"):
        KNOBS["dropout"].parse("1")


def test_a_link_with_the_new_knobs_round_trips_and_an_old_link_gets_their_defaults():
    cfg = Config(activation="gelu", norm="layer", dropout=0.35, optimizer="adamw", weight_decay=0.1,
                 schedule="warmup", dataset="rings", classes=5)
    back, notes = from_mapping(cfg.to_query(), strict=False)
    assert back.config == cfg and notes == []
    old, notes = from_mapping({"activation": "tanh", "optimizer": "adam"}, strict=False)
    assert (old.config.norm, old.config.dropout, old.config.schedule) == ("none", 0.0, "constant") and notes == []
    repaired, notes = from_mapping({"dropout": "2", "norm": "batch"}, strict=False)
    repaired = repaired.config
    assert repaired.dropout == 0.9 and repaired.norm == "none" and len(notes) == 2


def test_describe_names_the_new_settings_only_when_they_are_used():
    assert "dropout" not in Config().describe() and "layer-norm" not in Config().describe()
    text = Config(norm="layer", dropout=0.2, optimizer="adamw", schedule="step").describe()
    assert "2-10-2 relu layer-norm dropout=0.2 · adamw wd=0.01 lr=0.1 (step)" in text


@pytest.mark.parametrize("name", [n for n, k in KNOBS.items() if k.compare and k.kind in ("choice", "float")])
def test_compare_defaults_are_among_the_values_compare_offers(name):
    """Compare's picker offers a choice knob's choices and a number knob's grid: its defaults must be there."""
    knob = KNOBS[name]
    offered = knob.choices if knob.kind == "choice" else knob.grid
    assert offered and set(knob.compare) <= set(offered)
