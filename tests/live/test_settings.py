"""An operator's setting: the number the environment holds, or the default (logged) when it is not one."""

from __future__ import annotations

import math

from live.settings import env_number

NAME = "SCRATCHNET_TEST_SETTING"


def test_a_missing_or_empty_setting_is_the_default(monkeypatch):
    monkeypatch.delenv(NAME, raising=False)
    assert env_number(NAME, 0.5, 0, 1) == 0.5
    monkeypatch.setenv(NAME, "  ")
    assert env_number(NAME, 0.5, 0, 1) == 0.5


def test_a_number_in_range_is_taken_and_anything_else_is_logged(monkeypatch, caplog):
    monkeypatch.setenv(NAME, " 0.7 ")
    assert env_number(NAME, 0.5, 0, 1) == 0.7
    for bad in ("0", "1.5", "half", "nan", "inf"):              # the lowest bound is excluded, the highest included
        monkeypatch.setenv(NAME, bad)
        assert env_number(NAME, 0.5, 0, 1) == 0.5
    assert f"{NAME}='half' is not a number above 0 and at most 1: using 0.5." in caplog.text


def test_a_whole_setting_takes_positive_whole_numbers_only(monkeypatch):
    monkeypatch.setenv(NAME, "60")
    assert env_number(NAME, 200, whole=True) == 60 and isinstance(env_number(NAME, 200, whole=True), int)
    for bad in ("0", "-3", "1.5", "1e3", "many"):
        monkeypatch.setenv(NAME, bad)
        assert env_number(NAME, 200, whole=True) == 200
    monkeypatch.setenv(NAME, str(10**30))
    assert env_number(NAME, 200, whole=True) == 10**30 < math.inf   # no upper bound unless one is given
