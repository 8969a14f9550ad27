"""Chapter "China's roadmap": the prose and page tables that follow the data and parameters.

Generic pieces (signs, intervals, p-values, name lists) come from :mod:`imtrade.show.text`;
names of economies from :mod:`imtrade.data.entities`.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from imtrade.chapters.china_roadmap.analysis import (
    DASHBOARD,
    ROBOT_DENSITY_CODE,
    SANCTION_CODES,
    SURVEY_IDS,
    TREND_MODELS,
    DiffInTrends,
    Indicator,
    bound_note,
    indicator_label,
    recent_growth,
)
from imtrade.claims import verdict_counts_phrase
from imtrade.data.entities import display_name, prose_name, prose_names
from imtrade.data.robots import select_editions
from imtrade.show.text import DASH, ci_text, interval_text, join_names, lower_first, p_text, plural, signed
from imtrade.stats import TrendFit, predict_trend, to_growth


def milestone_table(milestones: pd.DataFrame) -> pd.DataFrame:
    """The milestones as shown and downloaded, in reading order.

    Columns: ``year`` ('≈' marks an approximate anchor), ``kind``, ``label``, ``description``,
    ``source`` (source text or short publisher name), ``citation``, ``url``, ``verified_primary``.
    """
    year = milestones.apply(
        lambda r: (
            ("≈" if r["approximate"] else "")
            + str(int(r["start_year"] if pd.notna(r["start_year"]) else r["end_year"]))
        ),
        axis=1,
    )
    short = milestones.apply(
        lambda r: (
            r["source_text"] if str(r["source_text"]).strip() else str(r["citation"]).split(" (")[0].split(",")[0]
        ),
        axis=1,
    )
    order = {"paradigm": 0, "goal": 3, "policy": 1, "event": 2}
    out = milestones.assign(year=year, source=short, _order=milestones["kind"].map(order)).sort_values(
        ["_order", "when"], kind="stable"
    )
    return out[["year", "kind", "label", "description", "source", "citation", "url", "verified_primary"]].reset_index(
        drop=True
    )


def dashboard_display(latest: pd.DataFrame, economies: Sequence[str], country: str) -> pd.DataFrame:
    """The latest-values table for the page: one row per indicator, one column per economy.

    Values are rounded for reading; ``Year`` gives the latest year (a range when the economies'
    latest years differ); the last column is the focus economy's rank and its year.
    """

    def fmt(value: float) -> str:
        if pd.isna(value):
            return "–"
        digits = 0 if abs(value) >= 100 else 1 if abs(value) >= 10 else 2
        return f"{value:,.{digits}f}"

    rows = []
    for _key, sub in latest.groupby("key", sort=False):
        sub = sub.set_index("iso3")
        years = sub["year"].dropna()
        span = (
            "–"
            if years.empty
            else f"{years.min():.0f}"
            if years.min() == years.max()
            else f"{years.min():.0f}–{years.max():.0f}"
        )
        row = {
            "Indicator (stands for)": f"{sub['label'].iloc[0]} ({sub['proxy'].iloc[0]})",
            "Unit": sub["unit"].iloc[0],
            "Year": span,
        }
        for code in economies:
            row[code] = fmt(sub.loc[code, "value"])
        r = sub.loc[country]
        row[f"{country} rank"] = (
            f"{int(r['rank'])} of {int(r['n_ranked'])}"
            + (f" ({int(r['rank_year'])})" if span != f"{r['rank_year']:.0f}" else "")
            if pd.notna(r["rank"])
            else "–"
        )
        rows.append(row)
    return pd.DataFrame(rows)


def describe_crossing(row: pd.Series | dict, horizon: int, far: int = 2100) -> str:
    """Plain-language reading of one crossing row, e.g. 'about 2031 (95 % range 2029–2034)'.

    Years after ``far`` are reported as 'after {far}': such extrapolations carry no information.
    """

    def year(value: float) -> str:
        return f"after {far}" if not np.isfinite(value) or value > far else f"{value:.0f}"

    status = row["status"]
    if status == "already ahead":
        return "already ahead"
    if status == "too few data":
        return "too few data to fit a trend"
    share = f"{100 * row['share_by_horizon']:.0f} % of draws cross by {horizon}"
    if status == "diverging":
        return f"never on current trends: the gap is widening ({share})"
    span = f"95 % range {year(row['lower'])} to {year(row['upper'])}"
    if status == "not by horizon":
        return f"not by {horizon}: median {year(row['median'])} ({span}; {share})"
    return f"about {year(row['median'])} ({span})"


def fits_display(fits_table: pd.DataFrame) -> pd.DataFrame:
    """The trend fits for the page: indicator, economy, window, N, slope with 95 % CI, Durbin-Watson."""
    return pd.DataFrame(
        {
            "Indicator": fits_table["indicator"].map(indicator_label),
            "Economy": fits_table["iso3"],
            "Trend": fits_table["model"].map({"log": "log-linear", "linear": "linear"}),
            "Years": fits_table["years"],
            "N": fits_table["n"],
            "Slope": fits_table["growth"].map(lambda v: signed(v, 3 if abs(v) < 1 else 2)),
            "95 % CI": [
                interval_text(lo, hi, 3 if max(abs(lo), abs(hi)) < 1 else 2, plus=True)
                for lo, hi in zip(fits_table["growth_lower"], fits_table["growth_upper"], strict=True)
            ],
            "Unit": fits_table["growth_unit"],
            "Durbin-Watson": fits_table["durbin_watson"].map(lambda v: f"{v:.2f}"),
        }
    )


def milestones_display(at_milestones: pd.DataFrame) -> pd.DataFrame:
    """Projected values at the milestone years: one row per indicator and economy, 'value [low, high]' per year."""
    if at_milestones.empty:
        return pd.DataFrame({"Indicator": [], "Economy": []})

    def fmt(v: float) -> str:
        return f"{v:,.0f}" if abs(v) >= 100 else f"{v:.1f}" if abs(v) >= 10 else f"{v:.2f}"

    cells = at_milestones.assign(
        cell=[
            f"{fmt(m)} [{fmt(lo)}, {fmt(hi)}]"
            for m, lo, hi in zip(
                at_milestones["mean"], at_milestones["pi_lower"], at_milestones["pi_upper"], strict=True
            )
        ]
    )
    wide = cells.pivot_table(
        index=["indicator", "iso3"], columns="year", values="cell", aggfunc="first", sort=False
    ).reset_index()
    wide.columns = ["Indicator", "Economy", *[f"{y} (95 % PI)" for y in wide.columns[2:]]]
    wide.insert(1, "Limit", wide["Indicator"].map(bound_note))
    wide["Indicator"] = wide["Indicator"].map(indicator_label)
    return wide


def describe_placebo(
    results: dict[tuple[str, str], DiffInTrends | None], country: str, event_year: int, placebo_lead: int = 4
) -> str:
    """What the placebo estimates say about the post-event bends (one or two sentences)."""
    name = display_name(country)
    fake = event_year - placebo_lead
    parts = []
    for code in SANCTION_CODES:
        res = results.get((code, "placebo"))
        if res is None:
            parts.append(f"for {lower_first(indicator_label(code))} the placebo cannot be estimated with these data")
            continue
        significant = res.ci_lower > 0 or res.ci_upper < 0
        parts.append(
            f"for {lower_first(indicator_label(code))} it is {signed(res.pct(res.estimate), 1)} "
            f"% a year (95 % CI {signed(res.pct(res.ci_lower), 1)} to "
            f"{signed(res.pct(res.ci_upper), 1)}; N = {res.n_obs}), "
            f"{'a bend of its own' if significant else 'not distinguishable from zero'}"
        )
    verdict = ""
    exports = results.get(("TX.VAL.TECH.CD", "placebo"))
    if exports is not None and (exports.ci_upper < 0 or exports.ci_lower > 0):
        verdict = (
            f" {name}'s high-tech exports had therefore already changed "
            f"course relative to the peers before {event_year}: the bend "
            f"after {event_year} continues an earlier one and cannot be pinned on the US measures."
        )
    return (
        "A placebo test asks whether such bends also appear where "
        f"nothing happened: using only the years up to {event_year} and "
        f"pretending the event came in {fake}, the difference in trends " + "; ".join(parts) + "." + verdict
    )


def dashboard_sources(indicators: Sequence[Indicator], vintage: str) -> str:
    """Source line of the dashboard figure: datasets, vintages and codes."""
    wdi = [i.code for i in indicators if i.source.startswith("WDI ") and "bulk" not in i.source]
    bulk = [i.code for i in indicators if "bulk" in i.source]
    sdg = [i.code for i in indicators if i.source.startswith("UN SDG")]
    parts = [f"World Bank, WDI (vintage {vintage}): {', '.join(wdi)}"]
    if bulk:
        parts.append(f"WDI bulk downloads (2026-02-24; NV.IND.MANF.CD a 2023 copy): {', '.join(bulk)}")
    if sdg:
        parts.append(f"UN SDG database (2020-10-19): {', '.join(sdg)}")
    if any(i.code == ROBOT_DENSITY_CODE for i in indicators):
        parts.append("IFR World Robotics press releases (curated table robot_installations, one citation per row)")
    return "; ".join(parts) + ". Medium/high-tech share and MVA compiled by UNIDO."


def stale_sentence(tails: pd.DataFrame, indicators: Sequence[Indicator], country: str) -> str:
    """A warning for series of ``country`` that repeat one value at their end, or ''."""
    own = tails[tails["iso3"] == country]
    if own.empty:
        return (
            f"None of {display_name(country)}'s series repeats one "
            "value for years at its end, which would be a sign of "
            "carried-forward or imputed data."
        )
    labels = {i.key: i for i in indicators}
    parts = [
        f"{labels[r.key].label.lower()} has stayed at exactly {r.value:.2f} "
        f"({labels[r.key].unit}) in every year from {r.since} to {r.until}"
        for r in own.itertuples()
    ]
    return (
        f"One caution before reading the panels: for {display_name(country)}, "
        f"the {'; the '.join(parts)}. A series that does not move "
        "at all for years is almost certainly carried forward or "
        "imputed by the compiler, not measured, so its recent values say "
        "nothing about recent change."
    )


def catch_up_bullets(table: pd.DataFrame, fits: dict[tuple[str, str], TrendFit], country: str, horizon: int) -> str:
    """One Markdown bullet per projected indicator: trend growth and the crossing per peer."""
    lines = []
    for code, sub in table.groupby("indicator", sort=False):
        ind = next((d for d in DASHBOARD if d.code == code), None)
        label = ind.label if ind else code
        fit = fits.get((code, country))
        if fit is None:
            lines.append(f"- **{label}**: too few observations for {display_name(country)} to fit a trend.")
            continue
        unit = "% a year" if fit.model == "log" else "points a year"
        peers = "; ".join(f"{display_name(r['peer'])}: {describe_crossing(r, horizon)}" for _, r in sub.iterrows())
        lines.append(
            f"- **{label}** ({'log-linear' if fit.model == 'log' else 'linear'} "
            f"trend, {signed(fit.growth, 2)} {unit} since {fit.first_year}) — {peers}."
        )
    return "\n".join(lines)


def describe_dit(res: DiffInTrends | None, label: str, country: str, event_year: int) -> str:
    """One sentence: the country's and peers' post-event slope changes and their difference with CI."""
    name = display_name(country)
    if res is None:
        return (
            f"For {lower_first(label)}, the data of this vintage do not cover "
            f"enough years after {event_year} to estimate a change in trend."
        )
    significant = res.ci_lower > 0 or res.ci_upper < 0
    direction = "faster" if res.estimate > 0 else "slower"
    reading = (
        f"{name}'s growth after {event_year} was {direction} than its own earlier trend "
        "would suggest, relative to the peers, and the 95 % interval excludes zero"
        if significant
        else (
            "the 95 % interval includes zero, so the data cannot tell "
            f"{name}'s post-{event_year} change apart from the peers'"
        )
    )
    return (
        f"For {lower_first(label)}, {name}'s trend growth changed by "
        f"{signed(res.pct(res.country_kink), 1)} % a year after {event_year} and the peers' by "
        f"{signed(res.pct(res.peer_kink), 1)} % a year: a difference in trends of "
        f"{signed(res.pct(res.estimate), 1)} % a year (95 % CI {signed(res.pct(res.ci_lower), 1)} to "
        f"{signed(res.pct(res.ci_upper), 1)}; N = {res.n_obs} economy-years, "
        f"{res.years[0]}–{res.years[1]}, {res.post_years} years after the event for {name}). "
        f"Read plainly: {reading}."
    )


def scope_sentence(country: str, peers: Sequence[str]) -> str:
    """What this run measures, and what stays about China whatever the parameters."""
    if country == "CHN":
        return (
            f"The measurements compare China with {join_names(prose_names(peers).values())}; "
            "the parameters at the top of the page "
            "(country, peers, years) can be changed to rerun every measurement for other economies."
        )
    return (
        f"This page was run for {display_name(country)}, compared with "
        f"{join_names(prose_names(peers).values())}: the dashboard, the projections "
        f"and the trade comparison measure {display_name(country)}. "
        "The roadmap, the robot forecast and the claims register "
        "concern China, as the source texts do, and do not change with the parameters."
    )


def model_reasons(codes: Sequence[str]) -> str:
    """Markdown bullets: the trend form of each projected indicator and why."""
    lines = []
    for code in codes:
        model, why = TREND_MODELS[code]
        ind = next((d for d in DASHBOARD if d.code == code), None)
        lines.append(
            f"- {ind.label if ind else code} (`{code}`): {'log-linear' if model == 'log' else 'linear'}, because {why}."
        )
    return "\n".join(lines)


def pending_sentence(pending: pd.DataFrame) -> str:
    """Which of the chapter's claims wait for a check that is not registered yet (or '')."""
    if pending.empty:
        return "Every claim of the two texts has a verdict or a stated reason why it cannot be checked."
    checks = sorted(set(pending["check"].dropna()))
    return (
        f"{len(pending)} further claims of the texts "
        f"({', '.join(f'`{i}`' for i in pending['id'])}) name generic checks "
        f"({', '.join(f'`{c}`' for c in checks)}) that the register does not "
        "have yet; they are left out of the table until those checks land."
    )


def catch_up_display(table: pd.DataFrame, horizon: int) -> pd.DataFrame:
    """The crossing table in words: indicator, peer, growth of both, reading."""
    return pd.DataFrame(
        {
            "Indicator": table["indicator"].map(indicator_label),
            "Trend": table["model"].map({"log": "log-linear", "linear": "linear"}),
            "Peer": table["peer"],
            "Country's trend growth": table["country_growth"].map(
                lambda v: signed(v, 3 if abs(v) < 1 else 2, missing=DASH)
            ),
            "Peer's trend growth": table["peer_growth"].map(lambda v: signed(v, 3 if abs(v) < 1 else 2, missing=DASH)),
            "Growth unit": table["model"].map({"log": "% a year", "linear": "points a year"}),
            f"Reaches the peer's trend (horizon {horizon})": [
                describe_crossing(r, horizon) for _, r in table.iterrows()
            ],
        }
    )


def sanctions_display(table: pd.DataFrame) -> pd.DataFrame:
    """The difference-in-trends table with readable headers (% a year, CI in one column)."""

    def ci(lo: float, hi: float) -> str:
        return DASH if pd.isna(lo) else interval_text(lo, hi, 1, plus=True)

    return pd.DataFrame(
        {
            "Indicator": table["indicator"].map(indicator_label),
            "Sample": table["sample"],
            "Years": table["years"],
            "N": table["n_obs"],
            "Difference in trends, % a year": table["estimate_pct"].map(lambda v: signed(v, 1, missing=DASH)),
            "95 % CI": [ci(lo, hi) for lo, hi in zip(table["ci_lower_pct"], table["ci_upper_pct"], strict=True)],
            "p": table["p_value"].map(lambda p: p_text(p, equals=False, missing=DASH)),
            "Country's change": table["country_change_pct"].map(lambda v: signed(v, 1, missing=DASH)),
            "Peers' change": table["peer_change_pct"].map(lambda v: signed(v, 1, missing=DASH)),
        }
    )


def growth_display(growth: dict[str, pd.DataFrame], event_year: int) -> pd.DataFrame:
    """Average annual growth (%) before and after the event: one row per economy, two columns per indicator."""
    out = None
    for code, frame in growth.items():
        short = (
            "High-tech exports"
            if code == "TX.VAL.TECH.CD"
            else "IP charges paid"
            if code == "BM.GSR.ROYL.CD"
            else indicator_label(code)
        )
        part = pd.DataFrame(
            {
                "Economy": frame["iso3"],
                f"{short}, to {event_year}": frame["before"].map(lambda v: signed(v, 1, missing=DASH)),
                f"{short}, after {event_year}": frame["after"].map(lambda v: signed(v, 1, missing=DASH)),
                f"{short}, years": [
                    f"{a:.0f}–{b:.0f}" if pd.notna(a) else "–"
                    for a, b in zip(frame["first"], frame["last"], strict=True)
                ],
            }
        )
        out = (
            part if out is None else out.merge(part, on="Economy", how="left", sort=False)
        )  # keeps the parameter order
    return out


def projection_summary(table: pd.DataFrame, country: str, horizon: int) -> str:
    """One sentence for the closing section: how many pairs are ahead, catch up, or not by the horizon."""
    name = display_name(country)
    counts = table["status"].value_counts()
    caught = table[table["status"] == "catches up"]
    parts = [
        f"On trends since the fit start, {name} is already ahead in "
        f"{counts.get('already ahead', 0)} of {len(table)} indicator-peer pairs"
    ]
    if len(caught):
        detail = ", ".join(
            f"{prose_name(r.peer)} on {lower_first(indicator_label(r.indicator))} (about {r.median:.0f})"
            for r in caught.itertuples()
        )
        parts.append(f"would reach {detail}")
    else:
        parts.append(f"reaches no further peer by {horizon}")
    parts.append(
        f"and in {counts.get('not by horizon', 0) + counts.get('diverging', 0)} "
        f"pairs would not reach the peer by {horizon}, "
        f"{counts.get('diverging', 0)} of them because the gap is widening"
    )
    return "; ".join(parts) + ". These are continuations of trends with wide intervals, not forecasts."


def robot_rows_display(rows: pd.DataFrame) -> pd.DataFrame:
    """IFR rows of one economy for the page: year, value, edition, whether the analysis uses it."""
    chosen = set(select_editions(rows)["order"])
    return pd.DataFrame(
        {
            "Year": rows["year"].astype(int).astype(str),
            "Installations": rows["value"].map(lambda v: f"{v:,.0f}"),
            "IFR edition": rows["report_edition"],
            "Used here": rows["order"].map(lambda o: "yes" if o in chosen else "no (superseded)"),
        }
    )


def arithmetic_display(arithmetic: pd.DataFrame, target_year: int) -> pd.DataFrame:
    """The forecast arithmetic for the page (growth to one decimal, levels to the unit)."""
    return pd.DataFrame(
        {
            "Path": arithmetic["path"],
            "Growth, % a year": arithmetic["rate_pct"].map(lambda v: f"{v:.1f}"),
            f"Installations {target_year}": arithmetic["value_target"].map(lambda v: f"{v:,.0f}"),
            "Outturn vs path, %": arithmetic["error_pct"].map(lambda v: signed(v, 1)),
        }
    )


def other_not_checkable(verdicts: pd.DataFrame, claims: pd.DataFrame) -> pd.DataFrame:
    """Not-checkable rows of the verdict table that are not survey figures (claim and reason only)."""
    survey = set(claims.loc[claims["id"].isin(SURVEY_IDS), "claim"])
    rows = verdicts[(verdicts["Verdict"] == "not checkable") & ~verdicts["Claim (paraphrased)"].isin(survey)]
    return (
        rows[["Claim (paraphrased)", "Claimed", "Test and result"]]
        .rename(columns={"Test and result": "Why it cannot be checked"})
        .reset_index(drop=True)
    )


def verdict_counts_sentence(verdicts: pd.DataFrame) -> str:
    """'20 claims: 4 supported, 1 partly supported, ...' from the verdict table (failed checks named)."""
    return f"{len(verdicts)} claims: " + verdict_counts_phrase(verdicts["Verdict"])


def scale_depth_sentence(latest: pd.DataFrame, country: str) -> str:
    """Closing bullet on scale (share of world MVA) and depth (tech share, R&D) of the focus economy."""
    own = latest[latest["iso3"] == country].set_index("key")
    peers = latest[latest["iso3"] != country]
    name = display_name(country)
    tech, tech_peers = own.loc["tech_share", "value"], peers.loc[peers["key"] == "tech_share", "value"].mean()
    head = "Scale, not yet depth" if tech < tech_peers else "Scale and depth"
    return (
        f"**{head}.** {name} makes {own.loc['mva_share', 'value']:.1f} % of the world's manufacturing value added "
        f"({own.loc['mva_share', 'year']:.0f}); its medium- and high-tech share "
        f"({tech:.1f} %) is {'below' if tech < tech_peers else 'at or above'} "
        f"the peer average ({tech_peers:.1f} %), and its R&D intensity ({own.loc['rd', 'value']:.2f} % of GDP) ranks "
        f"{own.loc['rd', 'rank']:.0f} of {own.loc['rd', 'n_ranked']:.0f}."
    )


def placebo_short(results: dict[tuple[str, str], DiffInTrends | None], event_year: int, placebo_lead: int = 4) -> str:
    """Half a sentence for the closing section: did the placebo find an earlier bend in high-tech exports?"""
    res = results.get(("TX.VAL.TECH.CD", "placebo"))
    if res is None:
        return "the placebo test could not be run with these data"
    if res.ci_upper < 0 or res.ci_lower > 0:
        return (
            f"the placebo finds a bend in high-tech exports already after {event_year - placebo_lead} "
            f"({signed(res.pct(res.estimate), 1)} % a year), so the post-{event_year} bend continues an earlier change"
        )
    return f"the placebo finds no comparable bend after {event_year - placebo_lead}"


def robot_density_reading(
    tidy: pd.DataFrame,
    fits: dict[tuple[str, str], TrendFit],
    recent_fits: dict[tuple[str, str], TrendFit],
    table: pd.DataFrame,
    recent_table: pd.DataFrame,
    country: str,
    horizon: int,
) -> str:
    """Markdown bullets on the robot-density catch-up: the data behind each trend, its growth, the crossings.

    ``fits``/``table`` are the trends on every figure from the fit start (:func:`robot_density_fits`,
    :func:`catch_up_table`), ``recent_fits``/``recent_table`` those on the last few years only.
    """
    name = prose_name(country)
    own = tidy[tidy["iso3"] == country].sort_values("year")
    if own.empty:
        return f"- The curated IFR table has no robot density for {name}: no trend can be fitted."
    years = ", ".join(str(int(y)) for y in own["year"])
    lines = [f"- {name} has {plural(len(own), 'IFR figure')} ({years})."]
    fit = fits.get((ROBOT_DENSITY_CODE, country))
    if fit is None:
        lines.append(f"- That is too few to fit a trend for {name}: the catch-up question cannot be answered.")
        return "\n".join(lines)
    growth, start, end = recent_growth(tidy, country)
    recent = (
        f"; between {start} and {end} it grew by {signed(growth, 1)} % a year"
        if start is not None and np.isfinite(growth)
        else ""
    )
    lines.append(
        f"- Its log-linear trend through all {fit.n} figures ({fit.first_year}–{fit.last_year}) rises "
        f"{signed(fit.growth, 1)} % a year "
        f"({ci_text(to_growth(fit.ci_low, 'log'), to_growth(fit.ci_high, 'log'), 1)} % a year){recent}."
    )
    fitted_last = float(predict_trend(fit, [fit.last_year])["mean"].iloc[0])
    lines.append(
        f"- That trend puts {fit.last_year} at {fitted_last:,.0f} against the figure of {fit.last_value:,.0f}"
        + (
            ": growth has slowed, so the whole-period trend overstates the future and its interval, which takes the "
            "trend's form as given, is too narrow."
            if fitted_last > fit.last_value * 1.05
            else "."
        )
    )
    recent_fit = recent_fits.get((ROBOT_DENSITY_CODE, country))
    if recent_fit is not None:
        lines.append(
            f"- On the figures of {recent_fit.first_year}–{recent_fit.last_year} "
            f"alone ({recent_fit.n} points) the trend "
            f"is {signed(recent_fit.growth, 1)} % a year "
            f"({ci_text(to_growth(recent_fit.ci_low, 'log'), to_growth(recent_fit.ci_high, 'log'), 1)} % a year)."
        )
    for _, row in table.iterrows():
        peer = prose_name(row["peer"])
        n_peer = int((tidy["iso3"] == row["peer"]).sum())
        if row["status"] == "already ahead":
            lines.append(f"- Against {peer} ({plural(n_peer, 'figure')}): already ahead in {fit.last_year}.")
            continue
        if row["status"] == "too few data":
            lines.append(
                f"- Against {peer} ({plural(n_peer, 'figure')}): no trend; {_same_year(tidy, country, row['peer'])}."
            )
            continue
        again = recent_table[recent_table["peer"] == row["peer"]]
        recent_reading = describe_crossing(again.iloc[0], horizon) if len(again) else "not fitted"
        lines.append(
            f"- Against {peer} ({plural(n_peer, 'figure')}): {describe_crossing(row, horizon)}; on the recent figures "
            f"only: {recent_reading}."
        )
    return "\n".join(lines)


def robot_density_sentence(latest: pd.DataFrame, country: str) -> str:
    """The focus economy's latest IFR robot density and its rank in the group, or why there is none."""
    row = latest[(latest["key"] == "robot_density") & (latest["iso3"] == country)]
    name = prose_name(country)
    if row.empty or not np.isfinite(row["value"].iloc[0]):
        return f"The curated IFR table holds no robot density for {name}."
    r = row.iloc[0]
    rank = (
        f", rank {r['rank']:.0f} of {r['n_ranked']:.0f} in {r['rank_year']:.0f}"
        if np.isfinite(r["rank"]) and r["n_ranked"] >= 2
        else ""
    )
    return (
        f"IFR counts {r['value']:,.0f} industrial robots per 10,000 manufacturing employees in {name} in "
        f"{r['year']:.0f}{rank}."
    )


def _same_year(tidy: pd.DataFrame, country: str, peer: str) -> str:
    """The latest year both economies have a figure, compared ('in 2022, 402 against 397'), or 'no common year'."""
    wide = tidy[tidy["iso3"].isin([country, peer])].pivot_table(index="year", columns="iso3", values="value").dropna()
    if wide.empty or country not in wide or peer not in wide:
        return "no year with a figure for both"
    year = int(wide.index.max())
    a, b = wide.loc[year, country], wide.loc[year, peer]
    side = "above" if a > b else "below" if a < b else "level with"
    return (
        f"in {year}, the latest year with figures for both, "
        f"{prose_name(country)} stood {side} it ({a:,.0f} against {b:,.0f})"
    )


def robot_density_summary(table: pd.DataFrame, recent_table: pd.DataFrame, horizon: int) -> str:
    """Closing clause: which peers the focus economy is ahead of, and when its trend reaches the others."""
    if table.empty:
        return "no peer was compared."
    ahead = [prose_name(p) for p in table.loc[table["status"] == "already ahead", "peer"]]
    parts = [f"it is already ahead of {join_names(ahead)}"] if ahead else []
    for _, row in table[~table["status"].isin(["already ahead", "too few data"])].iterrows():
        again = recent_table[recent_table["peer"] == row["peer"]]
        recent = f"; on the recent figures only, {describe_crossing(again.iloc[0], horizon)}" if len(again) else ""
        parts.append(f"against {prose_name(row['peer'])} the trends meet {describe_crossing(row, horizon)}{recent}")
    few = [prose_name(p) for p in table.loc[table["status"] == "too few data", "peer"]]
    if few:
        parts.append(f"{join_names(few)} {'has' if len(few) == 1 else 'have'} too few figures for a trend")
    return "; ".join(parts) + "." if parts else "no comparison could be made."


def robot_horizon_sentence(fits: dict[tuple[str, str], TrendFit], horizon: int, max_lead: int) -> str:
    """Where the robot-density projection stops and why, or that no economy of the page has a trend."""
    if not fits:
        return "no economy on this page has enough IFR robot-density figures for a trend, so nothing is projected."
    return f"the projection stops at {horizon}, at most {max_lead} years after the latest figure."
