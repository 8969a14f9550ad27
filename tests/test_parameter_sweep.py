"""No accepted input may crash: a generated sweep over every chapter's declared parameters.

The cases come from each chapter's parameters cell and its validator (``check_parameters``),
not from a hand-picked list (:func:`chapter_sweep.cases`): every catalogued WDI vintage for a
vintage parameter, each choice a text parameter's help names, economies with little or no
data for ISO3 parameters, each default item of a list alone, both ends of every numeric
range, found by bisecting what the validator accepts, and each candidate of the chapter's
assignment pool. Each case is either refused up front by
the validator with a ParameterError (one clear message) or runs: the chapter's own code cells
are executed in this process (no kernel), so a section that lacks data must say so instead
of raising. Known degrade paths are tested directly below, on small frames.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from chapter_sweep import SPARSE_ECONOMIES, Case, CellFailure, cases, given, range_end, run_cells

from imtrade.exceptions import ParameterError


def _chapter_names() -> list[str]:
    from imtrade.book.toc import chapters

    return [ch.name for ch in chapters() if ch.semantic_check() is not None]


CASES = [case for name in _chapter_names() for case in cases(name)]


def _resolve_or_refusal(case: Case):
    """(values, None) when the validator accepts the case, (None, error) when it refuses it."""
    from imtrade.book.toc import chapter

    values = given(case)
    if values is None:
        pytest.skip(f"{case.parameter}: no {case.kind} end within the probed span (an open range)")
    try:
        return chapter(case.chapter).resolve(values), None
    except ParameterError as exc:  # any other exception fails the test: a traceback, not a message
        return None, exc


# ---------------------------------------------------------------------------------------
# The sweep


def test_the_sweep_covers_every_chapter_and_kind():
    names = {c.chapter for c in CASES}
    assert {"trade_patterns", "partnir", "china_roadmap", "deglobalisation", "country_brief"} <= names
    tp = {c.id for c in CASES if c.chapter == "trade_patterns"}
    # each benchmark choice the help names, the old vintage, sparse economies, both ends of each year
    assert {"trade_patterns-benchmark-choice=SSF", "trade_patterns-vintage-vintage=2018-08-01"} <= tp
    assert {f"trade_patterns-countries-sparse={c}" for c in SPARSE_ECONOMIES} <= tp
    assert {"trade_patterns-start_year-lower", "trade_patterns-end_year-upper"} <= tp
    assert "partnir-group-item=ZAF" in {c.id for c in CASES}
    # the assignment pool: every candidate value students can be given
    assert "trade_patterns-countries-pool=KOR,MEX,VNM,IND" in tp and "partnir-year-pool=2018" in {c.id for c in CASES}


@pytest.mark.data
def test_range_ends_come_from_the_validator():
    assert range_end("trade_patterns", "start_year", "lower") == 1960
    assert range_end("trade_patterns", "start_year", "upper") == 2010  # "2010 at the latest"
    assert range_end("trade_patterns", "end_year", "lower") == 2015
    assert range_end("methods", "rhos", "upper") == [0.95]
    assert range_end("methods", "seed", "upper") is None  # open: nothing to test


@pytest.mark.data
@pytest.mark.parametrize("case", CASES, ids=[c.id for c in CASES])
def test_the_validator_accepts_or_refuses_with_one_message(case):
    values, refusal = _resolve_or_refusal(case)
    if refusal is not None:
        text = str(refusal)
        assert text.strip() and "Traceback" not in text
        assert "\n" not in refusal.problem, "one message, not a dump"
    else:
        assert isinstance(values, dict)


@pytest.mark.slow
@pytest.mark.data
@pytest.mark.parametrize("case", CASES, ids=[c.id for c in CASES])
def test_an_accepted_case_runs_to_the_end(case, tmp_path):
    from imtrade.book.toc import chapter

    values, refusal = _resolve_or_refusal(case)
    if refusal is not None:
        return  # refused up front with its reason: that is an allowed outcome
    try:
        run_cells(case.chapter, chapter(case.chapter).path, values, tmp_path)
    except CellFailure as failure:
        pytest.fail(f"{case.id}: accepted by the validator, then {failure}", pytrace=False)


# ---------------------------------------------------------------------------------------
# partnir on a vintage without the pandemic years


@pytest.mark.data
def test_partnir_accepts_the_old_vintage_and_names_what_it_lacks():
    from imtrade.chapters import partnir

    base = {"group": ["BRA", "CHN"], "group_name": "BC", "start_year": 2000, "vintage": "2018-08-01"}
    partnir.check_parameters({**base, "year": 2016})  # accepted: the pandemic section degrades
    with pytest.raises(ParameterError, match=r"'year' must be between 1990 and 201\d"):
        partnir.check_parameters({**base, "year": 2021})  # past the vintage's data: refused up front
    note = partnir.pandemic_data_missing("2018-08-01")
    assert note == "the WDI vintage 2018-08-01 has no real GDP growth for 2020–2021 (NY.GDP.MKTP.KD.ZG)"
    assert partnir.pandemic_data_missing("2026-07-01") is None


@pytest.mark.data
def test_partnir_refuses_a_vintage_without_world_gdp(monkeypatch):
    from imtrade.chapters.partnir import analysis

    monkeypatch.setattr(analysis, "last_data_year", lambda vintage: None)
    params = {"group": ["BRA"], "group_name": "B", "start_year": 2000, "year": 2016, "vintage": "2026-07-01"}
    with pytest.raises(ParameterError, match="no world GDP"):
        analysis.check_parameters(params)


def test_partnir_last_data_year_is_none_without_world_rows(monkeypatch):
    from imtrade.chapters.partnir import analysis

    empty = pd.DataFrame({"iso3": [], "year": [], "value": []})
    monkeypatch.setattr(analysis, "load_indicators", lambda *a, **k: empty)
    assert analysis.last_data_year("user-vintage") is None  # was: ValueError converting NaN to int


def test_resilience_models_give_nan_rows_when_the_years_are_missing():
    from imtrade.chapters import partnir

    sample = pd.DataFrame(
        {
            "iso3": ["A", "B", "C"],
            "growth_2020": np.nan,
            "output_gap_2021": np.nan,
            "manuf_share": [10.0, 20.0, 30.0],
            "mht_share": [30.0, 40.0, 50.0],
            "log_gdppc": [8.0, 9.0, 10.0],
            "tourism": [1.0, 2.0, 3.0],
            "commodities": [5.0, 6.0, 7.0],
        }
    )
    models = partnir.resilience_models(sample)
    assert len(models) and models["estimate"].isna().all() and (models["n"] == 0).all()
    assert partnir.significance_count(models, "manuf_share") == (0, 6)
    assert "n/a" in partnir.coefficient_phrase(models[models["term"] == "manuf_share"].iloc[0])


def test_the_resilience_figure_says_no_data(agg):
    from imtrade.chapters import partnir

    sample = pd.DataFrame(
        {"iso3": ["A", "B"], "growth_2020": np.nan, "output_gap_2021": np.nan, "manuf_share": [10.0, 20.0]}
    )
    fig = partnir.plot_resilience(sample, ["A"], "v")
    texts = [t.get_text() for ax in fig.axes for t in ax.texts]
    assert texts.count("No data for these years in this vintage") == 2


@pytest.fixture
def agg():
    import matplotlib

    matplotlib.use("Agg", force=True)
    import matplotlib.pyplot as plt

    yield
    plt.close("all")


# ---------------------------------------------------------------------------------------
# trade_patterns for an economy without data


NAMES = {"TUV": "Tuvalu", "USA": "the United States", "WLD": "the world"}


def test_medium_high_tech_text_for_a_focus_economy_without_data():
    from imtrade.chapters import trade_patterns as tp

    mht = pd.DataFrame({"iso3": ["WLD", "WLD"], "year": [2000, 2010], "measure": "exports", "value": [55.0, 54.0]})
    text = tp.medium_high_tech_text(mht, ["TUV"], "WLD", NAMES, "v")  # was: int(NaN) on an empty frame
    assert "no medium- and high-tech share of manufactured exports for Tuvalu" in text
    assert "for the world it went from 55.0 % in 2000 to 54.0 % in 2010" in text


def test_co2_window_and_trade_year_without_focus_data():
    from imtrade.chapters import trade_patterns as tp

    wide = pd.DataFrame({"WLD": [0.3, 0.2, np.nan]}, index=pd.Index([1990, 2000, 2010], name="year"))
    assert tp.co2_window(wide, ["TUV"]) == (1990, 2000)  # the benchmark's last year
    wide["USA"] = [0.5, np.nan, 0.4]
    assert tp.co2_window(wide, ["USA", "TUV"]) == (1990, 2010)
    empty = pd.DataFrame({"co2": [], "trade_co2": []}, index=pd.MultiIndex.from_tuples([], names=["iso3", "year"]))
    assert tp.co2_trade_year(empty) is None and tp.co2_trade_year(empty.drop(columns="trade_co2")) is None
    trade = pd.DataFrame(
        {"trade_co2": [1.0, np.nan]},
        index=pd.MultiIndex.from_tuples([("USA", 2016), ("USA", 2017)], names=["iso3", "year"]),
    )
    assert tp.co2_trade_year(trade) == 2016


def test_rca_gains_leave_out_economies_without_both_years():
    from imtrade.chapters import trade_patterns as tp

    rca = pd.DataFrame({"iso3": ["USA", "USA", "WLD"], "year": [2010, 2020, 2010], "rca": [1.0, 1.5, 1.0]})
    assert tp.rca_gains(rca, ["USA"], 2010, 2020).to_dict() == {"USA": 0.5}
    assert tp.rca_gains(rca, ["TUV"], 2010, 2020).empty
    assert tp.rca_gains(rca, ["USA"], 2010, 2024).empty


def test_the_co2_trade_figure_says_no_data(agg):
    from imtrade.chapters import trade_patterns as tp

    trade = pd.DataFrame(
        {"trade_co2_share": [np.nan]}, index=pd.MultiIndex.from_tuples([("TUV", 2016)], names=["iso3", "year"])
    )
    fig = tp.plot_co2_trade(trade, ["TUV"], {"TUV": {"color": "C0"}}, NAMES)
    assert any("No consumption-based CO2 data" in t.get_text() for t in fig.axes[0].texts)


# ---------------------------------------------------------------------------------------
# deglobalisation for economies without employment data


def test_industry_table_when_no_economy_has_enough_data():
    from imtrade.chapters import deglobalisation as dg

    trends = pd.DataFrame({"iso3": ["TUV"], "pattern": ["too few data"]})
    table = dg.display_industry_table(trends, {"TUV": "Tuvalu"})  # was: KeyError 'start'
    assert table.to_dict("records") == [{"Economy": "Tuvalu", "Pattern": "too few data"}]


# ---------------------------------------------------------------------------------------
# The pages say it


@pytest.mark.slow
@pytest.mark.data
def test_partnir_on_the_old_vintage_builds_and_says_what_is_missing(tmp_path):
    from conftest import run_chapter

    run = run_chapter("partnir", tmp_path, vintage="2018-08-01", year=2016)
    assert not run.errors
    note = run.values["pandemic_note"]
    assert note.startswith("**Not available with these parameters.** The WDI vintage 2018-08-01 has no real GDP")
    parameters_note = next(c.source for c in run.notebook.cells if "Parameters of this page" in c.source)
    assert "Sections these parameters cannot show" in parameters_note
    assert "*Did manufacturing economies weather the pandemic better?*: the WDI vintage 2018-08-01" in parameters_note
    assert "*Comparisons with the text's 2021 figures*: the vintage's world GDP ends in 2016" in parameters_note
    assert run.values["b1_growth"].startswith("n/a") and run.values["n_sig"] == "0"
    assert not math.isnan(float(run.values["grp_mer"]))  # the rest of the chapter stands


# ---------------------------------------------------------------------------------------
# The parameters note lists the sections a parameter set cannot show


def test_missing_sections_are_glued_and_listed(monkeypatch):
    from imtrade.show import sections, tables

    glued = {}
    monkeypatch.setattr(tables, "_glue", lambda name, text: glued.__setitem__(name, text))
    line = sections.report_missing_section("pandemic", "The pandemic", "the vintage has no 2020 data.")
    assert line == "*The pandemic*: the vintage has no 2020 data." and glued == {"section_missing_pandemic": line}
    assert sections.missing_sections({"other": "x", **glued}) == [line]
    assert sections.missing_sections_note([]) == ""
    note = sections.missing_sections_note([line])
    assert ":::{note} Sections these parameters cannot show" in note and f"- {line}" in note
    assert sections.missing_section_note("the vintage has no 2020 data.").startswith(
        "**Not available with these parameters.** The vintage has no 2020 data, so this section cannot be computed"
    )
    with pytest.raises(ValueError, match="identifier"):
        sections.report_missing_section("a b", "t", "r")


def test_the_parameters_note_shows_the_missing_sections():
    from imtrade.book.execute import _parameter_note
    from imtrade.book.toc import chapter

    ch = chapter("partnir")
    params = {name: p.default for name, p in ch.parameters().items()}
    plain = _parameter_note(ch, params)
    assert "cannot show" not in plain and plain.endswith(":::")
    note = _parameter_note(ch, params, ["*The pandemic*: no 2020 data."])
    assert note.startswith(plain) and note.endswith("- *The pandemic*: no 2020 data.\n:::")


DEGRADING_CHAPTER = """---
jupytext:
  text_representation: {extension: .md, format_name: myst}
kernelspec: {display_name: Python 3, language: python, name: python3}
---

# Sample chapter

```{code-cell} ipython3
:tags: [parameters]

missing: bool = False  # pretend the vintage lacks the section's data
```

```{code-cell} ipython3
:tags: [remove-cell]

from imtrade.api import glue_text, missing_section_note, report_missing_section

reason = "the sample vintage has no data for 2020" if missing else None
glue_text("section_note", missing_section_note(reason) if reason else "")
if reason:
    report_missing_section("sample", "The sample section", reason)
```

## The sample section

{glue:md}`section_note`

The rest of the page.
"""


@pytest.mark.slow
@pytest.mark.mirror
@pytest.mark.parametrize("missing", [False, True])
def test_a_degraded_section_builds_without_warnings(tmp_path, monkeypatch, mirror, missing):
    """The note glued empty (section available) or full, and the parameters note: a strict build passes."""
    from conftest import ROOT, sample_book

    from imtrade.book.build import build
    from imtrade.paths import ROOT_ENV

    monkeypatch.setenv(ROOT_ENV, str(ROOT))
    root = sample_book(
        tmp_path, monkeypatch, DEGRADING_CHAPTER, "format: jb-book\nroot: intro\nchapters:\n  - file: chapters/sample\n"
    )
    if missing:
        text = (root / "chapters" / "sample.md").read_text(encoding="utf-8")
        (root / "chapters" / "sample.md").write_text(text.replace("missing: bool = False", "missing: bool = True"))
    report = build(jobs=1, strict=True, progress=lambda m: None)
    assert report.site_built
    html = (root / "_build" / "html" / "chapters" / "sample.html").read_text(encoding="utf-8")
    assert ("Sections these parameters cannot show" in html) is missing
    assert ("Not available with these parameters" in html) is missing
    assert "The rest of the page." in html
