"""Loading fetched data: the tidy frames every chapter, check and user reads.

All functions read fetched data only (``imtrade fetch`` first) and return tidy frames with
the columns ``dataset, vintage, indicator, iso3, year, value`` (validated when parsed).
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable, Sequence
from functools import lru_cache
from typing import Any

import pandas as pd

from imtrade.data.catalog import load_catalog
from imtrade.data.derived import DERIVED, compute
from imtrade.data.entities import check_codes
from imtrade.data.fetch import require_fetched
from imtrade.data.store import LOOKUP_ORDER, DataStore
from imtrade.data.validation import TIDY_COLUMNS
from imtrade.exceptions import DataNotFetchedError, UnknownIndicatorError, UnknownVintageError
from imtrade.paths import project

__all__ = [
    "clear_caches",
    "data_reads",
    "default_vintage",
    "indicator_metadata",
    "load_entities",
    "load_indicators",
    "load_optional",
    "wide",
]


@lru_cache(maxsize=4)
def _store(root: str, data_dir: str) -> DataStore:
    return DataStore()


def store() -> DataStore:
    """The process-wide data store for the current project (one per root/data dir)."""
    p = project()
    return _store(str(p.root), str(p.data_dir))


def clear_caches() -> None:
    """Forget every in-process cache of the data layer (store, catalog, warm-cache worker store,
    reads already logged): the next call re-reads the project's files. For tests and for
    long-lived processes whose project root or data directory changed."""
    from imtrade.data import catalog, provenance, warm_cache

    _store.cache_clear()
    catalog.clear_catalog_cache()
    warm_cache.forget_worker_store()
    provenance.forget_logged_reads()


def default_vintage() -> str:
    """The default WDI vintage of the catalog (what ``vintage=None`` means)."""
    return load_catalog().dataset("wdi").default_vintage


def _candidates(vintage: str | None, dataset: str | None) -> list[tuple[str, str]]:
    """(dataset, vintage) pairs to search, in order, for the requested vintage."""
    cat = store().catalog
    if vintage is not None and not cat.find_vintage(str(vintage)):
        known = sorted({v for d in cat.datasets.values() for v in d.all_vintages()})
        raise UnknownVintageError(
            f"no dataset has a vintage '{vintage}' (known vintages: {', '.join(known)})",
            fix="use a catalogued vintage, or create one with `imtrade data add FILE --name NAME`",
        )
    names = [dataset] if dataset else list(LOOKUP_ORDER)
    pairs: list[tuple[str, str]] = []
    for name in names:
        ds = cat.dataset(name)
        vintages = ds.all_vintages()
        chosen = str(vintage) if vintage is not None and str(vintage) in vintages else ds.default_vintage
        while chosen and (name, chosen) not in pairs:  # a local vintage falls back to its base
            pairs.append((name, chosen))
            chosen = vintages[chosen].base if chosen in vintages else None
    return pairs


def _searchable(s: DataStore, pairs: list[tuple[str, str]]) -> tuple[list[tuple[str, str]], list[tuple[str, str]]]:
    """Split pairs into fetched ones and ones not fetched (an unfetched dataset is not an error
    unless the indicator is found nowhere else)."""
    fetched, missing = [], []
    for pair in pairs:
        try:
            s.index(*pair)  # remembered by the store once the vintage was found fetched
        except DataNotFetchedError:
            missing.append(pair)
        else:
            fetched.append(pair)
    return fetched, missing


def _locate(code: str, pairs: list[tuple[str, str]]) -> tuple[str, str]:
    s = store()
    first = pairs[0]
    pairs, not_fetched = _searchable(s, pairs)
    for ds, v in pairs:
        if code in s.index(ds, v):
            return ds, v
    if first in not_fetched:  # the dataset/vintage asked for (or the default WDI) is not fetched: say so
        require_fetched(*first, s.paths)
    everything = {c for ds, v in pairs for c in s.index(ds, v)} | set(DERIVED)
    same_but_case = sorted(c for c in everything if c.lower() == code.lower())
    close = list(dict.fromkeys(same_but_case + difflib.get_close_matches(code, everything, n=3, cutoff=0.75)))
    elsewhere = [
        f"{d.id} {vid}"
        for d in s.catalog.datasets.values()
        for vid in d.all_vintages()
        if (d.id, vid) not in pairs and _has(s, d.id, vid, code)
    ]
    unfetched = ", ".join(f"{d} {v}" for d, v in not_fetched)
    raise UnknownIndicatorError(
        f"no indicator '{code}' in {', '.join(f'{d} {v}' for d, v in pairs)}"
        + (f" (not fetched, not searched: {unfetched})" if unfetched else "")
        + (f"; it exists in: {', '.join(elsewhere)}" if elsewhere else "")
        + (f"; did you mean {', '.join(close)}?" if close else ""),
        fix="check the code (WDI codes are upper-case, e.g. NE.EXP.GNFS.ZS); `imtrade data indicators` lists them"
        + (f"; `imtrade fetch` gets the datasets not fetched ({unfetched})" if unfetched else ""),
    )


def _published(s: DataStore, code: str, pairs: list[tuple[str, str]]) -> bool:
    """True when a searched vintage holds ``code`` itself (e.g. NE.TRD.GNFS.ZS from the API or
    a user's file): the published series wins over the derived one."""
    return any(code in s.index(ds, v) for ds, v in _searchable(s, pairs)[0])


def _has(s: DataStore, dataset: str, vintage: str, code: str) -> bool:
    try:
        return code in s.index(dataset, vintage)
    except Exception:  # not fetched, etc.: just not a suggestion
        return False


def _year_filter(frame: pd.DataFrame, years) -> pd.DataFrame:
    if years is None:
        return frame
    if isinstance(years, tuple) and len(years) == 2:
        lo, hi = years
        mask = pd.Series(True, index=frame.index)
        if lo is not None:
            mask &= frame["year"] >= int(lo)
        if hi is not None:
            mask &= frame["year"] <= int(hi)
        return frame[mask]
    return frame[frame["year"].isin([int(y) for y in years])]


def load_indicators(
    codes: str | Sequence[str],
    countries: Iterable[str] | None = None,
    years: tuple[int | None, int | None] | Iterable[int] | None = None,
    vintage: str | None = None,
    dataset: str | None = None,
) -> pd.DataFrame:
    """Load indicators as a tidy frame.

    Parameters
    ----------
    codes : indicator codes, e.g. ``["NE.EXP.GNFS.ZS"]`` (WDI codes), Gapminder concept names,
        UN SDG series (``NV_IND_MANF``), OWID columns, or a derived code (:mod:`imtrade.data.derived`).
    countries : entity codes (ISO3 or aggregates such as WLD, LMY); None for all.
    years : ``(start, end)`` inclusive (either may be None) or an iterable of years.
    vintage : WDI vintage (default: the catalog's default); datasets without that vintage
        use their own default. A local vintage falls back to its base vintage.
    dataset : look only in this dataset.

    Returns
    -------
    DataFrame with columns ``dataset, vintage, indicator, iso3, year, value``, sorted.

    Raises
    ------
    UnknownIndicatorError, UnknownCountryError, UnknownVintageError, DataNotFetchedError
    """
    codes = [codes] if isinstance(codes, str) else list(codes)
    countries = [countries] if isinstance(countries, str) else countries
    s = store()
    wanted = check_codes(list(countries), s.entities) if countries is not None else None
    pairs = _candidates(vintage, dataset)
    frames = []
    for code in sorted(dict.fromkeys(codes)):  # pieces in code order: each is sorted by (iso3, year)
        if code in DERIVED and dataset is None and not _published(s, code, pairs):
            series = DERIVED[code]
            inputs = load_indicators(series.inputs, countries=wanted, years=years, vintage=vintage)
            frames.append(compute(series, inputs))
            continue
        ds, v = _locate(code, pairs)
        frame = s.series(ds, v, code)
        if wanted is not None:
            frame = frame[frame["iso3"].isin(wanted)]
        frames.append(_year_filter(frame, years))
    out = pd.concat(frames, ignore_index=True) if frames else pd.DataFrame(columns=TIDY_COLUMNS)
    # already ordered by (indicator, iso3, year): parsed and derived pieces are sorted, in code order
    return out[TIDY_COLUMNS].astype({"year": "int64", "value": "float64"})


def wide(frame: pd.DataFrame, index: Sequence[str] = ("iso3", "year")) -> pd.DataFrame:
    """Pivot a tidy frame to one column per indicator (rows: iso3 x year; an empty frame stays empty)."""
    if frame.empty:
        return pd.DataFrame(index=pd.MultiIndex.from_arrays([[] for _ in index], names=list(index)))
    return frame.pivot_table(index=list(index), columns="indicator", values="value", aggfunc="first").rename_axis(
        columns=None
    )


def load_entities(include_aggregates: bool = True) -> pd.DataFrame:
    """The entity table (see :mod:`imtrade.data.entities` for its columns)."""
    table = store().entities
    return table if include_aggregates else table[~table["is_aggregate"]].reset_index(drop=True)


def indicator_metadata(codes: Iterable[str] | None = None, vintage: str | None = None) -> pd.DataFrame:
    """Name, unit, description and source dataset of indicators (all fetched ones by default).

    Columns: ``indicator, name, unit, description, dataset, vintage``. Derived codes have
    dataset ``derived`` and their formula as description.
    """
    s = store()
    frames = []
    seen: set[str] = set()
    for ds, v in _candidates(vintage, None):
        try:
            meta = s.metadata(ds, v)
        except Exception as exc:  # an unfetched dataset simply contributes nothing
            if exc.__class__.__name__ != "DataNotFetchedError":
                raise
            continue
        meta = meta[~meta["indicator"].isin(seen)]
        seen |= set(meta["indicator"])
        frames.append(meta)
    derived = pd.DataFrame(
        [
            {
                "indicator": d.code,
                "name": d.name,
                "unit": d.unit,
                "description": f"{d.formula}. {d.note}".strip(),
                "dataset": "derived",
                "vintage": "",
            }
            for d in DERIVED.values()
        ]
    )
    frames.append(derived[~derived["indicator"].isin(seen)])
    meta = pd.concat(frames, ignore_index=True)
    if codes is not None:
        codes = list(codes)
        known = set(meta["indicator"])
        missing = [c for c in codes if c not in known]
        if missing:
            hints = [
                c
                + (
                    f" (did you mean {', '.join(close)}?)"
                    if (close := difflib.get_close_matches(c, known, n=3, cutoff=0.75))
                    else ""
                )
                for c in missing
            ]
            raise UnknownIndicatorError(
                f"no metadata for indicator(s) {'; '.join(hints)} in the fetched datasets",
                fix="check the code; `imtrade data indicators` lists every indicator with its dataset",
            )
        meta = meta.set_index("indicator").loc[codes].reset_index()
    return meta.reset_index(drop=True)


def data_reads() -> list[dict[str, str]]:
    """Raw files this process has read so far, with their checksums (for build cache keys)."""
    s = store()
    return [
        {"dataset": r.dataset, "vintage": r.vintage, "path": r.relpath, "sha256": s.file_sha(r)}
        for r in sorted(s.reads, key=lambda r: (r.dataset, r.vintage, r.relpath))
    ]


def load_optional(codes: str | Sequence[str], **kwargs: Any) -> pd.DataFrame:
    """:func:`load_indicators`, but an indicator the vintage lacks gives an empty tidy frame.

    For sections that say "not in this vintage" instead of failing (a missing series is data,
    not an error; an unknown country or vintage still raises).
    """
    try:
        return load_indicators(codes, **kwargs)
    except UnknownIndicatorError:
        return pd.DataFrame(columns=TIDY_COLUMNS).astype({"year": "int64", "value": "float64"})
