"""Rubric-graded free-text exercises and the release date of expected values.

The sample chapter is text only; grading is exercised with the runner stubbed out (free-text
answers are read from the submitted notebook, never executed, so no kernel is needed to test them).
"""

from __future__ import annotations

import csv
import datetime
import io
import json

import nbformat
import pytest

from imtrade.assignments import grade as grading
from imtrade.assignments.editions import WRITTEN_TAG, declared_rubrics, student_source
from imtrade.exceptions import AssignmentError

SAMPLE = """---
jupytext:
  text_representation: {extension: .md, format_name: myst}
kernelspec: {display_name: Python 3, language: python, name: python3}
imtrade:
  answers:
    - {exercise: s-ex-1, variable: answer_s_ex1, points: 1}
  rubrics:
    - exercise: s-ex-2
      max_chars: 40
      criteria:
        - {points: 2, criterion: "Names the platypus bias of the proxy"}
        - {points: 1, criterion: "Proposes a test"}
---

# T

```{exercise}
:label: s-ex-1
Q1
```

```{exercise}
:label: s-ex-2
Critique the proxy.
```

Closing text.
"""


def with_rubrics(rubrics: str) -> str:
    head, rest = SAMPLE.split("  rubrics:\n", 1)
    return head + rubrics + "---" + rest.split("---", 1)[1]


def test_rubrics_are_declared_and_kept_out_of_the_student_version():
    (rubric,) = declared_rubrics(SAMPLE)
    assert rubric.exercise == "s-ex-2" and rubric.points == 3 and rubric.max_chars == 40
    student = student_source(SAMPLE)
    assert "platypus" not in student and "rubrics" not in student and "Proposes a test" not in student
    import jupytext

    nb = jupytext.reads(student, fmt="md:myst")
    cells = [c for c in nb.cells if WRITTEN_TAG in c.metadata.get("tags", [])]
    assert len(cells) == 1 and cells[0].cell_type == "markdown" and cells[0].metadata["exercise"] == "s-ex-2"
    after = [c.source for c in nb.cells]
    assert after.index(cells[0].source) > next(i for i, s in enumerate(after) if "Critique the proxy" in s)
    assert after[-1] == "Closing text."


@pytest.mark.parametrize(
    ("rubrics", "message"),
    [
        ("  rubrics: {exercise: s-ex-2}\n", "must be a list"),
        ("  rubrics:\n    - {exercise: s-ex-2}\n", "'criteria' must be a non-empty list"),
        ("  rubrics:\n    - {exercise: s-ex-2, criteria: [{points: 0, criterion: x}]}\n", "positive number"),
        ("  rubrics:\n    - {exercise: s-ex-2, criteria: [{points: 1}]}\n", "exactly 'points' and 'criterion'"),
        ("  rubrics:\n    - {exercise: s-ex-2, max_chars: 0, criteria: [{points: 1, criterion: x}]}\n", "max_chars"),
        ("  rubrics:\n    - {exercise: s-ex-1, criteria: [{points: 1, criterion: x}]}\n", "auto-graded answer"),
        ("  rubrics:\n    - {exercise: s-ex-2, rubric: y, criteria: [{points: 1, criterion: x}]}\n", "unknown key"),
        (
            "  rubrics:\n    - {exercise: s-ex-2, criteria: [{points: 1, criterion: x}]}\n"
            "    - {exercise: s-ex-2, criteria: [{points: 1, criterion: y}]}\n",
            "two rubrics",
        ),
    ],
)
def test_malformed_rubrics_are_refused(rubrics, message):
    with pytest.raises(AssignmentError, match=message) as info:
        declared_rubrics(with_rubrics(rubrics), "sample.md")
    assert str(info.value).startswith("sample.md: ")


def test_a_rubric_without_its_exercise_is_refused():
    text = with_rubrics("  rubrics:\n    - {exercise: s-ex-9, criteria: [{points: 1, criterion: x}]}\n")
    with pytest.raises(AssignmentError, match=r"s-ex-9 has no \{exercise\} with that label"):
        student_source(text)


def test_every_chapter_has_a_rubric_exercise():
    from imtrade.book.toc import chapters

    with_rubrics_ = {c.name: declared_rubrics(c.source, str(c.path)) for c in chapters() if "answers" in c.source}
    for name in ("trade_patterns", "deglobalisation", "china_roadmap", "partnir"):
        assert with_rubrics_.get(name), f"{name} declares no rubric-graded exercise"
        for rubric in with_rubrics_[name]:
            assert len(rubric.criteria) >= 3 and rubric.points >= 3


KEY = {
    "chapter": "sample",
    "student": {"id": "s01", "name": "Ana"},
    "parameters": {},
    "state": {},
    "answers": [],
    "release_date": None,
    "written": [
        {
            "exercise": "s-ex-2",
            "max_chars": 40,
            "points": 3.0,
            "criteria": [{"points": 2.0, "criterion": "Names a bias"}, {"points": 1.0, "criterion": "A test"}],
        }
    ],
}


def notebook(answer: str | None, *, tag: bool = True):
    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_code_cell("import os\nos.system('echo hi')")]
    if answer is not None:
        cell = nbformat.v4.new_markdown_cell(answer)
        cell.metadata = {"tags": [WRITTEN_TAG] if tag else [], "exercise": "s-ex-2"}
        nb.cells.append(cell)
    return nb


def test_written_answers_are_read_as_text_and_capped():
    (ok,) = grading.written_answers(notebook("Export shares double-count imports."), KEY)
    assert ok.text == "Export shares double-count imports." and ok.note == "" and len(ok.sha256) == 16
    (long,) = grading.written_answers(notebook("x" * 100), KEY)
    assert long.text == "x" * 40 and long.chars == 100 and "too long: 100 characters, at most 40" in long.note
    (empty,) = grading.written_answers(notebook("_Write your answer here (replace this line)._"), KEY)
    assert empty.text == "" and "no answer" in empty.note
    nb = notebook("A code cell now")
    nb.cells[-1] = nbformat.v4.new_code_cell("A code cell now", metadata=nb.cells[-1].metadata)
    (code,) = grading.written_answers(nb, KEY)
    assert code.text == "A code cell now" and "turned into a code cell" in code.note
    nb.cells.append(nb.cells[-1])
    assert "2 answer cells" in grading.written_answers(nb, KEY)[0].note
    (untagged,) = grading.written_answers(notebook("hidden", tag=False), KEY)
    assert untagged.text == "" and "no answer cell" in untagged.note


def keys_of(*ids):
    return {i: {**KEY, "student": {"id": i, "name": i.upper()}} for i in ids}


def sheet(tmp_path, rows, header=("id", "exercise", "points")):
    path = tmp_path / "review.csv"
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(header)
    writer.writerows(rows)
    path.write_text(buffer.getvalue(), encoding="utf-8")
    return path


def test_rubric_points_are_checked_all_at_once(tmp_path):
    keys = keys_of("s01", "s02")
    rows = [
        ("s01", "s-ex-2", "4"),
        ("s02", "s-ex-2", "-1"),
        ("s09", "s-ex-2", "1"),
        ("s01", "s-ex-7", "1"),
        ("s02", "s-ex-2", "two"),
    ]
    with pytest.raises(AssignmentError) as info:
        grading.read_rubric_points(sheet(tmp_path, rows), keys)
    text = str(info.value)
    assert "5 problem(s)" in text and "no points were merged" in text
    assert "4 points is outside the rubric's range 0 to 3" in text and "-1 points is outside" in text
    assert "'s09' is not a student of these keys" in text
    assert "'s-ex-7' is not a rubric-graded exercise" in text and "repeats line 3" in text
    with pytest.raises(AssignmentError, match="lacks the column"):
        grading.read_rubric_points(sheet(tmp_path, [("s01", "2")], header=("id", "score")), keys)
    with pytest.raises(AssignmentError, match="cannot be read"):
        grading.read_rubric_points(tmp_path / "missing.csv", keys)
    assert grading.read_rubric_points(sheet(tmp_path, [("s01", "s-ex-2", "2.5"), ("s02", "s-ex-2", "")]), keys) == {
        ("s01", "s-ex-2"): (2.5, "")
    }


def test_release_date_decides_when_expected_values_show():
    from imtrade.assignments.assign import release_day

    day = datetime.date(2027, 1, 15)
    assert not grading.expected_released({"release_date": None}, False, day)
    assert grading.expected_released({"release_date": None}, True, day)
    assert not grading.expected_released({"release_date": "2027-01-16"}, False, day)
    assert grading.expected_released({"release_date": "2027-01-15"}, False, day)
    assert release_day(" 2027-01-15 ") == "2027-01-15" and release_day(None) is None
    with pytest.raises(AssignmentError, match="'15/01/2027' is not a date") as info:
        release_day("15/01/2027")
    assert "YYYY-MM-DD" in str(info.value)
    g = grading.Grade("s01", "Ana", None)
    text = grading.feedback_markdown(g, {**KEY, "release_date": "2027-01-16"})
    assert "hidden until 2027-01-16" in text


def test_cli_refuses_a_bad_release_date(tmp_path):
    from click.testing import CliRunner

    from imtrade.cli import main

    roster = tmp_path / "roster.csv"
    roster.write_text("id,name\ns01,Ana\n", encoding="utf-8")
    result = CliRunner().invoke(
        main,
        ["assign", "trade_patterns", "--roster", str(roster), "--out", str(tmp_path / "h"), "--release-date", "soon"],
    )
    assert result.exit_code != 0 and "'soon' is not a date" in result.output and "Traceback" not in result.output
    assert not (tmp_path / "h").exists()


def test_grade_collects_answers_and_merges_points(tmp_path, monkeypatch):
    keys = tmp_path / "keys"
    keys.mkdir(mode=0o700)
    for sid, key in keys_of("s01", "s02", "s03", "s04").items():
        (keys / f"{sid}.json").write_text(json.dumps({**key, "release_date": "2027-01-15"}), encoding="utf-8")
    subs = tmp_path / "subs"
    subs.mkdir()
    nbformat.write(notebook("The proxy counts assembly as high tech."), subs / "s01.ipynb")
    nbformat.write(notebook("y" * 90), subs / "s02.ipynb")
    nbformat.write(notebook('=HYPERLINK("http://x","y")'), subs / "s03.ipynb")
    ran = []

    def stub(nb, **kwargs):  # no kernel: the written answers must not depend on execution
        ran.append(nb)
        return grading.runner.RunResult("ok", None, 0.0)

    monkeypatch.setattr(grading, "run_notebook", stub)
    out = tmp_path / "out"
    before = datetime.date(2027, 1, 14)
    grading.grade(subs, keys, out=out, unsafe_no_sandbox=True, progress=lambda _: None, today=before)
    rows = {
        (r["id"], r["exercise"]): r
        for r in csv.DictReader(io.StringIO((out / "review.csv").read_text(encoding="utf-8")))
    }
    assert rows["s01", "s-ex-2"]["answer"] == "The proxy counts assembly as high tech."
    assert rows["s01", "s-ex-2"]["rubric"] == "[2] Names a bias; [1] A test" and rows["s01", "s-ex-2"]["points"] == ""
    assert "too long" in rows["s02", "s-ex-2"]["note"] and len(rows["s02", "s-ex-2"]["answer"]) == 40
    assert rows["s03", "s-ex-2"]["answer"] == '\'=HYPERLINK("http://x","y")'  # shown as text, not run
    assert "no submission" in rows["s04", "s-ex-2"]["note"]
    grades = {r["id"]: r for r in csv.DictReader(io.StringIO((out / "grades.csv").read_text(encoding="utf-8")))}
    assert grades["s01"]["s-ex-2"] == "" and grades["s01"]["to_mark"] == "s-ex-2" and grades["s01"]["max"] == "3"
    assert "hidden until 2027-01-15" in (out / "feedback" / "s01.md").read_text(encoding="utf-8")

    # the instructor marks two answers in the sheet and passes it back; s01's is unchanged, s02 resubmits
    text = (out / "review.csv").read_text(encoding="utf-8")
    marked = list(csv.DictReader(io.StringIO(text)))
    for row in marked:
        row["points"] = {"s01": "2.5", "s02": "1"}.get(row["id"], "")
    path = tmp_path / "marked.csv"
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(marked[0]))
        writer.writeheader()
        writer.writerows(marked)
    nbformat.write(notebook("A new answer."), subs / "s02.ipynb")
    report = grading.grade(
        subs, keys, out=out, unsafe_no_sandbox=True, progress=lambda _: None, rubric_points=path, today=before
    )
    grades = {r["id"]: r for r in csv.DictReader(io.StringIO((out / "grades.csv").read_text(encoding="utf-8")))}
    assert grades["s01"]["s-ex-2"] == "2.5" and grades["s01"]["total"] == "2.5" and grades["s01"]["to_mark"] == ""
    assert grades["s02"]["s-ex-2"] == "" and any("s02 s-ex-2: the answer changed" in n for n in report.notes)
    rows = {
        (r["id"], r["exercise"]): r
        for r in csv.DictReader(io.StringIO((out / "review.csv").read_text(encoding="utf-8")))
    }
    assert rows["s01", "s-ex-2"]["points"] == "2.5" and rows["s02", "s-ex-2"]["answer"] == "A new answer."
    result = json.loads((out / "results" / "s01.json").read_text(encoding="utf-8"))
    assert result["score"] == 2.5 and result["tests"][-1]["max_score"] == 3.0
    grading.grade(subs, keys, out=out, unsafe_no_sandbox=True, progress=lambda _: None, today=datetime.date(2027, 2, 1))
    assert "Expected values are hidden" not in (out / "feedback" / "s01.md").read_text(encoding="utf-8")

    bad = sheet(tmp_path, [("s01", "s-ex-2", "9")])
    with pytest.raises(AssignmentError, match="outside the rubric's range"):
        grading.grade(subs, keys, out=out, unsafe_no_sandbox=True, progress=lambda _: None, rubric_points=bad)


def test_the_student_edition_leak_check_looks_for_rubric_criteria(tmp_path):
    from types import SimpleNamespace

    from imtrade.assignments.editions import edition_leaks

    chapter = SimpleNamespace(source=SAMPLE, path=tmp_path / "sample.md")
    site = tmp_path / "site"
    site.mkdir()
    (site / "sample.html").write_text("<p>Critique the proxy.</p>", encoding="utf-8")
    assert edition_leaks(site, [chapter]) == []
    (site / "sample.html").write_text("<p>Names the <em>platypus</em> bias of the proxy</p>", encoding="utf-8")
    assert edition_leaks(site, [chapter]) == ["sample.html: Names the platypus bias of the proxy"]


def test_keys_with_a_bad_release_date_or_rubric_are_refused(tmp_path):
    for name, change in (("date", {"release_date": "next week"}), ("rubric", {"written": [{"exercise": "x"}]})):
        folder = tmp_path / name
        folder.mkdir()
        (folder / "s01.json").write_text(json.dumps({**KEY, **change}), encoding="utf-8")
        with pytest.raises(AssignmentError, match=r"s01\.json: not an answer key"):
            grading.load_keys(folder)
