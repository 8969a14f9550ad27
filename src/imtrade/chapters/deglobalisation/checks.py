"""Claim checks of the chapter "De-globalisation mechanisms" (source text 001).

Each check measures one entry of ``data/claims/001_deglobalisation.yml`` through
``ctx.indicators`` (so the chapter's vintage parameter reaches the data), reuses the
chapter's computations (:mod:`.analysis`, :mod:`imtrade.stats`), and applies the entry's
tolerance rule as written. The register finds this module through the chapter
(:func:`imtrade.claims.registered_checks`).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd

from imtrade.chapters.deglobalisation import analysis as chapter
from imtrade.claims import (
    CONTRADICTED,
    INCONCLUSIVE,
    NOT_CHECKABLE,
    PARTLY,
    PARTLY_CONTRADICTED,
    SUPPORTED,
    CheckResult,
    check,
)
from imtrade.data.entities import economies
from imtrade.exceptions import UnknownIndicatorError
from imtrade.show.text import p_text
from imtrade.stats import chow_break_test, percent_change

PROXIES = {
    "trade_mean_of_flows": "world trade, (X + M)/2 % of GDP",
    "merchandise_trade_gdp": "world merchandise trade % of GDP",
}


def _proxy_series(ctx, proxy: str, geo: str = "WLD") -> pd.Series:
    """Annual series of one named proxy for ``geo`` (index: year)."""
    if proxy == "trade_mean_of_flows":
        tidy = ctx.indicators([chapter.EXPORTS, chapter.IMPORTS], countries=[geo])
        return chapter.openness_from_tidy(tidy, geo)["trade_mean"]
    if proxy == "merchandise_trade_gdp":
        tidy = ctx.indicators([chapter.MERCH_TRADE_GDP], countries=[geo])
        return tidy[tidy["iso3"] == geo].set_index("year")["value"].dropna().sort_index()
    raise ValueError(f"unknown proxy {proxy!r} (one of {', '.join(PROXIES)})")


def _missing(series: pd.Series, years: Sequence[int]) -> list[int]:
    return [int(y) for y in years if y not in series.index]


def _not_checkable(what: str) -> CheckResult:
    return CheckResult(NOT_CHECKABLE, "—", what)


def _income_groups() -> pd.Series:
    """World Bank income group by ISO3 code (economies only)."""
    from imtrade.data.load import load_entities

    table = load_entities(include_aggregates=False)
    return table.set_index("iso3")["income_group"]


# ---------------------------------------------------------------------------------------


@check("trade_share_of_gdp_rise")
def trade_share_of_gdp_rise(
    claim,
    ctx,
    *,
    start_years: Sequence[int],
    year: int,
    start_target: float,
    start_tol: float,
    end_threshold: float,
    partial_floor: float,
    ratio: str = "mean_of_flows",
) -> CheckResult:
    """World trade / GDP: about ``start_target`` in the 1990s and above ``end_threshold`` in ``year``."""
    column = {"mean_of_flows": "trade_mean", "sum": "trade", "exports": "exports"}[ratio]
    tidy = ctx.indicators([chapter.EXPORTS, chapter.IMPORTS], countries=["WLD"])
    openness = chapter.openness_from_tidy(tidy)
    series = openness[column]
    decade = list(range(int(start_years[0]), int(start_years[1]) + 1))
    missing = _missing(series, [*decade, year])
    if missing:
        return _not_checkable(f"world exports/imports missing for {missing} in this vintage")
    mean = float(series.loc[decade].mean())
    value = float(series.loc[year])
    exports_mean, exports_value = float(openness["exports"].loc[decade].mean()), float(openness["exports"].loc[year])
    start_ok = abs(mean - start_target) <= start_tol
    end_ok = value > end_threshold
    near = partial_floor <= value <= end_threshold
    if start_ok and end_ok:
        verdict = SUPPORTED
    elif (start_ok and near) or (end_ok and not start_ok):
        verdict = PARTLY
    else:
        verdict = CONTRADICTED
    label = {"trade_mean": "(X + M)/2", "trade": "X + M", "exports": "exports"}[column]
    measured = (
        f"world {label}: {start_years[0]}–{start_years[1]} mean {mean:.1f} %, {year} {value:.1f} % of GDP "
        f"(exports alone: {exports_mean:.1f} %, {exports_value:.1f} %)"
    )
    detail = (
        f"The 1990s mean is {'within' if start_ok else 'outside'} "
        f"{start_target:g} ± {start_tol:g}; the {year} value is "
        f"{'above' if end_ok else 'not above'} {end_threshold:g}"
        + ("" if end_ok else f" ({'within' if near else 'below'} the {partial_floor:g}–{end_threshold:g} band)")
        + (
            f". The sum X + M is twice as large ({2 * mean:.1f} % and {2 * value:.1f} "
            "%), so the text's figures can only be the average of the two flows."
        )
    )
    return CheckResult(verdict, measured, detail, value)


@check("gvc_proxy_trade_intensity")
def gvc_proxy_trade_intensity(
    claim,
    ctx,
    *,
    mode: str,
    proxy: str | None = None,
    proxies: Sequence[str] | None = None,
    years: Sequence[int] | None = None,
    claimed_start: float | None = None,
    claimed_end: float | None = None,
    min_fraction_of_claimed_rise: float = 0.5,
    peak_year: int | None = None,
    window: Sequence[int] | None = None,
) -> CheckResult:
    """GVC participation proxied by world trade intensity: a rise of comparable size, or no recovery."""
    if mode == "rise":
        start, end = int(years[0]), int(years[1])
        series = _proxy_series(ctx, proxy)
        missing = _missing(series, [start, end])
        if missing:
            return _not_checkable(f"{PROXIES[proxy]} missing for {missing} in this vintage")
        a, b = float(series.loc[start]), float(series.loc[end])
        rise = (b / a - 1) * 100
        claimed_rise = (claimed_end / claimed_start - 1) * 100
        needed = min_fraction_of_claimed_rise * claimed_rise
        verdict = SUPPORTED if rise >= needed else CONTRADICTED  # on the proxy; the register caps it (evidence: proxy)
        measured = f"{PROXIES[proxy]}: {a:.1f} ({start}) → {b:.1f} ({end}), {rise:+.0f} %"
        detail = (
            f"Proxy, not GVC participation: the proxy rose {rise:+.0f} "
            f"% against a claimed relative rise of {claimed_rise:+.0f} % "
            f"({claimed_start:g} → {claimed_end:g}); "
            f"{'at least' if rise >= needed else 'less than'} the {needed:+.1f} % required."
        )
        return CheckResult(verdict, measured, detail, rise)
    if mode == "not_recovered":
        lo, hi = int(window[0]), int(window[1])
        parts, exceed, values = [], [], []
        for name in proxies:
            series = _proxy_series(ctx, name)
            missing = _missing(series, [peak_year, *range(lo, hi + 1)])
            if missing:
                return _not_checkable(f"{PROXIES[name]} missing for {missing} in this vintage")
            peak = float(series.loc[peak_year])
            inside = series.loc[lo:hi]
            top_year, top = int(inside.idxmax()), float(inside.max())
            last = float(series.loc[hi])
            values.append(last - peak)
            parts.append(
                f"{PROXIES[name]}: {peak:.1f} in {peak_year}, {last:.1f} "
                f"in {hi}, highest {lo}–{hi} {top:.1f} ({top_year})"
            )
            if top > peak:
                exceed.append(f"{PROXIES[name]} exceeded its {peak_year} level in {top_year}")
        verdict = CONTRADICTED if exceed else SUPPORTED  # on the proxies; the register caps it (evidence: proxy)
        detail = "Proxies, not GVC participation (the 44.4 % and 12.1 % levels cannot be checked): " + (
            "; ".join(exceed) + "." if exceed else f"neither proxy regained its {peak_year} level in {lo}–{hi}."
        )
        return CheckResult(verdict, "; ".join(parts), detail, values[0])
    raise ValueError(f"unknown mode {mode!r} (rise or not_recovered)")


@check("trend_break_test")
def trend_break_test(
    claim,
    ctx,
    *,
    series: str,
    geo: str,
    pre: Sequence[int],
    post: Sequence[int],
    alpha: float = 0.05,
    max_slope_ratio: float = 0.5,
) -> CheckResult:
    """Slowbalisation: a much flatter trend after the break, and a Chow test that rejects."""
    s = _proxy_series(ctx, series, geo)
    s = s.loc[pre[0] : post[1]]
    missing = _missing(s, range(int(pre[0]), int(post[1]) + 1))
    if missing:
        return _not_checkable(f"{PROXIES[series]} missing for {missing} in this vintage")
    res = chow_break_test(s.index, s.to_numpy(), int(pre[1]))
    flatter = res.post_slope < max_slope_ratio * res.pre_slope
    rejects = res.boot_pvalue < alpha
    if res.post_slope >= res.pre_slope:
        verdict = CONTRADICTED
    elif flatter and rejects:
        verdict = SUPPORTED
    elif flatter or rejects:
        verdict = PARTLY
    else:
        verdict = CONTRADICTED
    measured = (
        f"{PROXIES[series]}: slope {res.pre_slope:+.2f} pp/yr {pre[0]}–{pre[1]} "
        f"(95 % CI {res.pre_slope_ci[0]:+.2f} to {res.pre_slope_ci[1]:+.2f}), "
        f"{res.post_slope:+.2f} pp/yr {post[0]}–{post[1]} (CI "
        f"{res.post_slope_ci[0]:+.2f} to {res.post_slope_ci[1]:+.2f}); "
        f"Chow F = {res.f_stat:.1f}, bootstrap p {p_text(res.boot_pvalue)}, N = {res.n}"
    )
    detail = (
        f"The later slope is {'below' if flatter else 'not below'} "
        f"{max_slope_ratio:g} × the earlier one; the Chow test of equal level and "
        f"slope {'rejects' if rejects else 'does not reject'} at "
        f"{alpha:.0%} with its p-value from an AR(1) bootstrap (residual "
        f"autocorrelation {res.rho:.2f}; the classical p-value, which assumes "
        f"independent errors, is {p_text(res.f_pvalue, equals=False)})."
    )
    return CheckResult(verdict, measured, detail, res.post_slope)


@check("crisis_drop")
def crisis_drop(claim, ctx, *, trade: dict[str, Any], fdi: dict[str, Any]) -> CheckResult:
    """Both world merchandise exports and FDI inflows fell by at least the stated percentages."""
    results = []
    for label, spec in (("merchandise exports", trade), ("FDI net inflows", fdi)):
        tidy = ctx.indicators([spec["indicator"]], countries=["WLD"])
        s = tidy[tidy["iso3"] == "WLD"].set_index("year")["value"]
        change = percent_change(s, int(spec["from"]), int(spec["to"]))
        if np.isnan(change):
            return _not_checkable(f"world {label} missing for {spec['from']} or {spec['to']} in this vintage")
        results.append((label, spec, change, -change >= float(spec["min_drop_pct"])))
    held = sum(r[3] for r in results)
    verdict = SUPPORTED if held == 2 else PARTLY if held == 1 else CONTRADICTED
    measured = "; ".join(f"world {lab} {chg:+.0f} % ({s['from']}→{s['to']})" for lab, s, chg, _ in results)
    detail = " ".join(
        f"{lab[0].upper() + lab[1:]} {'fell' if chg < 0 else 'rose'} "
        f"{abs(chg):.0f} % against a required fall of {s['min_drop_pct']} % "
        f"({'met' if ok else 'not met'})."
        for lab, s, chg, ok in results
    )
    return CheckResult(verdict, measured, detail, results[0][2])


@check("industry_employment_count_change")
def industry_employment_count_change(
    claim,
    ctx,
    *,
    years: Sequence[int],
    groups: dict[str, Sequence[str]],
    threshold_pct: float = 5.0,
) -> CheckResult:
    """Persons employed in industry fell (by at least the threshold) in rich and developing economies."""
    a, b = int(years[0]), int(years[1])
    tidy = ctx.indicators(["industry_workers_percent_of_employment", "SL.TLF.TOTL.IN", "SL.UEM.TOTL.ZS"], years=[a, b])
    table = chapter.industry_employment_counts(tidy, _income_groups(), groups, (a, b)).set_index("group")
    if table["economies"].min() == 0:
        return _not_checkable(f"no economy has industry employment, labour force and unemployment in both {a} and {b}")
    dev, rich = table.loc["developing"], table.loc["high_income"]
    falls = {g: table.loc[g, "change_pct"] <= -threshold_pct for g in table.index}
    if dev["change_pct"] >= threshold_pct:
        verdict = CONTRADICTED
    elif all(falls.values()):
        verdict = SUPPORTED
    elif any(falls.values()):
        verdict = PARTLY
    else:
        verdict = CONTRADICTED
    measured = (
        f"persons employed in industry {a}→{b}: developing economies "
        f"{dev['start'] / 1e6:.0f} → {dev['end'] / 1e6:.0f} million "
        f"({dev['change_pct']:+.1f} %, {int(dev['economies'])} economies); high "
        f"income {rich['start'] / 1e6:.0f} → {rich['end'] / 1e6:.0f} million "
        f"({rich['change_pct']:+.1f} %, {int(rich['economies'])} economies)"
    )
    detail = (
        "Proxy (ILO industry includes construction, mining and utilities). "
        f"A fall of at least {threshold_pct:g} % is required in both groups; "
        f"a rise of {threshold_pct:g} % or more in developing economies contradicts "
        "the claim. Balanced panel of economies with data in both years."
    )
    return CheckResult(verdict, measured, detail, float(dev["change_pct"]))


@check("ict_services_concentration")
def ict_services_concentration(claim, ctx, *, year: int, min_hic_share: float, top_n: int = 10) -> CheckResult:
    """High-income economies' share of world ICT service exports, and the leading exporters."""
    tidy = ctx.indicators([chapter.ICT_SERVICE_EXPORTS], years=(year, year))
    share = chapter.group_share_from_tidy(tidy, chapter.ICT_SERVICE_EXPORTS, "HIC")
    if year not in share.index:
        return _not_checkable(f"no HIC/WLD aggregate of ICT service exports for {year} in this vintage")
    hic = float(share.loc[year])
    conc = chapter.concentration_by_year(tidy, economies(), top_n=top_n)
    top_list = conc.loc[year, "top"].split(", ") if year in conc.index else []
    top_share = float(conc.loc[year, "top_share"]) if year in conc.index else float("nan")
    emerging = [c for c in ("CHN", "IND") if c in top_list[:5]]
    verdict = (
        SUPPORTED if hic >= min_hic_share else CONTRADICTED
    )  # on the proxy; the register caps it (evidence: proxy)
    measured = (
        f"high-income share of world ICT service exports {hic:.1f} % ({year}); top {top_n} economies {top_share:.1f} % "
        f"(top 5: {', '.join(top_list[:5])})"
    )
    detail = (
        "Proxy (where ICT services are exported from, not where "
        "digital firms are headquartered or invest): the share is "
        f"{'at least' if hic >= min_hic_share else 'below'} {min_hic_share:g} %"
        + (
            f"; {' and '.join(emerging)} among the top five, matching the text's 'some emerging economies'."
            if emerging
            else "."
        )
    )
    return CheckResult(verdict, measured, detail, hic)


@check("digital_divide_gap")
def digital_divide_gap(
    claim, ctx, *, indicator: str, pairs: Sequence[Sequence[str]], start_year: int, min_change: float = 1.0
) -> CheckResult:
    """The absolute gap between rich and developing groups widened (every pair) or narrowed."""
    codes = sorted({c for pair in pairs for c in pair})
    tidy = ctx.indicators([indicator], countries=codes, years=(start_year, None))
    w = tidy.pivot_table(index="year", columns="iso3", values="value", aggfunc="first")
    changes, parts = [], []
    for rich, poor in pairs:
        if rich not in w or poor not in w:
            return _not_checkable(f"{indicator} has no {rich} or {poor} aggregate in this vintage")
        gap = (w[rich] - w[poor]).dropna()
        if start_year not in gap.index or gap.index.max() <= start_year:
            return _not_checkable(
                f"{indicator}: the {rich}–{poor} gap is missing in {start_year} or later in this vintage"
            )
        end = int(gap.index.max())
        change = float(gap.loc[end] - gap.loc[start_year])
        changes.append(change)
        parts.append(
            f"{rich}–{poor} gap {gap.loc[start_year]:.1f} ({start_year}) → {gap.loc[end]:.1f} ({end}), {change:+.1f}"
        )
    if all(c >= min_change for c in changes):
        verdict = SUPPORTED
    elif all(c <= -min_change for c in changes):
        verdict = CONTRADICTED
    else:
        verdict = PARTLY
    detail = (
        "Gaps in fixed broadband subscriptions per 100 people; the "
        f"claim needs every gap to widen by at least {min_change:g}. "
        "An association over time only: nothing here links the gap to digital firms' strategies."
    )
    return CheckResult(verdict, "; ".join(parts), detail, changes[0])


@check("hic_share_of_mht_mva")
def hic_share_of_mht_mva(
    claim,
    ctx,
    *,
    mva_years: Sequence[int],
    tech_years: Sequence[int],
    developed_m49: int,
    developing_m49: int,
    threshold: float = 2.0,
) -> CheckResult:
    """High-income economies' share of world manufacturing (a) and of medium/high-tech manufacturing (b)."""
    tidy = ctx.indicators(["NV.IND.MANF.CD"], countries=["HIC", "LMY", "WLD"])
    mva = tidy.pivot_table(index="year", columns="iso3", values="value", aggfunc="first")
    a0, a1 = int(mva_years[0]), int(mva_years[1])
    t0, t1 = int(tech_years[0]), int(tech_years[1])
    dev, dvg = f"M49_{developed_m49}", f"M49_{developing_m49}"
    tech = ctx.indicators(["NV_IND_TECH"], countries=[dev, dvg]).pivot_table(
        index="year", columns="iso3", values="value", aggfunc="first"
    )
    if (
        any(y not in mva.index for y in (a0, a1, t0, t1))
        or any(y not in tech.index for y in (t0, t1))
        or not {dev, dvg} <= set(tech.columns)
    ):
        return _not_checkable("manufacturing value added or its medium/high-tech share is missing for the years needed")
    share_a = mva["HIC"] / mva["WLD"] * 100
    change_a = float(share_a.loc[a1] - share_a.loc[a0])

    def mht_share(y: int) -> float:
        rich = mva.loc[y, "HIC"] * tech.loc[y, dev]
        poor = mva.loc[y, "LMY"] * tech.loc[y, dvg]
        return float(rich / (rich + poor) * 100)

    b0, b1 = mht_share(t0), mht_share(t1)
    change_b = b1 - b0
    holds = [c > -threshold for c in (change_a, change_b)]
    verdict = SUPPORTED if any(holds) else CONTRADICTED  # on the proxies; the register caps it (evidence: proxy)
    measured = (
        f"(a) high-income share of world manufacturing value added {share_a.loc[a0]:.1f} "
        f"% ({a0}) → {share_a.loc[a1]:.1f} % ({a1}), {change_a:+.1f} pp; "
        f"(b) of medium/high-tech manufacturing value added {b0:.1f} % ({t0}) → {b1:.1f} % ({t1}), {change_b:+.1f} pp"
    )
    detail = (
        "Proxy (shares of production, not relocation decisions). The proxy bears "
        f"the claim out if either share rises or stays within ±{threshold:g} "
        f"points, and goes against it if both fall by {threshold:g} points or "
        "more. Income groups (World Bank) and developed/developing regions (UN) "
        "only approximately match in (b)."
    )
    return CheckResult(verdict, measured, detail, change_a)


@check("developing_manufactures_share_trend")
def developing_manufactures_share_trend(
    claim,
    ctx,
    *,
    pre: Sequence[int],
    post: Sequence[int],
    max_slope_ratio: float = 0.5,
) -> CheckResult:
    """Low- and middle-income economies' share of world *manufactured* exports grew much more slowly after ``pre``.

    Manufactured exports are merchandise exports (TX.VAL.MRCH.CD.WT) times manufactures' share
    of them (TX.VAL.MANF.ZS.UN), so the 2011 peak in fuel and metal prices, which lifts the
    developing economies' share of merchandise exports up to then, hardly moves them. The
    merchandise-basis ratio is reported beside it.
    """
    try:
        tidy = ctx.indicators([chapter.MERCH_EXPORTS, chapter.MANF_SHARE_OF_MERCH], countries=["WLD", "LMY"])
    except UnknownIndicatorError:
        return _not_checkable("manufactures' share of merchandise exports (TX.VAL.MANF.ZS.UN) is not in this vintage")
    shares = chapter.developing_shares_from_tidy(tidy)
    if "manufactures" not in shares:
        return _not_checkable(
            "manufactures' share of merchandise exports (TX.VAL.MANF.ZS.UN) is missing for LMY or WLD"
        )
    missing = _missing(shares["manufactures"].dropna(), range(int(pre[0]), int(post[1]) + 1))
    if missing:
        return _not_checkable(f"low- and middle-income share of world manufactured exports missing for {missing}")
    manf = chapter.window_slope_ratio(shares["manufactures"], pre, post)
    merch = chapter.window_slope_ratio(shares["merchandise"], pre, post)
    if np.isnan(manf["ratio"]):
        return CheckResult(
            NOT_CHECKABLE,
            f"slope {manf['pre_slope']:+.2f} pp/yr {pre[0]}–{pre[1]}",
            "No catch-up in manufactured exports before the break, so a slowdown is undefined.",
        )
    slowed = manf["ratio"] < max_slope_ratio
    verdict = SUPPORTED if slowed else CONTRADICTED  # on the proxy; the register caps it (evidence: proxy)
    measured = (
        f"low- and middle-income share of world manufactured exports: {manf['pre_slope']:+.2f} pp/yr {pre[0]}–{pre[1]} "
        f"(95 % CI {manf['pre_ci_low']:+.2f} to {manf['pre_ci_high']:+.2f}), {manf['post_slope']:+.2f} pp/yr "
        f"{post[0]}–{post[1]} (CI {manf['post_ci_low']:+.2f} to "
        f"{manf['post_ci_high']:+.2f}); ratio {manf['ratio']:.2f} "
        f"(merchandise basis: ratio {merch['ratio']:.2f})"
    )
    detail = (
        f"Proxy (export share, not GVC participation). Measured on manufactured exports because the 2011 peak of fuel "
        f"and metal prices inflates developing economies' share of merchandise exports up to {pre[1]} and deflates it "
        f"after; the later slope is {'less' if slowed else 'not less'} than {max_slope_ratio:g} × the earlier one. "
        "Slower growth is consistent with, not evidence of, a technology-driven barrier."
    )
    return CheckResult(verdict, measured, detail, manf["ratio"])


# ---------------------------------------------------------------------------------------
# The article's mechanisms (issue 15)


def group_share(tidy: pd.DataFrame, group: str, world: str = "WLD") -> pd.Series:
    """``group`` / ``world`` of one indicator, in percent, by year (years with both values only)."""
    wide = tidy.pivot_table(index="year", columns="iso3", values="value", aggfunc="first")
    if group not in wide or world not in wide:
        return pd.Series(dtype=float)
    return (wide[group] / wide[world] * 100).dropna().sort_index()


@check("hic_share_of_ip_receipts")
def hic_share_of_ip_receipts(
    claim, ctx, *, indicator: str, years: Sequence[int], min_level: float, max_fall: float, group: str = "HIC"
) -> CheckResult:
    """The high-income share of world receipts for intellectual property: its level and its change."""
    start, end = int(years[0]), int(years[1])
    share = group_share(ctx.indicators([indicator], countries=[group, "WLD"], years=(start, end)), group)
    missing = _missing(share, [start, end])
    if missing:
        return _not_checkable(f"{indicator} for {group} and WLD is missing for {missing} in this vintage")
    a, b = float(share.loc[start]), float(share.loc[end])
    change = b - a
    if change <= -max_fall:
        verdict = CONTRADICTED  # on the proxy; the register caps it (evidence: proxy)
    elif b >= min_level:
        verdict = SUPPORTED  # on the proxy; capped to partly supported
    else:
        verdict = INCONCLUSIVE
    measured = f"{group} share of world IP receipts {a:.1f} % ({start}) → {b:.1f} % ({end}), {change:+.1f} points"
    detail = (
        f"Proxy: where income from intangibles is booked, not where digital firms keep their assets. The share is "
        f"{'at least' if b >= min_level else 'below'} {min_level:g} % in {end} and "
        f"{'fell by' if change <= -max_fall else 'did not fall by'} {max_fall:g} point or more since {start}: "
        + (
            "the concentration is high but eroding, against the claim that value is increasingly kept at home."
            if change <= -max_fall
            else "the concentration holds."
        )
    )
    return CheckResult(verdict, measured, detail, change)


@check("trade_stall_timing")
def trade_stall_timing(
    claim, ctx, *, geo: str, start_year: int, policy_year: int, end_year: int, min_fall: float
) -> CheckResult:
    """Did world trade / GDP fall from its peak before the trade-policy shock of ``policy_year``?"""
    series = _proxy_series(ctx, "trade_mean_of_flows", geo)
    before = int(policy_year) - 1
    window = series.loc[int(start_year) : before]
    missing = _missing(series, [before, int(end_year)])
    if window.empty or missing:
        return _not_checkable(f"{PROXIES['trade_mean_of_flows']} missing for {missing or 'the window'} in this vintage")
    peak_year = int(window.idxmax())
    peak, pre, end = float(window.max()), float(series.loc[before]), float(series.loc[int(end_year)])
    fall = peak - pre
    verdict = INCONCLUSIVE if fall >= min_fall else PARTLY_CONTRADICTED
    measured = (
        f"{PROXIES['trade_mean_of_flows']}: peak {peak:.1f} ({peak_year}), {pre:.1f} ({before}, before the tariffs), "
        f"{end:.1f} ({end_year})"
    )
    detail = f"The ratio fell {fall:.1f} points from its peak before {policy_year}" + (
        f", so the stall predates the {policy_year} tariff measures; aggregate data cannot tell a technology "
        "cause from the end of the commodity price boom, China's substitution of domestic for imported inputs "
        "or weak investment, so the technology reading is neither shown nor refuted."
        if fall >= min_fall
        else (
            f" (less than {min_fall:g}): the stall begins with the "
            "trade-policy shock, which favours the policy reading."
        )
    )
    detail += _rival_shares(ctx, peak_year, before)
    return CheckResult(verdict, measured, detail, fall)


def _rival_shares(ctx, start: int, end: int) -> str:
    """A sentence on how much of the fall from ``start`` to the post-crisis low up to ``end`` (see
    :func:`.analysis.stall_timing`) commodity prices and China account for ('' when the data lack a series)."""
    tidy = ctx.indicators(list(chapter.RIVAL_INDICATORS), countries=["WLD", "CHN"])
    rivals = chapter.rival_series_from_tidy(tidy)
    low = chapter.stall_timing(rivals["world_trade"], start, end + 1)["low_year"] if "world_trade" in rivals else None
    if low is None:
        return ""
    changes = chapter.rival_changes(rivals, start, low)
    comm, china = chapter.commodity_share_of_fall(changes), chapter.china_share_of_fall(changes)
    parts = []
    if np.isfinite(comm):
        parts.append(f"fuels, ores and metals account for {comm:.0f} % of the fall in world merchandise exports / GDP")
    if np.isfinite(china):
        parts.append(f"{china:.0f} % of the fall in world trade / GDP disappears without China")
    return f" From {start} to {low}, " + " and ".join(parts) + "." if parts else ""


@check("robots_import_association")
def robots_import_association(
    claim, ctx, *, table: str, years: Sequence[int], outcome: str = "imports_change", min_economies: int = 5
) -> CheckResult:
    """Across economies, did faster robot adoption (IFR density) go with a smaller rise in imports / GDP?"""
    from imtrade.data.robots import robot_series

    density = robot_series(ctx.curated(table), "robot_density")
    codes = sorted(set(density["iso3"]) & set(economies()))
    tidy = ctx.indicators([chapter.IMPORTS, chapter.MERCH_IMPORTS, chapter.GDP_USD], countries=codes)
    frame = chapter.robot_trade_frame(density, tidy, (int(years[0]), int(years[1])))
    fits = chapter.robot_trade_regressions(frame)
    row = fits.set_index("outcome").loc[outcome] if outcome in set(fits.get("outcome", [])) else None
    if row is None or int(row["n"]) < min_economies or not np.isfinite(row["slope"]):
        n = 0 if row is None else int(row["n"])
        return _not_checkable(
            f"only {n} economies have IFR robot density in both {years[0]} and {years[1]} and imports in this "
            f"vintage (at least {min_economies} needed)"
        )
    low, high = float(row["ci_low"]), float(row["ci_high"])
    verdict = PARTLY if high < 0 else PARTLY_CONTRADICTED if low > 0 else INCONCLUSIVE
    measured = (
        f"{chapter.ROBOT_OUTCOMES[outcome]} per doubling of robot density, {years[0]}-{years[1]}: "
        f"{row['slope']:+.1f} pp (95 % CI {low:+.1f} to {high:+.1f}, HC3; n = {int(row['n'])}: {row['economies']})"
    )
    detail = (
        "Economies that automated faster raised their imports less"
        if high < 0
        else "Economies that automated faster raised their imports more"
        if low > 0
        else "The slope is not distinguishable from zero"
    ) + (
        f" (leave-one-out range {row['loo_min']:+.1f} to {row['loo_max']:+.1f}). Total imports of a few heavy "
        "adopters, not imports from low-wage economies by industry: a correlation, not an effect. Studies with "
        "industry-level data disagree in sign (Artuc, Bastos and Rijkers 2023: more imports from the South; "
        "Artuc, Christiaensen and Winkler 2019, Faber 2020, Carbonero, Ernst and Weber 2018: less offshoring)."
    )
    return CheckResult(verdict, measured, detail, float(row["slope"]))


@check("curated_regionalisation")
def curated_regionalisation(claim, ctx, *, table: str, measure: str = "intra_regional_share_of_exports") -> CheckResult:
    """Intra-regional shares of exports per region, first vs last published year: how many regions rose."""
    rows = ctx.curated(table)
    rows = rows[(rows["measure"] == measure) & rows["year"].notna()]
    changes, parts = {}, []
    for region, group in rows.groupby("geography", sort=True):
        group = group.sort_values("year")
        if len(group) < 2:
            continue
        first, last = group.iloc[0], group.iloc[-1]
        changes[region] = float(last["value"] - first["value"])
        parts.append(
            f"{region} {first['value']:g} % ({int(first['year'])}) → {last['value']:g} % ({int(last['year'])})"
        )
    if not changes:
        return _not_checkable(f"{table}.csv has no region with two years of {measure}")
    rose = sum(c > 0 for c in changes.values())
    fell = sum(c < 0 for c in changes.values())
    verdict = SUPPORTED if rose > fell else CONTRADICTED if fell > rose else INCONCLUSIVE  # capped: secondary
    last_year = int(rows["year"].max())
    detail = (
        f"The intra-regional share rose in {rose} of {len(changes)} regions and fell in {fell}. The published figures "
        f"end in {last_year}, so they describe regionalisation before most of the digital technologies the article "
        "credits; Europe's rise includes the EU enlargements of 2004 and 2007, and NAFTA's fall and Asia's rise span "
        "China's first years in the WTO, so the counts say nothing about technology as the cause."
    )
    return CheckResult(verdict, "; ".join(parts), detail, float(rose - fell))
