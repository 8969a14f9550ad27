"""The validator of tidy indicator tables: every problem of a file, at once, naming lines."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from imtrade.data.validation import (
    TIDY_COLUMNS,
    Problems,
    numeric_column,
    require_columns,
    validate_tidy,
    year_column,
)
from imtrade.exceptions import DataValidationError, ImtradeError


def tidy(rows, lines=None) -> pd.DataFrame:
    frame = pd.DataFrame(rows, columns=["indicator", "iso3", "year", "value"]).assign(dataset="d", vintage="v")
    frame["_line"] = lines if lines is not None else list(range(2, len(rows) + 2))
    return frame[[*TIDY_COLUMNS, "_line"]]


def failures(frame, known=None, **kw) -> list[str]:
    with pytest.raises(DataValidationError) as info:
        validate_tidy(frame, Problems("some/file.csv"), known_codes=known, **kw)
    assert info.value.source == "some/file.csv" and str(info.value).startswith("some/file.csv: ")
    return info.value.problems


class TestConverters:
    def test_numeric_column_accepts_blanks_and_missing_markers(self):
        problems = Problems("f")
        text = pd.Series(["1.5", "", None, " 2 ", "..", "NA", "nan", "-3e2"])
        out = numeric_column(text, pd.Series(range(2, 10)), "Value", problems)
        assert problems.items == []
        assert out.tolist()[0] == 1.5 and out.tolist()[3] == 2.0 and out.tolist()[7] == -300.0
        assert out.isna().tolist() == [False, True, True, False, True, True, True, False]

    def test_numeric_column_reports_count_and_first_examples(self):
        problems = Problems("f")
        bad = pd.Series(["x1", "2", "x3", "x4", "x5", "x6", "x7"])
        numeric_column(bad, pd.Series([10, 11, 12, 13, 14, 15, 16]), "Value", problems)
        assert problems.items == [
            "column 'Value': 6 non-numeric value(s) "
            "(line 10: 'x1', line 12: 'x3', line 13: 'x4', line 14: 'x5', line 15: 'x6')"
        ]

    def test_year_column(self):
        problems = Problems("f")
        out = year_column(
            pd.Series(["2008", "2008.5", "", "abc", "1999"]), pd.Series([2, 3, 4, 5, 6]), "Year", problems
        )
        assert out.tolist()[0] == 2008 and out.tolist()[4] == 1999
        assert problems.items == ["column 'Year': 3 value(s) that are not whole years (line(s) 3, 4, 5)"]

    def test_require_columns(self):
        problems = Problems("f")
        assert require_columns(pd.DataFrame(columns=["a", "b"]), ["a"], problems)
        assert not require_columns(pd.DataFrame(columns=["a", "b"]), ["a", "c", "d"], problems)
        assert problems.items == ["missing column(s) 'c', 'd'; found 'a', 'b'"]


class TestValidateTidy:
    def test_valid_frame_is_sorted_typed_and_loses_line_numbers(self):
        frame = tidy(
            [("X", "USA", 2001, 2.0), ("X", "CHN", 2001, 1.0), ("A", "USA", "2000", "0.5"), ("X", "USA", 2002, np.nan)]
        )
        out = validate_tidy(frame, Problems("f"), known_codes={"USA", "CHN"})
        assert list(out.columns) == TIDY_COLUMNS
        assert out[["indicator", "iso3", "year"]].values.tolist() == [
            ["A", "USA", 2000],
            ["X", "CHN", 2001],
            ["X", "USA", 2001],
        ]
        assert out["year"].dtype == "int64" and out["value"].dtype == "float64"
        assert out["value"].tolist() == [0.5, 1.0, 2.0]  # the blank value is 'no data', not a row

    def test_no_known_codes_means_no_code_check(self):
        assert len(validate_tidy(tidy([("X", "ZZZ", 2001, 1.0)]), Problems("f"))) == 1

    def test_each_kind_of_problem(self):
        frame = tidy(
            [
                ("X", "USA", 2000, 1.0),  # 2
                ("X", "USA", 2000, 2.0),  # 3 duplicate of 2
                ("X", "ZZZ", 2001, 3.0),  # 4 unknown code
                ("X", "CHN", 1600, 4.0),  # 5 year out of range
                ("X", "CHN", 2001, np.inf),  # 6 not finite
                ("X Y", "CHN", 2002, 5.0),  # 7 blank inside a code
                ("X", "USA", 2000, 7.0),  # 8 duplicate again
            ]
        )
        problems = failures(frame, known={"USA", "CHN"})
        assert problems == [
            "3 rows with duplicate (indicator, iso3, year) keys (X, USA, 2000) at line(s) 2, 3, 8 "
            "(each indicator, country and year may appear once)",
            "column 'indicator' fails indicator code contains whitespace: 'X Y' at line(s) 7",
            "column 'iso3': 1 unknown country code(s) 'ZZZ' at line(s) 4 "
            "(use ISO 3166-1 alpha-3 or World Bank aggregate codes; `imtrade data entities` lists them)",
            "column 'year': year(s) out of range 1600 at line(s) 5 (allowed: 1700-2100)",
            "column 'value' non-finite value(s) inf at line(s) 6",
        ]

    def test_parse_problems_and_schema_problems_are_reported_together(self):
        problems = Problems("f")
        problems.add("column 'Value': 1 non-numeric value(s) (line 9: 'n/a')")
        frame = tidy([("X", "ZZZ", 2001, 3.0), ("X", "USA", 2001, 3.0)])
        with pytest.raises(DataValidationError) as info:
            validate_tidy(frame, problems, known_codes={"USA"})
        assert len(info.value.problems) == 2 and "'ZZZ'" in info.value.problems[1]

    def test_rows_with_bad_years_are_never_dropped_silently(self):
        frame = tidy([("X", "USA", np.nan, 3.0), ("X", "USA", 2001.5, 3.0), ("X", "USA", 2002, 1.0)])
        assert failures(frame) == ["column 'year': 2 value(s) that are not whole years (line(s) 2, 3)"]

    def test_labels_name_the_files_own_columns(self):
        problems = failures(
            tidy([("X", "ZZZ", 1600, 1.0)]), known={"USA"}, labels={"iso3": "Country Code", "year": "Year"}
        )
        assert problems[0].startswith("column 'Country Code': 1 unknown") and problems[1].startswith(
            "column 'Year': year(s) out of range 1600"
        )

    def test_custom_year_range(self):
        assert failures(tidy([("X", "USA", 1990, 1.0)]), year_range=(2000, 2020)) == [
            "column 'year': year(s) out of range 1990 at line(s) 2 (allowed: 2000-2020)"
        ]

    def test_no_values_at_all(self):
        assert failures(tidy([("X", "USA", 2001, np.nan)])) == ["no data values found (empty or truncated file?)"]

    def test_long_lists_are_cut_but_counted(self):
        frame = tidy([("X", f"Z{i:02d}", 2001, 1.0) for i in range(12)])
        [problem] = failures(frame, known={"USA"})
        assert problem.startswith(
            "column 'iso3': 12 unknown country code(s) 'Z00', 'Z01', 'Z02', 'Z03', 'Z04' "
            "at line(s) 2, 3, 4, 5, 6, 7, 8, 9 (+4 more)"
        )


class TestDataValidationError:
    def test_message_lists_every_problem_up_to_25_and_gives_a_fix(self):
        error = DataValidationError("f.csv", [f"problem {i}" for i in range(30)])
        text = str(error)
        assert isinstance(error, ImtradeError) and error.exit_code == 1
        assert text.splitlines()[0] == "f.csv: 30 problem(s) found"
        assert "  - problem 24" in text and "problem 25" not in text and "... and 5 more" in text
        assert text.splitlines()[-1] == "  Fix: correct the file and run the command again; nothing was changed"
