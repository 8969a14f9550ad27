"""Course assignments: student edition, ``imtrade assign`` and ``imtrade grade``.

A small sample book (one chapter, three exercises, own _toc.yml) is written to a temporary
directory and reads the real project's fetched data through IMTRADE_DATA_DIR, as in
tests/test_build.py; the assignments and keys are computed once per module. The chapter has
a semantic parameter check registered as ``imtrade.chapters.assignsample`` (known economies,
years 1995-2020), so the chapter's own checks run on every draw. The solutions carry marker words
(quokka, axolotl, wombat, ...) that appear nowhere else, so a leak shows up even in the search index.
"""

from __future__ import annotations

import csv
import hashlib
import json
import os
import re
import shutil
import sys
import time
import types
from pathlib import Path

import pytest
from click.testing import CliRunner
from conftest import ROOT, clear_caches

NAME = "assignsample"

SAMPLE_CHAPTER = """---
jupytext:
  text_representation: {extension: .md, format_name: myst}
kernelspec: {display_name: Python 3, language: python, name: python3}
imtrade:
  answers:
    - {exercise: assignsample-ex-1, variable: answer_assignsample_ex1, tolerance: 0.05, points: 2}
    - {exercise: assignsample-ex-2, variable: answer_assignsample_ex2, points: 1}
    - {exercise: assignsample-ex-3, variable: answer_assignsample_ex3, points: 2}
  pool:
    countries: [[KOR, MEX], [VNM, IND], [DEU, JPN]]
    year: [2005, 2008, 2011]
---

# Sample exercises

```{code-cell} ipython3
:tags: [parameters]

countries: list[str] = ["USA", "DEU"]  # focus economies (ISO3 codes)
year: int = 2008  # year of the exercises
vintage: str = "2026-07-01"  # WDI data vintage
```

```{code-cell} ipython3
:tags: [remove-cell]

from imtrade.data.load import load_indicators
from imtrade.show.tables import glue_text
data = load_indicators(["NE.EXP.GNFS.ZS"], countries=[*countries, "WLD"], years=(1990, 2020), vintage=vintage)
glue_text("focus", ", ".join(countries))
```

Exports of {glue:md}`focus`, in % of GDP.

## Exercises

```{exercise}
:label: assignsample-ex-1
What was the average exports share of GDP of the focus economies in the exercise year?
```

```{solution-start} assignsample-ex-1
:class: dropdown
```

Average the focus economies' values for that year, the quokka way:

```{code-cell} ipython3
:tags: [solution]

in_year = data[(data["year"] == year) & data["iso3"].isin(countries)]
answer_assignsample_ex1 = round(float(in_year["value"].mean()), 2)  # axolotl
answer_assignsample_ex1
```

```{solution-end}
```

```{exercise}
:label: assignsample-ex-2
Which focus economy exported the largest share of its GDP in the exercise year?
```

```{solution-start} assignsample-ex-2
:class: dropdown
```

```{code-cell} ipython3
:tags: [solution]

answer_assignsample_ex2 = str(in_year.set_index("iso3")["value"].idxmax())  # wombat
```

```{solution-end}
```

```{exercise}
:label: assignsample-ex-3
In which year up to the exercise year did world exports peak?
```

````{solution-start} assignsample-ex-3
:class: dropdown
````

Take the world series up to the exercise year (the capybara step), then its peak:

```{code-cell} ipython3
:tags: [solution]

world = data[(data["iso3"] == "WLD") & (data["year"] <= year)].set_index("year")["value"]
answer_assignsample_ex3 = int(world.idxmax())  # tardigrade
```

````{solution-end}
````

```{code-cell} ipython3
:tags: [solution]

print("stray solution cell outside a gate: manatee")
```
"""
MARKERS = ("quokka", "axolotl", "wombat", "capybara", "tardigrade", "manatee")

TOC = f"""format: jb-book
root: intro
chapters:
  - file: chapters/{NAME}
"""

ROSTER = "id,name\ns01,Ana Lima\ns02,Bo Chen\ns03,Chidi Okafor\ns04,Dana Weiss\ns05,Emil Sørensen\n"
SEED = "2026"


# ---------------------------------------------------------------------------------------
# Fixtures


needs_mirror = pytest.mark.mirror  # skipped by conftest when there is no offline data mirror


def _semantic_check(params: dict) -> None:
    from imtrade.book.params import check_countries
    from imtrade.exceptions import ParameterError

    check_countries(params["countries"], allow_aggregates=False)
    if not 1995 <= params["year"] <= 2020:
        raise ParameterError(f"parameter 'year' must be between 1995 and 2020, got {params['year']}")


def write_book(root: Path) -> Path:
    (root / "chapters").mkdir(parents=True)
    (root / "chapters" / f"{NAME}.md").write_text(SAMPLE_CHAPTER, encoding="utf-8")
    (root / "_toc.yml").write_text(TOC, encoding="utf-8")
    (root / "intro.md").write_text("# Sample book\n\nA test book.\n", encoding="utf-8")
    (root / "roster.csv").write_text(ROSTER, encoding="utf-8")
    for name in ("_config.yml", "references.bib", "requirements.txt"):
        shutil.copy(ROOT / name, root / name)
    shutil.copytree(ROOT / "book", root / "book")
    shutil.copytree(ROOT / "data" / "manifests", root / "data" / "manifests")
    shutil.copy(ROOT / "data" / "catalog.yml", root / "data" / "catalog.yml")
    if (ROOT / "_vendor").is_dir():
        shutil.copytree(ROOT / "_vendor", root / "_vendor")
    return root


@pytest.fixture(scope="module")
def book(tmp_path_factory, mirror):
    """The sample book, reading the real project's fetched data; the chapter's check registered."""
    from imtrade.data.fetch import fetch

    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("IMTRADE_ROOT", str(ROOT))
        clear_caches()
        fetch(["wdi", "wb-bulk", "gapminder", "un-sdg"], vintage=None, mirror=mirror)
        root = write_book(tmp_path_factory.mktemp("assign") / "book")
        mp.setenv("IMTRADE_ROOT", str(root))
        mp.setenv("IMTRADE_DATA_DIR", str(ROOT / "data"))
        mp.chdir(root)
        mp.setitem(sys.modules, f"imtrade.chapters.{NAME}", types.SimpleNamespace(check_parameters=_semantic_check))
        clear_caches()
        yield root


@pytest.fixture
def light_book(tmp_path, monkeypatch):
    """The sample book without data (for checks that never load any)."""
    root = write_book(tmp_path / "light")
    monkeypatch.setenv("IMTRADE_ROOT", str(root))
    monkeypatch.chdir(root)
    return root


def sample_chapter():
    from imtrade.book.toc import chapter

    return chapter(NAME)


@pytest.fixture(scope="module")
def assigned(book):
    """The sample chapter assigned to the five students of the roster (keys computed)."""
    from imtrade.assignments.assign import assign

    report = assign(sample_chapter(), book / "roster.csv", book / "out", seed=SEED, jobs=2, progress=lambda m: None)
    return report.out


def keys_of(out: Path) -> Path:
    """The keys folder `imtrade assign` writes beside the handout folder ``out``."""
    return out.parent / f"{out.name}-keys"


def tree_digest(folder: Path) -> dict[str, str]:
    return {
        p.relative_to(folder).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(folder.rglob("*"))
        if p.is_file()
    }


# ---------------------------------------------------------------------------------------
# Helpers: solve a student's notebook with the chapter's own solutions


def solution_code(text: str) -> dict[str, str]:
    """``{exercise label: code of its solution cells}`` of a chapter."""
    from imtrade.assignments.editions import blocks, solution_regions

    lines = text.split("\n")
    out: dict[str, str] = {}
    for region in solution_regions(text):
        if region.exercise is None:
            continue
        cells = [b for b in blocks(lines[: region.end], region.start) if b.directive == "code-cell"]
        out[region.exercise] = "\n".join("\n".join(lines[b.body_start : b.end - 1]).strip("\n") for b in cells)
    return out


def solve(nb, code: dict[str, str], text: str = SAMPLE_CHAPTER):
    """Fill each answer cell with the solution of its exercise (the first cell per exercise)."""
    from imtrade.assignments.editions import declared_answers

    exercise = {a.variable: a.exercise for a in declared_answers(text)}
    done = set()
    for cell in nb.cells:
        if "answer" in cell.metadata.get("tags", []):
            label = exercise[re.search(r"^(\w+) = None$", cell.source, re.M).group(1)]
            cell.source = code[label] if label not in done else "# answered above"
            done.add(label)
    return nb


def read_nb(path: Path):
    import nbformat

    return nbformat.read(path, as_version=4)


def write_nb(nb, path: Path) -> Path:
    import nbformat

    path.parent.mkdir(parents=True, exist_ok=True)
    nbformat.write(nb, path)
    return path


def grades_by_id(path: Path) -> dict[str, dict[str, str]]:
    with path.open(encoding="utf-8") as handle:
        return {row["id"]: row for row in csv.DictReader(handle)}


# ---------------------------------------------------------------------------------------
# The student version of a chapter (no execution)


def test_student_source_removes_every_solution_and_leaves_answer_cells():
    import jupytext

    from imtrade.assignments.editions import (
        declared_answers,
        front_matter,
        solution_texts,
        student_source,
    )

    student = student_source(SAMPLE_CHAPTER)
    for marker in MARKERS:
        assert marker in SAMPLE_CHAPTER and marker not in student
    assert not set(solution_texts(SAMPLE_CHAPTER)) & set(student.split("\n"))
    assert "solution" not in student.replace("# Exercise", "")  # no directive, tag or gate left
    assert "imtrade" not in front_matter(student) and declared_answers(student) == []
    nb = jupytext.reads(student, fmt="md:myst")
    answer_cells = [c.source for c in nb.cells if "answer" in c.metadata.get("tags", [])]
    assert [re.search(r"^(answer_\w+) = None$", s, re.M).group(1) for s in answer_cells] == [
        "answer_assignsample_ex1",
        "answer_assignsample_ex2",
        "answer_assignsample_ex3",
    ]
    assert "(within ±0.05 counts), 2 points" in answer_cells[0] and "(exact), 1 point." in answer_cells[1]
    assert sum("{exercise}" in c.source for c in nb.cells) == 3  # the exercises stay


def test_leak_needles_skip_public_names_and_student_text():
    from imtrade.assignments.editions import leak_needles

    needles = leak_needles(
        ["answer_x_ex1", "x = compute(1, 2)  # quokka", "**Shared** line of prose here"], "Shared line of prose here"
    )
    assert needles == ["x = compute(1, 2) # quokka"]


def test_student_source_refuses_an_unclosed_solution():
    from imtrade.assignments.editions import student_source
    from imtrade.exceptions import AssignmentError

    broken = SAMPLE_CHAPTER.replace("```{solution-end}\n```\n", "", 1)  # exercise 1's gate never closes
    with pytest.raises(
        AssignmentError, match=r"line \d+: \{solution-start\} assignsample-ex-1 has no \{solution-end\}"
    ):
        student_source(broken)
    with pytest.raises(AssignmentError, match="without a"):
        student_source(SAMPLE_CHAPTER.replace("```{solution-start} assignsample-ex-2\n:class: dropdown\n```\n", "", 1))


def test_every_real_chapter_has_a_clean_student_version():
    """The chapters in _toc.yml now: every solution removed (checked again after the
    transformation inside student_source) and one answer cell per declared answer."""
    import jupytext

    from imtrade.assignments.editions import declared_answers, solution_regions, student_source
    from imtrade.book.toc import chapters
    from imtrade.paths import ProjectPaths

    for ch in chapters(ProjectPaths(ROOT, ROOT / "data")):
        text = ch.source
        student = student_source(text, ch.name)
        assert solution_regions(student, ch.name) == []
        nb = jupytext.reads(student, fmt="md:myst")
        stubs = [c.source for c in nb.cells if "answer" in c.metadata.get("tags", [])]
        assert len(stubs) == len(declared_answers(text, ch.name)), ch.name
        for answer in declared_answers(text, ch.name):
            assert any(f"{answer.variable} = None" in s for s in stubs), (ch.name, answer.variable)


# ---------------------------------------------------------------------------------------
# Roster, pool and draws (no execution)


@pytest.mark.parametrize(
    ("roster", "message"),
    [
        ("name\nAna\n", "missing: id"),
        ("id,name\ns01,Ana\n,Bo\n", "line 3: the id is missing (name 'Bo')"),
        ("id,name\ns01,Ana\ns02,Bo\nS01,Cy\n", "line 4 (id 'S01'): the id repeats line 2"),
        ("id,name\ns01,Ana\ns02,\n", "line 3 (id 's02'): the name is empty"),
        ("id,name\n../x,Ana\n", "line 2 (id '../x'): an id may only hold"),
        ("id,name\nkeys,Ana\n", "'keys' is reserved"),
        ("id,name\n", "lists no students"),
    ],
)
def test_roster_errors_name_the_row(tmp_path, roster, message):
    from imtrade.assignments.assign import read_roster
    from imtrade.exceptions import AssignmentError

    path = tmp_path / "roster.csv"
    path.write_text(roster, encoding="utf-8")
    with pytest.raises(AssignmentError) as info:
        read_roster(path)
    assert message in str(info.value)


def test_roster_reports_every_problem_at_once(tmp_path):
    from imtrade.assignments.assign import read_roster
    from imtrade.exceptions import AssignmentError

    path = tmp_path / "roster.csv"
    path.write_text("\ufeffID, Name ,email\ns01,Ana,a@x\n,Bo,b@x\ns01,Cy,c@x\n\ns04,,d@x\n", encoding="utf-8")
    with pytest.raises(AssignmentError) as info:
        read_roster(path)
    assert "3 problem(s)" in str(info.value)
    path.write_text("id,name,email\ns01,Ana Lima,a@x\ns02,Bo Chen,b@x\n", encoding="utf-8")
    assert [s.id for s in read_roster(path)] == ["s01", "s02"]


@pytest.mark.parametrize(
    ("pool", "message"),
    [
        ({}, "is empty"),
        (None, "is empty"),
        ({"year": []}, "'year' has no candidate values"),
        ({"yaer": [2008]}, "has no parameter 'yaer' (did you mean 'year'?)"),
        ({"year": ["soon"]}, "'year': candidate 'soon'"),
        ({"countries": ["KOR", "MEX"]}, "candidate 'KOR' must itself be a list"),
    ],
)
def test_pool_errors(light_book, pool, message):
    from imtrade.assignments.assign import check_pool
    from imtrade.exceptions import AssignmentError

    with pytest.raises(AssignmentError) as info:
        check_pool(pool, sample_chapter())
    assert message in str(info.value)


def test_draws_are_deterministic_independent_and_stable(light_book):
    from imtrade.assignments.assign import check_pool, draw
    from imtrade.assignments.editions import declared_pool

    pool = check_pool(declared_pool(SAMPLE_CHAPTER), sample_chapter())
    assert pool == {"countries": [["KOR", "MEX"], ["VNM", "IND"], ["DEU", "JPN"]], "year": [2005, 2008, 2011]}
    ids = [f"s{i:03d}" for i in range(300)]
    first = [draw(pool, SEED, i) for i in ids]
    assert first == [draw(pool, SEED, i) for i in ids]  # same seed, same draws
    assert first != [draw(pool, "other", i) for i in ids]  # another seed, other draws
    assert (
        draw({"year": pool["year"], "countries": pool["countries"]}, SEED, "s001") == first[1]
    )  # order of the pool is irrelevant
    for name, candidates in pool.items():  # every candidate is used, roughly evenly
        counts = [sum(d[name] == c for d in first) for c in candidates]
        assert min(counts) > 60, (name, counts)


@pytest.mark.slow
@needs_mirror
def test_a_pool_value_the_chapter_rejects_names_the_student(book, tmp_path):
    from imtrade.assignments.assign import assign
    from imtrade.exceptions import AssignmentError

    pool = tmp_path / "pool.yml"
    pool.write_text("countries: [[KOR, XYZ]]\nyear: [2008]\n", encoding="utf-8")
    with pytest.raises(AssignmentError) as info:
        assign(sample_chapter(), book / "roster.csv", tmp_path / "out", pool=pool, progress=lambda m: None)
    text = str(info.value)
    assert (
        'student s01 (Ana Lima) drew countries=["KOR", "XYZ"], year=2008' in text
        and "XYZ" in text
        and "5 problem(s)" in text
    )
    pool.write_text("year: [2008, 1990]\n", encoding="utf-8")
    with pytest.raises(AssignmentError, match="must be between 1995 and 2020, got 1990"):
        assign(sample_chapter(), book / "roster.csv", tmp_path / "out", pool=pool, seed="1", progress=lambda m: None)
    assert not (tmp_path / "out").exists()  # nothing written


def test_cli_reports_bad_input_without_traceback(light_book):
    from imtrade.cli import main

    runner = CliRunner()
    (light_book / "bad.csv").write_text("id,name\ns01,Ana\ns01,Bo\n", encoding="utf-8")
    result = runner.invoke(main, ["assign", NAME, "--roster", "bad.csv", "--out", "out"])
    assert (
        result.exit_code == 1
        and "line 3 (id 's01'): the id repeats line 2" in result.output
        and "Traceback" not in result.output
    )
    result = runner.invoke(main, ["grade", "nowhere", "--keys", "nokeys"])
    assert result.exit_code == 1 and "keys folder nokeys does not exist" in result.output
    (light_book / "nokeys").mkdir()
    result = runner.invoke(main, ["grade", ".", "--keys", "nokeys"])
    assert result.exit_code == 1 and "holds no answer keys" in result.output


def test_force_replaces_only_an_earlier_assign_output(light_book):
    """Issue 20: `assign --out . --force` must not wipe the checkout."""
    from imtrade.assignments.assign import MARKER, check_out
    from imtrade.cli import main
    from imtrade.exceptions import AssignmentError

    precious = light_book / "precious"
    precious.mkdir()
    (precious / "thesis.tex").write_text("years of work", encoding="utf-8")
    runner = CliRunner()
    for out in ("precious", "."):
        result = runner.invoke(main, ["assign", NAME, "--roster", "roster.csv", "--out", out, "--force"])
        assert result.exit_code == 1, result.output
        assert f"has no {MARKER}" in result.output and "left untouched" in result.output
        assert "Traceback" not in result.output
    assert (precious / "thesis.tex").read_text(encoding="utf-8") == "years of work"
    assert (light_book / "roster.csv").is_file()
    (light_book / "afile").write_text("x", encoding="utf-8")
    with pytest.raises(AssignmentError, match="is not a folder"):
        check_out(light_book / "afile", force=True)
    earlier = light_book / "earlier"
    earlier.mkdir()
    (earlier / MARKER).write_text("{}", encoding="utf-8")
    (earlier / "assignments.csv").write_text("id,name\n", encoding="utf-8")
    check_out(earlier, force=True)  # an earlier output: replaced
    with pytest.raises(AssignmentError, match="already exists and is not empty"):
        check_out(earlier, force=False)


def test_grade_on_a_folder_without_submissions_is_an_error(light_book):
    """Issue 20: an empty (or wrong) folder gave a table of zeros and exit status 0."""
    from imtrade.cli import main

    keys = light_book / "keys"
    keys.mkdir()
    key = {"student": {"id": "s01", "name": "Ana"}, "chapter": NAME, "answers": [], "parameters": {}}
    (keys / "s01.json").write_text(json.dumps(key), encoding="utf-8")
    for folder, detail in (("empty", "it is empty"), ("other", "'notes' is not a student")):
        (light_book / folder).mkdir()
        if folder == "other":
            (light_book / folder / "notes.txt").write_text("x", encoding="utf-8")
        result = CliRunner().invoke(main, ["grade", folder, "--keys", "keys"])
        assert result.exit_code == 1, result.output
        assert "holds no submission of the 1 student(s)" in result.output and detail in result.output
        assert "Traceback" not in result.output
        assert not (light_book / folder / "grades.csv").exists() and not (light_book / folder / "feedback").exists()


def test_scoring_rules():
    from imtrade.assignments.grade import AnswerResult, score

    def run(expected, tolerance, entry):
        return score(AnswerResult("ex", "v", 2, expected, tolerance), entry)

    assert run(1.0, 0.05, {"defined": True, "value": 1.05}).points == 2
    assert run(1.0, 0.05, {"defined": True, "value": 1.06}).reason == "off by 0.06 (tolerance ±0.05)"
    assert run(2008, None, {"defined": True, "value": 2008.0}).correct
    assert not run(2008, None, {"defined": True, "value": 2009}).correct
    assert run("KOR", None, {"defined": True, "value": " KOR "}).correct
    assert run("KOR", None, {"defined": True, "value": "kor"}).reason == "text differs (compared exactly)"
    assert run(3, None, {"defined": True, "value": "3"}).reason == "expected a number, got str"
    assert run(3, None, {"defined": True, "value": True}).points == 0
    assert run(3, None, {"defined": True, "value": None}).reason == "no answer (still None)"
    assert run(3, None, {"defined": False}).reason == "`v` is not defined"
    assert "not a number or text" in run(3, None, {"defined": True, "type": "DataFrame", "repr": "..."}).reason
    assert run(1.0, 0.1, {"defined": True, "value": float("nan")}).reason == "not a finite number"


# ---------------------------------------------------------------------------------------
# Assign and grade, end to end


@pytest.mark.slow
@needs_mirror
def test_assignment_outputs_and_determinism(book, assigned, tmp_path):
    from imtrade.assignments.assign import draw
    from imtrade.book.notebooks import read
    from imtrade.cli import main

    rows = list(csv.DictReader((assigned / "assignments.csv").read_text(encoding="utf-8").splitlines()))
    assert [r["id"] for r in rows] == ["s01", "s02", "s03", "s04", "s05"] and rows[4]["name"] == "Emil Sørensen"
    pool = {"countries": [["KOR", "MEX"], ["VNM", "IND"], ["DEU", "JPN"]], "year": [2005, 2008, 2011]}
    for row in rows:
        expected = draw(pool, SEED, row["id"])
        assert json.loads(row["countries"]) == expected["countries"] and int(row["year"]) == expected["year"]
        nb = read(assigned / row["id"] / f"{NAME}.ipynb")
        injected = [c for c in nb.cells if "injected-parameters" in c.metadata.get("tags", [])]
        assert len(injected) == 1 and f"year = {expected['year']}" in injected[0].source
        assert not any(c.get("outputs") for c in nb.cells if c.cell_type == "code")  # not executed
        text = (assigned / row["id"] / f"{NAME}.ipynb").read_text(encoding="utf-8")
        assert not any(m in text for m in MARKERS) and "solution" not in text
        key = json.loads((keys_of(assigned) / f"{row['id']}.json").read_text(encoding="utf-8"))
        assert key["parameters"] == expected and key["student"] == {"id": row["id"], "name": row["name"]}
        assert [a["points"] for a in key["answers"]] == [2, 1, 2] and key["answers"][0]["tolerance"] == 0.05
        assert (
            key["answers"][1]["expected"] in expected["countries"] and key["answers"][2]["expected"] <= expected["year"]
        )
    result = CliRunner().invoke(
        main, ["assign", NAME, "--roster", "roster.csv", "--out", str(tmp_path / "again"), "--seed", SEED]
    )
    assert result.exit_code == 0, result.output
    variants = len(
        {json.dumps(draw(pool, SEED, row["id"])) for row in rows}
    )  # students with the same draw share a key execution
    assert f"assigned assignsample to 5 student(s) ({variants} variant(s))" in result.output
    assert tree_digest(tmp_path / "again") == tree_digest(assigned)  # byte-identical
    assert tree_digest(tmp_path / "again-keys") == tree_digest(keys_of(assigned))
    assert not (assigned / "keys").exists()  # the handout folder holds no key
    assert keys_of(assigned).stat().st_mode & 0o777 == 0o700
    assert {p.stat().st_mode & 0o777 for p in keys_of(assigned).iterdir()} == {0o600}
    result = CliRunner().invoke(main, ["assign", NAME, "--roster", "roster.csv", "--out", str(tmp_path / "again")])
    assert result.exit_code == 1 and "already exists and is not empty" in result.output


@pytest.mark.slow
@needs_mirror
def test_round_trip_solved_unsolved_broken_tampered(book, assigned, tmp_path):
    from imtrade.assignments.grade import grade
    from imtrade.cli import main

    students = ["s01", "s02", "s03", "s04", "s05"]
    code = solution_code(SAMPLE_CHAPTER)
    # Solved versions: full marks.
    solved = tmp_path / "solved"
    for sid in students:
        write_nb(solve(read_nb(assigned / sid / f"{NAME}.ipynb"), code), solved / sid / f"{NAME}.ipynb")
    report = grade(solved, keys_of(assigned), timeout=120, jobs=2, progress=lambda m: None)
    rows = grades_by_id(report.csv)
    assert {sid: (rows[sid]["total"], rows[sid]["status"]) for sid in students} == {
        sid: ("5", "ok") for sid in students
    }, rows
    assert "| assignsample-ex-2 | `answer_assignsample_ex2` | 1 / 1 | right |" in (
        solved / "feedback" / "s01.md"
    ).read_text(encoding="utf-8")

    # Unsolved versions (as handed out), as <id>.ipynb: zero on every exercise.
    unsolved = tmp_path / "unsolved"
    unsolved.mkdir()
    for sid in students:
        shutil.copy(assigned / sid / f"{NAME}.ipynb", unsolved / f"{sid}.ipynb")
    rows = grades_by_id(grade(unsolved, keys_of(assigned), timeout=120, jobs=2, progress=lambda m: None).csv)
    for sid in students:
        assert [rows[sid][f"{NAME}-ex-{n}"] for n in (1, 2, 3)] == ["0", "0", "0"] and rows[sid]["total"] == "0"
    assert "no answer (still None)" in (unsolved / "feedback" / "s03.md").read_text(encoding="utf-8")

    # Bad submissions: each gets zero where affected and a reason; none stops the others.
    bad = tmp_path / "bad"
    nb = solve(read_nb(assigned / "s01" / f"{NAME}.ipynb"), code)  # s01: the data cell breaks
    setup = next(c for c in nb.cells if "load_indicators" in c.source)
    setup.source = 'raise RuntimeError("broken on purpose")\n' + setup.source
    write_nb(nb, bad / "s01" / f"{NAME}.ipynb")
    nb = solve(read_nb(assigned / "s02" / f"{NAME}.ipynb"), code)  # s02: edits its parameters
    cell = next(c for c in nb.cells if "injected-parameters" in c.metadata.get("tags", []))
    cell.source = re.sub(r"year = \d+", "year = 2019", cell.source)
    write_nb(nb, bad / "s02" / f"{NAME}.ipynb")
    write_nb(
        solve(read_nb(assigned / "s04" / f"{NAME}.ipynb"), code), bad / "s03" / f"{NAME}.ipynb"
    )  # s03 hands in s04's notebook
    (bad / "s04").mkdir()
    (bad / "s04" / f"{NAME}.ipynb").write_text("%PDF-1.4 not a notebook", encoding="utf-8")
    (bad / "s05").mkdir()
    (bad / "s05" / "answers.pdf").write_bytes(b"%PDF")
    (bad / "x99.ipynb").write_text("{}", encoding="utf-8")
    result = CliRunner().invoke(
        main, ["grade", str(bad), "--keys", str(keys_of(assigned)), "--timeout", "120", "--jobs", "2"]
    )
    assert result.exit_code == 0, result.output
    rows = grades_by_id(bad / "grades.csv")
    assert {sid: (rows[sid]["total"], rows[sid]["status"]) for sid in students} == {
        "s01": ("0", "errors"),
        "s02": ("0", "tampered"),
        "s03": ("0", "tampered"),
        "s04": ("0", "not a notebook"),
        "s05": ("0", "no submission"),
    }, rows
    feedback = {sid: (bad / "feedback" / f"{sid}.md").read_text(encoding="utf-8") for sid in students}
    assert (
        "RuntimeError: broken on purpose" in feedback["s01"]
        and "is not defined (the notebook raised an error before it" in feedback["s01"]
    )
    assert (
        "parameter year is 2019, assigned" in feedback["s02"]
        and "zero: the parameters differ from your assignment" in feedback["s02"]
    )
    assert "this notebook was assigned to 's04', not to 's03'" in feedback["s03"]
    assert "cannot be read as a Jupyter notebook" in rows["s04"]["reason"]
    assert "s05/ holds no assignsample.ipynb (found answers.pdf)" in rows["s05"]["reason"]
    assert "note: x99.ipynb: ignored, 'x99' is not a student of these keys" in result.output


@pytest.mark.slow
@needs_mirror
def test_a_notebook_that_runs_too_long_is_stopped(book, assigned, tmp_path):
    from imtrade.assignments.grade import grade

    nb = read_nb(assigned / "s01" / f"{NAME}.ipynb")
    import nbformat

    nb.cells.insert(3, nbformat.v4.new_code_cell("import time\ntime.sleep(600)"))
    write_nb(nb, tmp_path / "slow" / "s01" / f"{NAME}.ipynb")
    report = grade(tmp_path / "slow", keys_of(assigned), timeout=3, jobs=1, progress=lambda m: None)
    row = grades_by_id(report.csv)["s01"]
    assert row["status"] == "timeout" and row["total"] == "0" and "within the time limit of 3 s" in row["reason"]
    assert report.grades[0].seconds < 10


# ---------------------------------------------------------------------------------------
# Editions of the built book


@pytest.mark.slow
@needs_mirror
def test_student_edition_holds_no_solution_text(book):
    from imtrade.assignments.editions import (
        find_solution_leaks,
        leak_needles,
        solution_texts,
        student_source,
    )
    from imtrade.book.build import build

    report = build(jobs=1, edition="student", progress=lambda m: None)
    student_site = book / "_build" / "student" / "html"
    assert report.site_built and (student_site / "chapters" / f"{NAME}.html").is_file()
    assert (
        not (book / "_build" / "html").exists() and not (book / "_build" / "stage").exists()
    )  # never mixed with the default build
    build(jobs=1, progress=lambda m: None)
    instructor_site = book / "_build" / "html"
    needles = leak_needles(solution_texts(SAMPLE_CHAPTER), student_source(SAMPLE_CHAPTER))
    assert len(needles) >= 8

    files = [p for p in student_site.rglob("*") if p.is_file()]
    assert any(p.suffix == ".ipynb" for p in files)  # the downloadable notebook is there
    for path in files:  # every built file, byte by byte: no marker word of any solution
        data = path.read_bytes().lower()
        assert not [m for m in MARKERS if m.encode() in data], path
    assert find_solution_leaks(student_site, needles, skip=()) == []
    page = (student_site / "chapters" / f"{NAME}.html").read_text(encoding="utf-8")
    assert "answer_assignsample_ex1" in page and "Replace None:" in page

    # The same search finds the solutions in the instructor edition (where they are collapsed).
    leaks = find_solution_leaks(instructor_site, needles)
    assert {line.split(": ", 1)[0] for line in leaks} >= {f"chapters/{NAME}.html", f"_sources/chapters/{NAME}.ipynb"}
    assert all(m.encode() in (instructor_site / "searchindex.js").read_bytes() for m in MARKERS[:3])
    assert 'class="solution dropdown' in (instructor_site / "chapters" / f"{NAME}.html").read_text(encoding="utf-8")


# ---------------------------------------------------------------------------------------
# A real chapter of the book


def chapter_with_answers():
    """The chapter declaring answers and rubric-graded exercises that ran fastest in the last build
    (else the first such chapter in the toc)."""
    from imtrade.assignments.editions import declared_answers, declared_rubrics
    from imtrade.book.toc import chapters
    from imtrade.paths import ProjectPaths

    candidates = [
        ch
        for ch in chapters(ProjectPaths(ROOT, ROOT / "data"))
        if declared_answers(ch.source, ch.name) and declared_rubrics(ch.source)
    ]

    def seconds(ch) -> float:
        record = ROOT / "_build" / "cache" / f"{ch.name}.json"
        try:
            return float(json.loads(record.read_text(encoding="utf-8"))["seconds"])
        except (OSError, ValueError, KeyError):
            return float("inf")

    return min(candidates, key=seconds) if candidates else None


@pytest.mark.slow
@needs_mirror
def test_real_chapter_round_trip(tmp_path, monkeypatch, mirror):
    """A real chapter that declares answers (the fastest, see chapter_with_answers): assign to
    two students, hand in one solved notebook, score full marks."""
    from imtrade.assignments.assign import assign
    from imtrade.assignments.editions import declared_pool
    from imtrade.assignments.grade import grade
    from imtrade.data.fetch import fetch

    monkeypatch.setenv("IMTRADE_ROOT", str(ROOT))
    monkeypatch.delenv("IMTRADE_DATA_DIR", raising=False)
    monkeypatch.chdir(ROOT)
    clear_caches()
    ch = chapter_with_answers()
    if ch is None:
        pytest.skip(
            "no chapter in _toc.yml declares gradable answers and "
            "rubrics (front matter `imtrade: answers:`, `rubrics:`)"
        )
    fetch(mirror=mirror)
    pool = tmp_path / "pool.yml"
    if declared_pool(ch.source) is None:  # the chapter's defaults as the only candidates
        first = next(iter(ch.parameters().values()))
        pool.write_text(json.dumps({first.name: [first.default]}), encoding="utf-8")
    else:
        pool = None
    roster = tmp_path / "roster.csv"
    roster.write_text("id,name\na1,First Student\na2,Second Student\n", encoding="utf-8")
    report = assign(ch, roster, tmp_path / "out", pool=pool, seed="1", jobs=2, progress=lambda m: None)
    assert (report.out / "a2" / f"{ch.name}.ipynb").is_file() and (report.keys / "a2.json").is_file()
    from imtrade.assignments.editions import WRITTEN_TAG, declared_answers, declared_rubrics

    code = solution_code(ch.source)  # a1 hands in the solved notebook, a2 nothing (one execution fewer)
    solved = solve(read_nb(report.out / "a1" / f"{ch.name}.ipynb"), code, ch.source)
    rubrics = declared_rubrics(ch.source)
    written = [c for c in solved.cells if WRITTEN_TAG in c.metadata.get("tags", [])]
    assert [c.metadata["exercise"] for c in written] == [r.exercise for r in rubrics]
    for cell in written:  # a free-text answer: plain text, never executed
        cell.source = "print('not run')\n\nThe proxy counts assembled imports."
    write_nb(solved, tmp_path / "subs" / "a1" / f"{ch.name}.ipynb")
    result = grade(tmp_path / "subs", report.keys, timeout=600, jobs=2, progress=lambda m: None)
    rows = grades_by_id(result.csv)
    automatic = sum(a.points for a in declared_answers(ch.source))
    assert rows["a1"]["status"] == "ok" and float(rows["a1"]["total"]) == automatic, (
        tmp_path / "subs" / "feedback" / "a1.md"
    ).read_text()
    assert float(rows["a1"]["max"]) == automatic + sum(r.points for r in rubrics)
    assert rows["a1"]["to_mark"].split() == [r.exercise for r in rubrics]
    assert rows["a2"]["status"] == "no submission" and rows["a2"]["total"] == "0"
    with (tmp_path / "subs" / "review.csv").open(encoding="utf-8", newline="") as handle:
        review = list(csv.DictReader(handle))
    answers = {(r["id"], r["exercise"]): r["answer"] for r in review}
    assert answers["a1", rubrics[0].exercise] == "print('not run')\n\nThe proxy counts assembled imports."
    assert (report.keys / "rubrics.md").stat().st_mode & 0o777 == 0o600


POOL_CHAPTER = "partnir"  # the real chapter assigned with its default pool (among the fastest to execute)
POOL_STUDENTS = ("p1", "p2", "p3")
POOL_SEED = "2026"


POOLED_CHAPTERS = {"deglobalisation", "trade_patterns", "china_roadmap", "partnir"}  # must ship a default pool


def chapters_with_pools():
    """The chapters of _toc.yml with their default pools (None: no pool)."""
    from imtrade.assignments.editions import declared_pool
    from imtrade.book.toc import chapters
    from imtrade.paths import ProjectPaths

    return [(ch, declared_pool(ch.source)) for ch in chapters(ProjectPaths(ROOT, ROOT / "data"))]


@needs_mirror
def test_every_default_pool_passes_the_chapters_own_checks(monkeypatch, mirror):
    """The chapters that test the source texts ship a default pool, and every combination of
    the candidates of every default pool passes the chapter's parameter checks
    (Chapter.resolve), so `imtrade assign` without --pool never stops on a draw (nothing is
    executed)."""
    import itertools

    from imtrade.assignments.assign import check_pool
    from imtrade.data.fetch import fetch

    monkeypatch.setenv("IMTRADE_ROOT", str(ROOT))
    monkeypatch.delenv("IMTRADE_DATA_DIR", raising=False)
    monkeypatch.chdir(ROOT)
    clear_caches()
    fetch(["wdi", "wb-bulk", "gapminder", "un-sdg"], vintage=None, mirror=mirror)
    pooled = [(ch, raw) for ch, raw in chapters_with_pools() if raw is not None]
    assert {ch.name for ch, _ in pooled} >= POOLED_CHAPTERS, (
        "a chapter lost its default pool (front matter `imtrade: pool:`)"
    )
    for ch, raw in pooled:
        pool = check_pool(raw, ch, f"the default pool of {ch.name}")
        assert all(len(set(map(json.dumps, values))) == len(values) for values in pool.values()), (
            ch.name,
            "a candidate repeats",
        )
        assert max(len(values) for values in pool.values()) >= 3, (ch.name, "too few candidates for variants to differ")
        for combination in itertools.product(*pool.values()):
            ch.resolve(dict(zip(pool, combination, strict=True)))  # raises ParameterError naming the problem


@pytest.mark.slow
@needs_mirror
def test_default_pool_gives_students_their_own_answers(tmp_path, monkeypatch, mirror):
    """A real chapter assigned with its default pool: three students, at least two distinct
    answer keys, and the answers that differ are the parameter-dependent ones."""
    from imtrade.assignments.assign import assign, check_pool, draw
    from imtrade.assignments.editions import declared_pool
    from imtrade.book.toc import chapter
    from imtrade.data.fetch import fetch

    monkeypatch.setenv("IMTRADE_ROOT", str(ROOT))
    monkeypatch.delenv("IMTRADE_DATA_DIR", raising=False)
    monkeypatch.chdir(ROOT)
    clear_caches()
    ch = chapter(POOL_CHAPTER)
    fetch(mirror=mirror)
    pool = check_pool(declared_pool(ch.source), ch)
    roster = tmp_path / "roster.csv"
    roster.write_text("id,name\n" + "".join(f"{sid},Student {sid}\n" for sid in POOL_STUDENTS), encoding="utf-8")
    assert (
        len({json.dumps(draw(pool, POOL_SEED, sid), sort_keys=True) for sid in POOL_STUDENTS}) >= 2
    )  # the draws differ
    report = assign(ch, roster, tmp_path / "out", seed=POOL_SEED, jobs=2, progress=lambda m: None)
    keys = {sid: json.loads((report.keys / f"{sid}.json").read_text(encoding="utf-8")) for sid in POOL_STUDENTS}
    answers = {sid: {a["variable"]: a["expected"] for a in key["answers"]} for sid, key in keys.items()}
    assert len({json.dumps(a, sort_keys=True) for a in answers.values()}) >= 2, answers
    for sid, key in keys.items():
        assert key["parameters"] == draw(pool, POOL_SEED, sid)


# ---------------------------------------------------------------------------------------
# A hostile class (issue 17): every reproduced attack from inside a student's notebook


ATTACKS = {
    # id: (start from the solved notebook?, attack cell)
    "k1": (
        False,
        "import json, pathlib\n"
        "key = json.loads(pathlib.Path({keys!r}, 'k1.json').read_text())\n"
        "for a in key['answers']:\n    globals()[a['variable']] = a['expected']",
    ),
    "c1": (False, "import pathlib\nsource = pathlib.Path({root!r}, 'chapters', 'assignsample.md').read_text()"),
    "n1": (True, "import socket\nsocket.create_connection(('127.0.0.1', {port}), timeout=5)"),
    "w1": (
        True,
        "import os\nwritten = []\n"
        "for target in [{victim!r}, {planted_key!r}, {planted_src!r}, '../numpy.py']:\n"
        "    try:\n        open(target, 'w').write('owned')\n        written.append(target)\n"
        "    except OSError:\n        pass\nprint('written', written)",
    ),
    "m1": (True, "blob = bytearray(4 * 1024**3)"),
    "d1": (
        True,
        "import subprocess\nsubprocess.Popen(['/bin/sh', '-c', 'exec -a {marker} sleep 3600'], start_new_session=True)",
    ),
    "e1": (True, "import os\nchunk = b'x' * (1 << 20)\nfor _ in range(1024):\n    os.write(2, chunk)"),
    "t1": (True, "import os\nanswer_assignsample_ex2 = os.environ.get('GITHUB_TOKEN', 'no token')"),
    "p1": (True, "import builtins\nbuiltins.print = lambda *args, **kwargs: None"),
}


def _sandbox_processes() -> list[str]:
    from imtrade.assignments.sandbox import UID_BASE

    out = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                if entry.stat().st_uid >= UID_BASE:
                    out.append((entry / "cmdline").read_bytes().decode(errors="replace"))
            except OSError:
                pass
    return out


@pytest.mark.slow
@needs_mirror
def test_hostile_class(book, assigned, tmp_path, monkeypatch):
    """One honest student and one student per reproduced attack, graded together: every attack
    fails, the honest grade is right, grading ends in bounded time and leaves no process."""
    import socket

    import nbformat

    from imtrade.assignments.grade import grade
    from imtrade.assignments.sandbox import problem

    if problem() is not None:
        pytest.skip(f"no working bubblewrap: {problem()}")
    monkeypatch.setenv("GITHUB_TOKEN", "ghp_fake_token_of_the_instructor")
    keys = tmp_path / "keys"
    shutil.copytree(keys_of(assigned), keys)
    base = json.loads((keys / "s01.json").read_text(encoding="utf-8"))
    for sid in ATTACKS:
        (keys / f"{sid}.json").write_text(
            json.dumps({**base, "student": {"id": sid, "name": f"Attacker {sid}"}}), encoding="utf-8"
        )
    for sid in ("s02", "s03", "s04", "s05"):
        (keys / f"{sid}.json").unlink()
    subs = tmp_path / "subs"
    code = solution_code(SAMPLE_CHAPTER)
    honest = solve(read_nb(assigned / "s01" / f"{NAME}.ipynb"), code)
    write_nb(honest, subs / "s01" / f"{NAME}.ipynb")
    victim = subs / "s01" / f"{NAME}.ipynb"
    victim_bytes = victim.read_bytes()
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(1)
    listener.setblocking(False)
    marker = f"imtrade-daemon-{time.time_ns()}"
    values = {
        "keys": str(keys),
        "root": str(book),
        "port": listener.getsockname()[1],
        "victim": str(victim),
        "planted_key": str(keys / "planted.json"),
        "planted_src": str(ROOT / "src" / "imtrade" / "planted.py"),
        "marker": marker,
    }
    for sid, (solved, attack) in ATTACKS.items():
        nb = (
            solve(read_nb(assigned / "s01" / f"{NAME}.ipynb"), code)
            if solved
            else read_nb(assigned / "s01" / f"{NAME}.ipynb")
        )
        nb.metadata["imtrade"]["assignment"]["student"] = sid
        nb.cells.append(nbformat.v4.new_code_cell(attack.format(**values)))
        write_nb(nb, subs / sid / f"{NAME}.ipynb")
    (subs / "f1").mkdir()
    os.mkfifo(subs / "f1" / f"{NAME}.ipynb")
    (keys / "f1.json").write_text(json.dumps({**base, "student": {"id": "f1", "name": "FIFO"}}), encoding="utf-8")

    start = time.monotonic()
    try:
        report = grade(subs, keys, timeout=120, jobs=2, progress=lambda m: None)
        with pytest.raises(BlockingIOError):
            listener.accept()  # no submission reached the host's loopback
    finally:
        listener.close()
    seconds = time.monotonic() - start
    g = {x.id: x for x in report.grades}
    rows = grades_by_id(report.csv)
    results = {sid: (rows[sid]["total"], rows[sid]["status"]) for sid in rows}
    assert results["s01"] == ("5", "ok"), rows["s01"]  # the honest student, graded beside all of them
    assert results["k1"] == ("0", "errors") and "FileNotFoundError" in " ".join(g["k1"].errors)
    assert results["c1"] == ("0", "errors") and "FileNotFoundError" in " ".join(g["c1"].errors)
    assert results["n1"] == ("5", "errors") and "ConnectionRefusedError" in " ".join(g["n1"].errors)
    assert results["w1"] == ("5", "ok")
    assert victim.read_bytes() == victim_bytes and not (keys / "planted.json").exists()
    assert not (ROOT / "src" / "imtrade" / "planted.py").exists() and not list(subs.rglob("numpy.py"))
    assert results["m1"] == ("5", "errors") and "MemoryError" in " ".join(g["m1"].errors)
    assert results["d1"] == ("5", "ok") and g["d1"].seconds < 120
    assert results["e1"] == ("0", "failed") and "wrote more than 10 MiB" in rows["e1"]["reason"]
    assert results["t1"] == ("4", "ok") and [a.given for a in g["t1"].answers][1] == '"no token"'
    assert results["p1"][1] == "failed" and "touches the builtins" in rows["p1"]["review"]
    assert results["f1"] == ("0", "not a notebook") and "named pipe (FIFO)" in rows["f1"]["reason"]
    everything = "".join(
        p.read_text(encoding="utf-8") for p in subs.rglob("*") if p.is_file() and p.suffix in (".csv", ".md", ".json")
    )
    assert "ghp_fake_token_of_the_instructor" not in everything
    assert '"expected"' not in (subs / "feedback" / "k1.md").read_text(encoding="utf-8")
    time.sleep(1)
    assert _sandbox_processes() == []  # no daemon outlived its sandbox
    assert seconds < 10 * 120 / 2 + 60  # bounded: every run stops at its time limit
    print(f"hostile class of {len(rows)} graded in {seconds:.1f} s")


@pytest.mark.slow
@needs_mirror
def test_the_class_time_limit_stops_grading_and_a_rerun_grades_the_rest(book, assigned, tmp_path):
    """A class watchdog: a run cut at the class limit and the runs it never started are not
    graded (no result, listed in a note); a rerun without the limit grades them."""
    from imtrade.assignments.grade import grade
    from imtrade.assignments.sandbox import problem

    if problem() is not None:
        pytest.skip(f"no working bubblewrap: {problem()}")
    subs = tmp_path / "subs"
    for sid in ("s01", "s02"):
        write_nb(
            solve(read_nb(assigned / sid / f"{NAME}.ipynb"), solution_code(SAMPLE_CHAPTER)),
            subs / sid / f"{NAME}.ipynb",
        )
    cut = grade(subs, keys_of(assigned), timeout=300, jobs=1, class_timeout=1, progress=lambda m: None)
    assert cut.grades == [] and not list((subs / "results").glob("*.json"))
    assert any("not graded within the class time limit of 1 s" in n and "s01" in n and "s02" in n for n in cut.notes)
    rerun = grade(subs, keys_of(assigned), timeout=300, jobs=1, progress=lambda m: None)
    assert {g.id: (g.status, g.total) for g in rerun.grades if g.id in ("s01", "s02")} == {
        "s01": ("ok", 5.0),
        "s02": ("ok", 5.0),
    }


@pytest.mark.slow
@needs_mirror
def test_killing_the_grader_keeps_the_grades_so_far_and_a_rerun_resumes(book, assigned, tmp_path):
    import signal
    import subprocess

    import nbformat

    from imtrade.assignments.sandbox import problem

    if problem() is not None:
        pytest.skip(f"no working bubblewrap: {problem()}")
    subs = tmp_path / "subs"
    write_nb(
        solve(read_nb(assigned / "s01" / f"{NAME}.ipynb"), solution_code(SAMPLE_CHAPTER)),
        subs / "s01" / f"{NAME}.ipynb",
    )
    nb = read_nb(assigned / "s02" / f"{NAME}.ipynb")
    nb.cells.append(nbformat.v4.new_code_cell("import time\ntime.sleep(600)"))
    write_nb(nb, subs / "s02" / f"{NAME}.ipynb")
    command = [sys.executable, "-m", "imtrade.cli", "grade", str(subs), "--keys", str(keys_of(assigned))]
    grader = subprocess.Popen([*command, "--jobs", "1", "--timeout", "300"], cwd=book, start_new_session=True)
    try:
        deadline = time.monotonic() + 240
        while not (subs / "results" / "s01.json").is_file() and time.monotonic() < deadline:
            time.sleep(0.5)
        assert (subs / "results" / "s01.json").is_file(), "s01 was not graded in time"
        time.sleep(3)  # s02 is now sleeping in its sandbox
        grader.send_signal(signal.SIGTERM)
        start = time.monotonic()
        assert grader.wait(timeout=60) != 0 and time.monotonic() - start < 30  # stops now, not after --timeout
    finally:
        if grader.poll() is None:
            os.killpg(grader.pid, signal.SIGKILL)
    rows = grades_by_id(subs / "grades.csv")
    assert rows["s01"]["total"] == "5" and rows["s01"]["status"] == "ok"
    assert "s02" not in rows or rows["s02"]["status"] != "failed"  # the killed run is not a grade
    assert not (subs / "results" / "s02.json").exists() and not (subs / ".grading").exists()  # no temp folder left
    time.sleep(1)
    assert _sandbox_processes() == []
    done = subprocess.run(
        [*command, "--jobs", "1", "--timeout", "5"], cwd=book, capture_output=True, text=True, timeout=300
    )
    assert done.returncode == 0, done.stderr
    assert "1 kept from an earlier run" in done.stdout and "s01" not in done.stdout.split("kept")[-1]
    rows = grades_by_id(subs / "grades.csv")
    assert rows["s01"]["total"] == "5" and rows["s02"]["status"] == "timeout"
