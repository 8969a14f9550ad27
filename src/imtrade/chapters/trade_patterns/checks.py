"""Claim checks of the chapter "Trade patterns" (source text 000, data/claims/000_trade_patterns.yml).

Each check reads its data through ``ctx.indicators`` (so the chapter's vintage flows through),
computes with the chapter's functions (:mod:`.analysis`, :mod:`imtrade.stats`; one
implementation of each computation) and applies the register entry's tolerance rule literally.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import pandas as pd

from imtrade.chapters.trade_patterns import analysis as tp
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
from imtrade.data import indicators
from imtrade.data.entities import GROUPS, economies, group_code, group_members
from imtrade.data.load import wide as to_wide
from imtrade.show.text import signed
from imtrade.stats import change_between, percent_change, weighted_mean

# Register sector names -> the chapter's sector keys.
_SECTOR_KEYS = {"service": "services", "services": "services", "industry": "industry", "agriculture": "agriculture"}


def _entities() -> pd.DataFrame:
    """The entity table (a function so that tests can replace it)."""
    from imtrade.data.load import load_entities

    return load_entities()


def _series(tidy: pd.DataFrame, iso3: str = "WLD", indicator: str | None = None) -> pd.Series:
    """One entity's values by year from a tidy frame."""
    rows = tidy[tidy["iso3"] == iso3]
    if indicator is not None:
        rows = rows[rows["indicator"] == indicator]
    return rows.drop_duplicates("year").set_index("year")["value"].sort_index()


def _verdict(conditions: Sequence[bool]) -> str:
    """All hold -> supported; some -> partly supported; none -> contradicted."""
    held = sum(bool(c) for c in conditions)
    return SUPPORTED if held == len(conditions) else PARTLY if held else CONTRADICTED


def _yes(flag: bool) -> str:
    return "met" if flag else "not met"


def _points(value: float) -> str:
    """'1 point', '2.5 points'."""
    return f"{value:g} point" + ("" if abs(value) == 1 else "s")


def _group_prose(name: str) -> str:
    """A register group name as it reads in a sentence ('High income' -> 'high-income economies')."""
    return GROUPS[group_code(name)].prose


@check("tech_intensity_shift")
def tech_intensity_shift(
    claim: Claim,
    ctx: CheckContext,
    *,
    mva_years: Sequence[int],
    export_start_year: int,
    min_mva_rise: float,
    min_export_rise: float,
) -> CheckResult:
    """(a) World medium/high-tech share of MVA rises by ``min_mva_rise`` points over ``mva_years``;
    (b) World high-tech share of manufactured exports rises by ``min_export_rise`` points from
    ``export_start_year`` to the latest year, within one definition (one vintage)."""
    y0, y1 = (int(y) for y in mva_years)
    mva = _series(ctx.indicators([tp.MHT_MVA_WORLD], countries=["WLD"], years=(y0, y1)))
    exports = _series(ctx.indicators([indicators.HT_SHARE], countries=["WLD"], years=(int(export_start_year), None)))
    change = tp.tech_intensity_change(mva, exports, (y0, y1), int(export_start_year))
    if math.isnan(change["mva_change"]) or math.isnan(change["export_change"]):
        missing = [
            name
            for name, key in (
                ("medium/high-tech share of MVA", "mva_change"),
                ("high-tech export share", "export_change"),
            )
            if math.isnan(change[key])
        ]
        return CheckResult(
            NOT_CHECKABLE,
            "—",
            f"World {' and '.join(missing)} missing for the years the test needs (vintage {ctx.vintage or 'default'}).",
        )
    a = change["mva_change"] >= min_mva_rise
    b = change["export_change"] >= min_export_rise
    e0, e1 = change["export_years"]
    definition = indicators.high_tech_definition(ctx.vintage or "")
    measured = (
        f"(a) World medium/high-tech share of MVA {change['mva_start']:.1f} "
        f"% ({y0}) → {change['mva_end']:.1f} % ({y1}), "
        f"{signed(change['mva_change'])} points; (b) World high-tech "
        f"exports {change['export_start']:.1f} % of manufactured "
        f"exports ({e0}) → {change['export_end']:.1f} % ({e1}), {signed(change['export_change'])} points; {definition}"
    )
    detail = (
        f"Test: (a) rise of at least {_points(min_mva_rise)} ({_yes(a)}) "
        f"and (b) rise of at least {_points(min_export_rise)} "
        f"({_yes(b)}); both met = supported, one = partly supported, none = contradicted."
    )
    return CheckResult(_verdict([a, b]), measured, detail, value=round(change["export_change"], 3))


@check("services_ip_trade_relative_to_goods")
def services_ip_trade_relative_to_goods(
    claim: Claim, ctx: CheckContext, *, start_year: int, end_year: int, min_services_share_rise: float
) -> CheckResult:
    """World (1) approximate services share of exports rises by ``min_services_share_rise``
    points, (2) IP receipts and (3) ICT service exports relative to merchandise exports are
    higher in ``end_year`` than in ``start_year``."""
    y0, y1 = int(start_year), int(end_year)
    codes = [tp.GNFS_EXPORTS_GDP, tp.GDP_USD, tp.MERCH_EXPORTS, tp.IP_RECEIPTS, tp.ICT_EXPORTS]
    wide = to_wide(ctx.indicators(codes, countries=["WLD"], years=[y0, y1]))
    missing = [c for c in codes if c not in wide]
    if missing:
        return CheckResult(NOT_CHECKABLE, "—", f"World series {', '.join(missing)} missing for {y0} and {y1}.")
    share = tp.services_share_of_exports(wide).xs("WLD", level="iso3")
    ratios = tp.services_ratios(wide)
    ip = _series(ratios[ratios["measure"] == "ip_receipts"])
    ict = _series(ratios[ratios["measure"] == "ict_exports"])
    changes = {name: change_between(s, y0, y1) for name, s in (("services", share), ("ip", ip), ("ict", ict))}
    if any(math.isnan(v) for v in changes.values()):
        gaps = ", ".join(k for k, v in changes.items() if math.isnan(v))
        return CheckResult(
            NOT_CHECKABLE, "—", f"World ratio(s) {gaps} missing in {y0} or {y1} (vintage {ctx.vintage or 'default'})."
        )
    c1 = changes["services"] >= min_services_share_rise
    c2 = changes["ip"] > 0
    c3 = changes["ict"] > 0
    measured = (
        f"World, {y0} → {y1}: (1) services share of exports (approximation) {share[y0]:.1f} → {share[y1]:.1f} % "
        f"({signed(changes['services'])} points); (2) IP receipts "
        f"{ip[y0]:.2f} → {ip[y1]:.2f} % of merchandise exports; "
        f"(3) ICT service exports {ict[y0]:.2f} → {ict[y1]:.2f} % of merchandise exports"
    )
    detail = (
        f"Test: (1) rise of at least {_points(min_services_share_rise)} ({_yes(c1)}), (2) higher ({_yes(c2)}), "
        f"(3) higher ({_yes(c3)}); all three = supported, one or two = partly supported, none = contradicted."
    )
    return CheckResult(_verdict([c1, c2, c3]), measured, detail, value=round(changes["services"], 3))


@check("employment_sector_share_change")
def employment_sector_share_change(
    claim: Claim, ctx: CheckContext, *, sector: str, group: str | Sequence[str], years: Sequence[int], min_change: float
) -> CheckResult:
    """Employment-weighted sector share of a group of economies, change between two years.

    ``min_change`` > 0: the share must rise by at least that many points; < 0: fall by at least
    its absolute value. With one group: threshold met = supported, moved the right way by less
    = partly supported, moved the other way (or not at all) = contradicted. With several groups
    (the first is the primary): primary meets the threshold and every other group moves the
    right way = supported; primary meets it but another group does not = partly supported;
    primary misses the threshold = contradicted. Weights: employment = labour force x
    (1 - unemployment/100); the same economies in both years.
    """
    key = _SECTOR_KEYS.get(sector)
    if key is None:
        raise ValueError(f"unknown sector {sector!r} (one of {', '.join(_SECTOR_KEYS)})")
    groups = [group] if isinstance(group, str) else list(group)
    y0, y1 = (int(y) for y in years)
    shares = ctx.indicators([indicators.SECTORS[key]], years=[y0, y1])
    weights = indicators.employment_weights(
        ctx.indicators([indicators.LABOUR_FORCE, indicators.UNEMPLOYMENT], years=[y0, y1])
    )
    entities = _entities()
    direction = 1.0 if min_change >= 0 else -1.0
    results = []
    for name in groups:
        members = group_members(name, entities)
        mean = weighted_mean(shares, weights, members, balanced=True)
        change = change_between(mean["value"], y0, y1)
        if math.isnan(change):
            return CheckResult(NOT_CHECKABLE, "—", f"{name}: employment shares or weights missing in {y0} or {y1}.")
        results.append((name, mean.loc[y0, "value"], mean.loc[y1, "value"], change, int(mean.loc[y1, "n"])))
    name0, _, _, change0, _ = results[0]
    meets = direction * change0 >= abs(min_change)
    moves = [direction * r[3] > 0 for r in results]
    if len(results) == 1:
        verdict = SUPPORTED if meets else PARTLY if moves[0] else CONTRADICTED
    else:
        verdict = (SUPPORTED if all(moves[1:]) else PARTLY) if meets else CONTRADICTED
    measured = "; ".join(
        f"{n}: {a:.1f} % ({y0}) → {b:.1f} % ({y1}), {signed(c)} points ({k} economies)" for n, a, b, c, k in results
    )
    word = "rise" if direction > 0 else "fall"
    others = "".join(
        f"; the share in {_group_prose(r[0])} must also {word} ({_yes(m)})"
        for r, m in zip(results[1:], moves[1:], strict=True)
    )
    detail = (
        f"Test: the {key} share of employment in {_group_prose(name0)} "
        f"must {word} by at least {_points(abs(min_change))} "
        f"({_yes(meets)}){others}. Employment-weighted ILO modelled estimates, same economies in both years."
    )
    return CheckResult(verdict, measured, detail, value=round(change0, 3))


@check("net_co2_transfer")
def net_co2_transfer(
    claim: Claim, ctx: CheckContext, *, years: Sequence[int], min_mva_intensity_drop_pct: float
) -> CheckResult:
    """(a) World CO2 per unit of manufacturing value added falls by at least
    ``min_mva_intensity_drop_pct`` %; (b) the net CO2 transfer through trade (CO2 embodied in
    net imports, summed over net importers), as a share of world emissions, is lower in the
    second year than in the first."""
    y0, y1 = (int(y) for y in years)
    mva = _series(ctx.indicators([tp.CO2_PER_MVA], countries=["WLD"], years=[y0, y1]))
    drop = percent_change(mva, y0, y1)
    trade = ctx.indicators(["trade_co2"], years=[y0, y1])
    co2 = ctx.indicators(["co2"], countries=["WLD"], years=[y0, y1])
    content = tp.net_co2_transfer(trade, co2, economies(_entities()))
    share_change = change_between(content["share"], y0, y1)
    if math.isnan(drop) or math.isnan(share_change):
        return CheckResult(NOT_CHECKABLE, "—", f"World CO2 per unit of MVA or CO2 in trade missing in {y0} or {y1}.")
    a = drop <= -float(min_mva_intensity_drop_pct)
    b = share_change < 0
    measured = (
        f"(a) World CO2 per unit of manufacturing value added {mva[y0]:.2f} → {mva[y1]:.2f} kg per constant-2010 US$ "
        f"({signed(drop)} %); (b) net CO2 transfer through trade "
        f"{content.loc[y0, 'share']:.1f} % of world emissions ({y0}) → "
        f"{content.loc[y1, 'share']:.1f} % ({y1})"
    )
    detail = (
        f"Test: (a) fall of at least {min_mva_intensity_drop_pct:g} % ({_yes(a)}) and (b) lower in {y1} than in {y0} "
        f"({_yes(b)}); both = supported, one = partly supported, none = contradicted. (b) nets each economy's "
        "embodied exports against its embodied imports: a lower bound of the CO2 in gross trade, not its carbon "
        "content. Attribution to intelligent manufacturing is not tested."
    )
    return CheckResult(_verdict([a, b]), measured, detail, value=round(drop, 3))


_VERDICTS = {
    "supported": SUPPORTED,
    "partly supported": PARTLY,
    "inconclusive": INCONCLUSIVE,
    "partly contradicted": PARTLY_CONTRADICTED,
    "contradicted": CONTRADICTED,
}


@check("trade_investment_after_robot_takeoff")
def trade_investment_after_robot_takeoff(
    claim: Claim,
    ctx: CheckContext,
    *,
    break_year: int,
    years: Sequence[int],
    robot_years: Sequence[int],
    alpha: float = 0.05,
) -> CheckResult:
    """World trade and FDI relative to GDP: faster trends after ``break_year``, when robot adoption took off?

    The measures and the break tests are those of the de-globalisation chapter; the world's
    robot installations (curated IFR table) in ``robot_years`` show the take-off.
    """
    from imtrade.show.text import p_text

    codes = [tp.GNFS_EXPORTS_GDP, tp.GNFS_IMPORTS_GDP, tp.FDI_INFLOWS, tp.GDP_USD]
    series = tp.world_trade_and_fdi(ctx.indicators(codes, countries=["WLD"]))
    y0, y1 = (int(y) for y in years)
    table = tp.robot_era_comparison(series, int(break_year), (y0, y1), alpha=alpha)
    if (table["direction"] == "too few data").all():
        return CheckResult(
            NOT_CHECKABLE, "—", f"world trade and FDI relative to GDP missing for {y0}–{y1} in this vintage"
        )
    r0, r1 = (int(y) for y in robot_years)
    growth = tp.world_robot_growth(ctx.curated("robot_installations"), (r0, r1))
    robot_text = (
        f"world robot installations ×{growth:.1f} from {r0} to {r1} (curated IFR rows)"
        if math.isfinite(growth)
        else "world robot installations: no curated figure for the years asked"
    )
    parts = [
        f"{tp.ROBOT_ERA_SERIES[r.measure]}: slope {r.pre_slope:+.3f} pp/yr to {break_year}, {r.post_slope:+.3f} after "
        f"(change 95 % CI {r.change_low:+.3f} to {r.change_high:+.3f}; Chow test "
        f"of level and slope, bootstrap p {p_text(r.boot_pvalue)}): {r.direction}"
        if r.direction != "too few data"
        else f"{tp.ROBOT_ERA_SERIES[r.measure]}: too few data"
        for r in table.itertuples()
    ]
    verdict = _VERDICTS[tp.robot_era_verdict(table["direction"])]
    detail = (
        f"Test ({y0}–{y1}, broken linear trend after {break_year}; a trend is faster or slower when the "
        f"{1 - alpha:.0%} AR(1)-bootstrap interval of its slope change excludes zero): both trends "
        "faster after the break = supported, both slower = contradicted, one slower and the other unchanged = partly "
        "contradicted, one faster and the other unchanged = partly supported, otherwise inconclusive. "
        "An association in time only: the break years also saw the financial crisis, the end of China's export boom "
        "and new trade barriers."
    )
    return CheckResult(verdict, "; ".join([*parts, robot_text]), detail, float(table["slope_change"].iloc[0]))
