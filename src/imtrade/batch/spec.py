"""Batch specifications: which chapters to run with which parameter sets.

A spec is a YAML file (``specs/*.yml``)::

    name: country_briefs            # output folder _build/batch/<name> (default: the file name)
    title: Country briefs           # shown in summaries and on the index page
    runs:                           # explicit parameter sets ...
      - chapter: country_brief
        params: {country: KOR}
    grid:                           # ... and/or a grid (``grids:`` for several)
      chapter: country_brief
      params: {vintage: "2026-07-01"}   # the same for every run of the grid
      vary:                             # cartesian product, in the order written
        country: {from: economies}      # or a list, or {from: "imtrade.chapters.x:function", args: {...}}
        start_year: [1990, 2000]
    site: {...}                     # optional: publish the results in the book (see imtrade.batch.site)

:func:`load_spec` validates everything before any run and reports every problem at once,
each with its line in the file: unknown keys, unknown chapters, undeclared parameters, values
of the wrong type, malformed or empty grids, generators that are not declared (a chapter
package lists the functions a spec may call in ``BATCH_GENERATORS``), duplicate runs, and the chapter's own semantic
checks (``check_parameters``: known country codes, year order ...) on every expanded run.
"""

from __future__ import annotations

import hashlib
import importlib
import itertools
import json
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from imtrade.book.params import Parameter, check_name, coerce
from imtrade.book.toc import Chapter
from imtrade.book.toc import chapter as find_chapter
from imtrade.exceptions import BatchSpecError, ImtradeError
from imtrade.paths import ProjectPaths, project

SPEC_KEYS = ("name", "title", "description", "runs", "grid", "grids", "site")
RUN_KEYS = ("chapter", "params")
GRID_KEYS = ("chapter", "params", "vary")
GENERATOR_KEYS = ("from", "args")
SITE_KEYS = ("caption", "title", "intro", "page_title", "columns")
NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]*$")
MAX_STEM = 80  # longer output names are shortened and get a hash of the parameters
MAX_SHOWN = 25  # problems listed in one error message


@dataclass(frozen=True)
class RunSpec:
    """One run of a batch: a chapter and the parameters the spec gives it (typed)."""

    chapter: str
    given: dict[str, Any]
    where: str  # e.g. "line 12 (grid)" for messages
    stem: str = ""  # output file name without suffix (set by load_spec)

    def label(self) -> str:
        """Short human description: ``country_brief country=KOR``."""
        shown = " ".join(f"{k}={json.dumps(v) if not isinstance(v, str) else v}" for k, v in self.given.items())
        return f"{self.chapter} {shown}".strip()


@dataclass
class BatchSpec:
    path: Path
    name: str
    title: str
    description: str
    runs: list[RunSpec]
    site: dict[str, Any] | None = None
    chapters: dict[str, Chapter] = field(default_factory=dict)


# ---------------------------------------------------------------------------------------
# YAML with line numbers


def line_map(text: str) -> dict[tuple, int]:
    """1-based line of every key and item of a YAML document, by path (``("grid", "vary", "country")``)."""
    root = yaml.compose(text, Loader=yaml.SafeLoader)
    lines: dict[tuple, int] = {}

    def walk(node: yaml.Node, path: tuple) -> None:
        lines.setdefault(path, node.start_mark.line + 1)
        if isinstance(node, yaml.MappingNode):
            for key, value in node.value:
                lines[(*path, key.value)] = key.start_mark.line + 1
                walk(value, (*path, key.value))
        elif isinstance(node, yaml.SequenceNode):
            for index, item in enumerate(node.value):
                lines[(*path, index)] = item.start_mark.line + 1
                walk(item, (*path, index))

    if root is not None:
        walk(root, ())
    return lines


def _path_text(path: tuple) -> str:
    out = ""
    for part in path:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out or "(top level)"


class _Problems:
    """Problems found in a spec, each located by line and key path."""

    def __init__(self, lines: dict[tuple, int]) -> None:
        self.lines = lines
        self.items: list[str] = []

    def where(self, path: tuple) -> str:
        probe = path
        while probe and probe not in self.lines:
            probe = probe[:-1]
        line = self.lines.get(probe)
        return f"line {line} ({_path_text(path)})" if line else _path_text(path)

    def add(self, path: tuple, message: str) -> None:
        self.items.append(f"{self.where(path)}: {message}")


# ---------------------------------------------------------------------------------------
# Output names


def _slug(name: str, value: Any, type_name: str) -> str:
    if isinstance(value, bool):
        return name if value else f"no-{name}"
    if isinstance(value, list):
        return "+".join(_slug(name, v, type_name[5:-1]) for v in value) or "none"
    text = f"{value:g}" if isinstance(value, float) else str(value)
    return re.sub(r"[^A-Za-z0-9.-]+", "_", text).strip("_") or "_"


def params_digest(given: dict[str, Any]) -> str:
    return hashlib.sha256(json.dumps(given, sort_keys=True, default=str).encode()).hexdigest()[:10]


def run_stem(chapter: str, given: dict[str, Any], declared: dict[str, Parameter]) -> str:
    """Output name of a run, built from its parameters in declaration order.

    ``country_brief`` with ``{country: KOR, vintage: 2026-07-01}`` -> ``country_brief-KOR-2026-07-01``.
    Names longer than MAX_STEM characters keep a readable prefix and end with a short hash
    of the parameters.
    """
    parts = [_slug(name, given[name], p.type) for name, p in declared.items() if name in given]
    stem = "-".join([chapter, *parts])
    if len(stem) > MAX_STEM:
        stem = f"{stem[: MAX_STEM - 12].rstrip('-_.+')}-{params_digest(given)}"
    return stem


# ---------------------------------------------------------------------------------------
# Generators of grid values


def economies(include_aggregates: bool = False) -> list[str]:
    """Every economy of the entity table (ISO3 codes; aggregates such as WLD excluded)."""
    from imtrade.data.load import load_entities

    return sorted(load_entities(include_aggregates=include_aggregates)["iso3"].astype(str))


BUILTIN_GENERATORS = {"economies": economies}
GENERATORS_ATTR = "BATCH_GENERATORS"  # in a chapter package: the names of its functions a spec may call


def declared_generators(module_name: str) -> tuple[str, ...]:
    """The generator functions ``imtrade.chapters.<topic>`` declares in ``BATCH_GENERATORS``
    (empty for anything else: a spec may call no other function of the package)."""
    parts = module_name.split(".")
    if len(parts) != 3 or parts[:2] != ["imtrade", "chapters"] or not parts[2].isidentifier():
        return ()
    try:
        module = importlib.import_module(module_name)
    except ImportError:
        return ()
    declared = getattr(module, GENERATORS_ATTR, ())
    return tuple(name for name in declared if isinstance(name, str))


def _generator(source: str) -> tuple[Any, str | None]:
    """The function ``source`` names, or None and why a spec may not call it."""
    if source in BUILTIN_GENERATORS:
        return BUILTIN_GENERATORS[source], None
    module_name, _, attr = source.partition(":")
    declared = declared_generators(module_name)
    if attr and attr in declared:
        return getattr(importlib.import_module(module_name), attr), None
    if declared:
        return None, f"{module_name} declares the generator(s) {', '.join(declared)} only"
    return None, (
        f"{source!r} is neither a built-in generator ({', '.join(BUILTIN_GENERATORS)}) nor a generator a chapter "
        f"declares ('imtrade.chapters.<topic>:<function>' named in its {GENERATORS_ATTR})"
    )


def _generate(spec: dict[str, Any], path: tuple, problems: _Problems) -> list[Any] | None:
    unknown = sorted(set(spec) - set(GENERATOR_KEYS))
    if unknown:
        problems.add(path, f"unknown key(s) {', '.join(unknown)} (a generator has 'from' and optional 'args')")
        return None
    source = spec.get("from")
    args = spec.get("args") or {}
    if not isinstance(args, dict):
        problems.add((*path, "args"), "'args' must be a mapping of keyword arguments")
        return None
    if not isinstance(source, str) or not source:
        problems.add(path, "a generator needs 'from': 'economies' or 'imtrade.chapters.<topic>:<function>'")
        return None
    fn, refused = _generator(source)
    if fn is None:
        problems.add((*path, "from"), str(refused))
        return None
    try:
        values = fn(**args)
    except TypeError as exc:
        problems.add((*path, "args"), f"{source}: {exc}")
        return None
    except ImtradeError as exc:
        problems.add((*path, "from"), f"{source}: {exc.problem}")
        return None
    except Exception as exc:  # a generator's own failure is a problem of the spec, never a traceback
        problems.add((*path, "from"), f"{source} failed: {exc.__class__.__name__}: {exc}")
        return None
    if not isinstance(values, list | tuple):
        problems.add((*path, "from"), f"{source} must return a list, got {type(values).__name__}")
        return None
    return list(values)


# ---------------------------------------------------------------------------------------
# Validation


def _chapter(
    name: Any, path: tuple, problems: _Problems, paths: ProjectPaths, cache: dict[str, Chapter]
) -> Chapter | None:
    if not isinstance(name, str) or not name:
        problems.add(path, "'chapter' must name a chapter of the book (e.g. country_brief)")
        return None
    if name not in cache:
        try:
            ch = find_chapter(name, paths)
            ch.parameters()
        except ImtradeError as exc:
            problems.add(path, exc.problem + (f" ({exc.fix})" if exc.fix else ""))
            return None
        cache[name] = ch
    return cache[name]


def _typed(ch: Chapter, name: Any, value: Any, path: tuple, problems: _Problems) -> tuple[bool, Any]:
    declared = ch.parameters()
    try:
        check_name(name, declared, ch.name)
        return True, coerce(name, declared[name].type, value)
    except ImtradeError as exc:
        problems.add(path, exc.problem)
        return False, None


def _fixed_params(ch: Chapter, raw: Any, path: tuple, problems: _Problems) -> dict[str, Any] | None:
    if raw is None:
        return {}
    if not isinstance(raw, dict):
        problems.add(path, "'params' must be a mapping of parameter names to values")
        return None
    out, ok = {}, True
    for name, value in raw.items():
        good, typed = _typed(ch, name, value, (*path, name), problems)
        ok &= good
        out[name] = typed
    return out if ok else None


def _check_keys(raw: dict, allowed: tuple[str, ...], path: tuple, problems: _Problems, what: str) -> None:
    unknown = [k for k in raw if k not in allowed]
    for key in unknown:
        problems.add((*path, key), f"unknown key {key!r} in {what} (allowed: {', '.join(allowed)})")


def _grid_runs(
    raw: Any, path: tuple, problems: _Problems, paths: ProjectPaths, cache: dict[str, Chapter]
) -> list[RunSpec]:
    if not isinstance(raw, dict):
        problems.add(path, "a grid must be a mapping with 'chapter', 'params' and 'vary'")
        return []
    _check_keys(raw, GRID_KEYS, path, problems, "a grid")
    ch = _chapter(raw.get("chapter"), (*path, "chapter"), problems, paths, cache)
    if ch is None:
        return []
    fixed = _fixed_params(ch, raw.get("params"), (*path, "params"), problems)
    vary = raw.get("vary")
    if not isinstance(vary, dict) or not vary:
        problems.add(
            (*path, "vary"), "'vary' must map at least one parameter to a list of values (or a generator {from: ...})"
        )
        return []
    axes: list[tuple[str, list[Any]]] = []
    ok = fixed is not None
    for name, values in vary.items():
        where = (*path, "vary", name)
        if fixed and name in fixed:
            problems.add(where, f"parameter {name!r} is both fixed in 'params' and varied in 'vary'")
            ok = False
            continue
        if isinstance(values, dict):
            values = _generate(values, where, problems)
            if values is None:
                ok = False
                continue
        elif not isinstance(values, list):
            problems.add(where, f"the values of {name!r} must be a list (or a generator {{from: ...}}), got {values!r}")
            ok = False
            continue
        if not values:
            problems.add(where, f"the grid is empty: no values for {name!r}")
            ok = False
            continue
        typed = []
        for index, value in enumerate(values):
            good, value = _typed(ch, name, value, (*where, index), problems)
            ok &= good
            typed.append(value)
            if not good:
                break  # one message per axis is enough
        axes.append((name, typed))
    if not ok:
        return []
    where = problems.where(path)
    return [
        RunSpec(ch.name, {**fixed, **dict(zip([a[0] for a in axes], combo, strict=True))}, where)
        for combo in itertools.product(*(a[1] for a in axes))
    ]


def _explicit_runs(
    raw: Any, path: tuple, problems: _Problems, paths: ProjectPaths, cache: dict[str, Chapter]
) -> list[RunSpec]:
    if not isinstance(raw, list):
        problems.add(path, "'runs' must be a list of {chapter: ..., params: {...}}")
        return []
    runs = []
    for index, entry in enumerate(raw):
        where = (*path, index)
        if not isinstance(entry, dict):
            problems.add(where, "each run must be a mapping {chapter: ..., params: {...}}")
            continue
        _check_keys(entry, RUN_KEYS, where, problems, "a run")
        ch = _chapter(entry.get("chapter"), (*where, "chapter"), problems, paths, cache)
        if ch is None:
            continue
        given = _fixed_params(ch, entry.get("params"), (*where, "params"), problems)
        if given is not None:
            runs.append(RunSpec(ch.name, given, problems.where(where)))
    return runs


def _site(raw: Any, problems: _Problems) -> dict[str, Any] | None:
    if raw is None:
        return None
    if not isinstance(raw, dict):
        problems.add(("site",), "'site' must be a mapping (caption, title, intro, page_title, columns)")
        return None
    _check_keys(raw, SITE_KEYS, ("site",), problems, "'site'")
    columns = raw.get("columns", {})
    if not isinstance(columns, dict) or not columns:
        problems.add(("site", "columns"), "'columns' must map glued value names to column headings (at least one)")
    return raw


def load_spec(path: str | Path, paths: ProjectPaths | None = None, *, semantic: bool = True) -> BatchSpec:
    """Read and validate a batch spec; expand its grids into runs with output names.

    Raises :class:`BatchSpecError` listing every problem, each with its line in the file.
    With ``semantic`` (default) every expanded run also passes the chapter's own checks.
    """
    paths = paths or project()
    path = Path(path)
    if not path.is_file():
        raise BatchSpecError(f"no batch spec {path}", fix="pass the path of a YAML spec, e.g. specs/country_briefs.yml")
    try:
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError as exc:
        raise BatchSpecError(
            f"{path} is not UTF-8 text (byte {exc.start} cannot be decoded)", fix="save the spec as UTF-8 YAML"
        ) from None
    try:
        raw = yaml.safe_load(text)
        lines = line_map(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f", line {mark.line + 1}" if mark else ""
        raise BatchSpecError(f"{path}{where}: not valid YAML ({getattr(exc, 'problem', None) or exc})") from None
    problems = _Problems(lines)
    if not isinstance(raw, dict):
        raise BatchSpecError(
            f"{path}: a batch spec must be a mapping with 'runs' and/or 'grid'", fix="see `imtrade batch --help`"
        )
    _check_keys(raw, SPEC_KEYS, (), problems, "the spec")
    name = raw.get("name", path.stem)
    if not isinstance(name, str) or not NAME.match(name):
        problems.add(("name",), f"'name' must be letters, digits, '_', '-' or '.', got {name!r}")
    cache: dict[str, Chapter] = {}
    runs: list[RunSpec] = []
    if "runs" in raw:
        runs += _explicit_runs(raw["runs"], ("runs",), problems, paths, cache)
    if "grid" in raw:
        runs += _grid_runs(raw["grid"], ("grid",), problems, paths, cache)
    if "grids" in raw:
        if not isinstance(raw["grids"], list):
            problems.add(("grids",), "'grids' must be a list of grids")
        else:
            for index, grid in enumerate(raw["grids"]):
                runs += _grid_runs(grid, ("grids", index), problems, paths, cache)
    if not any(k in raw for k in ("runs", "grid", "grids")):
        problems.add((), "the spec lists no runs: add 'runs:' (parameter sets) or 'grid:' (a parameter grid)")
    site = _site(raw.get("site"), problems)
    runs = _name_runs(runs, cache, problems)
    if semantic:
        _semantic_checks(runs, cache, problems)
    if problems.items:
        shown = problems.items[:MAX_SHOWN]
        more = len(problems.items) - len(shown)
        raise BatchSpecError(
            f"{path}: {len(problems.items)} problem(s)\n  - "
            + "\n  - ".join(shown)
            + (f"\n  ... and {more} more" if more else ""),
            fix="correct the spec (`imtrade params CHAPTER` lists each chapter's parameters); nothing was run",
        )
    return BatchSpec(path, name, str(raw.get("title") or name), str(raw.get("description") or ""), runs, site, cache)


def _name_runs(runs: list[RunSpec], chapters: dict[str, Chapter], problems: _Problems) -> list[RunSpec]:
    named, seen = [], {}
    for run in runs:
        key = (run.chapter, json.dumps(run.given, sort_keys=True, default=str))
        if key in seen:
            problems.items.append(f"{run.where}: duplicate run {run.label()} (also at {seen[key]})")
            continue
        seen[key] = run.where
        named.append(
            RunSpec(
                run.chapter, run.given, run.where, run_stem(run.chapter, run.given, chapters[run.chapter].parameters())
            )
        )
    counts: dict[str, int] = {}
    for run in named:
        counts[run.stem] = counts.get(run.stem, 0) + 1
    return [
        run
        if counts[run.stem] == 1
        else RunSpec(run.chapter, run.given, run.where, f"{run.stem[: MAX_STEM - 12]}-{params_digest(run.given)}")
        for run in named
    ]


def _semantic_checks(runs: list[RunSpec], chapters: dict[str, Chapter], problems: _Problems) -> None:
    for run in runs:
        try:
            chapters[run.chapter].resolve(run.given)
        except ImtradeError as exc:
            problems.items.append(f"{run.where}: run {run.label()}: {exc.problem}")
