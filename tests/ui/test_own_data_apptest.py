"""Your own data on the Playground, under AppTest: uploads good and bad, run import, and
property-based floods of malformed CSVs and hostile links through the page itself."""

from __future__ import annotations

import re

import pytest
import torch
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from streamlit.testing.v1 import AppTest

from scratchnet.config import CONFIG_KNOBS, KNOBS, Config, Setup
from tests.live_element import live_figure

GOOD = b"x1,x2,label\n" + b"".join(
    f"{i / 10:.1f},{(i * 7 % 10) / 10:.1f},{('cat', 'dog', 'emu')[i % 3]}\n".encode() for i in range(30))


def upload(at: AppTest, name: str, content: bytes, key: str = "csv_upload") -> AppTest:
    at.file_uploader(key=key).set_value((name, content, "text/csv")).run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def messages(at: AppTest) -> tuple[list[str], list[str]]:
    """Errors and successes as the reader sees them (the page escapes markdown in them)."""
    def seen(text: str) -> str:
        return re.sub(r"\\(.)", r"\1", text)

    return [seen(e.value) for e in at.error], [seen(s.value) for s in at.success]


def test_a_good_csv_becomes_the_data_with_its_class_names(app, eventually):
    at = upload(app, "animals.csv", GOOD)
    errors, successes = messages(at)
    assert not errors and any("Loaded 30 points, 3 classes from animals.csv" in s for s in successes)
    cfg = at.session_state["cfg"]
    assert cfg.dataset == "custom" and cfg.classes == 3 and cfg.layer_sizes[-1] == 3
    data = at.session_state["run"].trainer.data
    assert data.x_train.shape[0] + data.x_test.shape[0] == 30
    assert at.session_state["class_names"] == ("cat", "dog", "emu")
    points = live_figure(at, "boundary")["data"][0]
    assert set(points["text"]) <= {"cat", "dog", "emu"}
    assert "Points" not in {s.label for s in at.sidebar.select_slider}, "generation knobs hidden for own data"
    at.button(key="play").click().run()
    eventually(lambda: at.session_state["run"].trainer.epoch > 0, rerun=at)


def test_undo_goes_back_to_the_generated_data(app):
    at = upload(app, "animals.csv", GOOD)
    at.sidebar.button[[b.label for b in at.sidebar.button].index("Undo")].click().run()
    assert at.session_state["cfg"].dataset == Config().dataset and at.session_state["cfg"].classes == 2


@pytest.mark.parametrize("content, expected", [
    (b"", "empty"),
    (b"x1,x2,label\n", "no data rows"),
    (b"a,b\n1,2\n3,4\n", "has 2 columns"),
    (b"x1,x2,label\n1,two,a\n2,3,b\n", "number"),
    (b"x1,x2,label\n1,nan,a\n2,3,b\n", "NaN"),
    (b"x1,x2,label\n1,2,a\n2,3,a\n", "at least 2 different labels"),
    (b"\x89PNG\r\n\x1a\n\x00\x00binary", "PNG"),
    ("x1,x2,label\n1,2,ä\n2,3,b\n".encode("latin-1"), "UTF-8"),
])
def test_bad_files_get_one_message_and_change_nothing(app, content, expected):
    at = app
    before_cfg, before_run = at.session_state["cfg"], at.session_state["run"]
    upload(at, "bad.csv", content)
    errors, _ = messages(at)
    assert len(errors) == 1 and errors[0].startswith("bad.csv:")
    assert expected.lower() in errors[0].lower(), errors[0]
    assert at.session_state["cfg"] == before_cfg and at.session_state["run"] is before_run


def test_an_exported_run_imports_into_another_session(apps, app):
    at = app
    at.sidebar.slider(key="w_units_0").set_value(6).run()
    at.button(key="step").click().run()
    exported = at.session_state["run"].run_file_json()
    other = apps.open()
    upload(other, "run.json", exported.encode(), key="run_upload")
    assert other.session_state["cfg"].hidden == (6,)
    assert other.sidebar.slider(key="w_units_0").value == 6
    mine, theirs = at.session_state["run"].trainer.net, other.session_state["run"].trainer.net
    assert all(torch.equal(a, b) for a, b in zip(mine.params, theirs.params))
    assert other.session_state["run"].trainer.epoch == 1
    _, successes = messages(other)
    assert any(s.startswith("Imported run.json") for s in successes)
    before = other.session_state["run"]
    upload(other, "evil.json", b'{"format": "scratchnet-run", "version": 1, "__class__": "os.system"}',
           key="run_upload")
    errors, _ = messages(other)
    assert len(errors) == 1 and other.session_state["run"] is before


# --- floods ----------------------------------------------------------------------------------------
_cells = st.one_of(st.text(max_size=8), st.sampled_from(["nan", "inf", "-inf", "1e400", "", " ", "1,5", "0x10",
                                                         "∞", "１", "1_000", "NULL", "\x00", "\ufeff"]),
                   st.floats(allow_nan=True, allow_infinity=True).map(repr), st.integers().map(str))
_rows = st.lists(st.lists(_cells, min_size=0, max_size=5), min_size=0, max_size=6)
_csv_texts = _rows.map(lambda rows: "\n".join(",".join(r) for r in rows))
_payloads = st.one_of(_csv_texts.map(lambda t: t.encode("utf-8")), _csv_texts.map(lambda t: t.encode("utf-16")),
                      st.binary(max_size=200))


@settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture],
          derandomize=True)
@given(payload=_payloads)
def test_malformed_csvs_never_break_the_page(app, payload):
    at = app
    before_cfg, before_run = at.session_state["cfg"], at.session_state["run"]
    upload(at, "fuzz.csv", payload)
    errors, successes = messages(at)
    assert len(errors) + len(successes) == 1, (payload, errors, successes)
    if errors:
        assert at.session_state["cfg"] == before_cfg and at.session_state["run"] is before_run
    else:
        undo = [b.label for b in at.sidebar.button].index("Undo")          # put the data back
        at.sidebar.button[undo].click().run()


_keys = st.one_of(st.sampled_from(list(KNOBS)), st.text(max_size=12))
_values = st.one_of(st.text(max_size=30), st.sampled_from(["nan", "inf", "-1", "1e309", "9" * 40, "", ",", "0x1",
                                                           "custom", "spiral", "relu,tanh", "<b>x</b>", "[x](y)"]),
                    st.integers().map(str), st.floats().map(repr))


@settings(max_examples=110, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture],
          derandomize=True)
@given(query=st.dictionaries(_keys, _values, min_size=1, max_size=6))
def test_hostile_links_never_break_the_page(app, query):
    at = app
    at.query_params.clear()
    for k, v in query.items():
        at.query_params[k] = v
    at.run()
    assert not at.exception, (query, [e.value for e in at.exception])
    setup = Setup(at.session_state["cfg"], at.session_state["view"])
    Config(**{k: getattr(setup.config, k) for k in CONFIG_KNOBS})     # a valid config, whatever came in
    assert dict(at.query_params) == setup.to_query(), "the address bar shows what is in use"
    known_bad = [k for k, v in query.items() if k not in KNOBS or v != KNOBS[k].format(setup.get(k))]
    if known_bad:
        assert at.session_state["url_notes"], query


def test_file_names_and_labels_cannot_inject_markdown(app):
    at = upload(app, "[click](http://evil.example).csv", b"x1,x2,label\n1,2,**a**\n2,3,![i](http://x/y.png)\n")
    shown = [s.value for s in at.success] + [e.value for e in at.error]
    assert shown and all("](http" not in text for text in shown), shown
    assert "\\[click\\]\\(http" in shown[0]
