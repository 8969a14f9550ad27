"""Tests of :mod:`imtrade.show.text`, the generic pieces of the book's generated prose."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from imtrade.show import text

MINUS = "\u2212"


@pytest.mark.parametrize(
    ("args", "kwargs", "expected"),
    [
        ((1.25,), {}, "+1.2"),  # round half to even, as Python formats
        ((-1.25,), {}, f"{MINUS}1.2"),
        ((-0.04,), {}, "0.0"),  # rounds to zero: no sign
        ((0.04,), {}, "0.0"),
        ((2.0, 0), {}, "+2"),
        ((-0.1234, 3), {"plus": False}, f"{MINUS}0.123"),
        ((0.1234, 3), {"plus": False}, "0.123"),
        ((5.0,), {"unit": " %"}, "+5.0 %"),
        ((None,), {}, "n/a"),
        ((float("nan"),), {"missing": "–"}, "–"),
        ((pd.NA,), {}, "n/a"),
    ],
)
def test_signed(args, kwargs, expected):
    assert text.signed(*args, **kwargs) == expected


def test_signed_never_uses_a_hyphen_for_a_negative_number():
    for value in np.linspace(-3, 3, 61):
        out = text.signed(float(value), 2)
        assert "-" not in out and (out.startswith(MINUS) == (round(value, 2) < 0))


def test_intervals_and_p_values():
    assert text.interval_text(-0.1, 0.3) == f"{MINUS}0.10 to 0.30"
    assert text.interval_text(-0.1, 0.3, 1, plus=True) == f"{MINUS}0.1 to +0.3"
    assert text.ci_text(-0.1, 0.3) == f"95 % CI {MINUS}0.10 to +0.30"
    assert text.ci_text(1, 2, 0, plus=False, level=90) == "90 % CI 1 to 2"
    assert text.p_text(0.0001) == "< 0.001" and text.p_text(0.0412) == "= 0.041"
    assert text.p_text(0.0412, equals=False) == "0.041" and text.p_text(0.004, digits=2) == "< 0.01"
    assert text.p_text(float("nan")) == "n/a"
    assert text.excludes_zero(0.1, 0.3) and text.excludes_zero(-0.3, -0.1) and not text.excludes_zero(-0.1, 0.1)


def test_missing_values_and_numbers():
    assert text.is_missing(None) and text.is_missing(float("nan")) and text.is_missing(pd.NA)
    assert not text.is_missing(0.0) and not text.is_missing("no") and not text.is_missing([1.0])
    assert text.format_number(1234.5) == "1,234.5" and text.format_number(None) == "n/a"
    assert text.format_number(math.nan, "{:.0f}", missing=text.NO_DATA) == "no data"


def test_names_and_words():
    assert text.join_names([]) == "" and text.join_names(["A"]) == "A"
    assert text.join_names(["A", "B"]) == "A and B" and text.join_names(iter(["A", "B", "C"]), "or") == "A, B or C"
    assert text.capitalise("the world") == "The world" and text.capitalise("") == ""
    assert text.lower_first("High-technology exports") == "high-technology exports"
    assert text.lower_first("R&D expenditure") == "R&D expenditure" and text.lower_first("ICT") == "ICT"
    assert text.plural(1, "claim") == "1 claim" and text.plural(2, "claim") == "2 claims"
    assert text.plural(3, "entry", "entries") == "3 entries"
    assert [text.ordinal(n) for n in (1, 2, 3, 4, 11, 12, 13, 21, 22, 101, 111)] == [
        "1st",
        "2nd",
        "3rd",
        "4th",
        "11th",
        "12th",
        "13th",
        "21st",
        "22nd",
        "101st",
        "111th",
    ]
    assert text.year_span([2000, 2007]) == "2000–2007" and text.year_span([2000]) == "2000"
    assert text.year_runs([2003, 1997, 1998, 1999]) == ["1997–1999", "2003"] and text.year_runs([]) == []
    assert text.money(2.05e13) == "20.5 tn US$" and text.money(3.2e9, "euro") == "3.2 bn euro"
    assert text.money(999.0) == "999 US$"


def test_change_phrase():
    changes = [("Alpha", 2.0), ("Korea", -1.0), ("the world", float("nan")), ("Beta", 0.0)]
    assert text.change_phrase(changes) == (
        f"rose in Alpha (+2.0 points) and fell or stayed flat in Korea ({MINUS}1.0 points) and Beta (0.0 points)"
    )
    assert text.change_phrase([("A", 1.234)], 2, " pp", rose="grew in") == "grew in A (+1.23 pp)"
    assert text.change_phrase([("A", None)]) == "cannot be compared for lack of data"


def test_ranking_and_threshold_phrases():
    values = {"Alpha": 0.5, "Korea": 1.5, "the world": np.nan, "Beta": None}
    assert text.ranking_phrase(values, "{:.1f}") == "Korea (1.5) and Alpha (0.5)"
    assert text.ranking_phrase({"A": 12.0}, "{:.0f}", " %") == "A (12 %)"
    assert text.above_below(values, 1.0) == ("Korea", "Alpha")
    assert text.above_below({"Alpha": 0.5}, 1.0) == ("none of them", "Alpha")
    assert text.above_below({"Alpha": 1.0}, 1.0, none="nobody") == ("nobody", "Alpha")  # at the threshold: below
