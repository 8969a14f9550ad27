"""Claim checks of the chapter "China's roadmap" (source texts 002 and 003).

Each check measures one register entry with the chapter's own functions (:mod:`.analysis`,
:mod:`imtrade.data.robots`) and applies the entry's tolerance rule literally. The generic
checks the register also names (``period_mean_comparison``, ``curated_figure_compare``,
``economy_rank``) live in :mod:`imtrade.claims.checks.generic`.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from imtrade.chapters.china_roadmap import analysis as cr
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
from imtrade.data.robots import robot_rows, robot_value, select_editions
from imtrade.stats import cagr


def _robots(ctx: CheckContext, measure: str):
    return robot_rows(ctx.curated("robot_installations"), measure)


def _edition(row) -> str:
    return f"{row['report_edition']}" + (" — no final edition recorded" if row["preliminary"] else "")


@check("working_age_population_peak")
def working_age_population_peak(
    claim: Claim, ctx: CheckContext, *, geo: str, years: Sequence[int], min_share_drop: float, peak_before: int
) -> CheckResult:
    """(a) fall of the 15-64 share from its peak to the end year; (b) peak year of the working-age count."""
    y0, y1 = int(years[0]), int(years[1])
    tidy = ctx.indicators(["SP.POP.1564.TO.ZS", "SP.POP.TOTL"], countries=[geo], years=(y0, y1))
    try:
        s = cr.working_age_summary(tidy, geo, (y0, y1))
    except ValueError as exc:
        return CheckResult(
            NOT_CHECKABLE, "—", f"data of vintage {ctx.vintage or 'default'} do not reach the test year: {exc}"
        )
    a = s["share_drop"] >= min_share_drop
    b = s["count_peak_year"] < peak_before
    verdict = SUPPORTED if a and b else PARTLY if a or b else CONTRADICTED
    measured = (
        f"15-64 share {s['share_peak']:.1f} % at its {s['share_peak_year']} peak, {s['share_end']:.1f} % in {y1} "
        f"(-{s['share_drop']:.1f} points); working-age count peaked in "
        f"{s['count_peak_year']} ({s['count_peak'] / 1e6:,.0f} million)"
    )
    detail = (
        f"Test: share fall >= {min_share_drop:g} points ({'yes' if a else 'no'}) and count peak before {peak_before} "
        f"({'yes' if b else 'no'}); labour costs are not tested (no wage series)."
    )
    return CheckResult(verdict, measured, detail, s["share_drop"])


@check("manufacturing_scale_vs_sophistication")
def manufacturing_scale_vs_sophistication(
    claim: Claim,
    ctx: CheckContext,
    *,
    year: int,
    min_world_share: float,
    peers_m49: Sequence[int],
    min_tech_gap: float,
    geo: str = "CHN",
) -> CheckResult:
    """China's share of world MVA (scale) and its medium/high-tech share against four peers (sophistication)."""
    from imtrade.data.load import load_entities

    entities = load_entities()
    by_m49 = (
        entities.dropna(subset=["m49"])
        .assign(m49=lambda d: d["m49"].astype(int))
        .drop_duplicates("m49")
        .set_index("m49")["iso3"]
    )
    peers = [str(by_m49[int(m)]) for m in peers_m49]
    mva = ctx.indicators(["NV.IND.MANF.CD"], countries=[geo, "WLD"], years=(year, year))
    tech = ctx.indicators([cr.TECH_SHARE_SDG], countries=[geo, *peers], years=(year, year), dataset="un-sdg")
    try:
        s = cr.scale_vs_sophistication(mva, tech, geo, peers, year)
    except ValueError as exc:
        return CheckResult(NOT_CHECKABLE, "—", f"data of vintage {ctx.vintage or 'default'} are incomplete: {exc}")
    scale_ok = s["world_share"] >= min_world_share
    gap_ok = s["tech_gap"] >= min_tech_gap
    if s["tech_share"] >= s["peer_mean"]:
        verdict = CONTRADICTED
    elif scale_ok and gap_ok:
        verdict = SUPPORTED
    elif scale_ok:
        verdict = PARTLY
    else:
        verdict = CONTRADICTED
    peer_text = ", ".join(f"{c} {v:.1f}" for c, v in s["peer_values"].items())
    measured = (
        f"{geo} {s['world_share']:.1f} % of world manufacturing value "
        f"added ({year}); medium/high-tech share {s['tech_share']:.1f} % "
        f"vs peer mean {s['peer_mean']:.1f} % ({peer_text}; {year})"
    )
    detail = (
        f"Test: world share >= {min_world_share:g} % ({'yes' if scale_ok else 'no'}) "
        f"and tech share at least {min_tech_gap:g} points "
        f"below the peer mean (gap {s['tech_gap']:.1f} points: "
        f"{'yes' if gap_ok else 'no'}). MVA from the WDI bulk file "
        f"(rounded to 3 significant digits), tech share from the UN SDG database (UNIDO)."
    )
    return CheckResult(verdict, measured, detail, s["tech_gap"])


@check("curated_robots")
def curated_robots(claim: Claim, ctx: CheckContext, *, mode: str, **args: Any) -> CheckResult:
    """IFR figures (curated, latest final edition per year) in four modes: growth, goal_proxy, market_leader, cagr."""
    modes = {"growth": _growth, "goal_proxy": _goal_proxy, "market_leader": _market_leader, "cagr": _cagr}
    if mode not in modes:
        raise ValueError(f"curated_robots: unknown mode {mode!r} (one of {', '.join(modes)})")
    try:
        return modes[mode](ctx, **args)
    except KeyError as exc:  # a figure the curated table does not hold
        return CheckResult(NOT_CHECKABLE, "—", f"the curated IFR table lacks a figure the test needs: {exc.args[0]}")


def _context(rows, iso3: str, years: Sequence[int]) -> str:
    found = []
    for y in range(int(years[0]), int(years[1]) + 1):
        try:
            found.append((y, robot_value(rows, iso3, y)["value"]))
        except KeyError:
            continue
    if not found:
        return ""
    (y0, v0), (y1, v1) = found[0], found[-1]
    return f"; context {v0:,.0f} ({y0}) to {v1:,.0f} ({y1})"


def _growth(
    ctx: CheckContext,
    *,
    iso3: str,
    measure: str,
    years: Sequence[int],
    min_ratio: float,
    context_years: Sequence[int] | None = None,
) -> CheckResult:
    rows = _robots(ctx, measure)
    y0, y1 = int(years[0]), int(years[1])
    r0, r1 = robot_value(rows, iso3, y0), robot_value(rows, iso3, y1)
    ratio = r1["value"] / r0["value"]
    verdict = SUPPORTED if ratio >= min_ratio else CONTRADICTED if ratio < 1 else PARTLY
    context = ""
    if context_years:
        c0, c1 = (robot_value(rows, iso3, int(y)) for y in context_years)
        context = (
            f"; context {int(context_years[0])}: {c0['value']:,.0f} ({c0['report_edition']}), "
            f"{int(context_years[1])}: {c1['value']:,.0f} ({c1['report_edition']})"
        )
    measured = (
        f"{iso3} {measure} {y0}: {r0['value']:,.0f} ({_edition(r0)}); {y1}: "
        f"{r1['value']:,.0f} ({_edition(r1)}); ratio {ratio:.2f}{context}"
    )
    detail = (
        f"Test: {y1}/{y0} ratio >= {min_ratio:g} supported, rise "
        f"below that partly, fall contradicted; ratio {ratio:.2f}."
    )
    return CheckResult(verdict, measured, detail, ratio)


def _goal_proxy(
    ctx: CheckContext,
    *,
    density_year: int,
    min_density_ratio: float,
    share_year: int,
    min_share_pct: float,
    iso3: str = "CHN",
) -> CheckResult:
    density = _robots(ctx, "robot_density")
    installs = _robots(ctx, "installations")
    d_c, d_w = robot_value(density, iso3, density_year), robot_value(density, "WLD", density_year)
    i_c, i_w = robot_value(installs, iso3, share_year), robot_value(installs, "WLD", share_year)
    ratio = d_c["value"] / d_w["value"]
    share = 100.0 * i_c["value"] / i_w["value"]
    ok = ratio >= min_density_ratio and share >= min_share_pct
    verdict = SUPPORTED if ok else CONTRADICTED  # on the proxy; the register caps it (evidence: proxy)
    measured = (
        f"robot density {iso3} {d_c['value']:,.0f} vs world {d_w['value']:,.0f} "
        f"per 10,000 manufacturing employees ({density_year}, "
        f"{d_c['report_edition']}; ratio {ratio:.2f}); {iso3} {share:.1f} "
        f"% of world installations ({share_year}, {i_c['report_edition']})"
    )
    detail = (
        f"Proxy test: density ratio >= {min_density_ratio:g} ({'yes' if ratio >= min_density_ratio else 'no'}) "
        f"and share >= {min_share_pct:g} % ({'yes' if share >= min_share_pct else 'no'}). "
        "Robots are one input of smart manufacturing, "
        f"not a measure of networked ('Internet plus') adoption."
    )
    return CheckResult(verdict, measured, detail, share)


def _market_leader(
    ctx: CheckContext,
    *,
    iso3: str,
    years: Sequence[int],
    share_year: int,
    min_share_pct: float,
    context_years: Sequence[int] | None = None,
) -> CheckResult:
    rows = select_editions(_robots(ctx, "installations"))
    economies = rows[(rows["iso3"] != "") & (rows["iso3"] != "WLD")]
    compared, first_everywhere = [], True
    for y in range(int(years[0]), int(years[1]) + 1):
        year_rows = economies[economies["year"] == y]
        if iso3 not in set(year_rows["iso3"]) or len(year_rows) < 2:
            continue
        top = year_rows.sort_values("value", ascending=False).iloc[0]
        compared.append((y, top["iso3"], len(year_rows) - 1))
        first_everywhere &= top["iso3"] == iso3
    last = [c for c in compared if c[0] == share_year]
    if not last:
        return CheckResult(
            NOT_CHECKABLE, "—", f"no curated {share_year} installations for {iso3} and another economy to compare"
        )
    world = robot_value(_robots(ctx, "installations"), "WLD", share_year)
    own = robot_value(_robots(ctx, "installations"), iso3, share_year)
    share = 100.0 * own["value"] / world["value"]
    first_last = last[0][1] == iso3
    if not first_last:
        verdict = CONTRADICTED
    elif first_everywhere and share >= min_share_pct:
        verdict = SUPPORTED
    else:
        verdict = PARTLY
    ranks = ", ".join(f"{y}: {'first' if top == iso3 else top + ' first'} (vs {n})" for y, top, n in compared)
    context = _context(robot_rows(ctx.curated("robot_installations")), iso3, context_years) if context_years else ""
    measured = (
        f"{iso3} installations {ranks}; {share:.1f} % of world "
        f"installations in {share_year} ({own['report_edition']}){context}"
    )
    detail = (
        f"Test: first in every year {int(years[0])}-{int(years[1])} with a comparison "
        f"({'yes' if first_everywhere else 'no'}) and >= {min_share_pct:g} % "
        f"of world installations in {share_year} ({'yes' if share >= min_share_pct else 'no'}). "
        "Only economies with a curated IFR figure are compared."
    )
    return CheckResult(verdict, measured, detail, share)


def _cagr(
    ctx: CheckContext,
    *,
    iso3: str,
    measure: str,
    years: Sequence[int],
    claimed_cagr: float,
    tol: float,
    partial_tol: float,
) -> CheckResult:
    rows = _robots(ctx, measure)
    y0, y1 = int(years[0]), int(years[1])
    r0, r1 = robot_value(rows, iso3, y0), robot_value(rows, iso3, y1)
    realised = cagr(r0["value"], r1["value"], y1 - y0)
    gap = abs(realised - claimed_cagr)
    verdict = SUPPORTED if gap <= tol else PARTLY if gap <= partial_tol else CONTRADICTED
    forecasts = ctx.curated("robot_forecasts")
    ifr = forecasts[
        (forecasts["forecaster"] == "IFR")
        & (forecasts["iso3"] == iso3)
        & (forecasts["measure"] == measure)
        & (forecasts["forecast_year"] == y1)
    ]
    ifr_text = (
        f"; IFR's {int(ifr['made_in_year'].iloc[0])} outlook "
        f"{ifr['cagr_pct'].min():g}-{ifr['cagr_pct'].max():g} % a year"
        if len(ifr)
        else ""
    )
    measured = (
        f"realised {realised:.1f} % a year {y0}-{y1} ({r0['value']:,.0f}, "
        f"{r0['report_edition']} -> {r1['value']:,.0f}, {r1['report_edition']}){ifr_text}"
    )
    detail = (
        f"Test: |realised - {claimed_cagr:g}| <= {tol:g} points supported, "
        f"<= {partial_tol:g} partly, else contradicted; gap {gap:.1f} points."
    )
    return CheckResult(verdict, measured, detail, realised)
