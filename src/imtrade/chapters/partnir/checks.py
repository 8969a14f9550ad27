"""Claim checks of the PartNIR chapter (source text 004, ``data/claims/004_partnir.yml``).

Each check measures with :meth:`CheckContext.indicators` / :meth:`CheckContext.curated` (so the
audit's vintage flows through) and computes with the same
functions the chapter shows (:mod:`.analysis`, :mod:`imtrade.stats`). Tolerance rules are the
register's, applied literally.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

from imtrade.chapters.partnir import analysis as ch
from imtrade.claims import (
    CONTRADICTED,
    INCONCLUSIVE,
    NOT_CHECKABLE,
    PARTLY,
    PARTLY_CONTRADICTED,
    SUPPORTED,
    CheckContext,
    CheckResult,
    Claim,
    check,
)
from imtrade.data.entities import economies
from imtrade.show.text import signed
from imtrade.stats import series_cagr, spearman


def _missing(what: str, ctx: CheckContext) -> CheckResult:
    return CheckResult(NOT_CHECKABLE, "—", f"{what} is not in the data of vintage {ctx.vintage or 'default'}")


@check("group_gdp_share")
def group_gdp_share(
    claim: Claim,
    ctx: CheckContext,
    *,
    year: int,
    prev_year: int,
    grouping: str,
    claimed_developing: float,
    tol: float,
    partial_tol: float,
) -> CheckResult:
    """Developing economies' share of world GDP (IMF split, current US$) in ``year`` and its trend."""
    if not grouping.startswith("imf_advanced"):
        raise ValueError(f"unknown grouping {grouping!r} (expected imf_advanced_<year>)")
    table = ctx.curated("imf_weo_advanced_economies")
    advanced = {y: ch.advanced_members(table, y) for y in (prev_year, year)}
    tidy = ctx.indicators([ch.GDP], years=(prev_year, year))
    split = ch.imf_split(tidy, advanced, economies())
    if year not in split.index or prev_year not in split.index:
        return _missing(f"world GDP for {prev_year} and {year}", ctx)
    now, before = split.loc[year], split.loc[prev_year]
    level_gap = now["developing_share"] - claimed_developing
    trend_holds = now["advanced_share"] < before["advanced_share"]
    measured = (
        f"{now['developing_share']:.1f} % in {year} (advanced {now['advanced_share']:.1f} %; "
        f"{now['developing_low']:.1f} % if the {now['unallocated']:.1f} % of world GDP without a country series, "
        f"mostly Taiwan, is counted as advanced); advanced share {before['advanced_share']:.1f} % in {prev_year}"
    )
    if abs(level_gap) <= tol and trend_holds:
        verdict = SUPPORTED
    elif abs(level_gap) <= partial_tol or trend_holds:
        verdict = PARTLY
    else:
        verdict = CONTRADICTED
    detail = (
        f"IMF advanced economies (curated WEO list) summed over NY.GDP.MKTP.CD, developing = 100 - advanced: "
        f"{now['developing_share']:.1f} % vs the claimed {claimed_developing:g} % (gap {signed(level_gap)} points, "
        f"tolerance ±{tol:g}, partial ±{partial_tol:g}); the advanced share "
        f"{'fell' if trend_holds else 'did not fall'} from {prev_year} to {year}."
    )
    return CheckResult(verdict, measured, detail, float(now["developing_share"]))


@check("largest_producer_streak")
def largest_producer_streak(
    claim: Claim, ctx: CheckContext, *, indicator: str, geo: str, years: Sequence[int], min_years_partial: int
) -> CheckResult:
    """Years of ``years`` (inclusive range) in which ``geo`` is the largest economy by ``indicator``."""
    first, last = int(years[0]), int(years[1])
    tidy = ctx.indicators([indicator], years=(first, last))
    leaders = ch.leaders_by_year(tidy, range(first, last + 1), economies())
    span = last - first + 1
    if len(leaders) < span:
        have = set(leaders["year"])
        return _missing(f"{indicator} for {', '.join(str(y) for y in range(first, last + 1) if y not in have)}", ctx)
    top = leaders[leaders["leader"] == geo]
    count = len(top)
    ties = leaders.loc[leaders["tie"], "year"].tolist()
    lost = leaders.loc[leaders["leader"] != geo, ["year", "leader"]]
    measured = f"{geo} first in {count} of {span} years {first}-{last}" + (
        f" (not first in {', '.join(f'{r.year}: {r.leader}' for r in lost.itertuples())})" if len(lost) else ""
    )
    if ties:
        measured += f"; top two tied after rounding in {', '.join(map(str, ties))}"
    min_margin = top["margin_pct"].min() if count else math.nan
    if count == span:
        verdict = SUPPORTED
    elif count >= min_years_partial:
        verdict = PARTLY
    else:
        verdict = CONTRADICTED
    detail = (
        f"Economies ranked by {indicator} each year (aggregates excluded): {geo} leads in {count} of {span} years "
        f"(supported if all {span}, partly if at least {min_years_partial}); its smallest lead over the runner-up "
        f"was {min_margin:.1f} %."
    )
    return CheckResult(verdict, measured, detail, float(count))


@check("currency_level_match")
def currency_level_match(
    claim: Claim,
    ctx: CheckContext,
    *,
    indicator: str,
    geo: str,
    year: int,
    claimed_lcu: float,
    fx_indicator: str,
    tol_pct: float,
    partial_tol_pct: float,
) -> CheckResult:
    """A local-currency claim converted at the official exchange rate vs a US$ series."""
    level = ctx.indicators([indicator], countries=[geo], years=(year, year))
    fx = ctx.indicators([fx_indicator], countries=[geo], years=(year, year))
    if level.empty or fx.empty:
        return _missing(f"{indicator} or {fx_indicator} for {geo} in {year}", ctx)
    rate = float(fx["value"].iloc[0])
    data_usd = float(level["value"].iloc[0])
    claim_usd = claimed_lcu / rate
    diff = (claim_usd / data_usd - 1) * 100
    measured = (
        f"{data_usd / 1e12:.2f} tn US$ in {year} ({indicator}); the claim converts to {claim_usd / 1e12:.2f} tn US$ "
        f"at {rate:.4f} LCU per US$ ({fx_indicator})"
    )
    verdict = SUPPORTED if abs(diff) <= tol_pct else PARTLY if abs(diff) <= partial_tol_pct else CONTRADICTED
    detail = (
        f"Claimed local-currency value / official exchange rate vs the World Bank value: difference {signed(diff)} % "
        f"(supported within ±{tol_pct:g} %, partly within ±{partial_tol_pct:g} %). The series is rounded to 3 "
        "significant digits, which can move it by up to 0.5 %."
    )
    return CheckResult(verdict, measured, detail, data_usd)


@check("share_of_world")
def share_of_world_check(
    claim: Claim,
    ctx: CheckContext,
    *,
    indicator: str,
    geo: str,
    year: int,
    supported_range: Sequence[float],
    partial_range: Sequence[float],
) -> CheckResult:
    """``geo``'s share (%) of the world total of ``indicator`` in ``year``, against ranges."""
    tidy = ctx.indicators([indicator], countries=[geo, ch.WORLD], years=(year, year))
    shares = ch.share_of_world(tidy, [geo])
    if year not in shares.index or shares.loc[year, "reporting"] < 1:
        return _missing(f"{indicator} for {geo} and the world in {year}", ctx)
    share = float(shares.loc[year, "share"])
    lo, hi = supported_range
    plo, phi = partial_range
    verdict = SUPPORTED if lo <= share <= hi else PARTLY if plo <= share <= phi else CONTRADICTED
    measured = f"{share:.1f} % of the world total in {year} ({indicator})"
    detail = (
        f"{geo} / WLD of {indicator}: {share:.1f} % (supported between {lo:g} and {hi:g} %, partly between "
        f"{plo:g} and {phi:g} %)."
    )
    return CheckResult(verdict, measured, detail, share)


@check("export_growth_vs_world")
def export_growth_vs_world(
    claim: Claim,
    ctx: CheckContext,
    *,
    group: str,
    years: Sequence[int],
    min_gap: float,
    sdg_geo_area: int,
    sdg_years: Sequence[int],
) -> CheckResult:
    """Merchandise export CAGR of an aggregate vs the world, and the UN developing-regions share trend."""
    start, end = int(years[0]), int(years[1])
    exports = ctx.indicators([ch.MERCH_EXPORTS], countries=[group, ch.WORLD], years=(start, end))
    series = exports.pivot_table(index="year", columns="iso3", values="value", aggfunc="first")
    if group not in series or ch.WORLD not in series:
        return _missing(f"{ch.MERCH_EXPORTS} for {group} and WLD", ctx)
    g_group, g_world = series_cagr(series[group], start, end), series_cagr(series[ch.WORLD], start, end)
    if math.isnan(g_group) or math.isnan(g_world):
        return _missing(f"{ch.MERCH_EXPORTS} for {start} and {end}", ctx)
    sdg = ctx.indicators(
        [ch.SDG_MERCH_SHARE], countries=[f"M49_{sdg_geo_area}"], years=(int(sdg_years[0]), int(sdg_years[1]))
    )
    sdg_series = sdg.set_index("year")["value"]
    s0, s1 = (float(sdg_series.get(int(y), math.nan)) for y in sdg_years)
    gap = g_group - g_world
    share_rises = s1 > s0
    if gap >= min_gap and share_rises:
        verdict = SUPPORTED  # capped to 'partly supported' by the register (proxy measure)
    elif gap <= 0:
        verdict = CONTRADICTED
    else:
        verdict = PARTLY
    measured = (
        f"merchandise exports grew {g_group:.1f} % a year ({group}) vs {g_world:.1f} % (world), {start}-{end}; "
        "UN developing regions' share of world merchandise exports "
        f"{s0:.1f} % ({sdg_years[0]}) → {s1:.1f} % ({sdg_years[1]})"
    )
    detail = (
        f"Proxy: exports of all {group} economies, not trade among them. CAGR gap {signed(gap)} points (needs at least "
        f"{min_gap:g}) and the developing-regions share {'rose' if share_rises else 'did not rise'}."
    )
    return CheckResult(verdict, measured, detail, gap)


@check("gii_rank_improvement")
def gii_rank_improvement(
    claim: Claim,
    ctx: CheckContext,
    *,
    table: str,
    iso3: Sequence[str],
    early_years: Sequence[int],
    late_year: int,
    min_places: float,
) -> CheckResult:
    """Each economy's climb in the Global Innovation Index from an early edition to ``late_year``."""
    ranks = ctx.curated(table)
    changes = ch.gii_rank_changes(ranks, list(iso3), tuple(early_years), late_year)
    ranked = ch.editions_ranked(ranks)
    counts = ", ".join(f"{ranked[y]} ({y})" for y in (*early_years, late_year) if y in ranked)
    have = changes.dropna(subset=["early_rank", "late_rank"])
    if have.empty:
        return _missing(f"GII ranks for {', '.join(iso3)}", ctx)
    parts = [f"{r.iso3} {int(r.early_rank)}→{int(r.late_rank)} ({r.early_year})" for r in have.itertuples()]
    measured = f"GII rank, early edition → {late_year}: " + "; ".join(parts)
    weak = have[have["places"] < min_places]
    if not weak.empty:
        verdict = CONTRADICTED
    elif len(have) == len(iso3):
        verdict = SUPPORTED
    else:
        verdict = PARTLY
    detail = (
        f"Rank in the first of the {'/'.join(map(str, early_years))} "
        f"editions minus rank in {late_year}; every economy must "
        f"climb at least {min_places:g} places ({len(have)} of {len(iso3)} have an early rank; smallest climb "
        f"{int(have['places'].min())} places, "
        f"{have.loc[have['places'].idxmin(), 'iso3']}). Editions rank different numbers of "
        f"economies ({counts or 'not recorded'}) with changing methods, so climbs of a few places are noise."
    )
    return CheckResult(verdict, measured, detail, float(have["places"].min()))


@check("covid_output_loss_proxy")
def covid_output_loss_proxy(
    claim: Claim,
    ctx: CheckContext,
    *,
    groups: dict,
    trend_years: Sequence[int],
    base_year: int,
    end_year: int,
    claimed_gap: float,
    min_population: float = 1e6,
) -> CheckResult:
    """Output in ``end_year`` vs a naive pre-pandemic trend, developing vs industrialised economies.

    The claim is about the average economy, so the verdict follows the unweighted mean over
    the member economies (at least ``min_population`` people) of each World Bank aggregate;
    the aggregates' own (GDP-weighted) gaps are reported beside it.
    """
    dev, ind = groups["developing"], groups["industrialised"]
    years = (int(trend_years[0]), int(trend_years[1]))
    tidy = ctx.indicators(["NY.GDP.MKTP.KD.ZG", "SP.POP.TOTL"], years=(years[0], end_year))
    growth = tidy[tidy["indicator"] == "NY.GDP.MKTP.KD.ZG"].pivot_table(
        index="iso3", columns="year", values="value", aggfunc="first"
    )
    aggregates = ch.output_loss(growth[growth.index.isin([dev, ind])], years, base_year, end_year)
    members = ch.income_members(ctx.entities(include_aggregates=False))
    members = {dev: members.get(dev, []), ind: members.get(ind, [])}
    gaps = ch.economy_output_loss(
        tidy, [c for codes in members.values() for c in codes], min_population, years, base_year, end_year
    )
    table = ch.output_loss_comparison(aggregates, gaps, members)
    if table["unweighted"].isna().any():
        return _missing(f"GDP growth of {dev} and {ind} member economies for {years[0]}-{end_year}", ctx)
    loss = -table  # positive = output lost
    gap = float(loss.loc[dev, "unweighted"] - loss.loc[ind, "unweighted"])
    gap_weighted = float(loss.loc[dev, "weighted"] - loss.loc[ind, "weighted"])
    verdict = SUPPORTED if gap > 0 else CONTRADICTED  # the register caps SUPPORTED at 'partly supported'
    measured = (
        f"output {end_year} below its {years[0]}-{years[1]} trend, "
        f"mean over economies: {loss.loc[dev, 'unweighted']:.1f} % "
        f"({dev}, {int(table.loc[dev, 'n'])} economies) and {loss.loc[ind, 'unweighted']:.1f} % ({ind}, "
        f"{int(table.loc[ind, 'n'])}), gap {signed(gap)} points; "
        f"GDP-weighted aggregates {loss.loc[dev, 'weighted']:.1f} % "
        f"and {loss.loc[ind, 'weighted']:.1f} %, gap {signed(gap_weighted)} points"
    )
    detail = (
        f"Proxy for UNIDO's estimate (IMF forecasts, UNIDO country groups): {base_year} level grown at the mean "
        f"{years[0]}-{years[1]} growth rate vs actual growth, per "
        f"economy with at least {min_population / 1e6:g} million "
        f"people. The claim is an average over economies, so the unweighted means carry the verdict: the {dev} loss "
        f"{'exceeds' if gap > 0 else 'does not exceed'} the {ind} loss; the gap is {signed(gap - claimed_gap)} points "
        f"from the claimed {claimed_gap:g}."
    )
    return CheckResult(verdict, measured, detail, gap)


@check("manufacturing_covid_resilience_correlation")
def manufacturing_covid_resilience_correlation(
    claim: Claim, ctx: CheckContext, *, x_year: int, y_year: int, min_population: float, alpha: float, method: str
) -> CheckResult:
    """Rank correlation across economies of the manufacturing share with GDP growth in ``y_year``."""
    if method != "spearman" or y_year != 2020:
        raise ValueError("only method 'spearman' with y_year 2020 is implemented")
    tidy = ctx.indicators(list(ch.RESILIENCE_CODES), years=(2014, 2021))
    sample = ch.resilience_sample(tidy, economies(), x_year=x_year, min_population=min_population)
    rho, p, n = spearman(sample, "manuf_share", "growth_2020")
    rho2, p2, n2 = spearman(sample, "manuf_share", "output_gap_2021")
    if math.isnan(rho):
        return _missing(f"manufacturing shares ({x_year}) and GDP growth ({y_year})", ctx)
    if rho > 0 and p < alpha:
        verdict = SUPPORTED
    elif rho < 0 and p < alpha:
        verdict = CONTRADICTED
    else:
        verdict = INCONCLUSIVE
    measured = (
        f"Spearman rho {rho:+.2f} (p = {p:.2f}, n = {n}) between manufacturing value added % of GDP ({x_year}) "
        f"and GDP growth ({y_year}); with output vs trend in 2021: rho {rho2:+.2f} (p = {p2:.2f}, n = {n2})"
    )
    detail = (
        f"Economies with at least {min_population / 1e6:g} million "
        f"people; rule: supported if rho > 0 with p < {alpha:g}, "
        f"contradicted if rho < 0 with p < {alpha:g}, inconclusive otherwise. "
        + (
            "No significant association either way: the data neither confirm nor refute the claim. "
            if verdict == INCONCLUSIVE
            else ""
        )
        + "Only the economic half is tested (no health outcome; industrial diversity not measured)."
    )
    return CheckResult(verdict, measured, detail, rho)


# ---------------------------------------------------------------------------------------
# Arguments added by issue 16


@check("hic_manufacturing_share_trend")
def hic_manufacturing_share_trend(
    claim: Claim, ctx: CheckContext, *, group: str, years: Sequence[int], min_change: float
) -> CheckResult:
    """Manufacturing value added as a share of GDP of an income group: change between two years."""
    start, end = int(years[0]), int(years[1])
    tidy = ctx.indicators([ch.MVA, ch.GDP, "NV.IND.TOTL.ZS"], countries=[group], years=(start, end))
    wide = tidy.pivot_table(index="year", columns="indicator", values="value", aggfunc="first")
    if ch.MVA not in wide or ch.GDP not in wide:
        return _missing(f"{ch.MVA} and {ch.GDP} for {group}", ctx)
    share = (wide[ch.MVA] / wide[ch.GDP] * 100).dropna()
    if start not in share.index or end not in share.index:
        return _missing(f"the {group} manufacturing share of GDP in {start} and {end}", ctx)
    a, b = float(share.loc[start]), float(share.loc[end])
    change = b - a
    verdict = SUPPORTED if change >= min_change else CONTRADICTED if change <= -min_change else INCONCLUSIVE
    industry = wide["NV.IND.TOTL.ZS"].dropna() if "NV.IND.TOTL.ZS" in wide else None
    context = ""
    if industry is not None and start in industry.index and end in industry.index:
        context = f"; industry incl. construction {industry.loc[start]:.1f} % → {industry.loc[end]:.1f} %"
    measured = (
        f"{group} manufacturing value added {a:.1f} % of GDP ({start}) "
        f"→ {b:.1f} % ({end}), {signed(change)} points{context}"
    )
    detail = (
        "Outcome only (the policies are not measured); the rule "
        f"needs a change of at least {min_change:g} points either way. "
        "Current-dollar shares: a falling share can hide stable real output when manufactured goods get cheaper "
        "relative to services."
    )
    return CheckResult(verdict, measured, detail, change)


@check("digital_starting_line")
def digital_starting_line(
    claim: Claim,
    ctx: CheckContext,
    *,
    rich: str,
    poor: str,
    year: int,
    start_year: int,
    max_gap: float,
    indicators: Sequence[str],
) -> CheckResult:
    """Gaps in digital access between a rich and a poor income group; the first indicator is scored."""
    tidy = ctx.indicators(list(indicators), countries=[rich, poor], years=(int(start_year), int(year)))
    parts, gaps = [], {}
    for code in indicators:
        rows = tidy[tidy["indicator"] == code]
        wide = rows.pivot_table(index="year", columns="iso3", values="value", aggfunc="first")
        if rich not in wide or poor not in wide:
            return _missing(f"{code} for {rich} and {poor}", ctx)
        gap = (wide[rich] - wide[poor]).dropna()
        if int(year) not in gap.index:
            return _missing(f"the {rich}–{poor} gap in {code} in {year}", ctx)
        gaps[code] = gap
        parts.append(
            f"{code}: {rich} {wide.loc[year, rich]:.1f} vs {poor} {wide.loc[year, poor]:.1f} per 100 people ({year}), "
            f"gap {gap.loc[year]:.1f}"
        )
    scored = gaps[indicators[0]]
    if int(start_year) not in scored.index:
        return _missing(f"the {rich}–{poor} gap in {indicators[0]} in {start_year}", ctx)
    level, change = float(scored.loc[year]), float(scored.loc[year] - scored.loc[start_year])
    if level < max_gap:
        verdict = SUPPORTED
    elif change >= 0:
        verdict = CONTRADICTED
    else:
        verdict = PARTLY_CONTRADICTED
    detail = (
        f"The {indicators[0]} gap is {level:.1f} per 100 people "
        f"in {year} ({'below' if level < max_gap else 'at least'} "
        f"{max_gap:g}) and changed {signed(change)} since {start_year}. Access is only the first rung of a digital "
        "starting line; skills, firms and data are not measured."
    )
    return CheckResult(verdict, "; ".join(parts), detail, level)


@check("south_south_share_published")
def south_south_share_published(
    claim: Claim,
    ctx: CheckContext,
    *,
    table: str,
    early_year: int,
    min_rise: float,
    measures: Sequence[str] = ("south_south_share_of_world_exports", "south_south_share_of_world_trade"),
) -> CheckResult:
    """The share of trade among developing economies in world trade: an early year vs the latest publication.

    A rising share means trade among developing economies grew faster than world trade over the interval.
    Only rows seen at the primary publisher are used.
    """
    rows = ctx.curated(table)
    rows = rows[rows["measure"].isin(list(measures)) & (rows["verified_primary"].str.lower() == "yes")]
    early = rows[rows["year"] == early_year]
    later = rows[rows["published_year"] > early_year + 1].sort_values("published_year")
    if early.empty or later.empty:
        return _missing(f"a primary South-South share for {early_year} and a later one in {table}.csv", ctx)
    a, b = early.iloc[0], later.iloc[-1]
    rise = float(b["value"] - a["value"])
    # a lower bound (">") that already exceeds the early figure is a rise at least that large
    if rise >= min_rise:
        verdict = SUPPORTED
    elif rise > 0:
        verdict = PARTLY
    elif b["bound"] == ">":
        verdict = INCONCLUSIVE  # a lower bound at or below the early value says nothing about the direction
    else:
        verdict = CONTRADICTED
    when = f"{int(b['year'])}" if not math.isnan(b["year"]) else f"published {int(b['published_year'])}, year unstated"
    measured = (
        f"UNCTAD: trade among developing economies {a['bound'] if a['bound'] != '=' else ''}{a['value']:g} % of world "
        f"exports ({early_year}) → {'over ' if b['bound'] == '>' else ''}{b['value']:g} % of world trade ({when})"
    )
    detail = (
        (
            f"The share rose by at least {signed(rise)} points (the "
            f"rule needs {min_rise:g}), so trade among developing "
            "economies grew faster than world trade over the interval."
            if rise > 0
            else (
                f"The share changed {signed(rise)} points: trade among "
                "developing economies did not outgrow world trade."
            )
        )
        + " The two figures are rounded headline statements "
        "whose coverage is not stated to match (merchandise exports; 'global commerce'), and UNCTAD's developing "
        "economies include China, Korea and Singapore."
    )
    return CheckResult(verdict, measured, detail, rise)
