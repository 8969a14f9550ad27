"""Semantic parameter checks shared by chapters (run before any heavy work)."""

from __future__ import annotations

from collections.abc import Iterable

from .exceptions import ParameterError, UnknownCountryError


def check_countries(codes: Iterable[str], name: str = "countries", allow_aggregates: bool = True) -> list[str]:
    """Every code must be in the entity table; returns them upper-cased."""
    from .api import load_entities
    from .entities import check_codes

    codes = list(codes)
    if not codes:
        raise ParameterError(f"parameter {name!r} needs at least one country code")
    if len(set(codes)) != len(codes):
        raise ParameterError(f"parameter {name!r} lists a code twice: {codes}")
    table = load_entities()
    try:
        out = check_codes(codes, table)
    except UnknownCountryError as exc:
        raise ParameterError(f"parameter {name!r}: {exc.problem}", fix=exc.fix) from None
    if not allow_aggregates:
        aggregates = set(table.loc[table["is_aggregate"], "iso3"]) & set(out)
        if aggregates:
            raise ParameterError(f"parameter {name!r} must list economies, not aggregates: {', '.join(sorted(aggregates))}")
    return out


def check_year_range(start: int, end: int, lo: int = 1960, hi: int = 2030, names: tuple[str, str] = ("start_year", "end_year")) -> None:
    if not lo <= start <= hi:
        raise ParameterError(f"parameter {names[0]!r} must be between {lo} and {hi}, got {start}")
    if not lo <= end <= hi:
        raise ParameterError(f"parameter {names[1]!r} must be between {lo} and {hi}, got {end}")
    if start >= end:
        raise ParameterError(f"parameter {names[0]!r} ({start}) must be before {names[1]!r} ({end})")


def check_vintage(vintage: str, name: str = "vintage") -> str:
    from .catalog import load_catalog

    wdi = load_catalog().dataset("wdi")
    if vintage not in wdi.all_vintages():
        raise ParameterError(
            f"parameter {name!r}: unknown WDI vintage {vintage!r} (known: {', '.join(sorted(wdi.all_vintages()))})",
            fix="fetch or add it first: `imtrade fetch wdi --vintage V`, `imtrade data add FILE`",
        )
    return vintage


def check_in_range(value: float, lo: float, hi: float, name: str) -> None:
    if not lo <= value <= hi:
        raise ParameterError(f"parameter {name!r} must be between {lo} and {hi}, got {value}")
