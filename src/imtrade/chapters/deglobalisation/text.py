"""Chapter "De-globalisation mechanisms": the prose and page tables that follow the data.

Each function turns results of :mod:`.analysis` (and :mod:`imtrade.stats`) into glue-ready
phrases or display tables, so the chapter's text follows its data and parameters. Generic
pieces (signs, intervals, p-values, name lists) come from :mod:`imtrade.show.text`; names of
economies and groups from :mod:`imtrade.data.entities`.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd

from imtrade.chapters.deglobalisation.analysis import PATTERNS
from imtrade.data.entities import prose_names
from imtrade.show.text import ci_text, interval_text, join_names, p_text, signed
from imtrade.stats import BOOT_REPS


def _sign_reading(low: float, high: float) -> str:
    if low > 0:
        return "positive, with a confidence interval above zero"
    if high < 0:
        return "negative, with a confidence interval below zero"
    return "not distinguishable from zero at the 95 % level"


def describe_break(prefix: str, summary: dict[str, Any], digits: int = 2, level_digits: int = 1) -> dict[str, str]:
    """Glue-ready phrases and numbers for one :func:`break_summary` (keys start with ``prefix``).

    Every phrase that depends on the result (rejects / does not reject, recovered or not)
    is built here so the chapter's prose follows the data and the parameters.
    """
    chow, scan, trend, rec = summary["chow"], summary["scan"], summary["trend"], summary["recovery"]
    crit = scan.critical_values[0.05]
    dropped = [c for c in scan.dropped]
    out = {
        "pre_slope": signed(chow.pre_slope, digits),
        "pre_ci": ci_text(*chow.pre_slope_ci, digits),
        "post_slope": signed(chow.post_slope, digits),
        "post_ci": ci_text(*chow.post_slope_ci, digits),
        "post_reading": _sign_reading(*chow.post_slope_ci),
        "change": signed(chow.slope_change, digits),
        "change_ci": ci_text(*chow.slope_change_ci, digits),
        "n": str(chow.n),
        "n_pre": str(chow.n_pre),
        "n_post": str(chow.n_post),
        "reps": f"{BOOT_REPS:,}",
        "chow_f": f"{chow.f_stat:.1f}",
        "chow_p": p_text(chow.boot_pvalue),
        "chow_p_classical": p_text(chow.f_pvalue, equals=False),
        "chow_decision": "rejects" if chow.boot_pvalue < 0.05 else "does not reject",
        "rho": f"{chow.rho:.2f}",
        "supf": f"{scan.sup_f:.1f}",
        "supf_year": str(scan.sup_f_year),
        "supf_crit": f"{crit:.2f}",
        "supf_boot_crit": f"{scan.boot_critical_5pct:.1f}",
        "supf_p": p_text(scan.boot_pvalue),
        "supf_decision": (
            "so the data reject a stable trend" if scan.reject_5pct else "so the data do not reject a stable trend"
        ),
        "ls_break": str(scan.sup_f_year),
        "ls_vs_break": (
            "the same year as the break year tested above"
            if scan.sup_f_year == chow.break_year
            else f"not the break year tested above ({chow.break_year})"
        ),
        "searched": ", ".join(str(c) for c in scan.table["candidate"]),
        "dropped": (
            f" ({', '.join(map(str, dropped))} fell outside the trimmed "
            f"range and {'was' if len(dropped) == 1 else 'were'} not searched)"
            if dropped
            else ""
        ),
        "kink_post": signed(trend.post_slope, digits),
        "kink_post_ci": ci_text(*trend.post_slope_ci, digits),
        "kink_reading": _sign_reading(*trend.post_slope_ci),
        "kink_pre": signed(trend.pre_slope, digits),
        "kink_pre_ci": ci_text(*trend.pre_slope_ci, digits),
        "break_value": f"{rec.break_value:.{level_digits}f}",
        "latest_year": str(rec.latest_year),
        "latest_value": f"{rec.latest_value:.{level_digits}f}",
        "max_after": f"{rec.max_after:.{level_digits}f}",
        "max_after_year": str(rec.max_after_year),
        "recovered": "has regained" if rec.recovered else "has not regained",
        "first_year": str(int(trend.fitted["year"].min())),
        "last_year": str(int(trend.fitted["year"].max())),
    }
    return {f"{prefix}_{k}": v for k, v in out.items()}


def describe_power(prefix: str, summary: dict[str, Any], power: dict[str, float]) -> dict[str, str]:
    """Glue-ready phrases on the power of the break tests at the fitted break (:func:`imtrade.stats.power_at`).

    A test that rarely detects a break of the estimated size cannot tell it from a stable trend
    with persistent deviations; the phrases say so instead of reading a non-rejection as stability.
    """
    chow, scan = summary["chow"], summary["scan"]
    chow_power, scan_power = float(power["chow"]), float(power["sup_f"])
    rejects = chow.boot_pvalue < 0.05
    if rejects:
        reading = "The test rejected, so its power matters less here."
    elif chow_power < 0.5:
        reading = (
            "The non-rejection is therefore inconclusive: with this few years and this much persistence, the test "
            "cannot tell a break of the estimated size from a stable trend with long swings."
        )
    elif chow_power < 0.8:
        reading = "The non-rejection is weak evidence of a stable trend: the test misses a break of this size often."
    else:
        reading = "The test would very likely have found a break of this size, so its non-rejection is informative."
    out = {
        "power_chow": f"{100 * chow_power:.0f}",
        "power_supf": f"{100 * scan_power:.0f}" if np.isfinite(scan_power) else "n/a",
        "power_reps": str(int(power["reps"])),
        "power_reading": reading,
        "supf_rho": f"{scan.rho:.2f}",
        "chow_inconclusive": "yes" if (not rejects and chow_power < 0.5) else "no",
    }
    return {f"{prefix}_{k}": v for k, v in out.items()}


def describe_multiple_breaks(prefix: str, found: Any, digits: int = 2) -> dict[str, str]:
    """A sentence on the breaks dated by :func:`imtrade.stats.multiple_breaks` (BIC count)."""
    seg = found.segments
    if found.n_breaks == 0:
        text = (
            f"A search for up to {found.max_breaks} breaks, each regime at least {found.min_segment} years long, "
            "prefers a single trend (by BIC)."
        )
    else:
        regimes = "; ".join(
            f"{int(r['start'])}–{int(r['end'])}: {signed(r['slope'], digits)} pp a year" for _, r in seg.iterrows()
        )
        years = join_names([str(y) for y in found.break_years])
        text = (
            f"A search for up to {found.max_breaks} breaks in level and slope, each regime at least "
            f"{found.min_segment} years long, picks {found.n_breaks} by BIC, after {years} ({regimes})."
        )
    return {f"{prefix}_multi_sentence": text}


def describe_robot_countries(installations: pd.DataFrame, countries: Sequence[str], names: dict[str, str]) -> str:
    """Latest IFR installations of each focus economy, and which economies have no figures."""
    with_data = [c for c in countries if c in set(installations["iso3"])]
    without = [c for c in countries if c not in with_data]
    latest = (
        installations[installations["iso3"].isin(with_data)]
        .sort_values("year")
        .groupby("iso3")
        .tail(1)
        .set_index("iso3")
    )
    parts = [
        f"{names.get(c, c)} installed {latest.loc[c, 'value'] / 1000:.0f} thousand ({int(latest.loc[c, 'year'])})"
        for c in with_data
    ]
    text = f"In the latest year with a figure, {join_names(parts)}." if parts else ""
    if without:
        text += f" The curated table has no IFR figures for {join_names([names.get(c, c) for c in without])}."
    return text.strip()


def describe_industry(trends: pd.DataFrame, names: dict[str, str]) -> dict[str, str]:
    """Phrases for the industry section: patterns by economy, the signature count, an example."""
    ok = trends[trends["pattern"] != "too few data"]
    if ok.empty:
        return {"ind_patterns": "no focus economy has enough data", "ind_signature": "", "ind_example": ""}
    by_pattern = ok.groupby("pattern", sort=False)["iso3"].apply(list)
    patterns = "; ".join(f"{p}: {join_names([names.get(c, c) for c in cs])}" for p, cs in by_pattern.items())
    signature = {PATTERNS["stable_output"], PATTERNS["faster"]}
    hits = ok.loc[ok["pattern"].isin(signature), "iso3"].tolist()
    if hits:
        sig = (
            "The pattern the text predicts, an employment share falling faster than "
            f"the output share, shows in {join_names([names.get(c, c) for c in hits])}"
        )
    else:
        sig = "None of the focus economies shows an employment share falling faster than its output share"
    sig += f" ({len(hits)} of {len(ok)})."
    r = ok.iloc[0]
    example = (
        f"In {names.get(r['iso3'], r['iso3'])}, industry's share of employment "
        f"moved from {r['employment_first']:.1f} % ({int(r['start'])}) to "
        f"{r['employment_last']:.1f} % ({int(r['end'])}), a trend of {signed(r['employment_slope'], 2)} pp a year "
        f"({ci_text(r['employment_ci_low'], r['employment_ci_high'])}, "
        f"N = {int(r['n'])}), while its share of value added moved from "
        f"{r['value_added_first']:.1f} % to {r['value_added_last']:.1f} "
        f"% ({signed(r['value_added_slope'], 2)} pp a year, "
        f"{ci_text(r['value_added_ci_low'], r['value_added_ci_high'])})."
    )
    return {"ind_patterns": patterns, "ind_signature": sig, "ind_example": example}


def describe_high_tech_share(shares: pd.DataFrame, break_year: int) -> str:
    """A sentence on the LMY share of high-tech exports that respects its definition break."""
    ht = shares["high_tech"].dropna() if "high_tech" in shares else pd.Series(dtype=float)
    if ht.empty:
        return "High-technology exports of the income group are not available in this vintage."
    first, last = int(ht.index[0]), int(ht.index[-1])
    text = (
        "Their share of world high-technology exports went from "
        f"{ht.iloc[0]:.1f} % ({first}) to {ht.iloc[-1]:.1f} % ({last})"
    )
    if first > break_year - 3:
        return text + (
            "; the income-group series on the current (post-2007) "
            f"definition is too short to test a break at {break_year}."
        )
    return text + (
        "; in this vintage the series uses the older SITC-based definition "
        "of high technology, not comparable with the current one."
    )


def describe_openness_match(
    measures: pd.DataFrame, openness: pd.DataFrame, *, year: int = 2007, threshold: float = 30.0
) -> dict[str, str]:
    """Which measure matches the text, and where the matching measure stands in ``year``."""
    table = measures.set_index("measure")
    matching = table.index[table["about_20_in_1990s"].fillna(False).astype(bool)].tolist()
    avg = openness["trade_mean"].dropna()
    value = float(avg.get(year, np.nan))
    above = avg[avg > threshold]
    if not matching:
        return {
            "open_match": (
                "No measure averages about 20 % of GDP in the 1990s in this vintage, "
                "so none matches the text's starting point."
            )
        }
    text = (
        "Only the average of exports and imports (or either flow "
        "on its own) matches the text's “about 20 % in the 1990s”"
    )
    if np.isnan(value):
        return {"open_match": text + f"; this vintage has no value for {year}."}
    if value > threshold:
        text += f", and in this vintage it is above the {threshold:g} % the text gives for {year} ({value:.1f} %)."
    else:
        text += (
            f"; in this vintage it stays {'just ' if value > threshold - 2 else ''}under "
            f"the {threshold:g} % the text gives for {year} ({value:.1f} %)"
        )
        text += (
            f" and first passed {threshold:g} % in {int(above.index.min())}."
            if len(above)
            else f" and never passed {threshold:g} %."
        )
    return {"open_match": text}


def describe_mht(mht: pd.DataFrame, years: Sequence[int] = (1995, 2008)) -> str:
    """A sentence on the world medium/high-tech share of manufactured exports."""
    if mht.empty or not set(years) <= set(mht.index):
        return (
            "The medium/high-technology share of manufactured exports "
            "(TX.MNF.TECH.ZS.UN) is not available for this vintage."
        )
    a, b, c = (
        float(mht["mht_share"].loc[years[0]]),
        float(mht["mht_share"].loc[years[1]]),
        float(mht["mht_share"].iloc[-1]),
    )
    last = int(mht.index.max())
    moves = max(abs(b - a), abs(c - b))
    reading = (
        "it changed by less than 3 points in either period, so the "
        "product mix that value chains carry most neither gained "
        "share during hyper-globalisation nor lost it afterwards"
        if moves < 3
        else f"it moved by {signed(b - a, 1)} points to {years[1]} and {signed(c - b, 1)} points after"
    )
    return (
        f"Across the {int(mht['reporters'].median())} or so economies "
        "that report it, medium- and high-technology goods made up "
        f"{a:.1f} % of manufactured exports in {years[0]}, {b:.1f} % in "
        f"{years[1]} and {c:.1f} % in {last} (weighted by manufactured "
        f"exports): {reading}."
    )


def describe_gvc(comparison: pd.DataFrame) -> dict[str, str]:
    """Phrases comparing the quoted GVC rates with the proxies, indexed to the first year."""
    base = int(comparison["year"].min())
    idx = comparison.set_index(["series", "year"])[f"index_{base}_100"]

    def get(series: str, year: int) -> float:
        return float(idx.get((series, year), np.nan))

    trade_q, prod_q = "GVC participation, trade-based (quoted)", "GVC participation, production-based (quoted)"
    trade_p, merch_p = "Proxy: world trade, (X + M)/2 % of GDP", "Proxy: world merchandise trade % of GDP"
    values = {
        "trade_08": get(trade_q, 2008),
        "prod_08": get(prod_q, 2008),
        "proxy_08": get(trade_p, 2008),
        "merch_08": get(merch_p, 2008),
        "trade_20": get(trade_q, 2020),
        "proxy_20": get(trade_p, 2020),
    }
    out = {f"gvc_{k}": ("n/a" if np.isnan(v) else f"{v:.0f}") for k, v in values.items()}
    if np.isnan(values["proxy_08"]):
        out["gvc_sentence"] = f"The proxies are not available for {base} and 2008 in this vintage."
        return out
    text = (
        f"Indexed to {base}, the quoted trade-based rate reaches "
        f"{out['gvc_trade_08']} in 2008 and the production-based rate "
        f"{out['gvc_prod_08']}; world trade intensity reaches "
        f"{out['gvc_proxy_08']} and merchandise trade {out['gvc_merch_08']}."
    )
    if not np.isnan(values["proxy_20"]):
        text += (
            " By 2020, a pandemic year, the quoted trade-based rate is "
            f"at {out['gvc_trade_20']} and the trade-intensity proxy at "
            f"{out['gvc_proxy_20']}."
        )
        same = (values["proxy_08"] > 100) == (values["trade_08"] > 100) and (
            values["proxy_20"] < values["proxy_08"]
        ) == (values["trade_20"] < values["trade_08"])
        text += (
            " The gross-trade proxies move in the same directions as the quoted figures"
            if same
            else " The gross-trade proxies do not move in the same directions as the quoted figures"
        )
        text += "; the levels of the quoted figures remain unverified."
    else:
        text += " This vintage ends before 2020, so the later fall cannot be compared."
    out["gvc_sentence"] = text
    return out


def describe_concentration(
    royalties: pd.DataFrame, break_year: int, hic_share: pd.Series, ict: pd.DataFrame | None = None
) -> dict[str, str]:
    """Phrases on the concentration of receipts for intellectual property (and ICT services)."""
    first, last = int(royalties.index.min()), int(royalties.index.max())
    top_last = float(royalties.loc[last, "top_share"])
    ref = break_year if break_year in royalties.index else first
    top_ref = float(royalties.loc[ref, "top_share"])
    hic = float(hic_share.get(last, np.nan))
    rich = (
        f"high-income economies as a group received {hic:.1f} % of world receipts"
        if np.isfinite(hic)
        else "the high-income aggregate is not available"
    )
    if top_last < top_ref - 1:
        trend = (
            f"but **less** concentrated than in {ref} ({top_ref:.1f} % for the "
            "top five): the data do not show concentration rising since then"
        )
        head = "Digital value is concentrated, but not increasingly so."
    elif top_last > top_ref + 1:
        trend = f"and **more** concentrated than in {ref} ({top_ref:.1f} % for the top five)"
        head = "Digital value is concentrated, and increasingly so."
    else:
        trend = f"about as concentrated as in {ref} ({top_ref:.1f} % for the top five)"
        head = "Digital value is concentrated, and stably so."
    ict_sentence = ""
    if ict is not None and not ict.empty:
        i1 = int(ict.index.max())
        share, hhi = float(ict.loc[i1, "top_share"]), float(ict.loc[i1, "hhi"])
        level = "less" if share < top_last - 5 else "more" if share > top_last + 5 else "about as"
        ict_sentence = (
            f"ICT service exports, a second trace of digital activity, are {level} "
            f"concentrated: the top five held {share:.1f} % in {i1} (HHI {hhi:,.0f})"
        )
        if ref in ict.index:
            before = float(ict.loc[ref, "top_share"])
            ict_sentence += f", {'up' if share > before else 'down'} from {before:.1f} % in {ref}"
        names = prose_names(ict.loc[i1, "top"].split(", "))
        ict_sentence += f"; the leaders were {join_names(names.values())}."
    return {
        "con_rich": rich,
        "con_trend": trend,
        "con_head": head,
        "con_first_year": str(first),
        "con_last_year": str(last),
        "con_ict_sentence": ict_sentence,
    }


def describe_catch_up(
    catch: pd.DataFrame, labels: dict[str, str], break_year: int, late_label: str, shares: pd.DataFrame | None = None
) -> dict[str, str]:
    """Phrases on developing economies' catch-up before and after ``break_year``.

    ``labels`` maps the columns of :func:`developing_shares` to the series names used in
    ``catch`` (:func:`catch_up_table`); ``late_label`` names the low- and middle-income row
    estimated from 2000 only; ``shares`` (:func:`developing_shares`) gives China's part of the
    change in the share.
    """
    c = catch.set_index("series")

    def reading(row) -> str:
        if row["change_ci_high"] < 0:
            return "slowed"
        return "accelerated" if row["change_ci_low"] > 0 else "neither clearly slowed nor accelerated"

    m = c.loc[labels["merchandise"]]
    out = {
        "dev_pre": signed(m["pre_slope"], 2),
        "dev_pre_ci": ci_text(m["pre_ci_low"], m["pre_ci_high"]),
        "dev_post": signed(m["post_slope"], 2),
        "dev_post_ci": ci_text(m["post_ci_low"], m["post_ci_high"]),
        "dev_change": signed(m["slope_change"], 2),
        "dev_change_ci": ci_text(m["change_ci_low"], m["change_ci_high"]),
        "dev_reading": reading(m),
        "dev_span": f"{int(m['start'])}–{int(m['end'])}",
    }
    exc = c.loc[labels["merchandise_ex_china"]] if labels["merchandise_ex_china"] in c.index else None
    text = ""
    if exc is not None and pd.notna(exc.get("slope_change")):
        text = (
            f"Without China the share's trend was {signed(exc['pre_slope'], 2)} "
            f"pp a year before and {signed(exc['post_slope'], 2)} pp after "
            f"(difference {signed(exc['slope_change'], 2)}, {ci_text(exc['change_ci_low'], exc['change_ci_high'])})."
        )
        if shares is not None and {"merchandise", "merchandise_ex_china"} <= set(shares.columns):
            both = shares[["merchandise", "merchandise_ex_china"]].dropna()
            total = float(both["merchandise"].iloc[-1] - both["merchandise"].iloc[0])
            china = total - float(both["merchandise_ex_china"].iloc[-1] - both["merchandise_ex_china"].iloc[0])
            text += (
                f" Of the {signed(total, 1)}-point change in the share "
                f"between {int(both.index[0])} and {int(both.index[-1])}, "
                f"{signed(china, 1)} points are China's."
            )
    out["dev_exc_sentence"] = text
    names = {late_label: "low- and middle-income economies", labels["sdg_developing"]: "the UN's developing regions"}
    late = [(label, c.loc[label]) for label in names if label in c.index and pd.notna(c.loc[label].get("slope_change"))]
    if late:
        parts = [
            f"for {names[label]} ({int(r['start'])}–{int(r['end'])}) the slope went "
            f"from {signed(r['pre_slope'], 2)} to {signed(r['post_slope'], 2)} pp "
            f"a year (difference {signed(r['slope_change'], 2)}, {ci_text(r['change_ci_low'], r['change_ci_high'])})"
            for label, r in late
        ]
        late_readings = sorted({reading(r) for _, r in late})
        out["dev_window_sentence"] = "Measured from 2000 only, " + "; ".join(parts) + "."
        if late_readings != [out["dev_reading"]]:
            if len(late_readings) == 1:
                late_text = f"it {late_readings[0]}"
            else:  # the two series measured from 2000 disagree: say which is which
                late_text = join_names([f"it {reading(r)} for {names[label]}" for label, r in late])
            out["dev_baseline"] = (
                "The answer depends on the baseline: against the long run the catch-up "
                f"{out['dev_reading']}; against the boom years of the 2000s {late_text}."
            )
        else:
            out["dev_baseline"] = f"Both baselines give the same answer: the catch-up {out['dev_reading']}."
    else:
        out["dev_window_sentence"], out["dev_baseline"] = "", ""
    out["dev_manf_sentence"] = _manufactures_sentence(c, labels, reading)
    manf_label = labels.get("manufactures")
    has_manf = manf_label in c.index and pd.notna(c.loc[manf_label].get("slope_change"))
    # The headline follows manufactured exports where the vintage has them (commodity prices hardly move them).
    out["dev_manf_reading"] = reading(c.loc[manf_label]) if has_manf else ""
    head_reading = out["dev_manf_reading"] or out["dev_reading"]
    basis = "manufactured-export" if has_manf else "export"
    out["dev_head"] = {
        "slowed": f"Developing economies' {basis} catch-up slowed.",
        "accelerated": f"Developing economies kept gaining {basis} share.",
    }.get(head_reading, f"Developing economies' {basis} catch-up did not clearly change.")
    out["dev_manf_short"] = (
        f"On manufactured exports alone, which commodity prices hardly move, the trend change was "
        f"{signed(c.loc[manf_label]['slope_change'], 2)} pp a year "
        f"({ci_text(c.loc[manf_label]['change_ci_low'], c.loc[manf_label]['change_ci_high'])}): it {head_reading}."
        if has_manf
        else "This vintage has no manufactured exports to remove the commodity-price confound."
    )
    return out


def _manufactures_sentence(c: pd.DataFrame, labels: dict[str, str], reading) -> str:
    """The catch-up on manufactured exports only (labels ``manufactures``/``manufactures_ex_china``)."""
    label = labels.get("manufactures")
    if label is None or label not in c.index or pd.isna(c.loc[label].get("slope_change")):
        return (
            "This vintage has no manufactures' share of merchandise exports, so the test cannot be repeated without "
            "fuels and metals, whose prices peaked in 2011 and inflate developing economies' share up to then."
        )
    r = c.loc[label]
    text = (
        f"On manufactured exports alone, which the prices of fuels and metals hardly move, the trend was "
        f"{signed(r['pre_slope'], 2)} pp a year before and {signed(r['post_slope'], 2)} pp after "
        f"(difference {signed(r['slope_change'], 2)}, {ci_text(r['change_ci_low'], r['change_ci_high'])}): "
        f"the catch-up {reading(r)}"
    )
    exc_label = labels.get("manufactures_ex_china")
    if exc_label in c.index and pd.notna(c.loc[exc_label].get("slope_change")):
        x = c.loc[exc_label]
        text += (
            f"; without China, {signed(x['pre_slope'], 2)} and {signed(x['post_slope'], 2)} pp a year "
            f"(difference {signed(x['slope_change'], 2)}, {ci_text(x['change_ci_low'], x['change_ci_high'])})"
        )
    return text + "."


def describe_commodity_confound(
    merchandise: dict[str, float], manufactures: dict[str, float] | None, pre: Sequence[int], post: Sequence[int]
) -> dict[str, str]:
    """The register's window test (slopes ``pre`` and ``post``, :func:`window_slope_ratio`) on both bases.

    ``manufactures`` is ``None`` when the vintage lacks manufactures' share of exports.
    """

    def part(r: dict[str, float]) -> str:
        ratio = "undefined" if math.isnan(r["ratio"]) else f"{r['ratio']:.2f}"
        return (
            f"{signed(r['pre_slope'], 2)} pp a year in {pre[0]}–{pre[1]} "
            f"({ci_text(r['pre_ci_low'], r['pre_ci_high'])}) "
            f"and {signed(r['post_slope'], 2)} in {post[0]}–{post[1]} ({ci_text(r['post_ci_low'], r['post_ci_high'])}; "
            f"ratio {ratio})"
        )

    out = {"cc_merch": part(merchandise)}
    if manufactures is None:
        out["cc_manf"] = "not available in this vintage"
        out["cc_reading"] = (
            "Without manufactured exports the commodity-price confound cannot be removed, and the slowdown may be "
            "an artefact of the 2011 peak in fuel and metal prices."
        )
        return out
    out["cc_manf"] = part(manufactures)
    r_m, r_f = merchandise["ratio"], manufactures["ratio"]
    if not math.isnan(r_f) and not math.isnan(r_m) and r_f <= r_m:
        out["cc_reading"] = (
            "The slowdown is at least as sharp on manufactures, so it is not an artefact of the commodity-price peak."
        )
    elif not math.isnan(r_f) and r_f < 0.5:
        out["cc_reading"] = (
            "The slowdown is milder on manufactures than on all merchandise, so part of it is the commodity-price "
            "peak, but it remains."
        )
    else:
        out["cc_reading"] = (
            "On manufactures the slowdown largely disappears: it was mostly the fall in fuel and metal prices after "
            "2011, not a harder time for developing economies' manufacturing."
        )
    return out


def display_regional_table(changes: pd.DataFrame) -> pd.DataFrame:
    """The page table of :func:`regional_share_changes` (years as text, readable headers).

    The long citations stay in the CSV download and the caption names the sources: in a
    column they made the table wider than the page.
    """
    table = changes.drop(columns=["citation"], errors="ignore")
    for column in ("first_year", "last_year"):
        table[column] = table[column].astype(int).astype(str)
    return table.rename(
        columns={
            "region": "Region (WTO)",
            "first_year": "from",
            "first_value": "share, % (from)",
            "last_year": "to",
            "last_value": "share, % (to)",
            "change": "change, pp",
            "years": "figures",
            "verified": "verified on primary page",
        }
    )


def describe_regionalisation(changes: pd.DataFrame, south: pd.DataFrame) -> dict[str, str]:
    """Phrases on the published intra-regional and South-South trade shares.

    ``changes`` is :func:`regional_share_changes`, ``south`` :func:`south_south_shares`.
    """
    dated = changes.dropna(subset=["change"])
    if dated.empty:
        return {
            "reg_parts": "The curated table has no region with two published years of its intra-regional share",
            "reg_count": "so the claim cannot be tested",
            "reg_last_year": "",
            "reg_verified": "",
            "reg_south": "",
            "reg_head": "Regionalisation: no published series to test.",
        }
    parts = [
        f"from {r.first_value:g} % in {r.first_year} to {r.last_value:g} % in {r.last_year} in {r.region}"
        for r in dated.itertuples()
    ]
    rose, fell = int((dated["change"] > 0).sum()), int((dated["change"] < 0).sum())
    n_rows = sum(int(v.split("/")[1]) for v in dated["verified"])
    n_verified = sum(int(v.split("/")[0]) for v in dated["verified"])
    out = {
        "reg_parts": "The published intra-regional shares of merchandise exports went " + join_names(parts),
        "reg_count": f"the share rose in {rose} of {len(dated)} regions and fell in {fell}",
        "reg_last_year": str(int(dated["last_year"].max())),
        "reg_verified": (f"{n_verified} of the {n_rows} figures" if n_verified else f"none of the {n_rows} figures"),
    }
    south_parts = []
    for r in south.itertuples():
        bound = {"~": "about", ">": "more than"}.get(r.bound, "")
        when = f"in {int(r.year)}" if pd.notna(r.year) else "with no reference year"
        south_parts.append(f"{bound} {r.value:g} % {when} (published {r.published_year})")
    out["reg_south"] = (
        "UNCTAD puts trade among developing economies at " + join_names(south_parts) + " of world trade or exports"
        if south_parts
        else ""
    )
    out["reg_head"] = (
        "Regionalisation: mixed, and only to 2013."
        if rose and fell
        else "Regionalisation: rising in every region with published figures, to 2013."
        if rose
        else "Regionalisation: not found in the published figures."
    )
    return out


def describe_headlines(
    open_breaks: dict[str, Any],
    fdi_breaks: dict[str, Any],
    installations: pd.DataFrame,
    open_power: dict[str, float] | None = None,
) -> dict[str, str]:
    """Result-dependent headlines for the closing section (``open_power``: :func:`imtrade.stats.power_at`
    of the openness Chow test, so that a non-rejection by a test without power is not read as stability)."""
    chow, scan = open_breaks["chow"], open_breaks["scan"]
    flatter = chow.post_slope < chow.pre_slope
    power = float(open_power["chow"]) if open_power is not None else float("nan")
    if chow.boot_pvalue < 0.05:
        open_head = (
            f"The trend of world trade relative to GDP flattened after {chow.break_year}."
            if flatter
            else f"The trend of world trade relative to GDP changed after {chow.break_year}, but did not flatten."
        )
    elif flatter:
        open_head = f"World trade relative to GDP has grown more slowly since {chow.break_year}, but "
        if np.isfinite(power) and power < 0.5:
            open_head += (
                "the break test is inconclusive: it would detect a "
                f"break of this size only {100 * power:.0f} % of the time."
            )
        else:
            open_head += "the break is not statistically distinguishable from a long swing."
        if scan.reject_5pct:
            open_head = open_head[:-1] + f"; left to choose the date, the scan finds a break in {scan.sup_f_year}."
    else:
        open_head = f"The data show no slowdown of world trade relative to GDP after {chow.break_year}."
    frec = fdi_breaks["recovery"]
    fdi_head = (
        "Investment fell and has not come back." if not frec.recovered else "Investment fell but has since recovered."
    )
    world = installations[installations["iso3"] == "WLD"].sort_values("year")
    if len(world) >= 2:
        ratio = world["value"].iloc[-1] / world["value"].iloc[0]
        years = int(world["year"].iloc[-1] - world["year"].iloc[0])
        rob = f"World robot installations grew {ratio:.1f}-fold in {years} years"
    else:
        rob = "World robot installations are not available"
    return {"head_open": open_head, "head_fdi": fdi_head, "head_robots": rob}


def display_industry_table(trends: pd.DataFrame, names: dict[str, str]) -> pd.DataFrame:
    """The industry trend table for the page: slopes with their CIs as text, years as text."""
    ok = trends[trends["pattern"] != "too few data"]
    if ok.empty:  # e.g. focus economies the employment data do not cover
        who = ", ".join(trends["iso3"].map(lambda c: names.get(c, c))) if "iso3" in trends else ""
        return pd.DataFrame({"Economy": [who or "–"], "Pattern": ["too few data"]})

    def cell(row, key: str) -> str:
        interval = interval_text(row[f"{key}_ci_low"], row[f"{key}_ci_high"], plus=True)
        return f"{signed(row[f'{key}_slope'], 2)} ({interval})"

    return pd.DataFrame(
        {
            "Economy": ok["iso3"].map(names),
            "Years": [f"{int(a)}–{int(b)}" for a, b in zip(ok["start"], ok["end"], strict=True)],
            "N": ok["n"].astype(int).astype(str),
            "Employment share, pp/yr (95 % CI)": [cell(r, "employment") for _, r in ok.iterrows()],
            "Value-added share, pp/yr (95 % CI)": [cell(r, "value_added") for _, r in ok.iterrows()],
            "Difference, pp/yr (95 % CI)": [cell(r, "gap") for _, r in ok.iterrows()],
            "Pattern": ok["pattern"],
        }
    )


def display_proxies_table(partners: pd.DataFrame, names: dict[str, str]) -> pd.DataFrame:
    """The per-economy proxy table for the page: one row per economy, two header rows
    (measure, then year)."""
    order = list(partners["iso3"].drop_duplicates())
    years = sorted(int(y) for y in partners["year"].unique())
    indexed = partners.set_index(["iso3", "year"])
    columns = {("", "Economy"): [names.get(c, c) for c in order]}
    for measure, label in (
        ("mht_share_of_manufactured_exports", "Medium/high-tech, % of manufactured exports"),
        ("share_labour_intensive", "To labour-intensive partners, % of exports to both groups"),
    ):
        for year in years:
            columns[(label, str(year))] = [float(indexed[measure].get((c, year), np.nan)) for c in order]
    out = pd.DataFrame(columns)
    out.columns = pd.MultiIndex.from_tuples(out.columns)
    return out


# ---------------------------------------------------------------------------------------
# Rival explanations and robots and trade


def describe_rivals(rivals: pd.DataFrame, changes: pd.DataFrame, break_year: int, policy_year: int) -> dict[str, str]:
    """Glue-ready phrases for the rival-explanations section (keys start with ``rv_``).

    ``rivals`` is :func:`.analysis.rival_series_from_tidy`, ``changes`` :func:`.analysis.rival_changes`
    from ``break_year`` to the low year of world trade before ``policy_year``. Missing numbers
    read ``n/a`` and the sentences say what is missing.
    """
    from imtrade.chapters.deglobalisation.analysis import (
        CRISIS_YEAR,
        china_share_of_fall,
        commodity_share_of_fall,
        stall_timing,
    )
    from imtrade.show.text import NOT_AVAILABLE, format_number

    timing = stall_timing(rivals["world_trade"], break_year, policy_year) if "world_trade" in rivals else {}
    by = changes.set_index("series") if not changes.empty else pd.DataFrame(columns=["start", "end", "change"])

    def num(series: str, field: str, fmt: str = "{:.1f}") -> str:
        return format_number(by[field].get(series) if series in by.index else None, fmt)

    def chg(series: str) -> str:
        return signed(by["change"].get(series) if series in by.index else None, 1)

    out = {
        "rv_policy_year": str(policy_year),
        "rv_crisis_year": str(CRISIS_YEAR),
        "rv_break_value": format_number(timing.get("break_value")),
        "rv_rebound_year": str(timing.get("rebound_year") or NOT_AVAILABLE),
        "rv_rebound_value": format_number(timing.get("rebound_value")),
        "rv_low_year": str(timing.get("low_year") or NOT_AVAILABLE),
        "rv_low_value": format_number(timing.get("low_value")),
        "rv_fall": format_number(timing.get("fall_from_rebound")),
        "rv_pre_policy_year": str(policy_year - 1),
        "rv_pre_policy_value": format_number(timing.get("pre_policy_value")),
    }
    fall = timing.get("fall_from_rebound", float("nan"))
    if fall is None or not np.isfinite(fall):
        out["rv_timing_sentence"] = "The data do not cover the years needed to date the stall against the tariffs."
    elif fall >= 1:
        out["rv_timing_sentence"] = (
            f"The fall from the post-crisis high came before the tariffs of {policy_year}: trade policy of "
            f"{policy_year}–{policy_year + 1} cannot have started it."
        )
    else:
        out["rv_timing_sentence"] = (
            f"World trade relative to GDP barely fell between the post-crisis high and {policy_year}, so the "
            "timing leaves room for the trade-policy reading."
        )
    end_year = int(by["end_year"].iloc[0]) if "end_year" in by and len(by) else None
    out["rv_end_year"] = str(end_year) if end_year is not None else NOT_AVAILABLE
    for key, series in {
        "world": "world_trade",
        "exchina": "world_ex_china_trade",
        "merch": "merch_exports_gdp",
        "comm": "commodity_exports_gdp",
        "other": "other_exports_gdp",
        "commshare": "commodity_share",
        "china": "china_imports_gdp",
    }.items():
        out[f"rv_{key}_start"] = num(series, "start")
        out[f"rv_{key}_end"] = num(series, "end")
        out[f"rv_{key}_change"] = chg(series)
    comm = commodity_share_of_fall(changes) if not changes.empty else float("nan")
    china = china_share_of_fall(changes) if not changes.empty else float("nan")
    out["rv_comm_part"] = format_number(comm, "{:.0f}")
    out["rv_china_part"] = format_number(china, "{:.0f}")
    out["rv_comm_clause"] = f", {signed(comm, 0, plus=False)} % of the change" if np.isfinite(comm) else ""
    out["rv_china_clause"] = (
        f"{signed(china, 0, plus=False)} % of the world's fall disappears without China."
        if np.isfinite(china)
        else "the world's change is too small to say how much of it is China's."
    )
    if fall is None or not np.isfinite(fall):
        head = "The stall cannot be dated against the tariffs with these years"
    elif fall >= 1:
        head = f"The stall predates the {policy_year} tariff war"
    else:
        head = f"World trade relative to GDP hardly fell before the {policy_year} tariffs"
    parts = [
        name
        for name, share in (("commodity prices", comm), ("China's falling import ratio", china))
        if np.isfinite(share) and share >= 25
    ]
    out["rv_head"] = head + (f", and {join_names(parts)} account for much of it." if parts else ".")
    if not np.isfinite(comm):
        out["rv_comm_reading"] = "Between these years the data do not allow a split of the fall (or there was none)."
        out["rv_comm_summary"] = "between these years there is no fall of merchandise trade to split, or no data."
    elif comm >= 25:
        out["rv_comm_reading"] = (
            "A large part of the fall in measured merchandise trade is thus the falling value of commodities, "
            "not a retreat of production from borders."
        )
        out["rv_comm_summary"] = (
            "the falling value of fuels and metals accounts for "
            f"{signed(comm, 0, plus=False)} % of the fall in measured merchandise trade."
        )
    else:
        out["rv_comm_reading"] = "Commodities account for only a small part of the fall; most of it is in other goods."
        out["rv_comm_summary"] = (
            f"fuels and metals account for only {signed(comm, 0, plus=False)} % of the fall in merchandise trade."
        )
    if not np.isfinite(china):
        out["rv_china_summary"] = "between these years there is no fall of world trade to split, or no data."
    elif china >= 100:
        out["rv_china_summary"] = (
            "China's import ratio fell steeply before the tariffs, and without China world trade relative to GDP "
            "did not fall at all over these years."
        )
    elif china >= 25:
        out["rv_china_summary"] = (
            "China's import ratio fell steeply before the tariffs, and "
            f"{signed(china, 0, plus=False)} % of the world's fall disappears "
            "without China."
        )
    else:
        out["rv_china_summary"] = f"only {signed(china, 0, plus=False)} % of the world's fall disappears without China."
    if "china_imports_gdp" in rivals and rivals["china_imports_gdp"].notna().any():
        ch = rivals["china_imports_gdp"].dropna()
        out["rv_china_peak"] = format_number(float(ch.max()))
        out["rv_china_peak_year"] = str(int(ch.idxmax()))
        out["rv_china_last"] = format_number(float(ch.iloc[-1]))
        out["rv_china_last_year"] = str(int(ch.index[-1]))
    else:
        out |= dict.fromkeys(
            ["rv_china_peak", "rv_china_peak_year", "rv_china_last", "rv_china_last_year"], NOT_AVAILABLE
        )
    return out


def describe_robots_trade(frame: pd.DataFrame, regressions: pd.DataFrame, years: Sequence[int]) -> dict[str, str]:
    """Glue-ready phrases for the robots-and-trade section (keys start with ``rt_``).

    ``frame`` is :func:`.analysis.robot_trade_frame`, ``regressions``
    :func:`.analysis.robot_trade_regressions`. The reading of each slope follows its interval.
    """
    from imtrade.show.text import NOT_AVAILABLE, format_number

    a, b = years
    names = prose_names(list(frame.index)) if len(frame) else {}
    out = {
        "rt_first_year": str(a),
        "rt_last_year": str(b),
        "rt_n": str(len(frame)),
        "rt_names": join_names(names[c] for c in frame.index) if len(frame) else "no economy",
    }
    if len(frame):
        top = frame["density_doublings"].idxmax()
        out["rt_top"] = names[top]
        out["rt_top_start"] = format_number(frame.loc[top, "density_start"], "{:.0f}")
        out["rt_top_end"] = format_number(frame.loc[top, "density_end"], "{:.0f}")
        out["rt_median_doublings"] = format_number(float(frame["density_doublings"].median()), "{:.2f}")
        rose = int((frame["density_doublings"] > 0).sum())
        out["rt_rose"] = "rose in every one of them" if rose == len(frame) else f"rose in {rose} of them"
    else:
        out |= dict.fromkeys(["rt_top", "rt_top_start", "rt_top_end", "rt_median_doublings", "rt_rose"], NOT_AVAILABLE)
    rows = regressions.set_index("outcome") if not regressions.empty else pd.DataFrame()
    for key, outcome in {"imp": "imports_change", "merch": "merch_imports_change"}.items():
        if outcome not in rows.index or not np.isfinite(rows.loc[outcome, "slope"]):
            out |= {
                f"rt_{key}_slope": NOT_AVAILABLE,
                f"rt_{key}_ci": NOT_AVAILABLE,
                f"rt_{key}_p": NOT_AVAILABLE,
                f"rt_{key}_rho": NOT_AVAILABLE,
                f"rt_{key}_rho_p": NOT_AVAILABLE,
                f"rt_{key}_loo": NOT_AVAILABLE,
                f"rt_{key}_reading": "cannot be estimated (too few economies)",
            }
            continue
        r = rows.loc[outcome]
        out |= {
            f"rt_{key}_slope": signed(r["slope"], 1),
            f"rt_{key}_ci": ci_text(r["ci_low"], r["ci_high"], 1),
            f"rt_{key}_p": p_text(r["p_value"]),
            f"rt_{key}_rho": signed(r["rho"], 2),
            f"rt_{key}_rho_p": p_text(r["rho_p"]),
            f"rt_{key}_loo": interval_text(r["loo_min"], r["loo_max"], 1, plus=True),
            f"rt_{key}_reading": _sign_reading(r["ci_low"], r["ci_high"]),
        }
    r = rows.loc["imports_change"] if "imports_change" in rows.index else None
    if r is None or not np.isfinite(r["slope"]):
        out["rt_verdict"] = "The data are too few to relate robot adoption to imports."
    elif r["ci_high"] < 0:
        out["rt_verdict"] = (
            "Economies that automated faster raised their imports less, as the reshoring mechanism predicts; "
            f"with {int(r['n'])} economies and no control for anything else, that is a correlation, not an effect."
        )
    elif r["ci_low"] > 0:
        out["rt_verdict"] = (
            "Economies that automated faster raised their imports more, against the reshoring mechanism; "
            f"with {int(r['n'])} economies this is a correlation, not an effect."
        )
    else:
        direction = "negative" if r["slope"] < 0 else "positive"
        sign_stable = (r["loo_max"] < 0) if r["slope"] < 0 else (r["loo_min"] > 0)
        out["rt_verdict"] = (
            f"The association is {direction} but not distinguishable from zero with {int(r['n'])} economies"
            + (", although it keeps its sign whichever economy is left out" if sign_stable else "")
            + ": these data neither show nor rule out reshoring by robots."
        )
    return out
