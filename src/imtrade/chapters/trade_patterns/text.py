"""Chapter "Trade patterns": the prose and page tables that follow the data.

Each function turns results of :mod:`.analysis` into glue-ready phrases or display tables.
Generic pieces (signs, intervals, name lists, change phrases) come from
:mod:`imtrade.show.text`; names of economies and groups from :mod:`imtrade.data.entities`
(the ``names`` arguments are the prose names of :func:`imtrade.data.entities.prose_names`).
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import pandas as pd

from imtrade.chapters.trade_patterns.analysis import MHT_EXPORTS, MHT_MVA, HumpFit
from imtrade.data.indicators import HIGH_TECH_BREAK_YEAR, OLD_DEFINITION_VINTAGE
from imtrade.show.text import change_phrase, ci_text, interval_text, join_names, signed
from imtrade.stats import PanelEstimate, change_between, percent_change

DIRECTION_PHRASES = {"faster": "faster after the break", "slower": "slower after the break"}  # else "no clear change"


def series_sentence(series: pd.Series | None, who: str, what: str = "the share") -> str:
    """'For the world the share went from 19.9 % in 2007 to 24.7 % in 2024' (first and last
    non-missing years), or a sentence saying the series is not published."""
    s = series.dropna() if series is not None else pd.Series(dtype=float)
    if s.empty:
        return f"The data publish no such series for {who} in this vintage"
    first, last = int(s.index.min()), int(s.index.max())
    return f"For {who} {what} went from {s[first]:.1f} % in {first} to {s[last]:.1f} % in {last}"


def definition_note(vintage: str) -> str:
    """What the reader sees about the 2007 definition break, for the chosen vintage."""
    if vintage == OLD_DEFINITION_VINTAGE:
        return (
            f"This run uses the {vintage} vintage, whose series follows the older SITC-based product list "
            f"throughout; later vintages restart the series in {HIGH_TECH_BREAK_YEAR} on a new product list."
        )
    return (
        f"The thin faded lines are the SITC-based series of the {OLD_DEFINITION_VINTAGE} vintage (1988–2016). "
        "It uses a different product list, so the two series are drawn apart and never joined: the gap between "
        f"them around {HIGH_TECH_BREAK_YEAR} is a change of definition, not of trade."
    )


def regression_display(estimates: Sequence[PanelEstimate]) -> pd.DataFrame:
    """The estimates as text columns for the page (CI as one column, years as a range)."""
    return pd.DataFrame(
        {
            "Specification": [e.specification for e in estimates],
            "Coefficient": [signed(e.coef, 3, plus=False) for e in estimates],
            "95 % CI": [interval_text(e.ci_low, e.ci_high, 3) for e in estimates],
            "p": [f"{e.pvalue:.3f}" for e in estimates],
            "Observations": [f"{e.nobs:,d}" for e in estimates],
            "Economies": [str(e.n_countries) for e in estimates],
            "Years": [f"{e.first_year}–{e.last_year}" for e in estimates],
        }
    )


def robustness_phrase(estimates: Sequence[PanelEstimate]) -> str:
    """'0.129 (95 % CI 0.023 to 0.235) with RCA in levels, ... and 0.187 (...) with ...'."""
    return join_names(
        f"{signed(e.coef, 3, plus=False)} ({ci_text(e.ci_low, e.ci_high, 3, plus=False)}) for {e.specification}"
        for e in estimates
    )


def medium_high_tech_text(
    mht: pd.DataFrame, countries: Sequence[str], benchmark: str, names: dict[str, str], vintage: str
) -> str:
    """The paragraph on the medium/high-tech shares (changes from the first to the last year)."""
    if mht.empty:
        return (
            f"The WDI vintage {vintage} does not carry the medium- and high-tech series ({MHT_EXPORTS}, "
            f"{MHT_MVA}); rerun with a later vintage to see them."
        )
    parts = []
    for measure, what in (("exports", "manufactured exports"), ("mva", "manufacturing value added")):
        wide = mht[mht["measure"] == measure].pivot(index="year", columns="iso3", values="value")
        if wide.empty:
            continue
        focus = wide[[c for c in countries if c in wide]].dropna(how="all")
        if focus.empty:  # e.g. a small economy the series does not cover: say so, keep the benchmark
            text = (
                "The vintage has no medium- and high-tech share of "
                f"{what} for {join_names(names[c] for c in countries)}"
            )
        else:
            y0, y1 = int(focus.index.min()), int(focus.index.max())
            text = (
                f"Between {y0} and {y1} the medium- and high-tech share of "
                f"{what} {change_by_economy(wide, countries, names, y0, y1)}"
            )
        if benchmark in wide and wide[benchmark].notna().any():
            b = wide[benchmark].dropna()
            text += (
                f"; for {names[benchmark]} it went from {b.iloc[0]:.1f} % in {int(b.index[0])} "
                f"to {b.iloc[-1]:.1f} % in {int(b.index[-1])}"
            )
        parts.append(text + ".")
    return " ".join(parts)


def change_by_economy(
    wide: pd.DataFrame, codes: Sequence[str], names: dict[str, str], start: int, end: int, digits: int = 1
) -> str:
    """'rose in A (+2.1 points) and B (+0.3 points) and fell or stayed flat in C (−1.0 points)'.

    ``wide``: index year, one column per code; ``names``: prose names. Codes without both
    years are left out (:func:`imtrade.show.text.change_phrase`).
    """
    return change_phrase(
        ((names[c], change_between(wide[c], start, end)) for c in codes if c in wide), digits, " points"
    )


def percent_change_by_economy(
    wide: pd.DataFrame, codes: Sequence[str], names: dict[str, str], start: int, end: int
) -> str:
    """'−60 % in the United States, −63 % in Germany and −40 % in the world' (``wide``: index
    year, one column per code; ``names``: prose names; codes without both years are left out)."""
    items = []
    for code in codes:
        change = percent_change(wide[code], start, end) if code in wide else math.nan
        if not math.isnan(change):
            items.append(f"{signed(change, 0)} % in {names[code]}")
    return join_names(items) or "no economy with data in both years"


def carbon_content_text(content: pd.DataFrame) -> str:
    """'5.5 % of world emissions in 1990, 7.2 % at its peak in 2008 and 6.0 % in 2017'."""
    share = content["share"].dropna()
    first, last, peak = int(share.index.min()), int(share.index.max()), int(share.idxmax())
    text = f"{share[first]:.1f} % of world emissions in {first}"
    if peak not in (first, last):
        text += f", {share[peak]:.1f} % at its peak in {peak}"
    return text + f" and {share[last]:.1f} % in {last}"


def plans_display(plans: pd.DataFrame) -> tuple[pd.DataFrame, str]:
    """(compact table for the page, Markdown list of the numbered sources it refers to)."""
    shown = pd.DataFrame(
        {
            "Plan": plans["Plan"],
            "Country": plans["Country"],
            "Launched": plans["Launched"].astype(str),
            "Lead body": plans["Lead body"],
            "Focus": plans["Focus"],
            "Source": [f"[{i + 1}]" for i in range(len(plans))],
        }
    )
    sources = "\n".join(
        f"{i + 1}. {citation}. <{url}> (checked at the primary publisher: {checked})"
        for i, (citation, url, checked) in enumerate(
            zip(plans["Source"], plans["URL"], plans["Checked at publisher"], strict=True)
        )
    )
    return shown, sources


def hump_comparison(first: HumpFit, latest: HumpFit, first_year: int, latest_year: int) -> str:
    """Compare the fitted peak heights of two cross-sections (turning incomes are in current $)."""
    if not (first.has_peak and latest.has_peak):
        return f"The fit for {first_year} or {latest_year} has no interior peak, so the heights cannot be compared"
    word = "higher" if first.peak_share > latest.peak_share else "lower"
    return (
        f"In {first_year} the fitted peak was {word}, at {first.peak_share:.1f} % ({first.nobs} economies), "
        f"against {latest.peak_share:.1f} % in {latest_year}"
    )


def hump_summary(fit: HumpFit, year: int) -> str:
    """One clause for the closing section: where the fitted industry-employment share peaks."""
    if not fit.has_peak:
        return (
            f"the industry share of employment (construction included) shows no interior peak against income "
            f"({year}, {fit.nobs} economies)"
        )
    return (
        "the fitted industry share of employment (construction included) "
        f"peaks at {fit.peak_share:.1f} % at a GDP per capita of about "
        f"{fit.turning_point / 1000:,.0f} thousand international dollars ({year}, {fit.nobs} economies)"
    )


def assembly_sentence(positions: pd.DataFrame, names: dict[str, str], year: int) -> str:
    """'In 2023 the Philippines (rank 2 of 160, RCA 2.61), ... outranked Germany (rank 36, 0.73) and ...'.

    ``positions`` is :func:`~.analysis.rca_positions` output for the assembly hubs followed by
    the incumbent makers; ``names`` prose names by code.
    """
    from imtrade.chapters.trade_patterns.analysis import ASSEMBLY_HUBS, INCUMBENT_MAKERS

    hubs = positions[positions["iso3"].isin(ASSEMBLY_HUBS)]
    makers = positions[positions["iso3"].isin(INCUMBENT_MAKERS)]
    if hubs.empty or makers.empty:
        return f"The {year} data lack the economies of the comparison, so it cannot be shown."
    n = int(positions["n_ranked"].iloc[0])

    def who(rows: pd.DataFrame) -> str:
        return join_names(
            f"{names.get(r.iso3, r.iso3)} (rank {r.rank} of {n}, high-tech share {r.share:.0f} %, RCA {r.rca:.2f})"
            for r in rows.itertuples()
        )

    beaten = bool(hubs["rank"].max() < makers["rank"].min())
    verb = "all outranked" if beaten else "did not all outrank"
    return f"In {year}, {who(hubs)} {verb} {who(makers)}"


_BOUND_WORDS = {">": "over", "<": "under", "~": "about", "=": ""}


def tiva_display(table: pd.DataFrame) -> pd.DataFrame:
    """The curated TiVA rows for the page: economy, what is measured, the figure as published, year, source."""
    measures = {
        "services_share_of_total_exports_va": "services value added, % of total exports",
        "services_share_of_goods_exports": "services value added, % of manufactured-goods exports",
    }
    return pd.DataFrame(
        {
            "Economy": table["geography"],
            "Measure": table["measure"].map(measures).fillna(table["measure"]),
            "Figure": [
                f"{_BOUND_WORDS.get(b, b)} {v:.0f} %".strip()
                for b, v in zip(table["bound"], table["value"], strict=True)
            ],
            "Year": table["year"].astype(int).astype(str),
            "Release": table["edition"],
            "Seen at publisher": table["verified_primary"],
        }
    ).reset_index(drop=True)


def tiva_sentence(table: pd.DataFrame, names: dict[str, str]) -> str:
    """'In 2009, services value added made up over 50 % of total exports in ... and about 33 % in China; ...'."""
    from imtrade.show.text import capitalise

    total = table[table["measure"] == "services_share_of_total_exports_va"]
    parts = []
    for (bound, value), rows in total.groupby(["bound", "value"], sort=False):
        who = join_names(names.get(c, g) for c, g in zip(rows["iso3"], rows["geography"], strict=True))
        share = f"{_BOUND_WORDS.get(bound, bound)} {value:.0f} %".strip()
        parts.append(f"{share} of total exports in {who}" if not parts else f"{share} in {who}")
    goods = table[table["measure"] == "services_share_of_goods_exports"]
    if not parts and goods.empty:
        return "The curated TiVA table has no rows."
    year = int(table["year"].max())
    text = f"In {year}, services value added made up {' and '.join(parts)}" if parts else ""
    if len(goods):
        g = goods.iloc[0]
        share = f"{_BOUND_WORDS.get(g['bound'], g['bound'])} {g['value']:.0f} %".strip()
        clause = f"services supplied {share} of the value of manufactured-goods exports"
        text = f"{text}; {clause}" if text else capitalise(clause)
    return text


def robot_era_reading(table: pd.DataFrame) -> str:
    """Markdown bullets: each series' slope before and after the break, the change with its 95 % CI, the reading."""
    from imtrade.chapters.trade_patterns.analysis import ROBOT_ERA_SERIES
    from imtrade.show.text import capitalise

    lines = []
    for r in table.itertuples():
        label = ROBOT_ERA_SERIES.get(r.measure, r.measure)
        if r.direction == "too few data":
            lines.append(f"- {capitalise(label)}: too few data for a broken trend.")
            continue
        lines.append(
            f"- {capitalise(label)}: {signed(r.pre_slope, 2)} points a year up to the break, {signed(r.post_slope, 2)} "
            f"after; change {signed(r.slope_change, 2)} ({ci_text(r.change_low, r.change_high, 2)}): "
            f"{DIRECTION_PHRASES.get(r.direction, 'no clear change')}."
        )
    return "\n".join(lines)


def robot_era_summary(table: pd.DataFrame) -> str:
    """One sentence: did world trade and FDI (relative to GDP) grow faster after the break?"""
    from imtrade.chapters.trade_patterns.analysis import ROBOT_ERA_PROSE
    from imtrade.show.text import capitalise

    named = {
        d: [ROBOT_ERA_PROSE.get(m, m) for m in table.loc[table["direction"] == d, "measure"]]
        for d in ("faster", "slower", "no clear change")
    }
    if not any(named.values()):
        return "Too few data to compare the trends of world trade and investment before and after the break."
    parts = []
    if named["faster"]:
        parts.append(f"{join_names(named['faster'])} grew faster after the break")
    if named["slower"]:
        parts.append(f"{join_names(named['slower'])} grew more slowly")
    if named["no clear change"]:
        parts.append(f"{join_names(named['no clear change'])} showed no clear change")
    if named["faster"] and named["slower"]:
        tail = "the two series point in opposite directions, so the data do not tell either way."
    elif named["faster"]:
        tail = "the outcome the claim predicts, though not its cause."
    else:
        tail = (
            "the take-off of robot adoption did not come with faster "
            "growth of world trade or investment relative to GDP."
        )
    return capitalise("; ".join(parts)) + ": " + tail


def regression_reading(est: PanelEstimate) -> str:
    """A plain reading of the main RCA-R&D estimate (sign, precision, size), as an association."""
    pct = 100.0 * (math.exp(est.coef) - 1.0) if est.outcome == "log_rca" else None
    size = (
        f"one percentage point more R&D spending (relative to GDP) goes with a high-tech RCA about "
        f"{abs(pct):.0f} % {'higher' if pct >= 0 else 'lower'} in the same economy"
        if pct is not None
        else ""
    )
    if est.ci_low > 0 or est.ci_high < 0:
        sign = "positive" if est.coef > 0 else "negative"
        return (
            f"The within-economy association is {sign} and its 95 % confidence interval excludes zero: {size}. "
            "The interval is wide, and the estimate is an association, not an effect of R&D"
        )
    return (
        f"The 95 % confidence interval includes zero, so the data cannot tell the sign of the within-economy "
        f"association apart from noise (point estimate: {size})"
    )


def long_difference_reading(fixed_effects: PanelEstimate, long_diff: PanelEstimate) -> str:
    """How the long-difference estimate compares with the fixed-effects one (size, sign, precision)."""
    size = "larger" if abs(long_diff.coef) > abs(fixed_effects.coef) else "smaller"
    same = (long_diff.coef > 0) == (fixed_effects.coef > 0)
    excludes = long_diff.ci_low > 0 or long_diff.ci_high < 0
    agree = (fixed_effects.ci_low > 0 or fixed_effects.ci_high < 0) == excludes
    return (
        f"The long difference is {signed(long_diff.coef, 3, plus=False)} "
        f"({ci_text(long_diff.ci_low, long_diff.ci_high, 3, plus=False)}, p = {long_diff.pvalue:.3f}; "
        f"{long_diff.nobs} economies): {'the same sign as' if same else 'the opposite sign to'} the fixed-effects "
        f"estimate and {size} in size, with an interval that {'excludes' if excludes else 'includes'} zero"
        + (
            ""
            if agree
            else (
                ", so the two ways of using the data disagree about "
                "whether the association is distinguishable from noise"
            )
        )
    )
