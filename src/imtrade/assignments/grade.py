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

Every submission runs in a bubblewrap sandbox (:mod:`.sandbox`: no network, no view of the
keys, the other submissions or the solutions, a cleared environment, resource limits, every
process killed at the end); without bubblewrap grading is refused unless the instructor
passes ``unsafe_no_sandbox`` (``--unsafe-no-sandbox``). The keys never enter the sandbox:
the answers are read from the executed notebook the sandbox writes (strictly parsed, see
:func:`.runner.captured`) and compared here. Submissions are opened without following links
and must be regular files of at most :data:`SUBMISSION_CAP` bytes.

Output, written as each student finishes (atomically: a killed grader loses nothing already
graded, and a rerun skips students whose submission and key are unchanged unless ``regrade``):
``OUT/results/<id>.json`` (Gradescope-style: score, one test per answer, plus the full grade),
``OUT/grades.csv`` (id, name, points per exercise, total, max, status, reason, review),
``OUT/feedback/<id>.md`` (every answer: given, right or wrong, why; the expected value only
with ``show_expected`` or from the assignment's release date on, see :func:`expected_released`).
``OUT`` is the submissions folder unless given.

Free-text exercises (``imtrade: rubrics:``) are read from the *submitted* notebook's markdown
cell tagged ``written-answer`` (plain text: never executed, cut at the rubric's ``max_chars``)
into ``OUT/review.csv``: one row per student and exercise with the answer, the rubric beside it
and an empty ``points`` column. The instructor fills it in and passes it back as
``rubric_points`` (``--rubric-points``): the points are checked against the rubric (0..max, known
students and exercises, every problem at once) and merged into grades.csv, results and feedback;
points marked for an answer that has since changed are not applied.
"""

from __future__ import annotations

import ast
import csv
import datetime
import hashlib
import io
import json
import math
import shutil
import threading
import time
import warnings
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from imtrade import fileio
from imtrade.assignments import runner
from imtrade.assignments.runner import (
    CAPTURE_TAG,
    CaptureError,
    UnsafeFile,
    capture_cell,
    captured,
    cell_errors,
    read_regular,
    run_notebook,
)
from imtrade.exceptions import AssignmentError

GRADE_TIMEOUT = 300  # seconds per submission (kernel start included)
SKIPPED = ("feedback", "grades.csv", "keys", "results", "review.csv")
SCRATCH = ".grading"  # OUT/.grading/: the runs' temporary folders (cleared at start: a killed grader leaves some)
SUBMISSION_CAP = 20 * 1024 * 1024  # bytes of one submitted notebook
RESULTS_VERSION = 2  # bump when a change of the grader must regrade results kept from earlier runs
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
class WrittenResult:
    """A free-text answer, read from the submitted notebook (never executed), marked by the instructor."""

    exercise: str
    points_possible: float
    text: str = ""
    chars: int = 0  # length of the whole answer (``text`` holds at most the rubric's max_chars)
    note: str = ""
    sha256: str = ""  # of the answer as read: points marked for another answer are not applied
    points: float | None = None  # None: not marked yet


@dataclass
class Grade:
    id: str
    name: str
    path: Path | None
    status: str = "ok"
    reasons: list[str] = field(default_factory=list)
    answers: list[AnswerResult] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    review: list[str] = field(default_factory=list)  # signs of tampering, for the instructor to look at
    seconds: float = 0.0
    written: list[WrittenResult] = field(default_factory=list)

    @property
    def total(self) -> float:
        return sum(a.points for a in self.answers) + sum(w.points or 0.0 for w in self.written)

    @property
    def maximum(self) -> float:
        return sum(a.points_possible for a in self.answers) + sum(w.points_possible for w in self.written)

    @property
    def to_mark(self) -> list[str]:
        return [w.exercise for w in self.written if w.points is None]

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
            written = key.setdefault("written", [])
            if not isinstance(written, list) or not all(
                isinstance(w, dict) and {"exercise", "points", "criteria"} <= set(w) for w in written
            ):
                raise ValueError("malformed rubrics under 'written'")
            if key.get("release_date") is not None:
                datetime.date.fromisoformat(str(key["release_date"]))  # ValueError: reported below
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
        folder_entry = entry.is_dir() and not entry.is_symlink()  # a linked folder is refused, not followed
        name = entry.name if folder_entry or (entry.is_symlink() and entry.suffix != ".ipynb") else entry.stem
        sid = by_lower.get(name.lower())
        if sid is None:
            notes.append(f"{entry.name}: ignored, {name!r} is not a student of these keys")
            continue
        if folder_entry:
            candidate = entry / f"{chapter}.ipynb"
            if candidate.exists() or candidate.is_symlink():
                if sid in found:
                    notes.append(
                        f"{sid}: both {found[sid].name} and {entry.name}/{candidate.name}; "
                        f"graded {entry.name}/{candidate.name}"
                    )
                found[sid] = candidate
            else:
                inside = ", ".join(sorted(p.name for p in entry.iterdir())) or "nothing"
                notes.append(f"{entry.name}/: no {chapter}.ipynb in it (found {inside})")
                found.setdefault(sid, candidate)  # graded as missing/not a notebook below
        else:
            if sid in found and found[sid].exists():
                notes.append(
                    f"{sid}: both {found[sid].relative_to(folder)} and "
                    f"{entry.name}; graded {found[sid].relative_to(folder)}"
                )
                continue
            found[sid] = entry
    return found, notes


def read_submission(path: Path):
    """The submitted notebook, or :class:`AssignmentError` saying why it is not one."""
    import nbformat

    if path.parent.is_symlink():
        raise AssignmentError(f"{path.parent.name}/ is a symbolic link; hand in the folder itself")
    if path.suffix != ".ipynb" and not path.is_symlink():
        raise AssignmentError(f"{path.name} is not a Jupyter notebook (.ipynb)")
    try:
        data = read_regular(path, SUBMISSION_CAP)
    except UnsafeFile as exc:
        raise AssignmentError(str(exc)) from None
    if path.suffix != ".ipynb":
        raise AssignmentError(f"{path.name} is not a Jupyter notebook (.ipynb)")
    try:
        text = data.decode("utf-8")
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
# Free-text answers


def written_results(key: dict[str, Any], note: str = "") -> list[WrittenResult]:
    return [WrittenResult(w["exercise"], float(w["points"]), note=note) for w in key.get("written", [])]


def written_answers(nb, key: dict[str, Any]) -> list[WrittenResult]:
    """The free-text answers of ``nb``: the markdown cell tagged ``written-answer`` of each rubric's
    exercise (plain text, never executed), cut at the rubric's ``max_chars``."""
    from imtrade.assignments.editions import WRITTEN_PLACEHOLDER, WRITTEN_TAG

    out = []
    for rubric in key.get("written", []):
        result = WrittenResult(rubric["exercise"], float(rubric["points"]))
        cells = [
            c
            for c in nb.cells
            if WRITTEN_TAG in (c.get("metadata", {}).get("tags") or [])
            and c.get("metadata", {}).get("exercise") == rubric["exercise"]
        ]
        if not cells:
            result.note = f"no answer cell (a markdown cell tagged {WRITTEN_TAG} for {rubric['exercise']})"
            out.append(result)
            continue
        source = cells[0].get("source", "")
        text = (source if isinstance(source, str) else "".join(map(str, source))).replace("\r\n", "\n").strip()
        text = text.replace(WRITTEN_PLACEHOLDER, "").strip()
        notes = [f"{len(cells)} answer cells for this exercise; only the first is read"] if len(cells) > 1 else []
        if cells[0].get("cell_type") != "markdown":
            notes.append(f"the answer cell was turned into a {cells[0].get('cell_type')} cell; its text is shown")
        cap = int(rubric.get("max_chars", 4000))
        result.chars = len(text)
        result.sha256 = hashlib.sha256(text.encode("utf-8")).hexdigest()[:16]
        if not text:
            notes.append("no answer (the cell is empty)")
        elif len(text) > cap:
            notes.append(f"too long: {len(text)} characters, at most {cap}; only the first {cap} are shown")
            text = text[:cap]
        result.text, result.note = text, "; ".join(notes)
        out.append(result)
    return out


def rubric_text(rubric: dict[str, Any]) -> str:
    return "; ".join(f"[{c['points']:g}] {c['criterion']}" for c in rubric["criteria"])


def spreadsheet_safe(text: str) -> str:
    """``text`` that a spreadsheet shows as text: a leading ``= + - @`` (a formula) gets a ``'``."""
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text


REVIEW_COLUMNS = ("id", "name", "exercise", "points", "max", "answer", "rubric", "note", "answer_sha256")


def review_csv(grades: list[Grade], keys: dict[str, dict[str, Any]]) -> str:
    """The instructor's review sheet: one row per student and free-text exercise, the answer with the
    rubric beside it and a ``points`` column to fill in (kept from ``--rubric-points``)."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(REVIEW_COLUMNS)
    for g in grades:
        rubrics = {w["exercise"]: w for w in keys[g.id].get("written", [])}
        for w in g.written:
            writer.writerow(
                [
                    g.id,
                    spreadsheet_safe(g.name),
                    w.exercise,
                    "" if w.points is None else _points(w.points),
                    _points(w.points_possible),
                    spreadsheet_safe(w.text),  # the student's text: never a formula when opened
                    rubric_text(rubrics[w.exercise]) if w.exercise in rubrics else "",
                    w.note,
                    w.sha256,
                ]
            )
    return buffer.getvalue()


def read_rubric_points(path: Path, keys: dict[str, dict[str, Any]]) -> dict[tuple[str, str], tuple[float, str]]:
    """``{(id, exercise): (points, answer_sha256)}`` from a review sheet the instructor filled in.

    Rows with an empty ``points`` cell are not marked yet. Every problem (unknown student or
    exercise, points that are not a number or outside 0..max, a row given twice) is reported at once.
    """
    path = Path(path)
    try:
        text = read_regular(path, 64 * 1024 * 1024).decode("utf-8-sig")
    except (UnsafeFile, UnicodeDecodeError) as exc:
        raise AssignmentError(
            f"rubric points file {path} cannot be read ({exc})", fix="pass the review.csv written by `imtrade grade`"
        ) from None
    reader = csv.DictReader(io.StringIO(text))
    missing = [c for c in ("id", "exercise", "points") if c not in (reader.fieldnames or [])]
    if missing:
        raise AssignmentError(
            f"rubric points file {path} lacks the column(s) {', '.join(missing)}",
            fix="fill in the points column of the review.csv written by `imtrade grade`",
        )
    marked: dict[tuple[str, str], tuple[float, str]] = {}
    seen: dict[tuple[str, str], int] = {}
    problems: list[str] = []
    for row in reader:
        line = reader.line_num
        sid, exercise, raw = ((row.get(c) or "").strip() for c in ("id", "exercise", "points"))
        if not sid and not exercise and not raw:
            continue
        where = f"line {line} ({sid} {exercise})"
        if sid not in keys:
            problems.append(f"{where}: {sid!r} is not a student of these keys")
            continue
        rubrics = {w["exercise"]: w for w in keys[sid].get("written", [])}
        if exercise not in rubrics:
            known = ", ".join(rubrics) or "none"
            problems.append(
                f"{where}: {exercise!r} is not a rubric-graded exercise of this chapter (they are: {known})"
            )
            continue
        if (sid, exercise) in seen:
            problems.append(f"{where}: repeats line {seen[sid, exercise]}")
            continue
        seen[sid, exercise] = line
        if not raw:
            continue
        try:
            points = float(raw)
        except ValueError:
            problems.append(f"{where}: points {raw!r} is not a number")
            continue
        top = float(rubrics[exercise]["points"])
        if not math.isfinite(points) or not 0 <= points <= top:
            problems.append(f"{where}: {raw} points is outside the rubric's range 0 to {top:g}")
            continue
        marked[sid, exercise] = (points, (row.get("answer_sha256") or "").strip())
    if problems:
        shown = problems[:25] + ([f"... and {len(problems) - 25} more"] if len(problems) > 25 else [])
        raise AssignmentError(
            f"rubric points file {path}: {len(problems)} problem(s):\n  - " + "\n  - ".join(shown),
            fix="correct those rows; no points were merged",
        )
    return marked


def apply_rubric_points(grade: Grade, marked: dict[tuple[str, str], tuple[float, str]]) -> list[str]:
    """Set the marked points of ``grade``'s free-text answers; notes on points not applied."""
    notes = []
    for w in grade.written:
        w.points = None
        if (grade.id, w.exercise) not in marked:
            continue
        points, digest = marked[grade.id, w.exercise]
        if digest and digest != w.sha256:
            notes.append(
                f"{grade.id} {w.exercise}: the answer changed since it was marked; points not applied, mark it again"
            )
            continue
        w.points = points
    return notes


def expected_released(key: dict[str, Any], show_expected: bool, today: datetime.date | None = None) -> bool:
    """Whether the feedback shows expected values: ``--show-expected``, or the assignment's release date has come."""
    if show_expected:
        return True
    release = key.get("release_date")
    if not release:
        return False
    today = today or datetime.datetime.now(datetime.UTC).date()
    return today >= datetime.date.fromisoformat(release)


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


# Signs of tampering with the capture or the grader, looked for in the submitted code (static, so a
# submission cannot hide them at run time). They do not change the score: they are listed in the
# review column of grades.csv for the instructor to look at.
REVIEW_PATTERNS = (
    (r"\bbuiltins\b|__builtins__", "touches the builtins"),
    (r"^\s*(print|repr|str|int|float|round|isinstance|type|getattr|hasattr|open)\s*=[^=]", "rebinds a builtin"),
    (r"\bget_ipython\s*=|\bdef\s+get_ipython\b", "replaces get_ipython"),
    (r"input_transformers|ast_transformers|\.events\.register|pre_run_cell|post_run_cell", "installs an IPython hook"),
    (r"\bsys\.(stdout|stderr|displayhook|excepthook)\s*=", "replaces sys.stdout/stderr/displayhook"),
    (r"\bjson\.(dumps|dump)\s*=", "replaces json.dumps"),
    (r"_imtrade_capture|imtrade-capture", "mentions the grader's capture"),
    (r"\bsetsid\b|\bos\.fork\b|\bdaemon", "starts background processes"),
    (r"\bsocket\b|\burllib\b|\brequests\b|\bhttp\.client\b", "uses the network"),
    (r"/proc\b|\bkeys/|\.json['\"]\s*\)", "reads system or key files"),
    (r"\bctypes\b|\bsubprocess\b|\bos\.system\b", "runs other programs or native code"),
)


def review_signs(nb) -> list[str]:
    """``"code cell N: <sign>"`` for each tampering sign found in the submitted code cells."""
    import re

    out = []
    code_cells = [c for c in nb.cells if c.cell_type == "code"]
    for number, cell in enumerate(code_cells, 1):
        source = cell.source if isinstance(cell.source, str) else "".join(cell.source)
        for pattern, sign in REVIEW_PATTERNS:
            if re.search(pattern, source, re.M):
                out.append(f"code cell {number}: {sign}")
    return out


def grade_one(
    sid: str,
    key: dict[str, Any],
    path: Path | None,
    timeout: float,
    env: dict[str, str] | None = None,
    sandbox=None,
    scratch: Path | None = None,
) -> Grade:
    """Grade one submission; never raises (every problem ends up in the Grade)."""
    start = time.perf_counter()
    grade = Grade(sid, key["student"]["name"], path)
    grade.answers = [
        AnswerResult(
            a.get("exercise", a["variable"]), a["variable"], float(a["points"]), a["expected"], a.get("tolerance")
        )
        for a in key["answers"]
    ]
    grade.written = written_results(key, "no submission")
    try:
        if path is None:
            grade.set_status("no submission", "no notebook was submitted")
            return grade
        if not path.exists() and not path.is_symlink():
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
        grade.written = written_answers(nb, key)
        tampered = parameter_problems(nb, key, sid)
        grade.review = review_signs(nb)
        result = run_notebook(_prepare(nb, key), timeout=timeout, env=env, sandbox=sandbox, scratch=scratch)
        if result.status == "timeout":
            grade.set_status("timeout", f"the notebook {result.message}")
        elif result.status == "failed":
            grade.set_status("failed", result.message)
        values = None
        if result.notebook is not None:
            grade.errors = cell_errors(result.notebook)
            names = sorted(set(key["state"]) | set(key["parameters"]))
            try:
                values = captured(result.notebook, [a["variable"] for a in key["answers"]], names)
            except CaptureError as exc:
                grade.set_status("failed", f"the answers could not be read back: {exc}")
                grade.review.append(f"malformed capture output: {exc}")
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
                        f"parameter {name} is {json.dumps(entry.get('value'))} at "
                        f"the end of the notebook, assigned {json.dumps(expected)}"
                    )
            for answer in grade.answers:
                score(answer, values["answers"].get(answer.variable))
                if not answer.correct and grade.errors and "not defined" in answer.reason:
                    answer.reason += " (the notebook raised an error before it; see below)"
        elif result.status == "ok" and grade.status == "ok":
            capture_error = next((e for e in grade.errors if "capture" in e.lower()), None)
            grade.set_status(
                "failed",
                "the notebook stopped before its answers could be read"
                + (f" ({capture_error})" if capture_error else ""),
            )
        if grade.status in ("timeout", "failed"):  # no answer of a run that did not finish counts
            for answer in grade.answers:
                answer.points = 0.0
                if not answer.reason:
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
    auto = [a.get("exercise", a["variable"]) for a in key["answers"]]
    return list(dict.fromkeys(auto + [w["exercise"] for w in key.get("written", [])]))


def grades_csv(grades: list[Grade], columns: list[str]) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(["id", "name", *columns, "total", "max", "status", "reason", "review", "to_mark"])
    for g in grades:
        per = {c: _points(sum(a.points for a in g.answers if a.exercise == c)) for c in columns}
        for w in g.written:  # a free-text answer not marked yet is blank, not zero
            per[w.exercise] = "" if w.points is None else _points(w.points)
        writer.writerow(
            [
                g.id,
                g.name,
                *(per[c] for c in columns),
                _points(g.total),
                _points(g.maximum),
                g.status,
                "; ".join(g.reasons),
                "; ".join(dict.fromkeys(g.review)),
                " ".join(g.to_mark),
            ]
        )
    return buffer.getvalue()


def _hide(reason: str, expected: Any) -> str:
    """A reason that gives the expected value away neither directly nor as a distance."""
    import re

    reason = reason.replace(f"expected {_display(expected)}", "wrong value")
    return re.sub(r"off by [^ ]+", "not the expected value", reason)


def _cell(text: str) -> str:
    return str(text).replace("|", "\\|").replace("\n", " ")


def feedback_markdown(grade: Grade, key: dict[str, Any], show_expected: bool = False) -> str:
    """The student's feedback; expected values only with ``show_expected`` (else a resubmission
    after feedback would just copy them; :func:`expected_released` decides it from the release date)."""
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
            f"{_cell(_display(a.expected)) + tolerance if show_expected else 'hidden'} | {_cell(a.given)} | "
            f"{_cell(_hide(a.reason, a.expected) if not show_expected else a.reason)} |"
        )
    if not show_expected:
        release = key.get("release_date")
        lines += ["", f"Expected values are hidden until {release}." if release else "Expected values are hidden."]
    if grade.written:
        lines += ["", "## Written answers (marked by your instructor against a rubric)", ""]
        lines += ["| exercise | points | note |", "|---|---|---|"]
        for w in grade.written:
            mark = "not marked yet" if w.points is None else _points(w.points)
            lines.append(f"| {w.exercise} | {mark} / {_points(w.points_possible)} | {_cell(w.note)} |")
    if grade.errors:
        lines += ["", "## Errors while running your notebook", "", *[f"- {_cell(e)}" for e in grade.errors]]
    return "\n".join(lines) + "\n"


def grade_to_dict(grade: Grade) -> dict[str, Any]:
    return {
        "id": grade.id,
        "name": grade.name,
        "path": str(grade.path) if grade.path is not None else None,
        "status": grade.status,
        "reasons": grade.reasons,
        "errors": grade.errors,
        "review": grade.review,
        "seconds": round(grade.seconds, 3),
        "answers": [vars(a) for a in grade.answers],
        "written": [vars(w) for w in grade.written],
    }


def grade_from_dict(data: dict[str, Any]) -> Grade:
    grade = Grade(data["id"], data["name"], Path(data["path"]) if data.get("path") else None)
    grade.status, grade.reasons, grade.errors = data["status"], list(data["reasons"]), list(data["errors"])
    grade.review, grade.seconds = list(data.get("review", [])), float(data.get("seconds", 0.0))
    grade.answers = [AnswerResult(**a) for a in data["answers"]]
    grade.written = [WrittenResult(**w) for w in data.get("written", [])]
    return grade


def results_document(
    grade: Grade, key_digest: str, submission_digest: str | None, show_expected: bool = False
) -> dict[str, Any]:
    """Gradescope's ``results.json`` layout (score, tests), with the whole grade under ``imtrade``
    (for the instructor: it holds the expected values)."""
    return {
        "score": grade.total,
        "output": f"status: {grade.status}" + (": " + "; ".join(grade.reasons) if grade.reasons else ""),
        "tests": [
            {
                "name": f"{a.exercise} ({a.variable})",
                "score": a.points,
                "max_score": a.points_possible,
                "status": "passed" if a.correct and a.points else "failed",
                "output": a.reason if show_expected else _hide(a.reason, a.expected),
            }
            for a in grade.answers
        ]
        + [
            {
                "name": f"{w.exercise} (written, rubric)",
                "score": w.points or 0.0,
                "max_score": w.points_possible,
                "status": "passed" if w.points else "failed",
                "output": "not marked yet" if w.points is None else "marked by the instructor",
            }
            for w in grade.written
        ],
        "imtrade": {
            "version": RESULTS_VERSION,
            "key_sha256": key_digest,
            "submission_sha256": submission_digest,
            "grade": grade_to_dict(grade),
        },
    }


def atomic_write(path: Path, text: str) -> None:
    """A grading record, written durably (a resumed run trusts every file it finds)."""
    fileio.atomic_write(path, text, durable=True)


def _digest(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def key_digest(key: dict[str, Any]) -> str:
    return _digest(json.dumps(key, sort_keys=True).encode("utf-8"))


def submission_digest(path: Path | None) -> str | None:
    """sha256 of the submitted bytes (None when there is nothing readable: graded again each run)."""
    if path is None:
        return None
    try:
        return _digest(read_regular(path, SUBMISSION_CAP))
    except UnsafeFile:
        return None


def kept_result(results: Path, sid: str, key_sha: str, sub_sha: str | None) -> Grade | None:
    """The grade of an earlier run if it is for the same key and the same submitted bytes."""
    if sub_sha is None:
        return None
    try:
        data = json.loads(read_regular(results / f"{sid}.json", 16 * 1024 * 1024).decode("utf-8"))["imtrade"]
        if (data["version"], data["key_sha256"], data["submission_sha256"]) != (RESULTS_VERSION, key_sha, sub_sha):
            return None
        return grade_from_dict(data["grade"])
    except (UnsafeFile, ValueError, KeyError, TypeError):
        return None


@dataclass
class GradeReport:
    grades: list[Grade]
    notes: list[str]
    csv: Path
    feedback: Path
    seconds: float
    results: Path | None = None
    kept: int = 0  # students whose earlier grade was kept (unchanged submission and key)


UNSAFE_WARNING = (
    "WARNING: --unsafe-no-sandbox: students' code runs with YOUR rights: it can read the answer keys, "
    "your files and environment, reach the network and outlive the run. Use it only for trusted notebooks."
)


def make_sandbox(chapter: str, hidden: dict[str, Path]):
    """The sandbox of every submission; refuses if a folder of ``hidden`` would be visible inside."""
    from imtrade.assignments.sandbox import Sandbox, problem, project_paths, python_paths
    from imtrade.paths import CHAPTER_ENV, DATA_DIR_ENV, ROOT_ENV, project

    why = problem()
    if why is not None:
        raise AssignmentError(
            f"cannot grade safely: {why}",
            fix="install bubblewrap (it isolates every submission), or pass --unsafe-no-sandbox to run "
            "students' code with your own rights (only for notebooks you trust)",
        )
    paths = project()
    sandbox = Sandbox(
        python_paths() + project_paths(paths.root, paths.data_dir),
        env={ROOT_ENV: str(paths.root), DATA_DIR_ENV: str(paths.data_dir), CHAPTER_ENV: chapter},
    )
    hidden = {**hidden, "chapters (the solutions)": paths.chapters, "build": paths.build}
    for what, folder in hidden.items():
        if not sandbox.hides(folder):
            raise AssignmentError(
                f"the {what} folder {folder} lies inside a folder every submission can read (the project's data "
                "or the Python environment)",
                fix="keep keys, submissions and grades outside the project's data/ and the environment",
            )
    return sandbox


def grade(
    submissions: Path,
    keys: Path,
    *,
    timeout: float = GRADE_TIMEOUT,
    jobs: int = 2,
    out: Path | None = None,
    progress=print,
    unsafe_no_sandbox: bool = False,
    regrade: bool = False,
    show_expected: bool = False,
    rubric_points: Path | None = None,
    today: datetime.date | None = None,
    class_timeout: float | None = None,
) -> GradeReport:
    """Grade every student of ``keys``; see the module docstring."""
    from imtrade.assignments.sandbox import environment
    from imtrade.paths import CHAPTER_ENV, DATA_DIR_ENV, ROOT_ENV, project

    start = time.perf_counter()
    submissions = Path(submissions)
    key_map = load_keys(keys)
    chapter = next(iter(key_map.values()))["chapter"]
    marked = read_rubric_points(rubric_points, key_map) if rubric_points is not None else {}
    shown = {sid: expected_released(key, show_expected, today) for sid, key in key_map.items()}
    target = Path(out) if out is not None else submissions
    if unsafe_no_sandbox:
        sandbox = None
        progress(UNSAFE_WARNING)
    else:
        sandbox = make_sandbox(chapter, {"keys": Path(keys), "submissions": submissions, "output": target})
    mode = Path(keys).stat().st_mode & 0o077
    if mode:
        progress(f"WARNING: the keys folder {keys} is readable by other users (chmod 700 {keys})")
    found, notes = find_submissions(submissions, chapter, set(key_map))
    paths = project()
    env = environment({ROOT_ENV: str(paths.root), DATA_DIR_ENV: str(paths.data_dir), CHAPTER_ENV: chapter})
    feedback, results, scratch = target / "feedback", target / "results", target / SCRATCH
    shutil.rmtree(scratch, ignore_errors=True)  # left by a grader that was killed
    scratch.mkdir(mode=0o700, parents=True)
    feedback.mkdir(parents=True, exist_ok=True)
    results.mkdir(parents=True, exist_ok=True)
    columns = exercise_columns(next(iter(key_map.values())))
    csv_path = target / "grades.csv"
    review_path = target / "review.csv"
    written = any(k.get("written") for k in key_map.values())

    done: dict[str, Grade] = {}
    digests: dict[str, tuple[str, str | None]] = {}
    lock = threading.Lock()
    todo: list[tuple[str, str, str | None]] = []
    for sid in sorted(key_map):
        key_sha, sub_sha = key_digest(key_map[sid]), submission_digest(found.get(sid))
        kept = None if regrade else kept_result(results, sid, key_sha, sub_sha)
        digests[sid] = (key_sha, sub_sha)
        if kept is not None:
            done[sid] = kept
        else:
            todo.append((sid, key_sha, sub_sha))
    kept_count = len(done)
    progress(
        f"{chapter}: grading {len(todo)} of {len(key_map)} student(s) ({kept_count} kept from an earlier run; "
        f"--regrade grades them again), {jobs} at a time, at most {timeout:g} s each"
        + ("" if sandbox is None else ", each in a sandbox")
    )

    def write_one(g: Grade) -> None:
        notes.extend(apply_rubric_points(g, marked))
        key_sha, sub_sha = digests[g.id]
        atomic_write(
            results / f"{g.id}.json",
            json.dumps(results_document(g, key_sha, sub_sha, shown[g.id]), indent=1) + "\n",
        )
        atomic_write(feedback / f"{g.id}.md", feedback_markdown(g, key_map[g.id], shown[g.id]))

    def write_sheets() -> None:
        graded = [done[i] for i in sorted(done)]
        atomic_write(csv_path, grades_csv(graded, columns))
        if written:
            atomic_write(review_path, review_csv(graded, key_map))

    def record(g: Grade, key_sha: str, sub_sha: str | None) -> None:
        with lock:
            done[g.id] = g
            write_one(g)
            write_sheets()

    with lock:  # kept grades: points, release date and feedback as of this run
        for g in done.values():
            write_one(g)
        write_sheets()

    # The watchdog on the whole class: no run starts after it, a running one is cut at it, and
    # neither is recorded, so a rerun (resume) grades exactly those students.
    class_deadline = None if class_timeout is None else time.monotonic() + class_timeout
    not_graded: list[str] = []

    def work(item: tuple[str, str, str | None]) -> Grade | None:
        sid, key_sha, sub_sha = item
        limit = timeout
        if class_deadline is not None:
            limit = min(timeout, class_deadline - time.monotonic())
            if limit <= 0:
                with lock:
                    not_graded.append(sid)
                return None
        result = grade_one(sid, key_map[sid], found.get(sid), limit, env, sandbox, scratch=scratch)
        if result.status == "timeout" and limit < timeout:
            with lock:
                not_graded.append(sid)
            progress(f"  {sid:16} stopped at the class time limit of {class_timeout:g} s: not graded")
            return None
        record(result, key_sha, sub_sha)
        progress(f"  {sid:16} {_points(result.total):>5} / {_points(result.maximum):<5} {result.status}")
        return result

    runner.STOP.clear()
    pool = ThreadPoolExecutor(max_workers=max(1, jobs))
    try:
        list(pool.map(work, todo))
    except BaseException:  # Ctrl-C, a signal: kill the running sandboxes now, keep what is graded
        runner.stop_all()
        raise
    finally:
        pool.shutdown(wait=True, cancel_futures=True)
        shutil.rmtree(scratch, ignore_errors=True)
    if not_graded:
        notes.append(
            f"{len(not_graded)} student(s) not graded within the class time limit of {class_timeout:g} s "
            f"({', '.join(sorted(not_graded))}): run `imtrade grade` again to grade them (graded ones are kept)"
        )
    grades = [done[i] for i in sorted(done)]
    return GradeReport(grades, notes, csv_path, feedback, time.perf_counter() - start, results, kept_count)
