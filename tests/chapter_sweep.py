"""Run a chapter's code cells in this process, with parameter overrides (for the parameter sweep).

The notebook's own cells are executed in order in one namespace, after its parameters cell
an assignment of the given values (as papermill injects them). No kernel is started, so a
case costs the chapter's computations only. Figures are drawn with Agg and closed after each
cell; what the cells display is discarded, and warnings are ignored as a kernel shows them.
"""

from __future__ import annotations

import contextlib
import io
import os
import warnings
from dataclasses import dataclass
from pathlib import Path
from typing import Any


@dataclass
class CellFailure(Exception):
    """A cell raised: which cell (index among code cells, first line) and the exception."""

    chapter: str
    index: int
    first_line: str
    error: BaseException

    def __str__(self) -> str:
        return (
            f"{self.chapter}: code cell {self.index} ({self.first_line!r}) "
            f"raised {type(self.error).__name__}: {self.error}"
        )


def code_cells(path: Path) -> list[tuple[list[str], str]]:
    """(tags, source) of every code cell of a MyST text notebook."""
    import jupytext

    nb = jupytext.read(path)
    return [(list(c.metadata.get("tags", [])), c.source) for c in nb.cells if c.cell_type == "code"]


def run_cells(chapter: str, path: Path, values: dict[str, Any], workdir: Path) -> dict[str, Any]:
    """Execute the chapter's code cells with ``values`` injected; return the namespace.

    Raises :class:`CellFailure` naming the first cell that raised.
    """
    import matplotlib

    matplotlib.use("Agg", force=True)
    import matplotlib.pyplot as plt

    namespace: dict[str, Any] = {"__name__": "__main__"}
    injected = "\n".join(f"{name} = {value!r}" for name, value in values.items())
    old = Path.cwd()
    os.chdir(workdir)
    try:
        for index, (tags, source) in enumerate(code_cells(path)):
            try:
                with (
                    contextlib.redirect_stdout(io.StringIO()),
                    contextlib.redirect_stderr(io.StringIO()),
                    warnings.catch_warnings(),
                ):
                    warnings.simplefilter("ignore")  # as in a kernel: warnings are not failures (pytest's filter is)
                    exec(compile(source, f"<{chapter} cell {index}>", "exec"), namespace)
                    if "parameters" in tags:
                        exec(injected, namespace)
            except Exception as exc:
                first = next((line for line in source.splitlines() if line.strip()), "")
                raise CellFailure(chapter, index, first[:80], exc) from exc
            finally:
                plt.close("all")
    finally:
        os.chdir(old)
    return namespace


# ---------------------------------------------------------------------------------------
# The cases: generated from the declared parameters and the chapter's validator

# Economies with little or no data, tried wherever a parameter takes ISO3 codes: Tuvalu (a
# few WDI series), Taiwan (in the entity table through Gapminder, absent from the WDI) and
# Antarctica (in the entity table, no data at all).
SPARSE_ECONOMIES = ("TUV", "TWN", "ATA")
_CHOICE = __import__("re").compile(r"\b[A-Z]{3}\b")


@dataclass(frozen=True)
class Case:
    chapter: str
    parameter: str
    kind: str  # "default", "vintage", "choice", "sparse", "item", "short", "long", "lower", "upper", "pool"
    value: Any = None  # the value given (None for range ends, found by probing the validator)

    @property
    def id(self) -> str:
        shown = (
            ""
            if self.value is None
            else "=" + (",".join(map(str, self.value)) if isinstance(self.value, list) else str(self.value))
        )
        return f"{self.chapter}-{self.parameter}-{self.kind}{shown}"


def wdi_vintages() -> list[str]:
    from imtrade.data.catalog import load_catalog

    return sorted(load_catalog().dataset("wdi").all_vintages())


def cases(chapter: str) -> list[Case]:
    """Every case of one chapter: the defaults, each catalogued WDI vintage for a vintage
    parameter, each choice a text parameter's help names (three-letter codes), sparse economies
    for ISO3 parameters, each default item of a list alone, and both ends of every numeric
    range (found later by :func:`range_end`)."""
    from imtrade.book.toc import chapter as find

    out = [Case(chapter, "-", "default")]
    for p in find(chapter).parameters().values():
        iso3 = "ISO3" in p.help
        if p.name.endswith("vintage"):
            out += [Case(chapter, p.name, "vintage", v) for v in wdi_vintages() if v != p.default]
        elif p.type == "str":
            choices = [] if iso3 else [c for c in dict.fromkeys(_CHOICE.findall(p.help)) if c != p.default]
            out += [Case(chapter, p.name, "choice", c) for c in choices]
            out += [Case(chapter, p.name, "sparse", c) for c in SPARSE_ECONOMIES if iso3]
            if not iso3 and not choices:
                out += [
                    Case(chapter, p.name, "short", p.default[:1]),
                    Case(chapter, p.name, "long", (p.default * 40)[:40]),
                ]
        elif p.type.startswith("list["):
            if len(p.default) > 1:
                out += [Case(chapter, p.name, "item", [v]) for v in p.default]
            if iso3:
                out += [Case(chapter, p.name, "sparse", [c]) for c in SPARSE_ECONOMIES]
            if p.type != "list[str]":
                out += [Case(chapter, p.name, "lower"), Case(chapter, p.name, "upper")]
        elif p.type in ("int", "float"):
            out += [Case(chapter, p.name, "lower"), Case(chapter, p.name, "upper")]
    seen = {(c.parameter, repr(c.value)) for c in out}
    return out + [c for c in pool_cases(chapter) if (c.parameter, repr(c.value)) not in seen]


def pool_cases(chapter: str) -> list[Case]:
    """Each candidate value of the chapter's assignment pool (front matter ``imtrade: pool:``), alone:
    students are given these, so each must run (defaults already tried are left out)."""
    from imtrade.assignments.editions import declared_pool
    from imtrade.book.toc import chapter as find

    ch = find(chapter)
    declared = ch.parameters()
    out = []
    for name, values in (declared_pool(ch.source) or {}).items():
        for value in values:
            if name in declared and value != declared[name].default:
                out.append(Case(chapter, name, "pool", value))
    return out


def accepts(chapter: str, given: dict[str, Any]) -> bool:
    """True if the chapter's validator accepts ``given``; False if it refuses with a ParameterError."""
    from imtrade.book.toc import chapter as find
    from imtrade.exceptions import ParameterError

    try:
        find(chapter).resolve(given)
    except ParameterError:
        return False
    return True


def range_end(chapter: str, parameter: str, side: str, span: float = 1000.0) -> Any | None:
    """The last value on ``side`` ("lower"/"upper") of the default that the validator accepts,
    all other parameters at their defaults (bisection; a list parameter is probed as one item).
    None when the range is open on that side within ``span`` (no end to test)."""
    from imtrade.book.toc import chapter as find

    p = find(chapter).parameters()[parameter]
    is_list = p.type.startswith("list[")
    kind = p.type[5:-1] if is_list else p.type
    start = (p.default[0] if side == "lower" else p.default[-1]) if is_list else p.default

    def ok(x: float) -> bool:
        value = round(x) if kind == "int" else round(x, 4)
        return accepts(chapter, {parameter: [value] if is_list else value})

    sign = -1 if side == "lower" else 1
    if not ok(start):
        return None
    far = start + sign * span
    if ok(far):
        return None
    inside, outside = float(start), float(far)
    tolerance = 1 if kind == "int" else 1e-3
    while abs(outside - inside) > tolerance:
        mid = (inside + outside) / 2
        mid = float(round(mid)) if kind == "int" else mid
        if mid in (inside, outside):
            break
        if ok(mid):
            inside = mid
        else:
            outside = mid
    value = round(inside) if kind == "int" else round(inside, 3)
    if kind == "float" and not ok(value):  # rounded outwards
        value = round(inside - sign * 1e-3, 3)
    return [value] if is_list else value


def given(case: Case) -> dict[str, Any] | None:
    """The parameter values of ``case`` (None: an open range end, nothing to test)."""
    if case.kind == "default":
        return {}
    if case.kind in ("lower", "upper"):
        value = range_end(case.chapter, case.parameter, case.kind)
        return None if value is None else {case.parameter: value}
    return {case.parameter: case.value}
