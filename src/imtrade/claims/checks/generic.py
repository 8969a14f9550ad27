"""Check functions used by the claims of several chapters.

- :func:`period_mean_comparison`: is a rate's mean over one period lower (or higher) than over
  another, by a given gap, optionally near a claimed level and with the level of the
  chained index below (or above) the extrapolated earlier trend?
- :func:`curated_figure_compare`: does a claimed figure agree with a published figure kept in
  ``data/curated/`` (a level within a tolerance in %, a growth rate within points, a
  threshold, or a set of ranks)?
- :func:`economy_rank`: where do economies rank among all economies (aggregates excluded) by
  GDP, GDP at PPP, industry or manufacturing value added in a year?
- :func:`forecast_attribution`: did a forecaster publish the forecast a text attributes to
  it (the attribution half of "X expected Y"; the outcome is scored by another entry)?

Each applies the entry's tolerance rule (its arguments come from the entry's ``args``) and
states the test and its outcome in the result's ``detail``; the words and numbers of those
sentences (signed numbers, ordinals, year spans, amounts) come from :mod:`imtrade.show.text`.
"""

from __future__ import annotations

import math
import re
from collections.abc import Sequence
from typing import Any

import pandas as pd

from imtrade import stats
from imtrade.claims import (
    CONTRADICTED,
    NOT_CHECKABLE,
    PARTLY,
    SUPPORTED,
    CheckContext,
    CheckResult,
    Claim,
    check,
)
from imtrade.exceptions import ClaimsRegisterError
from imtrade.show.text import money, ordinal, signed, year_runs, year_span


def _years_pair(value: Any, name: str) -> tuple[int, int]:
    if (
        not isinstance(value, list | tuple)
        or len(value) != 2
        or not all(isinstance(v, int) for v in value)
        or value[0] > value[1]
    ):
        raise ClaimsRegisterError(f"argument {name} must be [first_year, last_year], got {value!r}")
    return int(value[0]), int(value[1])


def _series(ctx: CheckContext, indicator: str, geo: str, years: tuple[int, int]) -> pd.Series:
    tidy = ctx.indicators([indicator], countries=[geo], years=years)
    return tidy.set_index("year")["value"].dropna().sort_index()


def _missing(series: pd.Series, years: range) -> list[int]:
    return [y for y in years if y not in series.index]


def _runs(years: list[int]) -> str:
    """[2018, 2019, 2021] -> '2018–2019, 2021'."""
    return ", ".join(year_runs(years))


# ---------------------------------------------------------------------------------------
# period_mean_comparison


def chained_level_vs_trend(growth: pd.Series, base_years: tuple[int, int], end_year: int) -> float:
    """Actual level in ``end_year`` relative to the trend of ``base_years``, from growth rates.

    Parameters
    ----------
    growth : annual growth rates in % indexed by year, complete from ``base_years[0]`` to
        ``end_year``.
    base_years : first and last year of the trend period.
    end_year : year whose level is compared with the extrapolated trend.

    Returns
    -------
    float
        ``actual / trend`` (1.0: on trend; 0.9: 10 % below trend).

    Notes
    -----
    The growth rates are chained into an index with value 1 in the year before the trend
    period, :math:`I_t = \\prod_{s=b_0}^{t} (1 + g_s/100)`. The trend period's compound
    growth rate is :math:`r = I_{b_1}^{1/(b_1-b_0+1)} - 1`, the trend level in year
    :math:`T` is :math:`I_{b_1} (1 + r)^{T-b_1}`, and the result is :math:`I_T` divided by it.
    """
    b0, b1 = base_years
    needed = range(b0, end_year + 1)
    missing = [y for y in needed if y not in growth.index]
    if missing:
        raise ClaimsRegisterError(f"growth rates missing for {_runs(missing)}")
    index = (1 + growth.loc[b0:end_year] / 100.0).cumprod()
    rate = index.loc[b1] ** (1.0 / (b1 - b0 + 1)) - 1.0
    trend = index.loc[b1] * (1.0 + rate) ** (end_year - b1)
    return float(index.loc[end_year] / trend)


@check("period_mean_comparison")
def period_mean_comparison(
    claim: Claim,
    ctx: CheckContext,
    *,
    indicator: str,
    geo: str,
    base_years: list[int],
    test_years: list[int],
    min_gap: float = 0.0,
    direction: str = "lower",
    level_vs_trend: bool = False,
    target: float | None = None,
    target_tol: float | None = None,
    sensitivity_base_years: list[int] | None = None,
    sensitivity_test_years: list[int] | None = None,
) -> CheckResult:
    """Compare the mean of a rate (in %) over ``test_years`` with its mean over ``base_years``.

    Conditions, all of which must hold for *supported*:

    - the test-period mean is ``direction`` (lower/higher) than the base-period mean by at
      least ``min_gap`` points (and strictly, when ``min_gap`` is 0);
    - with ``level_vs_trend``: the level reached in the last test year, chaining the growth
      rates, is below (lower) / above (higher) the base period's extrapolated compound trend
      (:func:`chained_level_vs_trend`);
    - with ``target``: the test-period mean is within ``target`` ± ``target_tol``.

    *Contradicted* when none holds and the test mean did not move in the claimed direction;
    *partly supported* otherwise (some conditions hold, or the direction is right but the
    gap is smaller than ``min_gap``). Missing years make the claim *not checkable* for the
    vintage. ``value`` is the test-period mean when a target is given, else the difference
    test minus base (points). Sensitivity periods are reported, not used in the verdict.
    """
    if direction not in ("lower", "higher"):
        raise ClaimsRegisterError(f"argument direction must be 'lower' or 'higher', got {direction!r}")
    if (target is None) != (target_tol is None):
        raise ClaimsRegisterError("arguments target and target_tol go together")
    base, test = _years_pair(base_years, "base_years"), _years_pair(test_years, "test_years")
    extra = [
        _years_pair(p, n)
        for p, n in (
            (sensitivity_base_years, "sensitivity_base_years"),
            (sensitivity_test_years, "sensitivity_test_years"),
        )
        if p is not None
    ]
    lo = min(base[0], test[0], *(p[0] for p in extra))
    hi = max(base[1], test[1], *(p[1] for p in extra))
    series = _series(ctx, indicator, geo, (lo, hi))
    needed = set(range(base[0], base[1] + 1)) | set(range(test[0], test[1] + 1))
    if level_vs_trend:
        needed |= set(range(base[0], test[1] + 1))
    missing = _missing(series, sorted(needed))
    if missing:
        return CheckResult(
            NOT_CHECKABLE,
            f"{indicator} for {geo} missing in {_runs(missing)}",
            f"The test needs {indicator} for {geo} in every year of {year_span(base)} and {year_span(test)}"
            f"{' (and between them, for the level test)' if level_vs_trend else ''}; vintage {ctx.vintage} lacks "
            f"{_runs(missing)}.",
        )
    base_mean = float(series.loc[base[0] : base[1]].mean())
    test_mean = float(series.loc[test[0] : test[1]].mean())
    diff = test_mean - base_mean
    moved = -diff if direction == "lower" else diff  # > 0: moved in the claimed direction
    word = "below" if direction == "lower" else "above"
    conditions: list[tuple[str, bool]] = []
    gap_rule = f"at least {min_gap:g} points {word}" if min_gap > 0 else f"{word}"
    conditions.append(
        (
            f"the {year_span(test)} mean must be {gap_rule} the {year_span(base)} mean: it is {abs(diff):.2f} points "
            f"{'below' if diff < 0 else 'above'}",
            moved > 0 and moved >= min_gap,
        )
    )
    measured = (
        f"{geo} mean {year_span(test)}: {test_mean:.2f} % vs {year_span(base)}: {base_mean:.2f} % "
        f"({signed(diff, 2)} points)"
    )
    if level_vs_trend:
        ratio = chained_level_vs_trend(series, base, test[1])
        off = (ratio - 1.0) * 100.0
        level_met = ratio < 1.0 if direction == "lower" else ratio > 1.0
        conditions.append(
            (
                f"the {test[1]} level must be {word} the extrapolated {year_span(base)} trend: it is {abs(off):.1f} % "
                f"{'below' if off < 0 else 'above'}",
                level_met,
            )
        )
        measured += f"; {test[1]} level {abs(off):.1f} % {'below' if off < 0 else 'above'} the {year_span(base)} trend"
    if target is not None:
        conditions.append(
            (
                f"the {year_span(test)} mean must be within {target:g} ± {target_tol:g}: it is {test_mean:.2f}",
                abs(test_mean - target) <= target_tol,
            )
        )
        measured = (
            f"{geo} mean {year_span(test)}: {test_mean:.2f} % (claimed {target:g}) vs {year_span(base)}: "
            f"{base_mean:.2f} % ({signed(diff, 2)} points)"
        )
    met = [ok for _, ok in conditions]
    if all(met):
        verdict = SUPPORTED
    elif not any(met) and moved <= 0:
        verdict = CONTRADICTED
    else:
        verdict = PARTLY
    parts = [f"{text} ({'met' if ok else 'not met'})" for text, ok in conditions]
    detail = f"Test on {indicator} ({geo}, vintage {ctx.vintage}): " + "; ".join(parts) + "."
    if verdict == PARTLY and not any(met):
        detail += (
            f" The mean moved in the claimed direction but by less than {min_gap:g} points, "
            "which the rule reads as partly supported."
        )
    elif len(conditions) > 1:
        detail += {SUPPORTED: " All conditions hold.", CONTRADICTED: " None holds.", PARTLY: " Only some hold."}[
            verdict
        ]
    if sensitivity_base_years is not None:
        sb = _years_pair(sensitivity_base_years, "sensitivity_base_years")
        alt = float(series.loc[sb[0] : sb[1]].mean())
        detail += (
            f" Sensitivity (not used in the verdict): against a {year_span(sb)} baseline ({alt:.2f} %) "
            f"the difference is {signed(test_mean - alt, 2)} points."
        )
    if sensitivity_test_years is not None:
        st = _years_pair(sensitivity_test_years, "sensitivity_test_years")
        alt = float(series.loc[st[0] : st[1]].mean())
        detail += f" Sensitivity (not used in the verdict): the {year_span(st)} mean is {alt:.2f} %."
    return CheckResult(verdict, measured, detail, test_mean if target is not None else diff)


# ---------------------------------------------------------------------------------------
# curated_figure_compare

# argument name -> column of the curated table it selects on
_FILTERS = {
    "measure": "measure",
    "iso3": "iso3",
    "year": "year",
    "partner": "partner",
    "flow": "flow",
    "edition": "report_edition",
    "edition_year": "edition_year",
}


def _edition_year(text: str) -> int:
    years = re.findall(r"(?:19|20)\d\d", str(text))
    return max(int(y) for y in years) if years else -1


def select_curated_rows(frame: pd.DataFrame, table: str, filters: dict[str, Any]) -> pd.DataFrame:
    """Rows of a curated table matching ``filters`` (argument name -> value).

    When the table has a ``report_edition`` column and no edition was asked for, preliminary
    releases are dropped and only the latest edition is kept (the register's convention).
    """
    rows = frame
    for arg, value in filters.items():
        if value is None:
            continue
        column = _FILTERS[arg]
        if column not in rows.columns:
            raise ClaimsRegisterError(f"curated table {table!r} has no column {column!r} (argument {arg})")
        if pd.api.types.is_numeric_dtype(rows[column]):
            rows = rows[rows[column] == float(value)]
        else:
            rows = rows[rows[column].astype(str).str.strip() == str(value)]
    if "report_edition" in rows.columns and filters.get("edition") is None and len(rows) > 1:
        final = rows[
            ~rows["report_edition"].str.contains("preliminary", case=False)
            & ~rows.get("note", pd.Series("", index=rows.index)).str.contains("preliminary", case=False)
        ]
        rows = final if len(final) else rows
        latest = rows["report_edition"].map(_edition_year)
        rows = rows[latest == latest.max()]
    return rows


def _number(value: float) -> str:
    return f"{value:,.0f}" if abs(value) >= 1000 else f"{value:g}"


def _where(rows: pd.DataFrame) -> str:
    n = len(rows)
    primary = (rows["verified_primary"].str.lower() == "yes").sum() if "verified_primary" in rows else 0
    cite = "; ".join(dict.fromkeys(str(c) for c in rows["citation"])) if "citation" in rows else ""
    status = (
        "verified at the primary publisher"
        if primary == n
        else "not verified at the primary publisher"
        if primary == 0
        else f"{primary} of {n} verified at the primary publisher"
    )
    return f"Source: {cite} ({status})."


@check("curated_figure_compare")
def curated_figure_compare(
    claim: Claim,
    ctx: CheckContext,
    *,
    table: str,
    measure: str | None = None,
    iso3: str | None = None,
    year: int | None = None,
    partner: str | None = None,
    flow: str | None = None,
    edition: str | None = None,
    edition_year: int | None = None,
    claimed: float | None = None,
    supported_tol_pct: float | None = None,
    partial_tol_pct: float | None = None,
    relative_to: str = "curated",
    partial_min: float | None = None,
    claimed_growth_pct: float | None = None,
    growth_tol: float | None = None,
    prev_year: int | None = None,
    ranks: dict[str, int] | None = None,
    partial_tol_places: int | None = None,
) -> CheckResult:
    """Compare a claimed figure with the published figure(s) of ``data/curated/<table>.csv``.

    Rows are selected by ``measure, iso3, year, partner, flow, edition (report_edition),
    edition_year``. Three tests, by the arguments given:

    - **ranks** (``ranks``: iso3 -> claimed rank): *supported* if every rank matches, *partly*
      if every one is within ``partial_tol_places`` (or some economies have no row and the
      others match), *contradicted* if any differs by more.
    - **threshold** (``partial_min``): *supported* if the figure satisfies the claim's
      relation to ``claimed`` (e.g. more than 50), *partly* if it is at least
      ``partial_min``, *contradicted* below.
    - **level** (``supported_tol_pct``/``partial_tol_pct``): the deviation in % between claim
      and figure, relative to the curated figure (``relative_to: curated``, "the claim is
      within x % of the published value") or to the claim (``relative_to: claimed``, "the
      realised value is within x % of the forecast"). With several reports of one figure
      the claim must agree with each (the largest deviation counts). With
      ``claimed_growth_pct`` the growth must also agree within ``growth_tol`` points with
      every published growth rate and, with ``prev_year``, with the growth implied by the
      previous year's figure. *Supported*: level within ``supported_tol_pct`` and growth
      within tolerance; *partly*: level within ``partial_tol_pct``; else *contradicted*.

    ``value`` is the curated figure that decides the verdict (the largest rank difference
    in the ranks test).
    """
    frame = ctx.curated(table)
    filters = {
        "measure": measure,
        "iso3": iso3,
        "year": year,
        "partner": partner,
        "flow": flow,
        "edition": edition,
        "edition_year": edition_year,
    }
    rows = select_curated_rows(frame, table, filters)
    asked = ", ".join(f"{k} {v}" for k, v in filters.items() if v is not None)
    if ranks is not None:
        return _compare_ranks(ctx, table, rows, ranks, partial_tol_places or 0, edition_year)
    if rows.empty:
        return CheckResult(
            NOT_CHECKABLE,
            "no published figure",
            f"The curated table {table}.csv has no row for {asked}; add the published figure with its citation.",
        )
    claimed = claimed if claimed is not None else (claim.claimed or {}).get("value")
    if claimed is None:
        raise ClaimsRegisterError("curated_figure_compare needs a claimed value (argument claimed or claimed.value)")
    values = rows["value"].astype(float)
    unit = str(rows["unit"].iloc[0]) if "unit" in rows else ""
    if "unit" in rows and rows["unit"].nunique() > 1:
        raise ClaimsRegisterError(f"rows of {table}.csv for {asked} mix units: {', '.join(rows['unit'].unique())}")
    when = (
        f"{int(year)}"
        if year is not None
        else "no reference year"
        if "year" in rows and rows["year"].isna().all()
        else ""
    )
    figures = " and ".join(_number(v) for v in values)
    reports = f"{len(rows)} reports" if len(rows) > 1 else ""
    edition_note = (
        str(rows["report_edition"].iloc[0])
        if "report_edition" in rows and rows["report_edition"].nunique() == 1
        else ""
    )
    what = str(measure).replace("_", " ") if measure is not None else ""
    context = "; ".join(x for x in (what, when, edition_note, reports) if x)
    measured = f"{figures} {unit}" + (f" ({context})" if context else "")
    if partial_min is not None:
        relation = (claim.claimed or {}).get("relation") or "="
        worst = float(values.min() if relation in (">", "=", "~") else values.max())
        meets = {">": worst > claimed, "<": worst < claimed}.get(relation, worst >= claimed)
        rule = {">": f"more than {claimed:g}", "<": f"less than {claimed:g}"}.get(relation, f"at least {claimed:g}")
        verdict = SUPPORTED if meets else PARTLY if worst >= partial_min else CONTRADICTED
        detail = (
            f"Test: the published figure must be {rule} for supported and at least {partial_min:g} for partly "
            "supported; "
            f"it is {_number(worst)} {unit}. {_where(rows)}"
        )
        return CheckResult(verdict, measured, detail, worst)
    if supported_tol_pct is None or partial_tol_pct is None:
        raise ClaimsRegisterError(
            "curated_figure_compare needs supported_tol_pct and partial_tol_pct, partial_min, or ranks"
        )
    if relative_to not in ("curated", "claimed"):
        raise ClaimsRegisterError(f"argument relative_to must be 'curated' or 'claimed', got {relative_to!r}")
    if relative_to == "curated":
        deviations = [(claimed / v - 1.0) * 100.0 for v in values]
        dev_text = "the claim deviates from the published figure by"
    else:
        deviations = [(v / claimed - 1.0) * 100.0 for v in values]
        dev_text = "the published figure deviates from the claim by"
    worst_i = max(range(len(deviations)), key=lambda i: abs(deviations[i]))
    worst_dev = deviations[worst_i]
    level_strict = abs(worst_dev) <= supported_tol_pct
    level_partial = abs(worst_dev) <= partial_tol_pct
    parts = [
        f"{dev_text} {signed(worst_dev, 2)} %{' at most' if len(values) > 1 else ''} (supported within "
        f"±{supported_tol_pct:g} %, partly within ±{partial_tol_pct:g} %)"
    ]
    growth_ok = True
    if claimed_growth_pct is not None:
        if growth_tol is None:
            raise ClaimsRegisterError("argument claimed_growth_pct needs growth_tol")
        references: list[tuple[str, float]] = []
        if "yoy_growth_pct" in rows:
            references += [("published:", float(g)) for g in rows["yoy_growth_pct"].dropna()]
        if prev_year is not None:
            prev = select_curated_rows(frame, table, {**filters, "year": prev_year})
            if "unit" in prev and not prev.empty and set(prev["unit"]) != {unit}:
                raise ClaimsRegisterError(
                    f"{table}.csv: the {prev_year} figure has another unit than the {year} figure"
                )
            references += [
                (f"implied by the {prev_year} figure {_number(p)}:", (v / p - 1.0) * 100.0)
                for p in prev["value"].astype(float)
                for v in values
            ]
        if not references:
            growth_ok = False
            parts.append(
                f"no published growth rate to compare with the claimed {signed(claimed_growth_pct, 1)} % (growth not "
                "confirmed)"
            )
        else:
            growth_devs = [abs(g - claimed_growth_pct) for _, g in references]
            growth_ok = max(growth_devs) <= growth_tol
            by_label: dict[str, list[str]] = {}
            for label, g in references:
                by_label.setdefault(label, [])
                if signed(g, 1) not in by_label[label]:
                    by_label[label].append(signed(g, 1))
            shown = "; ".join(
                f"{label} {' and '.join(v + ' %' for v in values_)}" for label, values_ in by_label.items()
            )
            parts.append(
                f"the claimed growth {signed(claimed_growth_pct, 1)} % must be within ±{growth_tol:g} "
                f"point{'s' if growth_tol != 1 else ''} of every reference growth "
                f"({shown}): largest difference {max(growth_devs):.1f} points ({'met' if growth_ok else 'not met'})"
            )
            published = [g for label, g in references if label == "published:"]
            if published:
                measured += f", growth {'/'.join(signed(g, 1) + ' %' for g in dict.fromkeys(published))} y/y"
    verdict = SUPPORTED if level_strict and growth_ok else PARTLY if level_partial else CONTRADICTED
    detail = "Test: " + "; ".join(parts) + f". {_where(rows)}"
    return CheckResult(verdict, measured, detail, float(values.iloc[worst_i]))


def _compare_ranks(
    ctx: CheckContext, table: str, rows: pd.DataFrame, ranks: dict[str, int], tol: int, edition_year: int | None
) -> CheckResult:
    if not isinstance(ranks, dict) or not ranks:
        raise ClaimsRegisterError("argument ranks must map ISO3 codes to claimed ranks")
    if "rank" not in rows.columns or "iso3" not in rows.columns:
        raise ClaimsRegisterError(f"curated table {table!r} has no iso3/rank columns for a rank comparison")
    found, missing, diffs = [], [], {}
    for code, claimed_rank in ranks.items():
        mine = rows[rows["iso3"] == code]
        if mine.empty:
            missing.append(code)
            continue
        published = [int(r) for r in mine["rank"].dropna()]
        diffs[code] = max(abs(r - int(claimed_rank)) for r in published)
        found.append(
            f"{code} {'/'.join(map(str, published))}" + ("" if diffs[code] == 0 else f" (claimed {claimed_rank})")
        )
    edition = f" in the {int(edition_year)} edition" if edition_year is not None else ""
    if not diffs:
        return CheckResult(
            NOT_CHECKABLE,
            "no published ranks",
            f"The curated table {table}.csv has no{edition} rank for {', '.join(missing)}.",
        )
    of = ""
    if "economies_ranked" in rows and rows["economies_ranked"].notna().any():
        of = f" (of {int(rows['economies_ranked'].dropna().max())})"
    worst = max(diffs.values())
    measured = f"ranks{edition}{of}: {', '.join(found)}" + (f"; no row for {', '.join(missing)}" if missing else "")
    if worst > tol:
        verdict = CONTRADICTED
    elif worst == 0 and not missing:
        verdict = SUPPORTED
    else:
        verdict = PARTLY
    detail = (
        f"Test: supported if every claimed rank matches exactly, partly if all are within {tol} places, contradicted "
        "if any differs by more; "
        f"the largest difference is {worst} place{'s' if worst != 1 else ''}"
        + (
            f", and {', '.join(missing)} cannot be compared (no curated row), so the claim cannot be fully supported"
            if missing
            else ""
        )
        + f". {_where(rows[rows['iso3'].isin(list(ranks))])}"
    )
    return CheckResult(verdict, measured, detail, float(worst))


# ---------------------------------------------------------------------------------------
# economy_rank

# measure name -> (indicator code, what it is, unit)
RANK_MEASURES: dict[str, tuple[str, str, str]] = {
    "gdp_current_usd": ("NY.GDP.MKTP.CD", "GDP at market exchange rates", "US$"),
    "gdp_ppp": ("NY.GDP.MKTP.PP.CD", "GDP at purchasing-power parity", "intl $"),
    "industry_value_added_usd": ("NV.IND.TOTL.CD", "industry value added (incl. construction)", "US$"),
    "manufacturing_value_added_usd": ("NV.IND.MANF.CD", "manufacturing value added", "US$"),
}


def rank_economies(ctx: CheckContext, measure: str, year: int) -> pd.DataFrame:
    """Economies (aggregates excluded) ranked by ``measure`` in ``year`` (:func:`imtrade.stats.rank_economies`).

    Returns a frame with columns ``iso3, value, rank`` (1 = largest; ties share the better
    rank), sorted by rank; economies without a value are left out.
    """
    if measure not in RANK_MEASURES:
        raise ClaimsRegisterError(f"unknown rank measure {measure!r} (one of {', '.join(RANK_MEASURES)})")
    tidy = ctx.indicators([RANK_MEASURES[measure][0]], years=(year, year))
    economies = ctx.entities(include_aggregates=False)["iso3"]
    return stats.rank_economies(tidy, year, economies)[["iso3", "value", "rank"]]


def _ordinals(ranked: pd.DataFrame, countries: Sequence[str]) -> str:
    """'USA 1st, CHN 2nd, IND no value'."""
    by_code = ranked.set_index("iso3")["rank"]
    return ", ".join(f"{c} {ordinal(by_code[c])}" if c in by_code.index else f"{c} no value" for c in countries)


def _rank_phrase(ranked: pd.DataFrame, countries: Sequence[str], unit: str) -> str:
    by_code = ranked.set_index("iso3")
    out = []
    for code in countries:
        if code in by_code.index:
            out.append(f"{code} {ordinal(by_code.loc[code, 'rank'])} ({money(by_code.loc[code, 'value'], unit)})")
        else:
            out.append(f"{code} no value")
    return ", ".join(out)


@check("economy_rank")
def economy_rank(
    claim: Claim,
    ctx: CheckContext,
    *,
    measure: str,
    year: int,
    countries: list[str],
    max_rank: int,
    partial_min_count: int | None = None,
    report_ppp: bool = False,
    report_years: list[int] | None = None,
    report_measures: list[str] | None = None,
) -> CheckResult:
    """Rank ``countries`` among all economies (aggregates excluded) by ``measure`` in ``year``.

    *Supported* if every listed economy ranks ``max_rank`` or better; *partly supported* if
    at least ``partial_min_count`` of them do (when given); *contradicted* otherwise. An
    economy without a value cannot meet the rank (said in the detail); with no value for any,
    the claim is *not checkable* in the vintage. The GDP-at-PPP ranking (``report_ppp``),
    other years (``report_years``) and other measures (``report_measures``, names of
    :data:`RANK_MEASURES`) are reported alongside, not used in the verdict. ``value`` is the
    worst rank among the listed economies.
    """
    if not countries:
        raise ClaimsRegisterError("argument countries must list at least one ISO3 code")
    code, label, unit = RANK_MEASURES.get(measure, (None, None, None))
    ranked = rank_economies(ctx, measure, year)
    by_code = ranked.set_index("iso3")
    present = [c for c in countries if c in by_code.index]
    if not present:
        return CheckResult(
            NOT_CHECKABLE,
            f"no {code} value for {', '.join(countries)} in {year}",
            f"Vintage {ctx.vintage} has no {code} ({label}) for {', '.join(countries)} in {year}, so the rank cannot "
            "be computed.",
        )
    within = [c for c in present if by_code.loc[c, "rank"] <= max_rank]
    n = len(ranked)
    measured = f"{_rank_phrase(ranked, countries, unit)} of {n} economies by {label}, {year}"
    leader = ranked.iloc[0]
    if len(countries) == 1 and countries[0] != leader["iso3"]:
        measured += f"; 1st: {leader['iso3']} ({money(leader['value'], unit)})"
    if len(within) == len(countries):
        verdict = SUPPORTED
    elif partial_min_count is not None and len(within) >= partial_min_count:
        verdict = PARTLY
    else:
        verdict = CONTRADICTED
    need = "1st" if max_rank == 1 else f"{ordinal(max_rank)} or better"
    rule = (
        f"each of {', '.join(countries)} must rank {need}" if len(countries) > 1 else f"{countries[0]} must rank {need}"
    )
    partial = f"; partly supported if at least {partial_min_count} do" if partial_min_count is not None else ""
    outcome = (
        f"{len(within)} of {len(countries)} do" if len(countries) > 1 else ("it does" if within else "it does not")
    )
    detail = (
        f"Test: {rule} among {n} economies (aggregates excluded) by {label} ({code}, current {unit}) "
        f"in {year}{partial}; {outcome}."
    )
    absent = [c for c in countries if c not in by_code.index]
    if absent:
        detail += f" No value for {', '.join(absent)}, which therefore cannot meet the rank."
    context = []
    if report_ppp:
        ppp = rank_economies(ctx, "gdp_ppp", year)
        context.append(
            f"at PPP: {_rank_phrase(ppp, countries, RANK_MEASURES['gdp_ppp'][2])}"
            + (f", 1st {ppp.iloc[0]['iso3']}" if len(ppp) else "")
        )
    for other in report_years or []:
        try:
            alt = rank_economies(ctx, measure, int(other))
        except Exception as exc:  # sensitivity only: say what is missing instead of failing the check
            context.append(f"{other}: not available ({exc.__class__.__name__})")
            continue
        context.append(f"{other}: {_ordinals(alt, countries)}")
    for other in report_measures or []:
        try:
            alt = rank_economies(ctx, other, year)
        except ClaimsRegisterError:
            raise
        except Exception as exc:
            context.append(f"{RANK_MEASURES[other][1]}: not available ({exc.__class__.__name__})")
            continue
        context.append(f"by {RANK_MEASURES[other][1]}: {_ordinals(alt, countries)}")
    if context:
        detail += " Reported alongside (not used in the verdict): " + "; ".join(context) + "."
    worst = max(int(by_code.loc[c, "rank"]) for c in present) if len(present) == len(countries) else math.nan
    return CheckResult(verdict, measured, detail, None if math.isnan(worst) else float(worst))


# ---------------------------------------------------------------------------------------
# forecast_attribution


def implied_level(base: float, growth_pct: float, years: int) -> float:
    """The level a constant growth rate implies: :math:`x_T = x_0 (1 + g/100)^{T - t_0}`."""
    return float(base) * (1.0 + float(growth_pct) / 100.0) ** int(years)


@check("forecast_attribution")
def forecast_attribution(
    claim: Claim,
    ctx: CheckContext,
    *,
    forecaster: str,
    iso3: str,
    forecast_year: int,
    measure: str,
    table: str = "robot_forecasts",
    claimed_value: float | None = None,
    claimed_cagr: float | None = None,
    level_tol_pct: float = 5.0,
    growth_tol: float = 1.0,
    partial_growth_tol: float | None = None,
    base_table: str | None = None,
    base_year: int | None = None,
    base_edition: str | None = None,
) -> CheckResult:
    """Did ``forecaster`` publish the forecast the text attributes to it? (Attribution, not outcome.)

    The curated forecast table (``data/curated/<table>.csv``, one row per published figure,
    a range as two rows) is searched for releases of ``forecaster`` (its ``forecaster``
    column, exactly) about ``measure`` of ``iso3`` in ``forecast_year``; rows attributed to
    it by others (the source text, a consultancy) are listed, not counted.

    - A claimed **level** (``claimed_value``): *supported* if a published level is within
      ``level_tol_pct`` %; if the forecaster published only growth rates, the level they
      imply from the outturn of ``base_year`` (``base_table``, ``base_edition``) is computed
      for the lowest and highest rate: *partly supported* if the claimed level lies in that
      range (widened by ``level_tol_pct`` %), since the forecaster did not state the level;
      *contradicted* otherwise.
    - A claimed **growth rate** (``claimed_cagr``, % a year): *supported* if it lies within
      the published range widened by ``growth_tol`` points, *partly supported* if within
      ``partial_growth_tol`` points of it, *contradicted* otherwise.

    *Not checkable* when the table holds no release of the forecaster on that target. Whether
    the forecast came true is a separate claim (scored against the outcome). ``value`` is the
    published level, or the implied level nearest the claim, or the nearest published rate.

    Notes
    -----
    Implied level :math:`x_T = x_{t_0} (1 + g/100)^{T - t_0}` (:func:`implied_level`) with
    :math:`t_0` = ``base_year``; a growth range :math:`[g_-, g_+]` implies
    :math:`[x_T(g_-), x_T(g_+)]`.
    """
    if (claimed_value is None) == (claimed_cagr is None):
        raise ClaimsRegisterError("forecast_attribution needs exactly one of claimed_value and claimed_cagr")
    frame = ctx.curated(table)
    target = frame[
        (frame["forecast_year"] == int(forecast_year)) & (frame["iso3"] == iso3) & (frame["measure"] == measure)
    ]
    own = target[target["forecaster"] == forecaster]
    others = target[target["forecaster"] != forecaster]
    what = f"{measure.replace('_', ' ')} of {iso3} in {int(forecast_year)}"
    elsewhere = (
        " Attributed to it by others (not counted): "
        + "; ".join(f"{r.forecaster}: {_figure(r)}" for r in others.itertuples())
        + "."
        if len(others)
        else ""
    )
    if own.empty:
        return CheckResult(
            NOT_CHECKABLE,
            f"no {forecaster} release on {what} in {table}.csv",
            f"The curated table {table}.csv records no release of {forecaster} on {what}; add the published "
            f"forecast with its citation.{elsewhere}",
        )
    levels = own["value"].dropna().astype(float)
    rates = own["cagr_pct"].dropna().astype(float)
    published = "; ".join(f"{_figure(r)} (made in {int(r.made_in_year)})" for r in own.itertuples())
    measured = f"{forecaster} published: {published}"
    if claimed_value is not None:
        claimed = float(claimed_value)
        if len(levels):
            devs = [(claimed / v - 1.0) * 100.0 for v in levels]
            best = min(range(len(devs)), key=lambda i: abs(devs[i]))
            ok = abs(devs[best]) <= level_tol_pct
            verdict = SUPPORTED if ok else CONTRADICTED
            detail = (
                f"Test: a level published by {forecaster} must be within ±{level_tol_pct:g} % of the claimed "
                f"{_number(claimed)}; the nearest, {_number(levels.iloc[best])}, differs by {signed(devs[best], 1)} %."
            )
            value = float(levels.iloc[best])
        elif len(rates) and base_table is not None and base_year is not None:
            base_rows = select_curated_rows(
                ctx.curated(base_table),
                base_table,
                {"measure": measure, "iso3": iso3, "year": int(base_year), "edition": base_edition},
            )
            if base_rows.empty:
                raise ClaimsRegisterError(f"{base_table}.csv has no {measure} row for {iso3} in {base_year}")
            base = float(base_rows["value"].iloc[0])
            horizon = int(forecast_year) - int(base_year)
            low, high = (implied_level(base, g, horizon) for g in (rates.min(), rates.max()))
            inside = low * (1 - level_tol_pct / 100) <= claimed <= high * (1 + level_tol_pct / 100)
            verdict = PARTLY if inside else CONTRADICTED
            value = min((low, high), key=lambda x: abs(x - claimed))
            detail = (
                f"Test: {forecaster} published growth rates, not a level; applied to the {int(base_year)} outturn "
                f"({_number(base)}, "
                f"{base_rows['report_edition'].iloc[0] if 'report_edition' in base_rows else base_table}) "
                f"they imply {_number(low)} to {_number(high)} in {int(forecast_year)}. The claimed {_number(claimed)} "
                f"{'lies' if inside else 'does not lie'} in that range (±{level_tol_pct:g} %), so the figure "
                + (
                    f"is consistent with the forecast but was not stated by {forecaster} (partly supported)."
                    if inside
                    else f"is not what {forecaster} forecast."
                )
            )
            measured += f"; implied {int(forecast_year)} level {_number(low)}–{_number(high)}"
        else:
            return CheckResult(
                NOT_CHECKABLE,
                measured,
                f"{forecaster} published no level for {what}, and no base year is given to compute the level "
                f"its growth rates imply.{elsewhere}",
            )
    else:
        claimed = float(claimed_cagr)
        if rates.empty:
            return CheckResult(NOT_CHECKABLE, measured, f"{forecaster} published no growth rate for {what}.{elsewhere}")
        lo, hi = float(rates.min()), float(rates.max())
        gap = max(lo - claimed, claimed - hi, 0.0)
        partial = growth_tol if partial_growth_tol is None else partial_growth_tol
        verdict = SUPPORTED if gap <= growth_tol else PARTLY if gap <= partial else CONTRADICTED
        value = lo if abs(lo - claimed) < abs(hi - claimed) else hi
        span = f"{lo:g} %" if lo == hi else f"{lo:g}–{hi:g} %"
        detail = (
            f"Test: the claimed {claimed:g} % a year must lie within {forecaster}'s published {span} a year widened by "
            f"±{growth_tol:g} point{'s' if growth_tol != 1 else ''} (partly supported within ±{partial:g}); it is "
            f"{gap:.1f} points outside."
            if gap > 0
            else f"Test: the claimed {claimed:g} % a year lies within {forecaster}'s published {span} a year."
        )
    detail += f" {_where(own)}{elsewhere} Whether the forecast came true is a separate claim."
    return CheckResult(verdict, measured, detail, value)


def _figure(row: Any) -> str:
    """'238,000 units' or '15 % a year (2018-2020)' for a row of a forecast table."""
    value = getattr(row, "value", None)
    if value is not None and not pd.isna(value):
        return f"{_number(float(value))} {row.unit}"
    rate = getattr(row, "cagr_pct", None)
    period = getattr(row, "cagr_period", "")
    return f"{float(rate):g} % a year ({period})" if rate is not None and not pd.isna(rate) else "no figure"
