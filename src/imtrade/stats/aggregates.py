"""Statistics across economies: weighted group means, revealed comparative advantage, ranks.

Inputs are tidy frames (``iso3, year, value``, plus ``indicator`` where several series are
mixed) or wide frames (rows ``iso3, year``, one column per series), as
:func:`imtrade.api.load_indicators` and :func:`imtrade.data.load.wide` return them.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

import pandas as pd


def weighted_mean(
    values: pd.DataFrame, weights: pd.DataFrame, members: Sequence[str] | None = None, balanced: bool = False
) -> pd.DataFrame:
    """Weighted mean of an indicator over a group of economies, by year.

    Parameters
    ----------
    values, weights : tidy frames with ``iso3, year, value`` (only those columns are used).
    members : economies to include (None: every economy in ``values``).
    balanced : keep only economies with a value and a weight in *every* year present, so that
        changes over time are not changes in which economies report.

    Returns
    -------
    DataFrame indexed by ``year`` with ``value`` (the weighted mean) and ``n`` (economies used).

    Notes
    -----
    :math:`\\bar v_t = \\sum_c v_{c,t} w_{c,t} / \\sum_c w_{c,t}` over economies :math:`c` with both
    a value and a positive weight in year :math:`t`.
    """
    v = values[["iso3", "year", "value"]].dropna()
    w = weights[["iso3", "year", "value"]].dropna().rename(columns={"value": "weight"})
    both = v.merge(w, on=["iso3", "year"], how="inner")
    both = both[both["weight"] > 0]
    if members is not None:
        both = both[both["iso3"].isin(set(members))]
    if balanced and not both.empty:
        years = both["year"].nunique()
        complete = both.groupby("iso3")["year"].nunique()
        both = both[both["iso3"].isin(complete[complete == years].index)]
    if both.empty:
        return pd.DataFrame(
            {"value": pd.Series(dtype=float), "n": pd.Series(dtype=int)}, index=pd.Index([], name="year", dtype=int)
        )
    both = both.assign(vw=both["value"] * both["weight"])
    grouped = both.groupby("year")
    out = pd.DataFrame({"value": grouped["vw"].sum() / grouped["weight"].sum(), "n": grouped["iso3"].nunique()})
    return out


def balassa_rca(wide: pd.DataFrame, economies: Iterable[str], *, product: str, total: str, share: str) -> pd.DataFrame:
    """Balassa index of revealed comparative advantage in one product group.

    Parameters
    ----------
    wide : rows ``iso3, year`` with the columns ``product`` (exports of the product group),
        ``total`` (exports of the universe it belongs to) and ``share`` (the product group's
        share of the universe, %); aggregates may be included (they get an index too).
    economies : codes that make up the reference "world" (economies, no aggregates).
    product, total, share : the column names.

    Returns
    -------
    Tidy frame ``iso3, year, share, world_share, rca, reporters``: ``share`` is the economy's
    share (%), ``world_share`` the same for the sum over reporting economies, ``reporters``
    how many economies form that sum.

    Notes
    -----
    .. math:: RCA_{c,t} = \\frac{X^{P}_{c,t} / X^{U}_{c,t}}{\\sum_j X^{P}_{j,t} / \\sum_j X^{U}_{j,t}}

    where :math:`X^{P}` are exports of the product group, :math:`X^{U}` of the universe and
    :math:`j` runs over the economies that report both in year :math:`t` (Balassa 1965).
    RCA > 1 means the economy exports relatively more of the group than the reporting world.
    """
    frame = wide.reset_index()
    economies = set(economies)
    reporting = frame[frame["iso3"].isin(economies) & (frame[total] > 0) & frame[product].notna()]
    sums = reporting.groupby("year").agg(ht=(product, "sum"), manf=(total, "sum"), reporters=("iso3", "nunique"))
    world = (100.0 * sums["ht"] / sums["manf"]).rename("world_share")
    out = frame[["iso3", "year", share]].rename(columns={share: "share"}).dropna(subset=["share"])
    out = out.merge(world.reset_index(), on="year", how="inner").merge(sums[["reporters"]].reset_index(), on="year")
    out["rca"] = out["share"] / out["world_share"]
    return out.sort_values(["iso3", "year"]).reset_index(drop=True)


def rank_economies(tidy: pd.DataFrame, year: int, economy_codes: Iterable[str]) -> pd.DataFrame:
    """Economies ranked by value in ``year`` (1 = largest); aggregates excluded.

    Returns ``rank, iso3, value, tied`` where ``tied`` marks a value equal to its neighbour's
    (possible in files rounded to 3 significant digits); ties share the better rank.
    """
    codes = set(economy_codes)
    rows = tidy[(tidy["year"] == year) & tidy["iso3"].isin(codes)].dropna(subset=["value"])
    rows = rows.sort_values(["value", "iso3"], ascending=[False, True])[["iso3", "value"]].reset_index(drop=True)
    rows.insert(0, "rank", rows["value"].rank(method="min", ascending=False).astype("int64"))
    rows["tied"] = rows["value"].duplicated(keep=False)
    return rows


def latest_within(tidy: pd.DataFrame, year: int, window: int = 4) -> pd.DataFrame:
    """Per (indicator, iso3): the latest value in ``[year - window, year]`` and the year used.

    So that economies can be compared in a year that some have not reported yet; an economy
    with no value in the window is absent from the result.
    """
    rows = tidy[(tidy["year"] <= year) & (tidy["year"] >= year - window)].dropna(subset=["value"])
    rows = rows.sort_values("year").groupby(["indicator", "iso3"], as_index=False).last()
    return rows[["indicator", "iso3", "year", "value"]]
