"""Semantic parameter checks shared by chapters (need the fetched entity table)."""

from __future__ import annotations

import pytest

from imtrade.book.params import check_countries, check_in_range, check_vintage, check_year_range
from imtrade.exceptions import ParameterError
from imtrade.paths import DATA_DIR_ENV, ROOT_ENV

pytestmark = pytest.mark.mirror


@pytest.fixture
def fetched_data(mirror, monkeypatch):
    """The real project's data, fetched from the mirror (a no-op when already there)."""
    from conftest import ROOT

    from imtrade.data.fetch import fetch

    monkeypatch.setenv(ROOT_ENV, str(ROOT))
    monkeypatch.delenv(DATA_DIR_ENV, raising=False)
    fetch(["wdi", "wb-bulk", "gapminder", "un-sdg"], mirror=mirror)


def test_known_codes_pass_and_are_upper_cased(fetched_data):
    assert check_countries(["chn", "USA"]) == ["CHN", "USA"]


@pytest.mark.parametrize(
    ("codes", "message"),
    [(["XXX"], "unknown country"), ([], "at least one"), (["CHN", "CHN"], "twice"), (["WLD"], "not aggregates")],
)
def test_bad_country_lists_are_refused(fetched_data, codes, message):
    with pytest.raises(ParameterError, match=message):
        check_countries(codes, allow_aggregates=False)


def test_year_order_and_range():
    check_year_range(1990, 2020)
    with pytest.raises(ParameterError, match="must be before"):
        check_year_range(2020, 1990)
    with pytest.raises(ParameterError, match="between 1960 and 2030"):
        check_year_range(1900, 2020)
    with pytest.raises(ParameterError, match="between 0 and 1"):
        check_in_range(2, 0, 1, "share")


def test_unknown_vintage_is_refused(fetched_data):
    assert check_vintage("2026-07-01") == "2026-07-01"
    with pytest.raises(ParameterError, match="unknown WDI vintage '1999-01-01'"):
        check_vintage("1999-01-01")
