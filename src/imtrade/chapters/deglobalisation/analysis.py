"""Chapter "De-globalisation mechanisms": computations (source text 001, Wang & Chai 2024).

The source text argues that digital technology (robots, 3D printing, digitalisation) ended
the "hyper-globalisation" of 1990-2008 and drives a slower, partly reversed integration of
manufacturing. This module holds the six analyses of the chapter (openness, global value
chain proxies, automation, foreign direct investment, concentration of receipts for
intellectual property, developing economies' export shares), each a *pure* function of tidy
frames plus a thin loader, and the parameter checks. The trend-break statistics they use are
:mod:`imtrade.stats.breaks`; the chapter's prose is in :mod:`.text`, its figures in
:mod:`.figures` and its claim checks in :mod:`.checks`.

Pure functions take the tidy frames returned by :func:`imtrade.api.load_indicators`, so the
claim checks can feed them through ``ctx.indicators`` (and tests through small frames).
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Iterable, Sequence
from typing import Any

import numpy as np
import pandas as pd

from imtrade.book.params import check_countries, check_vintage, check_year_range
from imtrade.data import indicators
from imtrade.data.entities import economies
from imtrade.data.load import load_indicators, load_optional
from imtrade.exceptions import ParameterError, UnknownIndicatorError
from imtrade.stats import (
    BOOT_REPS,
    BOOT_SEED,
    SlopeChange,
    TooFewObservations,
    TrendFit,
    chow_break_test,
    fit_trend,
    index_to,
)

# ---------------------------------------------------------------------------------------
# Constants

#: WDI codes used by the chapter (openness, investment, developing economies).
EXPORTS, IMPORTS = "NE.EXP.GNFS.ZS", "NE.IMP.GNFS.ZS"
MERCH_TRADE_GDP = "TG.VAL.TOTL.GD.ZS"
FDI_INFLOWS, GDP_USD = "BX.KLT.DINV.CD.WD", "NY.GDP.MKTP.CD"
MERCH_EXPORTS, HIGHTECH_EXPORTS = "TX.VAL.MRCH.CD.WT", "TX.VAL.TECH.CD"
IP_RECEIPTS, ICT_SERVICE_EXPORTS = "BX.GSR.ROYL.CD", "BX.GSR.CCIS.CD"
MHT_SHARE, MANF_SHARE_OF_MERCH = "TX.MNF.TECH.ZS.UN", "TX.VAL.MANF.ZS.UN"
PWT_WORLD_TRADE = "OWID.WORLD_TRADE.GDP.PWT"
CEPII_LABOUR, CEPII_CAPITAL = "OWID.EXP.LABOR_INTENSIVE.GDP", "OWID.EXP.CAPITAL_INTENSIVE.GDP"
SDG_DEVELOPING_EXPORT_SHARE, SDG_DEVELOPING = "TX_EXP_GBMRCH", "M49_515"

#: Income groups of the World Bank compared in the investment section.
INCOME_GROUPS = ("WLD", "HIC", "LMY")


def slope_columns(result: SlopeChange, fields: Sequence[str], short: bool = False) -> dict[str, float]:
    """``{field, field_ci_low, field_ci_high}`` columns of slopes for a table (``short``: the
    ``pre_ci_low`` style of the catch-up table, e.g. ``change_ci_low`` for ``slope_change``)."""
    out = {}
    for field in fields:
        stem = field.replace("_slope", "").replace("slope_", "") if short else field
        low, high = getattr(result, f"{field}_ci")
        out |= {field: getattr(result, field), f"{stem}_ci_low": low, f"{stem}_ci_high": high}
    return out


def break_table(summary: dict[str, Any], label: str) -> pd.DataFrame:
    """One row of key numbers from :func:`break_summary` (for a downloadable table)."""
    chow, scan, trend, rec = summary["chow"], summary["scan"], summary["trend"], summary["recovery"]
    return pd.DataFrame(
        [
            {
                "series": label,
                "break_year": chow.break_year,
                "n": chow.n,
                "n_pre": chow.n_pre,
                "n_post": chow.n_post,
                **slope_columns(chow, ("pre_slope", "post_slope")),
                "chow_f": chow.f_stat,
                "chow_p_classical": chow.f_pvalue,
                "chow_p_bootstrap": chow.boot_pvalue,
                "residual_rho": chow.rho,
                "sup_f": scan.sup_f,
                "sup_f_year": scan.sup_f_year,
                "sup_f_p_bootstrap": scan.boot_pvalue,
                "sup_f_critical_5pct_bootstrap": scan.boot_critical_5pct,
                "sup_f_critical_5pct_andrews": scan.critical_values[0.05],
                "kinked_pre_slope": trend.pre_slope,
                "kinked_post_slope": trend.post_slope,
                "kinked_post_slope_ci_low": trend.post_slope_ci[0],
                "kinked_post_slope_ci_high": trend.post_slope_ci[1],
                "break_value": rec.break_value,
                "latest_year": rec.latest_year,
                "latest_value": rec.latest_value,
                "recovered": rec.recovered,
                "bootstrap_reps": BOOT_REPS,
                "bootstrap_seed": BOOT_SEED,
            }
        ]
    )


# ---------------------------------------------------------------------------------------
# 1. Openness


def openness_from_tidy(tidy: pd.DataFrame, iso3: str = "WLD") -> pd.DataFrame:
    """Exports, imports, their sum and their mean (% of GDP) by year, from tidy WDI rows.

    ``trade`` = exports + imports (the World Bank's NE.TRD.GNFS.ZS); ``trade_mean`` =
    (exports + imports) / 2, the average of the two flows (the convention of WTO trade
    ratios), which is the measure the source text's 20 % -> 30 % matches.
    """
    rows = tidy[(tidy["iso3"] == iso3) & tidy["indicator"].isin([EXPORTS, IMPORTS])]
    frame = rows.pivot_table(index="year", columns="indicator", values="value", aggfunc="first")
    frame = (
        frame.reindex(columns=[EXPORTS, IMPORTS])
        .rename(columns={EXPORTS: "exports", IMPORTS: "imports"})
        .rename_axis(columns=None)
    )
    frame["trade"] = frame["exports"] + frame["imports"]
    frame["trade_mean"] = frame["trade"] / 2
    return frame.dropna().sort_index()


def world_openness(vintage: str, start_year: int, end_year: int) -> pd.DataFrame:
    """World openness (see :func:`openness_from_tidy`) plus merchandise trade % of GDP."""
    tidy = load_indicators(
        [EXPORTS, IMPORTS, MERCH_TRADE_GDP], countries=["WLD"], years=(start_year, end_year), vintage=vintage
    )
    frame = openness_from_tidy(tidy)
    merch = tidy[tidy["indicator"] == MERCH_TRADE_GDP].set_index("year")["value"]
    return frame.join(merch.rename("merchandise_trade"), how="left")


def long_run_openness(start_year: int | None = None, end_year: int | None = None) -> pd.Series:
    """World trade (exports + imports) % of GDP from the Penn World Table 9.0 via OWID (1950-2014)."""
    tidy = load_indicators([PWT_WORLD_TRADE], countries=["WLD"], years=(start_year, end_year))
    return tidy.set_index("year")["value"].rename("pwt_trade")


def openness_measures(
    openness: pd.DataFrame,
    pwt: pd.Series | None = None,
    *,
    decade: tuple[int, int] = (1990, 1999),
    year: int = 2007,
    start_target: float = 20.0,
    start_tol: float = 2.5,
    end_threshold: float = 30.0,
) -> pd.DataFrame:
    """Which measure of openness matches the text's "about 20 % in the 1990s, over 30 % in 2007"?

    One row per measure with its 1990s mean, its value in ``year`` and whether each half of
    the statement holds (1990s mean within ``start_target`` +/- ``start_tol``; value in
    ``year`` above ``end_threshold``).
    """
    measures = {
        "Exports of goods and services": openness.get("exports"),
        "Imports of goods and services": openness.get("imports"),
        "Average of exports and imports, (X + M) / 2": openness.get("trade_mean"),
        "Exports + imports (World Bank trade ratio)": openness.get("trade"),
        "Merchandise trade (X + M), TG.VAL.TOTL.GD.ZS": openness.get("merchandise_trade"),
    }
    if pwt is not None:
        measures["Exports + imports, Penn World Table 9.0"] = pwt
    rows = []
    for name, s in measures.items():
        if s is None:
            continue
        s = s.dropna()
        in_decade = s[(s.index >= decade[0]) & (s.index <= decade[1])]
        mean = float(in_decade.mean()) if len(in_decade) == decade[1] - decade[0] + 1 else float("nan")
        value = float(s.loc[year]) if year in s.index else float("nan")
        rows.append(
            {
                "measure": name,
                "mean_1990s": mean,
                f"value_{year}": value,
                "about_20_in_1990s": bool(abs(mean - start_target) <= start_tol) if not math.isnan(mean) else None,
                f"above_30_in_{year}": bool(value > end_threshold) if not math.isnan(value) else None,
            }
        )
    return pd.DataFrame(rows)


# ---------------------------------------------------------------------------------------
# 2. Global value chains: the quoted figures and the proxies the data allow


def quoted_gvc_participation(table: pd.DataFrame) -> pd.DataFrame:
    """The GVC participation rates quoted by the source text (curated, not recomputed).

    ``table`` is ``load_curated("gvc_participation_quoted")``. Returns year, measure
    (trade-based / production-based), value (%), attributed_to and verified_primary.
    """
    labels = {"gvc_participation_trade_based": "trade-based", "gvc_participation_production_based": "production-based"}
    rows = table[table["measure"].isin(labels) & table["year"].notna()].copy()
    rows["measure"] = rows["measure"].map(labels)
    rows["year"] = rows["year"].astype(int)
    return (
        rows[["year", "measure", "value", "attributed_to", "verified_primary"]]
        .sort_values(["measure", "year"])
        .reset_index(drop=True)
    )


def gvc_proxy_comparison(
    openness: pd.DataFrame, quoted: pd.DataFrame, years: Sequence[int] = (1995, 2008, 2020)
) -> pd.DataFrame:
    """Quoted GVC participation beside the two trade-intensity proxies, levels and indices.

    For each year: the quoted trade- and production-based participation (%), world trade
    (X + M)/2 and merchandise trade % of GDP, and each indexed to the first year = 100, so
    that relative changes can be compared (the levels measure different things).
    """
    base = years[0]
    series = {
        "GVC participation, trade-based (quoted)": quoted[quoted["measure"] == "trade-based"].set_index("year")[
            "value"
        ],
        "GVC participation, production-based (quoted)": quoted[quoted["measure"] == "production-based"].set_index(
            "year"
        )["value"],
        "Proxy: world trade, (X + M)/2 % of GDP": openness["trade_mean"],
        "Proxy: world merchandise trade % of GDP": openness["merchandise_trade"],
    }
    rows = []
    for name, s in series.items():
        for y in years:
            value = float(s.get(y, np.nan))
            rows.append(
                {
                    "series": name,
                    "year": int(y),
                    "value": value,
                    f"index_{base}_100": float(index_to(s, base).get(y, np.nan)),
                }
            )
    return pd.DataFrame(rows)


def world_mht_share_from_tidy(tidy: pd.DataFrame, economies: Iterable[str]) -> pd.DataFrame:
    """Medium/high-tech share of the manufactured exports of all reporting economies.

    The WDI publish TX.MNF.TECH.ZS.UN for economies only; the world value is the average
    of the economies' shares weighted by their manufactured exports
    (TX.VAL.MANF.ZS.UN / 100 x TX.VAL.MRCH.CD.WT), i.e. total medium/high-tech exports over
    total manufactured exports of the economies reporting all three series that year.
    """
    frame = tidy[tidy["iso3"].isin(set(economies))].pivot_table(
        index=["iso3", "year"], columns="indicator", values="value", aggfunc="first"
    )
    frame = frame.reindex(columns=[MHT_SHARE, MANF_SHARE_OF_MERCH, MERCH_EXPORTS]).dropna()
    frame["manf"] = frame[MANF_SHARE_OF_MERCH] / 100 * frame[MERCH_EXPORTS]
    frame["mht"] = frame[MHT_SHARE] / 100 * frame["manf"]
    out = frame.groupby(level="year").agg(mht=("mht", "sum"), manf=("manf", "sum"), reporters=("mht", "size"))
    out["mht_share"] = out["mht"] / out["manf"] * 100
    return out[["mht_share", "reporters"]]


def world_mht_share(vintage: str, start_year: int, end_year: int) -> pd.DataFrame:
    """Load and compute :func:`world_mht_share_from_tidy`; empty if the vintage lacks the series."""
    try:
        tidy = load_indicators(
            [MHT_SHARE, MANF_SHARE_OF_MERCH, MERCH_EXPORTS], years=(start_year, end_year), vintage=vintage
        )
    except UnknownIndicatorError:
        return pd.DataFrame(columns=["mht_share", "reporters"])
    return world_mht_share_from_tidy(tidy, economies())


def proxies_by_country(countries: Sequence[str], vintage: str, years: Sequence[int]) -> pd.DataFrame:
    """Per focus economy and year: the medium/high-tech share of manufactured exports and
    exports to labour- and capital-intensive partners (see :func:`labour_intensive_partner_table`)."""
    cepii = load_indicators([CEPII_LABOUR, CEPII_CAPITAL], countries=countries, years=years)
    table = labour_intensive_partner_table(cepii, countries, years)
    try:
        mht = load_indicators([MHT_SHARE], countries=countries, years=years, vintage=vintage)
    except UnknownIndicatorError:
        mht = pd.DataFrame(columns=["iso3", "year", "value"])
    mht = mht.rename(columns={"value": "mht_share_of_manufactured_exports"})[
        ["iso3", "year", "mht_share_of_manufactured_exports"]
    ]
    return table.merge(mht.astype({"year": "int64"}), on=["iso3", "year"], how="left")


def labour_intensive_partner_table(tidy: pd.DataFrame, countries: Sequence[str], years: Sequence[int]) -> pd.DataFrame:
    """Exports to labour-intensive partners (CEPII via OWID), per focus economy and year.

    ``share_labour_intensive`` = exports to labour-intensive partners / exports to labour- and
    capital-intensive partners x 100 (partners classified by the World Bank's 2016 income
    groups; resource-rich economies excluded by OWID).
    """
    frame = tidy[tidy["iso3"].isin(countries)].pivot_table(
        index=["iso3", "year"], columns="indicator", values="value", aggfunc="first"
    )
    frame = frame.reindex(columns=[CEPII_LABOUR, CEPII_CAPITAL])
    rows = []
    for iso3 in countries:
        for y in years:
            lab, cap = (
                frame.loc[(iso3, y)] if (iso3, y) in frame.index else pd.Series([np.nan, np.nan], index=frame.columns)
            ).to_numpy(dtype=float)
            rows.append(
                {
                    "iso3": iso3,
                    "year": int(y),
                    "exports_to_labour_intensive_pct_gdp": lab,
                    "exports_to_capital_intensive_pct_gdp": cap,
                    "share_labour_intensive": lab / (lab + cap) * 100
                    if np.isfinite(lab + cap) and lab + cap > 0
                    else np.nan,
                }
            )
    return pd.DataFrame(rows)


# ---------------------------------------------------------------------------------------
# 3. Automation


def industry_shares(countries: Sequence[str], vintage: str, start_year: int, end_year: int) -> pd.DataFrame:
    """Load and tidy :func:`industry_shares_from_tidy` (ILO modelled employment via Gapminder)."""
    tidy = load_indicators(
        [indicators.INDUSTRY_EMPLOYMENT, indicators.INDUSTRY_VALUE_ADDED],
        countries=countries,
        years=(start_year, end_year),
        vintage=vintage,
    )
    return indicators.industry_shares(tidy, countries)


PATTERNS = {
    "stable_output": "employment share falls, output share does not",
    "faster": "both fall, employment share faster",
    "similar": "both fall at a similar pace",
    "output_faster": "both fall, output share faster",
    "rising": "employment share rises",
    "unclear": "no clear trend in the employment share",
}


def classify_industry_pattern(emp: TrendFit, va: TrendFit, gap: TrendFit) -> str:
    """Words for a pair of trends: does industry's employment share fall while output holds up?

    ``gap`` is the trend of (employment share - value-added share). A 95 % CI entirely below
    zero counts as falling, entirely above as rising:

    - employment falls, value added does not: the labour-saving signature the text expects
      (capital replacing labour at a stable output share);
    - both fall and the gap falls: employment share falls faster than output share (still
      labour-saving relative to output, amid de-industrialisation);
    - both fall and the gap's CI spans zero: a similar pace;
    - both fall and the gap rises: output share falls faster;
    - employment share rising; otherwise no clear trend.
    """
    if emp.ci_high < 0 and va.ci_high >= 0:
        return PATTERNS["stable_output"]
    if emp.ci_high < 0:
        if gap.ci_high < 0:
            return PATTERNS["faster"]
        return PATTERNS["output_faster"] if gap.ci_low > 0 else PATTERNS["similar"]
    if emp.ci_low > 0:
        return PATTERNS["rising"]
    return PATTERNS["unclear"]


def industry_trend_table(shares: pd.DataFrame, countries: Sequence[str], start_year: int | None = None) -> pd.DataFrame:
    """Per economy: OLS trend (bootstrap CI) of industry's employment share and value-added share.

    Both series are restricted to the years they have in common (employment starts in
    1991). Slopes are percentage points per year; ``gap`` is the trend of employment share
    minus value-added share (negative: employment share falls faster). See
    :func:`classify_industry_pattern` for ``pattern``.
    """
    rows = []
    for iso3 in countries:
        sub = shares[shares["iso3"] == iso3].pivot_table(
            index="year", columns="measure", values="value", aggfunc="first"
        )
        if start_year is not None:
            sub = sub[sub.index >= start_year]
        sub = sub.reindex(columns=["employment", "value added"]).dropna()
        if len(sub) < 5:
            rows.append({"iso3": iso3, "n": len(sub), "pattern": "too few data"})
            continue
        emp, va, gap = (
            fit_trend(sub.index, values, interval="ar1-bootstrap")
            for values in (sub["employment"], sub["value added"], sub["employment"] - sub["value added"])
        )
        rows.append(
            {
                "iso3": iso3,
                "start": emp.first_year,
                "end": emp.last_year,
                "n": emp.n,
                "employment_slope": emp.slope,
                "employment_ci_low": emp.ci_low,
                "employment_ci_high": emp.ci_high,
                "value_added_slope": va.slope,
                "value_added_ci_low": va.ci_low,
                "value_added_ci_high": va.ci_high,
                "gap_slope": gap.slope,
                "gap_ci_low": gap.ci_low,
                "gap_ci_high": gap.ci_high,
                "employment_first": float(sub["employment"].iloc[0]),
                "employment_last": float(sub["employment"].iloc[-1]),
                "value_added_first": float(sub["value added"].iloc[0]),
                "value_added_last": float(sub["value added"].iloc[-1]),
                "pattern": classify_industry_pattern(emp, va, gap),
            }
        )
    return pd.DataFrame(rows)


def industry_employment_counts(
    tidy: pd.DataFrame, income: pd.Series, groups: dict[str, Sequence[str]], years: tuple[int, int]
) -> pd.DataFrame:
    """Persons employed in industry, summed over economies of each group, in two years.

    Parameters
    ----------
    tidy : rows of Gapminder ``industry_workers_percent_of_employment`` (ILO modelled, %),
        ``SL.TLF.TOTL.IN`` (labour force) and ``SL.UEM.TOTL.ZS`` (unemployment, %).
    income : World Bank income group by ISO3 code.
    groups : group label -> income group names.
    years : (start, end).

    Notes
    -----
    Workers = share / 100 x labour force x (1 - unemployment / 100). A balanced panel: only
    economies with all three series in both years count, so the change is not driven by
    economies entering or leaving the data. ILO "industry" includes mining, utilities and
    construction, so this is a proxy for manufacturing employment.
    """
    w = tidy.pivot_table(index=["iso3", "year"], columns="indicator", values="value", aggfunc="first")
    needed = ["industry_workers_percent_of_employment", "SL.TLF.TOTL.IN", "SL.UEM.TOTL.ZS"]
    w = w.reindex(columns=needed).dropna()
    w["workers"] = w[needed[0]] / 100 * w[needed[1]] * (1 - w[needed[2]] / 100)
    w = w.reset_index()
    w = w[w["year"].isin(years)]
    complete = w.groupby("iso3")["year"].nunique()
    w = w[w["iso3"].isin(complete[complete == len(set(years))].index)]
    w["income"] = w["iso3"].map(income)
    rows = []
    for label, names in groups.items():
        sub = w[w["income"].isin(names)]
        a = float(sub.loc[sub["year"] == years[0], "workers"].sum())
        b = float(sub.loc[sub["year"] == years[1], "workers"].sum())
        rows.append(
            {
                "group": label,
                "economies": int(sub["iso3"].nunique()),
                "start": a,
                "end": b,
                "change_pct": (b / a - 1) * 100 if a > 0 else np.nan,
            }
        )
    return pd.DataFrame(rows)


# ---------------------------------------------------------------------------------------
# 4. Investment


def share_of_gdp_from_tidy(
    tidy: pd.DataFrame, numerator: str, groups: Sequence[str], denominator: str = GDP_USD
) -> pd.DataFrame:
    """``numerator`` (US$) / ``denominator`` (US$) x 100 per entity (columns) and year (index)."""
    w = tidy[tidy["iso3"].isin(groups)].pivot_table(
        index=["year"], columns=["indicator", "iso3"], values="value", aggfunc="first"
    )
    if numerator not in w.columns.get_level_values(0) or denominator not in w.columns.get_level_values(0):
        return pd.DataFrame(columns=list(groups), dtype=float)
    out = w[numerator].div(w[denominator]) * 100
    return out.reindex(columns=[g for g in groups if g in out.columns]).dropna(how="all").rename_axis(columns=None)


def fdi_inflows_share(groups: Sequence[str], vintage: str, start_year: int, end_year: int) -> pd.DataFrame:
    """FDI net inflows (BX.KLT.DINV.CD.WD) as % of GDP (NY.GDP.MKTP.CD) by group and year."""
    tidy = load_indicators([FDI_INFLOWS, GDP_USD], countries=groups, years=(start_year, end_year), vintage=vintage)
    return share_of_gdp_from_tidy(tidy, FDI_INFLOWS, groups)


# ---------------------------------------------------------------------------------------
# 5. Concentration of receipts for intellectual property (and ICT services)


def concentration_by_year(
    tidy: pd.DataFrame, economies: Iterable[str], *, top_n: int = 5, min_coverage: float = 0.8, min_reporters: int = 0
) -> pd.DataFrame:
    """Top-``top_n`` share and Herfindahl-Hirschman index of a flow across economies, by year.

    Parameters
    ----------
    tidy : rows of one indicator (e.g. BX.GSR.ROYL.CD, current US$).
    economies : ISO3 codes of economies (aggregates must be excluded, or they would be
        counted as economies).
    top_n : size of the leading group.
    min_coverage : a year is kept only if at least this fraction of the largest number of
        reporters in any earlier year reports (drops incomplete latest years).
    min_reporters : a year is kept only if at least this many economies report (drops early
        years in which a handful of reporters would look like extreme concentration).

    Returns
    -------
    Frame indexed by year: reporters, total (US$), top_share (%), hhi (0-10,000), top
    (the leading economies, largest first), kept (coverage rule).

    Notes
    -----
    With shares :math:`s_i = x_i / \\sum_j x_j` (negative values set to zero),
    :math:`HHI = 10\\,000 \\sum_i s_i^2` (Herfindahl 1950; Hirschman 1964); 10,000 means one
    economy receives everything, :math:`10\\,000/N` is an even split over N economies.
    Shares are of the reporting economies' total, so a year with few reporters looks more
    concentrated than it is: compare years with similar coverage.
    """
    rows = tidy[tidy["iso3"].isin(set(economies))].dropna(subset=["value"])
    out = []
    max_so_far = 0
    for year, g in rows.groupby("year", sort=True):
        x = g.set_index("iso3")["value"].clip(lower=0).sort_values(ascending=False, kind="stable")
        total = float(x.sum())
        if total <= 0:
            continue
        s = x / total
        n = int((x > 0).sum())
        kept = n >= min_coverage * max_so_far and n >= min_reporters
        max_so_far = max(max_so_far, n)
        out.append(
            {
                "year": int(year),
                "reporters": n,
                "total": total,
                "top_share": float(s.head(top_n).sum() * 100),
                "hhi": float((s**2).sum() * 10_000),
                "top": ", ".join(x.head(top_n).index),
                "kept": kept,
            }
        )
    return (
        pd.DataFrame(out).set_index("year")
        if out
        else pd.DataFrame(columns=["reporters", "total", "top_share", "hhi", "top", "kept"])
    )


#: Fewest reporting economies for a year of the concentration measures (reached in 1990 for
#: receipts for intellectual property and in 2000 for ICT service exports).
MIN_REPORTERS = 40


def receipts_concentration(code: str, vintage: str, start_year: int, end_year: int, top_n: int = 5) -> pd.DataFrame:
    """:func:`concentration_by_year` of ``code`` over all economies (aggregates excluded).

    Years with fewer than :data:`MIN_REPORTERS` reporting economies, or with under 80 % of
    the largest earlier number of reporters (an incomplete latest year), are dropped.
    """
    tidy = load_indicators([code], years=(start_year, end_year), vintage=vintage)
    table = concentration_by_year(tidy, economies(), top_n=top_n, min_reporters=MIN_REPORTERS)
    return table[table["kept"]].drop(columns="kept")


def group_share_from_tidy(tidy: pd.DataFrame, code: str, group: str, world: str = "WLD") -> pd.Series:
    """``group`` aggregate / ``world`` aggregate of ``code`` x 100, by year."""
    w = tidy[tidy["indicator"] == code].pivot_table(index="year", columns="iso3", values="value", aggfunc="first")
    if group not in w or world not in w:
        return pd.Series(dtype=float, name=group)
    return (w[group] / w[world] * 100).dropna().rename(group)


# ---------------------------------------------------------------------------------------
# 6. Developing economies


def developing_shares(vintage: str, start_year: int, end_year: int) -> pd.DataFrame:
    """Low- and middle-income economies' shares of world exports (%), by year.

    Columns: ``merchandise`` (LMY / WLD of TX.VAL.MRCH.CD.WT), ``merchandise_ex_china``
    ((LMY - CHN) / WLD), ``high_tech`` (LMY / WLD of TX.VAL.TECH.CD; the 2026 WDI series
    starts in 2007 on a new definition and its LMY aggregate in 2012; older vintages use the
    SITC-based definition: never compare levels across the two) and ``sdg_developing``
    (UN SDG TX_EXP_GBMRCH, developing regions M49 515, 2000-2018; a different grouping).
    ``manufactures`` and ``manufactures_ex_china`` are the same shares of world *manufactured*
    exports (merchandise exports times TX.VAL.MANF.ZS.UN, manufactures' share of them), which
    the prices of fuels and metals move far less, kept from the first year of their unbroken run
    of years up to the latest; absent when the vintage lacks the indicator.
    """
    tidy = load_indicators(
        [MERCH_EXPORTS, HIGHTECH_EXPORTS],
        countries=["WLD", "LMY", "CHN"],
        years=(start_year, end_year),
        vintage=vintage,
    )
    # Manufactures' share of merchandise exports (World Bank bulk file): optional, so a
    # vintage without it still gives the merchandise shares.
    manf = load_optional(
        [MANF_SHARE_OF_MERCH], countries=["WLD", "LMY", "CHN"], years=(start_year, end_year), vintage=vintage
    )
    return developing_shares_from_tidy(
        pd.concat([tidy, manf], ignore_index=True) if len(manf) else tidy,
        load_indicators([SDG_DEVELOPING_EXPORT_SHARE], countries=[SDG_DEVELOPING], years=(start_year, end_year)),
    )


def _trailing_run(series: pd.Series) -> pd.Series:
    """``series`` with every value before its last gap in years set to NaN (the unbroken run up to the latest year)."""
    years = series.dropna().index.astype(int)
    if len(years) == 0:
        return series
    gaps = [int(b) for a, b in itertools.pairwise(years) if b - a > 1]
    return series.where(series.index >= gaps[-1]) if gaps else series


def developing_shares_from_tidy(tidy: pd.DataFrame, sdg: pd.DataFrame | None = None) -> pd.DataFrame:
    """Pure part of :func:`developing_shares`."""
    merch = tidy[tidy["indicator"] == MERCH_EXPORTS].pivot_table(
        index="year", columns="iso3", values="value", aggfunc="first"
    )
    tech = tidy[tidy["indicator"] == HIGHTECH_EXPORTS].pivot_table(
        index="year", columns="iso3", values="value", aggfunc="first"
    )
    out = pd.DataFrame(index=sorted(set(merch.index) | set(tech.index)))
    if {"LMY", "WLD"} <= set(merch.columns):
        out["merchandise"] = merch["LMY"] / merch["WLD"] * 100
        if "CHN" in merch:
            out["merchandise_ex_china"] = (merch["LMY"] - merch["CHN"]) / merch["WLD"] * 100
    if {"LMY", "WLD"} <= set(tech.columns):
        out["high_tech"] = tech["LMY"] / tech["WLD"] * 100
    manf_pct = tidy[tidy["indicator"] == MANF_SHARE_OF_MERCH].pivot_table(
        index="year", columns="iso3", values="value", aggfunc="first"
    )
    if {"LMY", "WLD"} <= set(manf_pct.columns) & set(merch.columns):
        manf = (merch * manf_pct / 100).reindex(out.index)  # manufactured exports, current US$
        # The LMY aggregate of TX.VAL.MANF.ZS.UN has a few 1980s years of thin coverage (1984-87 in the
        # 2026 file), then a gap; only the unbroken run of years up to the latest is kept.
        out["manufactures"] = _trailing_run(manf["LMY"] / manf["WLD"] * 100)
        if "CHN" in manf:
            out["manufactures_ex_china"] = _trailing_run((manf["LMY"] - manf["CHN"]) / manf["WLD"] * 100)
    if sdg is not None and not sdg.empty:
        out["sdg_developing"] = sdg.set_index("year")["value"]
    out.index.name = "year"
    return out.dropna(how="all")


def catch_up_table(shares: pd.DataFrame, break_year: int, labels: dict[str, str]) -> pd.DataFrame:
    """Trend of each share before and after ``break_year``: the difference of slopes, with CI.

    Uses :func:`chow_break_test` (separate level and slope per regime, bootstrap CIs); a
    negative ``slope_change`` whose CI lies below zero means the catch-up slowed.
    """
    rows = []
    for column, label in labels.items():
        if column not in shares:
            continue
        s = shares[column].dropna()
        if len(s) == 0:
            continue
        start, end = int(s.index.min()), int(s.index.max())
        try:
            res = chow_break_test(s.index, s.to_numpy(), break_year)
        except TooFewObservations:
            rows.append(
                {
                    "series": label,
                    "start": start,
                    "end": end,
                    "note": f"not testable: the series covers only {start}-{end}",
                }
            )
            continue
        rows.append(
            {
                "series": label,
                "start": start,
                "end": end,
                "n_pre": res.n_pre,
                "n_post": res.n_post,
                **slope_columns(res, ("pre_slope", "post_slope", "slope_change"), short=True),
                "chow_p_bootstrap": res.boot_pvalue,
                "slowed": bool(res.slope_change_ci[1] < 0),
                "note": "",
            }
        )
    return pd.DataFrame(rows)


def window_slope_ratio(series: pd.Series, pre: Sequence[int], post: Sequence[int]) -> dict[str, float]:
    """Linear trends of ``series`` over two windows (inclusive year ranges) and their ratio.

    Returns ``pre_slope``, ``post_slope`` with their 95 % intervals (``*_ci_low``,
    ``*_ci_high``; AR(1) bootstrap, :func:`imtrade.stats.fit_trend`) and ``ratio`` =
    post / pre (``NaN`` when the earlier slope is not positive: no catch-up to slow down).
    Raises :class:`imtrade.stats.TooFewObservations` if a window has too few years.
    """
    s = series.dropna().sort_index()
    fits = {}
    for name, (a, b) in (("pre", pre), ("post", post)):
        window = s.loc[int(a) : int(b)]
        fits[name] = fit_trend(window.index, window.to_numpy(), interval="ar1-bootstrap")
    out = {}
    for name, fit in fits.items():
        out.update({f"{name}_slope": fit.slope, f"{name}_ci_low": fit.ci_low, f"{name}_ci_high": fit.ci_high})
    out["ratio"] = fits["post"].slope / fits["pre"].slope if fits["pre"].slope > 0 else math.nan
    return out


# ---------------------------------------------------------------------------------------
# 6b. Regionalisation (published intra-regional shares, curated table trade_geography_shares)

#: Measures of the curated table ``trade_geography_shares`` used by the regionalisation section.
INTRA_REGIONAL, SOUTH_SOUTH_SHARES = (
    "intra_regional_share_of_exports",
    (
        "south_south_share_of_world_trade",
        "south_south_share_of_world_exports",
    ),
)


def regional_share_changes(table: pd.DataFrame, measure: str = INTRA_REGIONAL) -> pd.DataFrame:
    """Per region, the earliest and latest published intra-regional share of exports and the change.

    ``table`` is the curated ``trade_geography_shares`` table. Rows without a reference year
    are ignored; a region with a single dated row gets no change (``NaN``). Columns: region,
    first_year, first_value, last_year, last_value, change (percentage points), years (number
    of dated rows), verified (rows with ``verified_primary == "yes"`` / rows) and citation
    (the distinct citations, ``; ``-joined). Empty (with these columns) if no row has the measure.
    """
    columns = [
        "region",
        "first_year",
        "first_value",
        "last_year",
        "last_value",
        "change",
        "years",
        "verified",
        "citation",
    ]
    rows = table[(table["measure"] == measure) & table["year"].notna()]
    out = []
    for region, group in rows.groupby("geography", sort=True):
        group = group.sort_values("year")
        first, last = group.iloc[0], group.iloc[-1]
        out.append(
            {
                "region": region,
                "first_year": int(first["year"]),
                "first_value": float(first["value"]),
                "last_year": int(last["year"]),
                "last_value": float(last["value"]),
                "change": float(last["value"] - first["value"]) if len(group) > 1 else math.nan,
                "years": len(group),
                "verified": f"{int((group['verified_primary'] == 'yes').sum())}/{len(group)}",
                "citation": "; ".join(dict.fromkeys(group["citation"])),
            }
        )
    return pd.DataFrame(out, columns=columns)


def south_south_shares(table: pd.DataFrame) -> pd.DataFrame:
    """The curated South-South shares of world trade or exports, by publication year.

    Columns: published_year, year (reference year, ``NaN`` when the source gives none),
    measure, bound (``~``, ``>``), value (%), verified_primary, citation.
    """
    columns = ["published_year", "year", "measure", "bound", "value", "verified_primary", "citation"]
    rows = table[table["measure"].isin(SOUTH_SOUTH_SHARES)]
    return rows.sort_values(["published_year", "measure"])[columns].reset_index(drop=True)


# ---------------------------------------------------------------------------------------
# 7. Rival explanations of the post-2008 stall: timing, commodity prices, China's imports

#: WDI codes of the rival-explanations section (fuel and ores/metals shares of merchandise exports).
FUEL_EXPORTS, ORES_EXPORTS = "TX.VAL.FUEL.ZS.UN", "TX.VAL.MMTL.ZS.UN"
MERCH_IMPORTS = "TM.VAL.MRCH.CD.WT"
#: First year of the US-China tariff measures (US safeguard and Section 232/301 tariffs, 2018).
POLICY_YEAR = 2018
#: The year world trade collapsed in the financial crisis (the rebound is measured after it).
CRISIS_YEAR = 2009
RIVAL_INDICATORS = (EXPORTS, IMPORTS, GDP_USD, MERCH_EXPORTS, FUEL_EXPORTS, ORES_EXPORTS)

#: Columns of :func:`rival_series_from_tidy` and their meaning (all % of GDP unless stated).
RIVAL_LABELS = {
    "world_trade": "world trade, (X + M)/2, % of world GDP",
    "world_ex_china_trade": "world trade without China, (X + M)/2, % of GDP of the world without China",
    "merch_exports_gdp": "world merchandise exports, % of world GDP",
    "commodity_exports_gdp": "world exports of fuels, ores and metals, % of world GDP",
    "other_exports_gdp": "world merchandise exports other than fuels, ores and metals, % of world GDP",
    "commodity_share": "fuels, ores and metals, % of world merchandise exports",
    "china_imports_gdp": "China's imports of goods and services, % of China's GDP",
}


def _wide_by_entity(tidy: pd.DataFrame) -> pd.DataFrame:
    if tidy.empty:
        return pd.DataFrame(index=pd.Index([], name="year", dtype="int64"))
    return tidy.pivot_table(index="year", columns=["iso3", "indicator"], values="value", aggfunc="first")


def _load_each(codes: Sequence[str], countries: Sequence[str], years: tuple[int, int], vintage: str) -> pd.DataFrame:
    """Tidy rows of ``codes``, each loaded on its own so that a series the vintage lacks is simply absent."""
    frames = [load_optional(code, countries=list(countries), years=years, vintage=vintage) for code in codes]
    frames = [f for f in frames if not f.empty]
    return pd.concat(frames, ignore_index=True) if frames else _empty_tidy()


def _empty_tidy() -> pd.DataFrame:
    """An empty tidy frame (the columns of :func:`imtrade.api.load_indicators`)."""
    from imtrade.data.load import TIDY_COLUMNS

    return pd.DataFrame(columns=TIDY_COLUMNS).astype({"year": "int64", "value": "float64"})


def _column(wide: pd.DataFrame, iso3: str, code: str) -> pd.Series:
    if (iso3, code) in wide.columns:
        return wide[(iso3, code)].astype(float)
    return pd.Series(np.nan, index=wide.index, dtype=float)


def rival_series_from_tidy(tidy: pd.DataFrame, world: str = "WLD", china: str = "CHN") -> pd.DataFrame:
    """The series that set the rival explanations of the stall side by side (index: year).

    Columns as in :data:`RIVAL_LABELS`. A column whose inputs are absent is NaN, never 0.

    Notes
    -----
    World trade without China is :math:`\\tfrac12\\,(X_W - X_C + M_W - M_C) / (Y_W - Y_C)`
    with :math:`X = x\\,Y/100` the exports (and M the imports) of goods and services in US$
    from their shares of GDP x (NE.EXP.GNFS.ZS, NE.IMP.GNFS.ZS) and GDP Y (NY.GDP.MKTP.CD).
    The commodity part of world merchandise exports is merchandise exports (TX.VAL.MRCH.CD.WT)
    times the share of fuels (TX.VAL.FUEL.ZS.UN) plus ores and metals (TX.VAL.MMTL.ZS.UN);
    it moves mostly with commodity prices, so it stands in for a price index the mirror lacks
    (agricultural raw materials and food are left in the other part).
    """
    wide = _wide_by_entity(tidy)
    x_w, m_w, y_w = (_column(wide, world, c) for c in (EXPORTS, IMPORTS, GDP_USD))
    x_c, m_c, y_c = (_column(wide, china, c) for c in (EXPORTS, IMPORTS, GDP_USD))
    merch = _column(wide, world, MERCH_EXPORTS) / y_w * 100
    commodity_share = _column(wide, world, FUEL_EXPORTS) + _column(wide, world, ORES_EXPORTS)
    out = pd.DataFrame(
        {
            "world_trade": (x_w + m_w) / 2,
            "world_ex_china_trade": ((x_w * y_w - x_c * y_c) + (m_w * y_w - m_c * y_c)) / 2 / (y_w - y_c),
            "merch_exports_gdp": merch,
            "commodity_exports_gdp": merch * commodity_share / 100,
            "other_exports_gdp": merch * (1 - commodity_share / 100),
            "commodity_share": commodity_share,
            "china_imports_gdp": m_c,
        }
    )
    return out.dropna(how="all").sort_index()


def rival_series(vintage: str, start_year: int, end_year: int) -> pd.DataFrame:
    """Load :data:`RIVAL_INDICATORS` for the world and China and compute :func:`rival_series_from_tidy`."""
    tidy = _load_each(RIVAL_INDICATORS, ["WLD", "CHN"], (start_year, end_year), vintage)
    return rival_series_from_tidy(tidy)


def stall_timing(
    series: pd.Series, break_year: int, policy_year: int = POLICY_YEAR, crisis_year: int = CRISIS_YEAR
) -> dict[str, Any]:
    """Did ``series`` fall after its post-crisis rebound, and before the policy shock of ``policy_year``?

    Returns ``break_value`` (in ``break_year``); ``rebound_year``/``rebound_value``, the highest
    value over ``crisis_year`` + 1 ... ``policy_year`` - 1 (after the crisis collapse);
    ``low_year``/``low_value``, the lowest value after that rebound peak and before
    ``policy_year``; ``pre_policy_value`` (``policy_year`` - 1); ``fall_from_rebound``
    (rebound minus low, positive = a fall before the shock) and ``below_break`` (``break_value``
    minus ``pre_policy_value``). Missing years give NaN numbers and ``None`` years.

    Notes
    -----
    The collapse of ``crisis_year`` (2009) is the financial crisis; a fall *after* the
    rebound peak and *before* ``policy_year`` is the stall that a policy shock of
    ``policy_year`` cannot have caused. The window does not depend on ``break_year``, so the
    dating is the same whichever break year a reader tests.
    """
    s = series.dropna()
    start = float(s.loc[break_year]) if break_year in s.index else math.nan
    pre = float(s.loc[policy_year - 1]) if policy_year - 1 in s.index else math.nan
    out: dict[str, Any] = {
        "break_value": start,
        "rebound_year": None,
        "rebound_value": math.nan,
        "low_year": None,
        "low_value": math.nan,
        "pre_policy_value": pre,
        "fall_from_rebound": math.nan,
        "below_break": start - pre,
    }
    window = s.loc[int(crisis_year) + 1 : int(policy_year) - 1]
    if window.empty:
        return out
    rebound_year = int(window.idxmax())
    after = window.loc[rebound_year:]
    out |= {
        "rebound_year": rebound_year,
        "rebound_value": float(window.max()),
        "low_year": int(after.idxmin()),
        "low_value": float(after.min()),
        "fall_from_rebound": float(window.max() - after.min()),
    }
    return out


def rival_changes(frame: pd.DataFrame, start: int, end: int) -> pd.DataFrame:
    """Value of each :data:`RIVAL_LABELS` series in ``start`` and ``end`` and the change (pp).

    One row per column of ``frame`` that :data:`RIVAL_LABELS` names; NaN where a year is absent.
    """
    rows = []
    for col, label in RIVAL_LABELS.items():
        if col not in frame:
            continue
        s = frame[col].dropna()
        a = float(s.loc[start]) if start in s.index else math.nan
        b = float(s.loc[end]) if end in s.index else math.nan
        rows.append(
            {"series": col, "label": label, "start_year": start, "start": a, "end_year": end, "end": b, "change": b - a}
        )
    return pd.DataFrame(rows)


def commodity_share_of_fall(changes: pd.DataFrame, min_fall: float = 0.5) -> float:
    """Share (%) of the fall in world merchandise exports / GDP due to fuels, ores and metals.

    NaN when either change is missing or merchandise exports / GDP fell by less than
    ``min_fall`` points (a share of a near-zero change means nothing).
    """
    by = changes.set_index("series")["change"]
    total, commodity = by.get("merch_exports_gdp", math.nan), by.get("commodity_exports_gdp", math.nan)
    if not np.isfinite(total) or not np.isfinite(commodity) or total > -min_fall:
        return math.nan
    return float(100 * commodity / total)


def china_share_of_fall(changes: pd.DataFrame, min_fall: float = 0.5) -> float:
    """Share (%) of the fall in world trade / GDP that disappears when China is left out.

    ``100 x (world change - world-without-China change) / world change``; NaN when a change
    is missing or world trade / GDP fell by less than ``min_fall`` points. Negative when the
    world without China fell more than the world, above 100 when it rose.
    """
    by = changes.set_index("series")["change"]
    world, ex_china = by.get("world_trade", math.nan), by.get("world_ex_china_trade", math.nan)
    if not np.isfinite(world) or not np.isfinite(ex_china) or world > -min_fall:
        return math.nan
    return float(100 * (world - ex_china) / world)


# ---------------------------------------------------------------------------------------
# 8. Robots and trade across economies

#: The two years of IFR robot density compared across economies (the most economies with both).
ROBOT_YEARS = (2016, 2021)
#: Outcomes of the robots-and-trade comparison: column -> meaning (change over ROBOT_YEARS, pp of GDP).
ROBOT_OUTCOMES = {
    "imports_change": "imports of goods and services, change in % of GDP",
    "merch_imports_change": "merchandise imports, change in % of GDP",
}


def robot_trade_frame(density: pd.DataFrame, tidy: pd.DataFrame, years: tuple[int, int] = ROBOT_YEARS) -> pd.DataFrame:
    """One row per economy with robot density in both ``years`` and its imports then and now.

    Parameters
    ----------
    density : :func:`imtrade.data.robots.robot_series` of ``robot_density`` (robots per 10,000
        manufacturing employees); aggregates such as WLD are dropped.
    tidy : WDI rows of NE.IMP.GNFS.ZS, TM.VAL.MRCH.CD.WT and NY.GDP.MKTP.CD for those economies.

    Returns
    -------
    Frame indexed by iso3: ``density_start``, ``density_end``, ``density_doublings``
    (log2 of their ratio: 1 = density doubled), ``imports_start``/``imports_end``/``imports_change``
    (% of GDP) and ``merch_imports_start``/``_end``/``_change``. Economies without both density
    figures are left out; a missing import figure is NaN.
    """
    a, b = years
    d = density[density["iso3"].isin(economies())].pivot_table(index="iso3", columns="year", values="value")
    if a not in d.columns or b not in d.columns:
        return pd.DataFrame(
            columns=["density_start", "density_end", "density_doublings", "imports_change", "merch_imports_change"],
            dtype=float,
        )
    d = d[[a, b]].dropna()
    d = d[(d[a] > 0) & (d[b] > 0)]
    out = pd.DataFrame({"density_start": d[a], "density_end": d[b], "density_doublings": np.log2(d[b] / d[a])})
    wide = _wide_by_entity(tidy[tidy["iso3"].isin(out.index)])
    for stem, get in {
        "imports": lambda iso: _column(wide, iso, IMPORTS),
        "merch_imports": lambda iso: _column(wide, iso, MERCH_IMPORTS) / _column(wide, iso, GDP_USD) * 100,
    }.items():
        values = {iso: get(iso) for iso in out.index}
        out[f"{stem}_start"] = [float(values[i].get(a, math.nan)) for i in out.index]
        out[f"{stem}_end"] = [float(values[i].get(b, math.nan)) for i in out.index]
        out[f"{stem}_change"] = out[f"{stem}_end"] - out[f"{stem}_start"]
    return out.rename_axis("iso3").sort_values("density_doublings", ascending=False)


def robots_and_trade(table: pd.DataFrame, vintage: str, years: tuple[int, int] = ROBOT_YEARS) -> pd.DataFrame:
    """:func:`robot_trade_frame` from the curated IFR table and the WDI of ``vintage``."""
    from imtrade.data.robots import robot_series

    density = robot_series(table, "robot_density")
    codes = sorted(set(density["iso3"]) & set(economies()))
    tidy = _load_each([IMPORTS, MERCH_IMPORTS, GDP_USD], codes, years, vintage)
    return robot_trade_frame(density, tidy, years)


def robot_trade_regressions(frame: pd.DataFrame, regressor: str = "density_doublings") -> pd.DataFrame:
    """OLS with HC3 standard errors of each :data:`ROBOT_OUTCOMES` change on ``regressor``.

    One row per outcome: ``n``, ``slope`` (pp of GDP per doubling of robot density),
    ``se``, ``ci_low``, ``ci_high``, ``p_value``, ``r2``, Spearman's ``rho`` and ``rho_p``,
    and the leave-one-out range of the slope (``loo_min``, ``loo_max``: the slope when each
    economy in turn is dropped), with ``economies`` used. Too few complete rows give NaN
    numbers (and ``n``), not an error.

    Notes
    -----
    :func:`imtrade.stats.ols_hc3` (MacKinnon and White 1985) and :func:`imtrade.stats.spearman`.
    With a handful of economies the normal-approximation interval of HC3 is itself rough; the
    leave-one-out range shows how much one economy moves the slope.
    """
    from imtrade.stats import ols_hc3, spearman

    rows = []
    data = frame.reset_index()
    for outcome in ROBOT_OUTCOMES:
        if outcome not in data:
            continue
        used = data.dropna(subset=[outcome, regressor])
        row: dict[str, Any] = {"outcome": outcome, "n": len(used), "economies": ", ".join(used["iso3"])}
        try:
            fit = ols_hc3(used, outcome, [regressor])
        except TooFewObservations:
            rows.append(
                row
                | dict.fromkeys(
                    ["slope", "se", "ci_low", "ci_high", "p_value", "r2", "rho", "rho_p", "loo_min", "loo_max"],
                    math.nan,
                )
            )
            continue
        coef = fit.coefficients.set_index("term").loc[regressor]
        rho, rho_p, _ = spearman(used, regressor, outcome)
        loo = []
        for iso in used["iso3"]:
            try:
                sub = ols_hc3(used[used["iso3"] != iso], outcome, [regressor])
            except TooFewObservations:
                continue
            loo.append(float(sub.coefficients.set_index("term").loc[regressor, "estimate"]))
        rows.append(
            row
            | {
                "slope": float(coef["estimate"]),
                "se": float(coef["se"]),
                "ci_low": float(coef["ci_low"]),
                "ci_high": float(coef["ci_high"]),
                "p_value": float(coef["p_value"]),
                "r2": fit.r2,
                "rho": rho,
                "rho_p": rho_p,
                "loo_min": min(loo) if loo else math.nan,
                "loo_max": max(loo) if loo else math.nan,
            }
        )
    return pd.DataFrame(rows)


# ---------------------------------------------------------------------------------------
# Parameters


def check_parameters(params: dict[str, Any]) -> None:
    """Semantic checks run before any heavy work (also called by the chapter's first cell)."""
    check_vintage(params["vintage"])
    check_year_range(params["start_year"], params["end_year"])
    check_countries(params["countries"], allow_aggregates=False)
    start, end, brk = params["start_year"], params["end_year"], params["break_year"]
    if not start + 5 <= brk <= end - 3:
        raise ParameterError(
            f"parameter 'break_year' ({brk}) must leave at least 6 years before "
            f"it and 3 after it within start_year ({start}) and end_year ({end})"
        )
    candidates = list(params["candidate_breaks"])
    if not candidates:
        raise ParameterError("parameter 'candidate_breaks' needs at least one year")
    outside = [c for c in candidates if not start < c < end]
    if outside:
        raise ParameterError(
            f"parameter 'candidate_breaks' has years outside start_year-end_year ({start}-{end}): {outside}"
        )
    if len(set(candidates)) != len(candidates):
        raise ParameterError(f"parameter 'candidate_breaks' lists a year twice: {candidates}")
    from imtrade.stats.breaks import SUP_F_TRIM

    n = end - start + 1  # at most this many annual observations: the scan trims 15 % at each end
    inside = [c for c in candidates if SUP_F_TRIM * n <= c - start + 1 <= (1 - SUP_F_TRIM) * n]
    if not inside:
        lo, hi = start + math.ceil(SUP_F_TRIM * n) - 1, start + math.floor((1 - SUP_F_TRIM) * n) - 1
        raise ParameterError(
            f"parameter 'candidate_breaks' {candidates}: the break scan trims 15 % of the years at each end "
            f"of {start}-{end}, so it needs at least one candidate between {lo} and {hi}"
        )


# ---------------------------------------------------------------------------------------
# Names and phrases for the text


# ---------------------------------------------------------------------------------------
# Figures (the notebook adds the source line and shows them)
