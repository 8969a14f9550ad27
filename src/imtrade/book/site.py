"""From executed notebooks to the published static site.

``_build/stage/`` is the jupyter-book source tree: the book's static pages are synced into
it (written only when their content changed, so Sphinx's incremental build stays valid),
generated pages are written next to them, and the executed chapters live in
``_build/stage/chapters/``. Sphinx builds incrementally into ``_build/stage/_build/html``;
the result is copied to a fresh directory without unreferenced leftovers (old figures of
earlier runs) and swapped in for ``_build/html`` only when everything succeeded.
"""

from __future__ import annotations

import hashlib
import os
import re
import shutil
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

from imtrade.book import warm_site
from imtrade.exceptions import BuildError
from imtrade.fileio import atomic_write
from imtrade.paths import ProjectPaths, project

STATIC_SOURCES = ("_config.yml", "_toc.yml", "intro.md", "references.bib", "CITATION.cff")  # CITATION: cite blocks
STATIC_DIRS = ("book",)
VENDOR_MATHJAX = Path("_vendor") / "mathjax"
PRUNABLE = ("_images", "_downloads")  # content-addressed folders that collect stale files


@dataclass(frozen=True)
class SiteResult:
    built: bool
    seconds: float
    warnings: list[str]
    pages: int


def stage_dir(paths: ProjectPaths | None = None) -> Path:
    return (paths or project()).build / "stage"


def write_if_changed(path: Path, content: bytes) -> bool:
    """Write only when the bytes differ (keeps mtimes, and so Sphinx's cache, valid)."""
    if path.is_file() and path.read_bytes() == content:
        return False
    atomic_write(path, content)
    return True


def sync_sources(paths: ProjectPaths | None = None) -> Path:
    """Copy the book's static sources into the stage; return the stage directory."""
    from imtrade.book.toc import is_notebook

    paths = paths or project()
    stage = stage_dir(paths)
    for name in STATIC_SOURCES:
        src = paths.root / name
        if src.is_file():
            write_if_changed(stage / name, src.read_bytes())
    wanted: set[Path] = set()
    for folder in STATIC_DIRS:
        for src in (paths.root / folder).rglob("*"):
            if src.is_file() and "__pycache__" not in src.parts:
                wanted.add(stage / src.relative_to(paths.root))
                write_if_changed(stage / src.relative_to(paths.root), src.read_bytes())
    for src in paths.chapters.glob("*.md"):  # plain (non-notebook) pages among the chapters
        if not is_notebook(src):
            write_if_changed(stage / "chapters" / src.name, src.read_bytes())
    mathjax = paths.root / VENDOR_MATHJAX
    if not (mathjax / "tex-mml-chtml.js").is_file():
        raise BuildError(
            f"MathJax is not vendored in {mathjax} (the site must not load it from a CDN)",
            fix="run `make vendor` (npm pack mathjax@3.2.2) and build again",
        )
    for src in mathjax.rglob("*"):
        if src.is_file():
            write_if_changed(stage / "_mathjax" / "mathjax" / src.relative_to(mathjax), src.read_bytes())
    return stage


SOURCE_SUFFIXES = (".md", ".ipynb", ".rst", ".txt")  # files Sphinx (myst-nb) may read as pages


def prune_stage(stage: Path, keep: set[Path], paths: ProjectPaths | None = None) -> list[str]:
    """Remove from the stage every file that the build did not put there; return them.

    The stage is derived from the sources on every build: in ``chapters/`` only the executed
    notebooks of this build (``keep``), the plain pages of ``chapters/`` and what the chapters
    wrote (``tables/``, read as downloads only) may live; in ``book/`` only the book's pages
    (and the generated ones in ``keep``); at the top only :data:`STATIC_SOURCES`. Hidden
    files (e.g. an interrupted run's scratch notebooks of earlier versions) are never kept:
    Sphinx would publish them as pages. When anything was removed, Sphinx's own output is
    removed too (it would still hold the stray pages) and the next build writes every page.
    """
    from imtrade.book.toc import is_notebook

    paths = paths or project()
    keep = {p.resolve() for p in keep}
    removed: list[str] = []

    def drop(file: Path) -> None:
        removed.append(file.relative_to(stage).as_posix())
        if file.is_dir() and not file.is_symlink():
            shutil.rmtree(file, ignore_errors=True)
        else:
            file.unlink(missing_ok=True)

    chapters = stage / "chapters"
    plain = {src.name for src in paths.chapters.glob("*.md") if not is_notebook(src)}
    for file in sorted(chapters.rglob("*")) if chapters.is_dir() else []:
        rel = file.relative_to(chapters)
        if not file.exists() and not file.is_symlink():
            continue  # inside a folder dropped already
        hidden = any(part.startswith(".") for part in rel.parts)
        if file.is_dir() and not hidden:
            continue
        stray_top = len(rel.parts) == 1 and file.resolve() not in keep and file.name not in plain
        stray_page = len(rel.parts) > 1 and file.suffix in SOURCE_SUFFIXES and rel.parts[0] != "tables"
        if hidden or stray_top or stray_page:
            drop(file)
    for folder in STATIC_DIRS:
        staged = stage / folder
        for file in sorted(staged.rglob("*")) if staged.is_dir() else []:
            if file.is_file() or file.is_symlink():
                source = paths.root / file.relative_to(stage)
                if not source.is_file() and file.resolve() not in keep:
                    drop(file)
    for file in sorted(stage.iterdir()) if stage.is_dir() else []:
        if file.is_file() and file.suffix in SOURCE_SUFFIXES and file.name not in STATIC_SOURCES:
            drop(file)
    if removed:
        shutil.rmtree(stage / "_build", ignore_errors=True)  # its pages of the removed files
    return removed


def stage_digest(stage: Path) -> str:
    """Digest of every source file of the stage (not of Sphinx's output)."""
    h = hashlib.sha256()
    for file in sorted(p for p in stage.rglob("*") if p.is_file() and "_build" not in p.relative_to(stage).parts):
        h.update(file.relative_to(stage).as_posix().encode())
        h.update(hashlib.sha256(file.read_bytes()).digest())
    return h.hexdigest()


WARNING = re.compile(r"(WARNING|ERROR|CRITICAL):")
ANSI = re.compile(r"\x1b\[[0-9;]*m")


def run_jupyter_book(stage: Path, *, strict: bool, all_pages: bool = False) -> list[str]:
    """Build the stage with jupyter-book (incremental); return warning lines. Raises BuildError."""
    exe = Path(sys.executable).with_name("jupyter-book")
    cmd = [str(exe) if exe.exists() else "jupyter-book", "build", str(stage), "--builder", "html"]
    if strict:
        cmd += ["-W", "-n", "--keep-going"]
    if all_pages:
        cmd.append("--all")
    env = warm_site.site_env()
    started = warm_site.take(env)  # a jupyter-book process that imported Sphinx while chapters ran
    if started is not None:
        proc = warm_site.run(started, cmd)
    else:
        proc = subprocess.run(cmd, capture_output=True, text=True, env=env, check=False)
    output = proc.stdout + proc.stderr
    warnings = [ANSI.sub("", line).strip() for line in output.splitlines() if WARNING.search(line)]
    if proc.returncode != 0:
        shown = warnings[:30] or output.strip().splitlines()[-25:]
        raise BuildError(
            f"jupyter-book failed ({len(warnings)} warning(s)/error(s)):\n  "
            + "\n  ".join(ANSI.sub("", line) for line in shown),
            fix="fix the reported pages; the published site in _build/html was left unchanged",
        )
    return warnings


def _referenced(html_root: Path) -> set[str]:
    refs: set[str] = set()
    pattern = re.compile(r"""(?:href|src)=["']([^"'#?]+)""")
    for page in html_root.rglob("*.html"):
        text = page.read_text(encoding="utf-8", errors="replace")
        for target in pattern.findall(text):
            if "://" in target or target.startswith(("mailto:", "data:", "javascript:")):
                continue
            resolved = (page.parent / target).resolve()
            try:
                refs.add(resolved.relative_to(html_root.resolve()).as_posix())
            except ValueError:
                continue
    return refs


def publish(built: Path, paths: ProjectPaths | None = None) -> Path:
    """Copy ``built`` to a fresh directory without stale files, then swap it in as _build/html."""
    paths = paths or project()
    target = paths.site
    fresh = target.with_name(f".html-new-{os.getpid()}")
    if fresh.exists():
        shutil.rmtree(fresh)
    refs = _referenced(built)

    def ignore(directory: str, names: list[str]) -> list[str]:
        rel_dir = Path(directory).resolve().relative_to(built.resolve())
        skipped = [n for n in names if n.endswith(".map") or n in (".buildinfo", ".doctrees")]
        if rel_dir.parts and rel_dir.parts[0] in PRUNABLE:
            skipped += [n for n in names if (Path(directory) / n).is_file() and (rel_dir / n).as_posix() not in refs]
        return skipped

    try:
        shutil.copytree(built, fresh, ignore=ignore)
    except BaseException as exc:
        shutil.rmtree(fresh, ignore_errors=True)  # never leave a partial copy behind (e.g. a full disk)
        if isinstance(exc, OSError):
            from imtrade.exceptions import from_os_error

            problem = from_os_error(exc)
            if problem is not None:
                raise BuildError(
                    f"the built site could not be published: {problem.problem}",
                    fix=f"{problem.fix}; the published site in {target} was left unchanged",
                ) from None
        raise
    old = target.with_name(f".html-old-{os.getpid()}")
    if target.exists():
        target.rename(old)
    fresh.rename(target)
    if old.exists():
        shutil.rmtree(old, ignore_errors=True)
    return target


def check_links(site: Path) -> list[str]:
    """Broken internal links and assets of a built site (external links are not checked)."""
    broken = []
    pattern = re.compile(r"""(?:href|src)=["']([^"']+)["']""")
    for page in sorted(site.rglob("*.html")):
        if page.relative_to(site).parts[0] == "_static":  # theme templates shipped as static files
            continue
        text = page.read_text(encoding="utf-8", errors="replace")
        for target in pattern.findall(text):
            if "://" in target or target.startswith(("mailto:", "data:", "javascript:", "#")):
                continue
            path = target.split("#")[0].split("?")[0]
            if not path:
                continue
            if not (page.parent / path).exists():
                broken.append(f"{page.relative_to(site)} -> {target}")
    return broken


def build_site(*, strict: bool = False, all_pages: bool = False, paths: ProjectPaths | None = None) -> SiteResult:
    paths = paths or project()
    start = time.perf_counter()
    stage = stage_dir(paths)
    warnings = run_jupyter_book(stage, strict=strict, all_pages=all_pages)
    publish(stage / "_build" / "html", paths)
    pages = len(list(paths.site.rglob("*.html")))
    return SiteResult(True, time.perf_counter() - start, warnings, pages)
