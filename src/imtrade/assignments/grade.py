"""``imtrade grade``: execute every submission and score its declared answers against the student's key.

Submissions are read from ``DIR/<id>/<chapter>.ipynb`` (the layout ``imtrade assign``
hands out) or ``DIR/<id>.ipynb``; ``<id>`` must be a student of the keys folder. Each one is
executed in a fresh kernel in its own process, at most ``timeout`` seconds for the whole
notebook, ``jobs`` at a time (:mod:`.runner`). A cell that raises does not stop the others
(its answers are simply missing), so a mistake costs only what it affects.

For each declared answer the value the kernel holds at the end is compared with the key:
numbers within the declared absolute tolerance (exact, up to rounding noise, when none is
declared), text exactly (surrounding spaces ignored), booleans exactly. A notebook whose
parameters differ from the student's assignment (the injected-parameters cell edited or
removed, another student's notebook, or parameters reassigned while running) scores zero on
every answer, because every answer depends on them; the feedback says which values differ.
A file that is not a notebook, a timeout or a kernel that dies scores zero with the reason.
Nothing a submission does stops the grading of the others.

Output: ``OUT/grades.csv`` (id, name, points per exercise, total, max, status, reason) and
``OUT/feedback/<id>.md`` (every answer: expected, given, right or wrong, why). ``OUT`` is the
submissions folder unless given.
"""

from __future__ import annotations

import ast
import csv
import io
import json
import math
import os
import tempfile
import time
import warnings
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from imtrade.assignments.runner import (
    CAPTURE_TAG,
    capture_cell,
    captured,
    cell_errors,
    run_notebook,
)
from imtrade.exceptions import AssignmentError

GRADE_TIMEOUT = 300  # seconds per submission (kernel start included)
SKIPPED = ("feedback", "grades.csv", "keys")
ROUNDING = 1e-9  # numbers without a declared tolerance: equal up to this (relative and absolute)

# Statuses, most serious first (the grade's status is the most serious that applies).
STATUSES = ("no submission", "not a notebook", "timeout", "failed", "tampered", "errors", "grader error", "ok")


@dataclass
class AnswerResult:
    exercise: str
    variable: str
    points_possible: float
    expected: Any
    tolerance: float | None
    given: str = "—"
    correct: bool = False
    points: float = 0.0
    reason: str = ""


@dataclass
class Grade:
    id: str
    name: str
    path: Path | None
    status: str = "ok"
    reasons: list[str] = field(default_factory=list)
    answers: list[AnswerResult] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    seconds: float = 0.0

    @property
    def total(self) -> float:
        return sum(a.points for a in self.answers)

    @property
    def maximum(self) -> float:
        return sum(a.points_possible for a in self.answers)

    def set_status(self, status: str, reason: str) -> None:
        if STATUSES.index(status) < STATUSES.index(self.status):
            self.status = status
        self.reasons.append(reason)


# ---------------------------------------------------------------------------------------
# Keys and submissions


def load_keys(folder: Path) -> dict[str, dict[str, Any]]:
    """Answer keys written by ``imtrade assign`` (``<id>.json``), all of one chapter."""
    folder = Path(folder)
    if not folder.is_dir():
        raise AssignmentError(
            f"keys folder {folder} does not exist", fix="pass the keys/ folder written by `imtrade assign`"
        )
    keys: dict[str, dict[str, Any]] = {}
    problems = []
    for path in sorted(folder.glob("*.json")):
        try:
            key = json.loads(path.read_text(encoding="utf-8"))
            student, answers = key["student"], key["answers"]
            if (
                student["id"] != path.stem
                or not isinstance(answers, list)
                or not all({"variable", "expected", "points"} <= set(a) for a in answers)
            ):
                raise ValueError("unexpected content")
            key.setdefault("parameters", {})
            key.setdefault("state", {})
            keys[path.stem] = key
        except (OSError, ValueError, KeyError, TypeError) as exc:
            problems.append(f"{path.name}: not an answer key written by `imtrade assign` ({exc})")
    if problems:
        raise AssignmentError(f"keys folder {folder}:\n  - " + "\n  - ".join(problems))
    if not keys:
        raise AssignmentError(
            f"keys folder {folder} holds no answer keys (<id>.json)",
            fix="pass the keys/ folder written by `imtrade assign`",
        )
    chapters = sorted({k["chapter"] for k in keys.values()})
    if len(chapters) > 1:
        raise AssignmentError(
            f"keys folder {folder} mixes chapters ({', '.join(chapters)})", fix="grade one chapter at a time"
        )
    return keys


def find_submissions(folder: Path, chapter: str, ids: set[str]) -> tuple[dict[str, Path], list[str]]:
    """``{id: path}`` of the submissions, and notes on everything else found in ``folder``."""
    folder = Path(folder)
    if not folder.is_dir():
        raise AssignmentError(f"submissions folder {folder} does not exist")
    found: dict[str, Path] = {}
    notes: list[str] = []
    by_lower = {i.lower(): i for i in ids}  # roster ids are unique regardless of case
    for entry in sorted(folder.iterdir()):
        if entry.name.startswith(".") or entry.name in SKIPPED:
            continue
        name = entry.name if entry.is_dir() else entry.stem
        sid = by_lower.get(name.lower())
        if sid is None:
            notes.append(f"{entry.name}: ignored, {name!r} is not a student of these keys")
            continue
        if entry.is_dir():
            candidate = entry / f"{chapter}.ipynb"
            if candidate.exists():
                if sid in found:
                    notes.append(
                        f"{sid}: both {found[sid].name} and {entry.name}/{candidate.name}; graded {entry.name}/{candidate.name}"
                    )
                found[sid] = candidate
            else:
                inside = ", ".join(sorted(p.name for p in entry.iterdir())) or "nothing"
                notes.append(f"{entry.name}/: no {chapter}.ipynb in it (found {inside})")
                found.setdefault(sid, candidate)  # graded as missing/not a notebook below
        else:
            if sid in found and found[sid].exists():
                notes.append(
                    f"{sid}: both {found[sid].relative_to(folder)} and {entry.name}; graded {found[sid].relative_to(folder)}"
                )
                continue
            found[sid] = entry
    return found, notes


def read_submission(path: Path):
    """The submitted notebook, or :class:`AssignmentError` saying why it is not one."""
    import nbformat

    if not path.exists():
        raise AssignmentError(f"{path.name} is missing")
    if path.suffix != ".ipynb":
        raise AssignmentError(f"{path.name} is not a Jupyter notebook (.ipynb)")
    try:
        text = path.read_text(encoding="utf-8")
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            nb = nbformat.reads(text, as_version=4)
    except Exception as exc:  # NotJSONError, UnicodeDecodeError, ValidationError, KeyError...
        reason = str(exc).strip().splitlines()[0][:160] if str(exc).strip() else type(exc).__name__
        raise AssignmentError(
            f"{path.name} cannot be read as a Jupyter notebook ({type(exc).__name__}: {reason})"
        ) from None
    if not isinstance(nb.get("cells"), list) or any(
        c.get("cell_type") not in ("code", "markdown", "raw") for c in nb.cells
    ):
        raise AssignmentError(f"{path.name} is not a Jupyter notebook (no list of cells)")
    return nb


# ---------------------------------------------------------------------------------------
# Parameters


def _same(a: Any, b: Any) -> bool:
    return json.loads(json.dumps(a)) == json.loads(json.dumps(b))


def injected_parameters(nb) -> tuple[dict[str, Any] | None, list[str]]:
    """Values of the ``injected-parameters`` cell (None if it is gone) and problems with it."""
    cells = [
        c for c in nb.cells if c.cell_type == "code" and "injected-parameters" in c.get("metadata", {}).get("tags", [])
    ]
    if not cells:
        return None, ["the injected-parameters cell (your assigned parameters) was removed"]
    values: dict[str, Any] = {}
    problems: list[str] = []
    try:
        tree = ast.parse("".join(cells[0].source))
    except SyntaxError:
        return {}, ["the injected-parameters cell was edited (it is no longer valid Python)"]
    for node in tree.body:
        if isinstance(node, ast.Assign) and len(node.targets) == 1 and isinstance(node.targets[0], ast.Name):
            try:
                values[node.targets[0].id] = ast.literal_eval(node.value)
                continue
            except ValueError:
                pass
        problems.append(f"the injected-parameters cell was edited (line {node.lineno}: {ast.unparse(node)[:60]!r})")
    return values, problems


def parameter_problems(nb, key: dict[str, Any], sid: str) -> list[str]:
    """Static checks: the notebook is this student's and its injected parameters are unchanged."""
    problems: list[str] = []
    owner = (nb.metadata.get("imtrade") or {}).get("assignment", {}).get("student")
    if owner is not None and owner != sid:
        problems.append(f"this notebook was assigned to {owner!r}, not to {sid!r}")
    values, edits = injected_parameters(nb)
    problems += edits
    if values is not None:
        for name, expected in key["parameters"].items():
            if name not in values:
                problems.append(
                    f"parameter {name} is missing from the injected-parameters cell (assigned {json.dumps(expected)})"
                )
            elif not _same(values[name], expected):
                problems.append(f"parameter {name} is {json.dumps(values[name])}, assigned {json.dumps(expected)}")
        problems += [
            f"parameter {name} = {json.dumps(values[name])} was added to the injected-parameters cell"
            for name in values
            if name not in key["parameters"]
        ]
    return problems


# ---------------------------------------------------------------------------------------
# Scoring


def _display(value: Any) -> str:
    if isinstance(value, str):
        return json.dumps(value, ensure_ascii=False)
    return json.dumps(value) if value is not None else "None"


def score(answer: AnswerResult, entry: dict[str, Any] | None) -> AnswerResult:
    """Compare the captured ``entry`` with the expected value; fill in the result."""
    expected, tolerance = answer.expected, answer.tolerance
    if not entry or not entry.get("defined"):
        answer.reason = f"`{answer.variable}` is not defined"
        return answer
    if "value" not in entry:
        answer.given = f"a {entry.get('type')}"
        answer.reason = f"a {entry.get('type')} ({entry.get('repr', '')[:60]}), not a number or text"
        return answer
    given = entry["value"]
    answer.given = _display(given)
    if given is None:
        answer.reason = "no answer (still None)"
        return answer
    if isinstance(expected, bool) or isinstance(given, bool):
        answer.correct = isinstance(given, bool) and given == expected
        answer.reason = "" if answer.correct else f"expected {_display(expected)}"
    elif isinstance(expected, int | float):
        if not isinstance(given, int | float):
            answer.reason = f"expected a number, got {type(given).__name__}"
        elif not math.isfinite(given):
            answer.reason = "not a finite number"
        else:
            gap = abs(given - expected)
            allowed = tolerance if tolerance is not None else 0.0
            answer.correct = gap <= allowed + ROUNDING * max(1.0, abs(expected))
            if not answer.correct:
                answer.reason = f"off by {gap:.4g}" + (
                    f" (tolerance ±{tolerance:g})" if tolerance is not None else " (exact answer expected)"
                )
    else:
        if not isinstance(given, str):
            answer.reason = f"expected text, got {type(given).__name__}"
        else:
            answer.correct = given.strip() == str(expected).strip()
            answer.reason = "" if answer.correct else "text differs (compared exactly)"
    answer.points = answer.points_possible if answer.correct else 0.0
    return answer


def _prepare(nb, key: dict[str, Any]):
    """Outputs cleared, the capture cell appended (answers and parameters read back at the end)."""
    for cell in nb.cells:
        if cell.cell_type == "code":
            cell.outputs, cell.execution_count = [], None
    nb.cells = [c for c in nb.cells if CAPTURE_TAG not in c.get("metadata", {}).get("tags", [])]
    names = sorted(set(key["state"]) | set(key["parameters"]))
    nb.cells.append(capture_cell([a["variable"] for a in key["answers"]], names))
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    return nb


def grade_one(sid: str, key: dict[str, Any], path: Path | None, timeout: float, env: dict[str, str]) -> Grade:
    """Grade one submission; never raises (every problem ends up in the Grade)."""
    start = time.perf_counter()
    grade = Grade(sid, key["student"]["name"], path)
    grade.answers = [
        AnswerResult(
            a.get("exercise", a["variable"]), a["variable"], float(a["points"]), a["expected"], a.get("tolerance")
        )
        for a in key["answers"]
    ]
    try:
        if path is None:
            grade.set_status("no submission", "no notebook was submitted")
            return grade
        if not path.exists():
            inside = ", ".join(sorted(p.name for p in path.parent.iterdir())) if path.parent.is_dir() else ""
            grade.set_status(
                "no submission", f"{path.parent.name}/ holds no {path.name}" + (f" (found {inside})" if inside else "")
            )
            return grade
        try:
            nb = read_submission(path)
        except AssignmentError as exc:
            grade.set_status("not a notebook", exc.problem)
            return grade
        tampered = parameter_problems(nb, key, sid)
        with tempfile.TemporaryDirectory(prefix=f"imtrade-grade-{sid}-") as tmp:
            result = run_notebook(_prepare(nb, key), timeout=timeout, cwd=Path(tmp), env=env)
        if result.status == "timeout":
            grade.set_status("timeout", f"the notebook {result.message}")
        elif result.status == "failed":
            grade.set_status("failed", result.message)
        values = captured(result.notebook) if result.notebook is not None else None
        if result.notebook is not None:
            grade.errors = cell_errors(result.notebook)
        if values is not None:
            flagged = {name for name in key["parameters"] if any(f"parameter {name} " in p for p in tampered)}
            for name, expected in key["state"].items():
                entry = values["parameters"].get(name, {})
                if name in flagged:
                    continue
                if not entry.get("defined"):
                    tampered.append(f"parameter {name} is no longer defined at the end of the notebook")
                elif not _same(entry.get("value"), expected):
                    tampered.append(
                        f"parameter {name} is {json.dumps(entry.get('value'))} at the end of the notebook, assigned {json.dumps(expected)}"
                    )
            for answer in grade.answers:
                score(answer, values["answers"].get(answer.variable))
                if not answer.correct and grade.errors and "not defined" in answer.reason:
                    answer.reason += " (the notebook raised an error before it; see below)"
        elif result.status == "ok":
            grade.set_status("failed", "the notebook stopped before its answers could be read")
        for answer in grade.answers:
            if result.status != "ok" and not answer.reason:
                answer.reason = grade.reasons[-1]
        if tampered:
            grade.set_status("tampered", "parameters differ from the assignment: " + "; ".join(dict.fromkeys(tampered)))
            for answer in grade.answers:
                answer.points = 0.0
                answer.reason = (
                    "right, but " if answer.correct else ""
                ) + "zero: the parameters differ from your assignment"
        if grade.errors:
            grade.set_status("errors", f"{len(grade.errors)} cell(s) raised an error")
    except Exception as exc:  # a bug of the grader must not stop the other submissions
        grade.set_status("grader error", f"{type(exc).__name__}: {exc}")
        for answer in grade.answers:
            answer.points = 0.0
    finally:
        grade.seconds = time.perf_counter() - start
    return grade


# ---------------------------------------------------------------------------------------
# Reports


def _points(value: float) -> str:
    return f"{value:g}"


def exercise_columns(key: dict[str, Any]) -> list[str]:
    return list(dict.fromkeys(a.get("exercise", a["variable"]) for a in key["answers"]))


def grades_csv(grades: list[Grade], columns: list[str]) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(["id", "name", *columns, "total", "max", "status", "reason"])
    for g in grades:
        per = {c: sum(a.points for a in g.answers if a.exercise == c) for c in columns}
        writer.writerow(
            [
                g.id,
                g.name,
                *(_points(per[c]) for c in columns),
                _points(g.total),
                _points(g.maximum),
                g.status,
                "; ".join(g.reasons),
            ]
        )
    return buffer.getvalue()


def _cell(text: str) -> str:
    return str(text).replace("|", "\\|").replace("\n", " ")


def feedback_markdown(grade: Grade, key: dict[str, Any]) -> str:
    title = key.get("chapter_title", key["chapter"])
    lines = [
        f"# Feedback: {grade.name} ({grade.id})",
        "",
        f"Chapter: *{title}*. Score: **{_points(grade.total)} / {_points(grade.maximum)}**. Status: {grade.status}.",
        "",
        "Your parameters: " + ", ".join(f"`{k} = {json.dumps(v)}`" for k, v in key["parameters"].items()) + ".",
        "",
    ]
    if grade.reasons:
        lines += ["## What went wrong", "", *[f"- {_cell(r)}" for r in grade.reasons], ""]
    lines += [
        "## Answers",
        "",
        "| exercise | variable | points | result | expected | given | note |",
        "|---|---|---|---|---|---|---|",
    ]
    for a in grade.answers:
        tolerance = f" (±{a.tolerance:g})" if a.tolerance is not None else ""
        verdict = "right" if a.correct and a.points else ("right (not counted)" if a.correct else "wrong")
        lines.append(
            f"| {a.exercise} | `{a.variable}` | {_points(a.points)} / {_points(a.points_possible)} | {verdict} | "
            f"{_cell(_display(a.expected))}{tolerance} | {_cell(a.given)} | {_cell(a.reason)} |"
        )
    if grade.errors:
        lines += ["", "## Errors while running your notebook", "", *[f"- {_cell(e)}" for e in grade.errors]]
    return "\n".join(lines) + "\n"


@dataclass
class GradeReport:
    grades: list[Grade]
    notes: list[str]
    csv: Path
    feedback: Path
    seconds: float


def grade(
    submissions: Path,
    keys: Path,
    *,
    timeout: float = GRADE_TIMEOUT,
    jobs: int = 2,
    out: Path | None = None,
    progress=print,
) -> GradeReport:
    """Grade every student of ``keys``; see the module docstring."""
    from imtrade.paths import project

    start = time.perf_counter()
    submissions = Path(submissions)
    key_map = load_keys(keys)
    chapter = next(iter(key_map.values()))["chapter"]
    found, notes = find_submissions(submissions, chapter, set(key_map))
    env = {**os.environ, "IMTRADE_ROOT": str(project().root), "PYTHONHASHSEED": "0", "IMTRADE_CHAPTER": chapter}
    progress(
        f"{chapter}: grading {len(found)} submission(s) of {len(key_map)} student(s), {jobs} at a time, at most {timeout:g} s each"
    )

    def work(sid: str) -> Grade:
        result = grade_one(sid, key_map[sid], found.get(sid), timeout, env)
        progress(f"  {sid:16} {_points(result.total):>5} / {_points(result.maximum):<5} {result.status}")
        return result

    with ThreadPoolExecutor(max_workers=max(1, jobs)) as pool:
        grades = list(pool.map(work, sorted(key_map)))
    target = Path(out) if out is not None else submissions
    feedback = target / "feedback"
    feedback.mkdir(parents=True, exist_ok=True)
    columns = exercise_columns(next(iter(key_map.values())))
    csv_path = target / "grades.csv"
    csv_path.write_text(grades_csv(grades, columns), encoding="utf-8")
    for g in grades:
        (feedback / f"{g.id}.md").write_text(feedback_markdown(g, key_map[g.id]), encoding="utf-8")
    return GradeReport(grades, notes, csv_path, feedback, time.perf_counter() - start)
