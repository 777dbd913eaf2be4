"""Hostile query strings against `from_mapping(strict=False)`: a shared link can never break the page.

Properties: it never raises; it always returns a valid Setup (one whose own query string reads
back strictly to the same Setup); every repair comes with a note (the unknown keys, in one; a known key
with a bad value, or a combination that does not fit); and a link needing no repair gets no note
and means exactly what strict parsing means.
"""

from __future__ import annotations

from urllib.parse import parse_qs, quote

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from scratchnet.config import KNOBS, ConfigError, Setup, from_mapping

SETTINGS = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])

NASTY = ["nan", "NaN", "-nan", "inf", "-inf", "Infinity", "-0", "-0.0", "+0", "0", "1", "2", "3", "8", "9",
         "1e309", "-1e309", "1e-400", "5e-324", "1e3", "2.5", "0.5", "0x10", "1_000", "", " ", ",", ",,",
         "1,2,3", "1,,2", "true", "FALSE", "yes", "[]", "None", "null", "\x00", "٣", "１０", "½", "Ⅻ",
         "moons", "MOONS", "spiral", "plane", "regression", "relu", "x1,x2", "x1,x1", "hide", "lr,hide",
         "a\nb", "[x](http://e.x)", "<script>", "%00", "💥", "ǅ"]

knob_names = st.sampled_from(sorted(KNOBS))
keys = st.one_of(
    knob_names,
    knob_names.map(str.upper),
    knob_names.map(lambda k: k + " "),
    st.text(max_size=12),
)
scalars = st.one_of(
    st.sampled_from(NASTY),
    st.text(max_size=16),
    st.integers(min_value=-(2**80), max_value=2**80).map(str),
    st.floats(allow_nan=True, allow_infinity=True).map(repr),
    st.integers(min_value=300, max_value=6000).map(lambda n: "9" * n),   # very long numbers
    st.lists(st.sampled_from(NASTY), max_size=4).map(",".join),
)
values = st.one_of(
    scalars,
    st.lists(scalars, max_size=3),     # repeated keys, as parse_qs returns them (possibly empty)
    st.sampled_from([None, 0, 1.5, True, -0.0, float("nan")]),
)
mappings = st.dictionaries(keys, values, max_size=8)


def raw_query_strings() -> st.SearchStrategy[str]:
    """Query strings as typed into an address bar: pairs, junk, percent escapes, repeats."""
    pair = st.tuples(keys, scalars).map(lambda kv: f"{quote(kv[0])}={quote(kv[1])}")
    piece = st.one_of(pair, st.text(max_size=10), st.sampled_from(["&", "=", "==", "&&", "%", "%zz", "+", ";"]))
    return st.lists(piece, max_size=10).map("&".join)


def repair_count_lower_bound(mapping: dict) -> int:
    """Notes there must be: one per known key whose value does not parse, and one naming the unknown keys
    (all of them in one sentence, however many a hand-made link holds)."""
    count = 0
    unknown = False
    for key, raw in mapping.items():
        knob = KNOBS.get(str(key))
        if knob is None:
            unknown = True
            continue
        text = raw[-1] if isinstance(raw, (list, tuple)) and raw else raw
        try:
            knob.parse(text)
        except ConfigError:
            count += 1
    return count + unknown


def check(mapping: dict) -> tuple[Setup, list[str]]:
    setup, notes = from_mapping(mapping, strict=False)          # must not raise
    assert isinstance(setup, Setup)
    assert isinstance(notes, list) and all(isinstance(n, str) and n.strip() for n in notes)
    again, again_notes = from_mapping(setup.to_query(), strict=True)   # valid: its own link reads back
    assert again == setup and again_notes == []
    assert len(notes) >= repair_count_lower_bound(mapping)
    try:
        strict_setup, _ = from_mapping(mapping, strict=True)
    except ConfigError:
        assert notes, "strict parsing refused this link, so the forgiving one must say what it repaired"
    else:
        assert notes == [] and strict_setup == setup
    return setup, notes


@SETTINGS
@given(mappings)
@example({})
@example({"lr": "nan", "n_points": "1e309", "classes": "9", "dataset": "plane", "problem": "classification"})
@example({"hidden": "9" * 5000, "features": "", "hide": "hide,hide", "lr": []})
@example({"noise": "-0", "seed": "-0", "epochs": "1e3"})
def test_hostile_mappings_never_raise_and_every_repair_is_noted(mapping):
    check(mapping)


@SETTINGS
@given(raw_query_strings())
def test_hostile_raw_query_strings(query):
    check(parse_qs(query, keep_blank_values=True))


@SETTINGS
@given(st.dictionaries(knob_names, st.sampled_from(NASTY), min_size=1, max_size=6))
def test_known_keys_with_nasty_values(mapping):
    """Every knob name with the classic bad values (biased towards keys that exist)."""
    check(mapping)


@pytest.mark.parametrize("name", sorted(KNOBS))
def test_each_knob_alone_survives_the_nasty_list(name):
    for value in NASTY:
        check({name: value})


def test_default_link_round_trips_without_notes():
    setup, notes = from_mapping(Setup().to_query(), strict=False)
    assert setup == Setup() and notes == []


@SETTINGS
@given(mappings)
@example({"a\nb": "1"})
@example({"lr": "\x00", "": "", "hidden": "1\n2"})
def test_every_note_is_one_printable_line(mapping):
    """Notes go straight onto the page: a hostile key or value must not add lines or control characters."""
    _, notes = from_mapping(mapping, strict=False)
    assert all(note.isprintable() for note in notes), notes
