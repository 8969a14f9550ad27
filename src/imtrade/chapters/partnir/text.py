"""Chapter "PartNIR": the prose and page tables that follow the data and parameters.

Generic pieces (signs, intervals, name lists, year runs) come from :mod:`imtrade.show.text`;
names of economies from :mod:`imtrade.data.entities`.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import pandas as pd

from imtrade.chapters.partnir.analysis import HIGH_INCOME, OUTCOMES, RESILIENCE_SPECS, WORLD
from imtrade.data.entities import prose_names
from imtrade.show.text import ci_text, join_names, signed, year_runs


def group_members_phrase(group: Sequence[str]) -> str:
    """'Brazil, Russia, India, China and South Africa' for the group's codes (prose names)."""
    names = prose_names(group)
    return join_names([names[c] for c in group])


def ranking_table(
    ranking: pd.DataFrame, ranking_year: pd.DataFrame, claim_year: int, year: int, names: dict[str, str]
) -> pd.DataFrame:
    """Two :func:`industry_ranking` tables side by side, by rank: the claim's year and ``year``.

    Columns ``Rank``, ``Economy, <year>`` and ``US dollars bn, <year>`` for each year; one pair
    only when the two years are the same.
    """

    def named(frame: pd.DataFrame, y: int) -> pd.DataFrame:
        return pd.DataFrame(
            {
                "Rank": frame["rank"],
                f"Economy, {y}": frame["iso3"].map(lambda c: names.get(c, c)),
                f"US dollars bn, {y}": frame["value_bn"],
            }
        )

    first = named(ranking, claim_year)
    if year == claim_year:
        return first.reset_index(drop=True)
    return first.merge(named(ranking_year, year), on="Rank", how="outer").reset_index(drop=True)


def missing_years_phrase(cov: pd.DataFrame) -> str:
    """'the file has no value for Russia 1997–2001 and China 1997–2003' for the rows of
    :func:`coverage` with gaps ('' if none)."""
    names = prose_names(cov["iso3"])
    parts = [f"{names[r.iso3]} {join_names(year_runs(r.missing))}" for r in cov.itertuples() if len(r.missing)]
    if not parts:
        return ""
    return "the file has no value for " + join_names(parts)


def coefficient_phrase(row: pd.Series, scale: float = 10.0, unit: str = "points") -> str:
    """'+0.7 points (95 % CI −1.3 to +2.6, N = 146)' for a coefficient per ``scale`` units of the regressor."""
    ci = ci_text(row["ci_low"] * scale, row["ci_high"] * scale, 1)
    return f"{signed(row['estimate'] * scale, 1)} {unit} ({ci}, N = {int(row['n'])})"


def profile_sentences(profile: pd.DataFrame, group_name: str) -> str:
    """A Markdown bullet per indicator comparing the group with the world and high-income averages."""
    lines = []
    for code in dict.fromkeys(profile["indicator"]):
        part = profile[profile["indicator"] == code].set_index("entity")
        first = part.iloc[0]
        grp, wld, hic = (part["value"].get(k, math.nan) for k in ("group", WORLD, HIGH_INCOME))
        years = part["year"].get("group", "")
        if pd.isna(grp):
            lines.append(f"- {first['label']}: no data for the group's members.")
            continue
        position = (
            "above both the world and the high-income average"
            if grp > max(wld, hic)
            else "below both the world and the high-income average"
            if grp < min(wld, hic)
            else "between the world and the high-income average"
        )
        digits = 2 if "score" in first["unit"] else 1
        lines.append(
            f"- **{first['label']}** ({first['unit']}): {group_name} "
            f"{grp:.{digits}f} ({years}), world {wld:.{digits}f}, "
            f"high income {hic:.{digits}f}: {position}."
        )
    return "\n".join(lines)


def _significant(rows: pd.DataFrame) -> pd.DataFrame:
    return rows[(rows["ci_low"] > 0) | (rows["ci_high"] < 0)]


def resilience_reading(
    models: pd.DataFrame, term: str = "manuf_share", common: pd.DataFrame | None = None
) -> tuple[str, str]:
    """(finding, verdict) sentences summarising the estimates of ``term`` across specifications.

    A coefficient counts as robust only if its 95 % interval excludes zero, with the same
    sign, in every specification that has controls ((3) and later), in ``models`` and, when
    given, in ``common`` (the same specifications on :func:`common_sample`). A significant
    estimate of the full samples that is not significant on the common sample is reported
    as an effect of the change of sample, not of the added regressors.
    """
    rows = models[models["term"] == term]
    if not rows["estimate"].notna().any():  # e.g. a vintage without the pandemic years
        return (
            "no specification can be estimated with these data, so the association is not measured",
            "The data here cannot test the claim.",
        )
    both = rows if common is None else pd.concat([rows, common[common["term"] == term]])
    controlled = both[~both["spec"].isin(list(RESILIENCE_SPECS)[:2])]
    robust_pos = len(controlled) and bool((controlled["ci_low"] > 0).all())
    robust_neg = len(controlled) and bool((controlled["ci_high"] < 0).all())
    if robust_pos:
        return (
            "a larger manufacturing sector before the pandemic goes with better outcomes in every specification with "
            "controls",
            "The data are consistent with the claim, as an association.",
        )
    if robust_neg:
        return (
            "a larger manufacturing sector before the pandemic goes with worse outcomes in every specification with "
            "controls",
            "The data run against the claim, as an association.",
        )
    significant = _significant(rows)
    common_rows = None if common is None else common[common["term"] == term]
    common_sig = None if common_rows is None else _significant(common_rows)
    if significant.empty and (common_sig is None or common_sig.empty):
        finding = (
            "a larger manufacturing sector before the pandemic is not associated with a smaller 2020 recession or a "
            "stronger recovery by 2021: no estimate is distinguishable from zero"
        )
        return finding, "The data here do not support the claim, and they do not refute it either."
    lead = (
        "a larger manufacturing sector before the pandemic is not reliably associated with a smaller 2020 recession "
        "or a stronger recovery by 2021: "
    )
    if significant.empty:
        several = len(common_sig) > 1
        finding = (
            f"{lead}no estimate on the full samples is distinguishable from zero, and on the common sample "
            f"{'those' if several else 'the one'} in {join_specs(common_sig)} {'do' if several else 'does'} not "
            "survive the controls"
        )
        return finding, "The data here do not support the claim, and they do not refute it either."
    several = len(significant) > 1
    it, verb = ("they", "do") if several else ("it", "does")
    finding = (
        f"{lead}the {'only ' if not several else ''}significant estimate{'s' if several else ''}"
        f"{'' if common is None else ' (each specification on its own sample)'}, in {join_specs(significant)}, "
    )
    if common_sig is None:
        return finding + f"{verb} not survive the controls", (
            "The data here do not support the claim, and they do not refute it either."
        )
    keys = set(zip(common_sig["outcome"], common_sig["spec"], strict=True))
    kept = [(r.outcome, r.spec) in keys for r in significant.itertuples()]
    n_common = int(common_rows["n"].iloc[0]) if "n" in common_rows and len(common_rows) else 0
    on_common = (
        f"the common sample of the {n_common} economies with every variable" if n_common else "the common sample"
    )
    if not any(kept):
        finding += (
            f"{'are' if several else 'is'} not significant on {on_common}, so {it} reflect{'' if several else 's'} "
            "the change of sample, not the added regressors"
        )
    elif all(kept):
        finding += f"{'hold' if several else 'holds'} on {on_common} as well but {verb} not survive the controls"
    else:
        finding += (
            f"{verb} not survive the controls, and on {on_common} only "
            f"{join_specs(significant[kept])} remain{'' if sum(kept) > 1 else 's'} significant"
        )
    return finding, "The data here do not support the claim, and they do not refute it either."


def join_specs(rows: pd.DataFrame) -> str:
    """'specification (2) for GDP growth 2020 (%)' phrases for the rows of a model table."""
    short = {"growth_2020": "2020 growth", "output_gap_2021": "output against trend in 2021"}
    return join_names(
        f"specification {r.spec.split(')')[0]}) for {short.get(r.outcome, r.outcome)}" for r in rows.itertuples()
    )


def gii_reading(changes: pd.DataFrame, names: dict[str, str]) -> str:
    """'all five ... moved up' or who did not, from :func:`gii_rank_changes`."""
    have = changes.dropna(subset=["places"])
    down = have[have["places"] <= 0]
    words = dict(enumerate(("no", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten")))
    if down.empty:
        return f"all {words.get(len(have), len(have))} economies the text names moved up"
    return (
        f"{words.get(len(have) - len(down), len(have) - len(down))} of the {words.get(len(have), len(have))} "
        "economies the text names moved up; "
        f"{join_names(names.get(c, c) for c in down['iso3'])} did not"
    )


def estimates_display(
    models: pd.DataFrame, terms: Sequence[str] = ("manuf_share", "mht_share"), common: pd.DataFrame | None = None
) -> pd.DataFrame:
    """One row per outcome x specification: each term as 'estimate [95 % CI]', with N and R² (for the page).

    With ``common`` (the same models on :func:`common_sample`), each specification's row on
    its own sample is followed by its row on the common sample, and a ``Sample`` column
    says which is which.
    """
    labels = {"manuf_share": "Manufacturing share", "mht_share": "Medium/high-tech share"}
    frames = [models.assign(_sample="own")]
    if common is not None:
        frames.append(common.assign(_sample="common"))
    stacked = pd.concat(frames, ignore_index=True)
    order = {(o, s): i for i, (o, s) in enumerate(dict.fromkeys(zip(models["outcome"], models["spec"], strict=True)))}
    stacked["_order"] = [order.get(k, len(order)) for k in zip(stacked["outcome"], stacked["spec"], strict=True)]
    stacked = stacked.sort_values(["_order", "_sample"], ascending=[True, False], kind="stable")
    rows = []
    for (outcome, spec, sample), part in stacked.groupby(["outcome", "spec", "_sample"], sort=False):
        row = {"Outcome": OUTCOMES.get(outcome, outcome), "Specification": spec}
        if common is not None:
            row["Sample"] = "own complete rows" if sample == "own" else "common"
        for term in terms:
            hit = part[part["term"] == term]
            row[labels.get(term, term)] = (
                f"{signed(hit['estimate'].iloc[0], 3)} "
                f"[{signed(hit['ci_low'].iloc[0], 3)}, {signed(hit['ci_high'].iloc[0], 3)}]"
                if len(hit)
                else "–"
            )
        row["N"] = int(part["n"].iloc[0])
        row["R²"] = f"{part['r2'].iloc[0]:.2f}"
        rows.append(row)
    return pd.DataFrame(rows)
