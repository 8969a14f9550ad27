"""paths.py: where the project's files live, and the one definition of every environment variable."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest
from conftest import ROOT

from imtrade import paths
from imtrade.paths import DATA_DIR_ENV, MIRROR_ENV, ROOT_ENV, default_mirror, edition_paths, project

PACKAGE = ROOT / "src" / "imtrade"
# Modules other helpers are changing in parallel; their literals go once that work has merged.
PENDING = {"book/execute.py", "assignments/assign.py", "assignments/grade.py"}


def env_literals(path: Path) -> list[tuple[int, str]]:
    """String constants (not docstrings) that spell an IMTRADE_ environment variable."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    docstrings = {
        id(node.body[0].value)
        for node in ast.walk(tree)
        if isinstance(node, ast.Module | ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef)
        and node.body
        and isinstance(node.body[0], ast.Expr)
        and isinstance(node.body[0].value, ast.Constant)
    }
    return [
        (node.lineno, node.value)
        for node in ast.walk(tree)
        if isinstance(node, ast.Constant)
        and isinstance(node.value, str)
        and id(node) not in docstrings
        and re.search(r"IMTRADE_[A-Z]", node.value)
    ]


def test_environment_variable_names_are_spelled_only_in_paths():
    spelled = {}
    for path in sorted(PACKAGE.rglob("*.py")):
        rel = path.relative_to(PACKAGE).as_posix()
        if rel not in ("paths.py", *PENDING) and (found := env_literals(path)):
            spelled[rel] = found
    assert spelled == {}, "use the *_ENV constants of imtrade.paths"
    names = {v for k, v in vars(paths).items() if k.endswith("_ENV")}
    assert names == {
        "IMTRADE_ROOT",
        "IMTRADE_DATA_DIR",
        "IMTRADE_DATA_MIRROR",
        "IMTRADE_READS_LOG",
        "IMTRADE_CHAPTER",
        "IMTRADE_KERNEL_SERVER",
        "IMTRADE_KERNEL_STATS",
        "IMTRADE_WARM_KERNELS",
        "IMTRADE_CHROMIUM",
    }


def test_the_check_finds_a_literal(tmp_path):
    module = tmp_path / "m.py"
    module.write_text('"""Uses IMTRADE_ROOT."""\nimport os\nroot = os.environ["IMTRADE_ROOT"]\n')
    assert env_literals(module) == [(3, "IMTRADE_ROOT")]


def test_root_from_the_environment_and_data_dir(tmp_path, monkeypatch):
    monkeypatch.setenv(ROOT_ENV, str(tmp_path))
    monkeypatch.delenv(DATA_DIR_ENV, raising=False)
    assert project().root == tmp_path.resolve() and project().raw == tmp_path.resolve() / "data" / "raw"
    monkeypatch.setenv(DATA_DIR_ENV, str(tmp_path / "shared"))
    assert project().cache == (tmp_path / "shared" / "cache").resolve()


def test_root_found_above_the_working_directory(tmp_path, monkeypatch):
    (tmp_path / "data").mkdir()
    (tmp_path / "data" / "catalog.yml").write_text("datasets: {}\n")
    (tmp_path / "chapters" / "deep").mkdir(parents=True)
    monkeypatch.delenv(ROOT_ENV, raising=False)
    monkeypatch.chdir(tmp_path / "chapters" / "deep")
    assert project().root == tmp_path.resolve()


def test_mirror_and_editions(tmp_path, monkeypatch):
    monkeypatch.delenv(MIRROR_ENV, raising=False)
    assert default_mirror() is None
    monkeypatch.setenv(MIRROR_ENV, str(tmp_path))
    assert default_mirror() == tmp_path.resolve()
    monkeypatch.setenv(ROOT_ENV, str(tmp_path))
    assert edition_paths("student").site == tmp_path.resolve() / "_build" / "student" / "html"
    assert edition_paths("instructor").site == tmp_path.resolve() / "_build" / "html"
    with pytest.raises(ValueError, match="unknown edition 'teacher'"):
        edition_paths("teacher")
