"""The book's structure: which pages exist, which are executable chapters, their parameters."""

from __future__ import annotations

import importlib
import re
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from imtrade.book.params import Parameter, parse_parameters_cell, resolve_parameters
from imtrade.exceptions import ChapterNotFoundError, ParameterError
from imtrade.paths import ProjectPaths, project
from imtrade.yamlio import safe_load

FRONT_MATTER = re.compile(r"\A---\n(.*?)\n---\n", re.S)
PARAMETERS_CELL = re.compile(r"^```\{code-cell\}[^\n]*\n:tags: \[([^\]]*)\]\n(.*?)^```", re.S | re.M)


@dataclass(frozen=True)
class Chapter:
    name: str  # file stem, e.g. "trade_patterns"
    path: Path  # the MyST text notebook
    docname: str  # path in the toc without suffix, e.g. "chapters/trade_patterns"

    @property
    def source(self) -> str:
        return self.path.read_text(encoding="utf-8")

    def parameters(self) -> dict[str, Parameter]:
        """Declared parameters (name -> Parameter), in declaration order."""
        for match in PARAMETERS_CELL.finditer(self.source):
            tags = [t.strip().strip("'\"") for t in match.group(1).split(",")]
            if "parameters" in tags:
                return parse_parameters_cell(match.group(2), where=f"{self.path.name} parameters cell")
        raise ParameterError(f"chapter '{self.name}' has no cell tagged 'parameters'")

    def title(self) -> str:
        body = FRONT_MATTER.sub("", self.source, count=1)
        match = re.search(r"^# (.+)$", body, re.M)
        return match.group(1).strip() if match else self.name

    def semantic_check(self) -> Callable[[dict[str, Any]], None] | None:
        try:
            module = importlib.import_module(f"imtrade.chapters.{self.name}")
        except ModuleNotFoundError as exc:
            if exc.name != f"imtrade.chapters.{self.name}":
                raise
            return None
        return getattr(module, "check_parameters", None)

    def resolve(self, given: dict[str, Any]) -> dict[str, Any]:
        """Typed parameter values: declared defaults + ``given``, names/types/semantics checked."""
        values = resolve_parameters(self.parameters(), given, self.name)
        check = self.semantic_check()
        if check is not None:
            check(values)
        return values


def _toc_files(node: Any) -> list[str]:
    files: list[str] = []
    if isinstance(node, dict):
        if "file" in node:
            files.append(str(node["file"]))
        for key in ("root", "parts", "chapters", "sections"):
            if key == "root" and key in node:
                files.append(str(node["root"]))
            elif key in node:
                files += _toc_files(node[key])
    elif isinstance(node, list):
        for item in node:
            files += _toc_files(item)
    return files


def toc_files(paths: ProjectPaths | None = None) -> list[str]:
    """Every docname in ``_toc.yml``, in reading order."""
    paths = paths or project()
    return _toc_files(safe_load(paths.toc.read_text(encoding="utf-8")))


def is_notebook(path: Path) -> bool:
    match = FRONT_MATTER.match(path.read_text(encoding="utf-8")) if path.suffix == ".md" else None
    if not match:
        return False
    meta = safe_load(match.group(1)) or {}
    return "kernelspec" in meta


def chapters(paths: ProjectPaths | None = None) -> list[Chapter]:
    """The executable chapters (MyST text notebooks) of the table of contents, in order."""
    paths = paths or project()
    out = []
    for docname in toc_files(paths):
        path = paths.root / f"{docname}.md"
        if path.is_file() and is_notebook(path):
            out.append(Chapter(Path(docname).name, path, docname))
    return out


def chapter(name: str, paths: ProjectPaths | None = None) -> Chapter:
    found = {c.name: c for c in chapters(paths)}
    key = Path(name).stem
    if key not in found:
        raise ChapterNotFoundError(
            f"no chapter '{name}' in the table of contents",
            fix=f"chapters: {', '.join(found) or '(none)'}",
        )
    return found[key]


def book_parameters(paths: ProjectPaths | None = None) -> dict[str, dict[str, Any]]:
    """Book-level overrides from ``book_params.yml`` (``{chapter: {name: value}}``), if present."""
    paths = paths or project()
    if not paths.book_params.is_file():
        return {}
    import yaml

    example = "trade_patterns:\n    countries: [KOR, MEX]"
    try:
        raw = safe_load(paths.book_params.read_text(encoding="utf-8")) or {}
    except UnicodeDecodeError as exc:
        raise ParameterError(
            f"{paths.book_params} is not UTF-8 text (byte {exc.start} cannot be decoded)",
            fix=f"save it as UTF-8 YAML, e.g.\n    {example}",
        ) from None
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" (line {mark.line + 1}, column {mark.column + 1})" if mark is not None else ""
        raise ParameterError(
            f"{paths.book_params} is not valid YAML{where}: {getattr(exc, 'problem', None) or exc}",
            fix=f"correct the file (e.g. close every bracket), e.g.\n    {example}",
        ) from None
    if not isinstance(raw, dict) or not all(isinstance(v, dict) for v in raw.values()):
        raise ParameterError(f"{paths.book_params} must map chapter names to {{parameter: value}} mappings")
    return raw
