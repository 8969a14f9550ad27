"""Chapter parameter declarations, coercion and name checks (imtrade.book.params, imtrade.book.toc)."""

from __future__ import annotations

import pytest

from imtrade.book.params import check_name, coerce, parse_parameters_cell, resolve_parameters
from imtrade.exceptions import ParameterError

CELL = """
countries: list[str] = ["USA", "DEU"]  # focus economies (ISO3 codes)
start_year: int = 1990  # first year shown
share: float = 0.5
label: str = "0123"  # a string that looks like a number
show: bool = True  # draw the figure
years: list[int] = [2000, 2008]  # candidate years
"""


def test_declared_parameters_have_types_defaults_and_help():
    params = parse_parameters_cell(CELL)
    assert list(params) == ["countries", "start_year", "share", "label", "show", "years"]
    assert params["countries"].type == "list[str]"
    assert params["countries"].default == ["USA", "DEU"]
    assert params["countries"].help == "focus economies (ISO3 codes)"
    assert params["share"].help == ""
    assert params["label"].default == "0123"


@pytest.mark.parametrize(
    ("source", "message"),
    [
        ("x = 1", "typed assignment"),
        ("x: dict = {}", "not one of"),
        ("x: int = len('a')", "must be a literal"),
        ("import os", "typed assignment"),
        ("x: int = ", "not valid Python"),
        ("x: int = 'a'", "whole number"),
    ],
)
def test_malformed_parameters_cell_is_refused(source, message):
    with pytest.raises(ParameterError, match=message):
        parse_parameters_cell(source)


@pytest.mark.parametrize(
    ("type_name", "given", "expected"),
    [
        ("int", "1995", 1995),
        ("int", 2001.0, 2001),
        ("float", "2.5", 2.5),
        ("str", "0123", "0123"),  # papermill's -p would have turned this into 123
        ("str", "None", "None"),
        ("bool", "false", False),
        ("bool", True, True),
        ("list[str]", "KOR,MEX, VNM", ["KOR", "MEX", "VNM"]),
        ("list[str]", "[KOR, MEX]", ["KOR", "MEX"]),
        ("list[int]", "2008,2011", [2008, 2011]),
        ("list[int]", [2008, "2011"], [2008, 2011]),
    ],
)
def test_values_are_coerced_to_the_declared_type(type_name, given, expected):
    assert coerce("p", type_name, given) == expected


@pytest.mark.parametrize(
    ("type_name", "given"),
    [
        ("int", "abc"),
        ("int", "2008.5"),
        ("int", True),
        ("float", "x"),
        ("bool", "maybe"),
        ("str", 5),
        ("list[int]", "a,b"),
        ("list[str]", {"a": 1}),
    ],
)
def test_wrong_types_are_refused_with_the_parameter_name(type_name, given):
    with pytest.raises(ParameterError, match="'p'"):
        coerce("p", type_name, given)


@pytest.mark.parametrize("name", ["x\nimport os; os.system('echo pwned')", "1abc", "a-b", "", "__import__('os')"])
def test_names_that_are_not_identifiers_never_reach_papermill(name):
    declared = parse_parameters_cell(CELL)
    with pytest.raises(ParameterError, match="not a valid parameter name"):
        check_name(name, declared, "sample")


def test_undeclared_name_is_refused_with_a_suggestion():
    declared = parse_parameters_cell(CELL)
    with pytest.raises(ParameterError, match="did you mean 'start_year'") as info:
        check_name("start_yaer", declared, "sample")
    assert "imtrade params sample" in str(info.value)


def test_codes_are_upper_cased_so_one_run_has_one_set_of_values():
    """Issue 20: `-p countries kor` was injected lowercase (another run hash than KOR)."""
    declared = parse_parameters_cell(
        CELL + 'benchmark: str = "WLD"  # reference group\nvintage: str = "2026-07-01"  # data vintage\n'
    )
    lower = resolve_parameters(declared, {"countries": "kor, Mex", "benchmark": "wld", "label": "Imports"}, "s")
    upper = resolve_parameters(declared, {"countries": ["KOR", "MEX"], "benchmark": "WLD", "label": "Imports"}, "s")
    assert lower == upper and lower["countries"] == ["KOR", "MEX"] and lower["benchmark"] == "WLD"
    assert lower["label"] == "Imports"  # a text parameter keeps its case
    assert resolve_parameters(declared, {"vintage": "user-mine"}, "s")["vintage"] == "user-mine"


def test_resolve_overrides_defaults_only_for_given_names():
    declared = parse_parameters_cell(CELL)
    values = resolve_parameters(declared, {"start_year": "2000", "countries": "KOR"}, "sample")
    assert values["start_year"] == 2000
    assert values["countries"] == ["KOR"]
    assert values["share"] == 0.5
