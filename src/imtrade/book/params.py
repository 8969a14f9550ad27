"""Chapter parameters: declared in one ``parameters`` cell, validated before any heavy work.

A chapter declares each parameter as a typed, commented assignment::

    countries: list[str] = ["USA", "DEU", "JPN", "CHN"]  # focus economies (ISO3 codes)
    start_year: int = 1990  # first year shown

:func:`parse_parameters_cell` reads these with :mod:`ast` (names, types, defaults, help), and
:func:`resolve_parameters` turns user input (CLI strings or typed YAML values) into typed
values. Names are checked against the declaration *before* papermill sees them: papermill
does not check names, and a name with a newline in it would be executed as code.
Chapters add semantic checks (known country codes, year order) in
``imtrade.chapters.<chapter>.check_parameters``, built on the common ones here
(:func:`check_countries`, :func:`check_year_range`, :func:`check_vintage`, :func:`check_in_range`).
"""

from __future__ import annotations

import ast
import io
import re
import tokenize
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from imtrade.exceptions import ParameterError, UnknownCountryError

SUPPORTED_TYPES = ("int", "float", "str", "bool", "list[str]", "list[int]", "list[float]")


@dataclass(frozen=True)
class Parameter:
    name: str
    type: str  # one of SUPPORTED_TYPES
    default: Any
    help: str


def _comments_by_line(source: str) -> dict[int, str]:
    comments = {}
    for tok in tokenize.generate_tokens(io.StringIO(source).readline):
        if tok.type == tokenize.COMMENT:
            comments[tok.start[0]] = tok.string.lstrip("#").strip()
    return comments


def parse_parameters_cell(source: str, where: str = "parameters cell") -> dict[str, Parameter]:
    """Parse a parameters cell. Every statement must be ``name: type = literal  # help``."""
    try:
        tree = ast.parse(source)
    except SyntaxError as exc:
        raise ParameterError(f"{where}: not valid Python ({exc.msg}, line {exc.lineno})") from None
    comments = _comments_by_line(source)
    params: dict[str, Parameter] = {}
    for node in tree.body:
        if not (isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Name) and node.value is not None):
            raise ParameterError(
                f"{where}, line {node.lineno}: each line must be a typed assignment 'name: type = value  # help'"
            )
        type_name = ast.unparse(node.annotation).replace(" ", "")
        if type_name not in SUPPORTED_TYPES:
            raise ParameterError(
                f"{where}, line {node.lineno}: type {type_name!r} is not one of {', '.join(SUPPORTED_TYPES)}"
            )
        try:
            default = ast.literal_eval(node.value)
        except ValueError:
            raise ParameterError(
                f"{where}, line {node.lineno}: the default of {node.target.id!r} must be a literal"
            ) from None
        name = node.target.id
        params[name] = Parameter(name, type_name, coerce(name, type_name, default), comments.get(node.lineno, ""))
    return params


def _scalar(name: str, type_name: str, value: Any) -> Any:
    kind = {"int": int, "float": float, "str": str, "bool": bool}[type_name]
    if kind is bool:
        if isinstance(value, bool):
            return value
        if isinstance(value, str) and value.strip().lower() in ("true", "false", "yes", "no", "1", "0"):
            return value.strip().lower() in ("true", "yes", "1")
        raise ParameterError(f"parameter {name!r} must be true or false, got {value!r}")
    if kind is str:
        if isinstance(value, str):
            return value
        raise ParameterError(f"parameter {name!r} must be text, got {type(value).__name__} {value!r}")
    if isinstance(value, bool):
        raise ParameterError(f"parameter {name!r} must be a number ({type_name}), got {value!r}")
    if isinstance(value, str):
        try:
            value = float(value.strip()) if kind is float else int(value.strip())
        except ValueError:
            raise ParameterError(
                f"parameter {name!r} must be {'a number' if kind is float else 'a whole number'}, got {value!r}"
            ) from None
    if kind is int and isinstance(value, float):
        if not value.is_integer():
            raise ParameterError(f"parameter {name!r} must be a whole number, got {value!r}")
        value = int(value)
    if not isinstance(value, int | float):
        raise ParameterError(f"parameter {name!r} must be {type_name}, got {type(value).__name__} {value!r}")
    return kind(value)


def coerce(name: str, type_name: str, value: Any) -> Any:
    """Convert ``value`` to the declared type. Strings from the CLI are accepted:
    ``"1995"`` for int, ``"KOR,MEX"`` or ``"[KOR, MEX]"`` for list[str]."""
    if type_name.startswith("list["):
        inner = type_name[5:-1]
        if isinstance(value, str):
            text = value.strip()
            if text.startswith("["):
                import yaml

                try:
                    value = yaml.safe_load(text)
                except yaml.YAMLError:
                    raise ParameterError(f"parameter {name!r}: cannot read {value!r} as a list") from None
            else:
                value = [v.strip() for v in text.split(",") if v.strip()]
        if not isinstance(value, list | tuple):
            raise ParameterError(f"parameter {name!r} must be a list ({type_name}), got {value!r}")
        return [_scalar(name, inner, v if inner != "str" or isinstance(v, str) else str(v)) for v in value]
    return _scalar(name, type_name, value)


def check_name(name: str, declared: dict[str, Parameter], chapter: str) -> None:
    if not isinstance(name, str) or not name.isidentifier():
        raise ParameterError(
            f"{name!r} is not a valid parameter name", fix=f"see `imtrade params {chapter}` for the declared names"
        )
    if name not in declared:
        import difflib

        close = difflib.get_close_matches(name, declared, n=1)
        raise ParameterError(
            f"chapter '{chapter}' has no parameter {name!r}" + (f" (did you mean {close[0]!r}?)" if close else ""),
            fix=f"declared parameters: {', '.join(declared)} (`imtrade params {chapter}`)",
        )


CODE = re.compile(r"^[A-Z][A-Z0-9]{2}$")  # an ISO3 / entity code (KOR, WLD, EAS, ...)


def is_code_parameter(parameter: Parameter) -> bool:
    """A parameter of entity codes: a ``str`` or ``list[str]`` whose default holds only codes."""
    default = parameter.default
    if parameter.type == "str":
        return isinstance(default, str) and bool(CODE.match(default))
    if parameter.type == "list[str]":
        return bool(default) and all(isinstance(v, str) and CODE.match(v) for v in default)
    return False


def resolve_parameters(declared: dict[str, Parameter], given: dict[str, Any], chapter: str) -> dict[str, Any]:
    """Defaults overridden by ``given``; every name checked and every value coerced.

    Codes are upper-cased (``kor`` is ``KOR``) in parameters of entity codes
    (:func:`is_code_parameter`), so the same run has one set of values, one cache key and one
    output name however it was typed.
    """
    values = {name: p.default for name, p in declared.items()}
    for name, value in given.items():
        check_name(name, declared, chapter)
        value = coerce(name, declared[name].type, value)
        if is_code_parameter(declared[name]):
            value = [v.strip().upper() for v in value] if isinstance(value, list) else value.strip().upper()
        values[name] = value
    return values


def check_countries(codes: Iterable[str], name: str = "countries", allow_aggregates: bool = True) -> list[str]:
    """Every code must be in the entity table; returns them upper-cased."""
    from imtrade.data.entities import check_codes
    from imtrade.data.load import load_entities

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
            raise ParameterError(
                f"parameter {name!r} must list economies, not aggregates: {', '.join(sorted(aggregates))}"
            )
    return out


def check_year_range(
    start: int, end: int, lo: int = 1960, hi: int = 2030, names: tuple[str, str] = ("start_year", "end_year")
) -> None:
    if not lo <= start <= hi:
        raise ParameterError(f"parameter {names[0]!r} must be between {lo} and {hi}, got {start}")
    if not lo <= end <= hi:
        raise ParameterError(f"parameter {names[1]!r} must be between {lo} and {hi}, got {end}")
    if start >= end:
        raise ParameterError(f"parameter {names[0]!r} ({start}) must be before {names[1]!r} ({end})")


def check_vintage(vintage: str, name: str = "vintage") -> str:
    from imtrade.data.catalog import load_catalog

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
